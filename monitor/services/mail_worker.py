"""The mail worker: sends what requests queued, so that no request waits on SMTP.

Requests only *queue* mail (`mailer.queue`, committed with the change that caused it). The
worker (`flask --app monitor mail worker`) polls the queue every
`MONITOR_MAIL_WORKER_SECONDS` (default 10) and sends it over one SMTP connection per
round, with the same claims as every other sender, so several workers, the CLI and the
web's "send the next batch" button never send one message twice. `--once` sends what is
queued and stops (tests, cron).

Each round also queues the daily digests that are due: once a day, from
`MONITOR_DIGEST_HOUR` (default 7) in the instance's time zone, every user who chose the
digest and has notices waiting from before that hour gets one email with all of them,
grouped by kind, in their language. A notice that arrives after the hour waits for the
next day's digest, so nobody receives two digests a day. The demo runs the same loop in a thread of its own
(`start_thread`), with its own app context; a round that fails is logged, never lost
silently, and the next round tries again. The loop also runs the periodic clean-up
(`monitor.sessions.clean_up`: ended sessions, old security-event counters) at most once
an hour.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from .. import i18n
from ..links import external_url
from ..models import DigestItem, User, utcnow
from . import mailer

log = logging.getLogger("monitor.mail")

#: Default seconds between two looks at the queue ("within a minute" with margin).
DEFAULT_INTERVAL = 10.0
#: Seconds between two periodic clean-ups.
CLEAN_UP_SECONDS = 3600.0


@dataclass
class WorkerRound:
    report: mailer.SendReport
    #: Messages still queued after the round (deferred, or the server went away).
    left: int
    #: Daily digests queued (and sent) in this round.
    digests: int = 0


def run_once(session: Session, *, now: dt.datetime | None = None) -> WorkerRound:
    """Queue the digests that are due, then send everything queued now; what the server
    defers or cannot take stays queued."""
    digests = queue_digests(session, now=now)
    report = mailer.send_pending(session)
    if report.attempted:
        log.info("mail worker: sent %d, failed %d, deferred %d%s", report.sent, report.failed,
                 report.deferred, f", interrupted: {report.interrupted}"
                 if report.interrupted else "")
    for recipient, error in report.failures:
        log.warning("mail worker: refused for good: %s: %s", recipient, error)
    return WorkerRound(report, mailer.count_pending(session), digests)


# --- the daily digest ------------------------------------------------------------------------


def digest_cutoff(now: dt.datetime) -> dt.datetime:
    """The last digest time at or before `now` (naive UTC): today's `MONITOR_DIGEST_HOUR`
    in the instance's time zone once it has passed, yesterday's before. Notices from
    before it are due."""
    zone = i18n.timezone()
    local = now.replace(tzinfo=dt.UTC).astimezone(zone)
    hour = int(current_app.config.get("MONITOR_DIGEST_HOUR", 7))
    cutoff = dt.datetime.combine(local.date(), dt.time(hour), tzinfo=zone)
    if local < cutoff:
        cutoff = dt.datetime.combine(local.date() - dt.timedelta(days=1), dt.time(hour),
                                     tzinfo=zone)
    return cutoff.astimezone(dt.UTC).replace(tzinfo=None)


def queue_digests(session: Session, *, now: dt.datetime | None = None) -> int:
    """Queue one digest per user with notices due; returns how many. Each user's notices
    are claimed by a conditional UPDATE in the transaction that queues the digest: a
    second worker doing the same finds them taken and queues nothing (exactly once)."""
    cutoff = digest_cutoff(now or utcnow())
    waiting = sa.and_(DigestItem.email_id.is_(None), DigestItem.created_at < cutoff)
    # Only active accounts: a deactivated one's notices wait, unread each round.
    user_ids = list(session.scalars(
        sa.select(DigestItem.user_id).join(User, User.id == DigestItem.user_id)
        .where(waiting, User.active.is_(True)).distinct().order_by(DigestItem.user_id)))
    queued = 0
    for user_id in user_ids:
        user = session.get(User, user_id)
        items = list(session.scalars(sa.select(DigestItem).where(
            waiting, DigestItem.user_id == user_id).order_by(DigestItem.id)))
        if user is None or not user.active or not items:
            continue  # kept: an account made active again gets them
        email = mailer.queue(
            session, kind="digest", to=user.email, template="digest",
            lang=user.language or "ar", groups=_groups(items),
            account_link=external_url("auth.account"))
        session.flush()
        taken = session.execute(
            sa.update(DigestItem).where(DigestItem.id.in_([i.id for i in items]),
                                        DigestItem.email_id.is_(None))
            .values(email_id=email.id).execution_options(synchronize_session=False))
        if taken.rowcount != len(items):  # another worker sent (some of) them meanwhile
            session.rollback()
            continue
        session.commit()
        queued += 1
    return queued


def _groups(items: list[DigestItem]) -> list[tuple[object, list[DigestItem]]]:
    """(heading, notices) per kind, in `mailer.DIGEST_KINDS` order."""
    return [(heading, [i for i in items if i.kind == kind])
            for kind, heading in mailer.DIGEST_KINDS.items()
            if any(i.kind == kind for i in items)]


def interval(app: Flask) -> float:
    return float(app.config.get("MONITOR_MAIL_WORKER_SECONDS") or DEFAULT_INTERVAL)


def run_forever(app: Flask, stop: threading.Event | None = None,
                seconds: float | None = None) -> None:
    """Poll and send until `stop` is set (or forever). Each round has its own app context
    and database session; an exception ends the round, is logged, and the loop goes on."""
    stop = stop or threading.Event()
    wait = seconds if seconds is not None else interval(app)
    from ..extensions import db
    from ..sessions import clean_up

    cleaned_at: float | None = None
    while not stop.is_set():
        with app.app_context():
            try:
                run_once(db.session)
            except Exception:  # noqa: BLE001 - logged; the next round tries again
                log.exception("mail worker: a round failed; retrying in %.0f s", wait)
                db.session.rollback()
            finally:
                db.session.remove()
            if cleaned_at is None or time.monotonic() - cleaned_at >= CLEAN_UP_SECONDS:
                cleaned_at = time.monotonic()
                try:
                    done = clean_up(app)
                    log.info("clean-up: %d ended session(s), %d old security counter(s)",
                             done.sessions, done.security_counters)
                except Exception:  # noqa: BLE001 - logged; tried again in an hour
                    log.exception("clean-up failed")
                    db.session.rollback()
                finally:
                    db.session.remove()
        stop.wait(wait)


def start_thread(app: Flask, seconds: float | None = None) -> tuple[threading.Thread,
                                                                     threading.Event]:
    """Run the worker in a daemon thread (the demo): returns the thread and its stop
    event."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(app, stop, seconds), daemon=True,
                              name="monitor-mail-worker")
    thread.start()
    return thread, stop
