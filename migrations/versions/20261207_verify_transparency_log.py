"""transparency log and open datasets

The log of receipts (an RFC 9162 Merkle tree: entries, complete subtrees, its one state
row, signed heads, the keys that signed them) and the numbered open-dataset snapshots of
published periods. The submitted versions that exist already are appended in the order
they were submitted, their content hash as receipt (they were given no random bits); the
first head is signed by the application when it first needs one.

Revision ID: c4f9a1d2e8b7
Revises: b7e1c2d3a4f5
Create Date: 2026-12-07 12:30:00

"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4f9a1d2e8b7'
down_revision = '5e1f0c7a9b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('log_head',
    sa.Column('tree_size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('root_hash', sa.String(length=64), nullable=False),
    sa.Column('timestamp', sa.DateTime(), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('tree_size', name=op.f('pk_log_head'))
    )
    op.create_table('log_key',
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('public_key', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_log_key'))
    )
    op.create_table('log_node',
    sa.Column('key', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_log_node'))
    )
    op.create_table('log_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('frontier', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_state'))
    )
    op.create_table('log_entry',
    sa.Column('position', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('receipt', sa.String(length=64), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('nonce', sa.String(length=32), nullable=True),
    sa.Column('period_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('revision', 'unpublished')", name=op.f('ck_log_entry_kind')),
    sa.ForeignKeyConstraint(['period_id'], ['reporting_period.id'], name=op.f('fk_log_entry_period_id_reporting_period')),
    sa.ForeignKeyConstraint(['revision_id'], ['evaluation_revision.id'], name=op.f('fk_log_entry_revision_id_evaluation_revision')),
    sa.PrimaryKeyConstraint('position', name=op.f('pk_log_entry')),
    sa.UniqueConstraint('receipt', name=op.f('uq_log_entry_receipt')),
    sa.UniqueConstraint('revision_id', name=op.f('uq_log_entry_revision_id'))
    )
    op.create_table('open_data_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('package', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['reporting_period.id'], name=op.f('fk_open_data_snapshot_period_id_reporting_period')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_data_snapshot')),
    sa.UniqueConstraint('period_id', 'number', name=op.f('uq_open_data_snapshot_period_id_number'))
    )
    with op.batch_alter_table('open_data_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_data_snapshot_period_id'), ['period_id'], unique=False)
    _append_existing_revisions()


def _append_existing_revisions() -> None:
    # The application's own tree builder: the stored nodes must be exactly those it appends.
    from monitor.services.results.transparency_log import build_nodes

    connection = op.get_bind()
    revisions = connection.execute(sa.text(
        "SELECT id, content_hash FROM evaluation_revision ORDER BY submitted_at, id")).all()
    receipts = [row.content_hash for row in revisions]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    entry = sa.table("log_entry", sa.column("position"), sa.column("kind"),
                     sa.column("receipt"), sa.column("revision_id"),
                     sa.column("content_hash"), sa.column("created_at"))
    node = sa.table("log_node", sa.column("key"), sa.column("hash", sa.LargeBinary))
    state = sa.table("log_state", sa.column("id"), sa.column("size"),
                     sa.column("frontier", sa.JSON))
    if revisions:
        connection.execute(entry.insert(), [
            {"position": i, "kind": "revision", "receipt": row.content_hash,
             "revision_id": row.id, "content_hash": row.content_hash, "created_at": now}
            for i, row in enumerate(revisions)])
    nodes, frontier = build_nodes(receipts)
    if nodes:
        connection.execute(node.insert(), nodes)
    connection.execute(state.insert(), [{"id": 1, "size": len(receipts),
                                         "frontier": [h.hex() for h in frontier]}])


def downgrade():
    with op.batch_alter_table('open_data_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_data_snapshot_period_id'))

    op.drop_table('open_data_snapshot')
    op.drop_table('log_entry')
    op.drop_table('log_state')
    op.drop_table('log_node')
    op.drop_table('log_key')
    op.drop_table('log_head')
