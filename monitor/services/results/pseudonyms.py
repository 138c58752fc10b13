"""How the coordinator sees an organisation that chose a pseudonym: the one scheme.

An NGO may choose, per evaluation, to appear to the coordinator under a pseudonym
(`Evaluation.pseudonymous`). The coordinator then never sees its name for that evaluation:

- per recommendation (the drill-down, the evaluations export, a rejoinder on a
  recommendation), pseudonymous evaluations are lettered in the order they were started
  (evaluation id): "Organisation A", "Organisation B"... The letters restart for every
  recommendation and period, so the same NGO cannot be followed from one recommendation
  to another;
- anywhere else (the review of one evaluation, a rejoinder on a file or on the plan, the
  audit trail), a neutral "Pseudonymous organisation".

A stable code per organisation (an HMAC of its id) would let the coordinator link one
NGO's evaluations across recommendations, which is what a pseudonym is meant to prevent.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...models import Evaluation


def letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (spreadsheet column style)."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def lettered(index: int) -> str:
    return _("Organisation %(letter)s", letter=letters(index))


def neutral() -> str:
    return _("Pseudonymous organisation")


def _letter_rows(session: Session, period_id: int, recommendation_ids: Iterable[int] | None
                 ) -> list[tuple[int, int, int]]:
    query = (sa.select(Evaluation.recommendation_id, Evaluation.id, Evaluation.organization_id)
             .where(Evaluation.period_id == period_id, Evaluation.counted == sa.true(),
                    Evaluation.pseudonymous == sa.true())
             .order_by(Evaluation.recommendation_id, Evaluation.id))
    if recommendation_ids is not None:
        query = query.where(Evaluation.recommendation_id.in_(list(recommendation_ids)))
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def by_evaluation(session: Session, period_id: int,
                  recommendation_ids: Iterable[int] | None = None) -> dict[int, str]:
    """``{evaluation_id: "Organisation A"}`` for the pseudonymous counted evaluations of
    the period (of the given recommendations only, when given)."""
    out: dict[int, str] = {}
    counters: dict[int, int] = {}
    for rec_id, evaluation_id, _org in _letter_rows(session, period_id, recommendation_ids):
        index = counters.get(rec_id, 0)
        counters[rec_id] = index + 1
        out[evaluation_id] = lettered(index)
    return out


def by_organization(session: Session, period_id: int, recommendation_id: int
                    ) -> dict[int, str]:
    """``{organization_id: "Organisation A"}`` for one recommendation: the same letters
    as `by_evaluation`."""
    return {org: lettered(index) for index, (_rec, _eid, org) in enumerate(
        _letter_rows(session, period_id, [recommendation_id]))}


def shown_name(name: str, pseudonymous: bool, label: str | None = None) -> str:
    """What the coordinator reads for an organisation: its name, or its pseudonym."""
    if not pseudonymous:
        return name
    return label or neutral()
