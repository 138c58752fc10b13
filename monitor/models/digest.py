"""Notices waiting for a user's daily digest."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import utcnow


class DigestItem(db.Model):
    """A per-event notice for a user who takes one digest a day: its subject, first
    paragraph and link, in the user's language, kept until the mail worker puts it in
    that day's digest (`email_id`, set by a conditional UPDATE in the transaction that
    queues the digest, so that it is sent once, however many workers run)."""

    __tablename__ = "digest_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    #: The notice's kind, as `OutgoingEmail.kind` (the digest groups by it).
    kind: Mapped[str] = mapped_column(sa.String(40))
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan.id"))
    subject: Mapped[str] = mapped_column(sa.String(500))
    #: The notice's first paragraph (what happened, where).
    summary: Mapped[str | None] = mapped_column(sa.Text)
    link: Mapped[str | None] = mapped_column(sa.String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The digest that carried it; NULL while it waits (indexed: the worker looks for those).
    email_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outgoing_email.id"),
                                                 index=True)
