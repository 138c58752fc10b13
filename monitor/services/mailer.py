"""Email: rendered in the recipient's language, recorded before it is sent, sent in
batches over one SMTP connection.

Every message is first an `OutgoingEmail` row (queued) with a stable Message-ID
(`queue`, or `queue_merged` for a batch: one rendering per language, each recipient's
name and link filled in). A sender *claims* a chunk of queued rows (a lease, so that the
CLI and the web, or a double click, never send the same message), sends them over one
connection, and records each row sent or failed as soon as the server answers. So a
batch interrupted by the SMTP server going away resumes with exactly the messages not yet
sent: no duplicates, none missing.

Recording runs on a database connection of its own in a helper thread, so that the write
for one message overlaps the MAIL/RCPT exchange of the next; the next message's DATA
(the server's acceptance) waits until the previous outcome is committed. If the
*process* dies between the server's acceptance and that commit, that one message is sent
again once its claim lapses (`MONITOR_MAIL_CLAIM_MINUTES`, default 10): at most one
duplicate per killed process (documented in the README).

What fails alone and what stops the batch:

- a recipient or message refused for good (5xx) → that row is `failed` (error kept), the
  batch goes on;
- a temporary refusal of one message (4xx) → it stays queued for the next run, the batch
  goes on;
- the server going away (disconnect, 421, timeout, refused connection) → the batch stops,
  the rest stays queued.

Messages are built with the standard library's `EmailMessage` (monitor/mime.py) and sent with
`smtplib`, with the `MAIL_*` settings read when sending (so tests and the CLI can point at
another server; `MAIL_TIMEOUT`, default 30 s). `MAIL_SUPPRESS_SEND` (default: on under
TESTING) marks messages sent without connecting. With `MONITOR_MAIL_OUTBOX` set (the
demo), messages are written there as .eml files.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import queue as queue_module
import secrets
import smtplib
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import make_msgid, parseaddr
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy.orm import Session

from .. import mime
from ..mime import clean_header as _clean_header
from ..models import DigestItem, OutgoingEmail, User, utcnow

#: How many queued messages a sender claims at a time.
CLAIM_CHUNK = 100

_TABLE = OutgoingEmail.__table__
_INSERT = sa.insert(_TABLE)


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
        text = render_template(f"email/{template}.txt", **full_context).lstrip()
        html = render_template(f"email/{template}.html", **full_context)
    # The subject block renders at the top of the text too: keep it out of the body.
    if subject and text.startswith(subject):
        text = text[len(subject):].lstrip()
    return _clean_header(subject), _tidy(text), html


def _tidy(text: str) -> str:
    """At most one blank line in a row (Jinja's control lines leave more)."""
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"


def queue(session: Session, *, kind: str, to: str, template: str, lang: str,
          invitation_id: int | None = None, plan_id: int | None = None,
          reply_to: str | None = None, **context: Any) -> OutgoingEmail:
    """Render and record a message; `send_queued` sends it."""
    subject, text, html = render(template, lang, **context)
    domain = _sender_domain()
    email = OutgoingEmail(kind=kind, recipient=_clean_header(to), subject=subject,
                          body_text=text, body_html=html, invitation_id=invitation_id,
                          plan_id=plan_id, reply_to=_clean_header(reply_to) if reply_to else None,
                          message_id=make_msgid(domain=domain), status="queued")
    session.add(email)
    return email


# --- per-event notices: one email each, or the user's daily digest -----------------------

#: The notices a user who chose the daily digest receives in it instead of one email each,
#: in the digest's order, with its headings. Never security mail (password reset, two-step
#: changes, address changes), invitations or receipts: those always go at once.
DIGEST_KINDS = {
    "evaluation_awaiting_approval": _l("Evaluations awaiting your approval"),
    "evaluation_returned": _l("Evaluations returned for changes"),
    "evaluation_clarification": _l("Clarifications requested by the coordinator"),
    "reply_response": _l("Responses of the government"),
    "join_request_received": _l("Requests to join a plan"),
}


def notify(session: Session, user: User | None, *, kind: str, to: str, template: str,
           lang: str, plan_id: int | None = None, **context: Any
           ) -> OutgoingEmail | DigestItem:
    """A per-event notice for `user` (who reads `to`): queued as an email, or kept for the
    user's daily digest when they chose it (the mail worker sends it)."""
    if user is None or not user.email_digest or kind not in DIGEST_KINDS:
        return queue(session, kind=kind, to=to, template=template, lang=lang,
                     plan_id=plan_id, **context)
    subject, text, _html = render(template, lang, **context)
    item = DigestItem(user_id=user.id, kind=kind, plan_id=plan_id, subject=subject,
                      summary=text.split("\n\n", 1)[0].strip(), link=context.get("link"))
    session.add(item)
    return item


# --- messages rendered by their sender ------------------------------------------------------

#: For each template rendered when sent, how its sender builds (language, context) from
#: the data queued with it (registered with `rendered_when_sent`).
_WHEN_SENT: dict[str, Callable[[Session, dict[str, Any]], tuple[str, dict[str, Any]]]] = {}


def rendered_when_sent(template: str) -> Callable[[Callable], Callable]:
    """Register the function `(session, data) -> (lang, context)` with which the sender
    renders `template` for a message queued with `queue_when_sent`."""
    def register(function: Callable) -> Callable:
        _WHEN_SENT[template] = function
        return function
    return register


def queue_when_sent(session: Session, *, kind: str, to: str, template: str,
                    data: dict[str, Any], plan_id: int | None = None) -> None:
    """Record a message that its sender renders, in the recipient's language at that time:
    the caller's transaction stores only `data` (ids, and what cannot be read again
    later), with one plain INSERT. A request then spends nothing on templates (a
    submission's receipt email cost a third of the submission)."""
    session.execute(_INSERT, {
        "kind": kind, "invitation_id": None, "plan_id": plan_id,
        "recipient": _clean_header(to), "reply_to": None, "subject": "", "body_text": "",
        "body_html": None, "message_id": make_msgid(domain=_sender_domain()),
        "status": "queued", "attempts": 0, "created_at": utcnow(), "template": template,
        "template_data": data})


def _render_claimed(session: Session, recorder: _Recorder, rows: list[_Row],
                    report: SendReport) -> list[_Row]:
    """Render the claimed messages queued with `queue_when_sent` and record their text
    before sending (a retry sends the same text). One that cannot be rendered fails alone,
    its error kept. Returns the rows to send."""
    ready = []
    for row in rows:
        if row.template is None:
            ready.append(row)
            continue
        try:
            lang, context = _WHEN_SENT[row.template](session, row.template_data or {})
            subject, text, html = render(row.template, lang, **context)
        except Exception as exc:  # noqa: BLE001 - recorded on the message, which fails alone
            error = f"not rendered: {_describe(exc)}"
            recorder.submit(lambda conn, row=row, error=error: _mark(
                conn, row.id, status="failed", last_error=error))
            report.failed += 1
            report.failures.append((row.recipient, error))
            continue
        row = dataclasses.replace(row, subject=subject, body_text=text, body_html=html,
                                  template=None, template_data=None)
        recorder.submit(lambda conn, row=row: _commit(conn, _RENDERED, {
            "email_id": row.id, "new_subject": row.subject, "new_body_text": row.body_text,
            "new_body_html": row.body_html}))
        ready.append(row)
    session.commit()  # ends the reads' transaction (nothing else was changed)
    return ready


# --- mail merge: one rendering per language for a whole batch ------------------------------


def placeholder(name: str) -> str:
    """A marker rendered in place of a per-recipient value (private-use characters that
    never occur in real text and survive HTML escaping)."""
    return f"\ue000{name}\ue001"


@dataclass
class Recipient:
    to: str
    #: Values for the placeholders, as plain text (escaped for the HTML part here).
    fields: dict[str, str]
    invitation_id: int | None = None


def queue_merged(session: Session, *, kind: str, template: str, lang: str,
                 recipients: list[Recipient], plan_id: int | None = None,
                 reply_to: str | None = None, **context: Any) -> list[int]:
    """Queue one message per recipient from a single rendering: the context holds
    `placeholder(name)` where each recipient's `fields[name]` goes. Returns the new ids in
    the recipients' order. Thousands of invitations queue in a second or two."""
    if not recipients:
        return []
    subject, text, html = render(template, lang, **context)
    domain = _sender_domain()
    reply = _clean_header(reply_to) if reply_to else None
    now = utcnow()
    rows = []
    for recipient in recipients:
        r_subject, r_text, r_html = subject, text, html
        for name, value in recipient.fields.items():
            marker = placeholder(name)
            r_subject = r_subject.replace(marker, _clean_header(value))
            r_text = r_text.replace(marker, value)
            r_html = r_html.replace(marker, str(escape(value)))
        rows.append({
            "kind": kind, "invitation_id": recipient.invitation_id, "plan_id": plan_id,
            "recipient": _clean_header(recipient.to), "reply_to": reply, "subject": r_subject,
            "body_text": r_text, "body_html": r_html, "message_id": make_msgid(domain=domain),
            "status": "queued", "attempts": 0, "created_at": now,
        })
    return list(session.scalars(
        sa.insert(OutgoingEmail).returning(OutgoingEmail.id, sort_by_parameter_order=True),
        rows))


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
                 time_budget: float | None = None, timeout: float | None = None,
                 on_progress: Callable[[int, str], None] | None = None) -> SendReport:
    """Send what is queued (for one plan, of some kinds), at most `limit` messages."""
    query = _pending_query(None, plan_id, kinds).with_only_columns(OutgoingEmail.id)
    if limit is not None:
        query = query.limit(limit)
    ids = list(session.scalars(query))
    return send_queued(session, ids, time_budget=time_budget, timeout=timeout,
                       on_progress=on_progress)


def send_queued(session: Session, emails: Iterable[OutgoingEmail | int], *,
                time_budget: float | None = None, timeout: float | None = None,
                on_progress: Callable[[int, str], None] | None = None) -> SendReport:
    """Send the given queued messages over one SMTP connection, recording each outcome
    as soon as the server answers.

    Commits the session first (call it once the change that queued the messages is
    committed). Outcomes are written by a `_Recorder` on a database connection of its
    own. `time_budget` (seconds) stops before the next message once spent, and `timeout`
    bounds each SMTP wait (default `MAIL_TIMEOUT`): web requests pass both.
    `on_progress(email_id, status)` is called after each message ("sent", "failed" or
    "deferred")."""
    report = SendReport()
    ids = [e if isinstance(e, int) else e.id for e in emails]
    if not ids:
        return report
    session.commit()  # the rows to send are visible to the claim below
    started = time.monotonic()
    minutes = current_app.config.get("MONITOR_MAIL_CLAIM_MINUTES", 10)
    sender = _Sender(timeout)
    recorder = _Recorder(session.get_bind())
    builder, from_header = ThreadPoolExecutor(1, "monitor-mail-build"), _sender()
    claim: str | None = None
    try:
        for start in range(0, len(ids), CLAIM_CHUNK):
            chunk = ids[start:start + CLAIM_CHUNK]
            claim, rows = recorder.call(lambda conn, chunk=chunk: _claim(conn, chunk, minutes))
            rows = _render_claimed(session, recorder, rows, report)
            # Built in a helper thread while the messages before are sent (it waits on I/O).
            built = [builder.submit(mime.build, row, from_header) for row in rows]
            for row, data in zip(rows, built):
                if time_budget is not None and time.monotonic() - started > time_budget:
                    report.out_of_time = True
                    return report
                status = _send_one(recorder, sender, row, data, report)
                if on_progress:
                    on_progress(row.id, status)
            recorder.wait()
            claim = None
    except _ServerGone as gone:
        sender.close(polite=False)
        report.interrupted = _describe(gone.error)
        # The message in flight stays queued, with the attempt and the error recorded.
        in_flight = gone.email_id
        recorder.call(lambda conn: _mark(conn, in_flight, keep_claim=False,
                                         last_error=report.interrupted, count=True))
    finally:
        try:
            if claim is not None:
                current = claim
                recorder.call(lambda conn: _release(conn, current))
        finally:
            recorder.close()
            sender.close()
            builder.shutdown(cancel_futures=True)
    session.expire_all()  # rows changed under the session
    return report


def _send_one(recorder: _Recorder, sender: _Sender, row: _Row, data: Future[bytes],
              report: SendReport) -> str:
    """One message. The previous message's outcome is committed before this one can be
    accepted (so a killed process leaves at most one message accepted but unrecorded),
    while recording it overlaps this message's first SMTP exchanges."""
    try:
        message = data.result()  # its build's error (a non-ASCII address) is this message's
        sender.begin(row)  # MAIL FROM, RCPT TO
        recorder.wait()
        sender.finish(message)  # DATA: the server accepts the message
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        if 421 in codes:
            raise _ServerGone(exc, row.id) from exc
        return _refused(recorder, row, exc, report,
                        transient=all(400 <= code < 500 for code in codes))
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        if exc.smtp_code == 421:  # "closing the connection"
            raise _ServerGone(exc, row.id) from exc
        return _refused(recorder, row, exc, report, transient=400 <= exc.smtp_code < 500)
    except (smtplib.SMTPNotSupportedError, UnicodeError, ValueError) as exc:
        return _refused(recorder, row, exc, report, transient=False)
    except (smtplib.SMTPException, OSError) as exc:
        raise _ServerGone(exc, row.id) from exc
    now = utcnow()
    recorder.submit(lambda conn: _commit(conn, _MARK_SENT, {"email_id": row.id, "now": now}))
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
    template: str | None = None
    template_data: dict[str, Any] | None = None


class _Recorder:
    """Records outcomes in order, in a thread with its own database connection, so that
    the database write of one message overlaps the SMTP exchange of the next (both wait
    on I/O). `wait()` returns once everything submitted is committed, and raises what
    went wrong there."""

    def __init__(self, engine: sa.Engine) -> None:
        self._jobs: queue_module.Queue = queue_module.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(engine,), daemon=True,
                                        name="monitor-mail-recorder")
        self._thread.start()

    def _run(self, engine: sa.Engine) -> None:
        try:
            conn = engine.connect()
        except BaseException as exc:  # noqa: BLE001 - reported by wait()
            self._error = exc
            conn = None
        try:
            while True:
                job = self._jobs.get()
                try:
                    if job is None:
                        return
                    function, box = job
                    if self._error is None and conn is not None:
                        try:
                            box.append(function(conn))
                        except BaseException as exc:  # noqa: BLE001 - reported by wait()
                            self._error = exc
                            conn.rollback()
                finally:
                    self._jobs.task_done()
        finally:
            if conn is not None:
                conn.close()

    def submit(self, function: Callable[[sa.Connection], Any]) -> list[Any]:
        box: list[Any] = []
        self._jobs.put((function, box))
        return box

    def wait(self) -> None:
        self._jobs.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def call(self, function: Callable[[sa.Connection], Any]) -> Any:
        box = self.submit(function)
        self.wait()
        return box[0] if box else None

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join()


class _Sender:
    """One SMTP connection opened on the first message (or the outbox, or nothing)."""

    def __init__(self, timeout: float | None = None) -> None:
        config = current_app.config
        self.timeout = timeout if timeout is not None else config.get("MAIL_TIMEOUT", 30)
        self.outbox = config.get("MONITOR_MAIL_OUTBOX")
        self.suppress = config.get("MAIL_SUPPRESS_SEND", current_app.testing)
        self.envelope_from = _sender_address()
        self.connection: smtplib.SMTP | None = None
        self.row: _Row | None = None

    def begin(self, row: _Row) -> None:
        """MAIL FROM and RCPT TO, refusals raised as `smtplib.sendmail` raises them."""
        self.row = row
        if self.outbox or self.suppress:
            return
        if self.connection is None:
            self.connection = _connect(self.timeout)
        connection = self.connection
        connection.ehlo_or_helo_if_needed()
        code, response = connection.mail(self.envelope_from)
        if code != 250:
            self._reset(code)
            raise smtplib.SMTPSenderRefused(code, response, self.envelope_from)
        code, response = connection.rcpt(row.recipient)
        if code not in (250, 251):
            self._reset(code)
            raise smtplib.SMTPRecipientsRefused({row.recipient: (code, response)})

    def finish(self, data: bytes) -> None:
        if self.outbox and self.row is not None:
            _write_outbox(self.outbox, self.row)
            return
        if self.suppress or self.connection is None:
            return
        code, response = self.connection.data(data)
        if code != 250:
            self._reset(code)
            raise smtplib.SMTPDataError(code, response)

    def _reset(self, code: int) -> None:
        if self.connection is None:
            return
        if code == 421:
            self.connection.close()
        else:
            self.connection.rset()

    def close(self, *, polite: bool = True) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            if polite and connection.sock is not None:
                connection.quit()
            else:
                connection.close()
        except (smtplib.SMTPException, OSError):
            connection.close()


def _claim(conn: sa.Connection, ids: list[int], minutes: float) -> tuple[str, list[_Row]]:
    """Lease queued rows to this sender; rows leased by another live sender are left."""
    claim = secrets.token_hex(8)
    now = utcnow()
    conn.execute(_TABLE.update().where(
        _TABLE.c.id.in_(ids), _TABLE.c.status == "queued",
        sa.or_(_TABLE.c.claimed_until.is_(None), _TABLE.c.claimed_until < now),
    ).values(claim=claim, claimed_until=now + dt.timedelta(minutes=minutes)))
    rows = [_Row(**row._mapping) for row in conn.execute(
        sa.select(_TABLE.c.id, _TABLE.c.recipient, _TABLE.c.reply_to, _TABLE.c.subject,
                  _TABLE.c.body_text, _TABLE.c.body_html, _TABLE.c.message_id, _TABLE.c.kind,
                  _TABLE.c.template, _TABLE.c.template_data)
        .where(_TABLE.c.claim == claim, _TABLE.c.status == "queued").order_by(_TABLE.c.id)
    )]
    conn.commit()
    return claim, rows


def _release(conn: sa.Connection, claim: str) -> None:
    conn.execute(_TABLE.update().where(_TABLE.c.claim == claim, _TABLE.c.status == "queued")
                 .values(claim=None, claimed_until=None))
    conn.commit()


# Core statements (no ORM bookkeeping): one UPDATE and one COMMIT per message.
_MARK_SENT = _TABLE.update().where(_TABLE.c.id == sa.bindparam("email_id")).values(
    status="sent", attempts=_TABLE.c.attempts + 1, sent_at=sa.bindparam("now"), last_error=None,
    claim=None, claimed_until=None)


_RENDERED = _TABLE.update().where(_TABLE.c.id == sa.bindparam("email_id")).values(
    subject=sa.bindparam("new_subject"), body_text=sa.bindparam("new_body_text"),
    body_html=sa.bindparam("new_body_html"), template=None, template_data=None)


def _commit(conn: sa.Connection, statement: Any, params: dict[str, Any]) -> None:
    conn.execute(statement, params)
    conn.commit()


def _mark(conn: sa.Connection, email_id: int, *, keep_claim: bool = False, count: bool = True,
          **values: Any) -> None:
    if not keep_claim:
        values |= {"claim": None, "claimed_until": None}
    if count:
        values["attempts"] = _TABLE.c.attempts + 1
    conn.execute(_TABLE.update().where(_TABLE.c.id == email_id).values(**values))
    conn.commit()


def _refused(recorder: _Recorder, row: _Row, exc: Exception, report: SendReport, *,
             transient: bool) -> str:
    error = _describe(exc)
    if transient:
        recorder.submit(lambda conn: _mark(conn, row.id, last_error=error))  # stays queued
        report.deferred += 1
        return "deferred"
    recorder.submit(lambda conn: _mark(conn, row.id, status="failed", last_error=error))
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


def _sender_domain() -> str | None:
    """The Message-ID's domain: the sender's."""
    return _sender_address().rpartition("@")[2] or None


def _connect(timeout: float) -> smtplib.SMTP:
    config = current_app.config
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
    return mime.build(email, _sender())


def _write_outbox(directory: str, email: _Row) -> None:
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    (path / f"{email.id:06d}-{email.kind}.eml").write_bytes(build_message(email))


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
