"""What a viewer sees, on a recommendation's page, of the earlier-cycle recommendation it
repeats (`services.catalogue.recurrences`): its text, and the evaluations of it that the
viewer may already see on the earlier recommendation's own pages — never more.

The rules are those pages' own, not a copy: the earlier recommendation is shown to whom
`access.in_scope(user, "plan.view", …)` lets see its plan; a coordinator sees what the
drill-down of the earlier recommendation shows (`drill_down.counted_evaluations`: counted
evaluations under the organisation's name or pseudonym), each checked with the review
page's action; an NGO's people see the evaluations `access.in_scope(user,
"evaluation.work", …)` lets them open (their own organisation's)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...access import in_scope, may
from ...models import Evaluation, Recommendation, ReportingPeriod
from ..evaluation import lifecycle
from . import drill_down

#: Far more counted evaluations than one recommendation gets in a period.
_ALL = 100_000


@dataclass
class EarlierEvaluation:
    evaluation: Evaluation
    period: ReportingPeriod
    #: For the coordinator: the organisation's name or its pseudonym; None for the
    #: organisation's own people (their own evaluation).
    name: str | None = None


@dataclass
class EarlierCycle:
    recommendation: Recommendation
    evaluations: list[EarlierEvaluation] = field(default_factory=list)
    #: The viewer reaches the earlier recommendation's drill-down (a coordinator).
    reports: bool = False
    #: For an NGO: the earlier plan's latest period in which the organisation may open the
    #: earlier recommendation's evaluation page (None: it may not).
    evaluation_period: ReportingPeriod | None = None


def for_viewer(session: Session, recommendation: Recommendation, user: Any) -> EarlierCycle | None:
    """The earlier recommendation `recommendation` repeats, as `user` may see it; None when
    there is none or the user may not see it."""
    earlier = recommendation.earlier
    if earlier is None or not in_scope(user, "plan.view", earlier):
        return None
    shown = EarlierCycle(earlier)
    periods = list(earlier.plan.periods)
    if may(user, "reports.view") and in_scope(user, "reports.view", earlier):
        shown.reports = True
        for period in periods:
            page = drill_down.counted_evaluations(session, period.id, earlier.id, page=1,
                                                  per_page=_ALL)
            shown.evaluations += [
                EarlierEvaluation(item.evaluation, period, item.name) for item in page.items
                if in_scope(user, "evaluation.review", item.evaluation)]
    elif may(user, "evaluation.work"):
        by_period = {period.id: period for period in periods}
        for evaluation in session.scalars(sa.select(Evaluation).where(
                Evaluation.recommendation_id == earlier.id,
                Evaluation.organization_id == user.organization_id).order_by(Evaluation.id)):
            if in_scope(user, "evaluation.work", evaluation) and \
                    evaluation.period_id in by_period:
                shown.evaluations.append(
                    EarlierEvaluation(evaluation, by_period[evaluation.period_id]))
        shown.evaluations.sort(key=lambda item: item.period.starts_on)
        if periods:
            try:
                lifecycle.check_scope(session, user.organization_id, earlier, periods[-1])
                shown.evaluation_period = periods[-1]
            except lifecycle.NotFound:
                pass
    return shown
