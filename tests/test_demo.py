"""The demo: seeded through the real services, and seeding twice changes nothing."""
from __future__ import annotations

import sqlalchemy as sa
from support import PASSWORD, login, row_counts

from monitor.demo import seed as demo
from monitor.extensions import db
from monitor.models import (
    AuditEvent,
    Evaluation,
    Invitation,
    OfficialProgress,
    Plan,
    Recommendation,
    utcnow,
)


#: The demo's two closed periods (seeded relative to today): two years ago, last year.
TWO_YEARS_AGO, LAST_YEAR = (str(utcnow().year - n) for n in (2, 1))


def test_seeding_twice_changes_nothing(app, seeded_demo):
    first = seeded_demo
    assert first.created["plans"] == 2
    assert first.created["recommendations"] == 72
    before = row_counts()
    second = demo.seed(db.session, password=PASSWORD)
    assert second.describe() == "Demo data already present: nothing to add."
    assert row_counts() == before


def test_the_demo_catalogue_comes_through_the_importer(app, seeded_demo):
    # The importer writes one audit event per applied import, and match keys on every row.
    imports = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                .where(AuditEvent.action.like("catalogue.import%")))
    assert imports == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)
                             .where(Recommendation.match_key.is_(None))) == 0


def test_the_demo_carries_the_krg_published_figures_and_submitted_evaluations(app, seeded_demo):
    krg = db.session.scalar(sa.select(Plan).where(Plan.slug == "krg-hrp-2021-2025"))
    figures = {p.label: p for p in krg.periods}
    values = dict(db.session.execute(
        sa.select(OfficialProgress.period_id, OfficialProgress.value)
        .where(OfficialProgress.level_key == "plan",
               OfficialProgress.period_id.in_([figures[TWO_YEARS_AGO].id, figures[LAST_YEAR].id]))).all())
    assert values == {figures[TWO_YEARS_AGO].id: 34.8, figures[LAST_YEAR].id: 42.8}
    counted = db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)
                                .where(Evaluation.counted.is_(True)))
    assert counted > 100


def test_the_invitation_funnel_of_the_seeded_organisations_adds_up(app, seeded_demo):
    from monitor.services.outreach import funnel as funnel_service

    krg = db.session.scalar(sa.select(Plan).where(Plan.slug == "krg-hrp-2021-2025"))
    funnel = funnel_service.funnel(db.session, krg)
    assert (funnel.invited, funnel.sent, funnel.opened, funnel.registered) == (3, 3, 3, 3)


def test_a_demo_coordinator_signs_in_and_sees_both_plans(app, client, seeded_demo):
    summary = seeded_demo
    email = next(e for e, role in summary.logins if role == "coordinator (all bodies)")
    login(client, email, PASSWORD)
    page = client.get("/plans/?lang=en").get_data(as_text=True)
    assert "Kurdistan" in page and "National" in page


def test_the_demo_comparison_is_populated_and_flags_a_divergence(app, client, runner,
                                                                  seeded_demo):
    import json

    from monitor.services.results import comparison

    summary = seeded_demo
    krg = db.session.scalar(sa.select(Plan).where(Plan.slug == "krg-hrp-2021-2025"))
    for label in (TWO_YEARS_AGO, LAST_YEAR):
        period = next(p for p in krg.periods if p.label == label)
        result = comparison.compare(db.session, krg, period).as_dict()
        assert result["submissions"] > 0
        assert result["overall"]["official"] == {TWO_YEARS_AGO: 34.8, LAST_YEAR: 42.8}[label]
        assert result["overall"]["independent"] is not None
    flagged = [r for r in result["recommendations"] if r["flag"]]
    assert flagged, "last year's demo should show at least one divergence"

    # The API and the CLI give the same numbers.
    email = next(e for e, role in summary.logins if role == "coordinator (all bodies)")
    login(client, email, PASSWORD)
    api = client.get(f"/api/v1/plans/krg-hrp-2021-2025/comparison?period={LAST_YEAR}").get_json()
    cli = runner.invoke(args=["report", "comparison", "--plan", "krg-hrp-2021-2025",
                              "--period", LAST_YEAR, "--format", "json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output) == api
    assert api["overall"] == result["overall"]
    page = client.get(f"/reports/krg-hrp-2021-2025/{LAST_YEAR}?lang=en")
    assert page.status_code == 200


def test_the_demo_command_seeds_and_serves_on_127_0_0_1(tmp_path):
    """The README's run command, end to end: `flask --app monitor demo` on a fresh
    instance folder prints the URL and logins and answers HTTP requests; its in-process
    mail worker sends what a request queued (a password reset here) to the outbox, and the
    links in its emails lead to the port it serves."""
    import email
    import email.policy
    import http.cookiejar
    import os
    import re
    import socket
    import subprocess
    import sys
    import time
    import urllib.parse
    import urllib.request

    from monitor import TOP

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env |= {"FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/demo.db",
            "FLASK_MONITOR_MAIL_OUTBOX": str(tmp_path / "outbox"),
            "FLASK_MONITOR_MAIL_WORKER_SECONDS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "monitor", "demo", "--port", str(port)],
        cwd=TOP, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the demo did not start serving"
                time.sleep(0.5)
        browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = browser.open(f"http://127.0.0.1:{port}/reset?lang=en", timeout=10).read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"csrf_token": token, "email": "oversight@example.org"})
        browser.open(f"http://127.0.0.1:{port}/reset", data.encode(), timeout=10).read()
        outbox = tmp_path / "outbox"
        while not list(outbox.glob("*-password_reset.eml")):
            assert time.monotonic() < deadline, "the demo's mail worker sent nothing"
            time.sleep(0.5)
        (message,) = outbox.glob("*-password_reset.eml")
        body = email.message_from_bytes(message.read_bytes(), policy=email.policy.default)
        assert f"http://127.0.0.1:{port}/reset/" in body.get_body(("plain",)).get_content()
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert f"Open http://127.0.0.1:{port}/" in output
    assert "oversight@example.org" in output and "password for all of them" in output
    assert "totp.demo@example.org also asks for a code after the password" in output


def test_one_demo_account_has_two_step_sign_in_and_its_printed_key_works(app, client,
                                                                          seeded_demo):
    import pyotp

    from monitor.models import User
    from monitor.models.two_factor import TwoFactor
    from support import post_form

    factor = seeded_demo.two_factor
    assert factor.email == "totp.demo@example.org" and len(factor.recovery_codes) == 10
    with_factor = db.session.scalars(sa.select(User.email).join(
        TwoFactor, TwoFactor.user_id == User.id).where(TwoFactor.enabled_at.is_not(None))).all()
    assert with_factor == ["totp.demo@example.org"]  # no other demo account has one
    # Seeding again prints the same key and codes.
    assert demo.seed(db.session, password=PASSWORD).two_factor == factor
    client.get("/login?lang=en")
    response = post_form(client, "/login", {"email": factor.email,
                                            "password": PASSWORD})
    assert response.headers["Location"] == "/login/two-step"
    response = post_form(client, "/login/two-step", {"code": pyotp.TOTP(factor.secret).now()})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    other = client.application.test_client()
    other.get("/login?lang=en")
    response = post_form(other, "/login", {"email": factor.email,
                                           "password": PASSWORD})
    response = post_form(other, "/login/two-step", {"code": factor.recovery_codes[0]})
    assert response.status_code == 302


def test_seed_demo_prints_the_logins_as_demo_does(tmp_path):
    from support import base_config

    from monitor import create_app

    app = create_app(base_config(tmp_path) | {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/demo.db"})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data seeded" in result.output
    assert "password for all of them" in result.output
    for email in ("oversight@example.org", "coordinator.krg@example.org", "shilan.m@example.org"):
        assert email in result.output


def test_every_journey_works_on_the_day_the_demo_runs_even_years_later(app):
    """Seeded on a day far ahead (as a newcomer might run it in 2031), the demo is current:
    past periods closed with their data, this year's period open with its deadline ahead,
    and an organisation invited that day registers, chooses its files, evaluates and
    submits."""
    import datetime as dt
    import re
    from urllib.parse import urlsplit

    import time_machine
    from support import new_client, post_form, text

    from monitor.models import FileChoice, Organization, RecommendationFile, ReportingPeriod

    with time_machine.travel(dt.datetime(2031, 6, 15, 9, 0, tzinfo=dt.UTC)):
        summary = demo.seed(db.session, password=PASSWORD)
        krg = db.session.scalar(sa.select(Plan).where(Plan.slug == "krg-hrp-2021-2025"))
        periods = {p.label: p.status for p in krg.periods}
        assert periods == {"2029": "closed", "2030": "closed", "2031": "open"}
        assert krg.ends_on > dt.date(2031, 12, 31)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation).join(
            ReportingPeriod).where(ReportingPeriod.label == "2030")) > 0

        # The coordinator adds an organisation and invites it.
        coordinator = new_client(app)
        login(coordinator, "coordinator.krg@example.org", PASSWORD)
        response = post_form(coordinator, "/organizations/new", {
            "name": "Sunrise Rights", "email": "sunrise@example.org", "preferred_language": "en"})
        assert response.status_code == 302, text(response)[:2000]
        org = db.session.scalar(sa.select(Organization).where(
            Organization.email == "sunrise@example.org"))
        response = post_form(coordinator, "/plans/krg-hrp-2021-2025/invitations",
                             {"organization": str(org.id)})
        assert response.status_code == 302
        invitation_id = db.session.scalar(sa.select(Invitation.id).where(
            Invitation.organization_id == org.id))
        link_page = text(coordinator.get(f"/invitations/{invitation_id}/link"))
        link = re.search(r"https?://[^\s\"<]+/join/[^\s\"<]+", link_page).group(0)

        # The organisation registers from its link and chooses its files.
        ngo = new_client(app)
        ngo.get(urlsplit(link).path)
        response = post_form(ngo, "/join/register", {
            "name": "Layla", "password": "a long new password 2031",
            "confirm": "a long new password 2031"}, page="/join")
        assert response.status_code == 302, text(response)[:2000]
        home = text(ngo.get("/ngo"))
        assert "deadline for changing these choices has passed" not in home
        files = db.session.scalars(sa.select(RecommendationFile).where(
            RecommendationFile.plan_id == krg.id).order_by(RecommendationFile.position)).all()
        response = post_form(ngo, "/ngo/plans/krg-hrp-2021-2025/choices",
                             {"file": str(files[0].id)}, page="/ngo")
        assert response.status_code == 302, text(response)[:2000]
        assert "Your choices were saved" in text(ngo.get("/ngo"))
        assert db.session.scalar(sa.select(FileChoice.choice).where(
            FileChoice.organization_id == org.id, FileChoice.file_id == files[0].id)) == \
            "monitoring"

        # It evaluates a recommendation of this year's period and submits it.
        rec = db.session.scalar(sa.select(Recommendation).where(
            Recommendation.file_id == files[0].id).order_by(Recommendation.sort_key))
        period_id = db.session.scalar(sa.select(ReportingPeriod.id).where(
            ReportingPeriod.plan_id == krg.id, ReportingPeriod.label == "2031"))
        url = f"/evaluations/period/{period_id}/recommendation/{rec.id}"
        answers = {"q.status": "50", "q.confidence": "medium", "q.assessment": "Partly done.",
                   "q.government_actions": "A law was drafted.",
                   "q.information_date": "2031-05-30"}
        response = post_form(ngo, url, answers)
        assert response.status_code == 302, text(response)[:2000]
        evaluation = db.session.scalar(sa.select(Evaluation).where(
            Evaluation.organization_id == org.id))
        response = post_form(ngo, f"/evaluations/{evaluation.id}/submit",
                             answers | {"version": str(evaluation.version)},
                             page=f"/evaluations/{evaluation.id}")
        assert response.status_code == 302, text(response)[:2000]
        db.session.expire_all()
        evaluation = db.session.get(Evaluation, evaluation.id)
        assert (evaluation.state, evaluation.counted) == ("submitted", True)
    assert summary.logins
