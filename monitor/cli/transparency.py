"""`flask receipts prove|consistency|new-key` (the transparency log) and `flask report
open-data` (a published period's open dataset). `receipts verify` lives with the other
receipt check in cli/operations.py."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask

from ..extensions import db
from ..services.results import log_key, open_data, transparency_log
from .operations import receipts_group
from .reports import _plan_and_period, report


def register(app: Flask) -> None:
    receipts_group.add_command(receipts_prove)
    receipts_group.add_command(receipts_consistency)
    receipts_group.add_command(receipts_new_key)
    report.add_command(report_open_data)


def _json(data: dict) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True))


@click.command("prove")
@click.argument("receipt")
def receipts_prove(receipt: str) -> None:
    """Print the inclusion proof (JSON) of a receipt in the transparency log."""
    try:
        proof = transparency_log.inclusion_proof(db.session, receipt)
    except transparency_log.LogError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()  # a head signed for entries the migration appended
    _json(proof)


@click.command("consistency")
@click.argument("first", type=int)
@click.argument("second", type=int)
def receipts_consistency(first: int, second: int) -> None:
    """Print the consistency proof (JSON) between the signed heads of sizes FIRST and SECOND."""
    try:
        _json(transparency_log.consistency_proof(db.session, first, second))
    except transparency_log.LogError as exc:
        raise click.ClickException(exc.message) from None


@click.command("new-key")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def receipts_new_key(path: Path) -> None:
    """Write a new Ed25519 log key to PATH (mode 600) and print its public key; point
    FLASK_MONITOR_LOG_KEY_FILE at it (README: rotating the key)."""
    try:
        key = log_key.write_new_key(path)
    except FileExistsError:
        raise click.ClickException(f"{path} exists; monitor never overwrites a key.") from None
    click.echo(key.public_pem.strip())
    click.echo(f"key id {key.key_id}")


@click.command("open-data")
@click.option("--plan", "slug", required=True, help="Plan slug.")
@click.option("--period", "label", required=True, help="Period label (a published period).")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def report_open_data(slug: str, label: str, folder: Path) -> None:
    """Write the open dataset of a published period into FOLDER (created if missing)."""
    plan, period = _plan_and_period(slug, label)
    try:
        snapshot = open_data.latest_snapshot(db.session, period)
    except open_data.OpenDataError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    names = open_data.extract(snapshot, folder)
    click.echo(f"Wrote the open dataset no. {snapshot.number} of {plan.slug} {period.label} "
               f"into {folder}: {', '.join(names)}. Check it with: python "
               f"{folder / 'verify.py'} {folder}")
