"""The open call answers its requester by email (the notifications issue, item 16): the
request arrived, who reviews it and what happens next, in the language chosen in the form,
sent by the mail worker through a real SMTP server. The page never tells a known address
from an unknown one, and repeated requests bring at most one email a day."""
from __future__ import annotations

import datetime as dt
import re
from email.header import decode_header, make_header

import factories as make
import pytest
import sqlalchemy as sa
from support import new_client, post_form, text

from monitor.extensions import db
from monitor.models import OutgoingEmail, utcnow
from monitor.services import mail_worker
from monitor.services.outreach import open_call

FULL_EN = ("Kurdistan Regional Government – Office of the Coordinator for International "
           "Recommendations")
FULL_AR = "حكومة إقليم كوردستان – مكتب منسق التوصيات الدولية"


def _plan():
    body = make.body()
    body.name_en, body.name_ar = FULL_EN, FULL_AR
    plan = make.plan(body)
    db.session.commit()
    return plan


def _request(client, plan, email: str, lang: str = "en"):
    return post_form(client, f"/open-call/{plan.slug}", {
        "name": "Sunrise NGO", "email": email, "registration_number": "",
        "governorate": "Duhok", "preferred_language": lang}, follow_redirects=True)


def _acknowledgements() -> list[OutgoingEmail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutgoingEmail).where(
        OutgoingEmail.kind == "join_request_acknowledged").order_by(OutgoingEmail.id)))


@pytest.mark.parametrize(("lang", "subject", "who", "next_step"), [
    ("en", "We received your request to join", f"It will be reviewed by {FULL_EN}",
     "if the request is approved, you will receive an invitation by email"),
    ("ar", "استلمنا طلبكم", f"سيُراجَع طلبكم من قِبَل {FULL_AR}", "إذا تمت الموافقة على الطلب"),
])
def test_the_requester_is_told_by_email_that_the_request_arrived(app, smtp_server, lang,
                                                                  subject, who, next_step):
    plan = _plan()
    response = _request(new_client(app), plan, "sunrise@ngo.example", lang)
    assert response.status_code == 200
    assert smtp_server.to("sunrise@ngo.example") == []  # the request only queued it
    mail_worker.run_once(db.session)
    (message,) = smtp_server.to("sunrise@ngo.example")
    body = smtp_server.text(message)
    assert subject in str(make_header(decode_header(message["Subject"])))
    assert who in body and next_step in body
    assert "Sunrise NGO" in body
    assert "/login" not in body  # an unknown address is not sent to sign-in


def test_the_page_is_the_same_for_a_known_and_an_unknown_address(app, smtp_server):
    plan = _plan()
    known = make.organization(language="en")
    db.session.commit()
    pages = []
    for email in (known.email, "unknown@ngo.example"):
        page = text(_request(new_client(app), plan, email))
        pages.append(re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", page))
    assert "Request received" in pages[0]
    assert pages[0] == pages[1]
    # Both addresses are answered; only the known one's owner reads that it may sign in.
    assert [e.recipient for e in _acknowledgements()] == [known.email, "unknown@ngo.example"]
    mail_worker.run_once(db.session)
    known_text = smtp_server.text(smtp_server.to(known.email)[0])
    unknown_text = smtp_server.text(smtp_server.to("unknown@ngo.example")[0])
    assert "http://localhost/login" in known_text and "http://localhost/reset" in known_text
    assert "http://localhost/login" not in unknown_text


def test_repeated_requests_bring_one_acknowledgement_a_day(app, smtp_server):
    plan, other = _plan(), _plan()
    client = new_client(app)
    first = text(_request(client, plan, "flood@ngo.example"))
    assert "Request received" in text(_request(client, other, "flood@ngo.example"))
    for _again in range(2):
        assert text(_request(client, plan, "flood@ngo.example")) == first
    assert len(_acknowledgements()) == 1
    mail_worker.run_once(db.session)
    assert len(smtp_server.to("flood@ngo.example")) == 1
    # The next day the address may be answered again.
    values = {"email": "flood@ngo.example", "name": "Flood", "preferred_language": "en"}
    assert open_call.acknowledge(db.session, plan, values) is None
    later = utcnow() + dt.timedelta(days=1, minutes=1)
    assert open_call.acknowledge(db.session, plan, values, now=later) is not None
