"""Sign-in, sign-out and the home page that sends each role to its own start page."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from wtforms import Field

from .. import sign_in
from ..access import PUBLIC, SIGNED_IN, requires
from ..extensions import db, limiter
from ..forms import ActionForm
from ..links import external_url
from ..models import User, utcnow
from ..security import end_session, password_guesses, safe_next
from ..services import accounts, mailer
from ..sessions import end_everywhere
from .forms import EmailForm, LoginForm, NotificationsForm, PasswordForm, ResetForm

bp = Blueprint("auth", __name__)


@bp.route("/")
@requires(PUBLIC)
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == "coordinator":
        return redirect(url_for("catalogue.index"))
    if current_user.role == "ngo_admin":
        return redirect(url_for("enrolment.home"))
    return redirect(url_for("evaluation.home"))


@bp.route("/favicon.ico")
@requires(PUBLIC)
def favicon():
    """Browsers ask for /favicon.ico on every site, whatever the page says: the icon is a
    static file."""
    return redirect(url_for("static", filename="favicon.ico"))


@bp.route("/login", methods=["GET", "POST"])
@requires(PUBLIC)
@limiter.limit("20 per minute", methods=["POST"])
@password_guesses
def login():
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            flash(_("The email or password is not correct."), "error")
        else:
            target = safe_next(form.next.data) or url_for("auth.home")
            # Signed in now, or asked for the second factor first.
            return sign_in.after_password(user, target) or redirect(target)
    return render_template("auth/login.html", form=form), 200


@bp.route("/logout", methods=["POST"])
@requires(SIGNED_IN)
def logout():
    logout_user()
    end_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


def _set_password(user: User, field: Field) -> bool:
    """Set the password typed in `field`; a password the rules refuse is shown beside it."""
    try:
        accounts.set_password(user, field.data)
    except accounts.AccountError as exc:
        field.errors.append(str(exc))
        return False
    return True


@bp.route("/account", methods=["GET", "POST"])
@requires(SIGNED_IN)
def account():
    form = PasswordForm()
    if form.validate_on_submit():
        from werkzeug.security import check_password_hash

        user = current_user._get_current_object()
        if not check_password_hash(user.password_hash or "", form.current.data):
            form.current.errors.append(_("The current password is not correct."))
        elif _set_password(user, form.password):
            db.session.commit()
            # This session continues under the new version; all others end.
            login_user(user)
            flash(_("Your password was changed. Other sessions were signed out."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(form)


def _account_page(form: PasswordForm | None = None,
                  notifications: NotificationsForm | None = None, status: int = 200):  # noqa: ANN202
    hour = int(current_app.config["MONITOR_DIGEST_HOUR"])
    if notifications is None:
        notifications = NotificationsForm(
            delivery="digest" if current_user.email_digest else "each", formdata=None)
    return render_template("auth/account.html", form=form or PasswordForm(formdata=None),
                           notifications=notifications, signout=ActionForm(),
                           digest_time=f"{hour:02d}:00"), status


@bp.route("/account/notifications", methods=["POST"])
@requires(SIGNED_IN)
def notifications():
    form = NotificationsForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            flash(_("This form has expired or was sent from elsewhere, so nothing was saved. "
                    "Please go back, reload the page and try again."), "error")
        return _account_page(notifications=form, status=400 if form.csrf_token.errors else 422)
    if accounts.set_email_digest(current_user, form.delivery.data == "digest"):
        db.session.commit()
    flash(_("Your choice was saved."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@requires(SIGNED_IN)
def sign_out_everywhere():
    form = ActionForm()
    if form.validate_on_submit():
        current_user.session_version += 1
        db.session.commit()
        end_everywhere(current_app, current_user.id)
        logout_user()
        end_session()
        flash(_("You were signed out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
@requires(PUBLIC)
@limiter.limit("5 per minute", methods=["POST"])
def reset_request():
    form = EmailForm()
    if form.validate_on_submit():
        user = accounts.find_user(db.session, form.email.data)
        if user is not None and user.active:
            # Queued only: the mail worker sends it, so both answers take the same time.
            mailer.queue(
                db.session, kind="password_reset", to=user.email, template="password_reset",
                lang=user.language or "ar",
                link=external_url("auth.reset", token=accounts.reset_token(user)),
                minutes=current_app.config["MONITOR_RESET_MINUTES"],
            )
            db.session.commit()
        # The same answer for known and unknown addresses.
        flash(_("If an account exists for this address, we have sent it a link to choose a "
                "new password."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@requires(PUBLIC)
@limiter.limit("20 per minute")
def reset(token: str):
    # Keep the token out of the address bar (and of any Referer) once read.
    session["reset_token"] = token
    return redirect(url_for("auth.reset_form"))


@bp.route("/reset/new", methods=["GET", "POST"])
@requires(PUBLIC)
@limiter.limit("20 per minute", methods=["POST"])
def reset_form():
    token = session.get("reset_token", "")
    max_age = current_app.config["MONITOR_RESET_MINUTES"] * 60
    try:
        user = accounts.user_for_reset_token(db.session, token, max_age)
    except accounts.AccountError as exc:
        return render_template("auth/reset_invalid.html", message=str(exc)), 400
    form = ResetForm()
    if form.validate_on_submit():
        if form.password.data != form.confirm.data:
            form.confirm.errors.append(_("The two passwords are not the same."))
        elif _set_password(user, form.password):
            user.last_login_at = utcnow()
            db.session.commit()
            session.pop("reset_token", None)
            flash(_("Your password was changed. You can sign in now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_form.html", form=form)
