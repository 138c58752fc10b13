"""An NGO's own results: for the plans it takes part in, the plan- and file-level comparison
(never another organisation's answers), the right-of-reply threads on what it evaluated,
and its own evaluations as XLSX. And the pseudonym an NGO may choose per evaluation: the
coordinator never sees its name for that evaluation, anywhere. (Set-up: factories.Results.)"""
from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

import factories as make
from monitor.extensions import db
from monitor.models import AuditEvent, Evaluation
from support import client_as, post_form, table_snapshot


@pytest.fixture
def world(app):  # noqa: ANN001, ANN201
    return make.results()


def _client(app, user):  # noqa: ANN001, ANN201
    return client_as(app, user, "/account?lang=en", real=True)


def _page(client, world, query: str = "") -> str:  # noqa: ANN001
    response = client.get(f"/our-results/{world.plan.slug}{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_an_ngo_sees_plan_and_file_results_but_never_another_organisations_answers(world, app):
    for key in ("alpha", "beta"):
        for user in (world.admins[key], world.evaluators[key]):
            page = _page(_client(app, user), world)
            headline = page.split('id="headline-title"')[1].split('id="trend-title"')[0]
            assert "20.0" in headline and "64.6" in headline and "−44.6" in headline
            files = page.split('id="files-title"')[1].split("<table")[1]
            assert world.file1.title_en in files and "91.7" in files and "90.0" in files
            assert "<svg" in page
            for other, org in world.orgs.items():
                if other != key:
                    assert org.name not in page
            for (org_key, _code), answer in world.answers.items():
                assert answer not in page  # no answer at all, not even its own
            assert world.shared.display_name not in page
            assert "Organisation A" not in page
            assert "139.1</" not in page  # no per-recommendation figures
    index = _client(app, world.evaluators["beta"]).get("/our-results/").get_data(as_text=True)
    assert f'href="/our-results/{world.plan.slug}"' in index


def test_a_file_resting_on_fewer_ngos_than_the_minimum_is_withheld_for_ngos_too(world, app):
    app.config["MONITOR_MIN_NGOS"] = 3
    page = _page(_client(app, world.admins["beta"]), world)
    table = page.split('id="files-title"')[1].split("<table")[1]
    file2 = table.split(world.file2.title_en)[1].split("</tr>")[0]
    assert "withheld: fewer than 3 NGOs" in file2 and "37.5" not in file2


def test_the_results_page_answers_only_for_plans_and_periods_of_the_organisation(world, app):
    stranger = _client(app, world.stranger)
    assert stranger.get(f"/our-results/{world.plan.slug}").status_code == 404
    assert stranger.get(f"/our-results/{world.plan.slug}/evaluations.xlsx").status_code == 404
    assert world.plan.title_en not in stranger.get("/our-results/").get_data(as_text=True)
    alpha = _client(app, world.admins["alpha"])
    response = alpha.get(f"/our-results/{world.plan.slug}?period=1999")
    assert response.status_code == 404
    assert "no reporting period" in response.get_data(as_text=True)
    assert alpha.get("/our-results/no-such-plan").status_code == 404
    coordinator = _client(app, world.coordinator)
    assert coordinator.get(f"/our-results/{world.plan.slug}").status_code == 403
    assert coordinator.get(f"/our-results/{world.plan.slug}/evaluations.xlsx").status_code == 403


def test_the_own_export_opens_in_a_spreadsheet_with_arabic_and_sorani_intact(world, app):
    client = _client(app, world.admins["beta"])
    response = client.get(f"/our-results/{world.plan.slug}/evaluations.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["Evaluations", "Evidence", "Right of reply"]
    sheet = book["Evaluations"]
    header = [c.value for c in sheet[1]]  # in the reader's language (here English)
    rows = [dict(zip(header, [c.value for c in r])) for r in sheet.iter_rows(min_row=2)]
    assert sorted(r["Code"] for r in rows) == ["139.1", "139.4"]
    row = next(r for r in rows if r["Code"] == "139.4")
    assert row["assessment"] == world.answers[("beta", "139.4")]
    assert row["File (Sorani)"] == world.file2.title_ckb and row["Text (Arabic)"] == \
        world.recs["139.4"].text_ar
    assert row["Status score"] == 25 and row["Submitted version"] == 1
    assert row["Reporting period"] == world.period.label
    assert book["Evidence"].max_row == 1  # Beta attached nothing; Alpha's are not here


# --- the pseudonym -----------------------------------------------------------------------

SECRET = "Delta Secret Watch"


def _answers(status: str) -> dict[str, str]:
    return {"q.status": status, "q.confidence": "high", "q.assessment": "تقييم دلتا السري",
            "q.government_actions": "لا شيء", "q.information_date": "2023-06-30"}


def test_an_ngo_appears_to_the_coordinator_under_a_pseudonym_everywhere(world, app):
    delta = make.organization(SECRET)
    admin = make.ngo_user(delta, "ngo_admin", email="admin@delta.example")
    evaluator = make.ngo_user(delta, "evaluator", email="evaluator@delta.example")
    make.enrol(delta, world.plan)
    db.session.commit()
    rec = world.recs["139.4"]
    begin = f"/evaluations/period/{world.period.id}/recommendation/{rec.id}"

    # The evaluator ticks the box on the evaluation form.
    ev_client = _client(app, evaluator)
    form = ev_client.get(begin).get_data(as_text=True)
    assert 'name="pseudonymous"' in form and "Appear to the coordinator under a pseudonym" in form
    response = post_form(ev_client, begin, _answers("75") | {"pseudonymous_shown": "1",
                                                             "pseudonymous": "y"})
    assert response.status_code == 302
    evaluation = db.session.scalar(sa.select(Evaluation).where(
        Evaluation.organization_id == delta.id))
    assert evaluation.pseudonymous is True
    # A save without the box unticks it; a post that does not carry the form leaves it.
    edit = f"/evaluations/{evaluation.id}"
    post_form(ev_client, f"{edit}/save", _answers("75") | {
        "pseudonymous_shown": "1", "version": str(evaluation.version)}, page=edit)
    db.session.expire_all()
    evaluation = db.session.get(Evaluation, evaluation.id)
    assert evaluation.pseudonymous is False
    post_form(ev_client, f"{edit}/save", _answers("75") | {
        "pseudonymous_shown": "1", "pseudonymous": "y", "version": str(evaluation.version)},
        page=edit)
    db.session.expire_all()
    evaluation = db.session.get(Evaluation, evaluation.id)
    post_form(ev_client, f"{edit}/save", _answers("75") | {"version": str(evaluation.version)},
              page=edit)
    db.session.expire_all()
    evaluation = db.session.get(Evaluation, evaluation.id)
    assert evaluation.pseudonymous is True
    # The administrator attaches evidence for the coordinator and submits.
    admin_client = _client(app, admin)
    page = admin_client.get(edit).get_data(as_text=True)
    assert 'name="pseudonymous" value="y" aria-describedby="pseudonymous-hint" checked' in page
    response = post_form(admin_client, f"{edit}/submit", _answers("75") | {
        "pseudonymous_shown": "1", "pseudonymous": "y", "version": str(evaluation.version)},
        page=edit)
    assert response.status_code == 302
    db.session.expire_all()
    evaluation = db.session.get(Evaluation, evaluation.id)
    assert evaluation.counted and evaluation.pseudonymous
    submitted = admin_client.get(edit).get_data(as_text=True)
    assert "The coordinator sees this evaluation under a pseudonym" in submitted

    # The coordinator: the drill-down, the review, the exports, the report, the audit trail.
    coordinator = _client(app, world.coordinator)
    period = world.period.label
    pages = {
        "drill-down": f"/reports/{world.plan.slug}/comparison/{rec.id}?period={period}",
        "review": f"/evaluations/review/{evaluation.id}",
        "dashboard": f"/reports/{world.plan.slug}/comparison?period={period}",
        "report": world.url("report"),
        "audit": "/audit/",
        "audit csv": "/audit/export.csv",
        "evaluations csv": world.url("export/evaluations.csv"),
        "comparison csv": world.url("export/comparison.csv"),
        "organisation filter": f"/audit/?organization={delta.id}",
    }
    texts = {}
    for name, url in pages.items():
        response = coordinator.get(url)
        # Filtering by an organisation that has only masked events: not even a choice.
        assert response.status_code == (400 if name == "organisation filter" else 200), name
        texts[name] = response.get_data().decode("utf-8-sig")
        assert SECRET not in texts[name], name
        assert "delta.example" not in texts[name], name  # the NGO users' emails
    assert "Organisation A" in texts["drill-down"]
    assert "Pseudonymous organisation" in texts["review"]
    assert "Organisation A" in texts["evaluations csv"]
    assert "Pseudonymous organisation" in texts["audit"]
    row = "<td>Evaluation submitted</td>"
    assert row in texts["audit"] and row not in texts["organisation filter"]
    xlsx = coordinator.get(world.url("export/evaluations.xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(xlsx.get_data()))
    cells = [str(c) for s in book.worksheets for r in s.iter_rows(values_only=True) for c in r]
    assert not any(SECRET in c for c in cells) and "Organisation A" in cells
    # The masked events are in the trail all the same, with their request ids held back.
    masked = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "Evaluation", AuditEvent.object_id == evaluation.id)).all()
    assert {e.action for e in masked} >= {"evaluation.created", "evaluation.submitted"}
    for event in masked:
        if event.request_id:
            assert event.request_id[:12] not in texts["audit"]


def test_the_letters_restart_for_every_recommendation(world, app):
    """Gamma is pseudonymous on 139.1 only; were it on 139.4 too, its letter there would not
    link it to 139.1 (letters follow each recommendation's own evaluations)."""
    beta = world.evaluations[("beta", "139.4")]
    beta.pseudonymous = True
    gamma = world.evaluations[("gamma", "139.4")]
    gamma.pseudonymous = True
    db.session.commit()
    coordinator = _client(app, world.coordinator)
    for code, expected in (("139.1", ["Organisation A"]),
                           ("139.4", ["Organisation A", "Organisation B"])):
        page = coordinator.get(f"/reports/{world.plan.slug}/comparison/{world.recs[code].id}"
                               f"?period={world.period.label}").get_data(as_text=True)
        assert [name for name in ("Organisation A", "Organisation B", "Organisation C")
                if name in page] == expected, code
        assert world.orgs["gamma"].name not in page
    review = coordinator.get(f"/evaluations/review/{gamma.id}").get_data(as_text=True)
    assert world.orgs["gamma"].name not in review and "NGO-" not in review


def test_a_refused_save_changes_neither_answers_nor_the_pseudonym(world, app):
    delta = make.organization(SECRET)
    evaluator = make.ngo_user(delta, "evaluator", email="evaluator@delta.example")
    make.enrol(delta, world.plan)
    db.session.commit()
    rec = world.recs["139.5"]
    begin = f"/evaluations/period/{world.period.id}/recommendation/{rec.id}"
    client = _client(app, evaluator)
    assert post_form(client, begin, _answers("75")).status_code == 302
    evaluation = db.session.scalar(sa.select(Evaluation).where(
        Evaluation.organization_id == delta.id))
    before = table_snapshot(Evaluation, AuditEvent)
    edit = f"/evaluations/{evaluation.id}"
    response = post_form(client, f"{edit}/save", _answers("not-a-status") | {
        "pseudonymous_shown": "1", "pseudonymous": "y", "version": str(evaluation.version)},
        page=edit)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page
    assert 'name="pseudonymous" value="y" aria-describedby="pseudonymous-hint" checked' in page
    assert table_snapshot(Evaluation, AuditEvent) == before
