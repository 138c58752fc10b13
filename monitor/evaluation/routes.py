"""Evaluators' work: one evaluation per organisation, recommendation and period."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from ..access import plans_for, requires
from ..extensions import db
from ..models import FileChoice, Recommendation, RecommendationFile

bp = Blueprint("evaluation", __name__, url_prefix="/evaluations")


@bp.route("/")
@requires("evaluation.work")
def home():
    plans = db.session.scalars(plans_for(current_user)).all()
    monitored = db.session.scalars(
        sa.select(RecommendationFile)
        .join(FileChoice, FileChoice.file_id == RecommendationFile.id)
        .where(
            FileChoice.organization_id == current_user.organization_id,
            FileChoice.choice == "monitoring",
            RecommendationFile.retired_at.is_(None),
        )
        .order_by(RecommendationFile.plan_id, RecommendationFile.position)
    ).all()
    recommendations = {
        f.id: db.session.scalars(
            sa.select(Recommendation)
            .where(Recommendation.file_id == f.id, Recommendation.retired_at.is_(None))
            .order_by(Recommendation.sort_key)
        ).all()
        for f in monitored
    }
    return render_template(
        "evaluation/home.html", plans=plans, files=monitored, recommendations=recommendations
    )
