"""The access table in monitor/access.py drives these tests for every registered route:
a route without a declared action fails; anonymous callers are sent to sign in (401 JSON
under /api); every role outside the rule gets 403, for every method the route accepts."""
from __future__ import annotations

import pytest
from werkzeug.routing import Rule

import factories as make
from monitor import create_app
from monitor.access import PUBLIC, RULES
from monitor.extensions import db
from support import base_config, login


ROLES = ("coordinator", "ngo_admin", "evaluator")
SAMPLE_VALUES = {"int": "999999", "default": "no-such-thing", "path": "no/such"}


def _routes(app) -> list[Rule]:  # noqa: ANN001
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def _url(rule: Rule) -> str:
    values = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__.lower()  # noqa: SLF001
        values[name] = SAMPLE_VALUES["int"] if "integer" in converter else SAMPLE_VALUES[
            "path" if "path" in converter else "default"]
    return rule.build(values, append_unknown=False)[1]


def _action(app, rule: Rule) -> str | None:  # noqa: ANN001
    return getattr(app.view_functions[rule.endpoint], "access_action", None)


def _methods(rule: Rule) -> list[str]:
    return sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS"))


@pytest.fixture(scope="module")
def route_app(tmp_path_factory):  # noqa: ANN001, ANN201
    tmp = tmp_path_factory.mktemp("routes")
    return create_app(base_config(tmp) | {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/r.db",
                                          "WTF_CSRF_ENABLED": False})


def test_every_route_declares_an_access_rule(route_app):
    missing = [rule.rule for rule in _routes(route_app) if _action(route_app, rule) is None]
    assert missing == [], f"routes without @requires(action): {missing}"
    unknown = {a for rule in _routes(route_app)
               if (a := _action(route_app, rule)) not in RULES and a != PUBLIC}
    assert unknown == set()


def test_anonymous_callers_are_sent_to_sign_in_on_every_protected_route(app):
    app.config["WTF_CSRF_ENABLED"] = False  # this test is about roles, not CSRF
    client = app.test_client()
    checked = 0
    for rule in _routes(app):
        if _action(app, rule) == PUBLIC:
            continue
        for method in _methods(rule):
            response = client.open(_url(rule), method=method)
            if rule.rule.startswith("/api/"):
                assert response.status_code == 401, (method, rule.rule)
                assert response.is_json
            else:
                assert response.status_code == 302, (method, rule.rule, response.status_code)
                assert "/login" in response.headers["Location"]
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("role", ROLES)
def test_every_role_outside_a_rule_gets_403(app, role):
    body = make.body()
    org = make.organization()
    user = make.coordinator(body) if role == "coordinator" else make.ngo_user(org, role)
    db.session.commit()
    client = app.test_client()
    login(client, user.email)
    app.config["WTF_CSRF_ENABLED"] = False  # this test is about roles, not CSRF
    for rule in _routes(app):
        action = _action(app, rule)
        if action == PUBLIC or role in RULES[action]:
            continue
        if rule.endpoint == "auth.logout":
            continue
        for method in _methods(rule):
            response = client.open(_url(rule), method=method)
            assert response.status_code == 403, (role, method, rule.rule, response.status_code)
