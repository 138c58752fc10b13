"""Changing an organisation: the coordinator's edit, with what a new email address sets
off. The address decides who receives the organisation's invitation links, so a change
of address revokes every outstanding link (whichever body sent it: a new one goes out
only when a coordinator resends it, on purpose and audited) and is announced to the old
address, so that an organisation notices a change it did not ask for."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Invitation, Organization, OutgoingEmail
from .. import audit, mailer
from .invitations import cancel_queued_mail
from .organizations import update_organization


def change_organization(session: Session, organization: Organization, raw: dict[str, Any], *,
                        actor_id: int | None) -> list[OutgoingEmail]:
    """`update_organization`, then, when the email changed, revoke the links and queue the
    notice to the old address. Returns the queued emails (send them after the commit)."""
    old_email = organization.email
    update_organization(session, organization, raw, actor_id=actor_id)
    if organization.email == old_email:
        return []
    revoke_links(session, organization, actor_id=actor_id)
    notice = mailer.queue(
        session, kind="organization_email_changed", to=old_email,
        template="organization_email_changed", lang=organization.preferred_language,
        organization=organization, old_email=old_email, new_email=organization.email)
    return [notice]


def revoke_links(session: Session, organization: Organization, *,
                 actor_id: int | None) -> list[Invitation]:
    """Every invitation link of the organisation that still works (pending, opened or
    declined, any body's plan) stops working, and its queued emails are cancelled. The
    invitation stays as it was otherwise: a coordinator resends it to the new address."""
    live = session.scalars(sa.select(Invitation).where(
        Invitation.organization_id == organization.id, Invitation.nonce.is_not(None),
        Invitation.status != "registered").order_by(Invitation.id)).all()
    for invitation in live:
        invitation.nonce = None
        cancel_queued_mail(session, invitation)
        audit.record(session, "invitation.link_revoked", invitation, actor_id=actor_id,
                     organization_id=organization.id, plan_id=invitation.plan_id,
                     after={"reason": "email_changed"})
    return list(live)
