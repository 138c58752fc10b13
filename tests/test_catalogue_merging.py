"""UPR Info's export imported before the UN's list: the pieces it made of one
recommendation (a row per State of a joint one, a row per part of a merged one) become
the UN's recommendation when the list comes (services.catalogue.merging), their
evaluations with them; what cannot move without losing evaluation data stays apart with a
message."""
from __future__ import annotations

import io

import factories as make
import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from support import client_as, csrf_from, shared_data, text

from monitor.extensions import db
from monitor.models import (
    AuditEvent,
    Evaluation,
    EvaluationRevision,
    Plan,
    Recommendation,
)
from monitor.services.catalogue import importing
from monitor.services.evaluation import questionnaire_versions

UPR_INFO = "SuR,Rgrp,Org,Recommendation,RS,Rgrp,Org,Response,Action,Issue,Session\n"
TEXT = "Consider ratifying the International Convention for the Protection of All Persons " \
       "from Enforced Disappearance"
SPLIT = UPR_INFO + (
    f'Iraq,Asia,"OIC, AL",{TEXT},France,WEOG,EU,Accepted,3,Enforced disappearances,7\n'
    f'Iraq,Asia,"OIC, AL",{TEXT},Lithuania,WEOG,EU,Accepted,3,Enforced disappearances,7\n'
    'Iraq,Asia,"OIC, AL",Abolish the death penalty,Germany,WEOG,EU,Noted,5,Death penalty,7\n')
UN_LIST = (f"121.1 {TEXT} (France) (Lithuania);\n"
           "121.2 Abolish the death penalty (Germany);\n")


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


def load(plan: Plan, data: bytes | str, name: str, **kwargs) -> importing.ImportPreview:
    return make.imported(plan, data, name, **kwargs)


def recs(plan: Plan) -> list[Recommendation]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Recommendation).where(
        Recommendation.plan_id == plan.id).order_by(Recommendation.id)).all()


def piece(plan: Plan, state: str) -> Recommendation:
    return next(r for r in recs(plan) if r.recommending_states == state)


def submitted(org, rec, period):
    """A counted evaluation with its submitted version (its receipt names `rec`)."""
    evaluation = make.evaluation(org, rec, period, 50)
    questionnaire = questionnaire_versions.current_questionnaire(db.session, rec.plan)
    db.session.add(EvaluationRevision(evaluation_id=evaluation.id, number=1,
                                      questionnaire_id=questionnaire.id, answers={},
                                      status_score=50, content_hash="0" * 64))
    db.session.flush()
    return evaluation


def test_a_joint_recommendation_split_by_state_becomes_one_with_both_ngos_evaluations():
    plan = make.plan(files=0)
    load(plan, SPLIT, "upr-info.csv")
    assert len(recs(plan)) == 3
    ours, theirs = make.organization("Ours"), make.organization("Theirs")
    kept = submitted(ours, piece(plan, "France"), plan.periods[0])
    moved = make.evaluation(theirs, piece(plan, "Lithuania"), plan.periods[0], None,
                            counted=False)
    db.session.commit()
    evaluations_before = {e.id: (e.organization_id, e.answers) for e in
                          db.session.scalars(sa.select(Evaluation))}

    preview = load(plan, UN_LIST, "list.txt")
    assert preview.counts()["new"] == 0 and preview.merged == 1
    after = recs(plan)
    assert [(r.code, r.recommending_states) for r in after] == [
        ("121.1", "France; Lithuania"), ("121.2", "Germany")]
    joint = after[0]
    assert joint.id == kept.recommendation_id  # the piece with a receipt is the one kept
    # both organisations' evaluations are there, on the one recommendation, unchanged
    found = {e.id: (e.organization_id, e.answers) for e in db.session.scalars(
        sa.select(Evaluation).where(Evaluation.recommendation_id == joint.id))}
    assert found == evaluations_before and moved.id in found
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "recommendation.merged")) == 1
    again = importing.preview_import(db.session, plan, UN_LIST.encode(), "list.txt")
    assert (again.counts()["new"], again.counts()["updated"], again.merged) == (0, 0, 0)


def test_the_same_organisation_having_evaluated_both_halves_refuses_that_merge():
    plan = make.plan(files=0)
    load(plan, SPLIT, "upr-info.csv")
    org = make.organization()
    for state in ("France", "Lithuania"):
        make.evaluation(org, piece(plan, state), plan.periods[0], None, counted=False)
    db.session.commit()
    preview = importing.preview_import(db.session, plan, UN_LIST.encode(), "list.txt")
    assert preview.ok and preview.merged == 0
    [refusal] = preview.refused_merges
    assert refusal.row == 1 and "the same organisation evaluated both" in refusal.reason
    importing.apply_import(db.session, plan, preview)
    db.session.commit()
    assert len(recs(plan)) == 3  # the half stays apart, with its evaluation
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 2


def test_two_halves_with_receipts_are_never_moved():
    plan = make.plan(files=0)
    load(plan, SPLIT, "upr-info.csv")
    for state in ("France", "Lithuania"):
        submitted(make.organization(), piece(plan, state), plan.periods[0])
    db.session.commit()
    preview = load(plan, UN_LIST, "list.txt")
    assert preview.merged == 0
    assert "each receipt names the recommendation it evaluated" in \
        preview.refused_merges[0].reason
    assert sorted(r.code or "" for r in recs(plan)) == ["", "121.1", "121.2"]


def test_a_piece_only_close_to_the_uns_text_is_a_possible_match_until_confirmed(app):
    plan = make.plan(files=0)
    load(plan, SPLIT.replace(f"{TEXT},France", f"{TEXT} promptly,France"), "upr-info.csv")
    preview = importing.preview_import(db.session, plan, UN_LIST.encode(), "list.txt")
    assert preview.merged == 0
    assert [(i.row.row_number, i.possible_text) for i in preview.possible_matches] == [
        (1, f"{TEXT} promptly")]
    confirmed = load(plan, UN_LIST, "list.txt", confirmed=True)
    assert confirmed.merged == 1 and len(recs(plan)) == 2


def test_real_documents_upr_info_first_then_the_uns_list_leave_one_recommendation_per_code(app):
    """Iraq's first review: UPR Info's export (179 rows) imported first, then the UN's
    numbered list (176). UPR Info split 82.2 (Chile), 82.3 and 82.11 (Spain) into parts."""
    plan = make.plan(files=0, slug="iraq-1")
    first = load(plan, shared_data("upr-real/upr-info-export-iraq-session07.csv").read_bytes(),
                 "upr-info.csv")
    assert first.counts() == {"new": 179, "updated": 0, "unchanged": 0, "rejected": 0,
                              "skipped": 0}
    torture = next(r for r in recs(plan)
                   if r.text_en == "Ratify the Convention against Torture and its Optional "
                                   "Protocol")
    org = make.organization("Ours")
    draft = make.evaluation(org, torture, plan.periods[0], None, counted=False,
                            answers={"assessment": "Not yet."})
    coordinator = make.coordinator(plan.body)
    db.session.commit()
    data = shared_data("upr-real/iraq-cycle1-A-HRC-14-14-numbered.txt").read_bytes()
    preview = importing.preview_import(db.session, plan, data, "list.txt")
    # 82.2's first part is UPR Info's row word for word; its other part, and the parts of
    # 82.3 and 82.11, are close only (UPR Info's edits): possible matches to confirm
    assert preview.counts() == {"new": 2, "updated": 174, "unchanged": 0, "rejected": 0,
                                "skipped": 0}
    assert preview.merged == 0
    assert sorted(i.code or i.row.code for i in preview.possible_matches) == [
        "82.11", "82.2", "82.3"]
    # the preview page names them
    client = client_as(app, coordinator, "/plans/?lang=en")
    token = csrf_from(text(client.get(f"/plans/{plan.slug}/import")))
    page = client.post(f"/plans/{plan.slug}/import", data={
        "csrf_token": token, "upload": (io.BytesIO(data), "list.txt")},
        content_type="multipart/form-data")
    assert "Ratify the Convention against Torture and its Optional Protocol" in text(page)
    confirmed = load(plan, data, "list.txt", confirmed=True)
    assert confirmed.counts() == {"new": 0, "updated": 176, "unchanged": 0, "rejected": 0,
                                  "skipped": 0}
    assert confirmed.merged == 3 and not confirmed.refused_merges
    after = recs(plan)
    assert len(after) == 176 and all(r.code for r in after)
    db.session.expire_all()
    moved = db.session.get(Evaluation, draft.id)
    assert moved.recommendation.code == "82.2" and moved.answers == {"assessment": "Not yet."}
    again = importing.preview_import(db.session, plan, data, "list.txt", confirmed=True)
    assert (again.counts()["new"], again.counts()["updated"], again.merged) == (0, 0, 0)


def test_another_cycles_pieces_are_never_absorbed():
    """The same words by the same State at the next review are another recommendation
    (services.catalogue.recurrences links the two)."""
    plan = make.plan(files=0)
    plan.default_cycle = "2"
    load(plan, SPLIT, "upr-info.csv")  # session 7: the first cycle
    assert {r.cycle for r in recs(plan)} == {"1"}
    preview = load(plan, UN_LIST, "list.txt", confirmed=True)
    assert (preview.counts()["new"], preview.merged) == (2, 0)
    later = [r for r in recs(plan) if r.code]
    assert [r.cycle for r in later] == ["2", "2"]
    assert all(r.earlier_id is not None for r in later)
