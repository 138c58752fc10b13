"""Telling the people of an organisation about an evaluation, by email in their language:
the link to it and whom to tell (active people only, never the one who acted)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ...models import Evaluation, OutgoingEmail, User
from .. import mailer


def link(evaluation: Evaluation, *, review: bool = False) -> str:
    base = current_app.config["MONITOR_BASE_URL"].rstrip("/")
    return f"{base}/evaluations/{'review/' if review else ''}{evaluation.id}"


def notify(session: Session, evaluation: Evaluation, recipients: list[User], *, kind: str,
            template: str, comment: str, actor: User) -> list[OutgoingEmail]:
    emails = []
    seen = set()
    org = evaluation.organization
    for person in recipients:
        if person is None or not person.active or person.email in seen or person.id == actor.id:
            continue
        seen.add(person.email)
        emails.append(mailer.queue(
            session, kind=kind, to=person.email, template=template,
            lang=person.language or org.preferred_language, plan_id=evaluation.period.plan_id,
            evaluation=evaluation, recommendation=evaluation.recommendation,
            period=evaluation.period, plan=evaluation.period.plan, comment=comment,
            link=link(evaluation), organization=org))
    return emails


def org_users(session: Session, organization_id: int, role: str) -> list[User]:
    return list(session.scalars(sa.select(User).where(
        User.organization_id == organization_id, User.role == role, User.active.is_(True)
    ).order_by(User.id)))
