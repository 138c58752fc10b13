"""Benchmark: the full comparison for one period against its floor.

    python bench/comparison.py                    # 300 recommendations, 2,000 NGOs, 100,000 rows
    python bench/comparison.py --rows 1000000     # national scale
    python bench/comparison.py --smoke            # 1,000 rows, for CI
    python bench/comparison.py --database both    # sqlite (default), postgres or both

It bulk-loads a synthetic data set (Core executemany) into its own database — a temporary
SQLite file, or the PostgreSQL schema ``bench_comparison`` (dropped afterwards) at
``--postgres-url`` — then times, in the same run (``--repeat`` rounds after a warm-up):

- the floor: ``SELECT recommendation_id, count(*), avg(status_score) FROM evaluation
  WHERE period_id = ? AND counted GROUP BY recommendation_id``;
- the full comparison (services.results.comparison.compare, then its JSON-ready dict);
- the JSON endpoint and the dashboard page, through the WSGI test client as a signed-in
  coordinator.

The four are timed in turn, round after round, so that a change in the machine's load
affects them alike; it prints the median times and the median of the per-round ratios.

Targets: comparison <= 1.5 x floor at 1,000,000 rows; dashboard <= 2 x JSON endpoint.
The rows are submitted evaluations of the measured period; besides them the database
holds 5% drafts (not counted), 3% "no information" answers and a second period with 10%
as many rows, so that the WHERE clause has something to skip. With more rows than 2,000
NGOs x 300 recommendations allow (one evaluation per NGO, recommendation and period),
the number of NGOs grows so that each rates about half of the recommendations.
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._log_key import key_file  # noqa: E402
from bench._postgres import create_schema, drop_schema  # noqa: E402
from monitor import create_app  # noqa: E402
from monitor.extensions import db  # noqa: E402
from monitor.models import (  # noqa: E402
    Evaluation,
    GoverningBody,
    OfficialProgress,
    Organization,
    Plan,
    Recommendation,
    RecommendationFile,
    ReportingPeriod,
    User,
)
from monitor.services.results import comparison  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_comparison"
FILES = 10
CHUNK = 50_000


def _config(url: str, tmp: str) -> dict:
    return {
        "TESTING": False, "SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
        "SQLALCHEMY_DATABASE_URI": url, "MAIL_SERVER": "127.0.0.1", "MONITOR_MAIL_OUTBOX": tmp,
        "MONITOR_ATTACHMENT_DIR": tmp, "RATELIMIT_ENABLED": False,
        "MONITOR_LOG_KEY_FILE": key_file(),
    }


def _insert(table: sa.Table, rows: list[dict]) -> None:
    """Core executemany (no ORM objects), in chunks."""
    connection = db.session.connection()
    for start in range(0, len(rows), CHUNK):
        connection.execute(table.insert(), rows[start:start + CHUNK])


def load(rows: int, recommendations: int, ngos: int, seed: int = 6) -> dict:
    """Bulk-load the synthetic data set; returns what the timings need."""
    rnd = random.Random(seed)
    ngos = max(ngos, math.ceil(rows * 2 / recommendations))
    body = GoverningBody(slug="bench", name_en="Bench body")
    plan = Plan(body=body, slug="bench", status="open", title_en="Bench plan")
    db.session.add_all([body, plan])
    periods = [ReportingPeriod(plan=plan, label=str(year), starts_on=dt.date(year, 1, 1),
                               ends_on=dt.date(year, 12, 31)) for year in (2022, 2023)]
    db.session.add_all(periods)
    files = [RecommendationFile(plan=plan, position=i, title_en=f"File {i + 1}")
             for i in range(FILES)]
    db.session.add_all(files)
    db.session.flush()
    _insert(Recommendation.__table__, [
        {"plan_id": plan.id, "file_id": files[i % FILES].id, "code": f"139.{i + 1}",
         "sort_key": f"00139.{i + 1:05d}", "text_en": f"Recommendation {i + 1}"}
        for i in range(recommendations)])
    _insert(Organization.__table__, [
        {"name": f"NGO {i + 1}", "email": f"ngo{i + 1}@bench.example",
         "preferred_language": "ar"} for i in range(ngos)])
    rec_ids = list(db.session.scalars(sa.select(Recommendation.id).order_by(Recommendation.id)))
    org_ids = list(db.session.scalars(sa.select(Organization.id).order_by(Organization.id)))
    coordinator = User(email="coordinator@bench.example", role="coordinator", name="Bench")
    db.session.add(coordinator)
    for level, measure, value in (("plan", "share_implemented", 42.8),):
        db.session.add(OfficialProgress(period_id=periods[1].id, level_key=level,
                                        measure=measure, value=value))
    db.session.add_all(OfficialProgress(period_id=periods[1].id, file_id=f.id,
                                        level_key=f"file:{f.id}", measure="mean_score",
                                        value=rnd.uniform(30, 80)) for f in files)
    db.session.commit()

    # Each recommendation leans towards a level, so that the figures are not all alike.
    lean = {rid: rnd.choice((0, 25, 50, 75, 100)) for rid in rec_ids}
    scale = (0, 25, 50, 75, 100)

    def score(rid: int) -> int | None:
        if rnd.random() < 0.03:
            return None  # "no information"
        if rnd.random() < 0.6:
            return lean[rid]
        return rnd.choice(scale)

    def evaluations(period_id: int, count: int, drafts: float) -> int:
        total = count + int(count * drafts)
        pairs = rnd.sample(range(len(org_ids) * len(rec_ids)), total)
        batch: list[dict] = []
        for k, pair in enumerate(pairs):
            org, rec = divmod(pair, len(rec_ids))
            rid = rec_ids[rec]
            counted = k < count
            batch.append({"organization_id": org_ids[org], "recommendation_id": rid,
                          "period_id": period_id, "state": "submitted" if counted else "draft",
                          "answers": {}, "version": 1, "counted": counted,
                          "status_score": score(rid) if counted else None,
                          "pseudonymous": False})
            if len(batch) == CHUNK:
                _insert(Evaluation.__table__, batch)
                batch = []
        if batch:
            _insert(Evaluation.__table__, batch)
        return total

    # Bulk-load practice: drop the secondary indexes, load, build them again.
    started = time.perf_counter()
    indexes = list(Evaluation.__table__.indexes)
    for index in indexes:
        index.drop(bind=db.session.connection())
    inserted = evaluations(periods[1].id, rows, 0.05)
    inserted += evaluations(periods[0].id, max(1, rows // 10), 0.0)
    for index in indexes:
        index.create(bind=db.session.connection())
    db.session.commit()
    load_seconds = time.perf_counter() - started
    return {"plan_id": plan.id, "period_id": periods[1].id, "label": "2023", "ngos": ngos,
            "inserted": inserted, "load_seconds": load_seconds, "coordinator": coordinator}


def _timed(fn) -> float:  # noqa: ANN001
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def measure(app, info: dict, repeat: int) -> dict:  # noqa: ANN001
    plan = db.session.get(Plan, info["plan_id"])
    period = db.session.get(ReportingPeriod, info["period_id"])
    floor_sql = (
        sa.select(Evaluation.recommendation_id, sa.func.count(),
                  sa.func.avg(Evaluation.status_score))
        .where(Evaluation.period_id == sa.bindparam("p"), Evaluation.counted == sa.true())
        .group_by(Evaluation.recommendation_id)
    )

    def floor() -> None:
        db.session.execute(floor_sql, {"p": period.id}).all()

    def full() -> None:
        comparison.compare(db.session, plan, period).as_dict()

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = info["coordinator"].get_id()
        session["_fresh"] = True
    api_url = f"/api/v1/plans/{plan.slug}/comparison?period={info['label']}"
    page_url = f"/reports/{plan.slug}/comparison?period={info['label']}&lang=en"

    def api() -> None:
        response = client.get(api_url)
        assert response.status_code == 200, response.status_code

    def page() -> None:
        response = client.get(page_url)
        assert response.status_code == 200, response.status_code

    # Round robin, so that a change in the machine's load affects every measure alike;
    # medians of the times, and of the ratios taken within each round.
    steps = {"floor": floor, "full": full, "api": api, "page": page}
    for fn in steps.values():
        fn()  # warm-up (caches, query plans)
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeat):
        for name, fn in steps.items():
            times[name].append(_timed(fn))
    result = {name: statistics.median(values) for name, values in times.items()}
    result["ratio"] = statistics.median(f / b for f, b in zip(times["full"], times["floor"]))
    result["page_ratio"] = statistics.median(p / a for p, a in zip(times["page"], times["api"]))
    result["page_bytes"] = len(client.get(page_url).data)
    tracemalloc.start()
    full()
    result["peak_kib"] = tracemalloc.get_traced_memory()[1] / 1024
    tracemalloc.stop()
    return result


def run(kind: str, rows: int, recommendations: int, ngos: int, repeat: int,
        pg_url: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-comparison-") as tmp:
        if kind == "sqlite":
            url = f"sqlite:///{tmp}/bench.db"
        else:
            url = create_schema(pg_url, SCHEMA)
        app = create_app(_config(url, tmp))
        try:
            with app.app_context():
                db.create_all()
                info = load(rows, recommendations, ngos)
                # Fresh statistics, and (PostgreSQL) a visibility map for index-only scans.
                db.session.remove()
                if kind == "sqlite":
                    with db.engine.begin() as conn:
                        conn.execute(sa.text("ANALYZE"))
                else:
                    with db.engine.connect().execution_options(
                            isolation_level="AUTOCOMMIT") as conn:
                        conn.execute(sa.text("VACUUM ANALYZE"))
                info["coordinator"] = db.session.scalar(
                    sa.select(User).where(User.email == "coordinator@bench.example"))
                timings = measure(app, info, repeat)
                db.session.remove()
                db.engine.dispose()
        finally:
            if kind == "postgres":
                drop_schema(pg_url, SCHEMA)
    return info | timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000,
                        help="submitted evaluations in the measured period (default 100,000)")
    parser.add_argument("--recommendations", type=int, default=300)
    parser.add_argument("--ngos", type=int, default=2_000)
    parser.add_argument("--smoke", action="store_true", help="1,000 rows, 3 repeats")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", PG_URL))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if args.smoke:
        args.rows, args.repeat = 1_000, 3
    kinds = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    for kind in kinds:
        r = run(kind, args.rows, args.recommendations, args.ngos, args.repeat,
                args.postgres_url)
        ratio, page_ratio = r["ratio"], r["page_ratio"]
        print(f"{kind}: {args.rows:,} submitted evaluations in the period "
              f"({r['inserted']:,} rows loaded in {r['load_seconds']:.1f} s; "
              f"{args.recommendations} recommendations, {r['ngos']:,} NGOs)")
        print(f"  floor (GROUP BY recommendation_id)   {r['floor'] * 1000:9.1f} ms")
        print(f"  full comparison                      {r['full'] * 1000:9.1f} ms"
              f"   ratio {ratio:.2f} x floor (target <= 1.5)")
        print(f"  JSON endpoint                        {r['api'] * 1000:9.1f} ms")
        print(f"  dashboard page                       {r['page'] * 1000:9.1f} ms"
              f"   ratio {page_ratio:.2f} x JSON (target <= 2); {r['page_bytes'] / 1024:.0f} KiB")
        print(f"  peak Python memory of one comparison {r['peak_kib']:9.0f} KiB")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
