"""The domain, typed (SQLAlchemy 2).

Text in three languages is stored as three columns per field (`title_ar`, `title_ckb`,
`title_en`): typed, searchable and indexable in SQL, and missing translations are plain
NULLs. `monitor.i18n.localized(obj, "title")` picks the user's language and falls back
visibly. All timestamps are naive UTC (`utcnow()`); pages show them in Asia/Baghdad time.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..config import LANGUAGES  # noqa: F401  (content columns exist per language)
from ..extensions import db


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# --- Catalogue ---------------------------------------------------------------------------


class GoverningBody(db.Model):
    """The government office that owns plans (federal MoJ human rights office, KRG coordinator)."""

    __tablename__ = "governing_body"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_ar: Mapped[str | None] = mapped_column(sa.String(300))
    name_ckb: Mapped[str | None] = mapped_column(sa.String(300))
    name_en: Mapped[str | None] = mapped_column(sa.String(300))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))

    plans: Mapped[list[Plan]] = relationship(back_populates="body", order_by="Plan.id")


PLAN_STATUSES = ("draft", "open", "closed")


class Plan(db.Model):
    """A national (or regional) human-rights plan implementing UPR recommendations."""

    __tablename__ = "plan"
    __table_args__ = (sa.CheckConstraint(_in("status", PLAN_STATUSES), name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("governing_body.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title_ar: Mapped[str | None] = mapped_column(sa.String(300))
    title_ckb: Mapped[str | None] = mapped_column(sa.String(300))
    title_en: Mapped[str | None] = mapped_column(sa.String(300))
    description_ar: Mapped[str | None] = mapped_column(sa.Text)
    description_ckb: Mapped[str | None] = mapped_column(sa.Text)
    description_en: Mapped[str | None] = mapped_column(sa.Text)
    starts_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    #: UPR cycle given to imported recommendations whose file does not say.
    default_cycle: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    body: Mapped[GoverningBody] = relationship(back_populates="plans")
    periods: Mapped[list[ReportingPeriod]] = relationship(
        back_populates="plan", order_by="ReportingPeriod.starts_on"
    )
    files: Mapped[list[RecommendationFile]] = relationship(
        back_populates="plan", order_by="(RecommendationFile.position, RecommendationFile.id)"
    )

    @property
    def is_open(self) -> bool:
        return self.status == "open"


PERIOD_STATUSES = ("open", "closed")


class ReportingPeriod(db.Model):
    """A reporting period of a plan, named by its label (e.g. `2023`) in the CLI and API."""

    __tablename__ = "reporting_period"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "label"),
        sa.CheckConstraint(_in("status", PERIOD_STATUSES), name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id"), index=True)
    label: Mapped[str] = mapped_column(sa.String(40))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    #: Stored in UTC, shown in Asia/Baghdad time.
    deadline: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    #: When set, the period's results are on the public results page.
    published_at: Mapped[dt.datetime | None]

    plan: Mapped[Plan] = relationship(back_populates="periods")

    @property
    def accepts_submissions(self) -> bool:
        return self.status == "open" and self.plan.status == "open"


class RecommendationFile(db.Model):
    """A thematic cluster of recommendations that an NGO may choose to monitor (ملف)."""

    __tablename__ = "recommendation_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id"), index=True)
    title_ar: Mapped[str | None] = mapped_column(sa.String(300))
    title_ckb: Mapped[str | None] = mapped_column(sa.String(300))
    title_en: Mapped[str | None] = mapped_column(sa.String(300))
    description_ar: Mapped[str | None] = mapped_column(sa.Text)
    description_ckb: Mapped[str | None] = mapped_column(sa.Text)
    description_en: Mapped[str | None] = mapped_column(sa.Text)
    position: Mapped[int] = mapped_column(default=0)
    #: Retired files are hidden from new work but kept in history and reports.
    retired_at: Mapped[dt.datetime | None]

    plan: Mapped[Plan] = relationship(back_populates="files")
    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="file", order_by="Recommendation.sort_key"
    )


RESPONSES = ("supported", "noted", "partially_supported")


class Recommendation(db.Model):
    """A UPR recommendation as adopted in one plan (a recommendation used by two plans is a
    row in each)."""

    __tablename__ = "recommendation"
    __table_args__ = (
        # A plan may draw on several reviews: a code is unique per source document (the
        # services also refuse a clash where the document is not given).
        sa.UniqueConstraint("plan_id", "document", "code"),
        sa.CheckConstraint(_in("response", RESPONSES) + " OR response IS NULL", name="response"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id"), index=True)
    file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("recommendation_file.id"), index=True)
    #: UPR paragraph code such as `127.27.1`; UPR Info exports carry none.
    code: Mapped[str | None] = mapped_column(sa.String(40))
    #: Zero-padded code for natural ordering (127.9 before 127.10).
    sort_key: Mapped[str] = mapped_column(sa.String(80), default="", index=True)
    text_ar: Mapped[str | None] = mapped_column(sa.Text)
    text_ckb: Mapped[str | None] = mapped_column(sa.Text)
    text_en: Mapped[str | None] = mapped_column(sa.Text)
    #: The recommending States under the UN's names, in order, "; "-separated.
    recommending_states: Mapped[str | None] = mapped_column(sa.String(500))
    #: Their ISO 3166-1 alpha-2 codes in the same order (null for a State not known), from
    #: which pages name them in Arabic and Sorani (`services.catalogue.states`).
    state_codes: Mapped[list | None] = mapped_column(sa.JSON)
    cycle: Mapped[str | None] = mapped_column(sa.String(20))
    session: Mapped[str | None] = mapped_column(sa.String(20))
    document: Mapped[str | None] = mapped_column(sa.String(60))
    response: Mapped[str | None] = mapped_column(sa.String(20))
    #: Semicolon-separated theme names.
    themes: Mapped[str | None] = mapped_column(sa.String(1000))
    responsible_bodies: Mapped[str | None] = mapped_column(sa.String(1000))
    #: Sustainable Development Goals and affected persons (OHCHR's matrices), "; "-separated.
    sdgs: Mapped[str | None] = mapped_column(sa.String(1000))
    affected_persons: Mapped[str | None] = mapped_column(sa.String(1000))
    #: Normalised English text + recommending State, to match rows of formats without codes.
    match_key: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    retired_at: Mapped[dt.datetime | None]
    #: The recommendation of an earlier UPR cycle this one repeats (same State, same text
    #: key; this plan or another of its body), set by services.catalogue.recurrences.
    earlier_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("recommendation.id", ondelete="SET NULL"), index=True)

    plan: Mapped[Plan] = relationship()
    file: Mapped[RecommendationFile | None] = relationship(back_populates="recommendations")
    earlier: Mapped[Recommendation | None] = relationship(remote_side=[id])


# --- Organisations and people ----------------------------------------------------------

ROLES = ("coordinator", "ngo_admin", "evaluator")


class Organization(db.Model):
    """An NGO. One account across every plan it takes part in."""

    __tablename__ = "organization"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    #: Normalised (NFC, case-folded) contact email; unique.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    registration_number: Mapped[str | None] = mapped_column(sa.String(100))
    governorate: Mapped[str | None] = mapped_column(sa.String(100))
    preferred_language: Mapped[str] = mapped_column(sa.String(5), default="ar")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The body whose coordinator created it (form, import, approved open-call request):
    #: it alone changes the organisation while no body has invited it (monitor.access).
    #: NULL: created before this was kept, or by nobody's body (the demo).
    created_by_body_id: Mapped[int | None] = mapped_column(sa.ForeignKey("governing_body.id"))

    users: Mapped[list[User]] = relationship(back_populates="organization")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint(_in("role", ROLES), name="role"),
        # Coordinators belong to no NGO; NGO users always belong to one.
        sa.CheckConstraint(
            "(role = 'coordinator' AND organization_id IS NULL) OR "
            "(role <> 'coordinator' AND organization_id IS NOT NULL AND body_id IS NULL)",
            name="role_scope",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Normalised (NFC, case-folded).
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20))
    #: For coordinators: the body they work for; NULL oversees all bodies.
    body_id: Mapped[int | None] = mapped_column(sa.ForeignKey("governing_body.id"))
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organization.id"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str | None] = mapped_column(sa.String(5))
    #: Per-event notices gathered in one email a day (`DigestItem`) instead of one each.
    email_digest: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Bumped by a password change, deactivation or "sign out everywhere": ends all sessions.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]

    organization: Mapped[Organization | None] = relationship(back_populates="users")
    body: Mapped[GoverningBody | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        # The session version is part of the id, so old cookies stop matching.
        return f"{self.id}:{self.session_version}"

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"

    @property
    def is_ngo_admin(self) -> bool:
        return self.role == "ngo_admin"


# --- Enrolment -------------------------------------------------------------------------

INVITATION_STATUSES = ("pending", "registered", "declined", "revoked")


class Invitation(db.Model):
    """An organisation invited to a plan. The signed link carries the id and `nonce`;
    a new nonce (resend) or revocation invalidates older links."""

    __tablename__ = "invitation"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "plan_id"),
        sa.CheckConstraint(_in("status", INVITATION_STATUSES), name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    nonce: Mapped[str | None] = mapped_column(sa.String(64))
    expires_at: Mapped[dt.datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[dt.datetime | None]
    responded_at: Mapped[dt.datetime | None]
    #: Reminders queued so far, and when the last one was.
    reminder_count: Mapped[int] = mapped_column(default=0)
    last_reminded_at: Mapped[dt.datetime | None]
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    organization: Mapped[Organization] = relationship()
    plan: Mapped[Plan] = relationship()


class EvaluatorInvitation(db.Model):
    """An NGO administrator's invitation of an evaluator into its own organisation."""

    __tablename__ = "evaluator_invitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    nonce: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    expires_at: Mapped[dt.datetime | None]
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: pending | accepted | revoked
    accepted_at: Mapped[dt.datetime | None]

    organization: Mapped[Organization] = relationship()


FILE_CHOICES = ("monitoring", "declined")


class FileChoice(db.Model):
    """An organisation's choice, per recommendation file, to monitor it or decline it."""

    __tablename__ = "file_choice"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "file_id"),
        sa.CheckConstraint(_in("choice", FILE_CHOICES), name="choice"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendation_file.id"), index=True)
    choice: Mapped[str] = mapped_column(sa.String(12))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    file: Mapped[RecommendationFile] = relationship()


class JoinRequest(db.Model):
    """The open call: an uninvited organisation asks to take part in a plan."""

    __tablename__ = "join_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    email: Mapped[str] = mapped_column(sa.String(254))
    registration_number: Mapped[str | None] = mapped_column(sa.String(100))
    governorate: Mapped[str | None] = mapped_column(sa.String(100))
    preferred_language: Mapped[str] = mapped_column(sa.String(5), default="ar")
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: pending | approved | rejected; who decided and when.
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    plan: Mapped[Plan] = relationship()


#: "cancelled": a queued message superseded before it was sent (e.g. by a resent link).
EMAIL_STATUSES = ("queued", "sent", "failed", "cancelled")


class OutgoingEmail(db.Model):
    """Every email monitor sends, recorded before sending so that a batch can resume
    without repeating itself (the Message-ID is stable across attempts)."""

    __tablename__ = "outgoing_email"
    __table_args__ = (sa.CheckConstraint(_in("status", EMAIL_STATUSES), name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    invitation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invitation.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan.id"), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    reply_to: Mapped[str | None] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(500))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    #: A sender claims a chunk of queued messages until this time, so that two senders
    #: (the CLI and the web, or a double click) never send the same message; a claim
    #: left by a killed process lapses and the message is sent by the next run.
    claimed_until: Mapped[dt.datetime | None]
    claim: Mapped[str | None] = mapped_column(sa.String(32))
    #: Set while the message is still to be rendered by its sender (mailer.queue_when_sent):
    #: the template and what it needs (ids, a receipt's proof); subject and bodies are
    #: empty until then.
    template: Mapped[str | None] = mapped_column(sa.String(80))
    template_data: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


# --- Evaluation ------------------------------------------------------------------------


class Questionnaire(db.Model):
    """A version of a plan's questionnaire, stored as data (see services.evaluation.questionnaire)."""

    __tablename__ = "questionnaire"
    __table_args__ = (sa.UniqueConstraint("plan_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id"), index=True)
    version: Mapped[int]
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


EVALUATION_STATES = ("draft", "awaiting_approval", "submitted", "clarification_requested")
STATUS_SCORES = (0, 25, 50, 75, 100)


class Evaluation(db.Model):
    """One organisation's assessment of one recommendation in one period.

    `answers` is the working copy (draft). `status_score` and `counted` hold the version
    that counts in the results: they are written only by a submission to the coordinator,
    so aggregation is one indexed GROUP BY on this table.
    """

    __tablename__ = "evaluation"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "recommendation_id", "period_id"),
        sa.CheckConstraint(_in("state", EVALUATION_STATES), name="state"),
        sa.CheckConstraint(
            "status_score IS NULL OR status_score IN (0, 25, 50, 75, 100)", name="status_score"
        ),
        # Covering index for aggregation: the comparison's one pass (GROUP BY
        # recommendation_id, status_score for a period's counted rows) reads only this index.
        sa.Index("ix_evaluation_period_counted_rec_score", "period_id", "counted",
                 "recommendation_id", "status_score"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendation.id"), index=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("reporting_period.id"))
    state: Mapped[str] = mapped_column(sa.String(24), default="draft")
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: Optimistic locking: a save based on an older version is refused.
    version: Mapped[int] = mapped_column(default=1)
    #: The counted version: True once submitted to the coordinator, and it stays counted
    #: (independence) while a clarification or revision is under way.
    counted: Mapped[bool] = mapped_column(default=False)
    #: Score of the counted version; NULL for "no information".
    status_score: Mapped[int | None]
    #: Show this organisation to the coordinator under a pseudonym.
    pseudonymous: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    #: The evaluator who last sent it to the NGO administrator (told when it is returned).
    sent_for_approval_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id"))

    __mapper_args__ = {"version_id_col": version}

    organization: Mapped[Organization] = relationship()
    recommendation: Mapped[Recommendation] = relationship()
    period: Mapped[ReportingPeriod] = relationship()
    revisions: Mapped[list[EvaluationRevision]] = relationship(
        back_populates="evaluation", order_by="EvaluationRevision.number"
    )


class EvaluationRevision(db.Model):
    """A version submitted to the coordinator. Never changed once written; the newest
    one counts. `content_hash` is the receipt given to the NGO."""

    __tablename__ = "evaluation_revision"
    __table_args__ = (sa.UniqueConstraint("evaluation_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id"), index=True)
    number: Mapped[int]
    questionnaire_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaire.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status_score: Mapped[int | None]
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    late: Mapped[bool] = mapped_column(default=False)
    content_hash: Mapped[str] = mapped_column(sa.String(64))

    evaluation: Mapped[Evaluation] = relationship(back_populates="revisions")


class EvaluationNote(db.Model):
    """The conversation around an evaluation: a return to the evaluator, a coordinator's
    request for clarification, a reply."""

    __tablename__ = "evaluation_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()


ATTACHMENT_VISIBILITY = ("organization", "coordinator")


class Attachment(db.Model):
    """Evidence for an evaluation. Stored outside the static folder under a random name;
    kept within the organisation unless marked visible to the coordinator."""

    __tablename__ = "attachment"
    __table_args__ = (
        sa.CheckConstraint(_in("visibility", ATTACHMENT_VISIBILITY), name="visibility"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id"), index=True)
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    visibility: Mapped[str] = mapped_column(sa.String(12), default="organization")
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The questionnaire's `file` question this document answers (default: evidence_files).
    question: Mapped[str | None] = mapped_column(sa.String(100))

    evaluation: Mapped[Evaluation] = relationship()


# --- Official progress and results -----------------------------------------------------

MEASURES = ("share_implemented", "mean_score")


class OfficialProgress(db.Model):
    """The government's self-reported progress for a period, at plan level (no file, no
    recommendation), per file, or per recommendation."""

    __tablename__ = "official_progress"
    __table_args__ = (
        sa.UniqueConstraint("period_id", "level_key"),
        sa.CheckConstraint(_in("measure", MEASURES), name="measure"),
        sa.CheckConstraint("value IS NULL OR (value >= 0 AND value <= 100)", name="value_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("reporting_period.id"), index=True)
    file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("recommendation_file.id"))
    recommendation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("recommendation.id"))
    #: "plan", "file:<id>" or "rec:<id>": one entry per level and period.
    level_key: Mapped[str] = mapped_column(sa.String(40))
    measure: Mapped[str] = mapped_column(sa.String(20))
    value: Mapped[float | None]
    #: Per recommendation, a status on the questionnaire's scale where given.
    status_score: Mapped[int | None]
    source: Mapped[str | None] = mapped_column(sa.String(500))
    reported_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    period: Mapped[ReportingPeriod] = relationship()


class ReplyMessage(db.Model):
    """Right of reply on a flagged item: the government's response and NGOs' rejoinders."""

    __tablename__ = "reply_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("reporting_period.id"), index=True)
    level_key: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[str] = mapped_column(sa.String(20))  # response | rejoinder | closed
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: A rejoinder shown to the coordinator under a pseudonym (the organisation's counted
    #: evaluation of the item was pseudonymous when it wrote).
    pseudonymous: Mapped[bool] = mapped_column(default=False)


class AuditEvent(db.Model):
    """Append-only record of state changes; never holds passwords, tokens or links."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"))
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan.id"))
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    request_id: Mapped[str | None] = mapped_column(sa.String(40))
from . import sessions as _sessions  # noqa: E402,F401  (server-side sessions)
from .security_events import SecurityEvent  # noqa: E402,F401
from . import single_line  # noqa: E402,F401  (the guard on single-line text columns)
from . import two_factor as _two_factor  # noqa: E402,F401  (two-step sign-in)
from .recommendation_texts import RecommendationText  # noqa: E402,F401
from .enrolment import ChoicesReopening  # noqa: E402,F401
from .digest import DigestItem  # noqa: E402,F401
from .transparency import (  # noqa: E402,F401
    LogEntry,
    LogHead,
    LogKey,
    LogNode,
    LogState,
    OpenDataSnapshot,
)
