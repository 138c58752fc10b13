"""The coordinator's catalogue: plans, periods, recommendation files, recommendations."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from ..access import ensure, plans_for, requires
from ..extensions import db
from ..models import Plan, Recommendation

bp = Blueprint("catalogue", __name__, url_prefix="/plans")


def plan_by_slug(slug: str, action: str) -> Plan:
    return ensure(action, db.session.scalar(sa.select(Plan).where(Plan.slug == slug)))


@bp.route("/")
@requires("catalogue.manage")
def index():
    plans = db.session.scalars(plans_for(current_user)).all()
    counts = dict(
        db.session.execute(
            sa.select(Recommendation.file_id, sa.func.count())
            .where(Recommendation.retired_at.is_(None))
            .group_by(Recommendation.file_id)
        ).all()
    )
    return render_template("catalogue/index.html", plans=plans, counts=counts)


@bp.route("/<slug>")
@requires("plan.view")
def plan(slug: str):
    plan = plan_by_slug(slug, "plan.view")
    return render_template("catalogue/plan.html", plan=plan)
