"""The untrusted public side of outreach: the open call and the signed invitation links.

/open-call/<slug> (an organisation asks to join), /join/<token> (an NGO's invitation),
/join-team/<token> (an evaluator's invitation). Nothing else lives here: the coordinator's
screens are in outreach/, the NGO's own pages in enrolment/.

Signed links are read once, kept in the session and replaced by a clean URL (/join), so
that the token does not stay in the address bar, the history or a Referer header.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_user

from ..access import PUBLIC, requires
from ..extensions import db, limiter
from ..forms import ActionForm
from ..i18n import LANG_COOKIE, isolated, localized
from ..models import EvaluatorInvitation, Invitation, Organization, Plan, User
from ..security import password_guesses, start_session
from ..services import mailer
from ..services.catalogue import records as catalogue_service
from ..services.outreach import enrolment as enrolment_service
from ..services.outreach import invitations as invitation_service
from ..services.outreach import notices as notices_service
from ..services.outreach.enrolment import EnrolmentError
from ..services.outreach.invitations import InvitationError
from ..services.outreach.organizations import OrganizationError
from ..web import field_errors as _field_errors
from .forms import DeclineForm, JoinRequestForm, RegisterForm, SignInForm

bp = Blueprint("outreach_public", __name__)

JOIN_LIMIT = "30 per minute"
OPEN_CALL_LIMIT = "5 per minute"


def _use_language(lang: str | None) -> None:
    """Pages opened by a signed link speak the organisation's language unless the visitor
    chose another."""
    if (not lang or g.get("lang_choice") or request.cookies.get(LANG_COOKIE)
            or current_user.is_authenticated):
        return
    g.lang_choice = lang
    refresh()


# --- coordinator: organisations ------------------------------------------------------------




@bp.route("/open-call")
@requires(PUBLIC)
def open_call_index():
    return render_template("outreach_public/open_call_index.html",
                           plans=invitation_service.open_plans(db.session))


def _open_plan(slug: str) -> Plan:
    plan = db.session.scalar(sa.select(Plan).where(Plan.slug == slug, Plan.status == "open"))
    if plan is None:
        abort(404)
    return plan


@bp.route("/open-call/<slug>", methods=["GET", "POST"])
@requires(PUBLIC)
@limiter.limit(OPEN_CALL_LIMIT, methods=["POST"])
def open_call(slug: str):
    plan = _open_plan(slug)
    form = JoinRequestForm()
    status = 200
    if form.validate_on_submit():
        try:
            request_row = invitation_service.submit_join_request(db.session, plan, form.data)
        except OrganizationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            _field_errors(form, exc.errors)
            status = 422
        else:
            # The coordinators are told of a new request (not of a repeated one).
            notices = notices_service.join_request_received(db.session, request_row) \
                if request_row is not None else []
            db.session.commit()
            if notices:
                mailer.send_queued(db.session, notices,
                                   timeout=invitation_service.WEB_SMTP_TIMEOUT)
            return redirect(url_for("outreach_public.open_call_sent", slug=plan.slug))
    elif form.is_submitted():
        status = 422 if not form.csrf_token.errors else 400
        if form.csrf_token.errors:
            flash(_("This form has expired or was sent from elsewhere, so nothing was saved. "
                    "Please go back, reload the page and try again."), "error")
    counts = catalogue_service.file_counts(db.session, plan)
    return render_template("outreach_public/open_call.html", plan=plan, form=form, counts=counts,
                           files=catalogue_service.active_files(plan)), status


@bp.route("/open-call/<slug>/sent")
@requires(PUBLIC)
def open_call_sent(slug: str):
    return render_template("outreach_public/open_call_sent.html", plan=_open_plan(slug))


# --- public: an NGO's invitation -----------------------------------------------------------

_JOIN_KEY = "join_token"


def _join_error(exc: InvitationError):  # noqa: ANN202
    return render_template("outreach_public/join_error.html", message=exc.message,
                           status=exc.status), exc.status


def _open_link(token: str, anchor: str | None = None):  # noqa: ANN202
    try:
        invitation = invitation_service.resolve(db.session, token)
        if invitation.status == "registered":
            raise InvitationError(invitation_service.used_message(), 409)
        if current_user.is_authenticated:
            invitation_service.check_member(invitation, current_user)
    except InvitationError as exc:
        session.pop(_JOIN_KEY, None)
        return _join_error(exc)
    invitation_service.mark_opened(db.session, invitation)
    db.session.commit()
    session[_JOIN_KEY] = token
    return redirect(url_for("outreach_public.join", _anchor=anchor))


@bp.route("/join/<token>")
@requires(PUBLIC)
@limiter.limit(JOIN_LIMIT)
def join_link(token: str):
    return _open_link(token)


@bp.route("/join/<token>/decline")
@requires(PUBLIC)
@limiter.limit(JOIN_LIMIT)
def join_decline_link(token: str):
    return _open_link(token, anchor="decline")


def _current_invitation() -> Invitation:
    token = session.get(_JOIN_KEY)
    if not token:
        raise InvitationError(_("Please open the link from your invitation email."), 400)
    try:
        invitation = invitation_service.resolve(db.session, token)
    except InvitationError:
        session.pop(_JOIN_KEY, None)
        raise
    if invitation.status == "registered":
        session.pop(_JOIN_KEY, None)
        raise InvitationError(invitation_service.used_message(), 409)
    if current_user.is_authenticated:
        invitation_service.check_member(invitation, current_user)
    return invitation


def _with_invitation(view: Callable[..., Any]) -> Callable[..., Any]:
    """Pass the invitation kept in the session to the view; without a working one, the
    page that says why."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            invitation = _current_invitation()
        except InvitationError as exc:
            return _join_error(exc)
        return view(invitation, *args, **kwargs)

    return wrapped


def _join_page(invitation: Invitation, *, register_form: RegisterForm | None = None,
               signin_form: SignInForm | None = None, decline_form: DeclineForm | None = None,
               status: int = 200):  # noqa: ANN202
    _use_language(invitation.organization.preferred_language)
    plan = invitation.plan
    has_account = invitation_service.organization_has_account(db.session, invitation.organization)
    return render_template(
        "outreach_public/join.html", invitation=invitation, plan=plan,
        organization=invitation.organization, body=plan.body,
        files=catalogue_service.active_files(plan),
        counts=catalogue_service.file_counts(db.session, plan),
        has_account=has_account, register_form=register_form or RegisterForm(),
        signin_form=signin_form or SignInForm(), decline_form=decline_form or DeclineForm(),
        accept_form=ActionForm()), status


def _join_form_invalid(invitation: Invitation, **form: Any):  # noqa: ANN202
    """One of the join page's forms (`register_form=form`, ...) did not validate: a missing
    or stale CSRF token is a 400, anything else shows the page again with the errors."""
    (submitted,) = form.values()
    if submitted.csrf_token.errors:
        abort(400)
    return _join_page(invitation, status=422, **form)


def _join_refused(invitation: Invitation, exc: InvitationError, **form: Any):  # noqa: ANN202
    """The service refused: nothing is kept; the message goes beside the fields it names
    (the page again), or on the error page."""
    db.session.rollback()
    if exc.errors:
        (submitted,) = form.values()
        _field_errors(submitted, exc.errors)
        return _join_page(invitation, status=exc.status, **form)
    return _join_error(exc)


@bp.route("/join")
@requires(PUBLIC)
@limiter.limit(JOIN_LIMIT)
@_with_invitation
def join(invitation: Invitation):
    return _join_page(invitation)


def _after_joining(user: User, plan: Plan):  # noqa: ANN202
    start_session(user)
    login_user(user)
    flash(isolated(_("Welcome. Your organisation takes part in %(plan)s: now choose the "
                     "recommendation files it will monitor."),
                   plan=str(localized(plan, "title"))), "success")
    return redirect(url_for("enrolment.home", _anchor=f"plan-{plan.slug}"))


@bp.route("/join/register", methods=["POST"])
@requires(PUBLIC)
@limiter.limit(JOIN_LIMIT)
@_with_invitation
def join_register(invitation: Invitation):
    form = RegisterForm()
    if not form.validate_on_submit():
        return _join_form_invalid(invitation, register_form=form)
    plan = invitation.plan
    try:
        user = invitation_service.register(
            db.session, invitation, name=form.name.data, password=form.password.data,
            confirm=form.confirm.data, language=g.get("lang_choice")
            or invitation.organization.preferred_language)
    except InvitationError as exc:
        return _join_refused(invitation, exc, register_form=form)
    db.session.commit()
    return _after_joining(user, plan)


@bp.route("/join/signin", methods=["POST"])
@requires(PUBLIC)
@limiter.limit(JOIN_LIMIT)
@password_guesses
@_with_invitation
def join_signin(invitation: Invitation):
    form = SignInForm()
    if not form.validate_on_submit():
        return _join_form_invalid(invitation, signin_form=form)
    plan = invitation.plan
    try:
        user = invitation_service.sign_in_and_accept(db.session, invitation, form.email.data,
                                                     form.password.data)
    except InvitationError as exc:
        db.session.rollback()
        if exc.status == 422:
            flash(exc.message, "error")
            return _join_page(invitation, signin_form=form, status=422)
        return _join_error(exc)
    db.session.commit()
    return _after_joining(user, plan)


@bp.route("/join/accept", methods=["POST"])
@requires(PUBLIC)
@limiter.limit(JOIN_LIMIT)
@_with_invitation
def join_accept(invitation: Invitation):
    """Signed in as the organisation's administrator: add the plan to the account."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if not current_user.is_authenticated:
        return _join_error(InvitationError(_("Please sign in first."), 401))
    plan = invitation.plan
    try:
        invitation_service.accept(db.session, invitation, current_user)
    except InvitationError as exc:
        db.session.rollback()
        return _join_error(exc)
    db.session.commit()
    session.pop(_JOIN_KEY, None)
    flash(isolated(_("%(plan)s was added to your organisation's plans: now choose the "
                     "recommendation files it will monitor."),
                   plan=str(localized(plan, "title"))), "success")
    return redirect(url_for("enrolment.home", _anchor=f"plan-{plan.slug}"))


@bp.route("/join/decline", methods=["POST"])
@requires(PUBLIC)
@limiter.limit(JOIN_LIMIT)
@_with_invitation
def join_decline(invitation: Invitation):
    form = DeclineForm()
    if not form.validate_on_submit():
        return _join_form_invalid(invitation, decline_form=form)
    try:
        invitation_service.decline(db.session, invitation, form.reason.data)
    except InvitationError as exc:
        return _join_refused(invitation, exc, decline_form=form)
    db.session.commit()
    flash(_("Your answer was recorded: your organisation does not take part in this plan. "
            "Thank you for letting us know. You will receive no reminders. If you change "
            "your mind, you can still register below while the link is valid."), "success")
    return redirect(url_for("outreach_public.join"))


# --- public: an evaluator's invitation -----------------------------------------------------

_TEAM_KEY = "team_token"


@bp.route("/join-team/<token>")
@requires(PUBLIC)
@limiter.limit(JOIN_LIMIT)
def join_team_link(token: str):
    try:
        enrolment_service.resolve_evaluator(db.session, token)
    except EnrolmentError as exc:
        session.pop(_TEAM_KEY, None)
        return _join_error(exc)
    session[_TEAM_KEY] = token
    return redirect(url_for("outreach_public.join_team"))


def _current_team_invitation() -> EvaluatorInvitation:
    token = session.get(_TEAM_KEY)
    if not token:
        raise EnrolmentError(_("Please open the link from your invitation email."), 400)
    try:
        invitation = enrolment_service.resolve_evaluator(db.session, token)
    except EnrolmentError:
        session.pop(_TEAM_KEY, None)
        raise
    if current_user.is_authenticated:
        raise EnrolmentError(_("You are signed in with another account. Sign out, then open "
                               "the link again."), 403)
    return invitation


@bp.route("/join-team", methods=["GET", "POST"])
@requires(PUBLIC)
@limiter.limit(JOIN_LIMIT)
def join_team():
    try:
        invitation = _current_team_invitation()
    except EnrolmentError as exc:
        return _join_error(exc)
    organization = db.session.get(Organization, invitation.organization_id)
    _use_language(organization.preferred_language if organization else None)
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = enrolment_service.register_evaluator(
                db.session, invitation, name=form.name.data, password=form.password.data,
                confirm=form.confirm.data, language=g.get("lang_choice"))
        except EnrolmentError as exc:
            db.session.rollback()
            if not exc.errors:
                return _join_error(exc)
            _field_errors(form, exc.errors)
            status = exc.status
        else:
            db.session.commit()
            start_session(user)
            login_user(user)
            flash(_("Welcome. Your account was created."), "success")
            return redirect(url_for("auth.home"))
    elif form.is_submitted():
        if form.csrf_token.errors:
            abort(400)
        status = 422
    return render_template("outreach_public/join_team.html", invitation=invitation,
                           organization=organization, form=form), status
