"""The catalogue as a file to download: monitor's template format, to edit and import
again."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...models import Plan
from ..tabular import write_csv, write_xlsx
from .queries import filter_recommendations
from .records import title_of
from .upr_formats import TEMPLATE_HEADER


def export_catalogue(session: Session, plan: Plan, kind: str = "csv") -> bytes:
    """The plan's recommendations in use, in monitor's template format (CSV or XLSX), to
    edit and import again."""
    recs = session.scalars(filter_recommendations(plan)).all()
    files = {rf.id: title_of(rf) for rf in plan.files}
    rows = [[rec.code or "", rec.text_en or "", rec.recommending_states or "",
             rec.response or "", rec.cycle or "", rec.session or "", rec.document or "",
             rec.text_ar or "", rec.text_ckb or "", rec.themes or "",
             files.get(rec.file_id, "") if rec.file_id else "", rec.responsible_bodies or "",
             rec.sdgs or "", rec.affected_persons or ""]
            for rec in recs]
    if kind == "xlsx":
        return write_xlsx([(_("Recommendations"), TEMPLATE_HEADER, rows)],
                          text_columns=["code", "cycle", "session"])
    return write_csv(TEMPLATE_HEADER, rows)
