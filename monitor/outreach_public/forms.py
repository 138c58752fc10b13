"""Forms of the public outreach pages: the open call and the join links."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import FlaskForm, OrganizationForm


class JoinRequestForm(OrganizationForm):
    """The open call: the same fields as the coordinator's form."""


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
