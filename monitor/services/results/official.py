"""The government's self-reported progress ("official progress"), per period.

One entry per period and level: the plan (``level_key`` ``"plan"``), a recommendation file
(``"file:<id>"``) or a recommendation (``"rec:<id>"``). An entry holds a value and the
**measure** it expresses:

- ``share_implemented``: the percentage of recommendations the government counts as
  implemented (the KRG's 34.8% for 2022, 42.8% for 2023);
- ``mean_score``: an average on the questionnaire's 0-100 status scale.

Per recommendation the government may give a status on the questionnaire's scale
(0, 25, 50, 75, 100) instead of, or besides, a value; a recommendation entry is always
compared as ``mean_score`` (the status wins when both are given).

Entry by form and by CSV/XLSX import share one validation, `parse_entry`. An import is
all or nothing: while any row is refused nothing is written, and every refused row is
reported with its row number, column and reason.

Import columns (header row, any order; names are case-insensitive):

=============  ===========================================================================
level          optional: ``plan``, ``file`` or ``recommendation``; inferred when empty
               (a recommendation code makes it a recommendation entry, a file a file entry)
file           the file's number as shown in monitor (its id) or its title in any language
recommendation the recommendation's code, e.g. ``139.12``
measure        ``share_implemented`` or ``mean_score`` (required for plan and file)
value          0-100 (42.8 for 42.8%, not 0.428); Arabic-Indic digits and a trailing
               ``%`` are accepted
status         per recommendation only: 0, 25, 50, 75 or 100
source         the source document (reference or address)
reported_on    the date the figure was reported, ``YYYY-MM-DD``
=============  ===========================================================================
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ... import i18n
from ...models import (
    MEASURES,
    STATUS_SCORES,
    OfficialProgress,
    Plan,
    Recommendation,
    RecommendationFile,
    ReportingPeriod,
)
from .. import audit
from ..imports import ImportReport, RowError, UploadRefused
from ..tabular import read_table, write_csv

LEVELS = ("plan", "file", "recommendation")
COLUMNS = ("level", "file", "recommendation", "measure", "value", "status", "source",
           "reported_on")
MAX_ROWS = 20_000
SOURCE_MAX = 500

FIELD_LABELS = {
    "level": _l("Level"),
    "file": _l("Recommendation file"),
    "recommendation": _l("Recommendation"),
    "measure": _l("Measure"),
    "value": _l("Value"),
    "status": _l("Status"),
    "source": _l("Source"),
    "reported_on": _l("Date reported"),
}
MEASURE_LABELS = {
    "share_implemented": _l("Share implemented (percentage of recommendations)"),
    "mean_score": _l("Mean score (0–100)"),
}


class OfficialError(Exception):
    """An entry was refused; ``errors`` maps each field to a translated reason."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))

    @property
    def message(self) -> str:
        return " ".join(self.errors.values())


class ImportRefused(Exception):
    """Nothing was imported; ``errors`` lists every refused row (row 0: the whole file)."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(e.describe() for e in errors))

    @property
    def message(self) -> str:
        return _("Nothing was imported: %(count)d problem(s) in the file. Correct them and "
                 "import the whole file again.", count=len(self.errors))


@dataclass(frozen=True)
class Entry:
    """A validated entry, ready to be stored."""

    level_key: str
    file_id: int | None
    recommendation_id: int | None
    measure: str
    value: float | None
    status_score: int | None
    source: str | None
    reported_on: dt.date | None


def level_key(file_id: int | None = None, recommendation_id: int | None = None) -> str:
    if recommendation_id is not None:
        return f"rec:{recommendation_id}"
    if file_id is not None:
        return f"file:{file_id}"
    return "plan"


def official_value(entry: OfficialProgress | None) -> float | None:
    """The official figure an entry contributes to the comparison at its own level.

    Plan and file: the value (in its measure). Recommendation: the status when given,
    else the value when it is a mean score; nothing else is derived.
    """
    if entry is None:
        return None
    if entry.level_key.startswith("rec:"):
        if entry.status_score is not None:
            return float(entry.status_score)
        return entry.value if entry.measure == "mean_score" else None
    return entry.value


# --- validation ---------------------------------------------------------------------------


class Catalogue:
    """A plan's files and recommendations, looked up by what people type."""

    def __init__(self, session: Session, plan: Plan):
        self.plan = plan
        self.files = list(session.scalars(
            sa.select(RecommendationFile).where(RecommendationFile.plan_id == plan.id)))
        self._files_by_key: dict[str, RecommendationFile | None] = {}
        for rf in self.files:
            self._files_by_key[str(rf.id)] = rf
        for rf in self.files:
            for lang in i18n.LANGUAGES:
                title = getattr(rf, f"title_{lang}")
                if title:
                    key = _fold(title)
                    # A title shared by two files is ambiguous: refuse it, ask for the number.
                    if key in self._files_by_key and self._files_by_key[key] is not rf:
                        self._files_by_key[key] = None
                    else:
                        self._files_by_key.setdefault(key, rf)
        self.recommendations: dict[str, tuple[int, int | None]] = {
            _fold(code): (rec_id, file_id)
            for rec_id, code, file_id in session.execute(
                sa.select(Recommendation.id, Recommendation.code, Recommendation.file_id)
                .where(Recommendation.plan_id == plan.id, Recommendation.code.is_not(None)))
        }
        self.recommendation_ids = {rec_id for rec_id, _ in self.recommendations.values()}

    def file(self, text: str) -> RecommendationFile | None:
        key = i18n.normalize_digits(text.strip())
        return self._files_by_key.get(key) or self._files_by_key.get(_fold(text))


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", i18n.normalize_digits(text)).casefold().split())


def _clean_text(raw: Mapping[str, object], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value).strip()


def _parse_value(text: str) -> tuple[float | None, str | None]:
    if not text:
        return None, None
    cleaned = text.strip().rstrip("%٪").strip()
    try:
        number = i18n.parse_decimal(cleaned)
    except ValueError:
        return None, _("The value must be a number from 0 to 100; “%(text)s” is not a number.",
                       text=text[:40])
    if number < 0 or number > 100:
        return None, _("The value must be between 0 and 100; %(text)s is outside that range.",
                       text=text[:40])
    return float(number), None


def _parse_status(text: str) -> tuple[int | None, str | None]:
    if not text:
        return None, None
    cleaned = i18n.normalize_digits(text.strip())
    try:
        number = i18n.parse_decimal(cleaned)
    except ValueError:
        number = None
    if number is None or number != number.to_integral_value() or int(number) not in STATUS_SCORES:
        return None, _("The status must be one of 0, 25, 50, 75 or 100; “%(text)s” is not on "
                       "the scale.", text=text[:40])
    return int(number), None


def _parse_date(text: str, today: dt.date) -> tuple[dt.date | None, str | None]:
    if not text:
        return None, None
    cleaned = i18n.normalize_digits(text.strip())[:10]
    try:
        value = dt.date.fromisoformat(cleaned)
    except ValueError:
        return None, _("The date reported must be a date written YYYY-MM-DD; “%(text)s” is not "
                       "one.", text=text[:40])
    if value > today:
        return None, _("The date reported cannot be in the future.")
    return value, None


def _parse_measure(text: str) -> str | None:
    key = text.strip().casefold().replace("-", "_").replace(" ", "_")
    return key if key in MEASURES else None


def parse_entry(catalogue: Catalogue, raw: Mapping[str, object],
                today: dt.date | None = None) -> Entry:
    """Validate one entry (a form or an import row: the names in COLUMNS, as text).

    Raises OfficialError naming every field that is refused; never writes anything.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    errors: dict[str, str] = {}
    text = {name: _clean_text(raw, name) for name in COLUMNS}

    level = text["level"].casefold()
    if level and level not in LEVELS:
        errors["level"] = _("The level must be plan, file or recommendation; “%(text)s” is "
                            "none of them.", text=text["level"][:40])
    if not level:
        level = ("recommendation" if text["recommendation"]
                 else "file" if text["file"] else "plan")

    file_id: int | None = None
    recommendation_id: int | None = None
    if level == "recommendation":
        if not text["recommendation"]:
            errors["recommendation"] = _("Give the recommendation's code for a "
                                         "recommendation entry.")
        else:
            found = catalogue.recommendations.get(_fold(text["recommendation"]))
            if found is None:
                errors["recommendation"] = _("There is no recommendation %(code)s in this plan.",
                                             code=text["recommendation"][:40])
            else:
                recommendation_id, rec_file_id = found
                if text["file"]:
                    rf = catalogue.file(text["file"])
                    if rf is None or rf.id != rec_file_id:
                        errors["file"] = _("Recommendation %(code)s is not in the file "
                                           "“%(file)s”.", code=text["recommendation"][:40],
                                           file=text["file"][:80])
    elif level == "file":
        if not text["file"]:
            errors["file"] = _("Choose the recommendation file for a file entry.")
        else:
            rf = catalogue.file(text["file"])
            if rf is None:
                errors["file"] = _("There is no recommendation file “%(file)s” in this plan "
                                   "(or two files share that title: use its number).",
                                   file=text["file"][:80])
            else:
                file_id = rf.id
    if level != "recommendation" and text["recommendation"]:
        errors["recommendation"] = _("A %(level)s entry has no recommendation.", level=level)
    if level == "plan" and text["file"]:
        errors["file"] = _("A plan entry has no recommendation file.")

    measure = _parse_measure(text["measure"]) if text["measure"] else None
    if text["measure"] and measure is None:
        errors["measure"] = _("The measure must be share_implemented or mean_score; "
                              "“%(text)s” is neither.", text=text["measure"][:40])
    elif level == "recommendation":
        if measure == "share_implemented":
            errors["measure"] = _("A recommendation is compared as a mean score: give its "
                                  "status or a mean score, not a share implemented.")
        measure = "mean_score"
    elif measure is None:
        errors["measure"] = _("Choose the measure the value expresses: share_implemented or "
                              "mean_score.")

    value, problem = _parse_value(text["value"])
    if problem:
        errors["value"] = problem
    status, problem = _parse_status(text["status"])
    if problem:
        errors["status"] = problem
    elif status is not None and level != "recommendation":
        errors["status"] = _("A status is given per recommendation only; for a plan or a file "
                             "give a value.")
    if value is None and "value" not in errors:
        if level != "recommendation":
            errors["value"] = _("Give the value, a number from 0 to 100.")
        elif status is None and "status" not in errors:
            errors["value"] = _("Give the recommendation's status or a value from 0 to 100.")

    source = text["source"] or None
    if source and len(source) > SOURCE_MAX:
        errors["source"] = _("The source is too long (at most %(max)d characters).",
                             max=SOURCE_MAX)
    reported_on, problem = _parse_date(text["reported_on"], today)
    if problem:
        errors["reported_on"] = problem

    if errors or measure is None:  # a missing measure was reported in `errors` above
        raise OfficialError(errors)
    return Entry(
        level_key=level_key(file_id, recommendation_id), file_id=file_id,
        recommendation_id=recommendation_id, measure=measure, value=value,
        status_score=status, source=source, reported_on=reported_on,
    )


# --- storing ------------------------------------------------------------------------------


def _snapshot(item: OfficialProgress) -> dict:
    return {
        "level_key": item.level_key, "measure": item.measure, "value": item.value,
        "status_score": item.status_score, "source": item.source,
        "reported_on": item.reported_on.isoformat() if item.reported_on else None,
    }


def save_entry(session: Session, period: ReportingPeriod, entry: Entry, *,
               actor_id: int | None, action: str = "official.recorded"
               ) -> tuple[OfficialProgress, bool]:
    """Create or replace the period's entry at the entry's level. Returns (row, created).
    Writes an audit event; the caller commits."""
    item = session.scalar(sa.select(OfficialProgress).where(
        OfficialProgress.period_id == period.id, OfficialProgress.level_key == entry.level_key))
    before = _snapshot(item) if item is not None else None
    created = item is None
    if item is None:
        item = OfficialProgress(period_id=period.id, level_key=entry.level_key)
        session.add(item)
    item.file_id = entry.file_id
    item.recommendation_id = entry.recommendation_id
    item.measure = entry.measure
    item.value = entry.value
    item.status_score = entry.status_score
    item.source = entry.source
    item.reported_on = entry.reported_on
    session.flush()
    audit.record(session, action, item, actor_id=actor_id, plan_id=period.plan_id,
                 before=before, after=_snapshot(item) | {"period": period.label})
    return item, created


def delete_entry(session: Session, item: OfficialProgress, *, actor_id: int | None) -> None:
    audit.record(session, "official.deleted", item, actor_id=actor_id,
                 plan_id=item.period.plan_id, before=_snapshot(item))
    session.delete(item)
    session.flush()


def _header_key(name: str) -> str:
    return "_".join(name.strip().casefold().replace("-", " ").split())


def import_table(session: Session, period: ReportingPeriod, data: bytes, filename: str = "", *,
                 actor_id: int | None) -> ImportReport:
    """Import a CSV/XLSX file of entries for `period`: all rows, or nothing.

    Raises ImportRefused listing every problem (row number as the spreadsheet shows it,
    column, reason); the caller rolls back. The caller commits on success. The report's
    `new` and `updated` hold the entries stored.
    """
    try:
        table = read_table(data, filename)
    except UploadRefused as exc:
        raise ImportRefused([RowError(0, "", exc.message)]) from None

    header = [_header_key(h) for h in table.header]
    unknown = [table.header[i] for i, name in enumerate(header) if name and name not in COLUMNS]
    problems: list[RowError] = []
    if unknown:
        problems.append(RowError(table.header_row, "", _(
            "Unknown column(s): %(columns)s. The columns are: %(expected)s.",
            columns=", ".join(unknown), expected=", ".join(COLUMNS))))
    missing = [name for name in ("measure", "value") if name not in header]
    if missing:
        problems.append(RowError(table.header_row, "", _(
            "Missing column(s): %(columns)s.", columns=", ".join(missing))))
    if problems:
        raise ImportRefused(problems)
    if not table.rows:
        raise ImportRefused([RowError(0, "", _("The file has a header but no rows to import."))])
    if len(table.rows) > MAX_ROWS:
        raise ImportRefused([RowError(0, "", _("The file has more than %(max)d rows.",
                                                max=MAX_ROWS))])

    catalogue = Catalogue(session, period.plan)
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        raw: dict[str, str] = {}
        for name, value in zip(header, cells):
            if name in COLUMNS:
                raw.setdefault(name, value)
        try:
            entry = parse_entry(catalogue, raw)
        except OfficialError as exc:
            problems.extend(RowError(number, name, reason) for name, reason in exc.errors.items())
            continue
        if entry.level_key in seen:
            problems.append(RowError(number, "", _(
                "This row gives the same level as row %(other)d; give each level once.",
                other=seen[entry.level_key])))
            continue
        seen[entry.level_key] = number
        entries.append(entry)
    if problems:
        raise ImportRefused(problems)

    result = ImportReport()
    for entry in entries:
        item, created = save_entry(session, period, entry, actor_id=actor_id,
                                   action="official.imported")
        (result.new if created else result.updated).append(item)
    return result


def template_csv(plan: Plan) -> bytes:
    """An import template: the header and one example row per level."""
    first_file = next((rf for rf in plan.files if rf.retired_at is None), None)
    rows = [["plan", "", "", "share_implemented", "42.8", "", "", ""]]
    if first_file is not None:
        rows.append(["file", str(first_file.id), "", "mean_score", "50", "", "", ""])
    return write_csv(list(COLUMNS), rows)


def entries_by_period(session: Session, period_ids: list[int]
                      ) -> dict[int, dict[str, OfficialProgress]]:
    """``{period_id: {level_key: entry}}``."""
    result: dict[int, dict[str, OfficialProgress]] = {pid: {} for pid in period_ids}
    if period_ids:
        for item in session.scalars(sa.select(OfficialProgress).where(
                OfficialProgress.period_id.in_(period_ids))):
            result[item.period_id][item.level_key] = item
    return result


def measure_label(measure: str | None) -> str:
    """The translated name of an official figure's measure (a template global too)."""
    return str(MEASURE_LABELS.get(measure or "", ""))
