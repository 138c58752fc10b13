"""Organisations, invitations, the open call, and an NGO's own enrolment.

Coordinator: /organizations (list, add, edit, import), /plans/<slug>/invitations (funnel,
invite, remind), /plans/<slug>/sending (progress, send the next batch),
/invitations/<id>/... (resend, revoke, link), /plans/<slug>/join-requests.
Public: /open-call/<slug>, /join/<token> (an NGO's invitation), /join-team/<token>
(an evaluator's invitation). NGO: /ngo (plans, file choices, people).

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
from flask_babel import ngettext
from flask_babel import refresh
from flask_login import current_user, login_user

from ..access import PUBLIC, ensure, plans_for, requires
from ..extensions import db, limiter
from ..i18n import LANG_COOKIE, isolated, localized
from ..models import (
    EvaluatorInvitation,
    Invitation,
    JoinRequest,
    Organization,
    OutgoingEmail,
    Plan,
    User,
    utcnow,
)
from ..security import password_guesses, start_session
from ..services import mailer
from ..services.catalogue import records as catalogue_service
from ..services.outreach import enrolment as enrolment_service
from ..services.outreach import invitations as invitation_service
from ..services.outreach import organizations as organization_service
from ..services.outreach.enrolment import EnrolmentError
from ..services.outreach.invitations import InvitationError
from ..services.outreach.organizations import OrganizationError
from .forms import (
    ActionForm,
    DeclineForm,
    EvaluatorInviteForm,
    ImportConfirmForm,
    ImportForm,
    JoinRequestForm,
    OrganizationForm,
    RegisterForm,
    RejectForm,
    SignInForm,
)

bp = Blueprint("enrolment", __name__)

PER_PAGE = 50
JOIN_LIMIT = "30 per minute"
OPEN_CALL_LIMIT = "5 per minute"


# --- helpers -------------------------------------------------------------------------------


def _page(name: str = "page") -> int:
    try:
        return max(1, min(int(request.args.get(name, 1)), 100000))
    except ValueError:
        return 1


def _paginate(query: sa.Select, page: int) -> tuple[list[Any], int]:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None)
                                                                     .subquery())) or 0
    rows = list(db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    return rows, total


def _plan(slug: str, action: str) -> Plan:
    return ensure(action, db.session.scalar(sa.select(Plan).where(Plan.slug == slug)))


def _field_errors(form: Any, errors: list[tuple[str, str]]) -> None:
    for name, message in errors:
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            flash(message, "error")


def _send_now(email: OutgoingEmail | int | None, *, quiet: bool = False) -> None:
    """Send one message straight away (the change that queued it is committed)."""
    if email is None:
        return
    report = mailer.send_queued(db.session, [email],
                                timeout=invitation_service.WEB_SMTP_TIMEOUT)
    if (report.interrupted or report.deferred) and not quiet:
        flash(_("The email could not be sent right now; it stays queued and goes with the next "
                "batch."), "info")
    elif report.failed and not quiet:
        flash(isolated(_("The email was refused by the mail server: %(error)s"),
                       error=report.failures[0][1]), "error")


def _use_language(lang: str | None) -> None:
    """Pages opened by a signed link speak the organisation's language unless the visitor
    chose another."""
    if (not lang or g.get("lang_choice") or request.cookies.get(LANG_COOKIE)
            or current_user.is_authenticated):
        return
    g.lang_choice = lang
    refresh()


# --- coordinator: organisations ------------------------------------------------------------


@bp.route("/organizations")
@requires("organizations.manage")
def organizations():
    q = request.args.get("q", "").strip()[:100]
    query = sa.select(Organization).order_by(Organization.name, Organization.id)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(Organization.name.ilike(pattern, escape="\\"),
                                   Organization.email.ilike(pattern, escape="\\")))
    page = _page()
    orgs, total = _paginate(query, page)
    return render_template("enrolment/organizations.html", organizations=orgs, total=total,
                           page=page, per_page=PER_PAGE, q=q)


def _organization_form_page(org: Organization | None):  # noqa: ANN202
    """Add an organisation (`org` None) or edit one."""
    form = OrganizationForm(obj=org)
    status = 200
    if form.validate_on_submit():
        try:
            if org is None:
                created = organization_service.create_organization(db.session, form.data,
                                                                   actor_id=current_user.id)
            else:
                organization_service.update_organization(db.session, org, form.data,
                                                         actor_id=current_user.id)
        except OrganizationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            _field_errors(form, exc.errors)
            status = 422
        else:
            db.session.commit()
            flash(isolated(_("%(name)s was added."), name=created.name) if org is None
                  else _("The organisation was saved."), "success")
            return redirect(url_for("enrolment.organizations"))
    elif form.is_submitted():
        status = 422
    return render_template("enrolment/organization_form.html", form=form, organization=org), status


@bp.route("/organizations/new", methods=["GET", "POST"])
@requires("organizations.manage")
def organization_new():
    return _organization_form_page(None)


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@requires("organizations.manage")
def organization_edit(organization_id: int):
    return _organization_form_page(
        ensure("organizations.manage", db.session.get(Organization, organization_id)))


@bp.route("/organizations/import", methods=["GET", "POST"])
@requires("organizations.manage")
def organizations_import():
    form, confirm = ImportForm(), ImportConfirmForm()
    if request.method == "GET":
        return render_template("enrolment/import.html", form=form, preview=None)
    if not form.validate_on_submit():
        abort(400)
    try:
        if request.form.get("payload"):
            records = organization_service.read_signed_records(request.form["payload"],
                                                               current_user.id)
            preview = organization_service.check_records(db.session, records)
            if preview.ok:
                created = organization_service.import_organizations(
                    db.session, preview, actor_id=current_user.id)
                db.session.commit()
                flash(_("Organisations imported: %(n)d. Already in the list, skipped: %(m)d.",
                        n=len(created), m=len(preview.existing_rows)), "success")
                return redirect(url_for("enrolment.organizations"))
        else:
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise OrganizationError(_("Please choose a CSV or XLSX file."))
            preview = organization_service.preview_import(db.session, upload.read(),
                                                          upload.filename)
    except OrganizationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return render_template("enrolment/import.html", form=form, preview=None), 422
    db.session.rollback()  # a preview writes nothing
    if preview.ok:
        confirm.payload.data = organization_service.sign_records(preview.records, current_user.id)
    return render_template("enrolment/import.html", form=form, confirm=confirm, preview=preview,
                           shown=preview.rows[:organization_service.PREVIEW_ROWS],
                           errors=preview.errors[:500]), (200 if preview.ok else 422)


# --- coordinator: invitations --------------------------------------------------------------


@bp.route("/plans/<slug>/invitations")
@requires("invitations.manage")
def invitations(slug: str):
    plan = _plan(slug, "invitations.manage")
    status = request.args.get("status", "")
    mail = invitation_service.latest_email_status()
    query = (sa.select(Invitation).where(Invitation.plan_id == plan.id)
             .join(Organization, Organization.id == Invitation.organization_id)
             .order_by(Organization.name, Invitation.id))
    if status in ("pending", "registered", "declined", "revoked"):
        query = query.where(Invitation.status == status)
    page = _page()
    rows, total = _paginate(query, page)
    email_status = {
        invitation_id: (state, error) for invitation_id, state, error in db.session.execute(
            sa.select(mail.c.invitation_id, mail.c.status, mail.c.last_error)
            .where(mail.c.invitation_id.in_([r.id for r in rows])))
    } if rows else {}
    uninvited_page = _page("upage")  # bounded: a huge OFFSET is a database error
    uninvited, uninvited_total = _paginate(invitation_service.uninvited_query(plan),
                                           uninvited_page)
    pending_requests = db.session.scalar(sa.select(sa.func.count()).select_from(JoinRequest)
                                         .where(JoinRequest.plan_id == plan.id,
                                                JoinRequest.status == "pending")) or 0
    return render_template(
        "enrolment/invitations.html", plan=plan, funnel=invitation_service.funnel(db.session, plan),
        progress=invitation_service.progress(db.session, plan), invitations=rows, total=total,
        page=page, per_page=PER_PAGE, status=status, mail_states=email_status,
        uninvited=uninvited, uninvited_total=uninvited_total, uninvited_page=uninvited_page,
        pending_requests=pending_requests, form=ActionForm())


@bp.route("/plans/<slug>/invitations", methods=["POST"])
@requires("invitations.manage")
def invite(slug: str):
    plan = _plan(slug, "invitations.manage")
    if not ActionForm().validate_on_submit():
        abort(400)
    ids: list[int] | None
    if request.form.get("all") == "1":
        ids = None
    else:
        try:
            ids = [int(v) for v in request.form.getlist("organization")]
        except ValueError:
            abort(400)
    try:
        created = invitation_service.invite(db.session, plan, ids, actor_id=current_user.id)
    except InvitationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("enrolment.invitations", slug=plan.slug))
    db.session.commit()
    flash(ngettext("%(num)d invitation was queued. Send it below, or from the command line.",
                   "%(num)d invitations were queued. Send them below, or from the command line.",
                   len(created)), "success")
    return redirect(url_for("enrolment.sending", slug=plan.slug))


@bp.route("/plans/<slug>/sending", methods=["GET", "POST"])
@requires("invitations.manage")
def sending(slug: str):
    plan = _plan(slug, "invitations.manage")
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        report = invitation_service.send_web_batch(db.session, plan)
        if report.interrupted:
            flash(_("The mail server stopped answering after %(n)d messages: %(error)s. Nothing "
                    "is lost: the rest stays queued; try again later.", n=report.sent,
                    error=report.interrupted), "error")
        else:
            flash(_("%(sent)d sent, %(failed)d failed in this batch.", sent=report.sent,
                    failed=report.failed), "success" if not report.failed else "error")
        return redirect(url_for("enrolment.sending", slug=plan.slug))
    return render_template("enrolment/sending.html", plan=plan, form=form,
                           progress=invitation_service.progress(db.session, plan),
                           batch=invitation_service.WEB_BATCH)


@bp.route("/plans/<slug>/reminders", methods=["POST"])
@requires("invitations.manage")
def remind(slug: str):
    plan = _plan(slug, "invitations.manage")
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        emails = invitation_service.remind(db.session, plan, actor_id=current_user.id)
    except InvitationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("enrolment.invitations", slug=plan.slug))
    db.session.commit()
    if not emails:
        flash(_("Nobody to remind: every invited organisation has answered, was reminded in "
                "the last day, or has not received its invitation yet."), "info")
        return redirect(url_for("enrolment.invitations", slug=plan.slug))
    flash(ngettext("%(num)d reminder was queued.", "%(num)d reminders were queued.", len(emails)),
          "success")
    return redirect(url_for("enrolment.sending", slug=plan.slug))


def _invitation(invitation_id: int) -> Invitation:
    return ensure("invitations.manage", db.session.get(Invitation, invitation_id))


@bp.route("/invitations/<int:invitation_id>/resend", methods=["POST"])
@requires("invitations.manage")
def resend(invitation_id: int):
    invitation = _invitation(invitation_id)
    slug = invitation.plan.slug
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        email = invitation_service.resend(db.session, invitation, actor_id=current_user.id)
    except InvitationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("enrolment.invitations", slug=slug))
    db.session.commit()
    _send_now(email)
    flash(_("A new link was sent; the previous link no longer works."), "success")
    return redirect(url_for("enrolment.invitations", slug=slug))


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@requires("invitations.manage")
def revoke(invitation_id: int):
    invitation = _invitation(invitation_id)
    slug = invitation.plan.slug
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        invitation_service.revoke(db.session, invitation, actor_id=current_user.id)
    except InvitationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("enrolment.invitations", slug=slug))
    db.session.commit()
    flash(_("The invitation was withdrawn; its link no longer works."), "success")
    return redirect(url_for("enrolment.invitations", slug=slug))


@bp.route("/invitations/<int:invitation_id>/link", methods=["GET", "POST"])
@requires("invitations.manage")
def invitation_link(invitation_id: int):
    """The link, to pass on by other means (a messaging app). POST draws a new one."""
    invitation = _invitation(invitation_id)
    form = ActionForm()
    link = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            link = invitation_service.renew_link(db.session, invitation, actor_id=current_user.id)
        except InvitationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("enrolment.invitations", slug=invitation.plan.slug))
        db.session.commit()
        flash(_("A new link was made; the previous link no longer works."), "success")
    elif invitation.status in ("pending", "declined") and invitation.nonce:
        link = invitation_service.link_for(invitation)
    return render_template("enrolment/invitation_link.html", invitation=invitation, link=link,
                           form=form, expired=invitation.expires_at is not None
                           and invitation.expires_at < utcnow())


# --- coordinator: the open call's requests -------------------------------------------------


@bp.route("/plans/<slug>/join-requests")
@requires("invitations.manage")
def join_requests(slug: str):
    plan = _plan(slug, "invitations.manage")
    page = _page()
    query = (sa.select(JoinRequest).where(JoinRequest.plan_id == plan.id)
             .order_by(sa.case((JoinRequest.status == "pending", 0), else_=1),
                       JoinRequest.created_at.desc(), JoinRequest.id.desc()))
    rows, total = _paginate(query, page)
    known = {
        org.email: org for org in db.session.scalars(sa.select(Organization).where(
            Organization.email.in_([r.email for r in rows])))
    } if rows else {}
    return render_template("enrolment/join_requests.html", plan=plan, requests=rows,
                           total=total, page=page, per_page=PER_PAGE, known=known,
                           form=ActionForm(), reject_form=RejectForm())


def _join_request(request_id: int) -> JoinRequest:
    return ensure("invitations.manage", db.session.get(JoinRequest, request_id))


@bp.route("/join-requests/<int:request_id>/approve", methods=["POST"])
@requires("invitations.manage")
def approve_join_request(request_id: int):
    join_request = _join_request(request_id)
    slug = join_request.plan.slug
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        _invitation_row, email = invitation_service.approve_join_request(
            db.session, join_request, actor_id=current_user.id)
    except InvitationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("enrolment.join_requests", slug=slug))
    db.session.commit()
    _send_now(email)
    flash(_("The request was approved and the invitation sent.") if email else
          _("The request was approved; this organisation had already registered."), "success")
    return redirect(url_for("enrolment.join_requests", slug=slug))


@bp.route("/join-requests/<int:request_id>/reject", methods=["POST"])
@requires("invitations.manage")
def reject_join_request(request_id: int):
    join_request = _join_request(request_id)
    slug = join_request.plan.slug
    form = RejectForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Please give the reason: it is sent to the organisation."), "error")
        return redirect(url_for("enrolment.join_requests", slug=slug))
    try:
        email = invitation_service.reject_join_request(db.session, join_request, form.reason.data,
                                                       actor_id=current_user.id)
    except InvitationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("enrolment.join_requests", slug=slug))
    db.session.commit()
    _send_now(email)
    flash(_("The request was rejected and the reason sent."), "success")
    return redirect(url_for("enrolment.join_requests", slug=slug))


# --- public: the open call -----------------------------------------------------------------


@bp.route("/open-call")
@requires(PUBLIC)
def open_call_index():
    return render_template("enrolment/open_call_index.html",
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
            invitation_service.submit_join_request(db.session, plan, form.data)
        except OrganizationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            _field_errors(form, exc.errors)
            status = 422
        else:
            db.session.commit()
            return redirect(url_for("enrolment.open_call_sent", slug=plan.slug))
    elif form.is_submitted():
        status = 422 if not form.csrf_token.errors else 400
        if form.csrf_token.errors:
            flash(_("This form has expired or was sent from elsewhere, so nothing was saved. "
                    "Please go back, reload the page and try again."), "error")
    counts = catalogue_service.file_counts(db.session, plan)
    return render_template("enrolment/open_call.html", plan=plan, form=form, counts=counts,
                           files=catalogue_service.active_files(plan)), status


@bp.route("/open-call/<slug>/sent")
@requires(PUBLIC)
def open_call_sent(slug: str):
    return render_template("enrolment/open_call_sent.html", plan=_open_plan(slug))


# --- public: an NGO's invitation -----------------------------------------------------------

_JOIN_KEY = "join_token"


def _join_error(exc: InvitationError):  # noqa: ANN202
    return render_template("enrolment/join_error.html", message=exc.message,
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
    return redirect(url_for("enrolment.join", _anchor=anchor))


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
        "enrolment/join.html", invitation=invitation, plan=plan,
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
    return redirect(url_for("enrolment.join"))


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
    return redirect(url_for("enrolment.join_team"))


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
    return render_template("enrolment/join_team.html", invitation=invitation,
                           organization=organization, form=form), status


# --- NGO home: plans, file choices, people -------------------------------------------------


@bp.route("/ngo")
@requires("enrolment.view")
def home():
    return _home_page()


def _home_page(status: int = 200):  # noqa: ANN202
    plans = db.session.scalars(plans_for(current_user)).all()
    organization = current_user.organization
    enrolments = enrolment_service.plan_enrolments(db.session, current_user.organization_id,
                                                   list(plans))
    people = pending = []
    if current_user.role == "ngo_admin":
        people = enrolment_service.members(db.session, organization)
        pending = enrolment_service.pending_evaluator_invitations(db.session, organization)
    return render_template("enrolment/home.html", plans=plans, enrolments=enrolments,
                           organization=organization, people=people, pending=pending,
                           form=ActionForm(), invite_form=EvaluatorInviteForm()), status


@bp.route("/ngo/plans/<slug>/choices", methods=["POST"])
@requires("enrolment.manage")
def choose_files(slug: str):
    plan = _plan(slug, "plan.view")
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        monitored = {int(v) for v in request.form.getlist("file")}
    except ValueError:
        abort(400)
    try:
        email = enrolment_service.save_choices(db.session, current_user.organization, plan,
                                               monitored, actor=current_user)
    except EnrolmentError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _home_page(exc.status)
    db.session.commit()
    if email is None:
        flash(_("Nothing changed."), "info")
    else:
        _send_now(email, quiet=True)
        flash(isolated(_("Your choices were saved. A confirmation was emailed to %(email)s."),
                       email=current_user.organization.email), "success")
    return redirect(url_for("enrolment.home", _anchor=f"plan-{plan.slug}"))


@bp.route("/ngo/evaluators", methods=["POST"])
@requires("enrolment.manage")
def invite_evaluator():
    form = EvaluatorInviteForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Please enter the evaluator's email address."), "error")
        return redirect(url_for("enrolment.home", _anchor="people"))
    try:
        invitation, email = enrolment_service.invite_evaluator(
            db.session, current_user.organization, form.email.data, actor=current_user)
    except EnrolmentError as exc:
        db.session.rollback()
        for _name, message in exc.errors or [("", exc.message)]:
            flash(message, "error")
        return redirect(url_for("enrolment.home", _anchor="people"))
    db.session.commit()
    _send_now(email)
    flash(isolated(_("An invitation was sent to %(email)s."), email=invitation.email),
          "success")
    return redirect(url_for("enrolment.home", _anchor="people"))


@bp.route("/ngo/evaluator-invitations/<int:invitation_id>/revoke", methods=["POST"])
@requires("enrolment.manage")
def revoke_evaluator_invitation(invitation_id: int):
    invitation = ensure("enrolment.manage", db.session.get(EvaluatorInvitation, invitation_id))
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        enrolment_service.revoke_evaluator_invitation(db.session, invitation, actor=current_user)
    except EnrolmentError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The invitation was withdrawn."), "success")
    return redirect(url_for("enrolment.home", _anchor="people"))


def _person_action(user_id: int, action: str):  # noqa: ANN202
    user = ensure("enrolment.manage", db.session.get(User, user_id))
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        if action == "make_admin":
            enrolment_service.make_admin(db.session, user, actor=current_user)
        else:
            enrolment_service.set_active(db.session, user, action == "activate",
                                         actor=current_user)
    except EnrolmentError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect(url_for("enrolment.home", _anchor="people"))


@bp.route("/ngo/people/<int:user_id>/deactivate", methods=["POST"])
@requires("enrolment.manage")
def deactivate_person(user_id: int):
    return _person_action(user_id, "deactivate")


@bp.route("/ngo/people/<int:user_id>/activate", methods=["POST"])
@requires("enrolment.manage")
def activate_person(user_id: int):
    return _person_action(user_id, "activate")


@bp.route("/ngo/people/<int:user_id>/make-admin", methods=["POST"])
@requires("enrolment.manage")
def make_admin(user_id: int):
    return _person_action(user_id, "make_admin")
