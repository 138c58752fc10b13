"""Tests for monitor.services.tabular: safe reading and writing of spreadsheets."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import zipfile

import openpyxl
import pytest

from monitor.services import tabular
from monitor.services.imports import UploadRefused
from monitor.services.tabular import (
    Table,
    TabularError,
    neutralise,
    read_table,
    read_text_lines,
    write_csv,
    write_xlsx,
)

MB = 1024 * 1024
NOT_A_SPREADSHEET = "not a CSV or XLSX spreadsheet"


def _xlsx(rows, title="Sheet") -> bytes:
    """A workbook written directly with openpyxl (values stored as given, so
    formulas stay formulas)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- size / empty


def test_oversized_input_refused_before_parsing(monkeypatch):
    def must_not_parse(*args, **kwargs):  # pragma: no cover - failure path
        raise AssertionError("the file was parsed although it is too large")

    monkeypatch.setattr(tabular, "decode_text", must_not_parse)
    monkeypatch.setattr(tabular, "_read_xlsx", must_not_parse)
    data = b"a" * (50 * MB)
    start = time.perf_counter()
    with pytest.raises(UploadRefused) as info:
        read_table(data, "big.csv")
    with pytest.raises(UploadRefused):
        read_table(b"PK\x03\x04" + data, "big.xlsx")
    assert time.perf_counter() - start < 0.5
    assert "20 MB" in info.value.message
    assert "50 MB" in info.value.message


def test_custom_limit_is_named_in_megabytes():
    line = b"x" * 1020 + b",y\r\n"  # 1024 bytes
    at_limit = line * 1024
    assert len(at_limit) == MB
    table = read_table(at_limit, "x.csv", max_bytes=MB)  # exactly at the limit: accepted
    assert len(table.rows) == 1023
    with pytest.raises(UploadRefused, match="limit is 1 MB"):
        read_table(at_limit + b"z", "x.csv", max_bytes=MB)


def test_empty_file_refused():
    with pytest.raises(UploadRefused, match="empty"):
        read_table(b"", "x.csv")


def test_blank_file_has_no_data():
    with pytest.raises(TabularError, match="no data"):
        read_table(b" \r\n,,\r\n\r\n", "x.csv")


# ---------------------------------------------------------------- binary data


@pytest.mark.parametrize(
    "data",
    [
        b"code,text\x00\x00\x01\x02binary",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        bytes(range(1, 256)) * 40,  # no NUL but full of control characters
    ],
    ids=["nul-bytes", "png", "pdf", "control-characters"],
)
def test_binary_renamed_csv_refused(data):
    with pytest.raises(TabularError, match=NOT_A_SPREADSHEET):
        read_table(data, "recommendations.csv")


def test_zip_that_is_not_a_workbook_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(TabularError, match=NOT_A_SPREADSHEET):
        read_table(buffer.getvalue(), "data.csv")
    with pytest.raises(TabularError, match=NOT_A_SPREADSHEET):
        read_table(b"PK\x03\x04 truncated garbage", "data.xlsx")


def test_old_excel_format_gets_a_specific_message():
    with pytest.raises(TabularError, match=r"old Excel format \(\.xls\)"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls")


# ---------------------------------------------------------------- CSV decoding


def test_utf8_bom_is_removed_from_first_header():
    data = "\ufeffcode,text_ar\r\n127.1,مواصلة\r\n".encode("utf-8")
    table = read_table(data, "x.csv")
    assert table.header == ["code", "text_ar"]
    assert table.rows == [(2, ["127.1", "مواصلة"])]
    assert table.encoding == "utf-8-sig"
    assert table.kind == "csv"


def test_plain_utf8():
    table = read_table("a,b\nپەیوەست,x\n".encode("utf-8"), "x.csv")
    assert table.encoding == "utf-8"
    assert table.rows[0][1][0] == "پەیوەست"


def test_windows_1256_arabic_csv():
    text = "الرمز,النص\r\n127.1,مواصلة عملية الانضمام إلى الصكوك الدولية\r\n"
    data = text.encode("cp1256")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the test really exercises the fallback
    table = read_table(data, "arabic.csv")
    assert table.encoding == "cp1256"
    assert table.header == ["الرمز", "النص"]
    assert table.rows == [(2, ["127.1", "مواصلة عملية الانضمام إلى الصكوك الدولية"])]


def test_utf16_unicode_text_export():
    data = "code\ttext\r\n127.1\tنص\r\n".encode("utf-16")
    table = read_table(data, "unicode.txt")
    assert table.encoding == "utf-16"
    assert table.header == ["code", "text"]
    assert table.rows == [(2, ["127.1", "نص"])]


@pytest.mark.parametrize(
    "text, expected_header",
    [
        ("a;b;c\n1;2;3\n", ["a", "b", "c"]),
        ("a\tb\tc\n1\t2\t3\n", ["a", "b", "c"]),
        ('"x,y,z";b;c\n1;2;3\n', ["x,y,z", "b", "c"]),  # commas inside quotes ignored
        ("a,b;c\n1,2;3\n", ["a", "b;c"]),  # tie: comma wins
        ("single\nvalue\n", ["single"]),
    ],
)
def test_delimiter_sniffed_from_first_line(text, expected_header):
    assert read_table(text.encode(), "x.csv").header == expected_header


def test_newlines_row_numbers_and_widths():
    data = (
        b"code,text,state\r"  # old Mac line ends
        b"127.1,  one  ,A\r"
        b",,\r"  # all-empty row: skipped but counted
        b'127.2,"two\r\nlines",B,,\r'  # quoted newline; extra empty cells dropped
        b"127.3,short\r"  # padded to the header width
        b"127.4,x,C,extra\r"  # non-empty extra cell kept
    )
    table = read_table(data, "x.csv")
    assert table.header == ["code", "text", "state"]
    assert table.rows == [
        (2, ["127.1", "one", "A"]),
        (4, ["127.2", "two\nlines", "B"]),
        (5, ["127.3", "short", ""]),
        (6, ["127.4", "x", "C", "extra"]),
    ]
    assert table.records()[0] == (2, {"code": "127.1", "text": "one", "state": "A"})


def test_formula_like_csv_cells_kept_as_literal_text():
    data = b"a,b,c,d\r\n=1+1,@SUM(A1),+1,-1\r\n\"=cmd|' /C calc'!A0\",x,y,z\r\n"
    table = read_table(data, "x.csv")
    assert table.rows[0][1] == ["=1+1", "@SUM(A1)", "+1", "-1"]
    assert table.rows[1][1][0] == "=cmd|' /C calc'!A0"


# ---------------------------------------------------------------- XLSX reading


def test_xlsx_recognised_by_content_and_values_converted():
    data = _xlsx(
        [
            ["code", "number", "float", "date", "when", "flag", "formula"],
            [None, None, None, None, None, None, None],
            ["127.10", 3.0, 2.5, dt.date(2024, 1, 31), dt.datetime(2024, 1, 31, 14, 5), True, "=1+1"],
            [" padded ", 12, 0.1, None, None, False, "=HYPERLINK(\"http://x\",\"y\")"],
        ]
    )
    table = read_table(data, "named-like-a.csv")  # the name is not trusted
    assert table.kind == "xlsx"
    assert table.header == ["code", "number", "float", "date", "when", "flag", "formula"]
    assert table.rows == [
        (3, ["127.10", "3", "2.5", "2024-01-31", "2024-01-31T14:05:00", "TRUE", "=1+1"]),
        (4, ["padded", "12", "0.1", "", "", "FALSE", '=HYPERLINK("http://x","y")']),
    ]


def test_xlsx_named_sheet():
    wb = openpyxl.Workbook()
    wb.active.title = "First"
    wb.active["A1"] = "first"
    second = wb.create_sheet("Second")
    second["A1"] = "header"
    second["A2"] = "value"
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    assert read_table(data, "x.xlsx").header == ["first"]
    assert read_table(data, "x.xlsx", sheet="Second").rows == [(2, ["value"])]
    with pytest.raises(TabularError, match="First, Second"):
        read_table(data, "x.xlsx", sheet="Missing")


def test_xlsx_round_trip():
    header = ["code", "text", "count", "ratio", "مجموع"]
    rows = [
        ["127.10", "=1+1", 3, 2.5, "نص عربي"],
        ["127.27.1", "@SUM(1)", -4, 0.25, "دەقی کوردی"],
        ["x", None, 0, 1.0, "plain"],
    ]
    data = write_xlsx(
        [("Recommendations: [all] / 2014 and a very long title indeed", header, rows)],
        rtl=True,
        text_columns=["code"],
    )
    table = read_table(data, "export.xlsx")
    assert table.header == header
    assert table.rows == [
        (2, ["127.10", "'=1+1", "3", "2.5", "نص عربي"]),
        (3, ["127.27.1", "'@SUM(1)", "-4", "0.25", "دەقی کوردی"]),
        (4, ["x", "", "0", "1", "plain"]),
    ]

    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    assert len(ws.title) <= 31
    assert not set(ws.title) & set("\\/?*[]:")
    assert ws.title.startswith("Recommendations all  2014")
    assert ws.sheet_view.rightToLeft is True
    assert ws["A1"].font.b is True
    assert ws["B2"].data_type == "s" and ws["B2"].value == "'=1+1"
    assert ws["C2"].data_type == "n" and ws["C2"].value == 3
    assert ws["D2"].value == 2.5
    assert ws["A2"].number_format == "@"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_write_xlsx_sheet_titles_unique_and_ltr_by_default():
    data = write_xlsx([("Data", ["a"], [[1]]), ("data", ["b"], [[2]]), ("", ["c"], [])])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Data", "data (2)", "Sheet"]
    assert not wb.worksheets[0].sheet_view.rightToLeft
    assert read_table(data, "x.xlsx", sheet="data (2)").rows == [(2, ["2"])]


# ---------------------------------------------------------------- writing


@pytest.mark.parametrize(
    "value",
    ["=cmd|' /C calc'!A0", "@SUM(1)", "+1", "-1", "\tx", "\rx", "\uff1dSUM(1)"],
)
def test_neutralise_prefixes_dangerous_text(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "", "a=b", "'already", 5, -1, 2.5, None])
def test_neutralise_leaves_safe_values(value):
    assert neutralise(value) == value


def test_write_csv_format():
    data = write_csv(["code", "=header"], [["=cmd|' /C calc'!A0", 3], [2.0, -1.5], ["-1", None]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 4
    assert data.decode("utf-8-sig") == (
        "code,'=header\r\n'=cmd|' /C calc'!A0,3\r\n2,-1.5\r\n'-1,\r\n"
    )


def test_write_csv_arabic_and_sorani_round_trip():
    header = ["النص", "دەق"]
    rows = [["مواصلة عملية الانضمام، إلى الصكوك", "بەردەوامبوون لە پرۆسەکە"], ["سطر\nثان", "ئەنجوومەن"]]
    data = write_csv(header, rows)
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed == [header] + rows
    # and our own reader agrees
    table = read_table(data, "export.csv")
    assert table.header == header
    assert [cells for _, cells in table.rows] == rows


# ---------------------------------------------------------------- text lines


def test_read_text_lines():
    data = "127.1 نص (Chile);\r\n\r\n  127.2 x (Peru).  \r\n\r\n".encode("cp1256")
    assert read_text_lines(data, "list.txt") == ["127.1 نص (Chile);", "", "127.2 x (Peru)."]


def test_read_text_lines_refuses_binary_and_size():
    with pytest.raises(TabularError, match="not a plain text file"):
        read_text_lines(b"\x89PNG\r\n\x1a\n\x00\x00", "list.txt")
    with pytest.raises(UploadRefused, match="too large"):
        read_text_lines(b"x" * 11, "list.txt", max_bytes=10)


def test_table_dataclass_defaults():
    table = Table(header=["a"])
    assert table.rows == [] and table.kind == "csv" and table.header_row == 1


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ""),
        (3.0, "3"),  # integral floats lose the trailing .0 (codes, years, counts)
        (-12.0, "-12"),
        (127.25, "127.25"),
        (7, "7"),
        (True, "TRUE"),
        (dt.datetime(2024, 5, 1), "2024-05-01"),
        (dt.time(9, 30), "09:30:00"),
        ("  =SUM(A1)  ", "=SUM(A1)"),
    ],
)
def test_xlsx_cell_values_become_text(value, expected):
    # openpyxl returns most integral numbers as int; other writers store
    # "3.0", which reaches this conversion as a float.
    assert tabular._cell_text(value) == expected
