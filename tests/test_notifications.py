"""Nobody is left waiting: emails, each in the recipient's language, when an evaluation
awaits the NGO administrator's approval, when the government responds on an item an NGO
evaluated, and when an organisation asks to join a plan."""
from __future__ import annotations

import factories as make
import sqlalchemy as sa
from factories import COMPLETE_ANSWERS
from support import client_as, csrf_from, login, new_client, post_form

from monitor.extensions import db
from monitor.models import OutgoingEmail
from monitor.services.evaluation import lifecycle


def _emails(kind: str) -> dict[str, OutgoingEmail]:
    db.session.expire_all()
    return {e.recipient: e for e in db.session.scalars(
        sa.select(OutgoingEmail).where(OutgoingEmail.kind == kind))}


def _send_for_approval(app, answers: dict):  # noqa: ANN001, ANN202
    """An evaluator sends a draft to the administrator (Sorani) with `answers`."""
    s = make.setting()
    s.admin.language = "ckb"
    evaluation = lifecycle.start(db.session, organization_id=s.org.id, recommendation=s.rec,
                                 period=s.period, user=s.evaluator, answers={})
    db.session.commit()
    client = client_as(app, s.evaluator, "/evaluations/?lang=en")
    token = csrf_from(client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True))
    response = client.post(f"/evaluations/{evaluation.id}/send", data={
        "csrf_token": token, "version": str(evaluation.version),
        **{f"q.{k}": v for k, v in answers.items()}})
    return s, evaluation, response


def test_the_administrator_is_told_in_their_language_when_an_evaluation_awaits_approval(app):
    s, evaluation, response = _send_for_approval(app, COMPLETE_ANSWERS)
    assert response.status_code == 302
    emails = _emails("evaluation_awaiting_approval")
    assert set(emails) == {s.admin.email}  # not the evaluator who sent it
    email = emails[s.admin.email]
    assert "چاوەڕێی پەسەندکردنی ئێوەیە" in email.subject  # Sorani: "awaits your approval"
    assert f"http://localhost/evaluations/{evaluation.id}" in email.body_text


def test_a_refused_send_tells_nobody(app):
    _s, _evaluation, response = _send_for_approval(app, {"status": "50"})
    assert response.status_code == 422
    assert _emails("evaluation_awaiting_approval") == {}


def test_the_ngos_that_evaluated_an_item_are_told_when_the_government_responds(app):
    world = make.results()
    key = f"rec:{world.rec1.id}"
    coordinator = new_client(app)
    login(coordinator, world.coordinator.email)
    response = post_form(coordinator, world.url("replies/respond"),
                         {"level": key, "body": "The law was passed in 2023."},
                         page=world.url(f"replies?level={key}&lang=en"))
    assert response.status_code == 302
    emails = _emails("reply_response")
    evaluated = {world.orgs[k].email for k in ("alpha", "beta", "gamma")}
    assert set(emails) == evaluated
    for org in (world.orgs[k] for k in ("alpha", "beta", "gamma")):
        email = emails[org.email]
        assert f"/our-results/{world.plan.slug}?period={world.period.label}" in email.body_text
        assert "139.1" in email.body_text
        if org.preferred_language == "ar":
            assert "ردّت الحكومة" in email.subject
    assert "The law was passed" not in "".join(e.body_text for e in emails.values())


def test_the_coordinators_are_told_of_a_request_to_join(app):
    body = make.body()
    plan = make.plan(body, files=2)
    coordinator = make.coordinator(body)
    coordinator.language = "en"
    make.coordinator(make.body())  # another body's coordinator is not told
    db.session.commit()
    public = new_client(app)
    form = {"name": "Sunrise NGO", "email": "sunrise@ngo.example", "registration_number": "",
            "governorate": "Duhok", "preferred_language": "en"}
    response = post_form(public, f"/open-call/{plan.slug}", form)
    assert response.status_code == 302
    emails = _emails("join_request_received")
    assert set(emails) == {coordinator.email}
    text = emails[coordinator.email].body_text
    assert "Sunrise NGO" in text and "1 request is waiting for your decision." in text
    assert f"http://localhost/plans/{plan.slug}/join-requests" in text
    # The same request again: the requester sees the same page, nobody is told twice.
    post_form(public, f"/open-call/{plan.slug}", form)
    assert len(_emails("join_request_received")) == 1
