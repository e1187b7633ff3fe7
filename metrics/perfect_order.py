"""Perfect Order Percentage (metrics.md 2 and 3.8): orders with no problem of any kind, over 90 days.

An order is imperfect when it has a claim, negative feedback or a chargeback (the ODR defects, counted
by metrics/odr.py's rules), a cancellation by anyone, a late shipment, a refund, or a buyer message
about it. The orders per order date are counted in the database; only the imperfect orders (a small
share) come back, each with its order date, to be unioned here: an order counts once however many
problems it has.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, cast, func, literal, null, or_, select, union
from sqlalchemy.orm import aliased

from metrics.calendar import end_of_local_day, evaluation_instant, window
from metrics.context import MetricContext
from metrics.figures import no_data, rate, with_outlook
from metrics.late_shipment import step
from metrics.odr import count_defects, load_defects
from metrics.result import Basis, Cause, MetricResult, Window
from storage.models import BuyerMessage, Cancellation, MfnShipment, OrderItem, SellerReturn, SettlementTransaction
from storage.types import UTCDateTime

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
CANCELLED = ("Cancelled", "Canceled")
# All Orders statuses of an order the seller still has to ship: unconfirmed, so late once its date ends.
AWAITING_SHIPMENT = ("Unshipped", "PartiallyShipped")
# Expected ship dates run this far past the window's last order date at most (30 business days of
# handling, Amazon's longest, with weekends and holidays); a later one is taken as ending then.
SHIP_DAYS_AHEAD = 45
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Problem:
    """One reason one order is imperfect."""

    order_id: str
    reason: str  # a key of REASONS
    order_date: date
    sku: str


def _orders_per_day(ctx: MetricContext, current: Window) -> dict[date, int]:
    rows = ctx.session.execute(
        select(OrderItem.order_date, func.count(func.distinct(OrderItem.amazon_order_id)))
        .where(OrderItem.account_id == ctx.account_id, OrderItem.order_date.between(current.start, current.end))
        .group_by(OrderItem.order_date)
    )
    return dict(rows.all())


def _event_problems(ctx: MetricContext, current: Window) -> list[Problem]:
    """Template cancellations, refunds and buyer messages known at the evaluation instant, on orders in the window.

    Driven from the events (a few per hundred orders): each looks up its order by the order-id index,
    rather than the window's order items being scanned for them.
    """
    account, instant, last_day = ctx.account_id, ctx.instant, ctx.yesterday
    # Nothing about an order happens before it is placed: the window's first day bounds every source.
    since = evaluation_instant(current.start)
    cancelled = select(Cancellation.amazon_order_id.label("order_id"), literal("cancellation").label("reason")).where(
        Cancellation.account_id == account, Cancellation.cancelled_at >= since, Cancellation.cancelled_at < instant
    )
    settled_refunds = select(SettlementTransaction.amazon_order_id, literal("refund")).where(
        SettlementTransaction.account_id == account,
        SettlementTransaction.transaction_type == "Refund",
        SettlementTransaction.posted_at >= since,
        SettlementTransaction.posted_at < instant,
    )
    returned_refunds = select(SellerReturn.amazon_order_id, literal("refund")).where(
        SellerReturn.account_id == account,
        SellerReturn.refunded_amount > 0,
        SellerReturn.request_date.between(current.start, last_day),
    )
    messages = select(BuyerMessage.amazon_order_id, literal("message")).where(
        BuyerMessage.account_id == account,
        BuyerMessage.amazon_order_id.is_not(None),
        BuyerMessage.received_at >= since,
        BuyerMessage.received_at < instant,
    )
    events = union(cancelled, settled_refunds, returned_refunds, messages).subquery("events")
    rows = ctx.session.execute(
        select(events.c.order_id, events.c.reason, OrderItem.order_date, OrderItem.sku).join(
            OrderItem, and_(OrderItem.account_id == account, OrderItem.amazon_order_id == events.c.order_id)
        )
    )
    found = {
        (row.order_id, row.reason): Problem(row.order_id, row.reason, row.order_date, row.sku)
        for row in rows
        if row.order_date is not None and current.start <= row.order_date <= current.end
    }
    return list(found.values())


def _is_late(
    ctx: MetricContext,
    order_date: date,
    latest_ship_at: datetime | None,
    expected_ship_date: date | None,
    confirmed: datetime | None,
) -> bool:
    """metrics.md 3.3, as metrics/late_shipment.py applies it: the first confirmation known at the instant
    came after 23:59:59 local on the expected ship date, or none came and that moment has passed."""
    if latest_ship_at is not None:
        expected = latest_ship_at.astimezone(ZoneInfo(ctx.timezone)).date()
    elif expected_ship_date is not None:
        expected = expected_ship_date
    else:
        expected = ctx.calendar.add_business_days(order_date, ctx.handling_days)
    ends = end_of_local_day(expected, ctx.timezone)
    if confirmed is not None:
        return confirmed > ends
    return ends < ctx.instant


def _order_problems(ctx: MetricContext, current: Window) -> list[Problem]:
    """Cancelled orders (All Orders status) and late MFN shipments, in one pass over the window's items.

    Cancelled: the order's or an item's status says so, as of an update before the instant.
    Late, by the rules metrics/late_shipment.py applies (metrics.md 3.3): expected ship date = the
    order's latest-ship-date (a local date), else the shipments template's, else the order date plus
    the handling time in business days. With the shipments template, an order without a confirmation
    by the instant is late once that date has ended; without it, only orders All Orders still shows
    awaiting shipment can be. The database returns candidates (latest-ship-date stands in for the end
    of its own day, which is no earlier); `_is_late` decides. A cancelled order is imperfect as a
    cancellation, not also as a late shipment.
    """
    account, instant, tz = ctx.account_id, ctx.instant, ctx.timezone
    confirmations = ctx.has("shipments")
    # Day ends as CASE trees (metrics/late_shipment.py's `step`): the local end of a day depends on the
    # time zone's offset, which SQL cannot work out alike on SQLite and PostgreSQL.
    order_days = [current.start + timedelta(days=n) for n in range((current.end - current.start).days + 1)]
    handled = {day: end_of_local_day(ctx.calendar.add_business_days(day, ctx.handling_days), tz) for day in order_days}
    default_ends = step(
        OrderItem.order_date.expression, handled[current.start], sorted(handled.items()), key=Date(), out=UTCDateTime()
    )
    ship_days = [current.start + timedelta(days=n) for n in range(len(order_days) + SHIP_DAYS_AHEAD)]
    expected_ends = step(
        MfnShipment.expected_ship_date.expression,
        EARLIEST,  # a date before the window (bad data) ends no later than this: a candidate, judged below
        ((day, end_of_local_day(day, tz)) for day in ship_days),
        key=Date(),
        out=UTCDateTime(),
    )
    cancelled = and_(
        or_(OrderItem.order_status.in_(CANCELLED), OrderItem.item_status.in_(CANCELLED)),
        # The status is as of the order's last update: a cancellation after the instant is not known yet.
        OrderItem.last_updated_at < instant,
    )
    awaiting = and_(OrderItem.channel == "mfn", ~OrderItem.order_status.in_(CANCELLED))
    columns: list[Any] = [
        OrderItem.amazon_order_id,
        OrderItem.order_date,
        OrderItem.sku,
        OrderItem.latest_ship_at,
        case((cancelled, 1), else_=0).label("cancelled"),
    ]
    stmt = select().select_from(OrderItem)
    if confirmations:
        shipment = and_(MfnShipment.account_id == account, MfnShipment.amazon_order_id == OrderItem.amazon_order_id)
        stmt = stmt.outerjoin(MfnShipment, and_(shipment, OrderItem.channel == "mfn"))
        ends = case(
            (OrderItem.latest_ship_at.is_not(None), OrderItem.latest_ship_at),
            (MfnShipment.expected_ship_date.is_not(None), expected_ends),
            else_=default_ends,
        )
        parcel = aliased(MfnShipment)
        confirmed_in_time = (
            select(parcel.id)
            .where(
                parcel.account_id == account,
                parcel.amazon_order_id == OrderItem.amazon_order_id,
                parcel.ship_confirmed_at < instant,
                parcel.ship_confirmed_at <= ends,
            )
            .exists()
        )
        # The first confirmation decides: no parcel of the order confirmed by the end of the date.
        this_in_time = and_(MfnShipment.ship_confirmed_at < instant, MfnShipment.ship_confirmed_at <= ends)
        # The joined parcel settles most orders; only the others look at the order's other parcels.
        late = and_(awaiting, ends < instant, or_(MfnShipment.id.is_(None), ~this_in_time), ~confirmed_in_time)
        columns += [MfnShipment.expected_ship_date, MfnShipment.ship_confirmed_at]
    else:
        ends = case((OrderItem.latest_ship_at.is_not(None), OrderItem.latest_ship_at), else_=default_ends)
        late = and_(awaiting, OrderItem.order_status.in_(AWAITING_SHIPMENT), ends < instant)
        columns += [
            cast(null(), Date).label("expected_ship_date"),
            cast(null(), UTCDateTime()).label("ship_confirmed_at"),
        ]
    rows = ctx.session.execute(
        stmt.add_columns(*columns, case((late, 1), else_=0).label("late")).where(
            OrderItem.account_id == account,
            OrderItem.order_date.between(current.start, current.end),
            or_(cancelled, late),
        )
    )
    problems: dict[tuple[str, str], Problem] = {}
    shipments: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        if row.cancelled:
            key = (row.amazon_order_id, "cancellation")
            problems.setdefault(key, Problem(row.amazon_order_id, "cancellation", row.order_date, row.sku))
        if row.late:
            shipments[row.amazon_order_id].append(row)
    for order_id, parts in shipments.items():
        first = min(parts, key=lambda r: r.sku)
        expected = min((r.expected_ship_date for r in parts if r.expected_ship_date), default=None)
        confirmed = min(
            (r.ship_confirmed_at for r in parts if r.ship_confirmed_at and r.ship_confirmed_at < instant), default=None
        )
        if _is_late(ctx, first.order_date, first.latest_ship_at, expected, confirmed):
            problems[(order_id, "late_shipment")] = Problem(order_id, "late_shipment", first.order_date, first.sku)
    return list(problems.values())


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


def _causes(problems: dict[str, list[Problem]]) -> list[Cause]:
    """Imperfect orders by reason (an order may have several), then SKUs with more than one."""
    by_reason: dict[str, list[str]] = defaultdict(list)
    by_sku: dict[str, set[str]] = defaultdict(set)
    for order_id in sorted(problems):
        for reason in sorted({p.reason for p in problems[order_id]}, key=list(REASONS).index):
            by_reason[reason].append(order_id)
        for problem in problems[order_id]:
            by_sku[problem.sku].add(order_id)
    order = list(REASONS)
    reasons = sorted(by_reason.items(), key=lambda item: (-len(item[1]), order.index(item[0])))
    causes = [Cause("defect", REASONS[reason], len(ids), ids[:3]) for reason, ids in reasons]
    skus = sorted(((sku, sorted(ids)) for sku, ids in by_sku.items() if len(ids) > 1), key=lambda s: (-len(s[1]), s[0]))
    causes += [Cause("sku", sku, len(ids), ids[:3]) for sku, ids in skus[:5]]
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
    orders = _orders_per_day(ctx, current)
    counted = count_defects(load_defects(ctx, current.start), ctx)
    problems: dict[str, list[Problem]] = defaultdict(list)
    for part, defects in counted.parts.items():
        for order_id, defect in defects.items():
            problems[order_id].append(Problem(order_id, part, defect.order_date, defect.sku))
    for problem in [*_event_problems(ctx, current), *_order_problems(ctx, current)]:
        problems[problem.order_id].append(problem)
    imperfect: dict[date, int] = defaultdict(int)
    for order_problems in problems.values():
        imperfect[order_problems[0].order_date] += 1
    notes = _notes(ctx, current, counted.notes)
    denominator = sum(orders.values())
    result = rate(
        METRIC,
        "all",
        ctx,
        numerator=denominator - len(problems),
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
