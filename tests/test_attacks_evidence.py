"""Issue 14, finding 2: what the coordinator sees of an evaluation's evidence is exactly
what was in a submitted version. A document added, or widened to "coordinator may see",
after that version becomes visible only with the next submission the NGO administrator
approves; narrowing a document to the organisation takes effect at once."""
from __future__ import annotations

import factories as make
from support import text
from test_attacks import signed_in, snapshot

from monitor.extensions import db
from monitor.models import Attachment, Evaluation
from monitor.services.evaluation import attachments as attachment_service
from monitor.services.evaluation import lifecycle
from monitor.services.evaluation import review as conversation

PDF = make.WORLD_PDF


def test_documents_shared_during_a_clarification_wait_for_the_next_submission(app):
    a, _b = make.worlds()
    # The world's evaluation was submitted with its document: attach a private one, and
    # submit again so that the private one is part of a submitted version.
    evaluation = a.evaluation
    conversation.request_clarification(db.session, evaluation, message="More?", user=a.coordinator)
    private = attachment_service.store(db.session, evaluation, data=PDF, filename="witness.pdf",
                                       visibility="organization", user=a.evaluator)
    db.session.flush()
    lifecycle.submit(db.session, evaluation, None, expected_version=evaluation.version,
                     user=a.admin)
    db.session.commit()
    conversation.request_clarification(db.session, evaluation, message="Which ministry?",
                                    user=a.coordinator)
    added = attachment_service.store(db.session, evaluation, data=PDF, filename="late.pdf",
                                     visibility="coordinator", user=a.evaluator)
    attachment_service.set_visibility(db.session, private, "coordinator", user=a.evaluator)
    db.session.commit()

    coordinator = signed_in(app, a.coordinator)
    before = snapshot()
    for document in (added, private):
        response = coordinator.get(f"/evaluations/attachments/{document.id}")
        assert response.status_code == 404, document.display_name
        assert "This page does not exist" in text(response)
    review = text(coordinator.get(f"/evaluations/review/{evaluation.id}"))
    assert "late.pdf" not in review and "witness.pdf" not in review
    assert a.attachment.display_name in review  # shared in the submitted version
    assert coordinator.get(f"/evaluations/attachments/{a.attachment.id}").status_code == 200
    assert snapshot() == before

    # The administrator approves the next submission: both reach the coordinator.
    evaluation = db.session.get(Evaluation, evaluation.id)
    lifecycle.submit(db.session, evaluation, None, expected_version=evaluation.version,
                     user=a.admin)
    db.session.commit()
    for document in (added, private):
        assert coordinator.get(f"/evaluations/attachments/{document.id}").status_code == 200


def test_narrowing_a_document_to_the_organisation_hides_it_at_once(app):
    a, _b = make.worlds()
    coordinator = signed_in(app, a.coordinator)
    url = f"/evaluations/attachments/{a.attachment.id}"
    assert coordinator.get(url).status_code == 200
    conversation.request_clarification(db.session, a.evaluation, message="?", user=a.coordinator)
    attachment_service.set_visibility(db.session, db.session.get(Attachment, a.attachment.id),
                                      "organization", user=a.evaluator)
    db.session.commit()
    assert coordinator.get(url).status_code == 404
    assert a.attachment.display_name not in text(coordinator.get(f"/evaluations/review/{a.evaluation.id}"))


def test_the_rule_holds_without_a_request(app):
    """The service answers alone: the latest submitted version's shared documents."""
    a, _b = make.worlds()
    evaluation = a.evaluation
    assert attachment_service.submitted_to_coordinator(evaluation) == {a.attachment.id}
    conversation.request_clarification(db.session, evaluation, message="?", user=a.coordinator)
    added = attachment_service.store(db.session, evaluation, data=PDF, filename="late.pdf",
                                     visibility="coordinator", user=a.evaluator)
    db.session.flush()
    assert attachment_service.may_download(a.coordinator, added) is False
    assert [d.id for d in attachment_service.for_evaluation(
        db.session, evaluation, coordinator=True)] == [a.attachment.id]
    assert attachment_service.may_download(a.admin, added) is True  # the organisation sees it
