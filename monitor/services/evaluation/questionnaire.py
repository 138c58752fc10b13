"""The evaluation questionnaire: its definition (plain data), monitor's default
questionnaire, XLSForm import and export, and validation of answers.

Pure Python: no Flask app, no database. User-facing messages go through
``flask_babel.gettext``, which returns English outside an app context.

Definition schema
=================

A definition is a JSON-serialisable dict::

    {
      "questions": [Question, ...],     # in display order
      "groups": [{"name": str, "label": LocalizedText}, ...],
    }

``LocalizedText`` is a dict from language code to text, for the codes in
``LANGUAGES`` (``"ar"``, ``"ckb"`` = Sorani Kurdish in Arabic script, ``"en"``).
A language may be missing; ``localized()`` then falls back visibly
(lang -> en -> ar -> ckb -> first available) and says that it did.

A ``Question`` (built by ``make_question()``; every key is always present)::

    name                str   unique in the definition; an XML-style name
                              (letter or "_" first, then letters, digits, "_", "-", ".")
    type                str   one of QUESTION_TYPES:
                              select_one, select_multiple, integer, decimal, text, date,
                              file (attachments, handled outside this module),
                              note (display only, never answered)
    label               LocalizedText
    hint                LocalizedText   ({} when none)
    required            bool  enforced only when submitting, never for drafts
    choices             [{"name": str, "label": LocalizedText}, ...]  (select types; else [])
    min, max            int | float | None   numeric bounds (integer and decimal)
    min_exclusive,      bool  decimal only: the bound itself is not allowed
    max_exclusive             (for integers a strict bound is stored as min+1 / max-1)
    constraint_message  LocalizedText   shown when a bound or ``not_future`` is broken;
                                        {} -> a default message
    group               str | None   name of the innermost group holding the question
    builtin             bool  part of monitor's default questionnaire: the app must not
                              remove or replace it (``status`` is the score and is required)
    not_future          bool  date only: the date may not be after "today"

Groups are not nested in a definition: nested XLSForm groups keep only the innermost
group's name on each question.

Answers
=======

``validate_answers()`` turns raw form values into clean, JSON-serialisable answers:
select_one -> choice name (str); select_multiple -> list of choice names in the order of
the choices; integer -> int; decimal -> normalised decimal string such as ``"42.8"``
(exact; use ``Decimal(value)`` to compute); date -> ISO string ``"YYYY-MM-DD"``;
text -> stripped str. Empty answers are left out. file and note questions are ignored.

XLSForm
=======

``import_xlsform()`` reads KoboToolbox/ODK XLSForms (``survey`` and ``choices`` sheets)
and appends the supported questions to a base definition; ``export_xlsform()`` writes a
definition as an XLSForm. Language columns: ``label::English (en)`` style headers (the
code in parentheses counts: ar, ckb, en; other languages are ignored and reported once);
without parentheses a bare code (``label::en``) or a language name (``label::english``,
``label::arabic``, ``label::kurdish``/``sorani``) is recognised; a bare ``label`` column is
English. A code ``ku`` is not taken as Sorani (it may be Kurmanji in Latin script).

Built-in questions and import: builtin questions of the base are always kept and never
replaced (an imported question with the same name is skipped and reported). When the
base does not already contain one of monitor's default builtin questions, an imported
question with that name is recognised as that builtin (``builtin: true``) if it has the
same type and, for selects, the same choice names; otherwise it is skipped, because the
name is reserved. Hence ``import_xlsform(export_xlsform(default_questionnaire()),
base={"questions": [], "groups": []}).definition == default_questionnaire()``.

Only constant numeric limits on ``.`` are imported from ``constraint`` (``. >= 0``,
``. > 0 and . < 10``, ``0 <= .``...), plus ``. <= today()`` on dates (-> ``not_future``).
Other constraints, display conditions (``relevant``), conditional ``required`` and
``choice_filter`` are dropped with a warning; the question itself is still imported.
"""
from __future__ import annotations

import copy
import functools
import io
import itertools
import math
import operator
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from ...config import LANGUAGES
from ...i18n import normalize_digits, parse_number, pick_language

__all__ = [
    "LANGUAGES",
    "QUESTION_TYPES",
    "ANSWER_TYPES",
    "STATUS_SCORES",
    "NO_INFORMATION",
    "MAX_TEXT_LENGTH",
    "ImportResult",
    "SkippedRow",
    "RowWarning",
    "default_questionnaire",
    "builtin_names",
    "make_question",
    "status_score",
    "localized",
    "parse_number",
    "validate_answers",
    "import_xlsform",
    "export_xlsform",
]

#: Column order used by export_xlsform.
EXPORT_LANGUAGES = (("ar", "Arabic"), ("en", "English"), ("ckb", "Kurdish"))
QUESTION_TYPES = (
    "select_one", "select_multiple", "integer", "decimal", "text", "date", "file", "note",
)
#: Types answered through validate_answers (file and note are not).
ANSWER_TYPES = ("select_one", "select_multiple", "integer", "decimal", "text", "date")
SELECT_TYPES = ("select_one", "select_multiple")
NUMBER_TYPES = ("integer", "decimal")

STATUS_SCORES = (0, 25, 50, 75, 100)
NO_INFORMATION = "no_information"
MAX_TEXT_LENGTH = 20_000

# Limits on uploaded XLSForms (module globals, read at call time).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
MAX_ZIP_MEMBERS = 500
MAX_COLUMNS = 200
MAX_SHEET_ROWS = 20_000  # rows with content, per sheet
MAX_SCANNED_ROWS = 1_048_576  # rows looked at, empty ones included (Excel's own limit)

_NAME_RE = re.compile(r"^[^\W\d][\w.\-]*$")
_MAX_NAME_LENGTH = 100


# --- definition helpers ---------------------------------------------------------------


def make_question(
    name: str,
    type: str,  # noqa: A002 - the schema's own word
    label: dict[str, str] | None = None,
    *,
    hint: dict[str, str] | None = None,
    required: bool = False,
    choices: list[dict[str, Any]] | None = None,
    minimum: int | float | None = None,
    maximum: int | float | None = None,
    min_exclusive: bool = False,
    max_exclusive: bool = False,
    constraint_message: dict[str, str] | None = None,
    group: str | None = None,
    builtin: bool = False,
    not_future: bool = False,
) -> dict[str, Any]:
    """A question dict with every schema key present (see the module docstring)."""
    if type not in QUESTION_TYPES:
        raise ValueError(f"unknown question type {type!r}")
    return {
        "name": name,
        "type": type,
        "label": dict(label or {}),
        "hint": dict(hint or {}),
        "required": bool(required) and type not in ("note",),
        "choices": copy.deepcopy(choices or []) if type in SELECT_TYPES else [],
        "min": minimum,
        "max": maximum,
        "min_exclusive": bool(min_exclusive),
        "max_exclusive": bool(max_exclusive),
        "constraint_message": dict(constraint_message or {}),
        "group": group,
        "builtin": bool(builtin),
        "not_future": bool(not_future),
    }


def _t(ar: str, ckb: str, en: str) -> dict[str, str]:
    return {"ar": ar, "ckb": ckb, "en": en}


def default_questionnaire() -> dict[str, Any]:
    """monitor's default questionnaire (a new dict on every call)."""
    status_choices = [
        {"name": "0", "label": _t("لم تُنفَّذ", "جێبەجێ نەکراوە", "Not implemented")},
        {"name": "25", "label": _t("بدأ التنفيذ", "دەستی پێکراوە", "Initiated")},
        {"name": "50", "label": _t("نُفِّذت جزئياً", "بەشێکی جێبەجێ کراوە",
                                   "Partially implemented")},
        {"name": "75", "label": _t("نُفِّذت إلى حدٍّ كبير", "بە ڕادەیەکی زۆر جێبەجێ کراوە",
                                   "Largely implemented")},
        {"name": "100", "label": _t("نُفِّذت بالكامل", "بە تەواوی جێبەجێ کراوە",
                                    "Fully implemented")},
        {"name": NO_INFORMATION, "label": _t("لا تتوفر معلومات", "زانیاری نییە",
                                             "No information")},
    ]
    confidence_choices = [
        {"name": "low", "label": _t("منخفضة", "نزم", "Low")},
        {"name": "medium", "label": _t("متوسطة", "مامناوەند", "Medium")},
        {"name": "high", "label": _t("عالية", "بەرز", "High")},
    ]
    questions = [
        make_question(
            "status", "select_one",
            _t("حالة التنفيذ", "دۆخی جێبەجێکردن", "Implementation status"),
            hint=_t("إلى أي مدى نفّذت الحكومة هذه التوصية؟",
                    "حکومەت تا چ ڕادەیەک ئەم ڕاسپاردەیەی جێبەجێ کردووە؟",
                    "How far has the government implemented this recommendation?"),
            required=True, choices=status_choices, builtin=True,
        ),
        make_question(
            "government_actions", "text",
            _t("الإجراءات الحكومية المرصودة", "ئەو کارانەی حکومەت کە بەدی کراون",
               "Government actions observed"),
            hint=_t("صف القوانين أو السياسات أو البرامج أو غيرها من التدابير التي اتخذتها الحكومة.",
                    "ئەو یاسا، سیاسەت، بەرنامە یان ڕێوشوێنانەی تر کە حکومەت گرتوونیەتەبەر باس بکە.",
                    "Describe the laws, policies, programmes or other measures the "
                    "government has taken."),
            builtin=True,
        ),
        make_question(
            "evidence_links", "text",
            _t("روابط الأدلة", "بەستەرەکانی بەڵگە", "Links to evidence"),
            hint=_t("ضع رابطاً واحداً في كل سطر.", "لە هەر دێڕێکدا یەک بەستەر دابنێ.",
                    "Put one web address per line."),
            builtin=True,
        ),
        make_question(
            "evidence_files", "file",
            _t("المستندات الداعمة", "بەڵگەنامە پشتگیرییەکان", "Supporting documents"),
            hint=_t("أرفق تقارير أو وثائق رسمية أو ملفات أخرى تدعم تقييمك.",
                    "ڕاپۆرت، بەڵگەنامەی فەرمی یان پەڕگەی تر هاوپێچ بکە کە "
                    "هەڵسەنگاندنەکەت پشتڕاست دەکەنەوە.",
                    "Attach reports, official documents or other files that support "
                    "your assessment."),
            builtin=True,
        ),
        make_question(
            "information_date", "date",
            _t("تاريخ المعلومات", "بەرواری زانیارییەکە", "Date of the information"),
            hint=_t("متى جُمعت هذه المعلومات أو نُشرت؟",
                    "ئەم زانیارییە کەی کۆکراوەتەوە یان بڵاوکراوەتەوە؟",
                    "When was this information collected or published?"),
            constraint_message=_t("لا يمكن أن يكون تاريخ المعلومات في المستقبل.",
                                  "بەرواری زانیارییەکە نابێت لە داهاتوودا بێت.",
                                  "The date of the information cannot be in the future."),
            not_future=True, builtin=True,
        ),
        make_question(
            "confidence", "select_one",
            _t("درجة الثقة في هذا التقييم", "ئاستی متمانە بەم هەڵسەنگاندنە",
               "Confidence in this assessment"),
            hint=_t("ما مدى ثقتك بهذا التقييم بناءً على المعلومات المتاحة؟",
                    "بەپێی ئەو زانیارییانەی بەردەستن، چەندە دڵنیایت لەم هەڵسەنگاندنە؟",
                    "How sure are you of this assessment, given the information available?"),
            required=True, choices=confidence_choices, builtin=True,
        ),
        make_question(
            "assessment", "text",
            _t("التقييم", "هەڵسەنگاندن", "Assessment"),
            hint=_t("اشرح تقييمك لمدى تنفيذ التوصية.",
                    "ڕوونی بکەرەوە کە بە بڕوای تۆ ڕاسپاردەکە تا چەند جێبەجێ کراوە.",
                    "Explain your assessment of how far the recommendation has been "
                    "implemented."),
            required=True, builtin=True,
        ),
        make_question(
            "next_steps", "text",
            _t("الخطوات التالية الموصى بها", "هەنگاوە پێشنیارکراوەکانی داهاتوو",
               "Recommended next steps"),
            hint=_t("ما الذي ينبغي أن تفعله الحكومة أو الجهات الأخرى بعد ذلك؟",
                    "حکومەت یان لایەنەکانی تر دواتر چی بکەن؟",
                    "What should the government or others do next?"),
            builtin=True,
        ),
    ]
    return {"questions": questions, "groups": []}


def builtin_names() -> tuple[str, ...]:
    """Names of the default questionnaire's builtin questions."""
    return tuple(q["name"] for q in default_questionnaire()["questions"] if q["builtin"])


# --- small public helpers -------------------------------------------------------------

def status_score(answer: str | int | None) -> int | None:
    """The score (0-100) of a ``status`` answer; None for no information or no answer.
    Raises ValueError for a value that is not on the scale."""
    if answer is None or isinstance(answer, bool):
        if answer is None:
            return None
        raise ValueError(f"not a status: {answer!r}")
    if isinstance(answer, int):
        value = answer
    else:
        text = normalize_digits(str(answer)).strip()
        if text in ("", NO_INFORMATION):
            return None
        if not text.isdigit():
            raise ValueError(f"not a status: {answer!r}")
        value = int(text)
    if value not in STATUS_SCORES:
        raise ValueError(f"not a status: {answer!r}")
    return value


def _lang_code(lang: str | None) -> str:
    if not lang:
        return "en"
    return re.split(r"[-_]", str(lang).strip().lower(), maxsplit=1)[0]


def localized(label_dict: dict[str, str] | str | None, lang: str | None) -> tuple[str, bool]:
    """(text, is_fallback): the text in ``lang`` if present, else in en, ar, ckb, else the
    first available one, with ``is_fallback`` True so the page can say so. ("", True)
    when there is no text at all."""
    if not label_dict:
        return "", True
    if isinstance(label_dict, str):
        return label_dict, False
    found = pick_language(label_dict, _lang_code(lang))
    return (found.text, found.fallback) if found else ("", True)


def _current_lang() -> str:
    try:
        from flask_babel import get_locale

        locale = get_locale()
    except Exception:  # noqa: BLE001 - outside an app or request: English
        return "en"
    return locale.language if locale is not None else "en"


# --- answer validation ----------------------------------------------------------------


class _Invalid(Exception):
    pass


def _format_number(value: int | float | Decimal) -> str:
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _single(value: Any, label: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        values = [v for v in value if v is not None and str(v).strip()]
        if not values:
            return ""
        if len(values) > 1:
            raise _Invalid(_("Please give only one answer to “%(label)s”.", label=label))
        value = values[0]
    return value if isinstance(value, str) else str(value)


def _check_bounds(question: dict, number: Decimal, label: str, lang: str) -> None:
    low, high = question.get("min"), question.get("max")
    low_x = bool(question.get("min_exclusive")) and question.get("type") == "decimal"
    high_x = bool(question.get("max_exclusive")) and question.get("type") == "decimal"
    too_low = low is not None and (
        number <= Decimal(str(low)) if low_x else number < Decimal(str(low)))
    too_high = high is not None and (
        number >= Decimal(str(high)) if high_x else number > Decimal(str(high)))
    if not (too_low or too_high):
        return
    custom, _fallback = localized(question.get("constraint_message"), lang)
    if custom:
        raise _Invalid(custom)
    args = {"label": label,
            "min": _format_number(low) if low is not None else "",
            "max": _format_number(high) if high is not None else ""}
    if low is not None and high is not None:
        if not low_x and not high_x:
            message = _("%(label)s must be between %(min)s and %(max)s.", **args)
        elif low_x and high_x:
            message = _("%(label)s must be more than %(min)s and less than %(max)s.", **args)
        elif low_x:
            message = _("%(label)s must be more than %(min)s and at most %(max)s.", **args)
        else:
            message = _("%(label)s must be at least %(min)s and less than %(max)s.", **args)
    elif low is not None:
        message = (_("%(label)s must be more than %(min)s.", **args) if low_x
                   else _("%(label)s must be at least %(min)s.", **args))
    else:
        message = (_("%(label)s must be less than %(max)s.", **args) if high_x
                   else _("%(label)s must be at most %(max)s.", **args))
    raise _Invalid(message)


def _choice_names(question: dict) -> list[str]:
    return [str(c.get("name")) for c in question.get("choices") or []]


def _match_choice(value: str, names: list[str]) -> str | None:
    value = value.strip()
    if value in names:
        return value
    normalised = normalize_digits(value).strip()
    return normalised if normalised in names else None


def _short(value: str) -> str:
    value = value.replace("\x00", "")
    return value if len(value) <= 40 else value[:40] + "…"


def _clean_one(question: dict, value: Any, label: str, lang: str, today: date) -> Any:
    """The clean answer, None when empty; raises _Invalid."""
    qtype = question.get("type")
    if qtype == "select_multiple":
        if value is None:
            return None
        items = value.split() if isinstance(value, str) else [
            str(v) for v in value if v is not None]
        items = [v.strip() for v in items if v.strip()]
        if not items:
            return None
        names = _choice_names(question)
        chosen, unknown = set(), []
        for item in items:
            match = _match_choice(item, names)
            if match is None:
                unknown.append(_short(item))
            else:
                chosen.add(match)
        if unknown:
            raise _Invalid(_("“%(value)s” is not one of the choices for “%(label)s”.",
                             value=", ".join(unknown), label=label))
        return [name for name in names if name in chosen]

    text = _single(value, label)
    if "\x00" in text:
        raise _Invalid(_("“%(label)s” contains a hidden character that is not allowed "
                         "(NUL). Please remove it and try again.", label=label))
    if qtype == "text":
        text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
        if not text:
            return None
        if len(text) > MAX_TEXT_LENGTH:
            raise _Invalid(_("“%(label)s” is too long: %(length)s characters. The limit is "
                             "%(limit)s.", label=label, length=len(text),
                             limit=MAX_TEXT_LENGTH))
        return text
    if not text.strip():
        return None
    if qtype == "select_one":
        match = _match_choice(text, _choice_names(question))
        if match is None:
            raise _Invalid(_("“%(value)s” is not one of the choices for “%(label)s”.",
                             value=_short(text.strip()), label=label))
        return match
    if qtype == "integer":
        try:
            number = parse_number(text)
        except ValueError:
            number = None
        if number is None or number != number.to_integral_value():
            raise _Invalid(_("“%(label)s” must be a whole number, for example 42.",
                             label=label))
        _check_bounds(question, number, label, lang)
        return int(number)
    if qtype == "decimal":
        try:
            number = parse_number(text)
        except ValueError:
            number = None
        if number is None:
            raise _Invalid(_("“%(label)s” must be a number, for example 42.5.", label=label))
        _check_bounds(question, number, label, lang)
        return _format_number(number)
    if qtype == "date":
        iso = normalize_digits(text).strip()
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
                raise ValueError(iso)
            day = date.fromisoformat(iso)
        except ValueError:
            raise _Invalid(_("“%(label)s” must be a date written as YYYY-MM-DD, for "
                             "example 2024-03-31.", label=label)) from None
        if question.get("not_future") and day > today:
            custom, _fallback = localized(question.get("constraint_message"), lang)
            raise _Invalid(custom or _("“%(label)s” cannot be in the future.", label=label))
        return day.isoformat()
    return None  # pragma: no cover - callers pass answer types only


def validate_answers(
    definition: dict[str, Any],
    raw: dict[str, str | list[str]],
    *,
    submitting: bool,
    today: date,
    lang: str | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check raw form values against a definition.

    Returns (clean answers, error message by question name). Drafts (``submitting`` False)
    may be incomplete, but a value that is given must be valid. ``lang`` chooses the
    language of labels and constraint messages inside the errors (default: the current
    Flask-Babel locale, else English). Values for unknown names, file and note questions
    are ignored. A select_multiple value may be a list or a space-separated string.
    """
    lang = _lang_code(lang or _current_lang())
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in definition.get("questions") or []:
        if question.get("type") not in ANSWER_TYPES:
            continue
        name = question.get("name")
        label = localized(question.get("label"), lang)[0] or str(name)
        try:
            value = _clean_one(question, raw.get(name), label, lang, today)
        except _Invalid as exc:
            errors[name] = str(exc)
            continue
        if value is None:
            if submitting and question.get("required"):
                errors[name] = _("Please answer “%(label)s”.", label=label)
            continue
        clean[name] = value
    return clean, errors


# --- XLSForm import -------------------------------------------------------------------


@dataclass
class SkippedRow:
    """A survey row that was not imported."""

    row_number: int
    type: str
    name: str
    reason: str


@dataclass
class RowWarning:
    """Something imported only in part (e.g. a question without its constraint)."""

    row_number: int
    name: str
    reason: str
    sheet: str = "survey"


@dataclass
class ImportResult:
    definition: dict[str, Any]
    imported: list[str] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    #: Fatal problems; when not empty nothing was imported and ``definition`` is the base.
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


_LANGUAGE_NAMES = {
    "en": "en", "eng": "en", "english": "en",
    "ar": "ar", "ara": "ar", "arabic": "ar", "العربية": "ar", "عربي": "ar",
    "ckb": "ckb", "kurdish": "ckb", "sorani": "ckb", "kurdish sorani": "ckb",
    "sorani kurdish": "ckb", "central kurdish": "ckb", "کوردی": "ckb", "کوردیی ناوەندی": "ckb",
}
_LOCALIZED_COLUMNS = {"label": "label", "hint": "hint",
                      "constraint_message": "constraint_message",
                      "constraint message": "constraint_message"}
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
        key, sep, suffix = text.partition("::")
        key = re.sub(r"\s+", " ", key.strip().lower())
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
    if not data:
        raise _FatalImport(_("The file is empty."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise _FatalImport(_("The file is too large. The limit is %(limit)s MB.",
                             limit=MAX_UPLOAD_BYTES // (1024 * 1024)))
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise _FatalImport(_("This is an old Excel file (.xls). Please open it in Excel or "
                             "LibreOffice, save it as .xlsx and try again."))
    not_xlsx = _("The file is not an Excel workbook (.xlsx). Please upload an XLSForm "
                 "saved as .xlsx.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _FatalImport(not_xlsx) from None
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _FatalImport(not_xlsx)
    if (len(members) > MAX_ZIP_MEMBERS
            or sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES):
        raise _FatalImport(_("The workbook is too large to import. Please remove unused "
                             "sheets, pictures and empty formatted rows, then try again."))
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


_CLAUSE_RE = re.compile(r"^\.\s*(<=|>=|<|>|=)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))$")
_CLAUSE_REVERSED_RE = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(<=|>=|<|>|=)\s*\.$")
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "="}
_NOT_FUTURE_RE = re.compile(r"^\.\s*<=\s*today\(\s*\)$")


def _strip_parens(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and "(" not in text[1:-1] \
            and ")" not in text[1:-1]:
        text = text[1:-1].strip()
    return text


def _parse_constraint(expression: str, qtype: str) -> dict[str, Any] | None:
    """The schema keys for a supported constraint, None if not supported."""
    expression = _strip_parens(expression.replace("&gt;", ">").replace("&lt;", "<"))
    if qtype == "date":
        return {"not_future": True} if _NOT_FUTURE_RE.match(expression) else None
    if qtype not in NUMBER_TYPES:
        return None
    lower: tuple[Decimal, bool] | None = None  # (value, strict)
    upper: tuple[Decimal, bool] | None = None
    for clause in re.split(r"\s+and\s+", expression, flags=re.IGNORECASE):
        clause = _strip_parens(clause)
        match = _CLAUSE_RE.match(clause)
        if match:
            operator, number = match.group(1), match.group(2)
        else:
            match = _CLAUSE_REVERSED_RE.match(clause)
            if not match:
                return None
            operator, number = _FLIP[match.group(2)], match.group(1)
        value = Decimal(number)
        bounds = []
        if operator in (">", ">=", "="):
            bounds.append(("lower", (value, operator == ">")))
        if operator in ("<", "<=", "="):
            bounds.append(("upper", (value, operator == "<")))
        for side, bound in bounds:
            if side == "lower":
                if lower is None or bound[0] > lower[0] or (bound[0] == lower[0] and bound[1]):
                    lower = bound
            elif upper is None or bound[0] < upper[0] or (bound[0] == upper[0] and bound[1]):
                upper = bound
    result: dict[str, Any] = {"min": None, "max": None,
                              "min_exclusive": False, "max_exclusive": False}
    if qtype == "integer":
        if lower is not None:
            value, strict = lower
            result["min"] = (math.floor(value) + 1) if strict else math.ceil(value)
        if upper is not None:
            value, strict = upper
            result["max"] = (math.ceil(value) - 1) if strict else math.floor(value)
        if result["min"] is not None and result["max"] is not None \
                and result["min"] > result["max"]:
            return None
    else:
        if lower is not None:
            result["min"], result["min_exclusive"] = _json_number(lower[0]), lower[1]
        if upper is not None:
            result["max"], result["max_exclusive"] = _json_number(upper[0]), upper[1]
        if lower is not None and upper is not None and (
                lower[0] > upper[0] or (lower[0] == upper[0] and (lower[1] or upper[1]))):
            return None
    return result


def _parse_type(text: str) -> tuple[str, str | None, bool]:
    """(kind, list name, or_other). kind is a QUESTION_TYPES entry, "begin group",
    "end group", "begin repeat", "end repeat", "select without list" or "unsupported"."""
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
        result.warnings.append(RowWarning(1, "", _(
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
            result.warnings.append(RowWarning(number, "", _(
                "This choice has no name and was left out of the list “%(list)s”.",
                list=list_name), sheet=title))
            continue
        entries = lists.setdefault(list_name, [])
        if any(c["name"] == name for c in entries):
            result.warnings.append(RowWarning(number, name, _(
                "The choice “%(name)s” appears twice in the list “%(list)s”; the second "
                "one was left out.", name=name, list=list_name), sheet=title))
            continue
        entries.append({"name": name, "label": _texts(row, columns, "label")})
    return lists


def _warn_languages(columns: _Columns, result: ImportResult, sheet: str) -> None:
    if columns.ignored_languages:
        result.warnings.append(RowWarning(1, "", _(
            "Texts in %(languages)s were not imported. monitor uses Arabic, Kurdish "
            "(Sorani) and English.", languages=", ".join(columns.ignored_languages)),
            sheet=sheet))


def import_xlsform(data: bytes, *, base: dict | None = None) -> ImportResult:
    """Import an XLSForm (.xlsx) onto ``base`` (default: the default questionnaire).

    Never raises for a bad file: fatal problems are in ``errors`` and leave the base
    unchanged. See the module docstring for what is supported."""
    definition = copy.deepcopy(base if base is not None else default_questionnaire())
    definition.setdefault("questions", [])
    definition.setdefault("groups", [])
    result = ImportResult(definition=definition)
    try:
        workbook = _open_workbook(data)
    except _FatalImport as exc:
        result.errors.append(str(exc))
        return result
    try:
        new_questions, new_groups = _import_survey(workbook, definition, result)
    except _FatalImport as exc:
        result.errors.append(str(exc))
        new_questions, new_groups = [], []
    except Exception:  # noqa: BLE001 - a malformed sheet can fail deep in the XML parser
        result.errors.append(_("The file could not be read. Please check that it is an "
                               "XLSForm saved as .xlsx."))
        new_questions, new_groups = [], []
    finally:
        workbook.close()
    if result.errors:
        result.imported, result.skipped, result.warnings = [], [], []
        result.definition = copy.deepcopy(base if base is not None
                                          else default_questionnaire())
        result.definition.setdefault("questions", [])
        result.definition.setdefault("groups", [])
        return result
    definition["questions"].extend(new_questions)
    definition["groups"].extend(new_groups)
    result.imported = [q["name"] for q in new_questions]
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
    group_stack: list[tuple[str | None, int]] = []
    repeat_depth = 0

    def skip(number: int, type_text: str, name: str, reason: str) -> None:
        result.skipped.append(SkippedRow(number, type_text, name, reason))

    def warn(number: int, name: str, reason: str) -> None:
        result.warnings.append(RowWarning(number, name, reason, sheet=title))

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
                group_stack.append((None, number))
            skip(number, type_text, name, _("This row has no name."))
            continue
        if len(name) > _MAX_NAME_LENGTH or not _NAME_RE.match(name):
            if kind == "begin group":
                group_stack.append((None, number))
            skip(number, type_text, name, _("“%(name)s” cannot be used as a name: start with "
                                            "a letter and use only letters, digits and _.",
                                            name=_short(name)))
            continue

        label = _texts(row, columns, "label")
        relevant = _cell_text(_cell(row, columns.plain.get("relevant")))
        if kind == "begin group":
            group_stack.append((name, number))
            if name not in group_names:
                group_names.add(name)
                new_groups.append({"name": name, "label": label})
            if relevant:
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
            parsed = _parse_constraint(constraint, kind)
            if parsed is None:
                warn(number, name, _("The rule “%(constraint)s” could not be imported; the "
                                     "question was imported without it. Only fixed number "
                                     "limits such as “. >= 0 and . <= 100” are supported.",
                                     constraint=constraint))
                message = {}
            else:
                bounds = parsed
        else:
            message = {}
        if relevant:
            warn(number, name, _("The condition for showing this question (%(condition)s) is "
                                 "not supported; the question will always be shown.",
                                 condition=relevant))
        if _cell_text(_cell(row, columns.plain.get("choice_filter"))):
            warn(number, name, _("The choice filter is not supported; all choices will be "
                                 "shown."))

        group = next((g for g, _row in reversed(group_stack) if g is not None), None)
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
        )
        existing[name] = question
        new_questions.append(question)

    for group, number in group_stack:
        warn(number, group or "", _("This group is never ended; it was closed at the end of "
                                    "the form."))
    return new_questions, new_groups


# --- XLSForm export -------------------------------------------------------------------


def _constraint_for(question: dict) -> str:
    parts = []
    if question.get("type") in NUMBER_TYPES:
        decimal = question.get("type") == "decimal"
        if question.get("min") is not None:
            operator = ">" if decimal and question.get("min_exclusive") else ">="
            parts.append(f". {operator} {_format_number(question['min'])}")
        if question.get("max") is not None:
            operator = "<" if decimal and question.get("max_exclusive") else "<="
            parts.append(f". {operator} {_format_number(question['max'])}")
    if question.get("type") == "date" and question.get("not_future"):
        parts.append(". <= today()")
    return " and ".join(parts)


def export_xlsform(definition: dict[str, Any]) -> bytes:
    """The definition as an XLSForm workbook (survey, choices and settings sheets).
    ``builtin`` is not written (see the module docstring for how import recognises it)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def put(sheet, values: list[Any]) -> None:  # noqa: ANN001
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
                      for v in values])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula

    def langs(texts: dict | None) -> list[str | None]:
        texts = texts or {}
        return [texts.get(code) or None for code, _name in EXPORT_LANGUAGES]

    def headers(kind: str) -> list[str]:
        return [f"{kind}::{language} ({code})" for code, language in EXPORT_LANGUAGES]

    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    choices = workbook.create_sheet("choices")
    settings = workbook.create_sheet("settings")
    put(survey, ["type", "name", *headers("label"), *headers("hint"), "required",
                 "constraint", *headers("constraint_message")])
    put(choices, ["list_name", "name", *headers("label")])
    put(settings, ["form_title", "form_id", "default_language"])
    put(settings, ["monitor questionnaire", "monitor_questionnaire", "English (en)"])

    group_labels = {g.get("name"): g.get("label") for g in definition.get("groups") or []}
    used_groups: set[str] = set()
    current: str | None = None
    for question in definition.get("questions") or []:
        group = question.get("group")
        if group != current:
            if current is not None:
                put(survey, ["end group"])
            if group is not None:
                put(survey, ["begin group", group, *langs(group_labels.get(group))])
                used_groups.add(group)
            current = group
        qtype = question["type"]
        type_text = f"{qtype} {question['name']}" if qtype in SELECT_TYPES else qtype
        put(survey, [type_text, question["name"], *langs(question.get("label")),
                     *langs(question.get("hint")),
                     "yes" if question.get("required") else None,
                     _constraint_for(question) or None,
                     *langs(question.get("constraint_message"))])
        if qtype in SELECT_TYPES:
            for choice in question.get("choices") or []:
                put(choices, [question["name"], str(choice.get("name")),
                              *langs(choice.get("label"))])
    if current is not None:
        put(survey, ["end group"])
    for group in definition.get("groups") or []:  # groups without questions
        if group.get("name") not in used_groups:
            put(survey, ["begin group", group.get("name"), *langs(group.get("label"))])
            put(survey, ["end group"])

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
