"""Forms of an NGO's own pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField
from wtforms.validators import DataRequired, Length

from ..forms import FlaskForm


class EvaluatorInviteForm(FlaskForm):
    email = EmailField(_l("Evaluator's email"), validators=[DataRequired(), Length(max=254)])
