"""The audit trail: a filterable, paginated list and a CSV export. A coordinator reads the
events of its body's plans (never an organisation's internal work); an organisation's
administrator reads every event of its own organisation."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from .. import i18n, security_log
from ..access import requires
from ..extensions import db
from ..services import audit
from ..services.tabular import write_csv
from . import words
from .forms import AuditFilterForm

bp = Blueprint("audit", __name__, url_prefix="/audit")

PER_PAGE = 40  # with their changes, 40 rows stay within the 60 KB page budget


def _reader() -> dict[str, int | None]:
    if current_user.role == "ngo_admin":
        return {"body_id": None, "organization_id": current_user.organization_id}
    return {"body_id": current_user.body_id}


def _form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.set_choices(*audit.filter_choices(db.session, **_reader()))
    return form


def _utc_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the instance's time zone (what the coordinator means), in UTC."""
    local = dt.datetime.combine(day, dt.time(0, 0), tzinfo=i18n.timezone())
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _criteria(form: AuditFilterForm) -> audit.EventFilter:
    start, end = form.date_from.date, form.date_to.date
    return audit.EventFilter(
        action=form.action.data or None,
        object_type=form.object_type.data or None,
        organization_id=int(form.organization.data) if form.organization.data else None,
        start=_utc_start(start) if start else None,
        end=_utc_start(end + dt.timedelta(days=1)) if end else None,
    )


def _filter_args(form: AuditFilterForm) -> dict[str, str]:
    names = ("action", "object_type", "organization", "date_from", "date_to")
    return {name: form[name].data for name in names if form[name].data}


@bp.route("/")
@requires("audit.view")
def index():
    form = _form()
    if not form.validate():
        return render_template("audit/index.html", form=form, page=None, args={}), 400
    page = audit.page_of(db.session,
                         audit.events_query(_criteria(form), **_reader()),
                         request.args.get("page", 1, type=int), PER_PAGE)
    # Security events in the coordinator's body's scope only (a coordinator without a
    # body oversees every body); an NGO's administrator sees none.
    security = (security_log.counts(db.session, current_user.body_id)
                if current_user.role == "coordinator" else None)
    return render_template("audit/index.html", form=form, page=page, args=_filter_args(form),
                           shown=audit.shown, words=words, security=security)


@bp.route("/export.csv")
@requires("audit.view")
def export():
    form = _form()
    if not form.validate():
        return render_template("audit/index.html", form=form, page=None, args={}), 400
    rows = audit.export_rows(db.session, _criteria(form), **_reader())
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return Response(write_csv(audit.EXPORT_HEADER, rows), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="audit-{stamp}.csv"'})
