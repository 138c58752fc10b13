"""Questionnaires on the web and in the CLI: XLSForm import (real forms from the field),
export and round trip, versions kept by submitted evaluations."""
from __future__ import annotations

import io

import factories as make
import openpyxl
import sqlalchemy as sa
from factories import COMPLETE_ANSWERS
from support import client_as, csrf_from, row_counts, shared_data, text, xlsform

from monitor.extensions import db
from monitor.models import Evaluation, Questionnaire
from monitor.services.evaluation import lifecycle as evaluations
from monitor.services.evaluation.questionnaire import default_questionnaire
from monitor.services.evaluation.questionnaire_versions import current_questionnaire
from monitor.services.evaluation.xlsform import import_xlsform

UCL = "xlsform/UCL_Biomass_Plot_Form.xlsx"
FLAT = "xlsform/flat_xlsform_test.xlsx"


def client_for(app, user):  # noqa: ANN001, ANN201
    return client_as(app, user, "/evaluations/questionnaire/none?lang=en")


def import_file(client, plan, data: bytes, name: str = "form.xlsx"):  # noqa: ANN001, ANN201
    page = client.get(f"/evaluations/questionnaire/{plan.slug}")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(f"/evaluations/questionnaire/{plan.slug}/import",
                       data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_the_coordinator_imports_a_real_form_and_sees_the_skipped_rows(app):
    data = shared_data(UCL).read_bytes()
    s = make.setting()
    db.session.commit()
    client = client_for(app, s.coordinator)
    response = import_file(client, s.plan, data, "UCL_Biomass_Plot_Form.xlsx")
    assert response.status_code == 200, text(response)[:2000]
    page = text(response)
    assert "Version 2 of the questionnaire is now in use" in page
    for unsupported in ("geopoint", "select_one_from_file", "calculate", "start", "image",
                        "begin repeat"):
        assert f'<span class="code">{unsupported}' in page, unsupported
    questionnaire = current_questionnaire(db.session, s.plan)
    assert questionnaire.version == 2
    names = [q["name"] for q in questionnaire.definition["questions"]]
    assert names[:8] == [q["name"] for q in default_questionnaire()["questions"]]
    expected = import_xlsform(data)
    assert len(names) == 8 + len(expected.new)
    assert page.count('class="skipped"') == len(expected.skipped)

    # The evaluator's form now carries the imported questions.
    evaluator = client_for(app, s.evaluator)
    form_page = text(evaluator.get(f"/evaluations/period/{s.period.id}/recommendation/"
                                   f"{s.rec.id}"))
    answerable = [q["name"] for q in expected.definition["questions"]
                  if q["name"] in expected.new and q["type"] not in ("note", "file")]
    assert answerable and all(f'name="q.{name}"' in form_page for name in answerable)


def test_the_cli_imports_the_other_real_form_and_lists_every_unsupported_row(app, runner):
    path = shared_data(FLAT)
    s = make.setting()
    db.session.commit()
    result = runner.invoke(args=["questionnaire", "import", "--plan", s.plan.slug, str(path)])
    assert result.exit_code == 0, result.output
    expected = import_xlsform(path.read_bytes())
    for row in expected.skipped:
        assert f"skipped row {row.row} ({row.value}" in result.output
    assert "geopoint" in result.output and "deviceid" in result.output
    assert f"Imported {len(expected.new)} question(s) into version 2" in result.output
    assert current_questionnaire(db.session, s.plan).version == 2
    # the same form again: nothing changed, not an error; the languages warned once
    again = runner.invoke(args=["questionnaire", "import", "--plan", s.plan.slug, str(path)])
    assert again.exit_code == 0, again.output
    assert "Nothing changed" in again.output
    assert again.output.count("were not imported") <= 1
    assert current_questionnaire(db.session, s.plan).version == 2


def test_the_default_questionnaire_exported_as_xlsform_imports_back_unchanged(app):
    s = make.setting()
    db.session.commit()
    client = client_for(app, s.coordinator)
    response = client.get(f"/evaluations/questionnaire/{s.plan.slug}/xlsform.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    result = import_xlsform(response.data, base={"questions": [], "groups": []})
    assert result.ok and result.definition == default_questionnaire()
    # Onto the plan itself it adds nothing: refused, nothing changed.
    before = row_counts()
    response = import_file(client, s.plan, response.data)
    assert response.status_code == 422
    assert "no new question" in text(response)
    assert "cannot be replaced" in text(response)  # each builtin row is reported
    assert row_counts() == before


def test_a_questionnaire_and_its_answers_round_trip(app, runner, tmp_path):
    s = make.setting()
    db.session.commit()
    survey = [["type", "name", "label::English (en)", "label::Arabic (ar)", "constraint"],
              ["select_multiple actors", "actors", "Actors involved", "الجهات", None],
              ["integer", "people", "People reached", "عدد", ". >= 0 and . <= 100000"]]
    choices = [["list_name", "name", "label::English (en)"],
               ["actors", "ministry", "Ministry"], ["actors", "parliament", "Parliament"]]
    form = tmp_path / "extra.xlsx"
    form.write_bytes(xlsform(survey, choices))
    assert runner.invoke(args=["questionnaire", "import", "--plan", s.plan.slug,
                               str(form)]).exit_code == 0
    answers = tmp_path / "answers.csv"
    answers.write_text("recommendation,status,actors,people\n"
                       f"{s.rec.code},25,parliament ministry,١٢٠\n", encoding="utf-8")
    args = ["--org", s.org.email, "--plan", s.plan.slug, "--period", s.period.label]
    result = runner.invoke(args=["evaluations", "import", *args, str(answers)])
    assert result.exit_code == 0, result.output
    evaluation = db.session.scalar(sa.select(Evaluation))
    assert evaluation.answers == {"status": "25", "actors": ["ministry", "parliament"],
                                  "people": 120}
    exported = tmp_path / "out.xlsx"
    assert runner.invoke(args=["evaluations", "export", *args, "-o", str(exported)]
                         ).exit_code == 0
    rows = list(openpyxl.load_workbook(exported).active.iter_rows(values_only=True))
    assert rows[0][-2:] == ("actors", "people")
    result = runner.invoke(args=["evaluations", "import", *args, str(exported)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(Evaluation)).answers == evaluation.answers
    # Out of bounds in the imported constraint: refused by row.
    answers.write_text(f"recommendation,people\n{s.rec.code},-5\n", encoding="utf-8")
    result = runner.invoke(args=["evaluations", "import", *args, str(answers)])
    assert result.exit_code != 0 and "row 2 [people]" in result.output


def test_a_submitted_evaluation_keeps_the_version_it_answered(app):
    s = make.setting()
    db.session.commit()
    evaluation = evaluations.record_submitted(db.session, organization=s.org,
                                              recommendation=s.rec, period=s.period,
                                              answers=COMPLETE_ANSWERS, user=None)
    db.session.commit()
    first = current_questionnaire(db.session, s.plan)
    client = client_for(app, s.coordinator)
    data = xlsform([["type", "name", "label::English (en)"], ["text", "source", "Source"]])
    assert import_file(client, s.plan, data).status_code == 200
    db.session.rollback()  # a new transaction sees the new version
    assert current_questionnaire(db.session, s.plan).version == 2
    assert db.session.get(Evaluation, evaluation.id).revisions[0].questionnaire_id == first.id
    assert db.session.get(Questionnaire, first.id).definition == default_questionnaire()


def test_a_file_that_is_not_an_xlsform_changes_nothing(app):
    s = make.setting()
    db.session.commit()
    client = client_for(app, s.coordinator)
    before = row_counts()
    response = import_file(client, s.plan, b"name,label\nx,y\n", "form.xlsx")
    assert response.status_code == 422
    assert "Nothing was changed" in text(response)
    response = import_file(client, s.plan, xlsform([["name", "label"], ["x", "y"]]))
    assert response.status_code == 422 and "“type”" in text(response)
    assert row_counts() == before


def test_ngos_may_read_and_download_but_not_import(app):
    s = make.setting()
    stranger_plan = make.plan()
    db.session.commit()
    admin = client_for(app, s.admin)
    assert admin.get(f"/evaluations/questionnaire/{s.plan.slug}").status_code == 200
    assert admin.get(f"/evaluations/questionnaire/{s.plan.slug}/xlsform.xlsx").status_code == 200
    assert admin.get(f"/evaluations/questionnaire/{stranger_plan.slug}").status_code == 404
    token = csrf_from(admin.get(f"/evaluations/questionnaire/{s.plan.slug}").get_data(
        as_text=True))
    response = admin.post(f"/evaluations/questionnaire/{s.plan.slug}/import",
                          data={"csrf_token": token,
                                "file": (io.BytesIO(b"x"), "form.xlsx")},
                          content_type="multipart/form-data")
    assert response.status_code == 403
    other = make.coordinator(make.body())
    db.session.commit()
    assert client_for(app, other).get(
        f"/evaluations/questionnaire/{s.plan.slug}").status_code == 404


# --- XLSForms from the field: spellings pyxform accepts ------------------------------------

def test_every_label_spelling_of_the_xlsform_spec_is_read():
    from support import xlsform

    from monitor.services.evaluation.xlsform import import_xlsform as read

    survey = [
        ["type", "name", "label:English", "label::Arabic (ar)", "label::کوردی", "bind::relevant",
         "constraint", "required_message::English (en)", "hint:Arabic"],
        ["select one from yesno", "q1", "Works?", "هل يعمل؟", "کار دەکات؟", "", "", "", "تلميح"],
        ["SELECT ALL THAT APPLY FROM yesno", "q2", "Which?", "أيها؟", "کامیان؟",
         "${q1} = 'yes'", "", "", ""],
        ["integer", "q3", "How many?", "كم؟", "چەند؟", "", ". >= 0", "Required!", ""],
    ]
    choices = [["list_name", "name", "label:English", "label:Arabic"],
               ["yesno", "yes", "Yes", "نعم"], ["yesno", "no", "No", "لا"]]
    result = read(xlsform(survey, choices), base={"questions": [], "groups": []})
    assert result.ok and result.new == ["q1", "q2", "q3"]
    q1, q2, q3 = result.definition["questions"]
    assert q1["label"] == {"en": "Works?", "ar": "هل يعمل؟", "ckb": "کار دەکات؟"}
    assert q1["hint"] == {"ar": "تلميح"} and q1["type"] == "select_one"
    assert q2["type"] == "select_multiple"
    assert q2["choices"][0]["label"] == {"en": "Yes", "ar": "نعم"}
    assert q3["min"] == 0
    reasons = {(w.row, w.field): w.reason for w in result.warnings}
    # relevance on a select answer and the required message are kept, not reported
    assert (3, "q2") not in reasons and (4, "q3") not in reasons
    assert q2["relevant"] == {"question": "q1", "op": "=", "value": "yes"}
    assert q3["required_message"] == {"en": "Required!"}
