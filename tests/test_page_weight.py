"""Light pages: each main page's HTML plus the CSS and JavaScript it loads stays within
60 KB uncompressed (LimeSurvey's default survey page loads about 1.7 MB), with a realistic
world behind it: a catalogue of 300 recommendations, 120 organisations (60 invited), two
organisations rating every recommendation, twelve rating the first one with long answers,
and a submitted evaluation with evidence. The weights are printed for the record."""
from __future__ import annotations

import re

import factories as make
import pytest
from support import login

from monitor.extensions import db
from monitor.models import AuditEvent, Evaluation, Invitation, Organization, utcnow
from monitor.services.evaluation import attachments as attachment_service
from monitor.services.evaluation import lifecycle as evaluation_service

BUDGET = 60 * 1024
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"?]+)')
#: A long free-text answer, in Arabic (two bytes a letter in UTF-8).
LONG = ("لاحظنا أن الإجراء يُطبَّق في مركز المحافظة دون الأقضية التي زرناها، "
        "وأن ثلاث حالات من أصل سبع عولجت وفق القانون. ") * 8


def page_weight(client, url: str) -> int:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.get_data()
    total = len(html)
    for asset in set(ASSET.findall(html.decode())):
        with client.get(asset) as static:
            total += len(static.get_data())
    return total


@pytest.fixture
def big_plan():  # noqa: ANN201
    body = make.body()
    plan = make.plan(body, files=6, recommendations_per_file=50)
    period = plan.periods[0]
    recs = [rec for rf in plan.files for rec in rf.recommendations]
    org = make.organization()
    make.enrol(org, plan)
    users = {
        "coordinator": make.coordinator(body),
        "ngo_admin": make.ngo_user(org, "ngo_admin"),
        "evaluator": make.ngo_user(org, "evaluator"),
    }
    # The invitations page: 60 organisations invited, 60 not yet.
    others = [Organization(name=f"منظمة رقم {n} لحقوق الإنسان", email=f"big{n}@ngo.example",
                           preferred_language="ar") for n in range(120)]
    db.session.add_all(others)
    db.session.flush()
    db.session.add_all([Invitation(organization_id=o.id, plan_id=plan.id, status="pending")
                        for o in others[:60]])
    # The dashboard: two organisations rate every recommendation. The drill-down: twelve
    # rate the first one, with long answers (ten a page).
    raters = others[60:72]
    for o in raters:
        make.enrol(o, plan)
    answers = dict(make.COMPLETE_ANSWERS, assessment=LONG, government_actions=LONG)
    db.session.add_all([
        Evaluation(organization_id=o.id, recommendation_id=rec.id, period_id=period.id,
                   state="submitted", counted=True, status_score=(25 * (i + k)) % 125,
                   answers=answers)
        for k, o in enumerate(raters[:2]) for i, rec in enumerate(recs)])
    for k, o in enumerate(raters[2:]):  # submitted through the service: with revisions
        author = make.ngo_user(o, "ngo_admin")
        rated = evaluation_service.start(
            db.session, organization_id=o.id, recommendation=recs[0], period=period,
            user=author, answers=dict(answers, status=str(25 * (k % 5))))
        evaluation_service.submit(db.session, rated, None, expected_version=rated.version,
                                  user=author)
    make.official(period, 40.0)
    # The organisation's own evaluation: submitted, with evidence and a receipt.
    evaluation = evaluation_service.start(
        db.session, organization_id=org.id, recommendation=recs[1], period=period,
        user=users["evaluator"], answers=answers)
    attachment_service.store(db.session, evaluation, data=make.WORLD_PDF,
                             filename="evidence.pdf", visibility="coordinator",
                             user=users["evaluator"])
    db.session.flush()
    evaluation_service.submit(db.session, evaluation, None,
                              expected_version=evaluation.version, user=users["ngo_admin"])
    period.published_at = utcnow()
    # The audit trail: more events than a page holds, each with a fingerprint.
    db.session.add_all([AuditEvent(
        action="evaluation.submitted", object_type="Evaluation", object_id=1000 + i,
        plan_id=plan.id, organization_id=org.id, at=utcnow(),
        before={"state": "draft", "version": 1, "counted": False, "status_score": None},
        after={"state": "submitted", "version": 2, "counted": True, "status_score": 50,
               "revision": 1, "late": False, "content_hash": f"{i:064x}"}) for i in range(120)])
    db.session.commit()
    return plan, users, evaluation


def _pages(role: str | None, plan, evaluation) -> list[str]:  # noqa: ANN001
    period = plan.periods[0]
    first, second = plan.files[0].recommendations[:2]
    unstarted = plan.files[0].recommendations[2]
    return {
        None: ["/login", "/reset", "/results/", f"/results/{plan.slug}/{period.label}"],
        "coordinator": ["/plans/", f"/plans/{plan.slug}", f"/plans/{plan.slug}/recommendations",
                        "/organizations", f"/plans/{plan.slug}/invitations",
                        f"/plans/{plan.slug}/sending",
                        f"/reports/{plan.slug}/{period.label}",
                        f"/reports/{plan.slug}/comparison/{first.id}?period={period.label}",
                        f"/reports/{plan.slug}/comparison/{second.id}?period={period.label}",
                        f"/evaluations/review/{evaluation.id}", "/audit/"],
        "ngo_admin": ["/ngo", "/evaluations/", f"/evaluations/{evaluation.id}",
                      f"/evaluations/period/{period.id}/recommendation/{unstarted.id}",
                      f"/our-results/{plan.slug}", "/audit/"],
        "evaluator": ["/evaluations/", f"/evaluations/{evaluation.id}",
                      f"/evaluations/period/{period.id}/recommendation/{unstarted.id}",
                      f"/our-results/{plan.slug}"],
    }[role]


@pytest.mark.parametrize("role", [None, "coordinator", "ngo_admin", "evaluator"])
def test_main_pages_stay_within_the_budget(app, big_plan, role, capsys):
    plan, users, evaluation = big_plan
    client = app.test_client()
    if role:
        login(client, users[role].email)
    weights = {}
    for url in _pages(role, plan, evaluation):
        weights[url] = page_weight(client, url)
    with capsys.disabled():
        for url, size in weights.items():
            print(f"\n  page weight {size / 1024:6.1f} KB  {role or 'anonymous'} {url}", end="")
    assert {u: s for u, s in weights.items() if s > BUDGET} == {}
