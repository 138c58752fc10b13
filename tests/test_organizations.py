"""The coordinator's list of organisations: one by one, or imported from CSV/XLSX with a
preview; every bad row reported and nothing imported while any row is rejected."""
from __future__ import annotations

import html
import io
import re

import pytest
import sqlalchemy as sa

import factories as make
from monitor.extensions import db
from monitor.models import AuditEvent, Organization
from support import csrf_from, login, post_form, row_counts, table_snapshot, text

HEADER = "name,email,registration_number,governorate,preferred_language\r\n"


@pytest.fixture
def coordinator(client):  # noqa: ANN001, ANN201
    user = make.coordinator(make.body())
    db.session.commit()
    client.get("/login?lang=en")
    login(client, user.email)
    return user


def multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    """Encode the form in memory (the test client would spool a large body to a temporary
    file that it never closes)."""
    boundary = "----monitor-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             .encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                 .encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}")


def upload(client, data: bytes, filename: str = "list.csv"):  # noqa: ANN001, ANN201
    page = client.get("/organizations/import")
    token = csrf_from(page.get_data(as_text=True))
    body, content_type = multipart({"csrf_token": token}, filename, data)
    return client.post("/organizations/import", data=body, content_type=content_type)


def confirm(client, preview_response):  # noqa: ANN001, ANN201
    page = preview_response.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page) or re.search(
        r'id="token" name="token" type="hidden" value="([^"]+)"', page)
    assert token, "no confirmation form in the preview"
    return client.post("/organizations/import", data={
        "csrf_token": csrf_from(page), "token": html.unescape(token.group(1))})


# --- one by one ----------------------------------------------------------------------------


def test_coordinator_adds_an_organisation_and_finds_it_in_the_list(client, coordinator):
    response = post_form(client, "/organizations/new", {
        "name": "جمعية الأمل", "email": "  Contact@Amal.Example ", "registration_number": "R-1",
        "governorate": "Basra", "preferred_language": "ckb"})
    assert response.status_code == 302
    org = db.session.scalar(sa.select(Organization))
    assert (org.name, org.email, org.preferred_language) == ("جمعية الأمل", "contact@amal.example",
                                                             "ckb")
    assert db.session.scalar(sa.select(AuditEvent.action)) == "organization.created"
    page = text(client.get("/organizations?q=amal"))
    assert "contact@amal.example" in page


def test_the_confirmation_isolates_the_name_typed_and_escapes_it(client, coordinator):
    # An Arabic name inside an English (or a Latin name inside an Arabic) sentence: in <bdi>,
    # so that its direction cannot reorder the sentence; markup in it stays text.
    post_form(client, "/organizations/new", {
        "name": "جمعية <b>الأمل</b> 2", "email": "amal@ngo.example", "preferred_language": "ar"})
    page = client.get("/organizations").get_data(as_text=True)
    assert "<bdi>جمعية &lt;b&gt;الأمل&lt;/b&gt; 2</bdi> was added." in page


def test_adding_the_same_email_twice_is_refused_and_nothing_changes(client, coordinator):
    make.organization("First")
    existing = db.session.scalar(sa.select(Organization))
    db.session.commit()
    before = row_counts()
    response = post_form(client, "/organizations/new", {
        "name": "Second", "email": existing.email.upper(), "preferred_language": "ar"})
    assert response.status_code == 422
    assert "An organisation with this email is already in the list: First." in text(response)
    assert row_counts() == before


def test_line_breaks_in_a_name_or_email_are_refused(client, coordinator):
    before = row_counts()
    for field, value in [("name", "Evil NGO\r\nBcc: victim@example.org"),
                         ("email", "ngo@example.org\r\nBcc: victim@example.org"),
                         ("email", "ngo@example.org\nSubject: spam")]:
        data = {"name": "Good NGO", "email": "good@ngo.example", "preferred_language": "en",
                field: value}
        response = post_form(client, "/organizations/new", data)
        assert response.status_code == 422
        assert "Line breaks and control characters are not allowed here." in text(response)
    assert row_counts() == before


def test_a_formula_in_a_name_is_refused(client, coordinator):
    before = row_counts()
    response = post_form(client, "/organizations/new", {
        "name": "=HYPERLINK(\"http://evil.example\")", "email": "f@ngo.example",
        "preferred_language": "ar"})
    assert response.status_code == 422
    assert "like a spreadsheet formula" in text(response)
    assert row_counts() == before


def test_coordinator_corrects_an_address(client, coordinator):
    org = make.organization("NGO")
    db.session.commit()
    response = post_form(client, f"/organizations/{org.id}/edit", {
        "name": "NGO", "email": "fixed@ngo.example", "preferred_language": "en"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, org.id).email == "fixed@ngo.example"


def test_ngo_users_cannot_manage_organisations(client):
    org = make.organization()
    user = make.ngo_user(org)
    db.session.commit()
    login(client, user.email)
    assert client.get("/organizations").status_code == 403
    assert client.get("/organizations/import").status_code == 403


# --- import --------------------------------------------------------------------------------


def test_import_of_a_utf8_csv_with_bom_shows_a_preview_then_imports(client, coordinator):
    data = (HEADER + "منظمة الأمل,amal@ngo.example,R-1,Basra,ar\r\n"
            "ڕێکخراوی ژیان,Jiyan@NGO.example,,Erbil,Kurdish\r\n"
            "Hope,hope@ngo.example,R-3,Baghdad,en\r\n").encode("utf-8-sig")
    preview = upload(client, data)
    assert preview.status_code == 200
    page = text(preview)
    assert "New organisations to import: 3. Already in the list, to be skipped: 0." in page
    assert "منظمة الأمل" in page and "ڕێکخراوی ژیان" in page
    assert row_counts()["organization"] == 0  # a preview writes nothing

    response = confirm(client, preview)
    assert response.status_code == 302
    orgs = {o.email: o for o in db.session.scalars(sa.select(Organization))}
    assert set(orgs) == {"amal@ngo.example", "jiyan@ngo.example", "hope@ngo.example"}
    assert orgs["jiyan@ngo.example"].preferred_language == "ckb"
    assert orgs["amal@ngo.example"].name == "منظمة الأمل"


def test_a_windows_1256_arabic_file_imports_correctly(client, coordinator):
    data = ("الاسم,البريد الإلكتروني,المحافظة\r\n"
            "جمعية النور,noor@ngo.example,نينوى\r\n").encode("cp1256")
    response = confirm(client, upload(client, data))
    assert response.status_code == 302
    org = db.session.scalar(sa.select(Organization))
    assert (org.name, org.governorate) == ("جمعية النور", "نينوى")


def test_an_xlsx_list_imports(client, coordinator):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Name", "Email", "Registration number", "Governorate", "Language"])
    sheet.append(["Tigris NGO", "tigris@ngo.example", 1234, "Baghdad", "ar"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = confirm(client, upload(client, buffer.getvalue(), "list.xlsx"))
    assert response.status_code == 302
    org = db.session.scalar(sa.select(Organization))
    assert (org.name, org.registration_number) == ("Tigris NGO", "1234")


def test_every_bad_row_is_reported_and_nothing_is_imported(client, coordinator):
    data = (HEADER
            + "Good NGO,good@ngo.example,,,ar\r\n"                       # row 2: fine
            + ",noname@ngo.example,,,ar\r\n"                             # row 3: no name
            + "Bad Mail,not-an-email,,,ar\r\n"                           # row 4
            + '"=HYPERLINK(""http://evil.example"",""x"")",f@ngo.example,,,ar\r\n'  # row 5
            + "Twin,GOOD@ngo.example,,,ar\r\n"                           # row 6: same as 2
            + "Lang NGO,lang@ngo.example,,,fr\r\n"                       # row 7
            + '"Split\rName",split@ngo.example,,,ar\r\n'                  # row 8: CR in name
            ).encode()
    before = table_snapshot(Organization)
    response = upload(client, data)
    assert response.status_code == 422
    page = text(response)
    assert "Nothing was imported." in page
    assert "6 rows were rejected." in page
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>',
                      page)
    reported = {(int(r), f) for r, f, _m in rows}
    assert reported == {(3, "Name"), (4, "Email"), (5, "Name"), (6, "Email"),
                        (7, "Preferred language"), (8, "Name")}
    messages = {int(r): m for r, _f, m in rows}
    assert "The same email as row 2" in messages[6]
    assert "spreadsheet formula" in messages[5]
    assert "payload" not in page  # no way to confirm
    assert table_snapshot(Organization) == before


def test_an_address_already_in_the_list_is_skipped_never_doubled(client, coordinator):
    make.organization("Known")
    known = db.session.scalar(sa.select(Organization))
    db.session.commit()
    data = (HEADER + f"Known again,{known.email.upper()},,,ar\r\n"
            + "New NGO,new@ngo.example,,,ar\r\n").encode()
    preview = upload(client, data)
    assert "New organisations to import: 1. Already in the list, to be skipped: 1." in text(
        preview)
    assert "Already in the list: skipped" in text(preview)
    confirm(client, preview)
    emails = sorted(db.session.scalars(sa.select(Organization.email)))
    assert emails == sorted([known.email, "new@ngo.example"])


def test_a_file_of_known_addresses_only_imports_nothing(client, coordinator):
    make.organization("Known")
    known = db.session.scalar(sa.select(Organization))
    db.session.commit()
    before = row_counts()
    response = upload(client, (HEADER + f"Known,{known.email},,,ar\r\n").encode())
    assert response.status_code == 422
    assert "Every organisation in this file is already in the list" in text(response)
    assert row_counts() == before


def test_unusable_files_are_refused_with_a_reason(client, coordinator):
    before = row_counts()
    for data, message in [
        (b"", "This file is empty."),
        (b"name,governorate\r\nA,Basra\r\n", "Missing column(s): Email."),
        (b"email\r\na@ngo.example\r\n", "Missing column(s): Name."),
        (HEADER.encode(), "This file contains no organisations."),
        (b"%PDF-1.4 binary", "This file is a PDF document"),
    ]:
        response = upload(client, data)
        assert response.status_code == 422
        assert message in text(response), message
    assert row_counts() == before


def test_a_50_mb_file_is_refused(client, coordinator):
    before = row_counts()
    data = (HEADER + "A,a@ngo.example,,,ar\r\n").encode() + b"x" * (50 * 1024 * 1024)
    response = upload(client, data)
    assert response.status_code == 413
    assert "File too large" in text(response)
    assert row_counts() == before


def test_a_file_over_the_import_limit_is_refused_by_the_reader(client, coordinator, app):
    app.config["MONITOR_IMPORT_MAX_MB"] = 1
    before = row_counts()
    data = (HEADER + "A,a@ngo.example,,,ar\r\n" * 60000).encode()
    response = upload(client, data)
    assert response.status_code == 422
    assert "This file is too large" in text(response)
    assert row_counts() == before


def test_a_tampered_confirmation_imports_nothing(client, coordinator):
    preview = upload(client, (HEADER + "A,a@ngo.example,,,ar\r\n").encode())
    page = preview.get_data(as_text=True)
    before = row_counts()
    response = client.post("/organizations/import", data={
        "csrf_token": csrf_from(page), "token": "eyJ1IjoxLCJyIjpbXX0.forged.signature"})
    assert response.status_code == 422
    assert "This upload is no longer available" in text(response)
    assert row_counts() == before


def test_a_preview_confirmed_by_another_coordinator_is_refused(client, coordinator):
    preview = upload(client, (HEADER + "A,a@ngo.example,,,ar\r\n").encode())
    other = make.coordinator(make.body())
    db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_from(preview.get_data(as_text=True))})
    login(client, other.email)
    before = row_counts()
    response = confirm(client, preview)
    assert response.status_code in (400, 422)
    assert row_counts() == before
