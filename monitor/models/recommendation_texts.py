"""Versions of a recommendation's text: every change of its text in any language (web
edit, catalogue import, translation sheet) adds one, so that an evaluation keeps the
wording it evaluated (services.catalogue.text_versions)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import utcnow


class RecommendationText(db.Model):
    """One version of a recommendation's text in the three languages; numbered from 1,
    never changed once written. The newest is the recommendation's current text."""

    __tablename__ = "recommendation_text"
    __table_args__ = (sa.UniqueConstraint("recommendation_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendation.id"),
                                                   index=True)
    number: Mapped[int]
    text_ar: Mapped[str | None] = mapped_column(sa.Text)
    text_ckb: Mapped[str | None] = mapped_column(sa.Text)
    text_en: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
