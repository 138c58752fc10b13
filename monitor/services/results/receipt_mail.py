"""The receipt email: after a submission from the web, the NGO administrator who submitted
gets the version's receipt and its inclusion proof in the transparency log, so that the
organisation holds it even if its access to monitor is closed later. (Imports of
historical data and the demo submit without a request: no email.)

The submission only queues the revision's id (`queue`); the sender renders the email
(`_context`) in the recipient's language when it sends it, with the inclusion proof against
the newest signed head then, so that the request spends nothing on templates or proofs."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from ...links import external_url
from ...models import Evaluation, EvaluationRevision, User
from .. import mailer

TEMPLATE = "evaluation_receipt"


def queue(session: Session, revision: EvaluationRevision) -> None:
    """In the submission's transaction: the submitter and the evaluation are in the
    session already (the request loaded them), so this reads nothing."""
    if revision.submitted_by_id is None:
        return
    user = session.get(User, revision.submitted_by_id)
    evaluation = session.get(Evaluation, revision.evaluation_id)
    if user is None or not user.active or evaluation is None:
        return
    mailer.queue_when_sent(session, kind="receipt", to=user.email, template=TEMPLATE,
                           plan_id=evaluation.period.plan_id,
                           data={"revision": revision.id})


@mailer.rendered_when_sent(TEMPLATE)
def _context(session: Session, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """What the template needs, read when the email is sent."""
    revision = session.get(EvaluationRevision, data["revision"])
    if revision is None:
        raise LookupError(f"evaluation version {data['revision']} does not exist")
    evaluation = revision.evaluation
    user = session.get(User, revision.submitted_by_id)
    lang = (user.language if user else None) or evaluation.organization.preferred_language
    # Imported here: the log queues this email. Emails queued before the proof was made
    # at sending carry theirs.
    from .transparency_log import revision_proof

    proof = data.get("proof") or revision_proof(session, revision.id)
    return lang, {
        "recommendation": evaluation.recommendation, "period": evaluation.period,
        "plan": evaluation.period.plan, "revision": revision, "receipt": proof["receipt"],
        "proof": json.dumps(proof, indent=2, sort_keys=True),
        "link": external_url("evaluation.edit", evaluation_id=evaluation.id),
        "verify_link": external_url("public.index")}
