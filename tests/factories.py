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
