"""The comparison of independent evaluations with official progress: the coordinator's
dashboard, the drill-down per recommendation, and official progress entry and import."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError
from wtforms.fields.choices import SelectChoice

from .. import i18n
from ..access import requires
from ..extensions import db
from ..forms import ActionForm
from ..models import (
    RESPONSES,
    OfficialProgress,
    Plan,
    Recommendation,
    ReportingPeriod,
    utcnow,
)
from ..services.catalogue import queries as catalogue_queries
from ..services.evaluation import questionnaire
from ..services.results import (
    aggregation,
    chart_views,
    charts,
    comparison,
    drill_down,
    earlier_cycle,
    exports,
    official,
    publication,
    replies,
    reply_notices,
    stats,
)
from ..services.tabular import write_csv
from ..web import download, page_of, plan_by_slug, refuse
from .forms import (
    ConfirmForm,
    OfficialEntryForm,
    OfficialImportForm,
    ReplyForm,
)

bp = Blueprint("reports", __name__, url_prefix="/reports")

PAGE_SIZE = 50
EVALUATIONS_PAGE_SIZE = 10  # answers are free text: keep the page light
SORTS = ("code", "n_ngos", "mean", "gap")


# --- helpers -------------------------------------------------------------------------------




def _period(plan: Plan, label: str | None,
            overview: comparison.Overview | None = None) -> ReportingPeriod:
    """The period named by ?period= (404 when unknown); by default the latest period with
    submissions, else the latest period."""
    if label:
        period = comparison.period_by_label(db.session, plan, label)
        if period is None:
            refuse(404, _("This plan has no reporting period “%(label)s”.", label=label[:40]))
        return period
    periods = list(plan.periods)
    if not periods:
        refuse(404, _("This plan has no reporting periods yet."))
    if overview is not None:
        with_data = [p for p in periods if overview.has_submissions(p)]
        if with_data:
            return with_data[-1]
    return periods[-1]



def _sort_key(name: str):  # noqa: ANN202
    def key(row: comparison.RecommendationComparison) -> Any:
        if name == "n_ngos":
            return row.figures.n_ngos
        if name == "mean":
            return row.score.mean
        if name == "gap":
            return row.figures.gap
        return row.sort_key
    return key


def sort_rows(rows: list[comparison.RecommendationComparison], sort: str, direction: str
              ) -> list[comparison.RecommendationComparison]:
    """Sort by an allowlisted column; missing values (no evaluation, no gap) always last."""
    key = _sort_key(sort)
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]
    present.sort(key=lambda r: (key(r), r.sort_key, r.id), reverse=direction == "desc")
    return present + missing




def _scale_labels() -> dict[int, str]:
    return {0: _("Not implemented"), 25: _("Initiated"), 50: _("Partially implemented"),
            75: _("Largely implemented"), 100: _("Fully implemented")}


# --- the dashboard -------------------------------------------------------------------------


@bp.route("/<slug>/comparison")
@bp.route("/<slug>/<label>")
@requires("reports.view")
def dashboard(slug: str, label: str | None = None):
    """The dashboard: /reports/<slug>/comparison?period=<label> (with the period selector;
    by default the latest period with submissions) or /reports/<slug>/<label>."""
    plan = plan_by_slug(slug, "reports.view")
    overview = comparison.Overview(db.session, plan)
    period = _period(plan, label or request.args.get("period"), overview)
    result = overview.comparison(period)
    periods = overview.periods

    trend = comparison.trend(overview, result.overall.measure)
    trend_svg = chart_views.trend_svg(trend)
    files_svg = _files_svg(result)

    sort = request.args.get("sort", "code")
    if sort not in SORTS:
        sort = "code"
    direction = "desc" if request.args.get("dir") == "desc" else "asc"
    rows = sort_rows(result.recommendations, sort, direction)
    response = request.args.get("response", "")
    if response in (*RESPONSES, "unknown"):  # the comparison filtered by Iraq's response
        chosen = catalogue_queries.ids_with_response(db.session, plan, response)
        rows = [row for row in rows if row.id in chosen]
    else:
        response = ""
    listed = page_of(rows, PAGE_SIZE)
    page, pages, page_rows = listed.page, listed.pages, listed.items
    texts = {
        rec.id: rec for rec in db.session.scalars(
            sa.select(Recommendation).where(Recommendation.id.in_([r.id for r in page_rows])))
    } if page_rows else {}
    files = {f.file.id: f.file for f in result.files}

    pending = aggregation.pending_counts(db.session, period.id) if result.is_empty else None
    threads = {t.level.key: t for t in replies.coordinator_threads(db.session, plan, period,
                                                                   result) if t.messages}
    return render_template(
        "reports/dashboard.html", plan=plan, period=period, periods=periods, result=result,
        trend=trend, trend_svg=trend_svg, files_svg=files_svg, rows=page_rows, texts=texts,
        files=files, page=page, pages=pages, sort=sort, direction=direction, sorts=SORTS,
        pending=pending, method=chart_views.method(result.settings),
        response=response,
        threads=threads, form=ActionForm(),
        public_url=url_for("public.results", slug=plan.slug, label=period.label)
        if period.published_at else None,
    )


def _files_svg(result: comparison.Comparison):  # noqa: ANN202
    if not result.files or result.is_empty:
        return None
    return chart_views.files_svg(
        [(f.file, f.figures.measure, f.figures.official, f.figures.independent)
         for f in result.files], result.period.label)


@bp.route("/<slug>/comparison.csv")
@requires("reports.export")
def comparison_csv(slug: str):
    plan = plan_by_slug(slug, "reports.export")
    period = _period(plan, request.args.get("period"))
    header, rows = comparison.compare(db.session, plan, period).csv_rows()
    filename = f"comparison-{plan.slug}-{period.label}.csv"
    return Response(write_csv(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- the drill-down ------------------------------------------------------------------------


def _answer_rows(answers: dict[str, Any], definition: dict[str, Any] | None, lang: str
                 ) -> list[tuple[str, str]]:
    """(question label, answer as text) in the questionnaire's order; files and notes are
    shown as attachments, not answers."""
    rows: list[tuple[str, str]] = []
    questions = (definition or {}).get("questions", [])
    known = set()
    for q in questions:
        name = q.get("name")
        known.add(name)
        if name not in answers or q.get("type") in ("file", "note"):
            continue
        value = answers[name]
        choices = {c["name"]: questionnaire.localized(c.get("label"), lang)[0]
                   for c in q.get("choices", [])}
        if isinstance(value, list):
            text = "; ".join(choices.get(str(v), str(v)) for v in value)
        else:
            text = choices.get(str(value), str(value))
        rows.append((questionnaire.localized(q.get("label"), lang)[0] or name, text))
    for name, value in answers.items():
        # "_attachments" and other "_" keys are the receipt's metadata (they list documents
        # kept within the organisation too): never answers to show.
        if name not in known and not name.startswith("_"):
            rows.append((name, "; ".join(map(str, value)) if isinstance(value, list)
                         else str(value)))
    return rows


def _url(endpoint: str, **values: Any) -> str | None:
    """A link into another area's pages, or None while that area does not offer it."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.route("/<slug>/comparison/<int:recommendation_id>")
@requires("reports.view")
def recommendation(slug: str, recommendation_id: int):
    plan = plan_by_slug(slug, "reports.view")
    rec = db.session.get(Recommendation, recommendation_id)
    if rec is None or rec.plan_id != plan.id:
        abort(404)
    period = _period(plan, request.args.get("period"))
    settings = comparison.Settings.from_config()
    hist = aggregation.recommendation_histogram(db.session, period.id, rec.id)
    score = stats.summarise(hist)
    entry = db.session.scalar(sa.select(OfficialProgress).where(
        OfficialProgress.period_id == period.id,
        OfficialProgress.level_key == official.level_key(recommendation_id=rec.id)))
    figures = comparison.recommendation_figures(rec.id, score, entry, settings)

    shown = drill_down.counted_evaluations(
        db.session, period.id, rec.id, page=request.args.get("page", 1, type=int) or 1,
        per_page=EVALUATIONS_PAGE_SIZE)
    page, pages = shown.page, shown.pages
    lang = i18n.current_language()
    items = [{
        "evaluation": item.evaluation,
        "name": item.name,
        "pseudonymous": item.evaluation.pseudonymous,
        "revision": item.revision,
        "answers": _answer_rows(item.revision.answers, item.definition, lang)
        if item.revision is not None else [],
        "attachments": [(a, _url("evaluation.download", attachment_id=a.id))
                        for a in item.attachments],
        "review_url": _url("evaluation.review", evaluation_id=item.evaluation.id)
        if item.revision is not None else None,
    } for item in shown.items]
    labels = _scale_labels()
    dist_svg = charts.distribution_bar(
        score.distribution, labels, title=_("How the NGOs rated this recommendation"),
        rtl=i18n.text_direction() == "rtl", value_fmt=lambda v: i18n.format_number(v, 0),
        pct_fmt=lambda v: i18n.format_percent(v, 0), no_data_label=_("no data"),
        chart_id="distribution",
    )
    thread = replies.coordinator_thread(db.session, plan, period,
                                        replies.Level(figures.level_key, recommendation=rec))
    return render_template(
        "reports/recommendation.html", plan=plan, period=period, rec=rec, score=score,
        figures=figures, entry=entry, items=items, page=page, pages=pages, dist_svg=dist_svg,
        scale_labels=labels, settings=settings, periods=list(plan.periods), thread=thread,
        earlier=earlier_cycle.for_viewer(db.session, rec, current_user),
    )


# --- official progress ---------------------------------------------------------------------


def _entry_form(plan: Plan) -> OfficialEntryForm:
    form = OfficialEntryForm()
    form.file.choices = [SelectChoice("", _("None"))] + [
        # Numbered as the plan page numbers them (their position), never by database id.
        SelectChoice(str(rf.id), f"{rf.position} · {i18n.localized(rf, 'title')}")
        for rf in plan.files if rf.retired_at is None
    ]
    return form


def _official_page(plan: Plan, period: ReportingPeriod, form: OfficialEntryForm,
                   import_form: OfficialImportForm, import_errors: list | None = None,
                   status: int = 200):  # noqa: ANN202
    entries = sorted(
        official.entries_by_period(db.session, [period.id])[period.id].values(),
        key=lambda e: (e.level_key != "plan", e.level_key.startswith("rec:"), e.id))
    files = {rf.id: rf for rf in plan.files}
    codes = dict(db.session.execute(sa.select(Recommendation.id, Recommendation.code).where(
        Recommendation.id.in_([e.recommendation_id for e in entries if e.recommendation_id]))
    ).all()) if entries else {}
    return render_template(
        "reports/official.html", plan=plan, period=period, periods=list(plan.periods),
        entries=entries, files=files, codes=codes, form=form, import_form=import_form,
        delete_form=ConfirmForm(), import_errors=import_errors or [], columns=official.COLUMNS,
    ), status


@bp.route("/<slug>/official", methods=["GET", "POST"])
@requires("official.manage")
def official_page(slug: str):
    plan = plan_by_slug(slug, "official.manage")
    period = _period(plan, request.args.get("period"))
    form = _entry_form(plan)
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("The official figure was not saved: correct the fields marked below."),
                  "error")
            return _official_page(plan, period, form, OfficialImportForm(), status=422)
        level = form.level.data
        raw = {
            "level": level,
            "file": form.file.data if level == "file" else "",
            "recommendation": form.recommendation.data if level == "recommendation" else "",
            "measure": form.measure.data if level != "recommendation" else "",
            "value": form.value.data, "status": form.status.data if level == "recommendation"
            else "", "source": form.source.data, "reported_on": form.reported_on.data,
        }
        try:
            entry = official.parse_entry(official.Catalogue(db.session, plan), raw)
        except official.OfficialError as exc:
            for name, reason in exc.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, reason]
            flash(_("The official figure was not saved: correct the fields marked below."),
                  "error")
            return _official_page(plan, period, form, OfficialImportForm(), status=422)
        official.save_entry(db.session, period, entry, actor_id=current_user.id)
        db.session.commit()
        flash(_("The official figure was saved."), "success")
        return redirect(url_for(".official_page", slug=plan.slug, period=period.label))
    return _official_page(plan, period, form, OfficialImportForm())


@bp.route("/<slug>/official/import", methods=["POST"])
@requires("official.manage")
def official_import(slug: str):
    plan = plan_by_slug(slug, "official.manage")
    period = _period(plan, request.args.get("period"))
    import_form = OfficialImportForm()
    if not import_form.validate_on_submit():
        flash(_("Nothing was imported: choose a CSV or XLSX file."), "error")
        return _official_page(plan, period, _entry_form(plan), import_form, status=422)
    upload = import_form.spreadsheet.data
    try:
        result = official.import_table(db.session, period, upload.read(),
                                       upload.filename or "", actor_id=current_user.id)
    except official.ImportRefused as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _official_page(plan, period, _entry_form(plan), import_form,
                              import_errors=exc.errors, status=422)
    db.session.commit()
    flash(_("Imported %(created)d new and %(updated)d replaced official figure(s).",
            created=len(result.new), updated=len(result.updated)), "success")
    return redirect(url_for(".official_page", slug=plan.slug, period=period.label))


@bp.route("/<slug>/official/<int:entry_id>/delete", methods=["POST"])
@requires("official.manage")
def official_delete(slug: str, entry_id: int):
    plan = plan_by_slug(slug, "official.manage")
    item = db.session.get(OfficialProgress, entry_id)
    if item is None or item.period.plan_id != plan.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    label = item.period.label
    official.delete_entry(db.session, item, actor_id=current_user.id)
    db.session.commit()
    flash(_("The official figure was deleted."), "success")
    return redirect(url_for(".official_page", slug=plan.slug, period=label))


@bp.route("/<slug>/official/template.csv")
@requires("official.manage")
def official_template(slug: str):
    plan = plan_by_slug(slug, "official.manage")
    return Response(official.template_csv(plan), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="official-{plan.slug}.csv"'})


# --- exports ------------------------------------------------------------------------------


def _labelled(slug: str, label: str, action: str) -> tuple[Plan, ReportingPeriod]:
    plan = plan_by_slug(slug, action)
    return plan, _period(plan, label)



def _format(fmt: str) -> str:
    if fmt not in exports.FORMATS:
        refuse(404, _("Exports are available as CSV or XLSX."))
    return fmt


@bp.route("/<slug>/<label>/export/comparison.<fmt>")
@requires("reports.export")
def export_comparison(slug: str, label: str, fmt: str):
    """The comparison (plan, files, recommendations) with each item's right-of-reply
    thread: CSV (one table) or XLSX (with a sheet of messages and one of settings)."""
    plan, period = _labelled(slug, label, "reports.export")
    fmt = _format(fmt)
    result = comparison.compare(db.session, plan, period)
    data = exports.render(exports.comparison_tables(db.session, result), fmt,
                          rtl=i18n.text_direction() == "rtl")
    # Not the dashboard's "comparison-…" CSV: this one carries the replies.
    return download(data, exports.filename("comparison-with-replies", plan.slug, period.label,
                                           fmt=fmt), exports.mimetype(fmt))


@bp.route("/<slug>/<label>/export/evaluations.<fmt>")
@requires("reports.export")
def export_evaluations(slug: str, label: str, fmt: str):
    """Every submitted evaluation of the period in the version that counts."""
    plan, period = _labelled(slug, label, "reports.export")
    fmt = _format(fmt)
    data = exports.render(exports.evaluation_tables(db.session, plan, period), fmt,
                          rtl=i18n.text_direction() == "rtl")
    return download(data, exports.filename("evaluations", plan.slug, period.label, fmt=fmt),
                    exports.mimetype(fmt))


# --- the printable report -------------------------------------------------------------------


@bp.route("/<slug>/<label>/report")
@requires("reports.view")
def report(slug: str, label: str):
    """Everything of one period on one page, for printing or saving as PDF."""
    plan = plan_by_slug(slug, "reports.view")
    period = _period(plan, label)
    overview = comparison.Overview(db.session, plan)
    result = overview.comparison(period)
    trend = comparison.trend(overview, result.overall.measure)
    texts = {rec.id: rec for rec in db.session.scalars(
        sa.select(Recommendation).where(Recommendation.plan_id == plan.id))}
    return render_template(
        "reports/report.html", plan=plan, period=period, result=result, trend=trend,
        trend_svg=chart_views.trend_svg(trend), files_svg=_files_svg(result), texts=texts,
        files={f.file.id: f.file for f in result.files},
        threads=replies.threads_with_messages(db.session, plan, period),
        method=chart_views.method(result.settings),
        generated_at=utcnow(),
    )


# --- publication ----------------------------------------------------------------------------


def _publication(slug: str, label: str, change) -> Response:  # noqa: ANN001
    plan, period = _labelled(slug, label, "reports.publish")
    if not ActionForm().validate_on_submit():
        refuse(400, _("This form has expired or was sent from elsewhere, so nothing was "
                       "changed. Please go back, reload the page and try again."))
    try:
        change(db.session, period, user=current_user)
    except publication.PublicationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        if period.published_at is not None:
            flash(i18n.isolated(_("The results of %(period)s are published: anyone can read them "
                             "at the address shown on this page."), period=period.label),
                  "success")
        else:
            flash(i18n.isolated(_("The results of %(period)s are no longer published."),
                           period=period.label), "success")
    return redirect(url_for(".dashboard", slug=plan.slug, period=period.label))


@bp.route("/<slug>/<label>/publish", methods=["POST"])
@requires("reports.publish")
def publish(slug: str, label: str):
    return _publication(slug, label, publication.publish)


@bp.route("/<slug>/<label>/unpublish", methods=["POST"])
@requires("reports.publish")
def unpublish(slug: str, label: str):
    return _publication(slug, label, publication.unpublish)


# --- right of reply -------------------------------------------------------------------------

THREADS_PAGE_SIZE = 50


def _replies_page(plan: Plan, period: ReportingPeriod, level_key: str | None,
                  form: ReplyForm | None = None, close_form: ReplyForm | None = None,
                  status: int = 200, strict: bool = True):  # noqa: ANN202
    """The list of threads, or one thread (`level_key`). `strict`: an item neither
    flagged nor with a thread is not found (False when showing a refusal about it)."""
    result = comparison.compare(db.session, plan, period)
    if level_key:
        try:
            level = replies.parse_level(db.session, plan, level_key)
        except replies.NotFound as exc:
            refuse(404, exc.message)
        thread = replies.coordinator_thread(db.session, plan, period, level, result)
        if strict and not thread.messages and not thread.flagged:
            refuse(404, _("This item is not flagged as divergent in this period and has no "
                           "thread."))
        form = form or ReplyForm(level=level.key)
        close_form = close_form or ReplyForm(level=level.key, formdata=None)
        return render_template(
            "reports/thread.html", plan=plan, period=period, thread=thread, form=form,
            close_form=close_form, max_body=replies.MAX_BODY,
        ), status
    threads = replies.coordinator_threads(db.session, plan, period, result)
    listed = page_of(threads, THREADS_PAGE_SIZE)
    return render_template(
        "reports/replies.html", plan=plan, period=period, periods=list(plan.periods),
        threads=listed.items, total=listed.total, page=listed.page, pages=listed.pages,
    ), status


@bp.route("/<slug>/<label>/replies")
@requires("reply.respond")
def replies_page(slug: str, label: str):
    """The flagged items of a period and their threads; ?level=<key> opens one thread."""
    plan, period = _labelled(slug, label, "reply.respond")
    return _replies_page(plan, period, request.args.get("level"))


def _reply_action(slug: str, label: str, write, done: str, *,  # noqa: ANN001, ANN202
                  closing: bool = False):
    plan, period = _labelled(slug, label, "reply.respond")
    form = ReplyForm()
    key = (form.level.data or "").strip()
    if not form.validate_on_submit():
        refuse(400, _("This form has expired or was sent from elsewhere, so nothing was "
                       "changed. Please go back, reload the page and try again."))
    try:
        write(plan, period, key, form.body.data)
    except replies.ReplyError as exc:
        db.session.rollback()
        if exc.status == 404:
            refuse(404, exc.message)
        flash(exc.message, "error")
        form.body.data = (form.body.data or "")[:replies.MAX_BODY]  # never echo a huge text
        if closing:
            return _replies_page(plan, period, key, close_form=form, status=exc.status,
                                 strict=False)
        return _replies_page(plan, period, key, form=form, status=exc.status, strict=False)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".replies_page", slug=plan.slug, label=period.label, level=key))


@bp.route("/<slug>/<label>/replies/respond", methods=["POST"])
@requires("reply.respond")
def respond(slug: str, label: str):
    def write(plan, period, key, body):  # noqa: ANN001, ANN202
        message = replies.respond(db.session, plan, period, key, body, user=current_user,
                                  result=comparison.compare(db.session, plan, period))
        # The organisations that evaluated the item are told, with the same commit (the
        # mail worker sends it: the coordinator does not wait on the SMTP server).
        reply_notices.response_recorded(db.session, plan, period, message)
        return message

    return _reply_action(slug, label, write, _(
        "The government's response was recorded. The NGOs that evaluated this item can now "
        "read it and reply."))


@bp.route("/<slug>/<label>/replies/close", methods=["POST"])
@requires("reply.respond")
def close_thread(slug: str, label: str):
    return _reply_action(slug, label, lambda plan, period, key, body: replies.close(
        db.session, plan, period, key, body, user=current_user),
        _("The thread was closed. It stays with the item, in the exports and in the report."),
        closing=True)
