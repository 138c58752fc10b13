"""Read-only JSON API for signed-in coordinators.

Errors are JSON too (monitor/errors.py answers JSON for every /api/ path; access.requires
answers 401 instead of redirecting to the sign-in page).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from ..access import ensure, requires
from ..extensions import db
from ..models import Plan
from ..services.results import comparison
from ..web import refuse

bp = Blueprint("api", __name__, url_prefix="/api/v1")



@bp.route("/plans/<slug>/comparison", endpoint="comparison")
@requires("api.read")
def comparison_json(slug: str):
    """The comparison for one period: see Comparison.as_dict (schema in the README)."""
    plan = db.session.scalar(sa.select(Plan).where(Plan.slug == slug))
    if plan is None:
        refuse(404, _("There is no plan “%(slug)s”.", slug=slug[:80]))
    ensure("api.read", plan)
    label = request.args.get("period", "").strip()
    if not label:
        refuse(400, _("Give the reporting period: ?period=<label>, e.g. ?period=2023."))
    period = comparison.period_by_label(db.session, plan, label)
    if period is None:
        refuse(404, _("This plan has no reporting period “%(label)s”.", label=label[:40]))
    result = comparison.compare(db.session, plan, period)
    return jsonify(result.as_dict())

