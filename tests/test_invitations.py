"""Invitations, end to end through a real SMTP server (aiosmtpd on 127.0.0.1): the
coordinator invites, the NGO opens the link from the received message, registers,
chooses files or declines; reminders; resumable sending; the open call; and every bad
link refused with a clear page, the right status and nothing changed."""
from __future__ import annotations

import datetime as dt
import re
import threading

import factories as make
import pytest
import sqlalchemy as sa
from support import (
    run_mail_worker,
    PASSWORD,
    csrf_from,
    login,
    new_client,
    post_form,
    row_counts,
    table_snapshot,
    text,
)

from monitor.extensions import db, limiter
from monitor.models import (
    AuditEvent,
    FileChoice,
    Invitation,
    JoinRequest,
    Organization,
    OutgoingEmail,
    User,
    utcnow,
)
from monitor.services.outreach import funnel as funnel_service
from monitor.services.outreach import invitations as service
from monitor.tokens import make_token

LINK = re.compile(r"http://localhost/join/[A-Za-z0-9_.\-]+(?:/decline)?")
NEW_PASSWORD = "river of stars 42"


def link_in(message) -> str:  # noqa: ANN001
    from smtp import SmtpServer

    links = [u for u in LINK.findall(SmtpServer.text(message)) if not u.endswith("/decline")]
    assert links, SmtpServer.text(message)
    return links[0]


def path(url: str) -> str:
    return url.removeprefix("http://localhost")


def snapshot() -> dict:
    return table_snapshot(User, Invitation, FileChoice, Organization)


@pytest.fixture
def world(app):  # noqa: ANN001, ANN201
    class World:
        body = make.body()
        plan = make.plan(body, files=3)
        coordinator = make.coordinator(body)
        amal = make.organization("Amal", language="en")
        noor = make.organization("Noor", language="ar")
        jiyan = make.organization("Jiyan", language="ckb")

    db.session.commit()
    return World


def register(client, name: str = "Layla", password: str = NEW_PASSWORD, **extra):  # noqa: ANN001, ANN003, ANN201
    data = {"name": name, "password": password, "confirm": password} | extra
    return post_form(client, "/join/register", data, page="/join")


def invite_by_service(plan, *orgs) -> list[Invitation]:  # noqa: ANN001
    created = service.invite(db.session, plan, [o.id for o in orgs], actor_id=None)
    db.session.commit()
    return created


# --- the whole journey ---------------------------------------------------------------------


def test_the_whole_journey_through_a_real_smtp_server(app, world, smtp_server):
    coordinator = new_client(app)
    login(coordinator, world.coordinator.email)
    page = coordinator.get(f"/plans/{world.plan.slug}/invitations")
    assert page.status_code == 200
    response = coordinator.post(f"/plans/{world.plan.slug}/invitations", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "organization": [str(world.amal.id), str(world.noor.id), str(world.jiyan.id)]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/sending")
    assert len(smtp_server.messages) == 0  # the web queues ...
    response = post_form(coordinator, f"/plans/{world.plan.slug}/sending")
    assert response.status_code == 302  # ... and sends in a short batch
    assert len(smtp_server.messages) == 3

    # The invitation: multipart, in the organisation's language, with the coordinator's
    # contact and a decline link, and the Message-ID recorded before sending.
    message = smtp_server.to(world.amal.email)[0]
    assert message.is_multipart()
    assert {p.get_content_type() for p in message.walk()} >= {"text/plain", "text/html"}
    assert message["Subject"] and "Invitation to monitor" in str(
        __import__("email.header", fromlist=["x"]).make_header(
            __import__("email.header", fromlist=["x"]).decode_header(message["Subject"])))
    body_text = smtp_server.text(message)
    assert world.body.contact_email in body_text
    assert "/decline" in body_text and "/decline" in smtp_server.html(message)
    assert "File 1 (3 recommendations)" in body_text
    recorded = db.session.scalar(sa.select(OutgoingEmail).where(
        OutgoingEmail.recipient == world.amal.email))
    assert recorded.status == "sent" and recorded.message_id == message["Message-ID"]
    assert message["Reply-To"] == world.body.contact_email
    assert smtp_server.html(smtp_server.to(world.noor.email)[0]).count('dir="rtl"') >= 1

    # Amal opens the link: the token goes into the session, the URL is clean.
    amal = new_client(app, lang=None)
    link = link_in(message)
    response = amal.get(path(link))
    assert response.status_code == 302 and response.headers["Location"] == "/join"
    page = text(amal.get("/join"))
    assert world.plan.title_en in page  # in the organisation's language (English)
    assert "File 3" in page and "3 recommendations" in page
    assert world.amal.email in page
    assert 'name="email"' not in page.split('id="take-part"')[1].split("</section>")[0]

    # It registers (an email field slipped into the form is ignored) ...
    response = register(amal, email="intruder@evil.example")
    assert response.status_code == 302 and response.headers["Location"].startswith("/ngo")
    user = db.session.scalar(sa.select(User).where(User.organization_id == world.amal.id))
    assert user.email == world.amal.email and user.role == "ngo_admin"
    assert db.session.scalar(sa.select(User).where(User.email == "intruder@evil.example")) is None
    # ... and chooses two files, declining the third.
    files = world.plan.files
    home = amal.get("/ngo")
    assert home.status_code == 200 and "File 1" in text(home)
    response = amal.post(f"/ngo/plans/{world.plan.slug}/choices", data={
        "csrf_token": csrf_from(home.get_data(as_text=True)),
        "file": [str(files[0].id), str(files[1].id)]})
    assert response.status_code == 302
    choices = dict(db.session.execute(sa.select(FileChoice.file_id, FileChoice.choice).where(
        FileChoice.organization_id == world.amal.id)).all())
    assert choices == {files[0].id: "monitoring", files[1].id: "monitoring",
                       files[2].id: "declined"}
    run_mail_worker()
    confirmation = smtp_server.to(world.amal.email)[-1]
    summary = smtp_server.text(confirmation)
    assert "Files you monitor:\n- File 1" in summary and "Files you declined:\n- File 3" in summary

    # Noor declines outright, from the decline link, with a reason, without registering.
    noor = new_client(app)
    noor_message = smtp_server.to(world.noor.email)[0]
    decline_link = [u for u in LINK.findall(smtp_server.text(noor_message))
                    if u.endswith("/decline")][0]
    response = noor.get(path(decline_link))
    assert response.headers["Location"] == "/join#decline"
    response = post_form(noor, "/join/decline", {"reason": "We work on other issues."},
                         page="/join")
    assert response.status_code == 302
    invitation = db.session.scalar(sa.select(Invitation).where(
        Invitation.organization_id == world.noor.id))
    assert invitation.status == "declined" and invitation.decline_reason == "We work on other issues."
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.organization_id == world.noor.id)) == 0

    # Reminders go to Jiyan only: never to Noor (declined) nor Amal (registered).
    before = len(smtp_server.messages)
    response = post_form(coordinator, f"/plans/{world.plan.slug}/reminders",
                         page=f"/plans/{world.plan.slug}/invitations")
    assert response.status_code == 302
    post_form(coordinator, f"/plans/{world.plan.slug}/sending")
    reminders = smtp_server.messages[before:]
    assert [smtp_server.envelopes[i][1] for i in range(before, len(smtp_server.messages))] == [
        [world.jiyan.email]]
    assert link_in(reminders[0])  # a working link in the reminder
    # A second click the same day reminds nobody.
    post_form(coordinator, f"/plans/{world.plan.slug}/reminders",
              page=f"/plans/{world.plan.slug}/invitations")
    assert mailer_pending() == 0

    # The funnel.
    page = text(coordinator.get(f"/plans/{world.plan.slug}/invitations"))
    funnel = funnel_service.funnel(db.session, world.plan)
    assert (funnel.invited, funnel.sent, funnel.failed, funnel.registered, funnel.declined,
            funnel.pending) == (3, 3, 0, 1, 1, 1)
    assert funnel.opened == 2
    assert [f.monitoring for f in funnel.files] == [1, 1, 0]
    assert "We work on other issues." in page
    assert "Nobody monitors this file" in page


def mailer_pending() -> int:
    from monitor.services import mailer

    return mailer.count_pending(db.session)


def test_an_ngo_registered_for_one_plan_joins_the_second_through_its_link(
        app, world, smtp_server, runner):
    second = make.plan(world.body, files=2)
    admin = make.ngo_user(world.amal, "ngo_admin", email=world.amal.email)
    make.enrol(world.amal, world.plan)
    db.session.commit()
    invite_by_service(second, world.amal)
    result = runner.invoke(args=["invitations", "send", "--plan", second.slug])
    assert result.exit_code == 0, result.output
    assert "Sent 1, failed 0" in result.output

    ngo = new_client(app)
    ngo.get(path(link_in(smtp_server.messages[-1])))
    page = text(ngo.get("/join"))
    assert "Your organisation already has an account. Sign in to add this plan to it." in page
    users_before = row_counts()["user_account"]
    # Registering again is refused: the organisation signs in instead.
    response = register(ngo)
    assert response.status_code == 409
    response = post_form(ngo, "/join/signin", {"email": admin.email, "password": "wrong one!!"},
                         page="/join")
    assert response.status_code == 422
    assert "The email or password is not correct." in text(response)
    response = post_form(ngo, "/join/signin", {"email": admin.email, "password": PASSWORD},
                         page="/join")
    assert response.status_code == 302
    assert row_counts()["user_account"] == users_before
    db.session.expire_all()
    assert db.session.scalar(sa.select(Invitation.status).where(
        Invitation.plan_id == second.id)) == "registered"
    home = text(ngo.get("/ngo"))
    assert world.plan.title_en in home and second.title_en in home


def test_a_signed_in_administrator_adds_the_plan_in_one_click(app, world, smtp_server):
    second = make.plan(world.body, files=1)
    admin = make.ngo_user(world.amal, "ngo_admin")
    make.enrol(world.amal, world.plan)
    db.session.commit()
    invite_by_service(second, world.amal)
    service.send(db.session, second)
    ngo = new_client(app)
    login(ngo, admin.email)
    ngo.get(path(link_in(smtp_server.messages[-1])))
    page = text(ngo.get("/join"))
    assert "Add this plan to our account" in page
    response = post_form(ngo, "/join/accept", page="/join")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Invitation.status).where(
        Invitation.plan_id == second.id)) == "registered"


def test_an_ngo_that_declined_can_change_its_mind_while_the_link_is_valid(app, world):
    invitation = make.invitation(world.noor, world.plan)
    db.session.commit()
    ngo = new_client(app)
    ngo.get(f"/join/{service.token_for(invitation)}")
    post_form(ngo, "/join/decline", {"reason": ""}, page="/join")
    page = text(ngo.get("/join"))
    assert "Your organisation declined this invitation" in page
    assert register(ngo).status_code == 302
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).status == "registered"


# --- resumable sending ---------------------------------------------------------------------


@pytest.mark.parametrize("how", ["disconnect", "421"])
def test_a_batch_cut_by_the_smtp_server_completes_on_rerun_without_duplicates(
        app, world, smtp_server, runner, how):
    orgs = [make.organization(f"NGO {i}") for i in range(12)]
    bounced = orgs[2]
    db.session.commit()
    invite_by_service(world.plan, *orgs)
    smtp_server.reject.add(bounced.email)
    smtp_server.fail_after(5, how=how)

    first = runner.invoke(args=["invitations", "send", "--plan", world.plan.slug])
    assert first.exit_code == 1
    assert "stay queued: run the command again" in first.output
    assert len(smtp_server.messages) == 5

    smtp_server.recover()
    second = runner.invoke(args=["invitations", "send", "--plan", world.plan.slug])
    assert second.exit_code == 0, second.output

    ids = smtp_server.message_ids()
    assert len(ids) == len(set(ids)) == 11  # 0 duplicates
    received = {rcpt for _from, rcpts in smtp_server.envelopes for rcpt in rcpts}
    assert received == {o.email for o in orgs} - {bounced.email}  # 0 missing
    # The bad address failed alone, its SMTP error kept; the batch went on.
    failed = db.session.scalar(sa.select(OutgoingEmail).where(OutgoingEmail.status == "failed"))
    assert failed.recipient == bounced.email and failed.last_error.startswith("550")
    statuses = db.session.scalars(sa.select(OutgoingEmail.status)).all()
    assert sorted(statuses) == ["failed"] + ["sent"] * 11
    funnel = funnel_service.funnel(db.session, world.plan)
    assert (funnel.sent, funnel.failed) == (11, 1)
    assert funnel.failures[0][0].email == bounced.email


def test_a_temporary_refusal_stays_queued_and_goes_with_the_next_run(app, world, smtp_server):
    invite_by_service(world.plan, world.amal, world.noor)
    smtp_server.defer.add(world.noor.email)
    report = service.send(db.session, world.plan)
    assert (report.sent, report.deferred, report.failed) == (1, 1, 0)
    email = db.session.scalar(sa.select(OutgoingEmail).where(
        OutgoingEmail.recipient == world.noor.email))
    assert email.status == "queued" and email.last_error.startswith("450")
    smtp_server.defer.clear()
    assert service.send(db.session, world.plan).sent == 1
    assert len(set(smtp_server.message_ids())) == 2


def test_a_spent_time_budget_sends_nothing_more_and_keeps_the_rest_queued(app, world):
    invite_by_service(world.plan, world.amal, world.noor)
    report = service.send(db.session, world.plan, time_budget=-1)
    assert report.out_of_time and report.sent == 0
    from monitor.services import mailer

    assert mailer.count_pending(db.session, plan_id=world.plan.id) == 2  # claims released


def test_web_sending_goes_in_chunks_of_at_most_fifty(app, world, smtp_server):
    orgs = [make.organization(f"NGO {i}") for i in range(60)]
    db.session.commit()
    invite_by_service(world.plan, *orgs)
    coordinator = new_client(app)
    login(coordinator, world.coordinator.email)
    page = text(coordinator.get(f"/plans/{world.plan.slug}/sending"))
    assert "Send the next 50" in page
    post_form(coordinator, f"/plans/{world.plan.slug}/sending")
    assert len(smtp_server.messages) == 50
    progress = service.progress(db.session, world.plan)
    assert (progress.sent, progress.queued) == (50, 10)
    post_form(coordinator, f"/plans/{world.plan.slug}/sending")
    assert len(set(smtp_server.message_ids())) == 60
    assert "Nothing is waiting to be sent." in text(
        coordinator.get(f"/plans/{world.plan.slug}/sending"))


def test_messages_claimed_by_another_sender_are_not_sent_twice(app, world, smtp_server):
    orgs = [make.organization(f"NGO {i}") for i in range(4)]
    db.session.commit()
    invite_by_service(world.plan, *orgs)
    # Another run (the CLI, a second tab) holds two messages.
    claimed = db.session.scalars(sa.select(OutgoingEmail).limit(2)).all()
    for email in claimed:
        email.claim, email.claimed_until = "other", utcnow() + dt.timedelta(minutes=5)
    db.session.commit()
    report = service.send(db.session, world.plan)
    assert report.sent == 2 and len(smtp_server.messages) == 2
    # Once the other run's claim lapses (it was killed), the next run sends them.
    for email in db.session.scalars(sa.select(OutgoingEmail).where(
            OutgoingEmail.status == "queued")):
        email.claimed_until = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert service.send(db.session, world.plan).sent == 2
    assert len(set(smtp_server.message_ids())) == 4


def test_resend_issues_a_new_link_and_the_old_one_stops_working(app, world, smtp_server):
    (invitation,) = invite_by_service(world.plan, world.amal)
    service.send(db.session, world.plan)
    old_link = link_in(smtp_server.messages[-1])
    coordinator = new_client(app)
    login(coordinator, world.coordinator.email)
    response = post_form(coordinator, f"/invitations/{invitation.id}/resend",
                         page=f"/invitations/{invitation.id}/link")
    assert response.status_code == 302
    assert run_mail_worker() == 1
    new_link = link_in(smtp_server.messages[-1])
    assert new_link != old_link
    before = snapshot()
    ngo = new_client(app)
    response = ngo.get(path(old_link))
    assert response.status_code == 410
    assert "A newer link was sent for this invitation" in text(response)
    assert snapshot() == before
    assert ngo.get(path(new_link)).status_code == 302


def test_the_coordinator_copies_a_link_to_send_by_other_means(app, world):
    invitation = make.invitation(world.amal, world.plan)
    db.session.commit()
    coordinator = new_client(app)
    login(coordinator, world.coordinator.email)
    page = text(coordinator.get(f"/invitations/{invitation.id}/link"))
    link = LINK.search(page).group(0)
    ngo = new_client(app)
    assert ngo.get(path(link)).status_code == 302
    assert "Amal" in text(ngo.get("/join"))


def test_the_coordinator_withdraws_an_invitation_and_its_queued_email(app, world):
    (invitation,) = invite_by_service(world.plan, world.amal)
    coordinator = new_client(app)
    login(coordinator, world.coordinator.email)
    response = post_form(coordinator, f"/invitations/{invitation.id}/revoke",
                         page=f"/invitations/{invitation.id}/link")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).status == "revoked"
    assert db.session.scalar(sa.select(OutgoingEmail.status)) == "cancelled"
    assert funnel_service.funnel(db.session, world.plan).invited == 0
    # Withdrawing twice is refused and changes nothing.
    before = snapshot()
    response = post_form(coordinator, f"/invitations/{invitation.id}/revoke",
                         page=f"/invitations/{invitation.id}/link")
    assert "This invitation was already withdrawn." in text(coordinator.get(
        response.headers["Location"]))
    assert snapshot() == before


def test_the_command_line_invites_reminds_and_reports(app, world, smtp_server, runner):
    result = runner.invoke(args=["invitations", "invite", "--plan", world.plan.slug,
                                 "--email", world.amal.email, "--email", world.noor.email])
    assert result.exit_code == 0 and "Queued 2 invitation(s)" in result.output
    assert runner.invoke(args=["invitations", "send"]).exit_code == 0
    assert len(smtp_server.messages) == 2
    invitation = db.session.scalar(sa.select(Invitation).where(
        Invitation.organization_id == world.noor.id))
    service.decline(db.session, invitation, "No capacity this year.")
    db.session.commit()
    result = runner.invoke(args=["invitations", "remind", "--plan", world.plan.slug])
    assert result.exit_code == 0 and "Queued 1 reminder(s)." in result.output
    assert smtp_server.envelopes[-1][1] == [world.amal.email]  # never the one that declined
    result = runner.invoke(args=["invitations", "status", "--plan", world.plan.slug])
    assert "invited 2  sent 2" in result.output and "declined 1" in result.output
    assert "nobody monitors this file" in result.output
    result = runner.invoke(args=["invitations", "invite", "--plan", world.plan.slug,
                                 "--email", "unknown@ngo.example"])
    assert result.exit_code != 0 and "Unknown organisation email(s)" in result.output


def test_another_bodys_coordinator_cannot_see_or_touch_the_invitations(app, world):
    invitation = make.invitation(world.amal, world.plan)
    stranger = make.coordinator(make.body())
    db.session.commit()
    client = new_client(app)
    login(client, stranger.email)
    assert client.get(f"/plans/{world.plan.slug}/invitations").status_code == 404
    assert client.get(f"/invitations/{invitation.id}/link").status_code == 404


# --- bad links -----------------------------------------------------------------------------


def _refused(client, url: str, status: int, message: str) -> None:  # noqa: ANN001
    before = snapshot()
    response = client.get(url)
    assert response.status_code == status, text(response)[:500]
    assert message in text(response)
    assert snapshot() == before


def test_a_tampered_or_truncated_link_is_refused(app, world):
    invitation = make.invitation(world.amal, world.plan)
    db.session.commit()
    token = service.token_for(invitation)
    client = new_client(app)
    message = "This link is not valid. It may have been cut off"
    _refused(client, f"/join/{token[:-6]}", 400, message)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    _refused(client, f"/join/{tampered}", 400, message)
    _refused(client, "/join/not-a-token", 400, message)
    _refused(client, "/join", 400, "Please open the link from your invitation email.")


def test_an_expired_link_is_refused(app, world, monkeypatch):
    invitation = make.invitation(world.amal, world.plan)
    db.session.commit()
    import itsdangerous.timed

    past = utcnow().timestamp() - 31 * 86400
    with monkeypatch.context() as patch:
        patch.setattr(itsdangerous.timed.time, "time", lambda: past)
        old_token = service.token_for(invitation)
    client = new_client(app)
    _refused(client, f"/join/{old_token}", 410, "This invitation link has expired.")
    # The invitation's own validity counts too.
    invitation.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    _refused(client, f"/join/{service.token_for(invitation)}", 410,
             "This invitation link has expired.")


def test_a_link_used_again_after_registration_says_already_used(app, world):
    invitation = make.invitation(world.amal, world.plan)
    db.session.commit()
    token = service.token_for(invitation)
    first = new_client(app)
    first.get(f"/join/{token}")
    assert register(first).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == world.amal.email))
    password_hash = user.password_hash

    again = new_client(app)
    _refused(again, f"/join/{token}", 409, "This invitation link has already been used")
    # Even a registration form kept open in another tab cannot overwrite the password.
    stale = new_client(app)
    db.session.execute(sa.update(Invitation).where(Invitation.id == invitation.id).values(
        status="pending"))
    db.session.commit()
    stale.get(f"/join/{token}")
    page = stale.get("/join").get_data(as_text=True)
    db.session.execute(sa.update(Invitation).where(Invitation.id == invitation.id).values(
        status="registered"))
    db.session.commit()
    before = snapshot()
    response = stale.post("/join/register", data={
        "csrf_token": csrf_from(page), "name": "Mallory", "password": "another password 9",
        "confirm": "another password 9"})
    assert response.status_code == 409
    assert "already been used" in text(response)
    assert snapshot() == before
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == password_hash


def test_two_tabs_submitting_at_once_make_exactly_one_account(app, world):
    invitation = make.invitation(world.amal, world.plan)
    db.session.commit()
    token = service.token_for(invitation)
    tabs = []
    for _ in range(2):
        tab = new_client(app, lang=None)
        tab.get(f"/join/{token}")
        tabs.append((tab, csrf_from(tab.get("/join").get_data(as_text=True))))
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def submit(tab, csrf) -> None:  # noqa: ANN001
        barrier.wait()
        response = tab.post("/join/register", data={
            "csrf_token": csrf, "name": "Tab", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=submit, args=tab) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [302, 409]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.organization_id == world.amal.id)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "invitation.registered")) == 1


def test_a_link_opened_while_signed_in_as_another_organisation_attaches_nothing(app, world):
    invitation = make.invitation(world.amal, world.plan)
    stranger = make.ngo_user(world.noor, "ngo_admin")
    db.session.commit()
    client = new_client(app)
    login(client, stranger.email)
    message = "This invitation is for another organisation."
    _refused(client, f"/join/{service.token_for(invitation)}", 403, message)
    # A token opened before signing in does not survive the sign-in (a fresh session).
    anonymous = new_client(app)
    anonymous.get(f"/join/{service.token_for(invitation)}")
    login(anonymous, stranger.email)
    before = snapshot()
    for url in ("/join/accept", "/join/register", "/join/decline"):
        response = anonymous.post(url, data={"csrf_token": csrf_from(
            anonymous.get("/ngo").get_data(as_text=True)), "name": "x", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD})
        assert response.status_code == 400, url
        assert "Please open the link from your invitation email." in text(response)
    assert snapshot() == before


@pytest.mark.parametrize("case", ["revoked", "superseded"])
def test_a_revoked_or_superseded_invitation_link_is_refused(app, world, case):
    invitation = make.invitation(world.amal, world.plan)
    db.session.commit()
    token = service.token_for(invitation)
    if case == "revoked":
        service.revoke(db.session, invitation, actor_id=None)
        message = "This invitation was withdrawn by the coordinator."
    else:
        service.renew_link(db.session, invitation, actor_id=None)
        message = "A newer link was sent for this invitation"
    db.session.commit()
    _refused(new_client(app), f"/join/{token}", 410, message)


def test_an_evaluator_token_does_not_open_the_ngo_link(app, world):
    invitation = make.invitation(world.amal, world.plan)
    db.session.commit()
    wrong_salt = make_token("evaluator", {"i": invitation.id, "n": invitation.nonce})
    _refused(new_client(app), f"/join/{wrong_salt}", 400, "This link is not valid.")


def test_a_link_to_a_closed_plan_is_refused(app, world):
    invitation = make.invitation(world.amal, world.plan)
    world.plan.status = "closed"
    db.session.commit()
    _refused(new_client(app), f"/join/{service.token_for(invitation)}", 410,
             "This plan is closed")


def test_registration_refuses_a_weak_password_and_changes_nothing(app, world):
    invitation = make.invitation(world.amal, world.plan)
    db.session.commit()
    client = new_client(app)
    client.get(f"/join/{service.token_for(invitation)}")
    before = snapshot()
    response = register(client, password="short")
    assert response.status_code == 422
    assert "The password must be at least 10 characters long." in text(response)
    response = post_form(client, "/join/register", {
        "name": "Layla", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"}, page="/join")
    assert response.status_code == 422
    assert "The two passwords are not the same." in text(response)
    assert snapshot() == before


# --- the open call -------------------------------------------------------------------------


OPEN_CALL = {"name": "Sunrise NGO", "email": "sunrise@ngo.example", "registration_number": "",
             "governorate": "Duhok", "preferred_language": "en"}


def test_an_uninvited_organisation_asks_to_join_and_the_coordinator_approves(
        app, world, smtp_server):
    public = new_client(app)
    response = post_form(public, f"/open-call/{world.plan.slug}", OPEN_CALL)
    assert response.status_code == 302
    assert "Thank you." in text(public.get(response.headers["Location"]))
    request = db.session.scalar(sa.select(JoinRequest))
    assert (request.status, request.email) == ("pending", "sunrise@ngo.example")

    coordinator = new_client(app)
    login(coordinator, world.coordinator.email)
    page = text(coordinator.get(f"/plans/{world.plan.slug}/join-requests"))
    assert "Sunrise NGO" in page
    response = post_form(coordinator, f"/join-requests/{request.id}/approve",
                         page=f"/plans/{world.plan.slug}/join-requests")
    assert response.status_code == 302
    org = db.session.scalar(sa.select(Organization).where(
        Organization.email == "sunrise@ngo.example"))
    assert smtp_server.to(org.email) == []  # the request only queued it ...
    # ... the mail worker sends it, with the coordinator's notice of the new request and
    # the requester's acknowledgement.
    assert run_mail_worker() == 3
    assert [m["To"] for m in smtp_server.messages] == [
        org.email, world.coordinator.email, org.email]
    message = smtp_server.to(org.email)[-1]  # the invitation, after the acknowledgement
    assert "Your request to take part was approved." in smtp_server.text(message)
    ngo = new_client(app)
    ngo.get(path(link_in(message)))
    assert register(ngo).status_code == 302


def test_the_coordinator_rejects_a_request_with_a_reason_that_is_emailed(
        app, world, smtp_server):
    request = JoinRequest(plan_id=world.plan.id, name="Dubious", email="dubious@ngo.example",
                          preferred_language="en")
    db.session.add(request)
    db.session.commit()
    coordinator = new_client(app)
    login(coordinator, world.coordinator.email)
    page = f"/plans/{world.plan.slug}/join-requests"
    before = snapshot() | table_snapshot(JoinRequest)
    response = post_form(coordinator, f"/join-requests/{request.id}/reject", {"reason": "  "},
                         page=page)
    assert "Please give the reason" in text(coordinator.get(response.headers["Location"]))
    assert snapshot() | table_snapshot(JoinRequest) == before
    post_form(coordinator, f"/join-requests/{request.id}/reject",
              {"reason": "Not a registered NGO."}, page=page)
    db.session.expire_all()
    assert db.session.get(JoinRequest, request.id).status == "rejected"
    run_mail_worker()
    assert "Not a registered NGO." in smtp_server.text(smtp_server.to("dubious@ngo.example")[0])


def test_the_open_call_never_reveals_who_is_registered(app, world):
    make.enrol(world.amal, world.plan)
    db.session.commit()
    public = new_client(app)
    known = post_form(public, f"/open-call/{world.plan.slug}",
                      OPEN_CALL | {"email": world.amal.email})
    unknown = post_form(public, f"/open-call/{world.plan.slug}", OPEN_CALL)
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    # The same address again is not doubled, and gets the same answer.
    again = post_form(public, f"/open-call/{world.plan.slug}", OPEN_CALL)
    assert again.headers["Location"] == unknown.headers["Location"]
    assert row_counts()["join_request"] == 2


def test_the_open_call_refuses_header_injection_and_closed_plans(app, world):
    draft = make.plan(world.body, status="draft")
    db.session.commit()
    public = new_client(app)
    before = row_counts()
    response = post_form(public, f"/open-call/{world.plan.slug}",
                         OPEN_CALL | {"email": "x@ngo.example\r\nBcc: all@example.org"})
    assert response.status_code == 422
    assert "Line breaks and control characters are not allowed here." in text(response)
    assert public.get(f"/open-call/{draft.slug}").status_code == 404
    assert row_counts() == before


def test_the_open_call_form_submitted_fifty_times_in_a_minute(database_url, tmp_path):
    from support import FreshContextClient, base_config

    from monitor import create_app

    app = create_app(base_config(tmp_path) | {"SQLALCHEMY_DATABASE_URI": database_url,
                                              "RATELIMIT_ENABLED": True})
    app.test_client_class = FreshContextClient
    with app.app_context():
        limiter.reset()
        plan = make.plan()
        db.session.commit()
        client = new_client(app)
        token = csrf_from(client.get(f"/open-call/{plan.slug}").get_data(as_text=True))
        statuses = []
        for i in range(50):
            response = client.post(f"/open-call/{plan.slug}", data=OPEN_CALL | {
                "csrf_token": token, "email": f"flood{i}@ngo.example"})
            statuses.append(response.status_code)
        assert statuses.count(302) == 5 and statuses.count(429) == 45
        assert "Too many attempts" in text(response)
        assert row_counts()["join_request"] == 5
        limiter.reset()
        db.session.remove()
        db.engine.dispose()
