"""What a metric computation returns: the value and everything that explains it (metrics.md 1, 5, 6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACH = "breach"
    NO_DATA = "no_data"


class Basis(StrEnum):
    EXACT = "exact"
    ESTIMATE = "estimate"
    AMAZON = "amazon"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Window:
    """Inclusive day window of the figure (order dates, ship dates... as the metric says)."""

    start: date
    end: date

    def as_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass
class Cause:
    """A group of defects with one cause (a defect type, a SKU, a carrier...), with example orders."""

    kind: str  # what the grouping is by: defect, sku, asin, carrier, reason, keyword
    label: str
    count: int
    orders: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "count": self.count, "orders": self.orders}


@dataclass
class Budget:
    """How many more defects the window takes before breaching, or clean orders to get back."""

    defects_until_breach: int | None
    clean_orders_to_recover: int | None

    def as_json(self) -> dict[str, int | None]:
        return {
            "defects_until_breach": self.defects_until_breach,
            "clean_orders_to_recover": self.clean_orders_to_recover,
        }


@dataclass
class OutlookDay:
    day: date
    value: float | None
    numerator: int
    denominator: int
    status: Status

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "status": self.status.value,
        }


@dataclass
class Outlook:
    """The next days' values if no new defect arrives (defects ageing out, no new orders)."""

    days: list[OutlookDay]
    leaves: list[tuple[date, int]]  # (date, defects that leave the window that day)
    recovers_on: date | None  # the first day back on target, when in breach now
    note: str = "if no new defect arrives; what is already counted moves through the window, nothing new assumed"

    def as_json(self) -> dict[str, Any]:
        return {
            "days": [d.as_json() for d in self.days],
            "defects_leave": [{"date": d.isoformat(), "defects": n} for d, n in self.leaves],
            "recovers_on": self.recovers_on.isoformat() if self.recovers_on else None,
            "note": self.note,
        }


@dataclass
class MetricResult:
    """One figure of one metric for one scope (and window length, for late shipments)."""

    id: str
    scope: str
    name: str
    value: float | None
    numerator: int | None
    denominator: int | None
    window: Window | None
    target: float | None
    condition: str
    status: Status
    low_volume: bool
    basis: Basis
    basis_note: str | None = None
    window_days: int | None = None
    components: dict[str, dict[str, int | None]] = field(default_factory=dict)
    budget: Budget | None = None
    causes: list[Cause] = field(default_factory=list)
    outlook: Outlook | None = None
    # Amazon's own figure, when an Account Health report is the headline or stands beside this one.
    amazon: dict[str, Any] | None = None
    computed: dict[str, Any] | None = None  # the computed figure, when Amazon's is the headline
    reconciliation: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # metric-specific figures (average reply hours...)

    @property
    def key(self) -> tuple[str, str, int | None]:
        return (self.id, self.scope, self.window_days)

    def as_json(self, *, detail: bool = False) -> dict[str, Any]:
        """The object of metrics.md section 6; `detail` adds causes and outlook."""
        out: dict[str, Any] = {
            "id": self.id,
            "scope": self.scope,
            "name": self.name,
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "window": self.window.as_json() if self.window else None,
            "target": self.target,
            "condition": self.condition,
            "status": self.status.value,
            "low_volume": self.low_volume,
            "basis": self.basis.value,
            "basis_note": self.basis_note,
        }
        if self.window_days is not None:
            out["window_days"] = self.window_days
        if self.components:
            out["components"] = self.components
        if self.budget is not None:
            out["budget"] = self.budget.as_json()
        if self.amazon is not None:
            out["amazon"] = self.amazon
        if self.computed is not None:
            out["computed"] = self.computed
        if self.reconciliation is not None:
            out["reconciliation"] = self.reconciliation
        if self.extra:
            out["extra"] = self.extra
        if detail:
            out["causes"] = [c.as_json() for c in self.causes]
            out["outlook"] = self.outlook.as_json() if self.outlook else None
        return out
