"""Issue 14, the small findings: look-alike emails (10), line breaks and direction
overrides in single-line fields (11), formulas behind invisible characters (14), key
rotation for signed links (7) and HSTS (12). Huge ids (8) are in test_access_matrix."""
from __future__ import annotations

import csv
import io

import factories as make
import pytest
import sqlalchemy as sa
from test_attacks import refused, signed_in, snapshot, text

from monitor import create_app
from monitor.extensions import db
from monitor.models import Organization, Plan, RecommendationFile
from monitor.services import tabular
from monitor.services.catalogue import records
from monitor.services.outreach import organizations as organization_service
from monitor.tokens import TokenInvalid, make_token, read_token
from support import base_config

INVISIBLE_MESSAGE = "This address contains an invisible character"


# --- 10: look-alike emails --------------------------------------------------------------


@pytest.mark.parametrize("look_alike", [
    "acme@ngo.example\u200d",          # zero width joiner after the address
    "ac\u200cme@ngo.example",          # zero width non-joiner inside
    "\u202eacme@ngo.example",          # right-to-left override
    "acme@ngo.example\u200f",          # right-to-left mark
])
def test_an_address_with_an_invisible_character_is_refused(app, look_alike):
    a, _b = make.worlds()
    coordinator = signed_in(app, a.coordinator)
    before = snapshot()
    response = coordinator.post("/organizations/new", data={
        "csrf_token": coordinator.csrf_token, "name": "Acme",
        "email": look_alike, "preferred_language": "en"})
    refused(response, 422, INVISIBLE_MESSAGE, before)


def test_a_fullwidth_address_is_the_same_organisation(app):
    a, _b = make.worlds()
    coordinator = signed_in(app, a.coordinator)
    response = coordinator.post("/organizations/new", data={
        "csrf_token": coordinator.csrf_token, "name": "Acme",
        "email": "acme@ngo.example", "preferred_language": "en"})
    assert response.status_code == 302, text(response)[:1000]
    before = snapshot()
    response = coordinator.post("/organizations/new", data={
        "csrf_token": coordinator.csrf_token, "name": "Acme twin",
        "email": "ＡＣＭＥ@ｎｇｏ.example", "preferred_language": "en"})
    refused(response, 422, "An organisation with this email is already in the list", before)


def test_the_import_refuses_look_alike_addresses_too(app):
    values, errors = organization_service.clean_fields(
        {"name": "Acme", "email": "acme@ngo.example\u200d"})
    assert values["email"] is None
    assert errors == [("email", errors[0][1])] and INVISIBLE_MESSAGE in errors[0][1]
    assert organization_service.clean_email("ａｃｍｅ@NGO.example") == ("acme@ngo.example", None)


# --- 11: single-line fields ---------------------------------------------------------------

HOSTILE_TITLE = "Plan 2025\r\nBcc: victim@evil.example\u202e\u2066 fdp.exe"
CLEAN_TITLE = "Plan 2025 Bcc: victim@evil.example fdp.exe"


def test_a_plan_title_with_a_line_break_is_refused_and_overrides_are_removed(app):
    a, _b = make.worlds()
    coordinator = signed_in(app, a.coordinator)
    data = {"csrf_token": coordinator.csrf_token, "body_id": str(a.coordinator.body_id),
            "slug": "hostile-plan", "title_en": HOSTILE_TITLE, "status": "draft"}
    before = snapshot()
    refused(coordinator.post("/plans/new", data=data), 422,
            "Line breaks and control characters are not allowed here.", before)
    response = coordinator.post("/plans/new", data=data | {
        "title_en": "Plan\u202e 2025\u2066", "title_ar": "خطة\u202e جديدة"})
    assert response.status_code == 302, text(response)[:1500]
    plan = db.session.scalar(sa.select(Plan).where(Plan.slug == "hostile-plan"))
    assert (plan.title_en, plan.title_ar) == ("Plan 2025", "خطة جديدة")


@pytest.mark.parametrize("url, field", [
    ("/plans/{slug}/files/new", "title_en"),
    ("/plans/{slug}/periods/new", "label"),
    ("/organizations/new", "governorate"),
])
def test_every_single_line_form_field_refuses_line_breaks(app, url, field):
    a, _b = make.worlds()
    coordinator = signed_in(app, a.coordinator)
    before = snapshot()
    response = coordinator.post(url.format(slug=a.plan.slug), data={
        "csrf_token": coordinator.csrf_token, field: "One\r\nBcc: victim@evil.example"})
    refused(response, 422, "Line breaks and control characters are not allowed here.", before)


def test_services_clean_single_line_fields_on_every_path(app):
    """The CLI, imports and the demo call the services or set the models directly."""
    a, _b = make.worlds()
    rf = records.create_file(db.session, a.plan, title_en=HOSTILE_TITLE, actor_id=None)
    a.org.name = "Acme\r\nTrust\u202e"
    a.body.name_en = "Body\u2028two"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(RecommendationFile, rf.id).title_en == CLEAN_TITLE
    assert db.session.get(Organization, a.org.id).name == "Acme Trust"
    assert a.body.name_en == "Body two"


def test_multi_line_fields_keep_their_line_breaks(app):
    a, _b = make.worlds()
    a.plan.description_en = "First line\nsecond line"
    a.rec.text_en = "First\r\nsecond"
    db.session.commit()
    db.session.expire_all()
    assert a.plan.description_en == "First line\nsecond line"
    assert a.rec.text_en == "First\r\nsecond"


# --- 14: formulas behind invisible characters ---------------------------------------------


@pytest.mark.parametrize("value", [
    "\u200f=HYPERLINK(\"https://evil.example\")",  # right-to-left mark
    "\u200e+1+cmd|' /C calc'!A0",                   # left-to-right mark
    "\u202e-2+3",                                   # right-to-left override
    "\u200b\u2066@SUM(1+1)",                        # zero-width space, isolate
    " \u00a0=1+1",                                  # spaces
])
def test_invisible_characters_before_a_formula_do_not_escape_neutralisation(value):
    assert tabular.neutralise(value) == "'" + value
    csv_text = tabular.write_csv(["cell"], [[value]]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(csv_text)))[1] == ["'" + value]


def test_text_that_only_contains_such_characters_is_left_alone():
    assert tabular.neutralise("\u200fمرحبا = hello") == "\u200fمرحبا = hello"
    assert tabular.neutralise("\u200f") == "\u200f"


def test_an_organisation_name_that_hides_a_formula_is_refused(app):
    values, errors = organization_service.clean_fields(
        {"name": "\u200f=cmd", "email": "acme@ngo.example"})
    assert [field for field, _message in errors] == ["name"]


# --- 7: key rotation ----------------------------------------------------------------------


def test_a_link_signed_with_the_previous_key_still_works_after_rotation(tmp_path):
    old = create_app(base_config(tmp_path) | {"SECRET_KEY": "old-key-" + "x" * 40})
    with old.app_context():
        token = make_token("invitation", {"i": 1, "n": "nonce"})
    rotated = create_app(base_config(tmp_path) | {
        "SECRET_KEY": "new-key-" + "y" * 40, "SECRET_KEY_FALLBACKS": ["old-key-" + "x" * 40]})
    with rotated.app_context():
        assert read_token("invitation", token, 3600) == {"i": 1, "n": "nonce"}
        fresh = make_token("invitation", {"i": 2, "n": "nonce"})
    # New links are signed with the new key only: dropping the fallback keeps them working
    # and ends the old ones.
    done = create_app(base_config(tmp_path) | {"SECRET_KEY": "new-key-" + "y" * 40})
    with done.app_context():
        assert read_token("invitation", fresh, 3600)["i"] == 2
        with pytest.raises(TokenInvalid):
            read_token("invitation", token, 3600)


# --- 12: HSTS -----------------------------------------------------------------------------


def test_hsts_is_sent_over_https_only(app):
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_hsts_behind_a_proxy_follows_the_forwarded_scheme(tmp_path, database_url):
    app = create_app(base_config(tmp_path) | {"SQLALCHEMY_DATABASE_URI": database_url,
                                              "MONITOR_PROXIES": 1})
    client = app.test_client()
    try:
        forwarded = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "max-age=31536000" in forwarded.headers["Strict-Transport-Security"]
        plain = client.get("/login", headers={"X-Forwarded-Proto": "http"})
        assert "Strict-Transport-Security" not in plain.headers
    finally:
        with app.app_context():  # the session store's pooled connections, closed
            db.engine.dispose()
