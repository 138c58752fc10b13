"""Importing the catalogue: the real UPR files, the three formats, matching and updates,
bad input, the CLI and the web upload with its preview."""
from __future__ import annotations

import html
import io
import re
from collections import Counter
from pathlib import Path

import factories as make
import openpyxl
import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from support import (
    csrf_from,
    csv_bytes,
    login,
    post_form,
    row_counts,
    shared_data,
    table_snapshot,
)
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from monitor.extensions import db
from monitor.models import AuditEvent, Plan, Recommendation
from monitor.services import imports
from monitor.services.catalogue import exporting, importing
from monitor.services.catalogue import records as service
from monitor.services.catalogue.records import CatalogueError
from monitor.services.catalogue.upr_formats import TEMPLATE_HEADER
from monitor.services.tabular import read_table

TEMPLATE_FILE = "upr-iraq-cycle2-A-HRC-28-14.csv"
UPR_INFO_FILE = "upr-info-export-iraq-session20.csv"
HEADER7 = TEMPLATE_HEADER[:7]


@pytest.fixture(autouse=True)
def english(app):  # noqa: ANN001, ANN201
    with force_locale("en"):
        yield


def empty_plan(**kwargs) -> Plan:  # noqa: ANN003
    return make.plan(files=0, **kwargs)


def recs(plan: Plan) -> list[Recommendation]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Recommendation).where(
        Recommendation.plan_id == plan.id).order_by(Recommendation.sort_key)).all()


def do_import(plan: Plan, data: bytes, name: str = "file.csv") -> importing.ImportPreview:
    preview = importing.preview_import(db.session, plan, data, name)
    importing.apply_import(db.session, plan, preview)
    db.session.commit()
    return preview


def numbered_list_from_template() -> bytes:
    table = read_table(shared_data(TEMPLATE_FILE).read_bytes(), "t.csv")
    lines = [f"{cells[0]} {cells[1]} ({cells[2]});" for _, cells in table.rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- the real files --------------------------------------------------------------------------


def test_importing_the_un_report_in_the_template_format_gives_241_recommendations(app):
    plan = empty_plan()
    data = shared_data(TEMPLATE_FILE).read_bytes()
    preview = importing.preview_import(db.session, plan, data, TEMPLATE_FILE)
    assert preview.format == "template" and preview.ok
    assert preview.counts() == {"new": 241, "updated": 0, "unchanged": 0, "rejected": 0,
                                "skipped": 0}
    assert recs(plan) == []  # a preview writes nothing

    importing.apply_import(db.session, plan, preview)
    db.session.commit()
    stored = recs(plan)
    assert len(stored) == 241
    assert Counter(r.response for r in stored) == {"supported": 175, "noted": 66}
    venezuela = next(r for r in stored if r.code == "127.61")
    assert venezuela.recommending_states == "Venezuela (Bolivarian Republic of)"
    assert venezuela.document == "A/HRC/28/14" and venezuela.cycle == "2"
    # natural order: 127.9 before 127.10, 127.27 before 127.27.1 before 127.28
    codes = [r.code for r in stored]
    assert codes.index("127.9") < codes.index("127.10")
    assert codes.index("127.27") < codes.index("127.27.1") < codes.index("127.28")
    assert next(r for r in stored if r.code == "127.27.1").sort_key == "00127.00027.00001"
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "catalogue.imported"))
    assert event.plan_id == plan.id and event.after["new"] == 241

    again = importing.preview_import(db.session, plan, data, TEMPLATE_FILE)
    assert again.counts() == {"new": 0, "updated": 0, "unchanged": 241, "rejected": 0,
                              "skipped": 0}


def test_importing_upr_infos_export_gives_242_rows_matched_by_text_and_state(app):
    plan = empty_plan()
    data = shared_data(UPR_INFO_FILE).read_bytes()
    preview = do_import(plan, data, UPR_INFO_FILE)
    assert preview.format == "upr_info"
    assert preview.counts() == {"new": 242, "updated": 0, "unchanged": 0, "rejected": 0,
                                "skipped": 0}
    stored = recs(plan)
    assert Counter(r.response for r in stored) == {"supported": 175, "noted": 67}
    assert all(r.code is None and r.match_key and len(r.match_key) == 64 for r in stored)
    second = next(r for r in stored if r.recommending_states == "Uzbekistan")
    assert second.themes == "Death penalty; International instruments"
    assert second.sort_key.startswith("~consider the possibility")

    again = importing.preview_import(db.session, plan, data, UPR_INFO_FILE)
    assert again.counts()["unchanged"] == 242 and not again.has_changes


def test_upr_info_rows_for_other_states_under_review_are_skipped_and_counted(app):
    plan = empty_plan()
    table = read_table(shared_data(UPR_INFO_FILE).read_bytes(), "u.csv")
    rows = [table.header] + [cells for _, cells in table.rows]
    rows[1][0] = rows[2][0] = "Jordan"
    preview = importing.preview_import(db.session, plan, csv_bytes(rows), "u.csv")
    assert preview.counts()["new"] == 240 and len(preview.skipped) == 2
    assert "Jordan (2)" in preview.skipped_reason


def test_upr_info_after_the_template_adds_themes_instead_of_duplicating(app):
    plan = empty_plan()
    do_import(plan, shared_data(TEMPLATE_FILE).read_bytes())
    preview = importing.preview_import(db.session, plan, shared_data(UPR_INFO_FILE).read_bytes(),
                                     "u.csv")
    # 241 rows match on the text key and State: 11 only through the State's UN name
    # ("United States" is "United States of America"), 9 only by leaving aside the
    # punctuation the sources disagree on (the UN's `honour"` for `"honour"`), Paraguay's
    # "Ratify the Optional Protocol to CAT" as the start of the template's text; Togo's,
    # the same joint recommendation, is by another State in the template.
    assert preview.counts()["updated"] + preview.counts()["unchanged"] == 241
    assert preview.counts()["new"] == 1
    assert {f for item in preview.updated for f in item.fields} <= {"themes"}
    assert all(item.code for item in preview.updated)  # matched to coded recommendations


def test_the_numbered_list_imports_with_response_unknown_and_keeps_known_responses(app):
    data = numbered_list_from_template()
    fresh = empty_plan()
    preview = do_import(fresh, data, "list.txt")
    assert preview.format == "numbered_list"
    assert preview.counts()["new"] == 241
    assert all(r.response is None for r in recs(fresh))

    plan = empty_plan()
    do_import(plan, shared_data(TEMPLATE_FILE).read_bytes())
    again = importing.preview_import(db.session, plan, data, "list.txt")
    # 127.19, "Ratify the Optional Protocol to CAT (Togo)," by Paraguay in the template, is
    # read from the list as the joint recommendation it is: by Togo and Paraguay.
    assert again.counts() == {"new": 0, "updated": 1, "unchanged": 240, "rejected": 0,
                              "skipped": 0}
    (item,) = again.updated
    assert item.code == "127.19" and item.changes["recommending_states"] == (
        "Paraguay", "Togo; Paraguay")
    assert Counter(r.response for r in recs(plan)) == {"supported": 175, "noted": 66}


def test_a_numbered_list_line_with_a_state_in_parentheses_is_read(app):
    plan = empty_plan()
    data = ("127.1 Ratify the Convention (Chile);\n"
            "127.27.1 Continue the plan (Venezuela (Bolivarian Republic of));\n").encode()
    do_import(plan, data, "list.txt")
    assert [(r.code, r.recommending_states) for r in recs(plan)] == [
        ("127.1", "Chile"), ("127.27.1", "Venezuela (Bolivarian Republic of)")]


# --- matching and updates --------------------------------------------------------------------

BASE = [HEADER7 + ["text_ar"],
        ["127.1", "Ratify CAT", "Chile", "supported", "2", "20", "A/HRC/28/14", "صادِق"],
        ["127.2", "Ratify CED", "Peru", "noted", "2", "20", "A/HRC/28/14", ""],
        ["127.10", "Protect journalists", "France", "supported", "2", "20", "A/HRC/28/14", ""]]


def test_an_edited_file_updates_only_what_changed(app):
    plan = empty_plan()
    do_import(plan, csv_bytes(BASE))
    edited = [list(row) for row in BASE]
    edited[1][7] = ""  # an empty Arabic cell erases nothing
    edited[2][3] = "supported"
    edited[3][1] = "Protect journalists and bloggers"
    preview = importing.preview_import(db.session, plan, csv_bytes(edited), "edited.csv")
    assert preview.counts()["updated"] == 2 and preview.counts()["unchanged"] == 1
    assert {item.code: item.fields for item in preview.updated} == {
        "127.2": ["response"], "127.10": ["text_en"]}
    importing.apply_import(db.session, plan, preview)
    db.session.commit()
    by_code = {r.code: r for r in recs(plan)}
    assert by_code["127.1"].text_ar == "صادِق"
    assert by_code["127.2"].response == "supported"
    assert by_code["127.10"].text_en == "Protect journalists and bloggers"
    assert by_code["127.10"].match_key == service.compute_match_key(
        "Protect journalists and bloggers", "France")


def test_a_template_row_gives_its_code_to_a_recommendation_imported_without_one(app):
    plan = empty_plan()
    upr_info = csv_bytes([
        ["SuR", "Rgrp", "Org", "Recommendation", "RS", "Rgrp", "Org", "Response", "Action",
         "Issue", "Session"],
        ["Iraq", "Asia", "", "Ratify CAT", "Chile", "GRULAC", "", "Accepted", "3", "Torture",
         "20"]])
    do_import(plan, upr_info)
    preview = do_import(plan, csv_bytes(BASE[:2]))
    assert preview.counts()["new"] == 0
    assert preview.updated[0].fields == ["code", "text_ar", "document"]
    (rec,) = recs(plan)
    assert rec.code == "127.1" and rec.themes == "Torture" and rec.sort_key == "00127.00001"


def test_the_file_column_assigns_by_title_in_any_language(app):
    plan = empty_plan()
    health = service.create_file(db.session, plan, title_en="Health", title_ar="الصحة")
    justice = service.create_file(db.session, plan, title_en="Justice", title_ckb="دادپەروەری")
    db.session.commit()
    rows = [HEADER7 + ["file"],
            ["127.1", "Ratify CAT", "Chile", "supported", "", "", "", "  الصحة "],
            ["127.2", "Ratify CED", "Peru", "noted", "", "", "", "JUSTICE"],
            ["127.3", "Reform courts", "Peru", "noted", "", "", "", ""]]
    do_import(plan, csv_bytes(rows))
    assert {r.code: r.file_id for r in recs(plan)} == {
        "127.1": health.id, "127.2": justice.id, "127.3": None}
    # moving by import, and an empty cell keeps the file
    rows[1][7], rows[2][7] = "دادپەروەری", ""
    preview = do_import(plan, csv_bytes(rows))
    assert [(i.code, i.fields) for i in preview.updated] == [("127.1", ["file_id"])]
    assert {r.code: r.file_id for r in recs(plan)}["127.2"] == justice.id


def test_an_unknown_file_title_rejects_the_row_and_nothing_is_written(app):
    plan = empty_plan()
    service.create_file(db.session, plan, title_en="Health")
    db.session.commit()
    rows = [HEADER7 + ["file"], ["127.1", "Ratify CAT", "Chile", "supported", "", "", "", "Helth"],
            ["127.2", "Ratify CED", "Peru", "noted", "", "", "", ""]]
    before = row_counts()
    preview = importing.preview_import(db.session, plan, csv_bytes(rows), "x.csv")
    assert not preview.ok
    (rejection,) = preview.rejected
    assert rejection.row == 2 and rejection.field == "file"
    assert "Row 2" in rejection.reason and "Helth" in rejection.reason
    with pytest.raises(CatalogueError, match="Nothing was imported: 1 row is rejected"):
        importing.apply_import(db.session, plan, preview)
    db.session.rollback()
    assert row_counts() == before


def test_a_new_code_with_another_recommendations_text_is_rejected(app):
    plan = empty_plan()
    do_import(plan, csv_bytes(BASE))
    snapshot = table_snapshot(Recommendation)
    rows = [HEADER7, ["127.99", "Ratify  CAT.", "chile", "supported", "", "", ""]]
    preview = importing.preview_import(db.session, plan, csv_bytes(rows), "x.csv")
    (rejection,) = preview.rejected
    assert rejection.row == 2 and rejection.field == "code"
    assert "127.99" in rejection.reason and "127.1" in rejection.reason
    assert "clashes with another recommendation's text" in rejection.reason
    assert table_snapshot(Recommendation) == snapshot


def test_the_same_text_twice_in_one_file_is_rejected(app):
    plan = empty_plan()
    rows = [HEADER7, ["127.1", "Ratify CAT", "Chile", "supported", "", "", ""],
            ["127.2", "Ratify CAT", "Chile", "supported", "", "", ""]]
    preview = importing.preview_import(db.session, plan, csv_bytes(rows), "x.csv")
    assert [(r.row, r.field) for r in preview.rejected] == [(3, "code")]
    assert "row 2" in preview.rejected[0].reason


# --- bad input -------------------------------------------------------------------------------

BAD_FILES = {
    "unknown header": (csv_bytes([["name", "value"], ["a", "b"]]),
                       "The columns of this file were not recognised"),
    "missing required columns": (csv_bytes([["code", "text_en"], ["127.1", "x"]]),
                                 "missing these required columns: recommending_state, response"),
    "binary renamed .csv": (b"%PDF-1.4\n\x00\x01\x02binary", "This file is a PDF document"),
    "random binary": (bytes(range(256)) * 40, "not a CSV or XLSX spreadsheet"),
    "empty": (b"", "This file is empty."),
}


def test_an_unreadable_file_is_refused_with_a_clear_message(app):
    plan = make.plan()
    db.session.commit()
    before = table_snapshot(Recommendation)
    for case, (data, message) in BAD_FILES.items():
        with pytest.raises(CatalogueError) as refusal:
            importing.preview_import(db.session, plan, data, "upload.csv")
        assert message in refusal.value.message, case
    assert table_snapshot(Recommendation) == before


BAD_ROWS = {
    "duplicated code": (["127.1", "Again", "Peru", "noted"], "code",
                        "Row 3: the code 127.1 already appears in row 2."),
    "empty text": (["127.2", "", "Peru", "noted"], "text_en",
                   "Row 3: the recommendation text is empty."),
    "unknown response": (["127.2", "Text", "Peru", "maybe"], "response",
                         "Row 3: the response maybe is not recognised"),
    "malformed code": (["127.x", "Text", "Peru", "noted"], "code", "127.x"),
}


def test_a_bad_row_is_rejected_with_row_and_field_and_nothing_is_applied(app):
    plan = make.plan()
    db.session.commit()
    before = row_counts()
    for case, (bad, field, message) in BAD_ROWS.items():
        data = csv_bytes([HEADER7[:4], ["127.1", "Fine", "Chile", "supported"], bad])
        preview = importing.preview_import(db.session, plan, data, "x.csv")
        assert not preview.ok and preview.counts()["rejected"] == 1, case
        assert (preview.rejected[0].row, preview.rejected[0].field) == (3, field), case
        assert message in preview.rejected[0].reason, case
        with pytest.raises(CatalogueError, match="Nothing was imported"):
            importing.apply_import(db.session, plan, preview)
        db.session.rollback()
    assert row_counts() == before


def test_a_50_mb_file_is_refused_before_parsing(app, monkeypatch):
    plan = make.plan()
    db.session.commit()
    calls = []
    monkeypatch.setattr(importing, "parse_recommendations", lambda *a, **k: calls.append(a))
    with pytest.raises(CatalogueError, match=r"too large \(50 MB\). The limit is 20 MB"):
        importing.preview_import(db.session, plan, b"x" * (50 * 1024 * 1024), "big.csv")
    assert calls == []


def test_a_too_long_value_is_rejected_rather_than_truncated(app):
    plan = empty_plan()
    data = csv_bytes([HEADER7, ["127.1", "Text", "Chile", "supported", "", "", "A" * 61]])
    preview = importing.preview_import(db.session, plan, data, "x.csv")
    assert [(r.row, r.field) for r in preview.rejected] == [(2, "document")]
    assert "longer than 60 characters" in preview.rejected[0].reason


def test_formulas_are_kept_as_text_and_never_evaluated(app):
    plan = empty_plan()
    data = csv_bytes([HEADER7[:4],
                      ["127.1", '=HYPERLINK("http://evil.example","x")', "@Chile", "supported"],
                      ["127.2", "+1 more", "-Peru", "noted"]])
    do_import(plan, data)
    assert [(r.text_en, r.recommending_states) for r in recs(plan)] == [
        ('=HYPERLINK("http://evil.example","x")', "@Chile"), ("+1 more", "-Peru")]
    exported = exporting.export_catalogue(db.session, plan, "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in exported and "'@Chile" in exported


@pytest.mark.parametrize("encoding, prefix", [("cp1256", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_windows_1256_and_utf8_with_bom_files_are_read_correctly(app, encoding, prefix):
    plan = empty_plan()
    data = prefix + csv_bytes([HEADER7[:4] + ["text_ar"],
                               ["127.1", "Ratify CAT", "Chile", "supported", "صادق على الاتفاقية"]],
                              encoding=encoding)
    preview = do_import(plan, data)
    assert preview.encoding == ("cp1256" if encoding == "cp1256" else "utf-8-sig")
    assert recs(plan)[0].text_ar == "صادق على الاتفاقية"


def test_an_xlsx_template_export_imports_back_unchanged(app):
    plan = empty_plan()
    rf = service.create_file(db.session, plan, title_en="Justice")
    do_import(plan, csv_bytes(BASE))
    service.assign_to_file(db.session, plan, [r.id for r in recs(plan)][:1], rf)
    db.session.commit()
    for kind in ("xlsx", "csv"):
        data = exporting.export_catalogue(db.session, plan, kind)
        preview = importing.preview_import(db.session, plan, data, f"export.{kind}")
        assert preview.counts()["unchanged"] == 3 and not preview.has_changes, kind


def test_the_demo_can_build_a_catalogue_with_the_same_functions(app):
    plan = empty_plan()
    rf = service.create_file(db.session, plan, title_en="Death penalty", title_ar="عقوبة الإعدام",
                             position=1)
    data = csv_bytes([HEADER7 + ["file", "themes"],
                      ["127.2", "Consider the Second Optional Protocol", "Uzbekistan", "noted",
                       "2", "20", "A/HRC/28/14", "عقوبة الإعدام", "Death penalty; Treaties"]])
    preview = importing.preview_import(db.session, plan, data, "demo.csv")
    importing.apply_import(db.session, plan, preview)
    db.session.commit()
    (rec,) = recs(plan)
    assert rec.file_id == rf.id and service.split_themes(rec.themes) == [
        "Death penalty", "Treaties"]
    with pytest.raises(CatalogueError, match="already been applied"):
        importing.apply_import(db.session, plan, preview)


# --- the command line ------------------------------------------------------------------------


def test_cli_import_shows_a_preview_asks_and_applies(app, runner, tmp_path):
    plan = empty_plan(slug="iraq-2014")
    db.session.commit()
    path = shared_data(TEMPLATE_FILE)
    result = runner.invoke(args=["catalogue", "import", "--plan", "iraq-2014", str(path)],
                           input="n\n")
    assert result.exit_code == 0, result.output
    assert "New: 241" in result.output and "Nothing was changed." in result.output
    assert recs(plan) == []

    result = runner.invoke(args=["catalogue", "import", "--plan", "iraq-2014", str(path)],
                           input="y\n")
    assert result.exit_code == 0, result.output
    assert "Imported: 241 new, 0 updated, 0 unchanged." in result.output
    assert len(recs(plan)) == 241

    result = runner.invoke(args=["catalogue", "import", "--plan", "iraq-2014", "--yes",
                                 str(path)])
    assert result.exit_code == 0
    assert "Unchanged: 241" in result.output and "Nothing to change" in result.output


def test_cli_import_refuses_rejected_rows_and_unknown_plans(app, runner, tmp_path):
    plan = empty_plan(slug="p1")
    db.session.commit()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([HEADER7[:4], ["127.1", "", "Chile", "supported"],
                               ["127.2", "Fine", "Peru", "noted"]]))
    result = runner.invoke(args=["catalogue", "import", "--plan", "p1", "--yes", str(bad)])
    assert result.exit_code == 1
    assert "Row 2: the recommendation text is empty." in result.output
    assert "Nothing was imported" in result.output
    assert recs(plan) == []
    result = runner.invoke(args=["catalogue", "import", "--plan", "nope", "--yes", str(bad)])
    assert result.exit_code == 1 and "No plan has the short name nope" in result.output


def test_cli_export_and_template(app, runner, tmp_path):
    plan = empty_plan(slug="p2")
    do_import(plan, csv_bytes(BASE))
    out = tmp_path / "out.xlsx"
    assert runner.invoke(args=["catalogue", "export", "--plan", "p2", str(out)]).exit_code == 0
    sheet = openpyxl.load_workbook(out).worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["code", "text_en", "recommending_state"]
    assert sheet.max_row == 4
    blank = tmp_path / "t.csv"
    assert runner.invoke(args=["catalogue", "template", str(blank)]).exit_code == 0
    assert blank.read_bytes().startswith(b"\xef\xbb\xbfcode,text_en")


# --- the web upload with its preview ---------------------------------------------------------


@pytest.fixture
def coordinator_client(app, client, tmp_path):  # noqa: ANN001, ANN201
    app.config["MONITOR_IMPORT_DIR"] = str(tmp_path / "imports")
    body = make.body()
    plan = make.plan(body, slug="web-plan", files=1, recommendations_per_file=0)
    user = make.coordinator(body)
    db.session.commit()
    login(client, user.email)
    client.set_cookie("monitor_lang", "en", domain="localhost")
    return client, plan


def upload(client, url: str, data: bytes, name: str = "upload.csv"):  # noqa: ANN001, ANN201
    """POST a file as a browser does. The body is encoded here, in memory: the test
    client's own encoder leaves a temporary file open for bodies over 500 KB."""
    token = csrf_from(client.get(url).get_data(as_text=True))
    boundary, body = encode_multipart({"csrf_token": token,
                                       "upload": FileStorage(io.BytesIO(data), name)})
    return client.post(url, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_a_coordinator_uploads_sees_the_preview_and_applies_it(app, coordinator_client):
    client, plan = coordinator_client
    url = f"/plans/{plan.slug}/import"
    response = upload(client, url, shared_data(UPR_INFO_FILE).read_bytes(), UPR_INFO_FILE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="count-new">242<' in page and "UPR Info database export" in page
    assert recs(plan) == []
    staged = list(Path(app.config["MONITOR_IMPORT_DIR"]).glob("*.bin"))
    assert len(staged) == 1

    token = html.unescape(re.search(r'name="token" type="hidden" value="([^"]+)"', page)[1])
    response = post_form(client, url + "/apply", {"token": token}, page=url)
    assert response.status_code == 302
    assert len(recs(plan)) == 242
    assert not list(Path(app.config["MONITOR_IMPORT_DIR"]).iterdir())  # deleted after apply
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported: 242 new, 0 updated, 0 unchanged." in listing

    # the same id cannot be applied twice
    again = post_form(client, url + "/apply", {"token": token}, page=url)
    assert again.status_code == 302
    assert "no longer available" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert len(recs(plan)) == 242

    # a second upload of the same file changes nothing and offers nothing to apply
    page = upload(client, url, shared_data(UPR_INFO_FILE).read_bytes()).get_data(as_text=True)
    assert 'id="count-unchanged">242<' in page and "Nothing to change" in page
    assert "Apply the import" not in page


def test_a_forged_upload_id_is_refused(app, coordinator_client):
    client, plan = coordinator_client
    url = f"/plans/{plan.slug}/import"
    secret = Path(app.config["MONITOR_IMPORT_DIR"]).parent / "secret.bin"
    secret.write_bytes(csv_bytes(BASE))
    before = row_counts()
    for token in ["../secret", "../../etc/passwd", "x" * 40, "a/b" * 12]:
        response = post_form(client, url + "/apply", {"token": token}, page=url)
        assert response.status_code == 302, token
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "no longer available" in page, token
    assert post_form(client, url + "/apply", {"token": ""}, page=url).status_code == 400
    assert row_counts() == before and secret.exists()


def test_an_upload_of_another_user_or_plan_cannot_be_applied(app, coordinator_client):
    client, plan = coordinator_client
    token = imports.stage(csv_bytes(BASE), "x.csv", importer="catalogue", user_id=-1,
                          plan_id=plan.id)
    url = f"/plans/{plan.slug}/import"
    response = post_form(client, url + "/apply", {"token": token}, page=url)
    assert "no longer available" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert recs(plan) == []


def test_an_upload_with_rejected_rows_shows_them_and_offers_no_apply(app, coordinator_client):
    client, plan = coordinator_client
    data = csv_bytes([HEADER7[:4], ["127.1", "Fine", "Chile", "supported"],
                      ["127.1", "Again", "Peru", "maybe"]])
    before = row_counts()
    response = upload(client, f"/plans/{plan.slug}/import", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Row 3: the code 127.1 already appears in row 2." in page
    assert "Row 3: the response maybe is not recognised" in page
    assert "Nothing can be imported while any row is rejected" in page
    assert "Apply the import" not in page
    assert row_counts() == before
    assert not Path(app.config["MONITOR_IMPORT_DIR"]).exists() or not list(
        Path(app.config["MONITOR_IMPORT_DIR"]).iterdir())


def test_an_unrecognised_upload_is_refused_with_the_expected_formats(app, coordinator_client):
    client, plan = coordinator_client
    response = upload(client, f"/plans/{plan.slug}/import", b"\x89PNG\r\n\x1a\n\x00\x00",
                      "photo.csv")
    assert response.status_code == 422
    assert "This file is not a CSV or XLSX spreadsheet." in response.get_data(as_text=True)
    response = upload(client, f"/plans/{plan.slug}/import", csv_bytes([["a", "b"], ["1", "2"]]))
    assert response.status_code == 422
    assert "The columns of this file were not recognised" in response.get_data(as_text=True)
    response = post_form(client, f"/plans/{plan.slug}/import", {})
    assert response.status_code == 422
    assert "Choose a file to upload." in response.get_data(as_text=True)


def test_an_oversized_upload_is_refused_with_413(app, coordinator_client):
    client, plan = coordinator_client
    app.config["MONITOR_IMPORT_MAX_MB"] = 1
    before = row_counts()
    response = upload(client, f"/plans/{plan.slug}/import", b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert "This file is too large (2 MB). The limit is 1 MB." in response.get_data(as_text=True)
    # beyond the request limit (25 MB) the server refuses it before any parsing
    response = upload(client, f"/plans/{plan.slug}/import", b"x" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert row_counts() == before


def test_the_template_can_be_downloaded_from_the_import_page(app, coordinator_client):
    client, plan = coordinator_client
    page = client.get(f"/plans/{plan.slug}/import").get_data(as_text=True)
    assert f"/plans/{plan.slug}/import/template.xlsx" in page
    response = client.get(f"/plans/{plan.slug}/import/template.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers[
        "Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert [c.value for c in workbook.worksheets[0][1]] == TEMPLATE_HEADER
    csv_response = client.get(f"/plans/{plan.slug}/import/template.csv")
    assert csv_response.data.startswith(b"\xef\xbb\xbfcode,text_en,recommending_state")


def test_another_bodys_coordinator_cannot_import_into_the_plan(app, client):
    plan = make.plan(slug="theirs")
    user = make.coordinator(make.body())
    db.session.commit()
    login(client, user.email)
    assert client.get("/plans/theirs/import").status_code == 404
    assert client.get("/plans/theirs/export.csv").status_code == 404
    assert client.post("/plans/theirs/import/apply").status_code in (400, 404)
    assert recs(plan) and len(recs(plan)) == 6


def test_possible_matches_are_shown_and_the_coordinator_confirms_them_in_the_web(
        app, coordinator_client):
    client, plan = coordinator_client
    do_import(plan, shared_data("upr-real/iraq-cycle1-A-HRC-14-14-numbered.txt").read_bytes(),
              "list.txt")
    url = f"/plans/{plan.slug}/import"
    data = shared_data("upr-real/upr-info-export-iraq-session07.csv").read_bytes()
    page = upload(client, url, data, "export.csv").get_data(as_text=True)
    assert "Possible match" in page and ">82.3<" in page
    assert 'name="confirm_matches"' in page
    token = next(Path(app.config["MONITOR_IMPORT_DIR"]).glob("*.bin")).stem
    response = post_form(client, url + "/apply", {"token": token, "confirm_matches": "y"},
                         page=url)
    assert response.status_code == 302
    assert len(recs(plan)) == 176  # confirmed: no new recommendation
