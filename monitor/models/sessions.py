"""Server-side sessions (monitor.sessions): the cookie holds a random id, the database
only its SHA-256, so that a backup or a read of this table holds no live session."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import utcnow


class ServerSession(db.Model):
    """One browser session. Ended by sign-out (row deleted), by
    `MONITOR_SESSION_IDLE_MINUTES` without a request, or `MONITOR_SESSION_MAX_HOURS`
    after it started."""

    __tablename__ = "server_session"
    #: hex SHA-256 of the id in the cookie; the id itself is never stored.
    id_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: The session's content (Flask's tagged JSON).
    data: Mapped[str] = mapped_column(sa.Text)
    #: The signed-in user, if any (so that "sign out everywhere" deletes every row).
    user_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Last request seen (written at most once a minute).
    accessed_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
