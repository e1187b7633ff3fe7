"""Pre-fulfilment Cancel Rate (metrics.md 2 and 3.2), for MFN orders placed in [D-7, D-1].

Two queries, both kept in the database: MFN orders per order date over the window, and the cancelled
order items of the window (a few per hundred), joined to the cancellations template when one was
uploaded. Who cancelled decides: the seller's cancellations and Amazon's automatic ones of orders never
confirmed count, the buyer's do not. All Orders does not say who cancelled, so without the template
every cancelled order counts and the figure is an upper bound.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from metrics.calendar import window
from metrics.context import MetricContext
from metrics.figures import no_data, rate, with_outlook
from metrics.result import Basis, Cause, MetricResult
from metrics.sql import rows_of
from storage.models import Cancellation, OrderItem

METRIC = "cancel_rate"
SCOPE = "mfn"
START, END = 7, 1  # order dates [D-7, D-1]
# All Orders spells it "Cancelled"; the SP-API and some tools "Canceled".
CANCELLED = ("Cancelled", "Canceled")
COUNTED_BY = ("seller", "amazon")  # Amazon's automatic cancellation of never-confirmed orders counts
UPPER_BOUND = "upper bound: buyer-requested cancellations included"
INITIATORS = {
    "seller": "seller",
    "amazon": "Amazon (order never confirmed)",
    None: "unknown (All Orders only)",
}


@dataclass
class CancelledOrder:
    """An MFN order of the window that counts as cancelled by the seller (or by Amazon)."""

    order_id: str
    order_date: date
    initiated_by: str | None  # seller | amazon; None when only All Orders knows of the cancellation
    reason: str | None
    skus: list[str] = field(default_factory=list)  # the cancelled items' SKUs
    partial: bool = False  # some items cancelled while the others ship


@dataclass
class Cancels:
    """The counted cancellations and what the rest of the cancelled orders were."""

    orders: dict[str, CancelledOrder]
    buyer: int  # cancelled by the buyer, per the template: not counted
    unlisted: int  # cancelled per All Orders, missing from the uploaded template: counted


def _item_cancelled() -> ColumnElement[bool]:
    # An item-level cancellation shows as item-status Cancelled with quantity 0 while the order ships.
    return or_(
        OrderItem.order_status.in_(CANCELLED),
        OrderItem.item_status.in_(CANCELLED),
        OrderItem.quantity == 0,
    )


def _orders_per_day(ctx: MetricContext, first: date, last: date) -> dict[date, int]:
    rows = rows_of(
        ctx,
        select(OrderItem.order_date, func.count(func.distinct(OrderItem.amazon_order_id)))
        .where(
            OrderItem.account_id == ctx.account_id,
            OrderItem.order_date.between(first, last),
            OrderItem.channel == SCOPE,
        )
        .group_by(OrderItem.order_date),
    )
    counts: dict[date, int] = {}
    for day, count in rows:
        counts[day] = count
    return counts


def load_cancels(ctx: MetricContext, first: date, last: date) -> Cancels:
    """The MFN orders placed from `first` to `last` that count as seller-cancelled at the evaluation instant."""
    instant = ctx.instant
    with_template = ctx.has("cancellations")
    item_cancelled = _item_cancelled()
    columns = [
        OrderItem.amazon_order_id,
        OrderItem.order_date,
        OrderItem.sku,
        OrderItem.order_status,
        OrderItem.last_updated_at,
        case((item_cancelled, 1), else_=0).label("item_cancelled"),
    ]
    in_window = and_(
        OrderItem.account_id == ctx.account_id,
        OrderItem.order_date.between(first, last),
        OrderItem.channel == SCOPE,
    )
    if with_template:
        stmt = (
            select(*columns, Cancellation.cancelled_at, Cancellation.initiated_by, Cancellation.reason)
            .outerjoin(
                Cancellation,
                and_(
                    Cancellation.account_id == ctx.account_id,
                    Cancellation.amazon_order_id == OrderItem.amazon_order_id,
                ),
            )
            .where(in_window, or_(item_cancelled, Cancellation.id.is_not(None)))
        )
    else:
        stmt = select(*columns).where(in_window, item_cancelled)
    items: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for row in rows_of(ctx, stmt.order_by(OrderItem.amazon_order_id, OrderItem.sku)):
        items[row.amazon_order_id].append(row)

    counted: dict[str, CancelledOrder] = {}
    buyer = unlisted = 0
    for order_id, rows in items.items():
        first_row = rows[0]
        cancelled_at: datetime | None = first_row.cancelled_at if with_template else None
        # All Orders has no cancel time: its last-updated date bounds it (a row updated after the
        # instant may have been cancelled after it, so it does not count for this day).
        known = [r for r in rows if r.item_cancelled and r.last_updated_at < instant]
        partial = bool(known) and all(r.order_status not in CANCELLED for r in rows)
        if cancelled_at is not None:
            if cancelled_at >= instant:
                continue  # cancelled after the evaluation instant: not cancelled yet on this day
            if first_row.initiated_by not in COUNTED_BY:
                buyer += 1
                continue
            skus = [r.sku for r in rows if r.item_cancelled] or [r.sku for r in rows]
            counted[order_id] = CancelledOrder(
                order_id, first_row.order_date, first_row.initiated_by, first_row.reason, skus, partial
            )
        elif known:
            if with_template:
                unlisted += 1
            counted[order_id] = CancelledOrder(
                order_id, first_row.order_date, None, None, [r.sku for r in known], partial
            )
    return Cancels(counted, buyer, unlisted)


def _group(kind: str, orders: Iterable[CancelledOrder], labels: Callable[[CancelledOrder], list[str]]) -> list[Cause]:
    groups: dict[str, list[str]] = defaultdict(list)
    for order in sorted(orders, key=lambda o: o.order_id):
        for label in dict.fromkeys(labels(order)):
            groups[label].append(order.order_id)
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    return [Cause(kind, label, len(ids), ids[:3]) for label, ids in ranked[:5]]


def _causes(orders: list[CancelledOrder]) -> list[Cause]:
    causes = _group("initiator", orders, lambda o: [INITIATORS[o.initiated_by]])
    causes += _group("sku", orders, lambda o: o.skus)
    causes += _group("reason", orders, lambda o: [o.reason] if o.reason else [])
    causes += _group("reason", orders, lambda o: ["partial (item-level) cancellation"] if o.partial else [])
    return causes


def compute(ctx: MetricContext) -> list[MetricResult]:
    """The MFN Pre-fulfilment Cancel Rate with its causes, budget and outlook."""
    current = window(ctx.as_of, START, END)
    if not ctx.has("all_orders"):
        return [no_data(METRIC, SCOPE, ctx, "all_orders", window=current)]
    orders = _orders_per_day(ctx, current.start, current.end)
    cancels = load_cancels(ctx, current.start, current.end)
    cancelled = list(cancels.orders.values())

    if not ctx.has("cancellations"):
        basis, note = Basis.ESTIMATE, UPPER_BOUND
    elif cancels.unlisted:
        basis = Basis.ESTIMATE
        note = (
            f"{cancels.unlisted} cancelled order(s) missing from the cancellations template counted as seller"
            " cancellations (upper bound for those)"
        )
    else:
        basis, note = Basis.EXACT, None

    daily: dict[date, tuple[int, int]] = {day: (count, 0) for day, count in orders.items()}
    for order in cancelled:
        den, num = daily.get(order.order_date, (0, 0))
        daily[order.order_date] = (den, num + 1)
    result = rate(
        METRIC,
        SCOPE,
        ctx,
        numerator=len(cancelled),
        denominator=sum(orders.values()),
        window=current,
        basis=basis,
        basis_note=note,
    )
    result.causes = _causes(cancelled)
    result.extra = {
        "partial_cancellations": sum(1 for o in cancelled if o.partial),
        "by_initiator": {key or "unknown": sum(1 for o in cancelled if o.initiated_by == key) for key in INITIATORS},
    }
    if ctx.has("cancellations"):
        result.extra["buyer_cancellations_excluded"] = cancels.buyer
    with_outlook(result, ctx, daily, start_offset=START, end_offset=END)
    return [result]
