"""The UN report's numbered list.

    127.1 Pursue the process of acceding to international instruments (Djibouti);
    127.61 Continue strengthening ... (Venezuela (Bolivarian Republic of));

The code has two or three levels, with or without a trailing dot (``118.6.``,
stored ``118.6``); the recommending States are the bracket groups at the end
of the line (``formats.state_groups``), stored under the UN's names.
A line that does not start with a code continues the previous
recommendation when that one has not yet reached its State (text copied
from a PDF is often wrapped).  The format carries no response:
``response`` is None and the importer must keep the existing response or
ask for one.  Recognised when the first non-empty line matches
``^\\d+\\.\\d+(\\.\\d+)?\\.?\\s``.  The list may also be pasted in the first
column of a spreadsheet.

Validation (each problem is a ``RowError`` and the row is left out):
empty text, empty recommending State, unknown response value, missing code
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from .common import ParsedCatalogue, RecommendationRow, _Validator, resolved_states
from .state_groups import split_states

NUMBERED_LINE_RE = re.compile(r"^\d+\.\d+(\.\d+)?\.?\s")
_NUMBERED_PARSE_RE = re.compile(r"^(\d+\.\d+(?:\.\d+)?)\.?\s+(.*)$", re.S)


def split_state(line: str) -> tuple[str, str] | None:
    """Split ``"text (State) (State);"`` into ``(text, "State; State")`` (see
    `state_groups.split_states`); None when the line does not end with a bracket."""
    parts = split_states(line)
    if parts is None:
        return None
    return parts[0], "; ".join(parts[1])


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
        parts = split_states(body)
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
        text, names = parts
        state, codes = resolved_states(names)
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
                state_codes=codes,
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

