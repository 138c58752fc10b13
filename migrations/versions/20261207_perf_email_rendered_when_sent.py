"""emails rendered when sent

An outgoing email may be recorded with the template it is rendered from and the data it
needs (ids, a receipt's proof) instead of its text: the sender renders it, in the
recipient's language, and writes the text into the row before sending it. A submission
then no longer renders its receipt email inside the request.

Revision ID: 7d3e5a1f9c20
Revises: 7d3a9e5b1c42
Create Date: 2026-12-07 15:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7d3e5a1f9c20'
down_revision = '7d3a9e5b1c42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('template_data', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.drop_column('template_data')
        batch_op.drop_column('template')
