"""UPR Info's database export.

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
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from ...imports import RowError
from ...tabular import Table
from .common import (
    ParsedCatalogue,
    RecommendationRow,
    _cycle_from_session,
    _header_name,
    _or_none,
    _split_themes,
    _Validator,
    normalise_text,
    resolved_states,
)

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
#: Column roles by header name: UPR Info's export and the research variant
#: ("To, To-Rgrp, To-Org, Text, From, …"). The first column of each name counts.
_ROLES = {
    "sur": "sur", "to": "sur",
    "recommendation": "text", "text": "text",
    "rs": "state", "from": "state",
    "response": "response",
    "issue": "issue", "issues": "issue",
    "session": "session",
}
_NEEDED = {"sur", "text", "state", "response"}


def _positions(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        role = _ROLES.get(_header_name(name))
        if role and role not in positions:
            positions[role] = index
    return positions


def _is_upr_info(header: list[str]) -> bool:
    return _NEEDED <= set(_positions(header))


def _looks_like_upr_info(header: list[str]) -> bool:
    names = {_header_name(h) for h in header}
    return {"sur", "recommendation", "rs"} <= names or {"to", "text", "from"} <= names


def _parse_upr_info(table: Table, state_under_review: str) -> ParsedCatalogue:
    wanted = normalise_text(state_under_review)
    check = _Validator()
    rows: list[RecommendationRow] = []
    others: dict[str, int] = {}
    skipped: list[int] = []

    positions = _positions(table.header)

    def cell(cells: list[str], role: str) -> str:
        index = positions.get(role)
        return cells[index] if index is not None and index < len(cells) else ""

    for number, cells in table.rows:
        sur = cell(cells, "sur")
        if normalise_text(sur) != wanted:
            skipped.append(number)
            label = sur or _("(empty)")
            others[label] = others.get(label, 0) + 1
            continue
        text = cell(cells, "text")
        state = cell(cells, "state")
        ok = check.text(number, text, "Recommendation")
        ok = check.state(number, state, "RS") and ok
        response = check.response(number, cell(cells, "response"), "Response")
        if not ok or response is None:
            continue
        session = cell(cells, "session")
        rows.append(
            RecommendationRow(
                row_number=number,
                code=None,
                text_en=text,
                recommending_state=state,
                response=response,
                cycle=_cycle_from_session(session),
                session=_or_none(session),
                themes=[t for t in _split_themes(cell(cells, "issue").replace(";", ","))],
            )
        )
        # A joint recommendation comes once per State (a row each): the importer matches
        # each to the one recommendation on its text and a State in common.
        rows[-1].recommending_state, rows[-1].state_codes = resolved_states([state])
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
            len(skipped),
            state=state_under_review,
            states=shown,
        )
    return ParsedCatalogue(
        format="upr_info",
        rows=rows,
        rejected=check.rejected,
        skipped=[RowError(number, "SuR", reason) for number in skipped],
        skipped_reason=reason,
        encoding=table.encoding,
    )
