"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

import os

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from monitor import TOP, create_app
from monitor.extensions import db
from support import base_config, DATABASE_URL


def _fresh_url(tmp_path, worker_id: str) -> str:  # noqa: ANN001
    if not DATABASE_URL:
        return f"sqlite:///{tmp_path}/migrated.db"
    schema = f"m_{worker_id}_{os.getpid()}"
    engine = sa.create_engine(DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return sa.engine.make_url(DATABASE_URL).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def test_upgrading_an_empty_database_to_head_matches_the_models(tmp_path, worker_id):
    url = _fresh_url(tmp_path, worker_id)
    app = create_app(base_config(tmp_path) | {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=str(TOP / "migrations"))
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == []
        # And back down, so that a bad release can be rolled back.
        downgrade(directory=str(TOP / "migrations"), revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
