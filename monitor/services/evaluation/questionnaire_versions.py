"""A plan's questionnaire in the database: versions, XLSForm import onto the current
version, export. The definitions themselves are plain data (services.evaluation.questionnaire).

A version is never changed once written: a submitted evaluation keeps the version it
answered (EvaluationRevision.questionnaire_id); an import makes a new version.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Plan, Questionnaire, User
from .. import audit
from .questionnaire import default_questionnaire
from .xlsform import ImportResult, export_xlsform, import_xlsform


def current_questionnaire(session: Session, plan: Plan) -> Questionnaire:
    """The plan's newest questionnaire version; version 1 (monitor's default
    questionnaire) is created, in the caller's transaction, when the plan has none."""
    found = _newest(session, plan)
    if found is not None:
        return found
    # Two first requests may race to create version 1: a savepoint keeps the caller's
    # transaction (and the versions it has read) intact when the other one wins.
    try:
        with session.begin_nested():
            questionnaire = Questionnaire(plan_id=plan.id, version=1,
                                          definition=default_questionnaire())
            session.add(questionnaire)
    except sa.exc.IntegrityError:
        found = _newest(session, plan)
        if found is None:
            raise
        return found
    return questionnaire


_CACHE_KEY = "monitor.questionnaires"


def _newest(session: Session, plan: Plan) -> Questionnaire | None:
    # Cached for the rest of the transaction: a request reads it several times (form,
    # validation, submission); a new version clears it (see import_questionnaire).
    cache = session.info.setdefault(_CACHE_KEY, {})
    if plan.id in cache:
        return cache[plan.id]
    found = session.scalar(
        sa.select(Questionnaire).where(Questionnaire.plan_id == plan.id)
        .order_by(Questionnaire.version.desc()).limit(1)
    )
    if found is not None:
        cache[plan.id] = found
    return found


@sa.event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:  # noqa: ANN001
    if transaction.parent is None:
        session.info.pop(_CACHE_KEY, None)


def peek(session: Session, plan: Plan) -> Questionnaire:
    """The version in use, without writing anything: while the plan has none, an unsaved
    version 1 holding the default questionnaire."""
    found = _newest(session, plan)
    if found is not None:
        return found
    return Questionnaire(plan_id=plan.id, version=1, definition=default_questionnaire())


#: Definitions by (id, created_at): a version is never changed once written, so it can
#: be kept across requests; only the newest version's id is read each time.
_DEFINITIONS: dict[tuple[int, object], dict] = {}
_DEFINITIONS_MAX = 64


def _newest_id(plan_id: sa.ColumnElement[int]) -> sa.Select:
    """The newest version's id and creation time, for the plan `plan_id` stands for."""
    return (sa.select(Questionnaire.id, Questionnaire.created_at)
            .where(Questionnaire.plan_id == plan_id)
            .order_by(Questionnaire.version.desc()).limit(1))


_NEWEST_ID = _newest_id(sa.bindparam("plan_id"))


class _Newest(NamedTuple):
    id: int
    created_at: object


def newest_version_columns(plan_id: sa.ColumnElement[int]) -> tuple[sa.Label, sa.Label]:
    """Two columns to add to a query that reads an object of a plan (`plan_id` is the
    expression for its plan): the newest version's id and creation time, so that a busy
    request does not spend a round trip on them (pass them to `remember_newest`)."""
    newest = _newest_id(plan_id)
    return (newest.with_only_columns(Questionnaire.id).scalar_subquery()
            .label("questionnaire_id"),
            newest.with_only_columns(Questionnaire.created_at).scalar_subquery()
            .label("questionnaire_created_at"))


def remember_newest(session: Session, plan_id: int, questionnaire_id: int | None,
                    created_at: object) -> None:
    """What `newest_version_columns` read, for the rest of the transaction."""
    if questionnaire_id is not None:
        session.info.setdefault(_CACHE_KEY, {})[("row", plan_id)] = _Newest(
            questionnaire_id, created_at)


def current_questionnaire_id(session: Session, plan: Plan) -> int:
    """The id of the version in use (version 1 is created when the plan has none)."""
    cache = session.info.setdefault(_CACHE_KEY, {})
    if plan.id in cache:
        return cache[plan.id].id
    row = cache.get(("row", plan.id))
    if row is None:
        row = session.execute(_NEWEST_ID, {"plan_id": plan.id}).first()
    if row is None:
        return current_questionnaire(session, plan).id
    cache[("row", plan.id)] = row
    return row.id


def current_definition(session: Session, plan: Plan) -> dict:
    """The definition in use, without writing anything (pages, drafts, validation): the
    default questionnaire while the plan has no version yet. Do not modify it."""
    cache = session.info.setdefault(_CACHE_KEY, {})
    if plan.id in cache:
        return cache[plan.id].definition
    if ("definition", plan.id) in cache:
        return cache[("definition", plan.id)]
    row = cache.get(("row", plan.id))
    if row is None:
        row = session.execute(_NEWEST_ID, {"plan_id": plan.id}).first()
    if row is None:
        return default_questionnaire()
    cache[("row", plan.id)] = row
    key = (row.id, row.created_at)
    definition = _DEFINITIONS.get(key)
    if definition is None:
        definition = session.scalar(sa.select(Questionnaire.definition)
                                    .where(Questionnaire.id == row.id))
        if len(_DEFINITIONS) >= _DEFINITIONS_MAX:
            _DEFINITIONS.clear()
        _DEFINITIONS[key] = definition
    cache[("definition", plan.id)] = definition
    return definition


def versions(session: Session, plan: Plan) -> list[Questionnaire]:
    return list(session.scalars(
        sa.select(Questionnaire).where(Questionnaire.plan_id == plan.id)
        .order_by(Questionnaire.version.desc())
    ))


@dataclass
class QuestionnaireImport:
    result: ImportResult
    #: The new version, or None when nothing was imported (errors, or no new question).
    questionnaire: Questionnaire | None


def import_questionnaire(session: Session, plan: Plan, data: bytes, *,
                         user: User | None = None) -> QuestionnaireImport:
    """Append the supported questions of an XLSForm to the plan's current questionnaire,
    as a new version. Unsupported rows are in ``result.skipped``; a file with fatal
    errors (``result.rejected``) changes nothing."""
    current = peek(session, plan)
    result = import_xlsform(data, base=current.definition)
    if not result.ok or not result.new:
        return QuestionnaireImport(result, None)
    if current.id is None:  # keep version 1 (the default) in the history
        current = current_questionnaire(session, plan)
    new = Questionnaire(plan_id=plan.id, version=current.version + 1,
                        definition=result.definition)
    session.add(new)
    session.flush()
    session.info.pop(_CACHE_KEY, None)
    audit.record(session, "questionnaire.imported", new, actor_id=user.id if user else None,
                 plan_id=plan.id, before={"version": current.version},
                 after={"version": new.version, "imported": result.new,
                        "skipped": len(result.skipped)})
    return QuestionnaireImport(result, new)


def export_questionnaire(session: Session, plan: Plan) -> bytes:
    """The current version as an XLSForm workbook."""
    return export_xlsform(current_definition(session, plan))
