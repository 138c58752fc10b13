"""server-side sessions and two-step sign-in

server_session: one row per browser session, keyed by the SHA-256 of the id in the
cookie (the id itself is never stored). two_factor, recovery_code, two_factor_reset:
two-step sign-in (TOTP secret, hashed one-time recovery codes, a coordinator's delayed
reset).

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
    op.create_table(
        'two_factor',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret', sa.String(length=64), nullable=False),
        sa.Column('enabled_at', sa.DateTime(), nullable=True),
        sa.Column('last_step', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_two_factor_user_id_user_account')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_two_factor')),
    )
    op.create_table(
        'recovery_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_recovery_code_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)
    op.create_table(
        'two_factor_reset',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('effective_at', sa.DateTime(), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(), nullable=True),
        sa.Column('applied_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'],
                                name=op.f('fk_two_factor_reset_requested_by_id_user_account')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_two_factor_reset_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_two_factor_reset')),
    )
    with op.batch_alter_table('two_factor_reset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_two_factor_reset_user_id'), ['user_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('two_factor_reset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_two_factor_reset_user_id'))
    op.drop_table('two_factor_reset')
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))
    op.drop_table('recovery_code')
    op.drop_table('two_factor')
    with op.batch_alter_table('server_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_server_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_server_session_accessed_at'))
    op.drop_table('server_session')
