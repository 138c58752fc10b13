"""real UPR documents: several States with their codes, partial support, SDGs and
affected persons, codes unique per source document, a plan's default cycle

Recommendation.state_codes holds the ISO 3166 codes of the recommending States (in the
order of recommending_states); response may be "partially_supported" (the column widens
to 20 characters); sdgs and affected_persons come from OHCHR's matrices; a code is unique
per plan and source document (a plan may draw on several cycles); Plan.default_cycle is the
cycle given to imports that do not say. The stored match keys are recomputed with the
key that reads States by their codes and texts leaving aside the edits sources make.

Revision ID: d0c5a1b2c3d4
Revises: b7e1c2d3a4f5
Create Date: 2026-12-07 12:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'd0c5a1b2c3d4'
down_revision = '5ec0b2a7f1d9'
branch_labels = None
depends_on = None

recommendation = sa.table(
    "recommendation",
    sa.column("id", sa.Integer),
    sa.column("text_en", sa.Text),
    sa.column("recommending_states", sa.Text),
    sa.column("state_codes", sa.JSON),
    sa.column("match_key", sa.String(64)),
)


def _rows():
    connection = op.get_bind()
    return connection, connection.execute(sa.select(
        recommendation.c.id, recommendation.c.text_en,
        recommendation.c.recommending_states)).all()


def _foreign_keys(on: bool) -> None:
    # SQLite's batch mode drops and recreates a table that other tables refer to: the
    # check is off meanwhile (DDL here runs outside a transaction, where the pragma works).
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def upgrade():
    _foreign_keys(False)
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_cycle', sa.String(length=20), nullable=True))
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state_codes', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('sdgs', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('affected_persons', sa.String(length=1000), nullable=True))
        batch_op.alter_column('response', existing_type=sa.String(length=10),
                              type_=sa.String(length=20), existing_nullable=True)
        batch_op.drop_constraint(op.f('ck_recommendation_response'), type_='check')
        batch_op.create_check_constraint(
            'response',
            "response IN ('supported', 'noted', 'partially_supported') OR response IS NULL")
        batch_op.drop_constraint(op.f('uq_recommendation_plan_id_code'), type_='unique')
        batch_op.create_unique_constraint(op.f('uq_recommendation_plan_id_document_code'),
                                          ['plan_id', 'document', 'code'])
    _foreign_keys(True)
    # The application's own functions: this migration exists to apply them to stored rows.
    from monitor.services.catalogue.keys import compute_match_key
    from monitor.services.catalogue.states import code_of, split_names

    connection, rows = _rows()
    for row in rows:
        codes = [code_of(name) for name in split_names(row.recommending_states)]
        connection.execute(recommendation.update().where(recommendation.c.id == row.id).values(
            state_codes=codes or None,
            match_key=compute_match_key(row.text_en, row.recommending_states)))


def downgrade():
    # The key as the previous revision computed it (normalised text with quotation marks
    # and the punctuation the sources disagree on left aside, States under the UN's name).
    import hashlib

    from monitor.services.catalogue.upr_formats import STATE_ALIASES, normalise_text

    def old_key(text_en, states):  # noqa: ANN001, ANN202
        if not text_en:
            return None
        text = " ".join(normalise_text(text_en).translate(
            str.maketrans({'"': None, ";": ",", "_": "-"})).split())
        parts = [normalise_text(part) for part in (states or "").split(";")]
        state = "; ".join(STATE_ALIASES.get(part, part) for part in parts if part)
        return hashlib.sha256(f"{text}|{state}".encode("utf-8")).hexdigest()

    connection, rows = _rows()
    for row in rows:
        connection.execute(recommendation.update().where(recommendation.c.id == row.id)
                           .values(match_key=old_key(row.text_en, row.recommending_states)))
    connection.execute(sa.text(
        "UPDATE recommendation SET response = NULL WHERE response = 'partially_supported'"))
    _foreign_keys(False)
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_recommendation_plan_id_document_code'), type_='unique')
        batch_op.create_unique_constraint(op.f('uq_recommendation_plan_id_code'), ['plan_id', 'code'])
        batch_op.drop_constraint(op.f('ck_recommendation_response'), type_='check')
        batch_op.create_check_constraint(
            'response', "response IN ('supported', 'noted') OR response IS NULL")
        batch_op.alter_column('response', existing_type=sa.String(length=20),
                              type_=sa.String(length=10), existing_nullable=True)
        batch_op.drop_column('affected_persons')
        batch_op.drop_column('sdgs')
        batch_op.drop_column('state_codes')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('default_cycle')
    _foreign_keys(True)
