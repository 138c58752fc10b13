"""The draft autosave in a real browser: static/autosave.js saves what is typed in the
background, shows when, and the "Save draft" button then saves on top of it without a
conflict with itself; leaving the tab saves what was typed since the last turn."""
from __future__ import annotations

import factories as make
import pytest
import sqlalchemy as sa

from browser.browser_support import shot
from browser.test_journeys import sign_in
from monitor.extensions import db
from monitor.models import Evaluation
from monitor.services.evaluation import lifecycle as service


def saved_answers(evaluation_id: int) -> tuple[int, dict]:
    db.session.expire_all()
    row = db.session.execute(sa.select(Evaluation.version, Evaluation.answers)
                             .where(Evaluation.id == evaluation_id)).one()
    return row.version, row.answers


SAVED = {"en": "Draft saved automatically at", "ar": "حُفظت المسوّدة تلقائياً عند الساعة"}
SAVE_BUTTON = {"en": "Save draft", "ar": "حفظ المسوّدة"}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_typing_is_saved_in_the_background_and_the_button_saves_on_top(page_factory, live_app,
                                                                        lang):
    live_app.app.config["MONITOR_AUTOSAVE_SECONDS"] = 1
    s = make.setting()
    evaluation = service.start(db.session, organization_id=s.org.id, recommendation=s.rec,
                               period=s.period, user=s.evaluator, answers={"status": "25"})
    db.session.commit()
    page = page_factory(width=360)
    sign_in(page, live_app.url, s.evaluator.email, lang)
    page.goto(f"{live_app.url}/evaluations/{evaluation.id}")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")

    page.fill("textarea[name='q.assessment']", "Typed on a slow connection, never lost.")
    status = page.locator("#autosave-status")
    status.filter(has_text=SAVED[lang]).wait_for(timeout=10_000)
    assert saved_answers(evaluation.id) == (
        2, {"status": "25", "assessment": "Typed on a slow connection, never lost."})
    assert page.input_value("input[name=version]") == "2"
    assert page.text_content("#version") == "2"
    shot(page, f"autosave-{lang}-360")

    page.fill("textarea[name='q.assessment']", "Then saved with the button.")
    with page.expect_navigation():
        page.click(f"button:has-text('{SAVE_BUTTON[lang]}')")
    assert "done=saved" in page.url and page.locator(".conflict").count() == 0
    version, answers = saved_answers(evaluation.id)
    assert answers["assessment"] == "Then saved with the button." and version >= 3


def test_leaving_the_tab_saves_what_was_typed_since_the_last_turn(page_factory, live_app):
    live_app.app.config["MONITOR_AUTOSAVE_SECONDS"] = 3600  # only the leaving save
    s = make.setting()
    evaluation = service.start(db.session, organization_id=s.org.id, recommendation=s.rec,
                               period=s.period, user=s.evaluator, answers={})
    db.session.commit()
    page = page_factory()
    sign_in(page, live_app.url, s.evaluator.email, "en")
    page.goto(f"{live_app.url}/evaluations/{evaluation.id}")
    page.fill("textarea[name='q.assessment']", "Written just before closing the tab.")
    # What a switched or closed tab does: the page becomes hidden.
    page.evaluate("""() => {
      Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
      document.dispatchEvent(new Event("visibilitychange"));
    }""")
    page.locator("#autosave-status").filter(has_text="saved automatically").wait_for(
        timeout=10_000)
    assert saved_answers(evaluation.id)[1] == {
        "assessment": "Written just before closing the tab."}


def test_a_new_evaluation_is_started_by_the_first_background_save(page_factory, live_app):
    live_app.app.config["MONITOR_AUTOSAVE_SECONDS"] = 1
    s = make.setting()
    db.session.commit()
    page = page_factory(width=360)
    sign_in(page, live_app.url, s.evaluator.email, "en")
    page.goto(f"{live_app.url}/evaluations/period/{s.period.id}/recommendation/{s.rec.id}")
    page.fill("textarea[name='q.assessment']", "A first draft, typed before any save.")
    page.locator("#autosave-status").filter(has_text=SAVED["en"]).wait_for(timeout=10_000)
    started = db.session.scalar(sa.select(Evaluation.id).where(
        Evaluation.organization_id == s.org.id, Evaluation.recommendation_id == s.rec.id))
    assert saved_answers(started) == (1, {"assessment": "A first draft, typed before any save."})
    # The page now saves into that evaluation: the button does not start a second one.
    page.fill("textarea[name='q.assessment']", "Then saved with the button.")
    with page.expect_navigation():
        page.click("button:has-text('Save draft')")
    assert f"/evaluations/{started}?done=saved" in page.url
    assert saved_answers(started)[1]["assessment"] == "Then saved with the button."


def test_switching_language_after_a_refused_send_keeps_what_was_typed(page_factory, live_app):
    live_app.app.config["MONITOR_AUTOSAVE_SECONDS"] = 3600  # no background turn meanwhile
    s = make.setting()
    evaluation = service.start(db.session, organization_id=s.org.id, recommendation=s.rec,
                               period=s.period, user=s.evaluator, answers={"status": "25"})
    db.session.commit()
    page = page_factory(width=360)
    sign_in(page, live_app.url, s.evaluator.email, "en")
    page.goto(f"{live_app.url}/evaluations/{evaluation.id}")
    page.fill("textarea[name='q.assessment']", "Typed, then sent too early.")
    with page.expect_navigation():
        page.click("button:has-text('Send to the administrator for approval')")
    assert page.url.endswith(f"/evaluations/{evaluation.id}/send")
    with page.expect_navigation(url=f"**/evaluations/{evaluation.id}?lang=ar"):
        page.click(".langs a[lang=ar]")
    assert page.get_attribute("html", "lang") == "ar"
    assert page.input_value("textarea[name='q.assessment']") == "Typed, then sent too early."
    assert saved_answers(evaluation.id)[1]["assessment"] == "Typed, then sent too early."


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize("started", [True, False])
def test_text_typed_before_attaching_stays_and_the_next_save_has_no_conflict(
        page_factory, live_app, started):
    live_app.app.config["MONITOR_AUTOSAVE_SECONDS"] = 1
    s = make.setting()
    if started:
        evaluation = service.start(db.session, organization_id=s.org.id, recommendation=s.rec,
                                   period=s.period, user=s.evaluator, answers={"status": "25"})
    db.session.commit()
    page = page_factory(width=360)
    sign_in(page, live_app.url, s.evaluator.email, "en")
    page.goto(f"{live_app.url}/evaluations/"
              + (str(evaluation.id) if started
                 else f"period/{s.period.id}/recommendation/{s.rec.id}"))
    page.fill("textarea[name='q.assessment']", "Typed before attaching the evidence.")
    page.set_input_files("input[name=file]", files=[
        {"name": "report.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    with page.expect_navigation():
        page.click("button:has-text('Attach')")
    assert "Document attached." in page.text_content("main")
    assert page.input_value("textarea[name='q.assessment']") == \
        "Typed before attaching the evidence."
    assert page.locator("#attachments a:has-text('report.pdf')").count() == 1
    page.fill("textarea[name='q.assessment']", "Then saved with the button.")
    with page.expect_navigation():
        page.click("button:has-text('Save draft')")
    assert "done=saved" in page.url and page.locator(".conflict").count() == 0
