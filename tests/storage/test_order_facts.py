"""The order facts (storage/order_facts.py) follow every upload of the rows they derive from.

What a user would notice if they did not: a late-shipment or perfect-order figure that depends on the
order in which the exports were uploaded, or that ignores a shipments file uploaded after All Orders.
"""

from __future__ import annotations

import csv
import itertools
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from metrics import late_shipment, perfect_order
from metrics.context import MetricContext
from storage import models
from storage.demo import write_demo_data
from storage.order_facts import FACT_COLUMNS, rebuild_order_facts
from storage.queries import add_account, local_workspace
from tests.conftest import ingest_ok

AS_OF = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
FILES = ("all-orders.txt", "shipments.csv", "cancellations.csv", "buyer-messages.csv", "settlement.txt", "returns.txt")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    paths = write_demo_data(tmp_path_factory.mktemp("facts"), orders=400, seed=3, as_of=AS_OF)
    return {p.name: p for p in paths}


def _account(sessions: sessionmaker[Session], name: str) -> models.Account:
    with sessions.begin() as session:
        workspace = local_workspace(session=session, now=NOW)
        return add_account(session=session, workspace_id=workspace.id, name=name, marketplace="US", now=NOW)


def _ingest(sessions: sessionmaker[Session], account: models.Account, path: Path) -> None:
    ingest_ok(sessions, account, path)


def _facts(sessions: sessionmaker[Session], account: models.Account) -> dict[str, tuple[Any, ...]]:
    f = models.OrderFact
    columns = [getattr(f, name) for name in FACT_COLUMNS if name != "account_id"]
    with sessions.begin() as session:
        rows = session.execute(select(*columns).where(f.account_id == account.id)).all()
    return {row[0]: tuple(row) for row in rows}


def _day_counts(sessions: sessionmaker[Session], account: models.Account) -> dict[tuple[date, str], int]:
    """The kept day counts, checked against the facts counted afresh."""
    f, c = models.OrderFact, models.OrderDayCount
    with sessions.begin() as session:
        kept = session.execute(select(c.order_date, c.channel, c.orders).where(c.account_id == account.id)).all()
        fresh = session.execute(
            select(f.order_date, f.channel, func.count())
            .where(f.account_id == account.id)
            .group_by(f.order_date, f.channel)
        ).all()
    counted = {(day, channel): n for day, channel, n in kept}
    assert counted == {(day, channel): n for day, channel, n in fresh}
    assert all(counted.values())
    return counted


def _late_and_perfect(sessions: sessionmaker[Session], account: models.Account) -> list[Any]:
    with sessions.begin() as session:
        stored = session.get(models.Account, account.id)
        assert stored is not None
        ctx = MetricContext.for_account(session=session, account=stored, as_of=AS_OF)
        results = late_shipment.compute(ctx) + perfect_order.compute(ctx)
        return [(r.id, r.window_days, r.numerator, r.denominator, r.basis) for r in results]


def test_the_order_of_uploads_does_not_matter(sessions: sessionmaker[Session], demo: dict[str, Path]) -> None:
    first, second = _account(sessions, "orders-first"), _account(sessions, "orders-last")
    for name in FILES:
        _ingest(sessions, first, demo[name])
    for name in reversed(FILES):  # shipments and cancellations ahead of the orders they name
        _ingest(sessions, second, demo[name])
    facts = _facts(sessions, first)
    assert len(facts) > 300
    for column in ("first_message_at", "first_refund_at", "refund_return_on", "problem_at"):
        assert any(fact[FACT_COLUMNS.index(column) - 1] is not None for fact in facts.values()), column
    assert _facts(sessions, second) == facts
    assert _day_counts(sessions, second) == _day_counts(sessions, first)
    assert _late_and_perfect(sessions, second) == _late_and_perfect(sessions, first)
    # And both are what a rebuild from the stored rows gives (the migration's backfill).
    days = _day_counts(sessions, first)
    with sessions.begin() as session:
        rebuild_order_facts(session.connection())
    assert _facts(sessions, first) == facts
    assert _day_counts(sessions, first) == days


def test_a_shipments_upload_after_all_orders_counts(sessions: sessionmaker[Session], demo: dict[str, Path]) -> None:
    account = _account(sessions, "acme")
    _ingest(sessions, account, demo["all-orders.txt"])
    before = _facts(sessions, account)
    assert all(fact[FACT_COLUMNS.index("first_confirmed_at") - 1] is None for fact in before.values())
    _ingest(sessions, account, demo["shipments.csv"])
    after = _facts(sessions, account)
    assert sum(1 for fact in after.values() if fact[FACT_COLUMNS.index("first_confirmed_at") - 1]) > 100
    late = {r[1]: r for r in _late_and_perfect(sessions, account) if r[0] == "late_shipment_rate"}
    assert late[30][2] is not None and late[30][3] is not None and 0 < late[30][2] < late[30][3]


def test_uploading_again_changes_nothing(sessions: sessionmaker[Session], demo: dict[str, Path]) -> None:
    account = _account(sessions, "acme")
    for name in FILES:
        _ingest(sessions, account, demo[name])
    facts, figures = _facts(sessions, account), _late_and_perfect(sessions, account)
    days = _day_counts(sessions, account)
    for name in FILES:
        _ingest(sessions, account, demo[name])
    assert _facts(sessions, account) == facts
    assert _day_counts(sessions, account) == days
    assert _late_and_perfect(sessions, account) == figures


def test_time_zone_and_handling_time_need_no_refresh(sessions: sessionmaker[Session], demo: dict[str, Path]) -> None:
    # The facts hold instants and dates as stored: the account's time zone and handling time apply when
    # the metrics read them, so changing either changes the figures at once.
    account = _account(sessions, "acme")
    for name in FILES:
        _ingest(sessions, account, demo[name])
    facts, figures = _facts(sessions, account), _late_and_perfect(sessions, account)
    with sessions.begin() as session:
        stored = session.get(models.Account, account.id)
        assert stored is not None
        stored.timezone = "Asia/Tokyo"  # 17 hours ahead of Los Angeles: latest-ship-dates end a day later
    assert _facts(sessions, account) == facts
    assert _late_and_perfect(sessions, account) != figures


def test_a_buyer_message_uploaded_later_makes_its_order_imperfect(
    sessions: sessionmaker[Session], demo: dict[str, Path], tmp_path: Path
) -> None:
    account = _account(sessions, "acme")
    _ingest(sessions, account, demo["all-orders.txt"])
    _ingest(sessions, account, demo["buyer-messages.csv"])
    perfect = {r[0]: r for r in _late_and_perfect(sessions, account)}["perfect_order_pct"]
    # One more message, about an order no problem touched yet, in a second upload.
    with sessions.begin() as session:
        f = models.OrderFact
        clean = session.scalars(
            select(f.amazon_order_id)
            .where(
                f.account_id == account.id,
                f.problem_at.is_(None),
                f.order_date.between(date(2026, 11, 1), AS_OF - timedelta(days=1)),
            )
            .order_by(f.amazon_order_id)
            .limit(1)
        ).one()
    with demo["buyer-messages.csv"].open(newline="") as source:
        header, values = list(itertools.islice(csv.reader(source), 2))
    values[header.index("message-id")] = "999999001"
    values[header.index("order-id")] = clean
    values[header.index("received-at")] = "2026-11-20T10:00:00+00:00"
    values[header.index("replied-at")] = "2026-11-20T11:00:00+00:00"
    later = tmp_path / "buyer-messages.csv"
    with later.open("w", newline="") as out:
        csv.writer(out).writerows([header, values])
    _ingest(sessions, account, later)
    after = {r[0]: r for r in _late_and_perfect(sessions, account)}["perfect_order_pct"]
    assert after[3] == perfect[3]  # the same orders
    assert after[2] == perfect[2] - 1  # one perfect order fewer


def test_a_message_moved_off_an_order_refreshes_that_order(
    sessions: sessionmaker[Session], demo: dict[str, Path], tmp_path: Path
) -> None:
    # Buyer messages are keyed by message id: a re-upload can change (or empty) a message's order.
    account = _account(sessions, "acme")
    _ingest(sessions, account, demo["all-orders.txt"])
    _ingest(sessions, account, demo["buyer-messages.csv"])
    m, f = models.BuyerMessage, models.OrderFact
    with sessions.begin() as session:
        asked_once = (
            select(m.amazon_order_id)
            .where(m.account_id == account.id, m.amazon_order_id.in_(select(f.amazon_order_id)))
            .group_by(m.amazon_order_id)
            .having(func.count() == 1)
            .order_by(m.amazon_order_id)
            .limit(1)
        )
        order_id = session.scalars(asked_once).one()
        assert order_id is not None
        message_id = session.scalars(select(m.message_id).where(m.amazon_order_id == order_id)).one()
    with demo["buyer-messages.csv"].open(newline="") as source:
        rows = list(csv.reader(source))
    header = rows[0]
    moved = next(row for row in rows[1:] if row[header.index("message-id")] == message_id)
    moved[header.index("order-id")] = ""
    later = tmp_path / "buyer-messages.csv"
    with later.open("w", newline="") as out:
        csv.writer(out).writerows([header, moved])
    _ingest(sessions, account, later)
    facts = _facts(sessions, account)
    assert facts[order_id][FACT_COLUMNS.index("first_message_at") - 1] is None
    with sessions.begin() as session:
        rebuild_order_facts(session.connection())
    assert _facts(sessions, account) == facts


def test_event_uploads_of_one_account_at_once_leave_the_facts_a_rebuild_gives(
    sessions: sessionmaker[Session], demo: dict[str, Path]
) -> None:
    # Two files shared together are ingested in parallel: both recompute the facts of the orders they
    # name. Each must see the other's rows (one waits for the other), and neither may fail.
    account = _account(sessions, "acme")
    _ingest(sessions, account, demo["all-orders.txt"])
    names = ("buyer-messages.csv", "settlement.txt", "returns.txt", "shipments.csv", "cancellations.csv")
    start = threading.Barrier(len(names))
    failures: list[BaseException] = []

    def upload(name: str) -> None:
        try:
            start.wait()
            _ingest(sessions, account, demo[name])
        except BaseException as exc:  # reported below: a thread's exception would be lost
            failures.append(exc)

    threads = [threading.Thread(target=upload, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    facts, days = _facts(sessions, account), _day_counts(sessions, account)
    with sessions.begin() as session:
        rebuild_order_facts(session.connection())
    assert _facts(sessions, account) == facts
    assert _day_counts(sessions, account) == days
