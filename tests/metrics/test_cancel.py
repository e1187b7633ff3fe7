"""metrics.md 3.2: Pre-fulfilment Cancel Rate. Every expected number is worked out by hand in the comments.

As of 2026-11-24 the window holds MFN order dates 2026-11-17 (D-7) to 2026-11-23 (D-1); the
evaluation instant is 2026-11-24T00:00:00Z.
"""

from __future__ import annotations

from datetime import date

from metrics import cancel
from metrics.result import Basis, MetricResult, Status
from tests.metrics.conftest import ContextFor
from tests.metrics.scenario import Scenario

AS_OF = "2026-11-24"
IN_WINDOW = "2026-11-20T12:00:00+00:00"


def only(results: list[MetricResult]) -> MetricResult:
    assert len(results) == 1
    assert (results[0].id, results[0].scope) == ("cancel_rate", "mfn")
    return results[0]


def clean_orders(scenario: Scenario, count: int, *, when: str = IN_WINDOW, prefix: str = "C") -> None:
    for i in range(count):
        scenario.order(f"{prefix}-{i}", when)


def test_window_edges_the_utc_order_date_and_mfn_only(scenario: Scenario, context_for: ContextFor) -> None:
    def cancelled(order_id: str, purchased: str, channel: str = "mfn") -> None:
        scenario.order(order_id, purchased, status="Cancelled", quantity=0, channel=channel)

    cancelled("EDGE-START", "2026-11-17T00:00:00+00:00")  # D-7: in
    cancelled("BEFORE", "2026-11-16T23:59:59+00:00")  # D-8: out
    cancelled("EDGE-END", "2026-11-23T23:59:59+00:00")  # D-1: in (and updated before the instant)
    cancelled("TODAY", "2026-11-24T00:00:00+00:00")  # D: out
    # 17:00 on 16 Nov in Los Angeles is 01:00 on 17 Nov UTC: the order date is the 17th, in.
    cancelled("LOCAL", "2026-11-16T17:00:00-08:00")
    cancelled("AFN", IN_WINDOW, channel="afn")  # Fulfilled by Amazon: not in this metric
    clean_orders(scenario, 1)
    result = only(cancel.compute(context_for(AS_OF)))
    # EDGE-START, EDGE-END, LOCAL cancelled, of those three plus one clean order.
    assert (result.numerator, result.denominator) == (3, 4)
    assert (result.window.start, result.window.end) == (date(2026, 11, 17), date(2026, 11, 23))  # type: ignore[union-attr]
    assert result.low_volume


def test_all_orders_alone_counts_every_cancellation_as_an_upper_bound(
    scenario: Scenario, context_for: ContextFor
) -> None:
    scenario.order("FULL", IN_WINDOW, status="Cancelled", quantity=0)
    # One item cancelled (item-status Cancelled, quantity 0) while the other ships: the order counts.
    scenario.order("PARTIAL", IN_WINDOW, sku="A").order(
        "PARTIAL", IN_WINDOW, sku="B", item_status="Cancelled", quantity=0
    )
    clean_orders(scenario, 8)
    result = only(cancel.compute(context_for(AS_OF)))
    # 2 of 10 orders (FULL, PARTIAL; PARTIAL once for its two items): 20%, a breach; 10 is not low volume.
    assert (result.numerator, result.denominator, result.status) == (2, 10, Status.BREACH)
    assert not result.low_volume
    assert result.basis is Basis.ESTIMATE
    assert result.basis_note == "upper bound: buyer-requested cancellations included"
    assert result.extra["partial_cancellations"] == 1
    assert result.extra["by_initiator"] == {"seller": 0, "amazon": 0, "unknown": 2}
    assert "buyer_cancellations_excluded" not in result.extra


def test_either_sign_of_an_item_cancellation_counts(scenario: Scenario, context_for: ContextFor) -> None:
    # All Orders marks a cancelled item by item-status Cancelled and by quantity 0; either one is enough
    # (some tools re-export the report with one of the two, or spell it "Canceled").
    scenario.order("BY-STATUS", IN_WINDOW, sku="A").order("BY-STATUS", IN_WINDOW, sku="B", item_status="Canceled")
    scenario.order("BY-QUANTITY", IN_WINDOW, sku="A").order("BY-QUANTITY", IN_WINDOW, sku="B", quantity=0)
    clean_orders(scenario, 8)
    result = only(cancel.compute(context_for(AS_OF)))
    assert (result.numerator, result.denominator) == (2, 10)
    assert result.extra["partial_cancellations"] == 2


def test_without_the_template_last_update_bounds_the_cancel_time(scenario: Scenario, context_for: ContextFor) -> None:
    # All Orders has no cancel time: a row last updated at or after the instant may have been cancelled
    # after it, so it does not count for that day.
    scenario.order("AT-INSTANT", IN_WINDOW, status="Cancelled", quantity=0, updated="2026-11-24T00:00:00+00:00")
    scenario.order("JUST-BEFORE", IN_WINDOW, status="Cancelled", quantity=0, updated="2026-11-23T23:59:59+00:00")
    clean_orders(scenario, 8)
    assert only(cancel.compute(context_for(AS_OF))).numerator == 1  # JUST-BEFORE
    # The next day (window 18-24 Nov, instant 25 Nov 00:00Z) both count.
    tomorrow = only(cancel.compute(context_for("2026-11-25")))
    assert (tomorrow.numerator, tomorrow.denominator) == (2, 10)


def test_the_template_decides_who_cancelled_and_when(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("SELLER", IN_WINDOW, status="Cancelled", quantity=0)
    scenario.cancellation("SELLER", "2026-11-20T13:00:00+00:00", "seller")
    # Amazon's automatic cancellation of an order never confirmed counts against the seller.
    scenario.order("AMAZON", IN_WINDOW, status="Cancelled", quantity=0)
    scenario.cancellation("AMAZON", "2026-11-20T18:00:00+00:00", "amazon")
    scenario.order("BUYER", IN_WINDOW, status="Cancelled", quantity=0)
    scenario.cancellation("BUYER", "2026-11-20T13:00:00+00:00", "buyer")
    scenario.order("PART", IN_WINDOW, sku="A").order("PART", IN_WINDOW, sku="B", item_status="Cancelled", quantity=0)
    scenario.cancellation("PART", "2026-11-20T14:00:00+00:00", "seller")
    # All Orders says cancelled (updated on the 23rd), but the template's time is after the instant.
    scenario.order("AFTER", IN_WINDOW, status="Cancelled", quantity=0, updated="2026-11-23T10:00:00+00:00")
    scenario.cancellation("AFTER", "2026-11-24T00:00:00+00:00", "seller")
    clean_orders(scenario, 5)
    result = only(cancel.compute(context_for(AS_OF)))
    # SELLER, AMAZON, PART of 10 orders: 30%; BUYER does not count, AFTER is not cancelled yet.
    assert (result.numerator, result.denominator) == (3, 10)
    assert (result.basis, result.basis_note) == (Basis.EXACT, None)
    assert result.extra["buyer_cancellations_excluded"] == 1
    assert result.extra["by_initiator"] == {"seller": 2, "amazon": 1, "unknown": 0}
    assert result.extra["partial_cancellations"] == 1
    # As of the 25th (window 18-24 Nov) AFTER's cancellation has happened: 4 of 10.
    assert only(cancel.compute(context_for("2026-11-25"))).numerator == 4


def test_a_cancelled_order_missing_from_the_template_counts_as_an_estimate(
    scenario: Scenario, context_for: ContextFor
) -> None:
    scenario.order("LISTED", IN_WINDOW, status="Cancelled", quantity=0)
    scenario.cancellation("LISTED", "2026-11-20T13:00:00+00:00", "seller")
    scenario.order("UNLISTED", IN_WINDOW, status="Cancelled", quantity=0)
    # The template lists it, but All Orders is older and still shows it shipping: the template decides.
    scenario.order("NEWER-TEMPLATE", IN_WINDOW, status="Unshipped")
    scenario.cancellation("NEWER-TEMPLATE", "2026-11-21T09:00:00+00:00", "seller")
    clean_orders(scenario, 7)
    result = only(cancel.compute(context_for(AS_OF)))
    assert (result.numerator, result.denominator) == (3, 10)  # LISTED, UNLISTED, NEWER-TEMPLATE
    assert result.basis is Basis.ESTIMATE
    assert result.basis_note == (
        "1 cancelled order(s) missing from the cancellations template counted as seller cancellations"
        " (upper bound for those)"
    )
    assert result.extra["by_initiator"] == {"seller": 2, "amazon": 0, "unknown": 1}


def test_status_at_the_target_warning_and_budget(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("BAD", IN_WINDOW, status="Cancelled", quantity=0)
    clean_orders(scenario, 39)
    breach = only(cancel.compute(context_for(AS_OF)))
    # 1/40 = 2.5% is not below 2.5%: a breach. One clean order more gives 1/41 = 2.44%.
    assert (breach.numerator, breach.denominator, breach.status) == (1, 40, Status.BREACH)
    assert (breach.budget.defects_until_breach, breach.budget.clean_orders_to_recover) == (0, 1)  # type: ignore[union-attr]
    clean_orders(scenario, 10, prefix="MORE")
    warning = only(cancel.compute(context_for(AS_OF)))
    # 1/50 = 2.0% = 0.8 x 2.5%: a warning; a second cancel would make 4%, so no room left.
    assert (warning.status, warning.value) == (Status.WARNING, 0.02)
    assert (warning.budget.defects_until_breach, warning.budget.clean_orders_to_recover) == (0, 0)  # type: ignore[union-attr]
    clean_orders(scenario, 50, prefix="EVEN-MORE")
    ok = only(cancel.compute(context_for(AS_OF)))
    # 1/100 = 1%: ok; 2/100 still passes, 3/100 breaches: one more cancel allowed.
    assert (ok.status, ok.budget.defects_until_breach) == (Status.OK, 1)  # type: ignore[union-attr]


def test_outlook_cancels_leave_the_seven_day_window(scenario: Scenario, context_for: ContextFor) -> None:
    d17, d20, d21 = "2026-11-17T12:00:00+00:00", "2026-11-20T12:00:00+00:00", "2026-11-21T12:00:00+00:00"
    for i in range(2):
        scenario.order(f"X17-{i}", d17, status="Cancelled", quantity=0)
    scenario.order("X20", d20, status="Cancelled", quantity=0)
    clean_orders(scenario, 8, when=d17, prefix="C17")
    clean_orders(scenario, 9, when=d20, prefix="C20")
    clean_orders(scenario, 20, when=d21, prefix="C21")
    result = only(cancel.compute(context_for(AS_OF)))
    # 3 of 40 = 7.5%: a breach.
    assert (result.numerator, result.denominator, result.status) == (3, 40, Status.BREACH)
    assert result.outlook is not None
    # The 17th leaves on the 25th (window 18-24), the 20th on the 28th (window 21-27).
    assert result.outlook.leaves == [(date(2026, 11, 25), 2), (date(2026, 11, 28), 1)]
    days = {d.day: (d.numerator, d.denominator, d.status) for d in result.outlook.days}
    assert days[date(2026, 11, 25)] == (1, 30, Status.BREACH)  # 3.33%
    assert days[date(2026, 11, 27)] == (1, 30, Status.BREACH)
    assert days[date(2026, 11, 28)] == (0, 20, Status.OK)  # only the 21st's clean orders remain
    assert result.outlook.recovers_on == date(2026, 11, 28)


def test_causes_by_initiator_and_sku(scenario: Scenario, context_for: ContextFor) -> None:
    for order_id, by, sku in (("S1", "seller", "HOSE"), ("S2", "seller", "HOSE"), ("A1", "amazon", "VALVE")):
        scenario.order(order_id, IN_WINDOW, status="Cancelled", quantity=0, sku=sku)
        scenario.cancellation(order_id, "2026-11-21T00:00:00+00:00", by)
    scenario.order("U1", IN_WINDOW, status="Cancelled", quantity=0, sku="HOSE")  # not in the template
    scenario.order("B1", IN_WINDOW, status="Cancelled", quantity=0, sku="HOSE")
    scenario.cancellation("B1", "2026-11-21T00:00:00+00:00", "buyer")  # not counted, not a cause
    clean_orders(scenario, 5)
    result = only(cancel.compute(context_for(AS_OF)))
    assert result.numerator == 4
    causes = [(c.kind, c.label, c.count, c.orders) for c in result.causes]
    assert causes == [
        ("initiator", "seller", 2, ["S1", "S2"]),
        ("initiator", "Amazon (order never confirmed)", 1, ["A1"]),
        ("initiator", "unknown (All Orders only)", 1, ["U1"]),
        ("sku", "HOSE", 3, ["S1", "S2", "U1"]),
        ("sku", "VALVE", 1, ["A1"]),
    ]


def test_no_all_orders_is_no_data_naming_the_export(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.cancellation("X", "2026-11-21T00:00:00+00:00", "seller")
    result = only(cancel.compute(context_for(AS_OF)))
    assert (result.status, result.basis, result.value, result.numerator) == (Status.NO_DATA, Basis.NO_DATA, None, None)
    assert "All Orders report" in (result.basis_note or "")


def test_no_orders_in_the_window_is_no_data(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("OLD", "2026-11-01T12:00:00+00:00", status="Cancelled", quantity=0)
    result = only(cancel.compute(context_for(AS_OF)))
    assert (result.status, result.numerator) == (Status.NO_DATA, None)
    assert result.basis_note == "nothing in the window 2026-11-17 to 2026-11-23"
