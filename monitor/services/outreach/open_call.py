"""The open call: a public form where an organisation that was not invited asks to join a
plan. It never tells the requester whether the organisation is already known: every
accepted submission gets the same answer, and an acknowledgement is queued for the address
typed either way (the email, read only by the address's owner, may point a known address
to sign-in). The coordinator approves (the same signed invitation is created and sent) or
rejects with a reason, which is emailed."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...links import external_url
from ...models import (
    Invitation,
    JoinRequest,
    Organization,
    OutgoingEmail,
    Plan,
    utcnow,
)
from .. import audit, mailer
from ..accounts import find_user
from . import notices
from .invitations import (
    MAX_REASON,
    InvitationError,
    _check_plan_open,
    _invitee,
    _new_link,
    queue_invitation_emails,
)
from .organizations import OrganizationError, clean_fields, find_by_email


def open_plans(session: Session) -> list[Plan]:
    return list(session.scalars(sa.select(Plan).where(Plan.status == "open").order_by(Plan.id)))


def submit_join_request(session: Session, plan: Plan, raw: dict[str, Any]) -> JoinRequest | None:
    """Record a request to join. Returns None when the same address already has a pending
    request for this plan (the requester sees the same answer either way)."""
    if plan.status != "open":
        raise InvitationError(_("This plan is not open for participation."), 404)
    values, errors = clean_fields(raw)
    if errors:
        raise OrganizationError(_("Please correct the fields marked below."), errors)
    duplicate = session.scalar(sa.select(JoinRequest.id).where(
        JoinRequest.plan_id == plan.id, JoinRequest.email == values["email"],
        JoinRequest.status == "pending").limit(1))
    # Known or not, new or repeated: the same queries and the same queued acknowledgement.
    acknowledge(session, plan, values)
    if duplicate is not None:
        return None
    request = JoinRequest(plan_id=plan.id, status="pending", **values)
    session.add(request)
    session.flush()
    audit.record(session, "join_request.submitted", request, plan_id=plan.id,
                 after={"email": values["email"]})
    # The plan's coordinators are told of a new request (not of a repeated one).
    notices.join_request_received(session, request)
    return request


#: At most one acknowledgement per address in this time: the public form is no mail cannon.
ACKNOWLEDGEMENT_INTERVAL = dt.timedelta(days=1)


def acknowledge(session: Session, plan: Plan, values: dict[str, Any], *,
                now: dt.datetime | None = None) -> OutgoingEmail | None:
    """Queue "your request arrived" to the address typed, in the language chosen in the
    form: who reviews it (the body, by its full name) and what happens next. An address
    that already belongs to an organisation or an account is pointed to sign-in and
    password reset. None when the address had one in the last day."""
    now = now or utcnow()
    address = values["email"]
    recent = session.scalar(sa.select(OutgoingEmail.id).where(
        OutgoingEmail.kind == "join_request_acknowledged", OutgoingEmail.recipient == address,
        OutgoingEmail.created_at > now - ACKNOWLEDGEMENT_INTERVAL).limit(1))
    known = find_by_email(session, address) is not None or find_user(session, address) is not None
    if recent is not None:
        return None
    return mailer.queue(
        session, kind="join_request_acknowledged", to=address,
        template="join_request_acknowledged", lang=values["preferred_language"],
        plan_id=plan.id, reply_to=plan.body.contact_email, name=values["name"], plan=plan,
        body=plan.body, known=known, sign_in_link=external_url("auth.login"),
        reset_link=external_url("auth.reset_request"))


def approve_join_request(session: Session, request: JoinRequest, *,
                         actor_id: int | None) -> tuple[Invitation, int | None]:
    """Create (or reuse) the organisation and queue the same signed invitation; returns
    the invitation and the queued email's id (None when it had already registered)."""
    if request.status != "pending":
        raise InvitationError(_("This request has already been decided."), 409)
    plan = request.plan
    _check_plan_open(plan)
    organization = find_by_email(session, request.email)
    if organization is None:
        organization = Organization(name=request.name, email=request.email,
                                    registration_number=request.registration_number,
                                    governorate=request.governorate,
                                    preferred_language=request.preferred_language)
        session.add(organization)
        session.flush()
        audit.record(session, "organization.created", organization, actor_id=actor_id,
                     organization_id=organization.id, after={"from": "join_request"})
    invitation = session.scalar(sa.select(Invitation).where(
        Invitation.organization_id == organization.id, Invitation.plan_id == plan.id))
    email = None
    if invitation is None:
        invitation = Invitation(organization=organization, plan=plan, status="pending",
                                invited_by_id=actor_id)
        _new_link(invitation)
        session.add(invitation)
        session.flush()
    elif invitation.status != "registered":
        invitation.status = "pending"
        _new_link(invitation)
    if invitation.status != "registered":
        session.flush()
        (email,) = queue_invitation_emails(session, plan, [_invitee(invitation)], approved=True)
    request.status = "approved"
    request.decided_at = utcnow()
    request.decided_by_id = actor_id
    audit.record(session, "join_request.approved", request, actor_id=actor_id,
                 plan_id=plan.id, organization_id=organization.id,
                 after={"invitation": invitation.id})
    return invitation, email


def reject_join_request(session: Session, request: JoinRequest, reason: str, *,
                        actor_id: int | None) -> OutgoingEmail:
    if request.status != "pending":
        raise InvitationError(_("This request has already been decided."), 409)
    text = (reason or "").strip()
    if not text:
        raise InvitationError(_("Please give the reason: it is sent to the organisation."), 422,
                              [("reason", _("This field is required."))])
    if len(text) > MAX_REASON:
        raise InvitationError(_("Please correct the fields marked below."), 422,
                              [("reason", _("At most %(n)d characters.", n=MAX_REASON))])
    request.status = "rejected"
    request.reason = text
    request.decided_at = utcnow()
    request.decided_by_id = actor_id
    email = mailer.queue(session, kind="join_request_rejected", to=request.email,
                         template="join_request_rejected", lang=request.preferred_language,
                         plan_id=request.plan_id, reply_to=request.plan.body.contact_email,
                         request=request, plan=request.plan, body=request.plan.body,
                         reason=text)
    audit.record(session, "join_request.rejected", request, actor_id=actor_id,
                 plan_id=request.plan_id, after={"reason": text})
    return email
