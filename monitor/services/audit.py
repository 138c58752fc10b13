"""The audit trail: one append-only event per state change, written in the caller's
transaction (so an event exists exactly when its change does). Never pass passwords,
tokens or links in `before`/`after`."""
from __future__ import annotations

import datetime as dt
import json
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from ..models import (
    Attachment,
    AuditEvent,
    Evaluation,
    Organization,
    Plan,
    ReplyMessage,
    User,
    utcnow,
)
from .results import pseudonyms

#: Set per web request (monitor/__init__.py) so that events carry the request id.
request_id_var: ContextVar[str | None] = ContextVar("monitor_request_id", default=None)

_FORBIDDEN_KEYS = {"password", "password_hash", "token", "nonce", "link", "url"}


def _forbidden(key: str) -> bool:
    words = key.lower().split("_")
    return key.lower() in _FORBIDDEN_KEYS or words[0] in _FORBIDDEN_KEYS or words[-1] in _FORBIDDEN_KEYS


def _clean(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """Drop secrets (`password`, `reset_token`, `invite_link`, ...), also in nested dicts."""
    if values is None:
        return None
    return {k: _clean(v) if isinstance(v, dict) else v
            for k, v in values.items() if not _forbidden(str(k))}


@dataclass(frozen=True)
class Recorded:
    """What `record` wrote (the row itself is append-only)."""

    id: int | None
    action: str
    object_type: str
    object_id: int | None
    actor_id: int | None
    organization_id: int | None
    plan_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    at: dt.datetime


_INSERT = sa.insert(AuditEvent.__table__)


def record(session: Session, action: str, obj: Any = None, *, actor_id: int | None = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           organization_id: int | None = None, plan_id: int | None = None,
           flush: bool = True) -> Recorded:
    """Write an event for `action` (e.g. "evaluation.submitted") on `obj`, in the
    caller's transaction. A plain INSERT rather than an ORM object: every save writes
    one, and the unit of work cost more than the rest of the event. `flush` False: from
    inside a flush (its objects have their ids already)."""
    if flush:
        session.flush()  # the rows the event refers to exist first, `obj` has its id (cheap when clean)
    values = {
        "at": utcnow(),
        "action": action,
        "object_type": type(obj).__name__ if obj is not None else "",
        "object_id": getattr(obj, "id", None),
        "actor_id": actor_id,
        "organization_id": organization_id if organization_id is not None
        else getattr(obj, "organization_id", None),
        "plan_id": plan_id if plan_id is not None else getattr(obj, "plan_id", None),
        "before": _clean(before),
        "after": _clean(after),
        "request_id": request_id_var.get(),
    }
    result = session.execute(_INSERT, values)
    return Recorded(id=result.inserted_primary_key[0], **values)


# --- reading the trail (the coordinator's audit page and its CSV export) -----------------

@dataclass(frozen=True)
class EventFilter:
    """What the coordinator asked for. `start`/`end` are UTC, `end` exclusive."""

    action: str | None = None
    object_type: str | None = None
    organization_id: int | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None


#: An organisation's own work before anything reaches the coordinator: its drafts and
#: their internal approval, its documents, its team. Recorded like every change, but never
#: shown on the coordinator's side: which evaluator saved what, and when, is not the
#: government's to watch (independence), and names its staff (safety). The autosave would
#: otherwise make the trail a live view of their typing.
NGO_INTERNAL_ACTIONS = frozenset({
    "evaluation.created", "evaluation.saved", "evaluation.copied_from_previous",
    "evaluation.sent_for_approval", "evaluation.returned",
    "attachment.uploaded", "attachment.deleted", "attachment.visibility",
    "evaluator.invited", "evaluator.joined", "evaluator.invitation_revoked",
    "user.made_admin", "user.activated", "user.deactivated",
    "two_factor.enabled", "two_factor.disabled", "two_factor.recovery_code_used",
    "two_factor.reset",  # by a colleague; a coordinator's request and its outcome show
})


def _readable(body_id: int | None, organization_id: int | None) -> sa.ColumnElement[bool]:
    """What a reader sees: an organisation's administrator (`organization_id`) every event
    of its own organisation, its internal work included; a coordinator `_in_body`."""
    if organization_id is not None:
        return AuditEvent.organization_id == organization_id
    return _in_body(body_id)


def _in_body(body_id: int | None) -> sa.ColumnElement[bool]:
    """Events a coordinator of `body_id` may read: those of its body's plans (a
    coordinator without body: of every plan, and those of no plan), never an
    organisation's internal work (`NGO_INTERNAL_ACTIONS`)."""
    visible = AuditEvent.action.not_in(NGO_INTERNAL_ACTIONS)
    if body_id is None:
        return visible
    return sa.and_(visible,
                   AuditEvent.plan_id.in_(sa.select(Plan.id).where(Plan.body_id == body_id)))


def pseudonymous_event() -> sa.ColumnElement[bool]:
    """Events about an evaluation its organisation made pseudonymous (the evaluation, its
    documents, its organisation's rejoinders): the coordinator must not learn from the
    trail which organisation they belong to."""
    evaluations = sa.select(Evaluation.id).where(Evaluation.pseudonymous == sa.true())
    attachments = (sa.select(Attachment.id)
                   .join(Evaluation, Evaluation.id == Attachment.evaluation_id)
                   .where(Evaluation.pseudonymous == sa.true()))
    rejoinders = sa.select(ReplyMessage.id).where(ReplyMessage.pseudonymous == sa.true())
    return sa.or_(
        sa.and_(AuditEvent.object_type == "Evaluation", AuditEvent.object_id.in_(evaluations)),
        sa.and_(AuditEvent.object_type == "Attachment", AuditEvent.object_id.in_(attachments)),
        sa.and_(AuditEvent.object_type == "ReplyMessage", AuditEvent.object_id.in_(rejoinders)),
    )


def events_query(criteria: EventFilter, *, body_id: int | None,
                 organization_id: int | None = None) -> sa.Select:
    """Events in scope matching `criteria`, newest first, with the actor's email, the
    organisation's name, the plan's slug and whether the event is masked.

    Masked (`pseudonymous_event`): the organisation's name, the email of an NGO actor and
    the request id (which links it to the other events of the same request) come back as
    None, and filtering by organisation leaves the event out. An organisation reading its
    own events (`organization_id`) sees them unmasked."""
    actor = aliased(User)
    masked = pseudonymous_event() if organization_id is None else sa.false()
    query = (
        sa.select(AuditEvent,
                  sa.case((sa.and_(masked, actor.role != "coordinator"), sa.null()),
                          else_=actor.email),
                  sa.case((masked, sa.null()), else_=Organization.name), Plan.slug,
                  masked.label("masked"))
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(Organization, Organization.id == AuditEvent.organization_id)
        .outerjoin(Plan, Plan.id == AuditEvent.plan_id)
        .where(_readable(body_id, organization_id))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if criteria.action:
        query = query.where(AuditEvent.action == criteria.action)
    if criteria.object_type:
        query = query.where(AuditEvent.object_type == criteria.object_type)
    if criteria.organization_id is not None:
        query = query.where(AuditEvent.organization_id == criteria.organization_id,
                            sa.not_(masked))
    if criteria.start is not None:
        query = query.where(AuditEvent.at >= criteria.start)
    if criteria.end is not None:
        query = query.where(AuditEvent.at < criteria.end)
    return query


def filter_choices(session: Session, *, body_id: int | None,
                   organization_id: int | None = None
                   ) -> tuple[list[str], list[str], list[tuple[int, str]]]:
    """The actions, object types and organisations that occur in the events in scope."""
    scope = _readable(body_id, organization_id)
    actions = list(session.scalars(
        sa.select(AuditEvent.action).where(scope).distinct().order_by(AuditEvent.action)))
    types = list(session.scalars(
        sa.select(AuditEvent.object_type).where(scope, AuditEvent.object_type != "")
        .distinct().order_by(AuditEvent.object_type)))
    organizations = [tuple(row) for row in session.execute(
        sa.select(Organization.id, Organization.name)
        .where(Organization.id.in_(
            sa.select(AuditEvent.organization_id).where(scope, sa.not_(pseudonymous_event())))
        ).order_by(Organization.name, Organization.id))]
    return actions, types, organizations  # type: ignore[return-value]


EXPORT_HEADER = ("id", "at_utc", "request_id", "actor", "action", "object_type", "object_id",
                 "organization", "plan", "before", "after")
#: An export holds at most this many events (narrow the filter for more).
EXPORT_LIMIT = 100_000


def as_json(values: dict[str, Any] | None) -> str:
    if values is None:
        return ""
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)


#: The page shortens longer before/after values (the CSV export has them whole).
SHOWN_CHARS = 300


def shown(value: Any) -> str:
    """One before/after value as the page shows it: text as is, anything else as JSON."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           sort_keys=True, default=str)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def export_rows(session: Session, criteria: EventFilter, *, body_id: int | None,
                organization_id: int | None = None) -> list[tuple[Any, ...]]:
    """The rows of the CSV export, newest first (before/after as JSON text)."""
    rows = session.execute(
        events_query(criteria, body_id=body_id, organization_id=organization_id)
        .limit(EXPORT_LIMIT)
    ).all()
    return [
        (event.id, event.at.isoformat(timespec="seconds"),
         "" if masked else event.request_id or "", actor_email or "", event.action,
         event.object_type, event.object_id,
         pseudonyms.neutral() if masked else organization or "", plan or "",
         as_json(event.before), as_json(event.after))
        for event, actor_email, organization, plan, masked in rows
    ]



@dataclass
class Page:
    items: list[Any]
    number: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_of(session: Session, query: sa.Select, number: int, per_page: int) -> Page:
    """One page of rows of `query`; a page number out of range gives the nearest page."""
    total = session.scalar(sa.select(sa.func.count()).select_from(
        query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    items = session.execute(query.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(items=list(items), number=number, pages=pages, total=total)
