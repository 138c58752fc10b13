"""Right of reply: on a flagged item the coordinator records the government's response, the
NGOs that evaluated the item read it on their results page and may add a rejoinder, and
the coordinator may close the thread. The thread stays with the item, in the exports and
in the report. (Set-up: factories.Results.)"""
from __future__ import annotations

import csv
import io

import factories as make
import openpyxl
import pytest
import sqlalchemy as sa
from support import login, post_form, row_counts, table_snapshot

from monitor.extensions import db
from monitor.models import AuditEvent, ReplyMessage
from monitor.services import audit
from monitor.services.results import replies

EN = {"Accept-Language": "en"}
RESPONSE = "ردّ الحكومة: صدر قانون استقلال القضاء عام 2023. حکومەت: یاساکە دەرچوو."
REJOINDER = "تعقيب منظمة الأمل: القانون لم يُطبَّق بعد."
GAMMA_REJOINDER = "Gamma: the courts are still not independent."


@pytest.fixture
def world(app):  # noqa: ANN001, ANN201
    return make.results()


def _thread_url(world, key: str) -> str:  # noqa: ANN001
    return world.url(f"replies?level={key}&lang=en")


def _respond(client, world, key: str, body: str):  # noqa: ANN001, ANN201
    return post_form(client, world.url("replies/respond"), {"level": key, "body": body},
                     page=_thread_url(world, key))


def _rejoin(client, world, key: str, body: str):  # noqa: ANN001, ANN201
    return post_form(client, f"/our-results/{world.plan.slug}/{world.period.label}/rejoinder",
                     {"level": key, "body": body},
                     page=f"/our-results/{world.plan.slug}?lang=en")


def _messages() -> list[tuple[str, str, int | None]]:
    db.session.expire_all()
    return [(m.kind, m.level_key, m.organization_id) for m in db.session.scalars(
        sa.select(ReplyMessage).order_by(ReplyMessage.id))]


def test_a_thread_from_response_to_rejoinders_to_closing_end_to_end(world, app):
    key = f"rec:{world.rec1.id}"
    coordinator = app.test_client()
    login(coordinator, world.coordinator.email)

    # The flagged recommendation is listed, without a response yet.
    listing = coordinator.get(world.url("replies?lang=en")).get_data(as_text=True)
    assert "139.1" in listing and "No response yet" in listing
    response = _respond(coordinator, world, key, RESPONSE)
    assert response.status_code == 302
    assert _messages() == [("response", key, None)]

    # Alpha (evaluated 139.1) reads the response on its results page and replies.
    alpha = app.test_client()
    login(alpha, world.admins["alpha"].email)
    page = alpha.get(f"/our-results/{world.plan.slug}?lang=en").get_data(as_text=True)
    assert RESPONSE in page and "Add the rejoinder" in page
    assert _rejoin(alpha, world, key, REJOINDER).status_code == 302
    # Gamma evaluated 139.1 under a pseudonym: its rejoinder is shown under it.
    gamma = app.test_client()
    login(gamma, world.admins["gamma"].email)
    assert _rejoin(gamma, world, key, GAMMA_REJOINDER).status_code == 302
    assert [m[0] for m in _messages()] == ["response", "rejoinder", "rejoinder"]

    # Beta evaluated 139.1 too: it reads the response, never the others' rejoinders.
    beta = app.test_client()
    login(beta, world.admins["beta"].email)
    beta_page = beta.get(f"/our-results/{world.plan.slug}?lang=en").get_data(as_text=True)
    assert RESPONSE in beta_page
    assert REJOINDER not in beta_page and GAMMA_REJOINDER not in beta_page
    assert world.orgs["alpha"].name not in beta_page
    # Alpha sees its own rejoinder, not Gamma's.
    page = alpha.get(f"/our-results/{world.plan.slug}?lang=en").get_data(as_text=True)
    assert REJOINDER in page and GAMMA_REJOINDER not in page

    # The coordinator reads both: Alpha by name, Gamma by its pseudonym on 139.1.
    thread = coordinator.get(_thread_url(world, key)).get_data(as_text=True)
    assert REJOINDER in thread and GAMMA_REJOINDER in thread
    assert world.orgs["alpha"].name in thread
    assert world.orgs["gamma"].name not in thread and "Organisation A" in thread
    # The drill-down shows the thread with the same letter as the evaluations above it.
    drill = coordinator.get(f"/reports/{world.plan.slug}/comparison/{world.rec1.id}"
                            f"?period={world.period.label}&lang=en").get_data(as_text=True)
    assert drill.count("Organisation A") >= 2 and GAMMA_REJOINDER in drill
    assert world.orgs["gamma"].name not in drill

    # Closing: nothing more can be added, by anyone.
    closed = post_form(coordinator, world.url("replies/close"),
                       {"level": key, "body": "أُغلق النقاش."}, page=_thread_url(world, key))
    assert closed.status_code == 302
    before = row_counts()
    refused = _rejoin(alpha, world, key, "One more thing")
    assert refused.status_code == 409
    assert "This thread is closed" in refused.get_data(as_text=True)
    refused = _respond(coordinator, world, key, "A late response")
    assert refused.status_code == 409 and "This thread is closed" in refused.get_data(
        as_text=True)
    assert row_counts() == before

    # The thread stays with the item: in the CSV and XLSX exports and in the report.
    data = coordinator.get(world.url("export/comparison.csv")).get_data()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    row = next(r for r in rows if r["recommendation_id"] == str(world.rec1.id))
    assert RESPONSE in row["right_of_reply"] and REJOINDER in row["right_of_reply"]
    assert GAMMA_REJOINDER in row["right_of_reply"]
    assert world.orgs["gamma"].name not in data.decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(
        coordinator.get(world.url("export/comparison.xlsx")).get_data()))
    sheet = book["Right of reply"]
    messages = [dict(zip([c.value for c in sheet[1]], [c.value for c in r]))
                for r in sheet.iter_rows(min_row=2)]
    assert [(m["Kind"], m["Level"]) for m in messages] == [  # headers in English here
        ("response", key), ("rejoinder", key), ("rejoinder", key), ("closed", key)]
    assert messages[0]["Message"] == RESPONSE and messages[1]["Author"] == world.orgs["alpha"].name
    assert messages[2]["Author"] == "Organisation A"
    report = coordinator.get(world.url("report?lang=en")).get_data(as_text=True)
    assert RESPONSE in report and REJOINDER in report and "Closed" in report

    # Every step is in the audit trail, the pseudonymous rejoinder without its organisation.
    actions = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.action.like("reply.%")).order_by(AuditEvent.id)).all()
    assert actions == ["reply.responded", "reply.rejoined", "reply.rejoined", "reply.closed"]
    rows = audit.export_rows(db.session, audit.EventFilter(action="reply.rejoined"),
                             body_id=None)
    assert sorted(row[7] for row in rows) == sorted(
        [world.orgs["alpha"].name, "Pseudonymous organisation"])


def test_a_rejoinder_from_an_ngo_that_did_not_evaluate_the_item_is_not_found(world, app):
    coordinator = app.test_client()
    login(coordinator, world.coordinator.email)
    plan_key = "plan"
    assert _respond(coordinator, world, plan_key, RESPONSE).status_code == 302
    rec_key = f"rec:{world.rec1.id}"
    assert _respond(coordinator, world, rec_key, RESPONSE).status_code == 302
    # Beta evaluated 139.1 and 139.4; a thread on 139.2 (Alpha's only) is not its own.
    db.session.add(ReplyMessage(period_id=world.period.id,
                                level_key=f"rec:{world.recs['139.2'].id}", kind="response",
                                author_id=world.coordinator.id, body="Response on 139.2"))
    db.session.commit()
    beta = app.test_client()
    login(beta, world.admins["beta"].email)
    page = beta.get(f"/our-results/{world.plan.slug}?lang=en").get_data(as_text=True)
    assert "Response on 139.2" not in page
    before = table_snapshot(ReplyMessage, AuditEvent)
    response = _rejoin(beta, world, f"rec:{world.recs['139.2'].id}", "Not ours")
    assert response.status_code == 404
    assert "did not evaluate this item" in response.get_data(as_text=True)
    # An organisation not in the plan at all, and an item of another plan.
    other = make.plan(world.body)
    db.session.commit()
    assert _rejoin(beta, world, f"rec:{other.files[0].recommendations[0].id}",
                   "x").status_code == 404
    assert _rejoin(beta, world, "rec:abc", "x").status_code == 404
    assert table_snapshot(ReplyMessage, AuditEvent) == before
    stranger = app.test_client()
    login(stranger, world.stranger.email)
    assert stranger.get(f"/our-results/{world.plan.slug}").status_code == 404
    token_page = stranger.get("/our-results/?lang=en")
    assert token_page.status_code == 200
    response = post_form(stranger, f"/our-results/{world.plan.slug}/{world.period.label}"
                         "/rejoinder", {"level": rec_key, "body": "x"}, page="/our-results/")
    assert response.status_code == 404
    assert table_snapshot(ReplyMessage, AuditEvent) == before


def test_a_one_megabyte_rejoinder_is_refused_with_a_message(world, app):
    coordinator = app.test_client()
    login(coordinator, world.coordinator.email)
    key = f"rec:{world.rec1.id}"
    assert _respond(coordinator, world, key, RESPONSE).status_code == 302
    alpha = app.test_client()
    login(alpha, world.admins["alpha"].email)
    before = table_snapshot(ReplyMessage, AuditEvent)
    # 1 MB: refused with a message, either by the server's form limit (413, depending on
    # Werkzeug's version) or by the thread's own length rule (422).
    response = _rejoin(alpha, world, key, "ب" * (1024 * 1024))
    assert response.status_code in (413, 422)
    assert ("larger than this server accepts" if response.status_code == 413
            else "The message is too long") in response.get_data(as_text=True)
    assert table_snapshot(ReplyMessage, AuditEvent) == before
    # Longer than a message may be: refused by the thread, the page kept light.
    response = _rejoin(alpha, world, key, "ب" * 60_000)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The message is too long: 60,000 characters. The limit is 5,000." in page
    assert len(response.get_data()) < 60_000  # the long text is not sent back whole
    assert table_snapshot(ReplyMessage, AuditEvent) == before
    # An empty one too.
    response = _rejoin(alpha, world, key, "   ")
    assert response.status_code == 422
    assert "Please write the text of the message." in response.get_data(as_text=True)
    assert table_snapshot(ReplyMessage, AuditEvent) == before


def test_evaluators_read_threads_but_only_administrators_may_rejoin(world, app):
    coordinator = app.test_client()
    login(coordinator, world.coordinator.email)
    key = f"rec:{world.rec1.id}"
    assert _respond(coordinator, world, key, RESPONSE).status_code == 302
    evaluator = app.test_client()
    login(evaluator, world.evaluators["alpha"].email)
    page = evaluator.get(f"/our-results/{world.plan.slug}?lang=en").get_data(as_text=True)
    assert RESPONSE in page and "Add the rejoinder" not in page
    before = table_snapshot(ReplyMessage)
    response = post_form(evaluator, f"/our-results/{world.plan.slug}/{world.period.label}"
                         "/rejoinder", {"level": key, "body": "x"},
                         page=f"/our-results/{world.plan.slug}")
    assert response.status_code == 403
    assert table_snapshot(ReplyMessage) == before


def test_a_rejoinder_needs_a_government_response_first(world, app):
    alpha = app.test_client()
    login(alpha, world.admins["alpha"].email)
    before = table_snapshot(ReplyMessage, AuditEvent)
    response = _rejoin(alpha, world, f"rec:{world.rec1.id}", REJOINDER)
    assert response.status_code == 404
    assert "has not responded on this item" in response.get_data(as_text=True)
    assert table_snapshot(ReplyMessage, AuditEvent) == before


def test_the_coordinator_responds_only_on_flagged_items(world, app):
    coordinator = app.test_client()
    login(coordinator, world.coordinator.email)
    before = table_snapshot(ReplyMessage, AuditEvent)
    # 139.4: not flagged (no official figure).
    key = f"rec:{world.recs['139.4'].id}"
    assert coordinator.get(_thread_url(world, key)).status_code == 404
    response = post_form(coordinator, world.url("replies/respond"),
                         {"level": key, "body": RESPONSE},
                         page=_thread_url(world, f"rec:{world.rec1.id}"))
    assert response.status_code == 409
    assert "not flagged as divergent" in response.get_data(as_text=True)
    # Empty text, an unknown item, an item of another plan, nothing to close.
    response = _respond(coordinator, world, f"rec:{world.rec1.id}", "")
    assert response.status_code == 422
    assert "Please write the text of the message." in response.get_data(as_text=True)
    other = make.plan(world.body)
    db.session.commit()
    for bad in ("rec:999999", f"file:{other.files[0].id}", "plan;drop", ""):
        assert _respond(coordinator, world, bad, RESPONSE).status_code == 404, bad
    response = post_form(coordinator, world.url("replies/close"),
                         {"level": f"file:{world.file1.id}"},
                         page=_thread_url(world, f"file:{world.file1.id}"))
    assert response.status_code == 409
    assert "no thread on this item to close" in response.get_data(as_text=True)
    assert table_snapshot(ReplyMessage, AuditEvent) == before


def test_another_bodys_coordinator_and_ngo_users_cannot_reach_the_threads(world, app):
    stranger = make.coordinator(make.body())
    db.session.commit()
    client = app.test_client()
    login(client, stranger.email)
    assert client.get(world.url("replies")).status_code == 404
    before = table_snapshot(ReplyMessage)
    response = post_form(client, world.url("replies/respond"),
                         {"level": f"rec:{world.rec1.id}", "body": "x"}, page="/account")
    assert response.status_code == 404
    ngo = app.test_client()
    login(ngo, world.admins["alpha"].email)
    assert ngo.get(world.url("replies")).status_code == 403
    assert table_snapshot(ReplyMessage) == before


def test_file_and_plan_threads_reach_the_ngos_that_evaluated_within_them(world, app):
    """File 1 (139.1-139.3) was evaluated by all three; 139.4 is in file 2."""
    coordinator = app.test_client()
    login(coordinator, world.coordinator.email)
    assert _respond(coordinator, world, f"file:{world.file1.id}", "Response on file 1") \
        .status_code == 302
    threads = replies.organization_threads(db.session, world.plan, world.period,
                                           world.orgs["beta"].id)
    assert [t.level.key for t in threads] == [f"file:{world.file1.id}"]
    alpha = app.test_client()
    login(alpha, world.admins["alpha"].email)
    assert _rejoin(alpha, world, f"file:{world.file1.id}", REJOINDER).status_code == 302
    # On a file, a pseudonymous organisation is shown with the neutral label.
    gamma = app.test_client()
    login(gamma, world.admins["gamma"].email)
    assert _rejoin(gamma, world, f"file:{world.file1.id}", GAMMA_REJOINDER).status_code == 302
    page = coordinator.get(_thread_url(world, f"file:{world.file1.id}")).get_data(as_text=True)
    assert world.orgs["alpha"].name in page and "Pseudonymous organisation" in page
    assert world.orgs["gamma"].name not in page
