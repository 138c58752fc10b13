"""The coordinator's outreach screens: organisations and invitations.

/organizations (list, add, edit, import), /plans/<slug>/invitations (funnel, invite,
remind), /plans/<slug>/sending (progress, send the next batch), /invitations/<id>/...
(resend, revoke, link), /plans/<slug>/join-requests (the open call's requests).
The public side of the same loop (the open call, join links) is in outreach_public/.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..access import changeable_organizations, ensure, may, requires
from ..extensions import db
from ..forms import ActionForm, OrganizationForm
from ..i18n import format_datetime, isolated
from ..models import Invitation, JoinRequest, Organization, OutgoingEmail, utcnow
from ..services import imports
from ..services.outreach import contact_change
from ..services.outreach import enrolment as enrolment_service
from ..services.outreach import funnel as funnel_service
from ..services.outreach import invitations as invitation_service
from ..services.outreach import open_call as open_call_service
from ..services.outreach import organizations as organization_service
from ..services.outreach.enrolment import EnrolmentError
from ..services.outreach.invitations import InvitationError
from ..services.outreach.organizations import OrganizationError
from ..web import field_errors as _field_errors
from ..web import plan_by_slug as _plan
from .forms import ImportConfirmForm, ImportForm, RejectForm

bp = Blueprint("outreach", __name__)

PER_PAGE = 50


# --- helpers -------------------------------------------------------------------------------


def _page(name: str = "page") -> int:
    try:
        return max(1, min(int(request.args.get(name, 1)), 100000))
    except ValueError:
        return 1


def _paginate(query: sa.Select, page: int) -> tuple[list[Any], int]:
    listed = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    return list(listed.items), listed.total or 0


@bp.route("/organizations")
@requires("organizations.view")
def organizations():
    q = request.args.get("q", "").strip()[:100]
    query = sa.select(Organization).order_by(Organization.name, Organization.id)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(Organization.name.ilike(pattern, escape="\\"),
                                   Organization.email.ilike(pattern, escape="\\")))
    page = _page()
    orgs, total = _paginate(query, page)
    return render_template("outreach/organizations.html", organizations=orgs, total=total,
                           page=page, per_page=PER_PAGE, q=q, may_add=may(
                               current_user, "organizations.manage"),
                           editable=changeable_organizations(current_user, [o.id for o in orgs]))


def _organization_form_page(org: Organization | None):  # noqa: ANN202
    """Add an organisation (`org` None) or edit one."""
    form = OrganizationForm(obj=org)
    notices: list[OutgoingEmail] = []
    status = 200
    if form.validate_on_submit():
        try:
            if org is None:
                created = organization_service.create_organization(db.session, form.data,
                                                                   actor_id=current_user.id)
            else:
                notices = contact_change.change_organization(db.session, org, form.data,
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
            if org is not None and notices:
                flash(_("The address changed: the organisation's invitation links no longer "
                        "work, and its previous address was told of the change. Resend the "
                        "invitation to reach the new address."), "info")
            return redirect(url_for("outreach.organizations"))
    elif form.is_submitted():
        status = 422
    return render_template("outreach/organization_form.html", form=form, organization=org), status


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
        return render_template("outreach/import.html", form=form, preview=None)
    if not form.validate_on_submit():
        abort(400)
    try:
        if request.form.get("token"):
            # The upload kept at the preview, claimed once and checked again.
            data, filename = imports.claim(request.form["token"], importer="organizations",
                                           user_id=current_user.id)
            preview = organization_service.preview_import(db.session, data, filename)
            if preview.ok:
                created = organization_service.import_organizations(
                    db.session, preview, actor_id=current_user.id)
                db.session.commit()
                flash(_("Organisations imported: %(n)d. Already in the list, skipped: %(m)d.",
                        n=len(created), m=len(preview.unchanged)), "success")
                return redirect(url_for("outreach.organizations"))
        else:
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise OrganizationError(_("Please choose a CSV or XLSX file."))
            data, filename = upload.read(), upload.filename
            preview = organization_service.preview_import(db.session, data, filename)
            if preview.ok:
                confirm.token.data = imports.stage(data, filename, importer="organizations",
                                                   user_id=current_user.id)
    except (OrganizationError, imports.UploadRefused) as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return render_template("outreach/import.html", form=form, preview=None), 422
    db.session.rollback()  # a preview writes nothing
    return render_template("outreach/import.html", form=form, confirm=confirm, preview=preview,
                           shown=preview.rows[:organization_service.PREVIEW_ROWS],
                           errors=preview.rejected[:500],
                           labels=organization_service.FIELD_LABELS), (
        200 if preview.ok else 422)


# --- coordinator: invitations --------------------------------------------------------------


@bp.route("/plans/<slug>/invitations")
@requires("invitations.manage")
def invitations(slug: str):
    plan = _plan(slug, "invitations.manage")
    status = request.args.get("status", "")
    mail = funnel_service.latest_email_status()
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
        "outreach/invitations.html", plan=plan, funnel=funnel_service.funnel(db.session, plan),
        choices_open=enrolment_service.choices_open(plan),
        reopened=enrolment_service.reopenings(db.session, plan.id),
        reopen_days=enrolment_service.REOPEN_DAYS,
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
        return redirect(url_for("outreach.invitations", slug=plan.slug))
    db.session.commit()
    flash(ngettext("%(num)d invitation was queued: send it with the button below.",
                   "%(num)d invitations were queued: send them with the button below.",
                   len(created)), "success")
    return redirect(url_for("outreach.sending", slug=plan.slug))


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
        return redirect(url_for("outreach.sending", slug=plan.slug))
    return render_template("outreach/sending.html", plan=plan, form=form,
                           choices_open=enrolment_service.choices_open(plan),
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
        return redirect(url_for("outreach.invitations", slug=plan.slug))
    db.session.commit()
    if not emails:
        flash(_("Nobody to remind: every invited organisation has answered, was reminded in "
                "the last day, or has not received its invitation yet."), "info")
        return redirect(url_for("outreach.invitations", slug=plan.slug))
    flash(ngettext("%(num)d reminder was queued.", "%(num)d reminders were queued.", len(emails)),
          "success")
    return redirect(url_for("outreach.sending", slug=plan.slug))


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
        invitation_service.resend(db.session, invitation, actor_id=current_user.id)
    except InvitationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("outreach.invitations", slug=slug))
    db.session.commit()
    flash(_("A new link was sent; the previous link no longer works."), "success")
    return redirect(url_for("outreach.invitations", slug=slug))


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
        return redirect(url_for("outreach.invitations", slug=slug))
    db.session.commit()
    flash(_("The invitation was withdrawn; its link no longer works."), "success")
    return redirect(url_for("outreach.invitations", slug=slug))


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
            return redirect(url_for("outreach.invitations", slug=invitation.plan.slug))
        db.session.commit()
        flash(_("A new link was made; the previous link no longer works."), "success")
    elif invitation.status in ("pending", "declined") and invitation.nonce:
        link = invitation_service.link_for(invitation)
    return render_template("outreach/invitation_link.html", invitation=invitation, link=link,
                           form=form, expired=invitation.expires_at is not None
                           and invitation.expires_at < utcnow())


@bp.route("/invitations/<int:invitation_id>/reopen-choices", methods=["POST"])
@requires("invitations.manage")
def reopen_choices(invitation_id: int):
    """Let one registered organisation change its file choices after the deadline."""
    invitation = _invitation(invitation_id)
    slug = invitation.plan.slug
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        until = enrolment_service.reopen_choices(db.session, invitation.organization,
                                                 invitation.plan, actor_id=current_user.id)
    except EnrolmentError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("outreach.invitations", slug=slug))
    db.session.commit()
    flash(isolated(_("%(name)s can change its file choices until %(date)s."),
                   name=invitation.organization.name, date=format_datetime(until)), "success")
    return redirect(url_for("outreach.invitations", slug=slug, status="registered"))


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
    return render_template("outreach/join_requests.html", plan=plan, requests=rows,
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
        _invitation_row, email = open_call_service.approve_join_request(
            db.session, join_request, actor_id=current_user.id)
    except InvitationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("outreach.join_requests", slug=slug))
    db.session.commit()
    flash(_("The request was approved and the invitation sent.") if email else
          _("The request was approved; this organisation had already registered."), "success")
    return redirect(url_for("outreach.join_requests", slug=slug))


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
        return redirect(url_for("outreach.join_requests", slug=slug))
    try:
        open_call_service.reject_join_request(db.session, join_request, form.reason.data,
                                              actor_id=current_user.id)
    except InvitationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("outreach.join_requests", slug=slug))
    db.session.commit()
    flash(_("The request was rejected and the reason sent."), "success")
    return redirect(url_for("outreach.join_requests", slug=slug))
