"""The coordinator's catalogue: plans, periods, recommendation files, recommendations,
imports and the translation sheet. Thin: parse the form, call services.catalogue.records,
render or redirect."""
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
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..access import ensure, in_scope, may, plans_for, requires
from ..extensions import db
from ..forms import ActionForm
from ..i18n import current_language
from ..models import (
    GoverningBody,
    Plan,
    Recommendation,
    RecommendationFile,
    ReportingPeriod,
)
from ..services import imports
from ..services.catalogue import exporting, importing, states
from ..services.catalogue import records as service
from ..services.catalogue import translation_sheet as translations_service
from ..services.catalogue.records import CatalogueError, RecommendationFilter
from ..services.catalogue.upr_formats import template_csv, template_xlsx
from ..web import CSV_MIMETYPE, XLSX_MIMETYPE, download, plan_by_slug
from .forms import (
    ApplyImportForm,
    AssignForm,
    FileForm,
    PeriodForm,
    PlanForm,
    RecommendationForm,
    UploadForm,
    local_to_utc,
    utc_to_local,
)

bp = Blueprint("catalogue", __name__, url_prefix="/plans")


@bp.app_template_global("recommending_states")
def _recommending_states(rec: Recommendation) -> str:
    """A recommendation's States in the page's language (CLDR's names in ar and ckb)."""
    return states.display_list(rec.recommending_states, rec.state_codes, current_language())


@bp.app_template_global("state_name")
def _state_name(name: str) -> str:
    return states.display_name(name, states.code_of(name), current_language())

#: The titles and descriptions of plans and files, in the three languages.
_TEXT_FIELDS = ("title_ar", "title_ckb", "title_en", "description_ar", "description_ckb",
                "description_en")



def _child(model: Any, plan: Plan, obj_id: int) -> Any:
    obj = db.session.get(model, obj_id)
    if obj is None or obj.plan_id != plan.id:
        abort(404)
    return ensure("catalogue.manage", obj)


def _refuse(form: Any, exc: CatalogueError) -> None:
    """Show a service refusal beside its field, or at the top of the page."""
    db.session.rollback()
    target = getattr(form, exc.field, None) if exc.field and form is not None else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, exc.message]
    else:
        flash(exc.message, "error")



def _file(data: bytes, filename: str, kind: str) -> Response:
    return download(data, filename, XLSX_MIMETYPE if kind == "xlsx" else CSV_MIMETYPE)


def _file_choices(plan: Plan, current: RecommendationFile | None = None,
                  none_label: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice("", none_label or _("Not in a file"))]
    for rf in plan.files:
        if rf.retired_at is None or (current is not None and rf.id == current.id):
            label = str(service.title_of(rf))
            if rf.retired_at is not None:
                label += " (" + _("retired") + ")"
            choices.append(SelectChoice(str(rf.id), label))
    return choices


# --- plans -------------------------------------------------------------------------------


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
    return render_template("catalogue/index.html", plans=plans, counts=counts,
                           can_create=may(current_user, "plan.create"))


@bp.route("/new", methods=["GET", "POST"])
@requires("plan.create")
def new_plan():
    form = PlanForm()
    if current_user.body_id is not None:
        bodies = [current_user.body]  # a coordinator of one body creates plans for it only
    else:
        bodies = db.session.scalars(sa.select(GoverningBody).order_by(GoverningBody.id)).all()
    form.body_id.choices = [
        SelectChoice(str(body.id), service.title_of(body, "name") or body.slug)
        for body in bodies]
    if not bodies:
        flash(_("No governing body exists yet: create one first."), "error")
    if form.validate_on_submit():
        body = db.session.get(GoverningBody, form.body_id.data)
        try:
            plan = service.create_plan(
                db.session, body, slug=form.slug.data, status=form.status.data,
                starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                actor_id=current_user.id, **{name: form[name].data for name in _TEXT_FIELDS})
        except CatalogueError as exc:
            _refuse(form, exc)
        else:
            db.session.commit()
            flash(_("The plan was created."), "success")
            return redirect(url_for("catalogue.plan", slug=plan.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("catalogue/plan_form.html", form=form, plan=None), status


@bp.route("/<slug>")
@requires("plan.view")
def plan(slug: str):
    plan = plan_by_slug(slug, "plan.view")
    can_manage = in_scope(current_user, "catalogue.manage", plan)
    counts = service.file_counts(db.session, plan)
    missing = service.missing_translations(db.session, plan) if can_manage else {}
    return render_template("catalogue/plan.html", plan=plan, can_manage=can_manage,
                           counts=counts, missing=missing, action_form=ActionForm())


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@requires("catalogue.manage")
def edit_plan(slug: str):
    plan = plan_by_slug(slug, "catalogue.manage")
    form = PlanForm(obj=plan)
    del form.body_id
    if form.validate_on_submit():
        changes = {name: form[name].data for name in (*_TEXT_FIELDS, "slug", "status",
                                                      "starts_on", "ends_on")}
        try:
            service.update_plan(db.session, plan, actor_id=current_user.id, **changes)
        except CatalogueError as exc:
            _refuse(form, exc)
        else:
            db.session.commit()
            flash(_("The plan was saved."), "success")
            return redirect(url_for("catalogue.plan", slug=plan.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("catalogue/plan_form.html", form=form, plan=plan), status


# --- reporting periods -------------------------------------------------------------------


def _period_form_page(plan: Plan, period: ReportingPeriod | None):  # noqa: ANN202
    form = PeriodForm(obj=period)
    if request.method == "GET" and period is not None:
        form.deadline.data = utc_to_local(period.deadline)
    if form.validate_on_submit():
        values = dict(label=form.label.data, starts_on=form.starts_on.data,
                      ends_on=form.ends_on.data, deadline=local_to_utc(form.deadline.data),
                      status=form.status.data)
        try:
            if period is None:
                service.create_period(db.session, plan, actor_id=current_user.id, **values)
            else:
                service.update_period(db.session, period, actor_id=current_user.id, **values)
        except CatalogueError as exc:
            _refuse(form, exc)
        else:
            db.session.commit()
            flash(_("The reporting period was saved."), "success")
            return redirect(url_for("catalogue.plan", slug=plan.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("catalogue/period_form.html", form=form, plan=plan,
                           period=period, action_form=ActionForm()), status


@bp.route("/<slug>/periods/new", methods=["GET", "POST"])
@requires("catalogue.manage")
def new_period(slug: str):
    return _period_form_page(plan_by_slug(slug, "catalogue.manage"), None)


@bp.route("/<slug>/periods/<int:period_id>/edit", methods=["GET", "POST"])
@requires("catalogue.manage")
def edit_period(slug: str, period_id: int):
    plan = plan_by_slug(slug, "catalogue.manage")
    return _period_form_page(plan, _child(ReportingPeriod, plan, period_id))


@bp.route("/<slug>/periods/<int:period_id>/delete", methods=["POST"])
@requires("catalogue.manage")
def delete_period(slug: str, period_id: int):
    plan = plan_by_slug(slug, "catalogue.manage")
    period = _child(ReportingPeriod, plan, period_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.delete_period(db.session, period, actor_id=current_user.id)
    except CatalogueError as exc:
        _refuse(None, exc)
        return redirect(url_for("catalogue.edit_period", slug=slug, period_id=period_id))
    db.session.commit()
    flash(_("The reporting period was deleted."), "success")
    return redirect(url_for("catalogue.plan", slug=slug))


# --- recommendation files ----------------------------------------------------------------

def _file_form_page(plan: Plan, rf: RecommendationFile | None):  # noqa: ANN202
    form = FileForm(obj=rf)
    if form.validate_on_submit():
        values = {name: form[name].data for name in _TEXT_FIELDS}
        values["position"] = form.position.data or 0
        try:
            if rf is None:
                service.create_file(db.session, plan, actor_id=current_user.id, **values)
            else:
                service.update_file(db.session, rf, actor_id=current_user.id, **values)
        except CatalogueError as exc:
            _refuse(form, exc)
        else:
            db.session.commit()
            flash(_("The recommendation file was saved."), "success")
            return redirect(url_for("catalogue.plan", slug=plan.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("catalogue/file_form.html", form=form, plan=plan, rf=rf,
                           action_form=ActionForm()), status


@bp.route("/<slug>/files/new", methods=["GET", "POST"])
@requires("catalogue.manage")
def new_file(slug: str):
    return _file_form_page(plan_by_slug(slug, "catalogue.manage"), None)


@bp.route("/<slug>/files/<int:file_id>/edit", methods=["GET", "POST"])
@requires("catalogue.manage")
def edit_file(slug: str, file_id: int):
    plan = plan_by_slug(slug, "catalogue.manage")
    return _file_form_page(plan, _child(RecommendationFile, plan, file_id))


_FILE_ACTIONS = {
    "retire": (service.retire_file, _l("The recommendation file was retired: it is hidden "
                                       "from new work and kept in history and reports.")),
    "restore": (service.restore_file, _l("The recommendation file is in use again.")),
    "delete": (service.delete_file, _l("The recommendation file was deleted.")),
}


def _lifecycle_action(model: Any, slug: str, obj_id: int, action: tuple[Any, Any], *,
                      refused_url: str, done_url: str):  # noqa: ANN202
    """Retire, restore or delete a file or a recommendation of the plan: `action` is the
    service function and the message that confirms it."""
    plan = plan_by_slug(slug, "catalogue.manage")
    obj = _child(model, plan, obj_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    function, message = action
    try:
        function(db.session, obj, actor_id=current_user.id)
    except CatalogueError as exc:
        _refuse(None, exc)
        return redirect(refused_url)
    db.session.commit()
    flash(str(message), "success")
    return redirect(done_url)


def _file_action(slug: str, file_id: int, verb: str):  # noqa: ANN202
    back = url_for("catalogue.plan", slug=slug)
    return _lifecycle_action(RecommendationFile, slug, file_id, _FILE_ACTIONS[verb],
                             refused_url=back, done_url=back)


@bp.route("/<slug>/files/<int:file_id>/retire", methods=["POST"])
@requires("catalogue.manage")
def retire_file(slug: str, file_id: int):
    return _file_action(slug, file_id, "retire")


@bp.route("/<slug>/files/<int:file_id>/restore", methods=["POST"])
@requires("catalogue.manage")
def restore_file(slug: str, file_id: int):
    return _file_action(slug, file_id, "restore")


@bp.route("/<slug>/files/<int:file_id>/delete", methods=["POST"])
@requires("catalogue.manage")
def delete_file(slug: str, file_id: int):
    return _file_action(slug, file_id, "delete")


# --- recommendations ---------------------------------------------------------------------

_FILTER_KEYS = ("theme", "state", "response", "q", "file", "status")


def _criteria(args: Any) -> tuple[RecommendationFilter, dict[str, str]]:
    """Filters from the query string (or the assign form); unknown values are ignored."""
    raw = {key: (args.get(key) or "").strip()[:200] for key in _FILTER_KEYS}
    response = raw["response"] if raw["response"] in ("supported", "noted", "unknown") else ""
    file_value: int | str | None = None
    if raw["file"] == "none":
        file_value = "none"
    elif raw["file"].isdigit():
        file_value = int(raw["file"])
    else:
        raw["file"] = ""
    status = raw["status"] if raw["status"] in ("active", "retired", "all") else "active"
    raw.update(response=response, status=status)
    criteria = RecommendationFilter(theme=raw["theme"] or None, state=raw["state"] or None,
                                    response=response or None, words=raw["q"] or None,
                                    file=file_value, status=status)
    return criteria, {k: v for k, v in raw.items() if v and not (k == "status" and
                                                                  v == "active")}


@bp.route("/<slug>/recommendations")
@requires("catalogue.manage")
def recommendations(slug: str):
    plan = plan_by_slug(slug, "catalogue.manage")
    criteria, active = _criteria(request.args)
    query = service.filter_recommendations(plan, criteria)
    requested = min(max(request.args.get("page", 1, type=int) or 1, 1), 100000)  # bounded OFFSET
    listed = db.paginate(query, page=requested, per_page=service.PAGE_SIZE, error_out=False)
    if listed.pages and listed.page > listed.pages:  # past the end: the last page
        listed = db.paginate(query, page=listed.pages, per_page=service.PAGE_SIZE,
                             error_out=False)
    items, total, page, pages = listed.items, listed.total, listed.page, max(listed.pages, 1)
    assign = AssignForm()
    assign.target.choices = _file_choices(plan, none_label=_("No file (take them out)"))
    return render_template(
        "catalogue/recommendations.html", plan=plan, items=items, total=total, page=page,
        pages=pages, filters=active, themes=service.plan_themes(db.session, plan),
        states=service.plan_states(db.session, plan), assign=assign,
        files={rf.id: rf for rf in plan.files}, action_form=ActionForm(),
    )


@bp.route("/<slug>/recommendations/assign", methods=["POST"])
@requires("catalogue.manage")
def assign(slug: str):
    plan = plan_by_slug(slug, "catalogue.manage")
    criteria, active = _criteria(request.form)
    form = AssignForm()
    form.target.choices = _file_choices(plan)
    back = url_for("catalogue.recommendations", slug=slug, **active)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Choose the file to assign the recommendations to."), "error")
        return redirect(back)
    if request.form.get("scope") == "all":
        ids = db.session.scalars(
            service.filter_recommendations(plan, criteria).with_only_columns(
                Recommendation.id)).all()
    else:
        raw = request.form.getlist("rec")
        if not all(value.isdigit() for value in raw):
            abort(400)
        ids = [int(value) for value in raw]
    target = int(form.target.data) if form.target.data else None
    try:
        changed = service.assign_to_file(db.session, plan, ids, target,
                                         actor_id=current_user.id)
    except CatalogueError as exc:
        _refuse(None, exc)
        return redirect(back)
    db.session.commit()
    flash(ngettext("%(num)d recommendation was assigned.",
                   "%(num)d recommendations were assigned.", changed), "success")
    return redirect(back)


_REC_TEXT = ("code", "text_en", "text_ar", "text_ckb", "recommending_states", "cycle",
             "document", "themes", "responsible_bodies")


def _recommendation_form_page(plan: Plan, rec: Recommendation | None):  # noqa: ANN202
    form = RecommendationForm(obj=rec)
    form.file_id.choices = _file_choices(plan, rec.file if rec else None)
    if request.method == "GET":
        if rec is not None:
            form.file_id.data = str(rec.file_id or "")
            form.upr_session.data = rec.session
            form.response.data = rec.response or ""
        elif request.args.get("file", "").isdigit():
            form.file_id.data = request.args["file"]
    if form.validate_on_submit():
        values = {name: form[name].data for name in _REC_TEXT}
        values.update(response=form.response.data or None,
                      file_id=int(form.file_id.data) if form.file_id.data else None)
        try:
            if rec is None:
                file_id = values.pop("file_id")
                service.create_recommendation(
                    db.session, plan, file=file_id, session_number=form.upr_session.data,
                    actor_id=current_user.id, **values)
            else:
                service.update_recommendation(
                    db.session, rec, session_number=form.upr_session.data,
                    actor_id=current_user.id, **values)
        except CatalogueError as exc:
            _refuse(form, exc)
        else:
            db.session.commit()
            flash(_("The recommendation was saved."), "success")
            return redirect(url_for("catalogue.recommendations", slug=plan.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("catalogue/recommendation_form.html", form=form, plan=plan,
                           rec=rec, action_form=ActionForm()), status


@bp.route("/<slug>/recommendations/new", methods=["GET", "POST"])
@requires("catalogue.manage")
def new_recommendation(slug: str):
    return _recommendation_form_page(plan_by_slug(slug, "catalogue.manage"), None)


@bp.route("/<slug>/recommendations/<int:rec_id>/edit", methods=["GET", "POST"])
@requires("catalogue.manage")
def edit_recommendation(slug: str, rec_id: int):
    plan = plan_by_slug(slug, "catalogue.manage")
    return _recommendation_form_page(plan, _child(Recommendation, plan, rec_id))


_REC_ACTIONS = {
    "retire": (service.retire_recommendation, _l("The recommendation was retired: it is "
                                                 "hidden from new work and kept in history "
                                                 "and reports.")),
    "restore": (service.restore_recommendation, _l("The recommendation is in use again.")),
    "delete": (service.delete_recommendation, _l("The recommendation was deleted.")),
}


def _recommendation_action(slug: str, rec_id: int, verb: str):  # noqa: ANN202
    return _lifecycle_action(
        Recommendation, slug, rec_id, _REC_ACTIONS[verb],
        refused_url=url_for("catalogue.edit_recommendation", slug=slug, rec_id=rec_id),
        done_url=url_for("catalogue.recommendations", slug=slug))


@bp.route("/<slug>/recommendations/<int:rec_id>/retire", methods=["POST"])
@requires("catalogue.manage")
def retire_recommendation(slug: str, rec_id: int):
    return _recommendation_action(slug, rec_id, "retire")


@bp.route("/<slug>/recommendations/<int:rec_id>/restore", methods=["POST"])
@requires("catalogue.manage")
def restore_recommendation(slug: str, rec_id: int):
    return _recommendation_action(slug, rec_id, "restore")


@bp.route("/<slug>/recommendations/<int:rec_id>/delete", methods=["POST"])
@requires("catalogue.manage")
def delete_recommendation(slug: str, rec_id: int):
    return _recommendation_action(slug, rec_id, "delete")


# --- import ------------------------------------------------------------------------------


def _read_upload(form: UploadForm) -> bytes:
    """The uploaded bytes; a file over the import limit is refused (413) by its size,
    before it is read or parsed."""
    storage = form.upload.data
    try:
        stream = storage.stream
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(0)
        if size:
            imports.check_size(size)
        return stream.read(imports.upload_limit() + 1)
    except imports.UploadRefused as exc:
        raise CatalogueError(exc.message) from None
    finally:
        storage.close()


@bp.route("/<slug>/import", methods=["GET", "POST"])
@requires("catalogue.manage")
def import_page(slug: str):
    plan = plan_by_slug(slug, "catalogue.manage")
    form = UploadForm()
    if form.validate_on_submit():
        filename = form.upload.data.filename or ""
        try:
            data = _read_upload(form)
        except CatalogueError as exc:
            flash(exc.message, "error")
            return render_template("catalogue/import.html", plan=plan, form=form), 413
        try:
            preview = importing.preview_import(db.session, plan, data, filename)
        except CatalogueError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("catalogue/import.html", plan=plan, form=form), 422
        token = None
        if preview.ok and preview.has_changes:
            token = imports.stage(data, filename, importer="catalogue", user_id=current_user.id,
                                  plan_id=plan.id)
        return render_template("catalogue/import_preview.html", plan=plan, preview=preview,
                               token=token, apply_form=ApplyImportForm(token=token),
                               labels=service.field_labels()), 200 if preview.ok else 422
    status = 422 if request.method == "POST" else 200
    return render_template("catalogue/import.html", plan=plan, form=form), status


@bp.route("/<slug>/import/apply", methods=["POST"])
@requires("catalogue.manage")
def apply_import(slug: str):
    plan = plan_by_slug(slug, "catalogue.manage")
    form = ApplyImportForm()
    if not form.validate_on_submit():
        abort(400)
    token = form.token.data
    try:
        data, filename = imports.claim(token, importer="catalogue", user_id=current_user.id,
                                       plan_id=plan.id)
        # The catalogue may have changed since the preview: work it out again.
        preview = importing.preview_import(db.session, plan, data, filename,
                                           confirmed=bool(form.confirm_matches.data))
        if not preview.ok:
            db.session.rollback()
            flash(_("The catalogue changed since the preview and some rows are now rejected. "
                    "Nothing was imported."), "error")
            return render_template("catalogue/import_preview.html", plan=plan,
                                   preview=preview, token=None, apply_form=None,
                                   labels=service.field_labels()), 422
        importing.apply_import(db.session, plan, preview, actor_id=current_user.id)
    except imports.UploadRefused as exc:
        flash(exc.message, "error")
        return redirect(url_for("catalogue.import_page", slug=slug))
    except CatalogueError as exc:
        _refuse(None, exc)
        return redirect(url_for("catalogue.import_page", slug=slug))
    db.session.commit()
    counts = preview.counts()
    flash(_("Imported: %(new)d new, %(updated)d updated, %(unchanged)d unchanged.",
            new=counts["new"], updated=counts["updated"], unchanged=counts["unchanged"]),
          "success")
    return redirect(url_for("catalogue.recommendations", slug=slug))


@bp.route("/<slug>/import/cancel", methods=["POST"])
@requires("catalogue.manage")
def cancel_import(slug: str):
    plan = plan_by_slug(slug, "catalogue.manage")
    form = ApplyImportForm()
    if not form.validate_on_submit():
        abort(400)
    imports.discard(form.token.data, importer="catalogue", user_id=current_user.id,
                    plan_id=plan.id)
    flash(_("The import was cancelled. Nothing was changed."), "info")
    return redirect(url_for("catalogue.import_page", slug=slug))


def _template_file(slug: str, kind: str) -> Response:
    plan_by_slug(slug, "catalogue.manage")
    data = template_xlsx() if kind == "xlsx" else template_csv()
    return _file(data, f"monitor-template.{kind}", kind)


@bp.route("/<slug>/import/template.csv")
@requires("catalogue.manage")
def template_csv_file(slug: str):
    return _template_file(slug, "csv")


@bp.route("/<slug>/import/template.xlsx")
@requires("catalogue.manage")
def template_xlsx_file(slug: str):
    return _template_file(slug, "xlsx")


def _export(slug: str, kind: str) -> Response:
    plan = plan_by_slug(slug, "catalogue.manage")
    return _file(exporting.export_catalogue(db.session, plan, kind),
                     f"{plan.slug}-recommendations.{kind}", kind)


@bp.route("/<slug>/export.csv")
@requires("catalogue.manage")
def export_csv(slug: str):
    return _export(slug, "csv")


@bp.route("/<slug>/export.xlsx")
@requires("catalogue.manage")
def export_xlsx(slug: str):
    return _export(slug, "xlsx")


# --- translations ------------------------------------------------------------------------


@bp.route("/<slug>/translations", methods=["GET", "POST"])
@requires("catalogue.manage")
def translations(slug: str):
    plan = plan_by_slug(slug, "catalogue.manage")
    form = UploadForm()
    result = None
    status = 200
    if form.validate_on_submit():
        try:
            data = _read_upload(form)
            result = translations_service.import_translations(db.session, plan, data,
                                                 form.upload.data.filename or "",
                                                 actor_id=current_user.id)
        except CatalogueError as exc:
            _refuse(None, exc)
            status = 422
        else:
            if result.applied:
                db.session.commit()
                flash(ngettext("Translations saved for %(num)d recommendation.",
                               "Translations saved for %(num)d recommendations.",
                               len(result.updated)), "success")
                return redirect(url_for("catalogue.translations", slug=slug))
            db.session.rollback()
            flash(_("Nothing was saved: correct the rejected rows and upload the sheet again."),
                  "error")
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("catalogue/translations.html", plan=plan, form=form, result=result,
                           missing=service.missing_translations(db.session, plan)), status


@bp.route("/<slug>/translations.xlsx")
@requires("catalogue.manage")
def translation_sheet(slug: str):
    plan = plan_by_slug(slug, "catalogue.manage")
    data = translations_service.translation_sheet(db.session, plan,
                                     missing_only=request.args.get("missing") == "1")
    return _file(data, f"{plan.slug}-translations.xlsx", "xlsx")
