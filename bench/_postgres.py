"""A throw-away PostgreSQL schema for one benchmark run (shared by the bench scripts)."""
from __future__ import annotations

import sqlalchemy as sa


def create_schema(base_url: str, schema: str) -> str:
    """Create `schema` afresh (an older one is dropped) in the database at `base_url`, and
    return the URL whose connections work in it. sqlalchemy.exc.OperationalError: the
    database is unreachable."""
    engine = sa.create_engine(base_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()
    return sa.engine.make_url(base_url).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def drop_schema(base_url: str, schema: str) -> None:
    engine = sa.create_engine(base_url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()
