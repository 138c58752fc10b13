"""Forms of the evaluation area. The answers form itself is built from the questionnaire
(data), so it is read with `answers_from` and rendered by evaluation/_question.html; the
global CSRFProtect checks its token like any other form."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..forms import FlaskForm
from ..services.evaluation.lifecycle import MAX_NOTE_LENGTH
from ..services.evaluation.offline_answers import answer_columns

FIELD_PREFIX = "q."


def answers_from(form: MultiDict, definition: dict[str, Any]) -> dict[str, Any]:
    """Raw answers (strings, lists for select_multiple) from a posted answers form."""
    raw: dict[str, Any] = {}
    for question in answer_columns(definition):
        key = FIELD_PREFIX + question["name"]
        if question["type"] == "select_multiple":
            raw[question["name"]] = form.getlist(key)
        else:
            raw[question["name"]] = form.get(key)
    return raw


#: The answers form says it carries the pseudonym checkbox (an unchecked box sends
#: nothing, so without this marker "unchecked" and "not on the form" look alike).
PSEUDONYM_MARKER = "pseudonymous_shown"


def pseudonymous_from(form: MultiDict) -> bool | None:
    """The "appear to the coordinator under a pseudonym" choice; None when the posted
    form did not offer it (the choice is then left unchanged)."""
    if PSEUDONYM_MARKER not in form:
        return None
    return form.get("pseudonymous") in ("y", "on", "1", "true")


def version_from(form: MultiDict) -> int | None:
    try:
        return int(form.get("version", ""))
    except ValueError:
        return None


class ReturnForm(FlaskForm):
    comment = TextAreaField(_l("Comment for the evaluator"),
                            validators=[DataRequired(_l("Please write a comment.")),
                                        Length(max=MAX_NOTE_LENGTH)])


class ClarificationForm(FlaskForm):
    message = TextAreaField(_l("What needs clarification?"),
                            validators=[DataRequired(_l("Please write a comment.")),
                                        Length(max=MAX_NOTE_LENGTH)])


VISIBILITY_CHOICES = [
    SelectChoice("organization", _l("Kept within the organisation")),
    SelectChoice("coordinator", _l("Visible to the coordinator")),
]


class AttachmentForm(FlaskForm):
    file = FileField(_l("Document (PDF, JPEG, PNG, Word or Excel)"),
                     validators=[FileRequired(_l("Please choose a file to attach."))])
    visibility = RadioField(_l("Who may see it"), choices=VISIBILITY_CHOICES,
                            default="organization")
    question = SelectField(_l("Question"), choices=[], validators=[Optional()])


class VisibilityForm(FlaskForm):
    visibility = RadioField(_l("Who may see it"), choices=VISIBILITY_CHOICES)


class AnswersImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (CSV or XLSX)"),
                     validators=[FileRequired(_l("Please choose a file to import."))])
    submit_all = BooleanField(_l("Submit every imported evaluation to the coordinator"))


class QuestionnaireImportForm(FlaskForm):
    file = FileField(_l("XLSForm (.xlsx)"),
                     validators=[FileRequired(_l("Please choose a file to import."))])
