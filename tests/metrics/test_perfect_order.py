"""metrics.md 3.8: Perfect Order Percentage. Every expected number is worked out by hand in the comments.

As of 2026-11-24 the window holds order dates 2026-08-26 (D-90) to 2026-11-23 (D-1). The account is
in Los Angeles (PDT, UTC-7, until 1 Nov; PST, UTC-8, after) with 1 business day of handling time.
"""

from __future__ import annotations

from datetime import date

from metrics import perfect_order
from metrics.result import Basis, MetricResult, Status
from tests.metrics.conftest import ContextFor
from tests.metrics.scenario import Scenario

AS_OF = "2026-11-24"
IN_WINDOW = "2026-10-01T12:00:00+00:00"
ALL_SOURCES = ("feedback", "claims", "chargebacks", "shipments", "buyer_messages", "settlement", "returns")


def compute(context_for: ContextFor, as_of: str = AS_OF, **settings: object) -> MetricResult:
    [result] = perfect_order.compute(context_for(as_of, **settings))
    return result


def clean_orders(scenario: Scenario, count: int, *, channel: str = "afn", prefix: str = "C") -> None:
    for i in range(count):
        scenario.order(f"{prefix}-{i}", IN_WINDOW, channel=channel)


def everything_uploaded(scenario: Scenario) -> None:
    for kind in ALL_SOURCES:
        scenario.uploaded(kind)


def imperfect_ids(result: MetricResult) -> set[str]:
    """Every order named by a reason cause (each reason lists up to 3; the tests keep them small)."""
    return {order for cause in result.causes if cause.kind == "defect" for order in cause.orders}


def test_window_edges_in_utc(scenario: Scenario, context_for: ContextFor) -> None:
    everything_uploaded(scenario)
    scenario.order("FIRST", "2026-08-26T00:00:00+00:00", channel="afn")  # D-90: in
    scenario.order("BEFORE", "2026-08-25T23:59:59+00:00", channel="afn")  # D-91: out
    scenario.order("LAST", "2026-11-23T23:59:59+00:00", channel="afn")  # D-1: in
    # 17:00 on 23 Nov in Los Angeles is 01:00 on 24 Nov UTC: the as-of day itself, out.
    scenario.order("TODAY", "2026-11-23T17:00:00-08:00", channel="afn")
    scenario.feedback("FIRST", "2026-09-01", 1).feedback("BEFORE", "2026-09-01", 1)
    result = compute(context_for)
    # FIRST (imperfect) and LAST (perfect): 1 perfect of 2.
    assert (result.numerator, result.denominator) == (1, 2)
    assert (result.window.start, result.window.end) == (date(2026, 8, 26), date(2026, 11, 23))  # type: ignore[union-attr]


def test_every_kind_of_problem_makes_an_order_imperfect_once(scenario: Scenario, context_for: ContextFor) -> None:
    everything_uploaded(scenario)
    scenario.order("FEEDBACK", IN_WINDOW, channel="afn").feedback("FEEDBACK", "2026-10-05", 2)
    scenario.order("CLAIM", IN_WINDOW, channel="afn").claim("CLAIM", "2026-10-06T00:00:00+00:00", "open")
    scenario.order("CHARGEBACK", IN_WINDOW, channel="afn").chargeback("CHARGEBACK", "2026-10-07T00:00:00+00:00")
    scenario.order("CANCELLED", IN_WINDOW, channel="afn", status="Cancelled", quantity=0)
    # One of two items cancelled: the order is imperfect.
    scenario.order("PART", IN_WINDOW, channel="afn", sku="A")
    scenario.order("PART", IN_WINDOW, channel="afn", sku="B", item_status="Cancelled", quantity=0)
    # A buyer's cancellation counts too (any initiator), known from the cancellations template.
    scenario.order("BUYER-CANCEL", IN_WINDOW, channel="afn").cancellation(
        "BUYER-CANCEL", "2026-10-01T13:00:00+00:00", by="buyer"
    )
    # Expected ship date 2 Oct ends 23:59:59 PDT; confirmed one second later.
    scenario.order("LATE", IN_WINDOW).shipment("LATE", "2026-10-03T00:00:00-07:00", expected_ship="2026-10-02")
    scenario.order("REFUND-SETTLED", IN_WINDOW, channel="afn").settlement(
        "REFUND-SETTLED", "Refund", "2026-10-10T00:00:00+00:00"
    )
    scenario.order("REFUND-RETURN", IN_WINDOW).seller_return("REFUND-RETURN", "2026-10-12", refunded=5.0)
    scenario.shipment("REFUND-RETURN", "2026-10-01T20:00:00+00:00", expected_ship="2026-10-02")
    scenario.order("MESSAGE", IN_WINDOW, channel="afn").message("M1", "2026-10-02T09:00:00+00:00", order_id="MESSAGE")
    # Three problems, one imperfect order.
    scenario.order("MANY", IN_WINDOW, channel="afn").feedback("MANY", "2026-10-05", 1)
    scenario.message("M2", "2026-10-03T09:00:00+00:00", order_id="MANY")
    scenario.settlement("MANY", "Refund", "2026-10-11T00:00:00+00:00", adjustment="ADJ-2")
    clean_orders(scenario, 9)
    result = compute(context_for)
    # 11 imperfect orders (PART counted once for its two items), 9 clean: 9 perfect of 20 = 45%.
    assert (result.numerator, result.denominator) == (9, 20)
    assert result.value == 0.45
    assert (result.status, result.basis, result.basis_note) == (Status.BREACH, Basis.EXACT, None)
    reasons = {c.label: c.count for c in result.causes if c.kind == "defect"}
    assert reasons == {
        "Negative feedback": 2,  # FEEDBACK, MANY
        "Cancellation": 3,  # CANCELLED, PART, BUYER-CANCEL
        "Refund": 3,  # REFUND-SETTLED, REFUND-RETURN, MANY
        "Buyer message": 2,  # MESSAGE, MANY
        "A-to-z claim": 1,
        "Chargeback": 1,
        "Late shipment": 1,
    }
    # Largest first; ties in the order metrics.md lists the reasons.
    assert [c.label for c in result.causes if c.kind == "defect"][:3] == ["Cancellation", "Refund", "Negative feedback"]


def test_what_is_not_a_problem(scenario: Scenario, context_for: ContextFor) -> None:
    everything_uploaded(scenario)
    scenario.order("NEUTRAL", IN_WINDOW, channel="afn").feedback("NEUTRAL", "2026-10-05", 3)
    scenario.order("REMOVED", IN_WINDOW, channel="afn").feedback(
        "REMOVED", "2026-10-05", 1, removed_at="2026-10-20T00:00:00+00:00"
    )
    scenario.order("DENIED", IN_WINDOW, channel="afn").claim("DENIED", "2026-10-06T00:00:00+00:00", "denied")
    scenario.order("FRAUD", IN_WINDOW, channel="afn").chargeback("FRAUD", "2026-10-07T00:00:00+00:00", "fraud")
    scenario.order("NOT-REFUNDED", IN_WINDOW, channel="afn").seller_return("NOT-REFUNDED", "2026-10-12", refunded=0.0)
    scenario.order("NO-AMOUNT", IN_WINDOW, channel="afn").seller_return("NO-AMOUNT", "2026-10-12", refunded=None)
    # A message naming no order is about no order.
    scenario.message("M1", "2026-10-02T09:00:00+00:00")
    # Confirmed at 23:59:59 PDT on its expected ship date: on time.
    scenario.order("ON-TIME", IN_WINDOW).shipment("ON-TIME", "2026-10-02T23:59:59-07:00", expected_ship="2026-10-02")
    result = compute(context_for)
    assert (result.numerator, result.denominator) == (7, 7)
    assert result.causes == []


def test_nothing_stamped_after_the_evaluation_instant(scenario: Scenario, context_for: ContextFor) -> None:
    everything_uploaded(scenario)
    at_instant = "2026-11-24T00:00:00+00:00"
    scenario.order("CLAIM", IN_WINDOW, channel="afn").claim("CLAIM", at_instant)
    scenario.order("MESSAGE", IN_WINDOW, channel="afn").message("M1", at_instant, order_id="MESSAGE")
    scenario.order("SETTLED", IN_WINDOW, channel="afn").settlement("SETTLED", "Refund", at_instant)
    scenario.order("RETURNED", IN_WINDOW, channel="afn").seller_return("RETURNED", "2026-11-24", refunded=5.0)
    scenario.order("CANCEL", IN_WINDOW, channel="afn").cancellation("CANCEL", at_instant, by="seller")
    # All Orders shows the status as of its last update, which is after the instant.
    scenario.order("STATUS", IN_WINDOW, channel="afn", status="Cancelled", updated=at_instant)
    scenario.order("MESSAGED-BEFORE", IN_WINDOW, channel="afn").message(
        "M2", "2026-11-23T23:59:59+00:00", order_id="MESSAGED-BEFORE"
    )
    clean_orders(scenario, 3)
    today = compute(context_for)
    # Only MESSAGED-BEFORE is imperfect as of the 24th: 9 perfect of 10.
    assert (today.numerator, today.denominator) == (9, 10)
    assert imperfect_ids(today) == {"MESSAGED-BEFORE"}
    # A day later every stamp is known: 3 perfect of 10.
    tomorrow = compute(context_for, "2026-11-25")
    assert (tomorrow.numerator, tomorrow.denominator) == (3, 10)


def test_late_shipment_against_the_expected_ship_date(scenario: Scenario, context_for: ContextFor) -> None:
    everything_uploaded(scenario)
    # Friday 2 Oct + 1 business day = Monday 5 Oct, which ends at 23:59:59 PDT.
    scenario.order("MON-OK", "2026-10-02T12:00:00+00:00").shipment("MON-OK", "2026-10-05T23:59:59-07:00")
    scenario.order("MON-LATE", "2026-10-02T12:00:00+00:00").shipment("MON-LATE", "2026-10-06T00:00:00-07:00")
    # Friday 9 Oct: Monday 12 Oct is Columbus Day, so the order may ship on Tuesday 13 Oct.
    scenario.order("HOLIDAY", "2026-10-09T12:00:00+00:00").shipment("HOLIDAY", "2026-10-13T20:00:00-07:00")
    # latest-ship-date 06:59:59 UTC on 3 Oct is 23:59:59 PDT on 2 Oct, the expected ship date.
    scenario.order("LSD-OK", IN_WINDOW, latest_ship_at="2026-10-03T06:59:59+00:00").shipment(
        "LSD-OK", "2026-10-03T06:59:59+00:00"
    )
    scenario.order("LSD-LATE", IN_WINDOW, latest_ship_at="2026-10-03T06:59:59+00:00").shipment(
        "LSD-LATE", "2026-10-03T07:00:00+00:00"
    )
    # Amazon's latest-ship-date (2 Oct) wins over the shipments template's expected ship date (5 Oct),
    # as in metrics/late_shipment.py.
    scenario.order("AMAZON-WINS", IN_WINDOW, latest_ship_at="2026-10-03T06:59:59+00:00").shipment(
        "AMAZON-WINS", "2026-10-04T12:00:00+00:00", expected_ship="2026-10-05"
    )
    # The template's date is used when All Orders has none: 6 Oct ends 7 Oct 06:59:59 UTC.
    scenario.order("TEMPLATE-DATE", IN_WINDOW).shipment(
        "TEMPLATE-DATE", "2026-10-06T12:00:00+00:00", expected_ship="2026-10-06"
    )
    # Two parcels: the first confirmation, in time, decides.
    scenario.order("SPLIT", "2026-10-02T12:00:00+00:00").shipment("SPLIT", "2026-10-05T10:00:00-07:00", tracking="T1")
    scenario.shipment("SPLIT", "2026-10-07T10:00:00-07:00", tracking="T2")
    result = compute(context_for)
    # Late: MON-LATE, LSD-LATE, AMAZON-WINS. 5 perfect of 8.
    assert (result.numerator, result.denominator) == (5, 8)
    assert imperfect_ids(result) == {"MON-LATE", "LSD-LATE", "AMAZON-WINS"}


def test_unconfirmed_orders_are_late_once_their_date_has_ended(scenario: Scenario, context_for: ContextFor) -> None:
    everything_uploaded(scenario)
    # Wednesday 18 Nov: expected Thursday 19 Nov, ended 20 Nov 07:59:59 UTC. Still unshipped: late.
    scenario.order("UNSHIPPED-LATE", "2026-11-18T12:00:00+00:00", status="Unshipped")
    # Monday 23 Nov: expected Tuesday 24 Nov, which has not ended at the instant: not late yet.
    scenario.order("UNSHIPPED-DUE", "2026-11-23T12:00:00+00:00", status="Unshipped")
    # Friday 20 Nov: expected Monday 23 Nov, ending 24 Nov 07:59:59 UTC; confirmed at 10:00 UTC on the 24th.
    scenario.order("CONFIRMED-LATER", "2026-11-20T12:00:00+00:00").shipment(
        "CONFIRMED-LATER", "2026-11-24T10:00:00+00:00"
    )
    # Wednesday 18 Nov again, confirmed after the instant: unconfirmed when its date ended, so late.
    scenario.order("STILL-OPEN", "2026-11-18T12:00:00+00:00").shipment("STILL-OPEN", "2026-11-24T10:00:00+00:00")
    # FBA orders have no ship confirmation of the seller's: never late.
    scenario.order("FBA", "2026-11-18T12:00:00+00:00", channel="afn", status="Unshipped")
    today = compute(context_for)
    assert (today.numerator, today.denominator) == (3, 5)
    assert imperfect_ids(today) == {"UNSHIPPED-LATE", "STILL-OPEN"}
    # As of the 25th CONFIRMED-LATER is known to be confirmed 2 h after its date ended. UNSHIPPED-DUE's
    # 24 Nov ends at 07:59:59 UTC on the 25th, after that instant: late only as of the 26th.
    tomorrow = compute(context_for, "2026-11-25")
    assert imperfect_ids(tomorrow) == {"UNSHIPPED-LATE", "STILL-OPEN", "CONFIRMED-LATER"}
    later = compute(context_for, "2026-11-26")
    [late] = [c for c in later.causes if c.kind == "defect"]
    assert (late.label, late.count, later.numerator) == ("Late shipment", 4, 1)  # FBA alone is perfect


def test_with_the_shipments_template_an_order_missing_from_it_is_unconfirmed(
    scenario: Scenario, context_for: ContextFor
) -> None:
    everything_uploaded(scenario)
    # All Orders says shipped, but the template (which holds every confirmation) has none: late.
    scenario.order("NOT-IN-TEMPLATE", IN_WINDOW, status="Shipped")
    # A cancelled order counts once, as a cancellation, not as a late shipment too.
    scenario.order("CANCELLED", IN_WINDOW, status="Cancelled", quantity=0)
    result = compute(context_for)
    assert (result.numerator, result.denominator) == (0, 2)
    assert {(c.label, c.count) for c in result.causes if c.kind == "defect"} == {
        ("Late shipment", 1),
        ("Cancellation", 1),
    }


def test_without_the_shipments_template_only_orders_awaiting_shipment_can_be_late(
    scenario: Scenario, context_for: ContextFor
) -> None:
    for kind in ALL_SOURCES:
        if kind != "shipments":
            scenario.uploaded(kind)
    scenario.order("UNSHIPPED", IN_WINDOW, status="Unshipped")
    scenario.order("PARTLY", IN_WINDOW, status="PartiallyShipped")
    scenario.order("SHIPPED", IN_WINDOW, status="Shipped")  # when, nothing says: not counted late
    result = compute(context_for)
    assert (result.numerator, result.denominator, result.basis) == (1, 3, Basis.ESTIMATE)
    assert imperfect_ids(result) == {"UNSHIPPED", "PARTLY"}
    assert result.basis_note == (
        "no shipments template uploaded: late shipments counted only for orders still unshipped after their "
        "expected ship date"
    )


def test_missing_sources_make_an_estimate_naming_them(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("MFN", IN_WINDOW).feedback("MFN", "2026-10-05", 1)
    scenario.uploaded("claims")
    scenario.uploaded("chargebacks")
    result = compute(context_for)
    assert (result.numerator, result.denominator) == (0, 1)
    assert result.basis is Basis.ESTIMATE
    assert result.basis_note == (
        "no shipments template uploaded: late shipments counted only for orders still unshipped after their "
        "expected ship date; no settlement or returns report uploaded: refunds not counted; "
        "no buyer-messages template uploaded: buyer messages not counted"
    )
    assert result.low_volume


def test_without_mfn_orders_shipment_data_is_not_missing(scenario: Scenario, context_for: ContextFor) -> None:
    for kind in ("feedback", "claims", "chargebacks", "buyer_messages", "settlement"):
        scenario.uploaded(kind)
    clean_orders(scenario, 2)
    result = compute(context_for)
    assert (result.basis, result.basis_note) == (Basis.EXACT, None)


def test_only_returns_counts_refunds_as_an_estimate(scenario: Scenario, context_for: ContextFor) -> None:
    for kind in ("feedback", "claims", "chargebacks", "buyer_messages", "returns"):
        scenario.uploaded(kind)
    clean_orders(scenario, 2)
    result = compute(context_for)
    assert result.basis is Basis.ESTIMATE
    assert result.basis_note == "no settlement report uploaded: only refunds of seller-fulfilled returns counted"


def test_status_warning_breach_budget_and_low_volume(scenario: Scenario, context_for: ContextFor) -> None:
    everything_uploaded(scenario)
    for i in range(5):
        scenario.order(f"BAD-{i}", IN_WINDOW, channel="afn").message(
            f"M{i}", "2026-10-02T00:00:00+00:00", order_id=f"BAD-{i}"
        )
    clean_orders(scenario, 95)
    result = compute(context_for)
    # 95 of 100 = 95%: passes ">= 95%", but 5% imperfect >= 0.8 x 5% = 4%: a warning.
    assert (result.numerator, result.denominator, result.status, result.low_volume) == (95, 100, Status.WARNING, False)
    # 95 / 0.95 - 100 = 0 more imperfect orders before the breach.
    assert (result.budget.defects_until_breach, result.budget.clean_orders_to_recover) == (0, 0)  # type: ignore[union-attr]
    scenario.order("BAD-5", IN_WINDOW, channel="afn").message("M5", "2026-10-02T00:00:00+00:00", order_id="BAD-5")
    worse = compute(context_for)
    # 95 of 101 = 94.06%: a breach; (0.95 x 101 - 95) / 0.05 = 0.95 / 0.05 = 19 clean orders to recover.
    assert (worse.numerator, worse.denominator, worse.status) == (95, 101, Status.BREACH)
    assert worse.budget.clean_orders_to_recover == 19  # type: ignore[union-attr]


def test_outlook_lists_imperfect_orders_leaving_the_window(scenario: Scenario, context_for: ContextFor) -> None:
    everything_uploaded(scenario)
    first_day = "2026-08-26T10:00:00+00:00"
    for i in range(2):
        scenario.order(f"OLD-{i}", first_day, channel="afn").feedback(f"OLD-{i}", "2026-09-01", 1)
    scenario.order("SEPT", "2026-09-01T10:00:00+00:00", channel="afn").feedback("SEPT", "2026-09-05", 1)
    clean_orders(scenario, 17)
    result = compute(context_for)
    # 17 perfect of 20 = 85%.
    assert (result.numerator, result.denominator) == (17, 20)
    assert result.outlook is not None
    # 26 Aug leaves when the window starts on 27 Aug (25 Nov); 1 Sep leaves on 1 Dec (1 Sep + 91 days).
    assert result.outlook.leaves == [(date(2026, 11, 25), 2), (date(2026, 12, 1), 1)]
    tomorrow = result.outlook.days[0]
    assert (tomorrow.day, tomorrow.numerator, tomorrow.denominator) == (date(2026, 11, 25), 17, 18)
    # 17/18 = 94.4% on 25 Nov, still a breach; on 1 Dec 17/17 = 100%.
    assert result.outlook.recovers_on == date(2026, 12, 1)


def test_causes_by_sku(scenario: Scenario, context_for: ContextFor) -> None:
    everything_uploaded(scenario)
    for i in range(3):
        scenario.order(f"HOSE-{i}", IN_WINDOW, channel="afn", sku="HOSE").feedback(f"HOSE-{i}", "2026-10-05", 1)
    scenario.order("LAMP-0", IN_WINDOW, channel="afn", sku="LAMP").feedback("LAMP-0", "2026-10-05", 1)
    result = compute(context_for)
    skus = [(c.label, c.count, c.orders) for c in result.causes if c.kind == "sku"]
    assert skus == [("HOSE", 3, ["HOSE-0", "HOSE-1", "HOSE-2"])]  # LAMP has a single imperfect order


def test_no_all_orders_is_no_data_naming_the_export(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.feedback("X", "2026-10-10", 1)
    result = compute(context_for)
    assert (result.status, result.basis, result.value) == (Status.NO_DATA, Basis.NO_DATA, None)
    assert "All Orders report" in (result.basis_note or "")


def test_an_empty_window_is_no_data(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("OLD", "2026-01-01T10:00:00+00:00")
    result = compute(context_for)
    assert (result.status, result.numerator) == (Status.NO_DATA, None)


def test_defects_shared_with_odr_in_one_run_give_the_same_figures(scenario: Scenario, context_for: ContextFor) -> None:
    """compute_all loads ODR's defects once (from D-90) for both metrics: each still sees its own window."""
    from metrics import odr

    everything_uploaded(scenario)
    clean_orders(scenario, 8)
    scenario.order("EARLY", "2026-09-05T12:00:00+00:00", channel="afn")  # D-80: POP's window, not ODR's
    scenario.order("LATER", IN_WINDOW, channel="afn")
    scenario.claim("EARLY", "2026-09-20T12:00:00+00:00").feedback("LATER", "2026-10-10", 1)
    shared = context_for(AS_OF)
    together = [r.as_json(detail=True) for r in odr.compute(shared) + perfect_order.compute(shared)]
    alone = [r.as_json(detail=True) for r in odr.compute(context_for(AS_OF)) + compute_list(context_for)]
    assert together == alone
    [pop] = perfect_order.compute(context_for(AS_OF))
    assert imperfect_ids(pop) == {"EARLY", "LATER"}
    odr_all = next(r for r in odr.compute(context_for(AS_OF)) if r.scope == "all")
    assert (odr_all.numerator, odr_all.denominator) == (1, 9)  # LATER only; EARLY is before D-74


def compute_list(context_for: ContextFor) -> list[MetricResult]:
    return perfect_order.compute(context_for(AS_OF))
