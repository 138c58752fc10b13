"""Two-step sign-in in a real browser, in Arabic and English at 360 px: an NGO
administrator switches it on by reading the key under the QR code (drawn by the server
as SVG, nothing from a CDN), gets the recovery codes, and signs in on another phone with
the password and then a code."""
from __future__ import annotations

import factories as make
import pyotp
import pytest

from browser.browser_support import no_horizontal_overflow, shot
from browser.test_journeys import sign_in, submit
from monitor.extensions import db
from monitor.services.accounts import two_factor
from support import PASSWORD

TITLE = {"en": "Two-step sign-in", "ar": "تسجيل الدخول بخطوتين"}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_an_administrator_switches_two_step_sign_in_on_and_signs_in_with_a_code(
        page_factory, live_app, lang):
    org = make.organization(language=lang)
    admin = make.ngo_user(org, "ngo_admin")
    db.session.commit()
    page = page_factory(360, lang)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    sign_in(page, live_app.url, admin.email, lang)
    page.goto(f"{live_app.url}/account/two-step")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert page.text_content("h1") == TITLE[lang]
    qr = page.locator(".qr svg")
    assert qr.count() == 1 and qr.bounding_box()["width"] > 100
    assert no_horizontal_overflow(page)
    shot(page, f"two-step-enrol-{lang}-360")
    secret = page.text_content("code.secret").strip()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    submit(page, "form[action$='/confirm'] button[type=submit]")
    codes = page.locator("ul.recovery-codes code").all_text_contents()
    assert len(codes) == 10
    assert two_factor.is_enabled(db.session, admin)
    # On another phone: the password, then the code.
    page = page_factory(360, lang)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_app.url}/login?lang={lang}")
    page.fill("input[name=email]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    submit(page, "main button[type=submit]")
    assert page.url.endswith("/login/two-step")
    shot(page, f"two-step-code-{lang}-360")
    db.session.expire_all()
    two_factor.factor(db.session, admin).last_step = 0  # the enrolment's code again is fine
    db.session.commit()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    submit(page, "main button[type=submit]")
    assert page.url.startswith(f"{live_app.url}/ngo")
    assert all(url.startswith(live_app.url) for url in requests)  # no CDN, no third party
