"""An NGO's own results: for the plans it takes part in, the plan- and file-level
comparison (the same safe figures as the public page: services.results.publication), the
right-of-reply threads on items it evaluated with its rejoinders, and the export of its
own evaluations for its shadow reports. Never another organisation's answers."""
from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from .. import i18n
from ..access import ensure, plans_for, requires
from ..extensions import db
from ..models import Evaluation, Plan, ReportingPeriod
from ..services.results import chart_views, comparison, exports, publication, replies
from ..web import plan_by_slug, refuse
from .forms import RejoinderForm

bp = Blueprint("results", __name__, url_prefix="/our-results")




def _period(plan: Plan, label: str | None, overview: comparison.Overview) -> ReportingPeriod:
    periods = overview.periods
    if label:
        period = next((p for p in periods if p.label == label), None)
        if period is None:
            refuse(404, _("This plan has no reporting period “%(label)s”.", label=label[:40]))
        return period
    if not periods:
        refuse(404, _("This plan has no reporting periods yet."))
    with_data = [p for p in periods if overview.has_submissions(p)]
    return (with_data or periods)[-1]


@bp.route("/")
@requires("results.ngo")
def index():
    plans = db.session.scalars(plans_for(current_user)).all()
    return render_template("results/index.html", plans=plans)


def _page(plan: Plan, label: str | None, form: RejoinderForm | None = None,
          status: int = 200):  # noqa: ANN202
    overview = comparison.Overview(db.session, plan)
    period = _period(plan, label, overview)
    safe = publication.safe_results(overview.comparison(period))
    safe.trend = publication.safe_trend(overview, safe.overall.measure)
    threads = replies.organization_threads(db.session, plan, period,
                                           current_user.organization_id)
    ours = db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation).where(
        Evaluation.organization_id == current_user.organization_id,
        Evaluation.period_id == period.id, Evaluation.counted == sa.true())) or 0
    files_svg = None
    if not safe.is_empty:
        files_svg = chart_views.files_svg(
            [(f.file, f.figures.measure, f.figures.official, f.figures.independent)
             for f in safe.files], period.label)
    return render_template(
        "results/plan.html", plan=plan, period=period, periods=overview.periods, safe=safe,
        trend_svg=chart_views.trend_svg(safe.trend), files_svg=files_svg, threads=threads,
        ours=ours, form=form, failed_level=form.level.data if form is not None else None,
        max_body=replies.MAX_BODY,
    ), status


@bp.route("/<slug>")
@requires("results.ngo")
def plan(slug: str):
    """?period=<label> chooses the period (by default the latest with submissions)."""
    return _page(plan_by_slug(slug, "results.ngo"), request.args.get("period"))


@bp.route("/<slug>/evaluations.xlsx")
@requires("results.ngo")
def export_own(slug: str):
    """All the organisation's evaluations of the plan, its evidence list and its threads."""
    target = plan_by_slug(slug, "results.ngo")
    data = exports.render(exports.own_tables(db.session, target, current_user.organization_id),
                          "xlsx", rtl=i18n.text_direction() == "rtl")
    response = Response(data, mimetype=exports.XLSX_MIMETYPE)
    response.headers.set("Content-Disposition", "attachment",
                         filename=exports.filename("our-evaluations", target.slug, fmt="xlsx"))
    return response


@bp.route("/<slug>/<label>/rejoinder", methods=["POST"])
@requires("reply.rejoin")
def rejoin(slug: str, label: str):
    target = plan_by_slug(slug, "results.ngo")
    ensure("reply.rejoin", current_user.organization)
    period = comparison.period_by_label(db.session, target, label)
    if period is None:
        refuse(404, _("This plan has no reporting period “%(label)s”.", label=label[:40]))
    form = RejoinderForm()
    if not form.validate_on_submit():
        refuse(400, _("This form has expired or was sent from elsewhere, so nothing was "
                       "changed. Please go back, reload the page and try again."))
    key = (form.level.data or "").strip()
    try:
        replies.rejoin(db.session, target, period, key, form.body.data, user=current_user)
    except replies.ReplyError as exc:
        db.session.rollback()
        if exc.status == 404:
            refuse(404, exc.message)
        flash(exc.message, "error")
        return _page(target, period.label, form, exc.status)
    db.session.commit()
    flash(_("Your rejoinder was added to the thread. The coordinator can read it."), "success")
    return redirect(url_for(".plan", slug=target.slug, period=period.label,
                            _anchor="replies"))
