"""File choices reopened for one organisation after the plan's deadline."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import utcnow


class ChoicesReopening(db.Model):
    """The coordinator let one organisation change its file choices in one plan until
    `until`, after the plan's deadline (audited as enrolment.choices_reopened)."""

    __tablename__ = "choices_reopening"
    __table_args__ = (sa.UniqueConstraint("organization_id", "plan_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id"))
    until: Mapped[dt.datetime]
    reopened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
