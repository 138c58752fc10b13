"""The security log: failed sign-ins, throttling, CSRF failures and refused object
accesses, one line each on the Python logger "monitor.security" (route it to a file or
syslog in production). Never a password or a token; every value escaped, so that a CR/LF
sent by a client cannot forge a second line.

Each event is also counted per kind, governing body and hour (`security_event`) when it
lies in a body's scope, for that body's coordinators' audit page: a refused access to one
of its objects, a failed sign-in, throttling or a CSRF failure on one of its coordinators'
accounts. Events tied to no body (an unknown address, an anonymous visitor, an NGO account)
are only logged: no count of them could be shown without telling one body about another's
activity or the NGOs'."""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .extensions import db
from .models import SecurityEvent, utcnow

logger = logging.getLogger("monitor.security")
#: A counter that could not be written (the request goes on; the event line was logged).
_store_logger = logging.getLogger("monitor.security.counters")

#: The kinds counted, in the order the audit page shows them.
KINDS = ("signin.failed", "throttled", "csrf.failed", "access.refused")
#: Counters older than this many days are deleted by the periodic clean-up.
DEFAULT_RETENTION_DAYS = 90

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\\\"]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t", "\\": "\\\\", '"': '\\"'}


def escape(value: object) -> str:
    """One line, whatever the value holds: control characters as \\r, \\n, \\xNN..."""
    text = str(value)
    return _UNSAFE.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"
                                            if ord(m.group()) < 256 else
                                            f"\\u{ord(m.group()):04x}"), text)


def event(name: str, *, bodies: Iterable[int | None] | None = None, **fields: object) -> None:
    """Log `name` with `fields` and, inside a request, the client's address, the method,
    the path, the signed-in user's id and the request id; then count it for `bodies` (by
    default: the signed-in coordinator's body)."""
    values: dict[str, object] = {}
    user = None
    if has_request_context():
        from flask_login import current_user

        values |= {"ip": request.remote_addr or "", "method": request.method,
                   "path": request.path, "request_id": g.get("request_id", "")}
        user = current_user._get_current_object() if current_user else None
        user_id = getattr(user, "id", None)
        if user_id is not None:
            values["user"] = user_id
    values |= {key: value for key, value in fields.items() if value is not None}
    logger.warning("%s %s", name, " ".join(f'{key}="{escape(value)}"'
                                             for key, value in values.items()))
    if bodies is None:
        bodies = [coordinator_body(user)]
    count(name, bodies)


def coordinator_body(user: object) -> int | None:
    """The body of a coordinator's account (None for anybody else): whose scope an event
    on that account lies in."""
    if getattr(user, "role", None) == "coordinator":
        return getattr(user, "body_id", None)
    return None


def _upsert(dialect: str) -> sa.Insert:
    table = SecurityEvent.__table__
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return insert.on_conflict_do_update(index_elements=["kind", "body_id", "hour"],
                                        set_={"events": table.c.events + 1})


def count(kind: str, bodies: Iterable[int | None], now: dt.datetime | None = None) -> None:
    """Add one `kind` event to this hour's counter of each body, in a short transaction of
    its own (the request's may yet be rolled back). A failure is logged, never raised: the
    request goes on."""
    body_ids = sorted({b for b in bodies if b is not None})
    if not body_ids or kind not in KINDS:
        return
    hour = (now or utcnow()).replace(minute=0, second=0, microsecond=0)
    try:
        with db.engine.begin() as conn:
            statement = _upsert(conn.dialect.name)
            for body_id in body_ids:
                conn.execute(statement.values(kind=kind, body_id=body_id, hour=hour, events=1))
    except Exception:  # noqa: BLE001 - a counter must never break the request
        _store_logger.warning("security event %s not counted for bodies %s", kind,
                              escape(body_ids), exc_info=True)


#: The windows the audit page shows, in hours.
WINDOWS = {"day": 24, "week": 24 * 7, "month": 24 * 30}


def counts(session: Session, body_id: int | None,
           now: dt.datetime | None = None) -> dict[str, dict[str, int]]:
    """{kind: {"day": n, "week": n, "month": n}} for the events in `body_id`'s scope over
    the last 24 hours, 7 days and 30 days (whole hours). `body_id` None: a coordinator
    without a body, who oversees every body, reads the sum over all bodies."""
    now = (now or utcnow()).replace(minute=0, second=0, microsecond=0)
    table = SecurityEvent.__table__
    since = {name: now - dt.timedelta(hours=hours - 1) for name, hours in WINDOWS.items()}
    columns = [sa.func.coalesce(sa.func.sum(sa.case((table.c.hour >= start, table.c.events),
                                                    else_=0)), 0).label(name)
               for name, start in since.items()]
    query = (sa.select(table.c.kind, *columns)
             .where(table.c.hour >= min(since.values()))
             .group_by(table.c.kind))
    if body_id is not None:
        query = query.where(table.c.body_id == body_id)
    found = {row.kind: {name: int(row._mapping[name]) for name in WINDOWS}
             for row in session.execute(query)}
    return {kind: found.get(kind, dict.fromkeys(WINDOWS, 0)) for kind in KINDS}


def forget_old_counts(session: Session, days: int, now: dt.datetime | None = None) -> int:
    """Delete the counters older than `days` days; return how many rows went."""
    before = (now or utcnow()) - dt.timedelta(days=days)
    result = session.execute(sa.delete(SecurityEvent).where(SecurityEvent.hour < before))
    return result.rowcount or 0
