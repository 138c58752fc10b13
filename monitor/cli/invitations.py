"""`flask --app monitor invitations ...`: invite, send what is queued, remind, report.

`send` goes through every queued message over one SMTP connection with a progress bar.
One refused address or message fails alone and the batch goes on; if the server goes
away the command stops with exit code 1 and the rest stays queued: running it again sends
exactly the messages not yet sent.
"""
from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from ..extensions import db
from ..models import Organization, Plan
from ..services import mailer
from ..services.outreach import funnel
from ..services.outreach import invitations as service
from .lookups import plan_by_slug

invitations = AppGroup("invitations", help="Invite organisations, send queued emails, remind.")


def register(app: Flask) -> None:
    app.cli.add_command(invitations)


def _send(plan: Plan | None, limit: int | None) -> mailer.SendReport:
    total = mailer.count_pending(db.session, plan_id=plan.id if plan else None)
    if limit is not None:
        total = min(total, limit)
    if total == 0:
        click.echo("Nothing queued.")
        return mailer.SendReport()
    with click.progressbar(length=total, label="Sending", show_pos=True,
                           file=sys.stderr) as bar:
        report = service.send(db.session, plan, limit=limit,
                              on_progress=lambda _id, _status: bar.update(1))
    click.echo(f"Sent {report.sent}, failed {report.failed}, deferred {report.deferred}.")
    for recipient, error in report.failures:
        click.echo(f"  failed: {recipient}: {error}")
    if report.interrupted:
        left = mailer.count_pending(db.session, plan_id=plan.id if plan else None)
        click.echo(f"The mail server went away: {report.interrupted}", err=True)
        click.echo(f"{left} message(s) stay queued: run the command again to send them.",
                   err=True)
        raise SystemExit(1)
    return report


@invitations.command("send")
@click.option("--plan", "plan_slug", default=None,
              help="Only this plan's messages (default: everything queued).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Send at most N.")
def send_command(plan_slug: str | None, limit: int | None) -> None:
    """Send the queued emails over one SMTP connection."""
    _send(plan_by_slug(plan_slug) if plan_slug else None, limit)


@invitations.command("invite")
@click.option("--plan", "plan_slug", required=True)
@click.option("--email", "emails", multiple=True,
              help="An organisation's email (repeatable); default: every one not yet invited.")
@click.option("--send/--queue-only", default=False, help="Send right away (default: queue).")
def invite_command(plan_slug: str, emails: tuple[str, ...], send: bool) -> None:
    """Invite organisations to a plan (queues one email each)."""
    plan = plan_by_slug(plan_slug)
    ids = None
    if emails:
        from ..services.accounts import normalize_email

        wanted = [normalize_email(e) for e in emails]
        found = dict(db.session.execute(sa.select(Organization.email, Organization.id).where(
            Organization.email.in_(wanted))).all())
        missing = [e for e in wanted if e not in found]
        if missing:
            raise click.ClickException("Unknown organisation email(s): " + ", ".join(missing))
        ids = list(found.values())
    try:
        created = service.invite(db.session, plan, ids, actor_id=None)
    except service.InvitationError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Queued {len(created)} invitation(s) for {plan.slug}.")
    if send:
        _send(plan, None)


@invitations.command("remind")
@click.option("--plan", "plan_slug", required=True)
@click.option("--min-hours", type=click.FloatRange(min=0), default=20.0, show_default=True,
              help="Skip organisations reminded more recently than this.")
@click.option("--send/--queue-only", default=True, help="Send right away (default).")
def remind_command(plan_slug: str, min_hours: float, send: bool) -> None:
    """Remind organisations that have neither registered nor declined (never those that
    declined)."""
    plan = plan_by_slug(plan_slug)
    try:
        emails = service.remind(db.session, plan, actor_id=None, min_hours=min_hours)
    except service.InvitationError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Queued {len(emails)} reminder(s).")
    if send and emails:
        _send(plan, None)


@invitations.command("status")
@click.option("--plan", "plan_slug", required=True)
def status_command(plan_slug: str) -> None:
    """The plan's funnel: invited, sent, failed, opened, registered, declined."""
    plan = plan_by_slug(plan_slug)
    f = funnel.funnel(db.session, plan)
    click.echo(f"invited {f.invited}  sent {f.sent}  queued {f.queued}  failed {f.failed}  "
               f"opened {f.opened}  registered {f.registered}  declined {f.declined}  "
               f"no answer {f.pending}  withdrawn {f.revoked}")
    for org, error in f.failures:
        click.echo(f"  failed: {org.email}: {error}")
    for uptake in f.files:
        title = uptake.file.title_en or uptake.file.title_ar or uptake.file.title_ckb or ""
        flag = "  <- nobody monitors this file" if uptake.monitoring == 0 else ""
        click.echo(f"  file {uptake.file.id} {title}: monitoring {uptake.monitoring}, "
                   f"declined {uptake.declined}{flag}")
