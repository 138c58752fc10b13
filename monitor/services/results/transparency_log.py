"""The transparency log: every submitted evaluation version's receipt in an append-only
Merkle tree (RFC 9162), with signed tree heads, inclusion and consistency proofs.

- A version's **receipt** is SHA-256(content hash || 16 random bytes): the content hash
  (services.evaluation.lifecycle.content_hash) says what was submitted, the random bits
  keep a neighbour seen in a proof from being guessed back to a score. Versions submitted
  before the log existed keep their content hash as receipt.
- **Appending** (`record_submission`, in the submission's transaction) first updates the
  one `log_state` row (which locks it: appends are serialised), then writes the leaf and
  the complete subtrees it closes (O(log n), amortised 2 rows) and a signed head.
- A **signed head** signs the text ``monitor-log-head-v1\\n<size>\\n<root hex>\\n<time>\\n``
  with the log's Ed25519 key (services.results.log_key).
- **Proofs** read only the O(log n) stored subtree hashes they need, in one query.
- `verify` (``flask receipts verify``) rebuilds the tree from the entries and compares it
  with every stored head, their signatures and the submitted versions.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from flask import has_request_context
from sqlalchemy.orm import Session

from ...models import (
    EvaluationRevision,
    LogEntry,
    LogHead,
    LogKey,
    LogNode,
    LogState,
    ReportingPeriod,
    utcnow,
)
from . import log_key, merkle, receipt_mail

HEAD_PREFIX = "monitor-log-head-v1"
BATCH = 5000


class LogError(Exception):
    def __init__(self, message: str, status: int = 404):
        super().__init__(message)
        self.message = message
        self.status = status


def receipt_for(content_hash: str, nonce: str) -> str:
    return hashlib.sha256(bytes.fromhex(content_hash) + bytes.fromhex(nonce)).hexdigest()


def head_message(size: int, root: str, timestamp: str) -> bytes:
    return f"{HEAD_PREFIX}\n{size}\n{root}\n{timestamp}\n".encode()


def _stamp(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


# --- appending ------------------------------------------------------------------------------

# Core statements built once (an append runs on every submission): the state row's UPDATE
# locks it until commit and returns the size and frontier before this append.
_STATE = LogState.__table__
_BUMP = (sa.update(_STATE).where(_STATE.c.id == 1).values(size=_STATE.c.size + 1)
         .returning(_STATE.c.size, _STATE.c.frontier))
_FRONTIER = sa.update(_STATE).where(_STATE.c.id == 1).values(
    frontier=sa.bindparam("new_frontier"))
_ENTRY = sa.insert(LogEntry.__table__)
_NODE = sa.insert(LogNode.__table__)
_HEAD = sa.insert(LogHead.__table__)


def _lock(connection: sa.Connection) -> tuple[int, list[bytes]]:
    """Take the log's row and return the size before this append and the frontier."""
    row = connection.execute(_BUMP).first()
    if row is None:  # the first append of a database built without the migration
        try:
            with connection.begin_nested():
                connection.execute(sa.insert(_STATE).values(id=1, size=1, frontier=[]))
            return 0, []
        except sa.exc.IntegrityError:  # a concurrent first append made the row: take it
            row = connection.execute(_BUMP).one()
    size, frontier = row
    return size - 1, [bytes.fromhex(h) for h in frontier or []]


def _append(session: Session, **entry: Any) -> None:
    """Append `entry` and sign the new head."""
    connection = session.connection()
    position, before = _lock(connection)
    leaf = merkle.leaf_hash(bytes.fromhex(entry["receipt"]))
    frontier, created = merkle.append_to_frontier(before, position, leaf)
    now = utcnow().replace(microsecond=0)
    connection.execute(_ENTRY, {"position": position, "created_at": now, "revision_id": None,
                                "content_hash": None, "nonce": None, "period_id": None,
                                **entry})
    connection.execute(_NODE, [{"key": merkle.node_key(lv, p), "hash": h}
                               for lv, p, h in created])
    connection.execute(_FRONTIER, {"new_frontier": [h.hex() for h in frontier]})
    _sign(session, position + 1, merkle.root_from_frontier(frontier).hex(), now)


def _sign(session: Session, size: int, root: str, now: dt.datetime) -> None:
    key = log_key.signing_key(session)
    session.connection().execute(_HEAD, {
        "tree_size": size, "root_hash": root, "timestamp": now, "key_id": key.key_id,
        "signature": key.sign(head_message(size, root, _stamp(now)))})


def record_submission(session: Session, revision: EvaluationRevision) -> str:
    """Append a submitted version's receipt to the log (the submission's one call);
    returns the receipt."""
    nonce = secrets.token_hex(16)
    receipt = receipt_for(revision.content_hash, nonce)
    if has_request_context():  # a submission from the web: the receipt email, its proof
        receipt_mail.queue(session, revision)  # made when it is sent; queued before the lock
    _append(session, kind="revision", receipt=receipt, revision_id=revision.id,
            content_hash=revision.content_hash, nonce=nonce)
    return receipt


def record_unpublication(session: Session, period: ReportingPeriod, snapshot: int | None
                         ) -> str:
    """Unpublishing a period is itself an entry of the log."""
    event = {"event": "unpublished", "plan": period.plan.slug, "period": period.label,
             "snapshot": snapshot, "at": _stamp(utcnow()), "nonce": secrets.token_hex(16)}
    receipt = hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()
    _append(session, kind="unpublished", receipt=receipt, period_id=period.id)
    return receipt


# --- heads and proofs -------------------------------------------------------------------------


def head_dict(head: LogHead | Any) -> dict[str, Any]:
    return {"tree_size": head.tree_size, "root_hash": head.root_hash,
            "timestamp": _stamp(head.timestamp), "key_id": head.key_id,
            "signature": head.signature}


def newest_head(session: Session) -> LogHead | None:
    return session.scalar(sa.select(LogHead).order_by(LogHead.tree_size.desc()).limit(1))


def latest_head(session: Session) -> LogHead | None:
    """The newest signed head; signs one first when the log grew without one (entries
    appended by the migration)."""
    head = newest_head(session)
    state = session.get(LogState, 1)
    if state is not None and state.size and (head is None or head.tree_size < state.size):
        _sign(session, state.size, merkle.root_from_frontier(
            [bytes.fromhex(h) for h in state.frontier]).hex(), utcnow())
        session.flush()
        head = session.get(LogHead, state.size)
    return head


def head_at(session: Session, size: int) -> LogHead:
    head = session.get(LogHead, size)
    if head is None:
        raise LogError(f"No signed head of size {size}.")
    return head


_NODES = sa.select(LogNode.key, LogNode.hash).where(
    LogNode.key.in_(sa.bindparam("keys", expanding=True)))


def _nodes(session: Session, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    wanted = {merkle.node_key(level, position): (level, position) for level, position in keys}
    if not wanted:
        return {}
    rows = session.execute(_NODES, {"keys": sorted(wanted)})
    return {wanted[key]: bytes(h) for key, h in rows}


def _hashes(session: Session, ranges: list[merkle.Range]) -> list[str]:
    nodes = _nodes(session, merkle.nodes_needed(ranges))
    return [h.hex() for h in merkle.ranges_hashes(ranges, lambda lv, p: nodes[(lv, p)])]


def entry_for(session: Session, receipt: str) -> LogEntry | None:
    receipt = (receipt or "").strip().lower()
    return session.scalar(sa.select(LogEntry).where(LogEntry.receipt == receipt)) or \
        session.scalar(sa.select(LogEntry).where(LogEntry.content_hash == receipt))


def inclusion_proof(session: Session, receipt: str) -> dict[str, Any]:
    """The proof that a receipt is in the log: its leaf, the audit path to the newest
    signed head, and that head (RFC 9162 2.1.3)."""
    entry = entry_for(session, receipt)
    head = latest_head(session)
    if entry is None or head is None or entry.position >= head.tree_size:
        raise LogError("No such receipt in the log.")
    path = _hashes(session, merkle.inclusion_ranges(entry.position, head.tree_size))
    return {"type": "inclusion", "receipt": entry.receipt, "leaf_index": entry.position,
            "tree_size": head.tree_size, "audit_path": path, "signed_head": head_dict(head)}


def revision_proof(session: Session, revision_id: int) -> dict[str, Any]:
    entry = session.scalar(sa.select(LogEntry).where(LogEntry.revision_id == revision_id))
    if entry is None:
        raise LogError("This version is not in the log.")
    proof = inclusion_proof(session, entry.receipt)
    if entry.nonce:  # what the NGO needs to tie the receipt to the version it submitted
        proof["content_hash"], proof["nonce"] = entry.content_hash, entry.nonce
    return proof


def consistency_proof(session: Session, first: int, second: int) -> dict[str, Any]:
    """That the head of size `second` extends the head of size `first` (RFC 9162 2.1.4)."""
    if not 0 < first <= second:
        raise LogError("Need 0 < from <= to.", 400)
    older, newer = head_at(session, first), head_at(session, second)
    proof = [] if first == second else _hashes(session, merkle.consistency_ranges(first, second))
    return {"type": "consistency", "from": head_dict(older), "to": head_dict(newer),
            "proof": proof}


def receipt_of(session: Session, revision_id: int) -> str | None:
    return session.scalar(sa.select(LogEntry.receipt).where(LogEntry.revision_id == revision_id))


# --- the nightly check ------------------------------------------------------------------------


@dataclass
class LogReport:
    entries: int = 0
    heads: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _public_keys(session: Session) -> dict[str, Any]:
    return {k.key_id: serialization.load_pem_public_key(k.public_key.encode())
            for k in session.scalars(sa.select(LogKey))}


def verify(session: Session) -> LogReport:
    """Rebuild the tree from the entries, leaf by leaf, and compare it with every stored
    head (root and signature); check that every entry's version still exists with the
    content hash its receipt was made of, and that every submitted version is in the log."""
    report = LogReport()
    # A session of its own: it reads what is stored, and its identity map is cleared after
    # each batch without touching the caller's objects.
    with Session(bind=session.get_bind()) as reader:
        _rebuild(reader, report)
    missing = session.scalar(
        sa.select(sa.func.count()).select_from(EvaluationRevision)
        .outerjoin(LogEntry, LogEntry.revision_id == EvaluationRevision.id)
        .where(LogEntry.position.is_(None)))
    if missing:
        report.problems.append(f"{missing} submitted version(s) are not in the log")
    return report


def _rebuild(reader: Session, report: LogReport) -> None:
    keys = _public_keys(reader)
    frontier: list[bytes] = []
    heads = iter(reader.execute(sa.select(LogHead).order_by(LogHead.tree_size))
                 .scalars().all())
    head = next(heads, None)
    last = -1
    while True:
        rows = reader.execute(
            sa.select(LogEntry, EvaluationRevision.content_hash)
            .outerjoin(EvaluationRevision, EvaluationRevision.id == LogEntry.revision_id)
            .where(LogEntry.position > last).order_by(LogEntry.position).limit(BATCH)).all()
        if not rows:
            break
        for entry, stored_hash in rows:
            if entry.position != last + 1:
                report.problems.append(f"entries {last + 1} to {entry.position - 1} are "
                                       "missing")
            last = entry.position
            _check_entry(entry, stored_hash, report)
            frontier, _ = merkle.append_to_frontier(frontier, report.entries,
                                                    merkle.leaf_hash(bytes.fromhex(entry.receipt)))
            report.entries += 1
            while head is not None and head.tree_size <= report.entries:
                _check_head(head, frontier, report, keys)
                head = next(heads, None)
        reader.expunge_all()
    while head is not None:
        report.problems.append(f"head of size {head.tree_size} is larger than the log "
                               f"({report.entries} entries)")
        head = next(heads, None)


def _check_entry(entry: LogEntry, stored_hash: str | None, report: LogReport) -> None:
    if entry.kind != "revision":
        return
    if stored_hash is None:
        report.problems.append(f"entry {entry.position}: its submitted version is gone")
    elif stored_hash != entry.content_hash:
        report.problems.append(f"entry {entry.position}: its submitted version changed")
    expected = receipt_for(entry.content_hash, entry.nonce) if entry.nonce else entry.content_hash
    if expected != entry.receipt:
        report.problems.append(f"entry {entry.position}: the receipt does not match")


def _check_head(head: LogHead, frontier: list[bytes], report: LogReport,
                keys: dict[str, Any]) -> None:
    report.heads += 1
    if head.tree_size != report.entries:
        return  # a size the rebuilt log skipped (an entry is missing): reported above
    root = merkle.root_from_frontier(frontier).hex()
    if root != head.root_hash:
        report.problems.append(f"head of size {head.tree_size}: the root differs from the "
                               "rebuilt tree")
    key = keys.get(head.key_id)
    try:
        if key is None:
            raise InvalidSignature
        key.verify(bytes.fromhex(head.signature),
                   head_message(head.tree_size, head.root_hash, _stamp(head.timestamp)))
    except (InvalidSignature, ValueError):
        report.problems.append(f"head of size {head.tree_size}: bad signature")


# --- bulk building (the migration's backfill, the benchmark) -------------------------------------


def build_nodes(receipts: list[str]) -> tuple[list[dict[str, Any]], list[bytes]]:
    """Every complete subtree of a log of these receipts, level by level, and the frontier."""
    level = [merkle.leaf_hash(bytes.fromhex(r)) for r in receipts]
    rows: list[dict[str, Any]] = []
    depth = 0
    frontier: list[bytes] = []
    while level:
        rows += [{"key": merkle.node_key(depth, i), "hash": h} for i, h in enumerate(level)]
        if len(level) % 2:
            frontier.append(level[-1])
        level = [merkle.node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        depth += 1
    return rows, list(reversed(frontier))
