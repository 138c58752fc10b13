"""Server-side sessions: the cookie holds only a random id (256 bits); the session lives
in the database (`server_session`, keyed by the SHA-256 of the id, so that a backup holds
no live session) or, with `MONITOR_SESSION_STORE_URI=redis://…`, in Redis (keyed by the
same hash) for several instances.

A Flask `SessionInterface` of our own rather than Flask-Session: Flask-Session stores
the id itself as the key (a database dump or `KEYS *` would hand out live sessions), has
no absolute lifetime besides the idle one, and leaves regeneration to the application.
This one is small and gives exactly what the security issue asks:

- a new id at sign-in and after the second factor (`regenerate()`), the old record gone;
- sign-out deletes the record, so a copied cookie stops working at once;
- `MONITOR_SESSION_IDLE_MINUTES` (120) without a request, or `MONITOR_SESSION_MAX_HOURS`
  (12) after the sign-in, end the session; the next request is told, in its language,
  that it was signed out (`ended`).

The last request's time is written at most once a minute (`TOUCH_SECONDS`), so a
read-only page costs one indexed read and no write.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, Request, Response, flash, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import CallbackDict

from . import security_log
from .models import utcnow
from .models.sessions import ServerSession

#: The last-seen time is rewritten only when older than this (a minute of idle-timeout
#: precision saves a write per request).
TOUCH_SECONDS = 60
_ID = re.compile(r"[A-Za-z0-9_-]{43}")
_SERIALIZER = TaggedJSONSerializer()
#: In the session that follows one that ended: the id of the user it belonged to.
SIGNED_OUT_USER = "signed_out_user"


def hash_id(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


class ServerSideSession(CallbackDict, SessionMixin):
    """A session whose content is stored on the server under `sid`."""

    def __init__(self, initial: dict | None = None, *, sid: str | None = None,
                 created_at: dt.datetime | None = None,
                 accessed_at: dt.datetime | None = None) -> None:
        def on_update(self: ServerSideSession) -> None:
            self.modified = True
            self.accessed = True

        super().__init__(initial, on_update)
        self.sid = sid
        self.created_at = created_at
        self.accessed_at = accessed_at
        self.modified = False
        self.accessed = False
        self.regenerate_id = False
        #: "idle" or "lifetime" when the cookie named a signed-in session that just ended.
        self.ended: str | None = None
        self.ended_user_id: int | None = None

    def __getitem__(self, key: str) -> Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().get(key, default)

    def regenerate(self) -> None:
        """A new id when this response is sent; the old record is deleted (sign-in, the
        second factor, sign-out)."""
        self.regenerate_id = True
        self.modified = True


@dataclass
class Record:
    data: str
    user_id: int | None
    created_at: dt.datetime
    accessed_at: dt.datetime


def _user_id(data: dict) -> int | None:
    raw = str(data.get("_user_id") or "")
    head = raw.split(":", 1)[0]
    return int(head) if head.isdigit() else None


_LOAD = sa.select(ServerSession.data, ServerSession.user_id, ServerSession.created_at,
                  ServerSession.accessed_at).where(ServerSession.id_hash == sa.bindparam("key"))


class DatabaseStore:
    """Rows of `server_session`. Writes go on a connection of their own: a session write
    never commits (or waits for) the view's own transaction. The read at the start of a
    request goes on the request's own connection, which the view then uses: a second
    connection per request cost a pool check-out, its ping and its reset (three round
    trips on PostgreSQL)."""

    table = ServerSession.__table__

    def __init__(self) -> None:
        from .extensions import db

        self._db = db

    def load(self, key: str) -> Record | None:
        row = self._db.session.execute(_LOAD, {"key": key}).first()
        return Record(*row) if row else None

    def create(self, key: str, record: Record) -> None:
        with self._db.engine.begin() as conn:
            conn.execute(self.table.insert().values(
                id_hash=key, data=record.data, user_id=record.user_id,
                created_at=record.created_at, accessed_at=record.accessed_at))

    def update(self, key: str, record: Record) -> None:
        with self._db.engine.begin() as conn:
            conn.execute(self.table.update().where(self.table.c.id_hash == key).values(
                data=record.data, user_id=record.user_id, accessed_at=record.accessed_at))

    def touch(self, key: str, when: dt.datetime) -> None:
        with self._db.engine.begin() as conn:
            conn.execute(self.table.update().where(self.table.c.id_hash == key)
                         .values(accessed_at=when))

    def delete(self, key: str) -> None:
        with self._db.engine.begin() as conn:
            conn.execute(self.table.delete().where(self.table.c.id_hash == key))

    def delete_user(self, user_id: int) -> None:
        with self._db.engine.begin() as conn:
            conn.execute(self.table.delete().where(self.table.c.user_id == user_id))

    def purge(self, idle_before: dt.datetime, started_before: dt.datetime) -> int:
        """Forget sessions that ended without a sign-out (at each sign-in, and by the
        periodic `clean_up`); return how many rows went."""
        with self._db.engine.begin() as conn:
            return conn.execute(self.table.delete().where(sa.or_(
                self.table.c.accessed_at < idle_before,
                self.table.c.created_at < started_before))).rowcount or 0


class RedisStore:
    """The same records in Redis, each key expiring after the idle timeout; a set per
    user lists that user's sessions."""

    def __init__(self, url: str, idle_seconds: int, prefix: str = "monitor:session:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._idle = idle_seconds
        self._prefix = prefix

    def _key(self, key: str) -> str:
        return self._prefix + key

    def _user_key(self, user_id: int) -> str:
        return f"{self._prefix}user:{user_id}"

    def load(self, key: str) -> Record | None:
        raw = self._redis.get(self._key(key))
        if raw is None:
            return None
        value = json.loads(raw)
        return Record(value["d"], value["u"], dt.datetime.fromisoformat(value["c"]),
                      dt.datetime.fromisoformat(value["a"]))

    def _write(self, key: str, record: Record) -> None:
        value = json.dumps({"d": record.data, "u": record.user_id,
                            "c": record.created_at.isoformat(),
                            "a": record.accessed_at.isoformat()})
        pipe = self._redis.pipeline()
        pipe.set(self._key(key), value, ex=self._idle + TOUCH_SECONDS)
        if record.user_id is not None:
            pipe.sadd(self._user_key(record.user_id), key)
        pipe.execute()

    create = update = _write

    def touch(self, key: str, when: dt.datetime) -> None:
        record = self.load(key)
        if record is not None:
            record.accessed_at = when
            self._write(key, record)

    def delete(self, key: str) -> None:
        self._redis.delete(self._key(key))

    def delete_user(self, user_id: int) -> None:
        keys = [k.decode() for k in self._redis.smembers(self._user_key(user_id))]
        if keys:
            self._redis.delete(*[self._key(k) for k in keys])
        self._redis.delete(self._user_key(user_id))

    def purge(self, idle_before: dt.datetime, started_before: dt.datetime) -> int:
        """Redis expires idle keys itself."""
        return 0


class ServerSessionInterface(SessionInterface):
    serializer = _SERIALIZER

    def __init__(self, store: DatabaseStore | RedisStore, *, idle: dt.timedelta,
                 lifetime: dt.timedelta) -> None:
        self.store = store
        self.idle = idle
        self.lifetime = lifetime

    def open_session(self, app: Flask, request: Request) -> ServerSideSession:
        raw = request.cookies.get(self.get_cookie_name(app), "")
        if not _ID.fullmatch(raw):
            return ServerSideSession()
        key = hash_id(raw)
        record = self.store.load(key)
        if record is None:  # signed out, ended, or never issued: a new, empty session
            return ServerSideSession()
        now = utcnow()
        ended = ("lifetime" if now - record.created_at > self.lifetime else
                 "idle" if now - record.accessed_at > self.idle else None)
        if ended:
            self.store.delete(key)
            fresh = ServerSideSession()
            if record.user_id is not None:
                fresh.ended, fresh.ended_user_id = ended, record.user_id
            return fresh
        try:
            data = self.serializer.loads(record.data)
        except (ValueError, TypeError):
            return ServerSideSession()
        return ServerSideSession(data, sid=raw, created_at=record.created_at,
                                 accessed_at=record.accessed_at)

    def save_session(self, app: Flask, session: ServerSideSession,  # type: ignore[override]
                     response: Response) -> None:
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        if session.accessed:
            response.vary.add("Cookie")
        sid = session.sid
        if sid and (session.regenerate_id or (session.modified and not session)):
            self.store.delete(hash_id(sid))
            sid = None
        if not session:
            if session.sid and session.modified:
                response.delete_cookie(name, domain=domain, path=path,
                                       secure=self.get_cookie_secure(app),
                                       samesite=self.get_cookie_samesite(app),
                                       httponly=self.get_cookie_httponly(app))
            return
        now = utcnow()
        data = self.serializer.dumps(dict(session))
        if sid is None:
            if _user_id(session) is not None:  # a sign-in: forget sessions that ended unseen
                self.store.purge(now - self.idle, now - self.lifetime)
            sid = secrets.token_urlsafe(32)
            self.store.create(hash_id(sid), Record(data, _user_id(session), now, now))
            response.set_cookie(
                name, sid, expires=self.get_expiration_time(app, session), domain=domain,
                path=path, secure=self.get_cookie_secure(app),
                samesite=self.get_cookie_samesite(app),
                httponly=self.get_cookie_httponly(app), partitioned=False)
            session.sid = sid
        elif session.modified:
            self.store.update(hash_id(sid), Record(data, _user_id(session),
                                                   session.created_at or now, now))
        elif session.accessed_at is None or \
                (now - session.accessed_at).total_seconds() > TOUCH_SECONDS:
            self.store.touch(hash_id(sid), now)


@dataclass
class CleanUp:
    sessions: int
    security_counters: int


def clean_up(app: Flask, now: dt.datetime | None = None) -> CleanUp:
    """Delete the session rows that ended unseen (idle or past their lifetime) and the
    security-event counters older than `MONITOR_SECURITY_EVENT_DAYS`. Run by the mail
    worker's loop (at most hourly) and `flask --app monitor sessions clean`."""
    from .extensions import db

    now = now or utcnow()
    interface = app.session_interface
    sessions = (interface.store.purge(now - interface.idle, now - interface.lifetime)
                if isinstance(interface, ServerSessionInterface) else 0)
    days = int(app.config.get("MONITOR_SECURITY_EVENT_DAYS")
               or security_log.DEFAULT_RETENTION_DAYS)
    counters = security_log.forget_old_counts(db.session, days, now)
    db.session.commit()
    return CleanUp(sessions, counters)


def register(app: Flask) -> None:
    """Install the interface and the notice for a session that ended."""
    idle = dt.timedelta(minutes=float(app.config["MONITOR_SESSION_IDLE_MINUTES"]))
    lifetime = dt.timedelta(hours=float(app.config["MONITOR_SESSION_MAX_HOURS"]))
    uri = app.config.get("MONITOR_SESSION_STORE_URI") or ""
    store: DatabaseStore | RedisStore
    if uri.startswith(("redis://", "rediss://", "unix://")):
        store = RedisStore(uri, int(idle.total_seconds()))
    else:
        store = DatabaseStore()
    app.session_interface = ServerSessionInterface(store, idle=idle, lifetime=lifetime)

    def tell_that_the_session_ended() -> None:
        ended = getattr(session, "ended", None)
        if ended:
            # Whose it was: answers posted from the pages still open are kept for them.
            session[SIGNED_OUT_USER] = session.ended_user_id
        if ended == "idle":
            flash(_("You were signed out after inactivity. Please sign in again."), "info")
        elif ended == "lifetime":
            hours = int(lifetime.total_seconds() // 3600)
            flash(ngettext("You were signed out: a session lasts at most %(num)d hour. "
                           "Please sign in again.",
                           "You were signed out: a session lasts at most %(num)d hours. "
                           "Please sign in again.", hours), "info")

    # First of all, before the CSRF check can refuse the request.
    app.before_request_funcs.setdefault(None, []).insert(0, tell_that_the_session_ended)


def interface(app: Flask) -> ServerSessionInterface:
    return app.session_interface  # type: ignore[return-value]


def end_everywhere(app: Flask, user_id: int) -> None:
    interface(app).store.delete_user(user_id)

