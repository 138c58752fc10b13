"""Backups of the embedded SQLite database and the attachments folder, and their restore.

A backup is a directory holding

- ``monitor.db``: a consistent copy taken with SQLite's online backup API while the app
  keeps running (readers and writers are not stopped), checked with
  ``PRAGMA integrity_check`` and switched to a single file (no WAL beside it);
- ``attachments/``: a copy of ``MONITOR_ATTACHMENT_DIR``;
- ``manifest.json``: when, from where, and the size and SHA-256 of every file, so that a
  restore refuses a damaged or incomplete backup.

On PostgreSQL both operations refuse with guidance: ``pg_dump``/``pg_restore`` do the job
better than any copy made through the application (see the README).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

DATABASE_NAME = "monitor.db"
ATTACHMENTS_NAME = "attachments"
MANIFEST_NAME = "manifest.json"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


PG_BACKUP_GUIDANCE = (
    "This instance runs on PostgreSQL: back it up with pg_dump, e.g.\n"
    "  pg_dump --format=custom --no-owner --file=monitor-$(date +%Y%m%d-%H%M%S).dump \"$DATABASE_URL\"\n"
    "and copy the attachments folder (MONITOR_ATTACHMENT_DIR) alongside, e.g. with rsync. "
    "See the README, section Backups."
)
PG_RESTORE_GUIDANCE = (
    "This instance runs on PostgreSQL: restore a pg_dump archive with pg_restore, e.g.\n"
    "  pg_restore --clean --if-exists --no-owner --dbname=\"$DATABASE_URL\" monitor.dump\n"
    "and copy the attachments folder back into MONITOR_ATTACHMENT_DIR. "
    "See the README, section Backups."
)


@dataclass
class BackupResult:
    path: Path
    database_bytes: int
    attachments: int
    attachment_bytes: int
    tables: dict[str, int] = field(default_factory=dict)


@dataclass
class RestoreResult:
    path: Path
    attachments: int
    tables: dict[str, int] = field(default_factory=dict)


# --- helpers ------------------------------------------------------------------------------


def sqlite_path(engine: Engine) -> Path:
    """The database file behind `engine`; BackupError for anything but a SQLite file."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        raise BackupError(PG_BACKUP_GUIDANCE if url.get_backend_name() == "postgresql" else
                          f"Backups are supported for SQLite only (not {url.get_backend_name()}).")
    if url.database in (None, "", ":memory:"):
        raise BackupError("The database is in memory: there is no file to back up.")
    return Path(url.database).resolve()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _files(directory: Path) -> list[Path]:
    """Regular files under `directory`, relative, sorted (symbolic links are not followed)."""
    if not directory.is_dir():
        return []
    found = []
    for root, dirs, names in os.walk(directory, followlinks=False):
        dirs.sort()
        for name in sorted(names):
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(directory))
    return found


def _integrity(connection: sqlite3.Connection) -> None:
    result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupError("The database copy failed its integrity check: " + "; ".join(result[:5]))


def _table_counts(path: Path) -> dict[str, int]:
    """Rows per table of the SQLite file at `path`."""
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return {name: connection.execute(
                        sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
                    for name in sorted(sa.inspect(connection).get_table_names())}
    finally:
        engine.dispose()


def target_directory(path: Path, now: dt.datetime | None = None) -> Path:
    """Where a backup asked for at `path` goes: `path` itself when it does not exist yet,
    otherwise a new timestamped directory inside it."""
    if not path.exists():
        return path
    if not path.is_dir():
        raise BackupError(f"{path} exists and is not a directory.")
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
    candidate = path / f"monitor-backup-{stamp}"
    n = 2
    while candidate.exists():
        candidate = path / f"monitor-backup-{stamp}-{n}"
        n += 1
    return candidate


# --- backup -------------------------------------------------------------------------------


def backup(engine: Engine, attachment_dir: str | os.PathLike, path: str | os.PathLike
           ) -> BackupResult:
    """Copy the live database and the attachments into a new directory (see module doc).
    A failed backup leaves no directory behind."""
    source = sqlite_path(engine)
    if not source.exists():
        raise BackupError(f"There is no database at {source} yet: nothing to back up.")
    target = target_directory(Path(path))
    target.mkdir(parents=True)
    try:
        return _backup_into(source, Path(attachment_dir), target)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise


def _backup_into(source: Path, attachments: Path, target: Path) -> BackupResult:
    copy_path = target / DATABASE_NAME
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(copy_path)
    try:
        # Pages are copied in steps so that writers are held up only briefly; the API
        # restarts by itself when a writer changes the source meanwhile.
        src.backup(dst, pages=1024)
        dst.execute("PRAGMA journal_mode = DELETE")
        _integrity(dst)
    finally:
        dst.close()
        src.close()
    tables = _table_counts(copy_path)

    files = {}
    total = 0
    (target / ATTACHMENTS_NAME).mkdir()
    for relative in _files(attachments):
        destination = target / ATTACHMENTS_NAME / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(attachments / relative, destination)
        size = destination.stat().st_size
        total += size
        files[relative.as_posix()] = {"bytes": size, "sha256": _sha256(destination)}

    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source": str(source),
        "database": {"file": DATABASE_NAME, "bytes": copy_path.stat().st_size,
                     "sha256": _sha256(copy_path), "tables": tables},
        "attachments": files,
    }
    (target / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")
    return BackupResult(path=target, database_bytes=copy_path.stat().st_size,
                        attachments=len(files), attachment_bytes=total, tables=tables)


# --- restore ------------------------------------------------------------------------------


def read_manifest(path: Path) -> dict:
    """The manifest of a backup directory, after checking every file it lists."""
    manifest_path = path / MANIFEST_NAME
    if not manifest_path.is_file():
        raise BackupError(f"{path} is not a monitor backup (no {MANIFEST_NAME}).")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{manifest_path} cannot be read: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} was written in an unknown backup format.")
    database = path / DATABASE_NAME
    if not database.is_file() or _sha256(database) != manifest["database"]["sha256"]:
        raise BackupError(f"{database} is missing or differs from the manifest: damaged backup.")
    for name, info in manifest["attachments"].items():
        file = path / ATTACHMENTS_NAME / name
        if not file.is_file() or _sha256(file) != info["sha256"]:
            raise BackupError(f"Attachment {name} is missing or damaged in the backup.")
    return manifest


def instance_is_empty(engine: Engine, attachment_dir: str | os.PathLike) -> bool:
    """True when the database has no rows (or no tables) and the attachments folder no file."""
    if _files(Path(attachment_dir)):
        return False
    inspector = sa.inspect(engine)
    with engine.connect() as connection:
        for name in inspector.get_table_names():
            if name == "alembic_version":
                continue
            table = sa.table(name)
            if connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                return False
    return True


def restore(engine: Engine, attachment_dir: str | os.PathLike, path: str | os.PathLike, *,
            overwrite: bool = False) -> RestoreResult:
    """Replace the database and the attachments with the backup at `path`.

    Refuses a non-empty instance unless `overwrite`. The engine's pooled connections are
    closed first: run it with the application stopped (other processes would keep their
    connections to the replaced file)."""
    if engine.url.get_backend_name() == "postgresql":
        raise BackupError(PG_RESTORE_GUIDANCE)
    target_db = sqlite_path(engine)
    source = Path(path)
    manifest = read_manifest(source)
    attachments = Path(attachment_dir)
    if not overwrite and target_db.exists() and not instance_is_empty(engine, attachments):
        raise BackupError("This instance already holds data. Restoring would replace all of it; "
                          "run the command again with --yes to do so.")
    if not overwrite and _files(attachments):
        raise BackupError(f"{attachments} already holds files; run again with --yes to replace.")

    engine.dispose()
    target_db.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source / DATABASE_NAME}?mode=ro", uri=True)
    dst = sqlite3.connect(target_db, timeout=30)
    try:
        src.backup(dst)
        _integrity(dst)
    finally:
        dst.close()
        src.close()
    engine.dispose()
    tables = _table_counts(target_db)

    # Attachments: build the new folder beside the old one, then swap, so that a failure
    # half-way never leaves a mix of old and new files.
    staging = attachments.with_name(attachments.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source / ATTACHMENTS_NAME, staging)
    old = attachments.with_name(attachments.name + ".replaced")
    shutil.rmtree(old, ignore_errors=True)
    if attachments.exists():
        attachments.rename(old)
    staging.rename(attachments)
    shutil.rmtree(old, ignore_errors=True)
    return RestoreResult(path=source, attachments=len(manifest["attachments"]), tables=tables)
