"""Questions asked only when an earlier choice holds, in a real browser:
static/relevance.js hides them until the choice is made (an XLSForm's `relevant`)."""
from __future__ import annotations

import factories as make
from support import xlsform

from browser.test_journeys import sign_in
from monitor.extensions import db
from monitor.services.evaluation import questionnaire_versions

SURVEY = [["type", "name", "label::English (en)", "relevant"],
          ["select_one yes_no", "has_law", "Is there a law?", None],
          ["text", "law_name", "Name of the law", "${has_law} = 'yes'"],
          ["text", "why_not", "Why not?", "selected(${has_law}, 'no')"]]
CHOICES = [["list_name", "name", "label::English (en)"],
           ["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]]


def test_a_question_shows_once_the_choice_it_depends_on_is_made(page_factory, live_app):
    s = make.setting()
    questionnaire_versions.import_questionnaire(db.session, s.plan, xlsform(SURVEY, CHOICES))
    db.session.commit()
    page = page_factory()
    sign_in(page, live_app.url, s.evaluator.email, "en")
    page.goto(f"{live_app.url}/evaluations/period/{s.period.id}/recommendation/{s.rec.id}")
    law, why = page.locator("[data-name=law_name]"), page.locator("[data-name=why_not]")
    assert law.is_hidden() and why.is_hidden()
    page.check("input[name='q.has_law'][value=yes]")
    assert law.is_visible() and why.is_hidden()
    page.check("input[name='q.has_law'][value=no]")
    assert law.is_hidden() and why.is_visible()
