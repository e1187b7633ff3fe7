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
from datetime import date, timedelta
from itertools import chain
from typing import Any

from sqlalchemy import Select, and_, not_, or_, select, true

from metrics.calendar import window
from metrics.context import MetricContext
from metrics.figures import no_data, rate, with_outlook
from metrics.late_shipment import LocalDays, expected_ship_date, last_ended_day
from metrics.odr import count_defects, load_defects
from metrics.orders import order_events, orders_per_day
from metrics.result import Basis, Cause, MetricResult, Window
from metrics.sql import dialect_name, rows_of
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
# Expected ship dates run this far past the window's last order date at most (30 business days of
# handling, Amazon's longest, with weekends and holidays); a later one is taken as ending then.
SHIP_DAYS_AHEAD = 45


@dataclass
class Problems:
    """The imperfect orders: each one's order date and SKU, and the orders of each reason.

    An order may have several reasons; its SKU is its first one (alphabetically), as every source names it.
    """

    dates: dict[str, date] = field(default_factory=dict)
    skus: dict[str, str] = field(default_factory=dict)
    by_reason: dict[str, set[str]] = field(default_factory=lambda: {reason: set() for reason in REASONS})

    def add(self, order_id: str, day: date, sku: str, reason: str) -> None:
        self.dates.setdefault(order_id, day)
        self.skus.setdefault(order_id, sku)
        self.by_reason[reason].add(order_id)


def _late_shipments(ctx: MetricContext, current: Window) -> Select[Any]:
    """Late MFN shipments of the window's orders, from the order facts.

    Late, by the rules metrics/late_shipment.py applies (metrics.md 3.3): expected ship date = the
    order's latest-ship-date (a local date), else the shipments template's, else the order date plus
    the handling time in business days. With the shipments template, an order without a confirmation
    by the instant is late once that date has ended; without it, only orders All Orders still shows
    awaiting shipment can be. A cancelled order is imperfect as a cancellation, not also as a late
    shipment. Only the orders whose first confirmation is not known to be on time are read, by their
    index (`may_be_late`, storage/order_facts.py).
    """
    account, instant = ctx.account_id, ctx.instant
    confirmations = ctx.has("shipments")
    f = OrderFact
    in_window = and_(f.account_id == account, f.order_date.between(current.start, current.end))
    # Expected ship dates run from the window's first order date to SHIP_DAYS_AHEAD past its last; the
    # CASE trees of SQLite need the local days they may meet (one outside only needs to stay outside).
    days = LocalDays(
        dialect_name(ctx),
        ctx.timezone,
        current.start - timedelta(days=7),
        current.end + timedelta(days=SHIP_DAYS_AHEAD),
    )
    expected = expected_ship_date(ctx, days, current.start, current.end, confirmations=confirmations)
    # The expected date is a column of a subquery: the end-of-day tree below tests it at every node.
    candidates = (
        select(
            f.amazon_order_id,
            f.order_date,
            f.first_sku,
            f.first_confirmed_at,
            f.awaiting_items,
            expected.label("expected"),
        )
        .where(in_window, f.may_be_late == true(), f.channel == "mfn", f.cancelled_items < f.items)
        .with_hint(f, "INDEXED BY ix_order_facts_late_candidates", "sqlite")
        .subquery("candidates")
    )
    c = candidates.c
    last_ended = last_ended_day(ctx)
    if confirmations:
        confirmed = c.first_confirmed_at < instant
        late = or_(
            and_(confirmed, c.first_confirmed_at > days.end_of(c.expected)),
            and_(or_(c.first_confirmed_at.is_(None), not_(confirmed)), c.expected <= last_ended),
        )
    else:
        late = and_(c.awaiting_items > 0, c.expected <= last_ended)
    shipped_late: Select[Any] = select(c.amazon_order_id, c.order_date, c.first_sku).where(late)
    return shipped_late


def _add_imperfect_orders(ctx: MetricContext, current: Window, problems: Problems) -> None:
    """Add the orders in the window with an event or a late shipment. Two index-driven reads, folded
    here: grouping in the database made SQLite materialize and sort them, slower than this."""
    events = [event for event in order_events(ctx, current.start) if event.order_date <= current.end]
    late = rows_of(ctx, _late_shipments(ctx, current))
    # In bulk (tens of thousands of orders): an order already there keeps its date and SKU.
    problems.dates = {row[0]: row[1] for row in chain(late, events)} | problems.dates
    problems.skus = {row[0]: row[2] for row in chain(late, events)} | problems.skus
    for index, reason in ((3, "cancellation"), (4, "refund"), (5, "message")):
        problems.by_reason[reason].update(event[0] for event in events if event[index])
    problems.by_reason["late_shipment"].update(order_id for order_id, _, _ in late)


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


def _causes(problems: Problems) -> list[Cause]:
    """Imperfect orders by reason (an order may have several), then SKUs with more than one."""
    order = list(REASONS)
    reasons = sorted(
        ((reason, ids) for reason, ids in problems.by_reason.items() if ids),
        key=lambda item: (-len(item[1]), order.index(item[0])),
    )
    causes = [Cause("defect", REASONS[reason], len(ids), heapq.nsmallest(3, ids)) for reason, ids in reasons]
    by_sku: dict[str, list[str]] = defaultdict(list)
    for order_id, sku in problems.skus.items():
        by_sku[sku].append(order_id)
    skus = sorted(((sku, ids) for sku, ids in by_sku.items() if len(ids) > 1), key=lambda s: (-len(s[1]), s[0]))
    causes += [Cause("sku", sku, len(ids), heapq.nsmallest(3, ids)) for sku, ids in skus[:5]]
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
    problems = Problems()
    for part, defects in counted.parts.items():
        for order_id, defect in defects.items():
            problems.add(order_id, defect.order_date, defect.sku, part)
    _add_imperfect_orders(ctx, current, problems)
    imperfect = Counter(problems.dates.values())
    notes = _notes(ctx, current, counted.notes)
    denominator = sum(orders.values())
    result = rate(
        METRIC,
        "all",
        ctx,
        numerator=denominator - len(problems.dates),
        denominator=denominator,
        window=current,
        basis=Basis.ESTIMATE if notes else Basis.EXACT,
        basis_note="; ".join(notes) or None,
    )
    if denominator == 0:
        return [result]
    result.causes = _causes(problems)
    # Higher is better: the series counts perfect orders, as the numerator does.
    daily = {day: (count, count - imperfect.get(day, 0)) for day, count in orders.items()}
    with_outlook(result, ctx, daily, start_offset=START, end_offset=END)
    return [result]
