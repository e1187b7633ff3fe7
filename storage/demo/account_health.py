"""Policy violations, and Amazon's Account Health report (the JSON) for the demo's orders."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from storage.demo.catalog import CATALOG
from storage.demo.clock import date_of
from storage.demo.profile import CANCEL_TARGET, LSR_TARGET, ODR_TARGET, OTDR_TARGET, UNIT_OTDR_TARGET, VTR_TARGET
from storage.demo.tally import Tally
from storage.marketplaces import Marketplace

_VIOLATIONS: Final = (
    ("listingPolicyViolations", "Listing policy violation", "Listing title exceeds the character limit"),
    ("productConditionCustomerComplaints", "Product condition complaint", "Buyer reported a used item sold as new"),
    ("suspectedIntellectualPropertyViolations", "Suspected intellectual property violation", "Logo similarity"),
    ("productSafetyCustomerComplaints", "Product safety complaint", "Buyer reported the torch leaking gas"),
    ("customerProductReviewsPolicyViolations", "Customer product reviews policy violation", "Review incentive"),
)
_POLICY_KEYS: Final = (
    "listingPolicyViolations",
    "productAuthenticityCustomerComplaints",
    "productConditionCustomerComplaints",
    "productSafetyCustomerComplaints",
    "receivedIntellectualPropertyComplaints",
    "restrictedProductPolicyViolations",
    "suspectedIntellectualPropertyViolations",
    "foodAndProductSafetyIssues",
    "customerProductReviewsPolicyViolations",
    "otherPolicyViolations",
    "documentRequests",
)


@dataclass(frozen=True)
class Violation:
    day: int
    key: str  # the Account Health report's category
    category: str  # as a team writes it in the policy-violations template
    asin: str
    status: str
    description: str


def draw_violations(rng: random.Random, as_of: int, orders: int) -> list[Violation]:
    """A few policy violations over the last 180 days, the newest already resolved."""
    count = 2 + int(rng.random() * 2) + min(3, orders // 250_000)
    days = sorted(as_of - 5 - int(rng.random() * 170) for _ in range(count))
    result = []
    for index, day in enumerate(days):
        key, category, description = _VIOLATIONS[index % len(_VIOLATIONS)]
        asin = CATALOG[int(rng.random() * len(CATALOG))].asin
        status = "Resolved" if index == count - 1 else "Open"
        result.append(Violation(day, key, category, asin, status, description))
    return result


def _ahr_score(violations: Sequence[Violation]) -> int:
    """An Account Health Rating that open violations pull below 200 (at risk)."""
    active = sum(1 for v in violations if v.status == "Open")
    return max(0, 260 - 40 * active)


def _range(tally: Tally, first: int, last: int) -> dict[str, str]:
    return {
        "reportingDateFrom": f"{date_of(tally.as_of - first).isoformat()}T00:00Z",
        "reportingDateTo": f"{date_of(tally.as_of - last).isoformat()}T23:59Z",
    }


def _good(passes: bool) -> str:
    return "GOOD" if passes else "BAD"


def _odr_block(tally: Tally, channel: str) -> dict[str, Any]:
    ratio = tally.odr[channel]
    parts = tally.odr_parts[channel]
    return {
        "reportingDateRange": _range(tally, 74, 15),
        "orderCount": ratio.denominator,
        "orderWithDefects": {"count": ratio.numerator, "status": _good(ratio.rate < ODR_TARGET)},
        "claims": {"count": parts["claims"], "status": "NONE"},
        "chargebacks": {"count": parts["chargebacks"], "status": "NONE"},
        "negativeFeedback": {"count": parts["negativeFeedback"], "status": "NONE"},
        "fulfillmentType": channel,
        "status": _good(ratio.rate < ODR_TARGET),
        "rate": round(ratio.rate, 6),
        "targetValue": ODR_TARGET,
        "targetCondition": "LESS_THAN",
    }


def account_health_report(tally: Tally, market: Marketplace, violations: Sequence[Violation]) -> dict[str, Any]:
    """Amazon's Account Health report (accountHealthReport-2020-11-18.json) for the demo's orders."""
    score = _ahr_score(violations)
    ahr_status = "GOOD" if score >= 200 else "AT_RISK" if score >= 100 else "UNHEALTHY"
    metrics: dict[str, Any] = {
        "marketplaceId": market.marketplace_id,
        "orderDefectRate": {"afn": _odr_block(tally, "afn"), "mfn": _odr_block(tally, "mfn")},
        "lateShipmentRate": {
            "reportingDateRange": _range(tally, 30, 1),
            "orderCount": tally.late_30.denominator,
            "lateShipmentCount": tally.late_30.numerator,
            "status": _good(tally.late_30.rate < LSR_TARGET),
            "rate": round(tally.late_30.rate, 6),
            "targetValue": LSR_TARGET,
            "targetCondition": "LESS_THAN",
        },
        "prefulfillmentCancelRate": {
            "reportingDateRange": _range(tally, 7, 1),
            "orderCount": tally.cancel.denominator,
            "cancellationCount": tally.cancel.numerator,
            "status": _good(tally.cancel.rate < CANCEL_TARGET),
            "rate": round(tally.cancel.rate, 6),
            "targetValue": CANCEL_TARGET,
            "targetCondition": "LESS_THAN",
        },
        "validTrackingRate": {
            "reportingDateRange": _range(tally, 39, 10),
            "shipmentCount": tally.valid_tracking.denominator,
            "validTrackingCount": tally.valid_tracking.numerator,
            "status": _good(tally.valid_tracking.rate >= VTR_TARGET),
            "rate": round(tally.valid_tracking.rate, 6),
            "targetValue": VTR_TARGET,
            "targetCondition": "GREATER_THAN",
        },
        "onTimeDeliveryRate": {
            "reportingDateRange": _range(tally, 39, 10),
            "shipmentCountWithValidTracking": tally.on_time.denominator,
            "onTimeDeliveryCount": tally.on_time.numerator,
            "status": _good(tally.on_time.rate >= OTDR_TARGET),
            "rate": round(tally.on_time.rate, 6),
            "targetValue": OTDR_TARGET,
            "targetCondition": "GREATER_THAN",
        },
    }
    if market.code == "US":  # the unit-based variant exists for US accounts only (metrics.md 3.5)
        metrics["unitOnTimeDeliveryRate"] = {
            "reportingDateRange": _range(tally, 21, 8),
            "totalUnitCount": tally.unit_on_time.denominator,
            "unitOnTimeDeliveryCount": tally.unit_on_time.numerator,
            "status": _good(tally.unit_on_time.rate >= UNIT_OTDR_TARGET),
            "rate": round(tally.unit_on_time.rate, 6),
            "targetValue": UNIT_OTDR_TARGET,
            "targetCondition": "GREATER_THAN",
        }
    metrics["accountHealthRating"] = {
        "ahrStatus": ahr_status,
        "ahrScore": score,
        "reportingDateRange": _range(tally, 180, 1),
    }
    for key in _POLICY_KEYS:
        count = sum(1 for v in violations if v.key == key)
        metrics[key] = {
            "reportingDateRange": _range(tally, 180, 1),
            "defectsCount": count,
            "status": _good(count == 0),
            "targetValue": 0,
            "targetCondition": "EQUALS",
        }
    return {
        "accountStatuses": [
            {"marketplaceId": market.marketplace_id, "status": "NORMAL" if score >= 200 else "AT_RISK"}
        ],
        "performanceMetrics": [metrics],
    }
