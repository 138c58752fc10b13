"""What every recommendation format shares: the parsed rows (refused ones as the import
kernel's `RowError`), text
normalisation for matching, and the validation of codes, texts, States and responses.

Pure functions: no Flask application, database or request globals.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from flask_babel import gettext as _

from ...imports import RowError
from ..states import code_of, name_key, resolve_all

Response = Literal["supported", "noted", "partially_supported"]

CODE_RE = re.compile(r"^\d+\.\d+(\.\d+)?$")


def clean_code(code: str | None) -> str:
    """A paragraph code as stored: spaces removed and without the trailing dot that
    cycle-2 reports and OHCHR matrices write (``166.6.`` → ``166.6``)."""
    code = "".join((code or "").split())
    return code[:-1] if code.endswith(".") and CODE_RE.match(code[:-1]) else code


_RESPONSES: dict[str, Response] = {
    "supported": "supported",
    "accepted": "supported",
    "noted": "noted",
    "not supported": "noted",
    "rejected": "noted",
    "partially supported": "partially_supported",
    "partially accepted": "partially_supported",
    "partially_supported": "partially_supported",
    "supported in part": "partially_supported",
    # OHCHR's matrices: part of the recommendation supported, the rest noted.
    "supported/noted": "partially_supported",
    "accepted/noted": "partially_supported",
    "supported / noted": "partially_supported",
}


def read_response(value: str | None) -> Response | None:
    """A response as written in a document (any case, spaces or underscores), or None."""
    text = " ".join((value or "").replace("_", " ").casefold().split())
    text = text.replace(" / ", "/")
    return _RESPONSES.get(text) or _RESPONSES.get(text.replace(" ", "_"))

# Typographic characters mapped to ASCII before matching texts.
_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)


@dataclass
class RecommendationRow:
    """One recommendation as read from a file.  ``row_number`` is the
    spreadsheet row (or text line) the user sees; ``code`` is None in UPR Info
    exports; ``response`` is None in the UN numbered list."""

    row_number: int
    code: str | None
    text_en: str
    text_ar: str | None = None
    text_ckb: str | None = None
    recommending_state: str = ""
    response: Response | None = None
    cycle: str | None = None
    session: str | None = None
    document: str | None = None
    themes: list[str] = field(default_factory=list)
    file: str | None = None
    responsible_bodies: str | None = None
    #: ISO 3166 alpha-2 codes of the recommending States, in the order of
    #: ``recommending_state`` ("; "-separated), None for a State not known.
    state_codes: list[str | None] = field(default_factory=list)
    sdgs: list[str] = field(default_factory=list)
    affected_persons: list[str] = field(default_factory=list)
    #: Words of the text were left over (report text copied from a PDF): the text does
    #: not replace a stored one.
    text_incomplete: bool = False

    @property
    def key(self) -> tuple[str, str]:
        """Matching key for rows without a code."""
        return match_key(self.text_en, self.recommending_state)


@dataclass
class ParsedCatalogue:
    """Result of :func:`parse_recommendations`.

    ``skipped`` lists UPR Info rows for other States under review and
    ``skipped_reason`` explains them (empty when nothing was skipped);
    ``ignored_columns`` lists template columns that were not recognised;
    ``encoding`` is how the file was decoded (``"xlsx"`` for workbooks).
    """

    format: Literal["template", "upr_info", "numbered_list", "pdf_text", "ohchr_matrix"]
    rows: list[RecommendationRow] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    #: Text left over that is neither a recommendation nor page furniture (by line);
    #: reported, not blocking.
    warnings: list[RowError] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)
    skipped_reason: str = ""
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = ""


# --------------------------------------------------------------------------
# text helpers
# --------------------------------------------------------------------------


def _strip_end_punctuation(text: str) -> str:
    """Strip whitespace and punctuation (but not brackets) at both ends."""

    def removable(ch: str) -> bool:
        if ch.isspace():
            return True
        category = unicodedata.category(ch)
        return category.startswith("P") and category not in ("Ps", "Pe")

    start, end = 0, len(text)
    while start < end and removable(text[start]):
        start += 1
    while end > start and removable(text[end - 1]):
        end -= 1
    return text[start:end]


def normalise_text(s: str | None) -> str:
    """Normalise a text for matching: NFKC, typographic quotes and dashes to
    ASCII, casefold, whitespace collapsed, punctuation stripped at both ends
    (brackets are kept)."""
    if not s:
        return ""
    text = unicodedata.normalize("NFKC", s).translate(_TYPOGRAPHY).casefold()
    text = " ".join(text.split())
    return _strip_end_punctuation(text)


#: Short names by which UPR Info's exports (and people) name States, mapped to the names
#: the UN's reports use, normalised: the same recommendation imported from both sources
#: then has one key. Checked against Iraq's second cycle: "United States", "United
#: Kingdom", "Palestine", "Venezuela" and "Iran" (11 of 242 rows) in UPR Info's export.
STATE_ALIASES = {
    "bolivia": "bolivia (plurinational state of)",
    "brunei": "brunei darussalam",
    "cape verde": "cabo verde",
    "congo (democratic republic of the)": "democratic republic of the congo",
    "czech republic": "czechia",
    "dr congo": "democratic republic of the congo",
    "drc": "democratic republic of the congo",
    "east timor": "timor-leste",
    "iran": "iran (islamic republic of)",
    "ivory coast": "côte d'ivoire",
    "korea": "republic of korea",
    "laos": "lao people's democratic republic",
    "macedonia": "north macedonia",
    "micronesia": "micronesia (federated states of)",
    "moldova": "republic of moldova",
    "north korea": "democratic people's republic of korea",
    "palestine": "state of palestine",
    "russia": "russian federation",
    "south korea": "republic of korea",
    "swaziland": "eswatini",
    "syria": "syrian arab republic",
    "tanzania": "united republic of tanzania",
    "the former yugoslav republic of macedonia": "north macedonia",
    "turkey": "türkiye",
    "uk": "united kingdom of great britain and northern ireland",
    "united kingdom": "united kingdom of great britain and northern ireland",
    "united states": "united states of america",
    "usa": "united states of america",
    "venezuela": "venezuela (bolivarian republic of)",
    "vietnam": "viet nam",
}


def normalise_state(s: str | None) -> str:
    """Recommending States (one, or several separated by ";") for matching: their ISO 3166
    codes where known (so "United Kingdom" and "United Kingdom of Great Britain and Northern
    Ireland", "Libya" and "Libyan Arab Jamahiriya" are one State), else their normalised
    names; sorted, so that the order the sources list them in does not matter."""
    parts = {code_of(part) or name_key(part) for part in (s or "").split(";")}
    return ";".join(sorted(part for part in parts if part))


#: Square-bracketed words are UPR Info's insertions into the UN's text ("[ICCPR and
#: ICESCR]"); a hyphen between letters may be the PDF's hyphenation or a compound the
#: other source writes joined ("non-refoulement", "nonrefoulement").
_INSERTION_RE = re.compile(r"\[[^\]]*\]")
_WORD_HYPHEN_RE = re.compile(r"(?<=[^\W\d_])-\s*(?=[^\W\d_])")
_NOT_WORD_RE = re.compile(r"[\W_]+")


def match_text(s: str | None) -> str:
    """A recommendation's text as a key robust to the edits sources make to the same text:
    `normalise_text`, UPR Info's bracketed insertions dropped, hyphens between letters
    dropped, then words only (brackets, quotation marks and punctuation left aside, so
    "62/149" and "62-149" are the same)."""
    text = _INSERTION_RE.sub(" ", normalise_text(s))
    text = _WORD_HYPHEN_RE.sub("", text)
    return " ".join(_NOT_WORD_RE.sub(" ", text).split())


def resolved_states(names: list[str]) -> tuple[str, list[str | None]]:
    """Recommending States as stored: their UN names "; "-separated, in order, without
    repeats, and their ISO 3166 codes (None where not known)."""
    states = resolve_all(names)
    return "; ".join(state.name for state in states), [state.code for state in states]


def split_state_list(value: str | None) -> list[str]:
    """States written in one cell: separated by ";" (monitor's export), else by "," when
    every part is a known State ("Chile, Peru"), else the whole cell."""
    value = (value or "").strip()
    if ";" in value:
        return [part.strip() for part in value.split(";") if part.strip()]
    parts = [part.strip() for part in value.split(",")]
    if len(parts) > 1 and all(code_of(part) for part in parts):
        return parts
    return [value] if value else []


def match_key(text_en: str | None, recommending_state: str | None) -> tuple[str, str]:
    """Key used to match recommendations that have no code."""
    return match_text(text_en), normalise_state(recommending_state)


def _header_name(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().casefold())


def _split_themes(cell: str) -> list[str]:
    if not cell:
        return []
    separator = ";" if ";" in cell else ","
    parts = cell.split(separator)
    if separator == ",":
        parts = [p for part in parts for p in part.split("\u060c")]  # Arabic comma
    themes: list[str] = []
    seen: set[str] = set()
    for part in parts:
        theme = " ".join(part.split())
        if theme and theme.casefold() not in seen:
            seen.add(theme.casefold())
            themes.append(theme)
    return themes


def _cycle_from_session(session: str) -> str | None:
    """UPR cycle of a Working Group session (cycle 1: sessions 1-12, then 14
    sessions per cycle); None when unknown."""
    if not session.isdigit():
        return None
    number = int(session)
    if 1 <= number <= 12:
        return "1"
    if 13 <= number <= 54:
        return str((number - 13) // 14 + 2)
    return None


def _or_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


# --------------------------------------------------------------------------
# validation shared by all formats
# --------------------------------------------------------------------------


class _Validator:
    def __init__(self) -> None:
        self.rejected: list[RowError] = []
        self.first_row_of_code: dict[str, int] = {}

    def reject(self, row: int, field_name: str, message: str) -> None:
        self.rejected.append(RowError(row, field_name, message))

    def code(self, row: int, code: str | None, *, required: bool) -> bool:
        if not code:
            if required:
                self.reject(row, "code", _("Row %(row)d: the code is empty.", row=row))
                return False
            return True
        if not CODE_RE.match(code):
            self.reject(
                row,
                "code",
                _(
                    "Row %(row)d: the code %(code)s is not a paragraph number such as 127.1 or 127.27.1.",
                    row=row,
                    code=code,
                ),
            )
            return False
        first = self.first_row_of_code.get(code)
        if first is not None:
            self.reject(
                row,
                "code",
                _(
                    "Row %(row)d: the code %(code)s already appears in row %(first)d.",
                    row=row,
                    code=code,
                    first=first,
                ),
            )
            return False
        return True

    def remember_code(self, row: int, code: str | None) -> None:
        if code:
            self.first_row_of_code.setdefault(code, row)

    def text(self, row: int, text: str, field_name: str = "text_en") -> bool:
        if not text:
            self.reject(
                row, field_name, _("Row %(row)d: the recommendation text is empty.", row=row)
            )
            return False
        return True

    def state(self, row: int, state: str, field_name: str = "recommending_state") -> bool:
        if not state:
            self.reject(
                row, field_name, _("Row %(row)d: the recommending State is empty.", row=row)
            )
            return False
        return True

    def response(self, row: int, value: str, field_name: str = "response") -> Response | None:
        if not value:
            self.reject(row, field_name, _("Row %(row)d: the response is empty.", row=row))
            return None
        mapped = read_response(value)
        if mapped is None:
            self.reject(
                row,
                field_name,
                _(
                    "Row %(row)d: the response %(value)s is not recognised. Use supported, noted or partially supported.",
                    row=row,
                    value=value,
                ),
            )
        return mapped

