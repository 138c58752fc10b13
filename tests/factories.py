"""Small factories: a governing body with a plan, its periods, files and recommendations;
organisations with their users; coordinators. Enough to read tests as user stories."""
from __future__ import annotations

import datetime as dt
import itertools

from support import PASSWORD
from werkzeug.security import generate_password_hash

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
from monitor.services.catalogue.records import compute_match_key

_seq = itertools.count(1)
#: The factories' accounts: scrypt as in production, at a 32nd of its cost (N=1024 instead
#: of 32768). Signing in checks a password with the parameters stored in its hash, so the
#: sign-in path is the real one; each of the suite's hundreds of sign-ins cost 0.12 s of CPU.
_HASH = generate_password_hash(PASSWORD, "scrypt:1024:8:1")


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
    the latest period's results published, the audit events all of this wrote, and live
    tokens (`join_token`, `team_token`,
    `reset_token`).

    `text` is put in every free-text field (titles, names, answers, reasons...), so that
    one world can carry attack payloads; `marker` makes every name of this world unique,
    so that a page of the other world can be searched for a leak. Organisations are named
    with `org_marker` instead: they form a directory that every coordinator shares."""

    def __init__(self, marker: str, org_marker: str, *, text: str = "",
                 periods: tuple[str, ...] = ("2023", "2024")) -> None:
        import sqlalchemy as sa

        from monitor.models import (
            EvaluationNote,
            EvaluatorInvitation,
            JoinRequest,
            ReplyMessage,
            utcnow,
        )
        from monitor.services import accounts, audit
        from monitor.services.evaluation import attachments as attachment_service
        from monitor.services.evaluation import lifecycle as evaluation_service
        from monitor.services.outreach import enrolment as enrolment_service
        from monitor.services.outreach import invitations as invitation_service
        from monitor.services.results import publication
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
                setattr(rf, f"description_{lang}", f"{words} about file {rf.position} {lang}")
            for rec in rf.recommendations:
                for lang in ("ar", "ckb", "en"):
                    setattr(rec, f"text_{lang}", f"{words} recommendation {rec.code} {lang}")
                rec.themes = f"{words} theme"
                rec.responsible_bodies = f"{words} ministry"
                rec.sdgs = f"{words} goal"
                rec.affected_persons = f"{words} persons"
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
        # The rest of the free text: a note, a declined file's and invitation's reasons, a
        # rejected request's reason, a reply, an audit event's values.
        db.session.add(EvaluationNote(evaluation_id=self.evaluation.id, kind="clarification",
                                      author_id=self.coordinator.id, body=f"{words} note"))
        second = db.session.scalar(sa.select(FileChoice).where(
            FileChoice.organization_id == self.org.id, FileChoice.file_id == self.plan.files[1].id))
        second.choice, second.reason = "declined", f"{words} not our field"
        declined = invitation(organization(f"{org_words} declining NGO"), self.plan,
                              status="declined")
        declined.organization.email = f"declining@{org_low}.example"
        declined.decline_reason = f"{words} no capacity"
        db.session.add(JoinRequest(plan_id=self.plan.id, name=f"{words} refused applicant",
                                   email=f"refused@{low}.example", status="rejected",
                                   reason=f"{words} rejection", decided_at=utcnow()))
        db.session.add(ReplyMessage(period_id=self.period.id, level_key="plan", kind="response",
                                    author_id=self.coordinator.id, body=f"{words} reply"))
        for rec in self.plan.files[0].recommendations:
            rec.recommending_states = f"{words} State"
        self.org.registration_number = f"{marker}-{org_words}"[:100]
        self.org.governorate = org_words[:100]
        self.join_request.governorate = words[:100]
        publication.publish(db.session, self.period, user=self.coordinator)  # public results
        audit.record(db.session, "world.created", self.plan, plan_id=self.plan.id,
                     actor_id=self.coordinator.id, after={"title": words})
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


# --- results for everyone (tests/test_exports.py, test_replies.py, test_public_results.py,
#     test_ngo_results.py) --------------------------------------------------------------------


class Results:
    """A plan with two files of three recommendations (139.1-139.3, 139.4-139.6) and the
    periods `periods` (the last one is `period`), its coordinator, and three organisations
    monitoring every file, each with an administrator and an evaluator: `alpha` (Arabic
    name), `beta` (Sorani name) and `gamma` (English name). Evaluations go through the
    real services (started, evidence attached, submitted by the administrator):

    ========  =====  =====  =====  ======================  ===================
    rec       alpha  beta   gamma  official                comparison
    ========  =====  =====  =====  ======================  ===================
    139.1     100    75     100*   status 25               mean 91.667, flagged
    139.2     50     –      –      status 0                low coverage (1 NGO)
    139.4     –      25     50     –                       mean 37.5
    ========  =====  =====  =====  ======================  ===================

    (* pseudonymous). Plan: official mean score 20 against (91.667 + 50 + 37.5) / 3 =
    59.722, flagged; file 1: official 90 against 70.833, flagged; file 2: no official
    figure. Alpha's 139.1 evaluation has a document shared with the coordinator and one
    kept within the organisation. `text` prefixes every free text (names, titles, answers,
    sources, documents), so that the same set-up can carry formula payloads; `answers`
    holds each evaluation's distinctive assessment text ({(org key, code): text})."""

    def __init__(self, *, text: str = "", periods: tuple[str, ...] = ("2023",),
                 min_ngos: int | None = None) -> None:
        from monitor.services.evaluation import attachments as attachment_service
        from monitor.services.evaluation import lifecycle as evaluation_service

        t = text
        self.body = body()
        self.plan = plan(self.body, periods=periods)
        self.plan.title_ar, self.plan.title_ckb, self.plan.title_en = (
            f"{t}خطة حقوق الإنسان", f"{t}پلانی مافەکانی مرۆڤ", f"{t}Human rights plan")
        self.period = self.plan.periods[-1]
        self.file1, self.file2 = self.plan.files
        for rf, (ar, ckb, en) in zip(self.plan.files, (
                ("العدالة", "دادپەروەری", "Justice"), ("التعليم", "پەروەردە", "Education"))):
            rf.title_ar, rf.title_ckb, rf.title_en = f"{t}{ar}", f"{t}{ckb}", f"{t}{en}"
        self.recs = {r.code: r for rf in self.plan.files for r in rf.recommendations}
        for code, rec in self.recs.items():
            rec.text_ar = f"{t}ضمان استقلال القضاء {code}"
            rec.text_ckb = f"{t}دڵنیابوون لە سەربەخۆیی دادگا {code}"
            rec.text_en = f"{t}Ensure the independence of the judiciary {code}"
        self.coordinator = coordinator(self.body)
        names = {"alpha": f"{t}منظمة الأمل لحقوق الإنسان", "beta": f"{t}ڕێکخراوی ئاشتی",
                 "gamma": f"{t}Gamma Rights Watch"}
        self.orgs, self.admins, self.evaluators = {}, {}, {}
        for key, name in names.items():
            org = organization(name)
            self.orgs[key] = org
            self.admins[key] = ngo_user(org, "ngo_admin", email=f"admin-{key}-{org.id}@ngo.example")
            self.evaluators[key] = ngo_user(org, "evaluator",
                                            email=f"evaluator-{key}-{org.id}@ngo.example")
            enrol(org, self.plan)
        self.stranger_org = organization(f"{t}Not enrolled NGO")
        self.stranger = ngo_user(self.stranger_org, "ngo_admin")
        db.session.flush()

        self.answers: dict[tuple[str, str], str] = {}
        self.evaluations = {}
        plan_scores = {("alpha", "139.1"): "100", ("beta", "139.1"): "75",
                       ("gamma", "139.1"): "100", ("alpha", "139.2"): "50",
                       ("beta", "139.4"): "25", ("gamma", "139.4"): "50"}
        for (key, code), status in plan_scores.items():
            assessment = f"{t}تقييم {key} {code}: اعتُمد قانون جديد — یاسایەکی نوێ پەسەند کرا"
            self.answers[(key, code)] = assessment
            answers = dict(COMPLETE_ANSWERS, status=status, assessment=assessment,
                           government_actions=f"{t}إجراءات {key} {code}",
                           evidence_links=f"{t}https://example.org/{key}/{code}")
            evaluation = evaluation_service.start(
                db.session, organization_id=self.orgs[key].id, recommendation=self.recs[code],
                period=self.period, user=self.evaluators[key], answers=answers,
                pseudonymous=(key, code) == ("gamma", "139.1"))
            if (key, code) == ("alpha", "139.1"):
                plain = t.replace("/", "")  # a file name has no "/"
                self.shared = attachment_service.store(
                    db.session, evaluation, data=WORLD_PDF, filename=f"{plain}تقرير الرصد.pdf",
                    visibility="coordinator", user=self.evaluators[key])
                self.kept = attachment_service.store(
                    db.session, evaluation, data=WORLD_PDF, filename=f"{plain}شاهد سري.pdf",
                    visibility="organization", user=self.evaluators[key])
                db.session.flush()
            evaluation_service.submit(db.session, evaluation, None,
                                      expected_version=evaluation.version,
                                      user=self.admins[key])
            self.evaluations[(key, code)] = evaluation
        self.official_plan = official(self.period, 20, measure="mean_score",
                                      source=f"{t}التقرير الحكومي السنوي")
        self.official_file = official(self.period, 90, measure="mean_score", file=self.file1,
                                      source=f"{t}تقرير الوزارة")
        official(self.period, None, measure="mean_score", rec=self.recs["139.1"],
                 status_score=25, source=f"{t}رد الحكومة")
        official(self.period, None, measure="mean_score", rec=self.recs["139.2"],
                 status_score=0, source=f"{t}رد الحكومة")
        db.session.commit()

    @property
    def rec1(self) -> Recommendation:
        return self.recs["139.1"]

    def url(self, what: str = "", *, label: str | None = None) -> str:
        base = f"/reports/{self.plan.slug}/{label or self.period.label}"
        return f"{base}/{what}" if what else base


def results(**kwargs) -> Results:  # noqa: ANN003
    return Results(**kwargs)


def imported(target: Plan, data: bytes | str, name: str, **kwargs):  # noqa: ANN003, ANN201
    """A document imported into the plan's catalogue (services.catalogue.importing), as
    the CLI does it with --yes; every row must be accepted. Returns the preview."""
    from monitor.services.catalogue import importing

    data = data.encode() if isinstance(data, str) else data
    preview = importing.preview_import(db.session, target, data, name, **kwargs)
    assert preview.ok, [r.reason for r in preview.rejected[:5]]
    importing.apply_import(db.session, target, preview)
    db.session.commit()
    return preview
