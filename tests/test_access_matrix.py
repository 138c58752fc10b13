"""The access table in monitor/access.py drives these tests for every registered route:
a route without a declared action fails; anonymous callers are sent to sign in (401 JSON
under /api); every role outside the rule gets 403, for every method the route accepts.

Objects: two worlds (factories.World), A and B, each a governing body with its plan and
an organisation with its evaluations, attachments, invitations... Every route whose URL
has parameters is called by each world-A role its rule admits, with world-B objects in
the URL (all of them, and each one alone beside world-A objects): the answer is 404 and
nothing changes. With world-A objects, every GET page answers 200 (the mapping below is
right) and shows nothing of world B. A URL parameter without a mapping fails the test:
add it to PARAMS (or BY_ENDPOINT when the name means another object on that route)."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from werkzeug.routing import Rule

import factories as make
from monitor import create_app
from monitor.access import PUBLIC, RULES
from monitor.extensions import db
from support import BOOKKEEPING, base_config, client_as, csrf_from, login


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


# --- objects: two worlds ------------------------------------------------------------------

World = make.World

#: URL parameter name -> the world's object it names.
PARAMS: dict[str, Callable[[World], Any]] = {
    "slug": lambda w: w.plan.slug,
    "label": lambda w: w.period.label,
    "period_id": lambda w: w.period.id,
    "file_id": lambda w: w.file.id,
    "rec_id": lambda w: w.rec.id,
    "recommendation_id": lambda w: w.fresh_rec.id,
    "evaluation_id": lambda w: w.evaluation.id,
    "attachment_id": lambda w: w.attachment.id,
    "invitation_id": lambda w: w.pending.id,
    "request_id": lambda w: w.join_request.id,
    "user_id": lambda w: w.member.id,
    "organization_id": lambda w: w.org.id,
    "entry_id": lambda w: w.official.id,
    "token": lambda w: w.join_token,
}
#: (endpoint, parameter) whose name means another object on that route.
BY_ENDPOINT: dict[tuple[str, str], Callable[[World], Any]] = {
    ("enrolment.revoke_evaluator_invitation", "invitation_id"):
        lambda w: w.evaluator_invitation.id,
    ("outreach_public.join_team_link", "token"): lambda w: w.team_token,
    ("auth.reset", "token"): lambda w: w.reset_token,
}
#: Parameters that name no object (the same in both worlds).
CONSTANTS: dict[str, str] = {"fmt": "csv"}
#: A query string some pages need to show their object.
QUERY: dict[str, Callable[[World], str]] = {
    "api.comparison": lambda w: f"?period={w.period.label}",
}
#: GET pages that answer their own world's objects with a redirect (to a clean URL).
REDIRECTS = {"auth.reset", "outreach_public.join_link", "outreach_public.join_decline_link",
             "outreach_public.join_team_link"}


class Unmapped(KeyError):
    pass


def _mapping(endpoint: str, name: str) -> Callable[[World], Any] | None:
    return BY_ENDPOINT.get((endpoint, name)) or PARAMS.get(name)


def _value(rule: Rule, name: str, world: World) -> Any:
    if name in CONSTANTS:
        return CONSTANTS[name]
    mapping = _mapping(rule.endpoint, name)
    if mapping is None:
        raise Unmapped(name)
    return mapping(world)


def _world_url(rule: Rule, worlds: dict[str, World], default: World) -> str:
    """The rule's URL with each parameter taken from `worlds[name]` (else `default`)."""
    values = {name: _value(rule, name, worlds.get(name, default)) for name in rule.arguments}
    return rule.build(values, append_unknown=False)[1] + QUERY.get(
        rule.endpoint, lambda w: "")(worlds.get("slug", default))


def _object_parameters(rule: Rule) -> list[str]:
    return sorted(name for name in rule.arguments if name not in CONSTANTS)


def _foreign_urls(rule: Rule, a: World, b: World) -> list[str]:
    """Every object parameter from world B, then each one alone from world B."""
    names = _object_parameters(rule)
    variants = [{name: b for name in names}]
    if len(names) > 1:
        variants += [{name: b} for name in names]
    return [_world_url(rule, variant, a) for variant in variants]


def _snapshot() -> dict[str, list]:
    """Every row of every table (but `BOOKKEEPING`): for "nothing changed"."""
    db.session.expire_all()
    return {table.name: sorted(map(repr, db.session.execute(sa.select(table)).all()))
            for table in db.metadata.sorted_tables if table.name not in BOOKKEEPING}


def _text(response) -> str:  # noqa: ANN001
    """What a person would read: the page, the CSV, or every cell of a workbook."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
        return "\n".join(str(cell) for sheet in workbook.worksheets
                         for row in sheet.iter_rows(values_only=True) for cell in row
                         if cell is not None)
    if response.mimetype == "application/pdf":
        return ""
    if response.mimetype == "application/zip":  # a published period's open dataset
        with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace")
                             for name in archive.namelist())
    return response.get_data(as_text=True)


def signed_in(app, user):  # noqa: ANN001, ANN201
    """A client signed in as `user` (the session set directly: the sign-in form itself is
    tested in test_foundation) and its CSRF token."""
    client = client_as(app, user)
    client.csrf_token = csrf_from(client.get("/account").get_data(as_text=True))
    return client


def _shows(world: World, text: str, role: str) -> bool:
    """Does `text` show anything of `world`? Coordinators share the directory of
    organisations (organizations.manage is "any"): only NGO users must never see another
    organisation's name."""
    return world.marker in text or (role != "coordinator" and world.org_marker in text)


def _call(client, url: str, method: str):  # noqa: ANN001, ANN201
    data = {"csrf_token": client.csrf_token} if method == "POST" else None
    return client.open(url, method=method, data=data, headers={"Accept-Language": "en"})


def test_every_url_parameter_names_an_object_of_the_worlds(route_app):
    unmapped = sorted(
        f"{rule.rule} ({rule.endpoint}): <{name}>" for rule in _routes(route_app)
        for name in rule.arguments
        if name not in CONSTANTS and _mapping(rule.endpoint, name) is None)
    assert unmapped == [], (
        "These URL parameters have no world mapping, so the access matrix cannot check "
        "who reaches the object they name. Add each one to PARAMS in "
        "tests/test_access_matrix.py (name -> the World attribute it designates, creating "
        "the object in factories.World if needed), or to BY_ENDPOINT when the name means "
        f"another object on that route, or to CONSTANTS when it names no object: {unmapped}")


def _scope(action: str, role: str) -> str | None:
    return None if action == PUBLIC else RULES[action].get(role)


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_404_for_the_other_worlds_objects_and_changes_nothing(app, role):
    a, b = make.worlds()
    client = signed_in(app, a.users()[role])
    failures, checked = [], 0
    for rule in _routes(app):
        action = _action(app, rule)
        scope = _scope(action, role)
        if not _object_parameters(rule) or scope is None or scope == "any":
            continue  # public, or refused with 403 (tested above), or shared by design
        for url in _foreign_urls(rule, a, b):
            for method in _methods(rule):
                before = _snapshot()
                response = _call(client, url, method)
                checked += 1
                if response.status_code != 404:
                    failures.append(f"{method} {url} ({rule.endpoint}) -> "
                                    f"{response.status_code}, expected 404")
                if _snapshot() != before:
                    failures.append(f"{method} {url} ({rule.endpoint}) changed the database")
                if _shows(b, _text(response), role):
                    failures.append(f"{method} {url} ({rule.endpoint}) shows world B")
    assert not failures, "\n".join(failures)
    assert checked > 20


@pytest.mark.parametrize("role", ROLES)
def test_every_page_shows_the_own_worlds_objects_and_nothing_of_the_other(app, role):
    a, b = make.worlds()
    client = signed_in(app, a.users()[role])
    failures, checked = [], 0
    for rule in _routes(app):
        action = _action(app, rule)
        if "GET" not in rule.methods or action == PUBLIC or role not in RULES[action]:
            continue
        url = _world_url(rule, {}, a)
        response = _call(client, url, "GET")
        checked += 1
        expected = 302 if rule.endpoint in REDIRECTS else 200
        if response.status_code != expected:
            failures.append(f"GET {url} ({rule.endpoint}) -> {response.status_code}, "
                            f"expected {expected}")
        if _scope(action, role) != "any" and _shows(b, _text(response), role):
            failures.append(f"GET {url} ({rule.endpoint}) shows world B")
    assert not failures, "\n".join(failures)
    assert checked > 5


def test_public_links_open_for_their_own_objects_and_redirect_to_a_clean_url(app):
    a, _b = make.worlds()
    client = app.test_client()
    failures = []
    for rule in _routes(app):
        if _action(app, rule) != PUBLIC or not _object_parameters(rule) or \
                "GET" not in rule.methods:
            continue
        url = _world_url(rule, {}, a)
        response = client.get(url, headers={"Accept-Language": "en"})
        if rule.endpoint in REDIRECTS:
            location = response.headers.get("Location", "")
            token = _value(rule, "token", a)
            if response.status_code != 302 or token in location:
                failures.append(f"GET {rule.rule}: {response.status_code} -> {location}")
        elif response.status_code != 200:
            failures.append(f"GET {url} ({rule.endpoint}) -> {response.status_code}")
        if rule.endpoint.startswith("public.") and any(
                private in _text(response) for private in _private(a)):
            failures.append(f"GET {url} ({rule.endpoint}) shows an organisation's name, "
                            f"answers, notes or evidence")
    assert not failures, "\n".join(failures)


def _private(world: World) -> list[str]:
    """What never leaves the organisation and the coordinator: names, answers, evidence."""
    return [world.org_marker, f"{world.marker} assessment", f"{world.marker} actions",
            f"{world.marker} note", "evidence.pdf", f"{world.marker} ngo_admin"]


#: Ids beyond PostgreSQL's `integer` (2^31) and beyond any 64-bit column.
HUGE_IDS = (str(2**31), "99999999999999999999")


def _int_parameters(rule: Rule) -> list[str]:
    return sorted(name for name in rule.arguments
                  if "integer" in type(rule._converters[name]).__name__.lower())  # noqa: SLF001


@pytest.mark.parametrize("role", ROLES)
def test_ids_beyond_the_database_columns_answer_404_and_change_nothing(app, role):
    a, _b = make.worlds()
    client = signed_in(app, a.users()[role])
    failures, checked = [], 0
    for rule in _routes(app):
        action = _action(app, rule)
        if action != PUBLIC and role not in RULES[action]:
            continue
        for name in _int_parameters(rule):
            for huge in HUGE_IDS:
                values = {n: _value(rule, n, a) for n in rule.arguments} | {name: huge}
                url = rule.build(values, append_unknown=False)[1]
                for method in _methods(rule):
                    before = _snapshot()
                    response = _call(client, url, method)
                    checked += 1
                    if response.status_code != 404 or "This page does not exist" not in \
                            _text(response):
                        failures.append(f"{method} {url} ({rule.endpoint}) -> "
                                        f"{response.status_code}, expected 404")
                    if _snapshot() != before:
                        failures.append(f"{method} {url} ({rule.endpoint}) changed the database")
    assert not failures, "\n".join(failures)
    assert checked > 10
