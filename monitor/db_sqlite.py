"""SQLite as the embedded default: WAL so that readers never block the writer, a busy
timeout so that concurrent writers wait instead of failing with "database is locked",
and foreign keys enforced as PostgreSQL does."""
import sqlalchemy as sa
from sqlalchemy.engine import Engine


def configure_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
