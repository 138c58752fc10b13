"""The demo: seeded through the real services, and seeding twice changes nothing."""
from __future__ import annotations

import sqlalchemy as sa
from support import login, row_counts

from monitor.demo import seed as demo
from monitor.extensions import db
from monitor.models import (
    AuditEvent,
    Evaluation,
    OfficialProgress,
    Plan,
    Recommendation,
)


def test_seeding_twice_changes_nothing(app):
    first = demo.seed(db.session, password="demo-password-for-tests")
    assert first.created["plans"] == 2
    assert first.created["recommendations"] == 72
    before = row_counts()
    second = demo.seed(db.session, password="demo-password-for-tests")
    assert second.describe() == "Demo data already present: nothing to add."
    assert row_counts() == before


def test_the_demo_catalogue_comes_through_the_importer(app):
    demo.seed(db.session, password="demo-password-for-tests")
    # The importer writes one audit event per applied import, and match keys on every row.
    imports = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                .where(AuditEvent.action.like("catalogue.import%")))
    assert imports == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)
                             .where(Recommendation.match_key.is_(None))) == 0


def test_the_demo_carries_the_krg_published_figures_and_submitted_evaluations(app):
    demo.seed(db.session, password="demo-password-for-tests")
    krg = db.session.scalar(sa.select(Plan).where(Plan.slug == "krg-hrp-2021-2025"))
    figures = {p.label: p for p in krg.periods}
    values = dict(db.session.execute(
        sa.select(OfficialProgress.period_id, OfficialProgress.value)
        .where(OfficialProgress.level_key == "plan",
               OfficialProgress.period_id.in_([figures["2022"].id, figures["2023"].id]))).all())
    assert values == {figures["2022"].id: 34.8, figures["2023"].id: 42.8}
    counted = db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)
                                .where(Evaluation.counted.is_(True)))
    assert counted > 100


def test_a_demo_coordinator_signs_in_and_sees_both_plans(app, client):
    summary = demo.seed(db.session, password="demo-password-for-tests")
    email = next(e for e, role in summary.logins if role == "coordinator (all bodies)")
    login(client, email, "demo-password-for-tests")
    page = client.get("/plans/?lang=en").get_data(as_text=True)
    assert "Kurdistan" in page and "National" in page


def test_the_demo_comparison_is_populated_and_flags_a_divergence(app, client, runner):
    import json

    from monitor.services.results import comparison

    summary = demo.seed(db.session, password="demo-password-for-tests")
    krg = db.session.scalar(sa.select(Plan).where(Plan.slug == "krg-hrp-2021-2025"))
    for label in ("2022", "2023"):
        period = next(p for p in krg.periods if p.label == label)
        result = comparison.compare(db.session, krg, period).as_dict()
        assert result["submissions"] > 0
        assert result["overall"]["official"] == {"2022": 34.8, "2023": 42.8}[label]
        assert result["overall"]["independent"] is not None
    flagged = [r for r in result["recommendations"] if r["flag"]]
    assert flagged, "the 2023 demo should show at least one divergence"

    # The API and the CLI give the same numbers.
    email = next(e for e, role in summary.logins if role == "coordinator (all bodies)")
    login(client, email, "demo-password-for-tests")
    api = client.get("/api/v1/plans/krg-hrp-2021-2025/comparison?period=2023").get_json()
    cli = runner.invoke(args=["report", "comparison", "--plan", "krg-hrp-2021-2025",
                              "--period", "2023", "--format", "json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output) == api
    assert api["overall"] == result["overall"]
    page = client.get("/reports/krg-hrp-2021-2025/2023?lang=en")
    assert page.status_code == 200


def test_the_demo_command_seeds_and_serves_on_127_0_0_1(tmp_path):
    """The README's run command, end to end: `flask --app monitor demo` on a fresh
    instance folder prints the URL and logins and answers HTTP requests; its in-process
    mail worker sends what a request queued (a password reset here) to the outbox."""
    import http.cookiejar
    import re
    import urllib.parse
    import os
    import socket
    import subprocess
    import sys
    import time
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
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert f"Open http://127.0.0.1:{port}/" in output
    assert "oversight@example.org" in output and "password for all of them" in output
    assert "totp.demo@example.org also asks for a code after the password" in output


def test_one_demo_account_has_two_step_sign_in_and_its_printed_key_works(app, client):
    import pyotp

    from monitor.models import User
    from monitor.models.two_factor import TwoFactor
    from support import post_form

    summary = demo.seed(db.session, password="demo-password-for-tests")
    factor = summary.two_factor
    assert factor.email == "totp.demo@example.org" and len(factor.recovery_codes) == 10
    with_factor = db.session.scalars(sa.select(User.email).join(
        TwoFactor, TwoFactor.user_id == User.id).where(TwoFactor.enabled_at.is_not(None))).all()
    assert with_factor == ["totp.demo@example.org"]  # no other demo account has one
    # Seeding again prints the same key and codes.
    assert demo.seed(db.session, password="demo-password-for-tests").two_factor == factor
    client.get("/login?lang=en")
    response = post_form(client, "/login", {"email": factor.email,
                                            "password": "demo-password-for-tests"})
    assert response.headers["Location"] == "/login/two-step"
    response = post_form(client, "/login/two-step", {"code": pyotp.TOTP(factor.secret).now()})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    other = client.application.test_client()
    other.get("/login?lang=en")
    response = post_form(other, "/login", {"email": factor.email,
                                           "password": "demo-password-for-tests"})
    response = post_form(other, "/login/two-step", {"code": factor.recovery_codes[0]})
    assert response.status_code == 302
