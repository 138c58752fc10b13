"""Issue 14, finding 6: the government side cannot rewrite a recommendation under the
NGOs' evaluations. Texts are versioned on every path (web edit, catalogue import,
translation sheet); a submitted version records the text version it evaluated, its
receipt covers it, its pages show that text with a note when it changed, and the audit
trail holds both texts."""
from __future__ import annotations

import csv
import io

import factories as make
import sqlalchemy as sa
from support import csv_bytes, text
from test_attacks import signed_in

from monitor.extensions import db
from monitor.models import AuditEvent, Evaluation, Recommendation, RecommendationText
from monitor.services.catalogue import exporting, importing, records, translation_sheet
from monitor.services.catalogue import text_versions
from monitor.services.evaluation import lifecycle
from monitor.services.evaluation import review as conversation

NEW_TEXT = "Rewritten after the evaluations: consider the matter at some point"


def _versions(rec_id: int) -> list[RecommendationText]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(RecommendationText).where(
        RecommendationText.recommendation_id == rec_id).order_by(RecommendationText.number)))


def _edit_text(client, world, text_en: str):  # noqa: ANN001, ANN202
    rec = world.rec
    return client.post(f"/plans/{world.plan.slug}/recommendations/{rec.id}/edit", data={
        "csrf_token": client.csrf_token, "code": rec.code, "text_en": text_en,
        "text_ar": rec.text_ar, "text_ckb": rec.text_ckb,
        "recommending_states": rec.recommending_states, "response": rec.response or "",
        "file_id": str(rec.file_id), "themes": rec.themes or "",
        "responsible_bodies": rec.responsible_bodies or ""})


def test_a_web_edit_keeps_the_evaluated_text_on_both_sides(app):
    a, _b = make.worlds()
    evaluated_text = a.rec.text_en
    revision = a.evaluation.revisions[-1]
    evaluated_id = revision.answers[text_versions.ANSWER_KEY]
    assert _versions(a.rec.id)[-1].id == evaluated_id
    assert lifecycle.verify(revision)  # the receipt covers the version id

    coordinator = signed_in(app, a.coordinator)
    response = _edit_text(coordinator, a, NEW_TEXT)
    assert response.status_code == 302, text(response)[:2000]
    versions = _versions(a.rec.id)
    assert versions[-1].text_en == NEW_TEXT and versions[-2].text_en == evaluated_text
    assert versions[-2].id == evaluated_id

    # Both sides read the evaluated text, with a note and the current text.
    note = "The text of this recommendation was changed after this evaluation was submitted."
    review = text(coordinator.get(f"/evaluations/review/{a.evaluation.id}"))
    assert note in review
    assert review.index(evaluated_text) < review.index(note) < review.index(NEW_TEXT)
    ngo = signed_in(app, a.admin)
    page = text(ngo.get(f"/evaluations/{a.evaluation.id}"))
    assert note in page and evaluated_text in page and NEW_TEXT in page

    # The audit trail holds both texts.
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "recommendation.text_versioned",
        AuditEvent.object_id == a.rec.id).order_by(AuditEvent.id.desc()).limit(1))
    assert event.before["text_en"] == evaluated_text and event.after["text_en"] == NEW_TEXT
    assert event.after["version"] == versions[-1].number

    # The next submission evaluates the new text.
    conversation.request_clarification(db.session, db.session.get(Evaluation, a.evaluation.id),
                                    message="Please look again.", user=a.coordinator)
    evaluation = db.session.get(Evaluation, a.evaluation.id)
    newer = lifecycle.submit(db.session, evaluation, None,
                             expected_version=evaluation.version, user=a.admin)
    db.session.commit()
    assert newer.answers[text_versions.ANSWER_KEY] == versions[-1].id
    assert note not in text(coordinator.get(f"/evaluations/review/{a.evaluation.id}"))


def test_a_receipt_does_not_verify_once_the_evaluated_version_is_altered(app):
    a, _b = make.worlds()
    revision = a.evaluation.revisions[-1]
    assert lifecycle.verify(revision)
    revision.answers = {**revision.answers,
                        text_versions.ANSWER_KEY: revision.answers[text_versions.ANSWER_KEY] + 1}
    assert not lifecycle.verify(revision)


def test_the_catalogue_import_creates_a_version(app):
    a, _b = make.worlds()
    exported = exporting.export_catalogue(db.session, a.plan, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    header, body = rows[0], rows[1:]
    column = header.index(next(h for h in header if "text_en" in h or h.lower() == "english"
                               or "english" in h.lower()))
    code_column = header.index(next(h for h in header if "code" in h.lower()))
    for row in body:
        if row[code_column] == a.rec.code:
            row[column] = NEW_TEXT
    before = len(_versions(a.rec.id))
    preview = importing.preview_import(db.session, a.plan, csv_bytes([header, *body]), "c.csv")
    importing.apply_import(db.session, a.plan, preview, actor_id=a.coordinator.id)
    db.session.commit()
    versions = _versions(a.rec.id)
    assert len(versions) == before + 1 and versions[-1].text_en == NEW_TEXT
    assert db.session.get(Recommendation, a.rec.id).text_en == NEW_TEXT


def test_the_translation_sheet_creates_a_version(app):
    a, _b = make.worlds()
    before = len(_versions(a.rec.id))
    sheet = csv_bytes([["code", "English", "Arabic", "Sorani"],
                       [a.rec.code, a.rec.text_en, "نص عربي جديد", ""]])
    result = translation_sheet.import_translations(db.session, a.plan, sheet, "t.csv",
                                         actor_id=a.coordinator.id)
    assert not result.rejected
    db.session.commit()
    versions = _versions(a.rec.id)
    assert len(versions) == before + 1 and versions[-1].text_ar == "نص عربي جديد"
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "recommendation.text_versioned",
        AuditEvent.object_id == a.rec.id).order_by(AuditEvent.id.desc()).limit(1))
    assert event.after["text_ar"] == "نص عربي جديد" and "text_en" not in event.after


def test_a_change_that_keeps_the_text_adds_no_version(app):
    a, _b = make.worlds()
    before = len(_versions(a.rec.id))
    records.update_recommendation(db.session, db.session.get(Recommendation, a.rec.id),
                                  themes="Other theme")
    db.session.commit()
    assert len(_versions(a.rec.id)) == before
