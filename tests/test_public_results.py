"""The public results page: a coordinator publishes a period; without sign-in anyone reads
the headline, the trend, the per-file comparison and the per-recommendation figures in
ar, ckb and en, never an organisation's name, answers or evidence, and no figure for a
recommendation rated by fewer than MONITOR_MIN_NGOS NGOs. Unpublishing removes it."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

import factories as make
from monitor.extensions import db
from monitor.models import AuditEvent, ReportingPeriod
from support import login, post_form, table_snapshot

BUDGET = 60 * 1024


@pytest.fixture
def world(app):  # noqa: ANN001, ANN201
    return make.results(periods=("2022", "2023"))


def _public(world, label: str | None = None) -> str:  # noqa: ANN001
    return f"/results/{world.plan.slug}/{label or world.period.label}"


def _publish(client, world, label: str | None = None):  # noqa: ANN001, ANN201
    label = label or world.period.label
    return post_form(client, world.url("publish", label=label),
                     page=f"/reports/{world.plan.slug}/comparison?period={label}")


def _coordinator(app, world):  # noqa: ANN001, ANN201
    client = app.test_client()
    login(client, world.coordinator.email)
    return client


def _published(world, app):  # noqa: ANN001, ANN201
    client = _coordinator(app, world)
    assert _publish(client, world).status_code == 302
    return client


def test_an_unpublished_period_is_not_found_and_publishing_opens_it_to_everyone(world, app):
    anonymous = app.test_client()
    assert anonymous.get(_public(world)).status_code == 404
    assert anonymous.get(f"/results/{world.plan.slug}/1999").status_code == 404
    assert anonymous.get("/results/no-such-plan/2023").status_code == 404

    coordinator = _coordinator(app, world)
    dashboard = coordinator.get(f"/reports/{world.plan.slug}/comparison"
                                f"?period={world.period.label}&lang=en").get_data(as_text=True)
    assert "Publish the results of this period" in dashboard
    assert _publish(coordinator, world).status_code == 302
    db.session.expire_all()
    assert db.session.get(ReportingPeriod, world.period.id).published_at is not None
    dashboard = coordinator.get(f"/reports/{world.plan.slug}/comparison"
                                f"?period={world.period.label}&lang=en").get_data(as_text=True)
    assert f'href="{_public(world)}"' in dashboard and "Unpublish" in dashboard

    response = anonymous.get(_public(world), headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert world.plan.title_en in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.action == "results.published")).all() == ["results.published"]

    # Unpublishing removes it.
    response = post_form(coordinator, world.url("unpublish"),
                         page=f"/reports/{world.plan.slug}/comparison"
                              f"?period={world.period.label}")
    assert response.status_code == 302
    assert anonymous.get(_public(world)).status_code == 404
    assert "results.unpublished" in db.session.scalars(sa.select(AuditEvent.action)).all()


def test_the_page_shows_the_figures_in_three_languages(world, app):
    _published(world, app)
    anonymous = app.test_client()
    en = anonymous.get(_public(world), headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in en
    # Headline: official 20 against 64.6, the mean of the means of the recommendations
    # rated by at least 2 NGOs (139.1, 139.4: 139.2 with one NGO is left out), gap −44.6.
    headline = en.split('id="headline-title"')[1].split('id="trend-title"')[0]
    assert "20.0" in headline and "64.6" in headline and "−44.6" in headline
    assert "Divergent" in headline
    # Trend, files (file 1: 90 against 91.7, 139.2 left out), and the recommendations.
    assert '<svg' in en.split('id="trend-title"')[1]
    files = en.split('id="files-title"')[1].split('id="recs-title"')[0]
    assert world.file1.title_en in files and "90.0" in files and "91.7" in files
    recs = en.split('id="recs-title"')[1]
    row1 = recs.split("139.1</bdi>")[1].split("</tr>")[0]
    assert ">3<" in row1 and "91.7" in row1 and "−66.7" in row1
    for lang, marker in (("ar", world.plan.title_ar), ("ckb", world.plan.title_ckb)):
        page = anonymous.get(_public(world) + f"?lang={lang}").get_data(as_text=True)
        assert f'<html lang="{lang}" dir="rtl">' in page and marker in page
        assert world.file1.title_ar in page if lang == "ar" else world.file1.title_ckb in page


def test_the_page_never_shows_names_answers_evidence_or_low_coverage_figures(world, app):
    _published(world, app)
    anonymous = app.test_client()
    for lang in ("en", "ar", "ckb"):
        page = anonymous.get(_public(world) + f"?lang={lang}").get_data(as_text=True)
        for org in world.orgs.values():
            assert org.name not in page
        for text in world.answers.values():
            assert text not in page
        assert "إجراءات" not in page and "example.org" not in page  # other answers
        assert world.shared.display_name not in page and world.kept.display_name not in page
        assert "/evaluations/" not in page  # no link to an evaluation or a document
        assert "Organisation A" not in page and "NGO-" not in page
    page = anonymous.get(_public(world) + "?lang=en").get_data(as_text=True)
    # 139.2 was rated by one NGO (50): its row keeps the official status, no NGO figure.
    row2 = page.split("139.2</bdi>")[1].split("</tr>")[0]
    assert "fewer than 2 NGOs" in row2
    assert "50.0" not in row2 and ">1<" not in row2 and "−50" not in row2
    assert "0.0" in row2  # the government's own status for it
    # The unrated ones show nothing either.
    row3 = page.split("139.3</bdi>")[1].split("</tr>")[0]
    assert "fewer than 2 NGOs" in row3


def test_a_file_or_plan_resting_on_fewer_ngos_than_the_minimum_is_withheld(world, app):
    app.config["MONITOR_MIN_NGOS"] = 3
    _published(world, app)
    page = app.test_client().get(_public(world) + "?lang=en").get_data(as_text=True)
    files = page.split('id="files-title"')[1].split('id="recs-title"')[0].split("<table")[1]
    file2 = files.split(world.file2.title_en)[1].split("</tr>")[0]
    assert "withheld: fewer than 3 NGOs" in file2 and "37.5" not in file2
    # File 1 has 139.1, rated by three: shown.
    assert "91.7" in files
    recs = page.split('id="recs-title"')[1]
    assert "fewer than 3 NGOs" in recs.split("139.4</bdi>")[1].split("</tr>")[0]


def test_the_trend_shows_published_periods_only(world, app):
    earlier = world.plan.periods[0]
    make.ratings(world.recs["139.5"], earlier, [0, 0], [world.orgs["alpha"], world.orgs["beta"]])
    db.session.commit()
    coordinator = _published(world, app)
    page = app.test_client().get(_public(world) + "?lang=en").get_data(as_text=True)
    trend = page.split('id="trend-title"')[1].split("</figure>")[0]
    assert "2023" in trend and "2022" not in trend
    assert _publish(coordinator, world, label="2022").status_code == 302
    page = app.test_client().get(_public(world) + "?lang=en").get_data(as_text=True)
    trend = page.split('id="trend-title"')[1].split("</figure>")[0]
    assert "2022" in trend and "2023" in trend


def test_the_page_is_light_and_cacheable_for_anonymous_visitors(app):
    world = make.Results()
    big = make.plan(world.body, files=6, recommendations_per_file=50)
    orgs = [make.organization() for _ in range(3)]
    for org in orgs:
        make.enrol(org, big)
    period = big.periods[0]
    for rf in big.files:
        for rec in rf.recommendations:
            make.ratings(rec, period, [50, 75, 100], orgs)
    period.published_at = dt.datetime(2024, 3, 1)
    db.session.commit()
    client = app.test_client()
    url = f"/results/{big.slug}/{period.label}"
    for lang in ("ar", "ckb", "en"):
        response = client.get(url, headers={"Accept-Language": lang})
        assert response.status_code == 200
        weight = len(response.get_data())
        for asset in set(re.findall(r'href="(/static/[^"?]+)"', response.get_data(as_text=True))):
            with client.get(asset) as static:
                weight += len(static.get_data())
        assert weight < BUDGET, (lang, weight)
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert {"Accept-Language", "Cookie"} <= set(response.vary)
        assert "Set-Cookie" not in response.headers
        etag = response.headers["ETag"]
        again = client.get(url, headers={"Accept-Language": lang, "If-None-Match": etag})
        assert again.status_code == 304
    # 300 recommendations: paginated.
    assert "Page 1 of 6" in client.get(url + "?lang=en").get_data(as_text=True)
    # A signed-in visitor's page names them in the header: never stored by a cache.
    login(client, world.coordinator.email)
    assert client.get(url).headers["Cache-Control"] == "private, no-store"


def test_the_public_index_lists_published_periods(world, app):
    anonymous = app.test_client()
    assert world.plan.title_en not in anonymous.get("/results/?lang=en").get_data(as_text=True)
    _published(world, app)
    index = anonymous.get("/results/?lang=en").get_data(as_text=True)
    assert f'href="{_public(world)}"' in index


def test_publishing_twice_or_unpublishing_an_unpublished_period_changes_nothing(world, app):
    coordinator = _published(world, app)
    coordinator.get("/account?lang=en")  # a refusal is worded in the language of its request
    before = table_snapshot(ReportingPeriod, AuditEvent)
    response = _publish(coordinator, world)
    assert response.status_code == 302
    page = coordinator.get(response.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert "are already published" in page
    assert table_snapshot(ReportingPeriod, AuditEvent) == before
    earlier = world.plan.periods[0].label
    response = post_form(coordinator, world.url("unpublish", label=earlier),
                         page=f"/reports/{world.plan.slug}/comparison?period={earlier}")
    page = coordinator.get(response.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert "are not published" in page
    assert table_snapshot(ReportingPeriod, AuditEvent) == before


def test_ngo_users_and_other_bodies_cannot_publish(world, app):
    before = table_snapshot(ReportingPeriod, AuditEvent)
    ngo = app.test_client()
    login(ngo, world.admins["alpha"].email)
    response = post_form(ngo, world.url("publish"), page="/account")
    assert response.status_code == 403
    stranger = make.coordinator(make.body())
    db.session.commit()
    other = app.test_client()
    login(other, stranger.email)
    assert post_form(other, world.url("publish"), page="/account").status_code == 404
    # Without the form's token: refused, nothing changed.
    coordinator = _coordinator(app, world)
    response = coordinator.post(world.url("publish"))
    assert response.status_code == 400
    assert table_snapshot(ReportingPeriod, AuditEvent) == before
    assert app.test_client().get(_public(world)).status_code == 404
