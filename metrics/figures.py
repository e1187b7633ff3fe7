"""Building a MetricResult from counts: value, status, low volume, budget, in one place for every metric."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from metrics.context import MetricContext
from metrics.registry import BY_ID
from metrics.result import Basis, MetricResult, Outlook, Status, Window
from metrics.status import budget, judge, outlook

# What to upload to fill a metric that has no data, by export kind (reports.md).
EXPORT_NAMES = {
    "all_orders": "the All Orders report (Reports > Fulfillment > All Orders)",
    "feedback": "the Feedback report (Performance > Feedback)",
    "claims": "the claims template",
    "chargebacks": "the chargebacks template",
    "cancellations": "the cancellations template",
    "shipments": "the shipments (MFN) template from your shipping software",
    "buyer_messages": "the buyer-messages template from your help desk",
    "return_requests": "the return-requests template",
    "returns": "the Returns report (seller-fulfilled)",
    "cs_survey": "the cs-survey template",
    "settlement": "a Settlement report (flat file V2)",
    "unshipped": "the Unshipped Orders report",
    "account_health": "the Account Health report (JSON)",
    "policy_violations": "the policy-violations template or the Account Health report",
}


def no_data(
    metric_id: str,
    scope: str,
    ctx: MetricContext,
    *needed: str,
    window: Window | None = None,
    window_days: int | None = None,
) -> MetricResult:
    """A metric with nothing to compute from; the note names the export that would fill it."""
    metric = BY_ID[metric_id]
    names = " and ".join(EXPORT_NAMES.get(k, k) for k in needed)
    return MetricResult(
        id=metric_id,
        scope=scope,
        name=metric.name,
        value=None,
        numerator=None,
        denominator=None,
        window=window,
        target=ctx.settings.target(metric_id),
        condition=metric.condition.value,
        status=Status.NO_DATA,
        low_volume=False,
        basis=Basis.NO_DATA,
        basis_note=f"upload {names}",
        window_days=window_days,
    )


def rate(
    metric_id: str,
    scope: str,
    ctx: MetricContext,
    *,
    numerator: int,
    denominator: int,
    window: Window,
    basis: Basis = Basis.EXACT,
    basis_note: str | None = None,
    window_days: int | None = None,
) -> MetricResult:
    """A rate figure. For a "lower is better" metric the numerator counts defects, else good ones."""
    metric = BY_ID[metric_id]
    target = ctx.settings.target(metric_id)
    if denominator == 0:
        result = no_data(metric_id, scope, ctx, window=window, window_days=window_days)
        result.basis_note = f"nothing in the window {window.start} to {window.end}"
        return result
    return MetricResult(
        id=metric_id,
        scope=scope,
        name=metric.name,
        value=numerator / denominator,
        numerator=numerator,
        denominator=denominator,
        window=window,
        target=target,
        condition=metric.condition.value,
        status=judge(
            numerator, denominator, target=target, condition=metric.condition, warn_fraction=ctx.settings.warn_fraction
        ),
        low_volume=denominator < ctx.settings.min_denominator,
        basis=basis,
        basis_note=basis_note,
        window_days=window_days,
        budget=budget(numerator, denominator, target=target, condition=metric.condition),
    )


def with_outlook(
    result: MetricResult,
    ctx: MetricContext,
    daily: Mapping[date, tuple[int, int]],
    *,
    start_offset: int,
    end_offset: int,
    days: int = 14,
) -> Outlook:
    """The result's outlook from its daily (denominator, numerator) series; also set on the result."""
    result.outlook = outlook(
        daily,
        as_of=ctx.as_of,
        start_offset=start_offset,
        end_offset=end_offset,
        target=result.target,
        condition=BY_ID[result.id].condition,
        warn_fraction=ctx.settings.warn_fraction,
        days=days,
    )
    return result.outlook
