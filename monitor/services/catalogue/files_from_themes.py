"""Recommendation files made from themes, in one step, as national plans group them.

A recommendation's *main theme* is the first of its themes: the section of OHCHR's
thematic list it is printed under (``formats.ohchr_matrix`` puts it first). The plan
(`plan_files_from_themes`) lists, per main theme, the file it goes to (an existing file
with that title, in any language, or a new one) and how many recommendations not yet in a
file it would receive; `apply_files_from_themes` creates the files and assigns those
recommendations. Recommendations already in a file stay where they are. Running it again
changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Plan, Recommendation, RecommendationFile
from .keys import LANGS, split_themes
from .records import assign_to_file, create_file
from .upr_formats import normalise_text


@dataclass
class ThemeFile:
    """One line of the plan: `theme` → `file` (None: to be created) with `count` new
    members (recommendation ids in `recommendation_ids`)."""

    theme: str
    file: RecommendationFile | None
    recommendation_ids: list[int]

    @property
    def count(self) -> int:
        return len(self.recommendation_ids)


def plan_files_from_themes(session: Session, plan: Plan) -> list[ThemeFile]:
    """What `apply_files_from_themes` would do, in the order themes first appear."""
    by_title: dict[str, RecommendationFile] = {}
    for rf in session.scalars(sa.select(RecommendationFile).where(
            RecommendationFile.plan_id == plan.id, RecommendationFile.retired_at.is_(None))):
        for lang in LANGS:
            title = normalise_text(getattr(rf, f"title_{lang}"))
            if title:
                by_title.setdefault(title, rf)
    lines: dict[str, ThemeFile] = {}
    recs = session.execute(sa.select(Recommendation.id, Recommendation.themes).where(
        Recommendation.plan_id == plan.id, Recommendation.retired_at.is_(None),
        Recommendation.file_id.is_(None), Recommendation.themes.is_not(None))
        .order_by(Recommendation.sort_key, Recommendation.id)).all()
    for rec_id, themes in recs:
        listed = split_themes(themes)
        if not listed:
            continue
        key = normalise_text(listed[0])
        if key not in lines:
            lines[key] = ThemeFile(listed[0], by_title.get(key), [])
        lines[key].recommendation_ids.append(rec_id)
    return list(lines.values())


def apply_files_from_themes(session: Session, plan: Plan, *,
                            actor_id: int | None = None) -> list[ThemeFile]:
    """Create the files the plan names and assign the recommendations (flush only)."""
    lines = plan_files_from_themes(session, plan)
    position = session.scalar(sa.select(sa.func.max(RecommendationFile.position)).where(
        RecommendationFile.plan_id == plan.id)) or 0
    for line in lines:
        if line.file is None:
            position += 1
            line.file = create_file(session, plan, title_en=line.theme[:300],
                                    position=min(position, 10000), actor_id=actor_id)
        assign_to_file(session, plan, line.recommendation_ids, line.file, actor_id=actor_id)
    return lines
