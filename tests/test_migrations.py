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


def test_the_log_migration_appends_the_submitted_versions_in_order(tmp_path, worker_id):
    # A database from before the transparency log with two submitted versions, the later
    # one written first: after the upgrade both are in the log, in the order they were
    # submitted, their content hash as receipt, and `receipts verify` rebuilds it.
    from monitor.services.results import merkle, transparency_log

    url = _fresh_url(tmp_path, worker_id)
    app = create_app(base_config(tmp_path) | {"SQLALCHEMY_DATABASE_URI": url})
    hashes = [hashlib.sha256(b"later").hexdigest(), hashlib.sha256(b"earlier").hexdigest()]
    with app.app_context():
        upgrade(directory=str(TOP / "migrations"), revision="b7e1c2d3a4f5")
        with db.engine.begin() as conn:
            for statement in (
                "INSERT INTO governing_body (id, slug) VALUES (1, 'b')",
                "INSERT INTO plan (id, body_id, slug, status, created_at) VALUES "
                "(1, 1, 'p', 'open', CURRENT_TIMESTAMP)",
                "INSERT INTO reporting_period (id, plan_id, label, starts_on, ends_on, status) "
                "VALUES (1, 1, '2023', '2023-01-01', '2023-12-31', 'open')",
                "INSERT INTO recommendation (id, plan_id, sort_key) VALUES (1, 1, 'k')",
                "INSERT INTO organization (id, name, email, preferred_language, created_at) "
                "VALUES (1, 'o', 'o@example.org', 'ar', CURRENT_TIMESTAMP)",
                "INSERT INTO questionnaire (id, plan_id, version, definition, created_at) "
                "VALUES (1, 1, 1, '{}', CURRENT_TIMESTAMP)",
                "INSERT INTO evaluation (id, organization_id, recommendation_id, period_id, "
                "state, answers, version, counted, pseudonymous, updated_at) VALUES "
                "(1, 1, 1, 1, 'submitted', '{}', 1, true, false, CURRENT_TIMESTAMP)",
            ):
                conn.execute(sa.text(statement))
            for id_, number, day, digest in ((1, 2, "2023-06-02", hashes[0]),
                                              (2, 1, "2023-06-01", hashes[1])):
                conn.execute(sa.text(
                    "INSERT INTO evaluation_revision (id, evaluation_id, number, "
                    "questionnaire_id, answers, submitted_at, late, content_hash) VALUES "
                    "(:id, 1, :n, 1, '{}', :day, false, :h)"),
                    {"id": id_, "n": number, "day": day, "h": digest})
        upgrade(directory=str(TOP / "migrations"))
        with db.engine.connect() as conn:
            entries = conn.execute(sa.text(
                "SELECT position, revision_id, receipt FROM log_entry ORDER BY position")).all()
            size = conn.execute(sa.text("SELECT size FROM log_state")).scalar()
        assert [tuple(e) for e in entries] == [(0, 2, hashes[1]), (1, 1, hashes[0])]
        assert size == 2
        head = transparency_log.latest_head(db.session)  # signed on first need
        assert head.root_hash == merkle.root_of(
            [merkle.leaf_hash(bytes.fromhex(h)) for h in reversed(hashes)]).hex()
        db.session.commit()
        report = transparency_log.verify(db.session)
        assert report.entries == 2 and report.heads == 1 and report.ok, report.problems
        db.session.remove()
        downgrade(directory=str(TOP / "migrations"), revision="base")
        db.engine.dispose()


def test_the_body_that_created_an_organisation_is_taken_from_the_audit_trail(tmp_path,
                                                                             worker_id):
    # Organisations from before creators were kept: the one the trail says a body's
    # coordinator created gets that body; one imported in bulk (no id in the trail) stays
    # unknown.
    url = _fresh_url(tmp_path, worker_id)
    app = create_app(base_config(tmp_path) | {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=str(TOP / "migrations"), revision="c4f9a1d2e8b7")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO governing_body (id, slug) VALUES (7, 'b')"))
            conn.execute(sa.text(
                "INSERT INTO user_account (id, email, name, role, body_id, active, "
                "session_version, created_at) VALUES (3, 'c@gov.example', 'C', 'coordinator', "
                "7, :yes, 1, CURRENT_TIMESTAMP)"), {"yes": True})
            for org_id in (1, 2):
                conn.execute(sa.text(
                    "INSERT INTO organization (id, name, email, preferred_language, created_at) "
                    "VALUES (:id, 'NGO', :email, 'ar', CURRENT_TIMESTAMP)"),
                    {"id": org_id, "email": f"ngo{org_id}@ngo.example"})
            conn.execute(sa.text(
                "INSERT INTO audit_event (at, actor_id, action, object_type, object_id, "
                "organization_id) VALUES (CURRENT_TIMESTAMP, 3, 'organization.created', "
                "'Organization', 1, 1)"))
            conn.execute(sa.text(
                "INSERT INTO audit_event (at, actor_id, action, object_type) "
                "VALUES (CURRENT_TIMESTAMP, 3, 'organization.imported', '')"))
        upgrade(directory=str(TOP / "migrations"))
        with db.engine.connect() as conn:
            creators = dict(conn.execute(sa.text(
                "SELECT id, created_by_body_id FROM organization")).all())
        assert creators == {1: 7, 2: None}
        downgrade(directory=str(TOP / "migrations"), revision="base")
        db.engine.dispose()
