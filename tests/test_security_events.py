"""Issue 14, finding 13: security events counted on the coordinator's audit page, for its
own body's scope only; stored as hourly counters outside the request's transaction, never
breaking a request; cleaned up with the ended sessions after their retention."""
from __future__ import annotations

import datetime as dt
import logging
import re
import threading

import factories as make
import sqlalchemy as sa
from support import csrf_from
from test_attacks import FAST_HASH, _attempt, english, limited, signed_in  # noqa: F401

from monitor import security_log
from monitor.extensions import db
from monitor.models import SecurityEvent, utcnow
from monitor.models.sessions import ServerSession
from monitor.services import mail_worker

SECRET = "my secret password 42"


def _counters() -> dict[tuple[str, int], int]:
    db.session.expire_all()
    return {(kind, body): n for kind, body, n in db.session.execute(
        sa.select(SecurityEvent.kind, SecurityEvent.body_id, sa.func.sum(SecurityEvent.events))
        .group_by(SecurityEvent.kind, SecurityEvent.body_id))}


def _fail_sign_in(app, email: str, times: int = 1) -> None:  # noqa: ANN001
    client = english(app.test_client())
    for _ in range(times):
        token = csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"csrf_token": token, "email": email,
                                               "password": SECRET})
        assert response.status_code == 200


def _security_rows(client) -> dict[str, list[str]]:  # noqa: ANN001
    """The audit page's security table: {event label: [24 h, 7 days, 30 days]}."""
    page = client.get("/audit/?lang=en").get_data(as_text=True)
    section = re.search(r'<table class="security-events">(.*?)</table>', page, re.DOTALL)
    if section is None:
        return {}
    return {label: re.findall(r"<td>([^<]*)</td>", cells) for label, cells in re.findall(
        r'<th scope="row">([^<]*)</th>(.*?)</tr>', section.group(1), re.DOTALL)}


def test_failed_sign_ins_on_a_coordinators_account_count_for_its_body_only(app):
    a, b = make.body(), make.body()
    coordinator_a = make.coordinator(a, email="a@gov.example")
    coordinator_b = make.coordinator(b, email="b@gov.example")
    ngo_admin = make.ngo_user(make.organization(), email="admin@ngo.example")
    coordinator_a.password_hash = ngo_admin.password_hash = FAST_HASH
    db.session.commit()
    _fail_sign_in(app, "a@gov.example", times=3)
    _fail_sign_in(app, "nobody@unknown.example")  # tied to no body: only logged
    _fail_sign_in(app, "admin@ngo.example")  # an NGO's account: only logged
    # Three failures in one hour are one counter row (a flood cannot fill the disk).
    assert _counters() == {("signin.failed", a.id): 3}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SecurityEvent)) == 1
    assert _security_rows(signed_in(app, coordinator_a))["Failed sign-ins"] == ["3", "3", "3"]
    # Another body's coordinator learns nothing of it.
    assert _security_rows(signed_in(app, coordinator_b))["Failed sign-ins"] == ["0", "0", "0"]
    # An NGO's administrator reads its own trail, without the coordinators' counters.
    assert _security_rows(signed_in(app, ngo_admin)) == {}


def test_a_refused_access_counts_for_the_body_whose_object_it_was(app):
    a, b = make.worlds()
    client = signed_in(app, a.coordinator)
    assert client.get(f"/evaluations/review/{b.evaluation.id}").status_code == 404
    assert client.get("/plans/no-such-plan").status_code == 404  # unknown: not a refusal
    # The refused request wrote nothing and its session was never committed: the counter
    # was written in a transaction of its own.
    assert _counters() == {("access.refused", b.body.id): 1}
    assert _security_rows(signed_in(app, b.coordinator))[
        "Refused attempts to open an object"] == ["1", "1", "1"]
    assert _security_rows(client)["Refused attempts to open an object"] == ["0", "0", "0"]


def test_csrf_failures_count_for_a_coordinators_body_and_anonymous_ones_nowhere(app):
    body = make.body()
    coordinator = make.coordinator(body)
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    english(app.test_client()).post("/login", data={"email": "x@y.example", "password": SECRET})
    client = signed_in(app, coordinator)
    assert client.post("/logout", data={}).status_code == 400
    assert _counters() == {("csrf.failed", body.id): 1}


def test_throttling_on_a_coordinators_account_counts_for_its_body(limited):  # noqa: F811
    body = make.body()
    make.coordinator(body, email="victim@gov.example").password_hash = FAST_HASH
    db.session.commit()
    for i in range(11):
        _attempt(limited, "victim@gov.example", f"guess {i}", "10.0.0.9")
    for i in range(11):  # an unknown address, throttled too: only logged
        _attempt(limited, "nobody@unknown.example", f"guess {i}", "10.0.0.8")
    assert _counters() == {("signin.failed", body.id): 10, ("throttled", body.id): 1}


def test_guessing_a_coordinators_second_factor_counts_for_its_body(limited):  # noqa: F811
    import pyotp
    from test_two_factor import _password, _with_factor

    body = make.body()
    coordinator = make.coordinator(body, email="two-step@gov.example")
    db.session.commit()
    secret, _codes = _with_factor(coordinator)
    client = english(limited.test_client())
    _password(client, coordinator.email)
    token = csrf_from(client.get("/login/two-step").get_data(as_text=True))
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    statuses = [client.post("/login/two-step", data={"csrf_token": token, "code": wrong})
                .status_code for _n in range(11)]
    assert statuses[-1] == 429
    assert _counters() == {("throttled", body.id): 1}


def test_a_counter_that_cannot_be_written_never_breaks_the_request(app, monkeypatch, caplog):
    body = make.body()
    make.coordinator(body, email="a@gov.example").password_hash = FAST_HASH
    db.session.commit()

    def broken(dialect: str):  # noqa: ANN202
        raise sa.exc.OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(security_log, "_upsert", broken)
    caplog.set_level(logging.INFO, logger="monitor.security")
    _fail_sign_in(app, "a@gov.example")  # the page still answers: the password was wrong
    assert _counters() == {}
    names = [r.name for r in caplog.records]
    assert "monitor.security" in names and "monitor.security.counters" in names


def test_the_windows_count_whole_hours_back_from_now(app):
    body = make.body()
    db.session.commit()
    now = dt.datetime(2026, 12, 7, 15, 30)
    for hours_ago in (0, 23, 24, 24 * 7 - 1, 24 * 7, 24 * 30 - 1, 24 * 30):
        security_log.count("access.refused", [body.id], now - dt.timedelta(hours=hours_ago))
    counts = security_log.counts(db.session, body.id, now)
    assert counts["access.refused"] == {"day": 2, "week": 4, "month": 6}
    assert counts["signin.failed"] == {"day": 0, "week": 0, "month": 0}


# --- the periodic clean-up -------------------------------------------------------------------


def _session_rows(app) -> None:  # noqa: ANN001
    """An idle session, one past its lifetime, a live one; an old counter, a recent one."""
    now = utcnow()
    idle = dt.timedelta(minutes=app.config["MONITOR_SESSION_IDLE_MINUTES"])
    lifetime = dt.timedelta(hours=app.config["MONITOR_SESSION_MAX_HOURS"])
    db.session.add_all([
        ServerSession(id_hash="idle", data="{}", created_at=now - idle * 2,
                      accessed_at=now - idle - dt.timedelta(minutes=1)),
        ServerSession(id_hash="too-old", data="{}", created_at=now - lifetime
                      - dt.timedelta(minutes=1), accessed_at=now),
        ServerSession(id_hash="live", data="{}", created_at=now - dt.timedelta(hours=1),
                      accessed_at=now - dt.timedelta(minutes=5)),
    ])
    body = make.body()
    db.session.commit()
    days = app.config["MONITOR_SECURITY_EVENT_DAYS"]
    security_log.count("throttled", [body.id], now - dt.timedelta(days=days, hours=1))
    security_log.count("throttled", [body.id], now - dt.timedelta(days=1))


def _left() -> tuple[list[str], int]:
    db.session.expire_all()
    return (sorted(db.session.scalars(sa.select(ServerSession.id_hash))),
            db.session.scalar(sa.select(sa.func.count()).select_from(SecurityEvent)))


def test_the_clean_up_command_deletes_ended_sessions_and_old_counters(app, runner):
    _session_rows(app)
    result = runner.invoke(args=["sessions", "clean"])
    assert result.exit_code == 0, result.output
    assert "Deleted 2 ended session(s) and 1 security-event counter(s)" in result.output
    assert _left() == (["live"], 1)


class _OneRound(threading.Event):
    """Stops the worker's loop after its first round."""

    def wait(self, timeout: float | None = None) -> bool:
        self.set()
        return True


def test_the_mail_worker_cleans_up_as_it_goes(app):
    _session_rows(app)
    mail_worker.run_forever(app, _OneRound(), seconds=0)
    assert _left() == (["live"], 1)
