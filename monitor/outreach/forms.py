"""Forms of the coordinator's outreach screens (CSRF and text; the rules live in services)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import FlaskForm


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"))


class ImportConfirmForm(FlaskForm):
    token = HiddenField()


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason, sent to the organisation"),
                           validators=[DataRequired(), Length(max=2000)])
