"""metrics.md 3.1: Order Defect Rate. Every expected number is worked out by hand in the comments.

As of 2026-11-24 the ODR window holds order dates 2026-09-11 (D-74) to 2026-11-09 (D-15).
"""

from __future__ import annotations

from datetime import date

from metrics import odr
from metrics.result import Basis, MetricResult, Status
from tests.metrics.conftest import ContextFor
from tests.metrics.scenario import Scenario

AS_OF = "2026-11-24"
IN_WINDOW = "2026-10-01T12:00:00+00:00"


def by_scope(results: list[MetricResult]) -> dict[str, MetricResult]:
    return {r.scope: r for r in results}


def clean_orders(scenario: Scenario, count: int, *, channel: str = "mfn", prefix: str = "C") -> None:
    for i in range(count):
        scenario.order(f"{prefix}-{channel}-{i}", IN_WINDOW, channel=channel)


def test_window_edges_and_the_utc_order_date(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("EDGE-START", "2026-09-11T00:00:00+00:00")  # D-74: in
    scenario.order("BEFORE", "2026-09-10T23:59:59+00:00")  # D-75: out
    scenario.order("EDGE-END", "2026-11-09T23:59:59+00:00")  # D-15: in
    # 17:00 on 9 Nov in Los Angeles is 01:00 on 10 Nov UTC: D-14, outside the window.
    scenario.order("LATE-LOCAL", "2026-11-09T17:00:00-08:00")
    scenario.feedback("EDGE-START", "2026-09-20", 1).feedback("BEFORE", "2026-09-20", 1)
    scenario.feedback("LATE-LOCAL", "2026-11-12", 1)
    mfn = by_scope(odr.compute(context_for(AS_OF)))["mfn"]
    assert (mfn.numerator, mfn.denominator) == (1, 2)  # EDGE-START's feedback; EDGE-START and EDGE-END
    assert (mfn.window.start, mfn.window.end) == (date(2026, 9, 11), date(2026, 11, 9))  # type: ignore[union-attr]


def test_defect_counts_on_the_order_date_not_on_its_own(scenario: Scenario, context_for: ContextFor) -> None:
    # Feedback received inside the window on an order placed before it does not count...
    scenario.order("OLD", "2026-09-01T12:00:00+00:00").feedback("OLD", "2026-10-15", 1)
    # ...and feedback received yesterday on a 50-day-old order changes today's ODR.
    scenario.order("FIFTY", "2026-10-05T12:00:00+00:00").feedback("FIFTY", "2026-11-23", 2)
    clean_orders(scenario, 8)
    mfn = by_scope(odr.compute(context_for(AS_OF)))["mfn"]
    assert (mfn.numerator, mfn.denominator) == (1, 9)  # FIFTY out of FIFTY + 8 clean


def test_one_order_counts_once_while_its_parts_count_each(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("BOTH", IN_WINDOW, sku="A").order("BOTH", IN_WINDOW, sku="B")  # two items, one order
    scenario.feedback("BOTH", "2026-10-10", 1).claim("BOTH", "2026-10-12T00:00:00+00:00", "granted")
    scenario.chargeback("BOTH", "2026-10-20T00:00:00+00:00", "service")
    clean_orders(scenario, 99)
    mfn = by_scope(odr.compute(context_for(AS_OF)))["mfn"]
    # 1 defective order of 100: 1.00% is not below 1%, a breach.
    assert (mfn.numerator, mfn.denominator, mfn.status) == (1, 100, Status.BREACH)
    assert mfn.components == {
        p: {"numerator": 1, "denominator": 100} for p in ("odr.negative_feedback", "odr.claims", "odr.chargebacks")
    }


def test_ratings_and_removed_feedback(scenario: Scenario, context_for: ContextFor) -> None:
    for order_id, rating in (("R1", 1), ("R2", 2), ("R3", 3)):
        scenario.order(order_id, IN_WINDOW).feedback(order_id, "2026-10-10", rating)
    scenario.order("GONE", IN_WINDOW).feedback("GONE", "2026-10-10", 1, removed_at="2026-11-01T08:00:00+00:00")
    scenario.order("GONE-LATER", IN_WINDOW).feedback(
        "GONE-LATER", "2026-10-10", 1, removed_at="2026-11-24T08:00:00+00:00"
    )
    clean_orders(scenario, 5)
    today = by_scope(odr.compute(context_for(AS_OF)))["mfn"]
    # R1, R2 and GONE-LATER (still there at 00:00 UTC on the 24th); R3 is neutral; GONE was removed.
    assert (today.numerator, today.denominator) == (3, 10)
    # Computed for 2 Nov, as it stood then: GONE had been removed the day before; window [08-20, 10-18].
    earlier = by_scope(odr.compute(context_for("2026-11-02")))["mfn"]
    assert earlier.numerator == 3


def test_which_claims_count(scenario: Scenario, context_for: ContextFor) -> None:
    statuses = ("open", "granted", "closed", "denied", "withdrawn")
    for status in statuses:
        scenario.order(f"CL-{status}", IN_WINDOW).claim(f"CL-{status}", "2026-10-10T00:00:00+00:00", status)
    clean_orders(scenario, 5)
    assert by_scope(odr.compute(context_for(AS_OF)))["mfn"].numerator == 3  # not denied, not withdrawn
    assert by_scope(odr.compute(context_for(AS_OF, claims_rule="all")))["mfn"].numerator == 5


def test_proxy_claims_count_and_make_an_estimate(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("RET", IN_WINDOW).seller_return("RET", "2026-10-05", a_to_z=True)
    scenario.order("SET", IN_WINDOW).settlement("SET", "A-to-z Guarantee Refund", "2026-10-20T00:00:00+00:00")
    scenario.feedback("C-mfn-0", "2026-10-03", 5)  # a feedback export exists, nothing negative in it
    clean_orders(scenario, 8)
    scenario.uploaded("chargebacks")
    mfn = by_scope(odr.compute(context_for(AS_OF)))["mfn"]
    assert (mfn.numerator, mfn.denominator) == (2, 10)
    assert mfn.basis is Basis.ESTIMATE
    assert mfn.basis_note == "2 claim(s) known only from returns or settlement reports"


def test_a_claims_file_decides_over_proxies(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("DENIED", IN_WINDOW).seller_return("DENIED", "2026-10-05", a_to_z=True)
    scenario.claim("DENIED", "2026-10-06T00:00:00+00:00", "denied")
    scenario.order("UNLISTED", IN_WINDOW).seller_return("UNLISTED", "2026-10-05", a_to_z=True)
    scenario.uploaded("feedback")
    scenario.uploaded("chargebacks")
    clean_orders(scenario, 8)
    mfn = by_scope(odr.compute(context_for(AS_OF)))["mfn"]
    assert mfn.numerator == 1  # UNLISTED: the claims file does not know it, the proxy does
    assert mfn.basis is Basis.EXACT


def test_chargebacks_service_counts_fraud_does_not_unknown_estimates(
    scenario: Scenario, context_for: ContextFor
) -> None:
    scenario.order("SERVICE", IN_WINDOW).chargeback("SERVICE", "2026-10-10T00:00:00+00:00", "service")
    scenario.order("FRAUD", IN_WINDOW).chargeback("FRAUD", "2026-10-10T00:00:00+00:00", "fraud")
    scenario.uploaded("feedback")
    scenario.uploaded("claims")
    clean_orders(scenario, 8)
    exact = by_scope(odr.compute(context_for(AS_OF)))["mfn"]
    assert (exact.numerator, exact.basis) == (1, Basis.EXACT)
    scenario.order("BANK", IN_WINDOW).settlement("BANK", "Chargeback Refund", "2026-10-11T00:00:00+00:00")
    estimate = by_scope(odr.compute(context_for(AS_OF)))["mfn"]
    assert (estimate.numerator, estimate.denominator, estimate.basis) == (2, 11, Basis.ESTIMATE)
    assert "1 chargeback(s) of unknown type" in (estimate.basis_note or "")


def test_nothing_stamped_after_the_evaluation_instant(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("TODAY", IN_WINDOW).claim("TODAY", "2026-11-24T00:00:00+00:00", "open")  # at the instant
    scenario.feedback("TODAY", "2026-11-24", 1)  # received on the as-of day itself
    clean_orders(scenario, 9)
    assert by_scope(odr.compute(context_for(AS_OF)))["mfn"].numerator == 0
    assert by_scope(odr.compute(context_for("2026-11-25")))["mfn"].numerator == 1


def test_cancelled_orders_stay_in_the_denominator_and_scopes_split(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("CANCELLED", IN_WINDOW, status="Cancelled", quantity=0)
    scenario.order("AFN-BAD", IN_WINDOW, channel="afn").feedback("AFN-BAD", "2026-10-09", 1)
    clean_orders(scenario, 3, channel="afn")
    clean_orders(scenario, 4)
    results = by_scope(odr.compute(context_for(AS_OF)))
    assert (results["mfn"].numerator, results["mfn"].denominator) == (0, 5)
    assert (results["afn"].numerator, results["afn"].denominator) == (1, 4)
    assert (results["all"].numerator, results["all"].denominator) == (1, 9)
    assert results["afn"].low_volume and results["mfn"].low_volume and results["all"].low_volume


def test_budget_outlook_and_causes(scenario: Scenario, context_for: ContextFor) -> None:
    # 12 defective MFN orders of 975, as in metrics.md 6: 1.23%, a breach needing 226 clean orders.
    for i in range(12):
        sku = "HOSE" if i < 7 else f"OTHER-{i}"
        scenario.order(f"BAD-{i}", "2026-09-11T10:00:00+00:00" if i < 2 else IN_WINDOW, sku=sku)
        scenario.feedback(f"BAD-{i}", "2026-10-15", 1, comments="Arrived broken and leaking")
    clean_orders(scenario, 963)
    mfn = by_scope(odr.compute(context_for(AS_OF)))["mfn"]
    assert (mfn.numerator, mfn.denominator, mfn.status) == (12, 975, Status.BREACH)
    assert (mfn.budget.defects_until_breach, mfn.budget.clean_orders_to_recover) == (0, 226)  # type: ignore[union-attr]
    # The two orders of 11 Sep leave the window on 25 Nov (the window then starts on 12 Sep).
    assert mfn.outlook is not None
    assert mfn.outlook.leaves == [(date(2026, 11, 25), 2)]
    tomorrow = mfn.outlook.days[0]
    assert (tomorrow.day, tomorrow.numerator, tomorrow.denominator) == (date(2026, 11, 25), 10, 973)
    # 10/973 = 1.03%: still a breach; it never recovers in 14 days without new orders in the window.
    assert mfn.outlook.recovers_on is None
    causes = {(c.kind, c.label): c.count for c in mfn.causes}
    assert causes[("defect", "Negative Feedback Rate")] == 12
    assert causes[("sku", "HOSE")] == 7
    assert causes[("keyword", "broken")] == 12


def test_no_all_orders_is_no_data_naming_the_export(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.feedback("X", "2026-10-10", 1)
    results = odr.compute(context_for(AS_OF))
    assert {r.status for r in results} == {Status.NO_DATA}
    assert all(r.value is None and r.numerator is None for r in results)
    assert "All Orders report" in (results[0].basis_note or "")


def test_outlook_counts_leaving_defects_for_higher_is_better_metrics() -> None:
    from metrics.registry import Condition
    from metrics.status import outlook

    # 10 shipments promised on 1 Oct, 8 on time: the [D-39, D-10] window starts after 1 Oct from 10 Nov
    # (10 Nov - 39 days = 2 Oct), so its 2 defects leave then.
    view = outlook(
        {date(2026, 10, 1): (10, 8)},
        as_of=date(2026, 11, 1),
        start_offset=39,
        end_offset=10,
        target=0.95,
        condition=Condition.AT_LEAST,
        warn_fraction=0.8,
    )
    assert view.leaves == [(date(2026, 11, 10), 2)]
