"""The audit page's filter: a GET form (no CSRF: it changes nothing)."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, ValidationError

from ..forms import FlaskForm
from ..i18n import normalize_digits
from . import words


def _parse_date(text: str | None) -> dt.date | None:
    text = normalize_digits((text or "").strip())
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


class DateText(StringField):
    """A date typed as YYYY-MM-DD (Arabic-Indic digits accepted)."""

    def pre_validate(self, form) -> None:  # noqa: ANN001
        if (self.data or "").strip() and _parse_date(self.data) is None:
            raise ValidationError(_l("Enter a date as YYYY-MM-DD, e.g. 2024-03-31."))

    @property
    def date(self) -> dt.date | None:
        return _parse_date(self.data)


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], default="", validate_choice=True)
    object_type = SelectField(_l("Object type"), choices=[], default="", validate_choice=True)
    organization = SelectField(_l("Organisation"), choices=[], default="", validate_choice=True)
    date_from = DateText(_l("From (date)"), render_kw={"type": "date"})
    date_to = DateText(_l("To (date, inclusive)"), render_kw={"type": "date"})

    def set_choices(self, actions: list[str], types: list[str],
                    organizations: list[tuple[int, str]]) -> None:
        everything = ("", _l("All"))
        self.action.choices = [everything] + [(a, words.action(a)) for a in actions]
        self.object_type.choices = [everything] + [(t, str(words.OBJECTS.get(t, t))) for t in types]
        self.organization.choices = [everything] + [(str(i), n) for i, n in organizations]

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        ok = super().validate(extra_validators)
        start, end = self.date_from.date, self.date_to.date
        if ok and start and end and start > end:
            self.date_to.errors.append(_l("The end date is before the start date."))
            ok = False
        return ok
