"""The demo's profile: its history, shares of orders chosen near Amazon's targets, and those targets.

Each rate is enforced by a `quotas.Quota`, not by coin flips, so even a few hundred orders show it.
"""

from __future__ import annotations

from typing import Final

HISTORY_DAYS: Final = 120  # purchase dates spread over the 120 days before as_of

MFN_SHARE: Final = 0.6
MULTI_ITEM_SHARE: Final = 0.2
PAYMENT_HOLD_SHARE: Final = 0.02  # payment verification holds an order for hours
PENDING_RATE: Final = 0.1  # of the last 12 hours' orders, still awaiting payment on the demo's day
MFN_DEFECT_RATE: Final = 0.0125  # ODR mfn ~1.2% (cancelled orders never defect): breaches < 1%
AFN_DEFECT_RATE: Final = 0.004  # ODR afn ~0.4%: passes
SELLER_CANCEL_RATE: Final = 0.012  # with partial ones, seller- and Amazon-initiated ~1.4%: passes < 2.5%
BUYER_CANCEL_RATE: Final = 0.005  # buyer-requested: an upper bound from All Orders alone still passes
PARTIAL_CANCEL_RATE: Final = 0.01  # of multi-item MFN orders: one item out of stock, the rest ships
AFN_CANCEL_RATE: Final = 0.004
LATE_SHIPMENT_RATE: Final = 0.05  # ~4.5% in the window (orders due yesterday cannot be late yet): breaches < 4%
INVALID_TRACKING_RATE: Final = 0.04  # valid tracking ~96%: passes >= 95%
LATE_DELIVERY_RATE: Final = 0.05  # on-time delivery ~95%: breaches >= 97%
LATE_REPLY_RATE: Final = 0.135  # contact response ~87% within 24 h: breaches >= 90%
NO_RESPONSE_NEEDED_SHARE: Final = 0.08
MFN_MESSAGE_SHARE: Final = 0.05
AFN_MESSAGE_SHARE: Final = 0.03
PRESALE_MESSAGE_SHARE: Final = 0.01  # questions without an order, per order
SURVEY_SHARE: Final = 0.3  # of answered messages
CS_UNSOLVED_RATE: Final = 0.15  # passes < 25%
MFN_RETURN_SHARE: Final = 0.045
AFN_RETURN_SHARE: Final = 0.035
RETURN_DISSATISFACTION_RATE: Final = 0.06  # passes < 10%
OUT_OF_POLICY_REJECT_SHARE: Final = 0.02
CONCESSION_REFUND_SHARE: Final = 0.005  # refunds without a return (a late parcel, a scratch)
NEUTRAL_FEEDBACK_RATE: Final = 0.008  # 3 stars: exported, never a defect
UNCOUNTED_CLAIM_RATE: Final = 0.0015  # denied or withdrawn claims
FRAUD_CHARGEBACK_RATE: Final = 0.001

# Targets as Amazon's Account Health report states them.
ODR_TARGET: Final = 0.01
LSR_TARGET: Final = 0.04
CANCEL_TARGET: Final = 0.025
VTR_TARGET: Final = 0.95
OTDR_TARGET: Final = 0.97
UNIT_OTDR_TARGET: Final = 0.9

COMMISSION: Final = 0.15
LOCAL_HOUR_WEIGHTS: Final = (3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 7, 6, 6, 6, 7, 8, 9, 10, 9, 7, 5)
WEEKDAY_WEIGHTS: Final = (1.0, 0.97, 0.95, 0.98, 1.03, 1.1, 1.12)  # Monday first
