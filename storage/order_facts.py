"""The `order_facts` table: one row per order, derived from its items, shipments and cancellation.

The shipping metrics need, for each order, its order date, channel, latest-ship-date, status, first
ship confirmation and cancellation. Read from the base tables that is every item's non-indexed columns
and a shipment look-up per order (most of the metrics' time on a million items); stored here, it is
one indexed row per order. The facts are a pure function of `order_items`, `mfn_shipments` and
`cancellations`: ingestion refreshes the orders each chunk writes, in the upload's own transaction
(so a refused file leaves them as they were), and refreshing twice gives the same rows. Nothing here
depends on the account's time zone or handling time: the metrics apply those when they read.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    not_,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select
from sqlalchemy.types import String

from storage.models import Cancellation, MfnShipment, OrderFact, OrderItem

# All Orders statuses (order-status and item-status columns).
CANCELLED = ("Cancelled", "Canceled")
AWAITING_SHIPMENT = ("Unshipped", "PartiallyShipped")  # the seller still has to ship (confirm) it
# The tables whose rows the facts are derived from: an upload writing one of these refreshes them.
SOURCES = frozenset({OrderItem.__tablename__, MfnShipment.__tablename__, Cancellation.__tablename__})


def _selected(connection: Connection, column: Any, order_ids: Collection[str] | None) -> ColumnElement[bool]:
    """`column` among `order_ids` (all when None), as one array parameter (see storage/ingest/writer.py)."""
    if order_ids is None:
        return literal(True)
    if connection.dialect.name == "postgresql":
        matched: ColumnElement[bool] = column == func.any(literal(list(order_ids), type_=_text_array()))
        return matched
    listed: Select[Any] = select(literal_column("value")).select_from(func.json_each(json.dumps(list(order_ids))))
    within: ColumnElement[bool] = column.in_(listed.scalar_subquery())
    return within


def _text_array() -> ARRAY[str]:
    return ARRAY(String())


def _start_of_day(day: Any, dialect: str) -> ColumnElement[Any]:
    """00:00 UTC of a date column, comparable with the stored instants."""
    if dialect == "postgresql":
        midnight: ColumnElement[Any] = func.timezone(literal_column("'UTC'"), cast(day, DateTime()))
        return midnight
    return day  # type: ignore[no-any-return]  # SQLite: a date's text sorts just before its day's instants


def _whole_second(moment: Any, dialect: str) -> ColumnElement[Any]:
    """An instant truncated to the second (the end of a local day, 23:59:59, is a whole second)."""
    truncated: ColumnElement[Any] = (
        func.date_trunc("second", moment) if dialect == "postgresql" else func.substr(moment, 1, 19)
    )
    return truncated  # "YYYY-MM-DD HH:MM:SS": sorts before the same second with a fraction


def facts_query(connection: Connection, account_id: int | None, order_ids: Collection[str] | None) -> Any:
    """The facts of the orders (of the account; all accounts when None) as an INSERT ... SELECT source."""
    dialect = connection.dialect.name
    i, s, c = OrderItem, MfnShipment, Cancellation
    item_filter = _selected(connection, i.amazon_order_id, order_ids)
    ship_filter = _selected(connection, s.amazon_order_id, order_ids)
    if account_id is not None:
        item_filter = and_(i.account_id == account_id, item_filter)
        ship_filter = and_(s.account_id == account_id, ship_filter)
    cancelled_status = or_(i.order_status.in_(CANCELLED), i.item_status.in_(CANCELLED))
    items = (
        select(
            i.account_id,
            i.amazon_order_id,
            func.min(i.order_date).label("order_date"),
            func.min(i.channel).label("channel"),
            func.count().label("items"),
            func.min(i.sku).label("first_sku"),
            func.min(i.latest_ship_at).label("latest_ship_at"),
            func.sum(case((i.order_status.in_(CANCELLED), 1), else_=0)).label("cancelled_items"),
            func.sum(case((i.order_status.in_(AWAITING_SHIPMENT), 1), else_=0)).label("awaiting_items"),
            func.min(case((cancelled_status, i.last_updated_at))).label("cancel_seen_at"),
            func.max(i.last_updated_at).label("last_updated_at"),
        )
        .where(item_filter)
        .group_by(i.account_id, i.amazon_order_id)
        .subquery("items")
    )
    shipments = (
        select(
            s.account_id,
            s.amazon_order_id,
            func.min(s.ship_confirmed_at).label("first_confirmed_at"),
            func.min(s.expected_ship_date).label("expected"),
            func.min(s.carrier).label("carrier"),
        )
        .where(ship_filter)
        .group_by(s.account_id, s.amazon_order_id)
        .subquery("shipments")
    )
    it, sh = items.c, shipments.c
    # The earliest the expected ship date can end, in any time zone (UTC-12 to UTC+14): the
    # latest-ship-date's own second; else 00:00 UTC of the template's expected date or of the order date
    # (the handling time only adds days). A confirmation before it was on time, whatever is asked.
    floor = case(
        (it.latest_ship_at.is_not(None), _whole_second(it.latest_ship_at, dialect)),
        (sh.expected.is_not(None), _start_of_day(sh.expected, dialect)),
        else_=_start_of_day(it.order_date, dialect),
    )
    on_time_for_sure = and_(sh.first_confirmed_at.is_not(None), sh.first_confirmed_at < floor)
    may_be_late = and_(it.channel == "mfn", not_(on_time_for_sure))
    return (
        select(
            it.account_id,
            it.amazon_order_id,
            it.order_date,
            it.channel,
            it["items"],
            it.first_sku,
            it.latest_ship_at,
            it.cancelled_items,
            it.awaiting_items,
            it.cancel_seen_at,
            it.last_updated_at,
            sh.first_confirmed_at,
            sh.expected.label("template_expected_ship_date"),
            sh.carrier,
            c.cancelled_at,
            case((may_be_late, True), else_=False).label("may_be_late"),
        )
        .select_from(items)
        .outerjoin(shipments, and_(sh.account_id == it.account_id, sh.amazon_order_id == it.amazon_order_id))
        .outerjoin(c, and_(c.account_id == it.account_id, c.amazon_order_id == it.amazon_order_id))
    )


FACT_COLUMNS = (
    "account_id",
    "amazon_order_id",
    "order_date",
    "channel",
    "items",
    "first_sku",
    "latest_ship_at",
    "cancelled_items",
    "awaiting_items",
    "cancel_seen_at",
    "last_updated_at",
    "first_confirmed_at",
    "template_expected_ship_date",
    "carrier",
    "cancelled_at",
    "may_be_late",
)


def refresh_order_facts(connection: Connection, account_id: int, order_ids: Collection[str]) -> None:
    """Recompute the facts of these orders of the account from what is stored now.

    An order with no items (a shipment or cancellation ahead of its All Orders line) gets no row; its
    row comes when its items do.
    """
    if not order_ids:
        return
    table: Any = OrderFact.__table__
    connection.execute(
        delete(table).where(table.c.account_id == account_id, _selected(connection, table.c.amazon_order_id, order_ids))
    )
    source = facts_query(connection, account_id, order_ids)
    connection.execute(insert(table).from_select(list(FACT_COLUMNS), source))


def rebuild_order_facts(connection: Connection, account_id: int | None = None) -> None:
    """Recompute every order's facts (of one account, or of all): the migration's backfill."""
    table: Any = OrderFact.__table__
    stmt = delete(table)
    if account_id is not None:
        stmt = stmt.where(table.c.account_id == account_id)
    connection.execute(stmt)
    connection.execute(insert(table).from_select(list(FACT_COLUMNS), facts_query(connection, account_id, None)))
