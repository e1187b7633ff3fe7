"""Refund Rate (metrics.md 2): orders with a refund / orders, by order date, for all orders.

Amazon sets no target: the figure is informational (status ok) unless the account sets one. A refund
is a settlement `Refund` row posted before the evaluation instant, or a returns-report row with a
refunded amount above zero requested before the as-of day. Orders are counted per order date in the
database; the refunded orders come from the order facts, and their SKUs and return reasons from the
refunds themselves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import String, cast, func, null, select, true, union_all

from metrics.calendar import evaluation_instant, window
from metrics.context import MetricContext
from metrics.figures import no_data, rate
from metrics.orders import orders_per_day, refunded_orders, skus_of
from metrics.registry import BY_ID
from metrics.result import Basis, Cause, MetricResult, Window
from metrics.sql import rows_of
from metrics.status import outlook
from storage.models import SellerReturn, SettlementTransaction

METRIC = "refund_rate"
END = 1  # order dates [D-N, D-1], N = settings.refund_window_days
NO_REASON = "no return reason (refund without a return request)"


@dataclass
class Refunded:
    """A refunded order: its date, the SKUs the refunds name (else the order's) and return reasons."""

    order_date: date
    skus: set[str] = field(default_factory=set)
    order_skus: set[str] = field(default_factory=set)
    reasons: set[str] = field(default_factory=set)


def _refunded(ctx: MetricContext, current: Window) -> dict[str, Refunded]:
    """The orders in the window with a refund known at the evaluation instant, with their SKUs and reasons.

    Which orders: the order facts' partial index of orders with events (metrics/orders.py). What
    their refunds name: the settlement refunds and the seller returns of the period, read by their date
    indexes without a look-up per row; only an order whose refunds name no SKU has its own SKUs read.
    """
    found = {order_id: Refunded(day) for order_id, day in refunded_orders(ctx, current.start, current.end).items()}
    account, instant, last_day = ctx.account_id, ctx.instant, ctx.yesterday
    since = evaluation_instant(current.start)  # no refund precedes its order
    settled = select(
        SettlementTransaction.amazon_order_id.label("order_id"),
        true().label("refund"),
        SettlementTransaction.sku.label("sku"),
        cast(null(), String).label("reason"),
    ).where(
        SettlementTransaction.account_id == account,
        SettlementTransaction.transaction_type == "Refund",
        SettlementTransaction.posted_at >= since,
        SettlementTransaction.posted_at < instant,
    )
    # Every return request of the period: those refunded are refunds, the others still give the
    # reason of an order refunded through the settlement.
    returned = select(
        SellerReturn.amazon_order_id,
        func.coalesce(SellerReturn.refunded_amount > 0, False),
        SellerReturn.sku,
        SellerReturn.return_reason,
    ).where(
        SellerReturn.account_id == account,
        # A marketplace-local date: a day before the first UTC order date can be an order's own day.
        SellerReturn.request_date.between(current.start - timedelta(days=1), last_day),
    )
    for order_id, is_refund, refund_sku, reason in rows_of(ctx, union_all(settled, returned)):
        refunded = found.get(order_id)
        if refunded is None:
            continue
        if reason:
            refunded.reasons.add(reason)
        if is_refund and refund_sku:
            refunded.skus.add(refund_sku)
    # A refund that names no SKU is the order's: each of its SKUs is a candidate.
    unnamed = [order_id for order_id, refunded in found.items() if not refunded.skus]
    for order_id, skus in skus_of(ctx, unnamed).items():
        found[order_id].order_skus.update(sku for sku in skus if sku)
    return found


def _causes(refunded: dict[str, Refunded]) -> list[Cause]:
    """Refunded orders by SKU and by return reason, largest first."""

    def ranked(kind: str, groups: dict[str, list[str]]) -> list[Cause]:
        order = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
        return [Cause(kind, label, len(ids), ids[:3]) for label, ids in order[:5]]

    by_sku: dict[str, list[str]] = defaultdict(list)
    by_reason: dict[str, list[str]] = defaultdict(list)
    for order_id in sorted(refunded):
        item = refunded[order_id]
        # A refund that names no SKU is the order's: each of its SKUs is a candidate.
        for sku in sorted(item.skus or item.order_skus):
            by_sku[sku].append(order_id)
        for reason in sorted(item.reasons) or [NO_REASON]:
            by_reason[reason].append(order_id)
    return ranked("sku", by_sku) + ranked("reason", by_reason)


def compute(ctx: MetricContext) -> list[MetricResult]:
    """Refund Rate for all orders over the account's refund window, with causes and outlook."""
    days = ctx.settings.refund_window_days
    current = window(ctx.as_of, days, END)
    if not ctx.has("all_orders"):
        return [no_data(METRIC, "all", ctx, "all_orders", window=current)]
    if not ctx.has("settlement", "returns"):
        # Without either source no refund can be seen: a zero would be a guess, not a figure.
        return [no_data(METRIC, "all", ctx, "settlement", "returns", window=current)]
    orders = orders_per_day(ctx, current.start, current.end)
    refunded = _refunded(ctx, current)
    note = None
    if not ctx.has("settlement"):
        note = (
            "no settlement report uploaded: only refunds of seller-fulfilled returns counted "
            "(FBA refunds and refunds without a return are missing)"
        )
    denominator = sum(orders.values())
    result = rate(
        METRIC,
        "all",
        ctx,
        numerator=len(refunded),
        denominator=denominator,
        window=current,
        basis=Basis.ESTIMATE if note else Basis.EXACT,
        basis_note=note,
    )
    if denominator == 0:
        return [result]
    result.causes = _causes(refunded)
    per_day: dict[date, int] = defaultdict(int)
    for item in refunded.values():
        per_day[item.order_date] += 1
    result.outlook = outlook(
        {day: (count, per_day.get(day, 0)) for day, count in orders.items()},
        as_of=ctx.as_of,
        start_offset=days,
        end_offset=END,
        target=result.target,
        condition=BY_ID[METRIC].condition,
        warn_fraction=ctx.settings.warn_fraction,
    )
    return [result]
