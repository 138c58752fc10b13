"""Sessions, sign-in loading, language choice, safe redirects and response headers."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, g, request, session
from flask_babel import lazy_gettext as _l

from . import i18n
from .extensions import db, login_manager
from .models import User

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def register(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The id carries the session version: a password change, deactivation or
        # "sign out everywhere" bumps it and every older session stops loading.
        try:
            raw_id, raw_version = user_id.split(":", 1)
            user = db.session.get(User, int(raw_id))
            version = int(raw_version)
        except (ValueError, TypeError):
            return None
        if user is None or not user.active or user.session_version != version:
            return None
        return user

    @app.before_request
    def remember_language_choice() -> Response | None:
        if "lang" not in request.args:
            return None
        chosen = i18n.valid_language(request.args.get("lang"))
        if chosen is None:
            return None  # an unknown value is ignored, never echoed
        g.lang_choice = chosen
        from flask_login import current_user

        if current_user.is_authenticated and current_user.language != chosen:
            current_user.language = chosen
            db.session.commit()
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        # Keeps signed links out of the Referer header sent to other sites.
        response.headers["Referrer-Policy"] = "same-origin"
        if g.get("lang_choice"):
            response.set_cookie(
                i18n.LANG_COOKIE, g.lang_choice, max_age=365 * 24 * 3600, samesite="Lax",
                httponly=True, secure=app.config.get("SESSION_COOKIE_SECURE", False),
            )
        if "Cache-Control" not in response.headers and request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response


def safe_next(target: str | None) -> str | None:
    """Only a local path: never `//host`, `/\\host`, a scheme, or control characters."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def start_session(user: User) -> None:
    """Clear and re-issue the session at sign-in (no session fixation)."""
    session.clear()
