"""Metrics benchmark: every metric for an account with 1,000,000 order items in the ODR window.

    python -m benchmarks.metrics [--window-items 1000000] [--postgres URL] [--repeat 3] [--data DIR [--reuse]]

The demo generator writes the account's exports (orders over 120 days, so the ODR window's 60 days
hold about half of them, with proportional feedback, claims, shipments, messages...); they are
ingested into a fresh database, then `compute_all` is timed (best of `--repeat`, after one warm-up).

`--data DIR` keeps the exports and the SQLite database in DIR (generated only when missing);
with `--reuse`, databases that already hold the account are migrated and timed without ingesting
again, which is what iterating on a metric query needs (generating and ingesting take minutes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select, text

from benchmarks.common import ACCOUNT, fresh_account
from bot.ingesting import ingest_one
from metrics.collector import collector_paused
from metrics.context import MetricContext
from metrics.engine import FAMILIES, compute_all
from storage import models
from storage.db import create_db_engine, make_sessions, upgrade
from storage.settings import StorageSettings

AS_OF = date(2026, 11, 24)
ITEMS_PER_ORDER = 1.2  # the demo's multi-item share
WINDOW_SHARE = 60 / 120  # ODR window days / history days


def prepare(url: str, paths: list[Path]) -> tuple[float, int]:
    """Ingest the exports into a fresh database at `url`; returns (seconds, order items in the window)."""
    engine, sessions, account = fresh_account(url)
    started = time.perf_counter()
    for path in paths:
        result = ingest_one(
            sessions=sessions,
            settings=StorageSettings(),
            account=account,
            path=path,
            uploaded_by="bench",
            source="cli",
            now=datetime.now(UTC),
        )
        if result.status != "ingested":
            raise SystemExit(f"{path.name} refused: {result.error}")
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    seconds = time.perf_counter() - started
    with sessions.begin() as session:
        items = session.scalar(
            select(func.count())
            .select_from(models.OrderItem)
            .where(models.OrderItem.order_date.between(date(2026, 9, 11), date(2026, 11, 9)))
        )
    engine.dispose()
    return seconds, int(items or 0)


def already_ingested(url: str) -> bool:
    """Whether the database at `url` holds the benchmark account with its orders (migrated first)."""
    engine = create_db_engine(url)
    try:
        upgrade(engine)
        sessions = make_sessions(engine)
        with sessions.begin() as session:
            account = session.scalars(select(models.Account).where(models.Account.name == ACCOUNT)).first()
            if account is None:
                return False
            stored = select(models.OrderItem.id).where(models.OrderItem.account_id == account.id).limit(1)
            return session.scalar(stored) is not None
    finally:
        engine.dispose()


def time_compute(url: str, repeat: int) -> list[float]:
    engine = create_db_engine(url)
    sessions = make_sessions(engine)
    with sessions.begin() as session:
        account = session.scalars(select(models.Account).where(models.Account.name == "bench")).one()
    timings = []
    for attempt in range(repeat + 1):
        with sessions.begin() as session:
            started = time.perf_counter()
            results = compute_all(session=session, account=account, as_of=AS_OF)
            if attempt:  # the first run warms the caches
                timings.append(time.perf_counter() - started)
    # Each family in turn on one context, one lane, with the collector paused as compute_all pauses it,
    # after the runs above warmed the caches: where the time goes.
    with sessions.begin() as session, collector_paused():
        ctx = MetricContext.for_account(session=session, account=account, as_of=AS_OF)
        for family in FAMILIES:
            started = time.perf_counter()
            family(ctx)
            print(f"  {family.__module__:<24} {time.perf_counter() - started:.2f} s")
    engine.dispose()
    print(f"  {len(results)} figures: " + ", ".join(sorted({r.id for r in results})))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window-items", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("HEALTHBOT_BENCH_POSTGRES_URL"))
    parser.add_argument("--data", help="keep the exports and the SQLite database in this directory")
    parser.add_argument("--reuse", action="store_true", help="with --data: time already ingested databases")
    args = parser.parse_args()
    if args.reuse and not args.data:
        parser.error("--reuse needs --data")
    from storage.demo import write_demo_data

    orders = int(args.window_items / ITEMS_PER_ORDER / WINDOW_SHARE)
    with tempfile.TemporaryDirectory(prefix="healthbot-bench-") as tmp:
        work = Path(args.data) if args.data else Path(tmp)
        exports, listed = work / "exports", work / "exports.txt"
        if args.data and listed.is_file():
            paths = [exports / name for name in listed.read_text().split()]  # in the order first ingested
            print(f"reusing {len(paths)} exports in {exports}")
        else:
            started = time.perf_counter()
            paths = write_demo_data(exports, orders=orders, seed=1, as_of=AS_OF)
            listed.write_text("".join(f"{path.name}\n" for path in paths))
            print(f"generated {len(paths)} exports for {orders:,} orders in {time.perf_counter() - started:.0f} s")
        targets = [("SQLite", f"sqlite:///{work / 'bench.db'}")]
        if args.postgres:
            targets.append(("PostgreSQL", args.postgres))
        for label, url in targets:
            if args.reuse and already_ingested(url):
                print(f"{label}: reusing the ingested database")
            else:
                seconds, items = prepare(url, paths)
                print(f"{label}: ingested in {seconds:.0f} s; {items:,} order items in the ODR window")
            timings = time_compute(url, args.repeat)
            print(
                f"  compute_all: best {min(timings):.2f} s, median {statistics.median(timings):.2f} s "
                f"(target: under 2 s)"
            )


if __name__ == "__main__":
    main()
