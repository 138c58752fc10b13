"""Recommendation files made from themes: a preview (theme → file, count), then apply.
Thin: parse, call services.catalogue.files_from_themes, render."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user

from ..access import requires
from ..extensions import db
from ..services.catalogue import files_from_themes as service
from ..services.catalogue.records import title_of
from ..forms import ActionForm
from .routes import plan_by_slug

bp = Blueprint("catalogue_themes", __name__, url_prefix="/plans")


@bp.route("/<slug>/files-from-themes", methods=["GET", "POST"])
@requires("catalogue.manage")
def files_from_themes(slug: str):
    plan = plan_by_slug(slug, "catalogue.manage")
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        done = service.apply_files_from_themes(db.session, plan, actor_id=current_user.id)
        db.session.commit()
        flash(ngettext("%(num)d recommendation was put in a file made from its theme.",
                       "%(num)d recommendations were put in files made from their themes.",
                       sum(line.count for line in done)), "success")
        return redirect(url_for("catalogue.plan", slug=slug))
    lines = service.plan_files_from_themes(db.session, plan)
    return render_template("catalogue/files_from_themes.html", plan=plan, lines=lines,
                           form=form, title_of=title_of)
