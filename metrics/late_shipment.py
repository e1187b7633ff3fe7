"""Late Shipment Rate (metrics.md 2 and 3.3): MFN orders by expected ship date, over 30 and 10 days.

An order's expected ship date is its `latest-ship-date` (All Orders, as a date in the account's time
zone), else the shipments template's `expected-ship-date`, else its order date plus the account's
handling time in business days (weekends and the marketplace's public holidays skipped). It is late
when its first ship confirmation comes after 23:59:59 local on that date, or when none has come by the
evaluation instant although that moment has passed.

It reads the order facts (storage/order_facts.py, one row per order), in two index-driven queries:
the MFN orders per expected ship date, counted from the (account, channel, latest-ship-date) index
alone (the local days of the window are an instant range), and the few orders that are not simply
due and on time: those All Orders shows cancelled, and those whose first confirmation is not known to
be on time (`may_be_late`), judged one by one, once for this metric and the perfect order percentage.
The calendar is worked out in Python (`ExpectedShipDates`) for the few hundred distinct
latest-ship-dates and days involved, on either database. The late orders' SKUs come from a second
look-up by key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    and_,
    case,
    func,
    not_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from metrics.calendar import end_of_local_day, window
from metrics.context import MetricContext
from metrics.figures import no_data, rate, with_outlook
from metrics.orders import skus_of
from metrics.result import Basis, Cause, MetricResult, Window
from metrics.sql import from_raw, raw_form, raw_instant, rows_of
from storage.models import OrderFact, UnshippedItem, Upload

METRIC = "late_shipment_rate"
SCOPE = "mfn"
WINDOWS = (30, 10)  # expected ship dates [D-30, D-1] (the headline) and [D-10, D-1]
END = 1
AHEAD = 14  # the outlook's days: orders already placed and due up to D+13 move into the window
# Orders placed up to this many days before the window can be due in it: Amazon's handling times go up
# to 30 (business) days, about 45 calendar days with weekends and holidays. Reading further back would
# only slow every computation down; an account whose own handling time reaches further is read further.
MAX_LEAD_DAYS = 45
CANCELLED = ("Cancelled", "Canceled")
LOWER_BOUND = (
    "lower bound: no shipments template, so ship-confirmation times are unknown; only orders still listed"
    " in the Unshipped Orders report after their ship-by date count as late"
)


@dataclass(slots=True)
class LateOrder:
    order_id: str
    expected: date
    confirmed: bool  # by the evaluation instant
    carrier: str | None
    skus: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """Orders due and late per expected ship date, and the late orders themselves."""

    daily: dict[date, tuple[int, int]]  # expected ship date -> (orders due, late)
    approximate: dict[date, int]  # orders whose cancel time is only bounded by All Orders' last update
    late: list[LateOrder]


# --- the calendar ----------------------------------------------------------------------------------


def local_midnight(day: date, timezone: str) -> datetime:
    """00:00 of `day` in the account's time zone, as a UTC instant."""
    return datetime.combine(day, time(), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def expected_by_order_date(ctx: MetricContext, first: date, last: date) -> dict[date, date]:
    """Order date -> expected ship date by the account's handling time in business days."""
    days = (last - first).days + 1
    return {
        day: ctx.calendar.add_business_days(day, ctx.handling_days)
        for day in (first + timedelta(days=n) for n in range(days))
    }


# --- the query -------------------------------------------------------------------------------------


def _late_from_snapshot(ctx: MetricContext) -> set[str]:
    """Orders the unshipped-orders snapshot still listed after the end of their promise (ship-by) date.

    The snapshot shows what was unshipped when it was uploaded: an order listed then whose ship-by
    date had ended by then (and by the evaluation instant) was late, whenever it ships. Orders whose
    ship-by date ended after the snapshot may have shipped in time since: not counted (lower bound).
    """
    taken = ctx.session.scalar(
        select(func.max(Upload.received_at)).where(
            Upload.account_id == ctx.account_id, Upload.kind == "unshipped", Upload.status == "ingested"
        )
    )
    cutoff = min(ctx.instant, taken) if taken else ctx.instant
    rows = rows_of(
        ctx,
        select(UnshippedItem.amazon_order_id, UnshippedItem.promise_at).where(
            UnshippedItem.account_id == ctx.account_id,
            UnshippedItem.promise_at.is_not(None),
            UnshippedItem.promise_at < cutoff,
        ),
    )
    tz = ZoneInfo(ctx.timezone)
    return {
        order_id
        for order_id, promise in rows
        if promise is not None and end_of_local_day(promise.astimezone(tz).date(), ctx.timezone) < cutoff
    }


def last_ended_day(ctx: MetricContext) -> date:
    """The last local date whose end (23:59:59 local) is before the evaluation instant."""
    day = ctx.as_of + timedelta(days=1)
    while end_of_local_day(day, ctx.timezone) >= ctx.instant:
        day -= timedelta(days=1)
    return day


def first_order_day(ctx: MetricContext, first_expected: date) -> date:
    """The earliest order date whose handling time can bring it to `first_expected` or later."""
    day = first_expected - timedelta(days=MAX_LEAD_DAYS)
    while ctx.calendar.add_business_days(day, ctx.handling_days) >= first_expected:
        day -= timedelta(days=1)
    return day


class ExpectedShipDates:
    """Orders' expected ship dates and the ends of those local days, for order dates from `first_day`.

    The latest-ship-date's local date (23:59:59 PST is still that day), else the shipments template's
    date (with the template), else the order date plus the handling time in business days. Worked out
    once per distinct latest-ship-date and day: a few hundred, for tens of thousands of orders.
    """

    def __init__(self, ctx: MetricContext, first_day: date, *, confirmations: bool) -> None:
        self.timezone = ctx.timezone
        self._zone = ZoneInfo(ctx.timezone)
        self._confirmations = confirmations
        self._by_handling = expected_by_order_date(ctx, first_day, ctx.yesterday)
        self._local_dates: dict[Any, date] = {}
        self._ends: dict[date, datetime] = {}

    def of(self, order_date: date, ship_by: Any, template_date: date | None) -> date:
        """`ship_by`: the latest-ship-date as an aware instant or in its `raw_instant` form, or None."""
        if ship_by is not None:
            local = self._local_dates.get(ship_by)
            if local is None:
                local = self._local_dates[ship_by] = from_raw(ship_by).astimezone(self._zone).date()
            return local
        if self._confirmations and template_date is not None:
            return template_date
        return self._by_handling[order_date]

    def day_end(self, day: date) -> datetime:
        """23:59:59 local on `day`, as a UTC instant (metrics.md 1, "local day ends")."""
        end = self._ends.get(day)
        if end is None:
            end = self._ends[day] = end_of_local_day(day, self.timezone)
        return end


def _orders_by_expected(
    ctx: MetricContext, dates: ExpectedShipDates, first: date, last: date, placed: ColumnElement[bool]
) -> dict[date, int]:
    """MFN orders per expected ship date in [first, last], cancelled ones included.

    Those with a latest-ship-date are counted from the (account, channel, latest-ship-date, order date)
    index alone: the local days [first, last] are an instant range, grouped by the instant itself (in
    index order, no sort; a latest-ship-date is the end of a marketplace day, so there are a few
    distinct ones per day), each mapped to its local date here. The others (no latest-ship-date: rare)
    are counted per order date and template date, and dated here too.
    """
    f = OrderFact
    lsa = f.latest_ship_at.expression
    with_ship_by = rows_of(
        ctx,
        select(lsa, func.count())
        .where(
            placed,
            lsa >= local_midnight(first, dates.timezone),
            lsa < local_midnight(last + timedelta(days=1), dates.timezone),
        )
        .group_by(lsa),
    )
    without_ship_by = rows_of(
        ctx,
        select(f.order_date, f.template_expected_ship_date, func.count())
        .where(placed, lsa.is_(None))
        .group_by(f.order_date, f.template_expected_ship_date),
    )
    counted: dict[date, int] = defaultdict(int)
    for moment, orders in with_ship_by:
        counted[dates.of(first, moment, None)] += orders
    for order_date, template_date, orders in without_ship_by:
        day = dates.of(order_date, None, template_date)
        if first <= day <= last:
            counted[day] += orders
    return counted


@dataclass(slots=True)
class Judged:
    """An MFN order All Orders shows cancelled, or whose first confirmation may have come late, judged.

    A tuple-like record: tens of thousands are made at a time.
    """

    order_id: str
    order_date: date
    expected: date
    confirmed: bool  # a ship confirmation came before the instant
    carrier: str | None
    items: int
    first_sku: str
    may_be_late: bool
    cancelled_before_due: bool  # a whole-order cancellation before the end of the expected ship date
    approximate: bool  # its cancel time is only bounded by All Orders' last update
    whole_order_cancelled: bool
    awaiting: bool  # All Orders shows items still to ship
    has_event: bool  # cancelled, refunded or asked about by the instant (metrics/orders.py)
    # With the shipments template: confirmed after the end of the expected ship date, or not confirmed
    # although that day ended before the instant.
    late_by_confirmation: bool


JUDGED_DAYS = 90  # the perfect order percentage's window: the widest that reads the judged orders
_SHARED_KEY = "judged_orders"


def judged_orders(ctx: MetricContext, first_day: date) -> list[Judged]:
    """The MFN orders placed from `first_day` to yesterday that were cancelled or may have shipped late.

    Read once per context from the earliest day any metric asks (the late shipment rate's first order
    date, or the perfect order percentage's window) and shared: both metrics judge the same orders.
    """
    cached: tuple[date, list[Judged]] | None = ctx.shared.get(_SHARED_KEY)
    if cached is None or cached[0] > first_day:
        loaded_from = min(first_day, ctx.as_of - timedelta(days=JUDGED_DAYS))
        cached = (loaded_from, _judge(ctx, loaded_from, confirmations=ctx.has("shipments")))
        ctx.shared[_SHARED_KEY] = cached
    return [order for order in cached[1] if order.order_date >= first_day]


def _judge(ctx: MetricContext, first_day: date, *, confirmations: bool) -> list[Judged]:
    """The exceptions, read from their covering partial indexes (cancelled orders, late candidates: a few
    per hundred orders), and judged here against the calendar: an expected ship date and the end of
    its local day are dictionary look-ups for the few dozen days and distinct latest-ship-dates
    involved (`ExpectedShipDates`), where the database would evaluate a CASE per row."""
    f = OrderFact
    instant = ctx.instant
    placed = and_(f.account_id == ctx.account_id, f.channel == SCOPE, f.order_date.between(first_day, ctx.yesterday))
    columns = (
        f.amazon_order_id,
        f.order_date,
        raw_instant(ctx, f.latest_ship_at),
        f.template_expected_ship_date,
        raw_instant(ctx, f.first_confirmed_at),
        f.carrier,
        f.items,
        f.first_sku,
        f.may_be_late,
        f.cancelled_items,
        f.awaiting_items,
        raw_instant(ctx, f.cancelled_at),
        raw_instant(ctx, f.last_updated_at),
        case((f.problem_at < instant, 1), else_=0),
    )
    also_cancelled = and_(f.cancel_seen_at.is_not(None), f.cancelled_items > 0)
    cancelled = select(*columns).where(placed, also_cancelled)
    cancelled = cancelled.with_hint(f, "INDEXED BY ix_order_facts_cancelled", "sqlite")
    # `= true`, as the candidates' partial index says it (SQLite matches the index's clause by its form).
    # The candidates not read as cancelled already: a UNION ALL, no de-duplication to sort for.
    candidates = select(*columns).where(placed, f.may_be_late == true(), not_(also_cancelled))
    candidates = candidates.with_hint(f, "INDEXED BY ix_order_facts_late_candidates", "sqlite")
    dates = ExpectedShipDates(ctx, first_day, confirmations=confirmations)
    # Instants are compared in the form the driver gives them (metrics/sql.py `raw_instant`).
    day_ends: dict[date, Any] = {}
    before = raw_form(ctx, instant)
    last_ended = last_ended_day(ctx)
    judged: list[Judged] = []
    for row in rows_of(ctx, union_all(cancelled, candidates)):
        order_id, order_date, ship_by, template_date, first_confirmed, carrier, items, first_sku = row[:8]
        may_be_late, cancelled_items, awaiting, cancelled_at, last_updated, has_event = row[8:]
        expected = dates.of(order_date, ship_by, template_date)
        deadline = day_ends.get(expected)
        if deadline is None:
            deadline = day_ends[expected] = raw_form(ctx, dates.day_end(expected))
        confirmed = first_confirmed is not None and first_confirmed < before
        # Only a whole-order cancellation takes an order out; its time is the template's, else All
        # Orders' last update (the latest it can have happened). A cancellation after the instant has
        # not happened.
        cancel_time = cancelled_at if cancelled_at is not None else last_updated
        judged.append(
            Judged(
                order_id,
                order_date,
                expected,
                confirmed,
                carrier,
                items,
                first_sku,
                bool(may_be_late),
                cancelled_items > 0 and cancel_time < before and cancel_time <= deadline,
                cancelled_items > 0 and cancelled_at is None,
                cancelled_items >= items,
                awaiting > 0,
                bool(has_event),
                bool(may_be_late) and (first_confirmed > deadline if confirmed else expected <= last_ended),
            )
        )
    return judged


def tally(ctx: MetricContext, *, confirmations: bool) -> Tally:
    """Orders due and late per expected ship date from D-30 to D+13, as known at the evaluation instant.

    `confirmations`: ship-confirmation times come from the shipments template; otherwise lateness is
    known only from the unshipped-orders snapshot.

    From the order facts (storage/order_facts.py), in two parts, each read through an index: the MFN
    orders per expected ship date (every order of the window, but only counted), and the few orders
    that are not simply due and on time: those All Orders shows cancelled, and those whose first
    confirmation is not known to be on time (`may_be_late`), judged one by one (`judged_orders`).
    """
    lo, hi = ctx.as_of - timedelta(days=max(WINDOWS)), ctx.as_of + timedelta(days=AHEAD - 1)
    first_day = first_order_day(ctx, lo)
    f = OrderFact
    placed = and_(f.account_id == ctx.account_id, f.channel == SCOPE, f.order_date.between(first_day, ctx.yesterday))
    dates = ExpectedShipDates(ctx, first_day, confirmations=confirmations)
    orders = _orders_by_expected(ctx, dates, lo, hi, placed)
    snapshot_late = set() if confirmations else _late_from_snapshot(ctx)
    late_orders: list[LateOrder] = []
    approx: dict[date, int] = defaultdict(int)
    for order in judged_orders(ctx, first_day):
        if not lo <= order.expected <= hi:
            continue
        if order.cancelled_before_due:
            orders[order.expected] -= 1  # not due: counted above with the rest
            continue
        late = order.late_by_confirmation if confirmations else order.order_id in snapshot_late
        if late:
            # A single-item order's SKU is its first; the others' are looked up.
            skus = [order.first_sku] if order.items == 1 else []
            late_orders.append(LateOrder(order.order_id, order.expected, order.confirmed, order.carrier, skus))
        if order.approximate:
            approx[order.expected] += 1
    daily: dict[date, tuple[int, int]] = {day: (n, 0) for day, n in orders.items() if n}
    for late_order in late_orders:
        due, late_count = daily[late_order.expected]
        daily[late_order.expected] = (due, late_count + 1)
    late_orders.sort(key=lambda late_order: (late_order.expected, late_order.order_id))
    _add_skus(ctx, late_orders)
    return Tally(daily, {day: n for day, n in approx.items() if n}, late_orders)


def _add_skus(ctx: MetricContext, late: list[LateOrder]) -> None:
    """The SKUs of the late orders with several items, by the (account, order id, SKU) key."""
    skus = skus_of(ctx, [order.order_id for order in late if not order.skus])
    for order in late:
        if not order.skus:
            order.skus.extend(skus.get(order.order_id, ()))


# --- the results -----------------------------------------------------------------------------------


def _group(kind: str, orders: Iterable[LateOrder], labels: Callable[[LateOrder], list[str]]) -> list[Cause]:
    groups: dict[str, list[str]] = defaultdict(list)
    for order in sorted(orders, key=lambda o: o.order_id):
        for label in dict.fromkeys(labels(order)):
            groups[label].append(order.order_id)
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    return [Cause(kind, label, len(ids), ids[:3]) for label, ids in ranked[:5]]


def _causes(late: list[LateOrder], *, confirmations: bool) -> list[Cause]:
    def how(order: LateOrder) -> list[str]:
        if order.confirmed:
            return ["ship confirmed after the expected ship date"]
        if confirmations:
            return ["not confirmed by the end of the expected ship date"]
        return ["still unshipped after the ship-by date (Unshipped Orders report)"]

    causes = _group("defect", late, how)
    causes += _group("sku", late, lambda o: o.skus)
    causes += _group("carrier", late, lambda o: [o.carrier] if o.carrier else [])
    return causes


def _no_data(ctx: MetricContext, needed: list[str]) -> list[MetricResult]:
    results = []
    for days in WINDOWS:
        result = no_data(METRIC, SCOPE, ctx, *needed, window=window(ctx.as_of, days, END), window_days=days)
        if "shipments" in needed:
            result.basis_note = f"{result.basis_note} (or the Unshipped Orders report, for a lower bound)"
        results.append(result)
    return results


def _in(current: Window, day: date) -> bool:
    return current.start <= day <= current.end


def compute(ctx: MetricContext) -> list[MetricResult]:
    """The MFN Late Shipment Rate over 30 days (the headline) and 10 days, with causes, budget, outlook."""
    confirmations = ctx.has("shipments")
    needed = [
        kind
        for kind, present in (
            ("all_orders", ctx.has("all_orders")),
            ("shipments", confirmations or ctx.has("unshipped")),
        )
        if not present
    ]
    if needed:
        return _no_data(ctx, needed)
    counts = tally(ctx, confirmations=confirmations)
    results = []
    for days in WINDOWS:
        current = window(ctx.as_of, days, END)
        denominator = sum(den for day, (den, _) in counts.daily.items() if _in(current, day))
        late = [order for order in counts.late if _in(current, order.expected)]
        approximate = sum(n for day, n in counts.approximate.items() if _in(current, day))
        notes = [] if confirmations else [LOWER_BOUND]
        if approximate:
            notes.append(
                f"{approximate} cancelled order(s) counted as due: not in a cancellations template, and All"
                " Orders' last update (the latest the cancellation can have been) does not show it before the"
                " end of the ship-by date"
            )
        result = rate(
            METRIC,
            SCOPE,
            ctx,
            numerator=len(late),
            denominator=denominator,
            window=current,
            basis=Basis.ESTIMATE if notes else Basis.EXACT,
            basis_note="; ".join(notes) or None,
            window_days=days,
        )
        result.causes = _causes(late, confirmations=confirmations)
        result.extra = {
            "confirmed_late": sum(1 for order in late if order.confirmed),
            "unconfirmed_late": sum(1 for order in late if not order.confirmed),
        }
        with_outlook(result, ctx, counts.daily, start_offset=days, end_offset=END)
        results.append(result)
    return results
