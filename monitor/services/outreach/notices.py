"""Nobody is left waiting: the coordinators of a plan are told by email, each in their own
language, that an organisation asked to join it through the open call."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...links import external_url
from ...models import DigestItem, JoinRequest, OutgoingEmail, Plan, User
from .. import mailer


def coordinators_of(session: Session, plan: Plan) -> list[User]:
    """The active coordinators who manage `plan`: its body's, and those of every body."""
    return list(session.scalars(sa.select(User).where(
        User.role == "coordinator", User.active.is_(True),
        sa.or_(User.body_id == plan.body_id, User.body_id.is_(None))).order_by(User.id)))


def join_request_received(session: Session, request: JoinRequest
                          ) -> list[OutgoingEmail | DigestItem]:
    """One notice per coordinator of the plan, with the number of requests waiting (by
    email, or in the coordinator's daily digest)."""
    plan = request.plan
    pending = session.scalar(sa.select(sa.func.count()).select_from(JoinRequest).where(
        JoinRequest.plan_id == plan.id, JoinRequest.status == "pending")) or 0
    link = external_url("outreach.join_requests", slug=plan.slug)
    return [mailer.notify(
        session, person, kind="join_request_received", to=person.email,
        template="join_request_received", lang=person.language or "ar", plan_id=plan.id,
        plan=plan, join_request=request, pending=pending, link=link)
        for person in coordinators_of(session, plan)]
