"""Tests for monitor.services.evaluation.questionnaire: the default questionnaire, answer validation,
XLSForm import and export.

Real XLSForms are read from ../shared/data/xlsform through ``shared_data``: the tests are
skipped with a visible reason when a file is absent, and fail instead when MONITOR_CI=1.
They are never copied into the repository.
"""
from __future__ import annotations

import io
import json
import random
import re
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from support import shared_data, xlsform

from monitor.services.evaluation import xlsform as xf
from monitor.services.evaluation.questionnaire import (
    NO_INFORMATION,
    STATUS_SCORES,
    default_questionnaire,
    localized,
    make_question,
    parse_number,
    status_score,
    validate_answers,
)
from monitor.services.evaluation.xlsform import export_xlsform, import_xlsform

UCL = "xlsform/UCL_Biomass_Plot_Form.xlsx"
FLAT = "xlsform/flat_xlsform_test.xlsx"
EMPTY_BASE = {"questions": [], "groups": []}
TODAY = date(2024, 5, 1)
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")


def by_name(definition: dict) -> dict[str, dict]:
    return {q["name"]: q for q in definition["questions"]}


def skipped_types(result: xf.ImportResult) -> dict[int, str]:
    return {s.row: s.value for s in result.skipped}


# --- default questionnaire --------------------------------------------------------------


def test_default_questionnaire_questions_and_flags():
    definition = default_questionnaire()
    questions = by_name(definition)
    assert list(questions) == ["status", "government_actions", "evidence_links",
                               "evidence_files", "information_date", "confidence",
                               "assessment", "next_steps"]
    assert all(q["builtin"] for q in definition["questions"])
    assert {n for n, q in questions.items() if q["required"]} == {
        "status", "confidence", "assessment"}
    assert [c["name"] for c in questions["status"]["choices"]] == [
        "0", "25", "50", "75", "100", NO_INFORMATION]
    assert STATUS_SCORES == (0, 25, 50, 75, 100)
    assert [c["name"] for c in questions["confidence"]["choices"]] == ["low", "medium", "high"]
    assert {n: q["type"] for n, q in questions.items()} == {
        "status": "select_one", "government_actions": "text", "evidence_links": "text",
        "evidence_files": "file", "information_date": "date", "confidence": "select_one",
        "assessment": "text", "next_steps": "text"}
    assert questions["information_date"]["not_future"] is True
    assert [n for n, q in questions.items() if q["not_future"]] == ["information_date"]
    assert definition["groups"] == []
    assert json.loads(json.dumps(definition)) == definition


def test_default_questionnaire_is_translated_in_three_languages():
    definition = default_questionnaire()
    texts = []
    for question in definition["questions"]:
        texts.append(question["label"])
        texts.append(question["hint"])
        texts.extend(choice["label"] for choice in question["choices"])
    for text in texts:
        assert set(text) == {"ar", "ckb", "en"}, text
        assert ARABIC_SCRIPT.search(text["ar"]) and ARABIC_SCRIPT.search(text["ckb"]), text
        assert not ARABIC_SCRIPT.search(text["en"]) and text["en"].strip(), text
    # Sorani is not Arabic with another key: the two differ everywhere.
    assert all(text["ar"] != text["ckb"] for text in texts)


def test_default_questionnaire_returns_a_new_copy_each_time():
    first = default_questionnaire()
    first["questions"][0]["choices"].clear()
    first["questions"][0]["label"]["en"] = "changed"
    second = default_questionnaire()
    assert len(second["questions"][0]["choices"]) == 6
    assert second["questions"][0]["label"]["en"] == "Implementation status"


def test_status_score():
    assert [status_score(str(s)) for s in STATUS_SCORES] == list(STATUS_SCORES)
    assert status_score(75) == 75
    assert status_score("٥٠") == 50
    assert status_score(NO_INFORMATION) is None
    assert status_score(None) is None
    assert status_score("") is None
    for bad in ("30", "high", 101, True):
        with pytest.raises(ValueError):
            status_score(bad)


def test_localized_falls_back_visibly():
    label = {"ar": "نص", "ckb": "دەق", "en": "Text"}
    assert localized(label, "ckb") == ("دەق", False)
    assert localized(label, "ar_IQ") == ("نص", False)
    assert localized({"ar": "نص", "ckb": "دەق"}, "fr") == ("نص", True)
    assert localized({"ar": "نص", "en": "Text"}, "ckb") == ("Text", True)
    assert localized({"ckb": "دەق", "ar": ""}, "en") == ("دەق", True)
    assert localized({"sw": "Maandishi"}, "en") == ("Maandishi", True)
    assert localized({}, "en") == ("", True)
    assert localized(None, "ar") == ("", True)


# --- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("42", Decimal("42")),
    ("٤٢٫٨", Decimal("42.8")),
    ("۴۲٫۸", Decimal("42.8")),
    ("42.8", Decimal("42.8")),
    (" -3 ", Decimal("-3")),
    ("١٬٢٣٤٬٥٦٧", Decimal("1234567")),
    ("1,234.5", Decimal("1234.5")),
    ("\u200f٤٢", Decimal("42")),
    (".5", Decimal("0.5")),
])
def test_parse_number_accepts_arabic_and_persian_digits(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["abc", "4 2", "1e5", "NaN", "Infinity", "1,2", "12,34,567",
                                  "٤٢٫٨٫١", "--1", "0x10", "1" * 50])
def test_parse_number_refuses_garbage(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_parse_number_empty_is_none():
    assert parse_number("") is None
    assert parse_number("   ") is None
    assert parse_number(None) is None


# --- validation -----------------------------------------------------------------------------


def complete_answers(**changes) -> dict:
    answers = {"status": "50", "confidence": "medium", "assessment": "  Some progress.  ",
               "information_date": "2024-04-30", "government_actions": "A new law.",
               "evidence_links": "https://example.org/a\nhttps://example.org/b"}
    answers.update(changes)
    return answers


def validate(raw: dict, definition: dict | None = None, *, submitting: bool = True,
             **kwargs) -> tuple[dict, dict]:
    return validate_answers(definition or default_questionnaire(), raw,
                            submitting=submitting, today=TODAY, **kwargs)


def test_complete_submission_is_clean():
    clean, errors = validate(complete_answers())
    assert errors == {}
    assert clean == {"status": "50", "confidence": "medium", "assessment": "Some progress.",
                     "information_date": "2024-04-30", "government_actions": "A new law.",
                     "evidence_links": "https://example.org/a\nhttps://example.org/b"}
    assert status_score(clean["status"]) == 50


def test_clean_answers_validate_again_unchanged():
    clean, _ = validate(complete_answers(status="٧٥"))
    assert validate(clean) == (clean, {})
    assert clean["status"] == "75"


@pytest.mark.parametrize("status", ["30", "60", "101", "-25", "implemented"])
def test_status_out_of_scale_is_refused(status):
    clean, errors = validate(complete_answers(status=status))
    assert "status" not in clean
    assert "not one of the choices" in errors["status"]
    assert "Implementation status" in errors["status"]


def test_unknown_choice_is_refused():
    clean, errors = validate(complete_answers(confidence="very high"))
    assert set(errors) == {"confidence"}
    assert "“very high”" in errors["confidence"]
    assert "confidence" not in clean


def test_two_values_for_a_single_choice_are_refused():
    _clean, errors = validate(complete_answers(status=["25", "50"]))
    assert "only one answer" in errors["status"]


def test_required_questions_only_enforced_at_submission():
    assert validate({}, submitting=False) == ({}, {})
    clean, errors = validate({"status": "", "assessment": "   "}, submitting=False)
    assert (clean, errors) == ({}, {})
    clean, errors = validate({"government_actions": "x"}, submitting=True)
    assert set(errors) == {"status", "confidence", "assessment"}
    assert errors["assessment"] == "Please answer “Assessment”."
    assert clean == {"government_actions": "x"}


def test_drafts_still_refuse_invalid_values():
    _clean, errors = validate({"status": "30"}, submitting=False)
    assert set(errors) == {"status"}


def test_information_date_cannot_be_in_the_future():
    _clean, errors = validate(complete_answers(information_date="2024-05-02"))
    assert errors == {"information_date": "The date of the information cannot be in the "
                                          "future."}
    clean, errors = validate(complete_answers(information_date="2024-05-01"))
    assert errors == {} and clean["information_date"] == "2024-05-01"


def test_future_date_message_in_arabic():
    _clean, errors = validate(complete_answers(information_date="2030-01-01"), lang="ar")
    assert errors["information_date"] == "لا يمكن أن يكون تاريخ المعلومات في المستقبل."


def test_not_future_applies_to_any_date_question():
    definition = {"questions": [make_question("seen", "date", {"en": "Seen on"},
                                              not_future=True),
                                make_question("due", "date", {"en": "Due"})]}
    clean, errors = validate({"seen": "2024-06-01", "due": "2030-01-01"}, definition)
    assert errors == {"seen": "“Seen on” cannot be in the future."}
    assert clean == {"due": "2030-01-01"}


@pytest.mark.parametrize(("raw", "expected"), [
    ("٢٠٢٤-٠٤-٣٠", "2024-04-30"), ("۲۰۲۴-۰۴-۰۱", "2024-04-01"), (" 2023-12-31 ", "2023-12-31"),
])
def test_dates_accept_arabic_indic_digits(raw, expected):
    clean, errors = validate(complete_answers(information_date=raw))
    assert errors == {} and clean["information_date"] == expected


@pytest.mark.parametrize("raw", ["30/04/2024", "2024-02-30", "2024-4-1", "20240401", "yesterday"])
def test_bad_dates_are_refused(raw):
    _clean, errors = validate(complete_answers(information_date=raw))
    assert "YYYY-MM-DD" in errors["information_date"]


NUMBERS = {"questions": [
    make_question("share", "decimal", {"en": "Share", "ar": "النسبة"},
                  minimum=0, maximum=100),
    make_question("cases", "integer", {"en": "Cases"}, minimum=1, maximum=5000,
                  constraint_message={"en": "Give between 1 and 5000 cases.",
                                      "ar": "أدخل عدداً بين 1 و5000."}),
    make_question("rate", "decimal", {"en": "Rate"}, minimum=0, min_exclusive=True),
]}


def test_arabic_indic_decimal_is_parsed():
    clean, errors = validate({"share": "٤٢٫٨", "cases": "١٬٢٠٠", "rate": "۰٫۵"}, NUMBERS)
    assert errors == {}
    assert clean == {"share": "42.8", "cases": 1200, "rate": "0.5"}
    assert Decimal(clean["share"]) == Decimal("42.8")


def test_numbers_outside_their_bounds_are_refused():
    _clean, errors = validate({"share": "100.5", "cases": "0", "rate": "0"}, NUMBERS)
    assert errors == {"share": "Share must be between 0 and 100.",
                      "cases": "Give between 1 and 5000 cases.",
                      "rate": "Rate must be more than 0."}
    _clean, errors = validate({"share": "-1", "cases": "5001"}, NUMBERS, lang="ar")
    assert errors == {"share": "النسبة must be between 0 and 100.",
                      "cases": "أدخل عدداً بين 1 و5000."}


def test_bounds_themselves_are_allowed_unless_exclusive():
    clean, errors = validate({"share": "100", "cases": "5000", "rate": "0.001"}, NUMBERS)
    assert errors == {} and clean == {"share": "100", "cases": 5000, "rate": "0.001"}


@pytest.mark.parametrize("raw", ["4.5", "four", "1e3", "٤٫٥"])
def test_integer_needs_a_whole_number(raw):
    _clean, errors = validate({"cases": raw}, NUMBERS)
    assert errors == {"cases": "“Cases” must be a whole number, for example 42."}


def test_nul_character_is_refused():
    clean, errors = validate(complete_answers(assessment="good\x00 progress"))
    assert "assessment" not in clean
    assert "NUL" in errors["assessment"]
    _clean, errors = validate(complete_answers(status="50\x00"))
    assert "NUL" in errors["status"]


def test_text_is_stripped_and_limited_to_20000_characters():
    clean, errors = validate(complete_answers(assessment="x" * 20_000 + "  \n"))
    assert errors == {} and len(clean["assessment"]) == 20_000
    clean, errors = validate(complete_answers(assessment="x" * 20_001))
    assert "too long" in errors["assessment"] and "assessment" not in clean
    clean, _ = validate(complete_answers(assessment="line one\r\nline two"))
    assert clean["assessment"] == "line one\nline two"


def test_select_multiple():
    definition = {"questions": [make_question(
        "areas", "select_multiple", {"en": "Areas"},
        choices=[{"name": n, "label": {"en": n}} for n in ("law", "policy", "budget")])]}
    clean, errors = validate({"areas": ["budget", "law", "law"]}, definition)
    assert errors == {} and clean == {"areas": ["law", "budget"]}
    clean, errors = validate({"areas": "policy law"}, definition)
    assert clean == {"areas": ["law", "policy"]}
    clean, errors = validate({"areas": ["law", "courts"]}, definition)
    assert "“courts”" in errors["areas"] and clean == {}


def test_file_and_note_questions_and_unknown_names_are_ignored():
    definition = default_questionnaire()
    definition["questions"].append(make_question("intro", "note", {"en": "Read me"}))
    definition["questions"][3]["required"] = True  # evidence_files: handled elsewhere
    clean, errors = validate(complete_answers(evidence_files="report.pdf", intro="x",
                                              unknown="y"), definition)
    assert errors == {}
    assert not {"evidence_files", "intro", "unknown"} & set(clean)


# --- export and round trip -------------------------------------------------------------------


def test_default_round_trip_is_equal():
    data = export_xlsform(default_questionnaire())
    result = import_xlsform(data, base=EMPTY_BASE)
    assert result.rejected == [] and result.skipped == [] and result.warnings == []
    assert result.definition == default_questionnaire()
    assert result.new == [q["name"] for q in default_questionnaire()["questions"]]


def test_export_writes_an_xlsform():
    workbook = openpyxl.load_workbook(io.BytesIO(export_xlsform(default_questionnaire())))
    assert workbook.sheetnames == ["survey", "choices", "settings"]
    rows = list(workbook["survey"].iter_rows(values_only=True))
    header = list(rows[0])
    for column in ("type", "name", "label::Arabic (ar)", "label::English (en)",
                   "label::Kurdish (ckb)", "hint::Kurdish (ckb)", "required", "constraint",
                   "constraint_message::English (en)"):
        assert column in header
    survey = {row[1]: dict(zip(header, row)) for row in rows[1:]}
    assert survey["status"]["type"] == "select_one status"
    assert survey["status"]["required"] == "yes"
    assert survey["information_date"]["constraint"] == ". <= today()"
    assert survey["evidence_files"]["type"] == "file"
    choices = [row for row in workbook["choices"].iter_rows(values_only=True)]
    assert ("status", "no_information") in {row[:2] for row in choices}


def test_custom_definition_round_trip_with_groups_and_bounds():
    definition = {
        "questions": [
            make_question("budget", "decimal", {"en": "Budget share", "ar": "حصة الميزانية"},
                          minimum=0, maximum=2.5, min_exclusive=True,
                          constraint_message={"en": "Between 0 and 2.5"}, group="money"),
            make_question("staff", "integer", {"ckb": "ستاف"}, minimum=-3, group="money",
                          hint={"en": "People"}),
            make_question("intro", "note", {"en": "=Not a formula"}),
            make_question("kind", "select_multiple", {"en": "Kind"}, required=True,
                          choices=[{"name": "a", "label": {"en": "A"}},
                                   {"name": "b", "label": {}}], group="other"),
        ],
        "groups": [{"name": "money", "label": {"en": "Money", "ar": "المال"}},
                   {"name": "other", "label": {}},
                   {"name": "empty", "label": {"en": "Nothing inside"}}],
    }
    result = import_xlsform(export_xlsform(definition), base=EMPTY_BASE)
    assert result.rejected == [] and result.skipped == [] and result.warnings == []
    assert result.definition == definition


# --- import: supported and unsupported rows ---------------------------------------------------

HEADER = ["type", "name", "label", "label::Arabic (ar)", "label::Kurdish (ckb)",
          "label::French (fr)", "hint::English (en)", "required", "constraint",
          "constraint_message::English (en)"]
CHOICES = [["list name", "name", "label::English (en)", "label::Arabic (ar)"],
           ["yn", "yes", "Yes", "نعم"], ["yn", "no", "No", "لا"],
           ["levels", "low", "Low", None], ["levels", "medium", "Medium", None],
           ["levels", "high", "High", None]]


def test_import_reports_unsupported_rows_and_keeps_the_rest():
    survey = [
        HEADER,
        ["begin_group", "main", "Main part", "الجزء الرئيسي"],              # 2
        ["geopoint", "where", "Where?"],                                      # 3
        ["calculate", "calc", None],                                         # 4
        ["select_one_from_file villages.csv", "village", "Village"],         # 5
        ["start", "start"],                                                   # 6
        ["deviceid", "deviceid"],                                             # 7
        ["text", "phone", "Phone", "الهاتف", "تەلەفۆن", "Téléphone", "Digits", "yes",
         "regex(., '^[0-9]+$')", "Digits only"],                              # 8
        ["integer", "people", "People", None, None, None, None, "TRUE",
         ".>=0 and .<=100", "0 to 100"],                                      # 9
        ["begin group", "inner", "Inner"],                                    # 10
        ["decimal", "ratio", "Ratio", None, None, None, None, "no",
         ". > 0 and . < 1"],                                                  # 11
        ["integer", "strict", "Strict", None, None, None, None, None,
         "(. > 0) and (. < 10)"],                                             # 12
        ["end group"],                                                        # 13
        ["select one yn", "agree", "Agree?", None, None, None, None, "Yes"],  # 14
        ["select_multiple levels", "levels", "Levels"],                       # 15
        ["select_one missing_list", "lost", "Lost"],                          # 16
        ["begin repeat", "visits", "Visits"],                                 # 17
        ["text", "visit_note", "Note"],                                       # 18
        ["begin repeat", "inner_visits"],                                     # 19
        ["integer", "n"],                                                     # 20
        ["end repeat"],                                                       # 21
        ["end repeat"],                                                       # 22
        [],                                                                   # 23
        ["integer", "min_only", "Min only", None, None, None, None, None,
         "0 <= ."],                                                           # 24
        ["date", "when", "When", None, None, None, None, "${x} = 'yes'",
         ". <= today()"],                                                     # 25
        ["text", "status", "My own status"],                                  # 26
        ["text", "bad name", "Bad"],                                          # 27
        ["note", "empty_note"],                                               # 28
        ["end group"],                                                        # 29
        ["end group"],                                                        # 30
        ["image", "photo", "Photo"],                                          # 31
        ["note", "after", "After the groups"],                                # 32
    ]
    result = import_xlsform(xlsform(survey, CHOICES))
    assert result.rejected == []
    assert skipped_types(result) == {
        3: "geopoint", 4: "calculate", 5: "select_one_from_file villages.csv", 6: "start",
        7: "deviceid", 16: "select_one missing_list", 17: "begin repeat", 18: "text",
        19: "begin repeat", 20: "integer", 21: "end repeat", 22: "end repeat", 26: "text",
        27: "text", 28: "note", 30: "end group", 31: "image"}
    reasons = {s.row: s.reason for s in result.skipped}
    assert "missing_list" in reasons[16]
    assert "repeated section" in reasons[18] and "repeated section" in reasons[22]
    assert "built-in" in reasons[26]
    assert "never started" in reasons[30]
    assert all(s.reason for s in result.skipped)

    assert result.new == ["phone", "people", "ratio", "strict", "agree", "levels",
                               "min_only", "when", "after"]
    questions = by_name(result.definition)
    assert list(questions)[:8] == [q["name"] for q in default_questionnaire()["questions"]]
    assert questions["status"] == default_questionnaire()["questions"][0]  # never replaced

    phone = questions["phone"]
    assert phone["label"] == {"en": "Phone", "ar": "الهاتف", "ckb": "تەلەفۆن"}
    assert phone["hint"] == {"en": "Digits"}
    assert phone["required"] is True and phone["group"] == "main"
    assert (phone["min"], phone["max"], phone["constraint_message"]) == (None, None, {})
    warnings = {(w.sheet, w.row): w.reason for w in result.warnings}
    assert "regex(., '^[0-9]+$')" in warnings[("survey", 8)]
    assert "French (fr)" in warnings[("survey", 1)]

    people = questions["people"]
    assert (people["min"], people["max"], people["required"]) == (0, 100, True)
    assert people["constraint_message"] == {"en": "0 to 100"}
    ratio = questions["ratio"]
    assert (ratio["min"], ratio["max"], ratio["min_exclusive"], ratio["max_exclusive"]) == (
        0, 1, True, True)
    assert ratio["group"] == "inner"
    strict = questions["strict"]
    assert (strict["min"], strict["max"], strict["min_exclusive"]) == (1, 9, False)
    assert questions["min_only"]["min"] == 0 and questions["min_only"]["max"] is None
    assert questions["agree"]["type"] == "select_one" and questions["agree"]["required"]
    assert questions["agree"]["choices"] == [{"name": "yes", "label": {"en": "Yes", "ar": "نعم"}},
                                             {"name": "no", "label": {"en": "No", "ar": "لا"}}]
    assert questions["agree"]["group"] == "main"
    assert [c["name"] for c in questions["levels"]["choices"]] == ["low", "medium", "high"]
    when = questions["when"]
    assert when["not_future"] is True and when["required"] is False
    assert "required" in warnings[("survey", 25)]
    assert questions["after"]["group"] is None
    assert result.definition["groups"] == [
        {"name": "main", "label": {"en": "Main part", "ar": "الجزء الرئيسي"}},
        {"name": "inner", "label": {"en": "Inner"}}]
    assert not any(q["builtin"] for q in result.definition["questions"][8:])


def test_imported_questions_validate():
    survey = [HEADER, ["integer", "people", "People", None, None, None, None, None,
                       ". >= 0 and . <= 100"]]
    definition = import_xlsform(xlsform(survey), base=EMPTY_BASE).definition
    assert validate({"people": "١٠١"}, definition)[1] == {
        "people": "People must be between 0 and 100."}
    assert validate({"people": "١٠٠"}, definition) == ({"people": 100}, {})


def test_reserved_builtin_names_on_an_empty_base():
    survey = [HEADER,
              ["select_one levels", "confidence", "Confidence"],
              ["integer", "status", "Score"],
              ["text", "assessment", "Assessment"]]
    result = import_xlsform(xlsform(survey, CHOICES), base=EMPTY_BASE)
    questions = by_name(result.definition)
    assert questions["confidence"]["builtin"] is True
    assert questions["assessment"]["builtin"] is True
    assert "status" not in questions
    assert [s.field for s in result.skipped] == ["status"]
    assert "reserved" in result.skipped[0].reason


def test_name_clash_with_an_existing_question_is_skipped():
    base = {"questions": [make_question("extra", "text", {"en": "Extra"})], "groups": []}
    survey = [HEADER, ["integer", "extra", "Another"], ["integer", "extra2", "Fine"],
              ["text", "extra2", "Twice in the form"]]
    result = import_xlsform(xlsform(survey), base=base)
    assert [(s.row, s.field) for s in result.skipped] == [(2, "extra"), (4, "extra2")]
    assert "already exists" in result.skipped[0].reason
    assert by_name(result.definition)["extra"]["label"] == {"en": "Extra"}
    assert base["questions"][0]["name"] == "extra" and len(base["questions"]) == 1


def test_unsupported_and_conflicting_constraints_warn_and_import_without_bounds():
    survey = [HEADER]
    expressions = [". > ${other}", ". >= 0 or . <= -5", "string-length(.) < 10",
                   ". > 10 and . < 5", ". != 3", ". >= 1 and"]
    for index, expression in enumerate(expressions):
        survey.append(["integer", f"q{index}", "Q", None, None, None, None, None, expression,
                       "Message that must be dropped"])
    result = import_xlsform(xlsform(survey), base=EMPTY_BASE)
    assert result.new == [f"q{i}" for i in range(len(expressions))]
    assert sorted(w.row for w in result.warnings if w.field) == list(
        range(2, 2 + len(expressions)))
    for question in result.definition["questions"]:
        assert (question["min"], question["max"], question["constraint_message"]) == (
            None, None, {})


# --- import: bad input -------------------------------------------------------------------------


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    b"",
    b"not an excel file at all",
    random.Random(20).randbytes(2048),
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,  # old .xls
    zip_bytes({"hello.txt": b"hi"}),
    zip_bytes({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<broken"}),
    "a string, not bytes",
    None,
], ids=["empty", "text", "random", "old-xls", "zip-not-xlsx", "broken-xlsx", "str", "none"])
def test_garbage_gives_errors_not_exceptions(data):
    base = default_questionnaire()
    result = import_xlsform(data)
    assert result.rejected and all(e.row == 0 and e.reason for e in result.rejected)
    assert result.definition == base
    assert (result.new, result.skipped, result.warnings) == ([], [], [])


def test_truncated_xlsx_gives_an_error():
    data = export_xlsform(default_questionnaire())
    result = import_xlsform(data[: len(data) // 2])
    assert result.rejected and result.new == []


def test_old_xls_gets_a_helpful_message():
    result = import_xlsform(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert ".xlsx" in result.rejected[0].reason and ".xls" in result.rejected[0].reason


def test_zip_bomb_is_refused_before_parsing():
    bomb = zip_bytes({"[Content_Types].xml": b"<Types/>",
                      "xl/worksheets/sheet1.xml": b"\0" * 5_000_000})
    assert len(bomb) < 10_000
    result = import_xlsform(bomb)
    assert result.rejected and "zip bomb" in result.rejected[0].reason


def test_upload_size_limit(app):
    app.config["MONITOR_IMPORT_MAX_MB"] = 0.001
    result = import_xlsform(export_xlsform(default_questionnaire()))
    assert result.rejected and "too large" in result.rejected[0].reason


def test_workbook_without_survey_sheet():
    workbook = openpyxl.Workbook()
    workbook.active.title = "questions"
    workbook.active.append(["type", "name"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = import_xlsform(buffer.getvalue())
    assert result.rejected and "survey" in result.rejected[0].reason


@pytest.mark.parametrize(("header", "column"), [(["name", "label"], "type"),
                                                (["type", "label"], "name"),
                                                ([], "type")])
def test_survey_without_type_or_name_column(header, column):
    result = import_xlsform(xlsform([header, ["text", "x"]]))
    assert result.rejected and f"“{column}”" in result.rejected[0].reason


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(xf, "MAX_SHEET_ROWS", 3)
    survey = [HEADER] + [["text", f"t{i}", "T"] for i in range(5)]
    result = import_xlsform(xlsform(survey))
    assert result.rejected and "too many rows" in result.rejected[0].reason
    assert result.definition == default_questionnaire()


# --- import: real XLSForms ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ucl() -> xf.ImportResult:
    return import_xlsform(shared_data(UCL).read_bytes())


@pytest.fixture(scope="module")
def flat() -> xf.ImportResult:
    return import_xlsform(shared_data(FLAT).read_bytes())


def test_ucl_form_imports_without_errors(ucl):
    assert ucl.rejected == []
    assert ucl.new == ["note2", "note1", "leader_name", "leader_name_other",
                            "leader_number", "plant_phase", "canopy_cover", "monumented",
                            "slope", "note3", "any_trees", "stumps_in_plot",
                            "regen_in_subplot1", "regen_in_subplot2", "disturbance",
                            "remarks"]
    questions = by_name(ucl.definition)
    assert list(questions)[:8] == [q["name"] for q in default_questionnaire()["questions"]]


def test_ucl_form_unsupported_rows_are_listed(ucl):
    skipped = skipped_types(ucl)
    assert {11: "start", 12: "end", 16: "select_one_from_file UCL_regions.csv",
            20: "select_one_from_file ULC_Biomass_Plots.csv", 22: "geopoint", 23: "image",
            26: "calculate", 27: "calculate", 91: "deviceid"}.items() <= skipped.items()
    # Four repeats (one nested): every row from "begin repeat" to its "end repeat".
    for first, last in ((32, 53), (56, 69), (72, 78), (80, 86)):
        assert {r for r in skipped if first <= r <= last} == {
            r for r in range(first, last + 1) if r not in (42, 52)}  # 42, 52 are blank
    assert skipped[46] == "image" and skipped[38] == "decimal"
    assert not set(skipped) & {8, 9, 10, 19, 21, 24, 25, 28, 31, 55, 71, 79, 88, 90}


def test_ucl_form_questions_have_english_labels(ucl):
    questions = by_name(ucl.definition)
    assert questions["canopy_cover"]["label"] == {"en": "Percent Canopy Cover"}
    assert questions["canopy_cover"]["type"] == "integer"
    assert questions["canopy_cover"]["required"] is True
    assert questions["leader_name"]["hint"] == {"en": "Choose One"}
    assert questions["disturbance"]["type"] == "select_multiple"
    assert [(c["name"], c["label"]) for c in questions["disturbance"]["choices"]][:2] == [
        ("burning", {"en": "Burning"}), ("grazing", {"en": "Livestock Grazing"})]
    assert [c["name"] for c in questions["plant_phase"]["choices"]] == [
        str(year) for year in range(2022, 2029)]
    assert questions["remarks"]["required"] is False
    assert questions["slope"]["group"] == "location"
    assert questions["any_trees"]["group"] is None
    assert ucl.definition["groups"][-3:] == [
        {"name": "intro", "label": {"en": "Introduction"}},
        {"name": "info", "label": {"en": "Enumerator Details."}},
        {"name": "location", "label": {"en": "Location"}}]
    # Swahili is reported once for the workbook and never imported.
    for question in ucl.definition["questions"][8:]:
        assert set(question["label"]) == {"en"}
    languages = [w for w in ucl.warnings if "were not imported" in w.reason]
    assert len(languages) == 1 and "Swahili (sw)" in languages[0].reason


def test_ucl_form_constraints(ucl):
    """The form's numeric constraints all compare with other answers (``. < ${...}``) and
    sit inside repeats; the only constraint outside is a regex: imported without it."""
    questions = by_name(ucl.definition)
    warnings = {w.row: w for w in ucl.warnings if w.sheet == "survey"}
    assert warnings[10].field == "leader_number" and "regex(" in warnings[10].reason
    assert questions["leader_number"]["min"] is None
    assert questions["leader_number"]["constraint_message"] == {}
    # "${leader_name} = ‘other’" (typographic quotes, as typed in a spreadsheet) on a
    # select answer: honoured, not reported
    assert 9 not in warnings
    assert questions["leader_name_other"]["relevant"] == {
        "question": "leader_name", "op": "=", "value": "other"}


def test_flat_form_imports_without_errors(flat):
    assert flat.rejected == []
    assert len(flat.new) == 31
    assert "display_image_test" not in flat.new  # a note with only an image


def test_flat_form_unsupported_rows_are_listed(flat):
    assert skipped_types(flat) == {
        10: "note", 30: "acknowledge", 32: "time", 33: "datetime", 34: "geopoint",
        35: "barcode", 36: "image", 37: "audio", 38: "video", 40: "calculate",
        42: "start", 44: "end", 46: "today", 48: "deviceid", 50: "uri:deviceid",
        52: "simserial", 54: "phonenumber"}
    assert {s.field for s in flat.skipped if s.row == 36} == {"image_test"}


def test_flat_form_questions_have_english_labels(flat):
    questions = by_name(flat.definition)
    assert questions["address"]["label"] == {"en": "Enter an address"}  # Chinese ignored
    assert questions["table_list_question"]["hint"] == {"en": "hint"}
    assert questions["select_multiple_test"]["choices"] == [
        {"name": "yes", "label": {"en": "Yes"}}, {"name": "no", "label": {"en": "No"}}]
    assert questions["required_text"]["required"] is True
    assert questions["required_text"]["group"] == "group_test"
    assert questions["list-nolabel-test"]["required"] is True  # a TRUE cell
    assert questions["my_name"]["group"] == "everything"
    assert questions["launch"]["group"] is None and questions["launch"]["type"] == "integer"
    assert questions["date_test"]["type"] == "date"
    assert questions["a_integer"]["type"] == "integer"
    assert any("chinese" in w.reason for w in flat.warnings if w.row == 1)


def test_flat_form_constraints(flat):
    """Its numeric constraint depends on another answer (``. <= ${a_integer}``): not a fixed
    bound, so it is not turned into min/max but reported."""
    questions = by_name(flat.definition)
    assert (questions["a_decimal"]["min"], questions["a_decimal"]["max"]) == (None, None)
    warned = {w.row: w.field for w in flat.warnings if w.sheet == "survey"}
    assert warned[14] == "a_decimal" and warned[18] == "select_multiple_test"


def test_real_forms_export_and_import_again(flat):
    again = import_xlsform(export_xlsform(flat.definition), base=EMPTY_BASE)
    assert again.rejected == [] and again.skipped == []
    assert again.definition == flat.definition
