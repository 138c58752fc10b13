"""Demo data on the embedded default, built through the same services as real work: the
catalogue through the import code path (monitor's template format), evaluations through
the submission path. Seeding twice changes nothing: every step looks for what exists.

The data itself is in data/*.json (fictional organisations and people). Its dates are
offsets from the day of seeding (`today`), so that the demo is current whenever it runs:
the past periods closed with their data, the current one open with its deadline ahead."""
from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import (
    Evaluation,
    FileChoice,
    GoverningBody,
    Invitation,
    OfficialProgress,
    Organization,
    Plan,
    Recommendation,
    RecommendationFile,
    ReportingPeriod,
    User,
    utcnow,
)
from ..services import tabular
from ..services.accounts import hash_password
from ..services.catalogue import importing
from ..services.catalogue import records as catalogue
from ..services.catalogue.upr_formats import TEMPLATE_HEADER
from ..services.evaluation import lifecycle as evaluations
from ..services.results import official
from . import data
from . import two_factor as demo_two_factor


@dataclass
class SeedSummary:
    created: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)
    #: The one account with two-step sign-in on: its key and recovery codes.
    two_factor: demo_two_factor.DemoFactor | None = None

    def add(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    def describe(self) -> str:
        if not any(self.created.values()):
            return "Demo data already present: nothing to add."
        parts = ", ".join(f"{n} {what}" for what, n in self.created.items() if n)
        return f"Demo data seeded: {parts}."


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


#: A period's deadline: 31 March of the next year, 23:59 Baghdad time (20:59 UTC).
DEADLINE_TIME = dt.time(20, 59)


@dataclass(frozen=True)
class Calendar:
    """The data's relative dates as calendar dates, seen from the day of seeding."""

    today: dt.date

    def label(self, years_before_today: int) -> str:
        """A period's `YYYY` label: the calendar year that many years before today."""
        return str(self.today.year - years_before_today)

    def period(self, item: dict) -> dict:
        year = self.today.year - item["years_before_today"]
        ends_on = dt.date(year, 12, 31)
        deadline = dt.datetime.combine(dt.date(year + 1, 3, 31), DEADLINE_TIME)
        if item["status"] == "closed":  # a closed period's deadline has passed
            deadline = min(deadline, dt.datetime.combine(self.today - dt.timedelta(days=1),
                                                         DEADLINE_TIME))
        return {"label": str(year), "starts_on": dt.date(year, 1, 1), "ends_on": ends_on,
                "deadline": deadline, "status": item["status"]}

    def plan_end(self, item: dict) -> dt.date:
        return dt.date(self.today.year + item["ends_years_after_today"], 12, 31)

    def reported_on(self, period: ReportingPeriod, days_after_end: int) -> dt.date:
        return min(period.ends_on + dt.timedelta(days=days_after_end), self.today)


def _get(session: Session, model, **where):  # noqa: ANN001, ANN003, ANN202
    return session.scalar(sa.select(model).filter_by(**where))


def seed(session: Session, *, password: str, today: dt.date | None = None) -> SeedSummary:
    """Seed the demo as of `today` (default: the current UTC date)."""
    summary = SeedSummary()
    calendar = Calendar(today or utcnow().date())
    password_hash = hash_password(password)
    bodies = _seed_bodies(session, summary)
    _seed_coordinators(session, summary, bodies, password_hash)
    plans = _seed_plans(session, summary, bodies, calendar)
    organizations = _seed_organizations(session, summary, password_hash)
    summary.two_factor, created = demo_two_factor.seed(
        session, next(iter(organizations.values())), password=password,
        password_hash=password_hash)
    summary.logins.append((demo_two_factor.EMAIL, "evaluator, two-step sign-in on"))
    summary.add("NGO users", int(created))
    for plan in plans.values():
        files = _seed_catalogue(session, summary, plan)
        evaluations.current_questionnaire(session, plan)
        _seed_enrolment(session, summary, plan, files, organizations)
        _seed_official_progress(session, summary, plan, files, calendar)
        _seed_evaluations(session, summary, plan, files, organizations, calendar)
    publish_last_closed_periods(session, summary)
    session.commit()
    return summary


def publish_last_closed_periods(session: Session, summary: SeedSummary) -> None:
    """Publish each plan's last closed period (with its open dataset), so that the public
    page, the open data and the transparency log can be tried at once."""
    from ..services.results import publication

    for plan in session.scalars(sa.select(Plan).order_by(Plan.id)):
        closed = [p for p in plan.periods if p.status == "closed"]
        last = max(closed, key=lambda p: p.ends_on, default=None)
        coordinator = session.scalar(sa.select(User).where(
            User.role == "coordinator", User.body_id == plan.body_id).order_by(User.id))
        if last is None or last.published_at is not None or coordinator is None:
            continue
        publication.publish(session, last, user=coordinator)
        summary.add("published periods")


def _seed_bodies(session: Session, summary: SeedSummary) -> dict[str, GoverningBody]:
    bodies = {}
    for item in data.BODIES:
        body = _get(session, GoverningBody, slug=item["slug"])
        if body is None:
            body = GoverningBody(**item)
            session.add(body)
            summary.add("governing bodies")
        bodies[item["slug"]] = body
    session.flush()
    return bodies


def _seed_coordinators(session: Session, summary: SeedSummary,
                       bodies: dict[str, GoverningBody], password_hash: str) -> None:
    for item in data.COORDINATORS:
        role = "coordinator (all bodies)" if item["body"] is None else f"coordinator ({item['body']})"
        summary.logins.append((item["email"], role))
        if _get(session, User, email=item["email"]) is None:
            session.add(User(email=item["email"], name=item["name"], role="coordinator",
                             body=bodies.get(item["body"]) if item["body"] else None,
                             language=item.get("language"), password_hash=password_hash))
            summary.add("coordinators")


def _seed_plans(session: Session, summary: SeedSummary, bodies: dict[str, GoverningBody],
                calendar: Calendar) -> dict[str, Plan]:
    plans = {}
    for item in data.PLANS:
        plan = _get(session, Plan, slug=item["slug"])
        if plan is None:
            fields = {k: v for k, v in item.items()
                      if k not in ("body", "starts_on", "ends_years_after_today")}
            plan = Plan(body=bodies[item["body"]], starts_on=_date(item["starts_on"]),
                        ends_on=calendar.plan_end(item), **fields)
            session.add(plan)
            summary.add("plans")
        session.flush()
        if not plan.periods:  # a demo seeded on an earlier day keeps its own periods
            for period in data.PERIODS:
                session.add(ReportingPeriod(plan=plan, **calendar.period(period)))
                summary.add("reporting periods")
        plans[item["slug"]] = plan
    session.flush()
    return plans


def _seed_catalogue(session: Session, summary: SeedSummary,
                    plan: Plan) -> dict[str, RecommendationFile]:
    files = {}
    for item in data.FILES:
        existing = _get(session, RecommendationFile, plan_id=plan.id, title_en=item["title_en"])
        if existing is None:
            existing = catalogue.create_file(
                session, plan, **{k: v for k, v in item.items() if k != "key"})
            summary.add("recommendation files")
        files[item["key"]] = existing
    # The recommendations go through the importer, in monitor's own template format.
    titles = {item["key"]: item["title_en"] for item in data.FILES}
    rows = [
        [rec["code"], rec["text_en"], rec["recommending_state"], rec["response"], rec["cycle"],
         rec["session"], rec["document"], rec["text_ar"], rec["text_ckb"],
         "; ".join(rec["themes"]), titles[rec["file"]], ""]
        for rec in data.RECOMMENDATIONS
    ]
    preview = importing.preview_import(session, plan, tabular.write_csv(TEMPLATE_HEADER, rows),
                                       "demo-catalogue.csv")
    if not preview.ok:
        raise RuntimeError(f"demo catalogue rejected: {preview.rejected}")
    if preview.new or preview.updated:
        importing.apply_import(session, plan, preview)
        summary.add("recommendations", len(preview.new))
    session.flush()
    return files


def _seed_organizations(session: Session, summary: SeedSummary,
                        password_hash: str) -> dict[str, Organization]:
    organizations = {}
    for item in data.ORGANIZATIONS:
        org = _get(session, Organization, email=item["email"])
        if org is None:
            org = Organization(**{k: v for k, v in item.items() if k != "users"})
            session.add(org)
            summary.add("organisations")
        organizations[item["email"]] = org
        for person in item["users"]:
            label = "NGO administrator" if person["role"] == "ngo_admin" else "evaluator"
            # Whole words only: a name cut inside a word reads as another word in Arabic.
            name = textwrap.shorten(item["name"], 32, placeholder="…")
            summary.logins.append((person["email"], f"{label} ({name})"))
            if _get(session, User, email=person["email"]) is None:
                session.add(User(email=person["email"], name=person["name"], role=person["role"],
                                 organization=org, language=item["preferred_language"],
                                 password_hash=password_hash))
                summary.add("NGO users")
    session.flush()
    return organizations


def _seed_enrolment(session: Session, summary: SeedSummary, plan: Plan,
                    files: dict[str, RecommendationFile],
                    organizations: dict[str, Organization]) -> None:
    for email, plans in data.MONITORED_FILES.items():
        choice = plans.get(plan.slug)
        if choice is None:
            continue
        org = organizations[email]
        if _get(session, Invitation, organization_id=org.id, plan_id=plan.id) is None:
            session.add(Invitation(organization=org, plan=plan, status="registered",
                                   opened_at=utcnow(), responded_at=utcnow()))
            summary.add("registered invitations")
        reasons = choice.get("decline_reasons", {})
        for kind, keys in (("monitoring", choice["monitor"]), ("declined", choice["decline"])):
            for key in keys:
                if _get(session, FileChoice, organization_id=org.id, file_id=files[key].id):
                    continue
                session.add(FileChoice(organization_id=org.id, file_id=files[key].id,
                                       choice=kind, reason=reasons.get(key)))
                summary.add("file choices")
    session.flush()


def _seed_official_progress(session: Session, summary: SeedSummary, plan: Plan,
                            files: dict[str, RecommendationFile], calendar: Calendar) -> None:
    periods = {p.label: p for p in plan.periods}
    codes = dict(session.execute(
        sa.select(Recommendation.code, Recommendation.id).where(Recommendation.plan_id == plan.id)
    ).all())
    for item in data.OFFICIAL_PROGRESS:
        period = periods.get(calendar.label(item["period_years_before_today"]))
        if item["plan"] != plan.slug or period is None:
            continue
        file_id = files[item["file"]].id if item["level"] == "file" else None
        rec_id = codes[item["code"]] if item["level"] == "recommendation" else None
        level_key = "plan" if item["level"] == "plan" else (
            f"file:{file_id}" if file_id else f"rec:{rec_id}")
        if _get(session, OfficialProgress, period_id=period.id, level_key=level_key):
            continue
        official.save_entry(session, period, official.Entry(
            level_key=level_key, file_id=file_id, recommendation_id=rec_id,
            measure=item["measure"], value=item["value"], status_score=item["status_score"],
            source=item["source"].format(year=period.label),
            reported_on=calendar.reported_on(period, item["reported_days_after_period_end"])),
            actor_id=None)
        summary.add("official figures")
    session.flush()


def _seed_evaluations(session: Session, summary: SeedSummary, plan: Plan,
                      files: dict[str, RecommendationFile],
                      organizations: dict[str, Organization], calendar: Calendar) -> None:
    """Submitted evaluations for the past periods, from the pattern in data/."""
    pattern = data.EVALUATION_PATTERN
    no_information = set(map(tuple, pattern["no_information"]))
    periods = {p.label: p for p in plan.periods}
    confidence = ("low", "medium", "high")
    for email, plans in data.MONITORED_FILES.items():
        choice = plans.get(plan.slug)
        if choice is None:
            continue
        org = organizations[email]
        author = next(u for u in org.users if u.role == "ngo_admin")
        monitored = [files[key].id for key in choice["monitor"]]
        recommendations = session.scalars(
            sa.select(Recommendation).where(Recommendation.file_id.in_(monitored))
            .order_by(Recommendation.sort_key)).all()
        for years_before in pattern["periods_years_before_today"]:
            period = periods.get(calendar.label(years_before))
            if period is None:
                continue
            base = pattern["base"][str(years_before)]
            for index, rec in enumerate(recommendations):
                if rec.code not in base:
                    continue
                existing = session.scalar(sa.select(sa.func.count()).select_from(
                    Evaluation).where(
                    Evaluation.organization_id == org.id,
                    Evaluation.recommendation_id == rec.id,
                    Evaluation.period_id == period.id,
                    Evaluation.counted.is_(True)))
                if existing:
                    continue
                if (email, rec.code) in no_information:
                    status = "no_information"
                else:
                    score = min(100, max(0, base[rec.code] + pattern["offset"].get(email, 0)))
                    status = str(score)
                snippet = data.ASSESSMENT_SNIPPETS[
                    "no_information" if status == "no_information" else int(status)][0]
                lang = org.preferred_language if org.preferred_language in snippet else "en"
                answers = {
                    "status": status,
                    "confidence": confidence[index % 3],
                    "assessment": snippet[lang],
                    "information_date": period.ends_on.isoformat(),
                }
                evaluations.record_submitted(
                    session, organization=org, recommendation=rec, period=period,
                    answers=answers, user=author,
                    submitted_at=dt.datetime.combine(period.ends_on, dt.time(9, 0)))
                summary.add("submitted evaluations")
    session.flush()
