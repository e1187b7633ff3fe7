"""Perfect Order Percentage (metrics.md 2 and 3.8): orders with no problem of any kind, over 90 days.

An order is imperfect when it has a claim, negative feedback or a chargeback (the ODR defects, counted
by metrics/odr.py's rules), a cancellation by anyone, a late shipment, a refund, or a buyer message
about it. The orders per order date are counted in the database; only the imperfect orders (a small
share) come back, each with its order date, to be unioned here: an order counts once however many
problems it has.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, literal, select, union_all

from metrics.calendar import window
from metrics.context import MetricContext
from metrics.figures import no_data, rate, with_outlook
from metrics.late_shipment import Judged, judged_orders, last_ended_day
from metrics.odr import Counted, count_defects, load_defects
from metrics.orders import EVENTS_INDEX, event_flags, events_happened, orders_per_day
from metrics.result import Basis, Cause, MetricResult, Window
from metrics.sql import in_code_point_order, rows_of
from storage.models import OrderFact, OrderItem

METRIC = "perfect_order_pct"
START, END = 90, 1  # order dates [D-90, D-1]
# Why an order is imperfect, in the order causes are listed when counts tie.
REASONS = {
    "claims": "A-to-z claim",
    "negative_feedback": "Negative feedback",
    "chargebacks": "Chargeback",
    "cancellation": "Cancellation",
    "late_shipment": "Late shipment",
    "refund": "Refund",
    "message": "Buyer message",
}


@dataclass
class Imperfect:
    """The imperfect orders, counted: per order date, per reason, per SKU (an order may have several
    reasons and counts once a day; its SKU is its first, alphabetically, as every source names it).

    The orders with a cancellation, refund or buyer message (most imperfect orders) are counted in the
    database; the others (defects, late shipments, without any such event) are held here one by one.
    """

    per_day: Counter[date] = field(default_factory=Counter)
    # reason -> (orders, the first three order ids)
    reasons: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    # SKU -> orders counted in the database; the others' ids by SKU
    sku_counts: Counter[str] = field(default_factory=Counter)
    sku_others: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @property
    def total(self) -> int:
        return sum(self.per_day.values())


def _count_events(ctx: MetricContext, current: Window, imperfect: Imperfect) -> None:
    """The orders with events: per day and per SKU counted, and per reason with its first three orders,
    each read from the facts' partial index of them (metrics/orders.py)."""
    f = OrderFact
    happened = events_happened(ctx, current.start, current.end)
    flags = event_flags(ctx)
    per_day = rows_of(
        ctx,
        select(f.order_date, func.count(), *(func.sum(flag) for flag in flags.values()))
        .where(happened)
        .with_hint(f, EVENTS_INDEX, "sqlite")
        .group_by(f.order_date),
    )
    totals = dict.fromkeys(flags, 0)
    for day, orders, *by_reason in per_day:
        imperfect.per_day[day] += orders
        for reason, n in zip(flags, by_reason, strict=True):
            totals[reason] += int(n or 0)
    firsts = [
        select(literal(reason).label("reason"), f.amazon_order_id)
        .where(happened, flag == 1)
        .with_hint(f, EVENTS_INDEX, "sqlite")
        .order_by(in_code_point_order(ctx, f.amazon_order_id))
        .limit(3)
        .subquery()
        for reason, flag in flags.items()
        if totals[reason]
    ]
    examples: dict[str, list[str]] = defaultdict(list)
    if firsts:
        for reason, order_id in rows_of(ctx, union_all(*(select(first) for first in firsts))):
            examples[reason].append(order_id)
    for reason, n in totals.items():
        if n:
            imperfect.reasons[reason] = (n, sorted(examples[reason]))
    per_sku = rows_of(
        ctx,
        select(f.first_sku, func.count()).where(happened).with_hint(f, EVENTS_INDEX, "sqlite").group_by(f.first_sku),
    )
    imperfect.sku_counts.update(dict(per_sku))


def _sku_examples(ctx: MetricContext, current: Window, skus: list[str]) -> dict[str, list[str]]:
    """The first three orders with events of each of these SKUs."""
    if not skus:
        return {}
    f = OrderFact
    numbered = (
        select(
            f.first_sku,
            f.amazon_order_id,
            func.row_number()
            .over(partition_by=f.first_sku, order_by=in_code_point_order(ctx, f.amazon_order_id))
            .label("n"),
        )
        .where(events_happened(ctx, current.start, current.end), f.first_sku.in_(skus))
        .with_hint(f, EVENTS_INDEX, "sqlite")
        .subquery("numbered")
    )
    found: dict[str, list[str]] = defaultdict(list)
    for sku, order_id in rows_of(
        ctx, select(numbered.c.first_sku, numbered.c.amazon_order_id).where(numbered.c.n <= 3)
    ):
        found[sku].append(order_id)
    return found


def _late_shipments(ctx: MetricContext, current: Window) -> list[Judged]:
    """Late MFN shipments of the window's orders, as the late shipment rate judges them.

    Late, by the rules metrics/late_shipment.py applies (metrics.md 3.3): expected ship date = the
    order's latest-ship-date (a local date), else the shipments template's, else the order date plus
    the handling time in business days. With the shipments template, an order without a confirmation
    by the instant is late once that date has ended; without it, only orders All Orders still shows
    awaiting shipment can be. A cancelled order is imperfect as a cancellation, not also as a late
    shipment. Only the orders whose first confirmation is not known to be on time are judged
    (`may_be_late`, storage/order_facts.py), the same the late shipment rate judges: read once for both.
    """
    confirmations = ctx.has("shipments")
    last_ended = last_ended_day(ctx)
    return [
        order
        for order in judged_orders(ctx, current.start)
        if order.order_date <= current.end
        and order.may_be_late
        and not order.whole_order_cancelled
        and (order.late_by_confirmation if confirmations else order.awaiting and order.expected <= last_ended)
    ]


def _count_others(ctx: MetricContext, current: Window, counted: Counted, imperfect: Imperfect) -> None:
    """Defects and late shipments: by reason, and (once per order, unless it had an event, counted
    already) per day and SKU."""
    late = _late_shipments(ctx, current)
    by_reason: dict[str, list[str]] = {part: list(defects) for part, defects in counted.parts.items()}
    by_reason["late_shipment"] = [order.order_id for order in late]
    for reason, ids in by_reason.items():
        if ids:
            imperfect.reasons[reason] = (len(ids), heapq.nsmallest(3, ids))
    others: dict[str, tuple[date, str]] = {}
    for order in late:
        if not order.has_event:
            others[order.order_id] = (order.order_date, order.first_sku)
    for defects in counted.parts.values():
        for order_id, defect in defects.items():
            if not defect.has_event:
                others[order_id] = (defect.order_date, defect.sku)
    for order_id, (day, sku) in others.items():
        imperfect.per_day[day] += 1
        imperfect.sku_others[sku].append(order_id)


def _has_mfn_orders(ctx: MetricContext, current: Window) -> bool:
    found = ctx.session.execute(
        select(OrderItem.id)
        .where(
            OrderItem.account_id == ctx.account_id,
            OrderItem.channel == "mfn",
            OrderItem.order_date.between(current.start, current.end),
        )
        .limit(1)
    ).first()
    return found is not None


def _causes(ctx: MetricContext, current: Window, imperfect: Imperfect) -> list[Cause]:
    """Imperfect orders by reason (an order may have several), then SKUs with more than one."""
    order = list(REASONS)
    reasons = sorted(imperfect.reasons.items(), key=lambda item: (-item[1][0], order.index(item[0])))
    causes = [Cause("defect", REASONS[reason], n, ids) for reason, (n, ids) in reasons]
    totals = imperfect.sku_counts + Counter({sku: len(ids) for sku, ids in imperfect.sku_others.items()})
    top = sorted(((sku, n) for sku, n in totals.items() if n > 1), key=lambda item: (-item[1], item[0]))[:5]
    examples = _sku_examples(ctx, current, [sku for sku, _ in top if imperfect.sku_counts[sku]])
    causes += [
        Cause("sku", sku, n, heapq.nsmallest(3, [*examples.get(sku, ()), *imperfect.sku_others.get(sku, ())]))
        for sku, n in top
    ]
    return causes


def _notes(ctx: MetricContext, current: Window, odr_notes: list[str]) -> list[str]:
    notes = list(odr_notes)
    if not ctx.has("shipments") and _has_mfn_orders(ctx, current):
        notes.append(
            "no shipments template uploaded: late shipments counted only for orders still unshipped "
            "after their expected ship date"
        )
    if not ctx.has("settlement", "returns"):
        notes.append("no settlement or returns report uploaded: refunds not counted")
    elif not ctx.has("settlement"):
        notes.append("no settlement report uploaded: only refunds of seller-fulfilled returns counted")
    if not ctx.has("buyer_messages"):
        notes.append("no buyer-messages template uploaded: buyer messages not counted")
    return notes


def compute(ctx: MetricContext) -> list[MetricResult]:
    """Perfect Order Percentage over all orders, with its causes, budget and outlook."""
    current = window(ctx.as_of, START, END)
    if not ctx.has("all_orders"):
        return [no_data(METRIC, "all", ctx, "all_orders", window=current)]
    orders = orders_per_day(ctx, current.start, current.end)
    counted = count_defects(load_defects(ctx, current.start), ctx)
    imperfect = Imperfect()
    _count_events(ctx, current, imperfect)
    _count_others(ctx, current, counted, imperfect)
    notes = _notes(ctx, current, counted.notes)
    denominator = sum(orders.values())
    result = rate(
        METRIC,
        "all",
        ctx,
        numerator=denominator - imperfect.total,
        denominator=denominator,
        window=current,
        basis=Basis.ESTIMATE if notes else Basis.EXACT,
        basis_note="; ".join(notes) or None,
    )
    if denominator == 0:
        return [result]
    result.causes = _causes(ctx, current, imperfect)
    # Higher is better: the series counts perfect orders, as the numerator does.
    daily = {day: (count, count - imperfect.per_day.get(day, 0)) for day, count in orders.items()}
    with_outlook(result, ctx, daily, start_offset=START, end_offset=END)
    return [result]
