"""`flask questionnaire ...` and `flask evaluations ...`: questionnaires as XLSForms, and
offline answers (CSV/XLSX) in and out."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask

from ..extensions import db
from ..models import Organization, Plan, ReportingPeriod
from ..services import accounts
from ..services.evaluation import offline_answers
from ..services.evaluation import questionnaire_versions as questionnaire_service
from .lookups import plan_by_slug


def register(app: Flask) -> None:
    app.cli.add_command(questionnaire)
    app.cli.add_command(evaluations)


def _period(plan: Plan, label: str) -> ReportingPeriod:
    period = db.session.scalar(sa.select(ReportingPeriod).where(
        ReportingPeriod.plan_id == plan.id, ReportingPeriod.label == label))
    if period is None:
        labels = ", ".join(p.label for p in plan.periods) or "none"
        raise click.ClickException(f"Plan {plan.slug!r} has no period {label!r} "
                                   f"(periods: {labels}).")
    return period


def _organization(email: str) -> Organization:
    org = db.session.scalar(sa.select(Organization).where(
        Organization.email == accounts.normalize_email(email)))
    if org is None:
        raise click.ClickException(f"No organisation with email {email!r}.")
    return org


@click.group()
def questionnaire() -> None:
    """A plan's questionnaire: import questions from an XLSForm, export it."""


@questionnaire.command("import")
@click.option("--plan", "plan_slug", required=True, help="Plan slug.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def questionnaire_import(plan_slug: str, path: Path) -> None:
    """Add the supported questions of an XLSForm (.xlsx) as a new questionnaire version;
    every row that is not imported is listed with its row number and type."""
    plan = plan_by_slug(plan_slug)
    outcome = questionnaire_service.import_questionnaire(db.session, plan, path.read_bytes())
    result = outcome.result
    for error in result.rejected:
        click.echo(f"error: {error.reason}", err=True)
    for row in result.skipped:
        click.echo(f"skipped row {row.row} ({row.value or '-'}"
                   f"{' ' + row.field if row.field else ''}): {row.reason}")
    for warning in result.warnings:
        click.echo(f"warning row {warning.row} ({warning.field}): {warning.reason}")
    if result.rejected:
        db.session.rollback()
        raise click.ClickException("Nothing was imported.")
    if outcome.questionnaire is None:
        # The same form again (or one with nothing monitor can use): not an error.
        db.session.rollback()
        click.echo("Nothing changed: the file has no new question that monitor can use.")
        return
    db.session.commit()
    click.echo(f"Imported {len(result.new)} question(s) into version "
               f"{outcome.questionnaire.version} of {plan.slug}; skipped {len(result.skipped)} "
               f"row(s).")


@questionnaire.command("export")
@click.option("--plan", "plan_slug", required=True, help="Plan slug.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="Where to write the XLSForm (.xlsx).")
def questionnaire_export(plan_slug: str, output: Path) -> None:
    """Write the plan's current questionnaire as an XLSForm."""
    plan = plan_by_slug(plan_slug)
    output.write_bytes(questionnaire_service.export_questionnaire(db.session, plan))
    db.session.commit()
    click.echo(f"Wrote {output}.")


@click.group()
def evaluations() -> None:
    """Offline evaluations: import and export answers in the questionnaire's columns."""


@evaluations.command("import")
@click.option("--org", "org_email", required=True, help="The organisation's email.")
@click.option("--plan", "plan_slug", required=True, help="Plan slug.")
@click.option("--period", "period_label", required=True, help="Period label, e.g. 2023.")
@click.option("--submit", is_flag=True,
              help="Submit every row to the coordinator (the period must be open; late "
                   "submissions are flagged).")
@click.option("--historical", is_flag=True,
              help="Historical data: submit every row to the coordinator without the "
                   "open-period check, not marked late.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def evaluations_import(org_email: str, plan_slug: str, period_label: str, submit: bool,
                       historical: bool, path: Path) -> None:
    """Import answers from CSV/XLSX: a `recommendation` column (codes) and one column per
    question. A file with any error imports nothing; every error is listed by row."""
    plan = plan_by_slug(plan_slug)
    period = _period(plan, period_label)
    org = _organization(org_email)
    report = offline_answers.import_answers(db.session, organization=org, period=period,
                                    data=path.read_bytes(), filename=path.name, user=None,
                                    submit=submit, historical=historical, lang="en")
    if not report.ok:
        db.session.rollback()
        for error in report.rejected:
            where = f"row {error.row}" if error.row else "file"
            column = f" [{error.field}]" if error.field else ""
            click.echo(f"{where}{column}: {error.reason}", err=True)
        raise click.ClickException(f"{len(report.rejected)} error(s); nothing was imported.")
    db.session.commit()
    click.echo(f"Imported {report.rows} row(s): {len(report.new)} created, "
               f"{len(report.updated)} updated, {report.submitted} submitted.")


@evaluations.command("export")
@click.option("--org", "org_email", required=True, help="The organisation's email.")
@click.option("--plan", "plan_slug", required=True, help="Plan slug.")
@click.option("--period", "period_label", required=True, help="Period label, e.g. 2023.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default=None,
              help="Default: from the output file's extension, else xlsx.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              required=True)
def evaluations_export(org_email: str, plan_slug: str, period_label: str, fmt: str | None,
                       output: Path) -> None:
    """Write an organisation's answers for a period in the questionnaire's columns (the
    file `evaluations import` reads)."""
    plan = plan_by_slug(plan_slug)
    period = _period(plan, period_label)
    org = _organization(org_email)
    fmt = fmt or ("csv" if output.suffix.lower() == ".csv" else "xlsx")
    output.write_bytes(offline_answers.export_answers(db.session, organization=org, period=period,
                                              fmt=fmt))
    db.session.commit()
    click.echo(f"Wrote {output}.")
