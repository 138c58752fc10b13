"""Two-step sign-in pages: the code after the password, the user's own settings
(enrolment with a QR code, recovery codes, switching off, cancelling a reset), an NGO
administrator resetting a colleague's factor, and a coordinator's delayed reset."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.security import check_password_hash

from .. import sign_in
from ..access import PUBLIC, SIGNED_IN, ensure, requires
from ..extensions import db, limiter
from ..forms import ActionForm
from ..models import Organization, User
from ..security import safe_next
from ..services.accounts import two_factor
from ..services.accounts.two_factor import TwoFactorError
from .forms import CodeForm, DisableForm

bp = Blueprint("two_step", __name__)


def _base_url() -> str:
    return current_app.config["MONITOR_BASE_URL"]


def _run(action, success: str) -> bool:  # noqa: ANN001
    """Run a service call and commit with `success` shown; or roll back and show the
    refusal (404 for an object out of reach)."""
    try:
        action()
    except TwoFactorError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
        return False
    db.session.commit()
    flash(success, "success")
    return True


def _pending_key() -> str:
    user, _target = sign_in.pending_user()
    return f"two-step:{user.id if user else 'none'}"


# --- the code after the password -----------------------------------------------------------


@bp.route("/login/two-step", methods=["GET", "POST"])
@requires(PUBLIC)
@limiter.limit("10 per 5 minutes", key_func=_pending_key, methods=["POST"])
@limiter.limit("20 per minute", methods=["POST"])
def verify():
    user, target = sign_in.pending_user()
    if user is None:
        flash(_("Please sign in again: the code was not given in time."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            kind = two_factor.verify(db.session, user, form.code.data)
        except TwoFactorError as exc:
            db.session.rollback()
            form.code.errors.append(exc.message)
            status = exc.status
        else:
            left = two_factor.unused_recovery_codes(db.session, user)
            response = sign_in.finish(user, safe_next(target) or url_for("auth.home"))
            if kind == "recovery":  # told in the new session
                flash(_("You used a recovery code; it no longer works. Recovery codes left: "
                        "%(left)d.", left=left), "info")
            return response
    elif form.is_submitted():
        status = 422
    return render_template("two_step/verify.html", form=form), status


# --- the user's own settings ---------------------------------------------------------------


@bp.route("/account/two-step")
@requires(SIGNED_IN)
def settings():
    user = current_user._get_current_object()
    if two_factor.is_enabled(db.session, user):
        return render_template(
            "two_step/settings.html", enabled=True,
            codes_left=two_factor.unused_recovery_codes(db.session, user),
            reset=two_factor.pending_reset(db.session, user), disable_form=DisableForm(),
            cancel_form=ActionForm())
    secret = session.get(sign_in.ENROLLING) or two_factor.new_secret(db.session, user)
    session[sign_in.ENROLLING] = secret  # server-side: kept until the first code confirms it
    uri = two_factor.provisioning_uri(secret, user, current_app.config["MONITOR_2FA_ISSUER"])
    return render_template("two_step/settings.html", enabled=False, secret=secret,
                           qr=two_factor.qr_svg(uri), form=CodeForm())


@bp.route("/account/two-step/confirm", methods=["POST"])
@requires(SIGNED_IN)
@limiter.limit("10 per 5 minutes", methods=["POST"])
def confirm():
    user = current_user._get_current_object()
    form = CodeForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Please type the code your app shows."), "error")
        return redirect(url_for(".settings"))
    try:
        codes = two_factor.confirm_enrolment(db.session, user, session.get(sign_in.ENROLLING, ""),
                                             form.code.data, base_url=_base_url())
    except TwoFactorError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".settings"))
    db.session.commit()
    sign_in.finish(user, "")  # a new session id after the second factor
    # Shown once, in this answer only (never stored in the session or a redirect).
    return render_template("two_step/recovery_codes.html", codes=codes)


@bp.route("/account/two-step/disable", methods=["POST"])
@requires(SIGNED_IN)
@limiter.limit("10 per 5 minutes", methods=["POST"])
def disable():
    user = current_user._get_current_object()
    form = DisableForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Please type your password."), "error")
    elif not check_password_hash(user.password_hash or "", form.password.data):
        flash(_("The password is not correct. Two-step sign-in stays on."), "error")
    elif two_factor.required_for(current_app.config.get("MONITOR_REQUIRE_2FA_FOR", ""),
                                 user.role):
        flash(_("Your role must use two-step sign-in: it cannot be switched off."), "error")
    elif _run(lambda: two_factor.disable(db.session, user, base_url=_base_url()),
              _("Two-step sign-in is off.")):
        return redirect(url_for("auth.account"))
    return redirect(url_for(".settings"))


@bp.route("/account/two-step/cancel-reset", methods=["POST"])
@requires(SIGNED_IN)
def cancel_reset():
    if not ActionForm().validate_on_submit():
        abort(400)
    _run(lambda: two_factor.cancel_reset(db.session, current_user._get_current_object(),
                                         base_url=_base_url()),
         _("The reset was cancelled. Your two-step sign-in stays on."))
    return redirect(url_for(".settings"))


# --- an NGO administrator resets a colleague's lost factor ---------------------------------


@bp.route("/ngo/two-step")
@requires("enrolment.manage")
def team():
    people = [(person, two_factor.is_enabled(db.session, person))
              for person in db.session.scalars(db.select(User).where(
                  User.organization_id == current_user.organization_id).order_by(User.id))]
    return render_template("two_step/team.html", people=people, form=ActionForm())


@bp.route("/ngo/people/<int:user_id>/reset-two-step", methods=["POST"])
@requires("enrolment.manage")
def reset_colleague(user_id: int):
    person = ensure("enrolment.manage", db.session.get(User, user_id))
    if not ActionForm().validate_on_submit():
        abort(400)
    _run(lambda: two_factor.reset_by_colleague(db.session, person, actor=current_user,
                                               base_url=_base_url()),
         _("Two-step sign-in was reset for this person; they were told by email."))
    return redirect(url_for(".team"))


# --- a coordinator's delayed reset ----------------------------------------------------------


def _organization(organization_id: int) -> Organization:
    organization = db.session.get(Organization, organization_id)
    if organization is None or not two_factor.coordinator_reaches(db.session, current_user,
                                                                  organization):
        abort(404)
    return organization


@bp.route("/organizations/<int:organization_id>/two-step")
@requires("two_factor.reset_request")
def organization(organization_id: int):
    org = _organization(organization_id)
    admins = [(admin, two_factor.is_enabled(db.session, admin),
               two_factor.pending_reset(db.session, admin))
              for admin in two_factor.administrators(db.session, org)]
    return render_template("two_step/organization.html", organization=org, admins=admins,
                           form=ActionForm())


@bp.route("/organizations/<int:organization_id>/people/<int:user_id>/reset-two-step",
          methods=["POST"])
@requires("two_factor.reset_request")
def request_reset(organization_id: int, user_id: int):
    org = _organization(organization_id)
    person = db.session.get(User, user_id)
    if person is None or person.organization_id != org.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    _run(lambda: two_factor.request_reset(db.session, person, actor=current_user,
                                          base_url=_base_url()),
         _("The reset was requested. It takes effect in 72 hours unless the person cancels "
           "it; they were told by email."))
    return redirect(url_for(".organization", organization_id=org.id))
