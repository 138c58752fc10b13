"""Two-step sign-in (TOTP, RFC 6238): a user's authenticator secret, their one-time
recovery codes (hashed) and the delayed resets a coordinator may ask for."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import utcnow


class TwoFactor(db.Model):
    """A user's authenticator. `enabled_at` is NULL while the enrolment waits for its
    first code."""

    __tablename__ = "two_factor"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)
    #: Base32 TOTP secret (the server must read it to check codes).
    secret: Mapped[str] = mapped_column(sa.String(64))
    enabled_at: Mapped[dt.datetime | None]
    #: The last time step accepted: a code is never accepted twice (no replay).
    last_step: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RecoveryCode(db.Model):
    """One of ten single-use codes shown once at enrolment; only its SHA-256 is kept."""

    __tablename__ = "recovery_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[dt.datetime | None]


class TwoFactorReset(db.Model):
    """A coordinator's request to remove an NGO administrator's second factor: it takes
    effect at `effective_at` (72 hours later) unless the user cancels it first."""

    __tablename__ = "two_factor_reset"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    effective_at: Mapped[dt.datetime]
    cancelled_at: Mapped[dt.datetime | None]
    applied_at: Mapped[dt.datetime | None]
