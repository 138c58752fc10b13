"""The invitations funnel of a plan: invited, sent, opened, registered or declined, and which
recommendation files organisations chose to monitor (and which nobody monitors)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import (
    FileChoice,
    Invitation,
    Organization,
    OutgoingEmail,
    Plan,
    RecommendationFile,
)
from ..catalogue.records import active_files


@dataclass
class FileUptake:
    file: RecommendationFile
    monitoring: int
    declined: int


@dataclass
class Funnel:
    invited: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0
    opened: int = 0
    registered: int = 0
    declined: int = 0
    pending: int = 0
    revoked: int = 0
    failures: list[tuple[Organization, str]] = field(default_factory=list)
    declines: list[tuple[Organization, str | None, dt.datetime | None]] = field(
        default_factory=list)
    files: list[FileUptake] = field(default_factory=list)

    @property
    def unmonitored(self) -> list[RecommendationFile]:
        return [f.file for f in self.files if f.monitoring == 0]


def latest_email_status() -> sa.Subquery:
    """Per invitation: status and error of its most recent invitation email."""
    latest = (sa.select(sa.func.max(OutgoingEmail.id).label("id"))
              .where(OutgoingEmail.kind == "invitation", OutgoingEmail.invitation_id.is_not(None),
                     OutgoingEmail.status != "cancelled")
              .group_by(OutgoingEmail.invitation_id)).subquery()
    return (sa.select(OutgoingEmail.invitation_id, OutgoingEmail.status,
                      OutgoingEmail.last_error, OutgoingEmail.sent_at)
            .join(latest, latest.c.id == OutgoingEmail.id)).subquery()


def funnel(session: Session, plan: Plan, *, list_limit: int = 100) -> Funnel:
    result = Funnel()
    statuses = dict(session.execute(
        sa.select(Invitation.status, sa.func.count()).where(Invitation.plan_id == plan.id)
        .group_by(Invitation.status)).all())
    result.pending = statuses.get("pending", 0)
    result.registered = statuses.get("registered", 0)
    result.declined = statuses.get("declined", 0)
    result.revoked = statuses.get("revoked", 0)
    result.invited = result.pending + result.registered + result.declined
    active = sa.and_(Invitation.plan_id == plan.id, Invitation.status != "revoked")
    result.opened = session.scalar(sa.select(sa.func.count()).select_from(Invitation).where(
        active, Invitation.opened_at.is_not(None))) or 0
    mail = latest_email_status()
    emails = dict(session.execute(
        sa.select(mail.c.status, sa.func.count()).select_from(Invitation)
        .join(mail, mail.c.invitation_id == Invitation.id).where(active)
        .group_by(mail.c.status)).all())
    result.queued, result.sent, result.failed = (emails.get(s, 0) for s in
                                                 ("queued", "sent", "failed"))
    # Opened or answered with no email of ours (a link passed on by hand, or a history
    # recorded before monitor): it reached the organisation all the same.
    result.sent += session.scalar(
        sa.select(sa.func.count()).select_from(Invitation)
        .outerjoin(mail, mail.c.invitation_id == Invitation.id)
        .where(active, mail.c.invitation_id.is_(None),
               sa.or_(Invitation.opened_at.is_not(None),
                      Invitation.status.in_(("registered", "declined"))))) or 0
    result.failures = [(org, error or "") for org, error in session.execute(
        sa.select(Organization, mail.c.last_error).select_from(Invitation)
        .join(mail, mail.c.invitation_id == Invitation.id)
        .join(Organization, Organization.id == Invitation.organization_id)
        .where(active, mail.c.status == "failed").order_by(Organization.name)
        .limit(list_limit)).all()]
    result.declines = [tuple(row) for row in session.execute(
        sa.select(Organization, Invitation.decline_reason, Invitation.responded_at)
        .join(Invitation, Invitation.organization_id == Organization.id)
        .where(Invitation.plan_id == plan.id, Invitation.status == "declined")
        .order_by(Invitation.responded_at.desc()).limit(list_limit)).all()]

    counts: dict[tuple[int, str], int] = {
        (file_id, choice): n for file_id, choice, n in session.execute(
            sa.select(FileChoice.file_id, FileChoice.choice, sa.func.count())
            .join(RecommendationFile, RecommendationFile.id == FileChoice.file_id)
            .join(Invitation, sa.and_(Invitation.organization_id == FileChoice.organization_id,
                                      Invitation.plan_id == RecommendationFile.plan_id))
            .where(RecommendationFile.plan_id == plan.id, Invitation.status == "registered")
            .group_by(FileChoice.file_id, FileChoice.choice)).all()
    }
    result.files = [FileUptake(f, counts.get((f.id, "monitoring"), 0),
                               counts.get((f.id, "declined"), 0))
                    for f in active_files(plan)]
    return result
