"""Recommendations that recur across UPR cycles.

A State often makes the same recommendation again at the next review. A recommendation
*repeats* an earlier one when both belong to plans of the same governing body (the same
plan, or another plan of that body: a plan may draw on several cycles), the earlier one's
cycle is lower, they share a recommending State by its ISO 3166 code (a joint
recommendation that one source split by State still shares it), and their English texts
have the same text key (`formats.common.match_text`, which leaves aside what sources
edit). Of several candidates, the most recent cycle wins, then the same plan, then the
oldest record. A recommendation's cycle is its own, else its plan's default cycle; one
without a cycle, a text or a known State is never linked.

`Recommendation.earlier_id` holds the link. Importing recomputes the links of the plan's
governing body; `flask --app monitor catalogue link-recurrences --plan SLUG` does the same
by hand. What a viewer then sees of the earlier recommendation is decided in
`services.results.earlier_cycle`.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Plan, Recommendation
from .. import audit
from .formats.common import match_text


@dataclass
class LinkCounts:
    """Recommendations of the body that repeat an earlier one, and how many links changed."""

    linked: int
    changed: int


def _cycle(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


@dataclass
class _Candidate:
    id: int
    plan_id: int
    cycle: int
    states: frozenset[str]


def earlier_links(session: Session, body_id: int) -> dict[int, int | None]:
    """For every recommendation of the body's plans: the id of the earlier-cycle
    recommendation it repeats, or None."""
    rows = session.execute(
        sa.select(Recommendation.id, Recommendation.plan_id, Recommendation.text_en,
                  Recommendation.state_codes, Recommendation.cycle, Plan.default_cycle)
        .join(Plan, Plan.id == Recommendation.plan_id)
        .where(Plan.body_id == body_id).order_by(Recommendation.id)).all()
    by_text: dict[str, list[_Candidate]] = {}
    links: dict[int, int | None] = {}
    for row in rows:
        links[row.id] = None
        cycle = _cycle(row.cycle) or _cycle(row.default_cycle)
        states = frozenset(code for code in (row.state_codes or []) if code)
        text = match_text(row.text_en)
        if cycle is None or not states or not text:
            continue
        by_text.setdefault(text, []).append(
            _Candidate(row.id, row.plan_id, cycle, states))
    for group in by_text.values():
        if len(group) < 2:
            continue
        for rec in group:
            earlier = [other for other in group
                       if other.cycle < rec.cycle and other.states & rec.states]
            if earlier:
                best = min(earlier, key=lambda other: (
                    -other.cycle, other.plan_id != rec.plan_id, other.id))
                links[rec.id] = best.id
    return links


def link_recurrences(session: Session, plan: Plan, *,
                     actor_id: int | None = None) -> LinkCounts:
    """Set `earlier_id` of every recommendation of the plans of `plan`'s governing body
    as `earlier_links` finds it (a link no longer found is removed). Flushes; the caller
    commits."""
    links = earlier_links(session, plan.body_id)
    stored = dict(session.execute(sa.select(Recommendation.id, Recommendation.earlier_id)
                                  .where(Recommendation.id.in_(list(links)))).all()) \
        if links else {}
    changes = [{"id": rec_id, "earlier_id": earlier}
               for rec_id, earlier in links.items() if stored.get(rec_id) != earlier]
    if changes:
        session.flush()
        session.execute(sa.update(Recommendation), changes)
        session.expire_all()  # loaded recommendations read the new links
        audit.record(session, "catalogue.recurrences_linked", plan, actor_id=actor_id,
                     plan_id=plan.id, after={"changed": len(changes),
                            "linked": sum(1 for v in links.values() if v)})
    session.flush()
    return LinkCounts(linked=sum(1 for v in links.values() if v), changed=len(changes))
