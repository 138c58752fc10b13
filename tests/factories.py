"""Small factories: a governing body with a plan, its periods, files and recommendations;
organisations with their users; coordinators. Enough to read tests as user stories."""
from __future__ import annotations

import datetime as dt
import itertools

from monitor.extensions import db
from monitor.models import (
    FileChoice,
    GoverningBody,
    Invitation,
    Organization,
    Plan,
    Recommendation,
    RecommendationFile,
    ReportingPeriod,
    User,
)
from monitor.services.accounts import hash_password
from monitor.services.catalogue import compute_match_key

from support import PASSWORD

_seq = itertools.count(1)
_HASH = hash_password(PASSWORD)


def body(slug: str | None = None) -> GoverningBody:
    n = next(_seq)
    item = GoverningBody(slug=slug or f"body-{n}", name_en=f"Body {n}", name_ar=f"هيئة {n}",
                         name_ckb=f"دەستە {n}", contact_email=f"body{n}@gov.example")
    db.session.add(item)
    db.session.flush()
    return item


def plan(owner: GoverningBody | None = None, *, slug: str | None = None, status: str = "open",
         files: int = 2, recommendations_per_file: int = 3,
         periods: tuple[str, ...] = ("2023",)) -> Plan:
    n = next(_seq)
    item = Plan(body=owner or body(), slug=slug or f"plan-{n}", status=status,
                title_en=f"Plan {n}", title_ar=f"خطة {n}", title_ckb=f"پلانی {n}")
    db.session.add(item)
    for label in periods:
        year = int(label) if label.isdigit() else 2023
        db.session.add(ReportingPeriod(
            plan=item, label=label, starts_on=dt.date(year, 1, 1), ends_on=dt.date(year, 12, 31),
            deadline=dt.datetime(year + 5, 3, 31, 21, 0), status="open"))
    code = itertools.count(1)
    for f in range(files):
        rf = RecommendationFile(plan=item, position=f, title_en=f"File {f + 1}",
                                title_ar=f"الملف {f + 1}", title_ckb=f"دۆسیەی {f + 1}")
        db.session.add(rf)
        for _ in range(recommendations_per_file):
            c = next(code)
            db.session.add(Recommendation(
                plan=item, file=rf, code=f"139.{c}", sort_key=f"00139.{c:05d}",
                text_en=f"Recommendation {c}", text_ar=f"التوصية {c}", text_ckb=f"ڕاسپاردەی {c}",
                recommending_states="Chile", response="supported",
                match_key=compute_match_key(f"Recommendation {c}", "Chile")))
    db.session.flush()
    return item


def coordinator(owner: GoverningBody | None, email: str | None = None) -> User:
    user = User(email=email or f"coord{next(_seq)}@gov.example", role="coordinator",
                body=owner, password_hash=_HASH, name="Coordinator")
    db.session.add(user)
    db.session.flush()
    return user


def organization(name: str | None = None, *, language: str = "ar") -> Organization:
    n = next(_seq)
    org = Organization(name=name or f"منظمة {n}", email=f"ngo{n}@ngo.example",
                       preferred_language=language, governorate="Erbil")
    db.session.add(org)
    db.session.flush()
    return org


def ngo_user(org: Organization, role: str = "ngo_admin", email: str | None = None) -> User:
    user = User(email=email or f"{role}{next(_seq)}@ngo.example", role=role, organization=org,
                password_hash=_HASH, name="NGO person")
    db.session.add(user)
    db.session.flush()
    return user


def enrol(org: Organization, target: Plan, *, monitor: list[RecommendationFile] | None = None
          ) -> Invitation:
    """A registered organisation monitoring the given files (all by default)."""
    invitation = Invitation(organization=org, plan=target, status="registered")
    db.session.add(invitation)
    for rf in (target.files if monitor is None else monitor):
        db.session.add(FileChoice(organization_id=org.id, file_id=rf.id, choice="monitoring"))
    db.session.flush()
    return invitation


# --- Results: counted evaluations and official progress (tests/test_comparison.py) ---------


def evaluation(org: Organization, rec: Recommendation, period: ReportingPeriod,
               score: int | None, *, counted: bool = True, state: str = "submitted",
               pseudonymous: bool = False, answers: dict | None = None):  # noqa: ANN201
    """An evaluation as the evaluations service leaves it once submitted to the coordinator
    (counted, with its score; None is "no information"), or a draft with counted=False."""
    from monitor.models import Evaluation

    item = Evaluation(organization_id=org.id, recommendation_id=rec.id, period_id=period.id,
                      state=state if counted else ("draft" if state == "submitted" else state),
                      counted=counted, status_score=score, pseudonymous=pseudonymous,
                      answers=answers or {})
    db.session.add(item)
    db.session.flush()
    return item


def ratings(rec: Recommendation, period: ReportingPeriod, scores: list[int | None],
            orgs: list[Organization]) -> list:
    """Counted evaluations of `rec`: the i-th organisation gives the i-th score."""
    assert len(orgs) >= len(scores)
    return [evaluation(org, rec, period, score) for org, score in zip(orgs, scores)]


def official(period: ReportingPeriod, value: float | None, *, measure: str = "share_implemented",
             file: RecommendationFile | None = None, rec: Recommendation | None = None,
             status_score: int | None = None, source: str | None = "Annual report"):  # noqa: ANN201
    from monitor.models import OfficialProgress

    key = f"rec:{rec.id}" if rec is not None else f"file:{file.id}" if file is not None else "plan"
    item = OfficialProgress(period_id=period.id, file_id=file.id if file else None,
                            recommendation_id=rec.id if rec else None, level_key=key,
                            measure=measure, value=value, status_score=status_score,
                            source=source, reported_on=dt.date(2024, 3, 1))
    db.session.add(item)
    db.session.flush()
    return item


# --- evaluations (tests/test_evaluations.py, test_attachments.py) ---------------------------


class Setting:
    """A body with its coordinator; an open plan with the given (open) periods; an
    organisation monitoring the first file, with an administrator and two evaluators; a
    second organisation monitoring every file."""

    def __init__(self, periods: tuple[str, ...] = ("2023",)) -> None:
        self.body = body()
        self.plan = plan(self.body, periods=periods)
        self.period = self.plan.periods[-1]
        self.coordinator = coordinator(self.body)
        self.org = organization("منظمة الأمل")
        self.admin = ngo_user(self.org, "ngo_admin")
        self.evaluator = ngo_user(self.org, "evaluator")
        self.evaluator2 = ngo_user(self.org, "evaluator")
        self.file, self.other_file = self.plan.files[0], self.plan.files[1]
        enrol(self.org, self.plan, monitor=[self.file])
        self.rec = self.file.recommendations[0]
        self.unmonitored = self.other_file.recommendations[0]
        self.other_org = organization("Other NGO")
        self.other_admin = ngo_user(self.other_org, "ngo_admin")
        enrol(self.other_org, self.plan)


def setting(periods: tuple[str, ...] = ("2023",)) -> Setting:
    return Setting(periods)


COMPLETE_ANSWERS = {
    "status": "50", "confidence": "medium", "assessment": "Partly done.",
    "government_actions": "A law was drafted.", "information_date": "2023-06-30",
}


def invitation(org: Organization, target: Plan, *, status: str = "pending",
               days: int = 30) -> Invitation:
    """An invitation with a live link (nonce and validity), as the coordinator sends it."""
    from monitor.models import utcnow
    from monitor.tokens import new_nonce

    item = Invitation(organization=org, plan=target, status=status, nonce=new_nonce(),
                      expires_at=utcnow() + dt.timedelta(days=days))
    db.session.add(item)
    db.session.flush()
    return item


# --- two worlds (tests/test_access_matrix.py, tests/test_attacks.py) -------------------------

#: Evidence used by the worlds (a minimal PDF, recognised by its content).
WORLD_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class World:
    """Everything one governing body and one organisation own, built with the real
    services where they exist: the body's coordinator and open plan (periods labelled
    `periods`, files, recommendations), an organisation enrolled in it with an
    administrator, an evaluator and a second evaluator (`member`), a submitted evaluation
    with an attachment visible to the coordinator, a draft, official progress, a pending
    invitation of a second organisation, a join request, a pending evaluator invitation,
    the audit events all of this wrote, and live tokens (`join_token`, `team_token`,
    `reset_token`).

    `text` is put in every free-text field (titles, names, answers, reasons...), so that
    one world can carry attack payloads; `marker` makes every name of this world unique,
    so that a page of the other world can be searched for a leak. Organisations are named
    with `org_marker` instead: they form a directory that every coordinator shares."""

    def __init__(self, marker: str, org_marker: str, *, text: str = "",
                 periods: tuple[str, ...] = ("2023", "2024")) -> None:
        from monitor.models import EvaluatorInvitation, JoinRequest, utcnow
        from monitor.services import accounts
        from monitor.services import attachments as attachment_service
        from monitor.services import evaluations as evaluation_service
        from monitor.services import invitations as invitation_service
        from monitor.services import enrolment as enrolment_service
        from monitor.tokens import new_nonce

        low, org_low = marker.lower(), org_marker.lower()
        words = f"{marker} {text}".strip()
        org_words = f"{org_marker} {text}".strip()
        self.marker, self.org_marker = marker, org_marker
        self.body = body()
        self.body.name_en = self.body.name_ar = self.body.name_ckb = f"{words} body"
        self.plan = plan(self.body, periods=periods, recommendations_per_file=4)
        for lang in ("ar", "ckb", "en"):
            setattr(self.plan, f"title_{lang}", f"{words} plan {lang}")
            setattr(self.plan, f"description_{lang}", f"{words} description {lang}")
        for rf in self.plan.files:
            for lang in ("ar", "ckb", "en"):
                setattr(rf, f"title_{lang}", f"{words} file {rf.position} {lang}")
            for rec in rf.recommendations:
                for lang in ("ar", "ckb", "en"):
                    setattr(rec, f"text_{lang}", f"{words} recommendation {rec.code} {lang}")
                rec.themes = f"{words} theme"
                rec.responsible_bodies = f"{words} ministry"
        self.period, self.previous = self.plan.periods[-1], self.plan.periods[0]
        self.file = self.plan.files[0]
        self.rec, self.fresh_rec, self.draft_rec = self.file.recommendations[:3]
        self.coordinator = coordinator(self.body, email=f"coordinator@{low}.example")
        self.coordinator.name = f"{words} coordinator"
        self.org = organization(f"{org_words} NGO")
        self.org.email = f"ngo@{org_low}.example"
        self.admin = ngo_user(self.org, "ngo_admin", email=f"admin@{low}.example")
        self.evaluator = ngo_user(self.org, "evaluator", email=f"evaluator@{low}.example")
        self.member = ngo_user(self.org, "evaluator", email=f"member@{low}.example")
        for person in (self.admin, self.evaluator, self.member):
            person.name = f"{words} {person.role}"
        self.invitation = enrol(self.org, self.plan)
        self.invitation.nonce = new_nonce()
        self.invited_org = organization(f"{org_words} invited NGO")
        self.invited_org.email = f"invited@{org_low}.example"
        self.pending = invitation(self.invited_org, self.plan)
        self.join_request = JoinRequest(plan_id=self.plan.id, name=f"{words} applicant",
                                        email=f"applicant@{low}.example", status="pending",
                                        registration_number=f"{marker}-1")
        self.evaluator_invitation = EvaluatorInvitation(
            organization_id=self.org.id, email=f"new-evaluator@{low}.example",
            nonce=new_nonce(), status="pending", invited_by_id=self.admin.id,
            expires_at=utcnow() + dt.timedelta(days=14))
        db.session.add_all([self.join_request, self.evaluator_invitation])
        db.session.flush()

        answers = dict(COMPLETE_ANSWERS, assessment=f"{words} assessment",
                       government_actions=f"{words} actions")
        self.evaluation = evaluation_service.start(
            db.session, organization_id=self.org.id, recommendation=self.rec,
            period=self.period, user=self.evaluator, answers=answers)
        self.attachment = attachment_service.store(
            db.session, self.evaluation, data=WORLD_PDF, filename=f"{words} evidence.pdf",
            visibility="coordinator", user=self.evaluator)
        db.session.flush()
        evaluation_service.submit(db.session, self.evaluation, None,
                                  expected_version=self.evaluation.version, user=self.admin)
        self.draft = evaluation_service.start(
            db.session, organization_id=self.org.id, recommendation=self.draft_rec,
            period=self.period, user=self.evaluator, answers=answers)
        self.official = official(self.period, 40.0, source=f"{words} official report")
        db.session.flush()
        self.join_token = invitation_service.token_for(self.pending)
        self.team_token = enrolment_service.evaluator_link(self.evaluator_invitation).rsplit(
            "/", 1)[-1]
        self.reset_token = accounts.reset_token(self.admin)

    def users(self) -> dict[str, User]:
        return {"coordinator": self.coordinator, "ngo_admin": self.admin,
                "evaluator": self.evaluator}


def worlds(text_a: str = "") -> tuple[World, World]:
    """World A (its free text carrying `text_a`) and world B, committed."""
    a = World("Alpha", "Aleph", text=text_a, periods=("2023", "2024"))
    b = World("Zeta", "Ypsilon", periods=("2025", "2026"))
    db.session.commit()
    return a, b
