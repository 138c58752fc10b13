"""Independent versus official: the comparison for a plan and period.

`compare()` assembles, for the plan, each recommendation file and each recommendation,
the figures the dashboard, the API and the CLI show (the same dicts, so the three agree):

``official``     the level's own official figure (services.results.official.official_value);
                 never derived from another level.
``measure``      the measure of the comparison: that of the level's own official entry;
                 without one, that of the plan's entry; without that, ``mean_score``.
                 Recommendations are always compared as ``mean_score``.
``independent``  the NGOs' figure in that measure (stats.mean_of_means /
                 stats.share_implemented over the level's evaluated recommendations; for a
                 recommendation, its NGOs' mean score).
``gap``          official - independent (stats.gap), None unless both exist.
``flag``         stats.is_divergent(gap, n_ngos).
``n_ngos``       for a recommendation, the number of NGOs whose counted evaluation gives it
                 a score; for a file or the plan, the largest such number among its
                 recommendations (how many NGOs rated one and the same recommendation). It
                 comes from the same single pass as everything else; the number of
                 *different* NGOs in a file would need a second full pass.
``coverage``     percentage of the level's recommendations with at least one evaluation
                 (None for a recommendation).
``alpha``        Krippendorff's alpha (ordinal) over the level's recommendations (None for
                 a recommendation, and where undefined).
``low_coverage`` n_ngos below MONITOR_MIN_NGOS (stats.is_low_coverage).

Which recommendations count at a level (the coverage denominator): every recommendation
of the level that was not retired, and whose file was not retired, before the period
ended, plus any other (retired) recommendation that has counted evaluations in the
period. A recommendation without a file counts at plan level only.

All aggregation over evaluations is one SQL pass (services.results.aggregation); what remains is
arithmetic on at most five numbers per recommendation.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ...models import Plan, Recommendation, RecommendationFile, ReportingPeriod
from . import aggregation, official, stats
from .official import OfficialProgress

MEASURE_FALLBACK = "mean_score"
MEASURES = ("share_implemented", "mean_score")
FIELDS = ("official", "measure", "independent", "gap", "flag", "n_ngos", "coverage", "alpha",
          "low_coverage")


@dataclass
class Figures:
    """The comparison at one level."""

    level_key: str
    official: float | None
    measure: str
    independent: float | None
    gap: float | None
    flag: bool
    n_ngos: int
    coverage: float | None
    alpha: float | None
    low_coverage: bool
    #: Plan and file: recommendations evaluated / counted at this level.
    evaluated: int = 0
    total: int = 0
    entry: OfficialProgress | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}


@dataclass
class FileComparison:
    file: RecommendationFile
    figures: Figures


@dataclass
class RecommendationComparison:
    id: int
    code: str | None
    sort_key: str
    file_id: int | None
    retired: bool
    score: stats.RecommendationScore
    figures: Figures


@dataclass
class Settings:
    min_ngos: int
    threshold: float

    @classmethod
    def from_config(cls) -> Settings:
        return cls(min_ngos=int(current_app.config.get("MONITOR_MIN_NGOS",
                                                       stats.DEFAULT_MIN_NGOS)),
                   threshold=float(current_app.config.get("MONITOR_DIVERGENCE_THRESHOLD",
                                                          stats.DEFAULT_DIVERGENCE_THRESHOLD)))


@dataclass
class Comparison:
    plan: Plan
    period: ReportingPeriod
    settings: Settings
    overall: Figures
    files: list[FileComparison]
    recommendations: list[RecommendationComparison]
    #: Counted evaluations with a score in the period (all recommendations).
    submissions: int
    independent_by_measure: dict[str, float | None] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return self.submissions == 0

    @property
    def flags(self) -> int:
        return sum(1 for r in self.recommendations if r.figures.flag) + sum(
            1 for f in self.files if f.figures.flag) + int(self.overall.flag)

    def recommendation(self, recommendation_id: int) -> RecommendationComparison | None:
        return next((r for r in self.recommendations if r.id == recommendation_id), None)

    # --- the API / CLI schema -------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": {"slug": self.plan.slug, "title": _titles(self.plan, "title")},
            "period": {
                "label": self.period.label,
                "starts_on": self.period.starts_on.isoformat(),
                "ends_on": self.period.ends_on.isoformat(),
            },
            "settings": {"min_ngos": self.settings.min_ngos,
                         "divergence_threshold": self.settings.threshold},
            "submissions": self.submissions,
            "overall": _level_dict(self.overall),
            "files": [
                {"id": f.file.id, "title": _titles(f.file, "title")} | _level_dict(f.figures)
                for f in self.files
            ],
            "recommendations": [_recommendation_dict(r) for r in self.recommendations],
        }

    def csv_rows(self) -> tuple[list[str], list[list[Any]]]:
        header = ["level", "file_id", "recommendation_id", "code", *FIELDS, "evaluated",
                  "total", "mean", "median", "q1", "q3", "iqr", "share_fully",
                  *(f"n_{s}" for s in stats.SCALE)]
        rows: list[list[Any]] = []

        def row(figures: Figures, file_id: int | None, rec_id: int | None, code: str | None,
                score: stats.RecommendationScore | None) -> list[Any]:
            values: list[Any] = [figures.level_key, file_id, rec_id, code]
            values += [_csv(getattr(figures, name)) for name in FIELDS]
            if score is None:
                values += [figures.evaluated, figures.total] + [None] * (6 + len(stats.SCALE))
            else:
                values += [None, None, score.mean, score.median, score.q1, score.q3, score.iqr,
                           score.share_fully, *(score.distribution[s] for s in stats.SCALE)]
            return values

        rows.append(row(self.overall, None, None, None, None))
        for f in self.files:
            rows.append(row(f.figures, f.file.id, None, None, None))
        for r in self.recommendations:
            rows.append(row(r.figures, r.file_id, r.id, r.code, r.score))
        return header, rows


def _csv(value: Any) -> Any:
    # Booleans stay booleans: services.tabular writes them as every CSV of monitor does
    # (TRUE/FALSE, the spelling spreadsheets read as a boolean).
    return value


def _titles(obj: Any, name: str) -> dict[str, str | None]:
    return {lang: getattr(obj, f"{name}_{lang}") for lang in ("ar", "ckb", "en")}


def _level_dict(figures: Figures) -> dict[str, Any]:
    data = {"level": figures.level_key} | figures.as_dict()
    data["evaluated"] = figures.evaluated
    data["total"] = figures.total
    return data


def _recommendation_dict(r: RecommendationComparison) -> dict[str, Any]:
    s = r.score
    return {
        "id": r.id, "code": r.code, "file_id": r.file_id, "retired": r.retired,
        "level": r.figures.level_key,
    } | r.figures.as_dict() | {
        "mean": s.mean, "median": s.median, "q1": s.q1, "q3": s.q3, "iqr": s.iqr,
        "share_fully": s.share_fully,
        "distribution": {str(k): v for k, v in s.distribution.items()},
    }


# --- computing --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rec:
    id: int
    file_id: int | None
    code: str | None
    sort_key: str
    retired_at: dt.datetime | None


def _retired_before(retired_at: dt.datetime | None, period: ReportingPeriod) -> bool:
    return retired_at is not None and retired_at.date() <= period.ends_on


def recommendation_figures(rec_id: int, score: stats.RecommendationScore,
                           entry: OfficialProgress | None, settings: Settings) -> Figures:
    """The comparison for one recommendation: its official status or mean score against
    its NGOs' mean score."""
    value = official.official_value(entry)
    difference = stats.gap(value, score.mean)
    return Figures(
        level_key=official.level_key(recommendation_id=rec_id), official=value,
        measure="mean_score", independent=score.mean, gap=difference,
        flag=stats.is_divergent(difference, score.n, threshold=settings.threshold,
                                min_ngos=settings.min_ngos),
        n_ngos=score.n, coverage=None, alpha=None,
        low_coverage=stats.is_low_coverage(score.n, min_ngos=settings.min_ngos),
        evaluated=int(score.n > 0), total=1, entry=entry,
    )


def _independent(measure: str, scores: list[stats.RecommendationScore]) -> float | None:
    if measure == "share_implemented":
        return stats.share_implemented(s.median for s in scores)
    return stats.mean_of_means(s.mean for s in scores)


def _level_figures(key: str, entry: OfficialProgress | None, measure: str,
                   scores: list[stats.RecommendationScore], hists: list[dict[int, int]],
                   settings: Settings, *, both_measures: bool = False
                   ) -> tuple[Figures, dict[str, float | None]]:
    evaluated = [s for s in scores if s.n]
    by_measure = {m: _independent(m, evaluated)
                  for m in (MEASURES if both_measures else (measure,))}
    independent = by_measure[measure]
    value = official.official_value(entry) if entry is not None and entry.measure == measure \
        else None
    n_ngos = max((s.n for s in scores), default=0)
    difference = stats.gap(value, independent)
    figures = Figures(
        level_key=key, official=value, measure=measure, independent=independent,
        gap=difference,
        flag=stats.is_divergent(difference, n_ngos, threshold=settings.threshold,
                                min_ngos=settings.min_ngos),
        n_ngos=n_ngos, coverage=stats.coverage(len(evaluated), len(scores)),
        alpha=stats.krippendorff_alpha_ordinal(hists),
        low_coverage=stats.is_low_coverage(n_ngos, min_ngos=settings.min_ngos),
        evaluated=len(evaluated), total=len(scores), entry=entry,
    )
    return figures, by_measure


def _load_catalogue(session: Session, plan: Plan) -> tuple[list[_Rec], list[RecommendationFile]]:
    recs = [
        _Rec(*row) for row in session.execute(
            sa.select(Recommendation.id, Recommendation.file_id, Recommendation.code,
                      Recommendation.sort_key, Recommendation.retired_at)
            .where(Recommendation.plan_id == plan.id)
            .order_by(Recommendation.sort_key, Recommendation.id))
    ]
    files = list(session.scalars(
        sa.select(RecommendationFile).where(RecommendationFile.plan_id == plan.id)
        .order_by(RecommendationFile.position, RecommendationFile.id)))
    return recs, files


def _in_scope(recs: list[_Rec], files: list[RecommendationFile], period: ReportingPeriod,
              hists: aggregation.Histograms) -> list[_Rec]:
    """The recommendations that count in the period (see the module docstring)."""
    file_retired = {rf.id: _retired_before(rf.retired_at, period) for rf in files}
    return [
        rec for rec in recs
        if rec.id in hists or not (
            _retired_before(rec.retired_at, period)
            or (rec.file_id is not None and file_retired.get(rec.file_id, False)))
    ]


def build(plan: Plan, period: ReportingPeriod, recs: list[_Rec],
          files: list[RecommendationFile], hists: aggregation.Histograms,
          entries: dict[str, OfficialProgress], settings: Settings) -> Comparison:
    """The comparison from the catalogue, the period's histograms and official entries."""
    plan_entry = entries.get("plan")
    plan_measure = plan_entry.measure if plan_entry is not None else MEASURE_FALLBACK

    rows: list[RecommendationComparison] = []
    by_file: dict[int, list[RecommendationComparison]] = {rf.id: [] for rf in files}
    for rec in _in_scope(recs, files, period, hists):
        score = stats.summarise(hists.get(rec.id, {}))
        row = RecommendationComparison(
            id=rec.id, code=rec.code, sort_key=rec.sort_key, file_id=rec.file_id,
            retired=rec.retired_at is not None, score=score,
            figures=recommendation_figures(rec.id, score, entries.get(f"rec:{rec.id}"),
                                           settings),
        )
        rows.append(row)
        if rec.file_id is not None:
            by_file.setdefault(rec.file_id, []).append(row)

    file_rows: list[FileComparison] = []
    for rf in files:
        members = by_file.get(rf.id, [])
        if _retired_before(rf.retired_at, period) and not any(m.score.n for m in members):
            continue
        key = official.level_key(file_id=rf.id)
        entry = entries.get(key)
        measure = entry.measure if entry is not None else plan_measure
        figures, _ = _level_figures(
            key, entry, measure, [m.score for m in members],
            [hists[m.id] for m in members if m.id in hists], settings)
        file_rows.append(FileComparison(rf, figures))

    overall, plan_by_measure = _level_figures(
        "plan", plan_entry, plan_measure, [r.score for r in rows],
        [hists[r.id] for r in rows if r.id in hists], settings, both_measures=True)
    return Comparison(
        plan=plan, period=period, settings=settings, overall=overall, files=file_rows,
        recommendations=rows, submissions=sum(r.score.n for r in rows),
        independent_by_measure=plan_by_measure,
    )


def compare(session: Session, plan: Plan, period: ReportingPeriod,
            settings: Settings | None = None) -> Comparison:
    """The comparison for one period: one aggregation pass, a few small catalogue reads."""
    settings = settings or Settings.from_config()
    recs, files = _load_catalogue(session, plan)
    hists = aggregation.histograms(session, period.id)
    entries = official.entries_by_period(session, [period.id])[period.id]
    return build(plan, period, recs, files, hists, entries, settings)


@dataclass
class PeriodSummary:
    """Plan-level figures of a period, for the trend: the official entry and the
    independent figure in both measures."""

    period: ReportingPeriod
    entry: OfficialProgress | None
    submissions: int
    independent_by_measure: dict[str, float | None]


class Overview:
    """Every period of a plan from one aggregation pass: the full comparison of the
    period shown, and plan-level summaries of all periods for the trend."""

    def __init__(self, session: Session, plan: Plan, settings: Settings | None = None,
                 periods: list[ReportingPeriod] | None = None):
        """`periods`: only these (in order) instead of all the plan's periods (the public
        page's trend shows published periods only)."""
        self.plan = plan
        self.settings = settings or Settings.from_config()
        self.periods = list(plan.periods) if periods is None else list(periods)
        self.recs, self.files = _load_catalogue(session, plan)
        ids = [p.id for p in self.periods]
        self.hists = aggregation.histograms_by_period(session, ids)
        self.entries = official.entries_by_period(session, ids)
        self._comparisons: dict[int, Comparison] = {}

    def has_submissions(self, period: ReportingPeriod) -> bool:
        return bool(self.hists[period.id])

    def comparison(self, period: ReportingPeriod) -> Comparison:
        if period.id not in self._comparisons:
            self._comparisons[period.id] = build(
                self.plan, period, self.recs, self.files, self.hists[period.id],
                self.entries[period.id], self.settings)
        return self._comparisons[period.id]

    def summary(self, period: ReportingPeriod) -> PeriodSummary:
        if period.id in self._comparisons:
            c = self._comparisons[period.id]
            return PeriodSummary(period, c.overall.entry, c.submissions,
                                 c.independent_by_measure)
        hists = self.hists[period.id]
        scores = [stats.summarise(hists[rec.id])
                  for rec in _in_scope(self.recs, self.files, period, hists) if rec.id in hists]
        return PeriodSummary(
            period, self.entries[period.id].get("plan"), sum(s.n for s in scores),
            {m: _independent(m, scores) for m in MEASURES})


def compare_periods(session: Session, plan: Plan,
                    settings: Settings | None = None) -> dict[int, Comparison]:
    """The full comparison for every period of the plan, from one aggregation pass."""
    overview = Overview(session, plan, settings)
    return {p.id: overview.comparison(p) for p in overview.periods}


@dataclass
class Trend:
    measure: str
    labels: list[str]
    official: list[float | None]
    independent: list[float | None]
    #: Periods whose official figure is in another measure (not drawn).
    other_measure: list[str]


def trend(overview: Overview, measure: str) -> Trend:
    """Plan-level official and independent figures over the periods, in one measure:
    an official figure reported in another measure is left out (and listed), never
    converted."""
    labels, official_values, independent_values, other = [], [], [], []
    for period in overview.periods:
        summary = overview.summary(period)
        labels.append(period.label)
        entry = summary.entry
        if entry is not None and entry.measure != measure:
            other.append(period.label)
            official_values.append(None)
        else:
            official_values.append(official.official_value(entry))
        independent_values.append(summary.independent_by_measure.get(measure))
    return Trend(measure, labels, official_values, independent_values, other)


def period_by_label(session: Session, plan: Plan, label: str | None) -> ReportingPeriod | None:
    if not label:
        return None
    return session.scalar(sa.select(ReportingPeriod).where(
        ReportingPeriod.plan_id == plan.id, ReportingPeriod.label == label))
