"""choices reopened for one organisation

The coordinator can let one organisation change its file choices after the plan's
deadline, until a date (table choices_reopening, one row per organisation and plan).

Revision ID: 5e1f0c7a9b20
Revises: b7e1c2d3a4f5
Create Date: 2026-12-07 12:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e1f0c7a9b20'
down_revision = '5ec0a7e71a01'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'choices_reopening',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('until', sa.DateTime(), nullable=False),
        sa.Column('reopened_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                                name=op.f('fk_choices_reopening_organization_id_organization')),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'],
                                name=op.f('fk_choices_reopening_plan_id_plan')),
        sa.ForeignKeyConstraint(['reopened_by_id'], ['user_account.id'],
                                name=op.f('fk_choices_reopening_reopened_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_choices_reopening')),
        sa.UniqueConstraint('organization_id', 'plan_id',
                            name=op.f('uq_choices_reopening_organization_id_plan_id')),
    )


def downgrade() -> None:
    op.drop_table('choices_reopening')
