"""XLSForm `relevant` and `constraint` honoured (services.evaluation.xlsform_rules): limits
on numbers and dates, relevance on select answers, constraint and required messages per
language; validated on the server whatever the browser did, shown and hidden by the
evaluation page's own script; everything else still reported by row."""
from __future__ import annotations

import datetime as dt
import io

import factories as make
import pytest
import sqlalchemy as sa
from factories import COMPLETE_ANSWERS
from support import client_as, csrf_from, shared_data, text, xlsform

from monitor.extensions import db
from monitor.models import Evaluation
from monitor.services.evaluation.questionnaire import validate_answers
from monitor.services.evaluation.xlsform import export_xlsform, import_xlsform

EMPTY = {"questions": [], "groups": []}
SURVEY = [
    ["type", "name", "label::English (en)", "label::Arabic (ar)", "required", "relevant",
     "constraint", "constraint_message::English (en)", "constraint_message::Arabic (ar)",
     "required_message::English (en)", "required_message::Arabic (ar)"],
    ["select_one yes_no", "has_law", "Is there a law?", "هل يوجد قانون؟", "yes", None, None,
     None, None, None, None],
    ["text", "law_name", "Name of the law", "اسم القانون", "yes", "${has_law} = 'yes'", None,
     None, None, "Name the law.", "اذكروا اسم القانون."],
    ["integer", "share", "Share covered (%)", "النسبة المشمولة", None, None,
     ". >= 0 and . <= 100", "Between 0 and 100.", "بين 0 و100.", None, None],
    ["date", "since", "In force since", "نافذ منذ", None, None,
     ". >= date('2020-01-01') and . <= today()", None, None, None, None],
    ["select_multiple areas", "areas", "Areas", "المجالات", None, None, None, None, None,
     None, None],
    ["text", "other_area", "Other area", "مجال آخر", "yes",
     "selected(${areas}, 'other') and not(${has_law} != 'yes' or ${has_law} = 'no')",
     None, None, None, None, None],
    # not honoured, each reported by its row
    ["text", "phone", "Phone", "الهاتف", None, None, "regex(., '^[0-9]+$')", None, None, None,
     None],
    ["integer", "big", "Big", "كبير", None, "${share} > 50", None, None, None, None, None],
    ["decimal", "part", "Part", "جزء", None, None, ". <= ${share}", None, None, None, None],
    ["calculate", "sum", None, None, None, None, None, None, None, None, None],
]
CHOICES = [["list_name", "name", "label::English (en)"],
           ["yes_no", "yes", "Yes"], ["yes_no", "no", "No"],
           ["areas", "health", "Health"], ["areas", "other", "Other"]]
TODAY = dt.date(2026, 12, 7)


@pytest.fixture
def form():
    result = import_xlsform(xlsform(SURVEY, CHOICES), base=EMPTY)
    assert result.ok, result.rejected
    return result


def by_name(definition: dict) -> dict:
    return {q["name"]: q for q in definition["questions"]}


def test_limits_relevance_and_messages_are_kept_and_the_rest_is_reported_by_row(form):
    q = by_name(form.definition)
    assert q["law_name"]["relevant"] == {"question": "has_law", "op": "=", "value": "yes"}
    assert q["law_name"]["required_message"] == {"en": "Name the law.",
                                                  "ar": "اذكروا اسم القانون."}
    assert (q["share"]["min"], q["share"]["max"]) == (0, 100)
    assert q["share"]["constraint_message"] == {"en": "Between 0 and 100.", "ar": "بين 0 و100."}
    assert (q["since"]["min_date"], q["since"]["not_future"]) == ("2020-01-01", True)
    assert q["other_area"]["relevant"] == {"all": [
        {"question": "areas", "op": "selected", "value": "other"},
        {"not": {"any": [{"question": "has_law", "op": "!=", "value": "yes"},
                         {"question": "has_law", "op": "=", "value": "no"}]}}]}
    reported = {w.row: w.reason for w in form.warnings}
    assert set(reported) == {8, 9, 10}
    assert "regex(" in reported[8] and "${share} > 50" in reported[9]
    assert ". <= ${share}" in reported[10]
    assert [s.row for s in form.skipped] == [11]  # the calculation
    for name in ("phone", "big", "part"):
        assert "relevant" not in q[name] and q[name]["min"] is None and q[name]["max"] is None


def test_an_unasked_question_is_neither_required_nor_kept(form):
    answers, errors = validate_answers(
        form.definition, {"has_law": "no", "law_name": "Typed before changing my mind",
                          "other_area": "x", "areas": ["health"]},
        submitting=True, today=TODAY, lang="en")
    assert errors == {}
    assert answers == {"has_law": "no", "areas": ["health"]}


def test_an_asked_question_left_empty_gives_the_forms_message_in_the_language(form):
    raw = {"has_law": "yes", "areas": ["other"]}
    _answers, errors = validate_answers(form.definition, raw, submitting=True, today=TODAY,
                                        lang="ar")
    assert errors["law_name"] == "اذكروا اسم القانون."
    assert errors["other_area"] == "Please answer “مجال آخر”."  # no message of its own
    # a draft may be incomplete
    assert validate_answers(form.definition, raw, submitting=False, today=TODAY,
                            lang="ar")[1] == {}


def test_limits_on_numbers_and_dates_give_the_forms_message_or_a_translated_one(form):
    _answers, errors = validate_answers(
        form.definition, {"share": "120", "since": "2019-12-31"}, submitting=False,
        today=TODAY, lang="ar")
    assert errors["share"] == "بين 0 و100."
    assert errors["since"] == "“نافذ منذ” must be on or after 2020-01-01."  # (en catalogue)
    _answers, errors = validate_answers(
        form.definition, {"since": "2027-01-01"}, submitting=False, today=TODAY, lang="en")
    assert errors["since"] == "“In force since” cannot be in the future."
    assert validate_answers(form.definition, {"share": "٤٢", "since": "2020-01-01"},
                            submitting=False, today=TODAY)[1] == {}


def test_the_export_writes_the_rules_back(form):
    again = import_xlsform(export_xlsform(form.definition), base=EMPTY)
    assert again.ok and again.warnings == []
    assert again.definition == form.definition


def test_the_evaluation_page_hides_unasked_questions_and_the_server_decides(app):
    s = make.setting()
    db.session.commit()
    coordinator = client_as(app, s.coordinator, "/evaluations/questionnaire/none?lang=en")
    page = coordinator.get(f"/evaluations/questionnaire/{s.plan.slug}")
    response = coordinator.post(
        f"/evaluations/questionnaire/{s.plan.slug}/import",
        data={"csrf_token": csrf_from(text(page)),
              "file": (io.BytesIO(xlsform(SURVEY, CHOICES)), "form.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 200, text(response)[:1000]
    admin = client_as(app, s.admin, "/evaluations/?lang=en")
    url = f"/evaluations/period/{s.period.id}/recommendation/{s.rec.id}"
    page = text(admin.get(url))
    # every question is in the page (without the script all show), the rules ride along
    assert 'name="q.law_name"' in page and 'name="q.other_area"' in page
    assert 'data-relevant=\'{"op": "=", "question": "has_law", "value": "yes"}\'' in page
    assert "/static/relevance.js" in page
    answers = {f"q.{k}": v for k, v in COMPLETE_ANSWERS.items()}
    answers.update({"q.has_law": "no", "q.law_name": "Kept by the browser", "version": "0"})
    response = admin.post(url, data={"csrf_token": csrf_from(page), **answers})
    assert response.status_code == 302, text(response)[:2000]
    evaluation = db.session.scalar(sa.select(Evaluation))
    assert evaluation.answers["has_law"] == "no" and "law_name" not in evaluation.answers
    # asked and empty: the submission is refused with the form's message, nothing changes
    edit = f"/evaluations/{evaluation.id}"
    page = text(admin.get(edit))
    answers.update({"q.has_law": "yes", "q.law_name": "", "version": str(evaluation.version)})
    response = admin.post(f"{edit}/submit", data={"csrf_token": csrf_from(page), **answers})
    assert response.status_code == 422 and "Name the law." in text(response)
    db.session.expire_all()
    assert db.session.get(Evaluation, evaluation.id).state == "draft"
    assert not db.session.get(Evaluation, evaluation.id).counted


def test_real_forms_relevance_on_a_select_answer_is_honoured_the_rest_reported():
    ucl = import_xlsform(shared_data("xlsform/UCL_Biomass_Plot_Form.xlsx").read_bytes())
    q = by_name(ucl.definition)
    # "${leader_name} = ‘other’", typographic quotes as typed in a spreadsheet
    assert q["leader_name_other"]["relevant"] == {"question": "leader_name", "op": "=",
                                                  "value": "other"}
    rows = {w.row for w in ucl.warnings if w.sheet == "survey"}
    assert 9 not in rows and 10 in rows  # the regex() constraint is still reported
    flat = import_xlsform(shared_data("xlsform/flat_xlsform_test.xlsx").read_bytes())
    q = by_name(flat.definition)
    # the group's "not(selected(${skip_to_end}, 'yes'))" holds on each of its questions
    skip = {"not": {"question": "skip_to_end", "op": "selected", "value": "yes"}}
    assert q["my_name"]["relevant"] == skip and q["required_text"]["relevant"] == skip
    assert q["required_text"]["required_message"] == {"en": "Custom required message."}
    assert "relevant" not in q["skip_to_end"]
    reported = {w.row for w in flat.warnings if w.sheet == "survey" and w.field}
    assert reported == {3, 14, 18}  # regex() relevance, ". <= ${a_integer}", not(selected(.))
    _answers, errors = validate_answers(flat.definition, {"skip_to_end": "yes"},
                                        submitting=True, today=TODAY, lang="en")
    assert "required_text" not in errors
    _answers, errors = validate_answers(flat.definition, {"skip_to_end": "no"},
                                        submitting=True, today=TODAY, lang="en")
    assert errors["required_text"] == "Custom required message."
