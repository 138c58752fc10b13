"""Issue 14, finding 13: the security log. Failed sign-ins, throttling, CSRF failures and
refused object accesses are logged on "monitor.security", one line each, without
passwords, with CR/LF escaped."""
from __future__ import annotations

import logging

import factories as make
import pytest
from support import csrf_from
from test_attacks import FAST_HASH, _attempt, english, limited, signed_in  # noqa: F401

from monitor.extensions import db
from monitor.security_log import escape

SECRET = "my secret password 42"


@pytest.fixture
def security_log(caplog):  # noqa: ANN001, ANN201
    caplog.set_level(logging.INFO, logger="monitor.security")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "monitor.security"]


def test_a_failed_sign_in_is_logged_without_the_password(app, security_log):
    user = make.coordinator(make.body(), email="known@gov.example")
    user.password_hash = FAST_HASH
    db.session.commit()
    client = english(app.test_client())
    for email in ("known@gov.example", f"{SECRET}@typed-in-the-wrong-field"):
        token = csrf_from(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"csrf_token": token, "email": email, "password": SECRET})
    lines = security_log()
    assert len(lines) == 2
    assert lines[0].startswith("signin.failed ") and f'account="{user.id}"' in lines[0]
    assert 'reason="password"' in lines[0] and 'path="/login"' in lines[0]
    assert 'account="unknown"' in lines[1]
    assert not any(SECRET in line for line in lines)


def test_throttling_is_logged(limited, security_log):  # noqa: F811
    make.coordinator(make.body(), email="victim@gov.example").password_hash = FAST_HASH
    db.session.commit()
    for i in range(11):
        _attempt(limited, "victim@gov.example", f"guess {i}", "10.0.0.9")
    throttled = [line for line in security_log() if line.startswith("throttled ")]
    assert len(throttled) == 1 and 'ip="10.0.0.9"' in throttled[0]


def test_a_csrf_failure_is_logged(app, security_log):
    client = english(app.test_client())
    app.config["WTF_CSRF_ENABLED"] = True
    client.post("/login", data={"email": "a@b.example", "password": SECRET})
    (line,) = security_log()
    assert line.startswith("csrf.failed ") and "token is missing" in line
    assert SECRET not in line


def test_a_refused_object_access_is_logged_on_one_line(app, security_log):
    a, b = make.worlds()
    client = signed_in(app, a.coordinator)
    assert client.get(f"/evaluations/review/{b.evaluation.id}").status_code == 404
    assert client.get("/plans/no-such-plan").status_code == 404  # unknown: not a refusal
    evaluator = signed_in(app, a.evaluator)
    forged = "/plans/x%0d%0aaccess.granted%20user=1/edit"
    assert evaluator.get(forged).status_code == 403
    lines = security_log()
    assert len(lines) == 2
    assert lines[0].startswith("access.refused ")
    assert f'object="Evaluation:{b.evaluation.id}"' in lines[0]
    assert f'user="{a.coordinator.id}"' in lines[0] and 'status="404"' in lines[0]
    assert 'path="/plans/x\\r\\naccess.granted user=1/edit"' in lines[1]
    assert 'status="403"' in lines[1] and "\n" not in lines[1]


def test_values_are_escaped_so_no_line_can_be_forged():
    assert escape('x\r\naccess.granted user="1"\\') == \
        'x\\r\\naccess.granted user=\\"1\\"\\\\'
    assert "\n" not in escape("a\u2028b\x85c\nd")
