"""Slack benchmarks: signed `/health` requests against the `web` shape (gunicorn, as the Procfile runs it).

    python -m benchmarks.slack burst [--database-url URL] [--concurrency 20] [--rounds 10]
    python -m benchmarks.slack load  [--database-url URL] [--concurrency 50] [--seconds 60] [--ingest-rows 300000]

`burst` (Slack app issue): `--concurrency` simultaneous `/health odr`, `--rounds` times; p50 and p99
of the server time (gunicorn's own request time, `%(D)s` in its access log) and of the client's.
`load` (reliability issue): `--concurrency` clients sending `/health` and `/health odr` without pause
for `--seconds`, while `healthbot ingest` writes a large All Orders file into the same database;
throughput, p99 and errors.

Without `--database-url`, the metrics benchmark's account (1,000,000 order items in the ODR window)
is generated and ingested into a fresh SQLite file first (several minutes). The day's figures are
computed once, as an upload would. A local fake Slack answers `auth.test`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select

from benchmarks.metrics import AS_OF, ITEMS_PER_ORDER, WINDOW_SHARE, prepare
from metrics.snapshots import compute_snapshot
from storage import models
from storage.db import create_db_engine, make_sessions
from tests.bot.fakeslack import FakeSlack
from tests.bot.slack_requests import SlackSender

SECRET = "bench-signing-secret"
NOW = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 9, 0, tzinfo=UTC)


@dataclass
class Samples:
    client_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ms: float, status: int, body: str) -> None:
        with self.lock:
            self.client_ms.append(ms)
            if status != 200 or "Try again" in body or "could not answer" in body:
                self.errors.append(f"{status}: {body[:80]}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else float("nan")


def _bench_account(url: str) -> None:
    engine = create_db_engine(url)
    sessions = make_sessions(engine)
    with sessions.begin() as session:
        account = session.scalars(select(models.Account).where(models.Account.name == "bench")).one()
        items = session.scalar(select(func.count()).select_from(models.OrderItem))
        started = time.perf_counter()
        compute_snapshot(session=session, account=account, as_of=AS_OF, computed_at=NOW)
        print(f"{items:,} order items stored; the day's figures computed in {time.perf_counter() - started:.1f} s")
    engine.dispose()


class Gunicorn:
    """The Procfile's `web` process on a free local port, its access log giving each request's time."""

    def __init__(self, url: str, fake: FakeSlack, log: Path) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": fake.token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
        }
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
                "--threads", "8", "--timeout", "60", "--access-logfile", str(log),
                "--access-logformat", "%(D)s %(s)s", "bot.web:create_app()",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}/slack/events"

    def wait_ready(self, sender: SlackSender) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if sender.command("help").status_code == 200:
                    return
            except Exception:  # not listening yet
                time.sleep(0.5)
        raise SystemExit(
            "gunicorn did not start: " + (self.process.stderr.read().decode() if self.process.stderr else "")
        )

    def server_ms(self) -> list[float]:
        return [int(line.split()[0]) / 1000 for line in self.log.read_text().splitlines() if line.strip()]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def burst(url: str, concurrency: int, rounds: int, work: Path) -> None:
    with FakeSlack() as fake:
        server = Gunicorn(url, fake, work / "access.log")
        try:
            sender = SlackSender(server.url, SECRET, team_id=fake.team_id, fake=fake)
            server.wait_ready(sender)
            for _ in range(3):
                sender.command("odr")  # warm-up: both workers' pools and caches
            server.log.write_text("")
            samples = Samples()
            # One pooled client for every thread: a new httpx client per request costs the benchmark
            # itself milliseconds of CPU (an SSL context each), which would show as the server's latency.
            http = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=concurrency * 2))
            for _ in range(rounds):
                barrier = threading.Barrier(concurrency)

                def one(barrier: threading.Barrier = barrier) -> None:
                    body, headers = sender.build_command("odr")
                    barrier.wait()  # all at once: the burst is what is measured
                    started = time.perf_counter()
                    response = http.post(server.url, content=body, headers=headers)
                    samples.add((time.perf_counter() - started) * 1000, response.status_code, response.text)

                threads = [threading.Thread(target=one) for _ in range(concurrency)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            time.sleep(1)
            server_ms = server.server_ms()
        finally:
            server.stop()
    print(
        f"burst: {len(samples.client_ms)} signed /health odr, {concurrency} at a time, {len(samples.errors)} errors\n"
        f"  server time: p50 {statistics.median(server_ms):.1f} ms, p99 {percentile(server_ms, 0.99):.1f} ms\n"
        f"  client time: p50 {statistics.median(samples.client_ms):.1f} ms, "
        f"p99 {percentile(samples.client_ms, 0.99):.1f} ms (target: p99 under 100 ms)"
    )


def load(url: str, concurrency: int, seconds: float, ingest_rows: int, work: Path) -> None:
    from storage.demo import write_demo_data

    # A seed of its own each run: the file brings new orders, so the ingestion really writes.
    orders = write_demo_data(
        work / "ingest", orders=int(ingest_rows / ITEMS_PER_ORDER), seed=int(time.time()), as_of=AS_OF
    )[0]
    with FakeSlack() as fake:
        server = Gunicorn(url, fake, work / "access.log")
        try:
            sender = SlackSender(server.url, SECRET, team_id=fake.team_id, fake=fake)
            server.wait_ready(sender)
            server.log.write_text("")
            samples = Samples()
            stop = time.monotonic() + seconds
            ingest = subprocess.Popen(
                [sys.executable, "-m", "bot", "ingest", str(orders), "--account", "bench"],
                env={**os.environ, "DATABASE_URL": url},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )

            http = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=concurrency * 2))

            def client(n: int) -> None:
                text = "odr" if n % 2 else ""
                while time.monotonic() < stop:
                    started = time.perf_counter()
                    try:
                        body, headers = sender.build_command(text)
                        response = http.post(server.url, content=body, headers=headers)
                        samples.add((time.perf_counter() - started) * 1000, response.status_code, response.text)
                    except Exception as exc:  # a refused or dropped connection is an error, not a crash
                        samples.add((time.perf_counter() - started) * 1000, 0, repr(exc))

            threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            ingest_out = ingest.communicate(timeout=1800)[0].decode()
            server_ms = server.server_ms()
        finally:
            server.stop()
    count = len(samples.client_ms)
    print(
        f"load: {concurrency} clients for {seconds:.0f} s while ingesting {orders.name} ({ingest_rows:,} rows):\n"
        f"  {count:,} requests, {count / seconds:.0f}/s, {len(samples.errors)} errors"
        + (f" (first: {samples.errors[0]})" if samples.errors else "")
        + f"\n  server time p50 {statistics.median(server_ms):.1f} ms, p99 {percentile(server_ms, 0.99):.1f} ms;"
        f" client time p50 {statistics.median(samples.client_ms):.1f} ms,"
        f" p99 {percentile(samples.client_ms, 0.99):.1f} ms (target: 0 errors, p99 under 250 ms)\n"
        f"  ingestion: exit {ingest.returncode}: {ingest_out.strip().splitlines()[-1] if ingest_out.strip() else ''}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["burst", "load"])
    parser.add_argument("--database-url", help="a database already holding the `bench` account")
    parser.add_argument("--window-items", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--ingest-rows", type=int, default=300_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="healthbot-bench-") as tmp:
        work = Path(tmp)
        url = args.database_url
        if url is None:
            from storage.demo import write_demo_data

            orders = int(args.window_items / ITEMS_PER_ORDER / WINDOW_SHARE)
            paths = write_demo_data(work / "exports", orders=orders, seed=1, as_of=AS_OF)
            url = f"sqlite:///{work / 'bench.db'}"
            seconds, items = prepare(url, paths)
            print(f"ingested {orders:,} orders in {seconds:.0f} s; {items:,} order items in the ODR window")
        _bench_account(url)
        if args.mode == "burst":
            burst(url, args.concurrency or 20, args.rounds, work)
        else:
            load(url, args.concurrency or 50, args.seconds, args.ingest_rows, work)


if __name__ == "__main__":
    main()
