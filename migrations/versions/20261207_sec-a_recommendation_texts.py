"""recommendation text versions

Every change of a recommendation's text adds a version (recommendation_text), so that an
evaluation keeps the wording it evaluated. Each existing recommendation gets its current
text as version 1.

Revision ID: 5ec0a7e71a01
Revises: b7e1c2d3a4f5
Create Date: 2026-12-07 12:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5ec0a7e71a01'
down_revision = 'd0c5a1b2c3d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recommendation_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text_ar', sa.Text(), nullable=True),
    sa.Column('text_ckb', sa.Text(), nullable=True),
    sa.Column('text_en', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'], name=op.f('fk_recommendation_text_recommendation_id_recommendation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation_text')),
    sa.UniqueConstraint('recommendation_id', 'number', name=op.f('uq_recommendation_text_recommendation_id_number'))
    )
    with op.batch_alter_table('recommendation_text', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_text_recommendation_id'), ['recommendation_id'], unique=False)
    op.execute(
        "INSERT INTO recommendation_text (recommendation_id, number, text_ar, text_ckb, text_en, "
        "created_at) SELECT id, 1, text_ar, text_ckb, text_en, CURRENT_TIMESTAMP "
        "FROM recommendation")


def downgrade():
    with op.batch_alter_table('recommendation_text', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_text_recommendation_id'))
    op.drop_table('recommendation_text')
