"""Forms of the enrolment area. They collect text and check CSRF; the field rules live in
the services (one place for the form, the import and the open call)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..forms import FlaskForm

LANGUAGE_CHOICES = [SelectChoice("ar", "العربية"), SelectChoice("ckb", "کوردی"),
                    SelectChoice("en", "English")]


class ActionForm(FlaskForm):
    """A button that changes something: CSRF only."""


class OrganizationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    registration_number = StringField(_l("Registration number"),
                                      validators=[Optional(), Length(max=100)])
    governorate = StringField(_l("Governorate"), validators=[Optional(), Length(max=100)])
    preferred_language = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES,
                                     default="ar")


class JoinRequestForm(OrganizationForm):
    """The open call: the same fields as the coordinator's form."""


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"))


class ImportConfirmForm(FlaskForm):
    payload = HiddenField()


class RegisterForm(FlaskForm):
    """The organisation's administrator. No email field on purpose: the invited address
    is the account's address."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("Choose a password"), validators=[DataRequired(),
                                                                  Length(max=500)])
    confirm = PasswordField(_l("The same password again"), validators=[DataRequired(),
                                                                      Length(max=500)])


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=500)])


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=2000)])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason, sent to the organisation"),
                           validators=[DataRequired(), Length(max=2000)])


class EvaluatorInviteForm(FlaskForm):
    email = EmailField(_l("Evaluator's email"), validators=[DataRequired(), Length(max=254)])
