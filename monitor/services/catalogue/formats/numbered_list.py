"""The UN report's numbered list.

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
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from .common import ParsedCatalogue, RecommendationRow, _Validator

NUMBERED_LINE_RE = re.compile(r"^\d+\.\d+(\.\d+)?\s")
_NUMBERED_PARSE_RE = re.compile(r"^(\d+\.\d+(?:\.\d+)?)\.?\s+(.*)$", re.S)


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

