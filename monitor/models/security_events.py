"""Counters of security events (monitor.security_log): failed sign-ins, throttling, CSRF
failures and refused accesses, per kind, governing body and hour. Counters rather than a
row per event, so that a flood cannot fill the disk; no address, email or password. The
log line (`monitor.security`) keeps the details."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class SecurityEvent(db.Model):
    """How many events of `kind` fell in `hour` within the scope of `body_id` (a refusal of
    one of its objects, a failed sign-in or throttling on one of its coordinators' accounts,
    a CSRF failure of one of its coordinators). Events tied to no body are only logged."""

    __tablename__ = "security_event"
    __table_args__ = (sa.UniqueConstraint("kind", "body_id", "hour"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    #: "signin.failed", "throttled", "csrf.failed" or "access.refused".
    kind: Mapped[str] = mapped_column(sa.String(32))
    body_id: Mapped[int] = mapped_column(
        sa.ForeignKey("governing_body.id", ondelete="CASCADE"), index=True)
    #: The hour (UTC) the events fell in, minutes and seconds zero.
    hour: Mapped[dt.datetime] = mapped_column(index=True)
    events: Mapped[int] = mapped_column(default=1)
