"""Evaluations: one per organisation, recommendation and period; drafts, the NGO's
internal approval, submission to the coordinator, clarification and revisions.

States (models.EVALUATION_STATES)::

    draft ──send──▶ awaiting_approval ──submit──▶ submitted ──clarify──▶ clarification_requested
      ▲                 │   (NGO administrator)       (counts)      (coordinator)     │
      └────return───────┘                                                           │
    clarification_requested ──send──▶ awaiting_approval ──submit──▶ submitted (revision n+1)

- A draft may be incomplete; a submission is validated in full (required answers).
- The NGO administrator may submit a draft directly. A return goes back to draft (or to
  clarification_requested while a counted version exists) with a comment ("returned").
- Independence: once submitted to the coordinator, `counted` is True and `status_score`
  holds the score of the newest revision; only a new submission by the organisation
  changes them. The coordinator can only request clarification.
- Every submission writes an `EvaluationRevision` that is never changed, with a SHA-256
  `content_hash` of its canonical JSON: the receipt shown to the NGO.
- Optimistic locking: answers and states change through one conditional UPDATE (`_write`:
  only while the row has the version the user's form was based on), other changes
  through the ORM, whose `version_id_col` makes its UPDATE conditional in the same way; a
  mismatch (or a concurrent write) raises `StaleVersion` with both versions. A double
  submission finds the evaluation already submitted (`AlreadySubmitted`): exactly one
  revision.

Services flush but never commit: the caller commits (and sends the queued emails).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ...models import (
    Evaluation,
    EvaluationNote,
    EvaluationRevision,
    FileChoice,
    Invitation,
    Organization,
    OutgoingEmail,
    Plan,
    Recommendation,
    RecommendationFile,
    ReportingPeriod,
    User,
    utcnow,
)
from .. import audit, mailer
from ..tabular import TabularError, read_table, write_csv, write_xlsx
from ..results import transparency_log
from . import attachments as attachment_service
from .questionnaire import ANSWER_TYPES, status_score, validate_answers
from .questionnaire_versions import (
    current_definition,
    current_questionnaire,
    current_questionnaire_id,
)

__all__ = [
    "current_questionnaire", "record_submitted", "EvaluationError", "NotFound",
    "InvalidAnswers", "StaleVersion", "AlreadySubmitted", "STATE_LABELS",
]

STATE_LABELS = {
    None: _l("Not started"),
    "draft": _l("Draft"),
    "awaiting_approval": _l("Awaiting approval"),
    "submitted": _l("Submitted"),
    "clarification_requested": _l("Clarification requested"),
}
EDITABLE_STATES = ("draft", "clarification_requested")
MAX_NOTE_LENGTH = 5000


# --- errors ------------------------------------------------------------------------------


class EvaluationError(Exception):
    """A refusal with a translated message and the HTTP status that fits it."""

    status = 409

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class NotFound(EvaluationError):
    """Not the organisation's to evaluate (other plan, file not monitored...): a 404."""

    status = 404


class InvalidAnswers(EvaluationError):
    status = 422

    def __init__(self, errors: dict[str, str]):
        super().__init__(_("Some answers need your attention. Nothing was saved."))
        self.errors = errors


class StaleVersion(EvaluationError):
    """The form was based on an older version than the one saved."""

    status = 409

    def __init__(self, yours: int, saved: Evaluation | None):
        self.yours = yours
        self.saved = saved
        self.saved_version = saved.version if saved is not None else None
        super().__init__(_(
            "Someone saved this evaluation while you were working on it. Your changes "
            "(based on version %(yours)s) were not saved; the saved version is now "
            "%(saved)s. Compare both below, then save again to keep yours.",
            yours=yours, saved=self.saved_version if self.saved_version is not None else "–"))


class AlreadySubmitted(EvaluationError):
    """A repeated submission (double click): nothing more to do."""

    status = 200

    def __init__(self, evaluation: Evaluation):
        self.evaluation = evaluation
        super().__init__(_("This evaluation has already been submitted to the coordinator."))


# --- small helpers -----------------------------------------------------------------------


def today() -> dt.date:
    """Today in the plan's time zone (dates of information may not be later)."""
    zone = ZoneInfo(current_app.config.get("MONITOR_TIMEZONE", "Asia/Baghdad"))
    return dt.datetime.now(zone).date()


def _require_role(user: User | None, role: str) -> None:
    """Defence in depth: routes check roles first (access.RULES)."""
    if user is None or user.role != role:
        raise EvaluationError(_("Your account is not allowed to do this."), 403)


def is_editable(evaluation: Evaluation | None, user: User) -> bool:
    if evaluation is None:
        return True
    if evaluation.state in EDITABLE_STATES:
        return True
    return evaluation.state == "awaiting_approval" and user.role == "ngo_admin"


def monitors(session: Session, organization_id: int, recommendation: Recommendation) -> bool:
    """The organisation monitors the recommendation's file (and neither is retired)."""
    if recommendation.file_id is None or recommendation.retired_at is not None:
        return False
    return session.scalar(
        sa.select(sa.func.count()).select_from(FileChoice)
        .join(RecommendationFile, RecommendationFile.id == FileChoice.file_id)
        .where(FileChoice.organization_id == organization_id,
               FileChoice.file_id == recommendation.file_id,
               FileChoice.choice == "monitoring",
               RecommendationFile.retired_at.is_(None))
    ) > 0


def check_scope(session: Session, organization_id: int, recommendation: Recommendation | None,
                period: ReportingPeriod | None) -> None:
    """NotFound unless the organisation may evaluate this recommendation in this period."""
    if (recommendation is None or period is None
            or recommendation.plan_id != period.plan_id
            or not monitors(session, organization_id, recommendation)):
        raise NotFound(_("This recommendation is not one your organisation monitors."))


def check_open(period: ReportingPeriod) -> None:
    if period.plan.status != "open":
        raise EvaluationError(_("This plan is closed: evaluations can no longer be changed "
                                "or submitted."))
    if period.status != "open":
        raise EvaluationError(_("The reporting period %(label)s is closed: evaluations can "
                                "no longer be changed or submitted.", label=period.label))


def find(session: Session, organization_id: int, recommendation_id: int,
         period_id: int) -> Evaluation | None:
    return session.scalar(sa.select(Evaluation).where(
        Evaluation.organization_id == organization_id,
        Evaluation.recommendation_id == recommendation_id,
        Evaluation.period_id == period_id))


def previous_period(session: Session, period: ReportingPeriod) -> ReportingPeriod | None:
    return session.scalar(
        sa.select(ReportingPeriod)
        .where(ReportingPeriod.plan_id == period.plan_id,
               ReportingPeriod.starts_on < period.starts_on)
        .order_by(ReportingPeriod.starts_on.desc()).limit(1))


def previous_answers(session: Session, organization_id: int, recommendation: Recommendation,
                     period: ReportingPeriod) -> dict[str, Any] | None:
    """The organisation's answers for the same recommendation in the previous period:
    the version that counted there, else its working copy."""
    before = previous_period(session, period)
    if before is None:
        return None
    earlier = find(session, organization_id, recommendation.id, before.id)
    if earlier is None:
        return None
    if earlier.revisions:
        answers = dict(earlier.revisions[-1].answers)
        answers.pop("_attachments", None)
        return answers or None
    return dict(earlier.answers) or None


def latest_revision(session: Session, evaluation: Evaluation) -> EvaluationRevision | None:
    return session.scalar(
        sa.select(EvaluationRevision).where(EvaluationRevision.evaluation_id == evaluation.id)
        .order_by(EvaluationRevision.number.desc()).limit(1))


def _reload(session: Session, evaluation_id: int) -> Evaluation | None:
    session.rollback()
    return session.get(Evaluation, evaluation_id)


def _flush_or_stale(session: Session, evaluation: Evaluation, yours: int) -> None:
    """Flush; a concurrent write to the same evaluation becomes StaleVersion."""
    evaluation_id = evaluation.id
    try:
        session.flush()
    except StaleDataError:
        raise StaleVersion(yours, _reload(session, evaluation_id)) from None


def _check_version(session: Session, evaluation: Evaluation, expected_version: int | None
                   ) -> None:
    if expected_version is None or expected_version != evaluation.version:
        yours = expected_version if expected_version is not None else 0
        raise StaleVersion(yours, _reload(session, evaluation.id))


def _validate(session: Session, plan: Plan, raw: dict[str, Any], *, submitting: bool,
              on: dt.date | None = None, lang: str | None = None
              ) -> tuple[int | None, dict[str, Any]]:
    """(questionnaire id, clean answers), or InvalidAnswers. A submission needs the id of
    the version it answers (created when the plan has none); a draft only reads the
    definition."""
    questionnaire_id = current_questionnaire_id(session, plan) if submitting else None
    clean, errors = validate_answers(current_definition(session, plan), raw,
                                     submitting=submitting, today=on or today(), lang=lang)
    if errors:
        raise InvalidAnswers(errors)
    return questionnaire_id, clean


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


# --- drafts -------------------------------------------------------------------------------


def start(session: Session, *, organization_id: int, recommendation: Recommendation,
          period: ReportingPeriod, user: User | None, answers: dict[str, Any] | None = None,
          check_period: bool = True, pseudonymous: bool = False) -> Evaluation:
    """Create the evaluation (a draft). Raises NotFound, EvaluationError (closed), and
    StaleVersion when someone else started it at the same moment."""
    check_scope(session, organization_id, recommendation, period)
    if check_period:
        check_open(period)
    evaluation = Evaluation(organization_id=organization_id, recommendation_id=recommendation.id,
                            period_id=period.id, state="draft", answers=answers or {},
                            pseudonymous=pseudonymous,
                            updated_by_id=user.id if user else None, updated_at=utcnow())
    session.add(evaluation)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()
        raise StaleVersion(0, find(session, organization_id, recommendation.id, period.id)
                           ) from None
    audit.record(session, "evaluation.created", evaluation, actor_id=user.id if user else None,
                 plan_id=period.plan_id, after={"state": "draft", "version": evaluation.version,
                                                "recommendation_id": recommendation.id,
                                                "period_id": period.id,
                                                "pseudonymous": pseudonymous})
    return evaluation


def create_draft(session: Session, *, organization_id: int, recommendation: Recommendation,
                 period: ReportingPeriod, raw: dict[str, Any], user: User,
                 lang: str | None = None, pseudonymous: bool | None = None) -> Evaluation:
    """The first save of an evaluation: checked like any draft, then created (version 1).
    `pseudonymous`: appear to the coordinator under a pseudonym (None: no)."""
    check_scope(session, organization_id, recommendation, period)
    check_open(period)
    _questionnaire, clean = _validate(session, period.plan, raw, submitting=False, lang=lang)
    return start(session, organization_id=organization_id, recommendation=recommendation,
                 period=period, user=user, answers=clean, pseudonymous=bool(pseudonymous))


def _pseudonym_change(evaluation: Evaluation, pseudonymous: bool | None) -> dict[str, Any]:
    """The column to write when the form changes the pseudonym choice (None: unchanged)."""
    if pseudonymous is None or bool(pseudonymous) == evaluation.pseudonymous:
        return {}
    return {"pseudonymous": bool(pseudonymous)}


def start_from_previous(session: Session, *, organization_id: int,
                        recommendation: Recommendation, period: ReportingPeriod,
                        user: User | None, lang: str | None = None) -> Evaluation:
    """A new draft that starts from the organisation's answers of the previous period
    (answers no longer valid in the current questionnaire are left out)."""
    check_scope(session, organization_id, recommendation, period)
    check_open(period)
    if find(session, organization_id, recommendation.id, period.id) is not None:
        raise EvaluationError(_("This evaluation has already been started."))
    previous = previous_answers(session, organization_id, recommendation, period)
    if not previous:
        raise EvaluationError(_("Your organisation has no answers for this recommendation "
                                "in the previous period."), 404)
    clean, errors = validate_answers(current_definition(session, period.plan), previous,
                                     submitting=False,
                                     today=today(), lang=lang)
    for name in errors:  # e.g. a choice that no longer exists: left for the evaluator
        clean.pop(name, None)
    evaluation = start(session, organization_id=organization_id, recommendation=recommendation,
                       period=period, user=user, answers=clean)
    audit.record(session, "evaluation.copied_from_previous", evaluation,
                 actor_id=user.id if user else None, plan_id=period.plan_id,
                 after={"answers": sorted(clean)})
    return evaluation


def _writable_states(user: User | None) -> tuple[str, ...]:
    if user is not None and user.role == "ngo_admin":
        return (*EDITABLE_STATES, "awaiting_approval")
    return EDITABLE_STATES


_WRITES: dict[tuple[tuple[str, ...], tuple[str, ...] | None], sa.Update] = {}


def _write_statement(columns: tuple[str, ...], states: tuple[str, ...] | None) -> sa.Update:
    """Built once per shape (with bound parameters): a busy form saves many times. A
    plain UPDATE on the table, not an ORM-enabled one: the caller updates the object in
    memory itself (see `_write`), and the ORM's bulk path cost more than the statement."""
    key = (columns, states)
    statement = _WRITES.get(key)
    if statement is None:
        table = Evaluation.__table__
        monitored = sa.exists().where(
            FileChoice.organization_id == table.c.organization_id,
            FileChoice.file_id == RecommendationFile.id,
            FileChoice.choice == "monitoring",
            RecommendationFile.id == sa.bindparam("file_id"),
            RecommendationFile.retired_at.is_(None))
        conditions = [table.c.id == sa.bindparam("evaluation_id"),
                      table.c.version == sa.bindparam("expected_version"), monitored]
        if states is not None:
            conditions.append(table.c.state.in_(states))
        statement = (sa.update(table).where(*conditions)
                     .values(version=table.c.version + 1,
                             **{name: sa.bindparam(f"new_{name}") for name in columns}))
        _WRITES[key] = statement
    return statement


def _write(session: Session, evaluation: Evaluation, yours: int | None, values: dict[str, Any],
           *, states: tuple[str, ...] | None) -> bool:
    """The conditional UPDATE through which answers and states change. It applies only
    while the row still has the version the user's form was based on (optimistic
    locking: a concurrent save or a second click changes nothing), is in one of `states`,
    and its file is still monitored by the organisation. True when applied; the object
    in memory is brought up to date without another query."""
    if yours is None:
        return False
    statement = _write_statement(tuple(sorted(values)), states)
    params = {"evaluation_id": evaluation.id, "expected_version": yours,
              "file_id": evaluation.recommendation.file_id}
    params.update({f"new_{name}": value for name, value in values.items()})
    session.flush()  # what the ORM's autoflush did: pending rows first (cheap when none)
    result = session.execute(statement, params)
    if result.rowcount != 1:
        return False
    for key, value in values.items():
        set_committed_value(evaluation, key, value)
    set_committed_value(evaluation, "version", yours + 1)
    return True


def _refusal(session: Session, evaluation: Evaluation, yours: int | None, user: User | None,
             *, submission: bool = False) -> EvaluationError:
    """Why a conditional write did not apply, read afresh (the transaction is rolled
    back: nothing of the refused request is kept)."""
    current = _reload(session, evaluation.id)
    if current is None:
        return NotFound(_("This evaluation does not exist."))
    try:
        check_scope(session, current.organization_id, current.recommendation, current.period)
        check_open(current.period)
    except EvaluationError as exc:
        return exc
    if submission and current.state == "submitted":
        return AlreadySubmitted(current)
    if yours is None or current.version != yours:
        return StaleVersion(yours or 0, current)
    return _not_editable(current)


def _not_editable(evaluation: Evaluation) -> EvaluationError:
    if evaluation.state == "submitted":
        return EvaluationError(_("This evaluation has been submitted to the coordinator and "
                                 "can no longer be changed. It can be revised only if the "
                                 "coordinator asks for clarification."))
    return EvaluationError(_("This evaluation is waiting for your organisation's "
                             "administrator, who can approve it or return it to you."))


def _precheck(evaluation: Evaluation, user: User) -> None:
    """The checks that need no query (the conditional UPDATE repeats what may change)."""
    if evaluation.recommendation.retired_at is not None or evaluation.recommendation.file_id \
            is None:
        raise NotFound(_("This recommendation is not one your organisation monitors."))
    check_open(evaluation.period)
    if not is_editable(evaluation, user):
        raise _not_editable(evaluation)


def check_editable(session: Session, evaluation: Evaluation, user: User) -> None:
    """All checks, with queries (uploads and other changes next to the answers)."""
    check_scope(session, evaluation.organization_id, evaluation.recommendation,
                evaluation.period)
    _precheck(evaluation, user)


def save(session: Session, evaluation: Evaluation, raw: dict[str, Any], *,
         expected_version: int | None, user: User, lang: str | None = None,
         pseudonymous: bool | None = None) -> Evaluation:
    """Save the working copy (a draft may be incomplete; what is given must be valid).
    `pseudonymous` (None: unchanged) sets whether the coordinator sees a pseudonym."""
    _precheck(evaluation, user)
    _questionnaire, clean = _validate(session, evaluation.period.plan, raw, submitting=False,
                                      lang=lang)
    before = evaluation.answers or {}
    changed = _changed(before, clean)
    extra = _pseudonym_change(evaluation, pseudonymous)
    if not _write(session, evaluation, expected_version,
                  {"answers": clean, "updated_at": utcnow(), "updated_by_id": user.id, **extra},
                  states=_writable_states(user)):
        raise _refusal(session, evaluation, expected_version, user)
    audit.record(session, "evaluation.saved", evaluation, actor_id=user.id,
                 plan_id=evaluation.period.plan_id,
                 before={"version": expected_version},
                 after={"version": evaluation.version, "changed": changed, **extra})
    return evaluation


def send_for_approval(session: Session, evaluation: Evaluation, raw: dict[str, Any], *,
                      expected_version: int | None, user: User,
                      lang: str | None = None, pseudonymous: bool | None = None) -> Evaluation:
    """Save and send to the NGO administrator; every required answer must be given."""
    _precheck(evaluation, user)
    if evaluation.state == "awaiting_approval":
        raise EvaluationError(_("This evaluation is already waiting for approval."))
    _questionnaire, clean = _validate(session, evaluation.period.plan, raw, submitting=True,
                                      lang=lang)
    before_state = evaluation.state
    extra = _pseudonym_change(evaluation, pseudonymous)
    if not _write(session, evaluation, expected_version,
                  {"answers": clean, "state": "awaiting_approval",
                   "sent_for_approval_by_id": user.id, "updated_at": utcnow(),
                   "updated_by_id": user.id, **extra}, states=EDITABLE_STATES):
        raise _refusal(session, evaluation, expected_version, user)
    audit.record(session, "evaluation.sent_for_approval", evaluation, actor_id=user.id,
                 plan_id=evaluation.period.plan_id,
                 before={"state": before_state, "version": expected_version},
                 after={"state": evaluation.state, "version": evaluation.version, **extra})
    return evaluation


# --- submission to the coordinator --------------------------------------------------------


def canonical_json(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def revision_content(revision: EvaluationRevision, evaluation: Evaluation) -> dict[str, Any]:
    """What the receipt's hash covers."""
    return {
        "evaluation": evaluation.id,
        "organization": evaluation.organization_id,
        "recommendation": evaluation.recommendation_id,
        "period": evaluation.period_id,
        "revision": revision.number,
        "questionnaire": revision.questionnaire_id,
        "answers": revision.answers,
        "status_score": revision.status_score,
        "submitted_at": revision.submitted_at.replace(microsecond=0).isoformat(),
        "submitted_by": revision.submitted_by_id,
        "late": revision.late,
    }


def content_hash(revision: EvaluationRevision, evaluation: Evaluation) -> str:
    return hashlib.sha256(canonical_json(revision_content(revision, evaluation))).hexdigest()


def verify(revision: EvaluationRevision) -> bool:
    """The receipt still matches the stored revision."""
    return hmac.compare_digest(revision.content_hash,
                               content_hash(revision, revision.evaluation))


_INSERT_REVISION = sa.insert(EvaluationRevision.__table__)


def _submit(session: Session, evaluation: Evaluation, questionnaire_id: int,
            clean: dict[str, Any], *, user: User | None, now: dt.datetime, late: bool,
            comment: str | None = None, expected_version: int | None = None,
            states: tuple[str, ...] | None = None,
            extra: dict[str, Any] | None = None) -> EvaluationRevision:
    """The one path by which a version reaches the coordinator and counts. `extra`: more
    columns written by the same conditional UPDATE (the pseudonym choice)."""
    extra = extra or {}
    yours = evaluation.version if expected_version is None else expected_version
    before = {"state": evaluation.state, "version": yours,
              "counted": evaluation.counted, "status_score": evaluation.status_score}
    score = status_score(clean.get("status"))
    # The conditional UPDATE (version, state) comes first: a second click loses here.
    if not _write(session, evaluation, yours,
                  {"answers": clean, "state": "submitted", "counted": True,
                   "status_score": score, "updated_at": now,
                   "updated_by_id": user.id if user else None, **extra}, states=states):
        raise _refusal(session, evaluation, yours, user, submission=True)
    number = 1 if not before["counted"] else (session.scalar(
        sa.select(sa.func.max(EvaluationRevision.number))
        .where(EvaluationRevision.evaluation_id == evaluation.id)) or 0) + 1
    stored = dict(clean)
    documents = attachment_service.describe(attachment_service.summaries(session, evaluation.id))
    if documents:
        stored["_attachments"] = documents
    values = {"evaluation_id": evaluation.id, "number": number,
              "questionnaire_id": questionnaire_id, "answers": stored, "status_score": score,
              "submitted_at": now.replace(microsecond=0),
              "submitted_by_id": user.id if user else None, "late": late}
    revision = EvaluationRevision(**values, content_hash="")
    revision.content_hash = values["content_hash"] = content_hash(revision, evaluation)
    try:
        # A plain INSERT (the unit of work cost more than the rest of the submission),
        # then the object joins the session as the row it is.
        revision.id = session.execute(_INSERT_REVISION, values).inserted_primary_key[0]
    except sa.exc.IntegrityError:  # the same revision number written concurrently
        evaluation_id = evaluation.id
        session.rollback()
        raise AlreadySubmitted(session.get(Evaluation, evaluation_id)) from None
    make_transient_to_detached(revision)
    session.add(revision)
    transparency_log.record_submission(session, revision)
    if comment:
        session.add(EvaluationNote(evaluation_id=evaluation.id, kind="reply",
                                   author_id=user.id if user else None, body=comment,
                                   created_at=now))
    audit.record(session, "evaluation.submitted", evaluation, actor_id=user.id if user else None,
                 plan_id=evaluation.period.plan_id, before=before,
                 after={"state": "submitted", "version": evaluation.version, "counted": True,
                        "status_score": score, "revision": number, "late": late,
                        "content_hash": revision.content_hash, **extra})
    return revision


def submit(session: Session, evaluation: Evaluation, raw: dict[str, Any] | None, *,
           expected_version: int | None, user: User, comment: str | None = None,
           now: dt.datetime | None = None, lang: str | None = None,
           pseudonymous: bool | None = None) -> EvaluationRevision:
    """The NGO administrator approves and submits to the coordinator (from a draft, from
    awaiting approval, or a revision after a clarification request). `raw` None submits
    the saved working copy. Late submissions are accepted and flagged."""
    _require_role(user, "ngo_admin")
    if evaluation.state == "submitted":
        raise AlreadySubmitted(evaluation)
    if expected_version is None or expected_version != evaluation.version:
        raise _refusal(session, evaluation, expected_version, user, submission=True)
    _precheck(evaluation, user)
    comment = _clean_note(comment, required=False)
    questionnaire, clean = _validate(session, evaluation.period.plan,
                                     raw if raw is not None else dict(evaluation.answers or {}),
                                     submitting=True, lang=lang)
    now = now or utcnow()
    deadline = evaluation.period.deadline
    late = deadline is not None and now > deadline
    return _submit(session, evaluation, questionnaire, clean, user=user, now=now, late=late,
                   comment=comment, expected_version=expected_version,
                   states=(*EDITABLE_STATES, "awaiting_approval"),
                   extra=_pseudonym_change(evaluation, pseudonymous))


def record_submitted(session: Session, *, organization: Organization,
                     recommendation: Recommendation, period: ReportingPeriod,
                     answers: dict[str, Any], user: User | None,
                     submitted_at: dt.datetime | None = None) -> Evaluation:
    """For imports of historical data and the demo: create or update the evaluation and
    submit it to the coordinator through the same path as the web submission (answers
    validated as for a submission, with "today" = the submission date; a new revision
    with its hash; counted; audited), but without the open-period and deadline checks
    (`late` is False). The organisation must monitor the recommendation's file
    (NotFound otherwise); invalid answers raise InvalidAnswers. The caller commits."""
    check_scope(session, organization.id, recommendation, period)
    now = submitted_at or utcnow()
    questionnaire, clean = _validate(session, period.plan, answers, submitting=True,
                                     on=now.date())
    evaluation = find(session, organization.id, recommendation.id, period.id)
    if evaluation is None:
        evaluation = start(session, organization_id=organization.id,
                           recommendation=recommendation, period=period, user=user,
                           check_period=False)
    _submit(session, evaluation, questionnaire, clean, user=user, now=now, late=False)
    return evaluation


# --- the NGO administrator's return, the coordinator's clarification ---------------------


def _clean_note(text: str | None, *, required: bool) -> str | None:
    text = (text or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if not text:
        if required:
            raise EvaluationError(_("Please write a comment."), 422)
        return None
    if len(text) > MAX_NOTE_LENGTH:
        raise EvaluationError(_("The comment is too long: %(length)s characters. The limit "
                                "is %(limit)s.", length=len(text), limit=MAX_NOTE_LENGTH), 422)
    return text


def _link(evaluation: Evaluation, *, review: bool = False) -> str:
    base = current_app.config["MONITOR_BASE_URL"].rstrip("/")
    return f"{base}/evaluations/{'review/' if review else ''}{evaluation.id}"


def _notify(session: Session, evaluation: Evaluation, recipients: list[User], *, kind: str,
            template: str, comment: str, actor: User) -> list[OutgoingEmail]:
    emails = []
    seen = set()
    org = evaluation.organization
    for person in recipients:
        if person is None or not person.active or person.email in seen or person.id == actor.id:
            continue
        seen.add(person.email)
        emails.append(mailer.queue(
            session, kind=kind, to=person.email, template=template,
            lang=person.language or org.preferred_language, plan_id=evaluation.period.plan_id,
            evaluation=evaluation, recommendation=evaluation.recommendation,
            period=evaluation.period, plan=evaluation.period.plan, comment=comment,
            link=_link(evaluation), organization=org))
    return emails


def _org_users(session: Session, organization_id: int, role: str) -> list[User]:
    return list(session.scalars(sa.select(User).where(
        User.organization_id == organization_id, User.role == role, User.active.is_(True)
    ).order_by(User.id)))


def return_to_evaluator(session: Session, evaluation: Evaluation, *, comment: str | None,
                        expected_version: int | None, user: User) -> list[OutgoingEmail]:
    """The NGO administrator returns an evaluation awaiting approval, with a comment; the
    evaluator who sent it is told by email. Returns the queued emails."""
    _require_role(user, "ngo_admin")
    check_scope(session, evaluation.organization_id, evaluation.recommendation,
                evaluation.period)
    check_open(evaluation.period)
    if evaluation.state != "awaiting_approval":
        raise EvaluationError(_("Only an evaluation waiting for approval can be returned."))
    comment = _clean_note(comment, required=True)
    _check_version(session, evaluation, expected_version)
    yours = evaluation.version
    # While a counted version exists, the revision goes back to the clarification stage.
    evaluation.state = "clarification_requested" if evaluation.counted else "draft"
    evaluation.updated_at = utcnow()
    evaluation.updated_by_id = user.id
    _flush_or_stale(session, evaluation, yours)
    session.add(EvaluationNote(evaluation_id=evaluation.id, kind="returned", author_id=user.id,
                               body=comment))
    audit.record(session, "evaluation.returned", evaluation, actor_id=user.id,
                 plan_id=evaluation.period.plan_id,
                 before={"state": "awaiting_approval", "version": yours},
                 after={"state": evaluation.state, "version": evaluation.version})
    sender = (session.get(User, evaluation.sent_for_approval_by_id)
              if evaluation.sent_for_approval_by_id else None)
    recipients = [sender] if sender is not None and sender.active else _org_users(
        session, evaluation.organization_id, "evaluator")
    return _notify(session, evaluation, recipients, kind="evaluation_returned",
                   template="evaluation_returned", comment=comment, actor=user)


def request_clarification(session: Session, evaluation: Evaluation, *, message: str | None,
                          user: User) -> list[OutgoingEmail]:
    """The coordinator asks the organisation about a submitted evaluation. It stays
    counted as it is; the organisation may submit a revision. Returns the queued emails."""
    _require_role(user, "coordinator")
    if not evaluation.counted:
        raise NotFound(_("This evaluation has not been submitted."))
    if evaluation.state == "clarification_requested":
        raise EvaluationError(_("A clarification has already been requested and the "
                                "organisation has not answered yet."))
    if evaluation.state != "submitted":
        raise EvaluationError(_("The organisation is already revising this evaluation."))
    message = _clean_note(message, required=True)
    yours = evaluation.version
    evaluation.state = "clarification_requested"
    _flush_or_stale(session, evaluation, yours)
    session.add(EvaluationNote(evaluation_id=evaluation.id, kind="clarification_request",
                               author_id=user.id, body=message))
    audit.record(session, "evaluation.clarification_requested", evaluation, actor_id=user.id,
                 plan_id=evaluation.period.plan_id, before={"state": "submitted"},
                 after={"state": evaluation.state, "version": evaluation.version})
    recipients = _org_users(session, evaluation.organization_id, "ngo_admin")
    if evaluation.sent_for_approval_by_id:
        recipients.append(session.get(User, evaluation.sent_for_approval_by_id))
    return _notify(session, evaluation, recipients, kind="evaluation_clarification",
                   template="evaluation_clarification_requested", comment=message, actor=user)


def notes(session: Session, evaluation: Evaluation, *, coordinator: bool = False
          ) -> list[EvaluationNote]:
    """The conversation; the coordinator does not see the NGO's internal returns."""
    query = sa.select(EvaluationNote).where(EvaluationNote.evaluation_id == evaluation.id)
    if coordinator:
        query = query.where(EvaluationNote.kind.in_(("clarification_request", "reply")))
    return list(session.scalars(query.order_by(EvaluationNote.created_at, EvaluationNote.id)))


# --- the evaluator's overview --------------------------------------------------------------


@dataclass
class FileBlock:
    file: RecommendationFile
    rows: list[tuple[Recommendation, Evaluation | None]] = field(default_factory=list)


@dataclass
class PeriodBlock:
    plan: Plan
    period: ReportingPeriod
    files: list[FileBlock] = field(default_factory=list)
    counts: dict[str | None, int] = field(default_factory=dict)
    #: Rows matching the filter, and the number of pages they make.
    rows: int = 0
    pages: int = 1


PER_PAGE = 100


def overview(session: Session, organization_id: int, *, state: str | None = None,
             page: int = 1, per_page: int = PER_PAGE) -> list[PeriodBlock]:
    """Per open period of each plan the organisation takes part in: its monitored files,
    their recommendations and each evaluation (None: not started). `state` filters rows
    ("not_started" for those without an evaluation); rows are paginated per period
    (`page` from 1; counts are over all rows)."""
    periods = list(session.scalars(
        sa.select(ReportingPeriod)
        .join(Plan, Plan.id == ReportingPeriod.plan_id)
        .join(Invitation, Invitation.plan_id == Plan.id)
        .where(Invitation.organization_id == organization_id,
               Invitation.status == "registered", Plan.status == "open",
               ReportingPeriod.status == "open")
        .order_by(Plan.id, ReportingPeriod.starts_on)))
    if not periods:
        return []
    plan_ids = {p.plan_id for p in periods}
    files = list(session.scalars(
        sa.select(RecommendationFile)
        .join(FileChoice, FileChoice.file_id == RecommendationFile.id)
        .where(FileChoice.organization_id == organization_id,
               FileChoice.choice == "monitoring", RecommendationFile.retired_at.is_(None),
               RecommendationFile.plan_id.in_(plan_ids))
        .order_by(RecommendationFile.position, RecommendationFile.id)))
    recommendations: dict[int, list[Recommendation]] = {}
    if files:
        for rec in session.scalars(
                sa.select(Recommendation)
                .where(Recommendation.file_id.in_([f.id for f in files]),
                       Recommendation.retired_at.is_(None))
                .order_by(Recommendation.sort_key, Recommendation.id)):
            recommendations.setdefault(rec.file_id, []).append(rec)
    evaluations = {
        (e.recommendation_id, e.period_id): e
        for e in session.scalars(sa.select(Evaluation).where(
            Evaluation.organization_id == organization_id,
            Evaluation.period_id.in_([p.id for p in periods])))
    }
    first, last = (page - 1) * per_page, page * per_page
    blocks = []
    for period in periods:
        block = PeriodBlock(plan=period.plan, period=period)
        for file in files:
            if file.plan_id != period.plan_id:
                continue
            file_block = FileBlock(file=file)
            for rec in recommendations.get(file.id, []):
                evaluation = evaluations.get((rec.id, period.id))
                key = evaluation.state if evaluation else None
                block.counts[key] = block.counts.get(key, 0) + 1
                if state and (key or "not_started") != state:
                    continue
                if first <= block.rows < last:
                    file_block.rows.append((rec, evaluation))
                block.rows += 1
            if file_block.rows:
                block.files.append(file_block)
        block.pages = max(1, -(-block.rows // per_page))
        blocks.append(block)
    return blocks


# --- offline data: answers in the questionnaire's columns ---------------------------------

CODE_COLUMN = "recommendation"


def answer_columns(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return [q for q in definition.get("questions") or [] if q.get("type") in ANSWER_TYPES]


def _monitored_recommendations(session: Session, organization_id: int, plan: Plan
                               ) -> list[Recommendation]:
    return list(session.scalars(
        sa.select(Recommendation)
        .join(RecommendationFile, RecommendationFile.id == Recommendation.file_id)
        .join(FileChoice, FileChoice.file_id == RecommendationFile.id)
        .where(Recommendation.plan_id == plan.id, Recommendation.retired_at.is_(None),
               RecommendationFile.retired_at.is_(None),
               FileChoice.organization_id == organization_id,
               FileChoice.choice == "monitoring")
        .order_by(RecommendationFile.position, Recommendation.sort_key, Recommendation.id)))


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return value


def export_answers(session: Session, *, organization: Organization, period: ReportingPeriod,
                   fmt: str = "xlsx") -> bytes:
    """The organisation's answers (working copies) for the period, one row per
    recommendation it monitors, in the questionnaire's columns: the file that
    `import_answers` reads back (empty rows make it a blank template)."""
    columns = answer_columns(current_definition(session, period.plan))
    header = [CODE_COLUMN] + [q["name"] for q in columns]
    existing = {e.recommendation_id: e for e in session.scalars(sa.select(Evaluation).where(
        Evaluation.organization_id == organization.id, Evaluation.period_id == period.id))}
    rows = []
    for rec in _monitored_recommendations(session, organization.id, period.plan):
        answers = existing[rec.id].answers if rec.id in existing else {}
        rows.append([rec.code or ""] + [_cell(answers.get(q["name"])) for q in columns])
    if fmt == "csv":
        return write_csv(header, rows)
    return write_xlsx([(period.label, header, rows)], text_columns=[CODE_COLUMN])


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class AnswersImport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    submitted: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_answers(session: Session, *, organization: Organization, period: ReportingPeriod,
                   data: bytes, filename: str = "", user: User | None, submit: bool = False,
                   historical: bool = False, lang: str | None = None) -> AnswersImport:
    """Import answers from CSV/XLSX (header: `recommendation` then question names; one row
    per recommendation code). Everything is checked first; a file with any error imports
    nothing (the report lists every error by row). Modes: drafts (default; an import
    replaces the working copy), `submit` (each row is submitted to the coordinator, as
    the administrator's web submission), `historical` (submitted through
    `record_submitted`: no open-period check, not late; CLI only)."""
    report = AnswersImport()
    if not historical:
        try:
            check_open(period)
        except EvaluationError as exc:
            report.errors.append(RowError(0, "", exc.message))
            return report
    max_mb = int(current_app.config.get("MONITOR_IMPORT_MAX_MB", 20))
    try:
        table = read_table(data, filename, max_bytes=max_mb * 1024 * 1024)
    except TabularError as exc:
        report.errors.append(RowError(0, "", exc.message))
        return report
    definition = current_definition(session, period.plan)
    questions = {q["name"]: q for q in answer_columns(definition)}
    header = [h.strip() for h in table.header]
    if CODE_COLUMN not in header:
        report.errors.append(RowError(table.header_row, CODE_COLUMN, _(
            "The first row has no “%(column)s” column (the recommendation's code).",
            column=CODE_COLUMN)))
    for name in header:
        if name and name != CODE_COLUMN and name not in questions:
            report.errors.append(RowError(table.header_row, name, _(
                "“%(column)s” is not a question of this plan's questionnaire.", column=name)))
    if len(set(header)) != len(header):
        report.errors.append(RowError(table.header_row, "", _(
            "A column name appears twice in the first row.")))
    if report.errors:
        return report

    by_code = {rec.code: rec for rec in _monitored_recommendations(
        session, organization.id, period.plan) if rec.code}
    all_codes = set(session.scalars(sa.select(Recommendation.code).where(
        Recommendation.plan_id == period.plan_id)))
    existing = {e.recommendation_id: e for e in session.scalars(sa.select(Evaluation).where(
        Evaluation.organization_id == organization.id, Evaluation.period_id == period.id))}
    on = today()
    seen: dict[str, int] = {}
    planned: list[tuple[Recommendation, dict[str, Any]]] = []
    for number, record in table.records():
        report.rows += 1
        code = (record.get(CODE_COLUMN) or "").strip()
        if not code:
            report.errors.append(RowError(number, CODE_COLUMN, _(
                "Row %(row)d has no recommendation code.", row=number)))
            continue
        if code in seen:
            report.errors.append(RowError(number, CODE_COLUMN, _(
                "Row %(row)d: recommendation %(code)s already appears in row %(first)d.",
                row=number, code=code, first=seen[code])))
            continue
        seen[code] = number
        rec = by_code.get(code)
        if rec is None:
            message = (_("Row %(row)d: your organisation does not monitor the file of "
                         "recommendation %(code)s.", row=number, code=code)
                       if code in all_codes else
                       _("Row %(row)d: there is no recommendation %(code)s in this plan.",
                         row=number, code=code))
            report.errors.append(RowError(number, CODE_COLUMN, message))
            continue
        raw = {name: value for name, value in record.items() if name in questions}
        if not any((value or "").strip() for value in raw.values()):
            continue  # a row without any answer (e.g. of an exported template) is left alone
        clean, errors = validate_answers(definition, raw, submitting=submit or historical,
                                         today=on, lang=lang)
        for name, message in errors.items():
            report.errors.append(RowError(number, name, _(
                "Row %(row)d: %(message)s", row=number, message=message)))
        evaluation = existing.get(rec.id)
        if evaluation is not None and not historical and evaluation.state not in EDITABLE_STATES:
            report.errors.append(RowError(number, CODE_COLUMN, _(
                "Row %(row)d: the evaluation of %(code)s is %(state)s and cannot be "
                "replaced by an import.", row=number, code=code,
                state=STATE_LABELS[evaluation.state])))
        if not errors:
            planned.append((rec, clean))
    if report.errors:
        return report

    now = utcnow()
    for rec, clean in planned:
        evaluation = existing.get(rec.id)
        if historical:
            record_submitted(session, organization=organization, recommendation=rec,
                             period=period, answers=clean, user=user)
            report.submitted += 1
            report.created += evaluation is None
            report.updated += evaluation is not None
            continue
        if evaluation is None:
            evaluation = start(session, organization_id=organization.id, recommendation=rec,
                               period=period, user=user, answers=clean)
            report.created += 1
        else:
            if not _write(session, evaluation, evaluation.version,
                          {"answers": clean, "updated_at": now,
                           "updated_by_id": user.id if user else None},
                          states=EDITABLE_STATES):
                raise _refusal(session, evaluation, evaluation.version, user)
            report.updated += 1
        if submit:
            late = period.deadline is not None and now > period.deadline
            _submit(session, evaluation, current_questionnaire_id(session, period.plan), clean,
                    user=user, now=now, late=late)
            report.submitted += 1
    audit.record(session, "evaluations.imported", None, actor_id=user.id if user else None,
                 organization_id=organization.id, plan_id=period.plan_id,
                 after={"period_id": period.id, "rows": report.rows, "created": report.created,
                        "updated": report.updated, "submitted": report.submitted,
                        "mode": "historical" if historical else "submit" if submit else "draft"})
    return report
