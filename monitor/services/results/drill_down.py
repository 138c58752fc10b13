"""The coordinator's drill-down on one recommendation in one period: every counted
evaluation, oldest first, with the name the coordinator may see (its pseudonym when the
NGO chose one: A, B, ... in that order), the newest submitted version, its questionnaire,
and only the documents that version shared with the coordinator (safety first)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Attachment, Evaluation, EvaluationRevision, Questionnaire
from ..evaluation import attachments as attachment_service
from . import pseudonyms


@dataclass
class CountedEvaluation:
    evaluation: Evaluation
    #: The organisation's name, or its pseudonym ("Organisation A") when it chose one.
    name: str
    revision: EvaluationRevision | None
    definition: dict[str, Any] | None
    attachments: list[Attachment] = field(default_factory=list)


@dataclass
class DrillDown:
    items: list[CountedEvaluation]
    page: int
    pages: int


def counted_evaluations(session: Session, period_id: int, recommendation_id: int, *,
                        page: int, per_page: int) -> DrillDown:
    """One page of the counted evaluations (the first page when `page` is out of range)."""
    counted = session.scalars(
        sa.select(Evaluation.id)
        .where(Evaluation.period_id == period_id,
               Evaluation.recommendation_id == recommendation_id,
               Evaluation.counted == sa.true())
        .order_by(Evaluation.id)).all()
    pages = max(1, -(-len(counted) // per_page))
    page = page if 1 <= page <= pages else 1
    ids = list(counted[(page - 1) * per_page: page * per_page])
    if not ids:
        return DrillDown([], page, pages)
    letters = pseudonyms.by_evaluation(session, period_id, [recommendation_id])
    evaluations = session.scalars(
        sa.select(Evaluation).where(Evaluation.id.in_(ids)).order_by(Evaluation.id)).all()
    newest: dict[int, EvaluationRevision] = {}
    for revision in session.scalars(
            sa.select(EvaluationRevision).where(EvaluationRevision.evaluation_id.in_(ids))
            .order_by(EvaluationRevision.number)):
        newest[revision.evaluation_id] = revision
    definitions = {
        q.id: q.definition for q in session.scalars(sa.select(Questionnaire).where(
            Questionnaire.id.in_({r.questionnaire_id for r in newest.values()})))
    } if newest else {}
    shared: dict[int, list[Attachment]] = {}
    for att in session.scalars(
            sa.select(Attachment).where(Attachment.evaluation_id.in_(ids),
                                        Attachment.visibility == "coordinator")
            .order_by(Attachment.id)):
        # Only what the newest submitted version shared (services.evaluation.attachments).
        if att.id in attachment_service.shared_in(newest.get(att.evaluation_id)):
            shared.setdefault(att.evaluation_id, []).append(att)
    items = []
    for evaluation in evaluations:
        revision = newest.get(evaluation.id)
        items.append(CountedEvaluation(
            evaluation=evaluation,
            name=pseudonyms.shown_name(evaluation.organization.name, evaluation.pseudonymous,
                                       letters.get(evaluation.id)),
            revision=revision,
            definition=definitions.get(revision.questionnaire_id) if revision else None,
            attachments=shared.get(evaluation.id, [])))
    return DrillDown(items, page, pages)
