"""Computing every metric for one account on one day."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import date

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from metrics import cancel, cs_survey, delivery, late_shipment, messages, odr, perfect_order, policy, refunds, returns
from metrics.amazon import apply_amazon_figures
from metrics.collector import collector_paused
from metrics.context import MetricContext
from metrics.result import MetricResult
from storage import models

Family = Callable[[MetricContext], list[MetricResult]]

# In the order metrics.md section 2 lists them; each family module computes its metrics' results.
FAMILIES: tuple[Family, ...] = (
    odr.compute,
    cancel.compute,
    late_shipment.compute,
    delivery.compute,
    messages.compute,
    returns.compute,
    cs_survey.compute,
    perfect_order.compute,
    refunds.compute,
    policy.compute,
)

# The families in two lanes of about equal work on a large account, run at once on two connections. The
# families that share what they read (ODR's defects, the orders per day, the judged late-shipment
# candidates) share a lane, so each lane keeps its own context and nothing is loaded twice but the small day counts.
LANES: tuple[tuple[Family, ...], ...] = (
    (odr.compute, perfect_order.compute, late_shipment.compute, cs_survey.compute, policy.compute),
    (delivery.compute, cancel.compute, messages.compute, refunds.compute, returns.compute),
)
ByFamily = dict[Family, list[MetricResult]]

# Second lanes running at once in the process, at most one per spare core (and never near the pool's
# 15 connections): a computation that finds none free runs on one lane. Without the bound, computations
# holding their session's connection could all wait on the pool for a second one that never comes.
MAX_SECOND_LANES = 4
_lanes_lock = threading.Lock()
_second_lanes = 0


def compute_all(*, session: Session, account: models.Account, as_of: date) -> list[MetricResult]:
    """Every metric's results for `account` as of `as_of` (the day is passed in, never read from a clock)."""
    with collector_paused():
        ctx = MetricContext.for_account(session=session, account=account, as_of=as_of)
        with _second_lane(session) as engine:
            if engine is None:
                by_family = _run(ctx, FAMILIES)
            else:
                with ThreadPoolExecutor(max_workers=1, thread_name_prefix="metrics-lane") as pool:
                    other = pool.submit(_run_on_own_session, engine, ctx, LANES[1])
                    by_family = _run(ctx, LANES[0])
                    by_family.update(other.result())
        results = [result for family in FAMILIES for result in by_family[family]]
        # An Account Health report at most a few days old is the headline, the computed figure beside it.
        apply_amazon_figures(ctx, results)
    return results


def _run(ctx: MetricContext, families: Sequence[Family]) -> ByFamily:
    return {family: family(ctx) for family in families}


def _run_on_own_session(engine: Engine, ctx: MetricContext, families: Sequence[Family]) -> ByFamily:
    # Read only: whatever happens, the transaction is rolled back when the session closes.
    with Session(engine) as session:
        return _run(replace(ctx, session=session, shared={}), families)


@contextmanager
def _second_lane(session: Session) -> Iterator[Engine | None]:
    """The engine of a second lane for the block, when one is free and it serves (see below); else None."""
    global _second_lanes
    engine, taken = _second_connection_engine(session), False
    if engine is not None:
        spare = min((os.cpu_count() or 1) - 1, MAX_SECOND_LANES)
        with _lanes_lock:
            taken = _second_lanes < spare
            if taken:
                _second_lanes += 1
    try:
        yield engine if taken else None
    finally:
        if taken:
            with _lanes_lock:
                _second_lanes -= 1


def _second_connection_engine(session: Session) -> Engine | None:
    """The engine a second lane can read through, when it sees exactly what `session` sees; else None.

    Each metric query reads the data committed when it starts (PostgreSQL's READ COMMITTED, SQLite's
    statements outside a write transaction), on one connection or two alike. So a second connection
    serves when the session has written nothing it has not committed (its writes would be invisible
    there), when it reads a database another connection can open (not SQLite in memory, not a
    connection handed in with a transaction of its own).
    """
    if session.new or session.dirty or session.deleted:
        return None
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        return None
    connection = session.connection()
    if bind.dialect.name == "sqlite":
        if bind.url.database in (None, "", ":memory:") or "mode=memory" in str(bind.url):
            return None
        dbapi = connection.connection.dbapi_connection
        # The driver opens a transaction only to write: an open one holds uncommitted writes.
        return None if dbapi is None or dbapi.in_transaction else bind
    if bind.dialect.name == "postgresql":
        written = connection.execute(text("SELECT pg_current_xact_id_if_assigned()")).scalar()
        return bind if written is None else None
    return None
