"""The stylesheet and the page shell: colour contrast to WCAG 2.1 AA computed from the CSS
custom properties and the colours the rules pair, logical properties only (so right-to-left
needs no second stylesheet), a system font stack that covers Arabic and Sorani, and no
CDN or framework: every page loads only monitor's own stylesheet."""
from __future__ import annotations

import re

import pytest

from monitor import TOP

CSS = (TOP / "monitor" / "static" / "style.css").read_text(encoding="utf-8")
TEMPLATES = TOP / "monitor" / "templates"
HEX = r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b"


def root_properties() -> dict[str, str]:
    root = re.search(r":root\s*{([^}]*)}", CSS)
    assert root, "style.css has no :root block"
    return {name: value for name, value in re.findall(rf"--([\w-]+):\s*({HEX})", root.group(1))}


PROPS = root_properties()


def colour(value: str) -> str | None:
    """A declaration's colour as #rrggbb: a hex literal or a var(--name) of :root."""
    value = value.strip()
    named = re.fullmatch(r"var\(--([\w-]+)\)", value)
    if named:
        value = PROPS.get(named.group(1), "")
    if re.fullmatch(HEX, value):
        value = value.lower()
        return value if len(value) == 7 else "#" + "".join(c * 2 for c in value[1:])
    return None


def luminance(hex_colour: str) -> float:
    channels = []
    for i in (1, 3, 5):
        c = int(hex_colour[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rules() -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) of every rule, @media blocks included (flattened)."""
    found = []
    for selector, body in re.findall(r"([^{}]+){([^{}]*)}", re.sub(r"/\*.*?\*/", "", CSS,
                                                                   flags=re.DOTALL)):
        declarations = {}
        for item in body.split(";"):
            if ":" in item:
                name, value = item.split(":", 1)
                declarations[name.strip()] = value.strip()
        found.append((selector.strip(), declarations))
    return found


def background_of(declarations: dict[str, str]) -> str | None:
    for name in ("background-color", "background"):
        if name in declarations:
            return colour(declarations[name])
    return None


#: Dark colours used for text anywhere (white text on a button is checked with its fill).
TEXT_COLOURS = sorted({c for _s, d in rules() if "color" in d and (c := colour(d["color"]))
                       and luminance(c) < 0.5} | {PROPS["ink"], PROPS["muted"]})
#: Every background a rule paints, plus the page's own.
BACKGROUNDS = sorted({b for _s, d in rules() if (b := background_of(d))} | {PROPS["bg"]})


def test_the_palette_is_what_the_test_reads():
    assert {"ink", "muted", "bg", "soft", "accent", "accent-ink", "danger", "ok", "warn",
            "focus"} <= set(PROPS)
    assert len(TEXT_COLOURS) >= 6 and len(BACKGROUNDS) >= 5


@pytest.mark.parametrize("text", TEXT_COLOURS)
def test_every_text_colour_reads_on_every_light_background_at_aa(text):
    """WCAG 2.1 AA, 1.4.3: 4.5:1 for body text. A rule's own pair (a badge's colour on its
    tint) is covered, and so is any colour on any other light background it may end up on
    (a link in a notice, a muted line in a table header)."""
    light = [b for b in BACKGROUNDS if luminance(b) > 0.5]
    failures = {b: round(contrast(text, b), 2) for b in light if contrast(text, b) < 4.5}
    assert failures == {}, f"{text} is too faint on these backgrounds"


def test_each_rule_that_sets_both_colours_pairs_them_at_aa():
    failures = {}
    for selector, declarations in rules():
        text, back = colour(declarations.get("color", "")), background_of(declarations)
        if text and back and contrast(text, back) < 4.5:
            failures[selector] = round(contrast(text, back), 2)
    assert failures == {}


def test_buttons_read_white_on_their_colour():
    for fill in ("accent", "danger"):
        assert contrast(PROPS["accent-ink"], PROPS[fill]) >= 4.5, fill


def test_the_focus_ring_and_field_borders_stand_out_at_three_to_one():
    """WCAG 2.1 AA, 1.4.11 (non-text contrast): the focus indicator and the boundary of a
    text field against the backgrounds they sit on."""
    assert re.search(r"a:focus[^{]*{[^}]*outline:\s*3px solid var\(--focus\)", CSS)
    for back in BACKGROUNDS:
        if luminance(back) > 0.5:
            assert contrast(PROPS["focus"], back) >= 3, back
    field = re.search(r"textarea\s*{[^}]*border:\s*1px solid (#[0-9a-fA-F]{6})", CSS)
    assert field, "text fields lost their border"
    assert contrast(field.group(1), PROPS["bg"]) >= 3


PHYSICAL = re.compile(
    r"(?<![\w-])(?:margin|padding|border)-(?:left|right)\b"
    r"|(?<![\w-])(?:left|right)\s*:"
    r"|text-align:\s*(?:left|right)\b|float:\s*(?:left|right)\b|clear:\s*(?:left|right)\b")


def test_the_stylesheet_uses_logical_properties_only():
    """margin-inline-start, not margin-left: the same stylesheet serves right-to-left."""
    assert PHYSICAL.findall(re.sub(r"/\*.*?\*/", "", CSS, flags=re.DOTALL)) == []


def test_the_font_stack_is_the_systems_with_arabic_script_fallbacks():
    stack = re.search(r":root\s*{[^}]*font-family:([^;]*);", CSS).group(1)
    families = [f.strip().strip('"') for f in stack.split(",")]
    assert families[0] == "system-ui" and families[-1] == "sans-serif"
    # Fonts that carry the Arabic-script letters Sorani adds (ڕ ڵ ۆ ێ ە), on Linux,
    # Android, Windows and macOS; the browser test checks that they render.
    assert {"Noto Sans Arabic", "Tahoma", "DejaVu Sans"} <= set(families)
    assert "@font-face" not in CSS and "@import" not in CSS and "url(" not in CSS


def test_pages_load_no_cdn_and_no_framework():
    """Only monitor's own stylesheet; small scripts (the draft autosave, the official-
    progress form's level fields) from monitor's static folder, never inline, and every
    page works without them."""
    for path in TEMPLATES.rglob("*.html"):
        if "email" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script[^>]*>(?:[^<]*)</script>|<script[^>]*>", text):
            assert re.fullmatch(OWN_SCRIPT, tag), (path, tag)
        for tag in re.findall(r"<link[^>]*>", text):
            assert "url_for('static'" in tag and "http" not in tag, (path, tag)
    scripts = sorted(p.name for p in (TEMPLATES.parent / "static").glob("*.js"))
    assert scripts == ["autosave.js", "official.js", "relevance.js"]
    for name in scripts:
        assert (TEMPLATES.parent / "static" / name).stat().st_size < 4096, name


OWN_SCRIPT = r"""<script src="\{\{ url_for\('static', filename='[a-z]+\.js'\) \}\}" defer></script>"""
