"""The database going away and coming back, under the served app and under the clock.

The shared PostgreSQL cluster is never stopped: the app reaches it through a TcpProxy, and `cut()` drops
the app's connections and refuses new ones as a stopped server would. SQLite has no server to lose, so
the SQLite pass skips this module.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.app import UNREACHABLE
from bot.clock import LOCK_KEY, Beat, ClockLock
from bot.runtime import Runtime
from bot.slack_clients import Clients
from bot.tick import tick
from storage import models
from storage.db import create_db_engine, make_sessions
from tests.bot.fakeslack import FakeSlack
from tests.bot.served import serve, slack_settings
from tests.bot.test_clock import Clock, digests
from tests.bot.test_slack_app import _text_of
from tests.conftest import TEST_DB_ENV
from tests.faults.tcp_proxy import TcpProxy
from tests.faults.test_slack_errors import POST, accepted, assert_each_delivered_once, outbox, run

pytestmark = pytest.mark.skipif(
    not os.environ.get(TEST_DB_ENV), reason="PostgreSQL-only fault; the PostgreSQL pass of CI runs it"
)

# Slack fails a slash command not acknowledged within 3 s.
ACK_WINDOW = 3.0


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 7, 0, tzinfo=UTC))


@pytest.fixture
def proxy(database_url: str) -> Iterator[TcpProxy]:
    url = make_url(database_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as started:
        yield started


@pytest.fixture
def proxied_url(database_url: str, proxy: TcpProxy) -> str:
    """The test database, reached through the proxy."""
    return make_url(database_url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


@pytest.fixture
def proxied_engine(proxied_url: str) -> Iterator[Engine]:
    # The production engine (pool_pre_ping, connect_timeout): its recovery is what is under test.
    engine = create_db_engine(proxied_url)
    yield engine
    engine.dispose()


@pytest.fixture
def proxied_sessions(proxied_engine: Engine) -> sessionmaker[Session]:
    return make_sessions(proxied_engine)


@pytest.fixture
def runtime(
    fake: FakeSlack, proxied_engine: Engine, proxied_sessions: sessionmaker[Session], proxied_url: str, clock: Clock
) -> Runtime:
    return Runtime(
        settings=slack_settings(fake, proxied_url), engine=proxied_engine, sessions=proxied_sessions, now=clock
    )


def test_health_during_an_outage_says_try_again_shortly_in_time_and_answers_once_the_database_is_back(
    fake: FakeSlack,
    proxy: TcpProxy,
    proxied_engine: Engine,
    proxied_sessions: sessionmaker[Session],
    proxied_url: str,
    clock: Clock,
    subscribed: models.Account,
) -> None:
    with serve(fake, proxied_engine, proxied_sessions, proxied_url, clock) as app:
        assert "Order Defect Rate" in _text_of(app.sender.command("odr").json())
        assert proxy.cut() >= 1  # the connection the app keeps in its pool is among the dropped

        started = time.monotonic()
        response = app.sender.command("odr")
        elapsed = time.monotonic() - started
        assert response.status_code == 200
        assert "Try again shortly" in _text_of(response.json())
        assert _text_of(response.json()).count(UNREACHABLE) >= 1
        assert elapsed < ACK_WINDOW

        proxy.restore()
        # pool_pre_ping finds the dropped connections dead and opens new ones: no restart needed.
        assert "Order Defect Rate" in _text_of(app.sender.command("odr").json())


def _cut(proxy: TcpProxy) -> None:
    proxy.cut()


def _tick_without_database(runtime: Runtime, clients: Clients, at: datetime) -> str:
    """A tick while the database is away: it must fail, and say so, within seconds."""
    started = time.monotonic()
    try:
        report = tick(runtime, at, clients)
    except OperationalError as exc:  # the clock process logs it and ticks again a minute later
        outcome = f"raised {type(exc).__name__}"
    else:
        assert report.errors, "a tick without its database reported nothing wrong"
        outcome = "; ".join(report.errors)
    assert time.monotonic() - started < 15  # connect_timeout is 5 s: a refused connection must not hang
    return outcome


def test_a_digest_due_while_the_database_is_away_goes_out_late_once(
    runtime: Runtime,
    clock: Clock,
    fake: FakeSlack,
    proxy: TcpProxy,
    sessions: sessionmaker[Session],
    subscribed: models.Account,
) -> None:
    clients = Clients(runtime)
    run(runtime, clock, clients, "2026-11-24T07:00:00+00:00")  # the clock was running: its pool holds connections
    before = len(accepted(fake))
    assert proxy.cut() >= 1

    clock.at = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    _tick_without_database(runtime, clients, clock.at)
    assert len(accepted(fake)) == before  # nothing posted that could not be claimed
    assert digests(fake, "CDIGEST") == []

    proxy.restore()
    run(runtime, clock, clients, "2026-11-24T08:30:00+00:00")
    assert len(digests(fake, "CDIGEST")) == 1
    run(runtime, clock, clients, "2026-11-24T08:31:00+00:00")
    run(runtime, clock, clients, "2026-11-24T09:00:00+00:00")  # past the cutoff for abandoned claims
    assert len(digests(fake, "CDIGEST")) == 1
    assert_each_delivered_once(fake, sessions)


def test_a_digest_posted_just_as_the_database_goes_away_is_not_posted_again(
    runtime: Runtime,
    clock: Clock,
    fake: FakeSlack,
    proxy: TcpProxy,
    sessions: sessionmaker[Session],
    subscribed: models.Account,
) -> None:
    clients = Clients(runtime)
    run(runtime, clock, clients, "2026-11-24T07:00:00+00:00")
    # Slack takes the digest; at that instant the database goes away, before healthbot records the post.
    fake.before_next(POST, lambda: _cut(proxy))
    clock.at = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    _tick_without_database(runtime, clients, clock.at)
    assert len(digests(fake, "CDIGEST")) == 1
    proxy.restore()

    run(runtime, clock, clients, "2026-11-24T08:05:00+00:00")
    run(runtime, clock, clients, "2026-11-24T08:30:00+00:00")
    assert len(digests(fake, "CDIGEST")) == 1
    assert [(m.kind, m.status) for m in outbox(sessions) if m.kind in ("digest", "chart")] == [
        ("digest", "sent"),
        ("chart", "sent"),
    ]


def _wait_until_unlocked(engine: Engine) -> None:
    held = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND ((classid::bigint << 32) | objid::bigint) = :key"
    )
    deadline = time.monotonic() + 10
    while True:
        with engine.connect() as connection:
            if not connection.scalar(held, {"key": LOCK_KEY}):
                return
        assert time.monotonic() < deadline, "the dropped connection's advisory lock was never released"
        time.sleep(0.05)


def _let_go(lock: ClockLock) -> None:
    """Release a clock's lock at the end of a test, whether or not its connection survived."""
    with contextlib.suppress(OperationalError):
        lock.release()
    if lock.connection is not None:
        lock.connection.invalidate()
        lock.connection = None


def test_the_clock_process_ticks_on_once_the_database_is_back(
    runtime: Runtime,
    clock: Clock,
    fake: FakeSlack,
    proxy: TcpProxy,
    sessions: sessionmaker[Session],
    subscribed: models.Account,
) -> None:
    beat = Beat(runtime)  # the minute job of `healthbot clock`, lock and all
    try:
        clock.at = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
        beat()
        proxy.cut()
        clock.at = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
        with contextlib.suppress(OperationalError):  # APScheduler logs a job's exception and runs it next minute
            beat()
        assert digests(fake, "CDIGEST") == []
        proxy.restore()
        clock.at = datetime(2026, 11, 24, 8, 1, tzinfo=UTC)
        beat()
        clock.at = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
        beat()
        assert len(digests(fake, "CDIGEST")) == 1
        assert_each_delivered_once(fake, sessions)
    finally:
        _let_go(beat.lock)


def test_after_the_database_comes_back_one_clock_only_holds_the_lock(
    runtime: Runtime,
    clock: Clock,
    fake: FakeSlack,
    proxy: TcpProxy,
    engine: Engine,
    sessions: sessionmaker[Session],
    subscribed: models.Account,
) -> None:
    first = Beat(runtime)
    second = ClockLock(Runtime(settings=runtime.settings, engine=engine, sessions=sessions, now=clock))
    try:
        first()
        assert not second.acquire()  # as designed while the database stays up
        proxy.cut()
        proxy.restore()
        _wait_until_unlocked(engine)  # PostgreSQL ends the dropped backend, and its lock, a moment later
        assert [first.lock.acquire(), second.acquire()].count(True) == 1
    finally:
        _let_go(second)
        _let_go(first.lock)
