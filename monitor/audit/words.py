"""The audit trail in words people read: translated names of actions, objects and the
fields whose values changed, and fingerprints shortened for the page. The stored events
keep their identifiers (`evaluation.submitted`, `content_hash`); the CSV export too."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ACTIONS = {
    "attachment.deleted": _l("Document deleted"),
    "attachment.uploaded": _l("Document uploaded"),
    "attachment.visibility": _l("Document visibility changed"),
    "catalogue.imported": _l("Catalogue imported"),
    "catalogue.recurrences_linked": _l("Recommendations linked to earlier cycles"),
    "enrolment.choices_changed": _l("Monitored files changed"),
    "evaluation.clarification_requested": _l("Clarification requested"),
    "evaluation.copied_from_previous": _l("Evaluation copied from the previous period"),
    "evaluation.created": _l("Evaluation started"),
    "evaluation.returned": _l("Evaluation returned to the evaluator"),
    "evaluation.saved": _l("Evaluation saved"),
    "evaluation.sent_for_approval": _l("Evaluation sent for approval"),
    "evaluation.submitted": _l("Evaluation submitted"),
    "evaluations.imported": _l("Evaluations imported"),
    "evaluator.invitation_revoked": _l("Evaluator invitation withdrawn"),
    "evaluator.invited": _l("Evaluator invited"),
    "evaluator.joined": _l("Evaluator joined"),
    "file.created": _l("Recommendation file created"),
    "file.deleted": _l("Recommendation file deleted"),
    "file.restored": _l("Recommendation file restored"),
    "file.retired": _l("Recommendation file retired"),
    "file.status_changed": _l("Recommendation file status changed"),
    "file.updated": _l("Recommendation file changed"),
    "invitation.created": _l("Invitations created"),
    "invitation.declined": _l("Participation declined"),
    "invitation.link_renewed": _l("Invitation link renewed"),
    "invitation.registered": _l("Organisation registered"),
    "invitation.reminded": _l("Reminders sent"),
    "invitation.resent": _l("Invitation sent again"),
    "invitation.revoked": _l("Invitation withdrawn"),
    "join_request.approved": _l("Request to join approved"),
    "join_request.rejected": _l("Request to join rejected"),
    "join_request.submitted": _l("Request to join received"),
    "official.deleted": _l("Official figure deleted"),
    "official.recorded": _l("Official figure recorded"),
    "official.updated": _l("Official figure changed"),
    "organization.created": _l("Organisation created"),
    "organization.imported": _l("Organisations imported"),
    "organization.updated": _l("Organisation changed"),
    "period.created": _l("Reporting period created"),
    "period.deleted": _l("Reporting period deleted"),
    "period.status_changed": _l("Reporting period status changed"),
    "period.updated": _l("Reporting period changed"),
    "plan.created": _l("Plan created"),
    "plan.restored": _l("Plan restored"),
    "plan.retired": _l("Plan retired"),
    "plan.status_changed": _l("Plan status changed"),
    "plan.updated": _l("Plan changed"),
    "questionnaire.imported": _l("Questionnaire imported"),
    "recommendation.assigned": _l("Recommendations assigned to a file"),
    "recommendation.created": _l("Recommendation created"),
    "recommendation.deleted": _l("Recommendation deleted"),
    "recommendation.merged": _l("Recommendation merged into another"),
    "recommendation.moved": _l("Recommendation moved to another file"),
    "recommendation.restored": _l("Recommendation restored"),
    "recommendation.retired": _l("Recommendation retired"),
    "recommendation.status_changed": _l("Recommendation status changed"),
    "recommendation.translated": _l("Recommendation translated"),
    "recommendation.updated": _l("Recommendation changed"),
    "reply.closed": _l("Reply thread closed"),
    "reply.rejoined": _l("Organisation answered the reply"),
    "reply.responded": _l("Government replied"),
    "results.published": _l("Results published"),
    "results.unpublished": _l("Results withdrawn from publication"),
    "user.activated": _l("Account reactivated"),
    "user.deactivated": _l("Account deactivated"),
    "user.made_admin": _l("Made organisation administrator"),
}

OBJECTS = {
    "Attachment": _l("Document"),
    "Evaluation": _l("Evaluation"),
    "EvaluatorInvitation": _l("Evaluator invitation"),
    "Invitation": _l("Invitation"),
    "JoinRequest": _l("Request to join"),
    "OfficialProgress": _l("Official figure"),
    "Organization": _l("Organisation"),
    "Plan": _l("Plan"),
    "Questionnaire": _l("Questionnaire version"),
    "Recommendation": _l("Recommendation"),
    "RecommendationFile": _l("Recommendation file"),
    "ReplyMessage": _l("Reply"),
    "ReportingPeriod": _l("Reporting period"),
    "User": _l("Account"),
}

FIELDS = {
    "active": _l("active"),
    "content_hash": _l("content fingerprint"),
    "counted": _l("counted"),
    "email": _l("email"),
    "evaluation_id": _l("evaluation"),
    "file_id": _l("recommendation file"),
    "filename": _l("file name"),
    "late": _l("late"),
    "level_key": _l("level"),
    "measure": _l("measure"),
    "new": _l("new"),
    "period": _l("reporting period"),
    "period_id": _l("reporting period"),
    "published_at": _l("published"),
    "reason": _l("reason"),
    "recommendation_id": _l("recommendation"),
    "rejected": _l("rejected"),
    "reported_on": _l("reported on"),
    "retired_at": _l("retired"),
    "revision": _l("revision"),
    "role": _l("role"),
    "size": _l("size"),
    "skipped": _l("skipped"),
    "source": _l("source"),
    "state": _l("state"),
    "status": _l("status"),
    "status_score": _l("status score"),
    "title_ar": _l("title (Arabic)"),
    "title_ckb": _l("title (Sorani)"),
    "title_en": _l("title (English)"),
    "unchanged": _l("unchanged"),
    "updated": _l("updated"),
    "value": _l("value"),
    "version": _l("version"),
    "visibility": _l("visibility"),
}

#: The security events counted on the coordinator's audit page (monitor.security_log).
SECURITY_EVENTS = {
    "signin.failed": _l("Failed sign-ins"),
    "throttled": _l("Attempts stopped for being too many"),
    "csrf.failed": _l("Forms refused as expired or sent from elsewhere"),
    "access.refused": _l("Refused attempts to open an object"),
}

_FINGERPRINT = re.compile(r"^[0-9a-f]{32,}$")
#: Characters of a fingerprint shown before "…" (the whole one is a click away).
SHORT = 12


def action(name: str) -> str:
    return str(ACTIONS.get(name, name))


def obj(object_type: str, object_id: int | None) -> str:
    """`Evaluation #240` in words: "Evaluation no. 240"."""
    name = str(OBJECTS.get(object_type, object_type))
    return name if object_id is None else _("%(object)s no. %(id)s", object=name, id=object_id)


def field(key: str) -> str:
    return str(FIELDS.get(key, key))


def fingerprint(value: Any) -> str | None:
    """The value, when it is a long hexadecimal fingerprint (a SHA-256 hash), else None."""
    return value if isinstance(value, str) and _FINGERPRINT.match(value) else None
