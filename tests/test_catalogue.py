"""Managing the catalogue: plans, reporting periods, recommendation files and
recommendations; bulk assignment, moving, retiring, closing, and the translation sheet."""
from __future__ import annotations

import datetime as dt
import io
import re

import factories as make
import openpyxl
import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from support import login, post_form, row_counts, table_snapshot

from monitor.extensions import db
from monitor.models import (
    AuditEvent,
    Evaluation,
    Plan,
    Recommendation,
    RecommendationFile,
    ReportingPeriod,
)
from monitor.services.catalogue import records as service
from monitor.services.catalogue.records import CatalogueError, RecommendationFilter


@pytest.fixture(autouse=True)
def english(app):  # noqa: ANN001, ANN201
    with force_locale("en"):
        yield


def sign_in(client, user) -> None:  # noqa: ANN001
    login(client, user.email)
    client.set_cookie("monitor_lang", "en", domain="localhost")


def page_of(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def follow(client, response) -> str:  # noqa: ANN001
    assert response.status_code == 302, page_of(response)[:3000]
    return page_of(client.get(response.headers["Location"]))


def gone(model, obj_id: int) -> bool:  # noqa: ANN001
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(
        model.id == obj_id)) == 0


def recommendation(plan: Plan, code: str) -> Recommendation:
    db.session.expire_all()
    return db.session.scalar(sa.select(Recommendation).where(
        Recommendation.plan_id == plan.id, Recommendation.code == code))


PLAN_FORM = {"slug": "national-plan-2021", "title_en": "National plan 2021",
             "title_ar": "الخطة الوطنية", "title_ckb": "", "description_en": "",
             "description_ar": "", "description_ckb": "", "starts_on": "2021-01-01",
             "ends_on": "2025-12-31", "status": "draft"}


# --- plans -----------------------------------------------------------------------------------


def test_a_coordinator_creates_a_plan_for_its_own_body_only(client):
    own, other = make.body(), make.body()
    user = make.coordinator(own)
    db.session.commit()
    sign_in(client, user)
    page = page_of(client.get("/plans/new"))
    assert f'value="{other.id}"' not in page  # no other body to choose

    before = row_counts()
    response = post_form(client, "/plans/new", PLAN_FORM | {"body_id": str(other.id)})
    assert response.status_code == 422 and "Not a valid choice" in page_of(response)
    assert row_counts() == before

    page = follow(client, post_form(client, "/plans/new", PLAN_FORM | {"body_id": str(own.id)}))
    assert "The plan was created." in page and "National plan 2021" in page
    plan = db.session.scalar(sa.select(Plan).where(Plan.slug == "national-plan-2021"))
    assert plan.body_id == own.id and plan.status == "draft"
    assert plan.starts_on == dt.date(2021, 1, 1)
    assert "This plan is a draft" in page
    assert db.session.scalar(sa.select(AuditEvent.actor_id).where(
        AuditEvent.action == "plan.created")) == user.id


def test_a_coordinator_without_body_chooses_the_body(client):
    first, second = make.body(), make.body()
    user = make.coordinator(None)
    db.session.commit()
    sign_in(client, user)
    page = page_of(client.get("/plans/new"))
    assert f'value="{first.id}"' in page and f'value="{second.id}"' in page
    follow(client, post_form(client, "/plans/new", PLAN_FORM | {"body_id": str(second.id)}))
    assert db.session.scalar(sa.select(Plan.body_id)) == second.id


BAD_PLANS = [
    ({"slug": "Bad Slug!"}, "lower-case Latin letters"),
    ({"slug": "new"}, "must not be “new”"),
    ({"slug": "taken"}, "Another plan already uses the short name taken."),
    ({"title_en": "", "title_ar": ""}, "Give a title in at least one language."),
    ({"ends_on": "2020-01-01"}, "The end date is before the start date."),
]


def test_a_bad_plan_is_refused_with_a_message_and_nothing_changes(client):
    body = make.body()
    make.plan(body, slug="taken")
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    before = row_counts()
    for changes, message in BAD_PLANS:
        response = post_form(client, "/plans/new",
                             PLAN_FORM | {"body_id": str(body.id)} | changes)
        assert response.status_code == 422, changes
        assert message in page_of(response), changes
    assert row_counts() == before


def test_closing_a_plan_stops_submissions_and_says_so_on_its_pages(client):
    body = make.body()
    plan = make.plan(body, slug="p")
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    form = {k: getattr(plan, k) or "" for k in PLAN_FORM if k not in ("starts_on", "ends_on")}
    page = follow(client, post_form(client, "/plans/p/edit", form | {"status": "closed"}))
    db.session.expire_all()
    assert plan.status == "closed" and not plan.is_open
    assert not plan.periods[0].accepts_submissions
    notice = "This plan is closed: no new submissions are accepted."
    assert notice in page
    for url in ("/plans/p/recommendations", "/plans/p/import", "/plans/p/translations",
                f"/plans/p/files/{plan.files[0].id}/edit", "/plans/"):
        assert notice in page_of(client.get(url)), url
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "plan.status_changed"))
    assert event.before == {"status": "open"} and event.after == {"status": "closed"}


# --- reporting periods -----------------------------------------------------------------------


def test_a_coordinator_adds_a_period_with_a_deadline_in_baghdad_time(client):
    body = make.body()
    plan = make.plan(body, slug="p", periods=())
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    follow(client, post_form(client, "/plans/p/periods/new", {
        "label": "2024", "starts_on": "2024-01-01", "ends_on": "2024-12-31",
        "deadline": "٢٠٢٥-03-31T23:59", "status": "open"}))
    period = db.session.scalar(sa.select(ReportingPeriod))
    assert period.deadline == dt.datetime(2025, 3, 31, 20, 59)  # stored in UTC
    page = page_of(client.get(f"/plans/p/periods/{period.id}/edit"))
    assert 'value="2025-03-31T23:59"' in page

    before = row_counts()
    response = post_form(client, "/plans/p/periods/new", {
        "label": "2024", "starts_on": "2024-01-01", "ends_on": "2024-12-31", "status": "open"})
    assert response.status_code == 422
    assert "This plan already has a period labelled 2024." in page_of(response)
    response = post_form(client, "/plans/p/periods/new", {
        "label": "2025", "starts_on": "2025-06-01", "ends_on": "2025-01-01", "status": "open"})
    assert "The end date is before the start date." in page_of(response)
    assert row_counts() == before
    assert plan.periods


def test_closing_a_period_says_so_and_stops_its_submissions(client):
    body = make.body()
    plan = make.plan(body, slug="p", periods=("2023", "2024"))
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    period = plan.periods[0]
    follow(client, post_form(client, f"/plans/p/periods/{period.id}/edit", {
        "label": "2023", "starts_on": "2023-01-01", "ends_on": "2023-12-31",
        "deadline": "", "status": "closed"}))
    db.session.expire_all()
    assert not period.accepts_submissions and plan.periods[1].accepts_submissions
    # A past period closed is the normal course: the plan page's table says so, and no
    # page repeats a notice about it on every visit.
    plan_page = page_of(client.get("/plans/p"))
    assert "Closed" in plan_page.split(">2023<")[1].split("</tr>")[0]
    for url in ("/plans/p", "/plans/p/recommendations", "/plans/p/import"):
        assert "is closed" not in page_of(client.get(url)), url
    # With no period open at all, one notice says so.
    plan.periods[1].status = "closed"
    db.session.commit()
    notice = "No reporting period of this plan is open: no submissions are accepted until one"
    for url in ("/plans/p", "/plans/p/recommendations", "/plans/p/import"):
        assert page_of(client.get(url)).count(notice) == 1, url


def test_a_period_with_evaluations_cannot_be_deleted(client):
    body = make.body()
    plan = make.plan(body, slug="p", periods=("2023", "2024"))
    org = make.organization()
    used, unused = plan.periods
    db.session.add(Evaluation(organization_id=org.id, recommendation_id=plan.files[0]
                              .recommendations[0].id, period_id=used.id))
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    before = row_counts()
    page = follow(client, post_form(client, f"/plans/p/periods/{used.id}/delete", {},
                                    page=f"/plans/p/periods/{used.id}/edit"))
    assert "cannot be deleted" in page and "Close it instead." in page
    assert row_counts() == before
    follow(client, post_form(client, f"/plans/p/periods/{unused.id}/delete", {},
                             page=f"/plans/p/periods/{unused.id}/edit"))
    assert gone(ReportingPeriod, unused.id)


# --- recommendation files --------------------------------------------------------------------


def test_a_coordinator_adds_and_edits_a_recommendation_file(client):
    body = make.body()
    plan = make.plan(body, slug="p", files=1)
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    fields = {"title_en": "Women's rights", "title_ar": "", "title_ckb": "",
              "description_en": "", "description_ar": "", "description_ckb": "",
              "position": "٣"}
    page = follow(client, post_form(client, "/plans/p/files/new", fields))
    rf = db.session.scalar(sa.select(RecommendationFile).where(
        RecommendationFile.title_en == "Women's rights"))
    assert rf.position == 3 and rf.plan_id == plan.id
    assert "Missing:" in page  # the new file has no Arabic or Sorani title

    before = row_counts()
    response = post_form(client, "/plans/p/files/new",
                         fields | {"title_en": "", "title_ar": "الملف 1"})
    assert response.status_code == 422
    assert "Another recommendation file of this plan already has this title" in page_of(response)
    assert row_counts() == before

    follow(client, post_form(client, f"/plans/p/files/{rf.id}/edit",
                             fields | {"title_ar": "حقوق المرأة", "title_ckb": "مافی ئافرەتان"}))
    db.session.expire_all()
    assert rf.title_ar == "حقوق المرأة"
    assert "Missing:" not in page_of(client.get(f"/plans/p/files/{rf.id}/edit"))


def test_retiring_a_file_hides_it_from_new_work_and_keeps_its_recommendations(client):
    body = make.body()
    plan = make.plan(body, slug="p")
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    first, second = plan.files
    kept = [r.id for r in first.recommendations]
    page = follow(client, post_form(client, f"/plans/p/files/{first.id}/retire", {},
                                    page="/plans/p"))
    assert "The recommendation file was retired" in page
    db.session.expire_all()
    assert first.retired_at is not None
    assert [r.id for r in first.recommendations] == kept
    assert "File 1" not in page_of(client.get("/plans/"))  # hidden from the home page
    # no new assignment to a retired file
    with pytest.raises(CatalogueError, match="is retired"):
        service.assign_to_file(db.session, plan, [second.recommendations[0].id], first)
    db.session.rollback()
    # it cannot be deleted while it holds recommendations
    before = row_counts()
    page = follow(client, post_form(client, f"/plans/p/files/{first.id}/delete", {},
                                    page="/plans/p"))
    assert "cannot be deleted" in page and "Retire it instead." in page
    assert row_counts() == before
    follow(client, post_form(client, f"/plans/p/files/{first.id}/restore", {}, page="/plans/p"))
    db.session.expire_all()
    assert first.retired_at is None


def test_an_empty_unused_file_can_be_deleted(client):
    body = make.body()
    plan = make.plan(body, slug="p", files=0)
    rf = service.create_file(db.session, plan, title_en="Mistake")
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    page = follow(client, post_form(client, f"/plans/p/files/{rf.id}/delete", {},
                                    page=f"/plans/p/files/{rf.id}/edit"))
    assert "The recommendation file was deleted." in page
    assert gone(RecommendationFile, rf.id)


# --- recommendations -------------------------------------------------------------------------

REC_FORM = {"code": "127.27.1", "text_en": "Accede to the Rome Statute", "text_ar": "",
            "text_ckb": "", "recommending_states": "Slovenia", "response": "noted",
            "cycle": "2", "upr_session": "20", "document": "A/HRC/28/14",
            "themes": "Justice; International instruments", "responsible_bodies": "MoJ",
            "file_id": ""}


def test_a_coordinator_adds_and_edits_a_recommendation(client):
    body = make.body()
    plan = make.plan(body, slug="p", files=1)
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    page = follow(client, post_form(client, "/plans/p/recommendations/new", REC_FORM))
    assert "The recommendation was saved." in page
    rec = recommendation(plan, "127.27.1")
    assert rec.sort_key == "00127.00027.00001" and rec.session == "20"
    assert rec.themes == "Justice; International instruments" and rec.file_id is None
    assert rec.match_key == service.compute_match_key("Accede to the Rome Statute", "Slovenia")

    file_id = str(plan.files[0].id)
    follow(client, post_form(client, f"/plans/p/recommendations/{rec.id}/edit",
                             REC_FORM | {"text_ar": "الانضمام إلى نظام روما", "response": "",
                                         "file_id": file_id}))
    rec = recommendation(plan, "127.27.1")
    assert rec.text_ar == "الانضمام إلى نظام روما" and rec.response is None
    assert rec.file_id == plan.files[0].id
    page = page_of(client.get("/plans/p/recommendations?response=unknown"))
    assert "Response unknown" in page and "127.27.1" in page


BAD_RECOMMENDATIONS = [
    ({"code": "139.1"}, "Another recommendation of this plan already has the code 139.1."),
    ({"code": "12-7"}, "is not a paragraph number"),
    ({"text_en": "ratify the  CAT.", "recommending_states": "chile"},
     "Another recommendation of this plan (127.1) has the same English text and recommending "
     "State."),
    ({"text_en": "", "text_ar": "", "text_ckb": ""}, "in at least one language"),
    ({"recommending_states": ""}, "This field is required."),
    ({"document": "A" * 61}, "Field cannot be longer than 60 characters."),
]


def test_a_bad_recommendation_is_refused_and_nothing_changes(client):
    body = make.body()
    plan = make.plan(body, slug="p")
    service.create_recommendation(db.session, plan, code="127.1", text_en="Ratify the CAT",
                                  recommending_states="Chile")
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    before = table_snapshot(Recommendation)
    for changes, message in BAD_RECOMMENDATIONS:
        response = post_form(client, "/plans/p/recommendations/new", REC_FORM | changes)
        assert response.status_code == 422, changes
        assert message in page_of(response), changes
    assert table_snapshot(Recommendation) == before


def _catalogue_for_filters(plan: Plan) -> None:
    rows = [("127.1", "Abolish the death penalty", "Chile", "noted", "Death penalty"),
            ("127.2", "Protect journalists", "France", "supported", "Freedom of the press"),
            ("127.10", "Ratify CAT", "Chile; Peru", "supported", "Torture; Treaties"),
            ("127.11", "Protect human rights defenders", "Norway", None, "Human rights defenders")]
    for code, text, state, response, themes in rows:
        service.create_recommendation(db.session, plan, code=code, text_en=text,
                                      recommending_states=state, response=response,
                                      themes=themes)


FILTERS = [
    (RecommendationFilter(), ["127.1", "127.2", "127.10", "127.11"]),
    (RecommendationFilter(theme="torture"), ["127.10"]),
    (RecommendationFilter(theme="Treaties"), ["127.10"]),
    (RecommendationFilter(theme="Tortur"), []),
    (RecommendationFilter(state="chile"), ["127.1", "127.10"]),
    (RecommendationFilter(state="Chil"), []),
    (RecommendationFilter(state="Chile; Peru"), ["127.10"]),
    (RecommendationFilter(state="Norway"), ["127.11"]),
    (RecommendationFilter(response="supported"), ["127.2", "127.10"]),
    (RecommendationFilter(response="unknown"), ["127.11"]),
    (RecommendationFilter(words="protect JOURNALISTS"), ["127.2"]),
    (RecommendationFilter(words="100%_"), []),
    (RecommendationFilter(file="none", state="Chile"), ["127.1", "127.10"]),
    (RecommendationFilter(status="retired"), []),
]


def test_recommendations_are_filtered_for_bulk_assignment(app):
    plan = make.plan(files=0)
    _catalogue_for_filters(plan)
    for criteria, expected in FILTERS:
        found = db.session.scalars(service.filter_recommendations(plan, criteria)).all()
        assert [r.code for r in found] == expected, criteria


def test_bulk_assignment_of_a_selection_without_javascript(client):
    body = make.body()
    plan = make.plan(body, slug="p", files=0)
    _catalogue_for_filters(plan)
    target = service.create_file(db.session, plan, title_en="Civic space")
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    page = page_of(client.get("/plans/p/recommendations?file=none&q=protect"))
    assert "2 recommendations match." in page
    ids = [recommendation(plan, c).id for c in ("127.2", "127.11")]
    assert all(f'name="rec" value="{i}"' in page for i in ids)

    response = post_form(client, "/plans/p/recommendations/assign",
                         {"rec": [str(i) for i in ids], "target": str(target.id),
                          "scope": "selected", "file": "none", "q": "protect"},
                         page="/plans/p/recommendations")
    assert response.headers["Location"].endswith("/plans/p/recommendations?q=protect&file=none")
    assert "2 recommendations were assigned." in follow(client, response)
    assert [r.file_id for r in (recommendation(plan, "127.2"), recommendation(plan, "127.11"))] \
        == [target.id, target.id]
    assert recommendation(plan, "127.1").file_id is None
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "recommendation.assigned"))
    assert sorted(event.after["recommendations"]) == sorted(ids)


def test_bulk_assignment_of_everything_matching_the_filter(client):
    body = make.body()
    plan = make.plan(body, slug="p", files=0)
    _catalogue_for_filters(plan)
    target = service.create_file(db.session, plan, title_en="Chile's recommendations")
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    follow(client, post_form(client, "/plans/p/recommendations/assign",
                             {"target": str(target.id), "scope": "all", "state": "Chile"},
                             page="/plans/p/recommendations"))
    assert {r.code for r in target.recommendations} == {"127.1", "127.10"}
    # and taking them out of any file again
    follow(client, post_form(client, "/plans/p/recommendations/assign",
                             {"target": "", "scope": "all", "file": str(target.id)},
                             page="/plans/p/recommendations"))
    db.session.expire_all()
    assert target.recommendations == []


def test_bulk_assignment_refuses_foreign_recommendations_and_changes_nothing(client):
    body = make.body()
    plan = make.plan(body, slug="p")
    other = make.plan(body)
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    mine = plan.files[0].recommendations[0].id
    theirs = other.files[0].recommendations[0].id
    before = table_snapshot(Recommendation)
    page = follow(client, post_form(client, "/plans/p/recommendations/assign",
                                    {"rec": [str(mine), str(theirs)],
                                     "target": str(plan.files[1].id), "scope": "selected"},
                                    page="/plans/p/recommendations"))
    assert "Some selected recommendations do not belong to this plan." in page
    page = follow(client, post_form(client, "/plans/p/recommendations/assign",
                                    {"target": str(plan.files[1].id), "scope": "selected"},
                                    page="/plans/p/recommendations"))
    assert "Select at least one recommendation." in page
    page = follow(client, post_form(client, "/plans/p/recommendations/assign",
                                    {"rec": [str(mine)], "target": str(other.files[0].id)},
                                    page="/plans/p/recommendations"))
    assert "Choose the file" in page
    assert table_snapshot(Recommendation) == before


def test_moving_a_recommendation_to_another_file_keeps_its_evaluations(client):
    body = make.body()
    plan = make.plan(body, slug="p")
    org = make.organization()
    rec = plan.files[0].recommendations[0]
    evaluation = Evaluation(organization_id=org.id, recommendation_id=rec.id,
                            period_id=plan.periods[0].id, state="submitted", counted=True,
                            status_score=50)
    db.session.add(evaluation)
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    form = {k: getattr(rec, k) or "" for k in REC_FORM if k not in ("upr_session", "file_id")}
    follow(client, post_form(client, f"/plans/p/recommendations/{rec.id}/edit",
                             form | {"upr_session": "", "file_id": str(plan.files[1].id)}))
    db.session.expire_all()
    assert rec.file_id == plan.files[1].id
    assert evaluation.recommendation_id == rec.id and evaluation.status_score == 50
    assert [e.id for e in db.session.scalars(sa.select(Evaluation).join(Recommendation).where(
        Recommendation.file_id == plan.files[1].id))] == [evaluation.id]
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "recommendation.moved"))
    assert event.before == {"file_id": plan.files[0].id}
    assert event.after == {"file_id": plan.files[1].id}


def test_a_recommendation_with_evaluations_is_retired_not_deleted(client):
    body = make.body()
    plan = make.plan(body, slug="p")
    org = make.organization()
    rec, spare = plan.files[0].recommendations[:2]
    db.session.add(Evaluation(organization_id=org.id, recommendation_id=rec.id,
                              period_id=plan.periods[0].id))
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    edit = f"/plans/p/recommendations/{rec.id}/edit"
    before = row_counts()
    page = follow(client, post_form(client, f"/plans/p/recommendations/{rec.id}/delete", {},
                                    page=edit))
    assert "cannot be deleted: evaluations or official figures refer to it" in page
    assert row_counts() == before

    page = follow(client, post_form(client, f"/plans/p/recommendations/{rec.id}/retire", {},
                                    page=edit))
    assert "The recommendation was retired" in page
    assert rec.code not in re.findall(r'class="code">([^<]+)<', page)  # hidden from the list
    retired = page_of(client.get("/plans/p/recommendations?status=retired"))
    assert re.findall(r'class="code">([^<]+)<', retired) == [rec.code]
    assert "This recommendation is retired" in page_of(client.get(edit))
    assert recommendation(plan, rec.code).retired_at is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 1

    follow(client, post_form(client, f"/plans/p/recommendations/{rec.id}/restore", {},
                             page=edit))
    assert recommendation(plan, rec.code).retired_at is None
    # one that nothing refers to can be deleted
    follow(client, post_form(client, f"/plans/p/recommendations/{spare.id}/delete", {},
                             page=f"/plans/p/recommendations/{spare.id}/edit"))
    assert gone(Recommendation, spare.id)


def test_the_list_shows_missing_languages_and_is_paginated(client):
    body = make.body()
    plan = make.plan(body, slug="p", files=0)
    for n in range(1, 56):
        service.create_recommendation(db.session, plan, code=f"127.{n}", text_en=f"Text {n}",
                                      text_ar="نص" if n > 1 else None,
                                      recommending_states="Chile", response="supported")
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    response = client.get("/plans/p/recommendations")
    page = page_of(response)
    assert len(response.data) < 60_000
    assert "55 recommendations match." in page and "Page 1 of 2" in page
    assert page.count("Missing:") == 50
    assert "127.50" in page and "127.51" not in page
    assert "127.51" in page_of(client.get("/plans/p/recommendations?page=2"))
    first_row = next(row for row in page.split("<tr>") if ">127.1<" in row)
    assert "العربية" in first_row.split("</tr>")[0]  # 127.1 lacks Arabic as well
    plan_page = page_of(client.get("/plans/p"))
    assert "55 recommendations are not yet in a file" in plan_page


# --- translations ----------------------------------------------------------------------------


def test_the_translation_sheet_round_trip_changes_only_the_translated_texts(client):
    body = make.body()
    plan = make.plan(body, slug="p", files=0)
    first = service.create_recommendation(db.session, plan, code="127.1", text_en="Ratify CAT",
                                          recommending_states="Chile", response="noted")
    second = service.create_recommendation(db.session, plan, text_en="Protect journalists",
                                           text_ar="حماية الصحفيين",
                                           recommending_states="France", response="supported")
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    page = page_of(client.get("/plans/p/translations"))
    assert 'id="missing-ar">1<' in page and 'id="missing-ckb">2<' in page
    response = client.get("/plans/p/translations.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["code", "English", "Arabic", "Sorani", "id"]
    rows = {row[4].value: row for row in sheet.iter_rows(min_row=2)}
    rows[first.id][2].value = "صادِق على اتفاقية مناهضة التعذيب"
    rows[first.id][3].value = "پەسەندکردنی ڕێککەوتننامە"
    rows[first.id][1].value = "Changed English is ignored"
    rows[second.id][2].value = None  # an empty cell keeps the Arabic text
    rows[second.id][3].value = "=پاراستنی ڕۆژنامەنووسان"
    buffer = io.BytesIO()
    sheet.parent.save(buffer)

    before = table_snapshot(Plan, RecommendationFile)
    url = "/plans/p/translations"
    response = post_form(client, url, {"upload": (io.BytesIO(buffer.getvalue()), "t.xlsx")},
                         content_type="multipart/form-data")
    assert "Translations saved for 2 recommendations." in follow(client, response)
    db.session.expire_all()
    assert first.text_ar == "صادِق على اتفاقية مناهضة التعذيب"
    assert first.text_ckb == "پەسەندکردنی ڕێککەوتننامە" and first.text_en == "Ratify CAT"
    assert second.text_ar == "حماية الصحفيين"
    assert second.text_ckb == "=پاراستنی ڕۆژنامەنووسان"  # kept as text
    assert first.recommending_states == "Chile" and first.response == "noted"
    assert table_snapshot(Plan, RecommendationFile) == before

    again = client.get("/plans/p/translations.xlsx?missing=1")
    assert openpyxl.load_workbook(io.BytesIO(again.data)).worksheets[0].max_row == 1


def test_a_translation_sheet_with_an_unknown_code_changes_nothing(client):
    body = make.body()
    make.plan(body, slug="p")
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["code", "English", "Arabic", "Sorani"])
    sheet.append(["139.1", "x", "نص جديد", ""])
    sheet.append(["127.999", "x", "نص", ""])
    sheet.append(["139.1", "x", "مكرر", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = table_snapshot(Recommendation)
    response = post_form(client, "/plans/p/translations",
                         {"upload": (io.BytesIO(buffer.getvalue()), "t.xlsx")},
                         content_type="multipart/form-data")
    page = page_of(response)
    assert response.status_code == 422
    assert "Row 3: no recommendation of this plan has the code 127.999." in page
    assert "Row 4: this recommendation already appears in row 2." in page
    assert "Nothing was saved" in page
    assert table_snapshot(Recommendation) == before
    response = post_form(client, "/plans/p/translations",
                         {"upload": (io.BytesIO(b"name,value\na,b\n"), "t.csv")},
                         content_type="multipart/form-data")
    assert "This is not a translation sheet" in page_of(response)
    assert table_snapshot(Recommendation) == before


# --- access and keys -------------------------------------------------------------------------


def test_other_bodies_and_ngo_users_cannot_manage_the_catalogue(client):
    body = make.body()
    plan = make.plan(body, slug="p")
    outsider = make.coordinator(make.body())
    org = make.organization()
    make.enrol(org, plan)
    ngo = make.ngo_user(org)
    rec = plan.files[0].recommendations[0]
    db.session.commit()
    urls = ["/plans/p/edit", "/plans/p/recommendations", f"/plans/p/recommendations/{rec.id}/edit",
            f"/plans/p/files/{plan.files[0].id}/edit", "/plans/p/periods/new",
            "/plans/p/translations", "/plans/p/translations.xlsx", "/plans/p/export.xlsx"]
    sign_in(client, outsider)
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.post("/logout", data={"csrf_token": re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', page_of(client.get("/plans/"))).group(1)})
    sign_in(client, ngo)
    for url in urls + ["/plans/new"]:
        assert client.get(url).status_code == 403, url
    page = page_of(client.get("/plans/p"))  # enrolled: it can read the plan page
    assert "File 1" in page and "/plans/p/edit" not in page


def test_a_recommendation_of_another_plan_is_not_found_under_this_one(client):
    body = make.body()
    make.plan(body, slug="p")
    other = make.plan(body, slug="q")
    user = make.coordinator(body)
    db.session.commit()
    sign_in(client, user)
    rec = other.files[0].recommendations[0]
    assert client.get(f"/plans/p/recommendations/{rec.id}/edit").status_code == 404
    assert client.get(f"/plans/q/recommendations/{rec.id}/edit").status_code == 200


@pytest.mark.parametrize("code, text, expected", [
    ("127.27.1", None, "00127.00027.00001"),
    ("127.9", None, "00127.00009"),
    (None, "  Ratify the CAT. ", "~ratify the cat"),
])
def test_sort_keys_put_codes_in_natural_order_and_uncoded_last(code, text, expected):
    assert service.sort_key_for(code, text) == expected
    assert service.sort_key_for("127.9") < service.sort_key_for("127.10") < \
        service.sort_key_for(None, "0 text")


def test_match_keys_ignore_case_spacing_and_typography():
    key = service.compute_match_key("Ensure the Commission’s independence", "Afghanistan")
    assert key == service.compute_match_key("ensure the  commission's independence.",
                                            "AFGHANISTAN ")
    assert len(key) == 64 and key != service.compute_match_key("Ensure", "Afghanistan")
