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
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ... import i18n
from ...models import (
    Evaluation,
    EvaluationNote,
    EvaluationRevision,
    FileChoice,
    Organization,
    Plan,
    Recommendation,
    RecommendationFile,
    ReportingPeriod,
    User,
    utcnow,
)
from .. import audit
from ..catalogue import text_versions
from ..results import transparency_log
from . import attachments as attachment_service
from . import notifications
from .questionnaire import status_score, validate_answers
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
    return dt.datetime.now(i18n.timezone()).date()


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
        # Without the receipt's metadata ("_attachments", "_recommendation_text").
        answers = {k: v for k, v in earlier.revisions[-1].answers.items() if not k.startswith("_")}
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
    notifications.awaiting_approval(session, evaluation, actor=user)  # nobody left waiting
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
    text_version = text_versions.current_version_id(session, evaluation.recommendation_id)
    if text_version is not None:  # the wording evaluated, covered by the receipt
        stored[text_versions.ANSWER_KEY] = text_version
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
    if comment:
        session.add(EvaluationNote(evaluation_id=evaluation.id, kind="reply",
                                   author_id=user.id if user else None, body=comment,
                                   created_at=now))
    audit.record(session, "evaluation.submitted", evaluation, actor_id=user.id if user else None,
                 plan_id=evaluation.period.plan_id, before=before,
                 after={"state": "submitted", "version": evaluation.version, "counted": True,
                        "status_score": score, "revision": number, "late": late,
                        "content_hash": revision.content_hash, **extra})
    # Last: appending takes the log's one row until the commit, so that concurrent
    # submissions wait for each other only through these few statements.
    transparency_log.record_submission(session, revision)
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


# --- comments left with a submission, a return or a clarification (see review.py) ---------


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
