"""The shipment day counts (storage/shipment_days.py) follow every shipments upload, and the delivery
metrics give with them what they give counting every shipment.

What a user would notice if they did not: an on-time delivery or valid tracking figure that keeps a
shipment on the promised date it had before a corrected file moved it, or that changes when healthbot
reads its counts instead of the shipments themselves.
"""

from __future__ import annotations

import csv
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, case, delete, func, select, true, update
from sqlalchemy.orm import Session, sessionmaker

from metrics import delivery
from metrics.context import MetricContext
from storage import models
from storage.demo import write_demo_data
from storage.purge import purge_before
from storage.queries import add_account, local_workspace, lock_account
from storage.shipment_days import recount_shipment_days
from tests.conftest import ingest_ok
from tests.metrics.scenario import Scenario

AS_OF = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    paths = write_demo_data(tmp_path_factory.mktemp("shipments"), orders=400, seed=8, as_of=AS_OF)
    return {p.name: p for p in paths}


@pytest.fixture
def acme(sessions: sessionmaker[Session]) -> models.Account:
    with sessions.begin() as session:
        workspace = local_workspace(session=session, now=NOW)
        return add_account(session=session, workspace_id=workspace.id, name="acme", marketplace="US", now=NOW)


def kept_counts(sessions: sessionmaker[Session], account: models.Account) -> dict[tuple[date, str], tuple[Any, ...]]:
    """The kept counts, checked against the shipments counted afresh."""
    s, c = models.MfnShipment, models.ShipmentDayCount
    sure = s.on_time_for_sure == true()
    with sessions.begin() as session:
        kept = session.execute(
            select(c.promised_delivery_date, c.tracking, c.shipments, c.units, c.without_units, c.sure)
            .add_columns(c.sure_units, c.last_confirmed_at)
            .where(c.account_id == account.id)
        ).all()
        fresh = session.execute(
            select(
                s.promised_delivery_date,
                s.tracking_valid,
                func.count(),
                func.sum(func.coalesce(s.units, 1)),
                func.count() - func.count(s.units),
                func.sum(case((sure, 1), else_=0)),
                func.sum(case((sure, func.coalesce(s.units, 1)), else_=0)),
                func.max(s.ship_confirmed_at),
            )
            .where(s.account_id == account.id, s.promised_delivery_date.is_not(None), s.ship_confirmed_at.is_not(None))
            .group_by(s.promised_delivery_date, s.tracking_valid)
        ).all()
    counted = {(row[0], row[1]): tuple(row[2:]) for row in kept}
    flags = {True: "Y", False: "N", None: "?"}
    assert counted == {(row[0], flags[row[1]]): tuple(row[2:]) for row in fresh}
    return counted


def figures(sessions: sessionmaker[Session], account: models.Account, as_of: date, timezone: str) -> list[Any]:
    with sessions.begin() as session:
        stored = session.get(models.Account, account.id)
        assert stored is not None
        stored.timezone = timezone
        session.flush()
        ctx = MetricContext.for_account(session=session, account=stored, as_of=as_of)
        return [r.as_json(detail=True) for r in delivery.compute(ctx)]


def moved(source: Path, target: Path, every: int, days: int) -> Path:
    """The shipments file with every `every`-th shipment promised `days` later (a corrected file)."""
    with source.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows[::every]:
        if row["promised-delivery-date"]:
            row["promised-delivery-date"] = (
                date.fromisoformat(row["promised-delivery-date"]) + timedelta(days)
            ).isoformat()
    with target.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return target


def test_counts_follow_uploads_that_add_change_and_move_shipments(
    sessions: sessionmaker[Session], acme: models.Account, demo: dict[str, Path], tmp_path: Path
) -> None:
    ingest_ok(sessions, acme, demo["all-orders.txt"])
    ingest_ok(sessions, acme, demo["shipments.csv"])
    first = kept_counts(sessions, acme)
    assert len(first) > 60 and any(n[3] for n in first.values()) and any(n[0] > n[3] for n in first.values())
    ingest_ok(sessions, acme, demo["shipments.csv"])
    assert kept_counts(sessions, acme) == first
    # A corrected file moves a fifth of the shipments a week later: the days they left count them no more.
    ingest_ok(sessions, acme, moved(demo["shipments.csv"], tmp_path / "shipments.csv", 5, 7))
    after = kept_counts(sessions, acme)
    assert after != first
    assert sum(n[0] for n in after.values()) == sum(n[0] for n in first.values())


def test_shipments_on_time_for_sure_change_no_delivery_figure(
    sessions: sessionmaker[Session], acme: models.Account, demo: dict[str, Path]
) -> None:
    # Ingestion marks the shipments on time in every time zone; the delivery metrics judge only the
    # others. Judging every shipment again (the flag cleared) must give the same figures and causes,
    # in a time zone far from the marketplace's too.
    for name in ("all-orders.txt", "shipments.csv"):
        ingest_ok(sessions, acme, demo[name])
    s = models.MfnShipment
    with sessions.begin() as session:
        counted = select(s.on_time_for_sure, func.count()).where(s.account_id == acme.id)
        flags = dict(session.execute(counted.group_by(s.on_time_for_sure)).all())
    assert flags.get(True) and flags.get(False) and None not in flags
    zones = ("America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Pago_Pago")
    flagged = {zone: figures(sessions, acme, AS_OF, zone) for zone in zones}
    with sessions.begin() as session:
        session.execute(update(s).where(s.account_id == acme.id).values(on_time_for_sure=None))
        recount_shipment_days(session.connection(), acme.id)  # what an upload writing them does
    for zone, expected in flagged.items():
        assert figures(sessions, acme, AS_OF, zone) == expected, zone


@pytest.mark.parametrize("as_of", [AS_OF, AS_OF - timedelta(days=12)])
def test_delivery_figures_from_the_counts_are_those_of_every_shipment_counted(
    sessions: sessionmaker[Session], acme: models.Account, demo: dict[str, Path], as_of: date
) -> None:
    # On the earlier day, shipments confirmed after its instant are stored: their days are counted
    # shipment by shipment, the other days from the kept counts.
    for name in ("all-orders.txt", "shipments.csv"):
        ingest_ok(sessions, acme, demo[name])
    zones = ("America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Pago_Pago")
    from_counts = {zone: figures(sessions, acme, as_of, zone) for zone in zones}
    assert all(r["denominator"] for r in from_counts[zones[0]])
    with sessions.begin() as session:
        session.execute(delete(models.ShipmentDayCount).where(models.ShipmentDayCount.account_id == acme.id))
    for zone, expected in from_counts.items():
        assert figures(sessions, acme, as_of, zone) == expected, zone


def test_a_dated_purge_counts_the_days_again(
    sessions: sessionmaker[Session], acme: models.Account, demo: dict[str, Path]
) -> None:
    for name in ("all-orders.txt", "shipments.csv"):
        ingest_ok(sessions, acme, demo[name])
    before = kept_counts(sessions, acme)
    with sessions.begin() as session:
        purge_before(session=session, account_id=acme.id, before=date(2026, 10, 1))
    after = kept_counts(sessions, acme)
    assert 0 < sum(n[0] for n in after.values()) < sum(n[0] for n in before.values())


def test_a_dated_purge_waits_for_an_upload_of_the_account_in_progress(
    engine: Engine, sessions: sessionmaker[Session], acme: models.Account, demo: dict[str, Path]
) -> None:
    # Both count the same days again (order facts, shipment day counts): run at once on PostgreSQL, the
    # second to insert a day's row would fail on its key. The purge takes the account's lock first, as
    # an upload does, and waits for the upload holding it. (SQLite has one writer at a time anyway.)
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    ingest_ok(sessions, acme, demo["all-orders.txt"])
    ingest_ok(sessions, acme, demo["shipments.csv"])
    purged = threading.Event()
    failures: list[BaseException] = []

    def purge() -> None:
        try:
            with sessions.begin() as session:
                purge_before(session=session, account_id=acme.id, before=date(2026, 10, 1))
            purged.set()
        except BaseException as exc:  # reported below: a thread's exception would be lost
            failures.append(exc)

    with sessions.begin() as upload:
        lock_account(session=upload, account_id=acme.id)  # what an upload takes before writing
        thread = threading.Thread(target=purge)
        thread.start()
        assert not purged.wait(1.5)
    thread.join(60)
    assert not failures, failures
    assert purged.is_set()
    assert kept_counts(sessions, acme)  # equal to the shipments counted afresh


def test_a_shipment_confirmed_after_the_instant_is_not_counted_on_an_earlier_promised_day(
    sessions: sessionmaker[Session], acme: models.Account
) -> None:
    # Confirmed on 2026-11-23, after its promised date: on 2026-11-22 it had not shipped yet, so the
    # valid tracking rate of that day counts only the other shipment, whose tracking is invalid.
    with sessions.begin() as session:
        stored = session.get(models.Account, acme.id)
        assert stored is not None
        scenario = Scenario(session, stored)
        scenario.order("111-0000001-0000001", "2026-10-28T18:00:00+00:00")
        scenario.shipment("111-0000001-0000001", "2026-10-29T18:00:00+00:00", promised="2026-11-03", valid=False)
        scenario.order("111-0000001-0000002", "2026-10-28T18:00:00+00:00")
        scenario.shipment("111-0000001-0000002", "2026-11-23T18:00:00+00:00", promised="2026-11-03", valid=True)
    assert sum(n[0] for n in kept_counts(sessions, acme).values()) == 2
    tracking = next(r for r in figures(sessions, acme, date(2026, 11, 22), "UTC") if r["id"] == delivery.VTR)
    assert (tracking["numerator"], tracking["denominator"]) == (0, 1)
