"""The sign-in page and a coordinator's home in a real browser, in Arabic, Sorani and
English, at phone and desktop width: direction, no horizontal overflow, screenshots."""
from __future__ import annotations

import pytest

import factories as make
from monitor.extensions import db
from support import PASSWORD

from browser.browser_support import no_horizontal_overflow, shot


@pytest.mark.parametrize("lang, direction", [("ar", "rtl"), ("ckb", "rtl"), ("en", "ltr")])
@pytest.mark.parametrize("width", [360, 1280])
def test_a_coordinator_signs_in_and_sees_its_plans(live_app, page_factory, lang, direction,
                                                   width):
    body = make.body()
    plan = make.plan(body)
    user = make.coordinator(body)
    db.session.commit()

    page = page_factory(width, lang)
    page.goto(f"{live_app.url}/login?lang={lang}")
    assert page.get_attribute("html", "dir") == direction
    assert page.get_attribute("html", "lang") == lang
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_app.url}/plans/")
    title = {"ar": plan.title_ar, "ckb": plan.title_ckb, "en": plan.title_en}[lang]
    assert title in page.inner_text("main")
    assert no_horizontal_overflow(page)
    shot(page, f"coordinator-home-{lang}-{width}")


def test_the_official_progress_form_shows_only_the_chosen_levels_fields(page_factory, live_app):
    from browser.test_journeys import sign_in

    owner = make.body()
    plan = make.plan(owner, slug="krg", periods=("2023",))
    user = make.coordinator(owner)
    db.session.commit()
    page = page_factory()
    sign_in(page, live_app.url, user.email, "en")
    page.goto(f"{live_app.url}/reports/krg/official?period=2023")
    assert page.is_visible("select[name=measure]") and not page.is_visible("select[name=file]")
    assert not page.is_visible("input[name=recommendation]")
    page.select_option("select[name=level]", "recommendation")
    assert page.is_visible("input[name=recommendation]") and page.is_visible("select[name=status]")
    assert not page.is_visible("select[name=measure]")
    page.fill("input[name=recommendation]", plan.files[0].recommendations[0].code)
    page.select_option("select[name=status]", "75")
    page.fill("input[name=reported_on]", "2024-05-22")
    with page.expect_navigation():
        page.click("input[value='Save the official figure']")
    assert "The official figure was saved." in page.text_content("main"), \
        page.inner_text("main")[:3000]
