"""The minimum-NGO rule, made to hold under differencing: the one place that decides what
a file's or the plan's figure may be computed from outside the coordinator's hands (the
public page, an NGO's results page, the open dataset).

A recommendation rated by fewer than ``MONITOR_MIN_NGOS`` NGOs has its independent figure
withheld. If a file's average still included it, the file average shown beside the other
recommendations' figures would give the withheld score by subtraction. So a file's or the
plan's independent figure, gap, flag, agreement and number of NGOs are computed **only over
the recommendations that meet the rule** (method, step 12); coverage still counts every
recommendation with an evaluation (it says nothing about a score).
"""
from __future__ import annotations

from dataclasses import replace

from . import comparison, stats

#: The open dataset publishes a recommendation's distribution only from this many NGOs up:
#: with 2-4 NGOs the counts would reveal each NGO's rating.
MIN_NGOS_DISTRIBUTION = 5


def shown(row: comparison.RecommendationComparison, settings: comparison.Settings) -> bool:
    """A recommendation's independent figures may be shown."""
    return row.score.n >= settings.min_ngos


def distribution_shown(row: comparison.RecommendationComparison) -> bool:
    return row.score.n == 0 or row.score.n >= MIN_NGOS_DISTRIBUTION


def level(figures: comparison.Figures, members: list[comparison.RecommendationComparison],
          settings: comparison.Settings) -> comparison.Figures:
    """A file's or the plan's figures recomputed over its members that meet the rule."""
    scores = [m.score for m in members if shown(m, settings)]
    independent = comparison._independent(figures.measure, scores)  # noqa: SLF001
    n_ngos = max((s.n for s in scores), default=0)
    difference = stats.gap(figures.official, independent)
    return replace(
        figures, independent=independent, gap=difference, n_ngos=n_ngos,
        flag=stats.is_divergent(difference, n_ngos, threshold=settings.threshold,
                                min_ngos=settings.min_ngos),
        alpha=stats.krippendorff_alpha_ordinal(s.distribution for s in scores),
        low_coverage=not scores,
    )


def members_of(result: comparison.Comparison, level_key: str
               ) -> list[comparison.RecommendationComparison]:
    if level_key == "plan":
        return result.recommendations
    file_id = int(level_key.split(":", 1)[1])
    return [r for r in result.recommendations if r.file_id == file_id]


def disclosed(result: comparison.Comparison) -> comparison.Comparison:
    """The comparison with every file and the plan recomputed under the rule (the
    recommendations' own rows are unchanged; publication withholds their figures)."""
    s = result.settings
    files = [comparison.FileComparison(f.file, level(f.figures, members_of(result, f.figures
                                                                           .level_key), s))
             for f in result.files]
    overall = level(result.overall, result.recommendations, s)
    return replace(result, overall=overall, files=files, independent_by_measure={
        m: comparison._independent(m, [r.score for r in result.recommendations  # noqa: SLF001
                                       if shown(r, s)]) for m in comparison.MEASURES})

