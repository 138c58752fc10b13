"""The translation sheet: the plan's recommendations as an XLSX sheet for translators
working offline, and reading their Arabic and Sorani texts back."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...models import Plan, Recommendation
from .. import audit
from ..imports import ImportReport, RowError, UploadRefused
from ..tabular import read_table, starts_like_formula, write_xlsx
from .queries import filter_recommendations
from .records import CatalogueError

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
class TranslationImport(ImportReport):
    """The kernel's report: `updated` holds (recommendation id, fields changed),
    `unchanged` the ids of recommendations whose texts are already those."""

    applied: bool = False


def _unneutralise(value: str) -> str:
    """Undo the quote that exports put before text starting like a formula."""
    if value.startswith("'") and value[1:2] and starts_like_formula(value[1:]):
        return value[1:]
    return value


def import_translations(session: Session, plan: Plan, data: bytes, filename: str, *,
                        actor_id: int | None = None) -> TranslationImport:
    """Read a translation sheet back: only Arabic and Sorani texts change (an empty cell
    keeps the text). Nothing is written when any row is rejected."""
    try:
        table = read_table(data, filename)
    except UploadRefused as exc:
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
                result.rejected.append(RowError(number, "id", _(
                    "Row %(row)d: %(value)s is not a recommendation of this plan.",
                    row=number, value=ref)))
                continue
        elif code:
            rec = by_code.get(code)
            if rec is None:
                result.rejected.append(RowError(number, "code", _(
                    "Row %(row)d: no recommendation of this plan has the code %(code)s.",
                    row=number, code=code)))
                continue
        else:
            result.rejected.append(RowError(number, "code", _(
                "Row %(row)d: the code is empty.", row=number)))
            continue
        if rec.id in seen:
            result.rejected.append(RowError(number, "code", _(
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
            result.unchanged.append(rec.id)

    if result.rejected:
        return result
    for rec, updates in planned:
        before = {name: getattr(rec, name) for name in updates}
        for name, value in updates.items():
            setattr(rec, name, value)
        audit.record(session, "recommendation.translated", rec, actor_id=actor_id,
                     before=before, after=updates)
        result.updated.append((rec.id, list(updates)))
    session.flush()
    result.applied = True
    return result
