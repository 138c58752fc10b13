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
