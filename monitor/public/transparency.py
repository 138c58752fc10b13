"""The transparency log's public endpoints (/log/head, /log/key, /log/consistency), a
published period's open dataset (a zip), and an NGO's inclusion proof of its own receipt.
Routes stay thin: each calls one service."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _

from ..access import PUBLIC, ensure, requires
from ..errors import render_error
from ..extensions import db
from ..models import Evaluation, EvaluationRevision
from ..services.results import log_key, open_data, publication, transparency_log

bp = Blueprint("transparency", __name__)


def _json(data: dict, status: int = 200, *, name: str | None = None) -> Response:
    response = Response(json.dumps(data, indent=2, sort_keys=True) + "\n", status=status,
                        mimetype="application/json")
    if name:
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/log/head")
@requires(PUBLIC)
def head():
    found = transparency_log.latest_head(db.session)
    db.session.commit()  # a head signed now for entries the migration appended
    if found is None:
        return _json({"error": "The log is empty."}, 404)
    return _json(transparency_log.head_dict(found))


@bp.route("/log/key")
@requires(PUBLIC)
def key():
    found = log_key.public_key(db.session, request.args.get("key_id"))
    if found is None:
        abort(404)
    return Response(found.public_key, mimetype="text/plain",
                    headers={"Content-Disposition": 'inline; filename="log_key.pub"'})


@bp.route("/log/consistency")
@requires(PUBLIC)
def consistency():
    first = request.args.get("from", type=int)
    second = request.args.get("to", type=int)
    if first is None or second is None:
        return _json({"error": "Give from=N and to=M (sizes of signed heads)."}, 400)
    try:
        return _json(transparency_log.consistency_proof(db.session, first, second))
    except transparency_log.LogError as exc:
        return _json({"error": exc.message}, exc.status)


@bp.route("/results/<slug>/<label>/open-data.zip")
@requires(PUBLIC)
def open_dataset(slug: str, label: str):
    found = publication.published_period(db.session, slug, label)
    if found is None:
        return render_error(404, _("There are no published results at this address."))
    plan, period = found
    item = open_data.latest_snapshot(db.session, period)
    db.session.commit()
    return Response(item.package, mimetype="application/zip", headers={
        "Content-Disposition":
            f'attachment; filename="monitor-{plan.slug}-{period.label}-{item.number}.zip"'})


@bp.route("/evaluations/<int:evaluation_id>/proof.json")
@requires("evaluation.work")
def proof(evaluation_id: int):
    """The inclusion proof of a submitted version's receipt (the newest, or ?revision=N)."""
    evaluation = ensure("evaluation.work", db.session.get(Evaluation, evaluation_id))
    number = request.args.get("revision", type=int)
    revisions = [r for r in evaluation.revisions if number is None or r.number == number]
    if not revisions:
        abort(404)
    revision: EvaluationRevision = revisions[-1]
    try:
        data = transparency_log.revision_proof(db.session, revision.id)
    except transparency_log.LogError:
        abort(404)
    db.session.commit()
    return _json(data, name=f"receipt-proof-{evaluation.id}-{revision.number}.json")


@bp.app_template_global("log_receipt")
def log_receipt(revision: EvaluationRevision) -> str:
    """The receipt shown for a submitted version: its log receipt, else its content hash."""
    return transparency_log.receipt_of(db.session, revision.id) or revision.content_hash



@bp.app_template_global("log_head")
def log_head():  # noqa: ANN201
    """The newest signed head, for the public page (read only)."""
    return transparency_log.newest_head(db.session)
