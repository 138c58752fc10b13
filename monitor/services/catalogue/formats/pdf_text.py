"""Section II of a UN Working Group report as text copied from its PDF (or ``pdftotext``).

What such text looks like, in every cycle:

- codes alone on their line when short (``121.1``), inline when long (``122.100 Text``),
  with or without a trailing dot; first-cycle reports number items ``1.``, ``2.`` under
  each paragraph: item 3 under paragraph 81 is read ``81.3``, as UPR Info cites it;
- wrapped lines, joined with a space; a line ending in a letter and ``-`` followed by a
  line starting in lower case is joined without a space (the hyphen is kept: the printed
  text, ``follow-up``);
- page furniture, dropped: page numbers alone on a line, the document symbol
  (``A/HRC/43/15``), the print job (``GE.19-…``) and bar-code lines (``*1912345*``);
- lead-in paragraphs (``122. The following recommendations will be examined by …``,
  ``83. The following recommendations did not enjoy the support of …``): their number
  is the paragraph of the items under them, their wording the response: support →
  supported, noted / did not enjoy the support → noted, partially → partially supported,
  "will be examined" → none yet (the importer keeps the response it has). Items before
  the first lead-in belong to the paragraph before it; when that lead-in is not the
  supported one, they are supported (UN reports list the supported paragraph first);
- anything else left over (words the PDF's justification moved off their line) is
  reported by line in ``ParsedCatalogue.warnings`` and does not stop the import.

States are read as in ``formats.state_groups``.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _

from ...imports import RowError
from .common import (
    ParsedCatalogue,
    RecommendationRow,
    Response,
    _Validator,
    resolved_states,
)
from .state_groups import split_states

_CODE_ALONE = re.compile(r"^(\d{1,4}\.\d{1,4}(?:\.\d{1,4})?)\.?$")
_CODE_INLINE = re.compile(r"^(\d{1,4}\.\d{1,4}(?:\.\d{1,4})?)\.?\s+(\S.*)$")
_NUMBER_ALONE = re.compile(r"^(\d{1,4})\.$")
_NUMBER_INLINE = re.compile(r"^(\d{1,4})\.\s+(\S.*)$")
_FURNITURE = [
    re.compile(r"^\d{1,4}$"),  # page number
    re.compile(r"^[A-Z]{1,3}/(?:HRC|CN\.4|RES)/[\w./-]+$"),  # document symbol
    re.compile(r"^GE\.\d{2}-\d+"),  # print job
    re.compile(r"^\*\d+\*$"),  # bar code
    re.compile(r"^\f+$"),
]
_LEAD_IN_START = re.compile(
    r"^(?:the|these|all)\s+(?:following\s+|above\s+)?(?:\w+\s+){0,3}recommendations?\b", re.I)


def lead_in_response(text: str) -> Response | None:
    """The response a lead-in paragraph gives the recommendations under it."""
    low = " ".join(text.casefold().split())
    if re.search(r"\bpartial(?:ly)?\b|\bin part\b", low):
        return "partially_supported"
    if re.search(r"did not enjoy|not (?:be )?(?:supported|accepted)|\bnoted\b|\breject", low):
        return "noted"
    if re.search(r"will be examined|will examine|will provide (?:its )?responses?|"
                 r"in due time|further consideration", low):
        return None
    if re.search(r"\bsupport|\baccept", low):
        return "supported"
    return None


def _is_furniture(line: str) -> bool:
    return any(pattern.match(line) for pattern in _FURNITURE)


def looks_like_pdf_text(lines: list[str]) -> bool:
    """True when the text reads like a pasted report section: within its first lines, a
    code or item number alone on its line, or a lead-in paragraph (a heading such as
    "II. Conclusions and/or recommendations" may come first)."""
    content = [line.strip() for line in lines if line.strip()][:40]
    for line in content:
        if _CODE_ALONE.match(line) or _NUMBER_ALONE.match(line):
            return True
        inline = _NUMBER_INLINE.match(line)
        if inline and _LEAD_IN_START.match(inline.group(2)):
            return True
    return False


class _Item:
    def __init__(self, line: int, paragraph: int | None, number: str) -> None:
        self.line = line
        self.paragraph = paragraph  # None: before the first lead-in (cycle-1 numbering)
        self.number = number  # "3" (cycle 1) or a full code "121.1"
        self.parts: list[tuple[int, str]] = []
        self.response: Response | None = None
        self.lead_in_known = False

    @property
    def code(self) -> str | None:
        if "." in self.number:
            return self.number
        return f"{self.paragraph}.{self.number}" if self.paragraph is not None else None


def _next_code(last: _Item | None, code: str) -> bool:
    """A code starts an item when it follows the previous item's code in sequence (small
    gaps allowed), never after first-cycle item numbers: otherwise it is a wrapped line
    starting with a number, such as "3.5 million"."""
    if last is None:
        return True
    if "." not in last.number:
        return False
    before = [int(part) for part in last.number.split(".")]
    after = [int(part) for part in code.split(".")]
    return before < after and after[0] <= before[0] + 1 and (
        after[0] > before[0] or after[1] <= before[1] + 5)


def _next_number(last: _Item | None, number: str) -> bool:
    """A first-cycle item number follows the previous one (small gaps allowed)."""
    if last is None:
        return int(number) <= 5
    if "." in last.number:
        return False
    return int(last.number) < int(number) <= int(last.number) + 5


def _join(parts: list[tuple[int, str]]) -> str:
    text = ""
    for _number, part in parts:
        if text.endswith("-") and text[-2:-1].isalpha() and part[:1].islower():
            text += part
        else:
            text = f"{text} {part}" if text else part
    return text


def parse_pdf_text(lines: list[tuple[int, str]], encoding: str) -> ParsedCatalogue:
    """Parse report text copied from a PDF (see the module docstring)."""
    content = [(n, line.strip()) for n, line in lines
               if line.strip() and not _is_furniture(line.strip())]
    items: list[_Item] = []
    lead_ins: list[tuple[int, Response | None]] = []  # (paragraph, response)
    leftovers: list[tuple[int, str]] = []
    paragraph: int | None = None
    response: Response | None = None
    in_lead_in = False
    index = 0
    while index < len(content):
        number, line = content[index]
        following = content[index + 1][1] if index + 1 < len(content) else ""
        alone, inline = _NUMBER_ALONE.match(line), _NUMBER_INLINE.match(line)
        lead_text = inline.group(2) if inline else (following if alone else "")
        if (alone or inline) and _LEAD_IN_START.match(lead_text):
            paragraph = int((alone or inline).group(1))
            texts = [lead_text]
            index += 1 if inline else 2
            # The lead-in runs until the next item (often ending with ":").
            while index < len(content) and not texts[-1].endswith(":"):
                peek = content[index][1]
                if _CODE_ALONE.match(peek) or _CODE_INLINE.match(peek) or \
                        _NUMBER_ALONE.match(peek) or _NUMBER_INLINE.match(peek):
                    break
                texts.append(peek)
                index += 1
            response = lead_in_response(" ".join(texts))
            lead_ins.append((paragraph, response))
            in_lead_in = False
            continue
        code_alone, code_inline = _CODE_ALONE.match(line), _CODE_INLINE.match(line)
        last = items[-1] if items and items[-1].paragraph == paragraph else None
        if (code_alone or code_inline) and not _next_code(last, (code_alone or code_inline)[1]):
            code_alone = code_inline = None  # "3.5 million dwellings …" wrapped
        if (alone or inline) and not _next_number(last, (alone or inline)[1]):
            alone = inline = None
        if code_alone or code_inline or alone or inline:
            match = code_alone or code_inline or alone or inline
            item = _Item(number, paragraph, match.group(1))
            item.response, item.lead_in_known = response, bool(lead_ins)
            if code_inline or inline:
                item.parts.append((number, match.group(2)))
            items.append(item)
            index += 1
            continue
        if items and not in_lead_in:
            items[-1].parts.append((number, line))
        else:
            leftovers.append((number, line))
        index += 1

    # Items before the first lead-in: the paragraph before it, supported.
    if lead_ins:
        first_paragraph, first_response = lead_ins[0]
        for item in items:
            if item.lead_in_known:
                break
            if item.paragraph is None:
                item.paragraph = first_paragraph - 1
            if first_response != "supported":
                item.response = "supported"

    check = _Validator()
    warnings: list[RowError] = []
    rows: list[RecommendationRow] = []
    for item in items:
        code = item.code
        n = item.line
        if code is None:
            check.reject(n, "code", _(
                "Row %(row)d: item %(number)s has no paragraph number: copy the paragraph "
                "that introduces it too (such as “81. The recommendations … enjoy the "
                "support of …”).", row=n, number=item.number))
            continue
        parts = _split_leftover(item.parts)
        kept, extra = parts
        for line_number, line in extra:
            warnings.append(RowError(line_number, "text_en", _(
                "Line %(row)d: “%(text)s” was left over after recommendation %(code)s and "
                "was not imported.", row=line_number, text=line[:80], code=code)))
        body = _join(kept)
        code_ok = check.code(n, code, required=True)
        check.remember_code(n, code)
        found = split_states(body)
        if found is None:
            check.reject(n, "recommending_state", _(
                "Row %(row)d: the recommending State was not found. It must be in brackets "
                "at the end of the line, such as (Chile);", row=n))
            continue
        text, names = found
        state, codes = resolved_states(names)
        ok = check.text(n, text)
        ok = check.state(n, state) and ok
        if ok and code_ok:
            rows.append(RecommendationRow(row_number=n, code=code, text_en=text,
                                          recommending_state=state, state_codes=codes,
                                          response=item.response, text_incomplete=bool(extra)))
    for line_number, line in leftovers:
        warnings.append(RowError(line_number, "text_en", _(
            "Line %(row)d: “%(text)s” is neither a recommendation nor page furniture and was "
            "not imported.", row=line_number, text=line[:80])))
    warnings.sort(key=lambda w: w.row)
    return ParsedCatalogue(format="pdf_text", rows=rows, rejected=check.rejected,
                           warnings=warnings, encoding=encoding)


def _split_leftover(parts: list[tuple[int, str]]
                    ) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The lines of an item up to the last one ending with its States, and the lines
    after it that hold no State (words the PDF moved off their line)."""
    # "(Iraq);" printed before the text it ends (the PDF's justification): put it back.
    states_first = [part for part in parts if split_states(part[1]) == ("", split_states(
        part[1])[1] if split_states(part[1]) else [])]
    if states_first and parts and parts[0] in states_first and len(parts) > len(states_first):
        parts = [part for part in parts if part not in states_first] + states_first
    for end in range(len(parts), 0, -1):
        if split_states(_join(parts[:end])) is not None:
            return parts[:end], parts[end:]
    return parts, []
