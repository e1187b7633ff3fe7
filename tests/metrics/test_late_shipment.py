"""metrics.md 3.3: Late Shipment Rate. Every expected number is worked out by hand in the comments.

As of 2026-09-12 (a Saturday) the windows hold expected ship dates 2026-08-13 (D-30) to 2026-09-11
(D-1) and 2026-09-02 (D-10) to 2026-09-11; the evaluation instant is 2026-09-12T00:00:00Z, which is
17:00 on 11 Sep in Los Angeles (PDT, UTC-7). Labor Day, Monday 2026-09-07, is a US public holiday.
The test account handles orders in 1 business day unless a test says otherwise.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from metrics import late_shipment
from metrics.result import Basis, MetricResult, Status
from storage.models import Upload
from tests.metrics.conftest import ContextFor
from tests.metrics.scenario import Scenario, instant

AS_OF = "2026-09-12"


def by_days(results: list[MetricResult]) -> dict[int, MetricResult]:
    assert [(r.id, r.scope, r.window_days) for r in results] == [
        ("late_shipment_rate", "mfn", 30),
        ("late_shipment_rate", "mfn", 10),
    ]
    return {r.window_days: r for r in results if r.window_days is not None}


def figures(result: MetricResult) -> tuple[int | None, int | None]:
    return result.numerator, result.denominator


def placed(scenario: Scenario, order_id: str, day: str, **kwargs: object) -> None:
    """An MFN order placed at 15:00 UTC (08:00 in Los Angeles) on `day`."""
    scenario.order(order_id, f"{day}T15:00:00+00:00", **kwargs)  # type: ignore[arg-type]


def shipped(
    scenario: Scenario, order_id: str, day: str, confirmed: str, *, tracking: str | None = None, **kw: object
) -> None:
    placed(scenario, order_id, day)
    scenario.shipment(order_id, confirmed, tracking=tracking or f"T-{order_id}", **kw)  # type: ignore[arg-type]


def test_friday_due_confirmed_monday_is_late_but_friday_before_labor_day_is_due_tuesday(
    scenario: Scenario, context_for: ContextFor
) -> None:
    # Placed Thursday 3 Sep: 1 business day -> due Friday 4 Sep; confirmed Monday morning, well before
    # the end of that day: late all the same (the holiday after it does not move a Friday due date).
    shipped(scenario, "DUE-FRI", "2026-09-03", "2026-09-07T10:00:00-07:00")
    # Placed Friday 4 Sep: Saturday, Sunday and Labor Day skipped -> due Tuesday 8 Sep; confirmed
    # Tuesday afternoon: on time.
    shipped(scenario, "LABOR-DAY", "2026-09-04", "2026-09-08T16:00:00-07:00")
    # Placed Thursday 3 Sep at 20:00 in Los Angeles: 03:00 on Friday UTC, so its order date is Friday
    # (metrics.md 1) and it is due on Tuesday too: Monday's confirmation is on time.
    scenario.order("UTC-FRIDAY", "2026-09-03T20:00:00-07:00")
    scenario.shipment("UTC-FRIDAY", "2026-09-07T10:00:00-07:00", tracking="T-UTC")
    results = by_days(late_shipment.compute(context_for(AS_OF)))
    assert figures(results[30]) == (1, 3)
    assert figures(results[10]) == (1, 3)  # 4 and 8 Sep both lie in [2 Sep, 11 Sep]
    assert [c.orders for c in results[30].causes if c.kind == "defect"] == [["DUE-FRI"]]
    # With 2 handling days DUE-FRI is due Tuesday 8 Sep (Monday is the holiday): on time.
    assert figures(by_days(late_shipment.compute(context_for(AS_OF, handling_days=2)))[30]) == (0, 3)


def test_thanksgiving_and_two_handling_days(scenario: Scenario, context_for: ContextFor) -> None:
    # Placed Wednesday 25 Nov, Thanksgiving on Thursday 26: 1 day -> Friday 27; 2 days -> Monday 30.
    shipped(scenario, "TG", "2026-11-25", "2026-11-28T09:00:00-08:00")  # confirmed Saturday 28
    # Placed Tuesday 10 Nov, Veterans Day on Wednesday 11: 1 day -> Thursday 12; 2 days -> Friday 13.
    shipped(scenario, "VD", "2026-11-10", "2026-11-12T23:00:00-08:00")  # Thursday evening
    one = by_days(late_shipment.compute(context_for("2026-12-02")))[30]
    two = by_days(late_shipment.compute(context_for("2026-12-02", handling_days=2)))[30]
    # 1 day: TG late (Saturday after Friday 27), VD on time (Thursday 12).
    assert figures(one) == (1, 2)
    # 2 days: TG due Monday 30: on time; VD due Friday 13: on time.
    assert figures(two) == (0, 2)


def test_latest_ship_date_overrides_and_is_a_local_date(scenario: Scenario, context_for: ContextFor) -> None:
    # 06:59:59Z on Friday 11 Sep is 23:59:59 on Thursday 10 Sep in Los Angeles: due Thursday 10,
    # not Wednesday 9 (placed Tuesday 8 + 1 day) nor Friday 11 (its UTC date).
    lsa = "2026-09-11T06:59:59+00:00"
    placed(scenario, "LSA-ON-TIME", "2026-09-08", latest_ship_at=lsa)
    scenario.shipment("LSA-ON-TIME", "2026-09-10T23:59:59-07:00", tracking="T1")  # last second of the day
    placed(scenario, "LSA-LATE", "2026-09-08", latest_ship_at=lsa)
    scenario.shipment("LSA-LATE", "2026-09-11T00:00:01-07:00", tracking="T2")  # 2 s later: late
    # No latest-ship-date: the shipments template's expected ship date (Thursday 10) is used.
    placed(scenario, "TEMPLATE", "2026-09-08")
    scenario.shipment("TEMPLATE", "2026-09-10T20:00:00-07:00", tracking="T3", expected_ship="2026-09-10")
    # Both given: All Orders' latest-ship-date (Wednesday 9, local) wins over the template's Thursday.
    placed(scenario, "BOTH", "2026-09-08", latest_ship_at="2026-09-09T23:59:59-07:00")
    scenario.shipment("BOTH", "2026-09-10T12:00:00-07:00", tracking="T4", expected_ship="2026-09-10")
    results = by_days(late_shipment.compute(context_for(AS_OF)))
    assert figures(results[30]) == (2, 4)  # LSA-LATE, BOTH
    late = next(c for c in results[30].causes if c.kind == "defect")
    assert late.orders == ["BOTH", "LSA-LATE"]
    assert results[30].basis is Basis.EXACT and results[30].basis_note is None


def test_the_end_of_the_local_day_decides(scenario: Scenario, context_for: ContextFor) -> None:
    # Placed Tuesday 8 Sep, due Wednesday 9 Sep.
    shipped(scenario, "LAST-SECOND", "2026-09-08", "2026-09-09T23:59:59-07:00")
    shipped(scenario, "NEXT-DAY", "2026-09-08", "2026-09-10T00:00:01-07:00")
    # 23:00Z on the 9th: 16:00 in Los Angeles (on time) but 01:00 on the 10th in Berlin (late).
    shipped(scenario, "UTC-EVENING", "2026-09-08", "2026-09-09T23:00:00+00:00")
    assert figures(by_days(late_shipment.compute(context_for(AS_OF)))[30]) == (1, 3)  # NEXT-DAY
    # In Berlin (CEST, UTC+2) the day ends at 21:59:59Z: LAST-SECOND (06:59:59Z on the 10th),
    # NEXT-DAY and UTC-EVENING are all late.
    berlin = by_days(late_shipment.compute(context_for(AS_OF, timezone="Europe/Berlin")))[30]
    assert figures(berlin) == (3, 3)


def test_window_edges_ten_and_thirty_days(scenario: Scenario, context_for: ContextFor) -> None:
    # Placed Wednesday 12 Aug -> due Thursday 13 Aug = D-30: in the 30-day window; confirmed late.
    shipped(scenario, "EDGE-30", "2026-08-12", "2026-08-14T10:00:00-07:00")
    # Placed Tuesday 11 Aug -> due Wednesday 12 Aug = D-31: out.
    shipped(scenario, "OUT-30", "2026-08-11", "2026-08-14T10:00:00-07:00")
    # Placed Tuesday 1 Sep -> due Wednesday 2 Sep = D-10: in both; late.
    shipped(scenario, "EDGE-10", "2026-09-01", "2026-09-03T10:00:00-07:00")
    # Placed Monday 31 Aug -> due Tuesday 1 Sep = D-11: only in the 30-day window; on time.
    shipped(scenario, "OUT-10", "2026-08-31", "2026-09-01T10:00:00-07:00")
    # Placed Thursday 10 Sep -> due Friday 11 Sep = D-1: in both; on time.
    shipped(scenario, "EDGE-END", "2026-09-10", "2026-09-11T10:00:00-07:00")
    # Placed Friday 11 Sep -> due Monday 14 Sep: not due yet, in neither window.
    placed(scenario, "NOT-DUE", "2026-09-11")
    results = by_days(late_shipment.compute(context_for(AS_OF)))
    assert figures(results[30]) == (2, 4)  # EDGE-30, EDGE-10 late of EDGE-30, EDGE-10, OUT-10, EDGE-END
    assert figures(results[10]) == (1, 2)  # EDGE-10 late of EDGE-10, EDGE-END
    assert (results[30].window.start, results[30].window.end) == (date(2026, 8, 13), date(2026, 9, 11))  # type: ignore[union-attr]
    assert (results[10].window.start, results[10].window.end) == (date(2026, 9, 2), date(2026, 9, 11))  # type: ignore[union-attr]


def test_unconfirmed_after_the_due_date_is_late_as_of_the_instant(scenario: Scenario, context_for: ContextFor) -> None:
    placed(scenario, "OVERDUE", "2026-09-09")  # due Thursday 10 Sep, never confirmed: late
    # Due Friday 11 Sep: the instant (17:00 on the 11th in Los Angeles) is before the end of its day,
    # so it is due (in the denominator) but not late yet.
    placed(scenario, "DUE-TODAY-LOCAL", "2026-09-10")
    # Confirmed after the instant: ignored for the 12th. Due 10 Sep: late (it would be anyway).
    shipped(scenario, "AFTER-INSTANT", "2026-09-09", "2026-09-12T01:00:00+00:00")
    # Due 11 Sep, confirmed at 18:00 on the 11th in Los Angeles, after the instant: unconfirmed on the
    # 12th but not past due; on the 13th the confirmation is known and on time.
    shipped(scenario, "IN-TIME-LATER", "2026-09-10", "2026-09-12T01:00:00+00:00")
    results = by_days(late_shipment.compute(context_for(AS_OF)))
    assert figures(results[30]) == (2, 4)  # OVERDUE, AFTER-INSTANT
    assert results[30].extra == {"confirmed_late": 0, "unconfirmed_late": 2}
    # As of the 13th: DUE-TODAY-LOCAL's day ended unconfirmed (late); AFTER-INSTANT is confirmed late.
    later = by_days(late_shipment.compute(context_for("2026-09-13")))[30]
    assert figures(later) == (3, 4)
    assert later.extra == {"confirmed_late": 1, "unconfirmed_late": 2}


def test_orders_cancelled_before_their_due_date_are_not_due(scenario: Scenario, context_for: ContextFor) -> None:
    # All placed Tuesday 8 Sep: due Wednesday 9 Sep, whose day ends at 2026-09-10T06:59:59Z.
    placed(scenario, "CXL-EARLY", "2026-09-08", status="Cancelled", quantity=0, updated="2026-09-08T20:00:00+00:00")
    placed(scenario, "CXL-AT-END", "2026-09-08", status="Cancelled", quantity=0, updated="2026-09-11T08:00:00+00:00")
    scenario.cancellation("CXL-AT-END", "2026-09-09T23:59:59-07:00", "buyer")  # at the end: not due
    placed(scenario, "CXL-AFTER", "2026-09-08", status="Cancelled", quantity=0, updated="2026-09-11T08:00:00+00:00")
    scenario.cancellation("CXL-AFTER", "2026-09-10T00:00:01-07:00", "amazon")  # unconfirmed past due: late
    # Cancelled after the instant: on the 12th it was an unconfirmed, overdue order.
    placed(scenario, "CXL-TOMORROW", "2026-09-08", status="Cancelled", quantity=0, updated="2026-09-12T08:00:00Z")
    scenario.cancellation("CXL-TOMORROW", "2026-09-12T08:00:00+00:00", "seller")
    # An item-level cancellation does not take the order out: the rest ships, on time here.
    placed(scenario, "PARTIAL", "2026-09-08", sku="A")
    placed(scenario, "PARTIAL", "2026-09-08", sku="B", item_status="Cancelled", quantity=0)
    scenario.cancellation("PARTIAL", "2026-09-08T18:00:00+00:00", "seller")
    scenario.shipment("PARTIAL", "2026-09-09T12:00:00-07:00", tracking="T-P")
    # Due Friday 11 Sep (placed Thursday 10), cancelled at 20:00 on the 11th in Los Angeles: before the
    # end of its day, but after the instant of the 12th (17:00 on the 11th there). On the 12th it is
    # still due, not late yet; from the 13th on it was cancelled before its due date.
    placed(scenario, "CXL-AFTER-INSTANT", "2026-09-10", status="Cancelled", quantity=0, updated="2026-09-12T03:00Z")
    scenario.cancellation("CXL-AFTER-INSTANT", "2026-09-11T20:00:00-07:00", "buyer")
    results = by_days(late_shipment.compute(context_for(AS_OF)))
    # Due: CXL-AFTER, CXL-TOMORROW, PARTIAL, CXL-AFTER-INSTANT; late: CXL-AFTER, CXL-TOMORROW.
    assert figures(results[30]) == (2, 4)
    assert results[30].basis is Basis.EXACT
    # On the 13th CXL-TOMORROW was cancelled (after its due date: still due, still late) and
    # CXL-AFTER-INSTANT was cancelled before its due date: out.
    assert figures(by_days(late_shipment.compute(context_for("2026-09-13")))[30]) == (2, 3)


def test_without_a_cancel_time_last_update_bounds_it(scenario: Scenario, context_for: ContextFor) -> None:
    # No cancellations template: All Orders' last update is the latest the cancellation can have been.
    placed(scenario, "UPDATED-EARLY", "2026-09-08", status="Cancelled", quantity=0, updated="2026-09-09T12:00Z")
    placed(scenario, "UPDATED-LATE", "2026-09-08", status="Cancelled", quantity=0, updated="2026-09-11T12:00Z")
    shipped(scenario, "FINE", "2026-09-08", "2026-09-09T12:00:00-07:00")
    results = by_days(late_shipment.compute(context_for(AS_OF)))
    # UPDATED-EARLY was cancelled before the end of 9 Sep: not due. UPDATED-LATE may have been
    # cancelled after it: kept as due, unconfirmed past due, late; the figure is an estimate.
    assert figures(results[30]) == (1, 2)
    assert results[30].basis is Basis.ESTIMATE
    assert results[30].basis_note == (
        "1 cancelled order(s) counted as due: not in a cancellations template, and All Orders' last update"
        " (the latest the cancellation can have been) does not show it before the end of the ship-by date"
    )


def test_budget_status_and_outlook_on_the_thirty_day_figure(scenario: Scenario, context_for: ContextFor) -> None:
    for i in range(2):  # due Thursday 13 Aug (D-30), confirmed late
        shipped(scenario, f"OLD-LATE-{i}", "2026-08-12", "2026-08-14T10:00:00-07:00")
    for i in range(48):  # due Thursday 10 Sep, one of them late
        confirmed = "2026-09-11T10:00:00-07:00" if i == 0 else "2026-09-10T10:00:00-07:00"
        shipped(scenario, f"NEW-{i}", "2026-09-09", confirmed)
    for i in range(10):  # placed Friday 11 Sep (UTC), due Monday 14 Sep: not due yet
        placed(scenario, f"NEXT-{i}", "2026-09-11")
    result = by_days(late_shipment.compute(context_for(AS_OF)))[30]
    # 3 late of 50 due: 6%, a breach; 3/75 = 4% still breaches, 3/76 = 3.95% passes: 26 clean orders.
    assert (result.numerator, result.denominator, result.status) == (3, 50, Status.BREACH)
    assert (result.budget.defects_until_breach, result.budget.clean_orders_to_recover) == (0, 26)  # type: ignore[union-attr]
    assert result.outlook is not None
    # The two orders due 13 Aug leave on 13 Sep (window 14 Aug - 12 Sep): 1/48 = 2.08%, back under 4%.
    assert result.outlook.leaves == [(date(2026, 9, 13), 2)]
    assert result.outlook.recovers_on == date(2026, 9, 13)
    days = {d.day: (d.numerator, d.denominator, d.status) for d in result.outlook.days}
    assert days[date(2026, 9, 13)] == (1, 48, Status.OK)
    # From 15 Sep the window (16 Aug - 14 Sep) takes in the ten orders due on the 14th, on time by
    # assumption (no new defect): 1/58.
    assert days[date(2026, 9, 15)] == (1, 58, Status.OK)
    ten = by_days(late_shipment.compute(context_for(AS_OF)))[10]
    # The 10-day window (2-11 Sep) never held the August orders: 1/48 = 2.08%, under 3.2% (0.8 x 4%): ok.
    assert (ten.numerator, ten.denominator, ten.status) == (1, 48, Status.OK)


def test_causes_by_sku_and_carrier(scenario: Scenario, context_for: ContextFor) -> None:
    for order_id, sku, carrier in (("L1", "HOSE", "USPS"), ("L2", "HOSE", "USPS"), ("L3", "VALVE", "UPS")):
        placed(scenario, order_id, "2026-09-08", sku=sku)  # due 9 Sep
        scenario.shipment(order_id, "2026-09-10T10:00:00-07:00", tracking=f"T-{order_id}", carrier=carrier)
    placed(scenario, "L4", "2026-09-08", sku="HOSE")  # never confirmed
    placed(scenario, "L4", "2026-09-08", sku="VALVE")
    shipped(scenario, "OK", "2026-09-08", "2026-09-09T10:00:00-07:00", carrier="USPS")
    result = by_days(late_shipment.compute(context_for(AS_OF)))[30]
    assert figures(result) == (4, 5)
    assert [(c.kind, c.label, c.count, c.orders) for c in result.causes] == [
        ("defect", "ship confirmed after the expected ship date", 3, ["L1", "L2", "L3"]),
        ("defect", "not confirmed by the end of the expected ship date", 1, ["L4"]),
        ("sku", "HOSE", 3, ["L1", "L2", "L4"]),
        ("sku", "VALVE", 2, ["L3", "L4"]),
        ("carrier", "USPS", 2, ["L1", "L2"]),
        ("carrier", "UPS", 1, ["L3"]),
    ]


def _snapshot_taken(scenario: Scenario, at: str) -> None:
    """When the unshipped-orders snapshot was uploaded (the scenario stamps every upload in 2020)."""
    scenario.session.execute(update(Upload).where(Upload.kind == "unshipped").values(received_at=instant(at)))


def test_unshipped_snapshot_gives_a_lower_bound(scenario: Scenario, context_for: ContextFor) -> None:
    placed(scenario, "U-OVERDUE", "2026-09-08")  # due 9 Sep
    placed(scenario, "U-DUE-11", "2026-09-10")  # due 11 Sep, whose day has not ended at the instant
    placed(scenario, "SHIPPED?", "2026-09-08")  # not listed: shipped at some time, unknown
    for i in range(7):
        placed(scenario, f"C-{i}", "2026-09-08")
    scenario.unshipped("U-OVERDUE", "I1", "2026-09-09T23:59:59-07:00")
    scenario.unshipped("U-DUE-11", "I2", "2026-09-11T23:59:59-07:00")
    _snapshot_taken(scenario, "2026-09-12T08:00:00+00:00")  # this morning, after the instant
    results = by_days(late_shipment.compute(context_for(AS_OF)))
    # U-OVERDUE was still unshipped after its ship-by date: late; nothing else is known late.
    assert figures(results[30]) == (1, 10)
    assert results[30].basis is Basis.ESTIMATE
    assert (results[30].basis_note or "").startswith("lower bound: no shipments template")
    assert results[30].extra == {"confirmed_late": 0, "unconfirmed_late": 1}
    # A snapshot taken at noon on 9 Sep (before U-OVERDUE's ship-by date ended) proves nothing late:
    # the order may have shipped that afternoon.
    _snapshot_taken(scenario, "2026-09-09T19:00:00+00:00")
    assert figures(by_days(late_shipment.compute(context_for(AS_OF)))[30]) == (0, 10)


def test_no_data_names_the_missing_exports(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.shipment("X", "2026-09-09T10:00:00-07:00")
    no_orders = by_days(late_shipment.compute(context_for(AS_OF)))
    assert {r.status for r in no_orders.values()} == {Status.NO_DATA}
    assert "All Orders report" in (no_orders[30].basis_note or "")
    assert no_orders[10].window_days == 10 and no_orders[10].value is None


def test_no_confirmation_data_is_no_data_naming_the_shipments_template(
    scenario: Scenario, context_for: ContextFor
) -> None:
    placed(scenario, "A", "2026-09-08")
    results = by_days(late_shipment.compute(context_for(AS_OF)))
    for result in results.values():
        assert (result.status, result.basis, result.numerator) == (Status.NO_DATA, Basis.NO_DATA, None)
        assert result.basis_note == (
            "upload the shipments (MFN) template from your shipping software"
            " (or the Unshipped Orders report, for a lower bound)"
        )
