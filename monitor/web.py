"""Small helpers that several blueprints' routes share: a plan by its slug with the access
check, form errors from a service beside their fields, an email sent straight away.
Routes import these; nothing here imports a blueprint."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash
from flask_babel import gettext as _

from .access import ensure
from .extensions import db
from .i18n import isolated
from .models import OutgoingEmail, Plan
from .services import mailer
from .services.outreach import invitations as invitation_service


def plan_for(slug: str, action: str) -> Plan:
    """The plan with this slug, if the current user may do `action` on it (else 404/403)."""
    return ensure(action, db.session.scalar(sa.select(Plan).where(Plan.slug == slug)))


def field_errors(form: Any, errors: list[tuple[str, str]]) -> None:
    """Put a service's (field, message) errors beside the form's fields; flash the rest."""
    for name, message in errors:
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            flash(message, "error")


def send_now(email: OutgoingEmail | int | None, *, quiet: bool = False) -> None:
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
