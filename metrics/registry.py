"""Every metric of metrics.md section 2: id, name, the words people type for it, target and scope."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum


class Condition(StrEnum):
    """How a value meets its target: `<` passes strictly below, `>=` at or above, `=` only at it."""

    LESS = "<"
    AT_LEAST = ">="
    EQUAL = "="

    @property
    def lower_is_better(self) -> bool:
        return self is not Condition.AT_LEAST


@dataclass(frozen=True)
class MetricDef:
    """A metric as metrics.md defines it; targets here are the defaults an account may override."""

    id: str
    name: str
    target: float | None
    condition: Condition
    scopes: tuple[str, ...]
    window: str  # the window as metrics.md states it, for help texts
    aliases: tuple[str, ...] = ()
    part_of: str | None = None  # a component of another metric (the three ODR parts)
    # Counts of one order each: its budget speaks of orders, not of messages or units.
    unit: str = "orders"


METRICS: tuple[MetricDef, ...] = (
    MetricDef(
        "odr",
        "Order Defect Rate",
        0.01,
        Condition.LESS,
        ("afn", "mfn", "all"),
        "order dates [D-74, D-15]",
        aliases=("defects", "order-defect-rate"),
    ),
    MetricDef(
        "odr.negative_feedback",
        "Negative Feedback Rate",
        None,
        Condition.LESS,
        ("afn", "mfn", "all"),
        "order dates [D-74, D-15]",
        aliases=("feedback", "nfr"),
        part_of="odr",
    ),
    MetricDef(
        "odr.claims",
        "A-to-z Guarantee Claim Rate",
        None,
        Condition.LESS,
        ("afn", "mfn", "all"),
        "order dates [D-74, D-15]",
        aliases=("claims", "atoz", "a-to-z"),
        part_of="odr",
    ),
    MetricDef(
        "odr.chargebacks",
        "Chargeback Rate",
        None,
        Condition.LESS,
        ("afn", "mfn", "all"),
        "order dates [D-74, D-15]",
        aliases=("chargebacks",),
        part_of="odr",
    ),
    MetricDef(
        "cancel_rate",
        "Pre-fulfilment Cancel Rate",
        0.025,
        Condition.LESS,
        ("mfn",),
        "order dates [D-7, D-1]",
        aliases=("cancel", "cancels", "cancellations", "pcr"),
    ),
    MetricDef(
        "late_shipment_rate",
        "Late Shipment Rate",
        0.04,
        Condition.LESS,
        ("mfn",),
        "expected ship dates [D-10, D-1] and [D-30, D-1]",
        aliases=("late", "lsr", "late-shipment"),
    ),
    MetricDef(
        "valid_tracking_rate",
        "Valid Tracking Rate",
        0.95,
        Condition.AT_LEAST,
        ("mfn",),
        "promised delivery dates [D-39, D-10]",
        aliases=("tracking", "vtr"),
        unit="shipments",
    ),
    MetricDef(
        "on_time_delivery_rate",
        "On-Time Delivery Rate",
        0.97,
        Condition.AT_LEAST,
        ("mfn",),
        "promised delivery dates [D-39, D-10]",
        aliases=("delivery", "otdr", "on-time"),
        unit="shipments",
    ),
    MetricDef(
        "on_time_delivery_rate.units",
        "On-Time Delivery Rate (units)",
        0.90,
        Condition.AT_LEAST,
        ("mfn",),
        "promised delivery dates [D-21, D-8]",
        aliases=("delivery-units", "otdr-units"),
        part_of="on_time_delivery_rate",
        unit="units",
    ),
    MetricDef(
        "contact_response",
        "Contact Response Time",
        0.90,
        Condition.AT_LEAST,
        ("all",),
        "messages received [D-90, D-1]",
        aliases=("messages", "crt", "response", "inbox"),
        unit="messages",
    ),
    MetricDef(
        "return_dissatisfaction_rate",
        "Return Dissatisfaction Rate",
        0.10,
        Condition.LESS,
        ("mfn",),
        "request dates [D-30, D-1]",
        aliases=("returns", "rdr"),
        unit="return requests",
    ),
    MetricDef(
        "cs_dissatisfaction_rate",
        "Customer Service Dissatisfaction Rate",
        0.25,
        Condition.LESS,
        ("all",),
        "answer dates [D-30, D-1]",
        aliases=("cs", "csdr", "survey"),
        unit="answers",
    ),
    MetricDef(
        "perfect_order_pct",
        "Perfect Order Percentage",
        0.95,
        Condition.AT_LEAST,
        ("all",),
        "order dates [D-90, D-1]",
        aliases=("pop", "perfect", "perfect-order"),
    ),
    MetricDef(
        "refund_rate",
        "Refund Rate",
        None,
        Condition.LESS,
        ("all",),
        "order dates [D-30, D-1]",
        aliases=("refunds", "refund"),
    ),
    MetricDef(
        "policy_violations",
        "Policy Violations",
        0,
        Condition.EQUAL,
        ("account",),
        "[D-180, D-1]",
        aliases=("policy", "violations", "policies"),
        unit="violations",
    ),
    MetricDef(
        "account_health_rating",
        "Account Health Rating",
        200,
        Condition.AT_LEAST,
        ("account",),
        "as reported",
        aliases=("ahr", "rating", "health"),
        unit="points",
    ),
)

BY_ID: dict[str, MetricDef] = {m.id: m for m in METRICS}
HEADLINE: tuple[MetricDef, ...] = tuple(m for m in METRICS if m.part_of is None)


def _words() -> dict[str, MetricDef]:
    words: dict[str, MetricDef] = {}
    for metric in METRICS:
        for word in (metric.id, metric.id.replace("_", "-"), *metric.aliases):
            words[word.lower()] = metric
    return words


WORDS = _words()


def find_metric(word: str) -> MetricDef | None:
    """The metric a user means by `word` (an id or an alias such as `odr`, `late`, `messages`)."""
    return WORDS.get(word.strip().lower().replace("_", "-")) or WORDS.get(word.strip().lower())


def closest_metrics(word: str, limit: int = 3) -> list[str]:
    """The words closest to a mistyped one, for "did you mean" replies."""
    return difflib.get_close_matches(word.strip().lower(), list(WORDS), n=limit, cutoff=0.5)
