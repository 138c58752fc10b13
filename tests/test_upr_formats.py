"""Tests for monitor.services.catalogue.upr_formats: the three recommendation formats.

Real files are read from ../shared/data/ (beside the repository, never copied
into it) through ``shared_data``: the tests are skipped with a visible reason
when the folder is absent, and fail instead when MONITOR_CI=1.
"""

from __future__ import annotations

import io
from collections import Counter

import openpyxl
import pytest
from support import csv_bytes, shared_data

from monitor.services.catalogue.upr_formats import (
    TEMPLATE_HEADER,
    UPR_INFO_HEADER,
    ParsedCatalogue,
    RecommendationRow,
    match_key,
    normalise_text,
    parse_recommendations,
    split_state,
    template_csv,
    template_xlsx,
)
from monitor.services.imports import UploadRefused
from monitor.services.tabular import TabularError, read_table, write_xlsx

TEMPLATE_FILE = "upr-iraq-cycle2-A-HRC-28-14.csv"
UPR_INFO_FILE = "upr-info-export-iraq-session20.csv"


HEADER7 = TEMPLATE_HEADER[:7]


def _template(*rows: list[str], header: list[str] = HEADER7) -> bytes:
    return csv_bytes([header, *rows])


def _upr_info_row(sur="Iraq", text="Ratify CAT", state="Chile", response="Accepted", issue="Torture", session="20"):
    return [sur, "Asia", "OIC", text, state, "GRULAC", "OAS", response, "3", issue, session]


# ---------------------------------------------------------------- real files


def test_real_template_file():
    path = shared_data(TEMPLATE_FILE)
    result = parse_recommendations(path.read_bytes(), path.name)
    assert result.format == "template"
    assert result.rejected == []
    assert len(result.rows) == 241
    assert Counter(r.response for r in result.rows) == {"supported": 175, "noted": 66}
    codes = [r.code for r in result.rows]
    assert "127.27.1" in codes and "127.1" in codes and "127.229" in codes
    assert len(set(codes)) == 241
    first = result.rows[0]
    assert first == RecommendationRow(
        row_number=2,
        code="127.1",
        text_en="Pursue the process of acceding to international instruments",
        recommending_state="Djibouti",
        state_codes=["DJ"],
        response="supported",
        cycle="2",
        session="20",
        document="A/HRC/28/14",
    )
    venezuela = [r for r in result.rows if r.code == "127.61"][0]
    assert venezuela.recommending_state == "Venezuela (Bolivarian Republic of)"


def test_real_upr_info_export():
    path = shared_data(UPR_INFO_FILE)
    result = parse_recommendations(path.read_bytes(), path.name)
    assert result.format == "upr_info"
    assert result.rejected == []
    assert result.skipped == [] and result.skipped_reason == ""
    assert len(result.rows) == 242
    assert Counter(r.response for r in result.rows) == {"supported": 175, "noted": 67}
    assert all(r.code is None for r in result.rows)
    second = result.rows[1]
    assert second.row_number == 3
    assert second.recommending_state == "Uzbekistan"
    assert second.response == "noted"
    assert second.themes == ["Death penalty", "International instruments"]
    assert second.session == "20" and second.cycle == "2"
    themes = Counter(t for r in result.rows for t in r.themes)
    assert themes["Women's rights"] > 10
    assert all("," not in t for t in themes)


def test_real_upr_info_export_for_another_state_is_skipped():
    path = shared_data(UPR_INFO_FILE)
    result = parse_recommendations(path.read_bytes(), path.name, state_under_review="Jordan")
    assert result.rows == []
    assert len(result.skipped) == 242
    assert "Iraq (242)" in result.skipped_reason


def test_real_files_match_on_normalised_text_and_state():
    template = parse_recommendations(shared_data(TEMPLATE_FILE).read_bytes(), "t.csv")
    upr_info = parse_recommendations(shared_data(UPR_INFO_FILE).read_bytes(), "u.csv")
    template_keys = {r.key for r in template.rows}
    matched = [r for r in upr_info.rows if r.key in template_keys]
    raw_keys = {(r.text_en, r.recommending_state) for r in template.rows}
    raw_matched = [r for r in upr_info.rows if (r.text_en, r.recommending_state) in raw_keys]
    # Both parsers store States under the UN's names ("United States" is "United States
    # of America"): 222 rows are equal as read; the text key (trailing spaces, curly quotes,
    # the punctuation the sources disagree on) recovers 18 more; the last 2 (Togo's and
    # Paraguay's) are one joint recommendation that the template file wrote
    # "Ratify the Optional Protocol to CAT (Togo)," by Paraguay.
    assert len(raw_matched) == 222
    assert len(matched) == 240
    assert match_key("Ratify CEDAW", "United States") == match_key(
        "Ratify CEDAW", "United States of America")
    assert match_key("x", "Iran; Venezuela") == match_key(
        "x", "Iran (Islamic Republic of);Venezuela (Bolivarian Republic of)")
    assert match_key("x", "Niger") != match_key("x", "Nigeria")
    # The UN's text lost an opening quotation mark; it wrote "_" and ";" where UPR Info
    # has "-" and ",".
    assert match_key('Prosecute "honour" crimes', "Chile") == match_key(
        'Prosecute honour" crimes', "Chile")
    assert match_key("Implement the plan for 2013-2017, and report", "Sudan") == match_key(
        "Implement the plan for 2013_2017; and report", "Sudan")
    assert match_key("Ratify the OP to CAT", "Chile") != match_key("Ratify the OP to CEDAW",
                                                                    "Chile")
    # curly apostrophe in the template, straight one in the UPR Info export
    assert match_key("Ensure the Commission’s independence", "Afghanistan") == match_key(
        "Ensure the Commission's independence ", "afghanistan"
    )


def test_real_template_as_xlsx():
    table = read_table(shared_data(TEMPLATE_FILE).read_bytes(), "t.csv")
    data = write_xlsx([("Recommendations", table.header, [c for _, c in table.rows])], text_columns=["code"])
    result = parse_recommendations(data, "t.xlsx")
    assert result.format == "template"
    assert result.encoding == "xlsx"
    assert len(result.rows) == 241 and result.rejected == []


def _numbered_list_from_template() -> tuple[bytes, list[tuple[str, str]]]:
    table = read_table(shared_data(TEMPLATE_FILE).read_bytes(), "t.csv")
    # 127.19 "Ratify the Optional Protocol to CAT (Togo), (Paraguay);": both States.
    # States as the template parser stores them (UN names: "Czech Republic" is "Czechia").
    stored = {r.code: r.recommending_state for r in parse_recommendations(
        shared_data(TEMPLATE_FILE).read_bytes(), "t.csv").rows}
    expected = [(cells[0], "Togo; Paraguay" if cells[0] == "127.19" else stored[cells[0]])
                for _, cells in table.rows]
    lines = [f"{code} {text} ({state});" for code, text, state, *_ in (c for _, c in table.rows)]
    lines.append("127.230 An added recommendation (with a note) (Venezuela (Bolivarian Republic of)).")
    expected.append(("127.230", "Venezuela (Bolivarian Republic of)"))
    return ("\n".join(lines) + "\n").encode("utf-8"), expected


def test_real_numbered_list():
    data, expected = _numbered_list_from_template()
    result = parse_recommendations(data, "list.txt")
    assert result.format == "numbered_list"
    assert result.rejected == []
    assert [(r.code, r.recommending_state) for r in result.rows] == expected
    assert len(result.rows) == 242
    assert all(r.response is None for r in result.rows)
    added = result.rows[-1]
    assert added.text_en == "An added recommendation (with a note)"
    assert added.row_number == 242
    # a text with its own brackets: "Ratify the Optional Protocol to CAT (Togo)," by Paraguay
    togo = [r for r in result.rows if r.code == "127.19"]
    assert [(r.text_en, r.recommending_state) for r in togo] == [
        ("Ratify the Optional Protocol to CAT", "Togo; Paraguay")]


# ---------------------------------------------------------------- numbered list


def test_numbered_list_details():
    text = (
        "127.1 Ratify the Convention (Chile; Mexico);\n"
        "\n"
        "127.2 A recommendation copied from a PDF\n"
        "that wraps over two lines (Iran (Islamic Republic of));\n"
        "127.3. With a dot after the code (Peru).\n"
        "127.1 A repeated code (Peru);\n"
        "127.4 No State at the end;\n"
        "Some heading that is not a recommendation\n"
        "127.5 (Chile);\n"
    )
    result = parse_recommendations(text.encode("cp1256"), "list.csv")
    assert result.format == "numbered_list"
    assert [(r.row_number, r.code, r.text_en, r.recommending_state) for r in result.rows] == [
        (1, "127.1", "Ratify the Convention", "Chile; Mexico"),
        (3, "127.2", "A recommendation copied from a PDF that wraps over two lines", "Iran (Islamic Republic of)"),
        (5, "127.3", "With a dot after the code", "Peru"),
    ]
    rejected = {(r.row, r.field) for r in result.rejected}
    assert rejected == {(6, "code"), (7, "recommending_state"), (9, "text_en")}
    assert "row 1" in next(r for r in result.rejected if r.row == 6).reason


def test_numbered_list_in_first_column_of_a_workbook():
    data = write_xlsx([("List", ["127.1 Ratify CAT (Chile);"], [["127.2 Ratify CED (Peru)."]])])
    result = parse_recommendations(data, "list.xlsx")
    assert result.format == "numbered_list"
    assert [(r.row_number, r.code, r.recommending_state) for r in result.rows] == [
        (1, "127.1", "Chile"),
        (2, "127.2", "Peru"),
    ]


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Do this (Chile);", ("Do this", "Chile")),
        ("Do this (Chile).", ("Do this", "Chile")),
        ("Do this (Chile)", ("Do this", "Chile")),
        ("Art. 2 (f) and (g) (Venezuela (Bolivarian Republic of));", ("Art. 2 (f) and (g)", "Venezuela (Bolivarian Republic of)")),
        ("Do this (Chile, Peru);", ("Do this", "Chile; Peru")),
        ("Do this (France) (Lithuania);", ("Do this", "France; Lithuania")),
        ("Convention, 1930 (No. 29) (Sweden);", ("Convention, 1930 (No. 29)", "Sweden")),
        ("Do this;", None),
        ("Do this (Chile); more", None),
        ("Unbalanced Chile));", None),
    ],
)
def test_split_state(line, expected):
    assert split_state(line) == expected


# ---------------------------------------------------------------- bad input


def test_unknown_header_lists_expected_formats():
    with pytest.raises(TabularError) as info:
        parse_recommendations(csv_bytes([["id", "title", "country"], ["1", "x", "Chile"]]), "x.csv")
    message = info.value.message
    assert "not recognised" in message
    assert "code, text_en, recommending_state, response" in message
    assert ", ".join(UPR_INFO_HEADER) in message
    assert "127.1" in message


def test_missing_required_column_is_named():
    data = _template(["127.1", "Text", "Chile", "supported"], header=["code", "text_en", "recommending_state", "cycle"])
    with pytest.raises(TabularError) as info:
        parse_recommendations(data, "x.csv")
    assert "required columns: response." in info.value.message


def test_upr_info_columns_are_read_by_name_and_a_missing_one_is_explained():
    # Columns in another order (or the research variant's names) are read by their names.
    header = ["SuR", "Recommendation", "RS", "Response"]
    result = parse_recommendations(csv_bytes([header, ["Iraq", "x", "UK", "Accepted"]]), "x.csv")
    assert [(r.text_en, r.recommending_state, r.state_codes, r.response) for r in result.rows] == [
        ("x", "United Kingdom of Great Britain and Northern Ireland", ["GB"], "supported")]
    with pytest.raises(TabularError, match="looks like a UPR Info export"):
        parse_recommendations(csv_bytes([header[:3], ["Iraq", "x", "Chile"]]), "x.csv")


def test_template_validation():
    data = _template(
        ["127.1", "First", "Chile", "supported", "2", "20", "A/HRC/28/14"],
        ["127.2", "", "Peru", "noted", "", "", ""],  # empty text
        ["127.1", "Again", "Peru", "noted", "", "", ""],  # duplicated code
        ["", "No code", "Peru", "noted", "", "", ""],  # missing code
        ["127.x", "Bad code", "Peru", "noted", "", "", ""],  # malformed code
        ["127.3", "Bad response", "Peru", "maybe", "", "", ""],  # unknown response
        ["127.4", "No State", "", "noted", "", "", ""],  # empty State
        ["127.5", "  Fine  ", "Brazil", "NOTED", "", "", ""],
        ["127.6", "Accepted is supported", "Brazil", "Accepted", "", "", ""],
    )
    result = parse_recommendations(data, "x.csv")
    assert [(r.row_number, r.code, r.text_en, r.response) for r in result.rows] == [
        (2, "127.1", "First", "supported"),
        (9, "127.5", "Fine", "noted"),
        (10, "127.6", "Accepted is supported", "supported"),
    ]
    rejected = [(r.row, r.field) for r in result.rejected]
    assert rejected == [
        (3, "text_en"),
        (4, "code"),
        (5, "code"),
        (6, "code"),
        (7, "response"),
        (8, "recommending_state"),
    ]
    messages = {r.row: r.reason for r in result.rejected}
    assert messages[3] == "Row 3: the recommendation text is empty."
    assert messages[4] == "Row 4: the code 127.1 already appears in row 2."
    assert messages[5] == "Row 5: the code is empty."
    assert "127.x" in messages[6]
    assert "maybe" in messages[7] and "supported, noted or partially supported" in messages[7]


def test_formula_cells_are_valid_literal_text():
    data = _template(
        ["127.1", "=HYPERLINK(\"http://evil\",\"x\")", "@Chile", "supported"],
        ["127.2", "+1 more", "-Peru", "noted"],
        header=TEMPLATE_HEADER[:4],
    )
    result = parse_recommendations(data, "x.csv")
    assert result.rejected == []
    assert [(r.text_en, r.recommending_state) for r in result.rows] == [
        ('=HYPERLINK("http://evil","x")', "@Chile"),
        ("+1 more", "-Peru"),
    ]


def test_optional_template_columns_and_cp1256():
    header = ["Code", "Text EN", "recommending-state", "response", "text_ar", "themes", "file", "responsible_bodies", "notes"]
    data = csv_bytes(
        [
            header,
            ["127.1", "Ratify CAT", "Chile", "supported", "المصادقة على الاتفاقية", "Torture; Detention, prisons", "Justice", "Ministry of Justice", "x"],
            ["127.2", "Ratify CED", "Peru", "noted", "", "Torture, Enforced disappearances", "", "", ""],
        ],
        encoding="cp1256",
    )
    result = parse_recommendations(data, "arabic.csv")
    assert result.encoding == "cp1256"
    assert result.ignored_columns == ["notes"]
    first, second = result.rows
    assert first.text_ar == "المصادقة على الاتفاقية"
    assert first.text_ckb is None and first.cycle is None
    assert first.themes == ["Torture", "Detention, prisons"]
    assert first.file == "Justice" and first.responsible_bodies == "Ministry of Justice"
    # a comma stays inside its theme ("Economic, social & cultural rights"): ";" separates
    assert second.themes == ["Torture, Enforced disappearances"]
    assert second.text_ar is None and second.file is None


def test_utf8_bom_template():
    data = b"\xef\xbb\xbf" + _template(["127.1", "دەقی کوردی", "Chile", "supported"], header=TEMPLATE_HEADER[:4])
    result = parse_recommendations(data, "x.csv")
    assert result.encoding == "utf-8-sig"
    assert result.rows[0].text_en == "دەقی کوردی"


def test_upr_info_rules():
    data = csv_bytes(
        [
            UPR_INFO_HEADER,
            _upr_info_row(response="ACCEPTED", issue="Torture,Detention , Torture"),
            _upr_info_row(sur="Jordan"),
            _upr_info_row(sur="Jordan"),
            _upr_info_row(sur="Kuwait"),
            _upr_info_row(response="supported", text="Joint text", state="Chile"),
            _upr_info_row(response="noted", text="Joint text", state="Peru", session="33"),
            _upr_info_row(response="Pending"),
            _upr_info_row(text=""),
        ]
    )
    result = parse_recommendations(data, "x.csv", state_under_review="iraq")
    assert result.format == "upr_info"
    assert len(result.skipped) == 3
    assert "Jordan (2), Kuwait (1)" in result.skipped_reason
    assert [(r.row_number, r.text_en, r.recommending_state, r.response, r.cycle) for r in result.rows] == [
        (2, "Ratify CAT", "Chile", "supported", "2"),
        (6, "Joint text", "Chile", "supported", "2"),
        (7, "Joint text", "Peru", "noted", "3"),
    ]
    assert result.rows[0].themes == ["Torture", "Detention"]
    assert [(r.row, r.field) for r in result.rejected] == [(8, "Response"), (9, "Recommendation")]


def test_parse_refuses_oversized_and_binary():
    with pytest.raises(UploadRefused, match="too large"):
        parse_recommendations(b"x" * (50 * 1024 * 1024), "big.csv")
    with pytest.raises(TabularError, match="not a CSV or XLSX spreadsheet"):
        parse_recommendations(b"code,text\x00\x00", "x.csv")


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("  Ratify   the\tCAT.  ", "ratify the cat"),
        ("ＲＡＴＩＦＹ ＣＡＴ", "ratify cat"),  # full-width letters (NFKC)
        ("“Honour” crimes;", 'honour" crimes'),
        ("Straße", "strasse"),
        ("(Chile)", "(chile)"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_text(raw, expected):
    assert normalise_text(raw) == expected


def test_template_files_parse_back():
    assert TEMPLATE_HEADER[:7] == ["code", "text_en", "recommending_state", "response", "cycle", "session", "document"]
    csv_data = template_csv()
    assert csv_data.startswith(b"\xef\xbb\xbf" + b",".join(h.encode() for h in TEMPLATE_HEADER) + b"\r\n")
    xlsx_data = template_xlsx()
    for data in (csv_data, xlsx_data):
        result = parse_recommendations(data, "template")
        assert isinstance(result, ParsedCatalogue)
        assert result.format == "template" and result.rejected == []
        assert [(r.code, r.recommending_state, r.response) for r in result.rows] == [("127.1", "Djibouti", "supported")]
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_data))
    assert workbook.sheetnames[0] == "Recommendations"
    assert workbook.worksheets[0]["A2"].data_type == "s"
    assert workbook.worksheets[0].column_dimensions["A"].number_format == "@"
