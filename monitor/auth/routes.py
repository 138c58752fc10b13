"""Sign-in, sign-out and the home page that sends each role to its own start page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..access import PUBLIC, SIGNED_IN, requires
from ..extensions import db, limiter
from ..security import safe_next, start_session
from ..services import accounts
from .forms import LoginForm

bp = Blueprint("auth", __name__)


def _login_account_key() -> str:
    # Per account: a guesser on one address does not lock others out.
    return "login:" + accounts.normalize_email(request.form.get("email", ""))[:254]


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


@bp.route("/login", methods=["GET", "POST"])
@requires(PUBLIC)
@limiter.limit("20 per minute", methods=["POST"])
@limiter.limit("10 per 5 minutes", methods=["POST"], key_func=_login_account_key)
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
            start_session(user)
            login_user(user)
            db.session.commit()
            return redirect(safe_next(form.next.data) or url_for("auth.home"))
    return render_template("auth/login.html", form=form), 200


@bp.route("/logout", methods=["POST"])
@requires(SIGNED_IN)
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
