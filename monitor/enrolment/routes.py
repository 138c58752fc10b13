"""Organisations, invitations, and an NGO's own enrolment."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from ..access import plans_for, requires
from ..extensions import db
from ..models import FileChoice, Organization

bp = Blueprint("enrolment", __name__)


@bp.route("/ngo")
@requires("enrolment.view")
def home():
    plans = db.session.scalars(plans_for(current_user)).all()
    choices = {
        c.file_id: c
        for c in db.session.scalars(
            sa.select(FileChoice).where(FileChoice.organization_id == current_user.organization_id)
        )
    }
    return render_template("enrolment/home.html", plans=plans, choices=choices)


@bp.route("/organizations")
@requires("organizations.manage")
def organizations():
    orgs = db.session.scalars(sa.select(Organization).order_by(Organization.name)).all()
    return render_template("enrolment/organizations.html", organizations=orgs)
