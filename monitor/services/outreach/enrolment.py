"""An NGO's own enrolment: the recommendation files it monitors or declines in each plan,
and its people (evaluators invited by signed link, deactivation, administrators).

File choices can be changed, and a declined file taken up again, until the deadline of
the plan's open reporting period (the latest deadline among open periods; no deadline
when an open period has none). A confirmation email summarises each change.

Evaluators join through `/join-team/<token>`: the same signed-link mechanism as the
organisation's invitation but with its own salt ("evaluator"), so neither token opens
the other's door, and the account is created inside the inviting organisation only.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ... import tokens
from ...links import external_url
from ...models import (
    ChoicesReopening,
    EvaluatorInvitation,
    FileChoice,
    Organization,
    OutgoingEmail,
    Plan,
    RecommendationFile,
    User,
    utcnow,
)
from .. import accounts, audit, mailer
from ..accounts import hash_password
from ..catalogue.records import active_files, file_counts
from .invitations import (
    InvitationError,
    check_account_fields,
    claim_once,
    is_registered,
)
from .organizations import clean_email


class EnrolmentError(InvitationError):
    """A refusal with a translated message and an HTTP status."""


# --- file choices --------------------------------------------------------------------------


def choices_deadline(plan: Plan) -> dt.datetime | None:
    deadlines = [p.deadline for p in plan.periods if p.status == "open"]
    if not deadlines or any(d is None for d in deadlines):
        return None
    return max(d for d in deadlines if d is not None)


def choices_open(plan: Plan, now: dt.datetime | None = None, *,
                 reopened_until: dt.datetime | None = None) -> bool:
    """Can file choices be changed in `plan` now? `reopened_until`: the coordinator reopened
    them for one organisation until then (see `reopen_choices`)."""
    if plan.status == "closed":
        return False
    now = now or utcnow()
    if reopened_until is not None and now <= reopened_until:
        return True
    if plan.periods and not any(p.status == "open" for p in plan.periods):
        return False
    deadline = choices_deadline(plan)
    return deadline is None or now <= deadline


def reopened_until(session: Session, organization_id: int, plan_id: int) -> dt.datetime | None:
    """Until when the coordinator reopened this organisation's choices in this plan."""
    return session.scalar(sa.select(ChoicesReopening.until).where(
        ChoicesReopening.organization_id == organization_id,
        ChoicesReopening.plan_id == plan_id))


#: How long file choices stay open for an organisation when the coordinator reopens them.
REOPEN_DAYS = 14


def reopen_choices(session: Session, organization: Organization, plan: Plan, *,
                   actor_id: int | None, days: int = REOPEN_DAYS) -> dt.datetime:
    """Let one registered organisation change its file choices for `days` days, whatever
    the plan's deadline. Audited. Returns the new end."""
    if plan.status == "closed":
        raise EnrolmentError(_("This plan is closed: evaluations can no longer be changed or "
                               "submitted."), 409)
    if not is_registered(session, organization.id, plan.id):
        raise EnrolmentError(_("This organisation is not registered for this plan."), 409)
    until = utcnow() + dt.timedelta(days=days)
    row = session.scalar(sa.select(ChoicesReopening).where(
        ChoicesReopening.organization_id == organization.id,
        ChoicesReopening.plan_id == plan.id))
    before = {"until": row.until.isoformat()} if row else None
    if row is None:
        row = ChoicesReopening(organization_id=organization.id, plan_id=plan.id, until=until)
        session.add(row)
    row.until, row.reopened_by_id = until, actor_id
    audit.record(session, "enrolment.choices_reopened", row, actor_id=actor_id,
                 organization_id=organization.id, plan_id=plan.id, before=before,
                 after={"until": until.isoformat()})
    return until


def choices_for(session: Session, organization_id: int) -> dict[int, FileChoice]:
    return {c.file_id: c for c in session.scalars(
        sa.select(FileChoice).where(FileChoice.organization_id == organization_id))}


def save_choices(session: Session, organization: Organization, plan: Plan,
                 monitored: set[int], *, actor: User) -> OutgoingEmail | None:
    """Monitor the files in `monitored`, decline the plan's other files. Returns the
    confirmation email when something changed."""
    if not is_registered(session, organization.id, plan.id):
        raise EnrolmentError(_("Your organisation is not registered for this plan."), 404)
    reopened = reopened_until(session, organization.id, plan.id)
    if not choices_open(plan, reopened_until=reopened):
        raise EnrolmentError(_("The deadline to change your choices for this plan has passed. "
                               "Nothing was changed."), 409)
    files = active_files(plan)
    known = {f.id for f in files}
    if monitored - known:
        raise EnrolmentError(_("One of the chosen files does not belong to this plan. "
                               "Nothing was changed."), 400)
    existing = choices_for(session, organization.id)
    before = {str(f.id): existing[f.id].choice if f.id in existing else None for f in files}
    after = {}
    for f in files:
        choice = "monitoring" if f.id in monitored else "declined"
        after[str(f.id)] = choice
        row = existing.get(f.id)
        if row is None:
            session.add(FileChoice(organization_id=organization.id, file_id=f.id, choice=choice))
        elif row.choice != choice:
            row.choice = choice
    if before == after:
        return None
    audit.record(session, "enrolment.choices_changed", organization, actor_id=actor.id,
                 organization_id=organization.id, plan_id=plan.id, before=before, after=after)
    counts = file_counts(session, plan)
    return mailer.queue(
        session, kind="choices_confirmation", to=organization.email,
        template="choices_confirmation", lang=organization.preferred_language, plan_id=plan.id,
        reply_to=plan.body.contact_email, organization=organization, plan=plan, body=plan.body,
        monitored=[f for f in files if f.id in monitored],
        declined=[f for f in files if f.id not in monitored], counts=counts,
        deadline=_deadline(plan, reopened), home_link=external_url("enrolment.home"), actor=actor)


def _deadline(plan: Plan, reopened: dt.datetime | None) -> dt.datetime | None:
    """Until when this organisation can change its choices (None: no deadline)."""
    deadline = choices_deadline(plan)
    if reopened is None or reopened < utcnow():
        return deadline
    if not choices_open(plan):  # only the reopening keeps them open
        return reopened
    return None if deadline is None else max(deadline, reopened)


def reopenings(session: Session, plan_id: int) -> dict[int, dt.datetime]:
    """{organisation id: until} of the reopenings still running in a plan."""
    return dict(session.execute(
        sa.select(ChoicesReopening.organization_id, ChoicesReopening.until).where(
            ChoicesReopening.plan_id == plan_id, ChoicesReopening.until >= utcnow())).all())


# --- people --------------------------------------------------------------------------------


def _evaluator_days() -> int:
    return int(current_app.config.get("MONITOR_EVALUATOR_INVITATION_DAYS", 14))


def evaluator_link(invitation: EvaluatorInvitation) -> str:
    token = tokens.make_row_token("evaluator", invitation.id, invitation.nonce)
    return external_url("outreach_public.join_team_link", token=token)


def members(session: Session, organization: Organization) -> list[User]:
    return list(session.scalars(sa.select(User).where(
        User.organization_id == organization.id).order_by(User.role.desc(), User.email)))


def pending_evaluator_invitations(session: Session,
                                  organization: Organization) -> list[EvaluatorInvitation]:
    return list(session.scalars(sa.select(EvaluatorInvitation).where(
        EvaluatorInvitation.organization_id == organization.id,
        EvaluatorInvitation.status == "pending").order_by(EvaluatorInvitation.id.desc())))


def invite_evaluator(session: Session, organization: Organization, email: str, *,
                     actor: User) -> tuple[EvaluatorInvitation, OutgoingEmail]:
    address, error = clean_email(email)
    if error or address is None:
        raise EnrolmentError(_("Please correct the fields marked below."), 422,
                             [("email", error or _("This field is required."))])
    user = session.scalar(sa.select(User).where(User.email == address))
    if user is not None:
        message = (_("This person is already a member of your organisation.")
                   if user.organization_id == organization.id else
                   _("This address cannot be invited: it already has an account in monitor."))
        raise EnrolmentError(_("Please correct the fields marked below."), 422,
                             [("email", message)])
    invitation = session.scalar(sa.select(EvaluatorInvitation).where(
        EvaluatorInvitation.organization_id == organization.id,
        EvaluatorInvitation.email == address, EvaluatorInvitation.status == "pending"))
    if invitation is None:
        invitation = EvaluatorInvitation(organization_id=organization.id, email=address,
                                         status="pending", invited_by_id=actor.id)
        session.add(invitation)
    invitation.nonce = tokens.new_nonce()  # a repeated invitation replaces the older link
    invitation.expires_at = utcnow() + dt.timedelta(days=_evaluator_days())
    session.flush()
    message = mailer.queue(session, kind="evaluator_invitation", to=address,
                           template="evaluator_invitation", lang=organization.preferred_language,
                           reply_to=organization.email, organization=organization,
                           inviter=actor, link=evaluator_link(invitation),
                           expires_at=invitation.expires_at)
    audit.record(session, "evaluator.invited", invitation, actor_id=actor.id,
                 after={"email": address})
    return invitation, message


def revoke_evaluator_invitation(session: Session, invitation: EvaluatorInvitation, *,
                                actor: User) -> None:
    if invitation.status != "pending":
        raise EnrolmentError(_("This invitation is no longer pending."), 409)
    invitation.status = "revoked"
    invitation.nonce = None
    audit.record(session, "evaluator.invitation_revoked", invitation, actor_id=actor.id)


def resolve_evaluator(session: Session, token: str) -> EvaluatorInvitation:
    try:
        invitation_id, nonce = tokens.read_row_token("evaluator", token,
                                                     _evaluator_days() * 86400)
    except tokens.TokenExpired:
        raise EnrolmentError(_("This invitation link has expired. Please ask your "
                               "organisation's administrator to invite you again."), 410) from None
    except tokens.TokenInvalid:
        raise EnrolmentError(_invalid(), 400) from None
    invitation = session.get(EvaluatorInvitation, invitation_id)
    if invitation is None:
        raise EnrolmentError(_invalid(), 400)
    if invitation.status == "accepted":
        raise EnrolmentError(_("This invitation link has already been used. Please sign in."),
                             409)
    if invitation.status != "pending" or not tokens.nonce_matches(invitation.nonce, nonce):
        raise EnrolmentError(_("This invitation was withdrawn or replaced by a newer one. "
                               "Please use the most recent email, or ask your organisation's "
                               "administrator."), 410)
    if invitation.expires_at and invitation.expires_at < utcnow():
        raise EnrolmentError(_("This invitation link has expired. Please ask your "
                               "organisation's administrator to invite you again."), 410)
    return invitation


def _invalid() -> str:
    return _("This link is not valid. It may have been cut off when it was copied: please "
             "open it again from the email.")


def register_evaluator(session: Session, invitation: EvaluatorInvitation, *, name: str,
                       password: str, confirm: str, language: str | None = None) -> User:
    clean_name = check_account_fields(name, password, confirm, invitation.email)
    password_hash = hash_password(password)
    email, organization_id = invitation.email, invitation.organization_id
    if not claim_once(session, sa.update(EvaluatorInvitation).where(
        EvaluatorInvitation.id == invitation.id, EvaluatorInvitation.status == "pending",
        EvaluatorInvitation.nonce == invitation.nonce,
    ).values(status="accepted", accepted_at=utcnow()).execution_options(
            synchronize_session=False)):
        session.rollback()
        raise EnrolmentError(_("This invitation link has already been used. Please sign in."),
                             409)
    try:
        user = accounts.add_account(
            session, email=email, name=clean_name, password_hash=password_hash,
            role="evaluator", organization_id=organization_id, language=language)
    except accounts.AccountTaken:
        raise EnrolmentError(_("An account with this email already exists. Please sign in."),
                             409) from None
    audit.record(session, "evaluator.joined", user, actor_id=user.id,
                 organization_id=organization_id, after={"email": email})
    return user


def _active_admins(session: Session, organization_id: int) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.organization_id == organization_id, User.role == "ngo_admin",
        User.active.is_(True))) or 0


def set_active(session: Session, user: User, active: bool, *, actor: User) -> None:
    if user.organization_id != actor.organization_id:
        raise EnrolmentError(_("This person is not a member of your organisation."), 404)
    if user.id == actor.id and not active:
        raise EnrolmentError(_("You cannot deactivate your own account."), 409)
    if user.active == active:
        return
    if not active and user.role == "ngo_admin" and _active_admins(
            session, user.organization_id) <= 1:
        raise EnrolmentError(_("Your organisation needs at least one active administrator."),
                             409)
    user.active = active
    user.session_version += 1  # a deactivated account's sessions end now
    audit.record(session, "user.activated" if active else "user.deactivated", user,
                 actor_id=actor.id, before={"active": not active}, after={"active": active})


def make_admin(session: Session, user: User, *, actor: User) -> None:
    if user.organization_id != actor.organization_id:
        raise EnrolmentError(_("This person is not a member of your organisation."), 404)
    if user.role == "ngo_admin":
        raise EnrolmentError(_("This person is already an administrator."), 409)
    if not user.active:
        raise EnrolmentError(_("Reactivate this account first."), 409)
    user.role = "ngo_admin"
    audit.record(session, "user.made_admin", user, actor_id=actor.id,
                 before={"role": "evaluator"}, after={"role": "ngo_admin"})


@dataclass
class PlanEnrolment:
    """What the NGO home shows for one plan."""

    plan: Plan
    files: list[RecommendationFile]
    counts: dict[int, int]
    choices: dict[int, FileChoice]
    deadline: dt.datetime | None
    open: bool

    @property
    def monitored(self) -> list[RecommendationFile]:
        return [f for f in self.files if self._choice(f) == "monitoring"]

    def _choice(self, file: RecommendationFile) -> str | None:
        choice = self.choices.get(file.id)
        return choice.choice if choice else None

    def choice(self, file: RecommendationFile) -> str | None:
        return self._choice(file)


def plan_enrolments(session: Session, organization_id: int, plans: list[Plan]
                    ) -> list[PlanEnrolment]:
    choices = choices_for(session, organization_id)
    reopened = dict(session.execute(sa.select(ChoicesReopening.plan_id, ChoicesReopening.until)
                                    .where(ChoicesReopening.organization_id == organization_id)
                                    ).all())
    result = []
    for plan in plans:
        until = reopened.get(plan.id)
        result.append(PlanEnrolment(plan=plan, files=active_files(plan),
                                    counts=file_counts(session, plan),
                                    choices=choices, deadline=_deadline(plan, until),
                                    open=choices_open(plan, reopened_until=until)))
    return result
