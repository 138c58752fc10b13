"""Where two-step sign-in meets the sign-in forms (/login and the invitation's
/join/signin): after the password, either the user is signed in, or the session waits
for the second factor (`PENDING`), or a role that must use it is sent to enrol."""
from __future__ import annotations

import datetime as dt

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from .extensions import db
from .models import User, utcnow
from .security import start_session
from .services.accounts import two_factor

#: The user who gave the right password and still owes the code: {user, next, at}.
PENDING = "two_step_pending"
#: The key shown on the enrolment page, until its first code confirms it.
ENROLLING = "two_step_enrolling"
#: Set once the second factor was given in this session.
VERIFIED = "two_step_verified"
#: How long the code may wait after the password.
PENDING_MINUTES = 10
#: Pages a user who must enrol may still open.
_ENROLMENT_PAGES = {"two_step.settings", "two_step.confirm", "two_step.verify", "auth.logout",
                    "static"}


def after_password(user: User, target: str):  # noqa: ANN201
    """The password was right: sign in, or ask for the code (a redirect), committing."""
    base_url = current_app.config["MONITOR_BASE_URL"]
    two_factor.apply_due_reset(db.session, user, base_url=base_url)
    if two_factor.is_enabled(db.session, user):
        start_session(user)  # a new id already; signed in only after the code
        session[PENDING] = {"user": user.id, "next": target, "at": utcnow().isoformat()}
        db.session.commit()
        return redirect(url_for("two_step.verify"))
    start_session(user)
    login_user(user)
    db.session.commit()
    return None


def pending_user() -> tuple[User | None, str]:
    """The user waiting for the code in this session, and where they were going."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None, ""
    try:
        started = dt.datetime.fromisoformat(pending["at"])
    except (KeyError, TypeError, ValueError):
        return None, ""
    if utcnow() - started > dt.timedelta(minutes=PENDING_MINUTES):
        session.pop(PENDING, None)
        return None, ""
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active:
        return None, ""
    return user, pending.get("next") or url_for("auth.home")


def finish(user: User, target: str):  # noqa: ANN201
    """The code was right: a new session id, signed in."""
    session.pop(PENDING, None)
    start_session(user)
    login_user(user)
    session[VERIFIED] = True
    db.session.commit()
    return redirect(target)


def register(app: Flask) -> None:
    @app.before_request
    def roles_that_must_use_two_step_sign_in():  # noqa: ANN202
        setting = current_app.config.get("MONITOR_REQUIRE_2FA_FOR") or ""
        if not setting or request.endpoint in _ENROLMENT_PAGES:
            return None
        if current_user.is_authenticated and not session.get(VERIFIED) \
                and two_factor.required_for(setting, current_user.role):
            flash(_("Your role must use two-step sign-in: switch it on to continue."), "info")
            return redirect(url_for("two_step.settings"))
        return None
