"""Computing every metric for one account on one day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from metrics import cancel, cs_survey, delivery, late_shipment, messages, odr, perfect_order, policy, refunds, returns
from metrics.amazon import apply_amazon_figures
from metrics.context import MetricContext
from metrics.result import MetricResult
from storage import models

Family = Callable[[MetricContext], list[MetricResult]]

# In the order metrics.md section 2 lists them; each family module computes its metrics' results.
FAMILIES: tuple[Family, ...] = (
    odr.compute,
    cancel.compute,
    late_shipment.compute,
    delivery.compute,
    messages.compute,
    returns.compute,
    cs_survey.compute,
    perfect_order.compute,
    refunds.compute,
    policy.compute,
)


def compute_all(*, session: Session, account: models.Account, as_of: date) -> list[MetricResult]:
    """Every metric's results for `account` as of `as_of` (the day is passed in, never read from a clock)."""
    ctx = MetricContext.for_account(session=session, account=account, as_of=as_of)
    results: list[MetricResult] = []
    for family in FAMILIES:
        results.extend(family(ctx))
    # An Account Health report at most a few days old is the headline, the computed figure beside it.
    apply_amazon_figures(ctx, results)
    return results
