"""Outcomes drawn at a steady rate (`Quota`) or in turn (`Cycle`), and the demo's quotas (`Quotas`)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from storage.demo.profile import (
    AFN_CANCEL_RATE,
    AFN_DEFECT_RATE,
    BUYER_CANCEL_RATE,
    CS_UNSOLVED_RATE,
    FRAUD_CHARGEBACK_RATE,
    INVALID_TRACKING_RATE,
    LATE_DELIVERY_RATE,
    LATE_REPLY_RATE,
    LATE_SHIPMENT_RATE,
    MFN_DEFECT_RATE,
    NEUTRAL_FEEDBACK_RATE,
    PARTIAL_CANCEL_RATE,
    PENDING_RATE,
    PRESALE_MESSAGE_SHARE,
    RETURN_DISSATISFACTION_RATE,
    SELLER_CANCEL_RATE,
    UNCOUNTED_CLAIM_RATE,
)


class Quota:
    """Yes with long-run frequency `rate`, spread evenly: a small demo still shows the intended rate.

    Independent coin flips would put 7 +- 2.6 defects on 600 orders, enough to flip a breach into a pass.
    The first hit comes within the first few draws (the oldest orders, outside most metric windows), so
    even a small demo holds one case of each kind; it adds at most one hit to the whole run.
    """

    def __init__(self, rate: float, rng: random.Random, *, early: bool) -> None:
        self._rate = rate
        self._rng = rng
        # A later part of the history continues mid-stream: no early hit there.
        self._level = 1.0 - rate * (1.0 + 3.0 * rng.random()) if early else rng.random()

    def draw(self) -> bool:
        # A little jitter so the hits do not fall on every n-th order.
        self._level += self._rate * (0.5 + self._rng.random())
        if self._level >= 1.0:
            self._level -= 1.0
            return True
        return False

    def take(self) -> None:
        """A hit forced by circumstances (a parcel that cannot arrive in time) counts against the quota."""
        self._level -= 1.0


class Cycle:
    """Kinds of an outcome in turn, so a small demo still holds each of them (rare ones too)."""

    def __init__(self, *kinds: str) -> None:
        self._kinds = kinds
        self._next = 0

    def next(self) -> str:
        kind = self._kinds[self._next % len(self._kinds)]
        self._next += 1
        return kind


@dataclass(frozen=True)
class Quotas:
    """Every rate of the profile that a quota enforces, for one part of the history."""

    defect: dict[str, Quota]  # by channel
    seller_cancel: Quota
    buyer_cancel: Quota
    partial_cancel: Quota
    afn_cancel: Quota
    late_ship: Quota
    invalid_tracking: Quota
    late_delivery: Quota
    late_reply: Quota
    unsolved: Quota
    dissatisfied: Quota
    presale: Quota
    pending: Quota
    neutral: Quota
    uncounted_claim: Quota
    fraud: Quota

    @classmethod
    def draw(cls, rng: random.Random, *, part: int) -> Quotas:
        """Each quota draws its starting level from `rng`: always in this order, which the files depend on."""
        early = part == 0

        def q(rate: float) -> Quota:
            return Quota(rate, rng, early=early)

        defect = {"mfn": q(MFN_DEFECT_RATE), "afn": q(AFN_DEFECT_RATE)}
        seller_cancel = q(SELLER_CANCEL_RATE)
        buyer_cancel = q(BUYER_CANCEL_RATE)
        partial_cancel = q(PARTIAL_CANCEL_RATE)
        afn_cancel = q(AFN_CANCEL_RATE)
        late_ship = q(LATE_SHIPMENT_RATE)
        invalid_tracking = q(INVALID_TRACKING_RATE)
        late_delivery = q(LATE_DELIVERY_RATE)
        late_reply = q(LATE_REPLY_RATE)
        unsolved = q(CS_UNSOLVED_RATE)
        dissatisfied = q(RETURN_DISSATISFACTION_RATE)
        presale = q(PRESALE_MESSAGE_SHARE)
        # Only the last hours' orders draw from it, so its early hit is due in whichever part holds them.
        pending = Quota(PENDING_RATE, rng, early=True)
        neutral = q(NEUTRAL_FEEDBACK_RATE)
        uncounted_claim = q(UNCOUNTED_CLAIM_RATE)
        fraud = q(FRAUD_CHARGEBACK_RATE)
        return cls(
            defect=defect,
            seller_cancel=seller_cancel,
            buyer_cancel=buyer_cancel,
            partial_cancel=partial_cancel,
            afn_cancel=afn_cancel,
            late_ship=late_ship,
            invalid_tracking=invalid_tracking,
            late_delivery=late_delivery,
            late_reply=late_reply,
            unsolved=unsolved,
            dissatisfied=dissatisfied,
            presale=presale,
            pending=pending,
            neutral=neutral,
            uncounted_claim=uncounted_claim,
            fraud=fraud,
        )
