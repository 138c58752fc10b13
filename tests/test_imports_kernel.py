"""One import kernel (services/imports.py) under every importer: the catalogue, the
translation sheet, organisations, official progress, offline answers and XLSForm
questionnaires report refused rows with the same RowError and the same report; each
refuses an oversized file and a zip bomb dressed as .xlsx in the reader's language,
storing nothing; a preview is confirmed once, by its own user, for its own plan, within
the hour."""
from __future__ import annotations

import html
import io
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import factories as make
import openpyxl
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from support import csrf_from, login, row_counts, text
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from monitor.extensions import db
from monitor.models import Organization
from monitor.services import imports
from monitor.services.catalogue import importing, translation_sheet
from monitor.services.catalogue.records import CatalogueError
from monitor.services.catalogue.upr_formats import TEMPLATE_HEADER
from monitor.services.evaluation import offline_answers, questionnaire_versions
from monitor.services.outreach import organizations
from monitor.services.outreach.organizations import OrganizationError
from monitor.services.results import official
from monitor.services.tabular import write_csv

ORG_HEADER = ["name", "email", "registration_number", "governorate", "preferred_language"]


def zip_bomb_xlsx() -> bytes:
    """A workbook's outline whose one sheet unpacks to 20 MB of zeros (packed: ~20 KB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    return buffer.getvalue()


def big_csv() -> bytes:
    """A well-formed CSV of about 150 KB (over the 0.1 MB limit the tests set)."""
    return write_csv(ORG_HEADER, [[f"NGO {i}", f"ngo{i}@example.org", "", "", "ar"]
                                  for i in range(5000)])


# --- every importer, called as the web and the CLI call it ----------------------------------
# Each returns (the message shown for a refused file, or None) and the rejected RowErrors.


def _refused_as(call: Callable, error: type) -> Callable:
    """An importer that refuses a whole file by raising `error` (with its `message`)."""
    def run(s: make.Setting, data: bytes) -> tuple[str | None, list]:
        try:
            report = call(s, data)
        except error as exc:
            return exc.message, []
        return None, report.rejected
    return run


def _official(s: make.Setting, data: bytes) -> tuple[str | None, list]:
    try:
        official.import_table(db.session, s.period, data, "figures.xlsx", actor_id=None)
    except official.ImportRefused as exc:
        whole = [e for e in exc.errors if e.row == 0]
        return (whole[0].reason if whole else None), exc.errors
    return None, []


def _offline(s: make.Setting, data: bytes) -> tuple[str | None, list]:
    report = offline_answers.import_answers(
        db.session, organization=s.org, period=s.period, data=data, filename="answers.xlsx",
        user=s.admin)
    whole = [e for e in report.rejected if e.row == 0]
    return (whole[0].reason if whole else None), report.rejected


def _xlsform(s: make.Setting, data: bytes) -> tuple[str | None, list]:
    outcome = questionnaire_versions.import_questionnaire(db.session, s.plan, data)
    assert outcome.questionnaire is None
    whole = [e for e in outcome.result.rejected if e.row == 0]
    return (whole[0].reason if whole else None), outcome.result.rejected


IMPORTERS: dict[str, Callable[[make.Setting, bytes], tuple[str | None, list]]] = {
    "catalogue": _refused_as(lambda s, data: importing.preview_import(
        db.session, s.plan, data, "upload.xlsx"), CatalogueError),
    "translations": _refused_as(lambda s, data: translation_sheet.import_translations(
        db.session, s.plan, data, "sheet.xlsx"), CatalogueError),
    "organizations": _refused_as(lambda s, data: organizations.preview_import(
        db.session, data, "list.xlsx"), OrganizationError),
    "official": _official, "offline": _offline, "xlsform": _xlsform,
}


@pytest.fixture
def s(app) -> make.Setting:  # noqa: ANN001
    setting = make.setting()
    db.session.commit()
    return setting


@pytest.mark.parametrize("importer", sorted(IMPORTERS))
def test_an_oversized_file_is_refused_by_every_importer_in_the_readers_language(
        app, s, importer):
    app.config["MONITOR_IMPORT_MAX_MB"] = 0.1  # one limit, read in one place, for all six
    data = big_csv()
    before = row_counts()
    with force_locale("ar"):
        message, _rows = IMPORTERS[importer](s, data)
        expected = _("This file is too large (%(size)s MB). The limit is %(limit)s MB.",
                     size=imports.megabytes(len(data)), limit="0.1")
    db.session.rollback()
    assert message == expected and "كبير جداً" in message, importer
    assert row_counts() == before
    assert not Path(app.config["MONITOR_IMPORT_DIR"]).exists()


@pytest.mark.parametrize("importer", sorted(IMPORTERS))
def test_a_zip_bomb_dressed_as_xlsx_is_refused_by_every_importer_before_it_is_opened(
        app, s, importer, monkeypatch):
    def must_not_open(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the archive was opened")

    monkeypatch.setattr(openpyxl, "load_workbook", must_not_open)
    before = row_counts()
    with force_locale("ar"):
        message, _rows = IMPORTERS[importer](s, zip_bomb_xlsx())
        expected = _("This document would take far more space once opened than its size "
                     "suggests (a “zip bomb”), so it was refused.")
    db.session.rollback()
    assert message == expected and "zip" in message and "المستند" in message, importer
    assert row_counts() == before
    assert not Path(app.config["MONITOR_IMPORT_DIR"]).exists()


def test_every_importer_reports_refused_rows_as_the_kernels_row_error(app, s):
    code = s.rec.code
    files = {
        "catalogue": write_csv(TEMPLATE_HEADER[:4], [[code, "Text", "Chile", "maybe"]]),
        "translations": write_csv(["code", "Arabic"], [["999.999", "نص"]]),
        "organizations": write_csv(ORG_HEADER, [["NGO", "not an address", "", "", "ar"]]),
        "official": write_csv(["measure", "value"], [["share_implemented", "142"]]),
        "offline": write_csv(["recommendation"], [["999.999"]]),
    }
    for name, data in files.items():
        _message, rejected = IMPORTERS[name](s, data)
        db.session.rollback()
        assert rejected, name
        error = rejected[0]
        assert type(error) is imports.RowError, name
        assert error.row == 2 and error.field and error.reason, (name, error)


def test_every_importer_answers_with_the_kernels_report(app, s):
    reports = [
        importing.preview_import(db.session, s.plan, write_csv(
            TEMPLATE_HEADER[:4], [["900.1", "New text", "Chile", "supported"]]), "x.csv"),
        translation_sheet.import_translations(db.session, s.plan, write_csv(
            ["code", "Arabic"], [[s.rec.code, "نص جديد"]]), "sheet.csv"),
        organizations.preview_import(db.session, write_csv(
            ORG_HEADER, [["NGO", "new@ngo.example", "", "", "ar"]]), "list.csv"),
        official.import_table(db.session, s.period, write_csv(
            ["measure", "value"], [["share_implemented", "42.8"]]), "f.csv", actor_id=None),
        offline_answers.import_answers(
            db.session, organization=s.org, period=s.period,
            data=offline_answers.export_answers(db.session, organization=s.org,
                                                period=s.period, fmt="csv"),
            filename="a.csv", user=s.admin),
        questionnaire_versions.import_questionnaire(
            db.session, s.plan, questionnaire_versions.export_questionnaire(
                db.session, s.plan)).result,
    ]
    db.session.rollback()
    for report in reports:
        assert isinstance(report, imports.ImportReport), type(report)
        assert set(report.counts()) == {"new", "updated", "unchanged", "rejected", "skipped"}
        assert report.ok
    assert [report.counts()["new"] for report in reports[:4]] == [1, 0, 1, 1]
    assert reports[1].counts()["updated"] == 1


# --- preview, then confirm ------------------------------------------------------------------


def test_a_preview_is_confirmed_once_by_its_user_for_its_plan(app):
    token = imports.stage(b"data", "list.csv", importer="catalogue", user_id=1, plan_id=7)
    for other in ({"importer": "catalogue", "user_id": 2, "plan_id": 7},
                  {"importer": "catalogue", "user_id": 1, "plan_id": 8},
                  {"importer": "organizations", "user_id": 1, "plan_id": 7}):
        with pytest.raises(imports.UploadRefused, match="no longer available"):
            imports.claim(token, **other)
    with pytest.raises(imports.UploadRefused, match="no longer available"):
        imports.claim(token[:-2] + "xx", importer="catalogue", user_id=1, plan_id=7)
    assert imports.claim(token, importer="catalogue", user_id=1, plan_id=7) == (
        b"data", "list.csv")
    with pytest.raises(imports.UploadRefused, match="no longer available"):
        imports.claim(token, importer="catalogue", user_id=1, plan_id=7)
    assert list(Path(app.config["MONITOR_IMPORT_DIR"]).iterdir()) == []


def test_a_preview_expires_after_an_hour(app, monkeypatch):
    token = imports.stage(b"data", "list.csv", importer="catalogue", user_id=1, plan_id=7)
    later = time.time() + imports.STAGED_MAX_AGE + 1
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(imports.UploadRefused, match="no longer available"):
        imports.claim(token, importer="catalogue", user_id=1, plan_id=7)
    imports.stage(b"other", "x.csv", importer="catalogue", user_id=1, plan_id=7)
    # staging purges what expired
    assert len(list(Path(app.config["MONITOR_IMPORT_DIR"]).glob("*.bin"))) == 1


def _upload_organizations(client, data: bytes):  # noqa: ANN001, ANN202
    page = client.get("/organizations/import").get_data(as_text=True)
    boundary, body = encode_multipart({"csrf_token": csrf_from(page),
                                       "file": FileStorage(io.BytesIO(data), "list.csv")})
    return client.post("/organizations/import", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_confirming_an_organisation_import_twice_imports_once(app, client):
    coordinator = make.coordinator(make.body())
    db.session.commit()
    login(client, coordinator.email)
    preview = _upload_organizations(client, write_csv(
        ORG_HEADER, [["New NGO", "new@ngo.example", "", "", "ar"]]))
    page = preview.get_data(as_text=True)
    token = html.unescape(re.search(r'name="token" type="hidden" value="([^"]+)"', page)[1])
    form = {"csrf_token": csrf_from(page), "token": token}
    first = client.post("/organizations/import", data=form)
    assert first.status_code == 302
    second = client.post("/organizations/import", data=form)
    assert second.status_code == 422
    assert "لم يعد هذا الملف المرفوع متاحاً" in text(second)  # Arabic: the default language
    assert db.session.query(Organization).filter_by(email="new@ngo.example").count() == 1
