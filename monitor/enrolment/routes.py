"""An NGO's own pages: /ngo (its plans, file choices and people)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import ensure, plans_for, requires
from ..extensions import db
from ..forms import ActionForm
from ..i18n import isolated
from ..models import EvaluatorInvitation, User
from ..services.outreach import enrolment as enrolment_service
from ..services.outreach.enrolment import EnrolmentError
from ..web import plan_by_slug as _plan
from .forms import EvaluatorInviteForm

bp = Blueprint("enrolment", __name__)




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
