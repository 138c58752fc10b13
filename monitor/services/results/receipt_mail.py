"""The receipt email: after a submission from the web, the NGO administrator who submitted
gets the version's receipt and its inclusion proof in the transparency log, so that the
organisation holds it even if its access to monitor is closed later. (Imports of
historical data and the demo submit without a request: no email.)"""
from __future__ import annotations

import json

from sqlalchemy.orm import Session

from ...links import external_url
from ...models import Evaluation, EvaluationRevision, User
from .. import mailer


def queue(session: Session, revision: EvaluationRevision, proof: dict) -> None:
    if revision.submitted_by_id is None:
        return
    user = session.get(User, revision.submitted_by_id)
    evaluation = session.get(Evaluation, revision.evaluation_id)
    if user is None or not user.active or evaluation is None:
        return
    mailer.queue(
        session, kind="receipt", to=user.email, template="evaluation_receipt",
        lang=user.language or evaluation.organization.preferred_language,
        plan_id=evaluation.period.plan_id, recommendation=evaluation.recommendation,
        period=evaluation.period, plan=evaluation.period.plan, revision=revision,
        receipt=proof["receipt"], proof=json.dumps(proof, indent=2, sort_keys=True),
        link=external_url("evaluation.edit", evaluation_id=evaluation.id),
        verify_link=external_url("public.index"))
