"""The government's self-reported progress: entry by form, CSV/XLSX import (all or
nothing), and refusals that name the field and change nothing."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

import factories as make
from monitor.extensions import db
from monitor.models import AuditEvent, OfficialProgress
from monitor.services.tabular import write_csv, write_xlsx
from support import login, post_form, table_snapshot


@pytest.fixture
def setting(app):  # noqa: ANN001, ANN201
    owner = make.body()
    plan = make.plan(owner, slug="krg", periods=("2022", "2023"))
    user = make.coordinator(owner)
    db.session.commit()
    return {"plan": plan, "user": user, "p2022": plan.periods[0], "p2023": plan.periods[1]}


def _entries() -> dict[str, OfficialProgress]:
    db.session.expire_all()
    return {e.level_key: e for e in db.session.scalars(sa.select(OfficialProgress))}


URL = "/reports/krg/official?period=2022&lang=en"


def test_the_coordinator_records_the_published_krg_figure_for_the_plan(setting, client):
    login(client, setting["user"].email)
    response = post_form(client, URL, {
        "level": "plan", "measure": "share_implemented", "value": "34.8",
        "source": "KRG annual report 2022", "reported_on": "2023-03-01"})
    assert response.status_code == 302
    entry = _entries()["plan"]
    assert (entry.period_id, entry.measure, entry.value, entry.source) == (
        setting["p2022"].id, "share_implemented", 34.8, "KRG annual report 2022")
    assert entry.reported_on.isoformat() == "2023-03-01"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "official.recorded"))
    assert event.actor_id == setting["user"].id and event.after["value"] == 34.8
    page = client.get(URL).get_data(as_text=True)
    assert "34.8%" in page and "The official figure was saved." in page


def test_recording_a_level_again_replaces_its_figure(setting, client):
    login(client, setting["user"].email)
    for value in ("34.8", "35"):
        post_form(client, URL, {"level": "plan", "measure": "share_implemented", "value": value})
    entries = _entries()
    assert len(entries) == 1 and entries["plan"].value == 35
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "official.recorded").order_by(AuditEvent.id)).all()
    assert events[1].before["value"] == 34.8 and events[1].after["value"] == 35


def test_arabic_indic_digits_and_a_percent_sign_are_accepted(setting, client):
    login(client, setting["user"].email)
    post_form(client, URL, {"level": "plan", "measure": "share_implemented", "value": "٣٤٫٨٪",
                            "reported_on": "٢٠٢٣-٠٣-٠١"})
    entry = _entries()["plan"]
    assert entry.value == 34.8 and entry.reported_on.isoformat() == "2023-03-01"


def test_file_and_recommendation_figures(setting, client):
    login(client, setting["user"].email)
    rf = setting["plan"].files[1]
    rec = rf.recommendations[0]
    assert post_form(client, URL, {"level": "file", "file": str(rf.id), "measure": "mean_score",
                                   "value": "55"}).status_code == 302
    assert post_form(client, URL, {"level": "recommendation", "recommendation": rec.code,
                                   "status": "75", "measure": "share_implemented"}
                     ).status_code == 302
    entries = _entries()
    assert entries[f"file:{rf.id}"].file_id == rf.id and entries[f"file:{rf.id}"].value == 55
    rec_entry = entries[f"rec:{rec.id}"]
    # A recommendation is always compared as a mean score; the form's measure is ignored.
    assert (rec_entry.recommendation_id, rec_entry.status_score, rec_entry.measure,
            rec_entry.value) == (rec.id, 75, "mean_score", None)


@pytest.mark.parametrize("data, field, message", [
    ({"value": "abc"}, "value", "The value must be a number from 0 to 100; “abc” is not a number."),
    ({"value": "150"}, "value", "The value must be between 0 and 100; 150 is outside that range."),
    ({"value": "-1"}, "value", "The value must be between 0 and 100"),
    ({"value": ""}, "value", "Give the value, a number from 0 to 100."),
    ({"value": "NaN"}, "value", "is not a number"),
    ({"value": "40", "reported_on": "01/03/2023"}, "reported_on",
     "The date reported must be a date written YYYY-MM-DD"),
    ({"value": "40", "reported_on": "2999-01-01"}, "reported_on", "cannot be in the future"),
    ({"value": "40", "level": "file"}, "file", "Choose the recommendation file"),
    ({"value": "40", "level": "recommendation", "recommendation": "999.9"}, "recommendation",
     "There is no recommendation 999.9 in this plan."),
    ({"value": "", "level": "recommendation", "recommendation": "139.1"}, "value",
     "status or a value from 0 to 100"),
])
def test_bad_figures_are_refused_with_the_field_named_and_nothing_changes(
        setting, client, data, field, message):
    make.official(setting["p2022"], 30)
    db.session.commit()
    login(client, setting["user"].email)
    before = table_snapshot(OfficialProgress, AuditEvent)
    payload = {"level": "plan", "measure": "share_implemented"} | data
    response = post_form(client, URL, payload)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    # The message sits under its own field.
    assert f'id="{field}-error"' in page and message in page.split(f'id="{field}-error"')[1][:300]
    assert table_snapshot(OfficialProgress, AuditEvent) == before


def test_a_form_without_its_csrf_token_changes_nothing(setting, client):
    login(client, setting["user"].email)
    before = table_snapshot(OfficialProgress)
    response = client.post(URL, data={"level": "plan", "measure": "share_implemented",
                                      "value": "40"})
    assert response.status_code == 400
    assert table_snapshot(OfficialProgress) == before


def test_ngo_users_cannot_open_official_progress_and_other_bodies_get_404(setting, client):
    org = make.organization()
    ngo = make.ngo_user(org)
    stranger = make.coordinator(make.body())
    db.session.commit()
    login(client, ngo.email)
    assert client.get(URL).status_code == 403
    other = client.application.test_client()
    login(other, stranger.email)
    assert other.get(URL).status_code == 404


def test_an_entry_can_be_deleted(setting, client):
    entry = make.official(setting["p2022"], 30)
    db.session.commit()
    login(client, setting["user"].email)
    response = post_form(client, f"/reports/krg/official/{entry.id}/delete", {}, page=URL)
    assert response.status_code == 302
    assert _entries() == {}
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "official.deleted")).before["value"] == 30


# --- import ---------------------------------------------------------------------------------


def _upload(client, data: bytes, name: str = "official.csv"):  # noqa: ANN001, ANN202
    return post_form(client, "/reports/krg/official/import?period=2023&lang=en",
                     {"spreadsheet": (io.BytesIO(data), name)},
                     page="/reports/krg/official?period=2023&lang=en",
                     content_type="multipart/form-data")


def _rows(setting) -> list[list[str]]:  # noqa: ANN001
    rf = setting["plan"].files[0]
    return [
        ["plan", "", "", "share_implemented", "42.8", "", "KRG report 2023", "2024-02-01"],
        ["", str(rf.id), "", "mean_score", "61.5", "", "", ""],
        ["", "", "139.4", "", "", "100", "", ""],
        ["", rf.title_ar, "139.2", "mean_score", "٥٠", "", "", ""],
    ]


HEADER = ["level", "file", "recommendation", "measure", "value", "status", "source",
          "reported_on"]


def test_a_csv_import_records_every_level(setting, client):
    login(client, setting["user"].email)
    response = _upload(client, write_csv(HEADER, _rows(setting)))
    assert response.status_code == 302
    entries = _entries()
    rf = setting["plan"].files[0]
    recs = {r.code: r for f in setting["plan"].files for r in f.recommendations}
    assert entries["plan"].value == 42.8 and entries["plan"].source == "KRG report 2023"
    assert entries[f"file:{rf.id}"].value == 61.5
    assert entries[f"rec:{recs['139.4'].id}"].status_score == 100
    assert entries[f"rec:{recs['139.2'].id}"].value == 50
    assert {e.period_id for e in entries.values()} == {setting["p2023"].id}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "official.imported")) == 4
    assert "Imported 4 new and 0 replaced" in client.get(
        "/reports/krg/official?period=2023&lang=en").get_data(as_text=True)


def test_an_xlsx_import_works_the_same(setting, client):
    login(client, setting["user"].email)
    data = write_xlsx([("Official", HEADER, _rows(setting))])
    assert _upload(client, data, "official.xlsx").status_code == 302
    assert len(_entries()) == 4


def test_one_bad_row_means_nothing_is_imported_and_every_problem_is_reported(setting, client):
    make.official(setting["p2023"], 30)
    db.session.commit()
    login(client, setting["user"].email)
    rows = _rows(setting) + [
        ["", "", "", "share_implemented", "abc", "", "", ""],
        ["", "", "999.1", "", "", "60", "", ""],
        ["plan", "", "", "share_implemented", "40", "", "", ""],  # the plan again
    ]
    before = table_snapshot(OfficialProgress, AuditEvent)
    response = _upload(client, write_csv(HEADER, rows))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was imported: 4 problem(s) in the file." in page
    assert "Row 6, value: The value must be a number from 0 to 100; “abc” is not a number." in page
    assert "Row 7, recommendation: There is no recommendation 999.1 in this plan." in page
    assert "Row 7, status: The status must be one of 0, 25, 50, 75 or 100" in page
    assert "Row 8, –: This row gives the same level as row 2" in page
    assert table_snapshot(OfficialProgress, AuditEvent) == before


@pytest.mark.parametrize("data, message", [
    (b"level,valeu\nplan,40\n", "Unknown column(s): valeu."),
    (b"level,value\nplan,40\n", "Missing column(s): measure."),
    (b"measure,value\n", "The file has a header but no rows to import."),
    (b"%PDF-1.4 not a table", "This file is a PDF document"),
    (b"", "This file is empty."),
])
def test_unusable_files_are_refused_with_a_reason(setting, client, data, message):
    login(client, setting["user"].email)
    before = table_snapshot(OfficialProgress, AuditEvent)
    response = _upload(client, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert table_snapshot(OfficialProgress, AuditEvent) == before


def test_an_import_without_a_file_asks_for_one(setting, client):
    login(client, setting["user"].email)
    response = post_form(client, "/reports/krg/official/import?period=2023&lang=en", {},
                         page="/reports/krg/official?period=2023&lang=en")
    assert response.status_code == 422
    assert "Choose a CSV or XLSX file to import." in response.get_data(as_text=True)
    assert _entries() == {}


def test_the_import_template_can_be_downloaded_and_imported_as_it_is(setting, client):
    login(client, setting["user"].email)
    response = client.get("/reports/krg/official/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert _upload(client, response.data).status_code == 302
    assert set(_entries()) == {"plan", f"file:{setting['plan'].files[0].id}"}


def test_the_cli_imports_all_or_nothing(setting, runner, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(write_csv(HEADER, _rows(setting)))
    result = runner.invoke(args=["official", "import", "--plan", "krg", "--period", "2023",
                                 str(good)])
    assert result.exit_code == 0, result.output
    assert "Imported 4 new and 0 replaced" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(write_csv(HEADER, [["", "", "", "share_implemented", "101", "", "", ""]]))
    before = table_snapshot(OfficialProgress, AuditEvent)
    result = runner.invoke(args=["official", "import", "--plan", "krg", "--period", "2023",
                                 str(bad)])
    assert result.exit_code == 1
    assert "Row 2, value: The value must be between 0 and 100" in result.output
    assert table_snapshot(OfficialProgress, AuditEvent) == before
    result = runner.invoke(args=["official", "import", "--plan", "krg", "--period", "1999",
                                 str(good)])
    assert result.exit_code == 1 and "no reporting period '1999'" in result.output


def test_an_unknown_period_or_entry_is_404_and_changes_nothing(setting, client):
    entry = make.official(setting["p2022"], 30)
    other_plan = make.plan(setting["plan"].body, slug="other")
    foreign = make.official(other_plan.periods[0], 50)
    db.session.commit()
    login(client, setting["user"].email)
    response = client.get("/reports/krg/official?period=1999&lang=en")
    assert response.status_code == 404
    assert "This plan has no reporting period “1999”." in response.get_data(as_text=True)
    before = table_snapshot(OfficialProgress, AuditEvent)
    response = post_form(client, "/reports/krg/official?period=1999",
                         {"level": "plan", "measure": "share_implemented", "value": "40"},
                         page=URL)
    assert response.status_code == 404
    # Another plan's entry cannot be deleted through this plan.
    response = post_form(client, f"/reports/krg/official/{foreign.id}/delete", {}, page=URL)
    assert response.status_code == 404
    assert table_snapshot(OfficialProgress, AuditEvent) == before
    assert db.session.get(OfficialProgress, entry.id) is not None


def test_the_form_numbers_files_as_the_plan_does_and_takes_a_date(setting, client):
    plan = setting["plan"]
    for position, rf in enumerate(plan.files, start=1):
        rf.position = position
    db.session.commit()
    login(client, setting["user"].email)
    page = client.get(URL).get_data(as_text=True)
    first = plan.files[0]
    assert f'<option value="{first.id}">1 · {first.title_en}</option>' in page
    assert 'name="reported_on" type="date"' in page or 'type="date"' in page.split(
        'name="reported_on"')[0].rsplit("<input", 1)[1]
    assert 'data-level="recommendation"' in page and "official.js" in page
