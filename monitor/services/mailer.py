"""Email: rendered in the recipient's language, recorded before it is sent, sent in
batches over one SMTP connection.

Every message is first an `OutgoingEmail` row (queued) with a stable Message-ID. Sending
marks each row sent or failed as soon as the server answers, and commits, so that a batch
interrupted by the SMTP server going away resumes with exactly the messages not yet sent.
If the *process* dies between the server's acceptance and the commit, that one message
may be sent twice on the next run (documented in the README).

With `MONITOR_MAIL_OUTBOX` set (the demo), messages are written there as .eml files.
"""
from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy.orm import Session

from ..extensions import mail
from ..models import OutgoingEmail, utcnow

# Errors that concern one message only: the batch goes on.
_MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                   smtplib.SMTPDataError, UnicodeError, ValueError)
# Errors that mean the server is gone: stop, keep the rest queued.
_SERVER_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError,
                  smtplib.SMTPHeloError, smtplib.SMTPAuthenticationError, ConnectionError,
                  TimeoutError, OSError)


def _clean_header(value: str) -> str:
    """No CR/LF in headers (header injection)."""
    return " ".join(str(value).replace("\r", " ").replace("\n", " ").split())


def render(template: str, lang: str, **context: Any) -> tuple[str, str, str]:
    """(subject, text, html) of `email/<template>.txt|.html`, in `lang`. The subject is the
    `subject` block of the text template."""
    with force_locale(lang):
        env = current_app.jinja_env
        text_template = env.get_template(f"email/{template}.txt")
        full_context = {"lang": lang, "dir": "rtl" if lang in ("ar", "ckb") else "ltr"} | context
        subject = "".join(
            text_template.blocks["subject"](text_template.new_context(full_context))
        ).strip()
        text = render_template(f"email/{template}.txt", **full_context)
        html = render_template(f"email/{template}.html", **full_context)
    return _clean_header(subject), text, html


def queue(session: Session, *, kind: str, to: str, template: str, lang: str,
          invitation_id: int | None = None, plan_id: int | None = None,
          **context: Any) -> OutgoingEmail:
    """Render and record a message; `send_queued` sends it."""
    subject, text, html = render(template, lang, **context)
    domain = current_app.config.get("MAIL_DEFAULT_SENDER", "monitor@localhost").rpartition("@")[2]
    email = OutgoingEmail(kind=kind, recipient=_clean_header(to), subject=subject,
                          body_text=text, body_html=html, invitation_id=invitation_id,
                          plan_id=plan_id, message_id=make_msgid(domain=domain or None))
    session.add(email)
    return email


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    #: Set when the server went away: the rest stays queued for the next run.
    interrupted: str | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)


def _message(email: OutgoingEmail) -> Message:
    message = Message(subject=email.subject, recipients=[email.recipient], body=email.body_text,
                      html=email.body_html,
                      sender=current_app.config.get("MAIL_DEFAULT_SENDER"))
    message.msgId = email.message_id  # stable across attempts
    return message


def _write_outbox(directory: str, email: OutgoingEmail) -> None:
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    (path / f"{email.id:06d}-{email.kind}.eml").write_bytes(_message(email).as_bytes())


def pending(session: Session, ids: Iterable[int] | None = None) -> list[OutgoingEmail]:
    query = sa.select(OutgoingEmail).where(OutgoingEmail.status == "queued")
    if ids is not None:
        query = query.where(OutgoingEmail.id.in_(list(ids)))
    return list(session.scalars(query.order_by(OutgoingEmail.id)))


def send_queued(session: Session, emails: Iterable[OutgoingEmail], *,
                on_progress: Callable[[OutgoingEmail], None] | None = None) -> SendReport:
    """Send over one connection; commit after each message."""
    report = SendReport()
    emails = [e for e in emails if e.status == "queued"]
    if not emails:
        return report
    outbox = current_app.config.get("MONITOR_MAIL_OUTBOX")
    if outbox:
        for email in emails:
            _write_outbox(outbox, email)
            _mark_sent(session, email, report, on_progress)
        return report
    try:
        with mail.connect() as connection:
            for email in emails:
                try:
                    connection.send(_message(email))
                except _MESSAGE_ERRORS as exc:
                    email.attempts += 1
                    email.status = "failed"
                    email.last_error = _describe(exc)
                    report.failed += 1
                    report.failures.append((email.recipient, email.last_error))
                    session.commit()
                    if on_progress:
                        on_progress(email)
                    continue
                _mark_sent(session, email, report, on_progress)
    except _SERVER_ERRORS as exc:
        session.rollback()
        report.interrupted = _describe(exc)
        # Whatever was not marked sent stays queued: record the attempt and the error.
        for email in emails:
            if email.status == "queued":
                email.attempts += 1
                email.last_error = report.interrupted
                break
        session.commit()
    return report


def _mark_sent(session: Session, email: OutgoingEmail, report: SendReport,
               on_progress: Callable[[OutgoingEmail], None] | None) -> None:
    email.attempts += 1
    email.status = "sent"
    email.sent_at = utcnow()
    email.last_error = None
    session.commit()
    report.sent += 1
    if on_progress:
        on_progress(email)


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                 for code, msg in exc.recipients.values()]
        return "; ".join(parts)[:1000]
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error
        text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
        return f"{exc.smtp_code} {text}"[:1000]
    return f"{type(exc).__name__}: {exc}"[:1000]
