"""Evidence attachments: type by content, size limits, zip bombs, names, storage, and who
may download what."""
from __future__ import annotations

import html
import io
import os
import zipfile
from pathlib import Path
from urllib.parse import quote

import factories as make
import openpyxl
import pytest
import sqlalchemy as sa
from factories import COMPLETE_ANSWERS
from support import client_as, csrf_from, login, row_counts
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from monitor import TOP
from monitor.extensions import db
from monitor.models import Attachment, AuditEvent, Evaluation
from monitor.services.evaluation import attachments as service
from monitor.services.evaluation import lifecycle as evaluations
from monitor.services.evaluation import review

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def office(kind: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        archive.writestr(f"{kind}/document.xml", b"<document>evidence</document>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["evidence", 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A DOCX whose document expands to 60 MB from ~60 KB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as handle:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(60):
                handle.write(chunk)
    return buffer.getvalue()


# --- the type is read from the content ------------------------------------------------------


@pytest.mark.parametrize("data, mimetype", [
    (PDF, "application/pdf"),
    (JPEG, "image/jpeg"),
    (PNG, "image/png"),
    (office("word"), service.DOCX.mimetype),
    (xlsx(), service.XLSX.mimetype),
])
def test_accepted_types_are_recognised_by_their_content(data, mimetype):
    assert service.sniff(data).mimetype == mimetype


@pytest.mark.parametrize("data, message", [
    (b"MZ\x90\x00" + b"\x00" * 200, "This file is a program"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "This file is a program"),
    (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "Web pages and SVG"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
     "Web pages and SVG"),
    (b"<svg onload=alert(1)>", "Web pages and SVG"),
    (b"GIF89a" + b"\x00" * 20, "This type of file cannot be attached"),
    (office("other"), "not a Word or Excel document"),
    (office("word", {"word/vbaProject.bin": b"macro"}), "Documents with macros"),
    (b"PK\x03\x04 not really a zip", "not a Word or Excel document"),
])
def test_other_content_is_refused_whatever_the_name(data, message):
    with pytest.raises(service.AttachmentError, match=message):
        service.sniff(data)


def test_a_zip_bomb_is_refused_from_its_directory():
    data = zip_bomb()
    assert len(data) < 1024 * 1024
    with pytest.raises(service.AttachmentError, match="zip bomb"):
        service.sniff(data)
    # Under the total limit, but expanding a thousand times.
    compact = office("word", {"word/media/blob.bin": b"\x00" * (5 * 1024 * 1024)})
    with pytest.raises(service.AttachmentError, match="zip bomb"):
        service.sniff(compact)


@pytest.mark.parametrize("given, shown", [
    ("تقرير الوزارة.pdf", "تقرير الوزارة.pdf"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\report.pdf", "report.pdf"),
    ("invoice\u202egpj.exe", "invoicegpj.pdf"),
    ("photo\u2067.exe\u2069.pdf", "photo.exe.pdf"),  # shown as it really is
    ("ڕاپۆرت\u200cی ساڵانە.pdf", "ڕاپۆرت\u200cی ساڵانە.pdf"),
    ("report.docx", "report.pdf"),  # the real type's extension
    ("\x00\x1b[31m.pdf", "[31m.pdf"),
    ("", "document.pdf"),
])
def test_display_names_are_cleaned_and_arabic_is_kept(app, given, shown):
    assert service.clean_display_name(given, service.PDF) == shown


# --- uploads on the web ---------------------------------------------------------------------


@pytest.fixture
def s(app):  # noqa: ANN001, ANN201
    setting = make.setting()
    db.session.commit()
    setting.evaluation = evaluations.start(db.session, organization_id=setting.org.id,
                                           recommendation=setting.rec, period=setting.period,
                                           user=setting.evaluator, answers=COMPLETE_ANSWERS)
    db.session.commit()
    return setting


def client_for(app, user):  # noqa: ANN001, ANN201
    return client_as(app, user, "/evaluations/?lang=en")


def upload(client, evaluation, data: bytes, name: str, **fields):  # noqa: ANN001, ANN003, ANN201
    """Encoded in memory: the test client would spool a large body to a temporary file
    that it never closes."""
    token = csrf_from(client.get("/evaluations/").get_data(as_text=True))
    payload = MultiDict({"csrf_token": token, **fields})
    payload.add("file", FileStorage(io.BytesIO(data), filename=name,
                                    content_type="application/octet-stream"))
    boundary, body = encode_multipart(payload)
    return client.post(f"/evaluations/{evaluation.id}/attachments", data=body,
                       content_type=f'multipart/form-data; boundary="{boundary}"')


def stored_files(app) -> list[str]:  # noqa: ANN001
    folder = Path(app.config["MONITOR_ATTACHMENT_DIR"])
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_an_arabic_named_pdf_is_stored_under_a_random_name_outside_static(app, s):
    client = client_for(app, s.evaluator)
    response = upload(client, s.evaluation, PDF, "شهادة \u202eالشاهد.pdf")
    assert response.status_code == 302
    attachment = db.session.scalar(sa.select(Attachment))
    assert attachment.display_name == "شهادة الشاهد.pdf"
    assert attachment.visibility == "organization"  # the default
    assert attachment.size == len(PDF) and attachment.content_type == "application/pdf"
    assert len(attachment.stored_name) == 32 and attachment.stored_name in stored_files(app)
    path = Path(app.config["MONITOR_ATTACHMENT_DIR"]) / attachment.stored_name
    assert path.read_bytes() == PDF
    assert TOP / "monitor" / "static" not in path.parents
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "attachment.uploaded", AuditEvent.object_id == attachment.id)) == 1

    download = client.get(f"/evaluations/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote("شهادة الشاهد.pdf") in disposition


@pytest.mark.parametrize("data, name, message", [
    (b"MZ\x90\x00" + b"\x00" * 500, "report.pdf", "This file is a program"),
    (b"<html><body>hi</body></html>", "evidence.pdf", "Web pages and SVG images"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "chart.svg", "Web pages and SVG images"),
])
def test_refused_files_are_not_saved(app, s, data, name, message):
    client = client_for(app, s.evaluator)
    before = row_counts()
    response = upload(client, s.evaluation, data, name)
    assert response.status_code == 422
    assert message in html.unescape(response.get_data(as_text=True))
    assert row_counts() == before and stored_files(app) == []


def test_a_zip_bomb_docx_is_refused_on_the_web(app, s):
    client = client_for(app, s.evaluator)
    before = row_counts()
    response = upload(client, s.evaluation, zip_bomb(), "report.docx")
    assert response.status_code == 422 and "zip bomb" in response.get_data(as_text=True)
    assert row_counts() == before and stored_files(app) == []


def test_a_file_over_the_attachment_limit_is_refused(app, s):
    app.config["MONITOR_ATTACHMENT_MAX_MB"] = 1
    client = client_for(app, s.evaluator)
    before = row_counts()
    response = upload(client, s.evaluation, PDF + b"\x00" * (1024 * 1024), "big.pdf")
    assert response.status_code == 413
    assert "The limit is 1 MB" in response.get_data(as_text=True)
    assert row_counts() == before and stored_files(app) == []


def test_a_30_mb_upload_gets_a_translated_413_and_nothing_is_saved(app, s):
    client = client_for(app, s.evaluator)
    before = row_counts()
    response = upload(client, s.evaluation, PDF + b"\x00" * (30 * 1024 * 1024), "huge.pdf")
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)
    assert row_counts() == before and stored_files(app) == []
    arabic = app.test_client()
    login(arabic, s.evaluator2.email)
    arabic.get("/evaluations/?lang=ar")
    response = upload(arabic, s.evaluation, PDF + b"\x00" * (30 * 1024 * 1024), "huge.pdf")
    assert response.status_code == 413 and 'lang="ar"' in response.get_data(as_text=True)
    assert stored_files(app) == []


def test_no_upload_without_a_file(app, s):
    client = client_for(app, s.evaluator)
    before = row_counts()
    token = csrf_from(client.get("/evaluations/").get_data(as_text=True))
    response = client.post(f"/evaluations/{s.evaluation.id}/attachments",
                           data={"csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Please choose a file" in response.get_data(
        as_text=True)
    assert row_counts() == before


# --- who may download -------------------------------------------------------------------------


def _attach(s, data: bytes, name: str, visibility: str) -> Attachment:  # noqa: ANN001
    attachment = service.store(db.session, s.evaluation, data=data, filename=name,
                               visibility=visibility, user=s.evaluator)
    db.session.commit()
    return attachment


def test_another_organisation_never_gets_the_documents(app, s):
    attachment = _attach(s, PDF, "a.pdf", "coordinator")
    other = client_for(app, s.other_admin)
    assert other.get(f"/evaluations/attachments/{attachment.id}").status_code == 404
    before = row_counts()
    response = upload(other, s.evaluation, PDF, "x.pdf")
    assert response.status_code == 404
    assert row_counts() == before


def test_the_coordinator_gets_only_shared_documents_of_submitted_evaluations(app, s):
    shared = _attach(s, PNG, "shared.png", "coordinator")
    private = _attach(s, JPEG, "witness.jpg", "organization")
    coordinator = client_for(app, s.coordinator)
    # Not submitted yet: nothing.
    assert coordinator.get(f"/evaluations/attachments/{shared.id}").status_code == 404
    evaluation = db.session.get(Evaluation, s.evaluation.id)
    evaluations.submit(db.session, evaluation, None, expected_version=evaluation.version,
                       user=s.admin)
    db.session.commit()
    response = coordinator.get(f"/evaluations/attachments/{shared.id}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert coordinator.get(f"/evaluations/attachments/{private.id}").status_code == 404
    review = coordinator.get(f"/evaluations/review/{evaluation.id}").get_data(as_text=True)
    assert "shared.png" in review and "witness" not in review
    (revision,) = db.session.get(Evaluation, evaluation.id).revisions
    recorded = revision.answers["_attachments"]["evidence_files"]
    assert {"name": "shared.png"}.items() <= recorded[0].items()
    assert "name" not in recorded[1] and recorded[1]["sha256"] == private.sha256
    # Another body's coordinator: nothing.
    stranger = make.coordinator(make.body())
    db.session.commit()
    other = client_for(app, stranger)
    assert other.get(f"/evaluations/attachments/{shared.id}").status_code == 404


def test_visibility_can_be_changed_and_documents_removed_while_editable(app, s):
    attachment = _attach(s, PDF, "a.pdf", "organization")
    client = client_for(app, s.evaluator)
    token = csrf_from(client.get("/evaluations/").get_data(as_text=True))
    base = f"/evaluations/{s.evaluation.id}/attachments/{attachment.id}"
    assert client.post(f"{base}/visibility", data={"csrf_token": token,
                                                   "visibility": "coordinator"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Attachment, attachment.id).visibility == "coordinator"
    assert client.post(f"{base}/delete", data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
    assert stored_files(app) == []


def test_a_document_of_a_submitted_version_is_kept(app, s):
    attachment = _attach(s, PDF, "a.pdf", "coordinator")
    evaluation = db.session.get(Evaluation, s.evaluation.id)
    revision = evaluations.submit(db.session, evaluation, None,
                                  expected_version=evaluation.version, user=s.admin)
    db.session.commit()
    assert revision.answers["_attachments"]["evidence_files"][0]["sha256"] == attachment.sha256
    review.request_clarification(db.session, evaluation, message="Why?",
                                      user=s.coordinator)
    db.session.commit()
    client = client_for(app, s.evaluator)
    token = csrf_from(client.get("/evaluations/").get_data(as_text=True))
    response = client.post(f"/evaluations/{evaluation.id}/attachments/{attachment.id}/delete",
                           data={"csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 1
    assert "is kept" in client.get(response.headers["Location"]).get_data(as_text=True)


# --- attaching while typing ------------------------------------------------------------------


def _post_with_answers(client, url: str, answers: dict, version: int, data: bytes,  # noqa: ANN001, ANN201
                       name: str):
    """What the Attach button sends: it is part of the answers form."""
    token = csrf_from(client.get("/evaluations/").get_data(as_text=True))
    payload = MultiDict({"csrf_token": token, "version": str(version), "visibility":
                         "organization", **{f"q.{k}": v for k, v in answers.items()}})
    payload.add("file", FileStorage(io.BytesIO(data), filename=name,
                                    content_type="application/octet-stream"))
    boundary, body = encode_multipart(payload)
    return client.post(url, data=body,
                       content_type=f'multipart/form-data; boundary="{boundary}"')


def test_text_typed_before_attaching_is_kept_and_the_next_save_has_no_conflict(app, s):
    evaluation = s.evaluation
    client = client_for(app, s.evaluator)
    page = client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert 'form="answers"' in page and 'id="answers"' in page
    typed = {"status": "25", "assessment": "Typed before attaching the report."}
    response = _post_with_answers(client, f"/evaluations/{evaluation.id}/attachments", typed,
                                  evaluation.version, PDF, "report.pdf")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    saved = db.session.get(Evaluation, evaluation.id)
    assert saved.answers["assessment"] == "Typed before attaching the report."
    assert db.session.scalars(sa.select(Attachment.display_name).where(
        Attachment.evaluation_id == evaluation.id)).all() == ["report.pdf"]
    page = html.unescape(client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True))
    assert "Typed before attaching the report." in page
    assert f'name="version" value="{saved.version}"' in page
    # The next "Save draft", with the version the page holds, is no conflict.
    token = csrf_from(page)
    response = client.post(f"/evaluations/{evaluation.id}/save", data={
        "csrf_token": token, "version": str(saved.version), "q.status": "25",
        "q.assessment": "Then saved again."})
    assert response.status_code == 302
    assert "Someone else saved" not in html.unescape(
        client.get(response.headers["Location"]).get_data(as_text=True))


def test_a_refused_document_keeps_the_typed_text_on_the_page_and_saves_nothing(app, s):
    evaluation = s.evaluation
    client = client_for(app, s.evaluator)
    before = row_counts()
    response = _post_with_answers(
        client, f"/evaluations/{evaluation.id}/attachments",
        {"status": "25", "assessment": "Typed, then a program attached."}, evaluation.version,
        b"MZ\x90\x00" + b"\x00" * 200, "tool.pdf")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 415 or 400 <= response.status_code < 500
    assert "This file is a program" in page and "Typed, then a program attached." in page
    assert row_counts() == before


def test_the_upload_area_is_there_before_the_first_save_and_starts_the_draft(app, s):
    client = client_for(app, s.evaluator)
    rec = s.file.recommendations[1]
    begin = f"/evaluations/period/{s.period.id}/recommendation/{rec.id}"
    page = client.get(begin).get_data(as_text=True)
    assert f'formaction="{begin}/attachments"' in page
    response = _post_with_answers(client, f"{begin}/attachments",
                                  {"assessment": "Typed before any save."}, 0, PDF, "law.pdf")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    started = db.session.scalar(sa.select(Evaluation).where(
        Evaluation.organization_id == s.org.id, Evaluation.recommendation_id == rec.id))
    assert started.answers == {"assessment": "Typed before any save."}
    assert db.session.scalars(sa.select(Attachment.display_name).where(
        Attachment.evaluation_id == started.id)).all() == ["law.pdf"]
