"""The evaluator's overview: per open period, the monitored files, their recommendations
and where each evaluation stands."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import (
    Evaluation,
    FileChoice,
    Invitation,
    Plan,
    Recommendation,
    RecommendationFile,
    ReportingPeriod,
)


@dataclass
class FileBlock:
    file: RecommendationFile
    rows: list[tuple[Recommendation, Evaluation | None]] = field(default_factory=list)


@dataclass
class PeriodBlock:
    plan: Plan
    period: ReportingPeriod
    files: list[FileBlock] = field(default_factory=list)
    counts: dict[str | None, int] = field(default_factory=dict)
    #: Rows matching the filter, and the number of pages they make.
    rows: int = 0
    pages: int = 1


PER_PAGE = 100


def overview(session: Session, organization_id: int, *, state: str | None = None,
             page: int = 1, per_page: int = PER_PAGE) -> list[PeriodBlock]:
    """Per open period of each plan the organisation takes part in: its monitored files,
    their recommendations and each evaluation (None: not started). `state` filters rows
    ("not_started" for those without an evaluation); rows are paginated per period
    (`page` from 1; counts are over all rows)."""
    periods = list(session.scalars(
        sa.select(ReportingPeriod)
        .join(Plan, Plan.id == ReportingPeriod.plan_id)
        .join(Invitation, Invitation.plan_id == Plan.id)
        .where(Invitation.organization_id == organization_id,
               Invitation.status == "registered", Plan.status == "open",
               ReportingPeriod.status == "open")
        .order_by(Plan.id, ReportingPeriod.starts_on)))
    if not periods:
        return []
    plan_ids = {p.plan_id for p in periods}
    files = list(session.scalars(
        sa.select(RecommendationFile)
        .join(FileChoice, FileChoice.file_id == RecommendationFile.id)
        .where(FileChoice.organization_id == organization_id,
               FileChoice.choice == "monitoring", RecommendationFile.retired_at.is_(None),
               RecommendationFile.plan_id.in_(plan_ids))
        .order_by(RecommendationFile.position, RecommendationFile.id)))
    recommendations: dict[int, list[Recommendation]] = {}
    if files:
        for rec in session.scalars(
                sa.select(Recommendation)
                .where(Recommendation.file_id.in_([f.id for f in files]),
                       Recommendation.retired_at.is_(None))
                .order_by(Recommendation.sort_key, Recommendation.id)):
            recommendations.setdefault(rec.file_id, []).append(rec)
    evaluations = {
        (e.recommendation_id, e.period_id): e
        for e in session.scalars(sa.select(Evaluation).where(
            Evaluation.organization_id == organization_id,
            Evaluation.period_id.in_([p.id for p in periods])))
    }
    first, last = (page - 1) * per_page, page * per_page
    blocks = []
    for period in periods:
        block = PeriodBlock(plan=period.plan, period=period)
        for file in files:
            if file.plan_id != period.plan_id:
                continue
            file_block = FileBlock(file=file)
            for rec in recommendations.get(file.id, []):
                evaluation = evaluations.get((rec.id, period.id))
                key = evaluation.state if evaluation else None
                block.counts[key] = block.counts.get(key, 0) + 1
                if state and (key or "not_started") != state:
                    continue
                if first <= block.rows < last:
                    file_block.rows.append((rec, evaluation))
                block.rows += 1
            if file_block.rows:
                block.files.append(file_block)
        block.pages = max(1, -(-block.rows // per_page))
        blocks.append(block)
    return blocks
