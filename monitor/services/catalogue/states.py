"""Recommending States: recognised by any of their names, stored under the UN's name with
their ISO 3166-1 alpha-2 code, shown in Arabic, Sorani or English from CLDR.

Names come from ISO 3166 (pycountry: short, official and common names, and historic
countries such as Serbia and Montenegro) and from the UN's own names where they differ
(`UN_NAMES`); `ALIASES` adds names seen in UPR documents and UPR Info's exports
("Libyan Arab Jamahiriya", "Islamic Republic of Iran", "UK"). A name nobody knows (the
European Union, a misspelling) is kept as written, without a code.

Pure functions: no Flask application, database or request globals.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import pycountry
from babel import Locale, UnknownLocaleError

#: The UN's names (UN Terminology, as UPR reports write them) where ISO 3166's short
#: name differs, by alpha-2 code.
UN_NAMES = {
    "BO": "Bolivia (Plurinational State of)",
    "CD": "Democratic Republic of the Congo",
    "FM": "Micronesia (Federated States of)",
    "GB": "United Kingdom of Great Britain and Northern Ireland",
    "IR": "Iran (Islamic Republic of)",
    "KP": "Democratic People's Republic of Korea",
    "KR": "Republic of Korea",
    "MD": "Republic of Moldova",
    "PS": "State of Palestine",
    "TZ": "United Republic of Tanzania",
    "US": "United States of America",
    "VA": "Holy See",
    "VE": "Venezuela (Bolivarian Republic of)",
}

#: Other names seen in UPR documents and exports, by alpha-2 code.
ALIASES = {
    "BA": ["Bosnia & Herzegovina"],
    "BN": ["Brunei"],
    "FM": ["Micronesia"],
    "RU": ["Russia"],
    "CD": ["DR Congo", "DRC", "Congo (Democratic Republic of the)", "Zaire"],
    "CI": ["Ivory Coast"],
    "CV": ["Cape Verde"],
    "CZ": ["Czech Republic"],
    "GB": ["UK", "Great Britain"],
    "IR": ["Islamic Republic of Iran", "Iran (Islamic Rep. of)"],
    "KR": ["Korea", "Korea (Republic of)"],
    "KP": ["Korea (Democratic People's Republic of)"],
    "LY": ["Libyan Arab Jamahiriya"],
    "MK": ["Macedonia", "The former Yugoslav Republic of Macedonia",
           "Former Yugoslav Republic of Macedonia"],
    "MM": ["Burma"],
    "PS": ["Palestine", "Occupied Palestinian Territory"],
    "SZ": ["Swaziland"],
    "TL": ["East Timor"],
    "TR": ["Turkey"],
    "US": ["USA", "United States"],
    "VE": ["Bolivarian Republic of Venezuela"],
    "BO": ["Plurinational State of Bolivia"],
}

_TYPOGRAPHY = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00a0": " ",
                             "\u2013": "-", "\u2014": "-"})


def name_key(name: str | None) -> str:
    """A State's name normalised for lookup: case, accents kept, '&' read as 'and', a
    leading 'the', spaces, commas, brackets, dots and hyphens left aside."""
    text = unicodedata.normalize("NFKC", name or "").translate(_TYPOGRAPHY).casefold()
    text = text.replace("&", " and ")
    text = re.sub(r"[\s,().\-]+", " ", text)
    text = " ".join(text.split())
    return text[4:] if text.startswith("the ") else text


@functools.cache
def _index() -> dict[str, str]:
    index: dict[str, str] = {}

    def add(name: str | None, code: str) -> None:
        key = name_key(name)
        if key:
            index.setdefault(key, code)

    for code, name in UN_NAMES.items():
        add(name, code)
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            add(getattr(country, attr, None), country.alpha_2)
        # "Korea, Republic of" is also written "Republic of Korea".
        name = country.name
        if ", " in name:
            head, tail = name.split(", ", 1)
            add(f"{tail} {head}", country.alpha_2)
    for code, names in ALIASES.items():
        for name in names:
            add(name, code)
    for country in pycountry.historic_countries:
        alpha_2 = getattr(country, "alpha_2", None)
        if alpha_2:
            add(country.name, alpha_2)
    # The report's Arabic edition names States in Arabic: CLDR's names read them back.
    for lang in ("ar", "ckb"):
        for code, name in _territories(lang).items():
            if len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code):
                add(name, code)
    return index


@functools.cache
def _historic_names() -> dict[str, str]:
    return {c.alpha_2: c.name for c in pycountry.historic_countries
            if getattr(c, "alpha_2", None)}


def code_of(name: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code of a State named `name`, or None when unknown."""
    if (name or "").lstrip()[:1] in ("=", "+", "-", "@"):
        return None  # a cell written like a formula stays literal text
    return _index().get(name_key(name))


def un_name(code: str) -> str:
    """The UN's name of the State with this code."""
    if code in UN_NAMES:
        return UN_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is not None:
        return country.name
    return _historic_names().get(code, code)


@dataclass(frozen=True)
class State:
    """One recommending State: its name as monitor stores it (the UN's name when known)
    and its code (None when the name is not known)."""

    name: str
    code: str | None


def resolve(name: str) -> State:
    """`name` as stored: under the UN's name with its code when known, else as written
    (spaces collapsed)."""
    written = " ".join((name or "").split())
    code = code_of(written)
    return State(un_name(code), code) if code else State(written, None)


def is_state(name: str) -> bool:
    """True when `name` names a State monitor knows."""
    return code_of(name) is not None


def split_names(value: str | None) -> list[str]:
    """The States of a stored or exported list ("France; Lithuania")."""
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def join_names(names: list[str]) -> str:
    """Stored form of a list of States, in order, without repeats."""
    seen: list[str] = []
    for name in names:
        if name and name not in seen:
            seen.append(name)
    return "; ".join(seen)


def resolve_all(names: list[str]) -> list[State]:
    """Each name resolved, in order, without repeats (by code, else by name)."""
    out: list[State] = []
    keys: set[str] = set()
    for name in names:
        state = resolve(name)
        key = state.code or name_key(state.name)
        if state.name and key not in keys:
            keys.add(key)
            out.append(state)
    return out


def state_key(value: str | None) -> str:
    """States of a stored list for matching: codes (or normalised names), in order."""
    return ";".join(code_of(name) or name_key(name) for name in split_names(value))


@functools.cache
def _territories(lang: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(lang).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def display_name(name: str, code: str | None, lang: str) -> str:
    """A State's name in `lang` (CLDR's territory name); English and unknown States keep
    the UN's name as stored."""
    if lang == "en" or not code:
        return name
    return _territories(lang).get(code) or name


def display_list(value: str | None, codes: list[str | None] | None, lang: str) -> str:
    """A stored list of States shown in `lang` ("; "-separated, or "، " in Arabic script)."""
    names = split_names(value)
    codes = list(codes or [])
    if len(codes) != len(names):
        codes = [code_of(name) for name in names]
    shown = [display_name(name, code, lang) for name, code in zip(names, codes, strict=True)]
    return ("؛ " if lang in ("ar", "ckb") else "; ").join(shown)
