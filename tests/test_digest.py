"""A daily digest instead of one email per event, per user (the notifications issue,
item 16): chosen on the account page; the per-event notices wait and the mail worker sends
each digest user one email a day at MONITOR_DIGEST_HOUR (Baghdad time), grouped by kind,
exactly once; security mail is never delayed. Through a real SMTP server."""
from __future__ import annotations

import datetime as dt
import threading
from email.header import decode_header, make_header
from zoneinfo import ZoneInfo

import factories as make
import sqlalchemy as sa
from factories import COMPLETE_ANSWERS
from support import client_as, new_client, post_form, text

from monitor.extensions import db
from monitor.models import DigestItem, OutgoingEmail, User, utcnow
from monitor.services import mail_worker
from monitor.services.evaluation import lifecycle

BAGHDAD = ZoneInfo("Asia/Baghdad")


def _tomorrow_at(hour: int, minute: int = 0) -> dt.datetime:
    """Naive UTC of tomorrow's `hour`:`minute` in Baghdad (the worker's clock, moved)."""
    day = dt.datetime.now(BAGHDAD).date() + dt.timedelta(days=1)
    local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BAGHDAD)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _subject(message) -> str:  # noqa: ANN001
    return str(make_header(decode_header(message["Subject"])))


def _choose_digest(app, user: User) -> None:  # noqa: ANN001
    client = client_as(app, user, "/account?lang=en")
    page = text(client.get("/account"))
    assert "An email for each event" in page and "One daily digest" in page
    response = post_form(client, "/account/notifications", {"delivery": "digest"},
                         page="/account")
    assert response.status_code == 302
    assert "Your choice was saved." in text(client.get("/account"))
    db.session.expire_all()
    assert db.session.get(User, user.id).email_digest is True


def _two_evaluations_await_approval(s) -> None:  # noqa: ANN001
    for rec in s.file.recommendations[:2]:
        evaluation = lifecycle.start(db.session, organization_id=s.org.id, recommendation=rec,
                                     period=s.period, user=s.evaluator, answers={})
        db.session.flush()
        lifecycle.send_for_approval(db.session, evaluation, COMPLETE_ANSWERS,
                                    expected_version=evaluation.version, user=s.evaluator)
    db.session.commit()


def test_a_digest_user_gets_one_email_a_day_and_an_immediate_user_one_per_event(
        app, smtp_server):
    s = make.setting()
    s.admin.language = "en"
    immediate = make.ngo_user(s.org, "ngo_admin", email="immediate@ngo.example")
    immediate.language = "en"
    db.session.commit()
    _choose_digest(app, s.admin)
    _two_evaluations_await_approval(s)

    mail_worker.run_once(db.session)  # now: before tomorrow's digest hour
    assert len(smtp_server.to(immediate.email)) == 2
    assert smtp_server.to(s.admin.email) == []

    # Past the hour the next morning: one digest with both evaluations.
    result = mail_worker.run_once(db.session, now=_tomorrow_at(7, 1))
    assert result.digests == 1
    (digest,) = smtp_server.to(s.admin.email)
    assert _subject(digest) == "Your daily digest from monitor"
    body = smtp_server.text(digest)
    assert "Evaluations awaiting your approval" in body
    for rec in s.file.recommendations[:2]:
        assert f"Evaluation {rec.code} awaits your approval" in body
    assert body.count("http://localhost/evaluations/") == 2
    assert "http://localhost/account" in body
    # Nothing is sent twice: later rounds that day, and the next day, find nothing.
    for now in (_tomorrow_at(7, 2), _tomorrow_at(23), _tomorrow_at(7) + dt.timedelta(days=1)):
        assert mail_worker.run_once(db.session, now=now).digests == 0
    assert len(smtp_server.to(s.admin.email)) == 1
    assert len(smtp_server.to(immediate.email)) == 2


def test_a_digest_is_sent_only_from_the_hour_and_only_to_those_with_notices(app, smtp_server):
    s = make.setting()
    s.admin.email_digest = True
    s.other_admin.email_digest = True  # nothing happens to it: no digest
    db.session.commit()
    _two_evaluations_await_approval(s)
    assert mail_worker.run_once(db.session, now=_tomorrow_at(6, 59)).digests == 0
    assert smtp_server.to(s.admin.email) == []
    assert mail_worker.run_once(db.session, now=_tomorrow_at(7, 0)).digests == 1
    (digest,) = smtp_server.to(s.admin.email)
    assert "تقييمات بانتظار موافقتكم" in smtp_server.text(digest)  # the admin reads Arabic
    assert smtp_server.to(s.other_admin.email) == []


def test_the_coordinators_digest_holds_the_requests_to_join(app, smtp_server):
    body = make.body()
    plan = make.plan(body)
    coordinator = make.coordinator(body)
    coordinator.language, coordinator.email_digest = "ar", True
    db.session.commit()
    for name in ("Sunrise NGO", "Dawn NGO"):
        post_form(new_client(app), f"/open-call/{plan.slug}", {
            "name": name, "email": f"{name.split()[0].lower()}@ngo.example",
            "registration_number": "", "governorate": "Duhok", "preferred_language": "en"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DigestItem)) == 2
    mail_worker.run_once(db.session, now=_tomorrow_at(8))
    (digest,) = smtp_server.to(coordinator.email)
    body_text = smtp_server.text(digest)
    assert "Sunrise NGO" in body_text and "Dawn NGO" in body_text
    assert f"http://localhost/plans/{plan.slug}/join-requests" in body_text
    assert _subject(digest) == "ملخصكم اليومي من monitor"
    assert "طلبات المشاركة في خطة" in body_text


def test_security_mail_is_never_delayed_for_a_digest_user(app, smtp_server):
    s = make.setting()
    s.admin.email_digest = True
    db.session.commit()
    post_form(new_client(app), "/reset", {"email": s.admin.email})
    mail_worker.run_once(db.session)  # no clock moved: at once
    (message,) = smtp_server.to(s.admin.email)
    assert "/reset/" in smtp_server.text(message)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DigestItem)) == 0


def test_two_workers_at_once_send_each_digest_once(app, smtp_server):
    s = make.setting()
    s.admin.email_digest = True
    db.session.commit()
    _two_evaluations_await_approval(s)
    now = _tomorrow_at(9)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        with app.app_context():
            try:
                barrier.wait()
                mail_worker.queue_digests(db.session, now=now)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    mail_worker.run_once(db.session, now=now)
    assert len(smtp_server.to(s.admin.email)) == 1
    db.session.expire_all()
    digests = db.session.scalars(sa.select(OutgoingEmail).where(
        OutgoingEmail.kind == "digest")).all()
    assert len(digests) == 1
    assert set(db.session.scalars(sa.select(DigestItem.email_id))) == {digests[0].id}
    assert utcnow() < now


def test_a_choice_that_is_not_offered_is_refused_and_changes_nothing(app):
    s = make.setting()
    db.session.commit()
    client = client_as(app, s.admin, "/account?lang=en")
    response = post_form(client, "/account/notifications", {"delivery": "weekly"},
                         page="/account")
    assert response.status_code == 422
    assert "Not a valid choice." in text(response)
    db.session.expire_all()
    assert db.session.get(User, s.admin.id).email_digest is False


def test_a_deactivated_account_gets_no_digest_and_its_notices_wait_for_it(app, smtp_server):
    s = make.setting()
    s.admin.language = "en"
    db.session.commit()
    _choose_digest(app, s.admin)
    _two_evaluations_await_approval(s)
    db.session.get(User, s.admin.id).active = False
    db.session.commit()

    assert mail_worker.run_once(db.session, now=_tomorrow_at(7, 1)).digests == 0
    assert smtp_server.to(s.admin.email) == []
    waiting = sa.select(sa.func.count()).select_from(DigestItem).where(
        DigestItem.user_id == s.admin.id, DigestItem.email_id.is_(None))
    assert db.session.scalar(waiting) == 2

    db.session.get(User, s.admin.id).active = True  # made active again: the notices go
    db.session.commit()
    assert mail_worker.run_once(db.session, now=_tomorrow_at(7, 2)).digests == 1
    assert len(smtp_server.to(s.admin.email)) == 1
    assert db.session.scalar(waiting) == 0
