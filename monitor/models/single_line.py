"""The guard on single-line text columns: whatever path sets them (a form, the CLI, a
catalogue import, the demo), line breaks, control characters and direction overrides are
cleaned before the value reaches the row (`monitor.text.clean_line`), so that a title
never carries a second line into an email header or a spreadsheet."""
from __future__ import annotations

import sqlalchemy as sa

from ..text import clean_line
from . import (
    Attachment,
    GoverningBody,
    JoinRequest,
    Organization,
    Plan,
    Recommendation,
    RecommendationFile,
    ReportingPeriod,
    User,
)

_TRILINGUAL = ("_ar", "_ckb", "_en")

SINGLE_LINE: dict[type, tuple[str, ...]] = {
    GoverningBody: tuple("name" + s for s in _TRILINGUAL),
    Plan: tuple("title" + s for s in _TRILINGUAL),
    ReportingPeriod: ("label",),
    RecommendationFile: tuple("title" + s for s in _TRILINGUAL),
    Recommendation: ("code", "recommending_states", "cycle", "session", "document", "themes",
                     "responsible_bodies"),
    Organization: ("name", "registration_number", "governorate"),
    JoinRequest: ("name", "registration_number", "governorate"),
    User: ("name",),
    Attachment: ("display_name",),
}


def _clean(target: object, value: object, oldvalue: object, initiator: object) -> object:
    return clean_line(value)


for _model, _names in SINGLE_LINE.items():
    for _name in _names:
        sa.event.listen(getattr(_model, _name), "set", _clean, retval=True)
