"""Operations: backups and restores, submission receipts, mail retried after an SMTP
outage, and SQLite under many concurrent writers."""
from __future__ import annotations

import datetime as dt
import json
import socket
import sqlite3
import threading
from pathlib import Path

import factories as make
import pytest
import sqlalchemy as sa
from support import DATABASE_URL, concurrently, row_counts

from monitor import create_app
from monitor.extensions import db
from monitor.models import EvaluationRevision, Organization, OutgoingEmail
from monitor.services import audit, mailer
from monitor.services.evaluation import lifecycle as evaluations
from monitor.services.evaluation import receipts


def base_config(folder: Path) -> dict:
    """As tests/conftest.py's (importing conftest is ambiguous: tests/browser has one too)."""
    return {
        "TESTING": True, "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9, "MONITOR_MAIL_OUTBOX": "",
        "MAIL_DEFAULT_SENDER": "monitor@test.example", "MONITOR_BASE_URL": "http://localhost",
        "MONITOR_ATTACHMENT_DIR": str(folder / "attachments"), "RATELIMIT_ENABLED": False,
    }


def _sqlite_app(folder: Path, *, schema: bool = True, **config):  # noqa: ANN003, ANN202
    """An instance of its own on a SQLite file (whatever database the suite runs on)."""
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app(base_config(folder) | {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'monitor.db'}",
        "MONITOR_ATTACHMENT_DIR": str(folder / "attachments"),
    } | config)
    if schema:
        with app.app_context():
            db.create_all()
    return app


def _answers(period) -> dict:  # noqa: ANN001
    return {"status": "50", "confidence": "medium", "information_date": period.ends_on.isoformat(),
            "assessment": "تقييم مستقل: تقدم جزئي =SUM(A1)"}


def _submitted_evaluations(n_orgs: int = 2) -> list:
    """Organisations that submitted evaluations of a plan's first recommendations."""
    plan = make.plan(files=1, recommendations_per_file=2)
    period = plan.periods[0]
    done = []
    for _ in range(n_orgs):
        org = make.organization()
        author = make.ngo_user(org)
        make.enrol(org, plan)
        for rec in plan.files[0].recommendations:
            done.append(evaluations.record_submitted(
                db.session, organization=org, recommendation=rec, period=period,
                answers=_answers(period), user=author,
                submitted_at=dt.datetime(2024, 1, 15, 9, 0)))
    return done


def _seed_instance(attachments: Path) -> None:
    _submitted_evaluations()
    audit.record(db.session, "test.backup", None, after={"note": "قبل النسخ"})
    db.session.add(OutgoingEmail(kind="test", recipient="a@ngo.example", subject="س",
                                 body_text="نص", message_id="<1@test>", status="queued"))
    db.session.commit()
    (attachments / "ab").mkdir(parents=True)
    (attachments / "ab" / "evidence.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40)
    (attachments / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\xff" * 5000)


def _dump(path: Path) -> dict[str, list]:
    """Schema and every row of every table of a SQLite file."""
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        dump = {"__schema__": sorted(conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall())}
        for name in names:
            dump[name] = conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
    return dump


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- backups --------------------------------------------------------------------------------


def test_a_backup_restored_into_an_empty_instance_holds_identical_data(tmp_path):
    source = _sqlite_app(tmp_path / "a")
    with source.app_context():
        _seed_instance(Path(source.config["MONITOR_ATTACHMENT_DIR"]))
        result = source.test_cli_runner().invoke(args=["backup", str(tmp_path / "bk")])
        assert result.exit_code == 0, result.output
        assert "integrity ok" in result.output and "2 attachment(s)" in result.output
        db.engine.dispose()
    assert (tmp_path / "bk" / "monitor.db").is_file()  # PATH did not exist: exactly PATH

    empty = _sqlite_app(tmp_path / "b", schema=False)  # a new instance: no database yet
    with empty.app_context():
        result = empty.test_cli_runner().invoke(args=["restore", str(tmp_path / "bk")])
        assert result.exit_code == 0, result.output
        restored_rows = db.session.scalar(sa.select(sa.func.count()).select_from(Organization))
        db.session.remove()
        db.engine.dispose()

    assert restored_rows == 2
    original, copy = _dump(tmp_path / "a" / "monitor.db"), _dump(tmp_path / "b" / "monitor.db")
    assert set(original) == set(copy) and len(original) > 10
    for table in original:
        assert copy[table] == original[table], table
    assert original["evaluation_revision"]  # the comparison covered real rows
    assert _files(tmp_path / "b" / "attachments") == _files(tmp_path / "a" / "attachments")
    assert len(_files(tmp_path / "b" / "attachments")) == 2


def test_a_backup_into_an_existing_folder_gets_a_timestamped_directory(tmp_path):
    app = _sqlite_app(tmp_path / "a")
    (tmp_path / "backups").mkdir()
    with app.app_context():
        make.organization()
        db.session.commit()
        runner = app.test_cli_runner()
        first = runner.invoke(args=["backup", str(tmp_path / "backups")])
        second = runner.invoke(args=["backup", str(tmp_path / "backups")])
        db.engine.dispose()
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    made = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert len(made) == 2 and all(name.startswith("monitor-backup-") for name in made)
    for name in made:
        with sqlite3.connect(tmp_path / "backups" / name / "monitor.db") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("SELECT count(*) FROM organization").fetchone() == (1,)


def test_a_backup_is_consistent_while_the_app_keeps_writing(tmp_path):
    app = _sqlite_app(tmp_path / "a")
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        with app.app_context():
            n = 0
            try:
                while not stop.is_set():
                    n += 1
                    db.session.add(Organization(name=f"w{n}", email=f"w{n}@ngo.example"))
                    db.session.commit()
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "bk")])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert not errors
    with sqlite3.connect(tmp_path / "bk" / "monitor.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_restore_refuses_to_overwrite_an_instance_with_data_unless_told_yes(tmp_path):
    source = _sqlite_app(tmp_path / "a")
    with source.app_context():
        make.organization("Backed up")
        db.session.commit()
        assert source.test_cli_runner().invoke(args=["backup", str(tmp_path / "bk")]).exit_code == 0
        db.engine.dispose()

    target = _sqlite_app(tmp_path / "b")
    with target.app_context():
        make.organization("Already here")
        db.session.commit()
        before = row_counts()
        runner = target.test_cli_runner()
        refused = runner.invoke(args=["restore", str(tmp_path / "bk")])
        assert refused.exit_code == 1
        assert "already holds data" in refused.output and "--yes" in refused.output
        assert row_counts() == before
        assert db.session.scalars(sa.select(Organization.name)).all() == ["Already here"]

        done = runner.invoke(args=["restore", "--yes", str(tmp_path / "bk")])
        assert done.exit_code == 0, done.output
        db.session.remove()
        assert db.session.scalars(sa.select(Organization.name)).all() == ["Backed up"]
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_damaged_backup_and_changes_nothing(tmp_path):
    source = _sqlite_app(tmp_path / "a")
    with source.app_context():
        make.organization()
        db.session.commit()
        source.test_cli_runner().invoke(args=["backup", str(tmp_path / "bk")])
        db.engine.dispose()
    with (tmp_path / "bk" / "monitor.db").open("r+b") as handle:
        handle.seek(200)
        handle.write(b"tampered")

    target = _sqlite_app(tmp_path / "b")
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["restore", "--yes", str(tmp_path / "bk")])
        assert result.exit_code == 1
        assert "damaged backup" in result.output
        assert row_counts()["organization"] == 0
        db.engine.dispose()
    result = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "nothing")])
    assert result.exit_code != 0


def test_backup_on_postgresql_says_to_use_pg_dump_and_fails(tmp_path):
    app = create_app(base_config(tmp_path) | {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://monitor@127.0.0.1:1/monitor"})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "bk")])
        assert result.exit_code == 1
        assert "pg_dump" in result.output
        result = app.test_cli_runner().invoke(args=["restore", str(tmp_path)])
        assert result.exit_code == 1
        assert "pg_restore" in result.output
    assert not (tmp_path / "bk").exists()


# --- receipts ---------------------------------------------------------------------------


def test_receipts_verify_passes_on_untouched_submissions(app, runner):
    _submitted_evaluations()
    db.session.commit()
    result = runner.invoke(args=["receipts", "verify"])
    assert result.exit_code == 0, result.output
    assert "All 4 submitted version(s) match their receipts." in result.output


def test_receipts_verify_reports_answers_changed_behind_the_apps_back(app, runner):
    _submitted_evaluations()
    db.session.commit()
    revision = db.session.scalars(sa.select(EvaluationRevision).order_by(
        EvaluationRevision.id)).all()[2]
    tampered = dict(revision.answers, status="100")
    # A raw SQL UPDATE, as someone with database access would do it.
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE evaluation_revision SET answers = :answers WHERE id = :id"),
                     {"answers": json.dumps(tampered), "id": revision.id})

    report = receipts.verify(db.session)
    assert report.checked == 4
    assert [m.revision_id for m in report.mismatches] == [revision.id]
    assert report.mismatches[0].stored == revision.content_hash

    result = runner.invoke(args=["receipts", "verify"])
    assert result.exit_code == 1
    assert f"MISMATCH revision {revision.id}" in result.output
    assert "1 of 4 submitted version(s) do not match their receipt" in result.output


def test_receipts_verify_reports_a_changed_hash_too(app, runner):
    _submitted_evaluations(n_orgs=1)
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE evaluation_revision SET content_hash = :h WHERE id = "
                             "(SELECT min(id) FROM evaluation_revision)"), {"h": "0" * 64})
    result = runner.invoke(args=["receipts", "verify"])
    assert result.exit_code == 1 and "MISMATCH" in result.output


# --- mail after an SMTP outage ------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens


def _queue_invitations(n: int) -> list[int]:
    ids = []
    for i in range(n):
        email = mailer.queue(db.session, kind="invitation", to=f"ngo{i}@ngo.example",
                             template="password_reset", lang="ar",
                             link=f"http://localhost/reset/x{i}", minutes=60)
        db.session.flush()
        ids.append(email.id)
    db.session.commit()
    return ids


def test_mail_stays_queued_while_smtp_is_down_and_retry_sends_each_once(app, runner):
    from smtp import SmtpServer

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_closed_port(), MAIL_SUPPRESS_SEND=False,
                      MAIL_TIMEOUT=5)
    ids = _queue_invitations(3)

    down = runner.invoke(args=["mail", "retry"])
    assert down.exit_code == 1
    assert "could not be reached" in down.output and "ConnectionRefusedError" in down.output
    assert "3 message(s) stay queued" in down.output
    db.session.expire_all()
    rows = db.session.scalars(sa.select(OutgoingEmail).order_by(OutgoingEmail.id)).all()
    assert [r.status for r in rows] == ["queued"] * 3
    assert rows[0].attempts == 1 and "ConnectionRefusedError" in rows[0].last_error
    assert all(r.claim is None for r in rows)  # nothing left claimed: the next run sends

    server = SmtpServer().start()
    try:
        app.config["MAIL_PORT"] = server.port
        up = runner.invoke(args=["mail", "retry"])
        assert up.exit_code == 0, up.output
        assert "Sent 3, failed 0, deferred 0 of 3 queued message(s)." in up.output
        again = runner.invoke(args=["mail", "retry"])
        assert again.exit_code == 0 and "No queued email." in again.output
        db.session.expire_all()
        rows = db.session.scalars(sa.select(OutgoingEmail).order_by(OutgoingEmail.id)).all()
        assert [r.status for r in rows] == ["sent"] * 3
        assert rows[0].last_error is None
        assert sorted(server.message_ids()) == sorted(r.message_id for r in rows)
        assert len(server.messages) == 3
        assert sorted(to for _f, (to,) in server.envelopes) == [
            f"ngo{i}@ngo.example" for i in range(3)]
    finally:
        server.stop()
    assert ids == [r.id for r in rows]


def test_two_senders_at_once_send_each_queued_message_exactly_once(app):
    from smtp import SmtpServer

    server = SmtpServer().start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_SUPPRESS_SEND=False,
                      MAIL_TIMEOUT=5)
    _queue_invitations(40)
    barrier = threading.Barrier(2)
    reports: list[mailer.SendReport] = []

    def sender() -> None:
        with app.app_context():
            barrier.wait()
            reports.append(mailer.send_pending(db.session))
            db.session.remove()

    try:
        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    ids = server.message_ids()
    assert len(ids) == 40 and len(set(ids)) == 40
    assert sum(r.sent for r in reports) == 40
    db.session.expire_all()
    assert set(db.session.scalars(sa.select(OutgoingEmail.status))) == {"sent"}


# --- SQLite under concurrent writers -------------------------------------------------------


def test_fifty_concurrent_writers_on_sqlite_never_see_database_is_locked(tmp_path):
    app = _sqlite_app(tmp_path / "w", SQLALCHEMY_ENGINE_OPTIONS={
        "pool_size": 50, "max_overflow": 0, "pool_timeout": 60})
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() >= 5000
        counter = make.organization("counter")
        db.session.commit()
        counter_id = counter.id
        db.session.remove()

    writers, rounds = 50, 4

    def write(n: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        for r in range(rounds):
            db.session.add(Organization(name=f"t{n}-{r}", email=f"t{n}-{r}@ngo.example"))
            db.session.flush()
            # An update of one shared row: the classic lost-update and lock hot spot.
            db.session.execute(sa.update(Organization).where(
                Organization.id == counter_id).values(
                registration_number=sa.cast(sa.func.coalesce(sa.cast(
                    Organization.registration_number, sa.Integer), 0) + 1, sa.String)))
            db.session.commit()

    errors = [r for r in concurrently(app, writers, write) if isinstance(r, BaseException)]
    assert not errors, errors[:3]
    with app.app_context():
        names = set(db.session.scalars(sa.select(Organization.name)))
        assert {f"t{n}-{r}" for n in range(writers) for r in range(rounds)} <= names
        assert db.session.get(Organization, counter_id).registration_number == str(
            writers * rounds)
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(bool(DATABASE_URL), reason="the fixture database is PostgreSQL here")
def test_the_suites_own_sqlite_database_runs_in_wal_mode(app):
    assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"

