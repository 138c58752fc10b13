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

Open call
    A public form where an organisation that was not invited asks to join a plan. It
    never tells the requester whether the organisation is already known: every accepted
    submission gets the same answer. The coordinator approves (the same signed
    invitation is created and sent) or rejects with a reason, which is emailed.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ... import tokens
from ...i18n import format_date
from ...models import (
    Invitation,
    JoinRequest,
    Organization,
    OutgoingEmail,
    Plan,
    RecommendationFile,
    User,
    utcnow,
)
from .. import audit, mailer
from ..accounts import AccountError, authenticate, check_password_rules, hash_password
from ..catalogue.records import active_files, file_counts
from .organizations import OrganizationError, clean_fields, clean_text, find_by_email

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


def base_url() -> str:
    return str(current_app.config.get("MONITOR_BASE_URL", "")).rstrip("/")


def token_for(invitation: Invitation) -> str:
    if not invitation.nonce:
        raise InvitationError(_("This invitation has no valid link."), 410)
    return tokens.make_row_token("invitation", invitation.id, invitation.nonce)


def link_for(invitation: Invitation) -> str:
    return f"{base_url()}/join/{token_for(invitation)}"


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
    base = base_url()
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
            link = f"{base}/join/{token}"
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
    session.execute(sa.update(OutgoingEmail).where(
        OutgoingEmail.invitation_id == invitation.id, OutgoingEmail.status == "queued",
        sa.or_(OutgoingEmail.claimed_until.is_(None), OutgoingEmail.claimed_until < utcnow()),
    ).values(status="cancelled"))
    audit.record(session, "invitation.revoked", invitation, actor_id=actor_id, before=before,
                 after={"status": "revoked"})


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


# --- the funnel ----------------------------------------------------------------------------


@dataclass
class FileUptake:
    file: RecommendationFile
    monitoring: int
    declined: int


@dataclass
class Funnel:
    invited: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0
    opened: int = 0
    registered: int = 0
    declined: int = 0
    pending: int = 0
    revoked: int = 0
    failures: list[tuple[Organization, str]] = field(default_factory=list)
    declines: list[tuple[Organization, str | None, dt.datetime | None]] = field(
        default_factory=list)
    files: list[FileUptake] = field(default_factory=list)

    @property
    def unmonitored(self) -> list[RecommendationFile]:
        return [f.file for f in self.files if f.monitoring == 0]


def latest_email_status() -> sa.Subquery:
    """Per invitation: status and error of its most recent invitation email."""
    latest = (sa.select(sa.func.max(OutgoingEmail.id).label("id"))
              .where(OutgoingEmail.kind == "invitation", OutgoingEmail.invitation_id.is_not(None),
                     OutgoingEmail.status != "cancelled")
              .group_by(OutgoingEmail.invitation_id)).subquery()
    return (sa.select(OutgoingEmail.invitation_id, OutgoingEmail.status,
                      OutgoingEmail.last_error, OutgoingEmail.sent_at)
            .join(latest, latest.c.id == OutgoingEmail.id)).subquery()


def funnel(session: Session, plan: Plan, *, list_limit: int = 100) -> Funnel:
    result = Funnel()
    statuses = dict(session.execute(
        sa.select(Invitation.status, sa.func.count()).where(Invitation.plan_id == plan.id)
        .group_by(Invitation.status)).all())
    result.pending = statuses.get("pending", 0)
    result.registered = statuses.get("registered", 0)
    result.declined = statuses.get("declined", 0)
    result.revoked = statuses.get("revoked", 0)
    result.invited = result.pending + result.registered + result.declined
    active = sa.and_(Invitation.plan_id == plan.id, Invitation.status != "revoked")
    result.opened = session.scalar(sa.select(sa.func.count()).select_from(Invitation).where(
        active, Invitation.opened_at.is_not(None))) or 0
    mail = latest_email_status()
    emails = dict(session.execute(
        sa.select(mail.c.status, sa.func.count()).select_from(Invitation)
        .join(mail, mail.c.invitation_id == Invitation.id).where(active)
        .group_by(mail.c.status)).all())
    result.queued, result.sent, result.failed = (emails.get(s, 0) for s in
                                                 ("queued", "sent", "failed"))
    # Opened or answered with no email of ours (a link passed on by hand, or a history
    # recorded before monitor): it reached the organisation all the same.
    result.sent += session.scalar(
        sa.select(sa.func.count()).select_from(Invitation)
        .outerjoin(mail, mail.c.invitation_id == Invitation.id)
        .where(active, mail.c.invitation_id.is_(None),
               sa.or_(Invitation.opened_at.is_not(None),
                      Invitation.status.in_(("registered", "declined"))))) or 0
    result.failures = [(org, error or "") for org, error in session.execute(
        sa.select(Organization, mail.c.last_error).select_from(Invitation)
        .join(mail, mail.c.invitation_id == Invitation.id)
        .join(Organization, Organization.id == Invitation.organization_id)
        .where(active, mail.c.status == "failed").order_by(Organization.name)
        .limit(list_limit)).all()]
    result.declines = [tuple(row) for row in session.execute(
        sa.select(Organization, Invitation.decline_reason, Invitation.responded_at)
        .join(Invitation, Invitation.organization_id == Organization.id)
        .where(Invitation.plan_id == plan.id, Invitation.status == "declined")
        .order_by(Invitation.responded_at.desc()).limit(list_limit)).all()]
    from ...models import FileChoice

    counts: dict[tuple[int, str], int] = {
        (file_id, choice): n for file_id, choice, n in session.execute(
            sa.select(FileChoice.file_id, FileChoice.choice, sa.func.count())
            .join(RecommendationFile, RecommendationFile.id == FileChoice.file_id)
            .join(Invitation, sa.and_(Invitation.organization_id == FileChoice.organization_id,
                                      Invitation.plan_id == RecommendationFile.plan_id))
            .where(RecommendationFile.plan_id == plan.id, Invitation.status == "registered")
            .group_by(FileChoice.file_id, FileChoice.choice)).all()
    }
    result.files = [FileUptake(f, counts.get((f.id, "monitoring"), 0),
                               counts.get((f.id, "declined"), 0))
                    for f in active_files(plan)]
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


def check_person_name(name: str) -> str:
    value, error = clean_text(name, "name", required=True)
    if error or value is None:
        raise InvitationError(_("Please correct the fields marked below."), 422,
                              [("name", error or _("This field is required."))])
    if len(value) > 200:
        raise InvitationError(_("Please correct the fields marked below."), 422,
                              [("name", _("At most %(n)d characters.", n=200))])
    return value


def check_new_password(password: str, confirm: str, email: str) -> None:
    try:
        check_password_rules(password or "", email=email)
    except AccountError as exc:
        raise InvitationError(_("Please correct the fields marked below."), 422,
                              [("password", str(exc))]) from None
    if password != confirm:
        raise InvitationError(_("Please correct the fields marked below."), 422,
                              [("confirm", _("The two passwords are not the same."))])


def is_registered(session: Session, organization_id: int, plan_id: int) -> bool:
    return (session.scalar(sa.select(sa.func.count()).select_from(Invitation).where(
        Invitation.organization_id == organization_id, Invitation.plan_id == plan_id,
        Invitation.status == "registered")) or 0) > 0


def organization_has_account(session: Session, organization: Organization) -> bool:
    return (session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.organization_id == organization.id)) or 0) > 0


def add_account(session: Session, *, taken: InvitationError, **fields: Any) -> User:
    """Add a new account. Its email is unique: when another request (a second tab) made the
    same account first, nothing is kept and `taken` is raised."""
    user = User(**fields)
    session.add(user)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()
        raise taken from None
    return user


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
    clean_name = check_person_name(name)
    check_new_password(password, confirm, organization.email)
    password_hash = hash_password(password)
    organization_id, email, before_status = organization.id, organization.email, invitation.status
    if not _claim(session, invitation, "registered", ("pending", "declined"),
                  decline_reason=None):
        session.rollback()
        raise InvitationError(used_message(), 409)
    user = add_account(
        session, email=email, name=clean_name, password_hash=password_hash, role="ngo_admin",
        organization_id=organization_id, language=language,
        taken=InvitationError(_("An account with this email already exists. Please sign in, "
                                "or ask the coordinator for help."), 409))
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


# --- the open call -------------------------------------------------------------------------


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
    if duplicate is not None:
        return None
    request = JoinRequest(plan_id=plan.id, status="pending", **values)
    session.add(request)
    session.flush()
    audit.record(session, "join_request.submitted", request, plan_id=plan.id,
                 after={"email": values["email"]})
    return request


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
