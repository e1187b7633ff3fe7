"""metrics.md 2: Refund Rate. Every expected number is worked out by hand in the comments.

As of 2026-11-24 the default window (refund_window_days = 30) holds order dates 2026-10-25 (D-30) to
2026-11-23 (D-1).
"""

from __future__ import annotations

from datetime import date

from metrics import refunds
from metrics.refunds import NO_REASON
from metrics.result import Basis, MetricResult, Status
from storage import models
from tests.metrics.conftest import ContextFor
from tests.metrics.scenario import Scenario, instant

AS_OF = "2026-11-24"
IN_WINDOW = "2026-11-01T12:00:00+00:00"


def compute(context_for: ContextFor, as_of: str = AS_OF, **settings: object) -> MetricResult:
    [result] = refunds.compute(context_for(as_of, **settings))
    return result


def clean_orders(scenario: Scenario, count: int, *, prefix: str = "C") -> None:
    for i in range(count):
        scenario.order(f"{prefix}-{i}", IN_WINDOW)


def settled_refund(scenario: Scenario, order_id: str, posted: str, *, sku: str | None, adjustment: str) -> None:
    """A settlement `Refund` naming the SKU it refunds (the scenario builder's rows name none)."""
    scenario.settlement(order_id, "Refund", posted, adjustment=adjustment)
    row = scenario.session.query(models.SettlementTransaction).filter_by(adjustment_id=adjustment).one()
    row.sku = sku
    scenario.session.flush()


def test_window_edges_and_both_sources(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("FIRST", "2026-10-25T00:00:00+00:00").settlement("FIRST", "Refund", "2026-11-01T00:00:00+00:00")
    scenario.order("BEFORE", "2026-10-24T23:59:59+00:00").settlement(
        "BEFORE", "Refund", "2026-11-01T00:00:00+00:00", adjustment="ADJ-2"
    )
    scenario.order("LAST", "2026-11-23T23:59:59+00:00").seller_return("LAST", "2026-11-23", refunded=12.5)
    # 17:00 on 23 Nov in Los Angeles is 01:00 on 24 Nov UTC: outside the window.
    scenario.order("TODAY", "2026-11-23T17:00:00-08:00").seller_return("TODAY", "2026-11-23", refunded=3.0)
    clean_orders(scenario, 2)
    result = compute(context_for)
    # FIRST and LAST refunded, of FIRST, LAST and 2 clean orders: 2/4.
    assert (result.numerator, result.denominator, result.value) == (2, 4, 0.5)
    assert (result.window.start, result.window.end) == (date(2026, 10, 25), date(2026, 11, 23))  # type: ignore[union-attr]
    assert (result.basis, result.basis_note) == (Basis.EXACT, None)


def test_what_counts_as_a_refund(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("SETTLED", IN_WINDOW).settlement("SETTLED", "Refund", "2026-11-02T00:00:00+00:00")
    scenario.order("RETURNED", IN_WINDOW).seller_return("RETURNED", "2026-11-03", refunded=0.01)
    scenario.order("ZERO", IN_WINDOW).seller_return("ZERO", "2026-11-03", refunded=0.0)
    scenario.order("NO-AMOUNT", IN_WINDOW).seller_return("NO-AMOUNT", "2026-11-03", refunded=None)
    # Claim and chargeback refunds are other settlement types: defects of the ODR, not refund rows.
    scenario.order("ATOZ", IN_WINDOW).settlement("ATOZ", "A-to-z Guarantee Refund", "2026-11-02T00:00:00+00:00")
    scenario.order("BANK", IN_WINDOW).settlement("BANK", "Chargeback Refund", "2026-11-02T00:00:00+00:00")
    # Refunded twice, and in both sources, over two items: one order.
    scenario.order("TWICE", IN_WINDOW, sku="A").order("TWICE", IN_WINDOW, sku="B")
    scenario.settlement("TWICE", "Refund", "2026-11-02T00:00:00+00:00", adjustment="ADJ-2")
    scenario.settlement("TWICE", "Refund", "2026-11-05T00:00:00+00:00", adjustment="ADJ-3")
    scenario.seller_return("TWICE", "2026-11-03", refunded=4.0, rma="RMA-9")
    clean_orders(scenario, 3)
    result = compute(context_for)
    # SETTLED, RETURNED, TWICE refunded; 10 orders (TWICE once): 3/10.
    assert (result.numerator, result.denominator) == (3, 10)
    assert result.low_volume is False


def test_nothing_after_the_evaluation_instant(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("POSTED-AT-INSTANT", IN_WINDOW).settlement(
        "POSTED-AT-INSTANT", "Refund", "2026-11-24T00:00:00+00:00"
    )
    scenario.order("REQUESTED-TODAY", IN_WINDOW).seller_return("REQUESTED-TODAY", "2026-11-24", refunded=5.0)
    scenario.order("POSTED-BEFORE", IN_WINDOW).settlement(
        "POSTED-BEFORE", "Refund", "2026-11-23T23:59:59+00:00", adjustment="ADJ-2"
    )
    clean_orders(scenario, 1)
    assert compute(context_for).numerator == 1  # POSTED-BEFORE only
    assert compute(context_for, "2026-11-25").numerator == 3


def test_the_window_is_a_setting(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("EIGHT-DAYS", "2026-11-16T12:00:00+00:00").seller_return("EIGHT-DAYS", "2026-11-20", refunded=5.0)
    scenario.order("SEVEN-DAYS", "2026-11-17T00:00:00+00:00").seller_return("SEVEN-DAYS", "2026-11-20", refunded=5.0)
    scenario.uploaded("settlement")
    week = compute(context_for, refund_window_days=7)
    # [D-7, D-1] = 17 to 23 Nov: SEVEN-DAYS alone.
    assert (week.numerator, week.denominator) == (1, 1)
    assert (week.window.start, week.window.end) == (date(2026, 11, 17), date(2026, 11, 23))  # type: ignore[union-attr]
    assert compute(context_for).numerator == 2


def test_no_target_is_informational_unless_the_account_sets_one(scenario: Scenario, context_for: ContextFor) -> None:
    for i in range(4):
        scenario.order(f"R-{i}", IN_WINDOW).seller_return(f"R-{i}", "2026-11-03", refunded=5.0, rma=f"RMA-{i}")
    clean_orders(scenario, 96)
    scenario.uploaded("settlement")
    free = compute(context_for)
    # 4/100 = 4%, no target: ok, no budget.
    assert (free.numerator, free.denominator, free.target, free.status, free.budget) == (4, 100, None, Status.OK, None)
    targeted = compute(context_for, targets={"refund_rate": 0.05})
    # 4% < 5% passes, but 4% >= 0.8 x 5% = 4%: a warning; 5% x 100 = 5 refunds would breach, so 0 more.
    assert (targeted.status, targeted.target) == (Status.WARNING, 0.05)
    assert (targeted.budget.defects_until_breach, targeted.budget.clean_orders_to_recover) == (0, 0)  # type: ignore[union-attr]
    scenario.order("R-4", IN_WINDOW).seller_return("R-4", "2026-11-03", refunded=5.0, rma="RMA-4")
    breached = compute(context_for, targets={"refund_rate": 0.05})
    # 5/101 = 4.95%: still under 5%. One more refund on an existing order: 6/101 = 5.94%, a breach.
    assert breached.status is Status.WARNING
    scenario.seller_return("C-0", "2026-11-04", refunded=5.0, rma="RMA-5")
    worse = compute(context_for, targets={"refund_rate": 0.05})
    assert (worse.numerator, worse.denominator, worse.status) == (6, 101, Status.BREACH)
    # 6 / 0.05 - 101 = 19, so 20 clean orders bring it under 5% (6/121 = 4.96%).
    assert worse.budget.clean_orders_to_recover == 20  # type: ignore[union-attr]


def test_only_the_returns_report_is_an_estimate(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("R", IN_WINDOW).seller_return("R", "2026-11-03", refunded=5.0)
    result = compute(context_for)
    assert (result.numerator, result.denominator, result.basis) == (1, 1, Basis.ESTIMATE)
    assert result.basis_note == (
        "no settlement report uploaded: only refunds of seller-fulfilled returns counted "
        "(FBA refunds and refunds without a return are missing)"
    )
    assert result.low_volume


def test_no_refund_source_is_no_data_naming_both(scenario: Scenario, context_for: ContextFor) -> None:
    clean_orders(scenario, 5)
    result = compute(context_for)
    assert (result.status, result.basis, result.value, result.numerator) == (Status.NO_DATA, Basis.NO_DATA, None, None)
    assert result.basis_note == "upload a Settlement report (flat file V2) and the Returns report (seller-fulfilled)"


def test_no_all_orders_is_no_data_naming_it(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.settlement("X", "Refund", "2026-11-02T00:00:00+00:00")
    result = compute(context_for)
    assert result.status is Status.NO_DATA
    assert result.basis_note == "upload the All Orders report (Reports > Fulfillment > All Orders)"


def test_causes_by_sku_and_return_reason(scenario: Scenario, context_for: ContextFor) -> None:
    # The refund names its SKU: only that one of the order's two.
    scenario.order("NAMED", IN_WINDOW, sku="HOSE").order("NAMED", IN_WINDOW, sku="LAMP")
    settled_refund(scenario, "NAMED", "2026-11-02T00:00:00+00:00", sku="HOSE", adjustment="ADJ-1")
    # No SKU named: the order's SKU stands in.
    scenario.order("UNNAMED", IN_WINDOW, sku="HOSE")
    settled_refund(scenario, "UNNAMED", "2026-11-02T00:00:00+00:00", sku=None, adjustment="ADJ-2")
    # Refunded through the settlement; the returns row (no amount yet) still gives its reason.
    scenario.order("REASONED", IN_WINDOW, sku="HOSE")
    settled_refund(scenario, "REASONED", "2026-11-02T00:00:00+00:00", sku=None, adjustment="ADJ-3")
    scenario.seller_return("REASONED", "2026-11-01", refunded=None, reason="DEFECTIVE", sku="HOSE", rma="RMA-1")
    scenario.order("RETURNED", IN_WINDOW, sku="LAMP").seller_return(
        "RETURNED", "2026-11-01", refunded=8.0, reason="DEFECTIVE", sku="LAMP", rma="RMA-2"
    )
    # A return not refunded is no refund, and its reason no cause.
    scenario.order("KEPT", IN_WINDOW, sku="LAMP").seller_return(
        "KEPT", "2026-11-01", refunded=None, reason="NO_LONGER_NEEDED", sku="LAMP", rma="RMA-3"
    )
    result = compute(context_for)
    assert (result.numerator, result.denominator) == (4, 5)
    assert [c.as_json() for c in result.causes] == [
        {"kind": "sku", "label": "HOSE", "count": 3, "orders": ["NAMED", "REASONED", "UNNAMED"]},
        {"kind": "sku", "label": "LAMP", "count": 1, "orders": ["RETURNED"]},
        {"kind": "reason", "label": "DEFECTIVE", "count": 2, "orders": ["REASONED", "RETURNED"]},
        {"kind": "reason", "label": NO_REASON, "count": 2, "orders": ["NAMED", "UNNAMED"]},
    ]


def test_outlook_refunds_leave_with_their_orders(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("FIRST-DAY", "2026-10-25T08:00:00+00:00").seller_return("FIRST-DAY", "2026-11-01", refunded=5.0)
    clean_orders(scenario, 3)
    scenario.uploaded("settlement")
    result = compute(context_for)
    assert result.outlook is not None
    # 25 Oct leaves the window when it starts on 26 Oct: on 25 Nov, leaving 0 of 3.
    assert result.outlook.leaves == [(date(2026, 11, 25), 1)]
    first = result.outlook.days[0]
    assert (first.day, first.numerator, first.denominator) == (date(2026, 11, 25), 0, 3)


def test_instants_in_a_settlement_are_utc(scenario: Scenario, context_for: ContextFor) -> None:
    # 16:30 on 23 Nov in Los Angeles is 00:30 on 24 Nov UTC: after the instant.
    scenario.order("LOCAL", IN_WINDOW).settlement("LOCAL", "Refund", instant("2026-11-23T16:30:00-08:00"))
    assert compute(context_for).numerator == 0
