"""Forms of an NGO's results page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField

from ..forms import FlaskForm


class RejoinderForm(FlaskForm):
    """A rejoinder to the government's response. The text is checked by services.results.replies
    (empty, too long), like the coordinator's messages."""

    level = HiddenField()
    body = TextAreaField(_l("Your organisation's rejoinder"))
