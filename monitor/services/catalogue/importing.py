"""Importing a catalogue into a plan: a preview of what each row would do (new, updated,
unchanged, rejected, skipped: the import kernel's report), then applying it. The web
pages, the CLI and the demo seeding all go through `preview_import` / `apply_import`, so
there is one import code path; the upload waits between the two in the kernel's staging
(`services.imports`)."""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from ...models import Plan, Recommendation, RecommendationFile
from .. import audit
from ..imports import ImportReport, RowError, UploadRefused, check_size
from . import matching, merging, recurrences
from .keys import LANGS, compute_match_key, join_themes
from .records import (
    _MAX_LENGTHS,
    RECOMMENDATION_FIELDS,
    CatalogueError,
    _clean,
    _refresh_keys,
    field_labels,
)
from .upr_formats import (
    RecommendationRow,
    match_text,
    normalise_state,
    normalise_text,
    parse_recommendations,
)


@dataclass
class ImportItem:
    """One row of an import and what it does: `changes` maps a field to (before, after);
    for a new recommendation `before` is None."""

    row: RecommendationRow
    recommendation_id: int | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    code: str | None = None
    #: A recommendation of the plan whose text is close (a new row only): the preview
    #: asks the coordinator to check it.
    possible_match: int | None = None
    possible_code: str | None = None
    possible_text: str | None = None
    #: Recommendations without a code that this row's recommendation absorbs (UPR Info's
    #: pieces of it, see `merging`).
    merged: list[int] = field(default_factory=list)
    merged_texts: list[str] = field(default_factory=list)

    @property
    def fields(self) -> list[str]:
        """Names of the fields that change."""
        return list(self.changes)


@dataclass(kw_only=True)
class ImportPreview(ImportReport):
    """What an import would do, before anything is written: `new`, `updated` and
    `unchanged` hold `ImportItem`s; `skipped` the UPR Info rows for other States under
    review (`skipped_reason` sums them up); `warnings` text left over by line (report
    text copied from a PDF), which does not block the import."""

    plan_id: int
    format: str
    filename: str = ""
    skipped_reason: str = ""
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = ""
    applied: bool = False
    #: Pieces of a row's recommendation that stay apart, and why (`merging.obstacle`).
    refused_merges: list[RowError] = field(default_factory=list)

    @property
    def possible_matches(self) -> list[ImportItem]:
        return [item for item in (*self.new, *self.updated, *self.unchanged)
                if item.possible_match]

    @property
    def merged(self) -> int:
        """Recommendations that become part of another (see `merging`)."""
        return sum(len(item.merged) for item in self.updated)

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.updated)


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

    def resolve(self, row: RecommendationRow) -> RecommendationFile | RowError:
        found = self.by_title.get(normalise_text(row.file), [])
        n = row.row_number
        if not found:
            return RowError(n, "file", _(
                "Row %(row)d: there is no recommendation file titled “%(title)s” in this "
                "plan. Create it first, or correct the title.", row=n, title=row.file))
        if len(found) > 1:
            return RowError(n, "file", _(
                "Row %(row)d: several recommendation files are titled “%(title)s”.",
                row=n, title=row.file))
        if found[0].retired_at is not None:
            return RowError(n, "file", _(
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
    for name in ("themes", "sdgs", "affected_persons"):
        joined = join_themes(getattr(row, name))
        if joined:
            values[name] = joined
    if file_id is not _KEEP:
        values["file_id"] = file_id
    return values


def _length_rejections(row: RecommendationRow, values: dict[str, Any]) -> list[RowError]:
    out = []
    labels = field_labels()
    for name, limit in _MAX_LENGTHS.items():
        value = values.get(name)
        if value and len(value) > limit:
            out.append(RowError(row.row_number, name, _(
                "Row %(row)d: the %(field)s is longer than %(limit)d characters.",
                row=row.row_number, field=labels[name], limit=limit)))
    return out


def preview_import(session: Session, plan: Plan, data: bytes, filename: str, *,
                   confirmed: bool | set[int] = False) -> ImportPreview:
    """Parse `data` and work out, row by row, what importing it into `plan` would do.
    Nothing is written. File-level problems (unreadable file, unknown header, missing
    columns, too large) raise `CatalogueError`; row problems are in `.rejected`.
    `confirmed`: the rows (numbers; True: all) whose possible match the coordinator
    confirmed (see `matching`)."""
    try:
        check_size(len(data))  # before anything reads it
        parsed = parse_recommendations(data, filename, state_under_review=_state_under_review())
    except UploadRefused as exc:
        raise CatalogueError(exc.message) from None
    preview = ImportPreview(
        plan_id=plan.id, format=parsed.format, filename=os.path.basename(filename or "")[:200],
        rejected=list(parsed.rejected), skipped=list(parsed.skipped),
        skipped_reason=parsed.skipped_reason, ignored_columns=list(parsed.ignored_columns),
        encoding=parsed.encoding, warnings=list(parsed.warnings),
    )

    existing = session.scalars(sa.select(Recommendation).where(
        Recommendation.plan_id == plan.id).order_by(Recommendation.id)).all()
    index = matching.Index(existing)
    files = _FileIndex(session.scalars(sa.select(RecommendationFile).where(
        RecommendationFile.plan_id == plan.id)).all())
    claimed: set[int] = set()
    seen: dict[str, tuple[int, str | None]] = {}  # match key → (row, code) in this file

    for row in parsed.rows:
        n = row.row_number
        if not row.text_en and row.text_ar:
            _arabic_edition_row(preview, index, row, claimed)
            continue
        key = compute_match_key(row.text_en, row.recommending_state) or ""
        earlier = seen.get(key)
        if earlier is not None:
            if row.code and earlier[1]:
                preview.rejected.append(RowError(n, "code", _(
                    "Row %(row)d: the code %(code)s has the same text and recommending State "
                    "as row %(first)d (code %(other)s): a code that clashes with another "
                    "recommendation's text.", row=n, code=row.code, first=earlier[0],
                    other=earlier[1])))
            else:
                preview.rejected.append(RowError(n, "text_en", _(
                    "Row %(row)d: the same text and recommending State already appear in row "
                    "%(first)d.", row=n, first=earlier[0])))
            continue
        seen[key] = (n, row.code)

        file_id: Any = _KEEP
        if row.file:
            resolved = files.resolve(row)
            if isinstance(resolved, RowError):
                preview.rejected.append(resolved)
                continue
            file_id = resolved.id
        values = _row_values(row, file_id)
        too_long = _length_rejections(row, values)
        if too_long:
            preview.rejected.extend(too_long)
            continue

        target: Recommendation | None = None
        keep_wording = False
        # A State repeats its recommendations at the next review: another cycle's (when
        # both say) is another recommendation (services.catalogue.recurrences links them).
        cycle = _clean(row.cycle) or plan.default_cycle
        candidates = [rec for rec in _same_cycle(index.key(row), cycle)
                      if rec.id not in claimed]
        if not candidates:
            candidates = [rec for rec in _same_cycle(index.text(row), cycle)
                          if rec.id not in claimed]
        if not candidates and not row.code:
            # Split from a recommendation another row of this file matched already.
            candidates = _same_cycle(index.key(row), cycle) or _same_cycle(index.text(row),
                                                                          cycle)
        if row.code:
            target = index.code(row)
            if target is None:
                coded = [rec for rec in candidates if rec.code and rec.code != row.code
                         and (not rec.document or not row.document
                              or rec.document == row.document)]
                codeless = [rec for rec in candidates if not rec.code]
                if codeless:
                    # Imported earlier without a code (UPR Info): the code is added to it,
                    # and the UN's wording replaces UPR Info's.
                    target = codeless[0]
                elif coded:
                    preview.rejected.append(RowError(n, "code", _(
                        "Row %(row)d: the code %(code)s is new, but recommendation %(other)s "
                        "of this plan has the same text and recommending State: a code that "
                        "clashes with another recommendation's text.",
                        row=n, code=row.code, other=coded[0].code)))
                    continue
        elif candidates:
            target, keep_wording = candidates[0], True
        pieces: list[Recommendation] = []
        close: list[Recommendation] = []
        if row.code and (target is None or target.id not in claimed):
            pieces, close = index.pieces(row, claimed | ({target.id} if target else set()),
                                         cycle)
            if close and (confirmed is True or (confirmed and n in confirmed)):
                pieces, close = pieces + close, []
            if target is None and pieces:
                target, pieces = merging.survivor(session, pieces)
        if target is not None and target.id in claimed:
            if not row.code and keep_wording:
                # A joint recommendation split by State: this row is the same one again.
                preview.unchanged.append(ImportItem(row=row, recommendation_id=target.id,
                                                    code=target.code))
                continue
            preview.rejected.append(RowError(n, "code", _(
                "Row %(row)d: another row of this file already matches the same "
                "recommendation.", row=n)))
            continue

        # Codeless rows may be parts of one recommendation: claimed ones count too.
        possible = None
        if target is None:
            other_cycles = {rec.id for rec in existing
                            if cycle and rec.cycle and rec.cycle != cycle}
            possible = close[0] if close else index.possible(
                row, other_cycles | (set() if not row.code else claimed))
        if possible is not None and (confirmed is True or (
                confirmed and n in confirmed)):
            # The coordinator confirmed the possible match: the row is that recommendation.
            target, keep_wording, possible = possible, True, None
            if target.id in claimed and not row.code:
                preview.unchanged.append(ImportItem(row=row, recommendation_id=target.id,
                                                    code=target.code))
                continue
        if target is None:
            if not values.get("cycle") and plan.default_cycle:
                values["cycle"] = plan.default_cycle
            item = ImportItem(row=row, code=row.code,
                              changes={name: (None, value) for name, value in values.items()
                                       if value is not None})
            if possible is not None:
                item.possible_match = possible.id
                item.possible_code = possible.code
                item.possible_text = possible.text_en
            preview.new.append(item)
            continue
        claimed.add(target.id)
        changes = {}
        for name in RECOMMENDATION_FIELDS:
            if name not in values:
                continue
            value, old = values[name], getattr(target, name)
            if keep_wording and name in ("text_en", "recommending_states"):
                continue  # the same once normalised: keep the stored wording
            if parsed.format != "template" and _same_wording(name, old, value):
                continue  # sources print the same text differently: no flip-flop
            if name == "text_en" and row.text_incomplete and old:
                continue  # words were left over in the PDF: keep the stored text
            if old != value:
                changes[name] = (old, value)
        item = ImportItem(row=row, recommendation_id=target.id, changes=changes,
                          code=target.code or row.code)
        if close:  # pieces only close to this row: the coordinator confirms them
            item.possible_match, item.possible_text = close[0].id, close[0].text_en
        for piece in pieces:
            refused = merging.obstacle(session, piece, target, n, row.code)
            if refused:
                preview.refused_merges.append(RowError(n, "code", refused))
            else:
                claimed.add(piece.id)
                item.merged.append(piece.id)
                item.merged_texts.append(piece.text_en or "")
        (preview.updated if changes or item.merged else preview.unchanged).append(item)

    preview.rejected.sort(key=lambda r: r.row)
    return preview


def _same_cycle(found: list[Recommendation], cycle: str | None) -> list[Recommendation]:
    """Leaves out recommendations of another cycle than `cycle` (when both say)."""
    return [rec for rec in found if not (cycle and rec.cycle and rec.cycle != cycle)]


def _same_wording(name: str, old: Any, new: Any) -> bool:
    """The same text or States as another document prints them ("non-refoulement",
    "nonrefoulement"): an import from an outside document leaves the stored wording."""
    if name == "text_en":
        return bool(old) and match_text(old) == match_text(new)
    if name == "recommending_states":
        return bool(old) and normalise_state(old) == normalise_state(new)
    return False


def _arabic_edition_row(preview: ImportPreview, index: matching.Index,
                        row: RecommendationRow, claimed: set[int]) -> None:
    """A row of the report's Arabic edition: it fills the Arabic text of the recommendation
    with its code, and changes nothing else."""
    n = row.row_number
    target = index.code(row) if row.code else None
    if target is None or target.id in claimed:
        preview.rejected.append(RowError(n, "code", _(
            "Row %(row)d: no recommendation of this plan has the code %(code)s.",
            row=n, code=row.code or "-")))
        return
    claimed.add(target.id)
    changes = {} if target.text_ar == row.text_ar else {"text_ar": (target.text_ar, row.text_ar)}
    item = ImportItem(row=row, recommendation_id=target.id, changes=changes, code=target.code)
    (preview.updated if changes else preview.unchanged).append(item)


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
    changed = CatalogueError(_("The catalogue changed since the preview; import again."))
    for item in preview.updated:
        rec = session.get(Recommendation, item.recommendation_id)
        if rec is None or rec.plan_id != plan.id:
            raise changed
        for name, (_before, after) in item.changes.items():
            setattr(rec, name, after)
        _refresh_keys(rec)
        for piece_id in item.merged:
            piece = session.get(Recommendation, piece_id)
            if piece is None or piece.plan_id != plan.id or piece.code or merging.obstacle(
                    session, piece, rec, item.row.row_number, item.code):
                raise changed
            merging.merge(session, piece, rec, actor_id=actor_id)
    session.flush()
    audit.record(session, "catalogue.imported", plan, actor_id=actor_id, plan_id=plan.id,
                 after={"format": preview.format, "filename": preview.filename,
                        **preview.counts(), "merged": preview.merged})
    # New texts, codes or cycles may repeat (or be repeated by) another cycle's.
    recurrences.link_recurrences(session, plan, actor_id=actor_id)
    preview.applied = True
    return preview
