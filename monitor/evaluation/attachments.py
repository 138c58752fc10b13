"""Evidence attached to an evaluation: upload, remove, who may see it, download. The
routes are on the evaluation blueprint (monitor/evaluation/__init__.py loads this module)."""
from __future__ import annotations

import io

from flask import abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..access import ensure, requires
from ..extensions import db
from ..models import Attachment, Evaluation, Recommendation, ReportingPeriod
from ..security import evidence_uploads
from ..services.evaluation import attachments as attachment_service
from ..services.evaluation import lifecycle as service
from ..services.evaluation import questionnaire_versions as questionnaire_service
from .forms import AttachmentForm, VisibilityForm, answers_from
from .routes import (
    _apply_answers,
    _evaluation,
    _page,
    _refused,
    _start_draft,
    _target,
    bp,
)


def _attachment_form(period: ReportingPeriod) -> AttachmentForm:
    form = AttachmentForm()
    form.question.choices = [SelectChoice(q["name"]) for q in questionnaire_service
                             .current_definition(db.session, period.plan)["questions"]
                             if q["type"] == "file"]
    return form


def _typed(period: ReportingPeriod) -> dict | None:
    """The answers posted with the document (the Attach button is part of the answers
    form), or None when only a document was posted."""
    if "version" not in request.form:
        return None
    return answers_from(request.form, questionnaire_service.current_definition(
        db.session, period.plan))


def _no_file(form: AttachmentForm, evaluation: Evaluation | None, period: ReportingPeriod,
             recommendation: Recommendation, raw: dict | None):  # noqa: ANN202
    flash(" ".join(str(e) for errors in form.errors.values() for e in errors)
          or _("Please choose a file to attach."), "error")
    return _page(evaluation, period, recommendation, values=raw, status=400,
                 attachment_form=form)


def _store(form: AttachmentForm, evaluation: Evaluation, period: ReportingPeriod,
           recommendation: Recommendation, raw: dict | None, *, started: bool):  # noqa: ANN202
    """Store the posted document and commit it with the answers saved beside it. Refused:
    nothing is kept, and the page comes back with what was typed."""
    try:
        service.check_editable(db.session, evaluation, current_user)
        data = form.file.data.read(attachment_service.max_bytes() + 1)
        attachment = attachment_service.store(
            db.session, evaluation, data=data, filename=form.file.data.filename,
            visibility=form.visibility.data, question=form.question.data or None,
            user=current_user)
    except service.EvaluationError as exc:
        return _refused(exc, None if started else evaluation, period, recommendation, raw)
    except attachment_service.AttachmentError as exc:
        evaluation_id = evaluation.id
        db.session.rollback()
        flash(exc.message, "error")
        return _page(None if started else db.session.get(Evaluation, evaluation_id), period,
                     recommendation, values=raw, status=exc.status)
    evaluation_id = evaluation.id
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        attachment_service.discard(attachment)
        raise
    flash(_("Document attached."), "success")
    return redirect(url_for(".edit", evaluation_id=evaluation_id) + "#attachments")


@bp.route("/<int:evaluation_id>/attachments", methods=["POST"])
@requires("evaluation.work")
@evidence_uploads
def upload(evaluation_id: int):
    evaluation = _evaluation(evaluation_id)
    period, recommendation = evaluation.period, evaluation.recommendation
    form = _attachment_form(period)
    raw = _typed(period)
    if not form.validate_on_submit():
        return _no_file(form, evaluation, period, recommendation, raw)
    if raw is not None:  # what was typed is saved with the document, at the form's version
        evaluation, raw, result = _apply_answers(evaluation_id, service.save)
        if isinstance(result, service.EvaluationError):
            return _refused(result, evaluation, period, recommendation, raw)
    return _store(form, evaluation, period, recommendation, raw, started=False)


@bp.route("/period/<int:period_id>/recommendation/<int:recommendation_id>/attachments",
          methods=["POST"])
@requires("evaluation.work")
@evidence_uploads
def upload_first(period_id: int, recommendation_id: int):
    """A document attached before the first save: the draft starts with the answers typed
    so far and the document."""
    period, recommendation = _target(period_id, recommendation_id)
    form = _attachment_form(period)
    if not form.validate_on_submit():
        return _no_file(form, None, period, recommendation, _typed(period))
    period, recommendation, raw, evaluation = _start_draft(period_id, recommendation_id)
    if isinstance(evaluation, service.EvaluationError):
        return _refused(evaluation, None, period, recommendation, raw)
    return _store(form, evaluation, period, recommendation, raw, started=True)


def _own_attachment(evaluation_id: int, attachment_id: int) -> tuple[Evaluation, Attachment]:
    evaluation = _evaluation(evaluation_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.evaluation_id != evaluation.id:
        abort(404)
    return evaluation, attachment


@bp.route("/<int:evaluation_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@requires("evaluation.work")
def delete_attachment(evaluation_id: int, attachment_id: int):
    evaluation, attachment = _own_attachment(evaluation_id, attachment_id)
    try:
        service.check_editable(db.session, evaluation, current_user)
    except service.EvaluationError as exc:
        return _refused(exc, evaluation, evaluation.period, evaluation.recommendation, None)
    if not attachment_service.delete(db.session, attachment, user=current_user):
        flash(_("This document is part of a version submitted to the coordinator and is "
                "kept."), "error")
        return redirect(url_for(".edit", evaluation_id=evaluation_id) + "#attachments")
    db.session.commit()
    attachment_service.discard(attachment)
    flash(_("Document removed."), "success")
    return redirect(url_for(".edit", evaluation_id=evaluation_id) + "#attachments")


@bp.route("/<int:evaluation_id>/attachments/<int:attachment_id>/visibility", methods=["POST"])
@requires("evaluation.work")
def attachment_visibility(evaluation_id: int, attachment_id: int):
    evaluation, attachment = _own_attachment(evaluation_id, attachment_id)
    form = VisibilityForm()
    try:
        service.check_editable(db.session, evaluation, current_user)
    except service.EvaluationError as exc:
        return _refused(exc, evaluation, evaluation.period, evaluation.recommendation, None)
    if not form.validate_on_submit():
        flash(_("Please choose who may see this document."), "error")
        return redirect(url_for(".edit", evaluation_id=evaluation_id) + "#attachments")
    attachment_service.set_visibility(db.session, attachment, form.visibility.data,
                                      user=current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".edit", evaluation_id=evaluation_id) + "#attachments")


@bp.route("/attachments/<int:attachment_id>")
@requires("attachment.download")
def download(attachment_id: int):
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        abort(404)
    ensure("attachment.download", attachment.evaluation)
    if not attachment_service.may_download(current_user, attachment):
        abort(404)
    path = attachment_service.path_of(attachment)
    if not path.is_file():
        abort(404)
    # Read whole (at most MONITOR_ATTACHMENT_MAX_MB): no file handle outlives the request.
    response = send_file(io.BytesIO(path.read_bytes()), mimetype=attachment.content_type,
                         as_attachment=True,
                         download_name=attachment.display_name, conditional=False, etag=False,
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
