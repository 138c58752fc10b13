"""monitor's own template (CSV or XLSX): a header row with these columns, in any order
(names are matched ignoring case, surrounding spaces, and spaces or hyphens instead of
underscores):


====================  ========  ==============================================
column                required  meaning
====================  ========  ==============================================
code                  yes       paragraph number in the UN report, ``127.1``
                                or ``127.27.1`` (digits.digits[.digits])
text_en               yes       English text of the recommendation
recommending_state    yes       recommending States, separated by ``;``
                                (stored under the UN's names)
response              yes       ``supported``, ``noted`` or
                                ``partially_supported`` (``accepted`` is
                                read as supported, ``supported/noted`` as
                                partially supported)
cycle                 no        UPR cycle, e.g. ``2``
session               no        Working Group session, e.g. ``20``
document              no        UN document symbol, e.g. ``A/HRC/28/14``
text_ar               no        Arabic text
text_ckb              no        Central Kurdish (Sorani) text
themes                no        list of themes separated by ``;`` (a comma
                                stays inside its theme)
file                  no        title of the recommendation file (cluster)
                                the recommendation is to be assigned to
responsible_bodies    no        free text naming the responsible bodies
sdgs                  no        Sustainable Development Goals, ``;``-separated
affected_persons      no        affected persons, ``;``-separated
====================  ========  ==============================================

Other columns are ignored and listed in ``ParsedCatalogue.ignored_columns``.

"""

from __future__ import annotations

from flask_babel import gettext as _

from ...tabular import Table, TabularError, write_csv, write_xlsx
from .common import (
    CODE_RE,
    ParsedCatalogue,
    RecommendationRow,
    _header_name,
    _or_none,
    _split_themes,
    _Validator,
    clean_code,
    resolved_states,
    split_state_list,
)

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
    "sdgs",
    "affected_persons",
]
TEMPLATE_REQUIRED: list[str] = ["code", "text_en", "recommending_state", "response"]

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
    "",
    "",
]


def _is_template(header: list[str]) -> bool:
    names = {_header_name(h) for h in header}
    return len(names & set(TEMPLATE_HEADER)) >= 2 or "text_en" in names



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
        code = clean_code(cell(cells, "code"))
        text = cell(cells, "text_en")
        state, codes = resolved_states(split_state_list(cell(cells, "recommending_state")))
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
                state_codes=codes,
                response=response,
                cycle=_or_none(cell(cells, "cycle")),
                session=_or_none(cell(cells, "session")),
                document=_or_none(cell(cells, "document")),
                themes=_split_list(cell(cells, "themes")),
                file=_or_none(cell(cells, "file")),
                responsible_bodies=_or_none(cell(cells, "responsible_bodies")),
                sdgs=_split_list(cell(cells, "sdgs")),
                affected_persons=_split_list(cell(cells, "affected_persons")),
            )
        )
    return ParsedCatalogue(
        format="template",
        rows=rows,
        rejected=check.rejected,
        ignored_columns=ignored,
        encoding=table.encoding,
    )



def _split_list(cell: str) -> list[str]:
    """A list cell as monitor's export writes it: items separated by ";" (or one per line).
    A comma stays inside its item ("Economic, social & cultural rights")."""
    return _split_themes(cell.replace("\n", ";") + (";" if cell.strip() else ""))


def template_csv() -> bytes:
    """An empty monitor template (header and one example row) as CSV."""
    return write_csv(TEMPLATE_HEADER, [TEMPLATE_EXAMPLE])


def _help_rows() -> list[list[str]]:
    yes, no = _("yes"), _("no")
    return [
        ["code", yes, _("Paragraph number in the UN report, such as 127.1 or 127.27.1.")],
        ["text_en", yes, _("English text of the recommendation.")],
        ["recommending_state", yes, _("Recommending States, separated by semicolons.")],
        ["response", yes, _("supported, noted or partially_supported.")],
        ["cycle", no, _("UPR cycle, such as 2.")],
        ["session", no, _("Working Group session, such as 20.")],
        ["document", no, _("UN document symbol, such as A/HRC/28/14.")],
        ["text_ar", no, _("Arabic text.")],
        ["text_ckb", no, _("Kurdish (Sorani) text.")],
        ["themes", no, _("Themes, separated by semicolons.")],
        ["file", no, _("Title of the recommendation file to assign the recommendation to.")],
        ["responsible_bodies", no, _("Bodies responsible for implementation.")],
        ["sdgs", no, _("Sustainable Development Goals, separated by semicolons.")],
        ["affected_persons", no, _("Affected persons, separated by semicolons.")],
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
