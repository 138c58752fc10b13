"""The mail worker: sends what requests queued, so that no request waits on SMTP.

Requests only *queue* mail (`mailer.queue`, committed with the change that caused it). The
worker (`flask --app monitor mail worker`) polls the queue every
`MONITOR_MAIL_WORKER_SECONDS` (default 10) and sends it over one SMTP connection per
round, with the same claims as every other sender, so several workers, the CLI and the
web's "send the next batch" button never send one message twice. `--once` sends what is
queued and stops (tests, cron). The demo runs the same loop in a thread of its own
(`start_thread`), with its own app context; a round that fails is logged, never lost
silently, and the next round tries again.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from flask import Flask
from sqlalchemy.orm import Session

from . import mailer

log = logging.getLogger("monitor.mail")

#: Default seconds between two looks at the queue ("within a minute" with margin).
DEFAULT_INTERVAL = 10.0


@dataclass
class WorkerRound:
    report: mailer.SendReport
    #: Messages still queued after the round (deferred, or the server went away).
    left: int


def run_once(session: Session) -> WorkerRound:
    """Send everything queued now; what the server defers or cannot take stays queued."""
    report = mailer.send_pending(session)
    if report.attempted:
        log.info("mail worker: sent %d, failed %d, deferred %d%s", report.sent, report.failed,
                 report.deferred, f", interrupted: {report.interrupted}"
                 if report.interrupted else "")
    for recipient, error in report.failures:
        log.warning("mail worker: refused for good: %s: %s", recipient, error)
    return WorkerRound(report, mailer.count_pending(session))


def interval(app: Flask) -> float:
    return float(app.config.get("MONITOR_MAIL_WORKER_SECONDS") or DEFAULT_INTERVAL)


def run_forever(app: Flask, stop: threading.Event | None = None,
                seconds: float | None = None) -> None:
    """Poll and send until `stop` is set (or forever). Each round has its own app context
    and database session; an exception ends the round, is logged, and the loop goes on."""
    stop = stop or threading.Event()
    wait = seconds if seconds is not None else interval(app)
    from ..extensions import db

    while not stop.is_set():
        with app.app_context():
            try:
                run_once(db.session)
            except Exception:  # noqa: BLE001 - logged; the next round tries again
                log.exception("mail worker: a round failed; retrying in %.0f s", wait)
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
