"""Forms of the coordinator's catalogue pages. Validation of the domain (unique slugs,
codes, titles) is in services.catalogue.records; these check shapes and lengths."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from .. import i18n
from ..forms import FlaskForm
from ..i18n import normalize_digits


def _strip(value):  # noqa: ANN001, ANN202
    return value.strip() if isinstance(value, str) else value


class LocalDigitsMixin:
    """Accept Arabic-Indic digits in number and date fields."""

    def process_formdata(self, valuelist):  # noqa: ANN001, ANN201
        if valuelist:
            valuelist = [normalize_digits(v) if isinstance(v, str) else v for v in valuelist]
        return super().process_formdata(valuelist)  # type: ignore[misc]


class LocalIntegerField(LocalDigitsMixin, IntegerField):
    pass


class LocalDateField(LocalDigitsMixin, DateField):
    pass


class LocalDateTimeField(LocalDigitsMixin, DateTimeLocalField):
    pass


def _timezone() -> ZoneInfo:
    return i18n.timezone()


def local_to_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A deadline typed in Baghdad time, stored as naive UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=_timezone()).astimezone(dt.UTC).replace(tzinfo=None)


def utc_to_local(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).astimezone(_timezone()).replace(tzinfo=None)


def _text(label, *, area: bool = False, length: int = 300):  # noqa: ANN001, ANN202
    field_class = TextAreaField if area else StringField
    return field_class(label, filters=[_strip], validators=[Optional(), Length(max=length)])


def _status_choices():  # noqa: ANN202
    return [SelectChoice("draft", _l("Draft")), SelectChoice("open", _l("Open")),
            SelectChoice("closed", _l("Closed"))]


class PlanForm(FlaskForm):
    body_id = SelectField(_l("Governing body"), coerce=int, choices=[], validate_choice=True)
    slug = StringField(_l("Short name for links"), filters=[_strip],
                       validators=[DataRequired(), Length(max=80)])
    title_ar = _text(_l("Title in Arabic"))
    title_ckb = _text(_l("Title in Sorani"))
    title_en = _text(_l("Title in English"))
    description_ar = _text(_l("Description in Arabic"), area=True, length=20000)
    description_ckb = _text(_l("Description in Sorani"), area=True, length=20000)
    description_en = _text(_l("Description in English"), area=True, length=20000)
    starts_on = LocalDateField(_l("Starts on"), validators=[Optional()])
    ends_on = LocalDateField(_l("Ends on"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=_status_choices())


class PeriodForm(FlaskForm):
    label = StringField(_l("Label"), filters=[_strip], validators=[DataRequired(), Length(max=40)])
    starts_on = LocalDateField(_l("First day"), validators=[DataRequired()])
    ends_on = LocalDateField(_l("Last day"), validators=[DataRequired()])
    deadline = LocalDateTimeField(_l("Submission deadline (Baghdad time)"),
                                  format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                  validators=[Optional()])
    status = SelectField(_l("Status"), choices=[SelectChoice("open", _l("Open")),
                                                SelectChoice("closed", _l("Closed"))])


class FileForm(FlaskForm):
    title_ar = _text(_l("Title in Arabic"))
    title_ckb = _text(_l("Title in Sorani"))
    title_en = _text(_l("Title in English"))
    description_ar = _text(_l("Description in Arabic"), area=True, length=20000)
    description_ckb = _text(_l("Description in Sorani"), area=True, length=20000)
    description_en = _text(_l("Description in English"), area=True, length=20000)
    position = LocalIntegerField(_l("Order"), default=0, validators=[Optional()])


class RecommendationForm(FlaskForm):
    code = StringField(_l("Code"), filters=[_strip], validators=[Optional(), Length(max=40)])
    text_en = _text(_l("Text in English"), area=True, length=20000)
    text_ar = _text(_l("Text in Arabic"), area=True, length=20000)
    text_ckb = _text(_l("Text in Sorani"), area=True, length=20000)
    recommending_states = StringField(_l("Recommending State(s)"), filters=[_strip],
                                      validators=[DataRequired(), Length(max=500)])
    response = SelectField(_l("Response"), choices=[
        SelectChoice("", _l("Response unknown")), SelectChoice("supported", _l("Supported")),
        SelectChoice("partially_supported", _l("Partially supported")),
        SelectChoice("noted", _l("Noted"))])
    cycle = StringField(_l("UPR cycle"), filters=[_strip], validators=[Optional(), Length(max=20)])
    upr_session = StringField(_l("Session"), filters=[_strip],
                          validators=[Optional(), Length(max=20)])
    document = StringField(_l("Document symbol"), filters=[_strip],
                           validators=[Optional(), Length(max=60)])
    themes = StringField(_l("Themes (separated by semicolons)"), filters=[_strip],
                         validators=[Optional(), Length(max=1000)])
    responsible_bodies = StringField(_l("Responsible government bodies"), filters=[_strip],
                                     validators=[Optional(), Length(max=1000)])
    file_id = SelectField(_l("Recommendation file"), choices=[], validate_choice=True)


class UploadForm(FlaskForm):
    upload = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))])


class ApplyImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    #: Rows named as a possible match are matched to it (otherwise they stay new).
    confirm_matches = BooleanField(_l("Treat each possible match as the same recommendation"))


class AssignForm(FlaskForm):
    """Bulk assignment; the selected recommendations are the `rec` checkboxes."""

    target = SelectField(_l("Assign the selected recommendations to"), choices=[],
                         validate_choice=True)

