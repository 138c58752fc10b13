"""`flask report comparison` and `flask official import`: the comparison as JSON or CSV
(the same figures as the dashboard and the API), and official figures from a spreadsheet."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask

from ..extensions import db
from ..models import Plan, ReportingPeriod
from ..services.results import comparison, official
from ..services.tabular import write_csv
from .lookups import plan_by_slug


def register(app: Flask) -> None:
    app.cli.add_command(report)
    app.cli.add_command(official_group)


def _plan_and_period(slug: str, label: str) -> tuple[Plan, ReportingPeriod]:
    plan = plan_by_slug(slug)
    period = comparison.period_by_label(db.session, plan, label)
    if period is None:
        labels = ", ".join(p.label for p in plan.periods) or "none"
        raise click.ClickException(
            f"Plan {slug!r} has no reporting period {label!r} (periods: {labels}).")
    return plan, period


@click.group()
def report() -> None:
    """Results: the comparison of independent evaluations with official progress."""


@report.command("comparison")
@click.option("--plan", "slug", required=True, help="Plan slug.")
@click.option("--period", "label", required=True, help="Reporting period label, e.g. 2023.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
def report_comparison(slug: str, label: str, fmt: str, output: Path | None) -> None:
    """The comparison for one period: plan, files and recommendations, with official,
    measure, independent, gap, flag, n_ngos, coverage and alpha (as the API)."""
    plan, period = _plan_and_period(slug, label)
    result = comparison.compare(db.session, plan, period)
    if fmt == "json":
        data = (json.dumps(result.as_dict(), ensure_ascii=False, indent=2, sort_keys=True)
                + "\n").encode("utf-8")
    else:
        data = write_csv(*result.csv_rows())
    if output is not None:
        output.write_bytes(data)
        click.echo(f"Wrote {output}.", err=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


@click.group("official")
def official_group() -> None:
    """The government's self-reported progress."""


@official_group.command("import")
@click.option("--plan", "slug", required=True, help="Plan slug.")
@click.option("--period", "label", required=True, help="Reporting period label, e.g. 2023.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def official_import(slug: str, label: str, path: Path) -> None:
    """Import official figures from a CSV or XLSX file: all rows, or nothing.

    Columns: level, file, recommendation, measure, value, status, source, reported_on."""
    _, period = _plan_and_period(slug, label)
    try:
        result = official.import_table(db.session, period, path.read_bytes(), path.name,
                                       actor_id=None)
    except official.ImportRefused as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(error.describe(), err=True)
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Imported {len(result.new)} new and {len(result.updated)} replaced official "
               f"figure(s) for {slug} {label}.")
