"""Reading and writing spreadsheets safely.

Pure functions: no Flask application, database or request globals are needed.
User-facing messages go through ``flask_babel.gettext`` which, outside an
application context, simply returns the English text.

Reading
-------
``read_table(data, filename)`` accepts the raw bytes of an upload and returns a
:class:`Table`.  The file type is recognised by its *content*, never by its
name: a ZIP archive that openpyxl can open is read as XLSX, anything else must
be readable text and is parsed as CSV.

* The size, and for a workbook its content once unpacked, are checked by the import
  kernel (``services.imports.check_upload``) before anything is parsed.
* CSV text is decoded as UTF-16 when it starts with a UTF-16 byte-order mark
  (Excel's "Unicode text" export), otherwise as UTF-8 (with or without BOM),
  and, when that fails, as Windows-1256 (Arabic Windows, what Excel writes on
  an Arabic Windows installation).
* Binary data (NUL bytes, many control characters, a PDF/PNG/JPEG/GIF/old
  Excel signature, a ZIP archive that is not a workbook) is refused.
* Cell values are never evaluated: a cell that starts with ``=``, ``+``,
  ``-`` or ``@`` is returned as the literal text of that cell (workbooks are
  opened with ``data_only=False``, so formulas come back as their text).

``Table.rows`` is a list of ``(row_number, cells)`` tuples.  ``row_number`` is
the spreadsheet row number as the user sees it (the header is normally row 1;
for CSV it is the record number, a quoted cell spanning several lines still
counts as one row).  Completely empty rows are skipped but still counted, so
numbers keep matching what the user sees in Excel or LibreOffice.  Rows
shorter than the header are padded with ``""``; empty cells beyond the header
are dropped; non-empty cells beyond the header are kept (the row is then
longer than the header).

Writing
-------
``write_csv`` and ``write_xlsx`` neutralise text that a spreadsheet program
could take for a formula (CSV/formula injection): see :func:`neutralise`.
"""

from __future__ import annotations

import csv
import datetime as _dt
import decimal
import io
import math
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Sequence

from flask_babel import gettext as _

from .imports import UploadRefused, check_upload

#: Characters that make a spreadsheet program treat a cell as a formula (or
#: that hide a formula behind whitespace).  Full-width variants are included
#: because some East Asian Excel versions accept them as formula starters.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

_ZIP_MAGIC = b"PK\x03\x04"
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF87a", "image"),
    (b"GIF89a", "image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),  # OLE2: old .xls / .doc
    (b"PK\x05\x06", "zip"),  # empty zip archive
    (b"PK\x07\x08", "zip"),
    (b"\x1f\x8b", "zip"),  # gzip
    (b"Rar!", "zip"),
    (b"7z\xbc\xaf\x27\x1c", "zip"),
)

_SHEET_TITLE_INVALID = re.compile(r"[\\/?*\[\]:]")
# Characters openpyxl refuses to write (XML 1.0 forbids them).
_ILLEGAL_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class TabularError(UploadRefused):
    """A file that cannot be read as a table; ``message`` is translated and can be
    shown to the user as it is. Size and archive refusals are the kernel's
    ``UploadRefused``, which importers catch for both."""


@dataclass
class Table:
    """A sheet read from a CSV or XLSX file.

    ``rows`` holds ``(row_number, cells)`` tuples (see the module docstring).
    """

    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    encoding: str = "utf-8"
    kind: Literal["csv", "xlsx"] = "csv"
    header_row: int = 1

    def records(self) -> list[tuple[int, dict[str, str]]]:
        """Rows as ``(row_number, {header: value})``; first column wins when a
        header name repeats."""
        out = []
        for number, cells in self.rows:
            record: dict[str, str] = {}
            for name, value in zip(self.header, cells):
                record.setdefault(name, value)
            out.append((number, record))
        return out


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def is_xlsx(data: bytes) -> bool:
    """True when the data starts like a ZIP archive (XLSX files are ZIP)."""
    return data[:4] == _ZIP_MAGIC


def _binary_message(kind: str, what: str) -> str:
    if kind == "pdf":
        return _(
            "This file is a PDF document, not a %(what)s. Copy the content into a "
            "spreadsheet or a text file and upload that instead.",
            what=what,
        )
    if kind == "xls":
        return _(
            "This file is in the old Excel format (.xls). Open it in Excel or "
            "LibreOffice and save it as .xlsx or CSV."
        )
    return _("This file is not a %(what)s.", what=what)


def _what_table() -> str:
    return _("CSV or XLSX spreadsheet")


def decode_text(
    data: bytes,
    *,
    max_bytes: int | None = None,
    what: str | None = None,
) -> tuple[str, str]:
    """Decode uploaded text; return ``(text, encoding)``.

    Newlines are normalised to ``\\n``.  Raises the import kernel's
    ``UploadRefused`` for empty or oversized data, :class:`TabularError` for
    binary data.  ``what`` names the expected kind of
    file in the error message.
    """
    check_upload(data, max_bytes)
    what = what or _what_table()
    for signature, kind in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise TabularError(_binary_message(kind, what))
    if is_xlsx(data):
        raise TabularError(_binary_message("zip", what))

    text: str | None = None
    encoding = ""
    utf16 = _utf16_without_bom(data)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or utf16:
        try:
            text, encoding = data.decode(utf16 or "utf-16"), "utf-16"
        except UnicodeDecodeError:
            text = None
    if text is None:
        if b"\x00" in data:
            raise TabularError(_binary_message("binary", what))
        try:
            text = data.decode("utf-8-sig")
            encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        except UnicodeDecodeError:
            text, encoding = _single_byte(data)

    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.rstrip("\x1a")  # old DOS end-of-file marker
    if "\x00" in text:
        raise TabularError(_binary_message("binary", what))
    # Real text has (almost) no control characters; binary data has plenty.
    sample = text[:65536]
    controls = len(_CONTROL_CHARS.findall(sample))
    if controls and controls > len(sample) / 1000:
        raise TabularError(_binary_message("binary", what))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when text without a byte-order mark has a zero byte in
    every other place (ASCII characters in UTF-16), else None."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > half * 0.6 and even < half * 0.1:
        return "utf-16-le"
    if even > half * 0.6 and odd < half * 0.1:
        return "utf-16-be"
    return None


_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def _single_byte(data: bytes) -> tuple[str, str]:
    """Text that is not UTF-8: Windows Arabic (cp1256) or Mac Roman (older Excel on a Mac).
    Read as cp1256, Mac Roman's accents and curly quotes become Arabic letters inside Latin
    words ("donÕt" → "donصt"); real Arabic makes words of Arabic letters only."""
    arabic = data.decode("cp1256", errors="replace")
    arabic_words = mixed = 0
    for word in re.findall(r"\w+", arabic):
        if _ARABIC_LETTER.search(word):
            if _LATIN_LETTER.search(word):
                mixed += 1
            else:
                arabic_words += 1
    if mixed > arabic_words:
        return data.decode("mac_roman"), "mac_roman"
    return arabic, "cp1256"


def read_xls(data: bytes, *, max_bytes: int | None = None) -> Table:
    """The first sheet of an old Excel workbook (.xls, as UPR Info's database exports it).
    Its files open only with xlrd's `ignore_workbook_corruption`."""
    check_upload(data, max_bytes)
    import xlrd  # only this format needs it

    try:
        book = xlrd.open_workbook(file_contents=data, ignore_workbook_corruption=True,
                                  on_demand=True)
        sheet = book.sheet_by_index(0)
        raw = []
        for index in range(min(sheet.nrows, 1_048_576)):
            cells = []
            for value in sheet.row_values(index):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                cells.append(_cell_text(value))
            raw.append((index + 1, cells))
    except Exception:  # noqa: BLE001 - xlrd raises many kinds on a broken file
        raise TabularError(_("This .xls workbook cannot be read. Save it as .xlsx or CSV "
                             "and upload it again.")) from None
    return _shape_rows(raw, encoding="xls", kind="xlsx")


def is_xls(data: bytes) -> bool:
    return data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def _sniff_delimiter(text: str) -> str:
    """Pick ``,`` ``;`` or TAB from the first non-empty line (quotes
    respected); comma when nothing is found or on a tie."""
    first = ""
    for line in text.split("\n"):
        if line.strip():
            first = line
            break
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in first:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = ","
    for delimiter in (",", ";", "\t"):
        if counts[delimiter] > counts[best]:
            best = delimiter
    return best


def _shape_rows(
    raw_rows: Iterable[tuple[int, list[str]]],
    encoding: str,
    kind: Literal["csv", "xlsx"],
) -> Table:
    header: list[str] | None = None
    header_row = 1
    rows: list[tuple[int, list[str]]] = []
    for number, cells in raw_rows:
        if not any(cells):
            continue
        if header is None:
            while cells and not cells[-1]:
                cells = cells[:-1]
            header = cells
            header_row = number
            continue
        width = len(header)
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        elif len(cells) > width:
            end = len(cells)
            while end > width and not cells[end - 1]:
                end -= 1
            cells = cells[:end]
        rows.append((number, cells))
    if header is None:
        raise TabularError(_("This file contains no data."))
    return Table(header=header, rows=rows, encoding=encoding, kind=kind, header_row=header_row)


def _cell_text(value: Any) -> str:
    """Turn a cell value read by openpyxl into a stripped string (never
    evaluated)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, decimal.Decimal):
        if value == value.to_integral_value():
            return str(value.to_integral_value())
        return str(value)
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return str(value)
    text = getattr(value, "text", None)  # openpyxl ArrayFormula / DataTableFormula
    if isinstance(text, str):
        return text.strip()
    return str(value).strip()


def _read_xlsx(data: bytes, sheet: str | None) -> Table:
    """A workbook whose archive `check_upload` has passed."""
    not_a_table = _binary_message("zip", _what_table())
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise TabularError(not_a_table) from None
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        raise TabularError(not_a_table)

    import openpyxl  # local import: only needed for XLSX

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False
            )
    except Exception:  # openpyxl raises many different exception types
        raise TabularError(not_a_table) from None
    try:
        if sheet is not None:
            if sheet not in workbook.sheetnames:
                raise TabularError(
                    _(
                        "The sheet %(sheet)s was not found. Sheets in this file: %(sheets)s.",
                        sheet=sheet,
                        sheets=", ".join(workbook.sheetnames),
                    )
                )
            worksheet = workbook[sheet]
        else:
            if not workbook.worksheets:
                raise TabularError(_("This file contains no data."))
            worksheet = workbook.worksheets[0]
        if hasattr(worksheet, "reset_dimensions"):
            # Do not trust the declared dimension: some programs declare
            # A1:XFD1048576 and we would pad a million empty rows.
            worksheet.reset_dimensions()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                raw = [
                    (number, [_cell_text(v) for v in values])
                    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1)
                ]
        except TabularError:
            raise
        except Exception:
            raise TabularError(not_a_table) from None
    finally:
        workbook.close()
    return _shape_rows(raw, encoding="xlsx", kind="xlsx")


# --------------------------------------------------------------------------
# public reading API
# --------------------------------------------------------------------------


def read_table(
    data: bytes,
    filename: str = "",
    *,
    max_bytes: int | None = None,
    sheet: str | None = None,
) -> Table:
    """Read a CSV or XLSX upload into a :class:`Table`.

    ``filename`` is only informative (the content decides the type).
    ``sheet`` selects a worksheet by name (XLSX only; default the first one).
    Raises ``UploadRefused`` (size, archive) or :class:`TabularError` (not a
    table), each with a translated message.
    """
    check_upload(data, max_bytes)
    if is_xlsx(data):
        return _read_xlsx(data, sheet)
    text, encoding = decode_text(data, max_bytes=max_bytes)
    return table_from_text(text, encoding=encoding)


def table_from_text(text: str, *, encoding: str = "utf-8") -> Table:
    """Parse already decoded CSV text (newlines normalised) into a Table."""
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        raw = [
            (number, [cell.strip() for cell in cells])
            for number, cells in enumerate(reader, start=1)
        ]
    except csv.Error:
        raise TabularError(_binary_message("binary", _what_table())) from None
    return _shape_rows(raw, encoding=encoding, kind="csv")


def read_text_lines(
    data: bytes,
    filename: str = "",
    *,
    max_bytes: int | None = None,
) -> list[str]:
    """Read a plain text upload into lines (same size, binary and encoding
    rules as CSV).

    Every line is returned, stripped of surrounding whitespace, empty lines
    included, so that ``index + 1`` is the line number the user sees.
    """
    text, _encoding = decode_text(data, max_bytes=max_bytes, what=_("plain text file"))
    lines = [line.strip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """Make text safe to open in a spreadsheet program.

    A string that begins with ``=``, ``+``, ``-``, ``@``, TAB or CR (or their
    full-width forms), also behind spaces and invisible or direction characters, is prefixed with a single quote ``'`` so that it is
    shown as text and never run as a formula.  Anything that is not a string
    (numbers, dates, None) is returned unchanged.
    """
    if isinstance(value, str) and starts_like_formula(value):
        return "'" + value
    return value


def _ignored_before_formula(ch: str) -> bool:
    # Spaces, direction marks and other invisible characters (Unicode Zs, Cf, Cc): a
    # spreadsheet program may skip them, or a reader cannot see them.
    return ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc", "Zs")


def starts_like_formula(value: str) -> bool:
    """Does `value` start with a formula character once leading spaces, invisible and
    direction characters (a right-to-left mark before `=`) are set aside?"""
    if value.startswith(FORMULA_PREFIXES):
        return True
    start = 0
    while start < len(value) and _ignored_before_formula(value[start]):
        start += 1
    return 0 < start < len(value) and value[start:].startswith(FORMULA_PREFIXES)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if _is_number(value):
        if isinstance(value, float):
            if not math.isfinite(value):
                return ""
            if value.is_integer():
                return str(int(value))
            return repr(value)
        return str(value)
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    return neutralise(str(value))


def write_csv(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV export: UTF-8 with BOM (Excel then reads Arabic and Kurdish text
    correctly), CRLF line ends, text neutralised, numbers written plainly."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_csv_cell(v) for v in header])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def safe_sheet_title(title: Any, used: Iterable[str] = (), fallback: str = "Sheet") -> str:
    """A worksheet title Excel accepts: no ``\\ / ? * [ ] :``, no leading or
    trailing apostrophe, at most 31 characters, unique (case-insensitive)
    among ``used``."""
    text = _SHEET_TITLE_INVALID.sub("", str(title or ""))
    text = _ILLEGAL_XML_CHARS.sub("", text).strip().strip("'").strip()
    text = text[:31].strip() or fallback
    taken = {u.casefold() for u in used}
    candidate = text
    n = 2
    while candidate.casefold() in taken:
        suffix = f" ({n})"
        candidate = text[: 31 - len(suffix)].rstrip() + suffix
        n += 1
    return candidate


def _xlsx_text(value: Any) -> str:
    return neutralise(_ILLEGAL_XML_CHARS.sub("", str(value)))


def _display_width(value: Any) -> int:
    text = str(value) if value is not None else ""
    width = 0
    for ch in text:
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def write_xlsx(
    sheets: Sequence[tuple[str, Sequence[Any], Iterable[Sequence[Any]]]],
    *,
    rtl: bool = False,
    text_columns: Iterable[str] = (),
) -> bytes:
    """XLSX export: one worksheet per ``(title, header, rows)``.

    Numbers (and dates) keep their type; every other value is written as
    neutralised text with data type ``"s"`` so it can never be a formula.
    The header row is bold and frozen.  ``rtl=True`` shows the sheets right
    to left (Arabic, Kurdish).  Columns whose header is in ``text_columns``
    get the text number format ``@`` so that a spreadsheet program does not
    turn a code such as ``127.10`` into the number ``127.1`` when it is typed.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    text_names = set(text_columns)
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: list[str] = []
    bold = Font(bold=True)
    if not sheets:
        sheets = [("Sheet", [], [])]
    for title, header, rows in sheets:
        name = safe_sheet_title(title, used)
        used.append(name)
        ws = workbook.create_sheet(title=name)
        if rtl:
            ws.sheet_view.rightToLeft = True
        widths: dict[int, int] = {}
        for col, value in enumerate(header, start=1):
            cell = ws.cell(row=1, column=col)
            cell.value = _xlsx_text("" if value is None else value)
            cell.data_type = "s"
            cell.font = bold
            widths[col] = _display_width(cell.value)
        text_cols = {i for i, v in enumerate(header, start=1) if v in text_names}
        for r, row in enumerate(rows, start=2):
            for col, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(row=r, column=col)
                if isinstance(value, bool):
                    cell.value = value
                elif _is_number(value) and not (isinstance(value, float) and not math.isfinite(value)):
                    cell.value = value
                elif isinstance(value, (_dt.datetime, _dt.date, _dt.time)) and not (
                    isinstance(value, _dt.datetime) and value.tzinfo is not None
                ):
                    cell.value = value
                else:
                    cell.value = _xlsx_text(value)
                    cell.data_type = "s"
                if col in text_cols:
                    cell.number_format = "@"
                if r <= 200:
                    widths[col] = max(widths.get(col, 0), _display_width(cell.value))
        for col, width in widths.items():
            ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)
        for col in text_cols:
            ws.column_dimensions[get_column_letter(col)].number_format = "@"
        if header:
            ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
