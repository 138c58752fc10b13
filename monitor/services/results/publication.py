"""Publishing a period's results, and the figures that may leave the coordinator's hands.

A coordinator publishes a period (`ReportingPeriod.published_at`); its results then appear,
without sign-in, at ``/results/<plan slug>/<period label>``. Unpublishing removes the page
(404). The page is computed from the live comparison each time it is (re)built, so a
revision the coordinator accepts after publication shows there too.

What a published page (and an NGO's results page) may show: the comparison's figures
with two rules, applied here once for both:

- no organisation's name, answer or evidence, ever: only aggregates leave this module;
- no independent figure for an item rated by fewer than ``MONITOR_MIN_NGOS`` NGOs (low
  coverage): a recommendation rated by one NGO would show that NGO's own answer. For a
  recommendation the row keeps its code and the official figure only; for a file or the
  plan (low coverage when none of its recommendations reached the minimum) the
  independent figure, gap, flag, agreement and number of NGOs are withheld. The number
  of NGOs of a withheld item is not shown either: only "fewer than N".
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...models import Plan, RecommendationFile, ReportingPeriod, User, utcnow
from .. import audit
from . import comparison, disclosure, open_data, transparency_log


class PublicationError(Exception):
    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


# --- publishing ------------------------------------------------------------------------------


def publish(session: Session, period: ReportingPeriod, *, user: User) -> None:
    if period.published_at is not None:
        raise PublicationError(_("The results of %(period)s are already published.",
                                 period=period.label))
    period.published_at = utcnow().replace(microsecond=0)
    audit.record(session, "results.published", period, actor_id=user.id,
                 before={"published_at": None},
                 after={"published_at": period.published_at.isoformat()})
    session.flush()
    open_data.snapshot(session, period)


def unpublish(session: Session, period: ReportingPeriod, *, user: User) -> None:
    if period.published_at is None:
        raise PublicationError(_("The results of %(period)s are not published.",
                                 period=period.label))
    before = period.published_at.isoformat()
    transparency_log.record_unpublication(session, period,
                                          open_data.latest_number(session, period))
    period.published_at = None
    audit.record(session, "results.unpublished", period, actor_id=user.id,
                 before={"published_at": before}, after={"published_at": None})
    session.flush()


def published_period(session: Session, slug: str, label: str
                     ) -> tuple[Plan, ReportingPeriod] | None:
    """The plan and period when that period is published; None otherwise (no plan, no
    period, or not published: the public cannot tell them apart)."""
    row = session.execute(
        sa.select(Plan, ReportingPeriod)
        .join(ReportingPeriod, ReportingPeriod.plan_id == Plan.id)
        .where(Plan.slug == slug, ReportingPeriod.label == label,
               ReportingPeriod.published_at.is_not(None))).first()
    return (row[0], row[1]) if row is not None else None


def published_periods(session: Session) -> list[tuple[Plan, ReportingPeriod]]:
    """Every published period, by plan then period (the public index)."""
    return [(plan, period) for plan, period in session.execute(
        sa.select(Plan, ReportingPeriod)
        .join(ReportingPeriod, ReportingPeriod.plan_id == Plan.id)
        .where(ReportingPeriod.published_at.is_not(None))
        .order_by(Plan.id, ReportingPeriod.starts_on))]


# --- figures that may be shown outside ---------------------------------------------------------


@dataclass
class SafeFigures:
    """A plan or file level as the public and the NGOs see it."""

    level_key: str
    official: float | None
    measure: str
    independent: float | None
    gap: float | None
    flag: bool
    #: None when withheld (low coverage).
    n_ngos: int | None
    coverage: float | None
    alpha: float | None
    evaluated: int
    total: int
    withheld: bool
    source: str | None
    reported_on: object | None


def safe_level(figures: comparison.Figures) -> SafeFigures:
    withheld = figures.low_coverage
    entry = figures.entry
    return SafeFigures(
        level_key=figures.level_key, official=figures.official, measure=figures.measure,
        independent=None if withheld else figures.independent,
        gap=None if withheld else figures.gap, flag=False if withheld else figures.flag,
        n_ngos=None if withheld else figures.n_ngos, coverage=figures.coverage,
        alpha=None if withheld else figures.alpha, evaluated=figures.evaluated,
        total=figures.total, withheld=withheld,
        source=entry.source if entry is not None else None,
        reported_on=entry.reported_on if entry is not None else None,
    )


@dataclass
class SafeRecommendation:
    id: int
    code: str | None
    file_id: int | None
    official: float | None
    withheld: bool
    n_ngos: int | None
    mean: float | None
    median: float | None
    share_fully: float | None
    gap: float | None
    flag: bool


def safe_recommendation(row: comparison.RecommendationComparison) -> SafeRecommendation:
    f, s = row.figures, row.score
    withheld = f.low_coverage
    return SafeRecommendation(
        id=row.id, code=row.code, file_id=row.file_id, official=f.official, withheld=withheld,
        n_ngos=None if withheld else s.n, mean=None if withheld else s.mean,
        median=None if withheld else s.median,
        share_fully=None if withheld else s.share_fully,
        gap=None if withheld else f.gap, flag=False if withheld else f.flag,
    )


@dataclass
class SafeFile:
    file: RecommendationFile
    figures: SafeFigures


@dataclass
class SafeResults:
    plan: Plan
    period: ReportingPeriod
    min_ngos: int
    threshold: float
    overall: SafeFigures
    files: list[SafeFile]
    recommendations: list[SafeRecommendation]
    submissions: int
    trend: comparison.Trend | None = None

    @property
    def is_empty(self) -> bool:
        return self.submissions == 0


def safe_results(result: comparison.Comparison) -> SafeResults:
    """What may be shown of a comparison: files and the plan computed only over the
    recommendations that meet the minimum-NGO rule (services.results.disclosure)."""
    result = disclosure.disclosed(result)
    return SafeResults(
        plan=result.plan, period=result.period, min_ngos=result.settings.min_ngos,
        threshold=result.settings.threshold, overall=safe_level(result.overall),
        files=[SafeFile(f.file, safe_level(f.figures)) for f in result.files],
        recommendations=[safe_recommendation(r) for r in result.recommendations],
        submissions=result.submissions,
    )


def safe_trend(overview: comparison.Overview, measure: str) -> comparison.Trend:
    """The plan-level trend over the overview's periods, in one measure, with the
    independent figure computed under the minimum-NGO rule (withheld where nothing meets
    it)."""
    trend = comparison.trend(overview, measure)
    independent = []
    for period in overview.periods:
        shown = disclosure.disclosed(overview.comparison(period))
        independent.append(None if shown.overall.low_coverage
                           else shown.independent_by_measure.get(measure))
    return comparison.Trend(trend.measure, trend.labels, trend.official, independent,
                            trend.other_measure)


def public_results(session: Session, plan: Plan, period: ReportingPeriod) -> SafeResults:
    """A published period's page: its safe figures and the trend over the plan's
    published periods (unpublished periods never appear, not even in the trend)."""
    published = [p for p in plan.periods if p.published_at is not None]
    overview = comparison.Overview(session, plan, periods=published)
    results = safe_results(overview.comparison(period))
    results.trend = safe_trend(overview, results.overall.measure)
    return results
