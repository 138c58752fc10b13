"""The base form. WTForms' own validation messages ("This field is required.") go through
monitor's catalogues, so that they read in Arabic, Sorani and English like every other
message (WTForms ships no Sorani catalogue, and Flask-WTF would reload its catalogue
from disk on every request)."""
from __future__ import annotations

from typing import Any

from flask_babel import get_translations, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm
from wtforms import (
    EmailField,
    Field,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from .text import clean_name, has_line_breaks


class _CatalogueTranslations:
    # WTForms formats the messages itself, so no formatting here.
    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


_TRANSLATIONS = _CatalogueTranslations()


#: String fields that are not single-line text: kept as typed (passwords), refused rather
#: than cleaned (emails: services.accounts.email_refusal), or multi-line.
_NOT_SINGLE_LINE = (TextAreaField, PasswordField, EmailField, HiddenField)


def _single_line(field: Field) -> bool:
    return isinstance(field, StringField) and not isinstance(field, _NOT_SINGLE_LINE)


def _no_line_breaks(form: Any, field: Field) -> None:
    if isinstance(field.data, str) and has_line_breaks(field.data):
        raise StopValidation(_("Line breaks and control characters are not allowed here."))


class FlaskForm(_FlaskForm):
    """Every single-line text field of every form is cleaned as names are: direction
    overrides and invisible characters removed (`monitor.text.clean_name`), line breaks
    and control characters refused with a message."""

    class Meta(_FlaskForm.Meta):
        def get_translations(self, form):  # noqa: ANN001, ANN201
            return _TRANSLATIONS

        def bind_field(self, form, unbound_field, options):  # noqa: ANN001, ANN201
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class,
                                                                        _NOT_SINGLE_LINE):
                filters = unbound_field.kwargs.get("filters") or ()
                options["filters"] = (_clean_name_keeping_lines, *filters)
            return super().bind_field(form, unbound_field, options)

    def validate(self, extra_validators: dict[str, list[Any]] | None = None) -> bool:
        extra = {name: list((extra_validators or {}).get(name, ())) for name in self._fields}
        for name, field in self._fields.items():
            if _single_line(field):
                extra[name].insert(0, _no_line_breaks)
        return super().validate(extra_validators=extra)


def _clean_name_keeping_lines(value: Any) -> Any:
    # The line breaks stay for `_no_line_breaks` to refuse (as in names).
    return clean_name(value) if isinstance(value, str) else value


class ActionForm(FlaskForm):
    """A button that changes something: CSRF only."""


LANGUAGE_CHOICES = [SelectChoice("ar", "العربية"), SelectChoice("ckb", "کوردی"),
                    SelectChoice("en", "English")]


class OrganizationForm(FlaskForm):
    """An organisation's details: the coordinator's form and the open call's (the field rules
    live in services.outreach.organizations)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    registration_number = StringField(_l("Registration number"),
                                      validators=[Optional(), Length(max=100)])
    governorate = StringField(_l("Governorate"), validators=[Optional(), Length(max=100)])
    preferred_language = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES,
                                     default="ar")


# WTForms' built-in messages, listed here so that `flask translate update` extracts them.
WTFORMS_MESSAGES = (
    _l("Field must be equal to %(other_name)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Date must be at least %(min)s."),
    _l("Date must be at most %(max)s."),
    _l("Date must be between %(min)s and %(max)s."),
    _l("This field is required."),
    _l("Invalid input."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Invalid value, can't be any of: %(values)s."),
    _l("This field cannot be edited."),
    _l("This field is disabled and cannot have a value."),
    _l("Invalid CSRF Token."),
    _l("CSRF token missing."),
    _l("CSRF failed."),
    _l("CSRF token expired."),
    _l("Invalid Choice: could not coerce."),
    _l("Not a valid choice."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    _l("Not a valid datetime value."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
)


def _plurals() -> None:  # never called: only for extraction
    ngettext("Field must be at least %(min)d character long.",
             "Field must be at least %(min)d characters long.", 1)
    ngettext("Field cannot be longer than %(max)d character.",
             "Field cannot be longer than %(max)d characters.", 1)
    ngettext("Field must be exactly %(max)d character long.",
             "Field must be exactly %(max)d characters long.", 1)
    ngettext("'%(value)s' is not a valid choice for this field.",
             "'%(value)s' are not valid choices for this field.", 1)
