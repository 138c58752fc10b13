"""The catalogue: plans, reporting periods, recommendation files and recommendations.

Managed by the coordinator of the plan's governing body, and imported from the three UPR
formats that `services.catalogue.upr_formats` parses (monitor's template, UPR Info's export, the UN
report's numbered list). The web pages, the CLI and the demo seeding all go through
`preview_import` / `apply_import`, so there is one import code path.

Rules that the rest of monitor relies on:

- Nothing that evaluations, official figures or enrolment choices refer to is deleted; it
  is *retired* (`retired_at`): hidden from new work, kept in history and reports.
- Moving a recommendation to another file changes only `Recommendation.file_id`;
  evaluations refer to the recommendation, so they follow it.
- `Recommendation.sort_key` orders codes naturally (127.9 before 127.10); recommendations
  without a code sort after the coded ones, by text.
- `Recommendation.match_key` (sha256 of the English text normalised for matching + "|" +
  the recommending State under its UN name) matches rows of formats without codes (UPR
  Info).

Every function takes the SQLAlchemy session and plain arguments, flushes but never
commits (the caller owns the transaction), writes an audit event with each change, and
raises `CatalogueError` with a translated message on bad input, before changing anything.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import (
    PERIOD_STATUSES,
    PLAN_STATUSES,
    RESPONSES,
    Evaluation,
    FileChoice,
    GoverningBody,
    OfficialProgress,
    Plan,
    Recommendation,
    RecommendationFile,
    ReplyMessage,
    ReportingPeriod,
    utcnow,
)
from .. import audit
from ..tabular import FORMULA_PREFIXES, TabularError, read_table, write_csv, write_xlsx
from .upr_formats import (
    CODE_RE,
    TEMPLATE_HEADER,
    RecommendationRow,
    Rejection,
    match_key,
    normalise_text,
    parse_recommendations,
)

LANGS = ("ar", "ckb", "en")
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
#: Slugs that are paths of the catalogue's own pages.
RESERVED_SLUGS = {"new"}
PAGE_SIZE = 50

#: Column lengths of `Recommendation` (Text columns have none).
_MAX_LENGTHS = {
    "code": 40,
    "recommending_states": 500,
    "cycle": 20,
    "session": 20,
    "document": 60,
    "themes": 1000,
    "responsible_bodies": 1000,
}
_TITLE_MAX = 300

#: Recommendation fields an import or the edit form may change, in display order.
RECOMMENDATION_FIELDS = (
    "code", "text_en", "text_ar", "text_ckb", "recommending_states", "response", "cycle",
    "session", "document", "themes", "responsible_bodies", "file_id",
)


class CatalogueError(Exception):
    """Bad input for the catalogue; `message` is translated, `field` names the form field
    it concerns (when one does)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


# --- keys --------------------------------------------------------------------------------


def sort_key_for(code: str | None, text: str | None = None) -> str:
    """Zero-padded code parts ("127.27.1" → "00127.00027.00001"); without a code, "~" and
    the normalised text, so that such recommendations follow the coded ones."""
    if code:
        parts = code.split(".")
        if all(part.isdigit() for part in parts):
            return ".".join(part.zfill(5) for part in parts)[:80]
        return code[:80]
    return ("~" + normalise_text(text))[:80]


def compute_match_key(text_en: str | None, recommending_state: str | None) -> str | None:
    """sha256 hex of the English text normalised for matching (`upr_formats.match_text`)
    + "|" + the recommending State under its UN name (`upr_formats.STATE_ALIASES`).
    A change here needs a migration that recomputes the stored keys, as
    migrations/versions/20261123_b7e1c2d3a4f5_match_keys_with_state_aliases.py does."""
    if not text_en:
        return None
    text, state = match_key(text_en, recommending_state)
    return hashlib.sha256(f"{text}|{state}".encode("utf-8")).hexdigest()


def split_themes(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def join_themes(themes: Iterable[str] | str | None) -> str | None:
    if themes is None:
        return None
    if isinstance(themes, str):
        themes = re.split(r"[;\n]", themes)
    seen: set[str] = set()
    kept: list[str] = []
    for theme in themes:
        theme = " ".join(theme.split())
        if theme and theme.casefold() not in seen:
            seen.add(theme.casefold())
            kept.append(theme)
    return "; ".join(kept) or None


def _refresh_keys(rec: Recommendation) -> None:
    rec.sort_key = sort_key_for(rec.code, rec.text_en or rec.text_ar or rec.text_ckb)
    rec.match_key = compute_match_key(rec.text_en, rec.recommending_states)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _check_length(name: str, value: str | None, limit: int, label: str) -> None:
    if value and len(value) > limit:
        raise CatalogueError(
            _("%(field)s is longer than %(limit)d characters.", field=label, limit=limit), name
        )


# --- plans -------------------------------------------------------------------------------

_PLAN_FIELDS = ("slug", "title_ar", "title_ckb", "title_en", "description_ar",
                "description_ckb", "description_en", "starts_on", "ends_on", "status")


def _snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
    return out


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}


def _update(session: Session, obj: Any, kind: str, fields: Sequence[str], changes: dict[str, Any],
            validate: Callable[[dict[str, Any]], None], *, actor_id: int | None,
            **scope: Any) -> Any:
    """Change `fields` of a plan, period or file: `validate` sees all of its values, changed
    or not, before anything is set. The event is "<kind>.updated", or
    "<kind>.status_changed" when only the status changed; `scope` goes into the event."""
    unknown = set(changes) - set(fields)
    if unknown:
        raise TypeError(f"unknown {kind} fields: {sorted(unknown)}")
    before = _snapshot(obj, fields)
    values = {name: getattr(obj, name) for name in fields}
    values.update({name: _clean(value) for name, value in changes.items()})
    validate(values)
    for name, value in values.items():
        setattr(obj, name, value)
    old, new = _diff(before, _snapshot(obj, fields))
    if new:
        action = f"{kind}.status_changed" if set(new) == {"status"} else f"{kind}.updated"
        audit.record(session, action, obj, actor_id=actor_id, before=old, after=new, **scope)
    session.flush()
    return obj


def _retire(session: Session, obj: Any, kind: str, actor_id: int | None) -> Any:
    """Hide a file or recommendation from new work (again: nothing); its history stays."""
    if obj.retired_at is None:
        obj.retired_at = utcnow()
        audit.record(session, f"{kind}.retired", obj, actor_id=actor_id,
                     after={"retired_at": obj.retired_at.isoformat()})
        session.flush()
    return obj


def _restore(session: Session, obj: Any, kind: str, actor_id: int | None) -> Any:
    if obj.retired_at is not None:
        audit.record(session, f"{kind}.restored", obj, actor_id=actor_id,
                     before={"retired_at": obj.retired_at.isoformat()})
        obj.retired_at = None
        session.flush()
    return obj


def _validate_titles(values: dict[str, Any], prefix: str = "title") -> None:
    if not any(values.get(f"{prefix}_{lang}") for lang in LANGS):
        raise CatalogueError(_("Give a title in at least one language."), f"{prefix}_en")
    for lang in LANGS:
        _check_length(f"{prefix}_{lang}", values.get(f"{prefix}_{lang}"), _TITLE_MAX,
                      _("The title"))


def _validate_plan(session: Session, values: dict[str, Any], plan: Plan | None) -> None:
    slug = values.get("slug") or ""
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise CatalogueError(
            _("The short name may contain lower-case Latin letters, digits and hyphens "
              "(such as national-plan-2021), and must not be “new”."), "slug")
    clash = session.scalar(sa.select(Plan.id).where(Plan.slug == slug))
    if clash is not None and (plan is None or clash != plan.id):
        raise CatalogueError(_("Another plan already uses the short name %(slug)s.", slug=slug),
                             "slug")
    _validate_titles(values)
    if values.get("status") not in PLAN_STATUSES:
        raise CatalogueError(_("Choose a status: draft, open or closed."), "status")
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if starts and ends and ends < starts:
        raise CatalogueError(_("The end date is before the start date."), "ends_on")


def create_plan(session: Session, body: GoverningBody, *, slug: str, title_en: str | None = None,
                title_ar: str | None = None, title_ckb: str | None = None,
                description_en: str | None = None, description_ar: str | None = None,
                description_ckb: str | None = None, starts_on: dt.date | None = None,
                ends_on: dt.date | None = None, status: str = "draft",
                actor_id: int | None = None) -> Plan:
    """A new plan of `body`."""
    values = {name: _clean(value) for name, value in dict(
        slug=slug, title_en=title_en, title_ar=title_ar, title_ckb=title_ckb,
        description_en=description_en, description_ar=description_ar,
        description_ckb=description_ckb, starts_on=starts_on, ends_on=ends_on, status=status,
    ).items()}
    _validate_plan(session, values, None)
    plan = Plan(body_id=body.id, **values)
    session.add(plan)
    session.flush()
    audit.record(session, "plan.created", plan, actor_id=actor_id, plan_id=plan.id,
                 after=_snapshot(plan, _PLAN_FIELDS))
    return plan


def update_plan(session: Session, plan: Plan, *, actor_id: int | None = None,
                **changes: Any) -> Plan:
    """Change a plan's fields (any of slug, titles, descriptions, dates, status)."""
    return _update(session, plan, "plan", _PLAN_FIELDS, changes,
                   lambda values: _validate_plan(session, values, plan), actor_id=actor_id,
                   plan_id=plan.id)


# --- reporting periods -------------------------------------------------------------------

_PERIOD_FIELDS = ("label", "starts_on", "ends_on", "deadline", "status")


def _validate_period(session: Session, plan: Plan, values: dict[str, Any],
                     period: ReportingPeriod | None) -> None:
    label = values.get("label")
    if not label:
        raise CatalogueError(_("Give the period a label, such as 2023."), "label")
    _check_length("label", label, 40, _("The label"))
    clash = session.scalar(sa.select(ReportingPeriod.id).where(
        ReportingPeriod.plan_id == plan.id, ReportingPeriod.label == label))
    if clash is not None and (period is None or clash != period.id):
        raise CatalogueError(
            _("This plan already has a period labelled %(label)s.", label=label), "label")
    if not values.get("starts_on"):
        raise CatalogueError(_("Give the first day of the period."), "starts_on")
    if not values.get("ends_on"):
        raise CatalogueError(_("Give the last day of the period."), "ends_on")
    if values["ends_on"] < values["starts_on"]:
        raise CatalogueError(_("The end date is before the start date."), "ends_on")
    if values.get("status") not in PERIOD_STATUSES:
        raise CatalogueError(_("Choose a status: open or closed."), "status")


def create_period(session: Session, plan: Plan, *, label: str, starts_on: dt.date,
                  ends_on: dt.date, deadline: dt.datetime | None = None, status: str = "open",
                  actor_id: int | None = None) -> ReportingPeriod:
    """A reporting period of `plan`; `deadline` is naive UTC."""
    values = {name: _clean(value) for name, value in dict(
        label=label, starts_on=starts_on, ends_on=ends_on, deadline=deadline, status=status,
    ).items()}
    _validate_period(session, plan, values, None)
    period = ReportingPeriod(plan_id=plan.id, **values)
    session.add(period)
    session.flush()
    audit.record(session, "period.created", period, actor_id=actor_id,
                 after=_snapshot(period, _PERIOD_FIELDS))
    return period


def update_period(session: Session, period: ReportingPeriod, *, actor_id: int | None = None,
                  **changes: Any) -> ReportingPeriod:
    return _update(session, period, "period", _PERIOD_FIELDS, changes,
                   lambda values: _validate_period(session, period.plan, values, period),
                   actor_id=actor_id)


def period_is_referenced(session: Session, period: ReportingPeriod) -> bool:
    return any(session.scalar(sa.select(sa.exists().where(cond))) for cond in (
        Evaluation.period_id == period.id,
        OfficialProgress.period_id == period.id,
        ReplyMessage.period_id == period.id,
    ))


def delete_period(session: Session, period: ReportingPeriod, *,
                  actor_id: int | None = None) -> None:
    """Delete a period that nothing refers to (a mistake); otherwise close it."""
    if period_is_referenced(session, period):
        raise CatalogueError(_(
            "The period %(label)s cannot be deleted: evaluations or official figures refer "
            "to it. Close it instead.", label=period.label))
    audit.record(session, "period.deleted", period, actor_id=actor_id,
                 before=_snapshot(period, _PERIOD_FIELDS))
    _delete(session, period)


def _delete(session: Session, obj: Any) -> None:
    try:
        with session.begin_nested():
            session.delete(obj)
            session.flush()
    except IntegrityError:
        raise CatalogueError(_(
            "This cannot be deleted because other records refer to it. Retire it instead."
        )) from None


# --- recommendation files ----------------------------------------------------------------

_FILE_FIELDS = ("title_ar", "title_ckb", "title_en", "description_ar", "description_ckb",
                "description_en", "position")


def _validate_file(session: Session, plan: Plan, values: dict[str, Any],
                   rf: RecommendationFile | None) -> None:
    _validate_titles(values)
    position = values.get("position")
    if not isinstance(position, int) or isinstance(position, bool) or not (
            -10000 <= position <= 10000):
        raise CatalogueError(_("The order must be a whole number."), "position")
    # The import's `file` column names a file by any of its titles: titles must be unique.
    mine = {normalise_text(values.get(f"title_{lang}")) for lang in LANGS} - {""}
    others = session.scalars(sa.select(RecommendationFile).where(
        RecommendationFile.plan_id == plan.id)).all()
    for other in others:
        if rf is not None and other.id == rf.id:
            continue
        theirs = {normalise_text(getattr(other, f"title_{lang}")) for lang in LANGS} - {""}
        if mine & theirs:
            raise CatalogueError(_(
                "Another recommendation file of this plan already has this title: each file "
                "needs its own titles, because imports name files by title."), "title_en")


def create_file(session: Session, plan: Plan, *, title_en: str | None,
                title_ar: str | None = None, title_ckb: str | None = None,
                description_en: str | None = None, description_ar: str | None = None,
                description_ckb: str | None = None, position: int = 0,
                actor_id: int | None = None) -> RecommendationFile:
    """A recommendation file (a thematic cluster) of `plan`."""
    values = {name: _clean(value) for name, value in dict(
        title_en=title_en, title_ar=title_ar, title_ckb=title_ckb,
        description_en=description_en, description_ar=description_ar,
        description_ckb=description_ckb, position=position,
    ).items()}
    _validate_file(session, plan, values, None)
    rf = RecommendationFile(plan_id=plan.id, **values)
    session.add(rf)
    session.flush()
    audit.record(session, "file.created", rf, actor_id=actor_id,
                 after=_snapshot(rf, _FILE_FIELDS))
    return rf


def update_file(session: Session, rf: RecommendationFile, *, actor_id: int | None = None,
                **changes: Any) -> RecommendationFile:
    # Files have no status: every change is "file.updated".
    return _update(session, rf, "file", _FILE_FIELDS, changes,
                   lambda values: _validate_file(session, rf.plan, values, rf),
                   actor_id=actor_id)


def retire_file(session: Session, rf: RecommendationFile, *,
                actor_id: int | None = None) -> RecommendationFile:
    """Hide a file from new work; its recommendations and their history stay."""
    return _retire(session, rf, "file", actor_id)


def restore_file(session: Session, rf: RecommendationFile, *,
                 actor_id: int | None = None) -> RecommendationFile:
    return _restore(session, rf, "file", actor_id)


def file_is_referenced(session: Session, rf: RecommendationFile) -> bool:
    return any(session.scalar(sa.select(sa.exists().where(cond))) for cond in (
        Recommendation.file_id == rf.id,
        FileChoice.file_id == rf.id,
        OfficialProgress.file_id == rf.id,
        ReplyMessage.level_key == f"file:{rf.id}",
    ))


def delete_file(session: Session, rf: RecommendationFile, *, actor_id: int | None = None) -> None:
    """Delete an empty file that nothing refers to; otherwise retire it."""
    if file_is_referenced(session, rf):
        raise CatalogueError(_(
            "This recommendation file cannot be deleted: it holds recommendations, or "
            "organisations' choices or official figures refer to it. Retire it instead."))
    audit.record(session, "file.deleted", rf, actor_id=actor_id,
                 before=_snapshot(rf, _FILE_FIELDS))
    _delete(session, rf)


def _plan_file(session: Session, plan: Plan, file: RecommendationFile | int | None,
               *, allow_retired: bool = False) -> RecommendationFile | None:
    if file is None:
        return None
    rf = file if isinstance(file, RecommendationFile) else session.get(RecommendationFile, file)
    if rf is None or rf.plan_id != plan.id:
        raise CatalogueError(_("This recommendation file does not belong to the plan."),
                             "file_id")
    if rf.retired_at is not None and not allow_retired:
        raise CatalogueError(_(
            "The recommendation file “%(title)s” is retired: restore it before assigning "
            "recommendations to it.", title=title_of(rf)), "file_id")
    return rf


def title_of(obj: Any, field_name: str = "title") -> str:
    """The first non-empty of English, Arabic, Sorani (for messages and exports)."""
    for lang in ("en", "ar", "ckb"):
        value = getattr(obj, f"{field_name}_{lang}", None)
        if value:
            return value
    return ""


# --- recommendations ---------------------------------------------------------------------

def field_labels() -> dict[str, str]:
    """Translated names of recommendation fields (for messages and previews)."""
    return {
        "code": _("code"), "text_en": _("English text"), "text_ar": _("Arabic text"),
        "text_ckb": _("Sorani text"), "recommending_states": _("recommending State"),
        "response": _("response"), "cycle": _("cycle"), "session": _("session"),
        "document": _("document"), "themes": _("themes"),
        "responsible_bodies": _("responsible bodies"), "file_id": _("file"),
    }


def _validate_recommendation(session: Session, plan: Plan, values: dict[str, Any],
                             rec: Recommendation | None) -> None:
    labels = field_labels()
    code = values.get("code")
    if code is not None:
        if not CODE_RE.match(code):
            raise CatalogueError(_(
                "The code %(code)s is not a paragraph number such as 127.1 or 127.27.1.",
                code=code), "code")
        clash = session.scalar(sa.select(Recommendation.id).where(
            Recommendation.plan_id == plan.id, Recommendation.code == code))
        if clash is not None and (rec is None or clash != rec.id):
            raise CatalogueError(
                _("Another recommendation of this plan already has the code %(code)s.",
                  code=code), "code")
    if not any(values.get(f"text_{lang}") for lang in LANGS):
        raise CatalogueError(_("Give the text of the recommendation in at least one language."),
                             "text_en")
    if not values.get("recommending_states"):
        raise CatalogueError(_("Give the recommending State."), "recommending_states")
    if values.get("response") not in (None, *RESPONSES):
        raise CatalogueError(_("Choose a response: supported or noted."), "response")
    for name, limit in _MAX_LENGTHS.items():
        _check_length(name, values.get(name), limit, labels[name])
    key = compute_match_key(values.get("text_en"), values.get("recommending_states"))
    if key is not None:
        query = sa.select(Recommendation).where(
            Recommendation.plan_id == plan.id, Recommendation.match_key == key)
        if rec is not None:
            query = query.where(Recommendation.id != rec.id)
        other = session.scalars(query.limit(1)).first()
        if other is not None:
            raise CatalogueError(_(
                "Another recommendation of this plan (%(code)s) has the same English text "
                "and recommending State.", code=other.code or _("without code")), "text_en")


def _recommendation_values(values: dict[str, Any]) -> dict[str, Any]:
    out = {name: _clean(value) for name, value in values.items()}
    if "themes" in values:
        out["themes"] = join_themes(values["themes"])
    return out


def create_recommendation(session: Session, plan: Plan, *, text_en: str | None = None,
                          code: str | None = None, text_ar: str | None = None,
                          text_ckb: str | None = None, recommending_states: str | None = None,
                          response: str | None = None, cycle: str | None = None,
                          session_number: str | None = None, document: str | None = None,
                          themes: Iterable[str] | str | None = None,
                          responsible_bodies: str | None = None,
                          file: RecommendationFile | int | None = None,
                          actor_id: int | None = None) -> Recommendation:
    """Add one recommendation (the UPR `session` is `session_number` here, beside the
    database session)."""
    values = _recommendation_values(dict(
        code=code, text_en=text_en, text_ar=text_ar, text_ckb=text_ckb,
        recommending_states=recommending_states, response=response, cycle=cycle,
        session=session_number, document=document, themes=themes,
        responsible_bodies=responsible_bodies,
    ))
    _validate_recommendation(session, plan, values, None)
    rf = _plan_file(session, plan, file)
    rec = Recommendation(plan_id=plan.id, file_id=rf.id if rf else None, **values)
    _refresh_keys(rec)
    session.add(rec)
    session.flush()
    audit.record(session, "recommendation.created", rec, actor_id=actor_id,
                 after=_snapshot(rec, RECOMMENDATION_FIELDS))
    return rec


def update_recommendation(session: Session, rec: Recommendation, *,
                          actor_id: int | None = None, **changes: Any) -> Recommendation:
    """Change fields of a recommendation; `file_id` (or `file`) moves it to another file
    (None: out of any file). Evaluations stay with the recommendation."""
    if "file" in changes:
        target = changes.pop("file")
        changes["file_id"] = target.id if isinstance(target, RecommendationFile) else target
    if "session_number" in changes:
        changes["session"] = changes.pop("session_number")
    unknown = set(changes) - set(RECOMMENDATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown recommendation fields: {sorted(unknown)}")
    before = _snapshot(rec, RECOMMENDATION_FIELDS)
    values = {name: getattr(rec, name) for name in RECOMMENDATION_FIELDS if name != "file_id"}
    values.update(_recommendation_values(
        {k: v for k, v in changes.items() if k != "file_id"}))
    _validate_recommendation(session, rec.plan, values, rec)
    if "file_id" in changes and changes["file_id"] != rec.file_id:
        rf = _plan_file(session, rec.plan, changes["file_id"])
        rec.file_id = rf.id if rf else None
    for name, value in values.items():
        setattr(rec, name, value)
    _refresh_keys(rec)
    old, new = _diff(before, _snapshot(rec, RECOMMENDATION_FIELDS))
    if new:
        action = "recommendation.moved" if set(new) == {"file_id"} else "recommendation.updated"
        audit.record(session, action, rec, actor_id=actor_id, before=old, after=new)
    session.flush()
    return rec


def move_recommendation(session: Session, rec: Recommendation,
                        file: RecommendationFile | None, *,
                        actor_id: int | None = None) -> Recommendation:
    """Put a recommendation in another file (None: in no file). Only `file_id` changes."""
    return update_recommendation(session, rec, file_id=file.id if file else None,
                                 actor_id=actor_id)


def retire_recommendation(session: Session, rec: Recommendation, *,
                          actor_id: int | None = None) -> Recommendation:
    return _retire(session, rec, "recommendation", actor_id)


def restore_recommendation(session: Session, rec: Recommendation, *,
                           actor_id: int | None = None) -> Recommendation:
    return _restore(session, rec, "recommendation", actor_id)


def recommendation_is_referenced(session: Session, rec: Recommendation) -> bool:
    return any(session.scalar(sa.select(sa.exists().where(cond))) for cond in (
        Evaluation.recommendation_id == rec.id,
        OfficialProgress.recommendation_id == rec.id,
        ReplyMessage.level_key == f"rec:{rec.id}",
    ))


def delete_recommendation(session: Session, rec: Recommendation, *,
                          actor_id: int | None = None) -> None:
    """Delete a recommendation that nothing refers to (a mistake); otherwise retire it."""
    if recommendation_is_referenced(session, rec):
        raise CatalogueError(_(
            "This recommendation cannot be deleted: evaluations or official figures refer "
            "to it. Retire it instead."))
    audit.record(session, "recommendation.deleted", rec, actor_id=actor_id,
                 before=_snapshot(rec, RECOMMENDATION_FIELDS))
    _delete(session, rec)


def assign_to_file(session: Session, plan: Plan, recommendation_ids: Iterable[int],
                   file: RecommendationFile | int | None, *,
                   actor_id: int | None = None) -> int:
    """Put the given recommendations of `plan` into `file` (None: take them out of any
    file). Returns how many changed. All or nothing."""
    ids = sorted(set(recommendation_ids))
    if not ids:
        raise CatalogueError(_("Select at least one recommendation."), "rec")
    rf = _plan_file(session, plan, file)
    recs = session.scalars(sa.select(Recommendation).where(
        Recommendation.id.in_(ids), Recommendation.plan_id == plan.id)).all()
    if len(recs) != len(ids):
        raise CatalogueError(_("Some selected recommendations do not belong to this plan."),
                             "rec")
    target = rf.id if rf else None
    changed = [rec for rec in recs if rec.file_id != target]
    if not changed:
        return 0
    before = {str(rec.id): rec.file_id for rec in changed}
    for rec in changed:
        rec.file_id = target
    audit.record(session, "recommendation.assigned", rf if rf else plan, actor_id=actor_id,
                 plan_id=plan.id, before={"files": before},
                 after={"file_id": target, "recommendations": [rec.id for rec in changed]})
    session.flush()
    return len(changed)


@dataclass
class RecommendationFilter:
    """What the coordinator's list shows: every criterion optional."""

    theme: str | None = None
    state: str | None = None
    #: "supported", "noted" or "unknown" (no response recorded)
    response: str | None = None
    words: str | None = None
    #: None: any; "none": not yet in a file; otherwise a file id
    file: int | str | None = None
    #: "active", "retired" or "all"
    status: str = "active"


def filter_recommendations(plan: Plan, criteria: RecommendationFilter | None = None
                           ) -> sa.Select[tuple[Recommendation]]:
    """The plan's recommendations matching `criteria`, in natural code order."""
    c = criteria or RecommendationFilter()
    query = sa.select(Recommendation).where(Recommendation.plan_id == plan.id)
    if c.status == "retired":
        query = query.where(Recommendation.retired_at.is_not(None))
    elif c.status != "all":
        query = query.where(Recommendation.retired_at.is_(None))
    if c.theme:
        query = query.where(_list_contains(Recommendation.themes, c.theme))
    if c.state:
        query = query.where(_list_contains(Recommendation.recommending_states, c.state))
    if c.response == "unknown":
        query = query.where(Recommendation.response.is_(None))
    elif c.response in RESPONSES:
        query = query.where(Recommendation.response == c.response)
    for word in (c.words or "").split()[:10]:
        query = query.where(sa.or_(
            Recommendation.text_en.icontains(word, autoescape=True),
            Recommendation.text_ar.contains(word, autoescape=True),
            Recommendation.text_ckb.contains(word, autoescape=True),
            Recommendation.code == word,
        ))
    if c.file == "none":
        query = query.where(Recommendation.file_id.is_(None))
    elif isinstance(c.file, int):
        query = query.where(Recommendation.file_id == c.file)
    return query.order_by(Recommendation.sort_key, Recommendation.id)


def _list_contains(column: Any, value: str) -> sa.ColumnElement[bool]:
    """`value` is one item (whatever its case) of a list column separated by "; " or ", "
    (themes; joint recommending States), or the whole value."""

    def items(expr: Any) -> Any:
        return sa.func.replace(sa.func.replace(expr, "; ", ","), ", ", ",")

    padded = sa.literal(",") + items(sa.func.lower(sa.func.coalesce(column, ""))) + \
        sa.literal(",")
    needle = "," + " ".join(value.split()).lower().replace("; ", ",").replace(", ", ",") + ","
    return padded.contains(needle, autoescape=True)


def plan_themes(session: Session, plan: Plan) -> list[str]:
    """Every theme used in the plan, sorted."""
    values = session.scalars(sa.select(Recommendation.themes).distinct().where(
        Recommendation.plan_id == plan.id, Recommendation.themes.is_not(None))).all()
    themes = {theme.casefold(): theme for value in values for theme in split_themes(value)}
    return sorted(themes.values(), key=str.casefold)


def plan_states(session: Session, plan: Plan) -> list[str]:
    """Every recommending State (as written) in the plan, sorted."""
    values = session.scalars(sa.select(Recommendation.recommending_states).distinct().where(
        Recommendation.plan_id == plan.id,
        Recommendation.recommending_states.is_not(None))).all()
    return sorted(set(values), key=str.casefold)


def active_files(plan: Plan) -> list[RecommendationFile]:
    """The plan's files in use (not retired)."""
    return [f for f in plan.files if f.retired_at is None]


def file_counts(session: Session, plan: Plan) -> dict[int | None, int]:
    """Recommendations in use per file id (None: not in a file)."""
    return dict(session.execute(
        sa.select(Recommendation.file_id, sa.func.count()).where(
            Recommendation.plan_id == plan.id, Recommendation.retired_at.is_(None))
        .group_by(Recommendation.file_id)).all())


def missing_translations(session: Session, plan: Plan) -> dict[str, int]:
    """How many recommendations in use lack a text in each language."""
    out = {}
    for lang in LANGS:
        column = getattr(Recommendation, f"text_{lang}")
        out[lang] = session.scalar(sa.select(sa.func.count()).where(
            Recommendation.plan_id == plan.id, Recommendation.retired_at.is_(None),
            sa.or_(column.is_(None), column == "")))
    return out


# --- import ------------------------------------------------------------------------------


@dataclass
class ImportItem:
    """One row of an import and what it does: `changes` maps a field to (before, after);
    for a new recommendation `before` is None."""

    row: RecommendationRow
    recommendation_id: int | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    code: str | None = None

    @property
    def fields(self) -> list[str]:
        """Names of the fields that change."""
        return list(self.changes)


@dataclass
class ImportPreview:
    """What an import would do, before anything is written."""

    plan_id: int
    format: str
    filename: str = ""
    new: list[ImportItem] = field(default_factory=list)
    updated: list[ImportItem] = field(default_factory=list)
    unchanged: list[ImportItem] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    skipped: int = 0
    skipped_reason: str = ""
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = ""
    applied: bool = False

    @property
    def ok(self) -> bool:
        """No row is rejected (so the import may be applied)."""
        return not self.rejected

    @property
    def rejected_rows(self) -> int:
        return len({r.row_number for r in self.rejected})

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.updated)

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "updated": len(self.updated),
                "unchanged": len(self.unchanged), "rejected": self.rejected_rows,
                "skipped": self.skipped}


def import_max_bytes() -> int:
    megabytes = 20
    if has_app_context():
        megabytes = current_app.config.get("MONITOR_IMPORT_MAX_MB", 20)
    return int(float(megabytes) * 1024 * 1024)


def check_import_size(size: int) -> None:
    """Refuse a file by its size alone, before reading or parsing it (same wording as
    services.tabular)."""
    limit = import_max_bytes()
    if size > limit:
        raise CatalogueError(_(
            "This file is too large (%(size)s MB). The limit is %(limit)s MB.",
            size=_megabytes(size), limit=_megabytes(limit)))
    if size == 0:
        raise CatalogueError(_("This file is empty."))


def _megabytes(n: int) -> str:
    mb = n / (1024 * 1024)
    return str(int(round(mb))) if mb >= 10 or mb == int(mb) else f"{mb:.1f}"


def _state_under_review() -> str:
    if has_app_context():
        return current_app.config.get("MONITOR_STATE_UNDER_REVIEW", "Iraq")
    return "Iraq"


_KEEP = object()


class _FileIndex:
    """A plan's recommendation files by any of their titles (normalised)."""

    def __init__(self, files: Sequence[RecommendationFile]):
        self.by_title: dict[str, list[RecommendationFile]] = {}
        for rf in files:
            for title in {normalise_text(getattr(rf, f"title_{lang}")) for lang in LANGS}:
                if title:
                    self.by_title.setdefault(title, []).append(rf)

    def resolve(self, row: RecommendationRow) -> RecommendationFile | Rejection:
        found = self.by_title.get(normalise_text(row.file), [])
        n = row.row_number
        if not found:
            return Rejection(n, "file", _(
                "Row %(row)d: there is no recommendation file titled “%(title)s” in this "
                "plan. Create it first, or correct the title.", row=n, title=row.file))
        if len(found) > 1:
            return Rejection(n, "file", _(
                "Row %(row)d: several recommendation files are titled “%(title)s”.",
                row=n, title=row.file))
        if found[0].retired_at is not None:
            return Rejection(n, "file", _(
                "Row %(row)d: the recommendation file “%(title)s” is retired.",
                row=n, title=row.file))
        return found[0]


def _row_values(row: RecommendationRow, file_id: Any) -> dict[str, Any]:
    """The fields a row sets: only those present (an empty cell changes nothing)."""
    values: dict[str, Any] = {"text_en": row.text_en,
                              "recommending_states": row.recommending_state}
    if row.code:
        values["code"] = row.code
    for name in ("text_ar", "text_ckb", "cycle", "session", "document", "responsible_bodies"):
        value = _clean(getattr(row, name))
        if value:
            values[name] = value
    if row.response:
        values["response"] = row.response
    themes = join_themes(row.themes)
    if themes:
        values["themes"] = themes
    if file_id is not _KEEP:
        values["file_id"] = file_id
    return values


def _length_rejections(row: RecommendationRow, values: dict[str, Any]) -> list[Rejection]:
    out = []
    labels = field_labels()
    for name, limit in _MAX_LENGTHS.items():
        value = values.get(name)
        if value and len(value) > limit:
            out.append(Rejection(row.row_number, name, _(
                "Row %(row)d: the %(field)s is longer than %(limit)d characters.",
                row=row.row_number, field=labels[name], limit=limit)))
    return out


def preview_import(session: Session, plan: Plan, data: bytes, filename: str) -> ImportPreview:
    """Parse `data` and work out, row by row, what importing it into `plan` would do.
    Nothing is written. File-level problems (unreadable file, unknown header, missing
    columns, too large) raise `CatalogueError`; row problems are in `.rejected`."""
    check_import_size(len(data))
    try:
        parsed = parse_recommendations(data, filename, state_under_review=_state_under_review(),
                                       max_bytes=import_max_bytes())
    except TabularError as exc:
        raise CatalogueError(exc.message) from None
    preview = ImportPreview(
        plan_id=plan.id, format=parsed.format, filename=os.path.basename(filename or "")[:200],
        rejected=list(parsed.rejected), skipped=parsed.skipped,
        skipped_reason=parsed.skipped_reason, ignored_columns=list(parsed.ignored_columns),
        encoding=parsed.encoding,
    )

    existing = session.scalars(sa.select(Recommendation).where(
        Recommendation.plan_id == plan.id).order_by(Recommendation.id)).all()
    by_code = {rec.code: rec for rec in existing if rec.code}
    by_key: dict[str, list[Recommendation]] = {}
    for rec in existing:
        if rec.match_key:
            by_key.setdefault(rec.match_key, []).append(rec)
    files = _FileIndex(session.scalars(sa.select(RecommendationFile).where(
        RecommendationFile.plan_id == plan.id)).all())
    claimed: set[int] = set()
    seen: dict[str, tuple[int, str | None]] = {}  # match key → (row, code) in this file

    for row in parsed.rows:
        n = row.row_number
        key = compute_match_key(row.text_en, row.recommending_state) or ""
        earlier = seen.get(key)
        if earlier is not None:
            if row.code and earlier[1]:
                preview.rejected.append(Rejection(n, "code", _(
                    "Row %(row)d: the code %(code)s has the same text and recommending State "
                    "as row %(first)d (code %(other)s): a code that clashes with another "
                    "recommendation's text.", row=n, code=row.code, first=earlier[0],
                    other=earlier[1])))
            else:
                preview.rejected.append(Rejection(n, "text_en", _(
                    "Row %(row)d: the same text and recommending State already appear in row "
                    "%(first)d.", row=n, first=earlier[0])))
            continue
        seen[key] = (n, row.code)

        file_id: Any = _KEEP
        if row.file:
            resolved = files.resolve(row)
            if isinstance(resolved, Rejection):
                preview.rejected.append(resolved)
                continue
            file_id = resolved.id
        values = _row_values(row, file_id)
        too_long = _length_rejections(row, values)
        if too_long:
            preview.rejected.extend(too_long)
            continue

        target: Recommendation | None = None
        by_text = False
        candidates = [rec for rec in by_key.get(key, []) if rec.id not in claimed]
        if row.code:
            target = by_code.get(row.code)
            if target is None:
                coded = [rec for rec in candidates if rec.code and rec.code != row.code]
                codeless = [rec for rec in candidates if not rec.code]
                if codeless:
                    # Imported earlier without a code (UPR Info): the code is added to it.
                    target, by_text = codeless[0], True
                elif coded:
                    preview.rejected.append(Rejection(n, "code", _(
                        "Row %(row)d: the code %(code)s is new, but recommendation %(other)s "
                        "of this plan has the same text and recommending State: a code that "
                        "clashes with another recommendation's text.",
                        row=n, code=row.code, other=coded[0].code)))
                    continue
        elif candidates:
            target, by_text = candidates[0], True
        if target is not None and target.id in claimed:
            preview.rejected.append(Rejection(n, "code", _(
                "Row %(row)d: another row of this file already matches the same "
                "recommendation.", row=n)))
            continue

        if target is None:
            preview.new.append(ImportItem(
                row=row, code=row.code,
                changes={name: (None, value) for name, value in values.items()
                         if value is not None}))
            continue
        claimed.add(target.id)
        changes = {}
        for name in RECOMMENDATION_FIELDS:
            if name not in values:
                continue
            value, old = values[name], getattr(target, name)
            if by_text and name in ("text_en", "recommending_states"):
                continue  # equal once normalised: keep the stored wording
            if old != value:
                changes[name] = (old, value)
        item = ImportItem(row=row, recommendation_id=target.id, changes=changes,
                          code=target.code or row.code)
        (preview.updated if changes else preview.unchanged).append(item)

    preview.rejected.sort(key=lambda r: r.row_number)
    return preview


def apply_import(session: Session, plan: Plan, preview: ImportPreview, *,
                 actor_id: int | None = None) -> ImportPreview:
    """Write what `preview` found, in the caller's transaction (flush only). Refused while
    any row is rejected."""
    if preview.plan_id != plan.id:
        raise CatalogueError(_("This preview was made for another plan."))
    if not preview.ok:
        raise CatalogueError(ngettext(
            "Nothing was imported: %(num)d row is rejected. Correct the file and import it "
            "again.",
            "Nothing was imported: %(num)d rows are rejected. Correct the file and import "
            "it again.", preview.rejected_rows))
    if preview.applied:
        raise CatalogueError(_("This import has already been applied."))
    for item in preview.new:
        rec = Recommendation(plan_id=plan.id,
                             **{name: after for name, (_before, after) in item.changes.items()})
        _refresh_keys(rec)
        session.add(rec)
    for item in preview.updated:
        rec = session.get(Recommendation, item.recommendation_id)
        if rec is None or rec.plan_id != plan.id:
            raise CatalogueError(_("The catalogue changed since the preview; import again."))
        for name, (_before, after) in item.changes.items():
            setattr(rec, name, after)
        _refresh_keys(rec)
    session.flush()
    audit.record(session, "catalogue.imported", plan, actor_id=actor_id, plan_id=plan.id,
                 after={"format": preview.format, "filename": preview.filename,
                        **preview.counts()})
    preview.applied = True
    return preview


# --- files to download -------------------------------------------------------------------


def export_catalogue(session: Session, plan: Plan, kind: str = "csv") -> bytes:
    """The plan's recommendations in use, in monitor's template format (CSV or XLSX), to
    edit and import again."""
    recs = session.scalars(filter_recommendations(plan)).all()
    files = {rf.id: title_of(rf) for rf in plan.files}
    rows = [[rec.code or "", rec.text_en or "", rec.recommending_states or "",
             rec.response or "", rec.cycle or "", rec.session or "", rec.document or "",
             rec.text_ar or "", rec.text_ckb or "", rec.themes or "",
             files.get(rec.file_id, "") if rec.file_id else "", rec.responsible_bodies or ""]
            for rec in recs]
    if kind == "xlsx":
        return write_xlsx([(_("Recommendations"), TEMPLATE_HEADER, rows)],
                          text_columns=["code", "cycle", "session"])
    return write_csv(TEMPLATE_HEADER, rows)


# --- translation sheet -------------------------------------------------------------------

TRANSLATION_HEADER = ["code", "English", "Arabic", "Sorani", "id"]
_TRANSLATION_COLUMNS = {
    "code": "code", "id": "id",
    "english": "en", "text_en": "en", "en": "en",
    "arabic": "ar", "text_ar": "ar", "ar": "ar", "العربية": "ar",
    "sorani": "ckb", "kurdish": "ckb", "text_ckb": "ckb", "ckb": "ckb", "کوردی": "ckb",
}


def translation_sheet(session: Session, plan: Plan, *, missing_only: bool = False) -> bytes:
    """An XLSX sheet (code, English, Arabic, Sorani, id) for translators working offline.
    Only the Arabic and Sorani columns are read back; `id` identifies recommendations
    without a code."""
    query = filter_recommendations(plan)
    if missing_only:
        query = query.where(sa.or_(
            Recommendation.text_ar.is_(None), Recommendation.text_ar == "",
            Recommendation.text_ckb.is_(None), Recommendation.text_ckb == ""))
    rows = [[rec.code or "", rec.text_en or "", rec.text_ar or "", rec.text_ckb or "", rec.id]
            for rec in session.scalars(query)]
    return write_xlsx([(_("Translations"), TRANSLATION_HEADER, rows)], text_columns=["code"])


@dataclass
class TranslationImport:
    changed: list[tuple[int, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.rejected


def _unneutralise(value: str) -> str:
    """Undo the quote that exports put before text starting like a formula."""
    if value.startswith("'") and value[1:2] and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def import_translations(session: Session, plan: Plan, data: bytes, filename: str, *,
                        actor_id: int | None = None) -> TranslationImport:
    """Read a translation sheet back: only Arabic and Sorani texts change (an empty cell
    keeps the text). Nothing is written when any row is rejected."""
    check_import_size(len(data))
    try:
        table = read_table(data, filename, max_bytes=import_max_bytes())
    except TabularError as exc:
        raise CatalogueError(exc.message) from None
    positions: dict[str, int] = {}
    for index, name in enumerate(table.header):
        key = _TRANSLATION_COLUMNS.get(" ".join(name.split()).casefold())
        if key and key not in positions:
            positions[key] = index
    if ("code" not in positions and "id" not in positions) or not (
            {"ar", "ckb"} & set(positions)):
        raise CatalogueError(_(
            "This is not a translation sheet: it needs the columns %(columns)s.",
            columns=", ".join(TRANSLATION_HEADER)))

    recs = session.scalars(sa.select(Recommendation).where(
        Recommendation.plan_id == plan.id)).all()
    by_id = {rec.id: rec for rec in recs}
    by_code = {rec.code: rec for rec in recs if rec.code}
    result = TranslationImport()
    planned: list[tuple[Recommendation, dict[str, str]]] = []
    seen: dict[int, int] = {}

    def cell(cells: list[str], name: str) -> str:
        index = positions.get(name)
        return _unneutralise(cells[index].strip()) if index is not None and index < len(
            cells) else ""

    for number, cells in table.rows:
        ref, code = cell(cells, "id"), cell(cells, "code")
        rec = None
        if ref:
            rec = by_id.get(int(ref)) if ref.isdigit() else None
            if rec is None:
                result.rejected.append(Rejection(number, "id", _(
                    "Row %(row)d: %(value)s is not a recommendation of this plan.",
                    row=number, value=ref)))
                continue
        elif code:
            rec = by_code.get(code)
            if rec is None:
                result.rejected.append(Rejection(number, "code", _(
                    "Row %(row)d: no recommendation of this plan has the code %(code)s.",
                    row=number, code=code)))
                continue
        else:
            result.rejected.append(Rejection(number, "code", _(
                "Row %(row)d: the code is empty.", row=number)))
            continue
        if rec.id in seen:
            result.rejected.append(Rejection(number, "code", _(
                "Row %(row)d: this recommendation already appears in row %(first)d.",
                row=number, first=seen[rec.id])))
            continue
        seen[rec.id] = number
        updates = {}
        for lang in ("ar", "ckb"):
            value = cell(cells, lang)
            if value and value != (getattr(rec, f"text_{lang}") or ""):
                updates[f"text_{lang}"] = value
        if updates:
            planned.append((rec, updates))
        else:
            result.unchanged += 1

    if result.rejected:
        return result
    for rec, updates in planned:
        before = {name: getattr(rec, name) for name in updates}
        for name, value in updates.items():
            setattr(rec, name, value)
        audit.record(session, "recommendation.translated", rec, actor_id=actor_id,
                     before=before, after=updates)
        result.changed.append((rec.id, list(updates)))
    session.flush()
    result.applied = True
    return result


# --- uploads kept between preview and apply -----------------------------------------------

STAGED_ID_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
STAGED_MAX_AGE = 3600


def stage_upload(directory: str | os.PathLike, data: bytes, filename: str, *, plan_id: int,
                 user_id: int | None) -> str:
    """Keep an uploaded file until it is applied (or an hour passes); returns its id."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    purge_staged(folder)
    token = secrets.token_urlsafe(32)
    (folder / f"{token}.bin").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps({
        "filename": os.path.basename(filename or "")[:200], "plan_id": plan_id,
        "user_id": user_id, "at": time.time()}))
    return token


def load_staged(directory: str | os.PathLike, token: str | None, *, plan_id: int,
                user_id: int | None) -> tuple[bytes, str]:
    """The bytes and file name of a staged upload; refuses unknown, foreign or expired ids
    (never a path from the form: the id must match STAGED_ID_RE)."""
    gone = CatalogueError(_(
        "This upload is no longer available (uploads are kept for one hour). Please upload "
        "the file again."))
    if not token or not STAGED_ID_RE.match(token):
        raise gone
    folder = Path(directory)
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        raise gone from None
    if meta.get("plan_id") != plan_id or meta.get("user_id") != user_id:
        raise gone
    if time.time() - float(meta.get("at", 0)) > STAGED_MAX_AGE:
        discard_staged(folder, token)
        raise gone
    return data, meta.get("filename", "")


def discard_staged(directory: str | os.PathLike, token: str | None) -> None:
    if not token or not STAGED_ID_RE.match(token):
        return
    for suffix in (".bin", ".json"):
        try:
            (Path(directory) / f"{token}{suffix}").unlink()
        except FileNotFoundError:
            pass


def purge_staged(directory: str | os.PathLike, max_age: int = STAGED_MAX_AGE) -> int:
    """Delete staged uploads older than `max_age` seconds; returns how many."""
    folder = Path(directory)
    if not folder.is_dir():
        return 0
    removed = 0
    limit = time.time() - max_age
    for path in folder.iterdir():
        if path.suffix in (".bin", ".json") and STAGED_ID_RE.match(path.stem):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += path.suffix == ".bin"
            except FileNotFoundError:
                pass
    return removed
