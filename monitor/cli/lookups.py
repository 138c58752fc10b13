"""Objects named on the command line, or a clear error (shared by the command modules)."""
from __future__ import annotations

import click
import sqlalchemy as sa

from ..extensions import db
from ..models import Plan


def plan_by_slug(slug: str) -> Plan:
    plan = db.session.scalar(sa.select(Plan).where(Plan.slug == slug))
    if plan is None:
        raise click.ClickException(f"No plan with slug {slug!r}.")
    return plan
