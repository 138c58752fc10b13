"""Languages: the locale chain, text direction, number and date formatting, and content
fields in three languages.

Digits: monitor shows Latin digits (0-9) in all three languages, as the plan's own Arabic
documents, the KRG's reports and the UN's documents do, so a figure reads the same in a
page, a spreadsheet and a report. Input accepts Arabic-Indic digits (٠-٩, ۰-۹) and the
Arabic decimal separator (٫) everywhere (see `normalize_digits`).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.dates import format_time as _babel_time
from babel.numbers import NumberPattern, parse_pattern
from babel.numbers import format_decimal as _babel_decimal
from flask import current_app, g, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from .config import LANGUAGES

DEFAULT_LANGUAGE = "ar"
LANGUAGE_NAMES = {"ar": "العربية", "ckb": "کوردی", "en": "English"}
#: Babel locales used for formatting (regional conventions of Iraq).
FORMAT_LOCALES = {"ar": "ar_IQ", "ckb": "ckb_IQ", "en": "en"}
LANG_COOKIE = "monitor_lang"

_DIGITS = str.maketrans(
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬\u2212",
    "01234567890123456789.,-",
)
# Direction marks that right-to-left keyboards and copy-paste slip into numbers.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
             "\ufeff\u200b"),
    None,
)
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_GROUPED_RE = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")


def valid_language(value: str | None) -> str | None:
    return value if value in LANGUAGES else None


def select_locale() -> str:
    """The saved preference of a signed-in user, then the cookie, then Accept-Language,
    then Arabic. An explicit `?lang=` is stored by `remember_language_choice` before this
    runs, so it wins."""
    if not has_request_context():
        # The CLI speaks to the operator: English unless configured (emails are rendered in
        # each recipient's language explicitly).
        return valid_language(current_app.config.get("MONITOR_CLI_LANGUAGE")) or "en"
    # Read the query directly too: an error raised before the hook that records the choice
    # (a CSRF refusal, say) still answers in the chosen language.
    chosen = g.get("lang_choice") or valid_language(request.args.get("lang"))
    if chosen:
        return chosen
    if current_user and current_user.is_authenticated and valid_language(current_user.language):
        return current_user.language
    cookie = valid_language(request.cookies.get(LANG_COOKIE))
    if cookie:
        return cookie
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


@lru_cache(maxsize=16)
def _parsed(language: str) -> Locale:
    return Locale.parse(language)


def locale_for_request() -> Locale:
    """Flask-Babel's locale selector: `select_locale`'s choice, parsed once per process
    (Babel builds a new Locale on every parse, which showed in the profile of a save)."""
    return _parsed(select_locale())


def bdi(value: object) -> Markup:
    """A user-entered name, email or code inside a translated sentence, isolated so that
    its direction (or a stray override) cannot reorder the sentence around it; escaped.
    Templates use it as the `bdi` filter."""
    return Markup("<bdi>%s</bdi>") % (value,)


def isolated(message: str, **values: object) -> Markup:
    """A translated sentence (given untranslated placeholders: `_("%(name)s was added.")`)
    with each value in `bdi` (flash messages). The sentence itself is escaped like any
    text."""
    return escape(message) % {key: bdi(value) for key, value in values.items()}


def current_language() -> str:
    locale = get_locale()
    return str(locale.language) if locale is not None else DEFAULT_LANGUAGE


def text_direction(lang: str | None = None) -> str:
    return Locale.parse(lang or current_language()).text_direction


def normalize_digits(text: str) -> str:
    """Arabic-Indic and Persian digits and separators to ASCII, without direction marks."""
    return text.translate(_INVISIBLE).translate(_DIGITS)


def parse_number(s: str | int | Decimal | None) -> Decimal | None:
    """The one parser for numbers typed by users: ASCII, Arabic-Indic (٠-٩) or Extended
    Arabic-Indic/Persian (۰-۹) digits, decimal point ``.`` or ``٫``, optional thousands
    separators ``٬`` or ``,`` in groups of three. None for an empty value; ValueError for
    anything else (exponents, NaN, words...)."""
    if s is None:
        return None
    if isinstance(s, bool):
        raise ValueError("not a number")
    if isinstance(s, int):
        return Decimal(s)
    if isinstance(s, Decimal):
        if not s.is_finite():
            raise ValueError("not a number")
        return s
    text = normalize_digits(str(s)).strip()
    if not text:
        return None
    if len(text) > 40:
        raise ValueError("number too long")
    if "," in text:
        if not _GROUPED_RE.match(text):
            raise ValueError(f"not a number: {s!r}")
        text = text.replace(",", "")
    if not _NUMBER_RE.match(text):
        raise ValueError(f"not a number: {s!r}")
    return Decimal(text)


def parse_decimal(text: str) -> Decimal:
    """A required number (see `parse_number`); ValueError when it is empty or not one."""
    value = parse_number(text)
    if value is None:
        raise ValueError(text)
    return value


def _format_locale(lang: str | None = None) -> str:
    return FORMAT_LOCALES.get(lang or current_language(), "en")


@lru_cache(maxsize=16)
def _number_pattern(digits: int) -> NumberPattern:
    # Parsed once: Babel would parse the pattern and the locale on every call (4x slower),
    # and a results table formats hundreds of numbers.
    return parse_pattern("#,##0" + ("." + "0" * digits if digits else ""))


@lru_cache(maxsize=8)
def _locale_object(code: str) -> Locale:
    return Locale.parse(code)


def format_number(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return _babel_decimal(value, format=_number_pattern(digits),
                          locale=_locale_object(_format_locale()), numbering_system="latn")


def format_points(value: float | None) -> str:
    """A value on the 0–100 scale, or a gap in points (signed)."""
    if value is None:
        return "–"
    text = format_number(abs(value))
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def format_percent(value: float | None, digits: int = 1) -> str:
    """`value` is in percent (42.8 means 42.8%)."""
    if value is None:
        return "–"
    return format_number(value, digits) + "%"


def timezone() -> ZoneInfo:
    """The instance's time zone (MONITOR_TIMEZONE): where dates are shown and meant."""
    return _zone(current_app.config["MONITOR_TIMEZONE"])


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


#: Where CLDR's date patterns read wrongly: Sorani's medium date puts the year first
#: ("2022 کانوونی دووەم 1") and its long date declines the month ("کانوونی دووەمی"). One
#: order, day month year, and one spelling of the month.
DATE_PATTERNS = {"ckb_IQ": {"medium": "d MMMM y", "long": "d MMMM y"}}


def format_datetime(value: dt.datetime | None, fmt: str = "medium") -> str:
    """UTC in the database, Baghdad time on the page; minutes, never seconds (a deadline
    reads "23:59", not "11:59:00 PM")."""
    if value is None:
        return "–"
    aware = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
    locale = _format_locale()
    if fmt not in ("short", "medium", "long"):
        return _babel_datetime(aware, fmt, tzinfo=timezone(), locale=locale)
    local = aware.astimezone(timezone())
    pattern = str(_locale_object(locale).datetime_formats[fmt])
    return (pattern.replace("{1}", format_date(local.date(), fmt))
            .replace("{0}", _babel_time(local, "short", locale=locale)))


def format_time(value: dt.datetime, fmt: str = "short") -> str:
    """The time of day only, in Baghdad time (e.g. "the draft was saved at 14:05")."""
    aware = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
    return _babel_time(aware, fmt, tzinfo=timezone(), locale=_format_locale())


def format_date(value: dt.date | None, fmt: str = "medium") -> str:
    if value is None:
        return "–"
    locale = _format_locale()
    return _babel_date(value, DATE_PATTERNS.get(locale, {}).get(fmt, fmt), locale=locale)


@dataclass(frozen=True)
class Localized:
    text: str
    lang: str
    fallback: bool

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        if not self.fallback:
            return str(escape(self.text))
        # A visible marker, and the right language and direction for the fallback text.
        return str(
            Markup('<span class="fallback" lang="{lang}" dir="auto">{text}</span>'
                   '<sup class="fallback-mark" title="{lang}">{lang}</sup>').format(
                lang=self.lang, text=self.text
            )
        )


def pick_language(texts: Mapping[str, object], lang: str) -> Localized | None:
    """The text in `lang`, else English, Arabic, Sorani, else any other language given;
    None when there is none. The one fallback order for content and questionnaires."""
    for code in dict.fromkeys([lang, "en", "ar", "ckb", *texts]):
        value = texts.get(code)
        if isinstance(value, str) and value.strip():
            return Localized(value, code, code != lang)
    return None


def localized(obj: object, field: str, lang: str | None = None) -> Localized:
    """Content field in the user's language, else English, Arabic, Sorani (marked)."""
    lang = lang or current_language()
    texts = {code: getattr(obj, f"{field}_{code}", None) for code in LANGUAGES}
    return pick_language(texts, lang) or Localized("", lang, False)


def missing_languages(obj: object, field: str) -> list[str]:
    return [code for code in LANGUAGES if not getattr(obj, f"{field}_{code}", None)]


def init_templates(app) -> None:  # noqa: ANN001
    """Template helpers: `tr(obj, field)`, number/date filters, the page's lang and dir."""
    app.jinja_env.globals.update(
        tr=localized,
        missing_languages=missing_languages,
        LANGUAGES=LANGUAGES,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )
    app.jinja_env.filters.update(
        number=format_number, percent=format_percent, points=format_points,
        datetime=format_datetime, date=format_date,
    )

    @app.context_processor
    def _page_language() -> dict:
        lang = current_language()
        return {"page_lang": lang, "page_dir": text_direction(lang)}
