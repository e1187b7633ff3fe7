"""The `shipment_day_counts` table: the confirmed shipments per promised date and tracking flag, counted.

The delivery metrics count an account's shipments per promised delivery date over some 45 days: on
a large account, hundreds of thousands of index entries at every computation, although nothing
about most of them can change once their promised day is over. Counted here once per upload
instead, with the shipments on time for sure apart (`MfnShipment.on_time_for_sure`: on time in every
time zone), the metrics read a few rows per day and judge only the other shipments one by one.

A pure function of `mfn_shipments`: an upload that writes shipments counts again, in its own
transaction, every promised date it wrote to or moved a shipment away from; counting twice gives
the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, case, delete, func, insert, literal_column, select, true

from storage.models import MfnShipment, ShipmentDayCount

# `ShipmentDayCount.tracking`: the file's tracking-valid flag.
FLAGGED_VALID, FLAGGED_INVALID, NO_FLAG = "Y", "N", "?"


def as_date(value: Any) -> date:
    """A promised date as the writer holds it (SQLite's driver form is its ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def recount_shipment_days(connection: Connection, account_id: int | None = None, days: Iterable[Any] = ()) -> None:
    """Count again the account's shipments (every account's when None) promised on the days from the
    earliest to the latest of `days` (every day when `days` is empty)."""
    chosen = sorted({as_date(day) for day in days})
    s = MfnShipment
    counts: Any = ShipmentDayCount.__table__
    stale = delete(counts)
    counted = select(
        s.account_id,
        s.promised_delivery_date,
        case((s.tracking_valid.is_(None), NO_FLAG), (s.tracking_valid == true(), FLAGGED_VALID), else_=FLAGGED_INVALID),
        func.count(),
        func.sum(func.coalesce(s.units, 1)),
        func.count() - func.count(s.units),
        func.sum(case((s.on_time_for_sure == true(), 1), else_=0)),
        func.sum(case((s.on_time_for_sure == true(), func.coalesce(s.units, 1)), else_=0)),
        func.max(s.ship_confirmed_at),
    ).where(s.promised_delivery_date.is_not(None), s.ship_confirmed_at.is_not(None))
    if account_id is not None:
        stale = stale.where(counts.c.account_id == account_id)
        counted = counted.where(s.account_id == account_id)
    if chosen:
        stale = stale.where(counts.c.promised_delivery_date.between(chosen[0], chosen[-1]))
        counted = counted.where(s.promised_delivery_date.between(chosen[0], chosen[-1]))
    connection.execute(stale)
    columns = ["account_id", "promised_delivery_date", "tracking", "shipments", "units", "without_units", "sure"]
    connection.execute(
        insert(counts).from_select(
            [*columns, "sure_units", "last_confirmed_at"],
            # By position: PostgreSQL takes a CASE with bound parameters repeated in GROUP BY for
            # another expression than the one selected.
            counted.group_by(literal_column("1"), literal_column("2"), literal_column("3")),
        )
    )
