"""Nobody is left waiting: the NGO's administrators are told by email, each in their own
language, when an evaluator sends an evaluation for their approval."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ...models import Evaluation, OutgoingEmail, User
from .. import mailer


def awaiting_approval(session: Session, evaluation: Evaluation, *,
                      actor: User) -> list[OutgoingEmail]:
    """Queue one email per active administrator of the organisation (not the sender)."""
    organization = evaluation.organization
    admins = session.scalars(sa.select(User).where(
        User.organization_id == evaluation.organization_id, User.role == "ngo_admin",
        User.active.is_(True), User.id != actor.id).order_by(User.id))
    base = current_app.config["MONITOR_BASE_URL"].rstrip("/")
    return [mailer.queue(
        session, kind="evaluation_awaiting_approval", to=admin.email,
        template="evaluation_awaiting_approval",
        lang=admin.language or organization.preferred_language,
        plan_id=evaluation.period.plan_id, evaluation=evaluation,
        recommendation=evaluation.recommendation, period=evaluation.period,
        plan=evaluation.period.plan, sender=actor, organization=organization,
        link=f"{base}/evaluations/{evaluation.id}") for admin in admins]
