"""Issue 14, finding 1: account takeover across governing bodies. An organisation belongs
to the bodies that invited it; only their coordinators change it; a coordinator without
a body reads the directory but changes nothing; a new address revokes every outstanding
invitation link (both bodies'), a new one goes out only when resent, and the old address
is told. An organisation no body has invited yet is changed only by the body that created
it."""
from __future__ import annotations

import factories as make
import sqlalchemy as sa
from smtp import SmtpServer
from support import text
from test_attacks import english, refused, signed_in, snapshot

from monitor.extensions import db
from monitor.models import AuditEvent, Invitation, Organization, OutgoingEmail
from monitor.services import mail_worker
from monitor.services.outreach import invitations as invitation_service
from monitor.tokens import make_row_token


def _edit(client, org: Organization, email: str, name: str | None = None):  # noqa: ANN001, ANN202
    return client.post(f"/organizations/{org.id}/edit", data={
        "csrf_token": client.csrf_token, "name": name or org.name, "email": email,
        "governorate": org.governorate or "", "registration_number": org.registration_number or "",
        "preferred_language": "en"})


def test_a_coordinator_of_another_body_cannot_change_an_organisation(app):
    a, b = make.worlds()
    intruder = signed_in(app, b.coordinator)
    before = snapshot()
    refused(_edit(intruder, a.invited_org, "attacker@evil.example"), 404,
            "This page does not exist", before)
    refused(intruder.get(f"/organizations/{a.invited_org.id}/edit"), 404,
            "This page does not exist", before)
    # The directory is shared for reading, without a way to edit another body's organisation.
    page = text(intruder.get("/organizations?q=" + a.org_marker))
    assert a.invited_org.name in page
    assert f"/organizations/{a.invited_org.id}/edit" not in page


def test_a_coordinator_without_a_body_reads_organisations_but_changes_none(app):
    a, _b = make.worlds()
    overseer = make.coordinator(None, email="overseer@gov.example")
    db.session.commit()
    client = signed_in(app, overseer)
    page = client.get("/organizations?q=" + a.org_marker)
    assert page.status_code == 200 and a.invited_org.name in text(page)
    assert "/edit" not in text(page) and "/organizations/new" not in text(page)
    before = snapshot()
    refused(_edit(client, a.invited_org, "attacker@evil.example"), 403,
            "Your account is not allowed to open this page.", before)
    refused(client.post("/organizations/new", data={
        "csrf_token": client.csrf_token, "name": "Shadow", "email": "shadow@evil.example",
        "preferred_language": "en"}), 403, "Your account is not allowed", before)


def test_an_email_change_revokes_both_bodies_links_and_tells_the_old_address(app, smtp_server):
    a, b = make.worlds()
    org = a.invited_org
    other_body = make.invitation(org, b.plan)
    db.session.commit()
    old_email = org.email
    links = {i.id: make_row_token("invitation", i.id, i.nonce) for i in (a.pending, other_body)}
    coordinator = signed_in(app, a.coordinator)
    response = _edit(coordinator, org, "new-address@ngo.example")
    assert response.status_code == 302, text(response)[:1500]
    db.session.expire_all()
    assert db.session.get(Organization, org.id).email == "new-address@ngo.example"
    # Both bodies' links stop working, with a message that says why.
    visitor = english(app.test_client())
    for invitation_id, token in links.items():
        page = visitor.get(f"/join/{token}", follow_redirects=True)
        assert page.status_code == 410, (invitation_id, text(page)[:800])
        assert "the organisation's email address was changed" in text(page)
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation.nonce is None and invitation.status == "pending"
    revoked = db.session.scalars(sa.select(AuditEvent.object_id).where(
        AuditEvent.action == "invitation.link_revoked")).all()
    assert sorted(revoked) == sorted(links)
    # Nothing went to the new address on its own; the old address was told (the mail
    # worker sends what the request queued).
    mail_worker.run_once(db.session)
    assert [m["To"] for m in smtp_server.messages] == [old_email]
    notice = SmtpServer.text(smtp_server.messages[0])
    assert "new-address@ngo.example" in notice and old_email in notice
    # A new invitation goes out only on purpose: the coordinator resends it (audited).
    invitation_service.resend(db.session, db.session.get(Invitation, a.pending.id),
                              actor_id=a.coordinator.id)
    db.session.commit()
    assert db.session.scalar(sa.select(OutgoingEmail.recipient).where(
        OutgoingEmail.invitation_id == a.pending.id).order_by(OutgoingEmail.id.desc()).limit(1)
    ) == "new-address@ngo.example"


def test_a_change_that_keeps_the_address_revokes_nothing_and_mails_nobody(app, smtp_server):
    a, _b = make.worlds()
    coordinator = signed_in(app, a.coordinator)
    response = _edit(coordinator, a.invited_org, a.invited_org.email, name="Renamed NGO")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Invitation, a.pending.id).nonce is not None
    assert smtp_server.messages == []


def _new_organization(client, email: str):  # noqa: ANN001, ANN202
    return client.post("/organizations/new", data={
        "csrf_token": client.csrf_token, "name": "Created by A", "email": email,
        "preferred_language": "en"})


def test_an_organisation_nobody_invited_is_changed_only_by_the_body_that_created_it(app):
    a, b = make.worlds()
    creator = signed_in(app, a.coordinator)
    assert _new_organization(creator, "created@ngo.example").status_code == 302
    fresh = db.session.scalar(sa.select(Organization).where(
        Organization.email == "created@ngo.example"))
    assert fresh.created_by_body_id == a.body.id
    # Another body's coordinator: refused, nothing changed (the same answer as for an
    # organisation another body invited), and no edit link in the directory.
    intruder = signed_in(app, b.coordinator)
    before = snapshot()
    refused(_edit(intruder, fresh, "attacker@evil.example"), 404,
            "This page does not exist", before)
    assert f"/organizations/{fresh.id}/edit" not in text(intruder.get("/organizations?q=created"))
    # The body that created it changes it.
    assert f"/organizations/{fresh.id}/edit" in text(creator.get("/organizations?q=created"))
    response = _edit(creator, fresh, "corrected@ngo.example")
    assert response.status_code == 302, text(response)[:1500]
    db.session.expire_all()
    assert db.session.get(Organization, fresh.id).email == "corrected@ngo.example"


def test_once_invited_an_organisation_belongs_to_the_bodies_that_invited_it(app):
    a, b = make.worlds()
    fresh = make.organization("Created by A, invited by B")
    fresh.created_by_body_id = a.body.id
    make.invitation(fresh, b.plan)
    db.session.commit()
    before = snapshot()
    refused(_edit(signed_in(app, a.coordinator), fresh, "attacker@evil.example"), 404,
            "This page does not exist", before)
    assert _edit(signed_in(app, b.coordinator), fresh, "b@ngo.example").status_code == 302


def test_an_uninvited_organisation_of_unknown_creator_is_changed_by_nobody(app):
    # Created before creators were kept (and not traced in the audit trail): no body has
    # a claim on it until one invites it.
    a, b = make.worlds()
    legacy = make.organization("Legacy NGO")
    db.session.commit()
    before = snapshot()
    for coordinator in (a.coordinator, b.coordinator):
        refused(_edit(signed_in(app, coordinator), legacy, "attacker@evil.example"), 404,
                "This page does not exist", before)
    make.invitation(legacy, a.plan)
    db.session.commit()
    assert _edit(signed_in(app, a.coordinator), legacy, "legacy@ngo.example").status_code == 302


def test_an_import_and_an_approved_request_record_the_creating_body(app):
    from monitor.services.outreach import open_call
    from monitor.services.outreach import organizations as organization_service

    a, _b = make.worlds()
    preview = organization_service.check_records(
        db.session, [[2, "Imported NGO", "imported@ngo.example", "", "", "en"]])
    (imported,) = organization_service.import_organizations(db.session, preview,
                                                            actor_id=a.coordinator.id)
    open_call.approve_join_request(db.session, a.join_request, actor_id=a.coordinator.id)
    db.session.commit()
    applicant = db.session.scalar(sa.select(Organization).where(
        Organization.email == a.join_request.email))
    assert imported.created_by_body_id == a.body.id
    assert applicant.created_by_body_id == a.plan.body_id
