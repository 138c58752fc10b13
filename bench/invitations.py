"""Benchmark: send N invitations to a local SMTP sink, against a raw smtplib loop.

    python bench/invitations.py [--count 5000] [--database-url URL]

The sink is aiosmtpd (discarding messages) in its own process, so that it does not share
the interpreter lock with the sender. The script

1. builds a plan and N organisations in a fresh database (SQLite in a temporary folder by
   default);
2. queues one invitation each (`services.outreach.invitations.invite`: signed link, message
   rendered in the organisation's language, one `OutgoingEmail` row each);
3. sends them the way `flask --app monitor invitations send` does
   (`services.mailer`: claim chunks, one SMTP connection, a commit per message so that a
   re-run never repeats one);
4. sends the very same messages (the same bytes) with a bare `smtplib` loop over one
   connection: the floor;

and prints messages/s for both and their ratio (target: >= 0.6). Steps 4 and 3 run as a
pair, `--rounds` times (the messages are queued again between rounds), and the median
round is reported: on a shared machine, both sides of a ratio then see the same load.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOP))

TARGET = 0.6


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sink(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2) as probe:
                probe.noop()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the SMTP sink did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000, help="invitations to send")
    parser.add_argument("--rounds", type=int, default=3, help="raw/monitor pairs (median)")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp folder")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="monitor-bench-"))
    port = free_port()
    sink = start_sink(port)
    try:
        return run(args.count, args.database_url or f"sqlite:///{workdir / 'bench.db'}", port,
                   workdir, max(1, args.rounds))
    finally:
        sink.terminate()
        sink.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def run(count: int, database_url: str, port: int, workdir: Path, rounds: int) -> int:
    import sqlalchemy as sa

    from monitor import create_app
    from monitor.extensions import db
    from monitor.models import (
        GoverningBody,
        Organization,
        OutgoingEmail,
        Plan,
        Recommendation,
        RecommendationFile,
        ReportingPeriod,
    )
    from monitor.services import mailer
    from monitor.services.outreach import invitations

    app = create_app({
        "SECRET_KEY": "bench-secret-key-0123456789abcdef", "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_SUPPRESS_SEND": False,
        "MONITOR_MAIL_OUTBOX": "", "MAIL_DEFAULT_SENDER": "monitor@bench.example",
        "MONITOR_BASE_URL": "https://monitor.example", "RATELIMIT_ENABLED": False,
        "MONITOR_ATTACHMENT_DIR": str(workdir / "attachments"),
    })
    with app.app_context():
        db.drop_all()
        db.create_all()
        body = GoverningBody(slug="bench", name_en="Ministry of Justice", name_ar="وزارة العدل",
                             name_ckb="وەزارەتی داد", contact_email="hr@moj.example")
        plan = Plan(body=body, slug="bench-plan", status="open", title_en="National plan",
                    title_ar="الخطة الوطنية لحقوق الإنسان", title_ckb="پلانی نیشتمانی")
        db.session.add_all([body, plan])
        db.session.add(ReportingPeriod(plan=plan, label="2025", starts_on=dt.date(2025, 1, 1),
                                       ends_on=dt.date(2025, 12, 31), status="open"))
        for f in range(8):
            rf = RecommendationFile(plan=plan, position=f, title_en=f"File {f + 1}",
                                    title_ar=f"الملف {f + 1}", title_ckb=f"دۆسیەی {f + 1}")
            db.session.add(rf)
            for r in range(5):
                db.session.add(Recommendation(plan=plan, file=rf, code=f"139.{f * 5 + r}",
                                              text_en="A recommendation"))
        db.session.flush()
        languages = ("ar", "ckb", "en")
        db.session.execute(sa.insert(Organization), [
            {"name": f"منظمة المجتمع المدني رقم {i}", "email": f"ngo{i}@ngo.example",
             "governorate": "Baghdad", "preferred_language": languages[i % 3]}
            for i in range(count)])
        db.session.commit()

        started = time.perf_counter()
        invitations.invite(db.session, plan, None, actor_id=None)
        db.session.commit()
        queue_seconds = time.perf_counter() - started

        # The floor: the same messages, already serialised, over one raw connection.
        rows = db.session.scalars(sa.select(OutgoingEmail).order_by(OutgoingEmail.id)).all()
        payloads = [(row.recipient, mailer.build_message(row)) for row in rows]
        plan_id = plan.id
        db.session.expunge_all()

        def raw_loop() -> float:
            started = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port) as connection:
                for recipient, data in payloads:
                    connection.sendmail("monitor@bench.example", [recipient], data)
            return time.perf_counter() - started

        # Rounds of (raw loop, monitor's send) measured back to back, so that both sides
        # of each ratio see the same machine load; the median round is reported.
        results = []
        for number in range(rounds):
            if number:
                db.session.execute(sa.update(OutgoingEmail).values(
                    status="queued", attempts=0, sent_at=None))
                db.session.commit()
            raw_seconds = raw_loop()
            started = time.perf_counter()
            report = invitations.send(db.session, db.session.get(Plan, plan_id))
            send_seconds = time.perf_counter() - started
            sent = db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingEmail)
                                     .where(OutgoingEmail.status == "sent"))
            if report.sent != count or sent != count:
                print(f"ERROR: {report.sent} reported sent, {sent} marked sent, {count} expected")
                return 1
            results.append((raw_seconds / send_seconds, send_seconds, raw_seconds))
        payloads.clear()  # the messages are no longer needed
        db.session.remove()
        db.engine.dispose()

    results.sort()
    ratio, send_seconds, raw_seconds = results[len(results) // 2]
    ours, raw = count / send_seconds, count / raw_seconds
    print(f"invitations: {count}  database: {database_url.split(':')[0]}  rounds: {rounds}")
    print(f"queue (render, sign, record): {queue_seconds:.2f} s  {count / queue_seconds:,.0f} msg/s")
    print(f"monitor send:                 {send_seconds:.2f} s  {ours:,.0f} msg/s")
    print(f"raw smtplib loop:             {raw_seconds:.2f} s  {raw:,.0f} msg/s")
    print("ratio per round: " + ", ".join(f"{r:.2f}" for r, _s, _r in results))
    print(f"ratio monitor/raw (median round): {ratio:.2f} (target >= {TARGET}) "
          f"{'PASS' if ratio >= TARGET else 'BELOW TARGET'}")
    return 0 if ratio >= TARGET else 2


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    raise SystemExit(main())
