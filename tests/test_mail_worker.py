"""Queued mail and the mail worker: no request waits on SMTP (security finding 9, the
journeys issue's item 17). Requests queue; `flask mail worker` sends, through a real SMTP
server here."""
from __future__ import annotations

import logging
import re
import threading

import sqlalchemy as sa

import factories as make
from monitor.extensions import db
from monitor.models import OutgoingEmail
from monitor.services import mail_worker, mailer
from support import client_as, post_form, text


def test_password_reset_queues_the_mail_and_answers_both_paths_alike(app, client, runner,
                                                                    smtp_server):
    make.coordinator(make.body(), email="known@gov.example")
    db.session.commit()
    answers = []
    for email in ("known@gov.example", "unknown@gov.example"):
        response = post_form(client, "/reset?lang=en", {"email": email}, follow_redirects=True)
        page = text(response).split("<main")[1].split("</main>")[0]
        answers.append(re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", page))  # its second
    assert "If an account exists for this address" in answers[0]
    assert answers[0] == answers[1]
    # The request spoke to no SMTP server: the message waits in the queue ...
    assert smtp_server.messages == []
    queued = db.session.scalars(sa.select(OutgoingEmail)).all()
    assert [(e.recipient, e.status) for e in queued] == [("known@gov.example", "queued")]
    # ... until the worker sends it.
    result = runner.invoke(args=["mail", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Sent 1, failed 0, deferred 0; 0 message(s) still queued." in result.output
    (message,) = smtp_server.messages
    assert message["To"] == "known@gov.example"
    link = re.search(r"http://localhost(/reset/\S+)", smtp_server.text(message)).group(1)
    assert client.get(link).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(OutgoingEmail.status)) == "sent"


def test_the_worker_once_with_nothing_queued_sends_nothing(runner, smtp_server):
    result = runner.invoke(args=["mail", "worker", "--once"])
    assert result.exit_code == 0
    assert "Sent 0, failed 0, deferred 0; 0 message(s) still queued." in result.output
    assert smtp_server.messages == []


def test_the_worker_keeps_what_the_server_cannot_take_and_sends_it_next_round(
        app, runner, smtp_server):
    for address in ("a@ngo.example", "busy@ngo.example"):
        mailer.queue(db.session, kind="test", to=address, template="password_reset",
                     lang="en", link="http://localhost/reset/x", minutes=60)
    db.session.commit()
    smtp_server.defer.add("busy@ngo.example")
    result = runner.invoke(args=["mail", "worker", "--once"])
    assert "Sent 1, failed 0, deferred 1; 1 message(s) still queued." in result.output
    smtp_server.defer.clear()
    result = runner.invoke(args=["mail", "worker", "--once"])
    assert "Sent 1, failed 0, deferred 0; 0 message(s) still queued." in result.output
    assert len(set(smtp_server.message_ids())) == 2


def test_a_failed_round_is_logged_and_the_worker_thread_goes_on(app, smtp_server, caplog,
                                                                monkeypatch):
    """The demo's in-process worker: a round that raises is logged (not lost in a bare
    thread), and the next round sends the mail."""
    mailer.queue(db.session, kind="test", to="someone@ngo.example", template="password_reset",
                 lang="en", link="http://localhost/reset/x", minutes=60)
    db.session.commit()
    real = mailer.send_pending
    calls = []
    sent = threading.Event()

    def flaky(session, **kwargs):  # noqa: ANN001, ANN003, ANN202
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away for a moment")
        report = real(session, **kwargs)
        if report.sent:
            sent.set()
        return report

    monkeypatch.setattr(mailer, "send_pending", flaky)
    caplog.set_level(logging.ERROR, logger="monitor.mail")
    thread, stop = mail_worker.start_thread(app, seconds=0.05)
    try:
        assert sent.wait(30), "the worker never sent the queued message"
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    assert [m["To"] for m in smtp_server.messages] == ["someone@ngo.example"]
    failures = [r for r in caplog.records if r.name == "monitor.mail"]
    assert failures and "a round failed" in failures[0].getMessage()
    assert "database went away for a moment" in failures[0].exc_text


def test_a_request_that_emails_does_not_contact_the_smtp_server(app, smtp_server):
    """Any mail sent inside a request is only queued (here: an NGO administrator invites an
    evaluator); the server refuses everything and the request does not notice."""
    org = make.organization(language="en")
    admin = make.ngo_user(org, "ngo_admin")
    db.session.commit()
    smtp_server.fail_after(0)  # a request that tried to send would be told so
    client = client_as(app, admin)
    response = post_form(client, "/ngo/evaluators", {"email": "evaluator@ngo.example"},
                         page="/ngo?lang=en")
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "An invitation was sent to" in page and "could not be sent" not in page
    email = db.session.scalar(sa.select(OutgoingEmail).where(
        OutgoingEmail.recipient == "evaluator@ngo.example"))
    assert email.status == "queued" and email.attempts == 0
    assert smtp_server.messages == []


def test_a_message_rendered_when_sent_that_cannot_be_rendered_fails_alone(app, runner,
                                                                          smtp_server):
    """A message queued for its sender to render (a receipt) whose data no longer leads
    anywhere fails with the reason kept; the mail queued with it still goes."""
    mailer.queue_when_sent(db.session, kind="receipt", to="gone@ngo.example",
                           template="evaluation_receipt", data={"revision": 987654})
    mailer.queue(db.session, kind="test", to="someone@ngo.example", template="password_reset",
                 lang="en", link="http://localhost/reset/x", minutes=60)
    db.session.commit()
    result = runner.invoke(args=["mail", "worker", "--once"])
    assert "Sent 1, failed 1, deferred 0; 0 message(s) still queued." in result.output
    assert [m["To"] for m in smtp_server.messages] == ["someone@ngo.example"]
    db.session.expire_all()
    failed = db.session.scalar(sa.select(OutgoingEmail).where(
        OutgoingEmail.recipient == "gone@ngo.example"))
    assert failed.status == "failed" and "987654" in failed.last_error


def test_an_arabic_email_arrives_as_text_and_html_that_any_reader_decodes(app, runner,
                                                                          smtp_server):
    """A strict reader (the standard library's default policy) finds the subject, the
    sender's name and both alternatives intact; an address the server cannot be given
    fails alone and the next message still goes."""
    import email
    import email.policy

    app.config["MAIL_DEFAULT_SENDER"] = "المرصد <monitor@gov.example>"
    for address in ("rené@ngo.example", "someone@ngo.example"):
        mailer.queue(db.session, kind="test", to=address, template="password_reset",
                     lang="ar", link="http://localhost/reset/x", minutes=60)
    db.session.commit()
    result = runner.invoke(args=["mail", "worker", "--once"])
    assert "Sent 1, failed 1, deferred 0; 0 message(s) still queued." in result.output
    (raw,) = smtp_server.messages
    message = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
    queued = db.session.scalar(sa.select(OutgoingEmail).where(
        OutgoingEmail.recipient == "someone@ngo.example"))
    assert message["Subject"] == queued.subject and not queued.subject.isascii()
    assert message["From"].addresses[0].display_name == "المرصد"
    assert message["Message-ID"] == queued.message_id
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content() == queued.body_text
    assert message.get_body(("html",)).get_content() == queued.body_html
