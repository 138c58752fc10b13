"""server-side sessions and two-step sign-in

server_session: one row per browser session, keyed by the SHA-256 of the id in the
cookie (the id itself is never stored).

Revision ID: 5ec0b2a7f1d9
Revises: b7e1c2d3a4f5
Create Date: 2026-12-07 12:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5ec0b2a7f1d9'
down_revision = 'b7e1c2d3a4f5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'server_session',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('accessed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_server_session')),
    )
    with op.batch_alter_table('server_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_server_session_accessed_at'), ['accessed_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_server_session_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('server_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_server_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_server_session_accessed_at'))
    op.drop_table('server_session')
