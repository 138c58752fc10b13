"""Small server-side SVG charts: accessible, right-to-left aware, no JavaScript.

Every function returns a ``markupsafe.Markup`` holding one standalone inline ``<svg>``
(sized by its viewBox, ``width="100%"``, ``role="img"``) whose ``<title>`` and
``<desc>`` give a text alternative listing the data in words. All text passed in is
escaped. Labels and numbers arrive already formatted for the locale (the callers pass
formatting callables), so this module has no locale logic of its own.

Colours come from CSS classes (``series-official``, ``series-independent``,
``lvl-0`` ... ``lvl-100``) and, as a fallback for print and exports without the page's
CSS, from ``fill``/``stroke`` attributes whose colours have at least 4.5:1 contrast
against white. The two series of a trend chart also differ by dash pattern and marker
shape, so they can be told apart without colour.

Right to left (``rtl=True``): the horizontal axis is mirrored (time runs from right to
left, the stacked levels start on the right, labels sit on the right), and every text
element carries ``direction="rtl"``. Under ``direction="rtl"`` SVG's ``text-anchor``
is logical (``start`` is the right-hand edge), so anchors are computed from the physical
alignment wanted: the physical alignment is mirrored, not merely the keyword.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = [
    "Series",
    "trend_chart",
    "paired_bars",
    "distribution_bar",
    "SERIES_COLOURS",
    "LEVEL_COLOURS",
    "TEXT_COLOUR",
    "MUTED_COLOUR",
    "contrast_ratio",
]

LEVELS = (0, 25, 50, 75, 100)

#: Fallback colours (used when the page's CSS is absent). All >= 4.5:1 against white.
SERIES_COLOURS = {"series-official": "#a34800", "series-independent": "#1f5fa8"}
#: Ordinal palette: orange (not implemented) -> grey -> blue (fully implemented); it
#: stays distinguishable with the common forms of colour blindness.
LEVEL_COLOURS = {0: "#8c3d00", 25: "#b85a00", 50: "#6b6b6b", 75: "#3b78b5", 100: "#1b4f8a"}
TEXT_COLOUR = "#1a1a1a"
MUTED_COLOUR = "#595959"  # axes, "no data" (7:1 against white)
GRID_COLOUR = "#d0d0d0"  # decorative only
_OTHER_SERIES_COLOURS = ("#1f5fa8", "#a34800", "#5b3a8c", "#1a1a1a")

# Per series: dash pattern and marker shape, so colour is never the only cue.
_OFFICIAL_STYLE = ("6 4", "square")
_INDEPENDENT_STYLE = (None, "circle")
_OTHER_STYLES = ((None, "circle"), ("6 4", "square"), ("2 3", "triangle"), ("8 3 2 3", "diamond"))

FONT_SIZE = 12
CHAR_WIDTH = 6.6  # rough average advance of a 12px sans-serif character
LABEL_MAX_CHARS = 40
_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _default_fmt(value: float) -> str:
    return f"{value:g}"


def _default_pct(value: float) -> str:
    return f"{value:.0f}%"


@dataclass(frozen=True)
class Series:
    """One line of a trend chart. ``values`` has one entry per period; None is a gap."""

    name: str
    values: Sequence[float | None]
    css_class: str


# --- small helpers -----------------------------------------------------------------------


def _num(value: float) -> str:
    """A coordinate with at most one decimal, without a trailing ".0"."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _attrs(attributes: Mapping[str, object | None]) -> str:
    parts = []
    for name, value in attributes.items():
        if value is None:
            continue
        if isinstance(value, float):
            value = _num(value)
        parts.append(f' {name}="{escape(value)}"')
    return "".join(parts)


def _anchor(align: str, rtl: bool) -> str | None:
    """text-anchor giving the physical alignment ``align`` ('left', 'right', 'middle').

    Under direction="rtl", ``start`` is the right-hand edge of the text."""
    if align == "middle":
        return "middle"
    if align == "left":
        return "end" if rtl else None  # None: the default, start
    return "start" if rtl else "end"


def _text(x: float, y: float, content: str, *, align: str | None, rtl: bool,
          full: str | None = None, **attributes: object | None) -> str:
    """A <text> element. ``align=None`` leaves text-anchor to the enclosing group."""
    attrs = {"x": float(x), "y": float(y),
             "text-anchor": _anchor(align, rtl) if align else None,
             "direction": "rtl" if rtl else None}
    attrs.update({k.replace("_", "-"): v for k, v in attributes.items()})
    tooltip = f"<title>{escape(full)}</title>" if full is not None else ""
    return f"<text{_attrs(attrs)}>{escape(content)}{tooltip}</text>"


def _truncate(text: str, limit: int = LABEL_MAX_CHARS) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    return text[: limit - 1].rstrip() + "\u2026", True


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def _relative_luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    channels = [int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours."""
    high, low = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _text_on(fill: str) -> str:
    """White or near-black, whichever contrasts more with ``fill``."""
    if contrast_ratio("#ffffff", fill) >= contrast_ratio(TEXT_COLOUR, fill):
        return "#ffffff"
    return TEXT_COLOUR


def _chart_id(kind: str, chart_id: str | None, *parts: object) -> str:
    if chart_id is not None:
        if not _ID_RE.match(chart_id):
            raise ValueError("chart_id must start with a letter and contain only [A-Za-z0-9_-]")
        return chart_id
    digest = hashlib.sha256(repr((kind,) + parts).encode("utf-8")).hexdigest()[:10]
    return f"chart-{kind}-{digest}"


def _svg(kind: str, ident: str, width: float, height: float, title: str, desc: str,
         body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {_num(height)}"'
        f' width="100%" role="img" aria-labelledby="{ident}-t" aria-describedby="{ident}-d"'
        f' class="chart chart-{kind}" font-family="sans-serif" font-size="{FONT_SIZE}"'
        f' fill="{TEXT_COLOUR}">'
        f'<title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(desc)}</desc>'
    )
    # Every piece of caller text above went through escape(); the rest is our own markup.
    return Markup(head + "".join(body) + "</svg>")  # nosec B704


def _join_desc(desc: str | None, sentences: list[str]) -> str:
    parts = [desc.strip()] if desc and desc.strip() else []
    parts.extend(sentences)
    return " ".join(parts)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


# --- trend chart -------------------------------------------------------------------------


def _series_look(series: Series, index: int) -> tuple[str, str | None, str]:
    """(colour, dash pattern, marker shape) of a series."""
    classes = series.css_class.split()
    if "series-official" in classes:
        return (SERIES_COLOURS["series-official"], *_OFFICIAL_STYLE)
    if "series-independent" in classes:
        return (SERIES_COLOURS["series-independent"], *_INDEPENDENT_STYLE)
    dash, marker = _OTHER_STYLES[index % len(_OTHER_STYLES)]
    return _OTHER_SERIES_COLOURS[index % len(_OTHER_SERIES_COLOURS)], dash, marker


def _marker(shape: str, x: float, y: float, tooltip: str | None = None) -> str:
    if shape == "circle":
        element, attrs = "circle", {"cx": x, "cy": y, "r": 4.0}
    elif shape == "square":
        element, attrs = "rect", {"x": x - 4, "y": y - 4, "width": 8.0, "height": 8.0}
    elif shape == "triangle":
        d = f"M{_num(x)} {_num(y - 5)}L{_num(x + 5)} {_num(y + 4)}L{_num(x - 5)} {_num(y + 4)}Z"
        element, attrs = "path", {"d": d}
    else:  # diamond
        d = (f"M{_num(x)} {_num(y - 5)}L{_num(x + 5)} {_num(y)}"
             f"L{_num(x)} {_num(y + 5)}L{_num(x - 5)} {_num(y)}Z")
        element, attrs = "path", {"d": d}
    if tooltip is None:
        return f"<{element}{_attrs(attrs)}/>"
    return f"<{element}{_attrs(attrs)}><title>{escape(tooltip)}</title></{element}>"


def trend_chart(
    periods: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str = "",
    rtl: bool = False,
    y_max: float = 100,
    y_label_fmt: Callable[[float], str] = _default_fmt,
    no_data_label: str = "no data",
    chart_id: str | None = None,
) -> Markup:
    """Line chart with points: one x position per period, one line per series.

    ``periods`` are the (formatted) period labels, oldest first. A None value leaves a
    gap in the line; an isolated value is drawn as a lone marker. ``y_label_fmt`` formats
    the y-axis ticks (0, 1/4, ... of ``y_max``) and the values in the text alternative.
    With ``rtl`` time runs from right to left and the y axis is on the right.
    """
    periods = [str(p) for p in periods]
    for s in series:
        if len(s.values) != len(periods):
            raise ValueError(
                f"series {s.name!r} has {len(s.values)} values for {len(periods)} periods")
    if y_max <= 0:
        raise ValueError("y_max must be positive")

    width, height = 640.0, 300.0
    axis_room, side_room = 52.0, 16.0
    top, bottom = 40.0, height - 36.0
    left = side_room if rtl else axis_room
    right = width - (axis_room if rtl else side_room)
    count = len(periods)
    step = (right - left - 24) / (count - 1) if count > 1 else 0.0

    def x_of(i: int) -> float:
        if count == 1:
            return (left + right) / 2
        offset = 12 + i * step
        return right - offset if rtl else left + offset

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * _clamp(value, 0, y_max) / y_max

    body: list[str] = []
    # Grid and y-axis ticks.
    grid, ticks = [], []
    for k in range(5):
        value = y_max * k / 4
        y = y_of(value)
        grid.append(f"M{_num(left)} {_num(y)}H{_num(right)}")
        tick_x = right + 6 if rtl else left - 6
        ticks.append(_text(tick_x, y + 4, y_label_fmt(value), align=None, rtl=rtl))
    body.append(f'<path class="grid" d="{"".join(grid)}" stroke="{GRID_COLOUR}" fill="none"/>')
    axis_x = right if rtl else left
    body.append(
        f'<path class="axis" d="M{_num(axis_x)} {_num(top)}V{_num(bottom)}'
        f'M{_num(left)} {_num(bottom)}H{_num(right)}" stroke="{MUTED_COLOUR}" fill="none"/>'
    )
    # Tick labels sit outside the y axis: left of it in LTR, right of it in RTL.
    tick_anchor = _attrs({"text-anchor": _anchor("left" if rtl else "right", rtl)})
    body.append(f'<g class="ticks"{tick_anchor}>{"".join(ticks)}</g>')

    # Period labels, shortened to the space between two points.
    max_chars = max(4, int((step if count > 1 else right - left) / CHAR_WIDTH))
    labels = []
    for i, period in enumerate(periods):
        short, cut = _truncate(period, max_chars)
        labels.append(_text(x_of(i), bottom + 18, short, align=None, rtl=rtl,
                            full=period if cut else None))
    body.append(f'<g class="periods" text-anchor="middle">{"".join(labels)}</g>')

    # Series: a path per series with one sub-path per run of consecutive values.
    legend_x = right if rtl else left
    legend = []
    for index, s in enumerate(series):
        colour, dash, shape = _series_look(s, index)
        points = [(x_of(i), y_of(v)) if v is not None else None for i, v in enumerate(s.values)]
        d, run = [], []
        for point in points + [None]:
            if point is not None:
                run.append(point)
                continue
            if len(run) > 1:
                d.append("M" + "L".join(f"{_num(x)} {_num(y)}" for x, y in run))
            run = []
        markers = [
            _marker(shape, p[0], p[1], f"{s.name}, {periods[i]}: {y_label_fmt(s.values[i])}")
            for i, p in enumerate(points) if p is not None
        ]
        line = (
            f'<path d="{"".join(d)}" fill="none" stroke="{colour}" stroke-width="2.5"'
            f'{_attrs({"stroke-dasharray": dash})}/>' if d else ""
        )
        body.append(
            f'<g{_attrs({"class": f"series {s.css_class}".strip()})} fill="{colour}"'
            f' stroke="{colour}">{line}'
            f'<g stroke="#ffffff" stroke-width="1">{"".join(markers)}</g></g>'
        )
        # Legend entry: line sample with its marker, then the name.
        sample_start, sample_end = (legend_x - 28, legend_x) if rtl else (legend_x, legend_x + 28)
        sample_mid = (sample_start + sample_end) / 2
        text_x = sample_start - 6 if rtl else sample_end + 6
        legend.append(
            f'<g{_attrs({"class": f"legend-item {s.css_class}".strip()})} fill="{colour}"'
            f' stroke="{colour}"><path d="M{_num(sample_start)} 16H{_num(sample_end)}"'
            f' stroke-width="2.5"{_attrs({"stroke-dasharray": dash})}/>'
            f'{_marker(shape, sample_mid, 16)}'
            + _text(text_x, 20, s.name, align="right" if rtl else "left", rtl=rtl,
                    fill=TEXT_COLOUR, stroke="none")
            + "</g>"
        )
        advance = 28 + 6 + _text_width(s.name) + 20
        legend_x = legend_x - advance if rtl else legend_x + advance
    body.insert(0, f'<g class="legend">{"".join(legend)}</g>')

    sentences = []
    for i, period in enumerate(periods):
        values = ", ".join(
            f"{s.name} {y_label_fmt(s.values[i]) if s.values[i] is not None else no_data_label}"
            for s in series
        )
        sentences.append(f"{period}: {values}." if series else f"{period}.")
    ident = _chart_id("trend", chart_id, title, desc, periods,
                      [(s.name, list(s.values)) for s in series])
    return _svg("trend", ident, width, height, title, _join_desc(desc, sentences), body)


# --- paired horizontal bars --------------------------------------------------------------


def paired_bars(
    categories: Sequence[str],
    pairs: Sequence[tuple[float | None, float | None]],
    *,
    series_names: tuple[str, str],
    title: str,
    desc: str = "",
    rtl: bool = False,
    value_fmt: Callable[[float], str] = _default_fmt,
    x_max: float = 100,
    no_data_label: str = "no data",
    series_classes: tuple[str, str] = ("series-official", "series-independent"),
    chart_id: str | None = None,
) -> Markup:
    """Horizontal bars, one row per category with two bars (official above independent).

    Category labels longer than 40 characters are shortened with an ellipsis; the full
    text is in a ``<title>`` child (tooltip) and in the text alternative. A None value
    shows ``no_data_label`` instead of a bar. With ``rtl`` labels are on the right and
    bars grow leftwards; rows stay in reading order, top to bottom.
    """
    categories = [str(c) for c in categories]
    if len(categories) != len(pairs):
        raise ValueError("categories and pairs must have the same length")
    if x_max <= 0:
        raise ValueError("x_max must be positive")

    width = 640.0
    label_room, value_room, legend_height = 250.0, 56.0, 28.0
    bar_h, bar_gap, row_h = 12.0, 2.0, 34.0
    height = legend_height + row_h * max(1, len(categories)) + 4
    origin = width - label_room - 8 if rtl else label_room + 8  # where bars start
    span = width - label_room - 8 - value_room

    def bar_x(value: float) -> tuple[float, float]:
        length = span * _clamp(value, 0, x_max) / x_max
        return (origin - length if rtl else origin), length

    colours = (SERIES_COLOURS["series-official"], SERIES_COLOURS["series-independent"])
    body: list[str] = []

    # Legend.
    legend, x = [], (width - 8 if rtl else 8.0)
    for name, css, colour in zip(series_names, series_classes, colours):
        swatch_x = x - 12 if rtl else x
        text_x = x - 18 if rtl else x + 18
        legend.append(
            f'<g{_attrs({"class": f"legend-item {css}"})} fill="{colour}">'
            f'<rect x="{_num(swatch_x)}" y="8" width="12" height="12"/>'
            + _text(text_x, 18, name, align="right" if rtl else "left", rtl=rtl,
                    fill=TEXT_COLOUR)
            + "</g>"
        )
        advance = 18 + _text_width(name) + 20
        x = x - advance if rtl else x + advance
    body.append(f'<g class="legend">{"".join(legend)}</g>')

    labels, bars, values, missing = [], ([], []), [], []
    label_x = width - label_room if rtl else label_room
    for row, (category, pair) in enumerate(zip(categories, pairs)):
        top = legend_height + row * row_h + 4
        short, cut = _truncate(category)
        labels.append(_text(label_x, top + bar_h + bar_gap / 2 + 4, short, align=None,
                            rtl=rtl, full=category if cut else None))
        for which, value in enumerate(pair):
            y = top + which * (bar_h + bar_gap)
            text_y = y + bar_h - 2
            if value is None:
                missing.append(_text(origin + (-4 if rtl else 4), text_y, no_data_label,
                                     align=None, rtl=rtl))
                continue
            x, length = bar_x(value)
            bars[which].append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(length)}"'
                               f' height="{_num(bar_h)}"/>')
            end = x - 4 if rtl else x + length + 4
            values.append(_text(end, text_y, value_fmt(value), align=None, rtl=rtl))
    # Labels end next to the bars; values and "no data" start after the bar's end.
    label_anchor = _attrs({"text-anchor": _anchor("left" if rtl else "right", rtl)})
    value_anchor = _attrs({"text-anchor": _anchor("right" if rtl else "left", rtl)})
    body.append(f'<g class="categories"{label_anchor}>{"".join(labels)}</g>')
    for which in (0, 1):
        body.append(f'<g{_attrs({"class": f"bars {series_classes[which]}"})}'
                    f' fill="{colours[which]}">{"".join(bars[which])}</g>')
    body.append(f'<g class="values" font-size="{FONT_SIZE}"{value_anchor}>{"".join(values)}</g>')
    if missing:
        body.append(f'<g class="no-data" font-size="{FONT_SIZE}" font-style="italic"{value_anchor}'
                    f' fill="{MUTED_COLOUR}">{"".join(missing)}</g>')
    body.append(
        f'<path class="axis" d="M{_num(origin)} {_num(legend_height)}V{_num(height - 2)}"'
        f' stroke="{MUTED_COLOUR}"/>'
    )

    def said(value: float | None) -> str:
        return value_fmt(value) if value is not None else no_data_label

    sentences = [
        f"{category}: {series_names[0]} {said(a)}, {series_names[1]} {said(b)}."
        for category, (a, b) in zip(categories, pairs)
    ]
    ident = _chart_id("bars", chart_id, title, desc, categories, list(pairs), series_names)
    return _svg("bars", ident, width, height, title, _join_desc(desc, sentences), body)


# --- stacked 100 % bar -------------------------------------------------------------------


def distribution_bar(
    distribution: Mapping[int, int],
    labels: Mapping[int, str],
    *,
    title: str,
    desc: str = "",
    rtl: bool = False,
    value_fmt: Callable[[int], str] = str,
    pct_fmt: Callable[[float], str] = _default_pct,
    legend: bool = True,
    no_data_label: str = "no data",
    chart_id: str | None = None,
) -> Markup:
    """One stacked 100% bar of the five levels (0 ... 100), lowest level first
    (on the left, or on the right with ``rtl``). ``labels`` names each level; counts
    are formatted with ``value_fmt`` and percentages with ``pct_fmt``."""
    counts = {level: int(distribution.get(level, 0) or 0) for level in LEVELS}
    unknown = set(distribution) - set(LEVELS)
    if unknown or any(c < 0 for c in counts.values()):
        raise ValueError(f"distribution must map {LEVELS} to non-negative counts")
    names = {level: str(labels.get(level, level)) for level in LEVELS}
    total = sum(counts.values())

    width, bar_y, bar_h, margin = 640.0, 4.0, 28.0, 4.0
    inner = width - 2 * margin
    body: list[str] = []

    if total == 0:
        body.append(f'<rect class="empty" x="{_num(margin)}" y="{_num(bar_y)}"'
                    f' width="{_num(inner)}" height="{_num(bar_h)}" fill="none"'
                    f' stroke="{MUTED_COLOUR}" stroke-dasharray="4 3"/>')
        body.append(_text(width / 2, bar_y + bar_h / 2 + 4, no_data_label, align="middle",
                          rtl=rtl, fill=MUTED_COLOUR, font_style="italic"))
    else:
        segments, texts = [], []
        position = 0.0
        for level in LEVELS:
            count = counts[level]
            if not count:
                continue
            length = inner * count / total
            x = (width - margin - position - length) if rtl else (margin + position)
            position += length
            colour = LEVEL_COLOURS[level]
            tooltip = f"{names[level]}: {value_fmt(count)} ({pct_fmt(100 * count / total)})"
            segments.append(
                f'<rect class="lvl-{level}" x="{_num(x)}" y="{_num(bar_y)}" width="{_num(length)}"'
                f' height="{_num(bar_h)}" fill="{colour}"><title>{escape(tooltip)}</title></rect>'
            )
            label = value_fmt(count)
            if _text_width(label) + 8 <= length:
                texts.append(_text(x + length / 2, bar_y + bar_h / 2 + 4, label, align="middle",
                                   rtl=rtl, fill=_text_on(colour)))
        body.append(f'<g class="segments" stroke="#ffffff" stroke-width="1">'
                    f'{"".join(segments)}</g>')
        body.append(f'<g class="counts" font-weight="bold">{"".join(texts)}</g>')

    height = bar_y + bar_h + 4
    if legend:
        items, x, y = [], (width - margin if rtl else margin), bar_y + bar_h + 10
        for level in LEVELS:
            text = f"{names[level]} ({value_fmt(counts[level])})"
            advance = 18 + _text_width(text) + 16
            if (x - advance < 0) if rtl else (x + advance > width):
                x, y = (width - margin if rtl else margin), y + 20
            swatch_x = x - 12 if rtl else x
            items.append(
                f'<rect class="lvl-{level}" x="{_num(swatch_x)}" y="{_num(y)}" width="12"'
                f' height="12" fill="{LEVEL_COLOURS[level]}"/>'
                + _text(x - 18 if rtl else x + 18, y + 10, text,
                        align="right" if rtl else "left", rtl=rtl)
            )
            x = x - advance if rtl else x + advance
        body.append(f'<g class="legend">{"".join(items)}</g>')
        height = y + 16

    if total:
        sentences = [
            f"{names[level]}: {value_fmt(counts[level])} ({pct_fmt(100 * counts[level] / total)})."
            for level in LEVELS
        ]
    else:
        sentences = [f"{no_data_label}."]
    ident = _chart_id("dist", chart_id, title, desc, sorted(counts.items()), sorted(names.items()))
    return _svg("dist", ident, width, height, title, _join_desc(desc, sentences), body)
