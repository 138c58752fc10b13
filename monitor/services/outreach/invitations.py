"""Invitations: the coordinator invites organisations to a plan by a signed link; each NGO
takes part (registers, or signs in when it already has an account) or declines, freely.

Links
    `/join/<token>`: an itsdangerous token with the invitation salt carrying only the
    invitation's id and a random nonce (no email, no role). It is valid for
    `MONITOR_INVITATION_DAYS` (and never past the invitation's `expires_at`). Resending
    draws a new nonce, so the older link stops working; revoking clears it. Registration
    is single use: the invitation moves from pending (or declined) to registered with one
    conditional UPDATE, and the account's email is unique, so two tabs submitting at once
    make exactly one account.

Sending (the decision)
    The web *queues* (one `OutgoingEmail` per message, in the invitations' transaction;
    5,000 invitations queue in about a second) and sends in short chunks: each "send
    next batch" click sends at most `WEB_BATCH` (50) messages, starts no new message
    after `WEB_TIME_BUDGET` (15 s) and bounds each SMTP wait to `WEB_SMTP_TIMEOUT`
    (5 s), so a request stays well under 30 s; the coordinator's progress page shows
    what is queued, sent and failed, and is clicked again until the queue is empty. The
    CLI,
    `flask --app monitor invitations send --plan SLUG`, sends everything queued over one
    connection with a progress bar. Both claim messages before sending (see
    `services.mailer`), so they can run side by side without sending anything twice; a
    run interrupted by the SMTP server is completed by the next run (no duplicates, none
    missing).

The funnel is in funnel.py, the open call in open_call.py.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ... import tokens
from ...i18n import format_date
from ...links import external_url
from ...models import (
    Invitation,
    Organization,
    OutgoingEmail,
    Plan,
    User,
    utcnow,
)
from .. import accounts, audit, mailer
from ..accounts import authenticate, hash_password
from ..catalogue.records import active_files, file_counts

#: At most this many messages per web request, within this many seconds.
WEB_BATCH = 50
WEB_TIME_BUDGET = 15.0
WEB_SMTP_TIMEOUT = 5.0
MAX_REASON = 2000
INVITATION_KINDS = ("invitation", "reminder")


class InvitationError(Exception):
    """A refusal with a translated message and the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400,
                 errors: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors = errors or []


# --- links ---------------------------------------------------------------------------------


def _days() -> int:
    return int(current_app.config.get("MONITOR_INVITATION_DAYS", 30))


def token_for(invitation: Invitation) -> str:
    if not invitation.nonce:
        raise InvitationError(_("This invitation has no valid link."), 410)
    return tokens.make_row_token("invitation", invitation.id, invitation.nonce)


def link_for(invitation: Invitation) -> str:
    return external_url("outreach_public.join_link", token=token_for(invitation))


def _new_link(invitation: Invitation) -> None:
    invitation.nonce = tokens.new_nonce()
    invitation.expires_at = utcnow() + dt.timedelta(days=_days())


def resolve(session: Session, token: str) -> Invitation:
    """The invitation a token designates, or an InvitationError saying why not. The
    invitation may be pending, declined or registered: the caller decides."""
    try:
        invitation_id, nonce = tokens.read_row_token("invitation", token, _days() * 86400)
    except tokens.TokenExpired:
        raise InvitationError(_expired_message(), 410) from None
    except tokens.TokenInvalid:
        raise InvitationError(_invalid_message(), 400) from None
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise InvitationError(_invalid_message(), 400)
    if invitation.status == "revoked":
        raise InvitationError(_("This invitation was withdrawn by the coordinator. If you "
                                "think this is a mistake, please contact them."), 410)
    if invitation.nonce is None:  # revoked when the organisation's address changed
        raise InvitationError(_("This link no longer works because the organisation's email "
                                "address was changed. Please ask the coordinator for a new "
                                "one."), 410)
    if not tokens.nonce_matches(invitation.nonce, nonce):
        raise InvitationError(_("A newer link was sent for this invitation, so this one no "
                                "longer works. Please use the link in the most recent "
                                "email."), 410)
    if invitation.expires_at and invitation.expires_at < utcnow():
        raise InvitationError(_expired_message(), 410)
    if invitation.plan.status == "closed":
        raise InvitationError(_("This plan is closed: it no longer takes new participants."),
                              410)
    return invitation


def _invalid_message() -> str:
    return _("This link is not valid. It may have been cut off when it was copied: please "
             "open it again from the email, or ask the coordinator for a new one.")


def _expired_message() -> str:
    return _("This invitation link has expired. Please ask the coordinator to send a new one.")


def used_message() -> str:
    return _("This invitation link has already been used: your organisation is registered "
             "for this plan. Please sign in.")


# --- inviting ------------------------------------------------------------------------------


def _check_plan_open(plan: Plan) -> None:
    if plan.status == "closed":
        raise InvitationError(_("This plan is closed: nobody can be invited to it."), 409)


def uninvited_query(plan: Plan) -> sa.Select[tuple[Organization]]:
    invited = sa.select(Invitation.organization_id).where(Invitation.plan_id == plan.id)
    return sa.select(Organization).where(Organization.id.not_in(invited)).order_by(
        Organization.name, Organization.id)


def invite(session: Session, plan: Plan, organization_ids: Iterable[int] | None, *,
           actor_id: int | None) -> list[Invitation]:
    """Invite the given organisations (None: every organisation not yet invited) and queue
    their emails. Organisations already invited are left alone."""
    _check_plan_open(plan)
    query = uninvited_query(plan)
    if organization_ids is not None:
        ids = list(organization_ids)
        if not ids:
            raise InvitationError(_("Select at least one organisation to invite."), 400)
        query = query.where(Organization.id.in_(ids))
    organizations = list(session.scalars(query))
    if not organizations:
        raise InvitationError(_("Every selected organisation has already been invited."), 409)
    now = utcnow()
    rows = [{"organization_id": o.id, "plan_id": plan.id, "status": "pending",
             "nonce": tokens.new_nonce(), "expires_at": now + dt.timedelta(days=_days()),
             "invited_by_id": actor_id, "created_at": now, "reminder_count": 0}
            for o in organizations]
    # One INSERT for the batch (thousands of organisations fit in a web request).
    new_ids = list(session.scalars(
        sa.insert(Invitation).returning(Invitation.id, sort_by_parameter_order=True), rows))
    invitees = [_Invitee(i, row["nonce"], row["expires_at"], org)
                for i, row, org in zip(new_ids, rows, organizations)]
    queue_invitation_emails(session, plan, invitees, cancel_previous=False)
    audit.record(session, "invitation.created", plan, actor_id=actor_id, plan_id=plan.id,
                 after={"organizations": len(invitees)})
    return [inv for chunk in _chunks(new_ids) for inv in session.scalars(
        sa.select(Invitation).where(Invitation.id.in_(chunk)).order_by(Invitation.id))]


def _chunks(items: list[Any], size: int = 1000) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _plan_context(session: Session, plan: Plan) -> dict[str, Any]:
    return {"plan": plan, "files": active_files(plan), "counts": file_counts(session, plan),
            "body": plan.body}


@dataclass
class _Invitee:
    id: int
    nonce: str
    expires_at: dt.datetime
    organization: Organization


def queue_invitation_emails(session: Session, plan: Plan, invitees: list[_Invitee], *,
                            kind: str = "invitation", approved: bool = False,
                            cancel_previous: bool = True) -> list[int]:
    """Queue the invitation (or a reminder) for each invitee, with a link made now: one
    rendering per language, then each organisation's name and link filled in. Earlier
    queued messages of these invitations that were never sent are cancelled (their link
    may be stale)."""
    if cancel_previous:
        for chunk in _chunks([i.id for i in invitees]):
            session.execute(sa.update(OutgoingEmail).where(
                OutgoingEmail.invitation_id.in_(chunk),
                OutgoingEmail.kind.in_(INVITATION_KINDS), OutgoingEmail.status == "queued",
                sa.or_(OutgoingEmail.claimed_until.is_(None),
                       OutgoingEmail.claimed_until < utcnow()),
            ).values(status="cancelled").execution_options(synchronize_session=False))
    context = _plan_context(session, plan)
    merged = {"organization": SimpleNamespace(name=mailer.placeholder("name")),
              "link": mailer.placeholder("link"), "decline_link": mailer.placeholder("decline"),
              "expires": mailer.placeholder("expires")}
    by_language: dict[str, list[_Invitee]] = {}
    for invitee in invitees:
        by_language.setdefault(invitee.organization.preferred_language or "ar", []).append(invitee)
    ids: list[int] = []
    for lang, group in by_language.items():
        dates: dict[dt.date, str] = {}
        with force_locale(lang):
            for invitee in group:
                day = invitee.expires_at.date()
                if day not in dates:
                    dates[day] = format_date(day)
        recipients = []
        for invitee in group:
            token = tokens.make_row_token("invitation", invitee.id, invitee.nonce)
            link = external_url("outreach_public.join_link", token=token)
            recipients.append(mailer.Recipient(
                to=invitee.organization.email, invitation_id=invitee.id, fields={
                    "name": invitee.organization.name, "link": link,
                    "decline": link + "/decline", "expires": dates[invitee.expires_at.date()]}))
        ids += mailer.queue_merged(
            session, kind=kind, template="reminder" if kind == "reminder" else "invitation",
            lang=lang, recipients=recipients, plan_id=plan.id,
            reply_to=plan.body.contact_email, approved=approved, reminder=kind == "reminder",
            **context, **merged)
    return ids


def _invitee(invitation: Invitation) -> _Invitee:
    if not invitation.nonce or invitation.expires_at is None:
        raise InvitationError(_("This invitation has no valid link."), 410)
    return _Invitee(invitation.id, invitation.nonce, invitation.expires_at,
                    invitation.organization)


def resend(session: Session, invitation: Invitation, *, actor_id: int | None) -> int:
    """A new link (the old one stops working) and a new email; returns the email's id. A
    revoked invitation becomes pending again; a registered one cannot be resent."""
    _check_plan_open(invitation.plan)
    if invitation.status == "registered":
        raise InvitationError(_("This organisation has already registered for this plan."), 409)
    before = {"status": invitation.status}
    if invitation.status == "revoked":
        invitation.status = "pending"
    # A declined invitation stays declined: the organisation may change its mind by the link.
    _new_link(invitation)
    session.flush()
    (email_id,) = queue_invitation_emails(session, invitation.plan, [_invitee(invitation)])
    audit.record(session, "invitation.resent", invitation, actor_id=actor_id, before=before,
                 after={"status": invitation.status})
    return email_id


def renew_link(session: Session, invitation: Invitation, *, actor_id: int | None) -> str:
    """A new link to pass on by other means (the old one stops working); no email."""
    _check_plan_open(invitation.plan)
    if invitation.status == "registered":
        raise InvitationError(_("This organisation has already registered for this plan."), 409)
    if invitation.status == "revoked":
        invitation.status = "pending"
    _new_link(invitation)
    audit.record(session, "invitation.link_renewed", invitation, actor_id=actor_id)
    session.flush()
    return link_for(invitation)


def revoke(session: Session, invitation: Invitation, *, actor_id: int | None) -> None:
    if invitation.status == "registered":
        raise InvitationError(_("This organisation has already registered: its invitation "
                                "can no longer be withdrawn."), 409)
    if invitation.status == "revoked":
        raise InvitationError(_("This invitation was already withdrawn."), 409)
    before = {"status": invitation.status}
    invitation.status = "revoked"
    invitation.nonce = None
    cancel_queued_mail(session, invitation)
    audit.record(session, "invitation.revoked", invitation, actor_id=actor_id, before=before,
                 after={"status": "revoked"})


def cancel_queued_mail(session: Session, invitation: Invitation) -> None:
    """Queued emails of a revoked link are not sent (one a sender holds right now is)."""
    session.execute(sa.update(OutgoingEmail).where(
        OutgoingEmail.invitation_id == invitation.id, OutgoingEmail.status == "queued",
        sa.or_(OutgoingEmail.claimed_until.is_(None), OutgoingEmail.claimed_until < utcnow()),
    ).values(status="cancelled"))


def remind(session: Session, plan: Plan, *, actor_id: int | None,
           min_hours: float = 20) -> list[int]:
    """Queue a reminder to each organisation that has neither registered nor declined and
    whose invitation was sent; never to those that declined. Nobody is reminded twice
    within `min_hours`. A reminder carries a fresh link and extends the validity. Returns
    the ids of the queued emails."""
    _check_plan_open(plan)
    now = utcnow()
    sent = sa.select(OutgoingEmail.invitation_id).where(
        OutgoingEmail.kind == "invitation", OutgoingEmail.status == "sent")
    invitations = list(session.scalars(
        sa.select(Invitation).where(
            Invitation.plan_id == plan.id, Invitation.status == "pending",
            Invitation.nonce.is_not(None), Invitation.id.in_(sent),
            sa.or_(Invitation.last_reminded_at.is_(None),
                   Invitation.last_reminded_at < now - dt.timedelta(hours=min_hours)),
        ).order_by(Invitation.id)))
    if not invitations:
        return []
    expires = now + dt.timedelta(days=_days())
    for chunk in _chunks([i.id for i in invitations]):
        session.execute(sa.update(Invitation).where(Invitation.id.in_(chunk)).values(
            expires_at=expires, last_reminded_at=now,
            reminder_count=Invitation.reminder_count + 1,
        ).execution_options(synchronize_session=False))
    invitees = [_Invitee(i.id, i.nonce or "", expires, i.organization) for i in invitations]
    ids = queue_invitation_emails(session, plan, invitees, kind="reminder")
    audit.record(session, "invitation.reminded", plan, actor_id=actor_id, plan_id=plan.id,
                 after={"organizations": len(invitations)})
    return ids


# --- sending -------------------------------------------------------------------------------


def send(session: Session, plan: Plan | None, *, limit: int | None = None,
         time_budget: float | None = None, timeout: float | None = None,
         on_progress: Callable[[int, str], None] | None = None) -> mailer.SendReport:
    """Send what is queued for a plan (all plans: None)."""
    return mailer.send_pending(session, plan_id=plan.id if plan else None, limit=limit,
                               time_budget=time_budget, timeout=timeout,
                               on_progress=on_progress)


def send_web_batch(session: Session, plan: Plan) -> mailer.SendReport:
    """At most WEB_BATCH messages, stopping after WEB_TIME_BUDGET seconds, each SMTP wait
    bounded by WEB_SMTP_TIMEOUT: a request stays well under 30 seconds."""
    return send(session, plan, limit=WEB_BATCH, time_budget=WEB_TIME_BUDGET,
                timeout=WEB_SMTP_TIMEOUT)


@dataclass
class Progress:
    queued: int = 0
    sent: int = 0
    failed: int = 0
    #: Queued messages under another sender's claim right now.
    in_flight: int = 0
    last_error: str | None = None

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.failed

    @property
    def percent(self) -> float:
        return 100.0 * (self.sent + self.failed) / self.total if self.total else 100.0


def progress(session: Session, plan: Plan) -> Progress:
    counts = dict(session.execute(
        sa.select(OutgoingEmail.status, sa.func.count())
        .where(OutgoingEmail.plan_id == plan.id).group_by(OutgoingEmail.status)).all())
    result = Progress(queued=counts.get("queued", 0), sent=counts.get("sent", 0),
                      failed=counts.get("failed", 0))
    result.in_flight = result.queued - mailer.count_pending(session, plan_id=plan.id)
    result.last_error = session.scalar(
        sa.select(OutgoingEmail.last_error).where(
            OutgoingEmail.plan_id == plan.id, OutgoingEmail.status == "queued",
            OutgoingEmail.last_error.is_not(None)).order_by(OutgoingEmail.id.desc()).limit(1))
    return result


# --- the NGO's answer ----------------------------------------------------------------------


def mark_opened(session: Session, invitation: Invitation) -> None:
    if invitation.opened_at is None:
        invitation.opened_at = utcnow()


def claim_once(session: Session, statement: sa.Update) -> bool:
    """Run the conditional UPDATE that makes an answer happen exactly once: True when it
    changed the one row (so this request won)."""
    try:
        rowcount = session.execute(statement).rowcount
    except sa.exc.OperationalError:
        # SQLite: another writer committed since this transaction's snapshot. Retry once on
        # a fresh snapshot, where the conditional UPDATE sees the other writer's answer.
        session.rollback()
        rowcount = session.execute(statement).rowcount
    return rowcount == 1


def _claim(session: Session, invitation: Invitation, to_status: str, from_statuses: tuple[str, ...],
           **values: Any) -> bool:
    return claim_once(session, sa.update(Invitation).where(
        Invitation.id == invitation.id, Invitation.status.in_(from_statuses),
        Invitation.nonce == invitation.nonce,
    ).values(status=to_status, responded_at=utcnow(), **values).execution_options(
        synchronize_session=False))


def check_account_fields(name: str, password: str, confirm: str, email: str) -> str:
    """The new account's name (cleaned) and password by the account rules, refused as a
    form's fields."""
    try:
        clean_name = accounts.check_person_name(name)
        accounts.check_new_password(password, confirm, email)
    except accounts.AccountError as exc:
        raise InvitationError(str(exc), 422, exc.fields) from None
    return clean_name


def is_registered(session: Session, organization_id: int, plan_id: int) -> bool:
    return (session.scalar(sa.select(sa.func.count()).select_from(Invitation).where(
        Invitation.organization_id == organization_id, Invitation.plan_id == plan_id,
        Invitation.status == "registered")) or 0) > 0


def organization_has_account(session: Session, organization: Organization) -> bool:
    return (session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.organization_id == organization.id)) or 0) > 0


def register(session: Session, invitation: Invitation, *, name: str, password: str,
             confirm: str, language: str | None = None) -> User:
    """Create the organisation's administrator (the invited email) and enrol it in the
    plan. Exactly once, however many tabs submit."""
    if invitation.status == "registered":
        raise InvitationError(used_message(), 409)
    organization = invitation.organization
    if organization_has_account(session, organization):
        raise InvitationError(_("Your organisation already has an account. Please sign in "
                                "below to add this plan to it."), 409)
    clean_name = check_account_fields(name, password, confirm, organization.email)
    password_hash = hash_password(password)
    organization_id, email, before_status = organization.id, organization.email, invitation.status
    if not _claim(session, invitation, "registered", ("pending", "declined"),
                  decline_reason=None):
        session.rollback()
        raise InvitationError(used_message(), 409)
    try:
        user = accounts.add_account(
            session, email=email, name=clean_name, password_hash=password_hash,
            role="ngo_admin", organization_id=organization_id, language=language)
    except accounts.AccountTaken:
        raise InvitationError(_("An account with this email already exists. Please sign in, "
                                "or ask the coordinator for help."), 409) from None
    audit.record(session, "invitation.registered", invitation, actor_id=user.id,
                 before={"status": before_status}, after={"status": "registered", "user": user.id})
    return user


def check_member(invitation: Invitation, user: Any) -> None:
    """Only the invited organisation's own administrator may answer for it."""
    if getattr(user, "organization_id", None) != invitation.organization_id:
        raise InvitationError(_("This invitation is for another organisation. You are signed "
                                "in with an account that does not belong to it: sign out, "
                                "then open the link again."), 403)
    if user.role != "ngo_admin":
        raise InvitationError(_("Only your organisation's administrator can accept this "
                                "invitation."), 403)


def accept(session: Session, invitation: Invitation, user: User) -> None:
    """An organisation that already has an account adds the plan to it."""
    check_member(invitation, user)
    if invitation.status == "registered":
        raise InvitationError(used_message(), 409)
    before_status = invitation.status
    if not _claim(session, invitation, "registered", ("pending", "declined"),
                  decline_reason=None):
        session.rollback()
        raise InvitationError(used_message(), 409)
    audit.record(session, "invitation.registered", invitation, actor_id=user.id,
                 before={"status": before_status}, after={"status": "registered"})


def sign_in_and_accept(session: Session, invitation: Invitation, email: str,
                       password: str) -> User:
    user = authenticate(session, email, password)
    if user is None:
        session.rollback()
        raise InvitationError(_("The email or password is not correct."), 422)
    try:
        accept(session, invitation, user)
    except InvitationError:
        session.rollback()
        raise
    return user


def decline(session: Session, invitation: Invitation, reason: str | None) -> None:
    """Decline participation, in one step and without an account."""
    if invitation.status == "registered":
        raise InvitationError(used_message(), 409)
    text = (reason or "").strip()
    if len(text) > MAX_REASON:
        raise InvitationError(_("Please correct the fields marked below."), 422,
                              [("reason", _("At most %(n)d characters.", n=MAX_REASON))])
    before_status = invitation.status
    if not _claim(session, invitation, "declined", ("pending", "declined"),
                  decline_reason=text or None):
        session.rollback()
        raise InvitationError(used_message(), 409)
    audit.record(session, "invitation.declined", invitation, before={"status": before_status},
                 after={"status": "declined", "reason": text or None})
