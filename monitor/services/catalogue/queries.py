"""Reading the catalogue: the coordinator's filtered list, the themes and States in use,
files and their counts, missing translations. Read only."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import RESPONSES, Plan, Recommendation, RecommendationFile
from .keys import LANGS, split_themes
from .states import split_names


@dataclass
class RecommendationFilter:
    """What the coordinator's list shows: every criterion optional."""

    theme: str | None = None
    state: str | None = None
    #: "supported", "noted" or "unknown" (no response recorded)
    response: str | None = None
    words: str | None = None
    #: None: any; "none": not yet in a file; otherwise a file id
    file: int | str | None = None
    #: "active", "retired" or "all"
    status: str = "active"


def filter_recommendations(plan: Plan, criteria: RecommendationFilter | None = None
                           ) -> sa.Select[tuple[Recommendation]]:
    """The plan's recommendations matching `criteria`, in natural code order."""
    c = criteria or RecommendationFilter()
    query = sa.select(Recommendation).where(Recommendation.plan_id == plan.id)
    if c.status == "retired":
        query = query.where(Recommendation.retired_at.is_not(None))
    elif c.status != "all":
        query = query.where(Recommendation.retired_at.is_(None))
    if c.theme:
        query = query.where(_list_contains(Recommendation.themes, c.theme))
    if c.state:
        query = query.where(_list_contains(Recommendation.recommending_states, c.state))
    if c.response == "unknown":
        query = query.where(Recommendation.response.is_(None))
    elif c.response in RESPONSES:
        query = query.where(Recommendation.response == c.response)
    for word in (c.words or "").split()[:10]:
        query = query.where(sa.or_(
            Recommendation.text_en.icontains(word, autoescape=True),
            Recommendation.text_ar.contains(word, autoescape=True),
            Recommendation.text_ckb.contains(word, autoescape=True),
            Recommendation.code == word,
        ))
    if c.file == "none":
        query = query.where(Recommendation.file_id.is_(None))
    elif isinstance(c.file, int):
        query = query.where(Recommendation.file_id == c.file)
    return query.order_by(Recommendation.sort_key, Recommendation.id)


def _list_contains(column: Any, value: str) -> sa.ColumnElement[bool]:
    """`value` is one item (whatever its case) of a list column separated by "; " or ", "
    (themes; joint recommending States), or the whole value."""

    def items(expr: Any) -> Any:
        return sa.func.replace(sa.func.replace(expr, "; ", ","), ", ", ",")

    padded = sa.literal(",") + items(sa.func.lower(sa.func.coalesce(column, ""))) + \
        sa.literal(",")
    needle = "," + " ".join(value.split()).lower().replace("; ", ",").replace(", ", ",") + ","
    return padded.contains(needle, autoescape=True)


def plan_themes(session: Session, plan: Plan) -> list[str]:
    """Every theme used in the plan, sorted."""
    values = session.scalars(sa.select(Recommendation.themes).distinct().where(
        Recommendation.plan_id == plan.id, Recommendation.themes.is_not(None))).all()
    themes = {theme.casefold(): theme for value in values for theme in split_themes(value)}
    return sorted(themes.values(), key=str.casefold)


def plan_states(session: Session, plan: Plan) -> list[str]:
    """Every recommending State in the plan (each State of a joint recommendation on its
    own), sorted."""
    values = session.scalars(sa.select(Recommendation.recommending_states).distinct().where(
        Recommendation.plan_id == plan.id,
        Recommendation.recommending_states.is_not(None))).all()
    return sorted({name for value in values for name in split_names(value)}, key=str.casefold)


def ids_with_response(session: Session, plan: Plan, response: str) -> set[int]:
    """Ids of the plan's recommendations with this response ("unknown": none recorded)."""
    query = sa.select(Recommendation.id).where(Recommendation.plan_id == plan.id)
    if response == "unknown":
        query = query.where(Recommendation.response.is_(None))
    else:
        query = query.where(Recommendation.response == response)
    return set(session.scalars(query))


def active_files(plan: Plan) -> list[RecommendationFile]:
    """The plan's files in use (not retired)."""
    return [f for f in plan.files if f.retired_at is None]


def file_counts(session: Session, plan: Plan) -> dict[int | None, int]:
    """Recommendations in use per file id (None: not in a file)."""
    return dict(session.execute(
        sa.select(Recommendation.file_id, sa.func.count()).where(
            Recommendation.plan_id == plan.id, Recommendation.retired_at.is_(None))
        .group_by(Recommendation.file_id)).all())


def missing_translations(session: Session, plan: Plan) -> dict[str, int]:
    """How many recommendations in use lack a text in each language."""
    out = {}
    for lang in LANGS:
        column = getattr(Recommendation, f"text_{lang}")
        out[lang] = session.scalar(sa.select(sa.func.count()).where(
            Recommendation.plan_id == plan.id, Recommendation.retired_at.is_(None),
            sa.or_(column.is_(None), column == "")))
    return out
