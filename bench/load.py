"""A bounded mixed workload against gunicorn on 127.0.0.1: browsing, drafts, submissions,
the dashboard. Reports throughput, p50/p95 latency, errors, and lost writes (every write
the server acknowledged is looked for in the database afterwards). Target: 0 errors,
0 lost writes.

    python bench/load.py                         # demo data on a temporary SQLite file
    python bench/load.py --ops 40 --workers 2    # operations per virtual user, gunicorn workers
    python bench/load.py --json                  # machine-readable summary too

The demo data (the same as `flask --app monitor seed-demo`) is seeded into a temporary
instance folder; its tables come from the models (`db.create_all()`, as the tests do) so
the benchmark does not wait for the migrations to catch up. Every demo account is a
virtual user (one thread, one session cookie) doing `--ops` operations drawn from
WORKLOAD by weight for its role. Each NGO user works on its own (period, recommendation)
pairs, so no two users edit the same evaluation: a conflict would be a bug, not load.

To add an operation, write `def my_task(user: User) -> None` that calls `user.get` /
`user.post` (they time and check every request) and add a `Task` to WORKLOAD.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

TOP = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOP))

import sqlalchemy as sa  # noqa: E402

PASSWORD = "bench-demo-password-" + secrets.token_hex(4)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
EDIT = re.compile(r"^/evaluations/(\d+)$")


# --- measuring ---------------------------------------------------------------------------


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, name: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(name, []).append(seconds)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


class UnexpectedResponse(Exception):
    pass


@dataclass
class Expected:
    """A write the server acknowledged: what the database must hold afterwards."""

    organization_id: int
    period_id: int
    recommendation_id: int
    marker: str
    state: str  # "draft" or "submitted"
    #: Acknowledged writes to this evaluation: each must have left its audit event.
    writes: int = 1


class User:
    """One signed-in account: its cookie, its share of the work, its acknowledged writes."""

    def __init__(self, port: int, email: str, role: str, stats: Stats, **context) -> None:  # noqa: ANN003
        self.port, self.email, self.role, self.stats = port, email, role, stats
        self.cookies: dict[str, str] = {}
        self.context = context
        self.targets: list[tuple[int, int]] = context.get("targets", [])
        self.drafts: list[tuple[int, int, int]] = []  # (evaluation id, period, rec)
        self.expected: dict[tuple[int, int], Expected] = {}
        self.rng = random.Random(email)

    def request(self, task: str, method: str, path: str, form: dict | None = None,
                expect: tuple[int, ...] = (200,)) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        self.stats.add(task, time.perf_counter() - started)
        for value in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(value).items():
                self.cookies[key] = morsel.value
        if response.status not in expect:
            raise UnexpectedResponse(f"{task}: {method} {path} -> {response.status} "
                                     f"(expected {expect}) {_flash(text)}")
        return response.status, dict(response.headers), text

    def get(self, task: str, path: str, expect: tuple[int, ...] = (200,)) -> str:
        return self.request(task, "GET", path, expect=expect)[2]

    def post(self, task: str, path: str, form: dict, expect: tuple[int, ...] = (302,)
             ) -> dict[str, str]:
        return self.request(task, "POST", path, form, expect=expect)[1]

    def login(self) -> None:
        page = self.get("login", "/login")
        headers = self.post("login", "/login", {"csrf_token": _csrf(page), "email": self.email,
                                                "password": PASSWORD})
        if headers.get("Location", "").endswith("/login/two-step"):
            # The demo's account with two-step sign-in: one of its recovery codes (a TOTP
            # code could be refused as a replay when two rounds share 30 seconds).
            from monitor.demo import two_factor as demo_factor

            page = self.get("login", "/login/two-step")
            code = demo_factor.credentials(PASSWORD).recovery_codes[self.rng.randrange(10)]
            self.post("login", "/login/two-step", {"csrf_token": _csrf(page), "code": code})


def _acknowledged(user: User, period_id: int, rec_id: int, marker: str, state: str) -> None:
    previous = user.expected.get((period_id, rec_id))
    user.expected[(period_id, rec_id)] = Expected(
        user.context["organization_id"], period_id, rec_id, marker, state,
        writes=previous.writes + 1 if previous else 1)


def _csrf(page: str) -> str:
    match = CSRF.search(page)
    if not match:
        raise UnexpectedResponse("no csrf_token in the page")
    return match.group(1)


def _flash(page: str) -> str:
    match = re.search(r'class="flash flash-error"[^>]*>([^<]+)<', page)
    return match.group(1).strip() if match else ""


# --- the workload --------------------------------------------------------------------------


def _answers(user: User, marker: str) -> dict[str, str]:
    return {
        "q.status": user.rng.choice(["0", "25", "50", "75", "100", "no_information"]),
        "q.confidence": user.rng.choice(["low", "medium", "high"]),
        "q.assessment": f"تقييم مستقل {marker}",
        "q.information_date": "2024-06-30",
    }


def browse_plans(user: User) -> None:
    user.get("browse", "/plans/")
    slug = user.rng.choice(user.context["plans"])
    user.get("browse", f"/plans/{slug}")


def browse_recommendations(user: User) -> None:
    slug = user.rng.choice(user.context["plans"])
    user.get("browse", f"/plans/{slug}/recommendations")


def dashboard(user: User) -> None:
    slug = user.rng.choice(user.context["plans"])
    user.get("dashboard", f"/reports/{slug}/comparison")


def audit_trail(user: User) -> None:
    user.get("browse", "/audit/")


def ngo_home(user: User) -> None:
    user.get("ngo home", "/evaluations/")


def create_draft(user: User) -> None:
    if not user.targets:
        return save_draft(user)
    period_id, rec_id = user.targets.pop()
    path = f"/evaluations/period/{period_id}/recommendation/{rec_id}"
    page = user.get("draft", path)
    marker = secrets.token_hex(6)
    headers = user.post("draft", path, {"csrf_token": _csrf(page), "version": "0"}
                        | _answers(user, marker))
    match = EDIT.match(headers.get("Location", ""))
    if not match:
        raise UnexpectedResponse(f"draft: redirected to {headers.get('Location')}")
    user.drafts.append((int(match.group(1)), period_id, rec_id))
    _acknowledged(user, period_id, rec_id, marker, "draft")
    return None


def _post_answers(user: User, task: str, draft: tuple[int, int, int], action: str,
                  state: str) -> None:
    """Open a draft, post new answers with its version to /evaluations/<id>/<action>, and
    check that they were kept in `state`."""
    evaluation_id, period_id, rec_id = draft
    page = user.get(task, f"/evaluations/{evaluation_id}")
    version = VERSION.search(page)
    marker = secrets.token_hex(6)
    user.post(task, f"/evaluations/{evaluation_id}/{action}",
              {"csrf_token": _csrf(page), "version": version.group(1) if version else ""}
              | _answers(user, marker))
    _acknowledged(user, period_id, rec_id, marker, state)


def save_draft(user: User) -> None:
    if not user.drafts:
        return create_draft(user) if user.targets else ngo_home(user)
    _post_answers(user, "draft", user.rng.choice(user.drafts), "save", "draft")
    return None


def submit(user: User) -> None:
    if not user.drafts:
        return create_draft(user)
    _post_answers(user, "submit", user.drafts.pop(user.rng.randrange(len(user.drafts))),
                  "submit", "submitted")
    return None


@dataclass(frozen=True)
class Task:
    name: str
    roles: tuple[str, ...]
    weight: int
    run: Callable[[User], None]
    #: A route this task needs; the task is left out when the app has no such route.
    needs: str | None = None


WORKLOAD = [
    Task("browse plans", ("coordinator",), 4, browse_plans, "catalogue.plan"),
    Task("browse recommendations", ("coordinator",), 2, browse_recommendations,
         "catalogue.recommendations"),
    Task("dashboard", ("coordinator",), 3, dashboard, "reports.dashboard"),
    Task("audit trail", ("coordinator",), 1, audit_trail, "audit.index"),
    Task("ngo home", ("ngo_admin", "evaluator"), 3, ngo_home, "evaluation.home"),
    Task("create draft", ("ngo_admin", "evaluator"), 3, create_draft, "evaluation.create"),
    Task("save draft", ("ngo_admin", "evaluator"), 4, save_draft, "evaluation.save"),
    Task("submit", ("ngo_admin",), 2, submit, "evaluation.submit"),
]


# --- preparing and serving ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(folder: Path) -> dict:
    """Seed the demo into `folder`; return the accounts, their plans and work."""
    from bench._log_key import key_file
    from monitor import create_app
    from monitor.demo import seed as demo
    from monitor.extensions import db
    from monitor.models import (
        Evaluation,
        FileChoice,
        Invitation,
        Plan,
        Recommendation,
        ReportingPeriod,
    )
    from monitor.models import User as Account

    config = {
        "SECRET_KEY": "bench-" + secrets.token_hex(24),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'monitor.db'}",
        "MONITOR_MAIL_OUTBOX": str(folder / "outbox"),
        "MONITOR_ATTACHMENT_DIR": str(folder / "attachments"),
        "MONITOR_LOG_KEY_FILE": key_file(),
    }
    app = create_app(config)
    with app.app_context():
        db.create_all()
        demo.seed(db.session, password=PASSWORD)
        session = db.session
        routes = {rule.endpoint for rule in app.url_map.iter_rules()}
        accounts = []
        for user in session.scalars(sa.select(Account).order_by(Account.id)):
            if user.role == "coordinator":
                query = sa.select(Plan.slug).order_by(Plan.id)
                if user.body_id is not None:
                    query = query.where(Plan.body_id == user.body_id)
                accounts.append({"email": user.email, "role": user.role,
                                 "plans": list(session.scalars(query))})
            else:
                accounts.append({"email": user.email, "role": user.role,
                                 "organization_id": user.organization_id})
        # Each organisation's unstarted work in open periods, shared among its users.
        work: dict[int, list[tuple[int, int]]] = {}
        for account in accounts:
            org = account.get("organization_id")
            if org is None or org in work:
                continue
            pairs = session.execute(
                sa.select(ReportingPeriod.id, Recommendation.id)
                .join(Plan, Plan.id == ReportingPeriod.plan_id)
                .join(Recommendation, Recommendation.plan_id == Plan.id)
                .join(FileChoice, FileChoice.file_id == Recommendation.file_id)
                .join(Invitation, sa.and_(Invitation.plan_id == Plan.id,
                                          Invitation.organization_id == org,
                                          Invitation.status == "registered"))
                .where(FileChoice.organization_id == org, FileChoice.choice == "monitoring",
                       ReportingPeriod.status == "open", Plan.status == "open",
                       Recommendation.retired_at.is_(None),
                       ~sa.exists().where(Evaluation.organization_id == org,
                                          Evaluation.recommendation_id == Recommendation.id,
                                          Evaluation.period_id == ReportingPeriod.id))
                .order_by(ReportingPeriod.id, Recommendation.id)).all()
            work[org] = [tuple(p) for p in pairs]
        for org, pairs in work.items():
            members = [a for a in accounts if a.get("organization_id") == org]
            for i, account in enumerate(members):
                account["targets"] = pairs[i::len(members)]
        db.session.remove()
        db.engine.dispose()
    return {"config": config, "accounts": accounts, "routes": routes}


def serve(config: dict, workers: int, log: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update({f"FLASK_{k}": v for k, v in config.items()})
    env["PYTHONPATH"] = str(TOP)
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--timeout", "60", "wsgi:app"], cwd=TOP, env=env, stdout=out,
            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped:\n" + log.read_text())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("gunicorn did not start within 30 s")


# --- checking what was written -------------------------------------------------------------


def lost_writes(config: dict, expected: list[Expected]) -> list[str]:
    """Acknowledged writes missing from the database (wrong state or older answers)."""
    from monitor import create_app
    from monitor.extensions import db
    from monitor.models import AuditEvent, Evaluation, EvaluationRevision

    app = create_app(config)
    lost = []
    with app.app_context():
        for item in expected:
            evaluation = db.session.scalar(sa.select(Evaluation).where(
                Evaluation.organization_id == item.organization_id,
                Evaluation.period_id == item.period_id,
                Evaluation.recommendation_id == item.recommendation_id))
            if evaluation is None:
                lost.append(f"missing evaluation {item}")
                continue
            if item.marker not in (evaluation.answers or {}).get("assessment", ""):
                lost.append(f"evaluation {evaluation.id}: answers of {item.marker} not kept")
            if evaluation.state != item.state:
                lost.append(f"evaluation {evaluation.id}: state {evaluation.state}, "
                            f"expected {item.state}")
            events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
                AuditEvent.object_type == "Evaluation", AuditEvent.object_id == evaluation.id,
                AuditEvent.action.in_(("evaluation.created", "evaluation.saved",
                                       "evaluation.submitted"))))
            if events != item.writes:
                lost.append(f"evaluation {evaluation.id}: {item.writes} acknowledged writes, "
                            f"{events} audit events")
            if item.state == "submitted" and not db.session.scalar(
                    sa.select(sa.func.count()).select_from(EvaluationRevision).where(
                        EvaluationRevision.evaluation_id == evaluation.id)):
                lost.append(f"evaluation {evaluation.id}: no submitted revision")
        db.session.remove()
        db.engine.dispose()
    return lost


# --- running ---------------------------------------------------------------------------


def run_user(user: User, tasks: list[Task], ops: int, barrier: threading.Barrier) -> None:
    try:
        user.login()
    except Exception as exc:  # noqa: BLE001
        user.stats.error(f"{user.email}: login: {exc}")
        barrier.wait()
        return
    barrier.wait()
    weights = [t.weight for t in tasks]
    for _ in range(ops):
        task = user.rng.choices(tasks, weights)[0]
        try:
            task.run(user)
        except Exception as exc:  # noqa: BLE001
            user.stats.error(f"{user.email}: {exc}")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=30, help="operations per virtual user")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="also print a JSON summary")
    args = parser.parse_args()
    random.seed(args.seed)

    with tempfile.TemporaryDirectory(prefix="monitor-load-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        prepared = prepare(folder)
        print(f"seeded the demo in {time.perf_counter() - started:.1f} s "
              f"({len(prepared['accounts'])} accounts)")
        missing = [t.name for t in WORKLOAD if t.needs and t.needs not in prepared["routes"]]
        tasks_by_role = {
            role: [t for t in WORKLOAD if role in t.roles and t.name not in missing]
            for role in ("coordinator", "ngo_admin", "evaluator")}
        if missing:
            print("left out (route not in this build): " + ", ".join(missing))
        process, port = serve(prepared["config"], args.workers, folder / "gunicorn.log")
        stats = Stats()
        try:
            users = [User(port, a.pop("email"), a.pop("role"), stats, **a)
                     for a in prepared["accounts"] if tasks_by_role[a["role"]]]
            barrier = threading.Barrier(len(users) + 1)
            threads = [threading.Thread(target=run_user,
                                        args=(u, tasks_by_role[u.role], args.ops, barrier))
                       for u in users]
            for thread in threads:
                thread.start()
            barrier.wait()  # everyone signed in: measure the workload itself
            with stats.lock:
                stats.latencies.pop("login", None)
            began = time.perf_counter()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - began
        finally:
            process.terminate()
            process.wait(30)
        expected = [e for u in users for e in u.expected.values()]
        lost = lost_writes(prepared["config"], expected)
        server_errors = (folder / "gunicorn.log").read_text().count("Traceback")

    everything = [x for values in stats.latencies.values() for x in values]
    print(f"\n{len(users)} virtual users x {args.ops} operations, gunicorn -w {args.workers}, "
          f"SQLite (WAL)")
    print(f"{'requests':<14}{'count':>7}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for name in sorted(stats.latencies):
        values = stats.latencies[name]
        print(f"{name:<14}{len(values):>7}{percentile(values, .5) * 1000:>10.1f}"
              f"{percentile(values, .95) * 1000:>10.1f}{max(values) * 1000:>10.1f}")
    print(f"{'all':<14}{len(everything):>7}{percentile(everything, .5) * 1000:>10.1f}"
          f"{percentile(everything, .95) * 1000:>10.1f}"
          f"{(max(everything) if everything else 0) * 1000:>10.1f}")
    throughput = len(everything) / elapsed if elapsed else 0.0
    print(f"\nthroughput: {throughput:.1f} requests/s over {elapsed:.1f} s")
    print(f"errors: {len(stats.errors)} (server tracebacks in the log: {server_errors})")
    for text in stats.errors[:10]:
        print("  " + text)
    writes = sum(e.writes for e in expected)
    print(f"acknowledged writes: {writes} to {len(expected)} evaluations, each checked "
          f"(final answers and state, one audit event per write); lost writes: {len(lost)}")
    for text in lost[:10]:
        print("  " + text)
    if args.json:
        print(json.dumps({
            "requests": len(everything), "seconds": round(elapsed, 2),
            "throughput_rps": round(throughput, 1),
            "p50_ms": round(percentile(everything, .5) * 1000, 1),
            "p95_ms": round(percentile(everything, .95) * 1000, 1),
            "errors": len(stats.errors), "lost_writes": len(lost),
            "writes_checked": sum(e.writes for e in expected),
            "by_kind": {k: len(v) for k, v in stats.latencies.items()},
        }))
    ok = not stats.errors and not lost and not server_errors
    print("\nTarget 0 errors, 0 lost writes: " + ("met" if ok else "NOT met"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
