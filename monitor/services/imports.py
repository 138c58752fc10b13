"""The import kernel: what every importer of monitor shares (the catalogue and its UPR
formats, the translation sheet, organisations, official progress, offline answers and
XLSForm questionnaires).

- `RowError`: one refused, skipped or doubtful row: its row number (0: the whole file),
  the field and the translated reason.
- `ImportReport`: what an import does, in the same shape everywhere: new, updated,
  unchanged, rejected and skipped rows.
- `check_size` / `check_upload`: the one size limit (`MONITOR_IMPORT_MAX_MB`) and the
  one archive check (a spreadsheet or Word document is a zip: member count, unpacked
  size and compression ratio are checked before anything opens it).
- `stage` / `claim` / `discard`: preview, then confirm. The uploaded bytes wait on the
  server (under the instance folder) under a random id; the page only carries a token
  signed by `monitor.tokens` that binds the id to the user, the plan and the importer,
  for an hour. Confirming claims the upload, so confirming twice imports once.

Free of request globals: the caller passes the user and the plan.
"""
from __future__ import annotations

import io
import json
import os
import re
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _

from .. import tokens

DEFAULT_MAX_MB = 20
#: How much larger than the upload limit an archive's content may be once unpacked.
UNPACKED_FACTOR = 20
#: Members of an archive (an .xlsx has about twenty, a .docx about thirty).
MAX_MEMBERS = 2000
#: A member unpacked to more than 1 MB may be at most this many times its packed size:
#: real workbooks and documents stay under 30, a zip bomb is in the thousands.
MAX_RATIO = 100
_RATIO_FLOOR = 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"


class UploadRefused(Exception):
    """The whole file is refused (too large, empty, not readable); `message` is
    translated and can be shown as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass
class RowError:
    """A row an import refused, left out, or took only in part. `row` is the row (or
    text line) number the user sees, 0 for the whole file; `field` the column; `reason`
    is translated. `value` is the cell that was refused where it helps (an XLSForm
    type), `sheet` the workbook's sheet where there are several."""

    row: int
    field: str
    reason: str
    value: str = ""
    sheet: str = ""

    def describe(self) -> str:
        """One line: "Row 4, value: reason" (or the reason alone for the whole file)."""
        if self.row:
            return _("Row %(row)d, %(column)s: %(reason)s", row=self.row,
                     column=self.field or "–", reason=self.reason)
        return self.reason


@dataclass
class ImportReport:
    """What an import found, row by row, in the same shape for every importer. What
    `new`, `updated` and `unchanged` hold is the importer's (rows, records, names);
    `rejected` blocks the import, `skipped` rows are left out on purpose, `warnings`
    are taken only in part."""

    new: list[Any] = field(default_factory=list)
    updated: list[Any] = field(default_factory=list)
    unchanged: list[Any] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No row is rejected (so the import may be applied)."""
        return not self.rejected

    @property
    def rejected_rows(self) -> int:
        """How many rows are rejected (a row with three problems counts once)."""
        return len({error.row for error in self.rejected})

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "updated": len(self.updated),
                "unchanged": len(self.unchanged), "rejected": self.rejected_rows,
                "skipped": len(self.skipped)}


# --- size and archive ---------------------------------------------------------------------


def upload_limit() -> int:
    """The largest file any importer accepts, in bytes (`MONITOR_IMPORT_MAX_MB`)."""
    megabytes: Any = DEFAULT_MAX_MB
    if has_app_context():
        megabytes = current_app.config.get("MONITOR_IMPORT_MAX_MB", DEFAULT_MAX_MB)
    return int(float(megabytes) * 1024 * 1024)


def megabytes(n: int) -> str:
    mb = n / (1024 * 1024)
    return str(round(mb)) if mb >= 10 or mb == int(mb) else f"{mb:.1f}"


def check_size(size: int, limit: int | None = None) -> None:
    """Refuse a file by its size alone, before it is read or parsed."""
    limit = upload_limit() if limit is None else limit
    if size > limit:
        raise UploadRefused(_("This file is too large (%(size)s MB). The limit is %(limit)s MB.",
                              size=megabytes(size), limit=megabytes(limit)))
    if size == 0:
        raise UploadRefused(_("This file is empty."))


def check_upload(data: bytes, limit: int | None = None) -> None:
    """The size, then, for a zip (.xlsx, .docx), what it would take once unpacked."""
    limit = upload_limit() if limit is None else limit
    check_size(len(data), limit)
    if data.startswith(_ZIP_MAGIC):
        check_archive(data, limit)


def check_archive(data: bytes, limit: int | None = None, *, unpacked: int | None = None
                  ) -> None:
    """Refuse a zip bomb from the archive's directory, without unpacking anything: too
    many members, more than `unpacked` bytes once unpacked (by default `UNPACKED_FACTOR`
    times the upload limit), or a member packed far too tightly. An archive that cannot
    be listed is left to the reader (which refuses it in its own words)."""
    limit = upload_limit() if limit is None else limit
    unpacked = limit * UNPACKED_FACTOR if unpacked is None else unpacked
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return
    bomb = UploadRefused(_("This document would take far more space once opened than its "
                           "size suggests (a “zip bomb”), so it was refused."))
    if len(members) > MAX_MEMBERS:
        raise bomb
    for info in members:
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(
                info.compress_size, 1):
            raise bomb
    if sum(info.file_size for info in members) > unpacked:
        raise UploadRefused(_("This file is too large once unpacked. The limit is "
                              "%(limit)s MB.", limit=megabytes(unpacked)))


# --- preview, then confirm ----------------------------------------------------------------

STAGED_MAX_AGE = 3600
_STAGED_ID = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def staging_folder() -> Path:
    """`MONITOR_IMPORT_DIR`, by default `imports/` in the instance folder."""
    configured = current_app.config.get("MONITOR_IMPORT_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "imports"


def _gone() -> UploadRefused:
    return UploadRefused(_("This upload is no longer available (uploads are kept for one "
                           "hour). Please upload the file again."))


def stage(data: bytes, filename: str, *, importer: str, user_id: int | None,
          plan_id: int | None = None) -> str:
    """Keep an upload until it is confirmed (or an hour passes). Returns the token the
    confirmation form carries: signed, bound to `importer`, the user and the plan."""
    folder = staging_folder()
    folder.mkdir(parents=True, exist_ok=True)
    purge_staged(folder)
    staged_id = secrets.token_urlsafe(32)
    (folder / f"{staged_id}.bin").write_bytes(data)
    (folder / f"{staged_id}.json").write_text(json.dumps({
        "filename": os.path.basename(filename or "")[:200], "importer": importer,
        "plan_id": plan_id, "user_id": user_id, "at": time.time()}))
    return tokens.make_token("import", {"s": staged_id, "k": importer, "u": user_id,
                                        "p": plan_id})


def _staged_id(token: str | None, importer: str, user_id: int | None,
               plan_id: int | None) -> str:
    """The id behind a token made by `stage` for this importer, user and plan."""
    if not token:
        raise _gone()
    try:
        payload = tokens.read_token("import", token, STAGED_MAX_AGE)
    except (tokens.TokenInvalid, tokens.TokenExpired):
        raise _gone() from None
    staged_id = payload.get("s")
    if (payload.get("k"), payload.get("u"), payload.get("p")) != (importer, user_id, plan_id) \
            or not isinstance(staged_id, str) or not _STAGED_ID.match(staged_id):
        raise _gone()
    return staged_id


def claim(token: str | None, *, importer: str, user_id: int | None,
          plan_id: int | None = None) -> tuple[bytes, str]:
    """The bytes and file name of a staged upload, taken once: the upload is removed, so
    a second confirmation (a double click, a replayed form) finds nothing."""
    staged_id = _staged_id(token, importer, user_id, plan_id)
    folder = staging_folder()
    taken = folder / f"{staged_id}.{secrets.token_hex(8)}.taken"
    try:
        # Renaming is atomic: of two confirmations at once, one gets the file.
        os.replace(folder / f"{staged_id}.bin", taken)
    except OSError:
        raise _gone() from None
    try:
        data = taken.read_bytes()
        meta = json.loads((folder / f"{staged_id}.json").read_text())
    except (OSError, ValueError):
        raise _gone() from None
    finally:
        taken.unlink(missing_ok=True)
        (folder / f"{staged_id}.json").unlink(missing_ok=True)
    if (meta.get("importer"), meta.get("user_id"), meta.get("plan_id")) != (
            importer, user_id, plan_id) or time.time() - float(meta.get("at", 0)) > \
            STAGED_MAX_AGE:
        raise _gone()
    return data, str(meta.get("filename", ""))


def discard(token: str | None, *, importer: str, user_id: int | None,
            plan_id: int | None = None) -> None:
    """Forget a staged upload (the preview was cancelled); an unknown token is ignored."""
    try:
        staged_id = _staged_id(token, importer, user_id, plan_id)
    except UploadRefused:
        return
    for suffix in (".bin", ".json"):
        (staging_folder() / f"{staged_id}{suffix}").unlink(missing_ok=True)


def purge_staged(folder: Path | None = None, max_age: int = STAGED_MAX_AGE) -> int:
    """Delete staged uploads older than `max_age` seconds; returns how many."""
    folder = staging_folder() if folder is None else folder
    if not folder.is_dir():
        return 0
    removed = 0
    limit = time.time() - max_age
    for path in folder.iterdir():
        if path.suffix in (".bin", ".json") and _STAGED_ID.match(path.stem):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += path.suffix == ".bin"
            except FileNotFoundError:
                pass
    return removed
