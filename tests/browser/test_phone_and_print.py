"""On a phone (360 px) in Arabic, Sorani and English, on the demo: every cell and action
of a table stays on the screen (no sideways scrolling hides Gap, Official or Edit), chart
labels are at least 12 px, the printable report fits the screen, the audit trail shows
short fingerprints (the whole one on demand) and checkboxes and radio buttons are 24 px
targets. And the printable report, saved as an A4 PDF by Chromium, keeps every column and
chart within the page box in all three languages."""
from __future__ import annotations

import datetime as dt

import io
import re

import pytest

from browser.test_journeys import demo_site, sign_in  # noqa: F401 (a fixture)

SLUG = "krg-hrp-2021-2025"
#: The demo is seeded relative to today: last year's period is closed, with data, and published.
PERIOD = str(dt.datetime.now(dt.UTC).date().year - 1)
LANGS = ("ar", "ckb", "en")

#: Elements matching a selector that lie (partly) outside [0, width] CSS pixels.
OUTSIDE = """([selector, width]) => {
  const faults = [];
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.width && (box.left < -1 || box.right > width + 1))
      faults.push(`${el.tagName} "${el.textContent.trim().slice(0, 30)}" `
                  + `${Math.round(box.left)}..${Math.round(box.right)}`);
  }
  return faults.slice(0, 5);
}"""
#: Every cell, link and button of a table (on a phone: within the screen's width).
TABLE_PARTS = "main table th, main table td, main table a, main table button"
#: What the printed report holds (within the page box).
REPORT_PARTS = "main th, main td, main svg.chart, main figure, main p, main h1, main h2"

#: Chart labels rendered smaller than 12 CSS pixels (font size times the SVG's scale).
SMALL_LABELS = """() => [...document.querySelectorAll("svg.chart text")]
  .filter(t => t.getClientRects().length)
  .map(t => [t.textContent.slice(0, 20),
             parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a])
  .filter(([, size]) => size < 11.95).slice(0, 5)"""

#: Visible checkboxes and radio buttons smaller than 24 x 24 CSS pixels.
SMALL_TARGETS = """() => [...document.querySelectorAll("input[type=checkbox], input[type=radio]")]
  .map(i => i.getBoundingClientRect()).filter(b => b.width > 0)
  .filter(b => b.width < 24 || b.height < 24).map(b => [b.width, b.height]).slice(0, 3)"""


def _open(page, base: str, path: str, lang: str) -> None:  # noqa: ANN001
    sep = "&" if "?" in path else "?"
    response = page.goto(f"{base}{path}{sep}lang={lang}")
    assert response.status == 200, (path, response.status)


@pytest.mark.parametrize("lang", LANGS)
def test_on_a_phone_tables_charts_and_the_report_stay_on_screen(page_factory, demo_site,  # noqa: F811
                                                                lang):
    base, problems = demo_site.url, {}
    page = page_factory(360, lang)
    sign_in(page, base, demo_site.coordinator, lang)
    for path in (f"/plans/{SLUG}", f"/reports/{SLUG}/{PERIOD}",
                 f"/reports/{SLUG}/{PERIOD}/report",
                 f"/plans/{SLUG}/recommendations", "/audit/", f"/results/{SLUG}/{PERIOD}"):
        if path.startswith("/results/"):  # the public page: published first
            _open(page, base, f"/reports/{SLUG}/{PERIOD}", lang)
            if page.locator("form[action$='/publish'] button").count():
                with page.expect_navigation():
                    page.click("form[action$='/publish'] button")
        _open(page, base, path, lang)
        found = {
            "off screen": page.evaluate(OUTSIDE, [TABLE_PARTS, 360]),
            "labels < 12 px": page.evaluate(SMALL_LABELS),
            "wider than the screen": page.evaluate(
                "document.documentElement.scrollWidth > window.innerWidth + 1"),
        }
        problems.update({f"{path} {k}": v for k, v in found.items() if v})
    assert problems == {}


@pytest.mark.parametrize("lang", LANGS)
def test_the_audit_trail_shows_short_fingerprints_in_words_on_a_phone(page_factory,
                                                                      demo_site, lang):  # noqa: F811
    page = page_factory(360, lang)
    sign_in(page, demo_site.url, demo_site.coordinator, lang)
    _open(page, demo_site.url, "/audit/", lang)
    text = page.inner_text("main table")
    assert "evaluation.submitted" not in text and "content_hash" not in text
    assert "Evaluation #" not in text
    # Before, then after, in the reading direction.
    changes = page.inner_text("ul.changes >> nth=0")
    assert ("→" in changes) == (lang == "en") and ("←" in changes) == (lang != "en")
    fingerprint = page.locator("details.hash").first
    summary = fingerprint.locator("summary").inner_text()
    assert summary.endswith("…") and len(summary) <= 14
    fingerprint.locator("summary").click()  # the whole fingerprint on demand, no script
    assert re.search(r"\b[0-9a-f]{64}\b", fingerprint.inner_text())
    # Forty entries a page: a few screens, not a column of hash characters.
    assert page.evaluate("document.documentElement.scrollHeight") < 60 * 800
    assert page.locator("a[rel=next]").count() == 1


@pytest.mark.parametrize("lang", ("ar", "en"))
def test_checkboxes_and_radio_buttons_are_24_px_targets(page_factory, demo_site, lang):  # noqa: F811
    page = page_factory(360, lang)
    sign_in(page, demo_site.url, demo_site.ngo_admin, lang)
    seen = 0
    for name, path in demo_site.ngo_pages:
        _open(page, demo_site.url, path, lang)
        seen += page.locator("input[type=checkbox], input[type=radio]").count()
        assert page.evaluate(SMALL_TARGETS) == [], name
    assert seen > 0


def _pdf_text_extent(pdf: bytes) -> list[tuple[float, float, float, int]]:
    """Per page of the PDF: its width, the leftmost and rightmost character edges, and the
    number of characters (pdfminer.six reads the characters Chromium placed)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar

    pages = []
    for layout in extract_pages(io.BytesIO(pdf)):
        edges: list[tuple[float, float]] = []

        def walk(item) -> None:  # noqa: ANN001
            if isinstance(item, LTChar):
                edges.append((item.x0, item.x1))
            elif hasattr(item, "__iter__"):
                for child in item:
                    walk(child)

        walk(layout)
        pages.append((layout.width, min((e[0] for e in edges), default=0.0),
                      max((e[1] for e in edges), default=0.0), len(edges)))
    return pages


#: A4 (210 mm) less the report's 15 mm margins, in CSS pixels (96 per inch).
A4_CONTENT_PX = (210 - 2 * 15) / 25.4 * 96


@pytest.mark.parametrize("lang", LANGS)
def test_the_printable_report_fits_an_a4_page_in_every_language(page_factory, demo_site,  # noqa: F811
                                                                lang, tmp_path):
    page = page_factory(1280, lang)
    sign_in(page, demo_site.url, demo_site.coordinator, lang)
    _open(page, demo_site.url, f"/reports/{SLUG}/{PERIOD}/report", lang)
    pdf = page.pdf(path=str(tmp_path / f"report-{lang}.pdf"), format="A4",
                   prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    # What Chromium printed: every character on the page, and the content not shrunk.
    for number, (width, left, right, chars) in enumerate(_pdf_text_extent(pdf), 1):
        assert chars and left >= 0 and right <= width, (number, left, right, width)
    width, left, right, _chars = _pdf_text_extent(pdf)[0]
    assert right - left > 0.6 * width, (left, right, width)
    # The layout Chromium printed: print media at the page box's width.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": int(A4_CONTENT_PX), "height": 1000})
    assert page.evaluate(OUTSIDE, [REPORT_PARTS, A4_CONTENT_PX]) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_CONTENT_PX + 1
