from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length

from ..forms import FlaskForm


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=500)])
    next = StringField()  # hidden; checked by security.safe_next


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=500)])


class EmailForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=500)])
    confirm = PasswordField(_l("Repeat the new password"), validators=[DataRequired()])



class NotificationsForm(FlaskForm):
    """How the per-event notices reach the user (security mail always goes at once)."""

    delivery = RadioField(_l("Notification emails"), validators=[InputRequired()], choices=[
        SelectChoice("each", _l("An email for each event")),
        SelectChoice("digest", _l("One daily digest")),
    ])
