"""a recommendation repeated from an earlier UPR cycle

Recommendation.earlier_id names the recommendation of an earlier cycle that this one
repeats (same recommending State, same text key; this plan or another plan of the same
governing body), set at import by services.catalogue.recurrences and recomputed by
`flask --app monitor catalogue link-recurrences --plan SLUG`.

Revision ID: 7a3d5e9c1b42
Revises: 9d3e7a41c6b2
Create Date: 2026-12-07 15:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '7a3d5e9c1b42'
down_revision = '9d3e7a41c6b2'
branch_labels = None
depends_on = None


def _foreign_keys(on: bool) -> None:
    # SQLite's batch mode recreates the table that other tables refer to: the check is off
    # meanwhile (as in 20261207_docs_upr_documents.py).
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def upgrade():
    _foreign_keys(False)
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('earlier_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_recommendation_earlier_id'), ['earlier_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_recommendation_earlier_id_recommendation'),
                                    'recommendation', ['earlier_id'], ['id'],
                                    ondelete='SET NULL')
    _foreign_keys(True)


def downgrade():
    _foreign_keys(False)
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_recommendation_earlier_id_recommendation'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_recommendation_earlier_id'))
        batch_op.drop_column('earlier_id')
    _foreign_keys(True)
