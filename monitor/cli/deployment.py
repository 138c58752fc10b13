"""`flask body create` and `flask plan create`: a deployment from nothing, scripted (thin
calls into services.catalogue)."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..i18n import LANGUAGES
from ..models import GoverningBody
from ..services.catalogue import bodies
from ..services.catalogue import records as service

_LANG = click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
                     help="Language of the messages.")


def register(app: Flask) -> None:
    app.cli.add_command(body)
    app.cli.add_command(plan)


@click.group()
def body() -> None:
    """Governing bodies (the offices that own plans)."""


@body.command("create")
@click.option("--slug", required=True, help="Short name, such as krg-coordinator.")
@click.option("--name-en", default=None, help="Name in English.")
@click.option("--name-ar", default=None, help="Name in Arabic.")
@click.option("--name-ckb", default=None, help="Name in Sorani.")
@click.option("--email", default=None, help="Contact email.")
@_LANG
def create_body(slug: str, name_en: str | None, name_ar: str | None, name_ckb: str | None,
                email: str | None, lang: str) -> None:
    """Create a governing body."""
    with force_locale(lang):
        try:
            created = bodies.create_body(db.session, slug=slug, name_en=name_en,
                                         name_ar=name_ar, name_ckb=name_ckb,
                                         contact_email=email)
        except service.CatalogueError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
        db.session.commit()
        click.echo(_("Governing body %(slug)s created.", slug=created.slug))


@click.group()
def plan() -> None:
    """Plans (a national or regional human-rights plan)."""


@plan.command("create")
@click.option("--body", "body_slug", required=True, help="Short name of the governing body.")
@click.option("--slug", required=True, help="Short name of the plan.")
@click.option("--title-en", default=None, help="Title in English.")
@click.option("--title-ar", default=None, help="Title in Arabic.")
@click.option("--title-ckb", default=None, help="Title in Sorani.")
@click.option("--cycle", default=None,
              help="UPR cycle given to imported recommendations whose file does not say.")
@click.option("--status", type=click.Choice(["draft", "open", "closed"]), default="draft",
              show_default=True)
@_LANG
def create_plan(body_slug: str, slug: str, title_en: str | None, title_ar: str | None,
                title_ckb: str | None, cycle: str | None, status: str, lang: str) -> None:
    """Create a plan of a governing body."""
    with force_locale(lang):
        owner = db.session.scalar(sa.select(GoverningBody).where(
            GoverningBody.slug == body_slug))
        if owner is None:
            raise click.ClickException(_("No governing body has the short name %(slug)s.",
                                         slug=body_slug))
        try:
            created = service.create_plan(db.session, owner, slug=slug, title_en=title_en,
                                          title_ar=title_ar, title_ckb=title_ckb,
                                          status=status, default_cycle=cycle)
        except service.CatalogueError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
        db.session.commit()
        click.echo(_("Plan %(slug)s created.", slug=created.slug))
