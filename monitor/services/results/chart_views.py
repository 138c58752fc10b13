"""The results' two charts in the page's language and direction, shared by the
coordinator's dashboard and report, the NGOs' results page and the public page."""
from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from markupsafe import Markup

from ... import i18n
from ...models import RecommendationFile
from . import charts, comparison
from .official import measure_label


def value_formatter(measure: str):  # noqa: ANN201
    if measure == "share_implemented":
        return lambda v: i18n.format_percent(v)
    return lambda v: i18n.format_number(v)


def trend_svg(trend: comparison.Trend, *, chart_id: str = "trend") -> Markup:
    return charts.trend_chart(
        trend.labels,
        [charts.Series(_("Official"), trend.official, "series-official"),
         charts.Series(_("Independent (NGOs)"), trend.independent, "series-independent")],
        title=_("Official and independent figures by period: %(measure)s",
                measure=measure_label(trend.measure)),
        desc=_("Plan level, on a scale of 0 to 100."), rtl=i18n.text_direction() == "rtl",
        y_label_fmt=value_formatter(trend.measure), no_data_label=_("no data"),
        chart_id=chart_id,
    )


def files_svg(files: Sequence[tuple[RecommendationFile, str, float | None, float | None]],
              period_label: str, *, chart_id: str = "files") -> Markup | None:
    """`files`: (file, measure, official, independent) per file."""
    if not files:
        return None
    return charts.paired_bars(
        [f"{i18n.localized(rf, 'title')} ({measure_label(measure)})"
         for rf, measure, _o, _i in files],
        [(official_value, independent) for _rf, _m, official_value, independent in files],
        series_names=(_("Official"), _("Independent (NGOs)")),
        title=_("Official and independent figures per recommendation file, %(period)s",
                period=period_label),
        rtl=i18n.text_direction() == "rtl", value_fmt=lambda v: i18n.format_number(v),
        no_data_label=_("no data"), chart_id=chart_id,
    )


def method(settings: comparison.Settings) -> list:
    from . import stats

    threshold = settings.threshold
    return stats.method_steps(
        threshold=i18n.format_number(threshold, 0) if float(threshold).is_integer()
        else i18n.format_number(threshold), min_ngos=settings.min_ngos)
