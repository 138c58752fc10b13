"""What every recommendation format shares: the parsed rows, rejections, text
normalisation for matching, and the validation of codes, texts, States and responses.

Pure functions: no Flask application, database or request globals.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from flask_babel import gettext as _

Response = Literal["supported", "noted"]

CODE_RE = re.compile(r"^\d+\.\d+(\.\d+)?$")

_RESPONSES: dict[str, Response] = {
    "supported": "supported",
    "accepted": "supported",
    "noted": "noted",
}

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

    @property
    def key(self) -> tuple[str, str]:
        """Matching key for rows without a code."""
        return match_key(self.text_en, self.recommending_state)


@dataclass
class Rejection:
    """A row left out of the import; ``message`` is translated and names the
    row."""

    row_number: int
    field: str
    message: str


@dataclass
class ParsedCatalogue:
    """Result of :func:`parse_recommendations`.

    ``skipped`` counts UPR Info rows for other States under review and
    ``skipped_reason`` explains it (empty when nothing was skipped);
    ``ignored_columns`` lists template columns that were not recognised;
    ``encoding`` is how the file was decoded (``"xlsx"`` for workbooks).
    """

    format: Literal["template", "upr_info", "numbered_list"]
    rows: list[RecommendationRow] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    skipped: int = 0
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
    """A recommending State (or several, separated by ";") normalised for matching, each
    under the UN's name (`STATE_ALIASES`)."""
    parts = [normalise_text(part) for part in (s or "").split(";")]
    return "; ".join(STATE_ALIASES.get(part, part) for part in parts if part)


#: What the two sources write differently in the same text, seen in Iraq's second cycle:
#: the UN's report lost opening quotation marks in extraction (`honour"` for `"honour"`),
#: wrote "2013_2017" for "2013-2017" and ";" where UPR Info has ",". Only for matching.
_MATCH_ONLY = str.maketrans({'"': None, ";": ",", "_": "-"})


def match_text(s: str | None) -> str:
    """A recommendation's text normalised for matching (`normalise_text`, then quotation
    marks dropped and the punctuation the sources disagree on made the same)."""
    return " ".join(normalise_text(s).translate(_MATCH_ONLY).split())


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
        self.rejected: list[Rejection] = []
        self.first_row_of_code: dict[str, int] = {}

    def reject(self, row: int, field_name: str, message: str) -> None:
        self.rejected.append(Rejection(row_number=row, field=field_name, message=message))

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
        mapped = _RESPONSES.get(value.strip().casefold())
        if mapped is None:
            self.reject(
                row,
                field_name,
                _(
                    "Row %(row)d: the response %(value)s is not recognised. Use supported or noted.",
                    row=row,
                    value=value,
                ),
            )
        return mapped

