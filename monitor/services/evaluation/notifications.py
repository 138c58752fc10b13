"""Telling the people of an organisation about an evaluation, by email in their language:
the link to it and whom to tell (active people only, never the one who acted). Nobody is
left waiting: the administrators hear when an evaluation awaits their approval, the
evaluator when it is returned, everyone concerned when the coordinator asks."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...links import external_url
from ...models import DigestItem, Evaluation, OutgoingEmail, User
from .. import mailer


def link(evaluation: Evaluation, *, review: bool = False) -> str:
    return external_url("evaluation.review" if review else "evaluation.edit",
                        evaluation_id=evaluation.id)


def notify(session: Session, evaluation: Evaluation, recipients: list[User], *, kind: str,
           template: str, actor: User, comment: str | None = None,
           **context: Any) -> list[OutgoingEmail | DigestItem]:
    """One notice per active person (not the one who acted), by email or in their daily
    digest (`mailer.notify`)."""
    emails = []
    seen = set()
    org = evaluation.organization
    for person in recipients:
        if person is None or not person.active or person.email in seen or person.id == actor.id:
            continue
        seen.add(person.email)
        emails.append(mailer.notify(
            session, person, kind=kind, to=person.email, template=template,
            lang=person.language or org.preferred_language, plan_id=evaluation.period.plan_id,
            evaluation=evaluation, recommendation=evaluation.recommendation,
            period=evaluation.period, plan=evaluation.period.plan, comment=comment,
            link=link(evaluation), organization=org, **context))
    return emails


def org_users(session: Session, organization_id: int, role: str) -> list[User]:
    return list(session.scalars(sa.select(User).where(
        User.organization_id == organization_id, User.role == role, User.active.is_(True)
    ).order_by(User.id)))


def awaiting_approval(session: Session, evaluation: Evaluation, *,
                      actor: User) -> list[OutgoingEmail | DigestItem]:
    """One email per active administrator of the organisation (not the sender)."""
    return notify(session, evaluation, org_users(session, evaluation.organization_id, "ngo_admin"),
                  kind="evaluation_awaiting_approval", template="evaluation_awaiting_approval",
                  actor=actor, sender=actor)
