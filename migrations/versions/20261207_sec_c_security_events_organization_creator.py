"""security event counters and the body that created an organisation

security_event: counters of failed sign-ins, throttling, CSRF failures and refused
accesses per kind, governing body and hour (monitor/security_log.py). organization:
created_by_body_id, the body whose coordinator created it, which alone changes it while
no body has invited it; filled for existing organisations from the audit trail (the body
of the coordinator who created it, where the trail names one), NULL otherwise.

Revision ID: 9d3e7a41c6b2
Revises: 7d3e5a1f9c20
Create Date: 2026-12-07 15:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9d3e7a41c6b2'
down_revision = '7d3e5a1f9c20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'security_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('body_id', sa.Integer(), nullable=False),
        sa.Column('hour', sa.DateTime(), nullable=False),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['body_id'], ['governing_body.id'],
                                name=op.f('fk_security_event_body_id_governing_body'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_security_event')),
        sa.UniqueConstraint('kind', 'body_id', 'hour',
                            name=op.f('uq_security_event_kind_body_id_hour')),
    )
    with op.batch_alter_table('security_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_event_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_security_event_hour'), ['hour'], unique=False)
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_body_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_organization_created_by_body_id_governing_body'),
                                    'governing_body', ['created_by_body_id'], ['id'])
    # The creator's body, from the trail: the coordinator who recorded
    # "organization.created" (the web form, or an approved open-call request). Bulk
    # imports recorded no organisation ids: those stay NULL.
    op.execute(sa.text(
        "UPDATE organization SET created_by_body_id = ("
        " SELECT user_account.body_id FROM audit_event"
        " JOIN user_account ON user_account.id = audit_event.actor_id"
        " WHERE audit_event.action = 'organization.created'"
        " AND audit_event.object_type = 'Organization'"
        " AND audit_event.object_id = organization.id"
        " ORDER BY audit_event.id LIMIT 1)"
        " WHERE created_by_body_id IS NULL"))


def downgrade():
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organization_created_by_body_id_governing_body'),
                                 type_='foreignkey')
        batch_op.drop_column('created_by_body_id')
    with op.batch_alter_table('security_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_security_event_hour'))
        batch_op.drop_index(batch_op.f('ix_security_event_body_id'))
    op.drop_table('security_event')
