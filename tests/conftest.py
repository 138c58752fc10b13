"""Fixtures shared by the suite.

- The database is SQLite by default. Set MONITOR_TEST_DATABASE_URL (e.g.
  postgresql+psycopg://postgres@127.0.0.1:5432/test) to run the same tests on PostgreSQL:
  each xdist worker gets its own schema, built once by the migrations and emptied after
  every test.
- A test that asks for `seeded_demo` gets a database holding the demo. On SQLite the demo
  is seeded once per worker and copied, as the schema is; on PostgreSQL it is seeded in
  the test.
- MONITOR_CI=1 turns every skip for a missing service, browser or ../shared/data into a
  failure.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor import TOP, create_app
from monitor.demo import seed as demo
from monitor.extensions import db
from monitor.services import translations

import compiled_once
from support import (  # noqa: F401  (re-exported)
    DATABASE_URL,
    PASSWORD,
    FreshContextClient,
    base_config,
)

compiled_once.apply()


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    translations.compile_catalogues(TOP / "translations")


# --- database -----------------------------------------------------------------------------


def _migrate(app) -> None:  # noqa: ANN001
    # The schema comes from the models here; tests/test_migrations.py proves that the
    # migrations build the same schema.
    with app.app_context():
        db.create_all()
        db.engine.dispose()  # no pooled connection left to be garbage-collected open


@pytest.fixture(scope="session")
def database_template(tmp_path_factory, worker_id: str) -> str:  # noqa: ANN001
    """A database with the schema, built once per worker: a SQLite file to copy, or a PostgreSQL
    schema to empty between tests."""
    tmp = tmp_path_factory.mktemp("db")
    if DATABASE_URL:
        schema = f"t_{worker_id}_{os.getpid()}"  # parallel runs never share a schema
        engine = sa.create_engine(DATABASE_URL)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        except sa.exc.OperationalError as exc:
            pytest.fail(f"PostgreSQL at {DATABASE_URL} is unreachable: {exc}")
        finally:
            engine.dispose()
        url = sa.engine.make_url(DATABASE_URL).update_query_dict(
            {"options": f"-csearch_path={schema}"}
        ).render_as_string(hide_password=False)
        _migrate(create_app(base_config(tmp) | {"SQLALCHEMY_DATABASE_URI": url}))
        return url
    path = tmp / "template.db"
    _migrate(create_app(base_config(tmp) | {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}))
    _fold_wal(path)
    return str(path)


def _empty_postgresql_schema(url: str) -> None:
    """Delete the rows a test left and restart the sequences it used. Only the tables that
    hold rows are touched, with DELETE: TRUNCATE of every table replaces each table's files
    and cost up to a second per test on a busy machine, most of the PostgreSQL run."""
    tables = [t.name for t in db.metadata.sorted_tables]
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            filled = {row[0] for row in conn.execute(sa.text(" UNION ALL ".join(
                f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)))}
            for table in reversed(tables):  # children before parents
                if table in filled:
                    conn.execute(sa.text(f'DELETE FROM "{table}"'))
            for (sequence,) in conn.execute(sa.text(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
                    " AND last_value IS NOT NULL")):
                conn.execute(sa.text("SELECT setval(:s, 1, false)"), {"s": f'"{sequence}"'})
    finally:
        engine.dispose()


def _fold_wal(path: Path) -> None:
    """Fold the WAL into the file so that a plain copy is complete."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.fixture(scope="session")
def demo_template(database_template: str,
                  tmp_path_factory) -> tuple[str, demo.SeedSummary] | None:  # noqa: ANN001
    """SQLite: the demo seeded once per worker (3–5 s each time) into a copy of the schema,
    and what seeding printed. PostgreSQL: None, each test seeds."""
    if DATABASE_URL:
        return None
    tmp = tmp_path_factory.mktemp("demo")
    path = tmp / "demo.db"
    shutil.copyfile(database_template, path)
    app = create_app(base_config(tmp) | {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        summary = demo.seed(db.session, password=PASSWORD)
        db.session.remove()
        db.engine.dispose()
    _fold_wal(path)
    return str(path), summary


@pytest.fixture
def database_url(database_template: str, tmp_path: Path, request) -> Iterator[str]:  # noqa: ANN001
    if DATABASE_URL:
        yield database_template
        _empty_postgresql_schema(database_template)
    else:
        template = database_template
        if "seeded_demo" in request.fixturenames:
            template = request.getfixturevalue("demo_template")[0]
        path = tmp_path / "monitor.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app(database_url: str, tmp_path: Path):  # noqa: ANN201
    app = create_app(base_config(tmp_path) | {"SQLALCHEMY_DATABASE_URI": database_url})
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def seeded_demo(app, demo_template) -> demo.SeedSummary:  # noqa: ANN001
    """The app's database holds the demo (every account's password is support.PASSWORD).
    Returns what seeding printed (logins, what was created, the two-step account's key)."""
    if demo_template is not None:  # copied in by `database_url`
        return demo_template[1]
    return demo.seed(db.session, password=PASSWORD)


@pytest.fixture
def client(app):  # noqa: ANN001, ANN201
    return app.test_client()


@pytest.fixture
def runner(app):  # noqa: ANN001, ANN201
    return app.test_cli_runner()




@pytest.fixture
def smtp_server(app):  # noqa: ANN001, ANN201
    """A real SMTP server on 127.0.0.1 (random port) that the app sends to (tests/smtp.py):
    `.port`, `.messages` (email.message.Message), `.reject`, `.fail_after(n)`."""
    from smtp import SmtpServer

    server = SmtpServer().start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_SUPPRESS_SEND=False,
                      MAIL_TIMEOUT=5)
    try:
        yield server
    finally:
        server.stop()


def pytest_make_parametrize_id(config, val, argname):  # noqa: ANN001, ANN201
    """Stable, short ids for binary parameters, so that parallel workers collect the same
    tests: not their length either, since zip files (xlsx, docx) carry the time they were
    made, and two workers collecting a second apart made files of different lengths.
    pytest numbers the ids that come out the same."""
    if isinstance(val, (bytes, bytearray)) and len(val) > 32:
        return f"{argname}-binary"
    return None
