"""Returns: seller-fulfilled return requests (metrics.md 3.7), FBA returns, and refunds without a return."""

from __future__ import annotations

import random
from typing import Final

from storage.demo.clock import DAY, HOUR
from storage.demo.codes import MIXED, tracking_number
from storage.demo.defects import DefectPlanner
from storage.demo.locales import Locale
from storage.demo.model import FbaReturn, Order, Return, order_total
from storage.demo.profile import (
    AFN_RETURN_SHARE,
    CONCESSION_REFUND_SHARE,
    MFN_RETURN_SHARE,
    OUT_OF_POLICY_REJECT_SHARE,
)
from storage.demo.quotas import Cycle, Quotas

_RETURN_REASONS: Final = (
    "CR-UNWANTED_ITEM",
    "CR-DEFECTIVE",
    "AMZ-PG-BAD-DESC",
    "CR-DAMAGED_BY_CARRIER",
    "CR-ORDERED_WRONG_ITEM",
    "CR-QUALITY_UNACCEPTABLE",
    "CR-MISSED_ESTIMATED_DELIVERY",
    "CR-FOUND_BETTER_PRICE",
)
_FBA_RETURN_REASONS: Final = (
    "UNWANTED_ITEM",
    "DEFECTIVE",
    "NOT_AS_DESCRIBED",
    "DAMAGED_BY_FC",
    "ORDERED_WRONG_ITEM",
    "QUALITY_UNACCEPTABLE",
    "NO_REASON_GIVEN",
)
_DISPOSITIONS: Final = ("SELLABLE", "SELLABLE", "SELLABLE", "CUSTOMER_DAMAGED", "DEFECTIVE", "CARRIER_DAMAGED")
_RETURN_COMMENTS: Final = ("", "", "Didn't fit my needs", "Stopped working after a week", "Arrived scratched", "")


class ReturnPlanner:
    """Decides the returns of a shipped order; refunds are recorded by the `DefectPlanner`."""

    def __init__(
        self, *, rng: random.Random, quotas: Quotas, locale: Locale, cutoff: int, defects: DefectPlanner
    ) -> None:
        self.rng = rng
        self.quotas = quotas
        self.locale = locale
        self.cutoff = cutoff
        self.defects = defects
        self.dissatisfactions = Cycle("rejected", "slow", "unresolved")

    def plan(self, order: Order) -> None:
        """A return, or a refund without one, for a shipped order."""
        if order.shipped is None:
            return
        rand = self.rng.random
        if order.channel == "afn":
            if rand() < AFN_RETURN_SHARE:
                self._fba_return(order)
            elif rand() < CONCESSION_REFUND_SHARE:
                self.defects.refund(
                    order, order.shipped + int(rand() * 10 * DAY), "Refund", round(order_total(order) * 0.2, 2)
                )
            return
        claimed = order.claim is not None and order.claim.counts
        if rand() < MFN_RETURN_SHARE or (claimed and rand() < 0.5):
            self._seller_return(order)
        elif rand() < CONCESSION_REFUND_SHARE:
            self.defects.refund(
                order, order.shipped + int(rand() * 10 * DAY), "Refund", round(order_total(order) * 0.2, 2)
            )

    def _seller_return(self, order: Order) -> None:
        rand = self.rng.random
        assert order.shipped is not None
        base = order.delivered or order.shipped + 3 * DAY
        requested = base + HOUR + int(rand() * 18 * DAY)
        claim = order.claim if order.claim is not None and order.claim.counts else None
        if claim is not None:  # the buyer asked for a return before escalating to a claim
            requested = max(order.shipped + HOUR, claim.at - DAY - int(rand() * 3 * DAY))
        if requested >= self.cutoff:
            return
        shipped_lines = [line for line in order.lines if not line.cancelled]
        line = shipped_lines[int(rand() * len(shipped_lines))]
        status, in_policy, responded, resolved = self._return_handling(requested)
        if status == "Rejected" and resolved:
            resolved = None  # a buyer whose return was rejected does not call it resolved
        delivered: int | None = None
        refunded = 0.0
        if status != "Rejected":
            delivered = requested + 3 * DAY + int(rand() * 8 * DAY)
            refund_at = delivered + int(rand() * 2 * DAY)
            if delivered >= self.cutoff:
                delivered = None
            # A claimed order was refunded through the claim; other returns once the parcel is back.
            elif claim is None and rand() < 0.9 and refund_at < self.cutoff:
                refunded = line.price if rand() < 0.85 else round(line.price * 0.5, 2)
                self.defects.refund(order, refund_at, "Refund", refunded)
        order.seller_return = Return(
            requested=requested,
            line=line,
            quantity=line.quantity,
            rma=f"D{MIXED.code(self.rng.getrandbits(47), 8)}RMA",
            reason=_RETURN_REASONS[int(rand() * len(_RETURN_REASONS))],
            status=status if delivered is not None or status == "Rejected" else "Approved",
            in_policy=in_policy,
            responded=responded,
            buyer_resolved=resolved,
            delivered=delivered,
            refunded=refunded,
            a_to_z=claim is not None,
            carrier=self.locale.carriers[0],
            tracking=tracking_number(self.rng, self.locale.carriers[0]),
        )

    def _return_handling(self, requested: int) -> tuple[str, bool, int | None, bool | None]:
        """Status, in-policy flag, response time and the buyer's verdict of one return request."""
        rand = self.rng.random
        status, in_policy = "Closed", True
        responded: int | None = requested + 600 + int(rand() * 30 * HOUR)
        resolved: bool | None = True if rand() < 0.6 else None  # most buyers never answer the question
        if self.quotas.dissatisfied.draw():
            kind = self.dissatisfactions.next()
            if kind == "rejected":
                status = "Rejected"  # rejected although in policy
            elif kind == "slow":
                responded = requested + 49 * HOUR + int(rand() * 72 * HOUR)
            else:
                resolved = False
        elif rand() < OUT_OF_POLICY_REJECT_SHARE:
            status, in_policy = "Rejected", False
        if responded is not None and responded >= self.cutoff:
            responded = None
        return status, in_policy, responded, resolved

    def _fba_return(self, order: Order) -> None:
        rand = self.rng.random
        assert order.shipped is not None
        at = (order.delivered or order.shipped + 2 * DAY) + 2 * DAY + int(rand() * 25 * DAY)
        if at >= self.cutoff:
            return
        line = order.lines[int(rand() * len(order.lines))]
        if line.cancelled:
            return
        disposition = _DISPOSITIONS[int(rand() * len(_DISPOSITIONS))]
        order.fba_return = FbaReturn(
            at=at,
            line=line,
            quantity=line.quantity,
            center=self.locale.fulfillment_centers[int(rand() * len(self.locale.fulfillment_centers))],
            disposition=disposition,
            reason=_FBA_RETURN_REASONS[int(rand() * len(_FBA_RETURN_REASONS))],
            status="Unit returned to inventory" if disposition == "SELLABLE" else "Reimbursed",
            plate=f"LPNRR{self.rng.randrange(10**9):09d}",
            comment=_RETURN_COMMENTS[int(rand() * len(_RETURN_COMMENTS))],
        )
        # Amazon refunds an FBA return at the carrier's drop-off scan, before the parcel reaches the centre.
        self.defects.refund(order, at - DAY - int(rand() * DAY), "Refund", line.price)
