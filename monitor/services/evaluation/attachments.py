"""Evidence attachments: type checked by content, stored outside the static folder under a
random name, served only as a download to those allowed to see them.

Accepted: PDF, JPEG, PNG, DOCX, XLSX (by their first bytes; DOCX and XLSX are ZIP
archives whose entries are listed, never extracted, so that a zip bomb is refused from
its directory by the import kernel's `check_archive`). Everything else (HTML, SVG, executables, macro-enabled Office files...) is
refused whatever its name. The name the user gave is kept for display (Arabic included),
cleaned of path parts and of invisible direction and control characters.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from ...models import (
    ATTACHMENT_VISIBILITY,
    Attachment,
    Evaluation,
    EvaluationRevision,
    User,
)
from .. import audit
from ..imports import UploadRefused, check_archive, check_size

#: What a DOCX/XLSX may expand to (checked on the ZIP directory, not extracted).
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
DEFAULT_QUESTION = "evidence_files"


@dataclass(frozen=True)
class FileKind:
    extension: str
    mimetype: str


PDF = FileKind("pdf", "application/pdf")
JPEG = FileKind("jpg", "image/jpeg")
PNG = FileKind("png", "image/png")
DOCX = FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
KINDS = (PDF, JPEG, PNG, DOCX, XLSX)
_EXTENSIONS = {"pdf", "jpg", "jpeg", "png", "docx", "xlsx"}


class AttachmentError(Exception):
    """A refused upload; the message is translated and can be shown as it is."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


def max_bytes() -> int:
    return int(current_app.config.get("MONITOR_ATTACHMENT_MAX_MB", 10)) * 1024 * 1024


def _accepted() -> str:
    return _("Accepted files: PDF, JPEG, PNG, Word (.docx) and Excel (.xlsx).")


def _refuse(message: str) -> AttachmentError:
    return AttachmentError(f"{message} {_accepted()}")


def sniff(data: bytes) -> FileKind:
    """The kind of file, from its content; AttachmentError for anything not accepted."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data.startswith((b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe",
                        b"\xfe\xed\xfa\xce", b"#!")):
        raise _refuse(_("This file is a program, which cannot be attached."))
    if head.startswith((b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<")):
        raise _refuse(_("Web pages and SVG images cannot be attached."))
    raise _refuse(_("This type of file cannot be attached."))


def _office_kind(data: bytes) -> FileKind:
    not_office = _("This archive is not a Word or Excel document.")
    try:
        check_archive(data, unpacked=MAX_UNCOMPRESSED_BYTES)
    except UploadRefused as exc:
        raise AttachmentError(exc.message) from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {info.filename for info in archive.infolist()}
            if "[Content_Types].xml" not in names:
                raise _refuse(not_office)
            # Macros are not evidence, and a danger to whoever opens the file.
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise _refuse(_("Documents with macros cannot be attached."))
            with archive.open("[Content_Types].xml") as handle:
                content_types = handle.read(256 * 1024)
            if b"macroenabled" in content_types.lower():
                raise _refuse(_("Documents with macros cannot be attached."))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, KeyError,
            NotImplementedError, EOFError):
        raise _refuse(not_office) from None
    if any(n.startswith("word/") for n in names):
        return DOCX
    if any(n.startswith("xl/") for n in names):
        return XLSX
    raise _refuse(not_office)


# Direction overrides and isolates, marks, and other invisible characters that can make
# "gpj.exe" look like "exe.jpg" or hide parts of a name.
_BIDI = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ufeff\u200b\u2028\u2029]")


def clean_display_name(filename: str | None, kind: FileKind) -> str:
    """The name to show: no path, no control or direction characters, the extension of
    the real type. Arabic and Kurdish letters (with ZWNJ) are kept."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _BIDI.sub("", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cs", "Co")
                   and (unicodedata.category(ch) != "Cf" or ch in "\u200c\u200d"))
    name = " ".join(name.split()).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if dot and extension.lower() in _EXTENSIONS | {"exe", "html", "htm", "svg", "js", "bat",
                                                   "cmd", "sh", "com", "scr", "doc", "xls",
                                                   "docm", "xlsm"}:
        name = stem.strip(" .")
    name = name[:180] or _("document")
    return f"{name}.{kind.extension}"


def storage_dir() -> Path:
    path = Path(current_app.config["MONITOR_ATTACHMENT_DIR"])
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def path_of(attachment: Attachment) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name):  # never a path
        raise ValueError("bad stored name")
    return storage_dir() / attachment.stored_name


def store(session: Session, evaluation: Evaluation, *, data: bytes, filename: str | None,
          visibility: str = "organization", question: str | None = None,
          user: User | None = None) -> Attachment:
    """Check and store one uploaded file. Writes the file, adds the row (the caller
    commits; on a failed commit it calls `discard`)."""
    if visibility not in ATTACHMENT_VISIBILITY:
        raise AttachmentError(_("Please choose who may see this document."), 400)
    if not data:
        raise AttachmentError(_("Please choose a file to attach."), 400)
    try:
        check_size(len(data), max_bytes())
    except UploadRefused as exc:
        raise AttachmentError(exc.message, 413) from None
    kind = sniff(data)
    check_quota(session, evaluation, len(data))
    stored_name = secrets.token_hex(16)
    target = storage_dir() / stored_name
    temporary = target.with_name(stored_name + ".part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, target)
    attachment = Attachment(
        evaluation_id=evaluation.id, stored_name=stored_name,
        display_name=clean_display_name(filename, kind), content_type=kind.mimetype,
        size=len(data), sha256=hashlib.sha256(data).hexdigest(), visibility=visibility,
        uploaded_by_id=user.id if user else None, question=question or DEFAULT_QUESTION,
    )
    session.add(attachment)
    session.flush()
    audit.record(session, "attachment.uploaded", attachment, actor_id=user.id if user else None,
                 organization_id=evaluation.organization_id,
                 plan_id=evaluation.period.plan_id,
                 after={"evaluation_id": evaluation.id, "size": attachment.size,
                        "sha256": attachment.sha256, "visibility": visibility,
                        "content_type": kind.mimetype})
    return attachment


def check_quota(session: Session, evaluation: Evaluation, size: int) -> None:
    """At most MONITOR_MAX_DOCUMENTS_PER_EVALUATION documents and
    MONITOR_MAX_EVIDENCE_MB_PER_EVALUATION MB in all per evaluation; refused before
    anything is written. The evaluation's row is locked first (PostgreSQL), so that two
    uploads at once cannot both take the last place."""
    session.execute(sa.select(Evaluation.id).where(Evaluation.id == evaluation.id)
                    .with_for_update())
    count, total = session.execute(
        sa.select(sa.func.count(Attachment.id), sa.func.coalesce(sa.func.sum(Attachment.size), 0))
        .where(Attachment.evaluation_id == evaluation.id)).one()
    most = int(current_app.config["MONITOR_MAX_DOCUMENTS_PER_EVALUATION"])
    if count >= most:
        raise AttachmentError(ngettext(
            "This evaluation already has %(num)d document, the most it may have. Remove one "
            "before attaching another. Nothing was saved.",
            "This evaluation already has %(num)d documents, the most it may have. Remove one "
            "before attaching another. Nothing was saved.", most), 422)
    limit_mb = int(current_app.config["MONITOR_MAX_EVIDENCE_MB_PER_EVALUATION"])
    if total + size > limit_mb * 1048576:
        raise AttachmentError(_(
            "The documents of one evaluation may take at most %(limit)s MB in all; with this "
            "file they would take %(size)s MB. Nothing was saved.", limit=limit_mb,
            size=f"{(total + size) / 1048576:.1f}"), 413)


def discard(attachment: Attachment) -> None:
    """Remove a stored file whose row was not committed, or was deleted."""
    try:
        path_of(attachment).unlink(missing_ok=True)
    except (OSError, ValueError):
        current_app.logger.warning("could not remove attachment file %s", attachment.stored_name)


def for_evaluation(session: Session, evaluation: Evaluation, *,
                   coordinator: bool = False) -> list[Attachment]:
    """The evaluation's documents; with `coordinator`, only those the coordinator may open
    (`submitted_to_coordinator`)."""
    query = sa.select(Attachment).where(Attachment.evaluation_id == evaluation.id)
    if coordinator:
        query = query.where(Attachment.visibility == "coordinator",
                            Attachment.id.in_(submitted_to_coordinator(evaluation)))
    return list(session.scalars(query.order_by(Attachment.id)))


def submitted_to_coordinator(evaluation: Evaluation) -> set[int]:
    """The documents the evaluation's latest submitted version shared with the coordinator.

    What the coordinator sees of an evaluation is exactly what was submitted: a document
    added, or widened to "coordinator may see", after that version reaches the coordinator
    only with the next submission the NGO administrator approves. Narrowing a document to
    the organisation takes effect at once instead: callers also require the document's
    current visibility to be "coordinator" (a witness's safety comes first)."""
    if not evaluation.counted or not evaluation.revisions:
        return set()
    return shared_in(max(evaluation.revisions, key=lambda revision: revision.number))


def shared_in(revision: EvaluationRevision | None) -> set[int]:
    """The documents a submitted version lists as visible to the coordinator."""
    if revision is None:
        return set()
    return {item["id"] for files in (revision.answers or {}).get("_attachments", {}).values()
            for item in files if item.get("visibility") == "coordinator"}


def may_download(user: User, attachment: Attachment) -> bool:
    """NGO users: their own organisation's documents. Coordinators (scope already checked
    on the evaluation): a document marked visible to the coordinator now and in the
    evaluation's latest submitted version (`submitted_to_coordinator`)."""
    evaluation = attachment.evaluation
    if user.role == "coordinator":
        return (attachment.visibility == "coordinator"
                and attachment.id in submitted_to_coordinator(evaluation))
    return user.organization_id is not None and user.organization_id == evaluation.organization_id


def referenced(evaluation: Evaluation, attachment: Attachment) -> bool:
    """True when a submitted version lists this document: it must then stay."""
    for revision in evaluation.revisions:
        for files in (revision.answers or {}).get("_attachments", {}).values():
            if any(item.get("id") == attachment.id for item in files):
                return True
    return False


_SUMMARIES = (sa.select(Attachment.id, Attachment.sha256, Attachment.size, Attachment.visibility,
                       Attachment.display_name, Attachment.question)
              .where(Attachment.evaluation_id == sa.bindparam("evaluation_id"))
              .order_by(Attachment.id))


def summaries(session: Session, evaluation_id: int) -> list[sa.Row]:
    """The columns `describe` reads, without loading the objects (every submission)."""
    return list(session.execute(_SUMMARIES, {"evaluation_id": evaluation_id}))


def describe(attachments: list[Attachment] | list[sa.Row]) -> dict[str, list[dict]]:
    """Documents by question, as recorded in a submitted version (and covered by its
    receipt). The name of a document kept within the organisation is left out: it may
    name a victim or a witness, and the revision is read on the coordinator's side."""
    out: dict[str, list[dict]] = {}
    for item in attachments:
        entry = {"id": item.id, "sha256": item.sha256, "size": item.size,
                 "visibility": item.visibility}
        if item.visibility == "coordinator":
            entry["name"] = item.display_name
        out.setdefault(item.question or DEFAULT_QUESTION, []).append(entry)
    return out


def delete(session: Session, attachment: Attachment, *, user: User) -> bool:
    """Remove a document (the caller has checked the evaluation is editable, commits,
    then calls `discard`). False when a submitted version lists it: it is kept."""
    evaluation = attachment.evaluation
    if referenced(evaluation, attachment):
        return False
    audit.record(session, "attachment.deleted", attachment, actor_id=user.id,
                 organization_id=evaluation.organization_id, plan_id=evaluation.period.plan_id,
                 before={"sha256": attachment.sha256, "evaluation_id": evaluation.id,
                         "visibility": attachment.visibility})
    session.delete(attachment)
    return True


def set_visibility(session: Session, attachment: Attachment, visibility: str, *,
                   user: User) -> None:
    if visibility not in ATTACHMENT_VISIBILITY:
        raise AttachmentError(_("Please choose who may see this document."), 400)
    evaluation = attachment.evaluation
    before = attachment.visibility
    attachment.visibility = visibility
    audit.record(session, "attachment.visibility", attachment, actor_id=user.id,
                 organization_id=evaluation.organization_id, plan_id=evaluation.period.plan_id,
                 before={"visibility": before}, after={"visibility": visibility})
