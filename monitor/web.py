"""Small pieces every blueprint needs, written once: the plan named in a URL (checked
against the user's access), a refusal with a specific message, form errors from a service
beside their fields, a file download, a page of a list.
Routes import these; nothing here imports a blueprint."""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, NoReturn, TypeVar

import sqlalchemy as sa
from flask import Response, abort, flash, make_response, request, send_file

from .access import ensure
from .errors import render_error
from .extensions import db
from .models import Plan

T = TypeVar("T")

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"


def plan_by_slug(slug: str, action: str) -> Plan:
    """The plan of a URL if the user may do `action` on it; 404 otherwise (whether it does
    not exist or is out of reach: the same answer)."""
    return ensure(action, db.session.scalar(sa.select(Plan).where(Plan.slug == slug)))


def refuse(status: int, message: str) -> NoReturn:
    """Stop with the error page (or JSON under /api) carrying a specific message."""
    abort(make_response(render_error(status, message)))


def field_errors(form: Any, errors: list[tuple[str, str]]) -> None:
    """Put a service's (field, message) errors beside the form's fields; flash the rest."""
    for name, message in errors:
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            flash(message, "error")


def download(data: bytes, name: str, mimetype: str) -> Response:
    """Bytes sent as a file to save (never shown inline), under `name`."""
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=name)


@dataclass
class ListPage(Generic[T]):
    """One page of a list already in memory (results computed in one pass, then paged)."""

    items: list[T]
    page: int
    pages: int
    total: int


def page_of(items: Sequence[T], per_page: int, arg: str = "page") -> ListPage[T]:
    """The page named by `?page=` (the first one when it is missing or out of range)."""
    pages = max(1, -(-len(items) // per_page))
    page = request.args.get(arg, 1, type=int) or 1
    page = page if 1 <= page <= pages else 1
    return ListPage(list(items[(page - 1) * per_page: page * per_page]), page, pages,
                    len(items))
