"""The catalogue: plans, reporting periods, recommendation files and recommendations.

Managed by the coordinator of the plan's governing body, and imported from the UPR
documents that `services.catalogue.upr_formats` recognises (monitor's template, OHCHR's
thematic list, the UN report as PDF text or numbered list, UPR Info's export) by
`services.catalogue.importing` (matching: `matching`); `exporting` and `translation_sheet`
write it out, `queries` reads it, `files_from_themes` groups it.

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
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
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
from .formats.common import clean_code, resolved_states, split_state_list
from .keys import LANGS, compute_match_key, join_themes, sort_key_for, split_themes

# Read through records by the catalogue's pages and outreach (the read side lives apart).
from .queries import (
    RecommendationFilter,
    active_files,
    file_counts,
    filter_recommendations,
    missing_translations,
    plan_states,
    plan_themes,
)
from .states import code_of, split_names
from .upr_formats import CODE_RE, normalise_text

__all__ = [
    "LANGS", "CatalogueError", "RecommendationFilter", "active_files", "compute_match_key",
    "file_counts", "filter_recommendations", "join_themes", "missing_translations",
    "plan_states", "plan_themes", "sort_key_for", "split_themes",
]

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
    "sdgs": 1000,
    "affected_persons": 1000,
}
_TITLE_MAX = 300

#: Recommendation fields an import or the edit form may change, in display order.
RECOMMENDATION_FIELDS = (
    "code", "text_en", "text_ar", "text_ckb", "recommending_states", "response", "cycle",
    "session", "document", "themes", "sdgs", "affected_persons", "responsible_bodies",
    "file_id",
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


def _refresh_keys(rec: Recommendation) -> None:
    rec.sort_key = sort_key_for(rec.code, rec.text_en or rec.text_ar or rec.text_ckb)
    rec.match_key = compute_match_key(rec.text_en, rec.recommending_states)
    codes = [code_of(name) for name in split_names(rec.recommending_states)]
    rec.state_codes = codes or None


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
                "description_ckb", "description_en", "starts_on", "ends_on", "status",
                "default_cycle")


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
    cycle = values.get("default_cycle")
    if cycle is not None and not (str(cycle).isdigit() and len(str(cycle)) <= 20):
        raise CatalogueError(_("The UPR cycle is a number, such as 4."), "default_cycle")
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if starts and ends and ends < starts:
        raise CatalogueError(_("The end date is before the start date."), "ends_on")


def create_plan(session: Session, body: GoverningBody, *, slug: str, title_en: str | None = None,
                title_ar: str | None = None, title_ckb: str | None = None,
                description_en: str | None = None, description_ar: str | None = None,
                description_ckb: str | None = None, starts_on: dt.date | None = None,
                ends_on: dt.date | None = None, status: str = "draft",
                default_cycle: str | None = None, actor_id: int | None = None) -> Plan:
    """A new plan of `body`; `default_cycle` is the UPR cycle given to imported
    recommendations whose file does not say."""
    values = {name: _clean(value) for name, value in dict(
        slug=slug, title_en=title_en, title_ar=title_ar, title_ckb=title_ckb,
        description_en=description_en, description_ar=description_ar,
        description_ckb=description_ckb, starts_on=starts_on, ends_on=ends_on, status=status,
        default_cycle=default_cycle,
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
        "document": _("document"), "themes": _("themes"), "sdgs": _("SDGs"),
        "affected_persons": _("affected persons"),
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
            Recommendation.plan_id == plan.id, Recommendation.code == code,
            *_same_document(values.get("document"))).limit(1))
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
        raise CatalogueError(_("Choose a response: supported, noted or partially "
                               "supported."), "response")
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


def _same_document(document: str | None) -> list[sa.ColumnElement[bool]]:
    """Codes are unique per source document; a recommendation without one clashes with
    any document's."""
    if not document:
        return []
    return [sa.or_(Recommendation.document.is_(None), Recommendation.document == document)]


def _recommendation_values(values: dict[str, Any]) -> dict[str, Any]:
    out = {name: _clean(value) for name, value in values.items()}
    for name in ("themes", "sdgs", "affected_persons"):
        if name in values:
            out[name] = join_themes(values[name])
    if out.get("code"):
        out["code"] = clean_code(out["code"])
    if out.get("recommending_states"):
        # Stored under the UN's names, in order ("UK; France" → "United Kingdom of …").
        out["recommending_states"] = resolved_states(split_state_list(
            out["recommending_states"]))[0] or None
    return out


def create_recommendation(session: Session, plan: Plan, *, text_en: str | None = None,
                          code: str | None = None, text_ar: str | None = None,
                          text_ckb: str | None = None, recommending_states: str | None = None,
                          response: str | None = None, cycle: str | None = None,
                          session_number: str | None = None, document: str | None = None,
                          themes: Iterable[str] | str | None = None,
                          responsible_bodies: str | None = None,
                          sdgs: Iterable[str] | str | None = None,
                          affected_persons: Iterable[str] | str | None = None,
                          file: RecommendationFile | int | None = None,
                          actor_id: int | None = None) -> Recommendation:
    """Add one recommendation (the UPR `session` is `session_number` here, beside the
    database session)."""
    values = _recommendation_values(dict(
        code=code, text_en=text_en, text_ar=text_ar, text_ckb=text_ckb,
        recommending_states=recommending_states, response=response, cycle=cycle,
        session=session_number, document=document, themes=themes,
        responsible_bodies=responsible_bodies, sdgs=sdgs, affected_persons=affected_persons,
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


