"""The audit trail: one append-only event per state change, written in the caller's
transaction (so an event exists exactly when its change does). Never pass passwords,
tokens or links in `before`/`after`."""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy.orm import Session

from ..models import AuditEvent

#: Set per web request (monitor/__init__.py) so that events carry the request id.
request_id_var: ContextVar[str | None] = ContextVar("monitor_request_id", default=None)

_FORBIDDEN_KEYS = {"password", "password_hash", "token", "nonce", "link", "url"}


def _clean(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: v for k, v in values.items() if k not in _FORBIDDEN_KEYS}


def record(session: Session, action: str, obj: Any = None, *, actor_id: int | None = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           organization_id: int | None = None, plan_id: int | None = None) -> AuditEvent:
    """Add an event for `action` (e.g. "evaluation.submitted") on `obj`."""
    if obj is not None and getattr(obj, "id", None) is None:
        session.flush()  # the object needs its id
    event = AuditEvent(
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        actor_id=actor_id,
        organization_id=organization_id if organization_id is not None
        else getattr(obj, "organization_id", None),
        plan_id=plan_id if plan_id is not None else getattr(obj, "plan_id", None),
        before=_clean(before),
        after=_clean(after),
        request_id=request_id_var.get(),
    )
    session.add(event)
    return event
