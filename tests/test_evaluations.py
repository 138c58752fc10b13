"""Structured evaluations: drafts, optimistic locking, the NGO's approval, submission to the
coordinator (independence, revisions, receipts), clarification, offline data, access."""
from __future__ import annotations

import datetime as dt
import io
import re

import factories as make
import openpyxl
import pytest
import sqlalchemy as sa
from factories import COMPLETE_ANSWERS
from support import client_as, concurrently, csrf_from, row_counts, table_snapshot, text

from monitor.extensions import db
from monitor.models import (
    AuditEvent,
    Evaluation,
    EvaluationNote,
    EvaluationRevision,
    FileChoice,
    OutgoingEmail,
    Questionnaire,
)
from monitor.services.evaluation import lifecycle as service
from monitor.services.evaluation import overview
from monitor.services.evaluation.questionnaire import default_questionnaire

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


# --- helpers ----------------------------------------------------------------------------------


def signed_in(app, user, *, real: bool = False):  # noqa: ANN001, ANN201
    """A client signed in as `user`, in English (the choice is saved on the account).
    Through the sign-in form when `real`; otherwise the session is set directly, which
    skips the deliberately slow password hash (the sign-in itself is tested elsewhere)."""
    return client_as(app, user, "/evaluations/?lang=en", real=real)


def token(client) -> str:  # noqa: ANN001
    # Every page of a signed-in user has one (the sign-out form), error pages included.
    return csrf_from(client.get("/evaluations/").get_data(as_text=True))


def form(answers: dict, version: int | None = None, **extra) -> dict:  # noqa: ANN003
    data = {f"q.{k}": v for k, v in answers.items()}
    if version is not None:
        data["version"] = str(version)
    data.update(extra)
    return data


def post(client, url: str, data: dict | None = None, **kwargs):  # noqa: ANN001, ANN003, ANN201
    payload = dict(data or {})
    payload.setdefault("csrf_token", token(client))
    return client.post(url, data=payload, **kwargs)


def evaluation_of(s) -> Evaluation | None:  # noqa: ANN001
    db.session.expire_all()
    return db.session.scalar(sa.select(Evaluation).where(
        Evaluation.organization_id == s.org.id, Evaluation.recommendation_id == s.rec.id,
        Evaluation.period_id == s.period.id))


def begin_url(s, rec=None, period=None) -> str:  # noqa: ANN001
    return (f"/evaluations/period/{(period or s.period).id}/recommendation/"
            f"{(rec or s.rec).id}")


@pytest.fixture
def s(app):  # noqa: ANN001, ANN201
    setting = make.setting()
    db.session.commit()
    return setting


def draft(s, answers: dict | None = None, user=None) -> Evaluation:  # noqa: ANN001
    evaluation = service.start(db.session, organization_id=s.org.id, recommendation=s.rec,
                               period=s.period, user=user or s.evaluator,
                               answers=answers or {})
    db.session.commit()
    return evaluation


# --- the whole story -------------------------------------------------------------------------


def test_evaluator_drafts_admin_returns_and_submits_coordinator_asks_and_revision_counts(app, s):
    evaluator = signed_in(app, s.evaluator, real=True)
    home = text(evaluator.get("/evaluations/"))
    assert s.rec.code in home and "Not started" in home
    assert s.unmonitored.text_en not in home  # a file the organisation does not monitor

    # An incomplete draft saves.
    page = evaluator.get(begin_url(s))
    assert page.status_code == 200 and 'name="q.status"' in text(page)
    response = post(evaluator, begin_url(s), form({"status": "25"}))
    assert response.status_code == 302
    evaluation = evaluation_of(s)
    assert evaluation.state == "draft" and evaluation.answers == {"status": "25"}
    assert evaluation.counted is False and evaluation.status_score is None
    url = f"/evaluations/{evaluation.id}"

    response = post(evaluator, f"{url}/save", form(COMPLETE_ANSWERS, evaluation.version))
    assert response.status_code == 302
    evaluation = evaluation_of(s)
    assert evaluation.answers["assessment"] == "Partly done." and evaluation.version == 2

    # Evidence: one document for the coordinator, one kept within the organisation.
    post(evaluator, f"{url}/attachments", {"file": (io.BytesIO(PDF), "شهادة.pdf")},
         content_type="multipart/form-data")
    post(evaluator, f"{url}/attachments", {"file": (io.BytesIO(PNG), "photo.png"),
                                           "visibility": "coordinator"},
         content_type="multipart/form-data")
    from monitor.models import Attachment

    private, public = db.session.scalars(sa.select(Attachment).order_by(Attachment.id)).all()
    assert private.visibility == "organization" and public.visibility == "coordinator"

    # To the administrator, who returns it with a comment; the evaluator is told.
    response = post(evaluator, f"{url}/send", form(COMPLETE_ANSWERS, 2))
    assert response.status_code == 302
    assert evaluation_of(s).state == "awaiting_approval"
    admin = signed_in(app, s.admin)
    page = text(admin.get(url))
    assert 'name="version" value="3"' in page and "Return to the evaluator" in page
    response = post(admin, f"{url}/return", {"comment": "Please cite the number of the law.",
                                             "version": "3"})
    assert response.status_code == 302, text(response)[:3000]
    evaluation = evaluation_of(s)
    assert evaluation.state == "draft"
    email = db.session.scalar(sa.select(OutgoingEmail).where(
        OutgoingEmail.kind == "evaluation_returned"))
    assert email.recipient == s.evaluator.email
    assert "Please cite the number of the law." in email.body_text
    assert f"http://localhost/evaluations/{evaluation.id}" in email.body_text
    assert "Please cite the number of the law." in text(evaluator.get(url))

    # The evaluator revises and sends again; the administrator submits.
    revised = COMPLETE_ANSWERS | {"government_actions": "Law 12 of 2023 was drafted."}
    post(evaluator, f"{url}/send", form(revised, evaluation.version))
    evaluation = evaluation_of(s)
    response = post(admin, f"{url}/submit", form(revised, evaluation.version))
    assert response.status_code == 302
    evaluation = evaluation_of(s)
    assert (evaluation.state, evaluation.counted, evaluation.status_score) == ("submitted",
                                                                            True, 50)
    (first,) = evaluation.revisions
    assert first.number == 1 and first.late is False and service.verify(first)
    assert first.answers["government_actions"] == "Law 12 of 2023 was drafted."
    # The receipt: the content hash with 128 random bits (the transparency log's entry).
    from monitor.services.results.transparency_log import receipt_of

    assert receipt_of(db.session, first.id) in text(admin.get(url))

    # The coordinator sees the counted version and only the shared document.
    coordinator = signed_in(app, s.coordinator)
    review = coordinator.get(f"/evaluations/review/{evaluation.id}")
    assert review.status_code == 200
    page = text(review)
    assert "Law 12 of 2023 was drafted." in page and "photo.png" in page
    assert "شهادة" not in page
    assert coordinator.get(f"/evaluations/attachments/{private.id}").status_code == 404
    assert coordinator.get(f"/evaluations/attachments/{public.id}").status_code == 200
    assert "Please cite" not in page  # the NGO's internal return stays internal

    # Clarification: it stays counted; the organisation is told.
    response = post(coordinator, f"/evaluations/review/{evaluation.id}/clarify",
                    {"message": "Which ministry drafted the law?"})
    assert response.status_code == 302
    evaluation = evaluation_of(s)
    assert evaluation.state == "clarification_requested"
    assert evaluation.counted and evaluation.status_score == 50
    recipients = set(db.session.scalars(sa.select(OutgoingEmail.recipient).where(
        OutgoingEmail.kind == "evaluation_clarification")))
    assert recipients == {s.admin.email, s.evaluator.email}

    # The organisation submits a revision, which becomes the version that counts.
    revision_answers = revised | {"status": "75", "assessment": "The Ministry of Justice."}
    post(evaluator, f"{url}/send", form(revision_answers, evaluation.version))
    evaluation = evaluation_of(s)
    assert evaluation.state == "awaiting_approval" and evaluation.status_score == 50
    post(admin, f"{url}/submit", form(revision_answers, evaluation.version,
                                      comment="The Ministry of Justice drafted it."))
    evaluation = evaluation_of(s)
    assert (evaluation.state, evaluation.status_score) == ("submitted", 75)
    assert [r.number for r in evaluation.revisions] == [1, 2]
    assert evaluation.revisions[0].answers["status"] == "50"  # never overwritten
    assert evaluation.revisions[0].content_hash == first.content_hash

    page = text(coordinator.get(f"/evaluations/review/{evaluation.id}"))
    assert "The Ministry of Justice." in page and "The Ministry of Justice drafted it." in page
    from monitor.services.results.transparency_log import receipt_of

    assert receipt_of(db.session, first.id) in page
    assert receipt_of(db.session, evaluation.revisions[1].id) in page
    older = text(coordinator.get(f"/evaluations/review/{evaluation.id}?revision=1"))
    assert "Partly done." in older
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"evaluation.created", "evaluation.saved", "evaluation.sent_for_approval",
            "evaluation.returned", "evaluation.submitted",
            "evaluation.clarification_requested", "attachment.uploaded"} <= actions


def test_the_coordinator_cannot_alter_or_withdraw_a_submitted_evaluation(app, s):
    evaluation = draft(s, COMPLETE_ANSWERS)
    service.submit(db.session, evaluation, None, expected_version=evaluation.version,
                   user=s.admin)
    db.session.commit()
    coordinator = signed_in(app, s.coordinator)
    before = table_snapshot(Evaluation, EvaluationRevision)
    for path in ("save", "send", "submit", "return"):
        response = post(coordinator, f"/evaluations/{evaluation.id}/{path}",
                        form({"status": "0"}, evaluation.version))
        assert response.status_code == 403
    assert coordinator.get(f"/evaluations/{evaluation.id}").status_code == 403
    assert table_snapshot(Evaluation, EvaluationRevision) == before


def test_a_submitted_evaluation_is_read_only_for_the_organisation(app, s):
    evaluation = draft(s, COMPLETE_ANSWERS)
    service.submit(db.session, evaluation, None, expected_version=1, user=s.admin)
    db.session.commit()
    admin = signed_in(app, s.admin)
    before = table_snapshot(Evaluation, EvaluationRevision)
    response = post(admin, f"/evaluations/{evaluation.id}/save",
                    form(COMPLETE_ANSWERS | {"status": "100"}, evaluation.version))
    assert response.status_code == 409
    assert "can no longer be changed" in text(response)
    assert table_snapshot(Evaluation, EvaluationRevision) == before


def test_the_coordinator_does_not_see_drafts(app, s):
    evaluation = draft(s, COMPLETE_ANSWERS)
    coordinator = signed_in(app, s.coordinator)
    assert coordinator.get(f"/evaluations/review/{evaluation.id}").status_code == 404


def test_a_coordinator_of_another_body_gets_404(app, s):
    evaluation = draft(s, COMPLETE_ANSWERS)
    service.submit(db.session, evaluation, None, expected_version=1, user=s.admin)
    other = make.coordinator(make.body())
    db.session.commit()
    client = signed_in(app, other)
    assert client.get(f"/evaluations/review/{evaluation.id}").status_code == 404


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("answers, message", [
    ({"status": "60"}, "is not one of the choices for “Implementation status”"),
    ({"confidence": "certain"}, "is not one of the choices"),
    ({"information_date": "2999-01-01"}, "cannot be in the future"),
    ({"information_date": "31/12/2023"}, "must be a date written as YYYY-MM-DD"),
])
def test_bad_answers_are_refused_with_a_message_and_nothing_changes(app, s, answers, message):
    evaluation = draft(s, {"status": "25"})
    client = signed_in(app, s.evaluator)
    before = table_snapshot(Evaluation, AuditEvent)
    response = post(client, f"/evaluations/{evaluation.id}/save",
                    form({"assessment": "kept in the form"} | answers, evaluation.version))
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert "kept in the form" in page  # the user's input is not lost
    assert table_snapshot(Evaluation, AuditEvent) == before


def test_a_missing_required_answer_blocks_submission_but_not_a_draft(app, s):
    evaluation = draft(s)
    client = signed_in(app, s.evaluator)
    response = post(client, f"/evaluations/{evaluation.id}/save",
                    form({"status": "50"}, evaluation.version))
    assert response.status_code == 302  # a draft may be incomplete
    evaluation = evaluation_of(s)
    before = table_snapshot(Evaluation, EvaluationRevision)
    response = post(client, f"/evaluations/{evaluation.id}/send",
                    form({"status": "50"}, evaluation.version))
    assert response.status_code == 422
    assert "Please answer “Assessment”." in text(response)
    assert "Please answer “Confidence in this assessment”." in text(response)
    assert table_snapshot(Evaluation, EvaluationRevision) == before


def test_arabic_indic_digits_are_accepted_in_number_fields(app, s):
    definition = default_questionnaire()
    from monitor.services.evaluation.questionnaire import make_question

    definition["questions"].append(make_question("people", "integer", {"en": "People reached"},
                                                 minimum=0, maximum=1000))
    definition["questions"].append(make_question("budget", "decimal", {"en": "Budget"}))
    db.session.add(Questionnaire(plan_id=s.plan.id, version=1, definition=definition))
    evaluation = draft(s)
    client = signed_in(app, s.evaluator)
    response = post(client, f"/evaluations/{evaluation.id}/save",
                    form({"people": "٤٢", "budget": "١٢٫٥", "information_date": "٢٠٢٣-٠٦-٣٠"},
                         evaluation.version))
    assert response.status_code == 302
    answers = evaluation_of(s).answers
    assert answers == {"people": 42, "budget": "12.5", "information_date": "2023-06-30"}
    response = post(client, f"/evaluations/{evaluation.id}/save",
                    form({"people": "١٠٠١"}, evaluation_of(s).version))
    assert response.status_code == 422 and "between 0 and 1000" in text(response)


def test_each_plan_s_evaluations_answer_that_plan_s_questionnaire(app, s):
    # A save reads the newest questionnaire version in the same query as the evaluation;
    # with two plans, each must get its own (SQLite would quietly take the first row of an
    # uncorrelated subquery, PostgreSQL refuses it).
    from monitor.services.evaluation.questionnaire import make_question

    other = make.plan(s.body)
    make.enrol(s.org, other, monitor=[other.files[0]])
    strict = default_questionnaire()
    strict["questions"].append(make_question("budget", "integer", {"en": "Budget"},
                                             required=True, minimum=0, maximum=10))
    db.session.add_all([Questionnaire(plan_id=other.id, version=1, definition=strict),
                        Questionnaire(plan_id=s.plan.id, version=1,
                                      definition=default_questionnaire())])
    mine = draft(s)
    theirs = make.evaluation(s.org, other.files[0].recommendations[0], other.periods[0], None,
                             counted=False)
    db.session.commit()
    client = signed_in(app, s.evaluator)
    assert post(client, f"/evaluations/{mine.id}/save",
                form({"status": "25"}, mine.version)).status_code == 302
    response = post(client, f"/evaluations/{theirs.id}/save",
                    form({"budget": "11"}, theirs.version))
    assert response.status_code == 422 and "between 0 and 10" in text(response)
    assert post(client, f"/evaluations/{theirs.id}/save",
                form({"budget": "7"}, theirs.version)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Evaluation, theirs.id).answers == {"budget": 7}


# --- optimistic locking and double submission ------------------------------------------------


def test_a_stale_save_is_refused_showing_both_versions_and_nothing_is_lost(app, s):
    evaluation = draft(s, {"status": "25", "assessment": "first"})
    first, second = signed_in(app, s.evaluator), signed_in(app, s.evaluator2)
    assert post(first, f"/evaluations/{evaluation.id}/save",
                form({"status": "50", "assessment": "saved by the first"}, 1)).status_code == 302
    before = table_snapshot(Evaluation)
    response = post(second, f"/evaluations/{evaluation.id}/save",
                    form({"status": "75", "assessment": "typed by the second"}, 1))
    assert response.status_code == 409
    page = text(response)
    assert "based on version 1" in page and "the saved version is now 2" in page
    assert "typed by the second" in page and "saved by the first" in page
    assert 'name="version" value="2"' in page  # saving again keeps theirs, deliberately
    assert table_snapshot(Evaluation) == before
    response = post(second, f"/evaluations/{evaluation.id}/save",
                    form({"status": "75", "assessment": "typed by the second"}, 2))
    assert response.status_code == 302
    assert evaluation_of(s).answers["assessment"] == "typed by the second"


# --- autosave ---------------------------------------------------------------------------------


def autosave(client, evaluation_id: int, data: dict):  # noqa: ANN001, ANN201
    return post(client, f"/evaluations/{evaluation_id}/autosave", data,
                headers={"Accept": "application/json"})


def autosave_first(client, s, data: dict, rec=None):  # noqa: ANN001, ANN201
    return post(client, begin_url(s, rec=rec) + "/autosave", data,
                headers={"Accept": "application/json"})


def test_the_edit_page_loads_the_autosave_script_only_where_a_draft_can_change(app, s):
    evaluation = draft(s)
    page = text(signed_in(app, s.evaluator).get(f"/evaluations/{evaluation.id}"))
    assert f'data-autosave-url="/evaluations/{evaluation.id}/autosave"' in page
    assert '<script src="/static/autosave.js" defer></script>' in page
    assert 'id="autosave-status" role="status"' in page
    script = signed_in(app, s.evaluator).get("/static/autosave.js")
    assert script.status_code == 200 and "data-autosave-url" in script.get_data(as_text=True)
    script.close()
    # Before the first save, the first background save starts the evaluation.
    other = text(signed_in(app, s.evaluator).get(begin_url(s, rec=s.file.recommendations[1])))
    assert f'data-autosave-url="{begin_url(s, rec=s.file.recommendations[1])}/autosave"' in other
    # Not once sent for approval.
    evaluation.state = "awaiting_approval"
    db.session.commit()
    assert "autosave" not in text(signed_in(app, s.evaluator).get(f"/evaluations/{evaluation.id}"))
    app.config["MONITOR_AUTOSAVE_SECONDS"] = 0
    evaluation.state = "draft"
    db.session.commit()
    assert "autosave" not in text(signed_in(app, s.evaluator).get(f"/evaluations/{evaluation.id}"))


def test_autosave_saves_the_draft_like_the_button_and_returns_the_new_version(app, s):
    evaluation = draft(s, {"status": "25"})
    client = signed_in(app, s.evaluator)
    response = autosave(client, evaluation.id,
                        form({"status": "50", "assessment": "typed, not yet saved"}, 1))
    assert response.status_code == 200
    assert response.json["saved"] is True and response.json["version"] == 2
    assert response.json["message"].startswith("Draft saved automatically at ")
    saved = evaluation_of(s)
    assert saved.version == 2 and saved.answers["assessment"] == "typed, not yet saved"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "evaluation.saved", AuditEvent.object_id == evaluation.id)) == 1
    # The button then saves with the version the autosave returned: no conflict with itself.
    assert post(client, f"/evaluations/{evaluation.id}/save",
                form({"status": "75", "assessment": "final"}, 2)).status_code == 302
    assert evaluation_of(s).answers == {"status": "75", "assessment": "final"}


def test_the_first_autosave_starts_the_evaluation_and_the_page_goes_on_with_it(app, s):
    client = signed_in(app, s.evaluator)
    response = autosave_first(client, s, form({"assessment": "Typed first.", "status": "25"}, 0))
    assert response.status_code == 200 and response.json["saved"] is True
    evaluation = evaluation_of(s)
    assert evaluation.answers == {"assessment": "Typed first.", "status": "25"}
    assert response.json["version"] == evaluation.version == 1
    assert response.json["save_url"] == f"/evaluations/{evaluation.id}/save"
    assert response.json["autosave_url"] == f"/evaluations/{evaluation.id}/autosave"
    # A second "first" save (another tab still showing the empty page) starts nothing.
    before = table_snapshot(Evaluation, AuditEvent)
    again = autosave_first(client, s, form({"assessment": "From the other tab."}, 0))
    assert again.status_code == 409 and again.json["stop"] is True
    assert table_snapshot(Evaluation, AuditEvent) == before


def test_the_first_autosave_is_refused_for_a_file_not_monitored_or_another_organisation(app, s):
    before = row_counts()
    client = signed_in(app, s.evaluator)
    assert autosave_first(client, s, form({"status": "25"}, 0),
                          rec=s.unmonitored).status_code == 404
    assert autosave_first(signed_in(app, s.coordinator), s,
                          form({"status": "25"}, 0)).status_code == 403
    assert row_counts() == before


def test_autosave_refusals_say_why_in_json_and_change_nothing(app, s):
    evaluation = draft(s, {"status": "25", "assessment": "saved"})
    client = signed_in(app, s.evaluator)
    before = table_snapshot(Evaluation, AuditEvent)
    invalid = autosave(client, evaluation.id, form({"status": "60"}, 1))
    assert invalid.status_code == 422 and invalid.json["saved"] is False
    assert "some answers need your attention" in invalid.json["message"]
    assert invalid.json["stop"] is False  # it tries again after the next change
    stale = autosave(client, evaluation.id, form({"status": "50"}, 7))
    assert stale.status_code == 409 and stale.json["stop"] is True
    assert "someone else saved this evaluation" in stale.json["message"]
    no_token = client.post(f"/evaluations/{evaluation.id}/autosave", data=form({"status": "50"}, 1),
                           headers={"Accept": "application/json"})
    assert no_token.status_code == 400
    assert table_snapshot(Evaluation, AuditEvent) == before


def test_autosave_in_a_closed_period_says_so_and_stops(app, s):
    evaluation = draft(s)
    client = signed_in(app, s.evaluator)
    s.period.status = "closed"
    db.session.commit()
    before = table_snapshot(Evaluation)
    response = autosave(client, evaluation.id, form({"status": "50"}, 1))
    assert response.status_code == 409 and response.json["stop"] is True
    assert "is closed" in response.json["message"]
    assert table_snapshot(Evaluation) == before


def test_an_answers_form_left_open_too_long_comes_back_filled_in_and_saves_next_time(app, s):
    # The token of a page left open overnight has expired (here: a token that is not
    # valid): nothing is saved, but the typed answers come back with a fresh token.
    evaluation = draft(s, {"status": "25"})
    client = signed_in(app, s.evaluator)
    before = table_snapshot(Evaluation, AuditEvent)
    typed = form({"status": "75", "assessment": "Three hours of careful writing."}, 1)
    response = client.post(f"/evaluations/{evaluation.id}/save",
                           data=typed | {"csrf_token": "expired"})
    assert response.status_code == 400
    page = text(response)
    assert "This page had been open a long time, so nothing was saved." in page
    assert "Three hours of careful writing." in page and 'value="75" checked' in page
    assert table_snapshot(Evaluation, AuditEvent) == before
    response = client.post(f"/evaluations/{evaluation.id}/save",
                           data=typed | {"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert evaluation_of(s).answers["assessment"] == "Three hours of careful writing."


def test_autosave_gets_a_fresh_token_and_tries_again_when_its_token_expired(app, s):
    evaluation = draft(s)
    client = signed_in(app, s.evaluator)
    before = table_snapshot(Evaluation)
    expired = client.post(f"/evaluations/{evaluation.id}/autosave",
                          data=form({"status": "50"}, 1) | {"csrf_token": "expired"},
                          headers={"Accept": "application/json"})
    assert expired.status_code == 400 and expired.json["retry"] is True
    assert table_snapshot(Evaluation) == before
    again = client.post(f"/evaluations/{evaluation.id}/autosave",
                        data=form({"status": "50"}, 1) | {"csrf_token": expired.json["csrf_token"]},
                        headers={"Accept": "application/json"})
    assert again.status_code == 200 and again.json["saved"] is True
    assert again.json["csrf_token"]  # and a fresh one each time


def test_a_first_save_left_open_too_long_comes_back_filled_in(app, s):
    client = signed_in(app, s.evaluator)
    before = row_counts()
    response = client.post(begin_url(s), data=form({"assessment": "Not lost."}, 0)
                           | {"csrf_token": "expired"})
    assert response.status_code == 400
    page = text(response)
    assert "This page had been open a long time" in page and "Not lost." in page
    assert row_counts() == before


def test_an_expired_form_on_another_organisation_s_evaluation_is_still_a_404(app, s):
    evaluation = draft(s)
    outsider = signed_in(app, s.other_admin)
    for action in ("save", "autosave", "submit"):
        response = outsider.post(f"/evaluations/{evaluation.id}/{action}",
                                 data=form({"status": "50"}, 1) | {"csrf_token": "expired"})
        assert response.status_code == 404, action
    anonymous = app.test_client()
    response = anonymous.post(f"/evaluations/{evaluation.id}/save?lang=en", data={"csrf_token": "x"})
    assert response.status_code == 400 and "This form has expired" in text(response)


def test_autosave_of_another_organisation_s_evaluation_is_a_404(app, s):
    evaluation = draft(s)
    outsider = signed_in(app, s.other_admin)
    before = table_snapshot(Evaluation)
    assert autosave(outsider, evaluation.id, form({"status": "50"}, 1)).status_code == 404
    assert table_snapshot(Evaluation) == before


def test_a_form_without_version_is_refused(app, s):
    evaluation = draft(s)
    client = signed_in(app, s.evaluator)
    before = table_snapshot(Evaluation)
    response = post(client, f"/evaluations/{evaluation.id}/save", form({"status": "50"}))
    assert response.status_code == 409
    assert table_snapshot(Evaluation) == before


def test_a_double_click_on_submit_makes_exactly_one_revision(app, s):
    evaluation = draft(s, COMPLETE_ANSWERS)
    admin = signed_in(app, s.admin)
    data = form(COMPLETE_ANSWERS, evaluation.version)
    first = post(admin, f"/evaluations/{evaluation.id}/submit", data)
    second = post(admin, f"/evaluations/{evaluation.id}/submit", data)
    assert first.status_code == 302 and second.status_code == 302
    assert "already been submitted" in text(admin.get(second.headers["Location"]))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationRevision)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "evaluation.submitted")) == 1


def test_conflicting_saves_from_several_threads_lose_no_update(app, s):
    """Runs on SQLite and, under MONITOR_TEST_DATABASE_URL (CI), on PostgreSQL."""
    evaluation = draft(s, {"assessment": ""})
    evaluation_id = evaluation.id
    users = [s.evaluator.id, s.evaluator2.id, s.admin.id, s.evaluator.id]
    from monitor.models import User

    def first_round(index: int, barrier) -> str:  # noqa: ANN001
        ev = db.session.get(Evaluation, evaluation_id)
        version = ev.version
        barrier.wait()
        try:
            service.save(db.session, ev, {"assessment": f"writer {index}"},
                         expected_version=version, user=db.session.get(User, users[index]))
            db.session.commit()
            return "saved"
        except service.StaleVersion:
            db.session.rollback()
            return "stale"

    results = concurrently(app, 4, first_round)
    assert sorted(map(str, results)) == ["saved", "stale", "stale", "stale"], results
    db.session.expire_all()
    saved = db.session.get(Evaluation, evaluation_id)
    winner = results.index("saved")
    assert saved.version == 2 and saved.answers["assessment"] == f"writer {winner}"

    # Read-modify-write with retry on conflict: every writer's line ends up in the text.
    def appender(index: int, barrier) -> int:  # noqa: ANN001
        barrier.wait()
        for attempt in range(50):
            ev = db.session.get(Evaluation, evaluation_id)
            lines = ev.answers.get("assessment", "")
            try:
                service.save(db.session, ev, {"assessment": f"{lines}\nline {index}"},
                             expected_version=ev.version,
                             user=db.session.get(User, users[index]))
                db.session.commit()
                return attempt
            except service.StaleVersion:
                db.session.rollback()
                db.session.expire_all()
        raise AssertionError("never saved")

    results = concurrently(app, 4, appender)
    assert all(isinstance(r, int) for r in results), results
    db.session.expire_all()
    final = db.session.get(Evaluation, evaluation_id)
    assert sorted(re.findall(r"line \d", final.answers["assessment"])) == [
        "line 0", "line 1", "line 2", "line 3"]
    assert final.version == 2 + 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "evaluation.saved")) == 1 + 4


def test_concurrent_double_submission_makes_one_revision(app, s):
    evaluation = draft(s, COMPLETE_ANSWERS)
    evaluation_id = evaluation.id
    from monitor.models import User

    def submit(index: int, barrier) -> str:  # noqa: ANN001
        ev = db.session.get(Evaluation, evaluation_id)
        barrier.wait()
        try:
            service.submit(db.session, ev, None, expected_version=1,
                           user=db.session.get(User, s.admin.id))
            db.session.commit()
            return "submitted"
        except service.AlreadySubmitted:
            db.session.rollback()
            return "already"

    results = concurrently(app, 3, submit)
    assert sorted(results) == ["already", "already", "submitted"], results
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationRevision)) == 1


# --- scope: other organisations, files not monitored, closed periods -------------------------


def test_an_evaluation_of_another_organisation_is_404(app, s):
    evaluation = draft(s, {"status": "25"})
    other = signed_in(app, s.other_admin)
    before = row_counts()
    assert other.get(f"/evaluations/{evaluation.id}").status_code == 404
    response = post(other, f"/evaluations/{evaluation.id}/save", form({"status": "0"}, 1))
    assert response.status_code == 404
    assert post(other, f"/evaluations/{evaluation.id}/submit",
                form(COMPLETE_ANSWERS, 1)).status_code == 404
    assert row_counts() == before
    assert "25" not in text(other.get("/evaluations/")).split("Evaluations", 1)[0]


def test_a_file_the_organisation_does_not_monitor_cannot_be_evaluated(app, s):
    client = signed_in(app, s.evaluator)
    before = row_counts()
    assert client.get(begin_url(s, rec=s.unmonitored)).status_code == 404
    response = post(client, begin_url(s, rec=s.unmonitored), form({"status": "50"}))
    assert response.status_code == 404
    assert row_counts() == before


def test_a_declined_file_cannot_be_evaluated(app, s):
    choice = db.session.scalar(sa.select(FileChoice).where(FileChoice.organization_id == s.org.id))
    choice.choice = "declined"
    db.session.commit()
    client = signed_in(app, s.evaluator)
    assert client.get(begin_url(s)).status_code == 404


def test_a_closed_period_refuses_with_a_clear_message(app, s):
    evaluation = draft(s, COMPLETE_ANSWERS)
    s.period.status = "closed"
    db.session.commit()
    client = signed_in(app, s.admin)
    before = table_snapshot(Evaluation, EvaluationRevision)
    response = post(client, f"/evaluations/{evaluation.id}/submit",
                    form(COMPLETE_ANSWERS, evaluation.version))
    assert response.status_code == 409
    assert "The reporting period 2023 is closed" in text(response)
    assert table_snapshot(Evaluation, EvaluationRevision) == before
    assert s.rec.code not in text(client.get("/evaluations/"))  # no open period listed


def test_a_closed_plan_refuses_new_evaluations(app, s):
    s.plan.status = "closed"
    db.session.commit()
    client = signed_in(app, s.evaluator)
    before = row_counts()
    response = post(client, begin_url(s), form({"status": "50"}))
    assert response.status_code == 409 and "This plan is closed" in text(response)
    assert row_counts() == before


def test_a_late_submission_is_accepted_and_flagged(app, s):
    s.period.deadline = dt.datetime(2020, 1, 1)
    evaluation = draft(s, COMPLETE_ANSWERS)
    admin = signed_in(app, s.admin)
    response = post(admin, f"/evaluations/{evaluation.id}/submit",
                    form(COMPLETE_ANSWERS, evaluation.version))
    assert response.status_code == 302
    (revision,) = evaluation_of(s).revisions
    assert revision.late is True
    assert "marked late" in text(admin.get(response.headers["Location"]))


def test_an_evaluator_cannot_submit_to_the_coordinator(app, s):
    evaluation = draft(s, COMPLETE_ANSWERS)
    client = signed_in(app, s.evaluator)
    response = post(client, f"/evaluations/{evaluation.id}/submit", form(COMPLETE_ANSWERS, 1))
    assert response.status_code == 403
    assert evaluation_of(s).state == "draft"


def test_returning_needs_a_comment(app, s):
    evaluation = draft(s, COMPLETE_ANSWERS)
    service.send_for_approval(db.session, evaluation, COMPLETE_ANSWERS, expected_version=1,
                              user=s.evaluator)
    db.session.commit()
    admin = signed_in(app, s.admin)
    before = table_snapshot(Evaluation, EvaluationNote)
    response = post(admin, f"/evaluations/{evaluation.id}/return",
                    {"comment": "  ", "version": "2"})
    assert response.status_code == 422 and "Please write a comment" in text(response)
    assert table_snapshot(Evaluation, EvaluationNote) == before


def test_home_shows_the_state_of_each_evaluation_for_the_open_period(app, s):
    draft(s, {"status": "25"})
    client = signed_in(app, s.evaluator)
    page = text(client.get("/evaluations/"))
    assert "Draft" in page and "Not started" in page and s.plan.title_en in page
    page = text(client.get("/evaluations/?state=draft"))
    assert s.rec.code in page and s.file.recommendations[1].code not in page


def test_home_is_paginated_and_counts_every_row(app, s):
    draft(s, {"status": "25"})
    (block,) = overview.overview(db.session, s.org.id, page=2, per_page=2)
    assert (block.rows, block.pages) == (3, 2)
    assert [rec.code for fb in block.files for rec, _ev in fb.rows] == [
        s.file.recommendations[2].code]
    assert block.counts == {"draft": 1, None: 2}


# --- the previous period ---------------------------------------------------------------------


def test_a_new_periods_draft_can_start_from_last_periods_answers(app):
    s = make.setting(periods=("2022", "2023"))
    db.session.commit()
    earlier = s.plan.periods[0]
    service.record_submitted(db.session, organization=s.org, recommendation=s.rec,
                             period=earlier, answers=COMPLETE_ANSWERS, user=s.admin,
                             submitted_at=dt.datetime(2023, 7, 15, 9, 0))
    db.session.commit()
    client = signed_in(app, s.evaluator)
    page = text(client.get(begin_url(s)))
    assert "Start from last period's answers" in page
    response = post(client, f"{begin_url(s)}/copy-previous")
    assert response.status_code == 302
    evaluation = evaluation_of(s)
    assert evaluation.state == "draft" and evaluation.answers == COMPLETE_ANSWERS
    assert evaluation.counted is False
    # Once started, it cannot be copied again over the work.
    before = table_snapshot(Evaluation)
    response = post(client, f"{begin_url(s)}/copy-previous")
    assert response.status_code == 409
    assert table_snapshot(Evaluation) == before


def test_without_previous_answers_there_is_nothing_to_copy(app, s):
    client = signed_in(app, s.evaluator)
    assert "last period" not in text(client.get(begin_url(s)))
    before = row_counts()
    response = post(client, f"{begin_url(s)}/copy-previous")
    assert response.status_code == 404
    assert "no answers for this recommendation in the previous period" in text(response)
    assert row_counts() == before


# --- record_submitted (historical data, the demo) --------------------------------------------


def test_record_submitted_goes_through_the_submission_path_without_the_period_check(app, s):
    s.period.status = "closed"
    s.period.deadline = dt.datetime(2020, 1, 1)
    db.session.commit()
    when = dt.datetime(2024, 2, 1, 10, 30)
    evaluation = service.record_submitted(db.session, organization=s.org, recommendation=s.rec,
                                          period=s.period, answers=COMPLETE_ANSWERS | {
                                              "status": 75}, user=s.admin, submitted_at=when)
    db.session.commit()
    assert (evaluation.state, evaluation.counted, evaluation.status_score) == ("submitted",
                                                                            True, 75)
    (revision,) = evaluation.revisions
    assert revision.late is False and revision.submitted_at == when
    assert service.verify(revision)
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "evaluation.submitted")).after["revision"] == 1
    with pytest.raises(service.InvalidAnswers):
        service.record_submitted(db.session, organization=s.org,
                                 recommendation=s.file.recommendations[1], period=s.period,
                                 answers={"status": "50"}, user=None)
    db.session.rollback()
    with pytest.raises(service.NotFound):
        service.record_submitted(db.session, organization=s.org, recommendation=s.unmonitored,
                                 period=s.period, answers=COMPLETE_ANSWERS, user=None)


def test_no_information_is_kept_and_excluded_from_the_score(app, s):
    evaluation = service.record_submitted(
        db.session, organization=s.org, recommendation=s.rec, period=s.period,
        answers=COMPLETE_ANSWERS | {"status": "no_information"}, user=s.admin)
    db.session.commit()
    assert evaluation.counted and evaluation.status_score is None
    assert evaluation.answers["status"] == "no_information"


def test_the_receipt_changes_with_the_content(app, s):
    evaluation = service.record_submitted(db.session, organization=s.org, recommendation=s.rec,
                                          period=s.period, answers=COMPLETE_ANSWERS, user=None)
    db.session.commit()
    (revision,) = evaluation.revisions
    assert re.fullmatch(r"[0-9a-f]{64}", revision.content_hash)
    revision.answers = dict(revision.answers) | {"status": "100"}
    assert not service.verify(revision)


# --- offline data ----------------------------------------------------------------------------


def _xlsx(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_administrator_imports_answers_and_they_round_trip(app, s):
    recs = s.file.recommendations
    header = ["recommendation", "status", "confidence", "assessment", "information_date"]
    data = _xlsx([header, [recs[0].code, "50", "high", "نص عربي", "2023-05-01"],
                  [recs[1].code, "no_information", "low", "Nothing known", None]])
    admin = signed_in(app, s.admin)
    response = post(admin, f"/evaluations/offline/{s.period.id}",
                    {"file": (io.BytesIO(data), "answers.xlsx")},
                    content_type="multipart/form-data")
    assert response.status_code == 302, text(response)[:3000]
    evaluations = db.session.scalars(sa.select(Evaluation).order_by(Evaluation.id)).all()
    assert [e.state for e in evaluations] == ["draft", "draft"]
    assert evaluations[0].answers == {"status": "50", "confidence": "high",
                                      "assessment": "نص عربي",
                                      "information_date": "2023-05-01"}
    exported = admin.get(f"/evaluations/offline/{s.period.id}/answers.xlsx")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(exported.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "recommendation" and "next_steps" in rows[0]
    assert [r[0] for r in rows[1:]] == [r.code for r in recs]  # every monitored rec
    # Re-importing the export changes nothing but the versions.
    answers_before = [dict(e.answers) for e in evaluations]
    response = post(admin, f"/evaluations/offline/{s.period.id}",
                    {"file": (io.BytesIO(exported.data), "export.xlsx")},
                    content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    assert [dict(e.answers) for e in db.session.scalars(
        sa.select(Evaluation).order_by(Evaluation.id))] == answers_before
    csv_export = admin.get(f"/evaluations/offline/{s.period.id}/answers.csv")
    assert csv_export.data.startswith(b"\xef\xbb\xbf") and "نص عربي" in csv_export.data.decode()


def test_an_import_with_errors_imports_nothing_and_reports_every_row(app, s):
    recs = s.file.recommendations
    data = ("recommendation,status,confidence,information_date\n"
            f"{recs[0].code},50,high,2023-01-01\n"
            f"{recs[1].code},60,high,\n"
            f"{s.unmonitored.code},50,high,\n"
            "999.9,50,high,\n"
            f"{recs[2].code},25,sure,2999-01-01\n"
            f"{recs[0].code},25,low,\n").encode()
    admin = signed_in(app, s.admin)
    before = row_counts()
    response = post(admin, f"/evaluations/offline/{s.period.id}",
                    {"file": (io.BytesIO(data), "answers.csv"), "lang": "en"},
                    content_type="multipart/form-data")
    assert response.status_code == 422
    page = text(response)
    assert "nothing was imported" in page
    assert "Row 3: “60” is not one of the choices" in page
    assert "Row 4: your organisation does not monitor the file" in page
    assert "Row 5: there is no recommendation 999.9 in this plan." in page
    assert "Row 6: “sure” is not one of the choices" in page
    assert "cannot be in the future" in page
    assert "Row 7: recommendation" in page and "already appears in row 2" in page
    assert row_counts() == before


def test_an_import_refuses_unknown_columns(app, s):
    admin = signed_in(app, s.admin)
    before = row_counts()
    response = post(admin, f"/evaluations/offline/{s.period.id}",
                    {"file": (io.BytesIO(b"recommendation,stauts\n139.1,50\n"), "a.csv")},
                    content_type="multipart/form-data")
    assert response.status_code == 422
    assert "“stauts” is not a question of this plan's questionnaire." in text(response)
    assert row_counts() == before


def test_an_import_may_submit_every_row_to_the_coordinator(app, s):
    rec = s.file.recommendations[0]
    data = (f"recommendation,status,confidence,assessment\n{rec.code},75,high,Done\n").encode()
    admin = signed_in(app, s.admin)
    response = post(admin, f"/evaluations/offline/{s.period.id}",
                    {"file": (io.BytesIO(data), "a.csv"), "submit_all": "y"},
                    content_type="multipart/form-data")
    assert response.status_code == 302
    evaluation = evaluation_of(s)
    assert evaluation.state == "submitted" and evaluation.status_score == 75
    assert len(evaluation.revisions) == 1


def test_an_evaluator_cannot_import(app, s):
    client = signed_in(app, s.evaluator)
    assert client.get(f"/evaluations/offline/{s.period.id}").status_code == 403


def test_the_cli_imports_and_exports_answers(app, runner, s, tmp_path):
    recs = s.file.recommendations
    path = tmp_path / "answers.csv"
    path.write_text("recommendation,status,confidence,assessment\n"
                    f"{recs[0].code},25,low,First\n{recs[1].code},100,high,Second\n",
                    encoding="utf-8")
    args = ["evaluations", "import", "--org", s.org.email.upper(), "--plan", s.plan.slug,
            "--period", "2023"]
    result = runner.invoke(args=[*args, str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 row(s): 2 created" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 2

    out = tmp_path / "out.csv"
    result = runner.invoke(args=["evaluations", "export", "--org", s.org.email, "--plan",
                                 s.plan.slug, "--period", "2023", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "First" in out.read_text(encoding="utf-8-sig")

    bad = tmp_path / "bad.csv"
    bad.write_text(f"recommendation,status\n{recs[2].code},33\n", encoding="utf-8")
    before = row_counts()
    result = runner.invoke(args=[*args, str(bad)])
    assert result.exit_code != 0
    assert "row 2 [status]" in result.output and "nothing was imported" in result.output
    assert row_counts() == before


def test_the_cli_imports_historical_data_into_a_closed_period(app, runner, s, tmp_path):
    s.period.status = "closed"
    db.session.commit()
    path = tmp_path / "answers.csv"
    path.write_text("recommendation,status,confidence,assessment\n"
                    f"{s.rec.code},50,low,Old data\n", encoding="utf-8")
    args = ["evaluations", "import", "--org", s.org.email, "--plan", s.plan.slug,
            "--period", "2023", str(path)]
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "is closed" in result.output
    result = runner.invoke(args=[*args[:-1], "--historical", str(path)])
    assert result.exit_code == 0, result.output
    evaluation = evaluation_of(s)
    assert evaluation.counted and evaluation.status_score == 50
    assert evaluation.revisions[0].late is False


# --- switching language on a page that answered a form ---------------------------------------

def lang_link(page: str, lang: str) -> str:
    """Where the language switcher's link to `lang` leads."""
    return re.search(rf'<a lang="{lang}" hreflang="{lang}" href="([^"]+)"',
                     page).group(1).replace("&amp;", "&")


def test_switching_language_after_a_refused_send_leads_to_a_page_that_opens(app, s):
    """The page that answered "Send for approval" with errors cannot be fetched again: the
    switcher leads to the evaluation's own page, and marks the typed answers unsaved, so
    that the autosave keeps them before the switch."""
    evaluation = draft(s, {"status": "25"})
    client = signed_in(app, s.evaluator)
    response = post(client, f"/evaluations/{evaluation.id}/send",
                    form({"status": "50", "assessment": "typed, not yet saved"}, 1))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    link = lang_link(page, "ar")
    assert link == f"/evaluations/{evaluation.id}?lang=ar"
    assert client.get(link).status_code == 200
    assert "data-unsaved" in page and "typed, not yet saved" in page
    # A page fetched with GET keeps its own address and query in the switcher.
    page = client.get(f"/evaluations/{evaluation.id}?done=saved").get_data(as_text=True)
    assert lang_link(page, "en") == f"/evaluations/{evaluation.id}?done=saved&lang=en"
    assert "data-unsaved" not in page
