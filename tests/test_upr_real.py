"""Real UPR documents as coordinators get them (../shared/data/upr-real, never copied here):
the UN report pasted from its PDF and as a numbered list, OHCHR's thematic list (.docx),
UPR Info's export; several States, partial support, cycles. The figures each test asserts
are the ones reported for the issue (rows read, new/updated/unchanged/rejected, States per
recommendation, responses by kind)."""
from __future__ import annotations

import csv
import io
import re
from collections import Counter

import factories as make
import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from support import shared_data

from monitor.extensions import db
from monitor.models import Plan, Recommendation
from monitor.services.catalogue import exporting, importing
from monitor.services.catalogue.upr_formats import parse_recommendations

REAL = "upr-real/"
SLOVENIA_DOCX = REAL + "slovenia-cycle3-ohchr-thematic-list.docx"
SLOVENIA_PDF = REAL + "slovenia-cycle3-A-HRC-43-15-pdf-paste.txt"
SLOVENIA_LIST = REAL + "slovenia-cycle3-A-HRC-43-15-numbered.txt"
IRAQ_PDF = REAL + "iraq-cycle1-A-HRC-14-14-pdf-paste.txt"
IRAQ_LIST = REAL + "iraq-cycle1-A-HRC-14-14-numbered.txt"
IRAQ_UPR_INFO = REAL + "upr-info-export-iraq-session07.csv"


@pytest.fixture(autouse=True)
def english(app):  # noqa: ANN001, ANN201
    with force_locale("en"):
        yield


def parse(name: str):  # noqa: ANN201
    return parse_recommendations(shared_data(name).read_bytes(), name.split("/")[-1])


def do_import(plan: Plan, name: str) -> importing.ImportPreview:
    return make.imported(plan, shared_data(name).read_bytes(), name.split("/")[-1])


def recs(plan: Plan) -> list[Recommendation]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Recommendation).where(
        Recommendation.plan_id == plan.id).order_by(Recommendation.sort_key)).all()


def states_per_recommendation(rows) -> Counter:  # noqa: ANN001
    return Counter(len(r.state_codes) for r in rows)


# --- findings 1 and 2: several States; a trailing dot after the code -----------------------

def test_co_sponsored_and_merged_recommendations_keep_every_state_in_order():
    result = parse(SLOVENIA_LIST)
    assert (result.format, len(result.rows), result.rejected) == ("numbered_list", 215, [])
    assert states_per_recommendation(result.rows) == {1: 209, 2: 4, 3: 2}
    by_code = {r.code: r for r in result.rows}
    assert (by_code["121.1"].recommending_state, by_code["121.1"].state_codes) == (
        "France; Lithuania", ["FR", "LT"])
    assert by_code["121.1"].text_en.endswith("Enforced Disappearance")
    # merged under one code: both States, the text keeps its two sentences
    merged = by_code["121.2"]
    assert merged.recommending_state == "Ukraine; Slovakia"
    assert "Disappearance; Increase efforts" in merged.text_en and "(" not in merged.text_en
    # a bracket that is part of the text stays in it
    assert by_code["121.3"].text_en.endswith("Forced Labour Convention, 1930 (No. 29)")
    assert by_code["121.3"].state_codes == ["GB"]
    assert all("(" not in r.text_en[-3:] for r in result.rows)


def test_a_trailing_dot_after_the_code_is_read_and_dropped():
    data = ("118.6. Ratify the Convention (Chile); (Estonia); (Slovenia);\n"
            "166.6. Consider ratifying (France) (Lithuania).\n").encode()
    result = parse_recommendations(data, "list.txt")
    assert [(r.code, r.recommending_state) for r in result.rows] == [
        ("118.6", "Chile; Estonia; Slovenia"), ("166.6", "France; Lithuania")]


# --- finding 3: text pasted from the report's PDF ------------------------------------------

def test_slovenias_report_pasted_from_its_pdf_gives_the_numbered_lists_recommendations():
    pasted, listed = parse(SLOVENIA_PDF), parse(SLOVENIA_LIST)
    assert (pasted.format, len(pasted.rows), pasted.rejected, pasted.warnings) == (
        "pdf_text", 215, [], [])
    # paragraph 121 comes before the lead-in "122. The following recommendations will be
    # examined": supported; 122 has no response yet
    assert Counter(r.response for r in pasted.rows) == {"supported": 58, None: 157}
    assert states_per_recommendation(pasted.rows) == {1: 209, 2: 4, 3: 2}
    assert [r.code for r in pasted.rows] == [r.code for r in listed.rows]
    assert [r.key for r in pasted.rows] == [r.key for r in listed.rows]
    # "(Iraq);" printed before its text by the PDF's justification is put back at the end
    assert next(r for r in pasted.rows if r.code == "122.45").text_en == (
        "Undertake awareness-raising campaigns to combat hate speech")


def test_iraqs_first_cycle_report_pasted_from_its_pdf_is_numbered_81_1_and_leftovers_reported():
    pasted, listed = parse(IRAQ_PDF), parse(IRAQ_LIST)
    assert (pasted.format, len(pasted.rows), pasted.rejected) == ("pdf_text", 176, [])
    assert [r.code for r in pasted.rows] == [r.code for r in listed.rows]
    assert pasted.rows[0].code == "81.1" and pasted.rows[-1].code == "83.27"
    # 81: supported (before the first lead-in), 82: "will be examined", 83: "did not enjoy"
    assert Counter(r.response for r in pasted.rows) == {"supported": 135, None: 14,
                                                         "noted": 27}
    # Libyan Arab Jamahiriya is Libya today
    assert next(r for r in pasted.rows if r.code == "81.8").state_codes == ["LY"]
    # words the PDF's justification moved off their line: reported by line, not imported
    assert [(w.row, w.reason.split("“")[1].split("”")[0]) for w in pasted.warnings] == [
        (21, "legislation"), (23, "with"), (25, "the"), (27, "accepted")]
    different = [r.code for r, other in zip(pasted.rows, listed.rows, strict=True)
                 if r.key != other.key]
    assert different == ["81.5"]  # the sentence whose words were moved


# --- findings 4 and 5: OHCHR's thematic list; partial support ------------------------------

def test_ohchrs_thematic_list_keeps_positions_themes_sdgs_and_affected_persons():
    result = parse(SLOVENIA_DOCX)
    assert (result.format, len(result.rows), result.rejected) == ("ohchr_matrix", 215, [])
    assert Counter(r.response for r in result.rows) == {"supported": 182, "noted": 33}
    assert states_per_recommendation(result.rows) == {1: 209, 2: 4, 3: 2}
    first = result.rows[0]
    assert (first.code, first.recommending_state, first.document) == (
        "121.1", "France; Lithuania", "A/HRC/43/15")
    assert first.themes == ["Acceptance of international norms", "Enforced disappearances"]
    assert first.sdgs == ["16 - PEACE, JUSTICE AND STRONG INSTITUTIONS"]
    assert first.affected_persons == ["Disappeared persons"]
    # the section's theme comes first: 42 sections
    assert len({r.themes[0] for r in result.rows}) == 42


def test_positions_as_ohchr_and_the_template_write_them():
    rows = [["code", "text_en", "recommending_state", "response"],
            ["1.1", "A", "Chile", "Supported/Noted"], ["1.2", "B", "Peru", "partially supported"],
            ["1.3", "C", "Peru", "Noted"], ["1.4", "D", "Peru", "partially_supported"]]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    result = parse_recommendations(out.getvalue().encode(), "t.csv")
    assert [r.response for r in result.rows] == [
        "partially_supported", "partially_supported", "noted", "partially_supported"]


# --- done when: three documents into one plan, then a fixed point --------------------------

def test_slovenias_thematic_list_then_its_pdf_then_its_list_give_215_recommendations(app):
    plan = make.plan(files=0)
    first = do_import(plan, SLOVENIA_DOCX)
    assert first.counts() == {"new": 215, "updated": 0, "unchanged": 0, "rejected": 0,
                              "skipped": 0}
    second = do_import(plan, SLOVENIA_PDF)
    assert second.counts()["new"] == 0 and second.counts()["rejected"] == 0
    third = do_import(plan, SLOVENIA_LIST)
    assert third.counts()["new"] == 0 and third.counts()["rejected"] == 0
    stored = recs(plan)
    assert len(stored) == 215 and len({r.code for r in stored}) == 215
    assert Counter(len(r.state_codes) for r in stored) == {1: 209, 2: 4, 3: 2}
    # the PDF's "will be examined" kept OHCHR's positions
    assert Counter(r.response for r in stored) == {"supported": 182, "noted": 33}
    assert all(r.themes and r.document.startswith("A/HRC/43/15") for r in stored)
    for name in (SLOVENIA_LIST, SLOVENIA_PDF, SLOVENIA_DOCX):
        again = importing.preview_import(db.session, plan, shared_data(name).read_bytes(),
                                         name)
        assert again.counts() == {"new": 0, "updated": 0, "unchanged": 215, "rejected": 0,
                                  "skipped": 0}, name


# --- finding 6: the same recommendation from two sources -----------------------------------

def test_upr_infos_export_matches_the_uns_report_across_their_edits(app):
    plan = make.plan(files=0)
    listed = do_import(plan, IRAQ_LIST)
    assert listed.counts()["new"] == 176
    exported = importing.preview_import(db.session, plan,
                                        shared_data(IRAQ_UPR_INFO).read_bytes(), "u.csv")
    counts = exported.counts()
    # "Bosnia & Herzegovina", "Libya" / "Libyan Arab Jamahiriya", "United Kingdom" and
    # UPR Info's edits of the text ("62-149", brackets dropped) match
    assert counts["rejected"] == 0
    assert counts["new"] <= 3, [i.row.text_en for i in exported.new]
    assert counts["updated"] + counts["unchanged"] >= 176
    importing.apply_import(db.session, plan, exported)
    db.session.commit()
    # The PDF text leaves the words its justification moved off 81.5's line: it does not
    # replace the stored text, so every source then finds everything unchanged.
    pasted = do_import(plan, IRAQ_PDF)
    assert pasted.counts()["unchanged"] == 176
    for name in (IRAQ_UPR_INFO, IRAQ_LIST, IRAQ_PDF):
        again = importing.preview_import(db.session, plan, shared_data(name).read_bytes(),
                                         name.split("/")[-1])
        assert (again.counts()["new"], again.counts()["updated"],
                again.counts()["rejected"]) == (0, 0, 0), name


# --- done when: export and import back -----------------------------------------------------

def test_the_export_writes_states_responses_and_themes_and_reads_back_unchanged(app):
    plan = make.plan(files=0)
    do_import(plan, SLOVENIA_DOCX)
    data = exporting.export_catalogue(db.session, plan, "csv")
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    row = next(r for r in table if r["code"] == "121.1")
    assert row["recommending_state"] == "France; Lithuania"
    assert row["response"] == "supported"
    assert row["themes"] == "Acceptance of international norms; Enforced disappearances"
    assert row["sdgs"] == "16 - PEACE, JUSTICE AND STRONG INSTITUTIONS"
    uk = next(r for r in table if r["code"] == "121.3")
    assert uk["recommending_state"] == "United Kingdom of Great Britain and Northern Ireland"
    back = importing.preview_import(db.session, plan, data, "export.csv")
    assert back.counts() == {"new": 0, "updated": 0, "unchanged": 215, "rejected": 0,
                             "skipped": 0}


def test_possible_matches_are_named_in_the_preview_and_matched_once_confirmed(app):
    plan = make.plan(files=0)
    do_import(plan, IRAQ_LIST)
    data = shared_data(IRAQ_UPR_INFO).read_bytes()
    preview = importing.preview_import(db.session, plan, data, "u.csv")
    # UPR Info split 82.2 and 82.3 (several treaties under one code) into rows of their own
    assert sorted(item.possible_code for item in preview.possible_matches) == [
        "82.2", "82.3", "82.3"]
    confirmed = importing.preview_import(db.session, plan, data, "u.csv", confirmed=True)
    assert confirmed.counts()["new"] == 0 and confirmed.counts()["rejected"] == 0
    importing.apply_import(db.session, plan, confirmed)
    db.session.commit()
    assert len(recs(plan)) == 176
    again = importing.preview_import(db.session, plan, data, "u.csv", confirmed=True)
    assert (again.counts()["new"], again.counts()["updated"]) == (0, 0)


# --- done when: States in Arabic and Sorani pages ------------------------------------------

def test_arabic_and_sorani_pages_show_the_recommending_states_in_their_language(app, client):
    from support import login

    plan = make.plan(files=0, slug="slovenia")
    user = make.coordinator(plan.body)
    db.session.commit()
    do_import(plan, SLOVENIA_LIST)
    login(client, user.email)
    pages = {lang: client.get(f"/plans/slovenia/recommendations?lang={lang}&words=121.1")
             .get_data(as_text=True) for lang in ("ar", "ckb", "en")}
    assert "فرنسا؛ ليتوانيا" in pages["ar"]
    assert "فەڕەنسا؛ لیتوانایا" in pages["ckb"]
    assert "France; Lithuania" in pages["en"]
    for lang in ("ar", "ckb"):  # what the page shows (the filter's values stay the names)
        shown = re.sub(r'value="[^"]*"', "", pages[lang])
        assert "France" not in shown and "Lithuania" not in shown


# --- done when: a deployment from nothing --------------------------------------------------

def test_a_deployment_from_nothing_to_a_plan_with_files_made_from_themes(app, runner):
    from monitor.models import GoverningBody, RecommendationFile, User

    def run(*args: str, stdin: str | None = None) -> str:
        result = runner.invoke(args=list(args), input=stdin)
        assert result.exit_code == 0, result.output
        return result.output

    run("body", "create", "--slug", "si-office", "--name-en", "Office for Human Rights",
        "--name-ar", "مكتب حقوق الإنسان")
    run("plan", "create", "--body", "si-office", "--slug", "cycle-3", "--title-en",
        "Third cycle", "--cycle", "3")
    run("create-coordinator", "someone@gov.example", "--body", "si-office",
        stdin="a long passphrase\na long passphrase\n")
    docx = str(shared_data(SLOVENIA_DOCX))
    out = run("catalogue", "import", "--plan", "cycle-3", "--yes", docx)
    assert "New: 215" in out
    out = run("catalogue", "import", "--plan", "cycle-3", "--yes", docx)
    assert "Nothing to change" in out
    out = run("catalogue", "files-from-themes", "--plan", "cycle-3", "--yes")
    assert "Files: 42; recommendations assigned: 215." in out
    assert "Nothing to do" in run("catalogue", "files-from-themes", "--plan", "cycle-3")
    plan = db.session.scalar(sa.select(Plan).where(Plan.slug == "cycle-3"))
    body = db.session.scalar(sa.select(GoverningBody).where(GoverningBody.slug == "si-office"))
    assert plan.body_id == body.id and plan.default_cycle == "3"
    assert db.session.scalar(sa.select(User).where(User.body_id == body.id)).role == \
        "coordinator"
    files = db.session.scalars(sa.select(RecommendationFile).where(
        RecommendationFile.plan_id == plan.id)).all()
    assert len(files) == 42
    stored = recs(plan)
    assert all(r.file_id and r.cycle == "3" for r in stored)
    norms = next(f for f in files if f.title_en == "Acceptance of international norms")
    assert sum(r.file_id == norms.id for r in stored) == 14
    # a second body with the same short name is refused, nothing changes
    result = runner.invoke(args=["body", "create", "--slug", "si-office", "--name-en", "x"])
    assert result.exit_code == 1 and "already uses the short name si-office" in result.output


def test_the_coordinator_makes_files_from_themes_in_the_web_after_a_preview(app, client):
    from support import login, post_form

    plan = make.plan(files=0, slug="slovenia")
    user = make.coordinator(plan.body)
    db.session.commit()
    do_import(plan, SLOVENIA_DOCX)
    login(client, user.email)
    page = client.get("/plans/slovenia/files-from-themes?lang=en").get_data(as_text=True)
    assert "Acceptance of international norms" in page and "new file" in page
    assert all(r.file_id is None for r in recs(plan))  # a preview changes nothing
    response = post_form(client, "/plans/slovenia/files-from-themes", {},
                         page="/plans/slovenia/files-from-themes")
    assert response.status_code == 302
    assert all(r.file_id for r in recs(plan))
    assert client.post("/plans/slovenia/files-from-themes").status_code == 400  # no CSRF


# --- findings 7 and 8: a researcher's variant of UPR Info's export; encodings; .xls --------

VARIANT = [["To", "To-Rgrp", "To-Org", "Text", "From", "From-Rgrp", "From-Org", "Response",
            "Action", "Issue", "Session"],
           ["Iraq", "Asia", "", "Ensure the rights of migrants (and minorities)",
            "Bosnia & Herzegovina", "EEG", "", "Accepted", "4", "Migrants", "7"],
           ["Iraq", "Asia", "", "Consider ratifying the Convention — donât forget",
            "Côte d’Ivoire", "Africa", "", "Noted", "5", "", "7"],
           ["Chile", "GRULAC", "", "Other", "Peru", "", "", "Noted", "", "", "7"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "mac_roman"])
def test_a_researchers_variant_of_upr_infos_export_is_recognised_in_any_encoding(encoding):
    text = "\r".join(",".join(f'"{cell}"' for cell in row) for row in VARIANT)  # CR line ends
    if encoding == "mac_roman":
        text = text.replace("—", "-").replace("â", "a")
    result = parse_recommendations(text.encode(encoding), "variant.csv")
    assert (result.format, len(result.skipped)) == ("upr_info", 1)
    assert [(r.recommending_state, r.state_codes, r.response) for r in result.rows] == [
        ("Bosnia and Herzegovina", ["BA"], "supported"), ("Côte d'Ivoire", ["CI"], "noted")]
    assert result.rows[1].text_en.startswith("Consider ratifying")


def test_arabic_text_in_windows_1256_is_still_read_as_arabic():
    data = "code,text_en,recommending_state,response,text_ar\n1.1,Do,Chile,noted,صادق\n"
    result = parse_recommendations(data.encode("cp1256"), "t.csv")
    assert result.encoding == "cp1256" and result.rows[0].text_ar == "صادق"


def test_an_unknown_header_says_which_formats_were_tried_and_what_it_looked_like():
    from monitor.services.tabular import TabularError

    with pytest.raises(TabularError) as info:
        parse_recommendations(b"Country,Paragraph,Wording\nChile,1,x\n", "x.csv")
    message = info.value.message
    assert "Country, Paragraph, Wording" in message
    assert "UPR Info" in message and "numbered list" in message and "OHCHR" in message


def test_upr_infos_export_as_an_xls_workbook_is_read():
    xlwt = pytest.importorskip("xlwt", reason="xlwt writes the .xls workbook of this test")
    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1")
    header = ["SuR", "Rgrp", "Org", "Recommendation", "RS", "Rgrp", "Org", "Response",
              "Action", "Issue", "Session"]
    rows = [header, ["Iraq", "Asia", "", "Abolish the death penalty", "Germany", "WEOG", "",
                     "Noted", 5, "Death penalty", 7],
            ["Jordan", "Asia", "", "Other", "France", "", "", "Accepted", 4, "", 7]]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    result = parse_recommendations(out.getvalue(), "export.xls")
    assert (result.format, len(result.skipped), len(result.rows)) == ("upr_info", 1, 1)
    assert (result.rows[0].text_en, result.rows[0].session, result.rows[0].cycle) == (
        "Abolish the death penalty", "7", "1")


# --- finding 9: the report's Arabic edition ------------------------------------------------

def test_the_arabic_edition_fills_the_arabic_text_by_code_and_changes_nothing_else(app):
    plan = make.plan(files=0)
    do_import(plan, SLOVENIA_DOCX)
    before = {r.code: (r.text_en, r.recommending_states, r.response, r.themes)
              for r in recs(plan)}
    arabic = ("١٢١-١ التصديق على الاتفاقية الدولية لحماية جميع الأشخاص من الاختفاء القسري "
              "(فرنسا) (ليتوانيا)؛\n"
              "121.2 إكمال عملية التصديق على الاتفاقية (أوكرانيا)؛ وزيادة الجهود (سلوفاكيا)؛\n")
    preview = importing.preview_import(db.session, plan, arabic.encode(), "ar.txt")
    assert preview.counts() == {"new": 0, "updated": 2, "unchanged": 0, "rejected": 0,
                                "skipped": 0}
    assert {f for item in preview.updated for f in item.fields} == {"text_ar"}
    importing.apply_import(db.session, plan, preview)
    db.session.commit()
    stored = {r.code: r for r in recs(plan)}
    assert stored["121.1"].text_ar.startswith("التصديق على الاتفاقية")
    assert {r.code: (r.text_en, r.recommending_states, r.response, r.themes)
            for r in stored.values()} == before
    unknown = "99.1 توصية (فرنسا)؛\n".encode()
    refused = importing.preview_import(db.session, plan, unknown, "ar.txt")
    assert [r.reason for r in refused.rejected] == [
        "Row 1: no recommendation of this plan has the code 99.1."]


def _docx(header: list[str], rows: list[list[str]]) -> bytes:
    import docx

    document = docx.Document()
    table = document.add_table(rows=0, cols=len(header))
    for cells in [header, *rows]:
        row = table.add_row()
        for index, text in enumerate(cells):
            row.cells[index].text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_second_cycle_ohchr_matrix_with_its_own_columns_and_partial_support():
    header = ["Recommendation", "Recommending state/s", "Position",
              "Full list of rights/affected persons"]
    rows = [["Right or area: 2.1. Acceptance of international norms"] * 4,
            ["166.6. Ratify OP-CAT (Chile); (Estonia); (Slovenia);", "Chile; Estonia; Slovenia",
             "Supported/Noted", "- Acceptance of international norms\nAffected persons:\n- women"],
            ["166.7. Consider ratifying ICPPED;", "Libyan Arab Jamahiriya", "Noted", ""]]
    result = parse_recommendations(_docx(header, rows), "matrix.docx")
    assert (result.format, result.rejected) == ("ohchr_matrix", [])
    first, second = result.rows
    assert (first.code, first.text_en, first.recommending_state, first.response) == (
        "166.6", "Ratify OP-CAT", "Chile; Estonia; Slovenia", "partially_supported")
    assert first.themes == ["Acceptance of international norms"]
    assert first.affected_persons == ["women"]
    assert (second.code, second.recommending_state, second.state_codes, second.response) == (
        "166.7", "Libya", ["LY"], "noted")


def test_a_fourth_cycle_thematic_list_with_sdgs_in_their_own_column():
    header = ["Recommendation and recommending State", "Position of the State under review",
              "Human rights themes and groups of persons", "Relevant SDGs"]
    rows = [["Theme: Right to education"] * 4,
            ["45.12 Ensure inclusive education (Bosnia & Herzegovina) (Viet Nam);", "Supported",
             "- Right to education\n- Children", "- 4 - QUALITY EDUCATION"]]
    (row,) = parse_recommendations(_docx(header, rows), "list.docx").rows
    assert (row.recommending_state, row.state_codes) == ("Bosnia and Herzegovina; Viet Nam",
                                                         ["BA", "VN"])
    assert row.themes == ["Right to education", "Children"]
    assert row.sdgs == ["4 - QUALITY EDUCATION"]


def test_a_pasted_section_with_its_heading_and_lead_ins_of_the_second_cycle():
    text = ("II. Conclusions and/or recommendations\n"
            "124. The recommendations formulated during the interactive dialogue/listed "
            "below have been\nexamined by Iraq and enjoy the support of Iraq:\n"
            "124.1\nRatify the Optional Protocol (Chile)12;\n"
            "124.2 Continue its efforts to ensure well-\nbeing of children (Sudan);\n"
            "A/HRC/28/14\n7\nGE.15-00512\n"
            "125. The following recommendations did not enjoy the support of Iraq and are\n"
            "thus noted:\n125.1.\nAbolish the death penalty (France) (Germany);\n")
    result = parse_recommendations(text.encode(), "section.txt")
    assert result.format == "pdf_text" and result.rejected == []
    assert [(r.code, r.text_en, r.recommending_state, r.response) for r in result.rows] == [
        ("124.1", "Ratify the Optional Protocol", "Chile", "supported"),
        ("124.2", "Continue its efforts to ensure well-being of children", "Sudan",
         "supported"),
        ("125.1", "Abolish the death penalty", "France; Germany", "noted")]
    assert [w.row for w in result.warnings] == [1]  # the heading, reported
