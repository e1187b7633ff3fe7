"""One order and what happened to it: items, cancellation, shipping, defects, returns, messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.demo.catalog import Product
from storage.demo.clock import HOUR


@dataclass(slots=True)
class Line:
    product: Product
    name: str
    quantity: int
    price: float  # the line's total
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class Cancel:
    at: int
    by: str  # seller | buyer | amazon
    reason: str
    partial: bool


@dataclass(frozen=True, slots=True)
class Feedback:
    at: int
    rating: int
    comment: str
    response: str


@dataclass(frozen=True, slots=True)
class Claim:
    at: int
    status: str
    reason: str
    amount: float
    funded_by: str

    @property
    def counts(self) -> bool:
        return self.status not in ("denied", "withdrawn")


@dataclass(frozen=True, slots=True)
class Chargeback:
    at: int
    kind: str  # service | fraud
    status: str
    reason: str
    amount: float


@dataclass(frozen=True, slots=True)
class Refund:
    at: int
    kind: str  # the settlement transaction-type
    amount: float
    line: Line


@dataclass(slots=True)
class Return:
    """A seller-fulfilled return request: a returns report row and a return-requests template row."""

    requested: int
    line: Line
    quantity: int
    rma: str
    reason: str
    status: str  # Approved | Closed | Rejected
    in_policy: bool
    responded: int | None
    buyer_resolved: bool | None
    delivered: int | None  # the returned parcel back at the seller
    refunded: float
    a_to_z: bool = False
    carrier: str = ""
    tracking: str = ""

    def dissatisfying(self, cutoff: int) -> bool:
        """metrics.md 3.7 as judged at `cutoff`: unresolved, unanswered for 48 h, or rejected in policy."""
        answered_by = self.responded if self.responded is not None else cutoff
        late = answered_by - self.requested > 48 * HOUR
        return self.buyer_resolved is False or late or (self.status == "Rejected" and self.in_policy)


@dataclass(frozen=True, slots=True)
class FbaReturn:
    at: int
    line: Line
    quantity: int
    center: str
    disposition: str
    reason: str
    status: str
    plate: str
    comment: str


@dataclass(frozen=True, slots=True)
class Message:
    message_id: str
    received: int
    order_id: str
    replied: int | None
    no_response_needed: bool
    auto_reply: bool
    subject: str
    assignee: str


@dataclass(frozen=True, slots=True)
class Survey:
    at: int
    solved: bool


@dataclass(frozen=True, slots=True)
class Buyer:
    """A fake buyer (personal data healthbot must never store)."""

    name: str
    email: str
    phone: str
    address_1: str
    address_2: str


@dataclass(slots=True)
class Order:
    index: int
    order_id: str
    purchase: int
    channel: str  # mfn | afn
    lines: list[Line]
    level: str  # ship-service-level
    prime: bool
    business: bool
    place: tuple[str, str, str]
    paid: int
    ship_by_day: int
    ship_by_end: int
    deliver_by_day: int
    deliver_by_end: int
    cancel: Cancel | None = None
    shipped: int | None = None
    carrier: str = ""
    tracking: str = ""
    tracking_valid: bool = False
    delivered: int | None = None
    feedback: Feedback | None = None
    claim: Claim | None = None
    chargeback: Chargeback | None = None
    seller_return: Return | None = None
    fba_return: FbaReturn | None = None
    refunds: list[Refund] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)
    buyer: Buyer | None = None

    @property
    def fully_cancelled(self) -> bool:
        return self.cancel is not None and not self.cancel.partial

    def status(self, cutoff: int) -> str:
        if self.fully_cancelled:
            return "Cancelled"
        if self.paid >= cutoff:
            return "Pending"
        return "Shipped" if self.shipped is not None else "Unshipped"

    def last_updated(self, cutoff: int) -> int:
        stamps = [self.purchase + 90]
        if self.paid < cutoff:
            stamps.append(self.paid)
        if self.shipped is not None:
            stamps.append(self.shipped)
        if self.cancel is not None:
            stamps.append(self.cancel.at)
        return min(max(stamps), cutoff - 1)

    def late_shipment(self, cutoff: int) -> bool | None:
        """Late per metrics.md 3.3 as judged at `cutoff`; None when the order is not due (AFN, cancelled)."""
        if self.channel != "mfn" or self.fully_cancelled:
            return None
        if self.shipped is not None:
            return self.shipped > self.ship_by_end
        return self.ship_by_end < cutoff


def order_total(order: Order) -> float:
    return round(sum(line.price for line in order.lines if not line.cancelled), 2)


@dataclass(frozen=True)
class Salts:
    """Drawn once per demo, shared by its parts, so ids stay distinct across them."""

    order: int
    item: int
    message: int
    adjustment: int
    settlement_id: str
