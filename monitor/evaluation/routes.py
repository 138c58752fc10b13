"""Evaluators' work: one evaluation per organisation, recommendation and period; the NGO
administrator's approval; the coordinator's review; questionnaires and offline data.
Thin: every decision is in services.evaluation.lifecycle / attachments / questionnaires."""
from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException
from wtforms.fields.choices import SelectChoice

from .. import web
from ..access import RULES, ensure, in_scope, requires
from ..errors import csrf_refusal, log_csrf_failure, render_error
from ..extensions import db
from ..i18n import current_language, format_time
from ..models import (
    Evaluation,
    Plan,
    Recommendation,
    ReportingPeriod,
    utcnow,
)
from ..services.catalogue import text_versions
from ..services.evaluation import attachments as attachment_service
from ..services.evaluation import lifecycle as service
from ..services.evaluation import offline_answers, overview
from ..services.evaluation import questionnaire_versions as questionnaire_service
from ..services.evaluation import review as conversation
from ..services.evaluation.questionnaire import localized as q_localized
from ..services.results import earlier_cycle, pseudonyms
from ..web import XLSX_MIMETYPE, plan_by_slug
from . import kept
from .forms import (
    AnswersImportForm,
    AttachmentForm,
    ClarificationForm,
    QuestionnaireImportForm,
    ReturnForm,
    VisibilityForm,
    answers_from,
    pseudonymous_from,
    version_from,
)

bp = Blueprint("evaluation", __name__, url_prefix="/evaluations")


@bp.app_template_filter("qtext")
def qtext(labels) -> str:  # noqa: ANN001
    """A questionnaire text (label, hint, choice) in the page's language."""
    return q_localized(labels, current_language())[0]


# --- helpers -----------------------------------------------------------------------------


# Built once: loader options are costly to build on every request.
_FULL = (joinedload(Evaluation.period).joinedload(ReportingPeriod.plan),
         joinedload(Evaluation.recommendation))
_LIGHT = (joinedload(Evaluation.period).joinedload(ReportingPeriod.plan)
          .load_only(Plan.id, Plan.body_id, Plan.slug, Plan.status),
          joinedload(Evaluation.recommendation)
          .load_only(Recommendation.id, Recommendation.plan_id, Recommendation.file_id,
                     Recommendation.code, Recommendation.retired_at))


_BY_ID = {
    light: sa.select(Evaluation, *questionnaire_service.newest_version_columns(
        # Correlated by hand: nested two levels deep, it would not be automatically.
        sa.select(ReportingPeriod.plan_id).where(ReportingPeriod.id == Evaluation.period_id)
        .correlate_except(ReportingPeriod).scalar_subquery()))
    .where(Evaluation.id == sa.bindparam("evaluation_id"))
    .options(*(_LIGHT if light else _FULL))
    for light in (False, True)
}


def _evaluation(evaluation_id: int, action: str = "evaluation.work", *,
                light: bool = False) -> Evaluation:
    """One query for what every action checks (period and plan open, recommendation) and
    for the plan's questionnaire version; `light` leaves the long texts out (actions that
    only redirect)."""
    row = db.session.execute(_BY_ID[light], {"evaluation_id": evaluation_id}).first()
    if row is None:
        abort(404)
    evaluation = ensure(action, row[0])
    questionnaire_service.remember_newest(db.session, evaluation.period.plan_id,
                                          row.questionnaire_id, row.questionnaire_created_at)
    return evaluation


def _done() -> dict[str, str]:
    """Messages after a redirect, named in the URL: a save rewrites no session cookie."""
    return {
        "saved": _("Draft saved."),
        "sent": _("Sent to your organisation's administrator for approval."),
        "submitted": _("Submitted to the coordinator. The receipt of this version is shown "
                       "under “Versions submitted to the coordinator”."),
        "late": _("Submitted to the coordinator. The deadline had passed: the submission is "
                  "marked late."),
        "returned": _("Returned to the evaluator with your comment."),
    }


def _target(period_id: int, recommendation_id: int) -> tuple[ReportingPeriod, Recommendation]:
    period = db.session.get(ReportingPeriod, period_id)
    recommendation = db.session.get(Recommendation, recommendation_id)
    try:
        service.check_scope(db.session, current_user.organization_id, recommendation, period)
    except service.NotFound:
        abort(404)
    if not in_scope(current_user, "questionnaire.view", period):
        abort(404)  # the organisation is not (or no longer) registered for the plan
    return period, recommendation



def _page(evaluation: Evaluation | None, period: ReportingPeriod, recommendation: Recommendation,
          *, values: dict | None = None, errors: dict | None = None,
          conflict: service.StaleVersion | None = None, status: int = 200,
          return_form: ReturnForm | None = None, attachment_form: AttachmentForm | None = None):
    definition = questionnaire_service.current_definition(db.session, period.plan)
    file_questions = [q for q in definition["questions"] if q["type"] == "file"]
    attachment_form = attachment_form or AttachmentForm()
    attachment_form.question.choices = [SelectChoice(q["name"], qtext(q["label"]) or q["name"])
                                        for q in file_questions]
    editable = (service.is_editable(evaluation, current_user)
                and period.accepts_submissions)
    previous = None
    if evaluation is None or (editable and not evaluation.answers):
        previous = service.previous_answers(db.session, current_user.organization_id,
                                            recommendation, period)
    return render_template(
        "evaluation/edit.html", evaluation=evaluation, period=period, plan=period.plan,
        recommendation=recommendation, definition=definition,
        values=values if values is not None else (evaluation.answers if evaluation else {}),
        errors=errors or {}, conflict=conflict, editable=editable,
        attachments=(attachment_service.for_evaluation(db.session, evaluation)
                     if evaluation else []),
        revisions=evaluation.revisions if evaluation else [],
        evaluated_text=text_versions.evaluated(
            db.session, evaluation.revisions[-1] if evaluation and evaluation.revisions else None),
        notes=conversation.notes(db.session, evaluation) if evaluation else [],
        return_form=return_form or ReturnForm(), attachment_form=attachment_form,
        visibility_form=VisibilityForm(), file_questions=file_questions,
        previous_available=bool(previous), state_labels=service.STATE_LABELS,
        earlier=earlier_cycle.for_viewer(db.session, recommendation, current_user),
        done=_done().get(request.args.get("done", "")) if status == 200 else None,
    ), status


def _refused(exc: service.EvaluationError, evaluation: Evaluation | None,
             period: ReportingPeriod, recommendation: Recommendation, values: dict | None):
    """Re-render the page with the user's input and the reason; nothing was saved."""
    db.session.rollback()
    if isinstance(exc, service.NotFound):
        abort(404)
    if isinstance(exc, service.AlreadySubmitted):
        flash(exc.message, "info")
        return redirect(url_for(".edit", evaluation_id=exc.evaluation.id))
    flash(exc.message, "error")
    if evaluation is not None:
        evaluation = db.session.get(Evaluation, evaluation.id)
    conflict = exc if isinstance(exc, service.StaleVersion) else None
    if conflict is not None and conflict.saved is not None:
        evaluation = conflict.saved
    errors = exc.errors if isinstance(exc, service.InvalidAnswers) else None
    return _page(evaluation, period, recommendation, values=values, errors=errors,
                 conflict=conflict, status=exc.status)


# --- the evaluator's home ----------------------------------------------------------------


@bp.route("/")
@requires("evaluation.work")
def home():
    state = request.args.get("state") or None
    if state not in (None, "not_started", *service.STATE_LABELS):
        state = None
    page = request.args.get("page", 1, type=int) or 1
    blocks = overview.overview(db.session, current_user.organization_id, state=state,
                              page=max(page, 1))
    return render_template("evaluation/home.html", blocks=blocks, state=state, page=page,
                           pages=max((b.pages for b in blocks), default=1),
                           state_labels=service.STATE_LABELS)


# --- one evaluation ------------------------------------------------------------------------


@bp.route("/period/<int:period_id>/recommendation/<int:recommendation_id>")
@requires("evaluation.work")
def begin(period_id: int, recommendation_id: int):
    period, recommendation = _target(period_id, recommendation_id)
    existing = service.find(db.session, current_user.organization_id, recommendation.id,
                            period.id)
    if existing is not None:
        return redirect(url_for(".edit", evaluation_id=existing.id))
    return _page(None, period, recommendation, values=kept.take(period.plan))


def _start_draft(period_id: int, recommendation_id: int):  # noqa: ANN202
    """The first save of the posted answers: (period, recommendation, raw answers, the new
    evaluation or the service's refusal)."""
    period, recommendation = _target(period_id, recommendation_id)
    raw = answers_from(request.form, questionnaire_service.current_definition(
        db.session, period.plan))
    try:
        evaluation = service.create_draft(
            db.session, organization_id=current_user.organization_id,
            recommendation=recommendation, period=period, raw=raw, user=current_user,
            lang=current_language(), pseudonymous=pseudonymous_from(request.form))
    except service.EvaluationError as exc:
        return period, recommendation, raw, exc
    return period, recommendation, raw, evaluation


@bp.route("/period/<int:period_id>/recommendation/<int:recommendation_id>", methods=["POST"])
@requires("evaluation.work")
def create(period_id: int, recommendation_id: int):
    period, recommendation, raw, evaluation = _start_draft(period_id, recommendation_id)
    if isinstance(evaluation, service.EvaluationError):
        return _refused(evaluation, None, period, recommendation, raw)
    db.session.commit()
    flash(_("Draft saved."), "success")
    return redirect(url_for(".edit", evaluation_id=evaluation.id))


@bp.route("/period/<int:period_id>/recommendation/<int:recommendation_id>/copy-previous",
          methods=["POST"])
@requires("evaluation.work")
def copy_previous(period_id: int, recommendation_id: int):
    period, recommendation = _target(period_id, recommendation_id)
    try:
        evaluation = service.start_from_previous(
            db.session, organization_id=current_user.organization_id,
            recommendation=recommendation, period=period, user=current_user, lang=current_language())
    except service.EvaluationError as exc:
        return _refused(exc, None, period, recommendation, None)
    db.session.commit()
    flash(_("A draft was started from your organisation's answers of the previous period. "
            "Please check and update every answer."), "success")
    return redirect(url_for(".edit", evaluation_id=evaluation.id))


@bp.route("/<int:evaluation_id>")
@requires("evaluation.work")
def edit(evaluation_id: int):
    evaluation = _evaluation(evaluation_id)
    return _page(evaluation, evaluation.period, evaluation.recommendation,
                 values=kept.take(evaluation.period.plan))


def _apply_answers(evaluation_id: int, step, **extra):  # noqa: ANN001, ANN003, ANN202
    """Run `step` (a service function: save, send, submit) on the posted answers, given
    the form's version, the user, the language, the pseudonym choice and `extra`.
    (evaluation, raw answers, the step's result or its refusal)."""
    evaluation = _evaluation(evaluation_id, light=True)
    definition = questionnaire_service.current_definition(db.session, evaluation.period.plan)
    raw = answers_from(request.form, definition)
    try:
        result = step(db.session, evaluation, raw, expected_version=version_from(request.form),
                      user=current_user, lang=current_language(),
                      pseudonymous=pseudonymous_from(request.form), **extra)
    except service.EvaluationError as exc:
        return evaluation, raw, exc
    return evaluation, raw, result


def _answer_action(evaluation_id: int, step, done, **extra):  # noqa: ANN001, ANN003, ANN202
    """Save, send or submit the posted answers; `done(result)` names the confirmation
    shown on the evaluation page."""
    evaluation, raw, result = _apply_answers(evaluation_id, step, **extra)
    if isinstance(result, service.EvaluationError):
        return _refused(result, evaluation, evaluation.period, evaluation.recommendation, raw)
    confirmation = done(result)  # read before the commit expires the result
    db.session.commit()
    return redirect(url_for(".edit", evaluation_id=evaluation_id, done=confirmation))


def _autosave_refused(exc: service.EvaluationError):  # noqa: ANN202
    """A background save the service refused, in JSON; nothing was written."""
    db.session.rollback()
    message = exc.message  # e.g. the period closed or the file no longer monitored
    if isinstance(exc, service.InvalidAnswers):
        message = _("Not saved automatically: some answers need your attention. Press "
                    "“Save draft” to see which.")
    elif isinstance(exc, service.StaleVersion):
        message = _("Not saved automatically: someone else saved this evaluation in the "
                    "meantime. Your answers are still on this page: press “Save draft” "
                    "to compare both versions.")
    return jsonify(saved=False, message=message,
                   stop=not isinstance(exc, service.InvalidAnswers)), exc.status


def _autosaved(evaluation_id: int, version: int):  # noqa: ANN202
    """Committed: the new version, where the page saves from now on, and a fresh token (a
    page kept open for days keeps saving)."""
    return jsonify(saved=True, version=version, csrf_token=generate_csrf(),
                   save_url=url_for(".save", evaluation_id=evaluation_id),
                   autosave_url=url_for(".autosave", evaluation_id=evaluation_id),
                   message=_("Draft saved automatically at %(time)s.",
                             time=format_time(utcnow())))


@bp.route("/<int:evaluation_id>/autosave", methods=["POST"])
@requires("evaluation.work")
def autosave(evaluation_id: int):
    """The draft saved in the background by static/autosave.js: the same save as the
    button, answered in JSON. The new version goes back into the form, so that the next
    explicit save is not taken for a stale one."""
    evaluation, _raw, result = _apply_answers(evaluation_id, service.save)
    if isinstance(result, service.EvaluationError):
        return _autosave_refused(result)
    version = evaluation.version
    db.session.commit()
    return _autosaved(evaluation_id, version)


@bp.route("/period/<int:period_id>/recommendation/<int:recommendation_id>/autosave",
          methods=["POST"])
@requires("evaluation.work")
def autosave_first(period_id: int, recommendation_id: int):
    """The first background save of an evaluation not started yet: it starts the draft, as
    the button would, and the page goes on with that evaluation's addresses."""
    _period, _recommendation, _raw, evaluation = _start_draft(period_id, recommendation_id)
    if isinstance(evaluation, service.EvaluationError):
        return _autosave_refused(evaluation)
    evaluation_id, version = evaluation.id, evaluation.version
    db.session.commit()
    return _autosaved(evaluation_id, version)


_ANSWER_ENDPOINTS = {"evaluation.save", "evaluation.send_for_approval", "evaluation.submit",
                     "evaluation.autosave", "evaluation.create", "evaluation.autosave_first"}


@bp.errorhandler(CSRFError)
def expired_answers(error: CSRFError):  # noqa: ANN201
    """The answers form of a page left open longer than the token lives (overnight, say):
    nothing is saved, but what was typed comes back in the page with a fresh token
    instead of an error page that would lose it (the autosave gets the fresh token)."""
    log_csrf_failure(error)
    if request.endpoint in _ANSWER_ENDPOINTS and kept.signed_out_user() is not None:
        return kept.keep_and_sign_in()  # the session ended: kept until the user is back
    if request.endpoint not in _ANSWER_ENDPOINTS or not current_user.is_authenticated \
            or current_user.role not in RULES["evaluation.work"]:
        return csrf_refusal()
    try:
        if "evaluation_id" in request.view_args:
            evaluation = _evaluation(request.view_args["evaluation_id"])
            period, recommendation = evaluation.period, evaluation.recommendation
        else:  # not started yet
            evaluation = None
            period, recommendation = _target(**request.view_args)
    except HTTPException as exc:  # outside the user's scope: the 404 any page gives
        return render_error(exc.code or 404)
    if request.endpoint in ("evaluation.autosave", "evaluation.autosave_first"):
        return jsonify(saved=False, retry=True, csrf_token=generate_csrf(), message=_(
            "Not saved automatically yet: the page had been open a long time. It will try "
            "again.")), 400
    definition = questionnaire_service.current_definition(db.session, period.plan)
    flash(_("This page had been open a long time, so nothing was saved. Your answers are "
            "still in the form below: press the button again."), "error")
    return _page(evaluation, period, recommendation,
                 values=answers_from(request.form, definition), status=400)


@bp.route("/<int:evaluation_id>/save", methods=["POST"])
@requires("evaluation.work")
def save(evaluation_id: int):
    return _answer_action(evaluation_id, service.save, lambda _result: "saved")


@bp.route("/<int:evaluation_id>/send", methods=["POST"])
@requires("evaluation.work")
def send_for_approval(evaluation_id: int):
    return _answer_action(evaluation_id, service.send_for_approval, lambda _result: "sent")


@bp.route("/<int:evaluation_id>/submit", methods=["POST"])
@requires("evaluation.approve")
def submit(evaluation_id: int):
    return _answer_action(evaluation_id, service.submit,
                          lambda revision: "late" if revision.late else "submitted",
                          comment=request.form.get("comment"))


@bp.route("/<int:evaluation_id>/return", methods=["POST"])
@requires("evaluation.approve")
def return_(evaluation_id: int):
    evaluation = _evaluation(evaluation_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        flash(_("Please write a comment for the evaluator."), "error")
        return _page(evaluation, evaluation.period, evaluation.recommendation, status=422,
                     return_form=form)
    try:
        conversation.return_to_evaluator(
            db.session, evaluation, comment=form.comment.data,
            expected_version=version_from(request.form), user=current_user)
    except service.EvaluationError as exc:
        return _refused(exc, evaluation, evaluation.period, evaluation.recommendation, None)
    db.session.commit()
    return redirect(url_for(".edit", evaluation_id=evaluation_id, done="returned"))


# --- the coordinator's review --------------------------------------------------------------


def _review_page(evaluation: Evaluation, form: ClarificationForm | None = None,
                 status: int = 200):
    revisions = evaluation.revisions
    try:
        shown = int(request.args.get("revision", revisions[-1].number))
    except ValueError:
        shown = revisions[-1].number
    revision = next((r for r in revisions if r.number == shown), revisions[-1])
    from ..models import Questionnaire

    questionnaire = db.session.get(Questionnaire, revision.questionnaire_id)
    # One pseudonym scheme (services.results.pseudonyms): letters per recommendation on the
    # drill-down, a neutral label here, never a code that links one NGO's evaluations.
    organization = pseudonyms.shown_name(evaluation.organization.name,
                                         evaluation.pseudonymous)
    return render_template(
        "evaluation/review.html", evaluation=evaluation, revision=revision,
        revisions=revisions, definition=questionnaire.definition, organization=organization,
        evaluated_text=text_versions.evaluated(db.session, revision),
        attachments=attachment_service.for_evaluation(db.session, evaluation, coordinator=True),
        notes=conversation.notes(db.session, evaluation, coordinator=True),
        form=form or ClarificationForm(), state_labels=service.STATE_LABELS,
    ), status


@bp.route("/review/<int:evaluation_id>")
@requires("evaluation.review")
def review(evaluation_id: int):
    evaluation = _evaluation(evaluation_id, "evaluation.review")
    if not evaluation.counted or not evaluation.revisions:
        abort(404)  # drafts are the organisation's own
    return _review_page(evaluation)


@bp.route("/review/<int:evaluation_id>/clarify", methods=["POST"])
@requires("evaluation.review")
def clarify(evaluation_id: int):
    evaluation = _evaluation(evaluation_id, "evaluation.review")
    if not evaluation.counted or not evaluation.revisions:
        abort(404)
    form = ClarificationForm()
    if not form.validate_on_submit():
        flash(_("Please write what needs clarification."), "error")
        return _review_page(evaluation, form, 422)
    try:
        conversation.request_clarification(db.session, evaluation,
                                           message=form.message.data, user=current_user)
    except service.EvaluationError as exc:
        db.session.rollback()
        if isinstance(exc, service.NotFound):
            abort(404)
        flash(exc.message, "error")
        return _review_page(db.session.get(Evaluation, evaluation_id), form, exc.status)
    db.session.commit()
    flash(_("Clarification requested. The organisation has been told by email; the "
            "submitted version keeps counting until it submits a revision."), "success")
    return redirect(url_for(".review", evaluation_id=evaluation_id))


# --- questionnaires ----------------------------------------------------------------------



@bp.route("/questionnaire/<slug>")
@requires("questionnaire.view")
def questionnaire(slug: str):
    plan = plan_by_slug(slug, "questionnaire.view")
    current = questionnaire_service.peek(db.session, plan)
    return render_template("evaluation/questionnaire.html", plan=plan, questionnaire=current,
                           versions=questionnaire_service.versions(db.session, plan),
                           form=QuestionnaireImportForm(), report=None)


@bp.route("/questionnaire/<slug>/import", methods=["POST"])
@requires("questionnaire.manage")
def import_questionnaire(slug: str):
    plan = plan_by_slug(slug, "questionnaire.manage")
    form = QuestionnaireImportForm()
    report, status = None, 200
    if not form.validate_on_submit():
        flash(_("Please choose a file to import."), "error")
        status = 400
    else:
        data = form.file.data.read()
        outcome = questionnaire_service.import_questionnaire(db.session, plan, data,
                                                              user=current_user)
        report = outcome.result
        if outcome.questionnaire is not None:
            db.session.commit()
            flash(_("Version %(version)d of the questionnaire is now in use: %(count)d "
                    "question(s) added.", version=outcome.questionnaire.version,
                    count=len(report.new)), "success")
        else:
            db.session.rollback()
            if report.rejected:
                flash(_("The file could not be imported. Nothing was changed."), "error")
                status = 422
            else:
                flash(_("The file has no new question that monitor can use. Nothing was "
                        "changed."), "error")
                status = 422
    current = questionnaire_service.peek(db.session, plan)
    return render_template("evaluation/questionnaire.html", plan=plan, questionnaire=current,
                           versions=questionnaire_service.versions(db.session, plan),
                           form=form, report=report), status


@bp.route("/questionnaire/<slug>/xlsform.xlsx")
@requires("questionnaire.view")
def export_questionnaire(slug: str):
    plan = plan_by_slug(slug, "questionnaire.view")
    data = questionnaire_service.export_questionnaire(db.session, plan)
    return web.download(data, f"questionnaire-{plan.slug}.xlsx", XLSX_MIMETYPE)



# --- offline data ------------------------------------------------------------------------


def _org_period(period_id: int) -> ReportingPeriod:
    period = db.session.get(ReportingPeriod, period_id)
    if period is None or not in_scope(current_user, "questionnaire.view", period):
        abort(404)
    return period


@bp.route("/offline/<int:period_id>", methods=["GET", "POST"])
@requires("evaluation.approve")
def offline(period_id: int):
    period = _org_period(period_id)
    form = AnswersImportForm()
    report, status = None, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("Please choose a file to import."), "error")
            status = 400
        else:
            report = offline_answers.import_answers(
                db.session, organization=current_user.organization, period=period,
                data=form.file.data.read(), filename=form.file.data.filename or "",
                user=current_user, submit=form.submit_all.data, lang=current_language())
            if report.ok:
                db.session.commit()
                flash(_("%(rows)d row(s) imported: %(created)d evaluation(s) started, "
                        "%(updated)d updated, %(submitted)d submitted.", rows=report.rows,
                        created=len(report.new), updated=len(report.updated),
                        submitted=report.submitted), "success")
                return redirect(url_for(".home"))
            db.session.rollback()
            flash(_("The file has errors, so nothing was imported. Please correct the rows "
                    "below and import it again."), "error")
            status = 422
    return render_template("evaluation/offline.html", period=period, plan=period.plan,
                           form=form, report=report), status


@bp.route("/offline/<int:period_id>/answers.<fmt>")
@requires("evaluation.work")
def export_answers(period_id: int, fmt: str):
    period = _org_period(period_id)
    if fmt not in ("xlsx", "csv"):
        abort(404)
    data = offline_answers.export_answers(db.session, organization=current_user.organization,
                                  period=period, fmt=fmt)
    db.session.commit()
    name = f"evaluations-{period.plan.slug}-{period.label}.{fmt}"
    return web.download(data, name, XLSX_MIMETYPE if fmt == "xlsx" else web.CSV_MIMETYPE)

