"""The conversation around an evaluation: the NGO administrator's return to the evaluator,
the coordinator's request for clarification (the evaluation stays counted as submitted:
independence), and the notes both leave."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...models import Evaluation, EvaluationNote, OutgoingEmail, User, utcnow
from .. import audit
from .lifecycle import (
    EvaluationError,
    NotFound,
    _check_version,
    _clean_note,
    _flush_or_stale,
    _require_role,
    check_open,
    check_scope,
)
from .notifications import notify, org_users


def return_to_evaluator(session: Session, evaluation: Evaluation, *, comment: str | None,
                        expected_version: int | None, user: User) -> list[OutgoingEmail]:
    """The NGO administrator returns an evaluation awaiting approval, with a comment; the
    evaluator who sent it is told by email. Returns the queued emails."""
    _require_role(user, "ngo_admin")
    check_scope(session, evaluation.organization_id, evaluation.recommendation,
                evaluation.period)
    check_open(evaluation.period)
    if evaluation.state != "awaiting_approval":
        raise EvaluationError(_("Only an evaluation waiting for approval can be returned."))
    comment = _clean_note(comment, required=True)
    _check_version(session, evaluation, expected_version)
    yours = evaluation.version
    # While a counted version exists, the revision goes back to the clarification stage.
    evaluation.state = "clarification_requested" if evaluation.counted else "draft"
    evaluation.updated_at = utcnow()
    evaluation.updated_by_id = user.id
    _flush_or_stale(session, evaluation, yours)
    session.add(EvaluationNote(evaluation_id=evaluation.id, kind="returned", author_id=user.id,
                               body=comment))
    audit.record(session, "evaluation.returned", evaluation, actor_id=user.id,
                 plan_id=evaluation.period.plan_id,
                 before={"state": "awaiting_approval", "version": yours},
                 after={"state": evaluation.state, "version": evaluation.version})
    sender = (session.get(User, evaluation.sent_for_approval_by_id)
              if evaluation.sent_for_approval_by_id else None)
    recipients = [sender] if sender is not None and sender.active else org_users(
        session, evaluation.organization_id, "evaluator")
    return notify(session, evaluation, recipients, kind="evaluation_returned",
                   template="evaluation_returned", comment=comment, actor=user)


def request_clarification(session: Session, evaluation: Evaluation, *, message: str | None,
                          user: User) -> list[OutgoingEmail]:
    """The coordinator asks the organisation about a submitted evaluation. It stays
    counted as it is; the organisation may submit a revision. Returns the queued emails."""
    _require_role(user, "coordinator")
    if not evaluation.counted:
        raise NotFound(_("This evaluation has not been submitted."))
    if evaluation.state == "clarification_requested":
        raise EvaluationError(_("A clarification has already been requested and the "
                                "organisation has not answered yet."))
    if evaluation.state != "submitted":
        raise EvaluationError(_("The organisation is already revising this evaluation."))
    message = _clean_note(message, required=True)
    yours = evaluation.version
    evaluation.state = "clarification_requested"
    _flush_or_stale(session, evaluation, yours)
    session.add(EvaluationNote(evaluation_id=evaluation.id, kind="clarification_request",
                               author_id=user.id, body=message))
    audit.record(session, "evaluation.clarification_requested", evaluation, actor_id=user.id,
                 plan_id=evaluation.period.plan_id, before={"state": "submitted"},
                 after={"state": evaluation.state, "version": evaluation.version})
    recipients = org_users(session, evaluation.organization_id, "ngo_admin")
    if evaluation.sent_for_approval_by_id:
        recipients.append(session.get(User, evaluation.sent_for_approval_by_id))
    return notify(session, evaluation, recipients, kind="evaluation_clarification",
                   template="evaluation_clarification_requested", comment=message, actor=user)


def notes(session: Session, evaluation: Evaluation, *, coordinator: bool = False
          ) -> list[EvaluationNote]:
    """The conversation; the coordinator does not see the NGO's internal returns."""
    query = sa.select(EvaluationNote).where(EvaluationNote.evaluation_id == evaluation.id)
    if coordinator:
        query = query.where(EvaluationNote.kind.in_(("clarification_request", "reply")))
    return list(session.scalars(query.order_by(EvaluationNote.created_at, EvaluationNote.id)))
