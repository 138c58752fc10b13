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
# Positions in the UPR Info export.
_UI_SUR, _UI_TEXT, _UI_STATE, _UI_RESPONSE, _UI_ISSUE, _UI_SESSION = 0, 3, 4, 7, 9, 10


def _is_upr_info(header: list[str]) -> bool:
    names = [_header_name(h) for h in header]
    expected = [_header_name(h) for h in UPR_INFO_HEADER]
    return names[: len(expected)] == expected


def _looks_like_upr_info(header: list[str]) -> bool:
    names = {_header_name(h) for h in header}
    return {"sur", "recommendation", "rs"} <= names



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
