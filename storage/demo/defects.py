"""Order defects (metrics.md 3.1): negative feedback, A-to-z claims, chargebacks, and their refunds.

Harmless look-alikes too: 3-star feedback, denied or withdrawn claims, fraud chargebacks.
"""

from __future__ import annotations

import random
from typing import Final

from storage.demo.clock import DAY, HOUR
from storage.demo.model import Chargeback, Claim, Feedback, Order, Refund, order_total
from storage.demo.quotas import Cycle, Quotas

# Comments by what went wrong: a late or missing parcel, or the product (the only thing an FBA buyer
# can blame on the seller).
_FEEDBACK_TEXT: Final = {
    ("delivery", 1): ("Never received my order.", "Package came two weeks late, no apology."),
    ("delivery", 2): ("Took a week before it even shipped.", "Arrived days after the promised date."),
    ("delivery", 3): ("Item is fine but delivery took longer than promised.",),
    ("product", 1): ("Item arrived broken and the seller never replied.", "Wrong item sent, still no refund."),
    ("product", 2): ("Product not as described in the listing.", "Cheap material, not like the pictures."),
    ("product", 3): ("Decent product, packaging could be better.", "OK, although one piece was missing at first."),
}
_FEEDBACK_RESPONSE: Final = (
    "We are sorry to hear this. Please contact us through Buyer-Seller Messaging so we can make it right."
)
_CLAIM_REASONS: Final = ("Item not received", "Item not as described", "Return refund not issued", "Damaged item")
_CHARGEBACK_REASONS: Final = {
    "service": ("Item not received", "Not as described", "Credit not processed"),
    "fraud": ("Unauthorized transaction", "Card not present fraud"),
}


class DefectPlanner:
    """Decides the defects of a shipped or unshipped (never a cancelled) order, and records refunds."""

    def __init__(self, *, rng: random.Random, quotas: Quotas, cutoff: int, settled: tuple[int, int]) -> None:
        self.rng = rng
        self.quotas = quotas
        self.cutoff = cutoff
        self.settled = settled
        self.claim_outcomes = Cycle("granted", "closed", "granted")
        # Some orders collect two defects and still count once (metrics.md 3.1). Amazon handles FBA
        # delivery problems itself, so FBA defects are mostly product feedback.
        self.defect_kinds = {
            "mfn": Cycle("feedback", "chargeback", "claim", "feedback", "both", "feedback", "claim", "feedback"),
            "afn": Cycle("feedback", "chargeback", "feedback", "feedback", "claim", "feedback", "chargeback"),
        }
        self.uncounted_outcomes = Cycle("denied", "withdrawn")
        # Whether an A-to-z and a chargeback refund have landed in the settlement period yet.
        self.settled_claim = False
        self.settled_chargeback = False

    def plan(self, order: Order) -> None:
        """ODR defects (and harmless look-alikes), all within 14 days of purchase.

        Keeping them within 14 days means every defect of an order in the ODR window [D-74, D-15] has
        arrived by the demo's day, so the window shows the intended rate.
        """
        rand = self.rng.random
        if self.quotas.defect[order.channel].draw():
            feedback, claim, chargeback = self._defect_kinds(order)
            if feedback:
                self._feedback(order, 1 if rand() < 0.6 else 2)
            if claim:
                self._claim(order, counting=True)
            if chargeback:
                self._chargeback(order, "service")
            return
        if self.quotas.neutral.draw():
            self._feedback(order, 3)
        if self.quotas.uncounted_claim.draw():
            self._claim(order, counting=False)
        if self.quotas.fraud.draw():
            self._chargeback(order, "fraud")

    def _defect_kinds(self, order: Order) -> tuple[bool, bool, bool]:
        """Negative feedback, claim, chargeback: which of them a defective order gets."""
        start, end = self.settled
        if order.channel == "mfn" and start - 14 * DAY <= order.purchase < end - 6 * DAY:
            if not self.settled_claim:
                return False, True, False
            if not self.settled_chargeback:
                return False, False, True
        kind = self.defect_kinds[order.channel].next()
        return kind in ("feedback", "both"), kind in ("claim", "both"), kind == "chargeback"

    def _feedback(self, order: Order, rating: int) -> None:
        at = order.purchase + 3 * DAY + int(self.rng.random() * 11 * DAY)
        if at >= self.cutoff:
            return
        late = order.shipped is None or order.delivered is None or order.delivered > order.deliver_by_end
        texts = _FEEDBACK_TEXT["delivery" if late and order.channel == "mfn" else "product", rating]
        comment = texts[int(self.rng.random() * len(texts))]
        response = _FEEDBACK_RESPONSE if rating < 3 and self.rng.random() < 0.4 else ""
        order.feedback = Feedback(at, rating, comment, response)

    def _claim(self, order: Order, *, counting: bool) -> None:
        rand = self.rng.random
        at = order.purchase + 6 * DAY + int(rand() * 8 * DAY)
        if at >= self.cutoff:
            return
        steer = counting and not self.settled_claim and order.channel == "mfn"
        if not counting:
            status = self.uncounted_outcomes.next()
        elif self.cutoff - at < 20 * DAY and not steer:
            status = "open"  # Amazon decides a claim within a few weeks
        else:
            status = self.claim_outcomes.next() if not steer else "granted"
        amount = order_total(order)
        funded_by = "amazon" if order.channel == "afn" else "seller"
        order.claim = Claim(at, status, _CLAIM_REASONS[int(rand() * len(_CLAIM_REASONS))], amount, funded_by)
        if status == "granted":
            refunded = self._later(at + DAY, 5 * DAY, steer=steer)
            self.settled_claim |= self.refund(order, refunded, "A-to-z Guarantee Refund", amount)

    def _chargeback(self, order: Order, kind: str) -> None:
        rand = self.rng.random
        at = order.purchase + 8 * DAY + int(rand() * 6 * DAY)
        if at >= self.cutoff:
            return
        reasons = _CHARGEBACK_REASONS[kind]
        status = "open" if self.cutoff - at < 10 * DAY else "closed"
        amount = order_total(order)
        order.chargeback = Chargeback(at, kind, status, reasons[int(rand() * len(reasons))], amount)
        if kind == "service":  # a fraud chargeback's settlement line would read as a service one
            steer = not self.settled_chargeback and order.channel == "mfn"
            debited = self._later(at + HOUR, 4 * DAY, steer=steer)
            self.settled_chargeback |= self.refund(order, debited, "Chargeback Refund", amount)

    def _later(self, earliest: int, spread: int, *, steer: bool) -> int:
        """A time after `earliest`; steered into the settlement period when `steer` and possible."""
        start, end = self.settled
        if steer and earliest < end:
            earliest = max(earliest, start)
            return earliest + int(self.rng.random() * (end - earliest))
        return earliest + int(self.rng.random() * spread)

    def refund(self, order: Order, at: int, kind: str, amount: float) -> bool:
        """Record a refund that happened before the demo's day; True when it lies in the settlement period."""
        if at >= self.cutoff:
            return False
        order.refunds.append(Refund(at, kind, amount, order.lines[0]))
        return self.settled[0] <= at < self.settled[1]
