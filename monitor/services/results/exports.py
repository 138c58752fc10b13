"""Spreadsheet exports of the results: the comparison and the submitted evaluations for the
coordinator, and an NGO's own evaluations for its shadow reports.

Every export is a list of tables ``(title, header, rows)`` written by services.tabular:
CSV as UTF-8 with a byte-order mark (Arabic and Sorani open intact in Excel), XLSX with
numbers as numbers. Both neutralise every text cell that a spreadsheet could run as a
formula (``=``, ``+``, ``-``, ``@``, tab, carriage return: see tabular.neutralise). A CSV
holds the first table only; the XLSX holds them all, one sheet each.

A CSV's header holds stable machine names (``code``, ``text_ar``...) so that a spreadsheet
built on an export keeps working; an XLSX says the same in the reader's language
(export_labels). Content in three languages is three columns.

Organisations: the coordinator's evaluations export names each organisation, or, for an
evaluation it chose to make pseudonymous, its pseudonym on that recommendation
("Organisation A", as in the drill-down: services.results.pseudonyms); the comparison holds no
organisation at all except the authors of rejoinders, shown the same way.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import i18n
from ...models import (
    Attachment,
    Evaluation,
    EvaluationRevision,
    Organization,
    Plan,
    Questionnaire,
    Recommendation,
    ReportingPeriod,
    utcnow,
)
from ..evaluation.questionnaire import ANSWER_TYPES
from ..evaluation.questionnaire_versions import current_definition
from ..tabular import write_csv, write_xlsx
from . import export_labels, pseudonyms, replies, stats
from .comparison import Comparison, Figures

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
LANGS = i18n.LANGUAGES

Table = tuple[str, list[str], list[list[Any]]]

#: Columns whose values look like numbers but are codes (127.10 is not 127.1).
CODE_COLUMNS = ("code",)


def _tri(obj: Any, field: str) -> list[str | None]:
    return [getattr(obj, f"{field}_{lang}", None) if obj is not None else None
            for lang in LANGS]


def _tri_header(field: str) -> list[str]:
    return [f"{field}_{lang}" for lang in LANGS]


def render(tables: Sequence[Table], fmt: str, *, rtl: bool = False) -> bytes:
    """CSV (the first table) or XLSX (every table, a sheet each)."""
    if fmt == "csv":
        title, header, rows = tables[0]
        return write_csv(header, rows)
    # People read the XLSX: headers and sheet names in their language (the CSV keeps keys).
    return write_xlsx([(export_labels.sheet(title), [export_labels.column(k) for k in header],
                        rows) for title, header, rows in tables], rtl=rtl,
                      text_columns=[export_labels.column(k) for k in CODE_COLUMNS])


def mimetype(fmt: str) -> str:
    return "text/csv" if fmt == "csv" else XLSX_MIMETYPE


# --- answers as cells -------------------------------------------------------------------------


def _answer_cell(value: Any, qtype: str | None) -> Any:
    """An answer as a spreadsheet cell: numbers stay numbers, lists become one cell."""
    if value is None:
        return None
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if qtype in ("integer", "decimal") and isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return value
        return int(number) if qtype == "integer" and number == number.to_integral_value() \
            else float(number)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return str(value)


@dataclass
class _Columns:
    names: list[str]
    types: dict[str, str]


def _answer_columns(definitions: Sequence[dict[str, Any]],
                    answers: Sequence[dict[str, Any]]) -> _Columns:
    """The questions of the given definitions (newest first wins the type), then any other
    name found in the answers, in order of appearance."""
    names: list[str] = []
    types: dict[str, str] = {}
    for definition in definitions:
        for q in definition.get("questions") or []:
            if q.get("type") in ANSWER_TYPES and q.get("name") not in types:
                types[q["name"]] = q["type"]
                names.append(q["name"])
    for values in answers:
        for name in values:
            if not name.startswith("_") and name not in types and name not in names:
                names.append(name)
    return _Columns(names, types)


# --- the comparison ---------------------------------------------------------------------------

COMPARISON_HEADER = [
    "level", "file_id", "recommendation_id", "code", *_tri_header("title"),
    "official", "measure", "independent", "gap", "flag", "n_ngos", "coverage", "alpha",
    "low_coverage", "evaluated", "total", "mean", "median", "q1", "q3", "iqr", "share_fully",
    *(f"n_{s}" for s in stats.SCALE), "official_source", "right_of_reply",
]
REPLY_HEADER = ["level", "code", *_tri_header("title"), "kind", "author", "created_at_utc",
                "body"]


def _figures(figures: Figures) -> list[Any]:
    return [figures.official, figures.measure, figures.independent, figures.gap, figures.flag,
            figures.n_ngos, figures.coverage, figures.alpha, figures.low_coverage]


def _source(figures: Figures) -> str | None:
    return figures.entry.source if figures.entry is not None else None


def comparison_tables(session: Session, result: Comparison) -> list[Table]:
    """The comparison (plan, files, recommendations: one row each, with the thread of
    each item), the right-of-reply messages one per row, and the settings."""
    plan, period = result.plan, result.period
    threads = {t.level.key: t for t in replies.threads_with_messages(session, plan, period)}

    def thread(key: str) -> str | None:
        return replies.thread_text(threads[key]) if key in threads else None

    rows: list[list[Any]] = []
    o = result.overall
    rows.append(["plan", None, None, None, *_tri(plan, "title"), *_figures(o), o.evaluated,
                 o.total, *([None] * (6 + len(stats.SCALE))), _source(o), thread("plan")])
    for f in result.files:
        x = f.figures
        rows.append(["file", f.file.id, None, None, *_tri(f.file, "title"), *_figures(x),
                     x.evaluated, x.total, *([None] * (6 + len(stats.SCALE))), _source(x),
                     thread(x.level_key)])
    texts = {rec.id: rec for rec in session.scalars(sa.select(Recommendation).where(
        Recommendation.plan_id == plan.id))}
    for r in result.recommendations:
        x, s = r.figures, r.score
        rows.append(["recommendation", r.file_id, r.id, r.code, *_tri(texts.get(r.id), "text"),
                     *_figures(x), None, None, s.mean, s.median, s.q1, s.q3, s.iqr,
                     s.share_fully, *(s.distribution[v] for v in stats.SCALE), _source(x),
                     thread(x.level_key)])

    reply_rows: list[list[Any]] = []
    for t in threads.values():
        level = t.level
        title = _tri(level.recommendation, "text") if level.recommendation is not None else (
            _tri(level.file, "title") if level.file is not None else _tri(plan, "title"))
        code = level.recommendation.code if level.recommendation is not None else None
        for m in t.messages:
            reply_rows.append([level.key, code, *title, m.kind, t.author(m), m.created_at,
                               m.body or None])

    about = [["plan", plan.slug], *[[f"plan_title_{lang}", getattr(plan, f"title_{lang}")]
                                    for lang in LANGS],
             ["period", period.label], ["starts_on", period.starts_on],
             ["ends_on", period.ends_on], ["min_ngos", result.settings.min_ngos],
             ["divergence_threshold", result.settings.threshold],
             ["submissions", result.submissions],
             ["published_at_utc", period.published_at],
             ["exported_at_utc", utcnow().replace(microsecond=0)]]
    return [("Comparison", COMPARISON_HEADER, rows),
            ("Right of reply", REPLY_HEADER, reply_rows),
            ("About", ["name", "value"], about)]


# --- the submitted evaluations (coordinator) ---------------------------------------------------

EVALUATION_HEADER = [
    "organisation", "pseudonymous", "recommendation_id", "code", "file_id",
    *_tri_header("file_title"), "version", "submitted_at_utc", "late", "status_score",
    "receipt_sha256",
]
EVIDENCE_COLUMNS = ["evidence_shared", "evidence_kept"]


def _newest_revisions(session: Session, evaluation_ids: list[int]
                      ) -> dict[int, EvaluationRevision]:
    if not evaluation_ids:
        return {}
    newest = (sa.select(EvaluationRevision.evaluation_id,
                        sa.func.max(EvaluationRevision.number).label("number"))
              .where(EvaluationRevision.evaluation_id.in_(evaluation_ids))
              .group_by(EvaluationRevision.evaluation_id).subquery())
    return {r.evaluation_id: r for r in session.scalars(
        sa.select(EvaluationRevision).join(newest, sa.and_(
            newest.c.evaluation_id == EvaluationRevision.evaluation_id,
            newest.c.number == EvaluationRevision.number)))}


def _definitions(session: Session, plan: Plan, questionnaire_ids: set[int]) -> list[dict]:
    """The current definition first, then those the revisions answered (newest first)."""
    out = [current_definition(session, plan)]
    if questionnaire_ids:
        out += [q.definition for q in session.scalars(
            sa.select(Questionnaire).where(Questionnaire.id.in_(questionnaire_ids))
            .order_by(Questionnaire.version.desc()))]
    return out


def _evidence(answers: dict[str, Any]) -> tuple[str | None, int]:
    """Names of the documents shared with the coordinator (as the receipt records them),
    and the number kept within the organisation."""
    shared, kept = [], 0
    for documents in (answers.get("_attachments") or {}).values():
        for doc in documents:
            if doc.get("visibility") == "coordinator" and doc.get("name"):
                shared.append(str(doc["name"]))
            else:
                kept += 1
    return ("\n".join(shared) or None), kept


def evaluation_tables(session: Session, plan: Plan, period: ReportingPeriod) -> list[Table]:
    """Every counted (submitted) evaluation of the period, in the version that counts: one
    row each, its answers in the questionnaire's columns and its evidence list."""
    rows = session.execute(
        sa.select(Evaluation, Organization.name, Recommendation)
        .join(Organization, Organization.id == Evaluation.organization_id)
        .join(Recommendation, Recommendation.id == Evaluation.recommendation_id)
        .where(Evaluation.period_id == period.id, Evaluation.counted == sa.true(),
               Recommendation.plan_id == plan.id)
        .order_by(Recommendation.sort_key, Recommendation.id, Evaluation.id)).all()
    revisions = _newest_revisions(session, [e.id for e, _n, _r in rows])
    letters = pseudonyms.by_evaluation(session, period.id)
    files = {rf.id: rf for rf in plan.files}
    columns = _answer_columns(
        _definitions(session, plan, {r.questionnaire_id for r in revisions.values()}),
        [r.answers for r in revisions.values()])
    out: list[list[Any]] = []
    for evaluation, name, rec in rows:
        revision = revisions.get(evaluation.id)
        answers = revision.answers if revision is not None else {}
        shared, kept = _evidence(answers)
        out.append([
            pseudonyms.shown_name(name, evaluation.pseudonymous, letters.get(evaluation.id)),
            evaluation.pseudonymous, rec.id, rec.code, rec.file_id,
            *_tri(files.get(rec.file_id or 0), "title"),
            revision.number if revision else None,
            revision.submitted_at if revision else None,
            revision.late if revision else None, evaluation.status_score,
            revision.content_hash if revision else None,
            *(_answer_cell(answers.get(n), columns.types.get(n)) for n in columns.names),
            shared, kept,
        ])
    return [(period.label, EVALUATION_HEADER + columns.names + EVIDENCE_COLUMNS, out)]


# --- an NGO's own evaluations --------------------------------------------------------------------

OWN_HEADER = [
    "period", "recommendation_id", "code", "file_id", *_tri_header("file_title"),
    *_tri_header("text"), "state", "counted", "pseudonymous", "submitted_version",
    "submitted_at_utc", "late", "receipt_sha256", "status_score", "updated_at_utc",
]
EVIDENCE_HEADER = ["period", "code", "document", "question", "visibility", "content_type",
                   "size_bytes", "sha256", "uploaded_at_utc"]
OWN_REPLY_HEADER = ["period", "level", "code", "item", "kind", "author", "created_at_utc",
                    "body"]


def own_tables(session: Session, plan: Plan, organization_id: int) -> list[Table]:
    """All the organisation's evaluations of the plan (every period, every state: its
    working answers), its evidence list, and the right-of-reply threads it sees. Never
    another organisation's data."""
    rows = session.execute(
        sa.select(Evaluation, Recommendation, ReportingPeriod)
        .join(Recommendation, Recommendation.id == Evaluation.recommendation_id)
        .join(ReportingPeriod, ReportingPeriod.id == Evaluation.period_id)
        .where(Evaluation.organization_id == organization_id,
               ReportingPeriod.plan_id == plan.id)
        .order_by(ReportingPeriod.starts_on, Recommendation.sort_key, Recommendation.id)
    ).all()
    ids = [e.id for e, _r, _p in rows]
    revisions = _newest_revisions(session, ids)
    columns = _answer_columns(
        _definitions(session, plan, {r.questionnaire_id for r in revisions.values()}),
        [e.answers or {} for e, _r, _p in rows])
    files = {rf.id: rf for rf in plan.files}
    evaluations: list[list[Any]] = []
    for evaluation, rec, period in rows:
        revision = revisions.get(evaluation.id)
        answers = evaluation.answers or {}
        evaluations.append([
            period.label, rec.id, rec.code, rec.file_id, *_tri(files.get(rec.file_id or 0),
                                                               "title"),
            *_tri(rec, "text"), evaluation.state, evaluation.counted, evaluation.pseudonymous,
            revision.number if revision else None,
            revision.submitted_at if revision else None,
            revision.late if revision else None,
            revision.content_hash if revision else None, evaluation.status_score,
            evaluation.updated_at,
            *(_answer_cell(answers.get(n), columns.types.get(n)) for n in columns.names),
        ])

    by_id = {e.id: (rec, period) for e, rec, period in rows}
    evidence: list[list[Any]] = []
    if ids:
        for att in session.scalars(sa.select(Attachment).where(
                Attachment.evaluation_id.in_(ids)).order_by(Attachment.id)):
            rec, period = by_id[att.evaluation_id]
            evidence.append([period.label, rec.code, att.display_name, att.question,
                             att.visibility, att.content_type, att.size, att.sha256,
                             att.created_at])
    evidence.sort(key=lambda row: (str(row[0]), str(row[1] or "")))

    reply_rows: list[list[Any]] = []
    for period in plan.periods:
        for t in replies.organization_threads(session, plan, period, organization_id):
            code = t.level.recommendation.code if t.level.recommendation is not None else None
            for m in t.messages:
                reply_rows.append([period.label, t.level.key, code, t.level.label(),
                                   m.kind, t.author(m), m.created_at, m.body or None])
    return [("Evaluations", OWN_HEADER + columns.names, evaluations),
            ("Evidence", EVIDENCE_HEADER, evidence),
            ("Right of reply", OWN_REPLY_HEADER, reply_rows)]


def filename(*parts: str, fmt: str) -> str:
    """A download name from slugs and labels (ASCII-safe; labels are the coordinator's)."""
    safe = ["".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "-" for ch in p)
            for p in parts]
    return "-".join(p.strip("-") or "x" for p in safe) + f".{fmt}"
