"""One handler per status: a translated page in the base layout, JSON under /api."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import security_log
from .extensions import db


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Nothing was changed.")),
        401: (_("Please sign in"), _("You need to sign in to open this page.")),
        403: (_("Not allowed"), _("Your account is not allowed to open this page.")),
        404: (_("Not found"), _("This page does not exist, or you do not have access to it.")),
        405: (_("Not allowed"), _("This action is not available here.")),
        413: (_("File too large"),
              _("What you sent is larger than this server accepts. Nothing was saved.")),
        429: (_("Too many attempts"),
              _("Too many attempts in a short time. Please wait a few minutes and try again.")),
        500: (_("Something went wrong"),
              _("An unexpected error occurred. Nothing was changed; please try again later.")),
    }


def render_error(status: int, detail: str | None = None):  # noqa: ANN201
    title, text = _messages().get(status, _messages()[500])
    if detail:
        text = detail
    if request.path.startswith("/api/"):
        return jsonify({"error": {"status": status, "title": title, "message": text}}), status
    return render_template("errors/error.html", status=status, title=title, text=text), status


def csrf_refusal():  # noqa: ANN201
    """A form without a valid token (expired, or sent from another site): nothing changed.
    The evaluation answers have their own handler, which keeps what was typed."""
    return render_error(
        400,
        _("This form has expired or was sent from elsewhere, so nothing was saved. "
          "Please go back, reload the page and try again."),
    )


def log_csrf_failure(error: CSRFError) -> None:
    """Every handler of a CSRF failure logs it first (the security log)."""
    security_log.event("csrf.failed", reason=error.description)


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):  # noqa: ANN202
        log_csrf_failure(error)
        return csrf_refusal()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # noqa: ANN202
        # 429 has its own handler (monitor.sign_in): it logs and counts the throttling.
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # noqa: ANN202
        db.session.rollback()
        app.logger.exception("unhandled error")
        return render_error(500)
