"""Benchmark: the transparency log at national scale, against the submission floor.

    python bench/transparency.py                       # 1,000,000 receipts, SQLite
    python bench/transparency.py --database both       # sqlite (default), postgres or both
    python bench/transparency.py --smoke               # 10,000 receipts, for CI

It bulk-builds a log of N receipts (the tree's nodes computed level by level in memory,
written with Core executemany), then times in the same run, round after round:

- the floor: a submission's own write without the log: one INSERT of a version (its
  answers as JSON) and one UPDATE of the evaluation, then COMMIT;
- the same transaction with the log's append (the locked state row, the leaf and the
  subtrees it closes, a signed head): the append's cost is the difference;
- an inclusion proof for a random receipt: its database time (the entry, the newest head,
  the O(log n) stored nodes in one query) and the whole proof with the hashing.

It prints the median absolute times and the ratios to the floor; and the append's cost at
N/1000 receipts beside N, which stays flat when appending is O(log n).
"""
from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._log_key import key_file  # noqa: E402
from bench._postgres import create_schema, drop_schema  # noqa: E402
from monitor import create_app  # noqa: E402
from monitor.extensions import db  # noqa: E402
from monitor.models import LogEntry, LogNode, LogState, utcnow  # noqa: E402
from monitor.services.results import log_key, merkle, transparency_log  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_transparency"
CHUNK = 50_000

floor_table = sa.Table(
    "bench_submission", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("answers", sa.JSON),
    sa.Column("status_score", sa.Integer),
    sa.Column("content_hash", sa.String(64)),
)
state_table = sa.Table(
    "bench_evaluation", floor_table.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer),
    sa.Column("status_score", sa.Integer),
)
ANSWERS = {"status": "75", "assessment": "تقييم " * 40, "government_actions": "law " * 30}


class DatabaseTime:
    """Seconds spent inside the driver's execute calls (the database's own time, plus the
    driver's round trip), summed while `on`."""

    def __init__(self, engine: sa.Engine) -> None:
        self.total, self.on, self._started = 0.0, False, 0.0
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *args) -> None:  # noqa: ANN002
        self._started = time.perf_counter()

    def _after(self, *args) -> None:  # noqa: ANN002
        if self.on:
            self.total += time.perf_counter() - self._started

    def measure(self, fn):  # noqa: ANN001, ANN201
        self.total, self.on = 0.0, True
        try:
            started = time.perf_counter()
            fn()
            return self.total, time.perf_counter() - started
        finally:
            self.on = False


def bulk_build(n: int) -> float:
    """A log of n random receipts written at once; returns the seconds it took."""
    started = time.perf_counter()
    receipts = [secrets.token_hex(32) for _ in range(n)]
    nodes, frontier = transparency_log.build_nodes(receipts)
    connection = db.session.connection()
    now = utcnow()
    for start in range(0, n, CHUNK):
        connection.execute(LogEntry.__table__.insert(), [
            {"position": i, "kind": "revision", "receipt": receipts[i], "content_hash":
             receipts[i], "revision_id": None, "nonce": None, "period_id": None,
             "created_at": now} for i in range(start, min(n, start + CHUNK))])
    for start in range(0, len(nodes), CHUNK):
        connection.execute(LogNode.__table__.insert(), nodes[start:start + CHUNK])
    connection.execute(LogState.__table__.insert(), [
        {"id": 1, "size": n, "frontier": [h.hex() for h in frontier]}])
    db.session.commit()
    transparency_log.latest_head(db.session)  # the head of the bulk-built log, signed
    db.session.commit()
    return time.perf_counter() - started


def _floor_write(i: int) -> None:
    db.session.execute(floor_table.insert(), {"answers": ANSWERS, "status_score": 75,
                                              "content_hash": secrets.token_hex(32)})
    db.session.execute(state_table.update().where(state_table.c.id == 1)
                       .values(version=state_table.c.version + 1, status_score=i % 100))


def floor_once(clock: DatabaseTime, i: int) -> tuple[float, float]:
    """(database seconds, total seconds) of the floor's transaction."""
    def work() -> None:
        _floor_write(i)
        db.session.commit()
    return clock.measure(work)


def with_log_once(clock: DatabaseTime, i: int) -> tuple[float, float]:
    def work() -> None:
        _floor_write(i)
        transparency_log._append(db.session, kind="revision",  # noqa: SLF001
                                 receipt=secrets.token_hex(32))
        db.session.commit()
    return clock.measure(work)


def proof_once(clock: DatabaseTime, n: int, rng: random.Random) -> tuple[float, float]:
    """(database seconds, total seconds) of the inclusion proof of a random receipt."""
    position = rng.randrange(n)
    receipt = db.session.scalar(sa.select(LogEntry.receipt).where(LogEntry.position == position))
    db.session.commit()
    proof: dict = {}

    def work() -> None:
        proof.update(transparency_log.inclusion_proof(db.session, receipt))
        json.dumps(proof)
    timing = clock.measure(work)
    db.session.commit()
    assert merkle.verify_inclusion(
        merkle.leaf_hash(bytes.fromhex(receipt)), proof["leaf_index"], proof["tree_size"],
        [bytes.fromhex(h) for h in proof["audit_path"]],
        bytes.fromhex(proof["signed_head"]["root_hash"]))
    return timing


def _medians(samples: list[list[tuple[float, float]]]) -> tuple[float, float]:
    """Median over rounds of the per-round medians: (database, total), in ms."""
    return (statistics.median(statistics.median(d for d, _ in r) for r in samples) * 1e3,
            statistics.median(statistics.median(t for _, t in r) for r in samples) * 1e3)


def measure(label: str, url: str, n: int, rounds: int, ops: int) -> dict:
    tmp = tempfile.mkdtemp(prefix="monitor-bench-log-")
    app = create_app({"SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
                      "SQLALCHEMY_DATABASE_URI": url, "MONITOR_MAIL_OUTBOX": tmp,
                      "MAIL_SERVER": "127.0.0.1", "MONITOR_LOG_KEY_FILE": key_file()})
    results: dict = {}
    with app.app_context():
        db.create_all()
        floor_table.metadata.create_all(db.engine)
        db.session.execute(state_table.insert(), {"id": 1, "version": 0, "status_score": 0})
        db.session.commit()
        log_key.signing_key(db.session)
        db.session.commit()
        clock = DatabaseTime(db.engine)
        rng = random.Random(6)
        for size in sorted({max(1, n // 1000), n}):
            for table in ("log_head", "log_node", "log_entry", "log_state"):
                db.session.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 - constants
            db.session.commit()
            build = bulk_build(size)
            floors, appends, proofs = [], [], []
            for r in range(rounds + 1):  # the first round warms up
                f = [floor_once(clock, i) for i in range(ops)]
                a = [with_log_once(clock, i) for i in range(ops)]
                p = [proof_once(clock, size, rng) for _ in range(ops)]
                if r:
                    floors.append(f)
                    appends.append(a)
                    proofs.append(p)
            (floor_db, floor), (log_db, with_log), (proof_db, proof) = (
                _medians(floors), _medians(appends), _medians(proofs))
            results[size] = {"build_s": build, "floor_ms": floor, "with_log_ms": with_log,
                             "append_ms": with_log - floor, "proof_db_ms": proof_db,
                             "proof_ms": proof}
            print(f"{label} {size:>9,} receipts (bulk-built in {build:.1f} s):\n"
                  f"  submission floor {floor:.3f} ms ({floor_db:.3f} ms database); with the "
                  f"log's append {with_log:.3f} ms ({log_db:.3f} ms database) = "
                  f"{with_log / floor:.2f} x floor; the append alone {with_log - floor:.3f} ms "
                  f"({log_db - floor_db:.3f} ms database)\n"
                  f"  inclusion proof {proof:.3f} ms = {proof / floor:.2f} x floor, of which "
                  f"{proof_db:.3f} ms database", flush=True)
        db.session.remove()
        db.engine.dispose()
    small, large = min(results), max(results)
    if small != large:
        print(f"{label} the append at {large:,} against {small:,} receipts: "
              f"{results[large]['append_ms'] / results[small]['append_ms']:.2f} "
              "(about 1 when appending is O(log n))")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ops", type=int, default=200, help="operations timed per round")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--postgres-url", default=PG_URL)
    parser.add_argument("--smoke", action="store_true", help="10,000 receipts, one round")
    args = parser.parse_args()
    if args.smoke:
        args.receipts, args.rounds, args.ops = 10_000, 1, 30
    if args.database in ("sqlite", "both"):
        folder = Path(tempfile.mkdtemp(prefix="monitor-bench-log-db-"))
        measure("SQLite", f"sqlite:///{folder / 'log.db'}", args.receipts, args.rounds,
                args.ops)
    if args.database in ("postgres", "both"):
        url = create_schema(args.postgres_url, SCHEMA)
        try:
            measure("PostgreSQL", url, args.receipts, args.rounds, args.ops)
        finally:
            drop_schema(args.postgres_url, SCHEMA)
    return 0


if __name__ == "__main__":
    sys.exit(main())
