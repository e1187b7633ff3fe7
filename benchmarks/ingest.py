"""Ingestion benchmark: a generated All Orders file into SQLite (and PostgreSQL), against the floor.

The floor is what no ingestion can beat: Python's `csv` reader feeding plain `sqlite3.executemany`
inserts of the same columns, as raw text, into an equivalent table with the same key. healthbot does
more per row (decoding checks, parsing and validating every value, UTC conversion, row digests,
new/updated/unchanged classification, the upload log, an (account, date) index), so the figure that
matters is the ratio, measured in one run with the two interleaved: these machines are noisy.

    python -m benchmarks.ingest --rows 1000000 [--postgres URL] [--repeat 2]

Each measurement runs in its own process, so its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from storage.ingest.formats import ALL_ORDERS

FLOOR_TABLE = "order_items"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_file(rows: int, directory: Path, seed: int) -> Path:
    """An All Orders export of exactly `rows` data lines, cut from the demo generator's output."""
    from storage.demo import write_demo_data

    orders = int(rows / 1.1) + 1000
    written = write_demo_data(directory / "demo", orders=orders, seed=seed, as_of=date(2026, 11, 24))
    source = next(p for p in written if p.name.startswith("all-orders"))
    target = directory / f"all-orders-{rows}.txt"
    with source.open("rb") as src, target.open("wb") as dst:
        for count, line in enumerate(src):
            if count > rows:
                break
            dst.write(line)
    if sum(1 for _ in target.open("rb")) - 1 != rows:
        raise SystemExit(f"the generator wrote fewer than {rows} order items; raise the order count")
    return target


def run_floor(path: Path, database: Path) -> dict[str, float]:
    """csv + sqlite3.executemany of the same columns into an equivalent table with the same key."""
    with path.open(encoding="utf-8") as handle:
        present = handle.readline().rstrip("\n").split("\t")
    stored = [c for c in ALL_ORDERS.columns if c.attr and c.header in present]
    headers = [c.header for c in stored]
    names = [c.attr.lstrip("_") for c in stored if c.attr]
    start = time.perf_counter()
    connection = sqlite3.connect(database)
    columns = ", ".join(f"{n} TEXT" for n in names)
    connection.execute(
        f"CREATE TABLE {FLOOR_TABLE} (id INTEGER PRIMARY KEY, account_id INTEGER, {columns}, "
        "UNIQUE (account_id, amazon_order_id, sku))"
    )
    sql = f"INSERT INTO {FLOOR_TABLE} (account_id, {', '.join(names)}) VALUES ({', '.join('?' * (len(names) + 1))})"
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        positions = [header.index(h) for h in headers]
        batch: list[tuple[str | int, ...]] = []
        for row in reader:
            batch.append((1, *[row[i] if i < len(row) else "" for i in positions]))
            if len(batch) >= 5000:
                connection.executemany(sql, batch)
                batch = []
        connection.executemany(sql, batch)
    connection.commit()
    connection.close()
    return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb()}


def run_healthbot(path: Path, url: str) -> dict[str, float]:
    """healthbot's own ingestion of the file, as `healthbot ingest` runs it."""
    from benchmarks.common import fresh_account
    from bot.ingesting import ingest_one
    from storage.settings import StorageSettings

    engine, sessions, account = fresh_account(url)
    start = time.perf_counter()
    result = ingest_one(
        sessions=sessions,
        settings=StorageSettings(),
        account=account,
        path=path,
        uploaded_by="bench",
        source="cli",
        now=datetime.now(UTC),
    )
    seconds = time.perf_counter() - start
    engine.dispose()
    if result.status != "ingested":
        raise SystemExit(f"benchmark file refused: {result.error}")
    return {"seconds": seconds, "peak_mb": _peak_mb(), "rows": result.rows.read}


def _child(kind: str, path: Path, target: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.ingest", "--child", kind, "--file", str(path), "--target", target],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each, interleaved; the best is kept")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HEALTHBOT_BENCH_POSTGRES_URL"),
        help="PostgreSQL URL to measure too (its public schema is wiped)",
    )
    parser.add_argument("--file", type=Path, help="use this All Orders file instead of generating one")
    parser.add_argument("--child", choices=["floor", "healthbot"], help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        figures = (
            run_floor(args.file, Path(args.target)) if args.child == "floor" else run_healthbot(args.file, args.target)
        )
        print(json.dumps(figures))
        return

    with tempfile.TemporaryDirectory(prefix="healthbot-bench-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        path = args.file or make_file(args.rows, work, args.seed)
        generated = time.perf_counter() - started
        size_mb = path.stat().st_size / 1024**2
        print(f"file: {path.name}, {args.rows:,} rows, {size_mb:,.0f} MB (generated in {generated:.1f} s)")
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
        )
        floor: list[dict[str, float]] = []
        ours: list[dict[str, float]] = []
        for attempt in range(args.repeat):
            for database in work.glob("*.db*"):
                database.unlink()
            floor.append(_child("floor", path, str(work / f"floor{attempt}.db")))
            ours.append(_child("healthbot", path, f"sqlite:///{work / f'healthbot{attempt}.db'}"))
        best_floor = min(floor, key=lambda f: f["seconds"])
        best_ours = min(ours, key=lambda f: f["seconds"])
        ratio = best_ours["seconds"] / best_floor["seconds"]
        print(f"floor (csv + sqlite3.executemany): {best_floor['seconds']:.2f} s, peak {best_floor['peak_mb']:.0f} MB")
        print(
            f"healthbot ingest, SQLite:          {best_ours['seconds']:.2f} s, peak {best_ours['peak_mb']:.0f} MB, "
            f"{args.rows / best_ours['seconds']:,.0f} rows/s"
        )
        print(f"ratio healthbot / floor:           {ratio:.2f}x (target 1.5x); peak memory target 200 MB")
        print(
            "all runs (s): floor "
            + ", ".join(f"{f['seconds']:.2f}" for f in floor)
            + "; healthbot "
            + ", ".join(f"{f['seconds']:.2f}" for f in ours)
        )
        if args.postgres:
            pg = _child("healthbot", path, args.postgres)
            print(
                f"healthbot ingest, PostgreSQL:      {pg['seconds']:.2f} s, peak {pg['peak_mb']:.0f} MB, "
                f"{args.rows / pg['seconds']:,.0f} rows/s"
            )


if __name__ == "__main__":
    main()
