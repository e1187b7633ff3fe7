"""What several metrics read about the account's orders, read once per computation and shared.

ODR (60 days, per channel), the perfect order percentage (90 days) and the refund rate (30 days by
default) all count the account's orders per order date: one index-only count over the widest window
any of them asks serves all three. The perfect order percentage and the refund rate both need the
orders that were cancelled, refunded or asked about: one read of the order facts' partial index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, timedelta
from typing import NamedTuple, cast

from sqlalchemy import ColumnElement, case, func, or_, select

from metrics.context import MetricContext
from metrics.sql import dialect_name, rows_of
from storage.keys import among
from storage.models import OrderFact, OrderItem

WIDEST_DAYS = 90  # the perfect order percentage's window; a wider one is read when asked
_SHARED_KEY = "orders_per_day"
_EVENTS_KEY = "order_events"


class OrderEvents(NamedTuple):
    """An order with a cancellation, refund or buyer message known at the evaluation instant.

    A tuple (tens of thousands are read at a time); each flag is 1 or 0.
    """

    order_id: str
    order_date: date
    first_sku: str
    cancelled: int  # All Orders shows it cancelled, or the cancellations template lists it
    refunded: int  # a settlement Refund posted, or a seller return refunded (requested before the as-of day)
    asked: int  # a buyer message about it


def orders_per_day_and_channel(ctx: MetricContext, first: date, last: date) -> dict[tuple[date, str], int]:
    """Orders placed on each day of [first, last] (order dates), per channel (`afn`, `mfn`)."""
    cached: tuple[date, date, dict[tuple[date, str], int]] | None = ctx.shared.get(_SHARED_KEY)
    if cached is None or cached[0] > first or cached[1] < last:
        start = min(first, ctx.as_of - timedelta(days=WIDEST_DAYS))
        end = max(last, ctx.yesterday)
        f = OrderFact  # one row per order: a count of index entries, no DISTINCT over the items
        rows = rows_of(
            ctx,
            select(f.order_date, f.channel, func.count())
            .where(f.account_id == ctx.account_id, f.order_date.between(start, end))
            .group_by(f.order_date, f.channel),
        )
        cached = (start, end, {(day, channel): count for day, channel, count in rows})
        ctx.shared[_SHARED_KEY] = cached
    return {(day, channel): n for (day, channel), n in cached[2].items() if first <= day <= last}


def orders_per_day(ctx: MetricContext, first: date, last: date) -> dict[date, int]:
    """Orders placed on each day of [first, last], every channel."""
    counted: dict[date, int] = defaultdict(int)
    for (day, _), n in orders_per_day_and_channel(ctx, first, last).items():
        counted[day] += n
    return dict(counted)


def order_events(ctx: MetricContext, first: date) -> list[OrderEvents]:
    """The orders placed from `first` to yesterday with a cancellation, refund or buyer message.

    Read from the order facts' partial index of the orders with any such event (a few per hundred),
    which holds every column read here: `problem_at`, the earliest of them, says whether one had
    happened by the evaluation instant; a flag per kind says which. Once per computation, from the
    earliest day asked (at least WIDEST_DAYS back).
    """
    cached: tuple[date, list[OrderEvents]] | None = ctx.shared.get(_EVENTS_KEY)
    if cached is None or cached[0] > first:
        start = min(first, ctx.as_of - timedelta(days=WIDEST_DAYS))
        cached = (start, _read_events(ctx, start))
        ctx.shared[_EVENTS_KEY] = cached
    return [event for event in cached[1] if event.order_date >= first]


def _read_events(ctx: MetricContext, first: date) -> list[OrderEvents]:
    f = OrderFact
    instant = ctx.instant

    def before(*happened: ColumnElement[bool]) -> ColumnElement[int]:
        return case((or_(*happened), 1), else_=0)

    rows = rows_of(
        ctx,
        select(
            f.amazon_order_id.label("order_id"),
            f.order_date,
            f.first_sku,
            before(f.cancel_seen_at < instant, f.cancelled_at < instant).label("cancelled"),
            before(f.first_refund_at < instant, f.refund_return_on <= ctx.yesterday).label("refunded"),
            before(f.first_message_at < instant).label("asked"),
        )
        .where(
            f.account_id == ctx.account_id,
            f.order_date.between(first, ctx.yesterday),
            f.problem_at.is_not(None),
            f.problem_at < instant,
        )
        .with_hint(f, "INDEXED BY ix_order_facts_problems", "sqlite"),
    )
    # The rows themselves: named and ordered as OrderEvents' fields, they are read as such (making a
    # tuple of each cost as much as the query).
    return cast("list[OrderEvents]", list(rows))


def skus_of(ctx: MetricContext, order_ids: Collection[str]) -> dict[str, list[str]]:
    """Each order's SKUs (alphabetically), by the (account, order id, SKU) key, for a few thousand orders."""
    found: dict[str, list[str]] = defaultdict(list)
    if not order_ids:
        return {}
    i = OrderItem
    rows = rows_of(
        ctx,
        select(i.amazon_order_id, i.sku).where(
            i.account_id == ctx.account_id, among(dialect_name(ctx), i.amazon_order_id, set(order_ids))
        ),
    )
    # Sorted here: an ORDER BY tempts SQLite into walking every item of the account in key order.
    for order_id, sku in sorted(rows):
        found[order_id].append(sku)
    return dict(found)
