"""The `order_facts` table: one row per order, derived from its items and what happened to it.

The shipping metrics need, for each order, its order date, channel, latest-ship-date, status, first
ship confirmation and cancellation; the perfect order percentage also when it was first refunded or
asked about. Read from the base tables that is every item's non-indexed columns and a look-up per
order in each other table (most of the metrics' time on a million items); stored here, it is one
indexed row per order. The facts are a pure function of `order_items`, `mfn_shipments`,
`cancellations`, `buyer_messages`, `settlement_transactions` and `returns`: ingestion refreshes the
orders each chunk of those writes, in the upload's own transaction (so a refused file leaves them as
they were), and refreshing twice gives the same rows. Nothing here depends on the account's time
zone or handling time: the metrics apply those when they read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
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
    type_coerce,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import String

from storage.keys import among
from storage.models import (
    BuyerMessage,
    Cancellation,
    MfnShipment,
    OrderDayCount,
    OrderFact,
    OrderItem,
    SellerReturn,
    SettlementTransaction,
)

# All Orders statuses (order-status and item-status columns).
CANCELLED = ("Cancelled", "Canceled")
AWAITING_SHIPMENT = ("Unshipped", "PartiallyShipped")  # the seller still has to ship (confirm) it
# The tables whose rows the facts are derived from: an upload writing one of these refreshes them.
SOURCES = frozenset(
    model.__tablename__
    for model in (OrderItem, MfnShipment, Cancellation, BuyerMessage, SettlementTransaction, SellerReturn)
)
# Later than any stored instant, in SQLite's text form: stands for "none" where SQLite's min() of
# several values (NULL if any is) must skip the missing ones as PostgreSQL's LEAST does.
_NEVER = "9999-12-31 23:59:59.999999"


def _selected(connection: Connection, column: Any, order_ids: Collection[str] | None) -> ColumnElement[bool]:
    """`column` among `order_ids` (all when None)."""
    if order_ids is None:
        return literal(True)
    return among(connection.dialect.name, column, order_ids)


def _start_of_day(day: Any, dialect: str) -> ColumnElement[Any]:
    """00:00 UTC of a date column, comparable with the stored instants."""
    if dialect == "postgresql":
        midnight: ColumnElement[Any] = func.timezone(literal_column("'UTC'"), cast(day, DateTime()))
        return midnight
    return day  # type: ignore[no-any-return]  # SQLite: a date's text sorts just before its day's instants


def _day_as_instant(day: Any, dialect: str) -> ColumnElement[Any]:
    """00:00 UTC of a date column as an instant column (SQLite: in the stored text form, which sorts
    by time: a bare date would sort before its own midnight)."""
    if dialect == "postgresql":
        return _start_of_day(day, dialect)
    instant: ColumnElement[Any] = type_coerce(day, String()).concat(literal_column("' 00:00:00.000000'"))
    return instant


def _earliest(dialect: str, *moments: Any) -> ColumnElement[Any]:
    """The earliest of instants that may be NULL, NULL when all are."""
    if dialect == "postgresql":
        least: ColumnElement[Any] = func.least(*moments)
        return least
    never: ColumnElement[Any] = literal_column(f"'{_NEVER}'")
    earliest = func.min(*(func.coalesce(moment, never) for moment in moments))
    return func.nullif(earliest, never)


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
    m, t, r = BuyerMessage, SettlementTransaction, SellerReturn

    def chosen(model: Any) -> ColumnElement[bool]:
        picked = _selected(connection, model.amazon_order_id, order_ids)
        return picked if account_id is None else and_(model.account_id == account_id, picked)

    item_filter, ship_filter = chosen(i), chosen(s)
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
    # When the order was first asked about, refunded (settlement), or refunded on a seller return.
    messages = (
        select(m.account_id, m.amazon_order_id, func.min(m.received_at).label("first_message_at"))
        .where(chosen(m), m.amazon_order_id.is_not(None))
        .group_by(m.account_id, m.amazon_order_id)
        .subquery("messages")
    )
    refunds = (
        select(t.account_id, t.amazon_order_id, func.min(t.posted_at).label("first_refund_at"))
        .where(chosen(t), t.transaction_type == "Refund", t.posted_at.is_not(None))
        .group_by(t.account_id, t.amazon_order_id)
        .subquery("refunds")
    )
    returned = (
        select(r.account_id, r.amazon_order_id, func.min(r.request_date).label("refund_return_on"))
        .where(chosen(r), r.refunded_amount > 0)
        .group_by(r.account_id, r.amazon_order_id)
        .subquery("returned")
    )
    it, sh, ms, rf, rt = items.c, shipments.c, messages.c, refunds.c, returned.c
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
    problem_at = _earliest(
        dialect,
        it.cancel_seen_at,
        c.cancelled_at,
        rf.first_refund_at,
        _day_as_instant(rt.refund_return_on, dialect),
        ms.first_message_at,
    )
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
            ms.first_message_at,
            rf.first_refund_at,
            rt.refund_return_on,
            problem_at.label("problem_at"),
        )
        .select_from(items)
        .outerjoin(shipments, and_(sh.account_id == it.account_id, sh.amazon_order_id == it.amazon_order_id))
        .outerjoin(c, and_(c.account_id == it.account_id, c.amazon_order_id == it.amazon_order_id))
        .outerjoin(messages, and_(ms.account_id == it.account_id, ms.amazon_order_id == it.amazon_order_id))
        .outerjoin(refunds, and_(rf.account_id == it.account_id, rf.amazon_order_id == it.amazon_order_id))
        .outerjoin(returned, and_(rt.account_id == it.account_id, rt.amazon_order_id == it.amazon_order_id))
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
    "first_message_at",
    "first_refund_at",
    "refund_return_on",
    "problem_at",
)


def refresh_order_facts(connection: Connection, account_id: int, order_ids: Collection[str]) -> None:
    """Recompute the facts of these orders of the account from what is stored now, and their day counts.

    An order with no items (a shipment or cancellation ahead of its All Orders line) gets no row; its
    row comes when its items do.
    """
    if not order_ids:
        return
    table: Any = OrderFact.__table__
    removed = connection.execute(
        delete(table)
        .where(table.c.account_id == account_id, _selected(connection, table.c.amazon_order_id, order_ids))
        .returning(table.c.order_date, table.c.channel)
    ).all()
    source = facts_query(connection, account_id, order_ids)
    added = connection.execute(
        insert(table).from_select(list(FACT_COLUMNS), source).returning(table.c.order_date, table.c.channel)
    ).all()
    change = Counter((day, channel) for day, channel in added)
    change.subtract((day, channel) for day, channel in removed)
    _count_days(connection, account_id, {key: n for key, n in change.items() if n})


def _count_days(connection: Connection, account_id: int, change: dict[tuple[Any, str], int]) -> None:
    """Add `change` (order date, channel -> orders) to the account's day counts; a count at 0 goes."""
    if not change:
        return
    counts: Any = OrderDayCount.__table__
    rows = [
        {"account_id": account_id, "order_date": day, "channel": channel, "orders": n}
        for (day, channel), n in sorted(change.items())
    ]
    upsert = sqlite_insert(counts) if connection.dialect.name == "sqlite" else postgresql_insert(counts)
    connection.execute(
        upsert.on_conflict_do_update(
            index_elements=["account_id", "order_date", "channel"],
            set_={"orders": counts.c.orders + upsert.excluded.orders},
        ),
        rows,
    )
    connection.execute(delete(counts).where(counts.c.account_id == account_id, counts.c.orders == 0))


def rebuild_order_facts(
    connection: Connection,
    account_id: int | None = None,
    columns: Sequence[str] = FACT_COLUMNS,
    *,
    day_counts: bool = True,
) -> None:
    """Recompute every order's facts (of one account, or of all) and their day counts: the migrations'
    backfill and a dated purge's.

    `columns`, `day_counts`: what the schema has, for a migration that ran before later ones added more.
    The migrations call this with their own columns; a later change of `facts_query` that reads a
    column a source table gains in a later revision must keep them working (or freeze their query).
    """
    table: Any = OrderFact.__table__
    stmt = delete(table)
    if account_id is not None:
        stmt = stmt.where(table.c.account_id == account_id)
    connection.execute(stmt)
    source = facts_query(connection, account_id, None).subquery("facts")
    chosen = select(*(source.c[name] for name in columns))
    connection.execute(insert(table).from_select(list(columns), chosen))
    if day_counts:
        recount_order_days(connection, account_id)


def recount_order_days(connection: Connection, account_id: int | None = None) -> None:
    """The day counts of the account (or of all) counted again from the facts."""
    facts: Any = OrderFact.__table__
    counts: Any = OrderDayCount.__table__
    stmt = delete(counts)
    counted = select(facts.c.account_id, facts.c.order_date, facts.c.channel, func.count())
    if account_id is not None:
        stmt = stmt.where(counts.c.account_id == account_id)
        counted = counted.where(facts.c.account_id == account_id)
    connection.execute(stmt)
    connection.execute(
        insert(counts).from_select(
            ["account_id", "order_date", "channel", "orders"],
            counted.group_by(facts.c.account_id, facts.c.order_date, facts.c.channel),
        )
    )
