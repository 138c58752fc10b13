"""Offline data: an organisation's answers for a period in the questionnaire's columns, as
a spreadsheet to fill without a connection and import back (the same checks as the form)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...models import (
    Evaluation,
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
from ..imports import ImportReport, RowError, UploadRefused
from ..tabular import read_table, write_csv, write_xlsx
from .lifecycle import (
    EDITABLE_STATES,
    STATE_LABELS,
    EvaluationError,
    _refusal,
    _submit,
    _write,
    check_open,
    record_submitted,
    start,
    today,
)
from .questionnaire import ANSWER_TYPES, validate_answers
from .questionnaire_versions import current_definition, current_questionnaire_id

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
class AnswersImport(ImportReport):
    """The kernel's report: `new` and `updated` hold the recommendation codes whose
    evaluations were started or replaced; `rows` counts the rows read, `submitted` the
    evaluations submitted."""

    rows: int = 0
    submitted: int = 0


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
            report.rejected.append(RowError(0, "", exc.message))
            return report
    try:
        table = read_table(data, filename)
    except UploadRefused as exc:
        report.rejected.append(RowError(0, "", exc.message))
        return report
    definition = current_definition(session, period.plan)
    questions = {q["name"]: q for q in answer_columns(definition)}
    header = [h.strip() for h in table.header]
    if CODE_COLUMN not in header:
        report.rejected.append(RowError(table.header_row, CODE_COLUMN, _(
            "The first row has no “%(column)s” column (the recommendation's code).",
            column=CODE_COLUMN)))
    for name in header:
        if name and name != CODE_COLUMN and name not in questions:
            report.rejected.append(RowError(table.header_row, name, _(
                "“%(column)s” is not a question of this plan's questionnaire.", column=name)))
    if len(set(header)) != len(header):
        report.rejected.append(RowError(table.header_row, "", _(
            "A column name appears twice in the first row.")))
    if report.rejected:
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
            report.rejected.append(RowError(number, CODE_COLUMN, _(
                "Row %(row)d has no recommendation code.", row=number)))
            continue
        if code in seen:
            report.rejected.append(RowError(number, CODE_COLUMN, _(
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
            report.rejected.append(RowError(number, CODE_COLUMN, message))
            continue
        raw = {name: value for name, value in record.items() if name in questions}
        if not any((value or "").strip() for value in raw.values()):
            continue  # a row without any answer (e.g. of an exported template) is left alone
        clean, errors = validate_answers(definition, raw, submitting=submit or historical,
                                         today=on, lang=lang)
        for name, message in errors.items():
            report.rejected.append(RowError(number, name, _(
                "Row %(row)d: %(message)s", row=number, message=message)))
        evaluation = existing.get(rec.id)
        if evaluation is not None and not historical and evaluation.state not in EDITABLE_STATES:
            report.rejected.append(RowError(number, CODE_COLUMN, _(
                "Row %(row)d: the evaluation of %(code)s is %(state)s and cannot be "
                "replaced by an import.", row=number, code=code,
                state=STATE_LABELS[evaluation.state])))
        if not errors:
            planned.append((rec, clean))
    if report.rejected:
        return report

    now = utcnow()
    for rec, clean in planned:
        evaluation = existing.get(rec.id)
        if historical:
            record_submitted(session, organization=organization, recommendation=rec,
                             period=period, answers=clean, user=user)
            report.submitted += 1
            (report.new if evaluation is None else report.updated).append(rec.code)
            continue
        if evaluation is None:
            evaluation = start(session, organization_id=organization.id, recommendation=rec,
                               period=period, user=user, answers=clean)
            report.new.append(rec.code)
        else:
            if not _write(session, evaluation, evaluation.version,
                          {"answers": clean, "updated_at": now,
                           "updated_by_id": user.id if user else None},
                          states=EDITABLE_STATES):
                raise _refusal(session, evaluation, evaluation.version, user)
            report.updated.append(rec.code)
        if submit:
            late = period.deadline is not None and now > period.deadline
            _submit(session, evaluation, current_questionnaire_id(session, period.plan), clean,
                    user=user, now=now, late=late)
            report.submitted += 1
    audit.record(session, "evaluations.imported", None, actor_id=user.id if user else None,
                 organization_id=organization.id, plan_id=period.plan_id,
                 after={"period_id": period.id, "rows": report.rows, "created": len(report.new),
                        "updated": len(report.updated), "submitted": report.submitted,
                        "mode": "historical" if historical else "submit" if submit else "draft"})
    return report
