"""Forms of the coordinator's results pages: official progress entry and import."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from ..forms import FlaskForm
from ..services.results.official import FIELD_LABELS, MEASURE_LABELS


class OfficialEntryForm(FlaskForm):
    """Values are validated by services.results.official.parse_entry (shared with the import), so
    that a form and a spreadsheet are refused for the same reasons."""

    level = SelectField(FIELD_LABELS["level"], choices=[
        SelectChoice("plan", _l("The whole plan")),
        SelectChoice("file", _l("A recommendation file")),
        SelectChoice("recommendation", _l("A recommendation")),
    ], default="plan")
    file = SelectField(FIELD_LABELS["file"], choices=[], validate_choice=False)
    recommendation = StringField(FIELD_LABELS["recommendation"], validators=[Length(max=40)])
    measure = SelectField(FIELD_LABELS["measure"], choices=[
        SelectChoice("share_implemented", MEASURE_LABELS["share_implemented"]),
        SelectChoice("mean_score", MEASURE_LABELS["mean_score"]),
    ])
    value = StringField(FIELD_LABELS["value"], validators=[Length(max=40)])
    status = SelectField(FIELD_LABELS["status"], choices=[
        SelectChoice("", _l("Not given")),
        SelectChoice("0", _l("0 – not implemented")),
        SelectChoice("25", _l("25 – initiated")),
        SelectChoice("50", _l("50 – partially implemented")),
        SelectChoice("75", _l("75 – largely implemented")),
        SelectChoice("100", _l("100 – fully implemented")),
    ], default="", validate_choice=False)
    source = StringField(FIELD_LABELS["source"], validators=[Optional(), Length(max=500)])
    reported_on = StringField(FIELD_LABELS["reported_on"], validators=[Length(max=40)])
    submit = SubmitField(_l("Save the official figure"))


class OfficialImportForm(FlaskForm):
    spreadsheet = FileField(_l("CSV or XLSX file"), validators=[
        FileRequired(_l("Choose a CSV or XLSX file to import."))])
    submit = SubmitField(_l("Import"))


class ConfirmForm(FlaskForm):
    """A bare form: its CSRF token protects a one-button action."""

    submit = SubmitField(_l("Delete"))



class ReplyForm(FlaskForm):
    """A message in a right-of-reply thread. The text is checked by services.results.replies
    (empty, too long), so that every way in is refused for the same reasons."""

    level = HiddenField()
    body = TextAreaField(_l("Text"))
