"""Two-step sign-in (TOTP, RFC 6238): enrolment with a QR code, sign-in with a code, a
wrong code, a replayed code, a recovery code used once, resets by a colleague, by a
coordinator (72 hours later, cancellable) and from the CLI, and a role that must use it."""
from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
import sqlalchemy as sa

import factories as make
from monitor.extensions import db
from monitor.models import AuditEvent, OutgoingEmail, User, utcnow
from monitor.models.two_factor import RecoveryCode, TwoFactor, TwoFactorReset
from monitor.services.accounts import two_factor
from support import PASSWORD, csrf_from, post_form, table_snapshot, text


def _with_factor(user: User) -> tuple[str, list[str]]:
    """Switch two-step sign-in on for `user` (as the enrolment page does)."""
    secret = two_factor.new_secret(db.session, user)
    codes = two_factor.confirm_enrolment(db.session, user, secret, pyotp.TOTP(secret).now(),
                                         base_url="http://localhost")
    # The enrolment used the current step: tests sign in with the same code, so start over.
    db.session.flush()
    two_factor.factor(db.session, user).last_step = 0
    db.session.commit()
    return secret, codes


def _password(client, email: str, next_url: str = ""):  # noqa: ANN001, ANN201
    client.get("/login?lang=en")
    return post_form(client, "/login", {"email": email, "password": PASSWORD, "next": next_url})


def _code(client, code: str):  # noqa: ANN001, ANN201
    return post_form(client, "/login/two-step", {"code": code})


def _signed_in(client) -> bool:  # noqa: ANN001
    return client.get("/account").status_code == 200


def _events(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action))


def _mail_to(address: str) -> list[OutgoingEmail]:
    return list(db.session.scalars(sa.select(OutgoingEmail).where(
        OutgoingEmail.recipient == address, OutgoingEmail.kind == "two_factor")
        .order_by(OutgoingEmail.id)))


@pytest.fixture
def ngo(app):  # noqa: ANN001, ANN201
    body = make.body()
    plan = make.plan(body)
    org = make.organization(language="en")
    admin = make.ngo_user(org, "ngo_admin", email="admin@ngo.example")
    evaluator = make.ngo_user(org, "evaluator", email="evaluator@ngo.example")
    make.invitation(org, plan, status="registered")
    coordinator = make.coordinator(body, email="coord@gov.example")
    other_coordinator = make.coordinator(make.body(), email="other@gov.example")
    for user in (admin, evaluator, coordinator, other_coordinator):
        user.language = "en"
    db.session.commit()

    class N:
        pass

    n = N()
    n.body, n.plan, n.org, n.admin, n.evaluator = body, plan, org, admin, evaluator
    n.coordinator, n.other_coordinator = coordinator, other_coordinator
    return n


# --- enrolment ------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_needs_a_right_code_then_gives_ten_recovery_codes(
        app, ngo):
    client = app.test_client()
    _password(client, ngo.evaluator.email)
    page = client.get("/account/two-step")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in html and "<script" not in html.split("<main")[1]  # drawn by the server
    secret = re.search(r'class="secret">([A-Z2-7]+)<', html).group(1)
    token = csrf_from(html)
    # A wrong code: refused, still off.
    response = client.post("/account/two-step/confirm", data={"csrf_token": token,
                                                              "code": "000000"})
    assert "The code is not correct." in text(client.get(response.headers["Location"]))
    assert not two_factor.is_enabled(db.session, ngo.evaluator)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TwoFactor)) == 0
    # The right one.
    response = client.post("/account/two-step/confirm", data={
        "csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", text(response))
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.expire_all()
    assert two_factor.is_enabled(db.session, ngo.evaluator)
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # only hashes are kept
    assert _events("two_factor.enabled") == 1
    assert "switched on" in _mail_to(ngo.evaluator.email)[0].body_text
    assert _signed_in(client)


# --- signing in -----------------------------------------------------------------------------


def test_sign_in_asks_for_the_code_after_the_password_with_a_new_session_id(app, ngo):
    secret, _codes = _with_factor(ngo.evaluator)
    client = app.test_client()
    response = _password(client, ngo.evaluator.email, "/account")
    assert response.headers["Location"] == "/login/two-step"
    assert not _signed_in(client)  # the password alone does not sign in
    before = client.get_cookie("session").value
    response = _code(client, pyotp.TOTP(secret).now())
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert client.get_cookie("session").value != before
    assert _signed_in(client)


def test_a_wrong_code_is_refused_and_nothing_changes(app, ngo):
    secret, _codes = _with_factor(ngo.evaluator)
    client = app.test_client()
    _password(client, ngo.evaluator.email)
    before = table_snapshot(TwoFactor, RecoveryCode, AuditEvent)
    wrong = pyotp.TOTP(pyotp.random_base32()).now()
    if wrong == pyotp.TOTP(secret).now():
        wrong = "000000" if wrong != "000000" else "111111"
    response = _code(client, wrong)
    assert response.status_code == 422
    assert "The code is not correct." in text(response)
    assert table_snapshot(TwoFactor, RecoveryCode, AuditEvent) == before
    assert not _signed_in(client)


def test_a_replayed_code_is_refused(app, ngo):
    secret, _codes = _with_factor(ngo.evaluator)
    code = pyotp.TOTP(secret).now()
    first = app.test_client()
    _password(first, ngo.evaluator.email)
    assert _code(first, code).status_code == 302
    # Someone who saw the code types it again, in the same 30 seconds.
    second = app.test_client()
    _password(second, ngo.evaluator.email)
    before = table_snapshot(TwoFactor)
    response = _code(second, code)
    assert response.status_code == 422
    assert "This code was already used. Wait for the next code in your app." in text(response)
    assert table_snapshot(TwoFactor) == before
    assert not _signed_in(second)


def test_a_recovery_code_works_once(app, ngo):
    _secret, codes = _with_factor(ngo.evaluator)
    client = app.test_client()
    _password(client, ngo.evaluator.email)
    response = _code(client, codes[3].upper())  # typed in capitals: still the code
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"], follow_redirects=True))
    assert "You used a recovery code; it no longer works. Recovery codes left: 9." in page
    assert _events("two_factor.recovery_code_used") == 1
    again = app.test_client()
    _password(again, ngo.evaluator.email)
    response = _code(again, codes[3])
    assert response.status_code == 422 and "The code is not correct." in text(response)
    assert not _signed_in(again)


def test_the_code_page_without_a_password_first_sends_to_sign_in(app, ngo):
    _with_factor(ngo.evaluator)
    client = app.test_client()
    client.get("/login?lang=en")
    response = client.get("/login/two-step")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_the_invitation_sign_in_also_asks_for_the_code(app, ngo):
    from monitor.services.outreach import invitations as invitation_service

    secret, _codes = _with_factor(ngo.admin)
    second_plan = make.plan(ngo.body)
    db.session.commit()
    (invitation,) = invitation_service.invite(db.session, second_plan, [ngo.org.id],
                                              actor_id=None)
    db.session.commit()
    client = app.test_client()
    client.get("/login?lang=en")
    client.get(f"/join/{invitation_service.link_for(invitation).rsplit('/', 1)[1]}")
    response = post_form(client, "/join/signin", {"email": ngo.admin.email,
                                                  "password": PASSWORD}, page="/join")
    assert response.headers["Location"] == "/login/two-step"
    assert not _signed_in(client)
    response = _code(client, pyotp.TOTP(secret).now())
    assert response.headers["Location"].startswith("/ngo")
    assert _signed_in(client)


# --- switching off and resets -----------------------------------------------------------------


def test_switching_off_needs_the_password(app, ngo):
    secret, _codes = _with_factor(ngo.evaluator)
    client = app.test_client()
    _password(client, ngo.evaluator.email)
    _code(client, pyotp.TOTP(secret).now())
    before = table_snapshot(TwoFactor, RecoveryCode)
    post_form(client, "/account/two-step/disable", {"password": "not the password"},
              page="/account/two-step")
    assert table_snapshot(TwoFactor, RecoveryCode) == before
    response = post_form(client, "/account/two-step/disable", {"password": PASSWORD},
                         page="/account/two-step")
    assert "Two-step sign-in is off." in text(client.get(response.headers["Location"]))
    assert not two_factor.is_enabled(db.session, ngo.evaluator)
    assert _events("two_factor.disabled") == 1


def test_another_administrator_resets_a_colleague_s_lost_factor(app, ngo):
    _with_factor(ngo.evaluator)
    client = app.test_client()
    _password(client, ngo.admin.email)
    page = text(client.get("/ngo/two-step"))
    assert ngo.evaluator.email in page and "Reset two-step sign-in" in page
    response = post_form(client, f"/ngo/people/{ngo.evaluator.id}/reset-two-step",
                         page="/ngo/two-step")
    assert "was reset for this person" in text(client.get(response.headers["Location"]))
    assert not two_factor.is_enabled(db.session, ngo.evaluator)
    assert _events("two_factor.reset") == 1
    assert "was reset" in _mail_to(ngo.evaluator.email)[-1].body_text
    # The evaluator signs in with the password alone now.
    evaluator = app.test_client()
    assert _password(evaluator, ngo.evaluator.email).headers["Location"] == "/"


def test_an_administrator_of_another_organisation_cannot_reset(app, ngo):
    _with_factor(ngo.evaluator)
    other = make.ngo_user(make.organization(), "ngo_admin", email="else@ngo.example")
    db.session.commit()
    client = app.test_client()
    _password(client, other.email)
    before = table_snapshot(TwoFactor, RecoveryCode, AuditEvent)
    response = post_form(client, f"/ngo/people/{ngo.evaluator.id}/reset-two-step",
                         page="/ngo/two-step")
    assert response.status_code == 404
    assert table_snapshot(TwoFactor, RecoveryCode, AuditEvent) == before


def test_a_coordinator_s_reset_takes_effect_after_72_hours_and_can_be_cancelled(app, ngo):
    secret, _codes = _with_factor(ngo.admin)  # the organisation's only administrator
    coordinator = app.test_client()
    _password(coordinator, ngo.coordinator.email)
    page = f"/organizations/{ngo.org.id}/two-step"
    assert "Ask to reset (takes effect after 72 hours)" in text(coordinator.get(page))
    response = post_form(coordinator,
                         f"/organizations/{ngo.org.id}/people/{ngo.admin.id}/reset-two-step",
                         page=page)
    assert "It takes effect in 72 hours" in text(coordinator.get(response.headers["Location"]))
    reset = db.session.scalar(sa.select(TwoFactorReset))
    assert reset.effective_at - reset.requested_at == dt.timedelta(hours=72)
    assert _events("two_factor.reset_requested") == 1
    assert "A coordinator asked to reset" in _mail_to(ngo.admin.email)[-1].body_text
    # Not yet: the administrator still needs the code, and cancels.
    admin = app.test_client()
    assert _password(admin, ngo.admin.email).headers["Location"] == "/login/two-step"
    _code(admin, pyotp.TOTP(secret).now())
    settings = text(admin.get("/account/two-step"))
    assert "A coordinator asked to reset your two-step sign-in." in settings
    post_form(admin, "/account/two-step/cancel-reset", page="/account/two-step")
    db.session.expire_all()
    assert db.session.get(TwoFactorReset, reset.id).cancelled_at is not None
    assert _events("two_factor.reset_cancelled") == 1
    assert "was cancelled" in _mail_to(ngo.admin.email)[-1].body_text
    # A cancelled reset never applies, even 72 hours later.
    db.session.get(TwoFactorReset, reset.id).effective_at = utcnow() - dt.timedelta(hours=1)
    db.session.commit()
    assert _password(app.test_client(), ngo.admin.email).headers["Location"] == \
        "/login/two-step"
    # Asked again and left alone, it applies at the first sign-in after 72 hours.
    post_form(coordinator, f"/organizations/{ngo.org.id}/people/{ngo.admin.id}/reset-two-step",
              page=page)
    second = db.session.scalar(sa.select(TwoFactorReset).where(TwoFactorReset.id != reset.id))
    second.effective_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    assert _password(app.test_client(), ngo.admin.email).headers["Location"] == "/"
    db.session.expire_all()
    assert not two_factor.is_enabled(db.session, ngo.admin)
    assert _events("two_factor.reset_applied") == 1
    assert "took effect" in _mail_to(ngo.admin.email)[-1].body_text


def test_a_coordinator_cannot_reset_where_the_ngo_has_two_administrators_or_another_body(
        app, ngo):
    _with_factor(ngo.admin)
    url = f"/organizations/{ngo.org.id}/people/{ngo.admin.id}/reset-two-step"
    outsider = app.test_client()
    _password(outsider, ngo.other_coordinator.email)
    before = table_snapshot(TwoFactorReset, AuditEvent, OutgoingEmail)
    assert outsider.get(f"/organizations/{ngo.org.id}/two-step").status_code == 404
    response = outsider.post(url, data={"csrf_token": csrf_from(
        outsider.get("/account").get_data(as_text=True))})
    assert response.status_code == 404
    assert table_snapshot(TwoFactorReset, AuditEvent, OutgoingEmail) == before
    # A second administrator: they reset each other, the coordinator may not.
    make.ngo_user(ngo.org, "ngo_admin", email="admin2@ngo.example")
    db.session.commit()
    coordinator = app.test_client()
    _password(coordinator, ngo.coordinator.email)
    response = post_form(coordinator, url, page=f"/organizations/{ngo.org.id}/two-step")
    assert "more than one administrator" in text(coordinator.get(response.headers["Location"]))
    assert table_snapshot(TwoFactorReset, AuditEvent, OutgoingEmail) == before


def test_a_coordinator_s_factor_is_reset_from_the_command_line(app, ngo, runner):
    _with_factor(ngo.coordinator)
    result = runner.invoke(args=["users", "reset-2fa", ngo.coordinator.email, "--yes"])
    assert result.exit_code == 0, result.output
    assert "was reset" in result.output
    db.session.expire_all()
    assert not two_factor.is_enabled(db.session, ngo.coordinator)
    assert _events("two_factor.reset_from_cli") == 1
    assert len(_mail_to(ngo.coordinator.email)) == 2  # switched on, then reset
    result = runner.invoke(args=["users", "reset-2fa", "nobody@gov.example", "--yes"])
    assert result.exit_code != 0 and "No account" in result.output


def test_coordinators_must_enrol_when_the_setting_says_so(app, ngo):
    app.config["MONITOR_REQUIRE_2FA_FOR"] = "coordinator"
    client = app.test_client()
    _password(client, ngo.coordinator.email)
    response = client.get("/plans/")
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-step"
    page = client.get("/account/two-step").get_data(as_text=True)
    assert "Your role must use two-step sign-in" in text(client.get("/account/two-step")) or \
        "<svg" in page
    secret = re.search(r'class="secret">([A-Z2-7]+)<', page).group(1)
    response = post_form(client, "/account/two-step/confirm",
                         {"code": pyotp.TOTP(secret).now()}, page="/account/two-step")
    assert response.status_code == 200
    assert client.get("/plans/").status_code == 200
    # NGO users are not concerned.
    evaluator = app.test_client()
    _password(evaluator, ngo.evaluator.email)
    assert evaluator.get("/evaluations/").status_code == 200


def test_the_two_step_pages_are_translated(app, ngo):
    _with_factor(ngo.evaluator)
    client = app.test_client()
    _password(client, ngo.evaluator.email)
    for lang, word in (("ar", "تسجيل الدخول بخطوتين"), ("ckb", "چوونەژوورەوەی دوو هەنگاوی")):
        page = text(client.get(f"/login/two-step?lang={lang}"))
        assert word in page, lang


def test_code_guessing_is_rate_limited_per_account(database_url, tmp_path):
    """Ten wrong codes in five minutes, then even the right one waits (a million codes
    cannot be tried)."""
    from monitor import create_app
    from monitor.extensions import limiter
    from support import FreshContextClient, base_config

    app = create_app(base_config(tmp_path) | {"SQLALCHEMY_DATABASE_URI": database_url,
                                              "RATELIMIT_ENABLED": True})
    app.test_client_class = FreshContextClient
    with app.app_context():
        limiter.reset()
        try:
            org = make.organization(language="en")
            user = make.ngo_user(org, "evaluator", email="guessed@ngo.example")
            db.session.commit()
            secret, _codes = _with_factor(user)
            client = app.test_client()
            _password(client, user.email)
            token = csrf_from(client.get("/login/two-step").get_data(as_text=True))
            wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
            for _n in range(10):
                response = client.post("/login/two-step", data={"csrf_token": token,
                                                                 "code": wrong})
                assert response.status_code == 422
            response = client.post("/login/two-step", data={
                "csrf_token": token, "code": pyotp.TOTP(secret).now()})
            assert response.status_code == 429 and "Too many attempts" in text(response)
            assert not _signed_in(client)
        finally:
            limiter.reset()
            db.session.remove()
            db.engine.dispose()
