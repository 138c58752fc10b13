"""Operations: backup and restore, receipt verification, retrying queued mail."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app

from ..extensions import db
from ..services import backup as backup_service
from ..services import mailer
from ..services.evaluation import receipts
from ..services.results import transparency_log


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(receipts_group)
    app.cli.add_command(mail_group)


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
def backup_command(path: Path) -> None:
    """Back up the SQLite database and the attachments into PATH.

    PATH is created when it does not exist; an existing directory gets a new timestamped
    directory inside it. On PostgreSQL, use pg_dump instead (this command says how)."""
    try:
        result = backup_service.backup(db.engine, current_app.config["MONITOR_ATTACHMENT_DIR"],
                                       path)
    except backup_service.BackupError as exc:
        _fail(str(exc))
        return
    rows = sum(result.tables.values())
    click.echo(f"Backup written to {result.path}: database {result.database_bytes} bytes "
               f"({len(result.tables)} tables, {rows} rows, integrity ok), "
               f"{result.attachments} attachment(s), {result.attachment_bytes} bytes.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace an instance that already holds data.")
def restore_command(path: Path, yes: bool) -> None:
    """Restore a backup made by `flask backup` into this instance (stop the app first).

    Refuses to replace a database that holds data unless --yes is given."""
    try:
        result = backup_service.restore(db.engine, current_app.config["MONITOR_ATTACHMENT_DIR"],
                                        path, overwrite=yes)
    except backup_service.BackupError as exc:
        _fail(str(exc))
        return
    click.echo(f"Restored {result.path}: {len(result.tables)} tables, "
               f"{sum(result.tables.values())} rows, {result.attachments} attachment(s).")


@click.group("receipts")
def receipts_group() -> None:
    """Submission receipts (the hash of every submitted evaluation version)."""


@receipts_group.command("verify")
def receipts_verify() -> None:
    """Check every stored evaluation version against its receipt hash, and rebuild the
    transparency log from the receipts against its signed heads; exit 1 on any mismatch."""
    report = receipts.verify(db.session)
    for item in report.mismatches:
        click.echo(f"MISMATCH revision {item.revision_id} (evaluation {item.evaluation_id}, "
                   f"version {item.number}, organisation {item.organization_id}): "
                   f"stored {item.stored}, content now hashes to {item.computed}")
    log = transparency_log.verify(db.session)
    for problem in log.problems:
        click.echo(f"LOG {problem}")
    if report.mismatches:
        _fail(f"{len(report.mismatches)} of {report.checked} submitted version(s) do not match "
              "their receipt: the stored content was changed after submission.")
        return
    if log.problems:
        _fail(f"The transparency log does not match its signed heads or the submitted "
              f"versions: {len(log.problems)} problem(s).")
        return
    click.echo(f"All {report.checked} submitted version(s) match their receipts.")
    click.echo(f"The transparency log's {log.entries} entries rebuild every one of its "
               f"{log.heads} signed heads.")


@click.group("mail")
def mail_group() -> None:
    """Outgoing email."""


@mail_group.command("retry")
@click.option("--plan", "plan_id", type=int, default=None, help="Only this plan's messages.")
def mail_retry(plan_id: int | None) -> None:
    """Send every queued message (e.g. after the SMTP server was down); exit 1 when the
    server is still unreachable, with its error. Safe to run twice at once: each message
    is claimed by one sender."""
    before = mailer.count_pending(db.session, plan_id=plan_id)
    if not before:
        click.echo("No queued email.")
        return
    report = mailer.send_pending(db.session, plan_id=plan_id)
    click.echo(f"Sent {report.sent}, failed {report.failed}, deferred {report.deferred} "
               f"of {before} queued message(s).")
    for recipient, error in report.failures:
        click.echo(f"  failed: {recipient}: {error}")
    left = mailer.count_pending(db.session, plan_id=plan_id)
    if report.interrupted:
        _fail(f"The mail server could not be reached or went away: {report.interrupted}. "
              f"{left} message(s) stay queued; run this command again later.")


@mail_group.command("worker")
@click.option("--once", is_flag=True, help="Send what is queued now, then stop (tests, cron).")
@click.option("--interval", "seconds", type=float, default=None,
              help="Seconds between two looks at the queue (MONITOR_MAIL_WORKER_SECONDS).")
def mail_worker_command(once: bool, seconds: float | None) -> None:
    """Send queued mail continuously, so that no request waits on the SMTP server.

    Run one (or several: each message is claimed by one sender) beside the web
    instances, e.g. as a systemd service. Stop it with Ctrl-C or SIGTERM."""
    import logging

    from ..services import mail_worker

    if once:
        result = mail_worker.run_once(db.session)
        report = result.report
        click.echo(f"Sent {report.sent}, failed {report.failed}, deferred {report.deferred}; "
                   f"{result.left} message(s) still queued.")
        if report.interrupted:
            _fail(f"The mail server could not be reached or went away: {report.interrupted}.")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    wait = seconds if seconds is not None else mail_worker.interval(current_app)
    click.echo(f"Mail worker: sending queued mail every {wait:g} s (Ctrl-C to stop).")
    try:
        mail_worker.run_forever(current_app._get_current_object(), seconds=wait)
    except KeyboardInterrupt:
        click.echo("Mail worker stopped.")
