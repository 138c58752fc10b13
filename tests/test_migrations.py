"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
import os

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from support import DATABASE_URL, base_config

from monitor import TOP, create_app
from monitor.extensions import db


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


def test_stored_match_keys_are_recomputed_with_state_aliases_and_back(tmp_path, worker_id):
    # A database from before State aliases, holding a recommendation imported from UPR
    # Info ("United States"): after the upgrade its key is the one the UN's report gives
    # ("United States of America"), so re-importing either source finds it.
    from monitor.services.catalogue.records import compute_match_key

    url = _fresh_url(tmp_path, worker_id)
    app = create_app(base_config(tmp_path) | {"SQLALCHEMY_DATABASE_URI": url})
    text = "Ratify the Second Optional Protocol to ICCPR"
    with app.app_context():
        upgrade(directory=str(TOP / "migrations"), revision="fd11bc874807")
        before_aliases = "0" * 64  # whatever the earlier function wrote
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO governing_body (id, slug) VALUES (1, 'b')"))
            conn.execute(sa.text(
                "INSERT INTO plan (id, body_id, slug, status, created_at) "
                "VALUES (1, 1, 'p', 'open', CURRENT_TIMESTAMP)"))
            conn.execute(sa.text(
                "INSERT INTO recommendation (id, plan_id, sort_key, text_en, "
                "recommending_states, match_key) VALUES (1, 1, 'k', :text, 'United States', "
                ":key)"), {"text": text, "key": before_aliases})

        def stored() -> str:
            with db.engine.connect() as conn:
                return conn.execute(sa.text("SELECT match_key FROM recommendation")).scalar()

        upgrade(directory=str(TOP / "migrations"))
        assert stored() == compute_match_key(text, "United States of America")
        downgrade(directory=str(TOP / "migrations"), revision="fd11bc874807")
        # The earlier key: normalised text and State as written.
        earlier = hashlib.sha256(f"{text.casefold()}|united states".encode()).hexdigest()
        assert stored() == earlier != compute_match_key(text, "United States of America")
        downgrade(directory=str(TOP / "migrations"), revision="base")
        db.engine.dispose()
