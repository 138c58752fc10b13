"""Submission receipts: every submitted evaluation version (`EvaluationRevision`) keeps the
SHA-256 of its content, computed at submission by `services.evaluation.lifecycle` and shown to the
NGO as its receipt. `verify` recomputes it for every stored version, so that a change made
behind the application's back (a raw SQL UPDATE, a restored old backup edited by hand) is
detected."""
from __future__ import annotations

import hmac
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Evaluation, EvaluationRevision
from .lifecycle import content_hash  # the one definition of what a receipt covers

#: Revisions read per query: memory stays flat however many versions are stored.
BATCH = 500


@dataclass(frozen=True)
class Mismatch:
    revision_id: int
    evaluation_id: int
    number: int
    organization_id: int
    stored: str
    computed: str


@dataclass
class VerifyReport:
    checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def verify(session: Session) -> VerifyReport:
    """Recompute the hash of every stored revision; the report lists those that differ."""
    report = VerifyReport()
    last_id = 0
    # A session of its own: it reads what is stored (not objects the caller holds in
    # memory), and its identity map is cleared after each batch.
    with Session(bind=session.get_bind()) as reader:
        while True:
            rows = reader.execute(
                sa.select(EvaluationRevision, Evaluation)
                .join(Evaluation, Evaluation.id == EvaluationRevision.evaluation_id)
                .where(EvaluationRevision.id > last_id)
                .order_by(EvaluationRevision.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            for revision, evaluation in rows:
                report.checked += 1
                computed = content_hash(revision, evaluation)
                if not hmac.compare_digest(computed, revision.content_hash or ""):
                    report.mismatches.append(Mismatch(
                        revision_id=revision.id, evaluation_id=revision.evaluation_id,
                        number=revision.number, organization_id=evaluation.organization_id,
                        stored=revision.content_hash, computed=computed))
            last_id = rows[-1][0].id
            reader.expunge_all()
    return report


def mismatches(session: Session) -> list[Mismatch]:
    """The revisions whose content no longer matches their receipt."""
    return verify(session).mismatches
