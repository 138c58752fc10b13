"""Bad input, in one place: every case asserts what the person is told and that nothing
changed. Routes are taken from the app's URL map (with the object mapping of
tests/test_access_matrix.py), so a new route is attacked without a new test.

Covered: tampered, expired, replayed, revoked and wrong-purpose tokens; CSRF missing or
from another session; IDOR through ids in forms and query strings (ids in URLs: the
access matrix); open redirects; XSS in every free-text field (Latin and Arabic) in pages,
exports and emails; bidi overrides and zero-width characters in names; NUL bytes; SQL
metacharacters in filters and sorts; bad and duplicated query parameters; extra form
fields; brute-force sign-in; password reset for unknown emails; oversized bodies;
headers and cookie flags."""
from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from urllib.parse import quote

import factories as make
import itsdangerous.timed
import pytest
import sqlalchemy as sa
import test_access_matrix as matrix
from support import (
    PASSWORD,
    FreshContextClient,
    base_config,
    csrf_from,
    login,
    post_form,
)
from werkzeug.security import generate_password_hash

from monitor import create_app
from monitor.access import PUBLIC, RULES
from monitor.extensions import db, limiter
from monitor.models import (
    Evaluation,
    EvaluatorInvitation,
    Invitation,
    JoinRequest,
    Organization,
    OutgoingEmail,
    User,
    utcnow,
)
from monitor.security import safe_next
from monitor.text import clean_name
from monitor.services import accounts
from monitor.services.outreach import enrolment as enrolment_service
from monitor.services.outreach import invitations as invitation_service
from monitor.tokens import make_token

LATIN = "<script>alert(1)</script><img src=x onerror=alert(1)>\"'{{7*7}}"
ARABIC = "<script>تنبيه(1)</script><b onmouseover=تنبيه(1)>عربي</b>{{7*7}}"
PAYLOAD = f"{LATIN} {ARABIC}"
#: What must never reach a page unescaped.
RAW = ("<script>alert", "<script>تنبيه", "<img src=x", "<b onmouseover")
CSRF_MESSAGE = "This form has expired or was sent from elsewhere"
ANSWERS_KEPT = "This page had been open a long time, so nothing was saved."
NUL_MESSAGE = "The request contains a character that is not allowed (a NUL byte)."
NEW_PASSWORD = "river of stars 42"

#: The password's hash made cheap, for tests that count sign-in attempts (the real one is
#: deliberately slow).
FAST_HASH = generate_password_hash(PASSWORD, "pbkdf2:sha256:1")

snapshot = matrix._snapshot  # noqa: SLF001  every row of every table
routes = matrix._routes  # noqa: SLF001
action_of = matrix._action  # noqa: SLF001
methods_of = matrix._methods  # noqa: SLF001


def text(response) -> str:  # noqa: ANN001
    return matrix._text(response)  # noqa: SLF001


def english(client):  # noqa: ANN001, ANN201
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def anonymous(app):  # noqa: ANN001, ANN201
    client = english(app.test_client())
    client.csrf_token = csrf_from(client.get("/login").get_data(as_text=True))
    return client


def signed_in(app, user):  # noqa: ANN001, ANN201
    return english(matrix.signed_in(app, user))


def role_for(action: str) -> str | None:
    """A role the rule admits (None: public)."""
    return None if action == PUBLIC else next(iter(RULES[action]))


def clients(app, world):  # noqa: ANN001, ANN201
    """One client per role of `world`, and one anonymous."""
    out = {role: signed_in(app, user) for role, user in world.users().items()}
    out[None] = anonymous(app)
    return out


def own_url(rule, world) -> str:  # noqa: ANN001
    return matrix._world_url(rule, {}, world)  # noqa: SLF001


def refused(response, status: int, message: str, before: dict) -> None:  # noqa: ANN001
    body = text(response)
    assert response.status_code == status, body[:1500]
    assert message in body, body[:1500]
    assert snapshot() == before


# --- tokens: tampered, expired, replayed, revoked, for another purpose ----------------------


def _token(world, kind: str, *, purpose: str | None = None) -> str:  # noqa: ANN001
    if kind == "invitation":
        payload = {"i": world.pending.id, "n": world.pending.nonce}
    elif kind == "evaluator":
        payload = {"e": world.evaluator_invitation.id, "n": world.evaluator_invitation.nonce}
    else:
        payload = {"u": world.admin.id, "h": world.admin.password_hash[-16:]}
    return make_token(purpose or kind, payload)


def _open(client, kind: str, token: str):  # noqa: ANN001, ANN201
    """Open a link as a browser does (the reset link first lands on its clean URL)."""
    if kind == "invitation":
        return client.get(f"/join/{token}")
    if kind == "evaluator":
        return client.get(f"/join-team/{token}")
    client.get(f"/reset/{token}")
    return client.get("/reset/new")


def _spoil(world, kind: str, case: str, monkeypatch) -> str:  # noqa: ANN001
    """A token of `kind` spoiled as `case`; the world is changed as the case needs."""
    if case == "tampered":
        token = _token(world, kind)
        return token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    if case == "wrong purpose":
        return _token(world, kind, purpose={"invitation": "evaluator", "evaluator": "reset",
                                            "reset": "invitation"}[kind])
    if case == "expired":
        past = utcnow().replace(tzinfo=dt.UTC).timestamp() - 40 * 86400
        with monkeypatch.context() as patch:
            patch.setattr(itsdangerous.timed.time, "time", lambda: past)
            return _token(world, kind)
    token = _token(world, kind)
    if case == "replayed":
        if kind == "invitation":
            world.pending.status = "registered"
        elif kind == "evaluator":
            world.evaluator_invitation.status = "accepted"
        else:
            world.admin.password_hash = generate_password_hash(NEW_PASSWORD, "pbkdf2:sha256:1")
    elif case == "revoked":
        if kind == "invitation":
            invitation_service.revoke(db.session, world.pending, actor_id=None)
        elif kind == "evaluator":
            enrolment_service.revoke_evaluator_invitation(db.session, world.evaluator_invitation,
                                                          actor=world.admin)
        else:
            world.admin.active = False  # a deactivated account's link stops working
    db.session.commit()
    return token


TOKEN_CASES = {
    ("invitation", "tampered"): (400, "This link is not valid."),
    ("invitation", "wrong purpose"): (400, "This link is not valid."),
    ("invitation", "expired"): (410, "This invitation link has expired."),
    ("invitation", "replayed"): (409, "This invitation link has already been used"),
    ("invitation", "revoked"): (410, "This invitation was withdrawn by the coordinator."),
    ("evaluator", "tampered"): (400, "This link is not valid."),
    ("evaluator", "wrong purpose"): (400, "This link is not valid."),
    ("evaluator", "expired"): (410, "This invitation link has expired."),
    ("evaluator", "replayed"): (409, "This invitation link has already been used."),
    ("evaluator", "revoked"): (410, "This invitation was withdrawn or replaced"),
    ("reset", "tampered"): (400, "This link is not valid."),
    ("reset", "wrong purpose"): (400, "This link is not valid."),
    ("reset", "expired"): (400, "This link has expired."),
    ("reset", "replayed"): (400, "This link has already been used or is no longer valid."),
    ("reset", "revoked"): (400, "This link has already been used or is no longer valid."),
}


@pytest.mark.parametrize("kind", ["invitation", "evaluator", "reset"])
def test_a_spoiled_link_is_refused_with_its_reason_and_changes_nothing(app, kind, monkeypatch):
    follow = {"invitation": "/join", "evaluator": "/join-team", "reset": "/reset/new"}[kind]
    for number, ((token_kind, case), (status, message)) in enumerate(TOKEN_CASES.items()):
        if token_kind != kind:
            continue
        world = make.World(f"W{number}", f"O{number}")  # fresh objects for each case
        db.session.commit()
        token = _spoil(world, kind, case, monkeypatch)
        client = anonymous(app)
        before = snapshot()
        refused(_open(client, kind, token), status, message, before)
        # And the form behind the link does not open either.
        assert client.get(follow).status_code >= 400, case
        assert snapshot() == before, case


def test_a_live_link_leaves_the_address_bar_for_a_clean_url(app):
    a, _b = make.worlds()
    for kind, clean in (("invitation", "/join"), ("evaluator", "/join-team"),
                        ("reset", "/reset/new")):
        client = anonymous(app)
        token = _token(a, kind)
        first = client.get({"invitation": f"/join/{token}", "evaluator": f"/join-team/{token}",
                            "reset": f"/reset/{token}"}[kind])
        assert first.status_code == 302 and first.headers["Location"] == clean
        page = client.get(clean)
        assert page.status_code == 200 and token not in text(page)
        assert page.headers["Referrer-Policy"] in ("same-origin", "no-referrer")


# --- CSRF -----------------------------------------------------------------------------------


def test_every_form_refuses_a_missing_or_foreign_csrf_token_and_changes_nothing(app):
    a, _b = make.worlds()
    by_role = clients(app, a)
    stranger = anonymous(app)  # another browser: its token belongs to its own session
    before = snapshot()
    failures, checked = [], 0
    for rule in routes(app):
        if "POST" not in rule.methods:
            continue
        client = by_role[role_for(action_of(app, rule))]
        url = own_url(rule, a)
        for label, data in (("no token", {}), ("foreign token",
                                               {"csrf_token": stranger.csrf_token})):
            response = client.post(url, data=data | {"name": "x", "reason": "x"})
            checked += 1
            # The evaluation answers keep what was typed: their own message (see
            # test_evaluations: an expired answers form comes back filled in).
            expected = {"evaluation.autosave": "Not saved automatically yet",
                        "evaluation.autosave_first": "Not saved automatically yet",
                        "evaluation.create": ANSWERS_KEPT,
                        "evaluation.save": ANSWERS_KEPT, "evaluation.submit": ANSWERS_KEPT,
                        "evaluation.send_for_approval": ANSWERS_KEPT}.get(rule.endpoint,
                                                                          CSRF_MESSAGE)
            if response.status_code != 400 or expected not in text(response):
                failures.append(f"POST {url} with {label} -> {response.status_code}")
    assert not failures, "\n".join(failures)
    assert checked > 20
    assert snapshot() == before  # every refusal came before any view ran


# --- IDOR through ids in forms and query strings ---------------------------------------------


def test_ids_of_the_other_world_in_forms_change_nothing(app):
    a, b = make.worlds()
    coordinator, admin = signed_in(app, a.coordinator), signed_in(app, a.admin)
    cases = [
        (coordinator, f"/plans/{a.plan.slug}/recommendations/assign",
         {"rec": str(b.rec.id), "target": str(a.file.id)}, 302,
         "Some selected recommendations do not belong to this plan."),
        (admin, f"/ngo/plans/{a.plan.slug}/choices", {"file": str(b.file.id)}, 422, None),
        (coordinator, f"/reports/{a.plan.slug}/official?period={a.period.label}",
         {"level": "file", "file": str(b.file.id), "measure": "share_implemented",
          "value": "50", "source": "x"}, 422, None),
    ]
    for client, url, data, status, message in cases:
        before = snapshot()
        response = client.post(url, data=data | {"csrf_token": client.csrf_token},
                               follow_redirects=status == 302)
        assert response.status_code in (status, 200, 400, 404, 422), (url, response.status_code)
        if message:
            assert message in text(response)
        assert snapshot() == before, url


def _pages(app, role):  # noqa: ANN001
    """The GET routes `role` (None: anonymous) may open."""
    for rule in routes(app):
        action = action_of(app, rule)
        if "GET" in rule.methods and (
                action == PUBLIC if role is None else
                action != PUBLIC and role in RULES[action]):
            yield rule, action


def _leak_allowed(rule, action: str, role: str | None) -> bool:  # noqa: ANN001
    """The open call lists every open plan, the public results every published period;
    coordinators share the organisations."""
    return rule.endpoint.startswith(("outreach_public.open_call", "public.")) or (
        role is not None and RULES[action].get(role) == "any")


# --- open redirects# --- open redirects -------------------------------------------------------------------------

REDIRECTS = ["//evil.example", "/\\evil.example", "\\/evil.example", "javascript:alert(1)",
             "https://evil.example/", "/%2F%2Fevil.example", "/%5Cevil.example",
             "/x%0d%0aLocation:%20https://evil.example", "/x\r\nLocation: https://evil.example",
             "\t//evil.example", " //evil.example", "/\t/evil.example", "//%09evil.example",
             "http:/evil.example", "///evil.example", "/%0d%0a/evil.example"]


@pytest.mark.parametrize("target", REDIRECTS)
def test_next_accepts_only_local_paths(target):
    assert safe_next(target) is None


def test_next_keeps_a_local_path():
    assert safe_next("/plans/national-plan?period=2023") == "/plans/national-plan?period=2023"


def test_sign_in_never_sends_anyone_to_another_site(app):
    user = make.coordinator(make.body(), email="c@gov.example")
    user.password_hash = FAST_HASH
    db.session.commit()
    for target in REDIRECTS[:8]:
        client = app.test_client()
        page = client.get("/login?next=" + quote(target, safe=""))
        assert "evil" not in page.get_data(as_text=True)
        response = client.post("/login", data={
            "csrf_token": csrf_from(page.get_data(as_text=True)), "email": user.email,
            "password": "correct horse battery", "next": target})
        assert response.status_code == 302 and response.headers["Location"] == "/", target
    client = app.test_client()
    response = post_form(client, "/login?next=/plans/", {
        "email": user.email, "password": "correct horse battery", "next": "/plans/"})
    assert response.headers["Location"] == "/plans/"


# --- XSS in every free-text field: pages, exports, emails ---------------------------------


class _Tags(HTMLParser):
    """Elements a Content-Security-Policy without 'unsafe-inline' would block, or that a
    payload would have created: inline scripts, on* handlers, style attributes."""

    def __init__(self, *, styles: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.styles, self.found = styles, []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        names = {name for name, _value in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        self.found += [f"<{tag} {name}=>" for name in names if name.startswith("on")]
        if self.styles and "style" in names:
            self.found.append(f"<{tag} style=>")


_VOID = {"area", "base", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Names(HTMLParser):
    """Names and emails shown outside a <bdi> or dir="auto" element: a right-to-left name
    in a left-to-right sentence (or the reverse) would reorder the text around it."""

    def __init__(self, needles: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.needles, self.stack, self.found = needles, [], []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in _VOID:
            self.stack.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        isolated = any(tag in ("bdi", "option", "title", "textarea") or attrs.get("dir") == "auto"
                       for tag, attrs in self.stack)
        if not isolated:
            self.found += [data.strip()[:80] for needle in self.needles if needle in data]


def _not_isolated(body: str, world) -> list[str]:  # noqa: ANN001
    parser = _Names([world.org_marker, f"@{world.marker.lower()}.example",
                     f"@{world.org_marker.lower()}.example",
                     *(f"}}}} {role}" for role in ("coordinator", "ngo_admin", "evaluator"))])
    parser.feed(body)
    return parser.found


def _unsafe(body: str, *, styles: bool = True) -> list[str]:
    """Unescaped payload fragments and inline code in an HTML page (or email: `styles`
    False, inline styles being how email is styled)."""
    parser = _Tags(styles=styles)
    parser.feed(body)
    return [fragment for fragment in RAW if fragment in body] + parser.found


#: Text columns people type (or import) freely: the worlds fill each with the payload.
FREE_TEXT = {
    "governing_body": {"name_ar", "name_ckb", "name_en"},
    "organization": {"name", "registration_number", "governorate"},
    "plan": {"title_ar", "title_ckb", "title_en", "description_ar", "description_ckb",
             "description_en"},
    "user_account": {"name"},
    "invitation": {"decline_reason"},
    "join_request": {"name", "governorate", "reason"},
    "recommendation_file": {"title_ar", "title_ckb", "title_en", "description_ar",
                            "description_ckb", "description_en"},
    "file_choice": {"reason"},
    "recommendation": {"text_ar", "text_ckb", "text_en", "recommending_states", "themes",
                       "responsible_bodies", "sdgs", "affected_persons"},
    "recommendation_text": {"text_ar", "text_ckb", "text_en"},
    "reply_message": {"body"},
    "official_progress": {"source"},
    "attachment": {"display_name"},
    "evaluation_note": {"body"},
}
#: Text columns that are not free text: identifiers, codes, states, addresses, hashes,
#: and what monitor writes itself (emails are checked separately).
NOT_FREE_TEXT = {
    "governing_body": {"slug", "contact_email"},
    "organization": {"email", "preferred_language"},
    "plan": {"slug", "status", "default_cycle"},
    "user_account": {"email", "password_hash", "role", "language"},
    "audit_event": {"action", "object_type", "request_id"},
    "evaluator_invitation": {"email", "nonce", "status"},
    "invitation": {"status", "nonce"},
    "join_request": {"email", "registration_number", "preferred_language", "status"},
    "reporting_period": {"label", "status"},
    "file_choice": {"choice"},
    "outgoing_email": {"kind", "recipient", "reply_to", "subject", "body_text", "body_html",
                       "message_id", "status", "last_error", "claim"},
    # A notice kept for a daily digest: rendered (escaped) as an email is, never on a page.
    "digest_item": {"kind", "subject", "summary", "link"},
    # UPR codes and short references (at most 20-60 characters), escaped like the rest.
    "recommendation": {"code", "sort_key", "cycle", "session", "document", "response",
                       "match_key"},
    "reply_message": {"level_key", "kind"},
    "evaluation": {"state"},
    "official_progress": {"level_key", "measure"},
    "attachment": {"stored_name", "content_type", "sha256", "visibility", "question"},
    "evaluation_note": {"kind"},
    "evaluation_revision": {"content_hash"},
    # The hash of a session id and the session's own JSON (never shown on a page).
    "server_session": {"id_hash", "data"},
    # Two-step sign-in: an authenticator key and hashes, never shown.
    "two_factor": {"secret"},
    "recovery_code": {"code_hash"},
    # The transparency log: hashes, signatures, keys in hex or PEM, a fixed kind.
    "log_entry": {"kind", "receipt", "content_hash", "nonce"},
    "log_head": {"root_hash", "key_id", "signature"},
    "log_key": {"key_id", "public_key"},
}


def test_the_worlds_put_the_payload_in_every_free_text_column(app):
    make.worlds(PAYLOAD)
    unclassified, empty = [], []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, sa.String):  # Text is a String
                continue
            name = column.name
            if name in NOT_FREE_TEXT.get(table.name, ()):
                continue
            if name not in FREE_TEXT.get(table.name, ()):
                unclassified.append(f"{table.name}.{name}")
            elif not db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
                    column.contains("{{7*7}}", autoescape=True))):
                empty.append(f"{table.name}.{name}")
    assert unclassified == [], (
        "New text columns: add each to FREE_TEXT (and fill it with the payload in "
        f"factories.World) or to NOT_FREE_TEXT in tests/test_attacks.py: {unclassified}")
    assert empty == [], f"factories.World leaves these free-text columns without payload: {empty}"


@pytest.mark.parametrize("role", [*matrix.ROLES, None])
def test_payloads_in_every_free_text_field_are_shown_as_text_on_every_page(app, role):
    """Also: every page sends the security headers, has no inline script, handler or style
    (the CSP would block them), and isolates names and emails in <bdi> or dir="auto"."""
    a, _b = make.worlds(PAYLOAD)
    client = clients(app, a)[role]
    failures, literal = [], 0
    for rule in routes(app):
        action = action_of(app, rule)
        if "GET" not in rule.methods or (role is None) != (action == PUBLIC) or (
                role is not None and role not in RULES[action]):
            continue
        url = own_url(rule, a)
        response = client.get(url, follow_redirects=rule.endpoint in matrix.REDIRECTS)
        body = text(response)
        if response.status_code >= 500:
            failures.append(f"GET {url} -> {response.status_code}")
        if response.mimetype == "text/html" and _unsafe(body):
            failures.append(f"GET {url} shows {_unsafe(body)}")
        if response.mimetype == "text/html" and _not_isolated(body, a):
            failures.append(f"GET {url}: names outside <bdi>: {_not_isolated(body, a)}")
        for header, value in (("X-Content-Type-Options", "nosniff"),
                              ("X-Frame-Options", "DENY")):
            if response.headers.get(header) != value:
                failures.append(f"GET {url}: {header} is {response.headers.get(header)}")
        csp = response.headers.get("Content-Security-Policy", "")
        if "unsafe-inline" in csp or ("script-src 'self'" not in csp
                                      and "default-src 'none'" not in csp):
            failures.append(f"GET {url}: Content-Security-Policy {csp!r}")
        literal += "{{7*7}}" in body
    assert not failures, "\n".join(failures)
    assert literal > 0  # the template syntax is shown as typed, never evaluated


def test_payloads_reach_emails_and_exports_as_text(app):
    a, _b = make.worlds(PAYLOAD)
    invitation_service.resend(db.session, a.pending, actor_id=a.coordinator.id)
    enrolment_service.invite_evaluator(db.session, a.org, "another@alpha.example", actor=a.admin)
    db.session.commit()
    emails = db.session.scalars(sa.select(OutgoingEmail)).all()
    assert len(emails) >= 2
    for email in emails:
        assert not _unsafe(email.body_html or "", styles=False), email.kind
        assert "\n" not in email.subject and "\r" not in email.subject
    assert any("{{7*7}}" in email.body_text for email in emails)
    assert any("&lt;script&gt;" in (email.body_html or "") for email in emails)

    coordinator = signed_in(app, a.coordinator)
    for url in (f"/plans/{a.plan.slug}/export.csv", f"/plans/{a.plan.slug}/export.xlsx",
                f"/reports/{a.plan.slug}/comparison.csv?period={a.period.label}",
                "/audit/export.csv"):
        response = coordinator.get(url)
        assert response.status_code == 200, url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "attachment" in response.headers.get("Content-Disposition", ""), url
    export = text(coordinator.get(f"/plans/{a.plan.slug}/export.csv"))
    assert "<script>alert(1)</script>" in export and "{{7*7}}" in export  # data, as typed


def test_a_value_that_looks_like_a_formula_is_neutralised_in_exports(app):
    a, _b = make.worlds()
    a.rec.text_en = '=HYPERLINK("https://evil.example","click")'
    a.rec.recommending_states = "@SUM(1+1)"
    db.session.commit()
    coordinator = signed_in(app, a.coordinator)
    export = text(coordinator.get(f"/plans/{a.plan.slug}/export.csv"))
    assert "'=HYPERLINK" in export and "'@SUM" in export
    assert not re.search(r'(^|,)"?=HYPERLINK', export, re.M)


# --- names: direction overrides and invisible characters ------------------------------------


def test_direction_overrides_and_invisible_marks_are_removed_from_names(app):
    a, _b = make.worlds()
    coordinator = signed_in(app, a.coordinator)
    response = coordinator.post("/organizations/new", data={
        "csrf_token": coordinator.csrf_token,
        "name": "Acme\u202egpj.exe\u200b \u2066Trust\u2069\ufeff",
        "email": "acme@ngo.example", "preferred_language": "en"})
    assert response.status_code == 302, text(response)[:1000]
    org = db.session.scalar(sa.select(Organization).where(
        Organization.email == "acme@ngo.example"))
    assert org.name == "Acmegpj.exe Trust"
    # The same address with an invisible mark is the same organisation.
    before = snapshot()
    response = coordinator.post("/organizations/new", data={
        "csrf_token": coordinator.csrf_token, "name": "Acme again",
        "email": "ACME\u200b@ngo.example", "preferred_language": "en"})
    assert response.status_code == 422
    assert snapshot() == before


def test_zero_width_non_joiner_stays_in_persian_script_names(app):
    a, _b = make.worlds()
    client = anonymous(app)
    client.get(f"/join-team/{a.team_token}")
    page = client.get("/join-team")
    name = "نه\u200cخێر \u202eحەسەن"
    response = client.post("/join-team", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "name": name,
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302, text(response)[:1000]
    user = db.session.scalar(sa.select(User).where(User.email == a.evaluator_invitation.email))
    assert user.name == "نه\u200cخێر حەسەن"
    assert clean_name("می\u200cخواهم\u200d") == "می\u200cخواهم\u200d"


def test_names_inside_sentences_are_isolated_from_the_text_around_them(app):
    a, _b = make.worlds()
    client = anonymous(app)
    client.get(f"/join/{a.join_token}")
    page = text(client.get("/join"))
    assert f"<bdi>{a.invited_org.name}</bdi>" in page


# --- NUL bytes ------------------------------------------------------------------------------


def test_a_nul_byte_anywhere_gets_a_400_and_changes_nothing(app):
    a, _b = make.worlds()
    by_role = clients(app, a)
    before = snapshot()
    failures, checked = [], 0
    for rule in routes(app):
        client = by_role[role_for(action_of(app, rule))]
        url = own_url(rule, a)
        for method in methods_of(rule):
            if method == "GET":
                response = client.get(url + ("&" if "?" in url else "?") + "q=a%00b")
            else:
                response = client.post(url, data={"csrf_token": client.csrf_token,
                                                  "name": "a\x00b", "email": "a\x00@b.example",
                                                  "password": "x\x00" * 6, "reason": "\x00"})
            checked += 1
            if response.status_code != 400 or NUL_MESSAGE not in text(response):
                failures.append(f"{method} {url} -> {response.status_code}")
    assert not failures, "\n".join(failures)
    assert checked > 50
    assert snapshot() == before


def test_a_nul_byte_in_the_path_gets_a_400(app):
    a, _b = make.worlds()
    client = signed_in(app, a.coordinator)
    before = snapshot()
    for path in ["/plans/a%00b", "/join/a%00b", "/open-call/%00", "/reports/x%00/comparison",
                 "/api/v1/plans/%00/comparison", f"/plans/{a.plan.slug}%00"]:
        response = client.get(path)
        assert response.status_code == 400, path
        assert NUL_MESSAGE in text(response), path
    assert snapshot() == before


def test_a_nul_byte_in_the_sign_in_form_is_not_a_database_error(app):
    client = anonymous(app)
    before = snapshot()
    refused(client.post("/login", data={"csrf_token": client.csrf_token,
                                        "email": "a\x00@b.example", "password": "x"}),
            400, NUL_MESSAGE, before)


def test_a_request_id_header_is_never_stored_as_given(app):
    a, _b = make.worlds()
    client = signed_in(app, a.coordinator)
    client.post(f"/plans/{a.plan.slug}/files/{a.file.id}/retire",
                data={"csrf_token": client.csrf_token},
                headers={"X-Request-Id": "abc\x00def<script>"})
    stored = db.session.scalars(sa.text("SELECT request_id FROM audit_event "
                                        "WHERE request_id IS NOT NULL")).all()
    assert stored and all(re.fullmatch(r"[A-Za-z0-9._:-]+", value) for value in stored)


# --- SQL metacharacters, bad and duplicated parameters ---------------------------------------

SQL = ["' OR '1'='1' --", "1; DROP TABLE plan; --", "%' UNION SELECT password_hash FROM "
       "user_account --", "\\", "_%", "1e309", "-1", "99999999999999999999", "(SELECT 1)"]
#: Every query parameter a page reads (grep request.args and the GET filter forms).
QUERY_PARAMETERS = ("q", "status", "state", "theme", "response", "file", "page", "upage",
                    "sort", "dir", "period", "revision", "done", "missing", "action",
                    "object_type", "organization", "date_from", "date_to", "next", "lang")


def _hostile_queries(a, b) -> list[str]:  # noqa: ANN001
    """Every query parameter a page reads, given SQL metacharacters twice over (duplicated,
    with another payload); then the id-like ones given world B's objects, and numbers too
    large for the database."""
    sql = "&".join(f"{name}={quote(SQL[i % len(SQL)])}&{name}={quote(SQL[(i + 1) % len(SQL)])}"
                   for i, name in enumerate(QUERY_PARAMETERS))
    ids = (f"file={b.file.id}&organization={b.org.id}&period={b.period.label}"
           f"&period={a.period.label}&revision={10 ** 20}&recommendation={b.rec.id}"
           f"&evaluation={b.evaluation.id}&page={10 ** 20}&page=-5&upage={10 ** 20}"
           f"&lang=xx&lang=en")
    return [sql, ids]


def test_hostile_query_strings_break_no_page_leak_nothing_and_change_nothing(app):
    """SQL metacharacters in every filter and sort parameter, duplicated parameters, and
    ids of the other world's objects, on every page each role may open."""
    a, b = make.worlds()
    hashes = [u.password_hash[-20:] for u in db.session.scalars(sa.select(User))]
    anonymous(app).get(f"/join/{a.join_token}")  # an opened invitation is recorded once
    before = snapshot()
    failures = []
    for role, client in clients(app, a).items():
        for rule, action in _pages(app, role):
            for query in _hostile_queries(a, b):
                url = own_url(rule, a).split("?")[0] + "?" + query
                response = client.get(url)
                body = text(response)
                if response.status_code not in (200, 302, 400, 404, 422):
                    failures.append(f"{role}: GET {url} -> {response.status_code}")
                if "scrypt:" in body or any(h in body for h in hashes):
                    failures.append(f"{role}: GET {url} shows a password hash")
                if matrix._shows(b, body, role or "anonymous") and not _leak_allowed(  # noqa: SLF001
                        rule, action, role):
                    failures.append(f"{role}: GET {url} shows world B")
    assert not failures, "\n".join(failures)
    assert snapshot() == before


def test_a_search_that_looks_like_sql_finds_nothing(app):
    a, b = make.worlds()
    client = signed_in(app, a.coordinator)
    page = text(client.get("/organizations?q=" + quote("' OR '1'='1")))
    assert a.org.name not in page and b.org.name not in page
    page = text(client.get(f"/plans/{a.plan.slug}/recommendations?q=" + quote("%' OR 1=1 --")))
    assert a.rec.text_en not in page


def test_sorting_follows_an_allowlist_of_columns(app):
    a, _b = make.worlds()
    client = signed_in(app, a.coordinator)
    base = f"/reports/{a.plan.slug}/comparison?period={a.period.label}"
    by_code = text(client.get(base + "&sort=code"))
    for sort in ("code; DROP TABLE plan", "id", "password_hash", "mean desc, (SELECT 1)"):
        response = client.get(base + "&sort=" + quote(sort) + "&dir=" + quote("desc; --"))
        assert response.status_code == 200
        assert "DROP TABLE" not in text(response) and "SELECT 1" not in text(response)
        assert _rows(text(response)) == _rows(by_code)


def _rows(page: str) -> list[str]:
    return re.findall(r"139\.\d+", page)


def test_a_bad_language_falls_back_to_arabic_and_is_not_echoed(app):
    for lang in ["xx", "<script>alert(1)</script>", "en%0d%0aSet-Cookie:%20a=b", "EN", "en-GB",
                 "../../etc/passwd", "ar%00"]:
        client = app.test_client()
        response = client.get("/login?lang=" + quote(lang, safe="%"))
        # The random CSRF token may hold "xx" or "EN" by chance (a few runs in a hundred).
        body = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"',
                      response.get_data(as_text=True))
        assert response.status_code in (200, 400), lang
        assert '<html lang="ar" dir="rtl">' in body, lang
        assert lang not in body and "<script>alert" not in body and "a=b" not in body
        assert "monitor_lang" not in response.headers.get("Set-Cookie", "")


# --- extra form fields are ignored ------------------------------------------------------------

EXTRA = {"role": "coordinator", "organization_id": "", "body_id": "", "id": "1",
         "user_id": "1", "active": "0", "status": "registered", "state": "submitted",
         "counted": "1", "plan_id": "", "session_version": "99"}


def test_extra_fields_cannot_make_an_evaluator_a_coordinator_or_move_them(app):
    a, b = make.worlds()
    client = anonymous(app)
    client.get(f"/join-team/{a.team_token}")
    page = client.get("/join-team")
    response = client.post("/join-team", data=EXTRA | {
        "organization_id": str(b.org.id), "csrf_token": csrf_from(page.get_data(as_text=True)),
        "name": "Layla", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == a.evaluator_invitation.email))
    assert (user.role, user.organization_id, user.body_id) == ("evaluator", a.org.id, None)
    assert user.session_version == 1


def test_extra_fields_on_the_account_page_change_only_the_password(app):
    a, _b = make.worlds()
    client = signed_in(app, a.evaluator)
    response = client.post("/account", data=EXTRA | {
        "csrf_token": client.csrf_token, "current": "correct horse battery",
        "password": NEW_PASSWORD, "organization_id": str(a.org.id + 1)})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, a.evaluator.id)
    assert (user.role, user.organization_id, user.active) == ("evaluator", a.org.id, True)


def test_extra_fields_in_the_open_call_are_ignored(app):
    a, b = make.worlds()
    client = anonymous(app)
    response = client.post(f"/open-call/{a.plan.slug}", data=EXTRA | {
        "plan_id": str(b.plan.id), "csrf_token": client.csrf_token, "name": "New NGO",
        "email": "new@ngo.example", "preferred_language": "en"})
    assert response.status_code == 302
    request = db.session.scalar(sa.select(JoinRequest).where(
        JoinRequest.email == "new@ngo.example"))
    assert (request.plan_id, request.status, request.decided_at) == (a.plan.id, "pending", None)


def test_extra_fields_cannot_submit_or_move_an_evaluation(app):
    a, b = make.worlds()
    client = signed_in(app, a.evaluator)
    draft = db.session.get(Evaluation, a.draft.id)
    response = client.post(f"/evaluations/{draft.id}/save", data=EXTRA | {
        "organization_id": str(b.org.id), "recommendation_id": str(b.rec.id),
        "period_id": str(b.period.id), "csrf_token": client.csrf_token,
        "version": str(draft.version), "q.assessment": "Updated."})
    assert response.status_code == 302, text(response)[:1000]
    db.session.expire_all()
    draft = db.session.get(Evaluation, a.draft.id)
    assert (draft.organization_id, draft.recommendation_id, draft.period_id, draft.state,
            draft.counted) == (a.org.id, a.draft_rec.id, a.period.id, "draft", False)
    assert draft.answers["assessment"] == "Updated."


def test_extra_fields_cannot_widen_an_evaluator_invitation(app):
    a, b = make.worlds()
    client = signed_in(app, a.admin)
    response = client.post("/ngo/evaluators", data=EXTRA | {
        "organization_id": str(b.org.id), "csrf_token": client.csrf_token,
        "email": "helper@alpha.example"})
    assert response.status_code == 302
    invitation = db.session.scalar(sa.select(EvaluatorInvitation).where(
        EvaluatorInvitation.email == "helper@alpha.example"))
    assert (invitation.organization_id, invitation.status) == (a.org.id, "pending")


# --- brute force, password reset, sessions ---------------------------------------------------


@pytest.fixture
def limited(database_url, tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    """An app with rate limits on (they are off elsewhere in the suite), and cheap password
    hashes (these tests count attempts, not hashing time)."""
    monkeypatch.setattr(accounts, "_DUMMY_HASH", generate_password_hash("x", "pbkdf2:sha256:1"))
    app = create_app(base_config(tmp_path) | {"SQLALCHEMY_DATABASE_URI": database_url,
                                              "RATELIMIT_ENABLED": True})
    app.test_client_class = FreshContextClient
    with app.app_context():
        limiter.reset()
        yield app
        limiter.reset()
        db.session.remove()
        db.engine.dispose()


def _attempt(app, email: str, password: str, address: str):  # noqa: ANN001, ANN201
    client = english(app.test_client())
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"csrf_token": token, "email": email,
                                       "password": password})


def test_brute_force_on_one_account_is_stopped_and_others_still_sign_in(limited):
    victim = make.coordinator(make.body(), email="victim@gov.example")
    other = make.coordinator(make.body(), email="other@gov.example")
    victim.password_hash = other.password_hash = FAST_HASH
    db.session.commit()
    before = snapshot()
    statuses = [_attempt(limited, victim.email, f"guess number {i}", "10.0.0.1").status_code
                for i in range(10)]
    assert statuses == [200] * 10
    blocked = _attempt(limited, victim.email, "correct horse battery", "10.0.0.2")
    refused(blocked, 429, "Too many attempts", before)  # even the right password, elsewhere
    assert _attempt(limited, other.email, "correct horse battery", "10.0.0.1").status_code == 302


def test_the_invitation_s_sign_in_form_gives_no_second_set_of_guesses(limited):
    world = make.worlds()[0]
    admin = make.ngo_user(world.org, "ngo_admin", email="guessed@ngo.example")
    admin.password_hash = FAST_HASH
    db.session.commit()
    ngo = english(limited.test_client())
    ngo.environ_base["REMOTE_ADDR"] = "10.0.0.3"
    ngo.get(f"/join/{world.join_token}")  # records that the link was opened
    token = csrf_from(ngo.get("/join").get_data(as_text=True))
    before = snapshot()
    statuses = [_attempt(limited, admin.email, f"guess number {i}", "10.0.0.1").status_code
                for i in range(6)]
    for i in range(5):
        statuses.append(ngo.post("/join/signin", data={
            "csrf_token": token, "email": admin.email, "password": f"other guess {i}"}
        ).status_code)
    assert statuses == [200] * 6 + [422] * 4 + [429]
    refused(_attempt(limited, admin.email, "correct horse battery", "10.0.0.2"), 429,
            "Too many attempts", before)


def test_one_address_guessing_many_accounts_is_stopped(limited):
    make.coordinator(make.body(), email="known@gov.example").password_hash = FAST_HASH
    db.session.commit()
    statuses = [_attempt(limited, f"user{i}@gov.example", "wrong password!", "10.0.0.9")
                .status_code for i in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
    assert _attempt(limited, "known@gov.example", "correct horse battery",
                    "10.0.0.10").status_code == 302


def test_reset_and_token_links_are_rate_limited(limited):
    client = english(limited.test_client())
    token = csrf_from(client.get("/reset").get_data(as_text=True))
    statuses = [client.post("/reset", data={"csrf_token": token,
                                            "email": f"x{i}@gov.example"}).status_code
                for i in range(6)]
    assert statuses == [302] * 5 + [429]
    for link in ("/join/not-a-token-", "/join-team/not-a-token-"):
        statuses = [client.get(f"{link}{i}").status_code for i in range(31)]
        assert statuses[:30] == [400] * 30 and statuses[30] == 429, link
    assert "Too many attempts" in text(client.get("/join/not-a-token"))


def test_password_reset_answers_an_unknown_email_exactly_like_a_known_one(app):
    make.coordinator(make.body(), email="known@gov.example")
    db.session.commit()
    answers = []
    for email in ("known@gov.example", "unknown@gov.example", "KNOWN@Gov.Example"):
        client = english(app.test_client())
        token = csrf_from(client.get("/reset").get_data(as_text=True))
        response = client.post("/reset", data={"csrf_token": token, "email": email})
        page = client.get(response.headers["Location"])
        answers.append((response.status_code, response.headers["Location"],
                        re.sub(r'value="[^"]+"', "", page.get_data(as_text=True))))
    assert answers[0] == answers[1] == answers[2]
    recipients = db.session.scalars(sa.select(OutgoingEmail.recipient)).all()
    assert recipients == ["known@gov.example", "known@gov.example"]


def on_evil_host(client):  # noqa: ANN001, ANN201
    """The client's cookies, also sent to evil.example (the Host the attacker sets)."""
    for cookie in list(client._cookies.values()):  # noqa: SLF001
        client.set_cookie(cookie.key, cookie.value, domain="evil.example")
    return client


def test_links_in_emails_come_from_the_base_url_never_from_a_poisoned_host_header(app):
    """An attacker who sends a request with their own Host header must not get a reset or
    invitation link that points at their site: links come from MONITOR_BASE_URL."""
    a, _b = make.worlds()
    newcomer = make.organization("Newcomer", language="en")
    db.session.commit()
    evil = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    visitor = english(app.test_client())
    token = csrf_from(visitor.get("/reset", headers=evil).get_data(as_text=True))
    visitor.post("/reset", data={"csrf_token": token, "email": a.admin.email}, headers=evil)
    coordinator = on_evil_host(signed_in(app, a.coordinator))
    coordinator.post(f"/plans/{a.plan.slug}/invitations", headers=evil, data={
        "csrf_token": coordinator.csrf_token, "organization": str(newcomer.id)})
    coordinator.post(f"/plans/{a.plan.slug}/sending", headers=evil,
                     data={"csrf_token": coordinator.csrf_token})
    admin = on_evil_host(signed_in(app, a.admin))
    admin.post("/ngo/evaluators", headers=evil,
               data={"csrf_token": admin.csrf_token, "email": "new.evaluator@ngo.example"})
    emails = {kind: body for kind, body in db.session.execute(
        sa.select(OutgoingEmail.kind, OutgoingEmail.body_text))}
    assert {"password_reset", "invitation", "evaluator_invitation"} <= set(emails), emails
    for kind in ("password_reset", "invitation", "evaluator_invitation"):
        assert "http://localhost/" in emails[kind] and "evil" not in emails[kind], kind
    invitation_id = db.session.scalar(sa.select(Invitation.id).where(
        Invitation.organization_id == newcomer.id))
    page = text(coordinator.get(f"/invitations/{invitation_id}/link", headers=evil))
    assert "http://localhost/join/" in page and "evil.example" not in page


def test_a_copied_session_cookie_dies_with_deactivation(app):
    a, _b = make.worlds()
    copied = signed_in(app, a.member)
    assert copied.get("/evaluations/").status_code == 200
    admin = signed_in(app, a.admin)
    response = admin.post(f"/ngo/people/{a.member.id}/deactivate",
                          data={"csrf_token": admin.csrf_token})
    assert response.status_code == 302
    assert copied.get("/evaluations/").status_code == 302
    # Even re-activated, the old cookie stays dead.
    admin.post(f"/ngo/people/{a.member.id}/activate", data={"csrf_token": admin.csrf_token})
    assert copied.get("/evaluations/").status_code == 302


def test_emails_are_matched_in_any_unicode_form_and_case(app):
    make.coordinator(make.body(), email="rené@gov.example")
    db.session.commit()
    client = app.test_client()
    login(client, "RENE\u0301@Gov.Example")
    assert client.get("/plans/").status_code == 200


def test_session_cookies_are_httponly_lax_and_secure_behind_https(app):
    app.config["SESSION_COOKIE_SECURE"] = True
    user = make.coordinator(make.body())
    db.session.commit()
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "email": user.email,
                                           "password": "correct horse battery"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


# --- sizes ----------------------------------------------------------------------------------


def test_an_oversized_body_gets_a_translated_413_and_changes_nothing(app):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    client = anonymous(app)
    before = snapshot()
    refused(client.post("/login", data={"csrf_token": client.csrf_token,
                                        "email": "a@b.example", "password": "x" * 5000}),
            413, "What you sent is larger than this server accepts.", before)


def test_a_body_size_limit_is_configured_by_default():
    from monitor.config import Config

    assert 0 < Config.MAX_CONTENT_LENGTH <= 50 * 1024 * 1024
