"""Nobody is left waiting: when the government responds on an item, each organisation that
evaluated it is told by email, in its own language, so that it can read and reply."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...links import external_url
from ...models import (
    DigestItem,
    Evaluation,
    Organization,
    OutgoingEmail,
    Plan,
    ReplyMessage,
    ReportingPeriod,
    User,
)
from .. import mailer
from .replies import evaluated_keys, parse_level


def response_recorded(session: Session, plan: Plan, period: ReportingPeriod,
                      message: ReplyMessage) -> list[OutgoingEmail | DigestItem]:
    """One notice per organisation that evaluated the item (a counted evaluation), to its
    address: in the daily digest of the account that holds that address, if it chose one."""
    level = parse_level(session, plan, message.level_key)
    organizations = session.scalars(
        sa.select(Organization).where(Organization.id.in_(
            sa.select(Evaluation.organization_id).where(
                Evaluation.period_id == period.id, Evaluation.counted == sa.true())))
        .order_by(Organization.id)).all()
    link = external_url("results.plan", slug=plan.slug, period=period.label)
    emails = []
    for organization in organizations:
        if message.level_key not in evaluated_keys(session, organization.id, period):
            continue
        holder = session.scalar(sa.select(User).where(User.email == organization.email,
                                                      User.active.is_(True)))
        emails.append(mailer.notify(
            session, holder, kind="reply_response", to=organization.email, template="reply_response",
            lang=organization.preferred_language, plan_id=plan.id, plan=plan, period=period,
            organization=organization, body=plan.body, reply_to=plan.body.contact_email,
            level=level,
            link=link))
    return emails
