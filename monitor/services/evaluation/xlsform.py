"""XLSForm import and export of the evaluation questionnaire (see the XLSForm section of
``services.evaluation.questionnaire``'s docstring for what is read and how).

Pure Python: no database, no request; the size limit and the archive check are the import
kernel's (`services.imports`), which reads `MONITOR_IMPORT_MAX_MB` when an app is there.
"""
from __future__ import annotations

import copy
import functools
import io
import itertools
import operator
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from ..imports import ImportReport, RowError, UploadRefused, check_upload
from .questionnaire import (
    LANGUAGES,
    SELECT_TYPES,
    _choice_names,
    _current_lang,
    _short,
    default_questionnaire,
    localized,
    make_question,
)
from .xlsform_export import export_xlsform
from .xlsform_rules import both, parse_constraint, parse_relevant

# Limits on uploaded XLSForms (module globals, read at call time).
MAX_COLUMNS = 200
MAX_SHEET_ROWS = 20_000  # rows with content, per sheet
MAX_SCANNED_ROWS = 1_048_576  # rows looked at, empty ones included (Excel's own limit)

_NAME_RE = re.compile(r"^[^\W\d][\w.\-]*$")
_MAX_NAME_LENGTH = 100


# --- XLSForm import -------------------------------------------------------------------


@dataclass(kw_only=True)
class ImportResult(ImportReport):
    """The kernel's report: `new` holds the names of the questions imported; `skipped`
    the survey rows not imported (`field` the name, `value` the type); `warnings` what
    was imported only in part (a question without its constraint); `rejected` the
    problems that stop the whole import (row 0), and then ``definition`` is the base."""

    definition: dict[str, Any]
    #: Languages of columns that were not imported (reported once).
    ignored_languages: list[str] = field(default_factory=list)


_LANGUAGE_NAMES = {
    "en": "en", "eng": "en", "english": "en",
    "ar": "ar", "ara": "ar", "arabic": "ar", "العربية": "ar", "عربي": "ar",
    "ckb": "ckb", "kurdish": "ckb", "sorani": "ckb", "kurdish sorani": "ckb",
    "sorani kurdish": "ckb", "central kurdish": "ckb", "کوردی": "ckb", "کوردیی ناوەندی": "ckb",
    "سۆرانی": "ckb", "کوردیی سۆرانی": "ckb", "عربى": "ar", "arabe": "ar", "árabe": "ar",
    "arabisch": "ar", "anglais": "en", "inglés": "en", "englisch": "en",
}
#: Other spellings pyxform accepts for the same columns ("bind::relevant", "relevance").
_COLUMN_ALIASES = {
    "relevance": "relevant", "bind::relevant": "relevant", "bind:relevant": "relevant",
    "bind::constraint": "constraint", "bind:constraint": "constraint",
    "bind::required": "required", "bind:required": "required",
    "bind::jr:constraintmsg": "constraint_message", "bind:jr:constraintmsg":
    "constraint_message", "constraint-message": "constraint_message",
    "bind::jr:requiredmsg": "required_message", "bind:jr:requiredmsg": "required_message",
    "required message": "required_message", "required-message": "required_message",
    "requiredmsg": "required_message", "jr:requiredmsg": "required_message",
    "constraintmsg": "constraint_message", "jr:constraintmsg": "constraint_message",
}
#: A localised column: "label", "label::Arabic (ar)", "label:Arabic", "label::العربية".
_LOCALIZED_RE = re.compile(
    r"^(label|hint|constraint[_ ]message|required[_ ]message|bind::jr:constraintmsg|"
    r"bind::jr:requiredmsg)\s*(?:::?\s*(.*))?$", re.IGNORECASE | re.S)
_LOCALIZED_COLUMNS = {"label": "label", "hint": "hint",
                      "constraint_message": "constraint_message",
                      "constraint message": "constraint_message",
                      "bind::jr:constraintmsg": "constraint_message",
                      "required_message": "required_message",
                      "required message": "required_message",
                      "bind::jr:requiredmsg": "required_message"}
_PLAIN_COLUMNS = {"type", "name", "required", "constraint", "relevant", "choice_filter",
                  "list_name", "list name"}

_METADATA_TYPES = {
    "start", "end", "today", "deviceid", "uri:deviceid", "subscriberid", "simserial",
    "phonenumber", "username", "email", "audit", "start-geopoint", "start geopoint",
    "background-audio", "background audio", "uri:username", "uri:email",
    "uri:phonenumber", "uri:subscriberid", "uri:simserial",
}
_MEDIA_TYPES = {"image", "photo", "audio", "video", "background-audio", "signature"}
_SIMPLE_TYPES = {"integer": "integer", "int": "integer", "decimal": "decimal",
                 "float": "decimal", "text": "text", "string": "text", "date": "date",
                 "file": "file", "note": "note"}


def _language_of(suffix: str) -> tuple[str | None, str]:
    """(monitor code or None, display name) for the part after ``label::``."""
    display = suffix.strip()
    match = re.search(r"\(([^()]*)\)\s*$", display)
    if match:
        code = match.group(1).strip().lower()
        code = re.split(r"[-_]", code, maxsplit=1)[0]
        return (_LANGUAGE_NAMES.get(code) if code in ("en", "eng", "ar", "ara", "ckb")
                else None), display
    return _LANGUAGE_NAMES.get(display.lower()), display


@dataclass
class _Columns:
    plain: dict[str, int] = field(default_factory=dict)
    localized: dict[str, dict[str, int]] = field(default_factory=dict)
    ignored_languages: list[str] = field(default_factory=list)


def _parse_header(header: tuple) -> _Columns:
    columns = _Columns()
    bare: dict[str, int] = {}
    for index, cell in enumerate(header):
        text = _cell_text(cell)
        if not text:
            continue
        plain_key = re.sub(r"\s+", " ", text.strip().lower())
        plain_key = _COLUMN_ALIASES.get(plain_key, plain_key)
        localized = _LOCALIZED_RE.match(text.strip())
        if localized and plain_key not in _PLAIN_COLUMNS:
            key = re.sub(r"\s+", " ", localized.group(1).lower())
            suffix = (localized.group(2) or "").strip()
            sep = "::" if suffix else ""
        else:
            key, sep, suffix = plain_key, "", ""
        if key in _LOCALIZED_COLUMNS:
            kind = _LOCALIZED_COLUMNS[key]
            if not sep:
                bare.setdefault(kind, index)
                continue
            code, display = _language_of(suffix)
            if code is None:
                if display not in columns.ignored_languages:
                    columns.ignored_languages.append(display)
                continue
            columns.localized.setdefault(kind, {}).setdefault(code, index)
        elif not sep and key in _PLAIN_COLUMNS:
            columns.plain.setdefault("list_name" if key == "list name" else key, index)
    for kind, index in bare.items():  # a bare column is English, unless explicit
        columns.localized.setdefault(kind, {}).setdefault("en", index)
    return columns


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).strip()


def _cell(row: tuple, index: int | None) -> Any:
    if index is None or index >= len(row):
        return None
    return row[index]


def _texts(row: tuple, columns: _Columns, kind: str) -> dict[str, str]:
    result = {}
    for code in LANGUAGES:
        index = columns.localized.get(kind, {}).get(code)
        text = _cell_text(_cell(row, index))
        if text:
            result[code] = text
    return result


class _FatalImport(Exception):
    pass


def _open_workbook(data: Any):  # noqa: ANN202
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise _FatalImport(_("The file could not be read."))
    data = bytes(data)
    try:
        check_upload(data)
    except UploadRefused as exc:
        raise _FatalImport(exc.message) from None
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise _FatalImport(_("This is an old Excel file (.xls). Please open it in Excel or "
                             "LibreOffice, save it as .xlsx and try again."))
    not_xlsx = _("The file is not an Excel workbook (.xlsx). Please upload an XLSForm "
                 "saved as .xlsx.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _FatalImport(not_xlsx) from None
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _FatalImport(not_xlsx)
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - untrusted file: any parser failure means "unreadable"
        raise _FatalImport(not_xlsx) from None


def _read_sheet(worksheet, title: str) -> tuple[tuple, list[tuple[int, tuple]]]:  # noqa: ANN001
    """(header row, [(row number, values)...] for rows with content)."""
    header_rows = list(worksheet.iter_rows(min_row=1, max_row=1, max_col=MAX_COLUMNS,
                                           values_only=True))
    header = tuple(header_rows[0]) if header_rows else ()
    width = len(header)
    while width and _cell_text(header[width - 1]) == "":
        width -= 1
    header = header[:width]
    rows: list[tuple[int, tuple]] = []
    if not width:
        return header, rows
    # LibreOffice writes formatted empty rows down to row 1048576 and openpyxl fills the
    # gaps with blank rows: drop blank rows with C-level iterators, not a Python loop.
    blank = (None,) * width
    values, probe = itertools.tee(itertools.islice(
        worksheet.iter_rows(min_row=2, max_col=width, values_only=True), MAX_SCANNED_ROWS))
    for number, row in itertools.compress(zip(itertools.count(2), values),
                                          map(functools.partial(operator.ne, blank), probe)):
        if not any(_cell_text(v) for v in row):
            continue
        if len(rows) >= MAX_SHEET_ROWS:
            raise _FatalImport(_("The sheet “%(sheet)s” has too many rows (the limit is "
                                 "%(limit)s).", sheet=title, limit=MAX_SHEET_ROWS))
        rows.append((number, tuple(row)))
    return header, rows


def _find_sheet(workbook, wanted: str):  # noqa: ANN001, ANN202
    for title in workbook.sheetnames:
        if title.strip().lower() == wanted:
            return workbook[title], title
    return None, wanted


def _parse_required(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _cell_text(value).lower()
    if text in ("yes", "true", "1", "true()", "y"):
        return True
    if text in ("", "no", "false", "0", "false()", "n"):
        return False
    return None


def _parse_type(text: str) -> tuple[str, str | None, bool]:
    """(kind, list name, or_other). kind is a QUESTION_TYPES entry, "begin group",
    "end group", "begin repeat", "end repeat", "select without list" or "unsupported"."""
    legacy = re.match(r"^select\s+(one|all\s+that\s+apply)\s+from\s+(\S+)(?:\s+(or\s+other))?\s*$",
                      text.strip(), re.IGNORECASE)
    if legacy:  # pyxform's older spelling, still accepted
        kind = "one" if legacy.group(1).lower() == "one" else "multiple"
        return f"select_{kind}", legacy.group(2), bool(legacy.group(3))
    match = re.match(r"^select[ _](one|multiple)(?:\s+(\S+))?(?:\s+(or_other))?\s*$", text,
                     re.IGNORECASE)
    if match:
        if not match.group(2):
            return "select without list", None, False
        return f"select_{match.group(1).lower()}", match.group(2), bool(match.group(3))
    key = re.sub(r"[\s_]+", " ", text.strip().lower())
    if key in ("begin group", "end group", "begin repeat", "end repeat"):
        return key, None, False
    simple = _SIMPLE_TYPES.get(key)
    if simple:
        return simple, None, False
    return "unsupported", None, False


def _unsupported_reason(type_text: str) -> str:
    key = type_text.strip().lower()
    if key in _METADATA_TYPES:
        return _("This is information recorded automatically by the data collection app; "
                 "monitor does not use it.")
    if key == "calculate":
        return _("Calculations are not supported.")
    if key.startswith(("select_one_from_file", "select_multiple_from_file",
                       "select one from file", "select multiple from file",
                       "select_one_external")):
        return _("Choice lists kept in a separate file are not supported.")
    if key in _MEDIA_TYPES:
        return _("Photo, audio and video questions are not supported. Evidence files are "
                 "attached to each evaluation instead.")
    return _("Questions of type “%(type)s” are not supported by monitor.", type=type_text)


def _read_choices(workbook, result: ImportResult) -> dict[str, list[dict]]:  # noqa: ANN001
    worksheet, title = _find_sheet(workbook, "choices")
    if worksheet is None:
        return {}
    header, rows = _read_sheet(worksheet, title)
    columns = _parse_header(header)
    list_col, name_col = columns.plain.get("list_name"), columns.plain.get("name")
    if list_col is None or name_col is None:
        result.warnings.append(RowError(1, "", _(
            "The choices sheet has no “list_name” or “name” column, so its choice lists "
            "could not be read."), sheet=title))
        return {}
    _warn_languages(columns, result, title)
    lists: dict[str, list[dict]] = {}
    for number, row in rows:
        list_name = _cell_text(_cell(row, list_col))
        name = _cell_text(_cell(row, name_col))
        if not list_name:
            continue
        if not name:
            result.warnings.append(RowError(number, "", _(
                "This choice has no name and was left out of the list “%(list)s”.",
                list=list_name), sheet=title))
            continue
        entries = lists.setdefault(list_name, [])
        if any(c["name"] == name for c in entries):
            result.warnings.append(RowError(number, name, _(
                "The choice “%(name)s” appears twice in the list “%(list)s”; the second "
                "one was left out.", name=name, list=list_name), sheet=title))
            continue
        entries.append({"name": name, "label": _texts(row, columns, "label")})
    return lists


def _warn_languages(columns: _Columns, result: ImportResult, sheet: str) -> None:
    """One warning for the whole workbook, whichever sheets have the languages."""
    new = [lang for lang in columns.ignored_languages if lang not in result.ignored_languages]
    if not new:
        return
    result.ignored_languages.extend(new)
    result.warnings = [w for w in result.warnings if w.field != "\x00languages"]
    result.warnings.insert(0, RowError(1, "\x00languages", _(
        "Texts in %(languages)s were not imported. monitor uses Arabic, Kurdish "
        "(Sorani) and English.", languages=", ".join(result.ignored_languages)),
        sheet=sheet))


def import_xlsform(data: bytes, *, base: dict | None = None) -> ImportResult:
    """Import an XLSForm (.xlsx) onto ``base`` (default: the default questionnaire).

    Never raises for a bad file: fatal problems are in ``rejected`` and leave the base
    unchanged. See the module docstring for what is supported."""
    definition = copy.deepcopy(base if base is not None else default_questionnaire())
    definition.setdefault("questions", [])
    definition.setdefault("groups", [])
    result = ImportResult(definition=definition)
    try:
        workbook = _open_workbook(data)
    except _FatalImport as exc:
        result.rejected.append(RowError(0, "", str(exc)))
        return result
    try:
        new_questions, new_groups = _import_survey(workbook, definition, result)
    except _FatalImport as exc:
        result.rejected.append(RowError(0, "", str(exc)))
        new_questions, new_groups = [], []
    except Exception:  # noqa: BLE001 - a malformed sheet can fail deep in the XML parser
        result.rejected.append(RowError(0, "", _("The file could not be read. Please check "
                                                 "that it is an XLSForm saved as .xlsx.")))
        new_questions, new_groups = [], []
    finally:
        workbook.close()
    if result.rejected:
        result.new, result.skipped, result.warnings = [], [], []
        result.definition = copy.deepcopy(base if base is not None
                                          else default_questionnaire())
        result.definition.setdefault("questions", [])
        result.definition.setdefault("groups", [])
        return result
    definition["questions"].extend(new_questions)
    definition["groups"].extend(new_groups)
    result.new = [q["name"] for q in new_questions]
    for warning in result.warnings:
        if warning.field == "\x00languages":
            warning.field = ""
    return result


def _import_survey(workbook, definition: dict, result: ImportResult):  # noqa: ANN001, ANN202, C901, PLR0912, PLR0915
    worksheet, title = _find_sheet(workbook, "survey")
    if worksheet is None:
        raise _FatalImport(_("The workbook has no “survey” sheet, so it is not an XLSForm."))
    header, rows = _read_sheet(worksheet, title)
    columns = _parse_header(header)
    missing = [c for c in ("type", "name") if c not in columns.plain]
    if missing:
        raise _FatalImport(_("The “survey” sheet has no “%(column)s” column in its first row.",
                             column=missing[0]))
    _warn_languages(columns, result, title)
    lists = _read_choices(workbook, result)

    existing = {q.get("name"): q for q in definition["questions"]}
    group_names = {g.get("name") for g in definition["groups"]}
    reserved = {q["name"]: q for q in default_questionnaire()["questions"] if q["builtin"]}
    new_questions: list[dict] = []
    new_groups: list[dict] = []
    # (name, row, condition): a group's relevance is honoured on each of its questions
    group_stack: list[tuple[str | None, int, dict | None]] = []
    repeat_depth = 0

    def skip(number: int, type_text: str, name: str, reason: str) -> None:
        result.skipped.append(RowError(number, name, reason, value=type_text))

    def warn(number: int, name: str, reason: str) -> None:
        result.warnings.append(RowError(number, name, reason, sheet=title))

    for number, row in rows:
        type_text = re.sub(r"\s+", " ", _cell_text(_cell(row, columns.plain["type"])))
        name = _cell_text(_cell(row, columns.plain["name"]))
        if not type_text:
            if name:
                skip(number, "", name, _("This row has no type."))
            continue
        kind, list_name, or_other = _parse_type(type_text)

        if repeat_depth:
            if kind == "begin repeat":
                repeat_depth += 1
            elif kind == "end repeat":
                repeat_depth -= 1
            skip(number, type_text, name, _("This row is inside a repeated section, which "
                                            "monitor does not support."))
            continue
        if kind == "begin repeat":
            repeat_depth = 1
            skip(number, type_text, name, _("Repeated sections are not supported; this "
                                            "section and all its rows were skipped."))
            continue
        if kind == "end repeat":
            skip(number, type_text, name, _("This row ends a repeated section that was "
                                            "never started."))
            continue
        if kind == "end group":
            if group_stack:
                group_stack.pop()
            else:
                skip(number, type_text, name, _("This row ends a group that was never "
                                                "started."))
            continue
        if kind == "unsupported":
            skip(number, type_text, name, _unsupported_reason(type_text))
            continue
        if kind == "select without list":
            skip(number, type_text, name, _("The type does not say which choice list to "
                                            "use."))
            continue
        if not name:
            if kind == "begin group":
                group_stack.append((None, number, None))
            skip(number, type_text, name, _("This row has no name."))
            continue
        if len(name) > _MAX_NAME_LENGTH or not _NAME_RE.match(name):
            if kind == "begin group":
                group_stack.append((None, number, None))
            skip(number, type_text, name, _("“%(name)s” cannot be used as a name: start with "
                                            "a letter and use only letters, digits and _.",
                                            name=_short(name)))
            continue

        label = _texts(row, columns, "label")
        relevant = _cell_text(_cell(row, columns.plain.get("relevant")))
        earlier = [*definition["questions"], *new_questions]
        condition = parse_relevant(relevant, earlier) if relevant else None
        if kind == "begin group":
            group_stack.append((name, number, condition))
            if name not in group_names:
                group_names.add(name)
                new_groups.append({"name": name, "label": label})
            if relevant and condition is None:
                warn(number, name, _("The condition for showing this group (%(condition)s) "
                                     "is not supported; the group will always be shown.",
                                     condition=relevant))
            continue

        # A question.
        if name in existing:
            if existing[name].get("builtin"):
                reason = _("“%(name)s” is one of monitor's built-in questions, which cannot "
                           "be replaced. Rename the question in the form to import it.",
                           name=name)
            else:
                reason = _("A question named “%(name)s” already exists. Rename the question "
                           "in the form to import it.", name=name)
            skip(number, type_text, name, reason)
            continue
        choices: list[dict] = []
        if kind in SELECT_TYPES:
            if list_name not in lists:
                skip(number, type_text, name, _("The choice list “%(list)s” is not in the "
                                                "choices sheet.", list=list_name))
                continue
            choices = copy.deepcopy(lists[list_name])
            if or_other:
                warn(number, name, _("The “or_other” option is not supported; only the "
                                     "listed choices can be chosen."))
        builtin = False
        if name in reserved:
            model = reserved[name]
            if model["type"] != kind or (
                    kind in SELECT_TYPES
                    and [c["name"] for c in choices] != _choice_names(model)):
                skip(number, type_text, name, _(
                    "“%(name)s” is reserved for monitor's built-in question “%(label)s”. "
                    "Rename the question in the form to import it.",
                    name=name, label=localized(model["label"], _current_lang())[0]))
                continue
            builtin = True
        if kind == "note" and not label:
            skip(number, type_text, name, _("This note has no text in Arabic, Kurdish or "
                                            "English."))
            continue
        if not label:
            warn(number, name, _("This question has no label in Arabic, Kurdish or English; "
                                 "it will be shown by its name."))

        required = _parse_required(_cell(row, columns.plain.get("required")))
        if required is None:
            warn(number, name, _("The condition that makes this question required is not "
                                 "supported; the question was imported as optional."))
            required = False
        if builtin and name == "status":
            required = True

        bounds: dict[str, Any] = {}
        constraint = _cell_text(_cell(row, columns.plain.get("constraint")))
        message = _texts(row, columns, "constraint_message")
        if constraint:
            parsed = parse_constraint(constraint, kind)
            if parsed is None:
                warn(number, name, _("The rule “%(constraint)s” could not be imported; the "
                                     "question was imported without it. Only fixed limits "
                                     "on a number or a date, such as “. >= 0 and . <= 100” "
                                     "or “. >= date('2020-01-01')”, are honoured.",
                                     constraint=constraint))
                message = {}
            else:
                bounds = parsed
        else:
            message = {}
        if relevant and condition is None:
            warn(number, name, _("The condition for showing this question (%(condition)s) is "
                                 "not honoured: only conditions on the answer to an earlier "
                                 "choice question are, such as “${q} = 'yes'” or "
                                 "“selected(${q}, 'x')”. The question will always be shown.",
                                 condition=relevant))
        for _group, _row, group_condition in group_stack:
            condition = both(group_condition, condition)
        if _cell_text(_cell(row, columns.plain.get("choice_filter"))):
            warn(number, name, _("The choice filter is not supported; all choices will be "
                                 "shown."))

        group = next((g for g, _row, _c in reversed(group_stack) if g is not None), None)
        question = make_question(
            name, kind, label,
            hint=_texts(row, columns, "hint"),
            required=required,
            choices=choices,
            minimum=bounds.get("min"),
            maximum=bounds.get("max"),
            min_exclusive=bounds.get("min_exclusive", False),
            max_exclusive=bounds.get("max_exclusive", False),
            constraint_message=message,
            group=group,
            builtin=builtin,
            not_future=bounds.get("not_future", False),
            min_date=bounds.get("min_date"),
            max_date=bounds.get("max_date"),
            required_message=_texts(row, columns, "required_message"),
            relevant=condition,
        )
        existing[name] = question
        new_questions.append(question)

    for group, number, _condition in group_stack:
        warn(number, group or "", _("This group is never ended; it was closed at the end of "
                                    "the form."))
    return new_questions, new_groups


__all__ = ["ImportResult", "export_xlsform", "import_xlsform"]
