"""Sessions, sign-in loading, language choice, safe redirects, response headers, and
input refused before any view runs (NUL bytes)."""
from __future__ import annotations

import re
import uuid
from urllib.parse import unquote, urlencode, urlsplit

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter, RequestRedirect

from . import i18n
from .extensions import db, limiter, login_manager
from .models import User
from .services.accounts import normalize_email

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


#: The largest id a database column holds (PostgreSQL `integer`; SQLite stops at 2^63 - 1).
MAX_DATABASE_ID = 2**31 - 1


class DatabaseIntegerConverter(IntegerConverter):
    """`<int:...>` in every route: a number beyond what an id column holds answers 404, on
    every database, instead of an overflow error (500). Raised here rather than failing the
    match, so that a route with the same path for another method does not answer 405."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_DATABASE_ID:
            raise NotFound()
        return number


def _account_key() -> str:
    # Per account, whichever form the address is typed into: a guesser on one address does
    # not lock others out, and the second sign-in form gives no second set of guesses.
    return "account:" + normalize_email(request.form.get("email", ""))[:254]


#: Password guesses per account, shared by every form that checks a password (/login and
#: the invitation's /join/signin).
password_guesses = limiter.shared_limit("10 per 5 minutes", scope="password-guesses",
                                        key_func=_account_key, methods=["POST"])


def _person_key() -> str:
    # Per signed-in person, wherever they work from (a shared office address is not one
    # person); the address for anyone else.
    from flask_login import current_user

    return "person:" + (current_user.get_id() or "") if current_user.is_authenticated \
        else "address:" + (request.remote_addr or "")


#: Evidence uploads per person (MONITOR_UPLOAD_RATE_LIMIT, e.g. "30 per 10 minutes").
evidence_uploads = limiter.limit(lambda: current_app.config["MONITOR_UPLOAD_RATE_LIMIT"],
                                 key_func=_person_key, methods=["POST"])


# Built once: every signed-in request runs it (Session.get rebuilds its query each time).
_USER_BY_ID = sa.select(User).where(User.id == sa.bindparam("user_id"))


def register(app: Flask) -> None:
    app.jinja_env.globals["lang_url"] = language_url
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
            user = db.session.scalars(_USER_BY_ID, {"user_id": int(raw_id)}).first()
            version = int(raw_version)
        except (ValueError, TypeError):
            return None
        if user is None or not user.active or user.session_version != version:
            return None
        return user

    app.add_template_filter(i18n.bdi, "bdi")

    @app.before_request
    def refuse_nul_bytes():  # noqa: ANN202
        # No text field or parameter ever needs a NUL byte; PostgreSQL refuses them with a
        # database error, SQLite would store them. Refused here, once, for every route.
        if contains_nul():
            from .errors import render_error

            return render_error(400, _("The request contains a character that is not "
                                       "allowed (a NUL byte). Nothing was changed."))
        return None

    @app.before_request
    def remember_language_choice() -> Response | None:
        if "lang" not in request.args:
            return None
        chosen = i18n.valid_language(request.args.get("lang"))
        if chosen is None:
            return None  # an unknown value is ignored, never echoed
        g.lang_choice = chosen
        from flask_login import current_user

        if not current_user.is_authenticated:
            # Chosen before signing in: it will win over the account's saved language.
            session[LANG_CHOICE_KEY] = chosen
        elif current_user.language != chosen:
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
        hsts = int(app.config.get("MONITOR_HSTS_SECONDS") or 0)
        if request.is_secure and hsts > 0:
            # HTTPS as seen by the client (behind a proxy: X-Forwarded-Proto, trusted only
            # with MONITOR_PROXIES set): browsers then refuse plain HTTP to this host.
            response.headers["Strict-Transport-Security"] = f"max-age={hsts}; includeSubDomains"
        if g.get("lang_choice"):
            response.set_cookie(
                i18n.LANG_COOKIE, g.lang_choice, max_age=365 * 24 * 3600, samesite="Lax",
                httponly=True, secure=app.config.get("SESSION_COOKIE_SECURE", False),
            )
        if "Cache-Control" not in response.headers and request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response


def contains_nul() -> bool:
    """Is there a NUL byte in the path, a query or form parameter (name or value), or an
    uploaded file's name?"""
    if "\x00" in request.path:
        return True
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                return True
    return any("\x00" in (upload.filename or "") for upload in request.files.values())


_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,40}")


def request_id(header: str | None) -> str:
    """The caller's X-Request-Id when it is a plain token (it is stored in audit events
    and logs), else a new one."""
    header = (header or "")[:40]
    return header if _REQUEST_ID.fullmatch(header) else uuid.uuid4().hex


def safe_next(target: str | None) -> str | None:
    """Only a local path: never `//host`, `/\\host`, a scheme, or control characters, also
    once percent-decoded (`/%2F%2Fhost`, `%0d%0a`), since a proxy or browser may decode."""
    if not target:
        return None
    for form in (target, unquote(target)):
        if not form.startswith("/") or form.startswith(("//", "/\\")):
            return None
        if any(ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in form):
            return None
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return None
    return target


#: The session key of a language chosen (`?lang=`) before signing in.
LANG_CHOICE_KEY = "lang_choice"


#: Answers typed into an evaluation when the session had ended (monitor/evaluation/kept.py):
#: they survive the sign-in that follows, for the same user only.
KEPT_ANSWERS = "kept_answers"


def start_session(user: User) -> None:
    """Clear the session and give it a new id at sign-in and after the second factor (no
    session fixation). A language chosen explicitly in this browser session just before
    signing in wins over the account's saved language and becomes it."""
    chosen = g.get("lang_choice") or i18n.valid_language(session.get(LANG_CHOICE_KEY))
    kept = session.get(KEPT_ANSWERS)
    session.clear()
    if isinstance(kept, dict) and kept.get("user") == user.id:
        session[KEPT_ANSWERS] = kept
    session.regenerate()  # type: ignore[attr-defined]
    if chosen and user.language != chosen:
        user.language = chosen
        db.session.commit()


def end_session() -> None:
    """Sign-out: the server forgets the session, so a copied cookie stops working."""
    session.clear()
    session.regenerate()  # type: ignore[attr-defined]


def language_url(lang: str) -> str:
    """The language switcher's link: this page in `lang`, its query kept. A page that
    answered a form (POST) cannot be fetched again: the link leads to the nearest page up
    its path that can (/evaluations/5/send -> /evaluations/5), whose own autosave or saved
    draft holds what was typed."""
    path = request.path
    if request.method not in ("GET", "HEAD"):
        adapter = current_app.url_map.bind_to_environ(request.environ)
        while path not in ("", "/"):
            try:
                adapter.match(path, method="GET")
                break
            except RequestRedirect as redirect:  # the same page with a trailing slash
                path = urlsplit(redirect.new_url).path
                break
            except HTTPException:
                path = path.rsplit("/", 1)[0]
        path = path or "/"
        query: dict[str, list[str]] = {}
    else:
        query = {k: v for k, v in request.args.lists() if k != "lang"
                 and (k != "next" or all(safe_next(n) for n in v))}
    return path + "?" + urlencode({**query, "lang": [lang]}, doseq=True)
