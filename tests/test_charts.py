"""Tests for monitor.services.results.charts (pure functions, no app)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from monitor.services.results.charts import (
    LEVEL_COLOURS,
    MUTED_COLOUR,
    SERIES_COLOURS,
    TEXT_COLOUR,
    Series,
    contrast_ratio,
    distribution_bar,
    paired_bars,
    trend_chart,
)

NS = "{http://www.w3.org/2000/svg}"
XSS = '<script>alert("x")</script>&'
LEVEL_LABELS = {0: "Not implemented", 25: "Initiated", 50: "Partially implemented",
                75: "Largely implemented", 100: "Fully implemented"}
AR_LABELS = {0: "غير منفذة", 25: "بدأت", 50: "منفذة جزئيا", 75: "منفذة إلى حد كبير",
             100: "منفذة بالكامل"}


def parse(svg):
    assert isinstance(svg, Markup)
    root = ET.fromstring(str(svg))
    assert root.tag == NS + "svg"
    return root


def texts(root):
    return [t for t in root.iter(NS + "text")]


def own_text(element):
    """Text of a <text> element without its <title> tooltip."""
    return element.text or ""


def inherited(root, element, name, default):
    """An SVG presentation attribute, looked up through the ancestors."""
    parents = {child: parent for parent in root.iter() for child in parent}
    while element is not None:
        if element.get(name) is not None:
            return element.get(name)
        element = parents.get(element)
    return default


def physical_align(root, element):
    """'left', 'right' or 'middle': where the anchor point is, taking direction into account."""
    anchor = inherited(root, element, "text-anchor", "start")
    rtl = inherited(root, element, "direction", "ltr") == "rtl"
    if anchor == "middle":
        return "middle"
    return {("start", False): "left", ("end", False): "right",
            ("start", True): "right", ("end", True): "left"}[(anchor, rtl)]


def check_accessible(root):
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox"))
    assert "<script" not in ET.tostring(root, encoding="unicode").replace("&lt;script", "")
    title, desc = root[0], root[1]
    assert title.tag == NS + "title" and title.text
    assert desc.tag == NS + "desc" and desc.text
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    return title.text, desc.text


def trend_example(rtl=False, periods=None, names=("Official", "Independent")):
    periods = periods or ["2021", "2022", "2023", "2024"]
    series = [
        Series(names[0], [60.0, 65.0, None, 80.0][: len(periods)], "series-official"),
        Series(names[1], [40.0, None, 50.0, 55.0][: len(periods)], "series-independent"),
    ]
    return trend_chart(periods, series, title="Progress over time", desc="Mean score.", rtl=rtl,
                       y_label_fmt=lambda v: f"{v:.0f}")


def series_points(root, css_class):
    group = next(g for g in root.iter(NS + "g") if css_class in (g.get("class") or "").split()
                 and "series" in g.get("class").split())
    points = []
    for element in group.iter():
        if element.tag == NS + "circle":
            points.append((float(element.get("cx")), float(element.get("cy"))))
        elif element.tag == NS + "rect":
            points.append((float(element.get("x")) + 4, float(element.get("y")) + 4))
    return group, points


# --- contrast ----------------------------------------------------------------------------


def test_fallback_colours_meet_wcag_aa():
    for colour in [*SERIES_COLOURS.values(), *LEVEL_COLOURS.values(), MUTED_COLOUR, TEXT_COLOUR]:
        assert contrast_ratio(colour, "#ffffff") >= 4.5, colour
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)


# --- trend chart -------------------------------------------------------------------------


def test_trend_chart_is_well_formed_and_describes_the_data():
    root = parse(trend_example())
    title, desc = check_accessible(root)
    assert title == "Progress over time"
    assert desc.startswith("Mean score.")
    assert "2021: Official 60, Independent 40." in desc
    assert "2022: Official 65, Independent no data." in desc
    assert "2023: Official no data, Independent 50." in desc


def test_trend_chart_time_runs_left_to_right_and_mirrors_in_rtl():
    ltr = parse(trend_example())
    _, points = series_points(ltr, "series-official")
    assert len(points) == 3  # None is a gap, not a point
    assert points[0][0] < points[-1][0]

    rtl = parse(trend_example(rtl=True))
    _, points = series_points(rtl, "series-official")
    assert points[0][0] > points[-1][0]
    _, independent = series_points(rtl, "series-independent")
    assert independent[0][0] > independent[-1][0]
    # Same data, mirrored: x(rtl) = width - x(ltr)
    _, ltr_points = series_points(ltr, "series-official")
    width = float(ltr.get("viewBox").split()[2])
    assert [round(width - x, 1) for x, _ in ltr_points] == [round(x, 1) for x, _ in points]


def test_trend_chart_rtl_text_direction_and_alignment():
    ltr = parse(trend_example())
    rtl = parse(trend_example(rtl=True, names=("الحكومة", "المنظمات")))
    assert all(t.get("direction") == "rtl" for t in texts(rtl))
    assert not any(t.get("direction") for t in texts(ltr))
    width = float(ltr.get("viewBox").split()[2])

    def tick(root):
        return next(t for t in texts(root) if own_text(t) == "100")

    # LTR: y-axis labels right-aligned on the left; RTL: left-aligned on the right.
    assert physical_align(ltr, tick(ltr)) == "right" and float(tick(ltr).get("x")) < width / 2
    assert physical_align(rtl, tick(rtl)) == "left" and float(tick(rtl).get("x")) > width / 2
    legend_ar = next(t for t in texts(rtl) if own_text(t) == "الحكومة")
    legend_en = next(t for t in texts(ltr) if own_text(t) == "Official")
    assert physical_align(ltr, legend_en) == "left" and physical_align(rtl, legend_ar) == "right"
    assert float(legend_ar.get("x")) > width / 2 > float(legend_en.get("x"))


def test_trend_chart_gaps_split_the_line():
    root = parse(trend_example())
    group, _ = series_points(root, "series-official")
    line = next(p for p in group.iter(NS + "path") if p.get("fill") == "none")
    # 60, 65 joined; 80 alone after a gap -> one sub-path of two points, plus a lone marker.
    assert line.get("d").count("M") == 1 and line.get("d").count("L") == 1
    group, points = series_points(root, "series-independent")
    assert len(points) == 3
    line = next(p for p in group.iter(NS + "path") if p.get("fill") == "none")
    assert line.get("d").count("M") == 1  # 50 -> 55; 40 stands alone


def test_trend_chart_series_differ_by_colour_dash_and_marker():
    root = parse(trend_example())
    official, _ = series_points(root, "series-official")
    independent, _ = series_points(root, "series-independent")
    assert official.get("stroke") != independent.get("stroke")
    dash = lambda g: next(p for p in g.iter(NS + "path") if p.get("fill") == "none").get("stroke-dasharray")
    assert dash(official) != dash(independent)
    shapes = lambda g: {e.tag for e in g.iter() if e.tag in (NS + "circle", NS + "rect")}
    assert shapes(official) == {NS + "rect"} and shapes(independent) == {NS + "circle"}
    legend = next(g for g in root.iter(NS + "g") if g.get("class") == "legend")
    assert [own_text(t) for t in legend.iter(NS + "text")] == ["Official", "Independent"]


def test_trend_chart_escapes_everything():
    series = [Series(XSS, [1.0, None], 'series-official" onload="x'), Series("b", [None, None], "x")]
    svg = str(trend_chart([XSS, "p2"], series, title=XSS, desc=XSS, y_label_fmt=lambda v: XSS))
    root = parse(Markup(svg))
    check_accessible(root)
    assert "<script>" not in svg and "onload=\"x" not in svg
    assert root[0].text == XSS
    assert XSS in root[1].text
    assert not any(e.get("onload") for e in root.iter())


def test_trend_chart_all_none_single_period_and_no_series():
    root = parse(trend_chart(["2024"], [Series("A", [None], "series-official")], title="t"))
    check_accessible(root)
    assert "2024: A no data." in root[1].text
    root = parse(trend_chart(["2024"], [Series("A", [70.0], "series-official")], title="t"))
    _, points = series_points(root, "series-official")
    assert len(points) == 1
    parse(trend_chart([], [], title="empty"))
    with pytest.raises(ValueError):
        trend_chart(["a", "b"], [Series("A", [1.0], "x")], title="t")


def test_trend_chart_clamps_out_of_range_values():
    root = parse(trend_chart(["a", "b"], [Series("A", [-5.0, 130.0], "series-official")], title="t"))
    _, points = series_points(root, "series-official")
    ys = [y for _, y in points]
    assert max(ys) > min(ys)
    height = float(root.get("viewBox").split()[3])
    assert all(0 <= y <= height for y in ys)


def test_trend_chart_size_budget():
    periods = [f"Period {i}" for i in range(1, 11)]
    series = [Series("Official (government)", [float(i * 7 % 100) for i in range(10)], "series-official"),
              Series("Independent (NGOs)", [None if i % 4 == 0 else float(i * 9 % 100) for i in range(10)],
                     "series-independent")]
    svg = trend_chart(periods, series, title="A fairly long chart title", desc="Description.",
                      y_label_fmt=lambda v: f"{v:.1f} %")
    parse(svg)
    assert len(str(svg).encode("utf-8")) < 15_000


def test_chart_ids_are_deterministic_and_distinct():
    assert trend_example() == trend_example()  # pure: same input, same SVG
    a = parse(trend_example()).get("aria-labelledby")
    b = parse(trend_chart(["x"], [], title="Other")).get("aria-labelledby")
    assert a != b  # two charts on one page do not share ids
    root = parse(trend_chart(["x"], [], title="t", chart_id="my-chart"))
    assert root.get("aria-labelledby") == "my-chart-t"
    with pytest.raises(ValueError):
        trend_chart(["x"], [], title="t", chart_id='a" onload="x')


# --- paired bars -------------------------------------------------------------------------

LONG = "Protection of journalists and human rights defenders in the Kurdistan Region"


def bars_example(rtl=False, categories=None, pairs=None):
    categories = categories or [LONG, "Women's rights", "Children"]
    pairs = pairs or [(80.0, 55.0), (60.0, None), (None, None)]
    return paired_bars(categories, pairs, series_names=("Official", "Independent"),
                       title="Official and independent scores by file", rtl=rtl,
                       value_fmt=lambda v: f"{v:.0f}")


def bar_rects(root, css_class):
    group = next(g for g in root.iter(NS + "g")
                 if (g.get("class") or "").split() == ["bars", css_class])
    return group, list(group.iter(NS + "rect"))


def test_paired_bars_well_formed_with_text_alternative():
    root = parse(bars_example())
    title, desc = check_accessible(root)
    assert f"{LONG}: Official 80, Independent 55." in desc
    assert "Women's rights: Official 60, Independent no data." in desc
    assert "Children: Official no data, Independent no data." in desc


def test_paired_bars_values_none_and_labels():
    root = parse(bars_example())
    _, official = bar_rects(root, "series-official")
    _, independent = bar_rects(root, "series-independent")
    assert len(official) == 2 and len(independent) == 1
    assert official[0].get("fill") is None  # inherited from the group
    group, _ = bar_rects(root, "series-official")
    assert group.get("fill") == SERIES_COLOURS["series-official"]
    assert float(official[0].get("width")) > float(independent[0].get("width"))
    words = [own_text(t) for t in texts(root)]
    assert words.count("no data") == 3
    assert "80" in words and "55" in words and "60" in words


def test_paired_bars_truncates_long_labels_with_full_title():
    root = parse(bars_example())
    label = next(t for t in texts(root) if own_text(t).startswith("Protection"))
    assert own_text(label).endswith("\u2026") and len(own_text(label)) <= 40
    assert label.find(NS + "title").text == LONG
    short = next(t for t in texts(root) if own_text(t) == "Children")
    assert short.find(NS + "title") is None
    exactly_40 = "x" * 40
    root = parse(bars_example(categories=[exactly_40], pairs=[(1.0, 2.0)]))
    assert any(own_text(t) == exactly_40 for t in texts(root))


def test_paired_bars_rtl_mirrors():
    ltr = parse(bars_example())
    rtl = parse(paired_bars(["حماية الصحفيين والمدافعين عن حقوق الإنسان في إقليم كوردستان", "ب"],
                            [(80.0, 55.0), (60.0, None)], series_names=("الحكومة", "المنظمات"),
                            title="عنوان", rtl=True))
    width = float(ltr.get("viewBox").split()[2])
    assert all(t.get("direction") == "rtl" for t in texts(rtl))
    _, ltr_bars = bar_rects(ltr, "series-official")
    _, rtl_bars = bar_rects(rtl, "series-official")
    # Bars grow from the same origin: left edge in LTR, right edge in RTL.
    ltr_starts = {float(r.get("x")) for r in ltr_bars}
    rtl_ends = {round(float(r.get("x")) + float(r.get("width")), 1) for r in rtl_bars}
    assert len(ltr_starts) == 1 and len(rtl_ends) == 1
    assert rtl_ends.pop() == pytest.approx(width - ltr_starts.pop())
    # Category labels: right-aligned at the left in LTR, left-aligned at the right in RTL.
    label_ltr = next(t for t in texts(ltr) if own_text(t) == "Children")
    label_rtl = next(t for t in texts(rtl) if own_text(t) == "ب")
    assert physical_align(ltr, label_ltr) == "right" and float(label_ltr.get("x")) < width / 2
    assert physical_align(rtl, label_rtl) == "left" and float(label_rtl.get("x")) > width / 2
    value_rtl = next(t for t in texts(rtl) if own_text(t) == "80")
    value_ltr = next(t for t in texts(ltr) if own_text(t) == "80")
    assert physical_align(rtl, value_rtl) == "right" and physical_align(ltr, value_ltr) == "left"
    assert float(value_rtl.get("x")) == pytest.approx(width - float(value_ltr.get("x")))
    none_rtl = next(t for t in texts(rtl) if own_text(t) == "no data")
    assert physical_align(rtl, none_rtl) == "right"
    # Arabic ellipsis at the logical end.
    cut = next(t for t in texts(rtl) if own_text(t).startswith("حماية"))
    assert own_text(cut).endswith("\u2026")


def test_paired_bars_escaping():
    svg = str(paired_bars([XSS], [(10.0, None)], series_names=(XSS, XSS), title=XSS, desc=XSS,
                          value_fmt=lambda v: XSS, no_data_label=XSS))
    root = parse(Markup(svg))
    check_accessible(root)
    assert "<script>" not in svg
    assert root[0].text == XSS
    assert XSS + ": " + XSS in root[1].text


def test_paired_bars_size_budget_and_validation():
    categories = [f"{LONG} number {i}" for i in range(20)]
    pairs = [(float(i * 5), None if i % 3 == 0 else float(100 - i * 4)) for i in range(20)]
    svg = paired_bars(categories, pairs, series_names=("Official", "Independent"), title="t" * 80,
                      desc="Official figures against the NGOs' evaluations, by file.",
                      value_fmt=lambda v: f"{v:.1f}")
    parse(svg)
    assert len(str(svg).encode("utf-8")) < 15_000
    # Worst case: long Arabic names (two bytes a character) drawn right to left.
    arabic = [f"حماية الصحفيين والمدافعين عن حقوق الإنسان في إقليم كوردستان {i}" for i in range(20)]
    svg = paired_bars(arabic, pairs, series_names=("الحكومة", "المنظمات"), title="عنوان", rtl=True,
                      value_fmt=lambda v: f"{v:.1f}%")
    parse(svg)
    assert len(str(svg).encode("utf-8")) < 15_000
    with pytest.raises(ValueError):
        paired_bars(["a"], [], series_names=("a", "b"), title="t")
    parse(paired_bars([], [], series_names=("a", "b"), title="empty"))


# --- distribution bar --------------------------------------------------------------------


def segments(root):
    group = next(g for g in root.iter(NS + "g") if g.get("class") == "segments")
    return list(group.iter(NS + "rect"))


def test_distribution_bar_segments_proportional():
    root = parse(distribution_bar({0: 1, 25: 0, 50: 2, 75: 0, 100: 1}, LEVEL_LABELS,
                                  title="Ratings of recommendation 12"))
    title, desc = check_accessible(root)
    assert "Not implemented: 1 (25%)." in desc and "Initiated: 0 (0%)." in desc
    assert "Partially implemented: 2 (50%)." in desc
    rects = segments(root)
    assert [r.get("class") for r in rects] == ["lvl-0", "lvl-50", "lvl-100"]
    assert [r.get("fill") for r in rects] == [LEVEL_COLOURS[0], LEVEL_COLOURS[50], LEVEL_COLOURS[100]]
    widths = [float(r.get("width")) for r in rects]
    assert widths[1] == pytest.approx(2 * widths[0], abs=0.2)
    xs = [float(r.get("x")) for r in rects]
    assert xs == sorted(xs)  # lowest level on the left
    assert rects[0].find(NS + "title").text == "Not implemented: 1 (25%)"
    total = sum(widths)
    assert total == pytest.approx(float(root.get("viewBox").split()[2]) - 8, abs=0.3)


def test_distribution_bar_rtl_reverses_order():
    root = parse(distribution_bar({0: 1, 50: 2, 100: 1}, AR_LABELS, title="توزيع", rtl=True))
    rects = segments(root)
    xs = [float(r.get("x")) for r in rects]
    assert [r.get("class") for r in rects] == ["lvl-0", "lvl-50", "lvl-100"]
    assert xs == sorted(xs, reverse=True)  # level 0 on the right
    assert all(t.get("direction") == "rtl" for t in texts(root))
    legend = next(g for g in root.iter(NS + "g") if g.get("class") == "legend")
    first = next(legend.iter(NS + "text"))
    assert own_text(first).startswith(AR_LABELS[0])
    assert physical_align(root, first) == "right"
    assert float(first.get("x")) > float(root.get("viewBox").split()[2]) / 2


def test_distribution_bar_counts_readable_on_segments():
    root = parse(distribution_bar({25: 3, 75: 3}, LEVEL_LABELS, title="t", legend=False))
    counts = next(g for g in root.iter(NS + "g") if g.get("class") == "counts")
    fills = {r.get("class"): r.get("fill") for r in segments(root)}
    labels = list(counts.iter(NS + "text"))
    assert [own_text(t) for t in labels] == ["3", "3"]
    for text, level in zip(labels, ("lvl-25", "lvl-75")):
        assert contrast_ratio(text.get("fill"), fills[level]) >= 4.5
    assert not any(g.get("class") == "legend" for g in root.iter(NS + "g"))


def test_distribution_bar_empty_and_escaping():
    root = parse(distribution_bar({}, LEVEL_LABELS, title="Nothing yet"))
    check_accessible(root)
    assert not any(g.get("class") == "segments" for g in root.iter(NS + "g"))
    assert any(own_text(t) == "no data" for t in texts(root))
    assert root[1].text == "no data."
    svg = str(distribution_bar({50: 1}, {50: XSS}, title=XSS, desc=XSS, no_data_label=XSS))
    root = parse(Markup(svg))
    assert "<script>" not in svg and root[0].text == XSS
    with pytest.raises(ValueError):
        distribution_bar({10: 1}, LEVEL_LABELS, title="t")
    with pytest.raises(ValueError):
        distribution_bar({50: -1}, LEVEL_LABELS, title="t")


def test_distribution_bar_missing_labels_fall_back_to_scores():
    root = parse(distribution_bar({0: 1, 100: 1}, {}, title="t"))
    assert "0: 1 (50%)." in root[1].text and "100: 1 (50%)." in root[1].text


def test_distribution_bar_size():
    svg = distribution_bar({0: 12, 25: 30, 50: 7, 75: 3, 100: 1}, AR_LABELS, title="t", rtl=True)
    parse(svg)
    assert len(str(svg).encode("utf-8")) < 15_000
