"""OHCHR's thematic list / matrix of a review's recommendations (Word, .docx).

One table (or several) whose header row names its columns; they vary by year, and are
recognised by name, ignoring case:

==============================================  ==========================================
column                                          read as
==============================================  ==========================================
``Recommendation``, ``Recommendation and        code, text and (unless a States column is
recommending State``                            given) the States in brackets at the end
``Recommending state/s``                        the States
``Position``, ``Position of the State under     ``Supported``, ``Noted``, ``Supported/Noted``
review``                                        (partially supported)
``Full list of themes``, ``Human rights themes  themes; inside the cell, ``SDGs:`` and
and groups of persons``, ``Full list of         ``Affected persons:`` start the SDGs and the
rights/affected persons``                       affected persons
``Relevant SDGs``, ``Affected persons``         SDGs, affected persons
==============================================  ==========================================

Other columns (assessments, comments) are ignored. A row whose cells all say the same
(a merged cell), or whose first cell starts with ``Theme:`` or ``Right or area:``, is a
section: its theme (without a leading number such as ``2.1.``) becomes the first theme
of the recommendations under it, which is how "files from themes" groups them. A line
``Source of Position: A/HRC/43/15 - Para 121`` in the recommendation's cell gives the
document. Codes lose a trailing dot (``166.6.`` → ``166.6``).
"""
from __future__ import annotations

import io
import re
import zipfile

from flask_babel import gettext as _

from ...imports import check_upload
from ...tabular import TabularError
from .common import (
    ParsedCatalogue,
    RecommendationRow,
    _Validator,
    clean_code,
    resolved_states,
    split_state_list,
)
from .state_groups import split_states

_CODE_RE = re.compile(r"^\s*(\d+\.\d+(?:\.\d+)?\.?)\s+(.*)$", re.S)
_SECTION_RE = re.compile(r"^\s*(?:theme|right or area|cluster|issue)\s*:\s*(.+)$", re.I | re.S)
_SECTION_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)*\.?\s+")
_SOURCE_RE = re.compile(r"^\s*source of position\s*:\s*(\S+)", re.I)
_SUBHEAD_RE = re.compile(r"^\s*(sdgs?|affected persons|groups of persons)\s*:\s*(.*)$", re.I)


def is_docx(data: bytes) -> bool:
    """A Word document (a zip holding word/document.xml)."""
    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _role(header: str) -> str | None:
    name = " ".join(header.casefold().split())
    if name.startswith("recommending state"):
        return "states"
    if name.startswith("recommendation"):
        return "recommendation"
    if name.startswith("position"):
        return "position"
    if "sdg" in name:
        return "sdgs"
    if name.startswith("affected persons"):
        return "affected"
    if "theme" in name or name.startswith("full list of rights") or "rights" in name:
        return "themes"
    return None


def _list_items(text: str) -> list[str]:
    items = []
    for line in text.split("\n"):
        line = line.strip().lstrip("-•–·").strip()
        if line:
            items.append(" ".join(line.split()))
    return items


def _theme_cell(text: str) -> tuple[list[str], list[str], list[str]]:
    """Themes, SDGs and affected persons run together in one cell."""
    out: dict[str, list[str]] = {"themes": [], "sdgs": [], "affected": []}
    current = "themes"
    for line in text.split("\n"):
        sub = _SUBHEAD_RE.match(line)
        if sub:
            current = "sdgs" if sub.group(1).casefold().startswith("sdg") else "affected"
            line = sub.group(2)
        out[current].extend(_list_items(line))
    return out["themes"], out["sdgs"], out["affected"]


def parse_docx_matrix(data: bytes) -> ParsedCatalogue:
    """Parse an OHCHR matrix (see the module docstring). Raises TabularError when the
    document holds no table with a Recommendation column. Its archive is checked first
    by the import kernel (`imports.check_upload`)."""
    check_upload(data)
    import docx  # python-docx, imported here: only this format needs it

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - python-docx raises many kinds on a broken file
        raise TabularError(_("This Word document cannot be read.")) from None
    check = _Validator()
    rows: list[RecommendationRow] = []
    found_table = False
    number = 0
    for table in document.tables:
        roles: dict[str, int] = {}
        section: str | None = None
        for row in table.rows:
            number += 1
            cells = [cell.text.strip() for cell in row.cells]
            if not roles:
                candidate = {}
                for index, text in enumerate(cells):
                    role = _role(text)
                    if role and role not in candidate:
                        candidate[role] = index
                if "recommendation" in candidate:
                    roles, found_table = candidate, True
                continue
            section_match = _SECTION_RE.match(cells[0]) if cells else None
            if section_match or (len(set(cells)) == 1 and cells[0]
                                 and not _CODE_RE.match(cells[0])):
                title = section_match.group(1) if section_match else cells[0]
                section = _SECTION_NUMBER_RE.sub("", " ".join(title.split()))
                continue
            parsed = _row(number, cells, roles, section, check)
            if parsed is not None:
                rows.append(parsed)
    if not found_table:
        raise TabularError(_(
            "This Word document holds no table with a “Recommendation” column, as OHCHR's "
            "thematic lists and matrices have."))
    return ParsedCatalogue(format="ohchr_matrix", rows=rows, rejected=check.rejected,
                           encoding="docx")


def _cell(cells: list[str], roles: dict[str, int], role: str) -> str:
    index = roles.get(role)
    return cells[index] if index is not None and index < len(cells) else ""


def _row(number: int, cells: list[str], roles: dict[str, int], section: str | None,
         check: _Validator) -> RecommendationRow | None:
    lines = _cell(cells, roles, "recommendation").split("\n")
    document = None
    kept = []
    for line in lines:
        source = _SOURCE_RE.match(line)
        if source:
            document = source.group(1).rstrip(".,;")
        elif line.strip():
            kept.append(line.strip())
    body = " ".join(" ".join(kept).split())
    if not body:
        return None
    match = _CODE_RE.match(body)
    code = clean_code(match.group(1)) if match else ""
    text = match.group(2) if match else body
    names: list[str] = []
    states_cell = _cell(cells, roles, "states")
    found = split_states(text)
    if found is not None:
        text, names = found
    if states_cell:
        names = split_state_list(states_cell.replace("\n", ";"))
        names = [name.strip("() ") for name in names]
    ok = check.code(number, code, required=True)
    check.remember_code(number, code or None)
    ok = check.text(number, text) and ok
    state, codes = resolved_states(names)
    ok = check.state(number, state) and ok
    response = check.response(number, _cell(cells, roles, "position"), "Position")
    themes, sdgs, affected = _theme_cell(_cell(cells, roles, "themes"))
    sdgs += _list_items(_cell(cells, roles, "sdgs"))
    affected += _list_items(_cell(cells, roles, "affected"))
    if section:
        themes = [section] + [t for t in themes if t.casefold() != section.casefold()]
    if not ok or response is None:
        return None
    return RecommendationRow(row_number=number, code=code, text_en=text,
                             recommending_state=state, state_codes=codes, response=response,
                             document=document, themes=themes, sdgs=sdgs,
                             affected_persons=affected)
