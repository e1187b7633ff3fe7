"""What several metrics read about the account's orders, read once per computation and shared.

ODR (60 days, per channel), the perfect order percentage (90 days) and the refund rate (30 days by
default) all divide by the account's orders per order date: one read of the day counts over the
widest window any of them asks serves all three. The perfect order percentage and the refund rate both read the
orders that were cancelled, refunded or asked about from the order facts' partial index of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, case, or_, select

from metrics.context import MetricContext
from metrics.sql import dialect_name, rows_of
from storage.keys import among
from storage.models import OrderDayCount, OrderFact, OrderItem

WIDEST_DAYS = 90  # the perfect order percentage's window; a wider one is read when asked
_SHARED_KEY = "orders_per_day"


def orders_per_day_and_channel(ctx: MetricContext, first: date, last: date) -> dict[tuple[date, str], int]:
    """Orders placed on each day of [first, last] (order dates), per channel (`afn`, `mfn`).

    From the day counts kept with the order facts (storage/order_facts.py): a few hundred rows.
    """
    cached: tuple[date, date, dict[tuple[date, str], int]] | None = ctx.shared.get(_SHARED_KEY)
    if cached is None or cached[0] > first or cached[1] < last:
        start = min(first, ctx.as_of - timedelta(days=WIDEST_DAYS))
        end = max(last, ctx.yesterday)
        c = OrderDayCount
        rows = rows_of(
            ctx,
            select(c.order_date, c.channel, c.orders).where(
                c.account_id == ctx.account_id, c.order_date.between(start, end)
            ),
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


def events_happened(ctx: MetricContext, first: date, last: date) -> ColumnElement[bool]:
    """Orders placed in [first, last] with a cancellation, refund or buyer message by the evaluation instant.

    The condition of the order facts' partial index of such orders (a few per hundred), which holds
    every column the metrics read about them: `problem_at`, the earliest of the events, says whether
    one had happened. Use with `EVENTS_INDEX` as the SQLite hint.
    """
    f = OrderFact
    return and_(
        f.account_id == ctx.account_id,
        f.order_date.between(first, last),
        f.problem_at.is_not(None),
        f.problem_at < ctx.instant,
    )


EVENTS_INDEX = "INDEXED BY ix_order_facts_problems"


def event_flags(ctx: MetricContext) -> dict[str, ColumnElement[int]]:
    """Reason -> 1 when that event had happened to the order by the evaluation instant, else 0.

    Cancelled: All Orders shows it cancelled, or the cancellations template lists it. Refunded: a
    settlement Refund posted, or a seller return refunded (requested before the as-of day). Message: a
    buyer message about it.
    """
    f = OrderFact
    instant = ctx.instant

    def before(*happened: ColumnElement[bool]) -> ColumnElement[int]:
        return case((or_(*happened), 1), else_=0)

    return {
        "cancellation": before(f.cancel_seen_at < instant, f.cancelled_at < instant),
        "refund": before(f.first_refund_at < instant, f.refund_return_on <= ctx.yesterday),
        "message": before(f.first_message_at < instant),
    }


def refunded_orders(ctx: MetricContext, first: date, last: date) -> dict[str, date]:
    """The orders placed in [first, last] refunded by the evaluation instant, with their order dates."""
    f = OrderFact
    rows = rows_of(
        ctx,
        select(f.amazon_order_id, f.order_date)
        .where(events_happened(ctx, first, last), event_flags(ctx)["refund"] == 1)
        .with_hint(f, EVENTS_INDEX, "sqlite"),
    )
    return dict(rows)


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
