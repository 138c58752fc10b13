"""Merging the pieces UPR Info left of one recommendation (see `matching.Index.pieces`)
into the recommendation a later import of the UN's list makes of them.

A piece's evaluations move to the recommendation it becomes; the piece is then deleted
(its text versions with it). Nothing that an evaluation or a figure holds is lost, so a
piece stays apart, with a message in the preview, when:

- an organisation has submitted an evaluation of it: a submitted version's receipt names
  the recommendation it evaluated (`services.evaluation.lifecycle.revision_content`), and
  moving it would make its receipt fail verification (the piece with submitted
  evaluations is therefore the one kept, when there is one);
- the same organisation evaluated two of the pieces in the same period (one evaluation
  per organisation, recommendation and period);
- the government's figures or the right of reply refer to it.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...models import (
    Evaluation,
    EvaluationRevision,
    OfficialProgress,
    Recommendation,
    ReplyMessage,
)
from .. import audit


def _submitted(session: Session, recommendation_id: int) -> bool:
    return bool(session.scalar(sa.select(sa.exists().where(
        EvaluationRevision.evaluation_id == Evaluation.id,
        Evaluation.recommendation_id == recommendation_id))))


def survivor(session: Session, pieces: Sequence[Recommendation]
             ) -> tuple[Recommendation, list[Recommendation]]:
    """The piece that becomes the recommendation (one with submitted evaluations, when
    there is one, else the first) and the others."""
    keep = next((piece for piece in pieces if _submitted(session, piece.id)), pieces[0])
    return keep, [piece for piece in pieces if piece.id != keep.id]


def obstacle(session: Session, piece: Recommendation, target: Recommendation,
             row_number: int, code: str | None) -> str | None:
    """Why `piece` cannot be merged into `target` (translated), or None."""
    what = {"row": row_number, "code": code or "-",
            "text": (piece.text_en or "")[:120]}
    if _submitted(session, piece.id):
        return _("Row %(row)d (%(code)s): not merged with the recommendation without code "
                 "“%(text)s”: organisations have submitted evaluations of it, and each "
                 "receipt names the recommendation it evaluated. It stays apart; retire it "
                 "if it is the same.", **what)
    periods = sa.select(Evaluation.organization_id, Evaluation.period_id).where(
        Evaluation.recommendation_id == target.id)
    if session.scalar(sa.select(sa.exists().where(
            Evaluation.recommendation_id == piece.id,
            sa.tuple_(Evaluation.organization_id, Evaluation.period_id).in_(periods)))):
        return _("Row %(row)d (%(code)s): not merged with the recommendation without code "
                 "“%(text)s”: the same organisation evaluated both in the same period, and "
                 "an organisation has one evaluation per recommendation and period. It "
                 "stays apart.", **what)
    if session.scalar(sa.select(
            sa.exists().where(OfficialProgress.recommendation_id == piece.id)
            | sa.exists().where(ReplyMessage.level_key == f"rec:{piece.id}"))):
        return _("Row %(row)d (%(code)s): not merged with the recommendation without code "
                 "“%(text)s”: official figures or replies refer to it. It stays apart.",
                 **what)
    return None


def merge(session: Session, piece: Recommendation, target: Recommendation, *,
          actor_id: int | None = None) -> int:
    """Move the piece's evaluations to `target` and delete the piece; returns how many
    evaluations moved. The caller checked `obstacle` in the same transaction."""
    moved = session.execute(
        sa.update(Evaluation.__table__)
        .where(Evaluation.__table__.c.recommendation_id == piece.id)
        .values(recommendation_id=target.id)).rowcount
    audit.record(session, "recommendation.merged", piece, actor_id=actor_id,
                 plan_id=piece.plan_id,
                 before={"text_en": piece.text_en, "recommending_states":
                         piece.recommending_states},
                 after={"into": target.id, "code": target.code, "evaluations": moved})
    session.execute(sa.update(Recommendation).where(Recommendation.earlier_id == piece.id)
                    .values(earlier_id=None))
    session.delete(piece)
    session.flush()
    return moved
