"""Server-side sessions (security finding 4): a copied cookie stops working after sign-out,
after the idle timeout and after the absolute lifetime; a new id at sign-in; only the
SHA-256 of the id is stored; typed answers survive a session that ended. Time passes by
moving the stored timestamps back, never by sleeping."""
from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa

import factories as make
from monitor.extensions import db
from monitor.models import AuditEvent, Evaluation, utcnow
from monitor.models.sessions import ServerSession
from monitor.services.evaluation import lifecycle as service
from support import PASSWORD, csrf_from, login, post_form, table_snapshot, text

COOKIE = "session"


def _cookie(client) -> str:  # noqa: ANN001
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def _copy(app, client):  # noqa: ANN001, ANN201
    """Another browser holding a copy of `client`'s session cookie (as a thief would)."""
    thief = app.test_client()
    thief.get("/login?lang=en")
    thief.set_cookie(COOKIE, _cookie(client))
    return thief


def _age(client, *, idle: dt.timedelta = dt.timedelta(), started: dt.timedelta = dt.timedelta()
         ) -> None:  # noqa: ANN001
    """Pretend the session of `client` was last used `idle` ago and began `started` ago."""
    key = hashlib.sha256(_cookie(client).encode()).hexdigest()
    now = utcnow()
    db.session.execute(sa.update(ServerSession).where(ServerSession.id_hash == key).values(
        accessed_at=now - idle, created_at=now - max(started, idle)))
    db.session.commit()


def _signed_in(app, role: str = "coordinator"):  # noqa: ANN001, ANN201
    user = make.coordinator(make.body(), email="c@gov.example")
    db.session.commit()
    client = app.test_client()
    client.get("/login?lang=en")
    login(client, user.email)
    assert client.get("/plans/").status_code == 200
    return client, user


def _goes_to_sign_in(client) -> str:  # noqa: ANN001
    response = client.get("/plans/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    return text(client.get(response.headers["Location"]))


def test_the_database_holds_only_the_hash_of_the_session_id(app):
    client, user = _signed_in(app)
    raw = _cookie(client)
    assert len(raw) >= 43  # 256 random bits
    rows = db.session.scalars(sa.select(ServerSession)).all()
    assert [r.id_hash for r in rows] == [hashlib.sha256(raw.encode()).hexdigest()]
    assert rows[0].user_id == user.id
    assert all(raw not in (r.id_hash + r.data) for r in rows)


def test_signing_in_issues_a_new_session_id(app):
    make.coordinator(make.body(), email="c@gov.example")
    db.session.commit()
    client = app.test_client()
    page = client.get("/login?lang=en")
    before = _cookie(client)  # the anonymous session holding the form's token
    client.post("/login", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                "email": "c@gov.example", "password": PASSWORD})
    assert _cookie(client) != before
    # The session from before the sign-in (a fixation attempt) is not signed in.
    fixated = app.test_client()
    fixated.set_cookie(COOKIE, before)
    assert fixated.get("/plans/").status_code == 302


def test_a_cookie_copied_before_sign_out_no_longer_works(app):
    client, user = _signed_in(app)
    thief = _copy(app, client)
    assert thief.get("/plans/").status_code == 200  # a copy works while the session lives
    response = post_form(client, "/logout", page="/plans/")
    assert response.status_code == 302
    assert "You are signed out." in text(client.get(response.headers["Location"]))
    _goes_to_sign_in(thief)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ServerSession).where(
        ServerSession.user_id == user.id)) == 0


def test_after_the_idle_timeout_a_copied_cookie_leads_to_the_sign_in_page(app):
    client, _user = _signed_in(app)
    thief = _copy(app, client)
    _age(client, idle=dt.timedelta(minutes=121))
    page = _goes_to_sign_in(thief)
    assert "You were signed out after inactivity. Please sign in again." in page
    _goes_to_sign_in(client)  # the owner too, of course
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ServerSession).where(
        ServerSession.user_id.is_not(None))) == 0


def test_a_session_in_use_stays_open_and_its_idle_clock_restarts(app):
    client, _user = _signed_in(app)
    _age(client, idle=dt.timedelta(minutes=119), started=dt.timedelta(hours=3))
    assert client.get("/plans/").status_code == 200
    _age(client, idle=dt.timedelta(minutes=0), started=dt.timedelta(hours=3))
    db.session.expire_all()
    seen = db.session.scalar(sa.select(ServerSession.accessed_at).where(
        ServerSession.user_id.is_not(None)))
    assert utcnow() - seen < dt.timedelta(minutes=2)


def test_after_the_absolute_lifetime_even_an_active_session_ends(app):
    client, _user = _signed_in(app)
    thief = _copy(app, client)
    _age(client, idle=dt.timedelta(minutes=1), started=dt.timedelta(hours=12, minutes=1))
    page = _goes_to_sign_in(thief)
    assert "You were signed out: a session lasts at most 12 hours." in page


def test_the_timeouts_are_configurable(app):
    app.config.update(MONITOR_SESSION_IDLE_MINUTES=5, MONITOR_SESSION_MAX_HOURS=1)
    from monitor import sessions

    sessions.register(app)
    client, _user = _signed_in(app)
    _age(client, idle=dt.timedelta(minutes=6))
    assert "signed out after inactivity" in _goes_to_sign_in(client)


def test_the_message_is_translated(app):
    client, _user = _signed_in(app)
    client.get("/plans/?lang=ar")
    _age(client, idle=dt.timedelta(hours=3))
    page = _goes_to_sign_in(client)
    assert "You were signed out after inactivity" not in page
    assert 'lang="ar"' in page


def test_sign_out_everywhere_deletes_every_session_of_the_user(app):
    client, user = _signed_in(app)
    other = app.test_client()
    login(other, user.email)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ServerSession).where(
        ServerSession.user_id == user.id)) == 2
    post_form(client, "/account/sign-out-everywhere", page="/account")
    _goes_to_sign_in(other)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ServerSession).where(
        ServerSession.user_id == user.id)) == 0


# --- no typed work lost --------------------------------------------------------------------


def _evaluator_editing(app):  # noqa: ANN001, ANN201
    s = make.setting()
    db.session.commit()
    evaluation = service.start(db.session, organization_id=s.org.id, recommendation=s.rec,
                               period=s.period, user=s.evaluator, answers={"status": "25"})
    db.session.commit()
    client = app.test_client()
    client.get("/login?lang=en")
    login(client, s.evaluator.email)
    page = client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    return s, evaluation, client, csrf_from(page)


def test_answers_saved_after_the_session_ended_come_back_after_signing_in(app):
    s, evaluation, client, token = _evaluator_editing(app)
    _age(client, idle=dt.timedelta(hours=3))  # lunch, a meeting, a power cut
    before = table_snapshot(Evaluation, AuditEvent)
    typed = {"csrf_token": token, "version": "1", "q.status": "75",
             "q.assessment": "Three hours of careful writing."}
    response = client.post(f"/evaluations/{evaluation.id}/save", data=typed)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    page = text(client.get(response.headers["Location"]))
    assert "You were signed out after inactivity" in page
    assert table_snapshot(Evaluation, AuditEvent) == before  # nothing saved meanwhile
    response = post_form(client, "/login", {"email": s.evaluator.email, "password": PASSWORD,
                                            "next": f"/evaluations/{evaluation.id}"})
    assert response.headers["Location"] == f"/evaluations/{evaluation.id}"
    page = text(client.get(response.headers["Location"]))
    assert "You had been signed out, so nothing was saved." in page
    assert "Three hours of careful writing." in page and 'value="75" checked' in page
    # Pressing the button again saves them; the page does not offer them twice.
    response = client.post(f"/evaluations/{evaluation.id}/save",
                           data=typed | {"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Evaluation, evaluation.id).answers["assessment"] == \
        "Three hours of careful writing."
    assert "Three hours" not in text(client.get(f"/evaluations/{evaluation.id}?lang=en")
                                     ).split("<form")[0]


def test_kept_answers_go_back_to_their_author_only(app):
    s, evaluation, client, token = _evaluator_editing(app)
    _age(client, idle=dt.timedelta(hours=3))
    client.post(f"/evaluations/{evaluation.id}/save",
                data={"csrf_token": token, "version": "1", "q.assessment": "Private notes."})
    # A colleague signs in on the same computer: the notes are not theirs.
    colleague = make.ngo_user(s.org, "ngo_admin", email="admin2@ngo.example")
    db.session.commit()
    login(client, colleague.email)
    assert "Private notes." not in text(client.get(f"/evaluations/{evaluation.id}"))


def test_an_autosave_after_the_session_ended_stops_and_keeps_the_page(app):
    _s, evaluation, client, token = _evaluator_editing(app)
    _age(client, idle=dt.timedelta(hours=3))
    before = table_snapshot(Evaluation)
    response = client.post(f"/evaluations/{evaluation.id}/autosave",
                           data={"csrf_token": token, "version": "1", "q.status": "50"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.json["saved"] is False and response.json["stop"] is True
    assert "signed out after inactivity" in response.json["message"]
    assert table_snapshot(Evaluation) == before
