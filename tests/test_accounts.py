"""Accounts: password reset by a signed single-use link, password rules, changing the
password and signing out everywhere."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

import factories as make
from monitor.extensions import db
from monitor.models import OutgoingEmail, User
from monitor.services import accounts
from support import PASSWORD, csrf_from, login, post_form, row_counts


def _reset_link() -> str:
    email = db.session.scalars(sa.select(OutgoingEmail).order_by(OutgoingEmail.id.desc())).first()
    match = re.search(r"http://localhost(/reset/\S+)", email.body_text)
    assert match, email.body_text
    return match.group(1)


def test_password_reset_answers_known_and_unknown_emails_alike(client):
    make.coordinator(make.body(), email="known@gov.example")
    db.session.commit()
    answers = []
    for email in ("known@gov.example", "unknown@gov.example"):
        response = post_form(client, "/reset?lang=en", {"email": email}, follow_redirects=True)
        page = response.get_data(as_text=True).split("<main")[1].split("</main>")[0]
        # The form's token carries the second it was made in: not part of the answer.
        answers.append(re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", page))
    assert "If an account exists for this address" in answers[0]
    assert answers[0] == answers[1]
    # Only the real account got a message.
    recipients = db.session.scalars(sa.select(OutgoingEmail.recipient)).all()
    assert recipients == ["known@gov.example"]


def test_a_reset_link_works_once_and_ends_other_sessions(client, app):
    user = make.coordinator(make.body(), email="r@gov.example")
    db.session.commit()
    other = app.test_client()
    login(other, "r@gov.example")

    post_form(client, "/reset", {"email": "r@gov.example"})
    link = _reset_link()
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"] == "/reset/new"
    page = client.get("/reset/new?lang=en")
    response = client.post("/reset/new", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    login(client, "r@gov.example", "a brand new passphrase")
    assert other.get("/plans/").status_code == 302  # the other session ended

    # The same link again: refused, nothing changed.
    db.session.expire_all()
    before = db.session.get(User, user.id).password_hash
    again = app.test_client()
    again.get(link)
    response = again.get("/reset/new?lang=en")
    assert response.status_code == 400
    assert "already been used" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == before


@pytest.mark.parametrize("token", ["garbage", "eyJ1IjoxfQ.tampered.signature"])
def test_a_tampered_reset_link_is_refused(client, token):
    client.get(f"/reset/{token}")
    response = client.get("/reset/new?lang=en")
    assert response.status_code == 400
    assert "This link is not valid" in response.get_data(as_text=True)


def test_an_invitation_token_cannot_reset_a_password(client, app):
    from monitor.tokens import make_token

    user = make.coordinator(make.body())
    db.session.commit()
    token = make_token("invitation", {"u": user.id, "h": user.password_hash[-16:]})
    client.get(f"/reset/{token}")
    assert client.get("/reset/new?lang=en").status_code == 400


@pytest.mark.parametrize("password, message", [
    ("short", "at least 10 characters"),
    ("password123", "too easy to guess"),
    ("aaaaaaaaaaaa", "too easy to guess"),
])
def test_weak_passwords_are_refused_on_change(client, password, message):
    user = make.coordinator(make.body())
    db.session.commit()
    login(client, user.email)
    before = row_counts()
    response = post_form(client, "/account?lang=en", {"current": PASSWORD, "password": password})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert row_counts() == before
    db.session.expire_all()
    assert accounts.authenticate(db.session, user.email, PASSWORD) is not None


def test_changing_the_password_keeps_this_session_and_ends_the_others(client, app):
    user = make.coordinator(make.body())
    db.session.commit()
    other = app.test_client()
    login(other, user.email)
    login(client, user.email)
    response = post_form(client, "/account", {"current": PASSWORD,
                                              "password": "another good passphrase"})
    assert response.status_code == 302
    assert client.get("/plans/").status_code == 200
    assert other.get("/plans/").status_code == 302


def test_sign_out_everywhere_ends_every_session(client, app):
    user = make.coordinator(make.body())
    db.session.commit()
    other = app.test_client()
    login(other, user.email)
    login(client, user.email)
    post_form(client, "/account/sign-out-everywhere", page="/account")
    assert client.get("/plans/").status_code == 302
    assert other.get("/plans/").status_code == 302
