"""Versioned recommendation texts.

Every path that changes a recommendation's text in any language (the web edit, the
catalogue import, the translation sheet, the CLI, the demo) goes through the ORM; a flush
hook (`record_text_change`) compares each new or changed recommendation with its newest
version and adds a version when the text differs, with an audit event holding both texts.
No caller has to remember it. A submitted evaluation version records the text version it
evaluated (`current_version_id`, kept in its answers as `_recommendation_text`, so that
its receipt covers it), and its pages show that text (`evaluated`)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import EvaluationRevision, Recommendation, RecommendationText, utcnow
from .. import audit

LANGS = ("ar", "ckb", "en")
FIELDS = tuple(f"text_{lang}" for lang in LANGS)
#: The key of a submitted version's answers that names the text version it evaluated.
ANSWER_KEY = "_recommendation_text"
_PENDING = "monitor.recommendation_texts"

_NEWEST = (sa.select(RecommendationText)
           .where(RecommendationText.recommendation_id == sa.bindparam("recommendation_id"))
           .order_by(RecommendationText.number.desc()).limit(1))


def _texts(obj: Any) -> dict[str, str | None]:
    return {name: getattr(obj, name) for name in FIELDS}


def _newest_versions(session: Session, ids: list[int]) -> dict[int, sa.Row]:
    newest = (sa.select(RecommendationText.recommendation_id,
                        sa.func.max(RecommendationText.number).label("number"))
              .where(RecommendationText.recommendation_id.in_(ids))
              .group_by(RecommendationText.recommendation_id).subquery())
    rows = session.execute(sa.select(RecommendationText.__table__).join(newest, sa.and_(
        newest.c.recommendation_id == RecommendationText.recommendation_id,
        newest.c.number == RecommendationText.number)))
    return {row.recommendation_id: row for row in rows}


def record_text_change(session: Session, recommendations: Iterable[Recommendation], *,
                       actor_id: int | None = None, flush: bool = True) -> list[int]:
    """Add a version for each recommendation whose text differs from its newest version
    (version 1 for one without any), and an audit event with both texts for a change.
    Returns the ids of the recommendations that got a new version. Called by the flush
    hook below; callers may call it too (it adds nothing when nothing changed)."""
    recs = [rec for rec in recommendations if rec.id is not None]
    if not recs:
        return []
    newest = _newest_versions(session, [rec.id for rec in recs])
    rows, changed, now = [], [], utcnow()
    for rec in recs:
        current, previous = _texts(rec), newest.get(rec.id)
        if previous is not None and _texts(previous) == current:
            continue
        number = previous.number + 1 if previous is not None else 1
        rows.append({"recommendation_id": rec.id, "number": number, "created_at": now,
                     **current})
        changed.append(rec.id)
        if previous is not None:
            old = _texts(previous)
            keys = [name for name in FIELDS if old[name] != current[name]]
            audit.record(session, "recommendation.text_versioned", rec, actor_id=actor_id,
                         plan_id=rec.plan_id, flush=flush,
                         before={"version": previous.number, **{k: old[k] for k in keys}},
                         after={"version": number, **{k: current[k] for k in keys}})
    if rows:
        session.execute(sa.insert(RecommendationText.__table__), rows)
    return changed


@sa.event.listens_for(Session, "before_flush")
def _note_text_changes(session: Session, _context: Any, _instances: Any) -> None:
    pending = session.info.setdefault(_PENDING, [])
    for obj in session.new:
        if isinstance(obj, Recommendation):
            pending.append(obj)
    for obj in session.dirty:
        if isinstance(obj, Recommendation):
            state = sa.inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in FIELDS):
                pending.append(obj)


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_text_changes(session: Session, _previous: Any) -> None:
    session.info.pop(_PENDING, None)


@sa.event.listens_for(Session, "after_flush")
def _version_text_changes(session: Session, _context: Any) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        record_text_change(session, pending, flush=False)


@sa.event.listens_for(Recommendation, "before_delete")
def _delete_versions(_mapper: Any, connection: sa.Connection, target: Recommendation) -> None:
    # Only a recommendation nothing refers to is deleted (records.delete_recommendation):
    # its text versions go with it.
    connection.execute(sa.delete(RecommendationText.__table__).where(
        RecommendationText.recommendation_id == target.id))


_NEWEST_ID = _NEWEST.with_only_columns(RecommendationText.id)


def current_version_id(session: Session, recommendation_id: int) -> int | None:
    """The id of the recommendation's current text version (every submission: the id
    alone, not the three texts)."""
    return session.scalar(_NEWEST_ID, {"recommendation_id": recommendation_id})


@dataclass(frozen=True)
class EvaluatedText:
    """The text a submitted version evaluated, and the current one when it has changed."""

    version: RecommendationText
    current: RecommendationText

    @property
    def changed(self) -> bool:
        return self.version.id != self.current.id and _texts(self.version) != _texts(
            self.current)


def evaluated(session: Session, revision: EvaluationRevision | None) -> EvaluatedText | None:
    """What `revision` evaluated (None for a version submitted before texts were
    versioned)."""
    if revision is None:
        return None
    version_id = (revision.answers or {}).get(ANSWER_KEY)
    version = session.get(RecommendationText, version_id) if isinstance(version_id, int) \
        else None
    if version is None:
        return None
    current = session.scalars(_NEWEST, {"recommendation_id": version.recommendation_id}).first()
    return EvaluatedText(version=version, current=current or version)
