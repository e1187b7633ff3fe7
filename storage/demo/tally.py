"""The demo's metric figures, counted with metrics.md's rules as the orders stream past.

They fill the Account Health JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.demo.clock import DAY, HOUR
from storage.demo.model import Message, Order


@dataclass
class _Ratio:
    numerator: int = 0
    denominator: int = 0

    def add(self, hit: bool) -> None:
        self.denominator += 1
        self.numerator += hit

    def merge(self, other: _Ratio) -> None:
        self.numerator += other.numerator
        self.denominator += other.denominator

    @property
    def rate(self) -> float:
        return self.numerator / self.denominator if self.denominator else 0.0


@dataclass
class Tally:
    """The demo's metric figures, counted with metrics.md's rules as the orders stream past."""

    as_of: int  # the day number of D
    cutoff: int  # 00:00 UTC on D: the evaluation instant
    settled: tuple[int, int]  # the settlement file's period: only refunds posted in it are visible
    odr: dict[str, _Ratio] = field(default_factory=lambda: {"afn": _Ratio(), "mfn": _Ratio(), "all": _Ratio()})
    odr_parts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {c: {"negativeFeedback": 0, "claims": 0, "chargebacks": 0} for c in ("afn", "mfn")}
    )
    cancel: _Ratio = field(default_factory=_Ratio)
    cancel_upper_bound: _Ratio = field(default_factory=_Ratio)
    late_30: _Ratio = field(default_factory=_Ratio)
    late_10: _Ratio = field(default_factory=_Ratio)
    valid_tracking: _Ratio = field(default_factory=_Ratio)
    on_time: _Ratio = field(default_factory=_Ratio)
    unit_on_time: _Ratio = field(default_factory=_Ratio)
    contact: _Ratio = field(default_factory=_Ratio)
    contact_pending: int = 0
    return_dissatisfaction: _Ratio = field(default_factory=_Ratio)
    cs_unsolved: _Ratio = field(default_factory=_Ratio)
    refunds: _Ratio = field(default_factory=_Ratio)
    perfect: _Ratio = field(default_factory=_Ratio)

    def merge(self, other: Tally) -> None:
        """Add the counts of another part of the history."""
        for name in ("cancel", "cancel_upper_bound", "late_30", "late_10", "valid_tracking", "on_time"):
            getattr(self, name).merge(getattr(other, name))
        for name in ("unit_on_time", "contact", "return_dissatisfaction", "cs_unsolved", "refunds", "perfect"):
            getattr(self, name).merge(getattr(other, name))
        for scope, ratio in self.odr.items():
            ratio.merge(other.odr[scope])
        for channel, parts in self.odr_parts.items():
            for part, count in other.odr_parts[channel].items():
                parts[part] += count
        self.contact_pending += other.contact_pending

    def within(self, day: int, first: int, last: int) -> bool:
        """`day` lies in [D-first, D-last]."""
        return self.as_of - first <= day <= self.as_of - last

    def add(self, order: Order) -> None:
        order_day = order.purchase // DAY
        self._odr(order, order_day)
        if order.channel == "mfn":
            self._mfn(order, order_day)
        for message in order.messages:
            self.add_message(message)
        if order.surveys:
            latest = max(order.surveys, key=lambda s: s.at)
            if self.within(latest.at // DAY, 30, 1):
                self.cs_unsolved.add(not latest.solved)
        if self.within(order_day, 30, 1):
            self.refunds.add(self._refunded(order))
        if self.within(order_day, 90, 1):
            self.perfect.add(not self._imperfect(order))

    def _odr(self, order: Order, order_day: int) -> None:
        if not self.within(order_day, 74, 15):
            return
        negative = order.feedback is not None and order.feedback.rating <= 2
        claim = order.claim is not None and order.claim.counts
        chargeback = order.chargeback is not None and order.chargeback.kind == "service"
        defect = negative or claim or chargeback
        self.odr[order.channel].add(defect)
        self.odr["all"].add(defect)
        parts = self.odr_parts[order.channel]
        parts["negativeFeedback"] += negative
        parts["claims"] += claim
        parts["chargebacks"] += chargeback

    def _mfn(self, order: Order, order_day: int) -> None:
        if self.within(order_day, 7, 1):
            cancel = order.cancel
            self.cancel.add(cancel is not None and cancel.by in ("seller", "amazon"))
            self.cancel_upper_bound.add(cancel is not None)
        late = order.late_shipment(self.cutoff)
        if late is not None:
            if self.within(order.ship_by_day, 30, 1):
                self.late_30.add(late)
            if self.within(order.ship_by_day, 10, 1):
                self.late_10.add(late)
        if order.shipped is None:
            return
        if self.within(order.deliver_by_day, 39, 10):
            self.valid_tracking.add(order.tracking_valid)
            if order.tracking_valid:
                self.on_time.add(order.delivered is not None and order.delivered <= order.deliver_by_end)
        if order.tracking_valid and self.within(order.deliver_by_day, 21, 8):
            units = sum(line.quantity for line in order.lines if not line.cancelled)
            on_time = order.delivered is not None and order.delivered <= order.deliver_by_end
            self.unit_on_time.denominator += units
            self.unit_on_time.numerator += units if on_time else 0
        returned = order.seller_return
        if returned is not None and self.within(returned.requested // DAY, 30, 1):
            self.return_dissatisfaction.add(returned.dissatisfying(self.cutoff))

    def add_message(self, message: Message) -> None:
        if message.no_response_needed or not self.within(message.received // DAY, 90, 1):
            return
        answered = message.replied is not None and not message.auto_reply
        if not answered and self.cutoff - message.received <= 24 * HOUR:
            self.contact_pending += 1
            return
        self.contact.add(answered and message.replied is not None and message.replied - message.received <= 24 * HOUR)

    def _imperfect(self, order: Order) -> bool:
        return bool(
            order.claim is not None
            or (order.feedback is not None and order.feedback.rating <= 2)
            or order.chargeback is not None
            or order.cancel is not None
            or order.late_shipment(self.cutoff)
            or self._refunded(order)
            or any(m.order_id and not m.no_response_needed for m in order.messages)
        )

    def _refunded(self, order: Order) -> bool:
        """A refund healthbot can see: a settlement `Refund` line, or a returns row with a refunded amount."""
        start, end = self.settled
        if any(r.kind == "Refund" and start <= r.at < end for r in order.refunds):
            return True
        return order.seller_return is not None and order.seller_return.refunded > 0
