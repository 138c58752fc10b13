"""An NGO's own enrolment: the files it monitors (and declines) until the deadline, the
confirmation email, its evaluators invited by a signed link of their own, deactivation
and administrators; pages and emails in the organisation's language."""
from __future__ import annotations

import datetime as dt
import re

import factories as make
import pytest
import sqlalchemy as sa
from support import (
    run_mail_worker,
    csrf_from,
    login,
    new_client,
    post_form,
    row_counts,
    table_snapshot,
    text,
)

from monitor.extensions import db
from monitor.models import EvaluatorInvitation, FileChoice, OutgoingEmail, User, utcnow
from monitor.services import mailer
from monitor.services.outreach import enrolment as enrolment_service
from monitor.services.outreach import invitations as invitation_service
from monitor.tokens import make_token

NEW_PASSWORD = "river of stars 42"
TEAM_LINK = re.compile(r"http://localhost/join-team/[A-Za-z0-9_.\-]+")


@pytest.fixture
def ngo(app):  # noqa: ANN001, ANN201
    class NGO:
        body = make.body()
        plan = make.plan(body, files=3)
        org = make.organization("Amal", language="en")
        admin = make.ngo_user(org, "ngo_admin")
        evaluator = make.ngo_user(org, "evaluator")
        invitation = make.enrol(org, plan, monitor=[])

    db.session.commit()
    return NGO


def choose(client, plan, *files):  # noqa: ANN001, ANN002, ANN201
    home = client.get("/ngo")
    return client.post(f"/ngo/plans/{plan.slug}/choices", data={
        "csrf_token": csrf_from(home.get_data(as_text=True)), "file": [str(f.id) for f in files]})


def choices(org) -> dict[int, str]:  # noqa: ANN001
    db.session.expire_all()
    return dict(db.session.execute(sa.select(FileChoice.file_id, FileChoice.choice).where(
        FileChoice.organization_id == org.id)).all())


# --- file choices --------------------------------------------------------------------------


def test_ngo_changes_its_choices_and_takes_up_a_declined_file_again(app, ngo):
    client = new_client(app)
    login(client, ngo.admin.email)
    f1, f2, f3 = ngo.plan.files
    assert choose(client, ngo.plan, f1).status_code == 302
    assert choices(ngo.org) == {f1.id: "monitoring", f2.id: "declined", f3.id: "declined"}
    assert choose(client, ngo.plan, f1, f2).status_code == 302  # undo a decline
    assert choices(ngo.org) == {f1.id: "monitoring", f2.id: "monitoring", f3.id: "declined"}
    page = text(client.get("/ngo"))
    assert "Choices can be changed until" in page
    # Each change is confirmed by email, in the organisation's language, queued by the
    # request and sent by the mail worker.
    assert run_mail_worker() == 2
    emails = db.session.scalars(sa.select(OutgoingEmail).where(
        OutgoingEmail.kind == "choices_confirmation").order_by(OutgoingEmail.id)).all()
    assert len(emails) == 2 and all(e.status == "sent" for e in emails)
    assert "Files you monitor:\n- File 1" in emails[-1].body_text
    assert "- File 2" in emails[-1].body_text.split("Files you declined:")[0]
    # Saving the same choices again changes nothing and sends nothing.
    choose(client, ngo.plan, f1, f2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingEmail)) == 2


def test_after_the_deadline_choices_are_refused_and_nothing_changes(app, ngo):
    for period in ngo.plan.periods:
        period.deadline = utcnow() - dt.timedelta(hours=1)
    db.session.commit()
    client = new_client(app)
    login(client, ngo.admin.email)
    before = table_snapshot(FileChoice, OutgoingEmail)
    response = choose(client, ngo.plan, ngo.plan.files[0])
    assert response.status_code == 409
    assert "The deadline to change your choices for this plan has passed." in text(response)
    assert table_snapshot(FileChoice, OutgoingEmail) == before
    assert "The deadline to change these choices has passed." in text(client.get("/ngo"))


def test_after_the_deadline_the_ngo_is_told_what_it_can_do_and_whom_to_ask(app, ngo):
    for period in ngo.plan.periods:
        period.deadline = utcnow() - dt.timedelta(hours=1)
    ngo.body.contact_email = "office@gov.example"
    db.session.commit()
    client = new_client(app)
    login(client, ngo.admin.email)
    page = text(client.get("/ngo"))
    assert "ask the coordinator to reopen your choices" in page
    assert "office@gov.example" in page and "see the plan and its published results" in page


def test_the_coordinator_is_warned_and_reopens_choices_for_one_organisation(app, ngo):
    """No period accepts file choices: the coordinator is warned before inviting and
    sending, and reopens the choices of one registered organisation (audited); that one
    can choose again, the others cannot."""
    from monitor.models import AuditEvent, Invitation

    other = make.organization("Noor", language="ar")
    other_admin = make.ngo_user(other, "ngo_admin")
    make.enrol(other, ngo.plan, monitor=[])
    for period in ngo.plan.periods:
        period.deadline = utcnow() - dt.timedelta(hours=1)
    coordinator = make.coordinator(ngo.body)
    db.session.commit()
    warning = "No reporting period of this plan accepts file choices now"
    staff = new_client(app)
    login(staff, coordinator.email)
    page = text(staff.get(f"/plans/{ngo.plan.slug}/invitations"))
    assert warning in page and "Reopen its file choices for 14 days" in page
    assert warning in text(staff.get(f"/plans/{ngo.plan.slug}/sending"))

    invitation_id = db.session.scalar(sa.select(Invitation.id).where(
        Invitation.organization_id == ngo.org.id))
    response = post_form(staff, f"/invitations/{invitation_id}/reopen-choices",
                         page=f"/plans/{ngo.plan.slug}/invitations")
    assert response.status_code == 302
    assert "can change its file choices until" in text(staff.get(response.headers["Location"]))
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "enrolment.choices_reopened"))
    assert (event.organization_id, event.plan_id, event.actor_id) == (
        ngo.org.id, ngo.plan.id, coordinator.id)

    client = new_client(app)
    login(client, ngo.admin.email)
    assert "Choices can be changed until" in text(client.get("/ngo"))
    assert choose(client, ngo.plan, ngo.plan.files[0]).status_code == 302
    assert choices(ngo.org)[ngo.plan.files[0].id] == "monitoring"
    refused = new_client(app)
    login(refused, other_admin.email)
    assert choose(refused, ngo.plan, ngo.plan.files[0]).status_code == 409
    assert choices(other) == {}


def test_the_sending_page_shows_no_command_line(app, ngo):
    coordinator = make.coordinator(ngo.body)
    newcomer = make.organization("Newcomer", language="en")
    db.session.commit()
    staff = new_client(app)
    login(staff, coordinator.email)
    response = post_form(staff, f"/plans/{ngo.plan.slug}/invitations",
                         {"organization": str(newcomer.id)})
    page = text(staff.get(response.headers["Location"]))
    assert "1 invitation was queued: send it with the button below." in page
    assert "flask" not in page and "command line" not in page


def test_a_file_of_another_plan_cannot_be_chosen(app, ngo):
    other = make.plan(ngo.body, files=1)
    db.session.commit()
    client = new_client(app)
    login(client, ngo.admin.email)
    before = table_snapshot(FileChoice)
    response = choose(client, ngo.plan, ngo.plan.files[0], other.files[0])
    assert response.status_code == 400
    assert "does not belong to this plan" in text(response)
    assert table_snapshot(FileChoice) == before
    # Nor can the organisation choose in a plan it has not joined.
    home = client.get("/ngo").get_data(as_text=True)
    response = client.post(f"/ngo/plans/{other.slug}/choices", data={
        "csrf_token": csrf_from(home), "file": [str(other.files[0].id)]})
    assert response.status_code == 404
    assert table_snapshot(FileChoice) == before


def test_evaluators_see_the_choices_but_cannot_change_them(app, ngo):
    make.enrol(make.organization(), ngo.plan)
    db.session.commit()
    client = new_client(app)
    login(client, ngo.evaluator.email)
    page = text(client.get("/ngo"))
    assert "File 1" in page and 'name="file"' not in page and "Our people" not in page
    before = table_snapshot(FileChoice)
    response = client.post(f"/ngo/plans/{ngo.plan.slug}/choices", data={
        "csrf_token": csrf_from(page), "file": [str(ngo.plan.files[0].id)]})
    assert response.status_code == 403
    assert table_snapshot(FileChoice) == before


# --- evaluators ----------------------------------------------------------------------------


def test_the_administrator_invites_an_evaluator_who_joins_through_the_link(app, ngo):
    admin = new_client(app)
    login(admin, ngo.admin.email)
    response = post_form(admin, "/ngo/evaluators", {"email": "Sara@Team.example"}, page="/ngo")
    assert response.status_code == 302
    email = db.session.scalar(sa.select(OutgoingEmail).where(
        OutgoingEmail.kind == "evaluator_invitation"))
    assert email.recipient == "sara@team.example" and email.body_html
    link = TEAM_LINK.search(email.body_text).group(0)
    assert "sara" not in link.lower()  # no email in the token
    assert "sara@team.example" in text(admin.get("/ngo"))  # pending, can be withdrawn

    person = new_client(app)
    assert person.get(link.removeprefix("http://localhost")).headers["Location"] == "/join-team"
    page = text(person.get("/join-team"))
    assert "Join <bdi>Amal</bdi>" in page and "sara@team.example" in page
    response = post_form(person, "/join-team", {"name": "Sara", "password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD,
                                                "email": "other@evil.example"})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "sara@team.example"))
    assert (user.role, user.organization_id) == ("evaluator", ngo.org.id)

    # The link cannot be used again.
    before = row_counts()
    again = new_client(app)
    response = again.get(link.removeprefix("http://localhost"))
    assert response.status_code == 409
    assert "already been used" in text(response)
    assert row_counts() == before


def test_an_ngo_invitation_token_does_not_open_the_evaluator_link(app, ngo):
    invitation = make.invitation(make.organization(), ngo.plan)
    db.session.commit()
    wrong_salt = make_token("invitation", {"e": invitation.id, "n": invitation.nonce})
    before = row_counts()
    response = new_client(app).get(f"/join-team/{wrong_salt}")
    assert response.status_code == 400
    assert "This link is not valid." in text(response)
    assert row_counts() == before


def test_an_evaluator_invitation_refuses_bad_or_taken_addresses(app, ngo):
    stranger = make.ngo_user(make.organization(), "evaluator")
    db.session.commit()
    admin = new_client(app)
    login(admin, ngo.admin.email)
    before = row_counts()
    for address, message in [
        ("x@team.example\r\nBcc: all@example.org", "Line breaks and control characters"),
        ("not an address", "This is not a valid email address."),
        (ngo.evaluator.email, "This person is already a member of your organisation."),
        (stranger.email, "it already has an account in monitor"),
    ]:
        response = post_form(admin, "/ngo/evaluators", {"email": address}, page="/ngo")
        assert message in text(admin.get(response.headers["Location"])), address
    assert row_counts() == before


def test_a_withdrawn_evaluator_invitation_no_longer_opens(app, ngo):
    admin = new_client(app)
    login(admin, ngo.admin.email)
    post_form(admin, "/ngo/evaluators", {"email": "sara@team.example"}, page="/ngo")
    email = db.session.scalar(sa.select(OutgoingEmail))
    link = TEAM_LINK.search(email.body_text).group(0).removeprefix("http://localhost")
    invitation = db.session.scalar(sa.select(EvaluatorInvitation))
    post_form(admin, f"/ngo/evaluator-invitations/{invitation.id}/revoke", page="/ngo")
    before = row_counts()
    response = new_client(app).get(link)
    assert response.status_code == 410
    assert "withdrawn or replaced" in text(response)
    assert row_counts() == before


def test_the_administrator_deactivates_an_evaluator_and_makes_another_an_administrator(app, ngo):
    second = make.ngo_user(ngo.org, "evaluator")
    db.session.commit()
    evaluator = new_client(app)
    login(evaluator, ngo.evaluator.email)
    admin = new_client(app)
    login(admin, ngo.admin.email)

    post_form(admin, f"/ngo/people/{ngo.evaluator.id}/deactivate", page="/ngo")
    db.session.expire_all()
    assert db.session.get(User, ngo.evaluator.id).active is False
    assert evaluator.get("/evaluations/").status_code == 302  # signed out at once

    post_form(admin, f"/ngo/people/{second.id}/make-admin", page="/ngo")
    db.session.expire_all()
    assert db.session.get(User, second.id).role == "ngo_admin"

    post_form(admin, f"/ngo/people/{ngo.evaluator.id}/activate", page="/ngo")
    db.session.expire_all()
    assert db.session.get(User, ngo.evaluator.id).active is True


def test_the_administrator_cannot_lock_the_organisation_out_or_reach_other_people(app, ngo):
    other_org = make.organization()
    stranger = make.ngo_user(other_org, "evaluator")
    db.session.commit()
    admin = new_client(app)
    login(admin, ngo.admin.email)
    before = table_snapshot(User)
    response = post_form(admin, f"/ngo/people/{ngo.admin.id}/deactivate", page="/ngo")
    assert "You cannot deactivate your own account." in text(admin.get(response.headers[
        "Location"]))
    assert post_form(admin, f"/ngo/people/{stranger.id}/deactivate",
                     page="/ngo").status_code == 404
    assert post_form(admin, f"/ngo/people/{stranger.id}/make-admin",
                     page="/ngo").status_code == 404
    assert table_snapshot(User) == before
    # The last active administrator cannot be deactivated by another administrator either.
    with pytest.raises(enrolment_service.EnrolmentError, match="at least one active"):
        co_admin = make.ngo_user(ngo.org, "ngo_admin")
        db.session.flush()
        enrolment_service.set_active(db.session, co_admin, False, actor=ngo.admin)
        enrolment_service.set_active(db.session, ngo.admin, False, actor=co_admin)
    db.session.rollback()


# --- languages -----------------------------------------------------------------------------


def test_the_link_page_and_the_email_speak_the_organisations_language(app, ngo):
    kurdish = make.organization("ڕێکخراوی ژیان", language="ckb")
    db.session.commit()
    (invitation,) = invitation_service.invite(db.session, ngo.plan, [kurdish.id], actor_id=None)
    db.session.commit()
    email = db.session.scalar(sa.select(OutgoingEmail).where(
        OutgoingEmail.recipient == kurdish.email))
    assert ngo.plan.title_ckb in email.subject
    assert '<html lang="ckb" dir="rtl">' in email.body_html
    assert "دۆسیەی 1" in email.body_text  # the files, in Sorani
    assert "/decline" in email.body_text

    visitor = app.test_client()  # no language chosen yet
    visitor.get(f"/join/{invitation_service.token_for(invitation)}")
    page = visitor.get("/join").get_data(as_text=True)
    assert '<html lang="ckb" dir="rtl">' in page
    assert ngo.plan.title_ckb in page and "دۆسیەی 3" in page
    # The visitor's own choice wins.
    assert '<html lang="en" dir="ltr">' in visitor.get("/join?lang=en").get_data(as_text=True)


def test_emails_are_sent_as_multipart_with_a_stable_message_id(app, ngo, smtp_server):
    org = make.organization(language="ar")
    db.session.commit()
    invitation_service.invite(db.session, ngo.plan, [org.id], actor_id=None)
    db.session.commit()
    recorded = db.session.scalar(sa.select(OutgoingEmail))
    assert mailer.send_pending(db.session).sent == 1
    (message,) = smtp_server.messages
    assert message["Message-ID"] == recorded.message_id
    assert message.get_content_type() == "multipart/alternative"
    assert "\r" not in message["To"] and message["To"] == org.email
    assert ngo.plan.title_ar in smtp_server.text(message)
