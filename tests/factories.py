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
                recommending_states="Chile", response="supported"))
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
