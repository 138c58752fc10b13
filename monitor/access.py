"""Who may do what, on whose objects: the one place that answers it.

`RULES` maps an action to the roles that may perform it and the scope of objects each
role reaches:

- ``any``      every object of that kind;
- ``body``     objects of plans owned by the coordinator's governing body (a coordinator
               with no body oversees all bodies);
- ``org``      objects of the user's own organisation;
- ``enrolled`` objects of plans the user's organisation has registered for;
- ``owning_body`` organisations of the coordinator's body: those it invited (or whose
               open-call request it approved), and those no body has invited yet. A
               coordinator with no body has none: every such route answers 403.

Every route declares its action with `@requires(action)`; objects are then checked with
`ensure(action, obj)`. A role outside the rule gets 403; an object outside the scope gets
404, so that nobody learns that another organisation's object exists.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user

from . import security_log
from . import models as m
from .extensions import db, login_manager

PUBLIC = "public"
SIGNED_IN = "signed_in"

RULES: dict[str, dict[str, str]] = {
    # Catalogue: plans, periods, files, recommendations.
    "plan.view": {"coordinator": "body", "ngo_admin": "enrolled", "evaluator": "enrolled"},
    "catalogue.manage": {"coordinator": "body"},
    "plan.create": {"coordinator": "any"},
    # Organisations and invitations. Every coordinator reads the directory; only the
    # bodies an organisation belongs to change it (its email decides who gets its links).
    "organizations.view": {"coordinator": "any"},
    "organizations.manage": {"coordinator": "owning_body"},
    "invitations.manage": {"coordinator": "body"},
    # An NGO's own enrolment: files it monitors, its evaluators.
    "enrolment.manage": {"ngo_admin": "org"},
    "enrolment.view": {"ngo_admin": "org", "evaluator": "org"},
    # Evaluations.
    "evaluation.work": {"ngo_admin": "org", "evaluator": "org"},
    "evaluation.approve": {"ngo_admin": "org"},
    "evaluation.review": {"coordinator": "body"},
    "attachment.download": {"coordinator": "body", "ngo_admin": "org", "evaluator": "org"},
    "questionnaire.manage": {"coordinator": "body"},
    "questionnaire.view": {"coordinator": "body", "ngo_admin": "enrolled", "evaluator": "enrolled"},
    # Results.
    "official.manage": {"coordinator": "body"},
    "reports.view": {"coordinator": "body"},
    "reports.export": {"coordinator": "body"},
    "reports.publish": {"coordinator": "body"},
    "results.ngo": {"ngo_admin": "enrolled", "evaluator": "enrolled"},
    "reply.respond": {"coordinator": "body"},
    "reply.rejoin": {"ngo_admin": "org"},
    "api.read": {"coordinator": "body"},
    "audit.view": {"coordinator": "body", "ngo_admin": "org"},  # scoped in services.audit
    # A coordinator's delayed reset of a single NGO administrator's second factor: scoped
    # in services.accounts.two_factor.coordinator_reaches (organisations its own body invited).
    "two_factor.reset_request": {"coordinator": "any"},
    # Any signed-in user: their home page, language, password.
    SIGNED_IN: {"coordinator": "any", "ngo_admin": "any", "evaluator": "any"},
}

#: Scopes that need the coordinator to belong to a governing body.
BODY_SCOPES = {"owning_body"}

F = TypeVar("F", bound=Callable[..., Any])


def roles_for(action: str) -> set[str]:
    return set(RULES[action])


def may(user: Any, action: str) -> bool:
    """Role-level answer: may this user perform the action on some object?"""
    if action == PUBLIC:
        return True
    if not (user and user.is_authenticated and user.role in RULES[action]):
        return False
    return RULES[action][user.role] not in BODY_SCOPES or user.body_id is not None


def requires(action: str) -> Callable[[F], F]:
    """Declare a route's action; refuse other roles before the view runs."""
    if action != PUBLIC and action not in RULES:
        raise KeyError(f"unknown action {action!r}: add it to access.RULES")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if action != PUBLIC:
                if not current_user.is_authenticated:
                    if request.path.startswith("/api/"):
                        abort(401)  # JSON, never a redirect to the sign-in page
                    return login_manager.unauthorized()
                if not may(current_user, action):
                    security_log.event("access.refused", action=action, status=403)
                    abort(403)
            return view(*args, **kwargs)

        wrapped.access_action = action  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


# --- object scope ------------------------------------------------------------------------


def _plan_of(obj: Any) -> m.Plan | None:
    if isinstance(obj, m.Plan):
        return obj
    if isinstance(obj, (m.ReportingPeriod, m.RecommendationFile, m.Recommendation, m.Invitation,
                        m.JoinRequest)):
        return obj.plan
    if isinstance(obj, m.Evaluation):
        return obj.recommendation.plan
    return None


def _organization_id_of(obj: Any) -> int | None:
    if isinstance(obj, m.Organization):
        return obj.id
    if isinstance(obj, (m.Evaluation, m.Invitation, m.FileChoice, m.EvaluatorInvitation)):
        return obj.organization_id
    if isinstance(obj, m.User):
        return obj.organization_id
    return None


def is_enrolled(organization_id: int | None, plan_id: int) -> bool:
    if organization_id is None:
        return False
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(m.Invitation).where(
            m.Invitation.organization_id == organization_id,
            m.Invitation.plan_id == plan_id,
            m.Invitation.status == "registered",
        )
    ) > 0


def in_scope(user: Any, action: str, obj: Any) -> bool:
    scope = RULES.get(action, {}).get(getattr(user, "role", None))
    if scope is None:
        return False
    if scope == "any":
        return True
    if scope == "body":
        plan = _plan_of(obj)
        return plan is not None and (user.body_id is None or plan.body_id == user.body_id)
    if scope == "org":
        return user.organization_id is not None and _organization_id_of(obj) == user.organization_id
    if scope == "enrolled":
        plan = _plan_of(obj)
        return plan is not None and is_enrolled(user.organization_id, plan.id)
    if scope == "owning_body":
        return (isinstance(obj, m.Organization) and user.body_id is not None
                and obj.id in changeable_organizations(user, [obj.id]))
    return False


def organization_bodies(organization_ids: list[int]) -> sa.Select[tuple[int, int]]:
    """(organisation id, body id) for every body that invited one of the organisations (an
    approved open-call request is an invitation too), whatever became of the invitation."""
    return sa.select(m.Invitation.organization_id, m.Plan.body_id).join(
        m.Plan, m.Plan.id == m.Invitation.plan_id).where(
        m.Invitation.organization_id.in_(organization_ids)).distinct()


def changeable_organizations(user: Any, organization_ids: list[int]) -> set[int]:
    """Which of these organisations `user` may change: those of its body, and those no body
    has invited yet; none for a coordinator without a body."""
    if getattr(user, "role", None) != "coordinator" or user.body_id is None:
        return set()
    bodies: dict[int, set[int]] = {}
    for organization_id, body_id in db.session.execute(organization_bodies(organization_ids)):
        bodies.setdefault(organization_id, set()).add(body_id)
    return {i for i in organization_ids if not bodies.get(i) or user.body_id in bodies[i]}


def ensure(action: str, obj: Any) -> Any:
    """Return `obj` when the current user may act on it; 404 otherwise (also for None)."""
    if obj is None or not in_scope(current_user, action, obj):
        if obj is not None:  # an object outside the user's scope (an unknown id is not)
            security_log.event("access.refused", action=action, status=404,
                               object=f"{type(obj).__name__}:{getattr(obj, 'id', '')}")
        abort(404)
    return obj


def plans_for(user: Any) -> sa.Select[tuple[m.Plan]]:
    """The plans a user sees on its home page."""
    query = sa.select(m.Plan).order_by(m.Plan.id)
    if user.role == "coordinator":
        return query if user.body_id is None else query.where(m.Plan.body_id == user.body_id)
    return query.join(m.Invitation, m.Invitation.plan_id == m.Plan.id).where(
        m.Invitation.organization_id == user.organization_id,
        m.Invitation.status == "registered",
    )
