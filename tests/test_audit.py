"""The audit trail: coordinators read it (their body's plans only), filter it, export it;
every state-changing service writes its event in the same transaction as the change; on
PostgreSQL the application's role cannot change or delete events."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os

import factories as make
import pytest
import sqlalchemy as sa
from support import BOOKKEEPING, DATABASE_URL, csrf_from, login, row_counts

from monitor.extensions import db
from monitor.models import AuditEvent
from monitor.services import audit


def _event(action: str, *, plan=None, org=None, actor=None, at=None, before=None,  # noqa: ANN001
           after=None, object_type: str = "Thing", object_id: int = 1) -> AuditEvent:
    event = AuditEvent(action=action, object_type=object_type, object_id=object_id,
                       plan_id=plan.id if plan else None,
                       organization_id=org.id if org else None,
                       actor_id=actor.id if actor else None, before=before, after=after,
                       request_id="req-" + action, at=at or dt.datetime(2024, 5, 1, 12, 0))
    db.session.add(event)
    return event


@pytest.fixture
def two_bodies():  # noqa: ANN201
    """Two bodies, each with a plan, a coordinator and an event; an event of no plan."""
    own, other = make.body(), make.body()
    mine, theirs = make.plan(own), make.plan(other)
    me = make.coordinator(own, email="me@gov.example")
    them = make.coordinator(other, email="them@gov.example")
    org = make.organization("منظمة الرصد")
    _event("plan.updated", plan=mine, actor=me, before={"status": "draft"},
           after={"status": "open"}, at=dt.datetime(2024, 5, 1, 8, 0))
    _event("evaluation.submitted", plan=mine, org=org, object_type="Evaluation",
           after={"status_score": 50}, at=dt.datetime(2024, 5, 2, 8, 0))
    _event("plan.updated", plan=theirs, actor=them, after={"title_en": "SECRET OTHER BODY"},
           at=dt.datetime(2024, 5, 3, 8, 0))
    _event("organization.created", org=org, object_type="Organization",
           after={"name": "NO PLAN EVENT"}, at=dt.datetime(2024, 5, 4, 8, 0))
    db.session.commit()
    return {"mine": mine, "theirs": theirs, "me": me, "them": them, "org": org}


def _page(client, query: str = "") -> str:  # noqa: ANN001
    response = client.get("/audit/?lang=en" + query)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _rows(page: str) -> str:
    """The trail's table body (the filter's drop-downs also name actions; the security
    events' table comes first)."""
    trail = page.split('<table class="audit">')[1] if '<table class="audit">' in page else ""
    return trail.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in trail else ""


def test_coordinator_sees_the_events_of_its_bodys_plans_newest_first(client, two_bodies):
    login(client, "me@gov.example")
    page = _page(client)
    rows = _rows(page)
    # Actions and objects in words, not identifiers.
    assert "Evaluation submitted" in rows and "Plan changed" in rows
    assert "evaluation.submitted" not in rows and "Evaluation #" not in rows
    assert rows.index("Evaluation submitted") < rows.index("Plan changed")  # newest first
    assert "me@gov.example" in rows and "منظمة الرصد" in rows
    assert "draft" in rows and "open" in rows  # before → after
    assert "SECRET OTHER BODY" not in page
    assert "NO PLAN EVENT" not in page
    assert "2 entries" in page
    arabic = client.get("/audit/?lang=ar")
    assert arabic.status_code == 200 and 'dir="rtl"' in arabic.get_data(as_text=True)


def test_a_coordinator_of_another_body_does_not_see_these_events(client, two_bodies):
    login(client, "them@gov.example")
    page = _page(client)
    assert "SECRET OTHER BODY" in page
    assert "evaluation.submitted" not in page and "منظمة الرصد" not in page
    csv_text = client.get("/audit/export.csv").get_data(as_text=True)
    assert "SECRET OTHER BODY" in csv_text and "evaluation.submitted" not in csv_text
    # Nor by filtering on the other body's organisation.
    response = client.get(f"/audit/?lang=en&organization={two_bodies['org'].id}")
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_a_coordinator_without_body_sees_every_event(client, two_bodies):
    make.coordinator(None, email="all@gov.example")
    db.session.commit()
    login(client, "all@gov.example")
    page = _page(client)
    assert "SECRET OTHER BODY" in page and "NO PLAN EVENT" in page and "4 entries" in page


def test_an_organisation_s_drafts_documents_and_team_never_show_on_the_coordinator_s_side(
        client, two_bodies):
    mine, org = two_bodies["mine"], two_bodies["org"]
    evaluator = make.ngo_user(org, "evaluator", email="evaluator-at-risk@ngo.example")
    make.coordinator(None, email="all@gov.example")
    for action in sorted(audit.NGO_INTERNAL_ACTIONS):
        _event(action, plan=mine, org=org, actor=evaluator, object_type="Evaluation",
               after={"changed": ["assessment"], "email": "evaluator-at-risk@ngo.example"},
               at=dt.datetime(2024, 5, 5, 8, 0))
    _event("evaluator.invited", org=org, actor=evaluator,  # no plan: an all-bodies view
           after={"email": "evaluator-at-risk@ngo.example"})
    db.session.commit()
    for coordinator in ("me@gov.example", "all@gov.example"):
        login(client, coordinator)
        page = _page(client)
        export = client.get("/audit/export.csv").get_data(as_text=True)
        for action in audit.NGO_INTERNAL_ACTIONS:
            assert action not in page and action not in export, action
        assert "evaluator-at-risk" not in page and "evaluator-at-risk" not in export
        assert "Evaluation submitted" in _rows(page)  # what reaches the coordinator shows
        assert "Evaluation saved" not in page and "Evaluation started" not in page
        response = client.get("/audit/?lang=en&action=evaluation.saved")
        assert response.status_code == 400  # not even offered as a filter
        client.post("/logout", data={"csrf_token": csrf_from(page)})


def test_evaluators_and_visitors_cannot_read_the_audit_trail(client, two_bodies):
    assert client.get("/audit/").status_code == 302
    assert client.get("/audit/export.csv").status_code == 302
    user = make.ngo_user(two_bodies["org"], "evaluator")
    db.session.commit()
    login(client, user.email)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_an_ngo_administrator_reads_every_event_of_its_own_organisation_only(client,
                                                                           two_bodies):
    mine, org = two_bodies["mine"], two_bodies["org"]
    admin = make.ngo_user(org, "ngo_admin", email="admin@alrasd.example")
    evaluator = make.ngo_user(org, "evaluator", email="evaluator@alrasd.example")
    other = make.organization("Other NGO")
    _event("evaluation.saved", plan=mine, org=org, actor=evaluator, object_type="Evaluation",
           after={"changed": ["assessment"]}, at=dt.datetime(2024, 5, 6, 8, 0))
    _event("evaluation.clarification_requested", plan=mine, org=org, actor=two_bodies["me"],
           object_type="Evaluation", at=dt.datetime(2024, 5, 7, 8, 0))
    _event("evaluation.saved", plan=mine, org=other, object_type="Evaluation",
           after={"changed": ["OTHER ORGANISATION"]}, at=dt.datetime(2024, 5, 8, 8, 0))
    db.session.commit()
    login(client, admin.email)
    page = _page(client)
    rows = _rows(page)
    # Its team's drafts, the coordinator's request, and the fixture's events of the
    # organisation (a submission, its creation).
    assert "evaluator@alrasd.example" in rows and "me@gov.example" in rows
    assert "Clarification requested" in rows and "Evaluation submitted" in rows
    assert "OTHER ORGANISATION" not in page and "Plan changed" not in rows
    assert "4 entries" in page  # with the fixture's submission and creation
    assert 'name="organization"' not in page  # nothing to choose between
    export = client.get("/audit/export.csv").get_data(as_text=True)
    assert "evaluator@alrasd.example" in export and "OTHER ORGANISATION" not in export
    response = client.get(f"/audit/?lang=en&organization={other.id}")
    assert response.status_code == 400  # another organisation is not a valid choice


def test_coordinator_filters_by_action_object_type_organisation_and_dates(client, two_bodies):
    login(client, "me@gov.example")
    page = _page(client, "&action=plan.updated")
    assert "1 entry" in page and "Evaluation submitted" not in _rows(page)
    page = _page(client, "&object_type=Evaluation")
    assert "1 entry" in page and "Evaluation submitted" in _rows(page)
    page = _page(client, f"&organization={two_bodies['org'].id}")
    assert "1 entry" in page and "منظمة الرصد" in _rows(page)
    # Dates are Baghdad days: 2024-05-02 08:00 UTC is on 2 May there.
    page = _page(client, "&date_from=2024-05-02&date_to=2024-05-02")
    assert "1 entry" in page and "Evaluation submitted" in _rows(page)
    page = _page(client, "&date_to=٢٠٢٤-٠٥-٠١")  # Arabic-Indic digits
    assert "1 entry" in page and "Plan changed" in _rows(page)
    page = _page(client, "&date_from=2024-06-01")
    assert "No entries match this filter." in page


def test_a_day_in_baghdad_starts_at_21_00_utc_the_day_before(client, two_bodies):
    _event("late.evening", plan=two_bodies["mine"], at=dt.datetime(2024, 5, 9, 21, 30))
    db.session.commit()
    login(client, "me@gov.example")
    assert "late.evening" in _rows(_page(client, "&date_from=2024-05-10&date_to=2024-05-10"))
    assert "late.evening" not in _rows(_page(client, "&date_to=2024-05-09"))


@pytest.mark.parametrize(("query", "message"), [
    ("&date_from=2024-13-01", "Enter a date as YYYY-MM-DD"),
    ("&date_from=yesterday", "Enter a date as YYYY-MM-DD"),
    ("&date_from=2024-05-03&date_to=2024-05-01", "The end date is before the start date."),
    ("&action=nope.never", "Not a valid choice"),
    ("&object_type=Secret", "Not a valid choice"),
    ("&organization=abc", "Not a valid choice"),
])
def test_a_bad_filter_is_refused_with_a_message_and_changes_nothing(client, two_bodies, query,
                                                                     message):
    login(client, "me@gov.example")
    before = row_counts()
    for url in ("/audit/?lang=en", "/audit/export.csv?lang=en"):
        response = client.get(url + query)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert row_counts() == before


def test_the_list_is_paginated(client, two_bodies):
    for n in range(60):
        _event(f"bulk.n{n:02d}", plan=two_bodies["mine"], at=dt.datetime(2024, 6, 1) +
               dt.timedelta(minutes=n))
    db.session.commit()
    login(client, "me@gov.example")
    first = _page(client)
    assert "62 entries" in first and "Page 1 of 2" in first
    rows = _rows(first)
    assert "bulk.n59" in rows and "bulk.n20" in rows and "bulk.n19" not in rows
    assert 'rel="next"' in first
    second = _page(client, "&page=2")
    assert "bulk.n19" in _rows(second) and "Evaluation submitted" in _rows(second)
    assert 'rel="prev"' in second
    assert "Page 2 of 2" in _page(client, "&page=99")  # out of range: the last page
    assert "Page 1 of 2" in _page(client, "&page=-3")
    assert len(first.encode()) < 60_000


def test_long_values_are_shortened_on_the_page_and_whole_in_the_export(client, two_bodies):
    _event("catalogue.imported", plan=two_bodies["mine"], after={"codes": "139." + "9" * 5000},
           at=dt.datetime(2024, 7, 1))
    db.session.commit()
    login(client, "me@gov.example")
    page = _page(client)
    assert "139." + "9" * 290 in page and "9" * 400 not in page and "…" in page
    export = client.get("/audit/export.csv").get_data().decode("utf-8-sig")
    assert "9" * 5000 in export


def test_the_csv_export_holds_the_filtered_events_with_formulas_neutralised(client, two_bodies):
    _event("organization.updated", plan=two_bodies["mine"], org=two_bodies["org"],
           after={"name": "=HYPERLINK(\"http://evil\")"}, object_type="=cmd|' /C calc'!A0")
    db.session.commit()
    login(client, "me@gov.example")
    response = client.get("/audit/export.csv?object_type=%3Dcmd%7C%27+%2FC+calc%27%21A0")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(audit.EXPORT_HEADER)
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert row["object_type"].startswith("'=")  # shown as text, never run
    assert row["organization"] == "منظمة الرصد" and row["plan"] == two_bodies["mine"].slug
    assert '"name": "=HYPERLINK' in row["after"]

    everything = client.get("/audit/export.csv").get_data().decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(everything)))) == 4  # header + 3 of this body


def test_record_never_keeps_passwords_tokens_or_links(app):
    event = audit.record(db.session, "user.updated", None, before={
        "password": "x", "password_hash": "y", "reset_token": "t", "invite_link": "l",
        "url": "u", "name": "kept", "nested": {"token": "t", "state": "kept"}})
    assert event.before == {"name": "kept", "nested": {"state": "kept"}}


def test_events_written_during_a_request_carry_its_request_id(app):
    with app.test_request_context("/", headers={"X-Request-Id": "trace-42"}):
        app.preprocess_request()
        event = audit.record(db.session, "x.changed", None)
    assert event.request_id == "trace-42"
    with app.test_request_context("/"):
        app.preprocess_request()
        generated = audit.record(db.session, "x.changed", None).request_id
    assert generated and len(generated) == 32 and generated != "trace-42"


# --- append-only on PostgreSQL ---------------------------------------------------------------


@pytest.mark.skipif(not DATABASE_URL, reason="needs PostgreSQL (MONITOR_TEST_DATABASE_URL): "
                    "SQLite has no roles or grants")
def test_on_postgresql_the_app_role_can_add_audit_events_but_never_change_them(app):
    event = audit.record(db.session, "plan.created", None)
    db.session.commit()
    role = f"monitor_app_test_{os.getpid()}"
    schema = db.session.execute(sa.text("SELECT current_schema()")).scalar()
    grants = [
        f'CREATE ROLE "{role}" NOLOGIN',
        f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"',
        # The grant documented in the README:
        f'REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM "{role}"',
    ]
    engine = db.engine
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
        conn.commit()
        for statement in grants:
            conn.execute(sa.text(statement))
        conn.commit()
        try:
            conn.execute(sa.text(f'SET ROLE "{role}"'))
            conn.execute(sa.insert(AuditEvent).values(action="x.inserted", object_type="T",
                                                      at=dt.datetime(2024, 1, 1)))
            assert conn.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar() == 2
            # Other tables stay writable for the app.
            conn.execute(sa.text("UPDATE plan SET status = status"))
            conn.commit()
            for statement in (
                sa.update(AuditEvent).where(AuditEvent.id == event.id).values(action="forged"),
                sa.delete(AuditEvent).where(AuditEvent.id == event.id),
                sa.text("TRUNCATE audit_event"),
            ):
                conn.execute(sa.text(f'SET ROLE "{role}"'))
                with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                    conn.execute(statement)
                conn.rollback()
        finally:
            conn.rollback()
            conn.execute(sa.text("RESET ROLE"))
            conn.execute(sa.text(f'DROP OWNED BY "{role}"'))
            conn.execute(sa.text(f'DROP ROLE "{role}"'))
            conn.commit()
    db.session.expire_all()
    assert db.session.get(AuditEvent, event.id).action == "plan.created"


# --- every state-changing service writes its event in the change's own transaction -----------
#
# One case per service function that changes state (monitor/services/*.py). Each runs the
# function, and checks that (1) its event is in the session's transaction, (2) another
# connection does not see it before the commit (it was not committed on its own), (3) a
# rollback leaves no event and no change, (4) run again and committed, the event is there
# with the change.

from dataclasses import dataclass as _dataclass  # noqa: E402
from typing import Callable as _Callable  # noqa: E402

from support import PASSWORD  # noqa: E402

from monitor.models import Evaluation as _Evaluation  # noqa: E402
from monitor.models import (  # noqa: E402
    EvaluatorInvitation,
    Invitation,
    JoinRequest,
    OfficialProgress,
    OutgoingEmail,
    Plan,
    Recommendation,
    RecommendationFile,
    ReportingPeriod,
    User,
)
from monitor.models import Organization as _Organization  # noqa: E402
from monitor.services import tabular
from monitor.services.catalogue import importing, upr_formats
from monitor.services.catalogue import records as catalogue
from monitor.services.evaluation import attachments, review
from monitor.services.evaluation import lifecycle as evaluations
from monitor.services.evaluation import questionnaire_versions as questionnaires
from monitor.services.outreach import enrolment, invitations, open_call, organizations
from monitor.services.results import official

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _answers(status: str = "50") -> dict:
    return {"status": status, "confidence": "medium", "assessment": "تقييم",
            "information_date": "2022-01-15"}


def _world() -> dict:
    """A body with an open plan (two periods, two files), its coordinator, an enrolled NGO
    (administrator, evaluator) with a draft, a submission and one awaiting approval, an
    NGO only invited, and a join request."""
    body = make.body()
    plan = make.plan(body, files=2, recommendations_per_file=4, periods=("2022", "2023"))
    coordinator = make.coordinator(body)
    org = make.organization()
    admin, evaluator = make.ngo_user(org), make.ngo_user(org, "evaluator")
    make.enrol(org, plan)
    invited = make.organization()
    invitation = Invitation(organization=invited, plan=plan, status="pending", nonce="n1")
    other_plan = make.plan(body, files=1, recommendations_per_file=1)
    second = Invitation(organization=org, plan=other_plan, status="pending", nonce="n2")
    request = JoinRequest(plan=plan, name="طلب انضمام", email="join@ngo.example",
                          preferred_language="ar", status="pending")
    db.session.add_all([invitation, second, request])
    old, current = plan.periods
    recs = plan.files[0].recommendations
    submitted = evaluations.record_submitted(
        db.session, organization=org, recommendation=recs[0], period=current,
        answers=_answers(), user=admin, submitted_at=dt.datetime(2023, 6, 1))
    evaluations.record_submitted(
        db.session, organization=org, recommendation=recs[1], period=old,
        answers=_answers(), user=admin, submitted_at=dt.datetime(2022, 6, 1))
    draft = evaluations.start(db.session, organization_id=org.id, recommendation=recs[2],
                              period=current, user=evaluator, answers=_answers())
    awaiting = evaluations.start(db.session, organization_id=org.id, recommendation=recs[3],
                                 period=current, user=evaluator, answers=_answers())
    evaluations.send_for_approval(db.session, awaiting, _answers(),
                                  expected_version=awaiting.version, user=evaluator)
    pending_evaluator = EvaluatorInvitation(organization_id=org.id, email="ev@ngo.example",
                                            status="pending", nonce="n3",
                                            expires_at=dt.datetime(2099, 1, 1))
    retired = RecommendationFile(plan=plan, title_en="Retired", position=9,
                                 retired_at=dt.datetime(2023, 1, 1))
    empty_period = ReportingPeriod(plan=plan, label="2031", starts_on=dt.date(2031, 1, 1),
                                   ends_on=dt.date(2031, 12, 31))
    figure = OfficialProgress(period=current, level_key="plan", measure="share_implemented",
                              value=30.0)
    db.session.add_all([pending_evaluator, retired, empty_period, figure])
    db.session.flush()
    db.session.add(OutgoingEmail(kind="invitation", recipient=invited.email, subject="دعوة",
                                 body_text="نص", message_id="<sent@test>", status="sent",
                                 invitation_id=invitation.id))
    return {
        "body": body.id, "plan": plan.id, "coordinator": coordinator.id, "org": org.id,
        "admin": admin.id, "evaluator": evaluator.id, "invited": invited.id,
        "invitation": invitation.id, "second_invitation": second.id, "request": request.id,
        "old": old.id, "current": current.id, "files": [f.id for f in plan.files[:2]],
        "recs": [r.id for r in plan.files[0].recommendations],
        "other_recs": [r.id for r in plan.files[1].recommendations],
        "submitted": submitted.id, "draft": draft.id, "awaiting": awaiting.id,
        "evaluator_invitation": pending_evaluator.id, "retired_file": retired.id,
        "empty_period": empty_period.id, "figure": figure.id,
    }


def _get(model, ident):  # noqa: ANN001, ANN202
    return db.session.get(model, ident)


def _rec(w: dict, n: int = 0, key: str = "other_recs") -> Recommendation:
    return _get(Recommendation, w[key][n])


def _on_evaluation(function, key: str, role: str, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    """Call an evaluation service as the page does: with the version the user saw."""
    def call(w: dict) -> object:
        evaluation = _get(_Evaluation, w[key])
        return function(db.session, evaluation, *args, expected_version=evaluation.version,
                        user=_get(User, w[role]), **kwargs)
    return call


def _catalogue_import(w: dict) -> None:
    plan = _get(Plan, w["plan"])
    row = {"code": "160.1", "text_en": "Imported recommendation", "recommending_state": "Chile",
           "response": "supported"}
    data = tabular.write_csv(upr_formats.TEMPLATE_HEADER,
                             [[row.get(h, "") for h in upr_formats.TEMPLATE_HEADER]])
    preview = importing.preview_import(db.session, plan, data, "import.csv")
    importing.apply_import(db.session, plan, preview, actor_id=w["coordinator"])


def _organizations_import(w: dict) -> None:
    data = tabular.write_csv(["name", "email", "governorate"],
                             [["منظمة مستوردة", "imported@ngo.example", "Basra"]])
    preview = organizations.preview_import(db.session, data, "orgs.csv")
    organizations.import_organizations(db.session, preview, actor_id=w["coordinator"])


def _questionnaire_import(w: dict) -> None:
    from monitor.services.evaluation.questionnaire import make_question
    from monitor.services.evaluation.xlsform import export_xlsform

    plan = _get(Plan, w["plan"])
    definition = questionnaires.current_definition(db.session, plan)
    extra = make_question("bench_extra", "text", label={"en": "Extra", "ar": "إضافي",
                                                        "ckb": "زیادە"})
    data = export_xlsform({**definition, "questions": [*definition["questions"], extra]})
    result = questionnaires.import_questionnaire(db.session, plan, data,
                                                 user=_get(User, w["coordinator"]))
    assert result.questionnaire is not None, result


@_dataclass(frozen=True)
class Case:
    action: str
    call: _Callable[[dict], object]


CASES = {
    # catalogue
    "catalogue.create_plan": Case("plan.created", lambda w: catalogue.create_plan(
        db.session, _get(__import__("monitor.models", fromlist=["GoverningBody"]).GoverningBody,
                         w["body"]), slug="new-plan", title_en="New plan",
        actor_id=w["coordinator"])),
    "catalogue.update_plan": Case("plan.status_changed", lambda w: catalogue.update_plan(
        db.session, _get(Plan, w["plan"]), status="closed", actor_id=w["coordinator"])),
    "catalogue.create_period": Case("period.created", lambda w: catalogue.create_period(
        db.session, _get(Plan, w["plan"]), label="2030", starts_on=dt.date(2030, 1, 1),
        ends_on=dt.date(2030, 12, 31), actor_id=w["coordinator"])),
    "catalogue.update_period": Case("period.status_changed", lambda w: catalogue.update_period(
        db.session, _get(ReportingPeriod, w["old"]), status="closed",
        actor_id=w["coordinator"])),
    "catalogue.delete_period": Case("period.deleted", lambda w: catalogue.delete_period(
        db.session, _get(ReportingPeriod, w["empty_period"]), actor_id=w["coordinator"])),
    "catalogue.create_file": Case("file.created", lambda w: catalogue.create_file(
        db.session, _get(Plan, w["plan"]), title_en="A new file", actor_id=w["coordinator"])),
    "catalogue.update_file": Case("file.updated", lambda w: catalogue.update_file(
        db.session, _get(RecommendationFile, w["files"][1]), title_en="Renamed",
        actor_id=w["coordinator"])),
    "catalogue.retire_file": Case("file.retired", lambda w: catalogue.retire_file(
        db.session, _get(RecommendationFile, w["files"][1]), actor_id=w["coordinator"])),
    "catalogue.restore_file": Case("file.restored", lambda w: catalogue.restore_file(
        db.session, _get(RecommendationFile, w["retired_file"]), actor_id=w["coordinator"])),
    "catalogue.delete_file": Case("file.deleted", lambda w: catalogue.delete_file(
        db.session, _get(RecommendationFile, w["retired_file"]), actor_id=w["coordinator"])),
    "catalogue.create_recommendation": Case(
        "recommendation.created", lambda w: catalogue.create_recommendation(
            db.session, _get(Plan, w["plan"]), code="150.1", text_en="A new recommendation",
            recommending_states="Chile", actor_id=w["coordinator"])),
    "catalogue.update_recommendation": Case(
        "recommendation.updated", lambda w: catalogue.update_recommendation(
            db.session, _rec(w), text_en="Changed wording", actor_id=w["coordinator"])),
    "catalogue.move_recommendation": Case(
        "recommendation.moved", lambda w: catalogue.move_recommendation(
            db.session, _rec(w), _get(RecommendationFile, w["files"][0]),
            actor_id=w["coordinator"])),
    "catalogue.retire_recommendation": Case(
        "recommendation.retired", lambda w: catalogue.retire_recommendation(
            db.session, _rec(w), actor_id=w["coordinator"])),
    "catalogue.delete_recommendation": Case(
        "recommendation.deleted", lambda w: catalogue.delete_recommendation(
            db.session, _rec(w), actor_id=w["coordinator"])),
    "catalogue.assign_to_file": Case(
        "recommendation.assigned", lambda w: catalogue.assign_to_file(
            db.session, _get(Plan, w["plan"]), w["other_recs"][:2], w["files"][0],
            actor_id=w["coordinator"])),
    "importing.apply_import": Case("catalogue.imported", _catalogue_import),
    # official figures
    "official.save_entry": Case("official.recorded", lambda w: official.save_entry(
        db.session, _get(ReportingPeriod, w["old"]), official.Entry(
            level_key="plan", file_id=None, recommendation_id=None,
            measure="share_implemented", value=34.8, status_score=None, source="KRG",
            reported_on=None), actor_id=w["coordinator"])),
    "official.delete_entry": Case("official.deleted", lambda w: official.delete_entry(
        db.session, _get(OfficialProgress, w["figure"]), actor_id=w["coordinator"])),
    "official.import_table": Case("official.imported", lambda w: official.import_table(
        db.session, _get(ReportingPeriod, w["old"]), b"measure,value\nshare_implemented,42.8\n",
        "figures.csv", actor_id=w["coordinator"])),
    # organisations
    "organizations.create_organization": Case(
        "organization.created", lambda w: organizations.create_organization(
            db.session, {"name": "منظمة جديدة", "email": "new@ngo.example"},
            actor_id=w["coordinator"])),
    "organizations.update_organization": Case(
        "organization.updated", lambda w: organizations.update_organization(
            db.session, _get(_Organization, w["invited"]),
            {"name": "اسم جديد", "email": _get(_Organization, w["invited"]).email},
            actor_id=w["coordinator"])),
    "organizations.import_organizations": Case("organization.imported", _organizations_import),
    # invitations and the open call
    "invitations.invite": Case("invitation.created", lambda w: invitations.invite(
        db.session, _get(Plan, w["plan"]), [make.organization().id], actor_id=w["coordinator"])),
    "invitations.resend": Case("invitation.resent", lambda w: invitations.resend(
        db.session, _get(Invitation, w["invitation"]), actor_id=w["coordinator"])),
    "invitations.renew_link": Case("invitation.link_renewed", lambda w: invitations.renew_link(
        db.session, _get(Invitation, w["invitation"]), actor_id=w["coordinator"])),
    "invitations.revoke": Case("invitation.revoked", lambda w: invitations.revoke(
        db.session, _get(Invitation, w["invitation"]), actor_id=w["coordinator"])),
    "invitations.remind": Case("invitation.reminded", lambda w: invitations.remind(
        db.session, _get(Plan, w["plan"]), actor_id=w["coordinator"], min_hours=0)),
    "invitations.register": Case("invitation.registered", lambda w: invitations.register(
        db.session, _get(Invitation, w["invitation"]), name="Layla", password=PASSWORD,
        confirm=PASSWORD)),
    "invitations.accept": Case("invitation.registered", lambda w: invitations.accept(
        db.session, _get(Invitation, w["second_invitation"]), _get(User, w["admin"]))),
    "invitations.decline": Case("invitation.declined", lambda w: invitations.decline(
        db.session, _get(Invitation, w["invitation"]), "No capacity this year")),
    "invitations.submit_join_request": Case(
        "join_request.submitted", lambda w: open_call.submit_join_request(
            db.session, _get(Plan, w["plan"]), {"name": "منظمة تطلب",
                                                 "email": "asks@ngo.example"})),
    "invitations.approve_join_request": Case(
        "join_request.approved", lambda w: open_call.approve_join_request(
            db.session, _get(JoinRequest, w["request"]), actor_id=w["coordinator"])),
    "invitations.reject_join_request": Case(
        "join_request.rejected", lambda w: open_call.reject_join_request(
            db.session, _get(JoinRequest, w["request"]), "Not an NGO",
            actor_id=w["coordinator"])),
    # an NGO's enrolment and people
    "enrolment.save_choices": Case("enrolment.choices_changed", lambda w: enrolment.save_choices(
        db.session, _get(_Organization, w["org"]), _get(Plan, w["plan"]), {w["files"][0]},
        actor=_get(User, w["admin"]))),
    "enrolment.invite_evaluator": Case("evaluator.invited", lambda w: enrolment.invite_evaluator(
        db.session, _get(_Organization, w["org"]), "new-evaluator@ngo.example",
        actor=_get(User, w["admin"]))),
    "enrolment.revoke_evaluator_invitation": Case(
        "evaluator.invitation_revoked", lambda w: enrolment.revoke_evaluator_invitation(
            db.session, _get(EvaluatorInvitation, w["evaluator_invitation"]),
            actor=_get(User, w["admin"]))),
    "enrolment.register_evaluator": Case(
        "evaluator.joined", lambda w: enrolment.register_evaluator(
            db.session, _get(EvaluatorInvitation, w["evaluator_invitation"]), name="Ahmed",
            password=PASSWORD, confirm=PASSWORD)),
    "enrolment.set_active": Case("user.deactivated", lambda w: enrolment.set_active(
        db.session, _get(User, w["evaluator"]), False, actor=_get(User, w["admin"]))),
    "enrolment.make_admin": Case("user.made_admin", lambda w: enrolment.make_admin(
        db.session, _get(User, w["evaluator"]), actor=_get(User, w["admin"]))),
    # evaluations
    "evaluations.create_draft": Case("evaluation.created", lambda w: evaluations.create_draft(
        db.session, organization_id=w["org"], recommendation=_rec(w), period=_get(
            ReportingPeriod, w["current"]), raw=_answers(), user=_get(User, w["evaluator"]))),
    "evaluations.start_from_previous": Case(
        "evaluation.copied_from_previous", lambda w: evaluations.start_from_previous(
            db.session, organization_id=w["org"], recommendation=_rec(w, 1, "recs"),
            period=_get(ReportingPeriod, w["current"]), user=_get(User, w["evaluator"]))),
    "evaluations.save": Case("evaluation.saved", _on_evaluation(
        evaluations.save, "draft", "evaluator", _answers("75"))),
    "evaluations.send_for_approval": Case("evaluation.sent_for_approval", _on_evaluation(
        evaluations.send_for_approval, "draft", "evaluator", _answers("75"))),
    "evaluations.submit": Case("evaluation.submitted", _on_evaluation(
        evaluations.submit, "awaiting", "admin", None)),
    "evaluations.record_submitted": Case(
        "evaluation.submitted", lambda w: evaluations.record_submitted(
            db.session, organization=_get(_Organization, w["org"]), recommendation=_rec(w),
            period=_get(ReportingPeriod, w["old"]), answers=_answers(),
            user=_get(User, w["admin"]), submitted_at=dt.datetime(2022, 7, 1))),
    "review.return_to_evaluator": Case("evaluation.returned", _on_evaluation(
        review.return_to_evaluator, "awaiting", "admin", comment="Please add evidence")),
    "review.request_clarification": Case(
        "evaluation.clarification_requested", lambda w: review.request_clarification(
            db.session, _get(_Evaluation, w["submitted"]), message="Which law?",
            user=_get(User, w["coordinator"]))),
    # evidence and questionnaires
    "attachments.store": Case("attachment.uploaded", lambda w: attachments.store(
        db.session, _get(_Evaluation, w["draft"]), data=PDF, filename="report.pdf",
        user=_get(User, w["evaluator"]))),
    "questionnaires.import_questionnaire": Case("questionnaire.imported", _questionnaire_import),
}


def _whole_database() -> dict:
    db.session.expire_all()
    return {table.name: sorted(map(repr, db.session.execute(sa.select(table)).all()))
            for table in db.metadata.sorted_tables if table.name not in BOOKKEEPING}


def _committed_events(action: str) -> int:
    with db.engine.connect() as other:  # a connection of its own: committed data only
        return other.execute(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == action)).scalar()


@pytest.mark.parametrize("name", list(CASES))
def test_each_state_change_writes_its_audit_event_in_the_same_transaction(app, name):
    case = CASES[name]
    world = _world()
    db.session.commit()
    before = _whole_database()
    committed = _committed_events(case.action)

    case.call(world)
    db.session.flush()
    mine = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == case.action)
                              ).all()
    assert len(mine) == committed + 1, f"{name} wrote no {case.action} event"
    assert _committed_events(case.action) == committed  # not committed on its own

    db.session.rollback()
    assert _whole_database() == before  # no event, and no change either

    case.call(world)
    db.session.commit()
    assert _committed_events(case.action) == committed + 1
    assert _whole_database() != before
