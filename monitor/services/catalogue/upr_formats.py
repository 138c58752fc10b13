"""Recognising and parsing UPR recommendation catalogues.

Pure functions: no Flask application, database or request globals.  The
entry point is :func:`parse_recommendations`, which recognises the formats
by their content (never by the file name); each format is a module of
``services.catalogue.formats``:

1. **monitor's template** (CSV or XLSX): ``formats.template``.
2. **UPR Info database export**: ``formats.upr_info``.
3. **UN numbered list**: ``formats.numbered_list``.
4. **The UN report's text copied from its PDF**: ``formats.pdf_text``.
5. **OHCHR's thematic list / matrix** (.docx): ``formats.ohchr_matrix``.

Validation (each problem is a ``RowError`` and the row is left out):
empty text, empty recommending State, unknown response value, missing code
(template), code not shaped like ``digits.digits(.digits)``, code repeated
in the same file (the later row is rejected and the message names the first
row).  Cells starting with ``= + - @`` are plain text: they are never
evaluated and are valid.
"""


from __future__ import annotations

from flask_babel import gettext as _

from ..imports import check_upload
from ..tabular import (
    Table,
    TabularError,
    decode_text,
    is_xls,
    is_xlsx,
    read_table,
    read_xls,
    table_from_text,
)
from .formats.arabic_edition import as_arabic_edition, is_arabic, normalise_codes
from .formats.common import (
    CODE_RE,
    STATE_ALIASES,
    ParsedCatalogue,
    RecommendationRow,
    Response,
    match_key,
    match_text,
    normalise_state,
    normalise_text,
)
from .formats.numbered_list import (
    NUMBERED_LINE_RE,
    _parse_numbered_lines,
    is_numbered_list,
    split_state,
)
from .formats.ohchr_matrix import is_docx, parse_docx_matrix
from .formats.pdf_text import looks_like_pdf_text, parse_pdf_text
from .formats.template import (
    TEMPLATE_EXAMPLE,
    TEMPLATE_HEADER,
    TEMPLATE_REQUIRED,
    _is_template,
    _parse_template,
    template_csv,
    template_xlsx,
)
from .formats.upr_info import (
    UPR_INFO_HEADER,
    _is_upr_info,
    _looks_like_upr_info,
    _parse_upr_info,
)

__all__ = [
    "CODE_RE", "NUMBERED_LINE_RE", "STATE_ALIASES", "TEMPLATE_EXAMPLE", "TEMPLATE_HEADER",
    "TEMPLATE_REQUIRED", "UPR_INFO_HEADER", "ParsedCatalogue", "RecommendationRow",
    "Response", "is_numbered_list", "match_key", "match_text",
    "normalise_state", "normalise_text", "parse_recommendations", "split_state",
    "template_csv", "template_xlsx",
]


# --------------------------------------------------------------------------
# format recognition
# --------------------------------------------------------------------------


def _expected_formats_message(header: list[str], encoding: str) -> str:
    seen = ", ".join(name for name in header[:12] if name) or _("(empty)")
    return _(
        "The columns of this file were not recognised. Its header is: %(header)s (%(encoding)s). "
        "These formats were tried: the monitor template (columns %(template)s); "
        "a UPR Info database export (columns %(upr_info)s, or To, Text, From, Response); "
        "the UN numbered list (one recommendation per line, such as "
        "“127.1 Text of the recommendation (State);”); the UN report's text copied from "
        "its PDF; OHCHR's thematic list (.docx).",
        header=seen[:300], encoding=encoding or "?",
        template=", ".join(TEMPLATE_HEADER),
        upr_info=", ".join(UPR_INFO_HEADER),
    )


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
    raise TabularError(_expected_formats_message(table.header, table.encoding))


def parse_recommendations(
    data: bytes,
    filename: str = "",
    *,
    state_under_review: str = "Iraq",
    max_bytes: int | None = None,
) -> ParsedCatalogue:
    """Recognise and parse a catalogue of recommendations (see the module
    docstring).  Raises the import kernel's ``UploadRefused`` (``TabularError`` among
    them) when the file is too large, cannot be read or its format is not recognised."""
    check_upload(data, max_bytes)
    if is_docx(data):
        return parse_docx_matrix(data)
    if is_xls(data):
        return _parse_table(read_xls(data, max_bytes=max_bytes), state_under_review)
    if is_xlsx(data):
        table = read_table(data, filename, max_bytes=max_bytes)
        if table.header and NUMBERED_LINE_RE.match(table.header[0] + " "):
            lines = [(table.header_row, " ".join(c for c in table.header if c))]
            lines += [(n, " ".join(c for c in cells if c)) for n, cells in table.rows]
            return _parse_numbered_lines(lines, "xlsx")
        return _parse_table(table, state_under_review)

    text, encoding = decode_text(data, max_bytes=max_bytes)
    if is_arabic(text):
        # The report's Arabic edition: its rows fill the Arabic text (by code).
        arabic = normalise_codes(text)
        lines = list(enumerate(arabic.split("\n"), start=1))
        if looks_like_pdf_text(arabic.split("\n")[:200]):
            return as_arabic_edition(parse_pdf_text(lines, encoding))
        if is_numbered_list(arabic):
            return as_arabic_edition(_parse_numbered_lines(
                [(n, line.strip()) for n, line in lines], encoding))
    if looks_like_pdf_text(text.split("\n")[:200]):
        lines = list(enumerate(text.split("\n"), start=1))
        return parse_pdf_text(lines, encoding)
    if is_numbered_list(text):
        lines = [(i, line.strip()) for i, line in enumerate(text.split("\n"), start=1)]
        return _parse_numbered_lines(lines, encoding)
    return _parse_table(table_from_text(text, encoding=encoding), state_under_review)
