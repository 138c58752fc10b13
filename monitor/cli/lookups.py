"""Objects named on the command line, or a clear error (shared by the command modules)."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import Plan


def plan_by_slug(slug: str) -> Plan:
    plan = db.session.scalar(sa.select(Plan).where(Plan.slug == slug))
    if plan is None:
        raise click.ClickException(_("No plan has the short name %(slug)s.", slug=slug))
    return plan
