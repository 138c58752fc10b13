"""Aggregation of the counted evaluations, in SQL.

Everything the comparison needs from the evaluations is one small result: per period and
recommendation, how many NGOs gave each score (a histogram). It comes from a single
``GROUP BY period_id, recommendation_id, status_score`` over the counted rows, read from
the covering index ``ix_evaluation_period_counted_rec_score``; evaluations are never
loaded into Python, so memory grows with the number of recommendations (at most five
rows each), not with the number of evaluations.

Counted means ``Evaluation.counted`` (set when an NGO submits to the coordinator, and
kept while a clarification or revision is under way). A NULL ``status_score`` ("no
information") is neither a score nor an evaluation and is left out (method, step 1).
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Evaluation

#: {recommendation_id: {score: number of NGOs}}
Histograms = dict[int, dict[int, int]]


def _counted(period_ids: list[int]) -> list[sa.ColumnElement[bool]]:
    # `counted = true` (not `IS true`): PostgreSQL can use an index only for `=`.
    period = (Evaluation.period_id == period_ids[0] if len(period_ids) == 1
              else Evaluation.period_id.in_(period_ids))
    return [period, Evaluation.counted == sa.true()]


def histograms_by_period(session: Session, period_ids: Iterable[int]) -> dict[int, Histograms]:
    """``{period_id: {recommendation_id: {score: count}}}`` for the given periods, in one
    query. Periods without counted scores map to an empty dict."""
    ids = sorted(set(period_ids))
    result: dict[int, Histograms] = {pid: {} for pid in ids}
    if not ids:
        return result
    # The WHERE clause is the floor's, and the GROUP BY follows the covering index, so
    # PostgreSQL and SQLite both read the index only. "No information" (a NULL score) is
    # one more small group, dropped here rather than filtered in SQL: a filter on
    # status_score made PostgreSQL's planner prefer a sequential scan.
    stmt = (
        sa.select(Evaluation.period_id, Evaluation.recommendation_id, Evaluation.status_score,
                  sa.func.count())
        .where(*_counted(ids))
        .group_by(Evaluation.period_id, Evaluation.recommendation_id, Evaluation.status_score)
    )
    for period_id, recommendation_id, score, count in session.execute(stmt):
        if score is not None:
            result[period_id].setdefault(recommendation_id, {})[int(score)] = int(count)
    return result


def histograms(session: Session, period_id: int) -> Histograms:
    """``{recommendation_id: {score: count}}`` for one period."""
    return histograms_by_period(session, [period_id])[period_id]


def recommendation_histogram(session: Session, period_id: int,
                             recommendation_id: int) -> dict[int, int]:
    """``{score: count}`` for one recommendation in one period (the drill-down)."""
    stmt = (
        sa.select(Evaluation.status_score, sa.func.count())
        .where(*_counted([period_id]), Evaluation.recommendation_id == recommendation_id,
               Evaluation.status_score.is_not(None))
        .group_by(Evaluation.status_score)
    )
    return {int(score): int(count) for score, count in session.execute(stmt)}


def pending_counts(session: Session, period_id: int) -> dict[str, int]:
    """Why a period has nothing to compare yet: evaluations not (yet) counted, and
    counted ones that answer "no information". Two indexed counts; used for the empty
    state only."""
    not_counted = session.scalar(
        sa.select(sa.func.count()).select_from(Evaluation).where(
            Evaluation.period_id == period_id, Evaluation.counted == sa.false())
    ) or 0
    no_information = session.scalar(
        sa.select(sa.func.count()).select_from(Evaluation).where(
            *_counted([period_id]), Evaluation.status_score.is_(None))
    ) or 0
    return {"not_counted": int(not_counted), "no_information": int(no_information)}
