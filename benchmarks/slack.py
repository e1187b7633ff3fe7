"""Slack benchmark: concurrent signed `/health odr` requests against an account with 1,000,000 order items.

    python -m benchmarks.slack [--window-items 1000000] [--database-url URL] [--concurrency 20] [--rounds 10]

Without `--database-url` the metrics benchmark's data is generated and ingested into a fresh SQLite
file first (several minutes); with it, an existing database holding the `bench` account is used (the
metrics benchmark leaves one behind with `--keep`, if it has that option; any database works). The
day's figures are computed once (as the ingestion would), then the app is served by a threaded WSGI
server against a local fake Slack and hit by `--concurrency` simultaneous signed requests, `--rounds`
times. Server time is measured around the WSGI application: from the request's arrival to the ack.
"""

from __future__ import annotations

import argparse
import socketserver
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import func, select

from benchmarks.metrics import AS_OF, ITEMS_PER_ORDER, WINDOW_SHARE, prepare
from bot.app import build_app
from bot.config import Settings
from bot.runtime import Runtime
from metrics.snapshots import compute_snapshot
from storage import models
from storage.db import create_db_engine, make_sessions
from tests.bot.fakeslack import FakeSlack
from tests.bot.slack_requests import SlackSender

SECRET = "bench-signing-secret"
NOW = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 9, 0, tzinfo=UTC)


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's default backlog of 5 resets a burst of connections


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class Timed:
    """A WSGI middleware recording each request's time in the application."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.seconds: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        started = time.perf_counter()
        body = list(self.app(environ, start_response))
        with self.lock:
            self.seconds.append(time.perf_counter() - started)
        return body


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window-items", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="a database already holding the `bench` account")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="healthbot-bench-") as tmp:
        url = args.database_url
        if url is None:
            from storage.demo import write_demo_data

            orders = int(args.window_items / ITEMS_PER_ORDER / WINDOW_SHARE)
            paths = write_demo_data(Path(tmp) / "exports", orders=orders, seed=1, as_of=AS_OF)
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            seconds, items = prepare(url, paths)
            print(f"ingested {orders:,} orders in {seconds:.0f} s; {items:,} order items in the ODR window")
        run(url, args.concurrency, args.rounds)


def run(url: str, concurrency: int, rounds: int) -> None:
    engine = create_db_engine(url)
    sessions = make_sessions(engine)
    with sessions.begin() as session:
        account = session.scalars(select(models.Account).where(models.Account.name == "bench")).one()
        items = session.scalar(select(func.count()).select_from(models.OrderItem))
        started = time.perf_counter()
        compute_snapshot(session=session, account=account, as_of=AS_OF, computed_at=NOW)
        print(f"{items:,} order items stored; the day's figures computed in {time.perf_counter() - started:.1f} s")
    with FakeSlack() as fake:
        settings = Settings.model_validate(
            {
                "DATABASE_URL": url,
                "SLACK_BOT_TOKEN": fake.token,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.api_url,
            }
        )
        runtime = Runtime(settings=settings, engine=engine, sessions=sessions, now=lambda: NOW)
        timed = Timed(SlackRequestHandler(build_app(runtime)))
        server = make_server("127.0.0.1", 0, timed, server_class=_Server, handler_class=_Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        sender = SlackSender(f"http://127.0.0.1:{server.server_port}/slack/events", SECRET, team_id=fake.team_id)
        sender.command("odr")  # warm-up: connection pools, statement caches
        timed.seconds.clear()
        failures = 0
        for _ in range(rounds):
            barrier = threading.Barrier(concurrency)
            statuses: list[int] = []

            def one(barrier: threading.Barrier = barrier, statuses: list[int] = statuses) -> None:
                body, headers = sender.build_command("odr")
                barrier.wait()  # all at once: the burst is what is measured
                statuses.append(sender.post(body, headers).status_code)

            threads = [threading.Thread(target=one) for _ in range(concurrency)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            failures += sum(1 for s in statuses if s != 200)
        server.shutdown()
        server.server_close()
    samples = [s * 1000 for s in timed.seconds]
    print(
        f"{len(samples)} signed /health odr requests, {concurrency} at a time, {failures} failed: "
        f"p50 {statistics.median(samples):.1f} ms, p99 {_percentile(samples, 0.99):.1f} ms, "
        f"max {max(samples):.1f} ms (target: p99 under 100 ms)"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
