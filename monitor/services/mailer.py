"""Email: rendered in the recipient's language, recorded before it is sent, sent in
batches over one SMTP connection.

Every message is first an `OutgoingEmail` row (queued) with a stable Message-ID. A sender
*claims* a chunk of queued rows (a short lease, so that the CLI and the web, or a double
click, never send the same message), sends them over one connection, and marks each row
sent or failed as soon as the server answers, committing each time. So a batch
interrupted by the SMTP server going away resumes with exactly the messages not yet sent:
no duplicates, none missing.

If the *process* dies between the server's acceptance and the commit, that one message is
sent again once its claim lapses (`MONITOR_MAIL_CLAIM_MINUTES`, default 10): at most one
duplicate per killed process (documented in the README).

What fails alone and what stops the batch:

- a recipient or message refused for good (5xx) → that row is `failed` (error kept), the
  batch goes on;
- a temporary refusal of one message (4xx) → it stays queued for the next run, the batch
  goes on;
- the server going away (disconnect, 421, timeout, refused connection) → the batch stops,
  the rest stays queued.

Sending uses `smtplib` with the `MAIL_*` settings read when sending (so tests and the CLI
can point at another server). `MAIL_SUPPRESS_SEND` (default: on under TESTING, as in
Flask-Mail) marks messages sent without connecting. With `MONITOR_MAIL_OUTBOX` set (the
demo), messages are written there as .eml files.
"""
from __future__ import annotations

import datetime as dt
import secrets
import smtplib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy.orm import Session

from ..models import OutgoingEmail, utcnow

#: How many queued messages a sender claims at a time.
CLAIM_CHUNK = 100


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
          reply_to: str | None = None, **context: Any) -> OutgoingEmail:
    """Render and record a message; `send_queued` sends it."""
    subject, text, html = render(template, lang, **context)
    domain = _sender_address().rpartition("@")[2]
    email = OutgoingEmail(kind=kind, recipient=_clean_header(to), subject=subject,
                          body_text=text, body_html=html, invitation_id=invitation_id,
                          plan_id=plan_id, reply_to=_clean_header(reply_to) if reply_to else None,
                          message_id=make_msgid(domain=domain or None), status="queued")
    session.add(email)
    return email


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    #: Refused for now (4xx): still queued, sent by a later run.
    deferred: int = 0
    #: Set when the server went away: the rest stays queued for the next run.
    interrupted: str | None = None
    #: True when the time budget ran out before the queue was empty.
    out_of_time: bool = False
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.failed + self.deferred


def pending(session: Session, ids: Iterable[int] | None = None, *, plan_id: int | None = None,
            kinds: Iterable[str] | None = None) -> list[OutgoingEmail]:
    """Queued messages nobody is sending right now, oldest first."""
    return list(session.scalars(_pending_query(ids, plan_id, kinds)))


def count_pending(session: Session, *, plan_id: int | None = None,
                  kinds: Iterable[str] | None = None) -> int:
    query = _pending_query(None, plan_id, kinds).with_only_columns(sa.func.count()).order_by(None)
    return session.scalar(query) or 0


def _pending_query(ids: Iterable[int] | None, plan_id: int | None,
                   kinds: Iterable[str] | None) -> sa.Select:
    now = utcnow()
    query = sa.select(OutgoingEmail).where(
        OutgoingEmail.status == "queued",
        sa.or_(OutgoingEmail.claimed_until.is_(None), OutgoingEmail.claimed_until < now),
    )
    if ids is not None:
        query = query.where(OutgoingEmail.id.in_(list(ids)))
    if plan_id is not None:
        query = query.where(OutgoingEmail.plan_id == plan_id)
    if kinds is not None:
        query = query.where(OutgoingEmail.kind.in_(list(kinds)))
    return query.order_by(OutgoingEmail.id)


def send_pending(session: Session, *, plan_id: int | None = None,
                 kinds: Iterable[str] | None = None, limit: int | None = None,
                 time_budget: float | None = None,
                 on_progress: Callable[[int, str], None] | None = None) -> SendReport:
    """Send what is queued (for one plan, of some kinds), at most `limit` messages."""
    query = _pending_query(None, plan_id, kinds).with_only_columns(OutgoingEmail.id)
    if limit is not None:
        query = query.limit(limit)
    ids = list(session.scalars(query))
    return send_queued(session, ids, time_budget=time_budget, on_progress=on_progress)


def send_queued(session: Session, emails: Iterable[OutgoingEmail | int], *,
                time_budget: float | None = None,
                on_progress: Callable[[int, str], None] | None = None) -> SendReport:
    """Send the given queued messages over one connection, committing after each one.

    Commits the session: call it once the change that queued the messages is committed.
    `time_budget` (seconds) stops before the next message once spent (web requests).
    `on_progress(email_id, status)` is called after each message ("sent", "failed" or
    "deferred")."""
    report = SendReport()
    ids = [e if isinstance(e, int) else e.id for e in emails]
    if not ids:
        return report
    session.commit()  # the rows to send are visible to the claim below
    started = time.monotonic()
    sender = _Sender()
    claim = None
    try:
        for start in range(0, len(ids), CLAIM_CHUNK):
            claim, rows = _claim(session, ids[start:start + CLAIM_CHUNK])
            for row in rows:
                if time_budget is not None and time.monotonic() - started > time_budget:
                    report.out_of_time = True
                    return report
                status = _send_one(session, sender, row, report)
                if on_progress:
                    on_progress(row.id, status)
            claim = None
    except _ServerGone as gone:
        session.rollback()
        report.interrupted = _describe(gone.error)
        # The message in flight stays queued, with the attempt and the error recorded.
        session.execute(sa.update(OutgoingEmail).where(OutgoingEmail.id == gone.email_id).values(
            attempts=OutgoingEmail.attempts + 1, last_error=report.interrupted))
        session.commit()
        sender.close(polite=False)
    finally:
        if claim is not None:
            _release(session, claim)
        sender.close()
    return report


def _send_one(session: Session, sender: _Sender, row: _Row, report: SendReport) -> str:
    try:
        sender.send(row)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        if 421 in codes:
            raise _ServerGone(exc, row.id) from exc
        return _refused(session, row, exc, report,
                        transient=all(400 <= code < 500 for code in codes))
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        if exc.smtp_code == 421:  # "closing the connection"
            raise _ServerGone(exc, row.id) from exc
        return _refused(session, row, exc, report, transient=400 <= exc.smtp_code < 500)
    except (smtplib.SMTPNotSupportedError, UnicodeError, ValueError) as exc:
        return _refused(session, row, exc, report, transient=False)
    except (smtplib.SMTPException, OSError) as exc:
        raise _ServerGone(exc, row.id) from exc
    _mark(session, row.id, status="sent", sent_at=utcnow(), last_error=None)
    report.sent += 1
    return "sent"


class _ServerGone(Exception):
    def __init__(self, error: Exception, email_id: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.email_id = email_id


@dataclass
class _Row:
    id: int
    recipient: str
    reply_to: str | None
    subject: str
    body_text: str
    body_html: str | None
    message_id: str
    kind: str


class _Sender:
    """One SMTP connection opened on the first message (or the outbox, or nothing)."""

    def __init__(self) -> None:
        config = current_app.config
        self.outbox = config.get("MONITOR_MAIL_OUTBOX")
        self.suppress = config.get("MAIL_SUPPRESS_SEND", current_app.testing)
        self.envelope_from = _sender_address()
        self.connection: smtplib.SMTP | None = None

    def send(self, row: _Row) -> None:
        if self.outbox:
            _write_outbox(self.outbox, row)
            return
        data = _build(row)
        if self.suppress:
            return
        if self.connection is None:
            self.connection = _connect()
        self.connection.sendmail(self.envelope_from, [row.recipient], data)

    def close(self, *, polite: bool = True) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            if polite:
                connection.quit()
            else:
                connection.close()
        except (smtplib.SMTPException, OSError):
            connection.close()


def _claim(session: Session, ids: list[int]) -> tuple[str, list[_Row]]:
    """Lease queued rows to this sender; rows leased by another live sender are left."""
    claim = secrets.token_hex(8)
    now = utcnow()
    minutes = current_app.config.get("MONITOR_MAIL_CLAIM_MINUTES", 10)
    session.execute(sa.update(OutgoingEmail).where(
        OutgoingEmail.id.in_(ids), OutgoingEmail.status == "queued",
        sa.or_(OutgoingEmail.claimed_until.is_(None), OutgoingEmail.claimed_until < now),
    ).values(claim=claim, claimed_until=now + dt.timedelta(minutes=minutes)))
    table = OutgoingEmail.__table__
    rows = [_Row(**row._mapping) for row in session.execute(
        sa.select(table.c.id, table.c.recipient, table.c.reply_to, table.c.subject,
                  table.c.body_text, table.c.body_html, table.c.message_id, table.c.kind)
        .where(table.c.claim == claim, table.c.status == "queued").order_by(table.c.id)
    )]
    session.commit()
    return claim, rows


def _release(session: Session, claim: str) -> None:
    session.rollback()
    session.execute(sa.update(OutgoingEmail).where(
        OutgoingEmail.claim == claim, OutgoingEmail.status == "queued"
    ).values(claim=None, claimed_until=None))
    session.commit()


def _mark(session: Session, email_id: int, **values: Any) -> None:
    session.execute(sa.update(OutgoingEmail).where(OutgoingEmail.id == email_id).values(
        attempts=OutgoingEmail.attempts + 1, claim=None, claimed_until=None, **values))
    session.commit()


def _refused(session: Session, row: _Row, exc: Exception, report: SendReport, *,
             transient: bool) -> str:
    error = _describe(exc)
    if transient:
        _mark(session, row.id, last_error=error)  # stays queued for the next run
        report.deferred += 1
        return "deferred"
    _mark(session, row.id, status="failed", last_error=error)
    report.failed += 1
    report.failures.append((row.recipient, error))
    return "failed"


def _sender() -> str:
    sender = current_app.config.get("MAIL_DEFAULT_SENDER") or "monitor@localhost"
    if isinstance(sender, (tuple, list)):
        sender = f"{sender[0]} <{sender[1]}>"
    return str(sender)


def _sender_address() -> str:
    return parseaddr(_sender())[1] or "monitor@localhost"


def _connect() -> smtplib.SMTP:
    config = current_app.config
    timeout = config.get("MAIL_TIMEOUT", 30)
    host, port = config.get("MAIL_SERVER") or "localhost", int(config.get("MAIL_PORT") or 25)
    if config.get("MAIL_USE_SSL"):
        connection: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout)
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
    if config.get("MAIL_USE_TLS"):
        connection.starttls()
    if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
        connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return connection


def build_message(email: OutgoingEmail | _Row) -> bytes:
    """The RFC 5322 bytes of a recorded message: text and HTML alternatives, UTF-8."""
    return _build(email)


def _build(email: OutgoingEmail | _Row) -> bytes:
    message = MIMEMultipart("alternative")
    message.attach(MIMEText(email.body_text, "plain", "utf-8"))
    if email.body_html:
        message.attach(MIMEText(email.body_html, "html", "utf-8"))
    sender_name, sender_address = parseaddr(_sender())
    message["Subject"] = Header(_clean_header(email.subject), "utf-8")
    message["From"] = (f"{Header(sender_name, 'utf-8').encode()} <{sender_address}>"
                       if sender_name else sender_address)
    message["To"] = _clean_header(email.recipient)
    if email.reply_to:
        message["Reply-To"] = _clean_header(email.reply_to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = email.message_id  # stable across attempts
    message["Auto-Submitted"] = "auto-generated"
    return message.as_bytes()


def _write_outbox(directory: str, email: _Row) -> None:
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    (path / f"{email.id:06d}-{email.kind}.eml").write_bytes(_build(email))


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
