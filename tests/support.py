"""Helpers for tests: CSRF-aware posting, sign-in, "nothing changed" snapshots, and the
rule for optional parts (skip with a reason; fail under MONITOR_CI=1)."""
from __future__ import annotations

import csv
import html
import io
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from monitor import TOP
from monitor.extensions import db

CI = os.environ.get("MONITOR_CI") == "1"
DATABASE_URL = os.environ.get("MONITOR_TEST_DATABASE_URL", "")
# Real files nobody here wrote (../shared/data beside the clone; MONITOR_SHARED_DATA to move it).
SHARED_DATA = Path(os.environ.get("MONITOR_SHARED_DATA") or TOP.parent / "shared" / "data")
PASSWORD = "correct horse battery"


def need(condition: bool, reason: str) -> None:
    """Skip with a visible reason, or fail under CI's flag."""
    if condition:
        return
    if CI:
        pytest.fail(f"required under MONITOR_CI=1: {reason}")
    pytest.skip(reason)


def shared_data(name: str) -> Path:
    path = SHARED_DATA / name
    need(path.exists(), f"{path} is absent (real files live in ../shared/data)")
    return path


def base_config(tmp_path: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 9,  # tests that send mail start a real SMTP server and set the port
        "MONITOR_MAIL_OUTBOX": "",
        "MAIL_DEFAULT_SENDER": "monitor@test.example",
        "MONITOR_BASE_URL": "http://localhost",
        "MONITOR_ATTACHMENT_DIR": str(tmp_path / "attachments"),
        "MONITOR_IMPORT_DIR": str(tmp_path / "imports"),
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
    }


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own `g` (so that
    Flask-Login loads the user afresh) and its own database session. Tests commit their
    setup first and re-read what a request changed."""

    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        with self.application.app_context():
            return super().open(*args, **kwargs)


# --- helpers --------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1)


def post_form(client, url: str, data: dict | None = None, *, page: str | None = None,  # noqa: ANN001
              **kwargs):  # noqa: ANN003, ANN201
    """GET the page that holds the form (the URL itself by default), take its CSRF token,
    and POST, as a browser would."""
    response = client.get(page or url)
    token = csrf_from(response.get_data(as_text=True))
    payload = dict(data or {})
    payload.setdefault("csrf_token", token)
    return client.post(url, data=payload, **kwargs)


def login(client, email: str, password: str = PASSWORD):  # noqa: ANN001, ANN201
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


def row_counts() -> dict[str, int]:
    """Rows per table: asserting it unchanged proves that a refusal wrote nothing. (Not
    the server-side sessions: any visit with a form has one.)"""
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables if table.name != "server_session"
    }


def table_snapshot(*models) -> dict:  # noqa: ANN002
    """Every column of every row of the given models, for "nothing changed" assertions."""
    db.session.expire_all()
    snapshot = {}
    for model in models:
        rows = db.session.execute(sa.select(model.__table__)).all()
        snapshot[model.__tablename__] = sorted(tuple(map(repr, row)) for row in rows)
    return snapshot


def text(response) -> str:  # noqa: ANN001
    """A page as a person reads it (character references decoded)."""
    return html.unescape(response.get_data(as_text=True))


def new_client(app, lang: str | None = "en"):  # noqa: ANN001, ANN201
    """A visitor who is not signed in, in `lang` (a cookie remembers the choice)."""
    client = app.test_client()
    if lang:
        client.get(f"/login?lang={lang}")
    return client


def client_as(app, user, first_page: str | None = None, *,  # noqa: ANN001, ANN201
              real: bool = False):
    """A client signed in as `user`: through the sign-in form when `real`; otherwise by
    setting the session directly, which skips the deliberately slow password hash (the
    sign-in form is tested in test_foundation). Then it opens `first_page`, if given (a
    `?lang=` there is remembered)."""
    client = app.test_client()
    if real:
        login(client, user.email)
    else:
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
    if first_page:
        client.get(first_page)
    return client


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    """A CSV file as a spreadsheet writes it (CRLF line ends) in `encoding`."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsform(survey: list[list], choices: list[list] | None = None) -> bytes:
    """An .xlsx with a survey sheet (first row = header) and an optional choices sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    if choices is not None:
        choice_sheet = workbook.create_sheet("choices")
        for row in choices:
            choice_sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def concurrently(app, workers: int, job: Callable) -> list:  # noqa: ANN001
    """Run `job(index, barrier)` in `workers` threads, each in its own app context and
    database session; the barrier lets them start their critical step together. Returns
    each job's result, or the exception it raised."""
    barrier = threading.Barrier(workers)
    results: list = [None] * workers

    def run(index: int) -> None:
        with app.app_context():
            try:
                results[index] = job(index, barrier)
            except BaseException as exc:  # noqa: BLE001 - reported by the caller's assertion
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def run_mail_worker() -> int:
    """One round of the mail worker (`flask mail worker --once`): requests only queue mail.
    Returns how many messages were sent."""
    from monitor.services import mail_worker

    return mail_worker.run_once(db.session).report.sent
