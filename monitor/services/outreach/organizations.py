"""Organisations (NGOs): the coordinator's list, added one by one or imported from a CSV
or XLSX file.

An import is all or nothing: the file is read (`services.tabular`: encodings, cells never
evaluated; the size limit is the import kernel's), every row is checked, and the preview
lists each rejected row (the kernel's `RowError`: row number, field, reason). Nothing is
written while any row is rejected. An address already in the list (by normalised email)
is shown and skipped, never doubled; the same address twice in one file is a rejected
row. Between the preview and the confirmation the upload waits in the kernel's staging.

The same field rules serve the form, the import and the open call: no line breaks or
control characters (they would end up in email headers), no leading `=`, `+`, `-`, `@`
(a formula once exported to a spreadsheet), lengths within the columns.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import Organization, User
from ...security_log import coordinator_body
from ...text import clean_name
from .. import audit, tabular
from ..accounts import email_refusal, normalize_email
from ..imports import ImportReport, RowError, UploadRefused

FIELDS = ("name", "email", "registration_number", "governorate", "preferred_language")
REQUIRED = ("name", "email")
MAX_LENGTHS = {"name": 300, "email": 254, "registration_number": 100, "governorate": 100}

FIELD_LABELS = {
    "name": _l("Name"),
    "email": _l("Email"),
    "registration_number": _l("Registration number"),
    "governorate": _l("Governorate"),
    "preferred_language": _l("Preferred language"),
}

# Column headings accepted in an import, after case-folding and trimming, per field.
HEADINGS = {
    "name": {"name", "organisation", "organization", "organisation name", "organization name",
             "ngo", "الاسم", "اسم المنظمة", "المنظمة", "ناو", "ناوی ڕێکخراو", "ڕێکخراو"},
    "email": {"email", "e-mail", "email address", "mail", "البريد الإلكتروني",
              "البريد الالكتروني", "البريد", "ئیمەیڵ", "ئیمێڵ", "پۆستی ئەلیکترۆنی"},
    "registration_number": {"registration number", "registration_number", "registration no",
                            "registration", "reg no", "رقم التسجيل", "ژمارەی تۆمار"},
    "governorate": {"governorate", "province", "المحافظة", "محافظة", "پارێزگا"},
    "preferred_language": {"preferred language", "preferred_language", "language", "lang",
                           "اللغة", "اللغة المفضلة", "زمان", "زمانی پەسەندکراو"},
}

# Values accepted for the preferred language, case-folded.
LANGUAGE_VALUES = {
    "ar": {"ar", "arabic", "عربي", "العربية", "عربى", "عەرەبی"},
    "ckb": {"ckb", "ku", "kurdish", "sorani", "central kurdish", "کوردی", "كردي", "الكردية",
            "کوردیی ناوەندی", "سۆرانی"},
    "en": {"en", "english", "انكليزي", "الإنجليزية", "الانكليزية", "ئینگلیزی"},
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")

#: Rows shown in an import preview; all rows are checked and all errors listed.
PREVIEW_ROWS = 50
MAX_IMPORT_ROWS = 5000


class OrganizationError(Exception):
    """A refusal; `errors` holds (field, message) pairs for the form."""

    def __init__(self, message: str, errors: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


# --- field rules ---------------------------------------------------------------------------


def parse_language(value: str | None) -> str | None:
    """"ar"/"ckb"/"en" from a code or a language name in any of our languages; None if
    unknown. Empty means Arabic (the default)."""
    text = unicodedata.normalize("NFC", (value or "").strip()).casefold()
    if not text:
        return "ar"
    for code, names in LANGUAGE_VALUES.items():
        if text in names:
            return code
    return None


def clean_text(value: Any, field_name: str, *, required: bool = False) -> tuple[str | None, str | None]:
    """(cleaned value, error message)."""
    text = clean_name(str(value or ""))  # NFC, no direction overrides or invisible marks
    if not text:
        return None, (_("This field is required.") if required else None)
    if _CONTROL.search(text):
        return None, _("Line breaks and control characters are not allowed here.")
    if tabular.starts_like_formula(text):
        return None, _("This value starts with =, +, - or @, like a spreadsheet formula. "
                       "Please remove that character.")
    limit = MAX_LENGTHS.get(field_name)
    if limit and len(text) > limit:
        return None, _("At most %(n)d characters.", n=limit)
    return text, None


def clean_email(value: Any) -> tuple[str | None, str | None]:
    raw = str(value or "")
    if _CONTROL.search(raw.strip()):
        return None, _("Line breaks and control characters are not allowed here.")
    refusal = email_refusal(raw)
    if refusal:
        return None, refusal
    text, error = clean_text(raw, "email", required=True)
    if error:
        return None, error
    email = normalize_email(text or "")
    if not _EMAIL.match(email) or len(email) > 254:
        return None, _("This is not a valid email address.")
    return email, None


def clean_fields(raw: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Check one organisation's fields; return (values, [(field, message)])."""
    values: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for name in ("name", "registration_number", "governorate"):
        value, error = clean_text(raw.get(name), name, required=name in REQUIRED)
        values[name] = value
        if error:
            errors.append((name, error))
    values["email"], error = clean_email(raw.get("email"))
    if error:
        errors.append(("email", error))
    language = parse_language(str(raw.get("preferred_language") or ""))
    if language is None:
        errors.append(("preferred_language",
                       _("Unknown language: use ar, ckb or en (Arabic, Kurdish, English).")))
    values["preferred_language"] = language or "ar"
    return values, errors


def find_by_email(session: Session, email: str) -> Organization | None:
    return session.scalar(sa.select(Organization).where(
        Organization.email == normalize_email(email)))


def creator_body(session: Session, actor_id: int | None) -> int | None:
    """The body of the coordinator who creates an organisation: it alone changes it while
    no body has invited it (monitor.access.owning_bodies)."""
    return coordinator_body(session.get(User, actor_id) if actor_id is not None else None)


# --- one by one ----------------------------------------------------------------------------


def create_organization(session: Session, raw: dict[str, Any], *,
                        actor_id: int | None) -> Organization:
    values, errors = clean_fields(raw)
    if not errors:
        existing = find_by_email(session, values["email"])
        if existing is not None:
            errors.append(("email", _("An organisation with this email is already in the "
                                      "list: %(name)s.", name=existing.name)))
    if errors:
        raise OrganizationError(_("The organisation was not added. Please correct the "
                                  "fields marked below."), errors)
    organization = Organization(**values, created_by_body_id=creator_body(session, actor_id))
    session.add(organization)
    session.flush()
    audit.record(session, "organization.created", organization, actor_id=actor_id,
                 organization_id=organization.id, after=values)
    return organization


def update_organization(session: Session, organization: Organization, raw: dict[str, Any], *,
                        actor_id: int | None) -> Organization:
    values, errors = clean_fields(raw)
    if not errors and values["email"] != organization.email:
        existing = find_by_email(session, values["email"])
        if existing is not None and existing.id != organization.id:
            errors.append(("email", _("An organisation with this email is already in the "
                                      "list: %(name)s.", name=existing.name)))
    if errors:
        raise OrganizationError(_("Nothing was changed. Please correct the fields marked "
                                  "below."), errors)
    before = {name: getattr(organization, name) for name in FIELDS}
    for name, value in values.items():
        setattr(organization, name, value)
    after = {name: getattr(organization, name) for name in FIELDS}
    if before != after:
        audit.record(session, "organization.updated", organization, actor_id=actor_id,
                     organization_id=organization.id, before=before, after=after)
    return organization


# --- import --------------------------------------------------------------------------------


@dataclass
class ImportRow:
    row: int
    values: dict[str, Any]
    #: The organisation already in the list with this email (the row is skipped).
    existing: Organization | None = None


@dataclass
class ImportPreview(ImportReport):
    """The kernel's report: `new` and `unchanged` hold the `ImportRow`s to create and
    those already in the list (skipped); `rows` all of them, in the file's order."""

    rows: list[ImportRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def _heading_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).replace("_", " ").casefold().split())


def map_columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column index per field, and the headings that were not recognised."""
    lookup = {_heading_key(h): f for f, headings in HEADINGS.items() for h in headings}
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, heading in enumerate(header):
        name = lookup.get(_heading_key(heading))
        if name and name not in columns:
            columns[name] = index
        elif heading.strip():
            ignored.append(heading)
    return columns, ignored


def preview_import(session: Session, data: bytes, filename: str = "") -> ImportPreview:
    """Read and check a file; raises OrganizationError for a file that cannot be used at
    all (empty, too large, not a table, missing columns)."""
    try:
        table = tabular.read_table(data, filename)
    except UploadRefused as exc:
        raise OrganizationError(exc.message) from None
    columns, ignored = map_columns(table.header)
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise OrganizationError(_(
            "Missing column(s): %(missing)s. The first row must name the columns: name, email, "
            "registration_number, governorate, preferred_language.",
            missing=", ".join(str(FIELD_LABELS[f]) for f in missing)))
    records: list[list[Any]] = []
    for number, cells in table.rows:
        records.append([number] + [
            cells[columns[f]] if f in columns and columns[f] < len(cells) else ""
            for f in FIELDS
        ])
    preview = check_records(session, records)
    preview.ignored_columns = ignored
    return preview


def check_records(session: Session, records: list[list[Any]]) -> ImportPreview:
    """Check rows given as [row number, name, email, registration_number, governorate,
    preferred_language]."""
    if not records:
        raise OrganizationError(_("This file contains no organisations."))
    if len(records) > MAX_IMPORT_ROWS:
        raise OrganizationError(_("This file has %(n)d rows; at most %(max)d can be imported "
                                  "at once. Please split it.", n=len(records),
                                  max=MAX_IMPORT_ROWS))
    preview = ImportPreview()
    seen: dict[str, int] = {}
    for record in records:
        number, raw = int(record[0]), dict(zip(FIELDS, record[1:]))
        values, errors = clean_fields(raw)
        for name, message in errors:
            preview.rejected.append(RowError(number, name, message))
        email = values.get("email")
        if email and email in seen:
            preview.rejected.append(RowError(number, "email", _(
                "The same email as row %(row)d: each organisation once.", row=seen[email])))
        elif email:
            seen[email] = number
        preview.rows.append(ImportRow(number, values))
    existing = {
        org.email: org for org in session.scalars(
            sa.select(Organization).where(Organization.email.in_(list(seen))))
    } if seen else {}
    for row in preview.rows:
        row.existing = existing.get(row.values.get("email") or "")
        (preview.new if row.existing is None else preview.unchanged).append(row)
    if not preview.rejected and not preview.new:
        raise OrganizationError(_("Every organisation in this file is already in the list: "
                                  "nothing to import."))
    return preview


def import_organizations(session: Session, preview: ImportPreview, *,
                         actor_id: int | None) -> list[Organization]:
    """Create the new organisations of a checked preview, all or nothing."""
    if preview.rejected:
        raise OrganizationError(_("Nothing was imported: %(n)d row(s) were rejected.",
                                  n=preview.rejected_rows))
    body_id = creator_body(session, actor_id)
    created = [Organization(**row.values, created_by_body_id=body_id) for row in preview.new]
    session.add_all(created)
    session.flush()
    audit.record(session, "organization.imported", None, actor_id=actor_id,
                 after={"created": len(created), "skipped": len(preview.unchanged)})
    return created
