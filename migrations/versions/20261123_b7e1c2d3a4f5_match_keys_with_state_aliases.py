"""match keys with State aliases

Recommendation.match_key now names the recommending State under the UN's name
("United States" and "United States of America" give one key) and leaves aside the
punctuation the sources disagree on (quotation marks; ";" for ","; "_" for "-"), so that a
recommendation imported from UPR Info's export matches the same one imported from the UN's
report. The stored keys are recomputed; the schema does not change.

Revision ID: b7e1c2d3a4f5
Revises: fd11bc874807
Create Date: 2026-11-23 18:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7e1c2d3a4f5'
down_revision = 'fd11bc874807'
branch_labels = None
depends_on = None

recommendation = sa.table(
    "recommendation",
    sa.column("id", sa.Integer),
    sa.column("text_en", sa.Text),
    sa.column("recommending_states", sa.Text),
    sa.column("match_key", sa.String(64)),
)


def _recompute(key) -> None:  # noqa: ANN001
    connection = op.get_bind()
    rows = connection.execute(sa.select(recommendation.c.id, recommendation.c.text_en,
                                        recommendation.c.recommending_states)).all()
    for row in rows:
        connection.execute(recommendation.update().where(recommendation.c.id == row.id)
                           .values(match_key=key(row.text_en, row.recommending_states)))


def upgrade():
    # The application's own function: this migration exists to apply it to stored rows.
    from monitor.services.catalogue.records import compute_match_key

    _recompute(compute_match_key)


def downgrade():
    # The key as it was before State aliases: normalised text and State, as written.
    import hashlib

    from monitor.services.catalogue.upr_formats import normalise_text

    def old_key(text_en, recommending_state):  # noqa: ANN001, ANN202
        if not text_en:
            return None
        raw = normalise_text(text_en) + "|" + normalise_text(recommending_state)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    _recompute(old_key)
