"""Recognising and parsing UPR recommendation catalogues.

Pure functions: no Flask application, database or request globals.  The
entry point is :func:`parse_recommendations`, which recognises three formats
by their content (never by the file name):

1. **monitor's template** (CSV or XLSX) — a header row with these columns, in
   any order (names are matched ignoring case, surrounding spaces, and spaces
   or hyphens instead of underscores):

   ====================  ========  ==============================================
   column                required  meaning
   ====================  ========  ==============================================
   code                  yes       paragraph number in the UN report, ``127.1``
                                   or ``127.27.1`` (digits.digits[.digits])
   text_en               yes       English text of the recommendation
   recommending_state    yes       recommending State(s), as written by the UN
   response              yes       ``supported`` or ``noted`` (``accepted`` is
                                   read as supported)
   cycle                 no        UPR cycle, e.g. ``2``
   session               no        Working Group session, e.g. ``20``
   document              no        UN document symbol, e.g. ``A/HRC/28/14``
   text_ar               no        Arabic text
   text_ckb              no        Central Kurdish (Sorani) text
   themes                no        list of themes separated by ``;`` (or by
                                   ``,`` / ``،`` when the cell has no ``;``)
   file                  no        title of the recommendation file (cluster)
                                   the recommendation is to be assigned to
   responsible_bodies    no        free text naming the responsible bodies
   ====================  ========  ==============================================

   Other columns are ignored and listed in ``ParsedCatalogue.ignored_columns``.

2. **UPR Info database export** — header exactly ``SuR, Rgrp, Org,
   Recommendation, RS, Rgrp, Org, Response, Action, Issue, Session`` (names
   repeat, so columns are read by position).  Rows whose State under review
   (SuR) is not ``state_under_review`` are skipped and counted.  ``Response``
   Accepted/Supported → ``supported``, Noted → ``noted``.  ``Issue`` is a
   comma-separated list of themes.  There are no paragraph codes (``code`` is
   None); a joint recommendation appears once per recommending State, and each
   row is its own :class:`RecommendationRow` — the importer matches rows
   without a code on ``match_key(text_en, recommending_state)``.  The cycle is
   derived from the session number (sessions 1–12: cycle 1, 13–26: 2,
   27–40: 3, 41–54: 4).

3. **UN numbered list** — plain text, no header, one recommendation per line
   as in the UN Working Group report::

       127.1 Pursue the process of acceding to international instruments (Djibouti);
       127.61 Continue strengthening ... (Venezuela (Bolivarian Republic of));

   The code has two or three levels; the recommending State is the last
   balanced parenthesised group at the end of the line (before an optional
   ``;`` or ``.``) and is kept as written, even when it lists several States.
   A line that does not start with a code continues the previous
   recommendation when that one has not yet reached its State (text copied
   from a PDF is often wrapped).  The format carries no response:
   ``response`` is None and the importer must keep the existing response or
   ask for one.  Recognised when the first non-empty line matches
   ``^\\d+\\.\\d+(\\.\\d+)?\\s``.  The list may also be pasted in the first
   column of a spreadsheet.

Validation (each problem is a :class:`Rejection` and the row is left out):
empty text, empty recommending State, unknown response value, missing code
(template), code not shaped like ``digits.digits(.digits)``, code repeated
in the same file (the later row is rejected and the message names the first
row).  Cells starting with ``= + - @`` are plain text: they are never
evaluated and are valid.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from flask_babel import gettext as _
from flask_babel import ngettext

from ..tabular import (
    DEFAULT_MAX_BYTES,
    Table,
    TabularError,
    check_size,
    decode_text,
    is_xlsx,
    read_table,
    table_from_text,
    write_csv,
    write_xlsx,
)

Response = Literal["supported", "noted"]

TEMPLATE_HEADER: list[str] = [
    "code",
    "text_en",
    "recommending_state",
    "response",
    "cycle",
    "session",
    "document",
    "text_ar",
    "text_ckb",
    "themes",
    "file",
    "responsible_bodies",
]
TEMPLATE_REQUIRED: list[str] = ["code", "text_en", "recommending_state", "response"]

UPR_INFO_HEADER: list[str] = [
    "SuR",
    "Rgrp",
    "Org",
    "Recommendation",
    "RS",
    "Rgrp",
    "Org",
    "Response",
    "Action",
    "Issue",
    "Session",
]
# Positions in the UPR Info export.
_UI_SUR, _UI_TEXT, _UI_STATE, _UI_RESPONSE, _UI_ISSUE, _UI_SESSION = 0, 3, 4, 7, 9, 10

TEMPLATE_EXAMPLE: list[str] = [
    "127.1",
    "Pursue the process of acceding to international instruments",
    "Djibouti",
    "supported",
    "2",
    "20",
    "A/HRC/28/14",
    "",
    "",
    "International instruments",
    "",
    "",
]

CODE_RE = re.compile(r"^\d+\.\d+(\.\d+)?$")
NUMBERED_LINE_RE = re.compile(r"^\d+\.\d+(\.\d+)?\s")
_NUMBERED_PARSE_RE = re.compile(r"^(\d+\.\d+(?:\.\d+)?)\.?\s+(.*)$", re.S)

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


# --------------------------------------------------------------------------
# format recognition
# --------------------------------------------------------------------------


def _expected_formats_message() -> str:
    return _(
        "The columns of this file were not recognised. Use one of these formats: "
        "the monitor template (columns %(template)s), "
        "a UPR Info database export (columns %(upr_info)s), "
        "or the UN numbered list (one recommendation per line, such as "
        "“127.1 Text of the recommendation (State);”).",
        template=", ".join(TEMPLATE_HEADER),
        upr_info=", ".join(UPR_INFO_HEADER),
    )


def _is_upr_info(header: list[str]) -> bool:
    names = [_header_name(h) for h in header]
    expected = [_header_name(h) for h in UPR_INFO_HEADER]
    return names[: len(expected)] == expected


def _looks_like_upr_info(header: list[str]) -> bool:
    names = {_header_name(h) for h in header}
    return {"sur", "recommendation", "rs"} <= names


def _is_template(header: list[str]) -> bool:
    names = {_header_name(h) for h in header}
    return len(names & set(TEMPLATE_HEADER)) >= 2 or "text_en" in names


# --------------------------------------------------------------------------
# parsers
# --------------------------------------------------------------------------


def _parse_template(table: Table) -> ParsedCatalogue:
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(table.header):
        key = _header_name(name)
        if key in TEMPLATE_HEADER and key not in positions:
            positions[key] = index
        elif name:
            ignored.append(name)
    missing = [name for name in TEMPLATE_REQUIRED if name not in positions]
    if missing:
        raise TabularError(
            _(
                "The file is missing these required columns: %(missing)s. "
                "The template columns are: %(columns)s.",
                missing=", ".join(missing),
                columns=", ".join(TEMPLATE_HEADER),
            )
        )

    def cell(cells: list[str], name: str) -> str:
        index = positions.get(name)
        if index is None or index >= len(cells):
            return ""
        return cells[index]

    check = _Validator()
    rows: list[RecommendationRow] = []
    for number, cells in table.rows:
        code = cell(cells, "code")
        text = cell(cells, "text_en")
        state = cell(cells, "recommending_state")
        ok = check.code(number, code, required=True)
        ok = check.text(number, text) and ok
        ok = check.state(number, state) and ok
        response = check.response(number, cell(cells, "response"))
        check.remember_code(number, code if CODE_RE.match(code) else None)
        if not ok or response is None:
            continue
        rows.append(
            RecommendationRow(
                row_number=number,
                code=code,
                text_en=text,
                text_ar=_or_none(cell(cells, "text_ar")),
                text_ckb=_or_none(cell(cells, "text_ckb")),
                recommending_state=state,
                response=response,
                cycle=_or_none(cell(cells, "cycle")),
                session=_or_none(cell(cells, "session")),
                document=_or_none(cell(cells, "document")),
                themes=_split_themes(cell(cells, "themes")),
                file=_or_none(cell(cells, "file")),
                responsible_bodies=_or_none(cell(cells, "responsible_bodies")),
            )
        )
    return ParsedCatalogue(
        format="template",
        rows=rows,
        rejected=check.rejected,
        ignored_columns=ignored,
        encoding=table.encoding,
    )


def _parse_upr_info(table: Table, state_under_review: str) -> ParsedCatalogue:
    wanted = normalise_text(state_under_review)
    check = _Validator()
    rows: list[RecommendationRow] = []
    others: dict[str, int] = {}
    skipped = 0

    def cell(cells: list[str], index: int) -> str:
        return cells[index] if index < len(cells) else ""

    for number, cells in table.rows:
        sur = cell(cells, _UI_SUR)
        if normalise_text(sur) != wanted:
            skipped += 1
            label = sur or _("(empty)")
            others[label] = others.get(label, 0) + 1
            continue
        text = cell(cells, _UI_TEXT)
        state = cell(cells, _UI_STATE)
        ok = check.text(number, text, "Recommendation")
        ok = check.state(number, state, "RS") and ok
        response = check.response(number, cell(cells, _UI_RESPONSE), "Response")
        if not ok or response is None:
            continue
        session = cell(cells, _UI_SESSION)
        rows.append(
            RecommendationRow(
                row_number=number,
                code=None,
                text_en=text,
                recommending_state=state,
                response=response,
                cycle=_cycle_from_session(session),
                session=_or_none(session),
                themes=[t for t in _split_themes(cell(cells, _UI_ISSUE).replace(";", ","))],
            )
        )
    reason = ""
    if skipped:
        listed = sorted(others.items(), key=lambda item: (-item[1], item[0]))
        shown = ", ".join(f"{name} ({count})" for name, count in listed[:5])
        if len(listed) > 5:
            shown += ", …"
        reason = ngettext(
            "%(num)d row was skipped because it concerns another State under review, "
            "not %(state)s: %(states)s.",
            "%(num)d rows were skipped because they concern other States under review, "
            "not %(state)s: %(states)s.",
            skipped,
            state=state_under_review,
            states=shown,
        )
    return ParsedCatalogue(
        format="upr_info",
        rows=rows,
        rejected=check.rejected,
        skipped=skipped,
        skipped_reason=reason,
        encoding=table.encoding,
    )


def split_state(line: str) -> tuple[str, str] | None:
    """Split ``"text (State);"`` into ``(text, State)``.

    The State is the last balanced parenthesised group at the very end of the
    line, after removing one optional trailing ``;`` or ``.``.  Returns None
    when the line does not end with such a group.
    """
    body = line.rstrip()
    if body[-1:] in (";", "."):
        body = body[:-1].rstrip()
    if not body.endswith(")"):
        return None
    depth = 0
    for index in range(len(body) - 1, -1, -1):
        ch = body[index]
        if ch == ")":
            depth += 1
        elif ch == "(":
            depth -= 1
            if depth == 0:
                state = " ".join(body[index + 1 : -1].split())
                text = body[:index].rstrip()
                return text, state
    return None


def _parse_numbered_lines(lines: list[tuple[int, str]], encoding: str) -> ParsedCatalogue:
    check = _Validator()
    rows: list[RecommendationRow] = []
    # Group physical lines into entries: (first line number, code, text).
    entries: list[list] = []
    for number, line in lines:
        if not line:
            continue
        match = _NUMBERED_PARSE_RE.match(line)
        if match:
            entries.append([number, match.group(1), match.group(2)])
            continue
        if entries and split_state(entries[-1][2]) is None:
            entries[-1][2] = entries[-1][2] + " " + line
            continue
        check.reject(
            number,
            "code",
            _(
                "Row %(row)d: this line does not start with a paragraph number such as 127.1.",
                row=number,
            ),
        )

    for number, code, body in entries:
        body = " ".join(body.split())
        code_ok = check.code(number, code, required=True)
        check.remember_code(number, code)
        parts = split_state(body)
        if parts is None:
            check.reject(
                number,
                "recommending_state",
                _(
                    "Row %(row)d: the recommending State was not found. "
                    "It must be in brackets at the end of the line, such as (Chile);",
                    row=number,
                ),
            )
            continue
        text, state = parts
        ok = check.text(number, text)
        ok = check.state(number, state) and ok
        if not (ok and code_ok):
            continue
        rows.append(
            RecommendationRow(
                row_number=number,
                code=code,
                text_en=text,
                recommending_state=state,
                response=None,
            )
        )
    return ParsedCatalogue(
        format="numbered_list", rows=rows, rejected=check.rejected, encoding=encoding
    )


def _first_non_empty(lines) -> str:
    for line in lines:
        if line.strip():
            return line.strip()
    return ""


def is_numbered_list(text: str) -> bool:
    """True when the first non-empty line starts like ``127.1 ``."""
    return bool(NUMBERED_LINE_RE.match(_first_non_empty(text.split("\n")) + " "))


def _parse_table(table: Table, state_under_review: str) -> ParsedCatalogue:
    if _is_upr_info(table.header):
        return _parse_upr_info(table, state_under_review)
    if _is_template(table.header):
        return _parse_template(table)
    if _looks_like_upr_info(table.header):
        raise TabularError(
            _(
                "This looks like a UPR Info export, but its columns are not the expected ones. "
                "Expected, in this order: %(columns)s.",
                columns=", ".join(UPR_INFO_HEADER),
            )
        )
    raise TabularError(_expected_formats_message())


def parse_recommendations(
    data: bytes,
    filename: str = "",
    *,
    state_under_review: str = "Iraq",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParsedCatalogue:
    """Recognise and parse a catalogue of recommendations (see the module
    docstring).  Raises :class:`TabularError` when the file cannot be read or
    its format is not recognised."""
    check_size(data, max_bytes)
    if is_xlsx(data):
        table = read_table(data, filename, max_bytes=max_bytes)
        if table.header and NUMBERED_LINE_RE.match(table.header[0] + " "):
            lines = [(table.header_row, " ".join(c for c in table.header if c))]
            lines += [(n, " ".join(c for c in cells if c)) for n, cells in table.rows]
            return _parse_numbered_lines(lines, "xlsx")
        return _parse_table(table, state_under_review)

    text, encoding = decode_text(data, max_bytes=max_bytes)
    if is_numbered_list(text):
        lines = [(i, line.strip()) for i, line in enumerate(text.split("\n"), start=1)]
        return _parse_numbered_lines(lines, encoding)
    return _parse_table(table_from_text(text, encoding=encoding), state_under_review)


# --------------------------------------------------------------------------
# template files
# --------------------------------------------------------------------------


def template_csv() -> bytes:
    """An empty monitor template (header and one example row) as CSV."""
    return write_csv(TEMPLATE_HEADER, [TEMPLATE_EXAMPLE])


def _help_rows() -> list[list[str]]:
    yes, no = _("yes"), _("no")
    return [
        ["code", yes, _("Paragraph number in the UN report, such as 127.1 or 127.27.1.")],
        ["text_en", yes, _("English text of the recommendation.")],
        ["recommending_state", yes, _("Recommending State or States, as written by the UN.")],
        ["response", yes, _("supported or noted.")],
        ["cycle", no, _("UPR cycle, such as 2.")],
        ["session", no, _("Working Group session, such as 20.")],
        ["document", no, _("UN document symbol, such as A/HRC/28/14.")],
        ["text_ar", no, _("Arabic text.")],
        ["text_ckb", no, _("Kurdish (Sorani) text.")],
        ["themes", no, _("Themes, separated by semicolons.")],
        ["file", no, _("Title of the recommendation file to assign the recommendation to.")],
        ["responsible_bodies", no, _("Bodies responsible for implementation.")],
    ]


def template_xlsx() -> bytes:
    """An empty monitor template as XLSX: the first sheet holds the header and
    one example row (codes formatted as text), a second sheet explains the
    columns."""
    return write_xlsx(
        [
            (_("Recommendations"), TEMPLATE_HEADER, [TEMPLATE_EXAMPLE]),
            (_("Help"), [_("Column"), _("Required"), _("Content")], _help_rows()),
        ],
        text_columns=["code", "cycle", "session"],
    )
