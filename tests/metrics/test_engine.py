"""`compute_all` runs its two lanes of families on two connections when it can, and gives what one gives."""

from __future__ import annotations

import gc
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from metrics.amazon import apply_amazon_figures
from metrics.collector import collector_paused
from metrics.context import MetricContext
from metrics.engine import FAMILIES, LANES, compute_all
from metrics.result import MetricResult
from storage import models
from storage.db import create_db_engine, make_sessions
from storage.demo.generate import write_demo_data
from tests.conftest import ingest_ok
from tests.metrics.scenario import Scenario

AS_OF = date(2026, 11, 24)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_demo_data(tmp_path_factory.mktemp("demo"), orders=300, seed=11, as_of=AS_OF)


@contextmanager
def connections_used(engine: Engine) -> Iterator[set[int]]:
    """The ids of the database connections checked out of the pool meanwhile."""
    seen: set[int] = set()

    def checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        seen.add(id(dbapi_connection))

    event.listen(engine, "checkout", checkout)
    try:
        yield seen
    finally:
        event.remove(engine, "checkout", checkout)


def as_json(results: list[MetricResult]) -> str:
    return json.dumps([r.as_json(detail=True) for r in results], sort_keys=True, default=str)


def test_every_family_is_in_exactly_one_lane() -> None:
    laned = [family for lane in LANES for family in lane]
    assert sorted(laned, key=id) == sorted(FAMILIES, key=id)
    assert len(laned) == len(set(laned))


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second lane runs only with a second core: the tests see the same on a one-core runner."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


def test_two_lanes_on_two_connections_give_the_figures_one_session_gives(
    engine: Engine, sessions: sessionmaker[Session], account: models.Account, exports: list[Path], two_cores: None
) -> None:
    for path in exports:
        ingest_ok(sessions, account, path)
    with connections_used(engine) as used, sessions.begin() as session:
        laned = compute_all(session=session, account=account, as_of=AS_OF)
    assert len(used) == 2
    with sessions.begin() as session:
        ctx = MetricContext.for_account(session=session, account=account, as_of=AS_OF)
        one_by_one = [result for family in FAMILIES for result in family(ctx)]
        apply_amazon_figures(ctx, one_by_one)
        second_lane = {result.id for family in LANES[1] for result in family(ctx)}
    assert as_json(laned) == as_json(one_by_one)
    assert {"on_time_delivery_rate", "valid_tracking_rate"} <= second_lane
    delivery = next(r for r in laned if r.id == "on_time_delivery_rate")
    assert delivery.denominator


def test_rows_the_session_has_not_committed_are_counted_on_its_own_connection(
    engine: Engine, sessions: sessionmaker[Session], account: models.Account, two_cores: None
) -> None:
    with connections_used(engine) as used, sessions.begin() as session:
        stored = session.get(models.Account, account.id)
        assert stored is not None
        scenario = Scenario(session, stored)
        # An MFN order due on 2026-11-02 (1 handling day), confirmed two days late with tracking the
        # file marks invalid, promised for 2026-11-06: the late shipment rate (first lane) and the valid
        # tracking rate (second lane) must both see it although it is not committed.
        scenario.order("111-0000001-0000001", "2026-11-01T18:00:00+00:00", channel="mfn")
        scenario.shipment(
            "111-0000001-0000001", confirmed="2026-11-04T18:00:00+00:00", valid=False, promised="2026-11-06"
        )
        session.flush()
        assert session.scalar(select(func.count()).select_from(models.OrderItem)) == 1
        results = compute_all(session=session, account=stored, as_of=AS_OF)
        session.rollback()
    late = next(r for r in results if r.id == "late_shipment_rate" and r.window_days == 30)
    assert (late.numerator, late.denominator) == (1, 1)
    tracking = next(r for r in results if r.id == "valid_tracking_rate")
    assert (tracking.numerator, tracking.denominator) == (0, 1)
    assert len(used) == 1


@pytest.fixture
def pool_of_two(database_url: str) -> Iterator[Engine]:
    small = create_db_engine(database_url, pool_size=2, max_overflow=0, pool_timeout=10)
    yield small
    small.dispose()  # its connections closed here, not by the collector during a later test


def test_as_many_computations_at_once_as_the_pool_has_connections_all_finish(
    pool_of_two: Engine, account: models.Account, exports: list[Path], two_cores: None
) -> None:
    # A pool of two, two computations each holding one connection: were both to take a second lane,
    # each would wait for the other's connection until the pool timed out.
    sessions = make_sessions(pool_of_two)
    for path in exports:
        ingest_ok(sessions, account, path)
    both = threading.Barrier(2)
    outcomes: list[str] = []

    def compute() -> None:
        try:
            with sessions.begin() as session:
                session.connection()  # held from here on, as a request's session holds it
                both.wait(10)
                results = compute_all(session=session, account=account, as_of=AS_OF)
            outcomes.append(as_json(results))
        except Exception as exc:
            outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=compute) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with sessions.begin() as session:
        alone = as_json(compute_all(session=session, account=account, as_of=AS_OF))
    assert outcomes == [alone] * 2


def test_no_collector_pass_runs_while_computing_and_the_collector_is_back_as_it_was_after(
    sessions: sessionmaker[Session], account: models.Account, exports: list[Path]
) -> None:
    for path in exports:
        ingest_ok(sessions, account, path)
    passes: list[int] = []

    def counting(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(info["generation"])

    gc.callbacks.append(counting)
    try:
        for was_on in (True, False):
            (gc.enable if was_on else gc.disable)()
            with sessions.begin() as session:
                passes.clear()
                compute_all(session=session, account=account, as_of=AS_OF)
                # At most the pass that resumes collecting as it ends.
                assert len(passes) <= 1
            assert gc.isenabled() is was_on
        # The same work without the pause runs a pass per few hundred allocations: the check above can fail.
        gc.enable()
        with sessions.begin() as session:
            passes.clear()
            ctx = MetricContext.for_account(session=session, account=account, as_of=AS_OF)
            for family in FAMILIES:
                family(ctx)
            assert len(passes) > 10
    finally:
        gc.callbacks.remove(counting)
        gc.enable()


def test_the_collector_resumes_when_the_last_of_overlapping_computations_ends() -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    states: dict[str, bool] = {}

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with collector_paused():
            second_in.set()
            first_out.wait(5)
            states["after the first ended"] = gc.isenabled()
        states["after both ended"] = gc.isenabled()

    assert gc.isenabled()
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert states == {"after the first ended": False, "after both ended": True}


def test_the_collector_resumes_when_a_computation_fails() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a metric query failed")
    assert gc.isenabled()
