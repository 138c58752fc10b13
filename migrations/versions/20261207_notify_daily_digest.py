"""a daily digest of notices, per user

A user may take the per-event notices (an evaluation awaiting approval, returned or asked
about, the government's response, a request to join) as one email a day:
user_account.email_digest, and the notices waiting for it in digest_item.

Revision ID: 7d3a9e5b1c42
Revises: c4f9a1d2e8b7
Create Date: 2026-12-07 15:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7d3a9e5b1c42'
down_revision = 'c4f9a1d2e8b7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_digest', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.create_table(
        'digest_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.Column('subject', sa.String(length=500), nullable=False),
        sa.Column('summary', sa.Text(), nullable=True),
        sa.Column('link', sa.String(length=1000), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('email_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['email_id'], ['outgoing_email.id'],
                                name=op.f('fk_digest_item_email_id_outgoing_email')),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_digest_item_plan_id_plan')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_digest_item_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_item')),
    )
    with op.batch_alter_table('digest_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digest_item_email_id'), ['email_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_digest_item_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('digest_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digest_item_user_id'))
        batch_op.drop_index(batch_op.f('ix_digest_item_email_id'))
    op.drop_table('digest_item')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('email_digest')
