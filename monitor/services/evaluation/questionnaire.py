"""The evaluation questionnaire: its definition (plain data), monitor's default
questionnaire and validation of answers; its XLSForm import and export are in
``services.evaluation.xlsform``.

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

Optional keys, present only when set (definitions stored before them stay valid)::

    min_date, max_date  str   date only: ISO limits, both included
    required_message    LocalizedText   shown when a required question is left empty
    relevant            Condition   the question is asked only when it holds; otherwise
                                    its answer is not required and is dropped

A ``Condition`` reads select answers of earlier questions: ``{"question": name, "op":
"=" | "!=" | "selected", "value": choice name}``, ``{"not": Condition}``, ``{"all":
[Condition, ...]}``, ``{"any": [Condition, ...]}`` (``is_relevant()``; the evaluation
page's ``static/relevance.js`` shows and hides questions by the same rules, and without
it every question shows and the server decides).

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

``xlsform.import_xlsform()`` reads KoboToolbox/ODK XLSForms (``survey`` and ``choices`` sheets)
and appends the supported questions to a base definition; ``xlsform.export_xlsform()`` writes a
definition as an XLSForm. Language columns: every spelling the XLSForm spec and pyxform
accept (``label::Arabic (ar)``, ``label::Arabic``, ``label:Arabic``, a bare ``label``
(English), a language named in English or in the language itself, ``label::العربية``);
the code in parentheses counts (ar, ckb, en; ``ku`` is not taken as Sorani); other
languages are ignored and reported once. ``bind::relevant``-style aliases and the legacy
``select one from LIST`` syntax are read.

Built-in questions and import: builtin questions of the base are always kept and never
replaced (an imported question with the same name is skipped and reported). When the
base does not already contain one of monitor's default builtin questions, an imported
question with that name is recognised as that builtin (``builtin: true``) if it has the
same type and, for selects, the same choice names; otherwise it is skipped, because the
name is reserved. Hence ``import_xlsform(export_xlsform(default_questionnaire()),
base={"questions": [], "groups": []}).definition == default_questionnaire()``.

What monitor honours of ``constraint`` and ``relevant`` is in
``services.evaluation.xlsform_rules`` (limits on numbers and dates; relevance on select
answers, also a group's); ``constraint_message`` and ``required_message`` are kept per
language. Other constraints and conditions (``regex()``, calculations, other functions,
references to other answers), conditional ``required`` and ``choice_filter`` are reported
by row; the question itself is still imported.
"""
from __future__ import annotations

import copy
import re
from datetime import date
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
    "default_questionnaire",
    "builtin_names",
    "make_question",
    "status_score",
    "localized",
    "parse_number",
    "validate_answers",
    "is_relevant",
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
    min_date: str | None = None,
    max_date: str | None = None,
    required_message: dict[str, str] | None = None,
    relevant: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A question dict with every schema key present, and the optional ones that are set
    (see the module docstring)."""
    if type not in QUESTION_TYPES:
        raise ValueError(f"unknown question type {type!r}")
    optional = {"min_date": min_date if type == "date" else None,
                "max_date": max_date if type == "date" else None,
                "required_message": dict(required_message or {}),
                "relevant": copy.deepcopy(relevant)}
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
        **{key: value for key, value in optional.items() if value},
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
        custom, _fallback = localized(question.get("constraint_message"), lang)
        if question.get("not_future") and day > today:
            raise _Invalid(custom or _("“%(label)s” cannot be in the future.", label=label))
        first, last = question.get("min_date"), question.get("max_date")
        if first and day.isoformat() < first:
            raise _Invalid(custom or _("“%(label)s” must be on or after %(date)s.",
                                       label=label, date=first))
        if last and day.isoformat() > last:
            raise _Invalid(custom or _("“%(label)s” must be on or before %(date)s.",
                                       label=label, date=last))
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
    A question whose ``relevant`` condition does not hold (on the clean answers before
    it) is not asked: its value is dropped, unchecked and not required.
    """
    lang = _lang_code(lang or _current_lang())
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in definition.get("questions") or []:
        if question.get("type") not in ANSWER_TYPES:
            continue
        name = question.get("name")
        if not is_relevant(question.get("relevant"), clean):
            continue
        label = localized(question.get("label"), lang)[0] or str(name)
        try:
            value = _clean_one(question, raw.get(name), label, lang, today)
        except _Invalid as exc:
            errors[name] = str(exc)
            continue
        if value is None:
            if submitting and question.get("required"):
                errors[name] = localized(question.get("required_message"), lang)[0] or _(
                    "Please answer “%(label)s”.", label=label)
            continue
        clean[name] = value
    return clean, errors


def is_relevant(condition: dict | None, answers: dict[str, Any]) -> bool:
    """Whether a question with this condition is asked, given the clean answers of the
    questions before it (an unasked or unanswered question reads as empty)."""
    if not condition:
        return True
    if "not" in condition:
        return not is_relevant(condition["not"], answers)
    if "all" in condition:
        return all(is_relevant(c, answers) for c in condition["all"])
    if "any" in condition:
        return any(is_relevant(c, answers) for c in condition["any"])
    answer = answers.get(condition["question"])
    chosen = answer if isinstance(answer, list) else ([answer] if answer else [])
    if condition["op"] == "selected":
        return condition["value"] in chosen
    equal = " ".join(chosen) == condition["value"]
    return equal if condition["op"] == "=" else not equal
