"""The demo: seeded through the real services, and seeding twice changes nothing."""
from __future__ import annotations

import sqlalchemy as sa

from monitor.extensions import db
from monitor.models import AuditEvent, Evaluation, OfficialProgress, Plan, Recommendation
from monitor.services import demo
from support import login, row_counts


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
