"""Foundation: sign-in, access by body and role, languages and direction, CSRF, errors,
configuration and migrations."""
from __future__ import annotations

import subprocess
import sys

import pytest
import sqlalchemy as sa

import factories as make
import support
from monitor import TOP, ConfigurationError, create_app
from monitor.extensions import db
from monitor.models import User
from support import csrf_from, login, post_form, row_counts


def test_coordinator_signs_in_and_sees_the_plans_of_its_body(client):
    own, other = make.body(), make.body()
    mine = make.plan(own)
    theirs = make.plan(other)
    user = make.coordinator(own)
    db.session.commit()

    response = login(client, user.email)
    assert response.headers["Location"] == "/"
    page = client.get("/plans/").get_data(as_text=True)
    assert mine.title_ar in page  # Arabic by default
    assert theirs.title_ar not in page
    assert "الملف 1" in page  # its recommendation files


def test_coordinator_of_one_body_cannot_open_the_other_bodys_plan(client):
    own, other = make.body(), make.body()
    make.plan(own)
    theirs = make.plan(other)
    user = make.coordinator(own)
    db.session.commit()
    login(client, user.email)

    response = client.get(f"/plans/{theirs.slug}")
    assert response.status_code == 404
    assert "هذه الصفحة غير موجودة" in response.get_data(as_text=True)


def test_a_coordinator_without_body_oversees_both(client):
    first, second = make.plan(), make.plan()
    user = make.coordinator(None)
    db.session.commit()
    login(client, user.email)
    assert client.get(f"/plans/{first.slug}").status_code == 200
    assert client.get(f"/plans/{second.slug}").status_code == 200


def test_an_ngo_user_gets_a_translated_403_on_coordinator_pages(client):
    org = make.organization()
    user = make.ngo_user(org)
    db.session.commit()
    login(client, user.email)
    response = client.get("/plans/", headers={"Accept-Language": "en"})
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True) or "غير مسموح" in response.get_data(
        as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/plans/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("email", ["nobody@example.org", "known@gov.example"])
def test_bad_credentials_get_one_generic_message(client, email):
    make.coordinator(make.body(), email="known@gov.example")
    db.session.commit()
    response = post_form(client, "/login?lang=en", {"email": email, "password": "wrong password!"})
    assert response.status_code == 200
    assert "The email or password is not correct." in response.get_data(as_text=True)


def test_email_is_matched_whatever_its_case(client):
    user = make.coordinator(make.body(), email="mixed@gov.example")
    db.session.commit()
    login(client, "  MIXED@Gov.Example ")
    assert client.get("/plans/").status_code == 200
    assert user.last_login_at is not None


def test_the_session_is_reissued_at_sign_in(client):
    user = make.coordinator(make.body())
    db.session.commit()
    client.get("/login")
    client.set_cookie("session", "attacker-chosen-session", domain="localhost")
    login(client, user.email)
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.value != "attacker-chosen-session"


def test_a_password_change_ends_other_sessions(client, app):
    user = make.coordinator(make.body())
    db.session.commit()
    login(client, user.email)
    assert client.get("/plans/").status_code == 200
    user.session_version += 1
    db.session.commit()
    assert client.get("/plans/").status_code == 302  # the copied cookie no longer works


def test_sign_out_needs_post_with_csrf(client):
    user = make.coordinator(make.body())
    db.session.commit()
    login(client, user.email)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no token
    page = client.get("/plans/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    assert client.get("/plans/").status_code == 302


# --- languages ------------------------------------------------------------------------------


def _html_tag(response) -> str:  # noqa: ANN001
    text = response.get_data(as_text=True)
    return text[text.index("<html"): text.index(">", text.index("<html")) + 1]


def test_arabic_is_the_default_and_right_to_left(client):
    assert _html_tag(client.get("/login")) == '<html lang="ar" dir="rtl">'


def test_accept_language_is_followed_when_nothing_was_chosen(client):
    response = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert _html_tag(response) == '<html lang="en" dir="ltr">'


def test_an_explicit_choice_wins_and_is_remembered(client):
    response = client.get("/login?lang=ckb", headers={"Accept-Language": "en"})
    assert _html_tag(response) == '<html lang="ckb" dir="rtl">'
    assert "چوونەژوورەوە" in response.get_data(as_text=True)  # Sorani "Sign in"
    again = client.get("/login", headers={"Accept-Language": "en"})
    assert _html_tag(again) == '<html lang="ckb" dir="rtl">'


def test_a_signed_in_users_saved_language_comes_first(client):
    user = make.coordinator(make.body())
    user.language = "en"
    db.session.commit()
    login(client, user.email)
    client.set_cookie("monitor_lang", "ckb", domain="localhost")
    assert _html_tag(client.get("/plans/")) == '<html lang="en" dir="ltr">'
    client.get("/plans/?lang=ar")
    db.session.refresh(user)
    assert user.language == "ar"


def test_a_language_chosen_on_the_sign_in_page_wins_and_becomes_the_saved_one(client):
    user = make.coordinator(make.body())
    user.language = "ar"
    db.session.commit()
    client.get("/login?lang=en")
    login(client, user.email)
    assert _html_tag(client.get("/plans/")) == '<html lang="en" dir="ltr">'
    db.session.refresh(user)
    assert user.language == "en"
    # Signed out and in again without choosing: the saved preference (now English) holds.
    page = client.get("/plans/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    login(client, user.email)
    assert _html_tag(client.get("/plans/")) == '<html lang="en" dir="ltr">'


def test_an_unknown_language_is_ignored_and_not_echoed(client):
    response = client.get("/login?lang=<script>x</script>")
    assert _html_tag(response) == '<html lang="ar" dir="rtl">'
    assert "<script>x" not in response.get_data(as_text=True)


# --- CSRF and errors ------------------------------------------------------------------------


def test_a_form_without_csrf_token_is_refused_and_changes_nothing(client):
    make.coordinator(make.body(), email="c@gov.example")
    db.session.commit()
    before = row_counts()
    response = client.post("/login?lang=en", data={"email": "c@gov.example",
                                                   "password": "correct horse battery"})
    assert response.status_code == 400
    assert "This form has expired or was sent from elsewhere" in response.get_data(as_text=True)
    assert row_counts() == before
    assert client.get("/plans/").status_code == 302  # not signed in


def test_unknown_pages_get_a_translated_404_in_the_layout(client):
    response = client.get("/no/such/page?lang=en")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "This page does not exist" in text and '<html lang="en"' in text


def test_security_headers_are_set(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


# --- configuration, CLI, migrations ---------------------------------------------------------


def test_a_production_start_without_secret_key_refuses(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="FLASK_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_gunicorn_entry_point_refuses_without_secret_key(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=TOP, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "FLASK_SECRET_KEY is not set" in result.stderr


def test_create_coordinator_reads_the_password_from_stdin(runner):
    body = make.body(slug="krg-coordinator")
    db.session.commit()
    result = runner.invoke(args=["create-coordinator", "New@Gov.Example", "--body",
                                 "krg-coordinator"], input="a long passphrase\na long passphrase\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "new@gov.example"))
    assert user.role == "coordinator" and user.body_id == body.id


def test_create_coordinator_refuses_a_weak_password(runner):
    result = runner.invoke(args=["create-coordinator", "weak@gov.example"],
                           input="short\nshort\n")
    assert result.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


# --- the suite's own helpers ----------------------------------------------------------------


def test_shared_data_skips_with_a_reason_fails_under_ci_and_finds_present_files(
        monkeypatch, tmp_path):
    monkeypatch.setattr(support, "SHARED_DATA", tmp_path / "absent")
    monkeypatch.setattr(support, "CI", False)
    with pytest.raises(pytest.skip.Exception, match="absent"):
        support.shared_data("upr-iraq-cycle2-A-HRC-28-14.csv")
    with pytest.raises(pytest.skip.Exception, match="missing.xlsx"):
        support.shared_data("xlsform/missing.xlsx")
    monkeypatch.setattr(support, "CI", True)
    with pytest.raises(pytest.fail.Exception, match="MONITOR_CI=1"):
        support.shared_data("xlsform/missing.xlsx")
    (tmp_path / "absent").mkdir()
    (tmp_path / "absent" / "x.csv").write_text("a")
    assert support.shared_data("x.csv") == tmp_path / "absent" / "x.csv"


@pytest.mark.parametrize("lang, required, bad_email", [
    ("ckb", "پڕکردنەوەی ئەم خانەیە پێویستە.", "ناونیشانی ئیمەیڵەکە دروست نییە."),
    ("ar", "هذا الحقل مطلوب.", "عنوان البريد الإلكتروني غير صالح."),
    ("en", "This field is required.", "Invalid email address."),
])
def test_wtforms_own_messages_are_translated(client, lang, required, bad_email):
    before = row_counts()
    empty = post_form(client, f"/login?lang={lang}", {"email": "", "password": ""})
    assert required in empty.get_data(as_text=True)
    bad = post_form(client, f"/reset?lang={lang}", {"email": "not-an-address"})
    assert bad_email in bad.get_data(as_text=True)
    assert row_counts() == before


def test_the_home_page_links_to_the_published_results_and_a_favicon_is_served(client):
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/results/"' in page
    assert 'rel="icon" href="/static/favicon.ico"' in page
    assert client.get("/favicon.ico").headers["Location"] == "/static/favicon.ico"
    icon = client.get("/static/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype in ("image/vnd.microsoft.icon",
                                                         "image/x-icon")
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an icon file
    icon.close()
