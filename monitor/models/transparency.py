"""The transparency log of receipts and the open datasets of published periods.

The log (services.results.transparency_log) is an append-only Merkle tree (RFC 9162):
one `LogEntry` per submitted evaluation version (and per unpublication of a period), the
hash of every complete subtree in `LogNode`, the tree's size and frontier in the single
`LogState` row that an append locks, and the signed tree heads in `LogHead`.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import utcnow

LOG_ENTRY_KINDS = ("revision", "unpublished")


class LogState(db.Model):
    """The log's one row (id 1): locked by every append, so appends are serialised."""

    __tablename__ = "log_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: Hex roots of the complete subtrees the size decomposes into, largest first.
    frontier: Mapped[list[str]] = mapped_column(sa.JSON, default=list)


class LogEntry(db.Model):
    """Leaf number `position` of the tree: its data is the 32 bytes of `receipt`."""

    __tablename__ = "log_entry"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('revision', 'unpublished')", name="kind"),
    )
    position: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True,
                                          autoincrement=False)
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: The receipt hash given to the NGO (hex SHA-256): the leaf's data.
    receipt: Mapped[str] = mapped_column(sa.String(64), unique=True)
    revision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("evaluation_revision.id"), unique=True)
    #: The version's content hash and the 128 random bits the receipt adds to it (hex);
    #: no nonce for versions submitted before the log existed (their receipt is the
    #: content hash itself).
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    nonce: Mapped[str | None] = mapped_column(sa.String(32))
    #: For an unpublication: the period.
    period_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reporting_period.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LogNode(db.Model):
    """The hash of the complete subtree at (level, position), covering leaves
    [position * 2**level, (position + 1) * 2**level). One integer key, level << 48 |
    position (services.results.merkle.node_key), so that a proof reads its nodes with one
    cached `key IN (...)`."""

    __tablename__ = "log_node"
    key: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))


class LogHead(db.Model):
    """A signed tree head: size, root, time, signed with the log key `key_id`."""

    __tablename__ = "log_head"
    tree_size: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True,
                                           autoincrement=False)
    root_hash: Mapped[str] = mapped_column(sa.String(64))
    timestamp: Mapped[dt.datetime]
    key_id: Mapped[str] = mapped_column(sa.String(64))
    signature: Mapped[str] = mapped_column(sa.String(128))


class LogKey(db.Model):
    """Every public key that ever signed a head (rotation keeps the old ones)."""

    __tablename__ = "log_key"
    key_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    public_key: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OpenDataSnapshot(db.Model):
    """The open dataset of one publication of a period, fixed at publication and kept
    when the period is unpublished: numbered 1, 2, ... per period."""

    __tablename__ = "open_data_snapshot"
    __table_args__ = (sa.UniqueConstraint("period_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("reporting_period.id"), index=True)
    number: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The package as a zip (datapackage.json, CSVs, verify.py, log head and key).
    package: Mapped[bytes] = mapped_column(sa.LargeBinary)
