"""metrics.md 3.4 and 3.5: Valid Tracking Rate, On-Time Delivery Rate and its US unit-based variant.

As of 2026-11-24 (evaluation instant 2026-11-24T00:00Z):
- tracking and on-time windows: promised delivery dates 2026-10-16 (D-39) to 2026-11-14 (D-10);
- US units window: promised delivery dates 2026-11-03 (D-21) to 2026-11-16 (D-8).
The test account is US, America/Los_Angeles: PDT (UTC-7) until 1 Nov 2026, PST (UTC-8) after.
Every expected number is worked out by hand in the comments.
"""

from __future__ import annotations

from datetime import date

import pytest

from metrics import delivery
from metrics.result import Basis, MetricResult, Status
from tests.metrics.conftest import ContextFor
from tests.metrics.scenario import Scenario

AS_OF = "2026-11-24"
CONFIRMED = "2026-10-10T18:00:00+00:00"  # before every promised date used here
UPS = "1Z999AA10123456784"
VTR, OTDR, UNITS = delivery.VTR, delivery.OTDR, delivery.UNITS


def by_id(results: list[MetricResult]) -> dict[str, MetricResult]:
    return {r.id: r for r in results}


def ship(
    scenario: Scenario,
    order_id: str,
    promised: str,
    *,
    delivered: str | None = "on time",
    confirmed: str = CONFIRMED,
    **fields: object,
) -> None:
    """A shipment promised on `promised`; by default delivered at 18:00 UTC that day (morning in LA)."""
    when = f"{promised}T18:00:00+00:00" if delivered == "on time" else delivered
    scenario.shipment(order_id, confirmed, promised=promised, delivered=when, **fields)  # type: ignore[arg-type]


def fractions(result: MetricResult) -> tuple[int | None, int | None]:
    return result.numerator, result.denominator


def test_results_come_in_order_with_their_windows(scenario: Scenario, context_for: ContextFor) -> None:
    ship(scenario, "A", "2026-11-10", units=1)
    results = delivery.compute(context_for(AS_OF))
    assert [r.id for r in results] == [VTR, OTDR, UNITS]
    assert all(r.scope == "mfn" for r in results)
    assert [(r.window.start, r.window.end) for r in results if r.window] == [
        (date(2026, 10, 16), date(2026, 11, 14)),
        (date(2026, 10, 16), date(2026, 11, 14)),
        (date(2026, 11, 3), date(2026, 11, 16)),
    ]


def test_window_edges(scenario: Scenario, context_for: ContextFor) -> None:
    ship(scenario, "D-39", "2026-10-16", valid=False)  # in, invalid tracking
    ship(scenario, "D-40", "2026-10-15", valid=False)  # out
    ship(scenario, "D-10", "2026-11-14", delivered="2026-11-16T12:00:00+00:00")  # in, tracked, late
    ship(scenario, "D-9", "2026-11-15")  # out, tracked, on time
    results = by_id(delivery.compute(context_for(AS_OF)))
    # Tracking: D-39 and D-10 are confirmed with a promise in the window; D-10's tracking is valid.
    assert fractions(results[VTR]) == (1, 2)
    # On time: only D-10 is tracked in the window (D-39's invalid tracking keeps it out), and it was late.
    assert fractions(results[OTDR]) == (0, 1)
    assert results[VTR].status is Status.BREACH and results[VTR].low_volume


def test_delivery_by_the_end_of_the_local_promised_day(scenario: Scenario, context_for: ContextFor) -> None:
    # Promised 10 Nov (PST, UTC-8): the day ends at 23:59:59 PST = 2026-11-11T07:59:59Z.
    ship(scenario, "EDGE", "2026-11-10", delivered="2026-11-11T07:59:59+00:00")  # 23:59:59 PST: on time
    ship(scenario, "NEXT", "2026-11-10", delivered="2026-11-11T08:00:01+00:00")  # 00:00:01 PST on the 11th: late
    # 03:00 UTC on the 11th is 19:00 on the 10th in Los Angeles: on time (a UTC date would say late).
    ship(scenario, "UTC-NEXT", "2026-11-10", delivered="2026-11-11T03:00:00+00:00")
    # Promised 20 Oct (PDT, UTC-7): the day ends at 2026-10-21T06:59:59Z, an hour earlier in UTC.
    ship(scenario, "PDT-EDGE", "2026-10-20", delivered="2026-10-21T06:59:59+00:00")  # 23:59:59 PDT: on time
    ship(scenario, "PDT-NEXT", "2026-10-20", delivered="2026-10-21T07:00:01+00:00")  # 00:00:01 PDT on the 21st
    ship(scenario, "NEVER", "2026-11-10", delivered=None)  # tracked, no delivery time: not on time
    results = by_id(delivery.compute(context_for(AS_OF)))
    assert fractions(results[VTR]) == (6, 6)
    # EDGE, UTC-NEXT, PDT-EDGE on time; NEXT, PDT-NEXT late; NEVER not delivered: 3 of 6.
    assert fractions(results[OTDR]) == (3, 6)
    # In Tokyo (UTC+9) 10 Nov ends at 2026-11-10T14:59:59Z and 20 Oct at 2026-10-20T14:59:59Z: all late.
    tokyo = by_id(delivery.compute(context_for(AS_OF, timezone="Asia/Tokyo")))
    assert fractions(tokyo[OTDR]) == (0, 6)


def test_shipments_confirmed_at_or_after_the_instant_are_left_out(scenario: Scenario, context_for: ContextFor) -> None:
    ship(scenario, "AT-INSTANT", "2026-11-10", confirmed="2026-11-24T00:00:00+00:00", valid=False)
    ship(scenario, "JUST-BEFORE", "2026-11-10", confirmed="2026-11-23T23:59:59+00:00", delivered=None)
    ship(scenario, "CLEAN", "2026-11-10")
    today = by_id(delivery.compute(context_for(AS_OF)))
    assert fractions(today[VTR]) == (2, 2)  # JUST-BEFORE and CLEAN
    assert fractions(today[OTDR]) == (1, 2)  # CLEAN on time; JUST-BEFORE never delivered
    # A day later (window [10-17, 11-15], instant 2026-11-25T00:00Z) AT-INSTANT is confirmed: 2 of 3.
    tomorrow = by_id(delivery.compute(context_for("2026-11-25")))
    assert fractions(tomorrow[VTR]) == (2, 3)


def test_the_flag_decides_when_the_file_has_one(scenario: Scenario, context_for: ContextFor) -> None:
    ship(scenario, "SCANNED-ODD", "2026-11-01", valid=True, tracking="not a number")  # scanned: valid
    ship(scenario, "SCANNED-EMPTY", "2026-11-02", valid=True, tracking="")  # the flag decides: valid
    ship(scenario, "NO-SCAN", "2026-11-03", valid=False, tracking=UPS)  # well-formed but never scanned
    result = by_id(delivery.compute(context_for(AS_OF)))[VTR]
    assert fractions(result) == (2, 3)
    assert (result.basis, result.basis_note) == (Basis.EXACT, None)
    assert [(c.kind, c.label, c.count, c.orders) for c in result.causes] == [
        ("defect", "no carrier scan (the file marks the tracking invalid)", 1, ["NO-SCAN"]),
        ("carrier", "UPS", 1, ["NO-SCAN"]),
    ]


def test_without_a_flag_the_format_for_the_carrier_decides(scenario: Scenario, context_for: ContextFor) -> None:
    for order_id, carrier, number in (
        ("UPS-OK", "UPS", UPS),
        ("UPS-SPACED", "UPS Ground", "1z 999 aa1 01 2345 6784"),  # spaces and case do not matter
        ("UPS-SHORT", "UPS", "1Z999AA1012345"),  # 14 characters: not a UPS number
        ("USPS-OK", "USPS", "9400111899223197428490"),  # 22 digits
        ("FEDEX-WRONG", "FedEx", UPS),  # a UPS number stated as FedEx
        ("AMZL-OK", "Amazon Logistics", "TBA123456789012"),
        ("NO-NUMBER", "UPS", ""),
        ("UNKNOWN", "Speedy Freight", "XYZ-42"),  # a carrier the table does not know: valid, unchecked
        ("NO-CARRIER", None, "123"),  # no carrier stated: cannot be checked either
    ):
        ship(scenario, order_id, "2026-11-05", valid=None, carrier=carrier, tracking=number)
    ship(scenario, "FLAGGED", "2026-11-05", valid=True)
    results = by_id(delivery.compute(context_for(AS_OF)))
    tracking = results[VTR]
    # Valid: UPS-OK, UPS-SPACED, USPS-OK, AMZL-OK, UNKNOWN, NO-CARRIER (format) and FLAGGED: 7 of 10.
    assert fractions(tracking) == (7, 10)
    assert tracking.basis is Basis.ESTIMATE
    assert tracking.basis_note == (
        "9 of 10 shipment(s) have no tracking-valid flag: judged by the tracking number's format for the "
        "stated carrier, not by carrier scans; 2 with a carrier whose format healthbot does not know counted "
        "valid unchecked"
    )
    assert [(c.kind, c.label, c.count, c.orders) for c in tracking.causes] == [
        ("defect", "tracking number does not match the carrier's format", 2, ["FEDEX-WRONG", "UPS-SHORT"]),
        ("defect", "no tracking number", 1, ["NO-NUMBER"]),
        ("carrier", "UPS", 2, ["NO-NUMBER", "UPS-SHORT"]),
        ("carrier", "FedEx", 1, ["FEDEX-WRONG"]),
    ]
    # On time: the 7 tracked shipments, all delivered on the promised day; validity is an estimate.
    assert fractions(results[OTDR]) == (7, 7)
    assert results[OTDR].basis is Basis.ESTIMATE


@pytest.mark.parametrize(
    ("carrier", "number", "expected"),
    [
        ("UPS", "1Z999AA10123456784", True),  # 1Z + 16
        ("UPS", "1Z999AA1012345678", False),  # 1Z + 15
        ("USPS", "9400111899223197428490", True),  # 22 digits
        ("USPS", "94001118992231974284", True),  # 20 digits
        ("USPS", "420981019400111899223197428490", True),  # routing prefix 420 + ZIP kept from the barcode
        ("USPS", "EA123456789US", True),  # S10 international
        ("USPS", "1234567890", False),
        ("FedEx Home Delivery", "123456789012", True),  # 12 digits
        ("FedEx", "1234567890123", False),  # 13 digits
        ("DHL Express", "1234567890", True),
        ("DHL Express", "123456789012", False),
        ("DHL", "123456789012", True),  # plain DHL: Paket's 12 digits too
        ("Deutsche Post", "RR123456789DE", True),
        ("Amazon Logistics", "TBA123456789012", True),
        ("AMZL", "TBB123456789012", False),
        ("Royal Mail", "AB123456789GB", True),
        ("Royal Mail", "AB123456789FR", False),
        ("DPD", "15501234567890", True),  # 14 digits
        ("Hermes", "12345678901234", True),
        ("Evri", "H01ABC0123456789", True),  # 16 letters and digits
        ("Canada Post", "1234567890123456", True),
        ("Japan Post", "123456789012", True),
        ("Yamato Transport", "123456789012", True),
        ("Yamato", "12345678901", False),  # 11 digits
        ("Sagawa Express", "123456789012", True),
        ("Speedy Freight", "anything", None),  # unknown carrier: cannot be checked
        (None, "123", None),
        ("DHL eCommerce", "GM1234", None),  # known, too varied to check
    ],
)
def test_carrier_formats(
    scenario: Scenario, context_for: ContextFor, carrier: str | None, number: str, expected: bool | None
) -> None:
    # Through the metric itself, so the database's own regular expressions are what is tested.
    ship(scenario, "ONE", "2026-11-10", tracking=number, carrier=carrier, valid=None)
    tracking = by_id(delivery.compute(context_for(AS_OF)))[VTR]
    assert fractions(tracking) == ((0 if expected is False else 1), 1)
    assert tracking.basis is Basis.ESTIMATE
    unchecked = "valid unchecked" in (tracking.basis_note or "")
    assert unchecked is (expected is None)


def test_units_variant_has_its_own_window(scenario: Scenario, context_for: ContextFor) -> None:
    ship(scenario, "U-D-22", "2026-11-02", units=5, delivered="2026-11-05T12:00:00+00:00")  # out of units
    ship(scenario, "U-D-21", "2026-11-03", units=4, delivered="2026-11-05T12:00:00+00:00")  # in, 4 late
    ship(scenario, "U-MID", "2026-11-10", units=13)  # in, 13 on time
    ship(scenario, "U-BAD-TRACK", "2026-11-10", units=50, valid=False)  # untracked: not in either denominator
    ship(scenario, "U-D-8", "2026-11-16", units=3)  # in, 3 on time (beyond the shipments window's D-10)
    ship(scenario, "U-D-7", "2026-11-17", units=7, delivered="2026-11-20T12:00:00+00:00")  # out
    results = by_id(delivery.compute(context_for(AS_OF)))
    units = results[UNITS]
    # Units: 13 + 3 on time of 4 + 13 + 3 tracked = 16 / 20 = 80% < 90%: a breach.
    assert fractions(units) == (16, 20)
    assert (units.window.start, units.window.end) == (date(2026, 11, 3), date(2026, 11, 16))  # type: ignore[union-attr]
    assert (units.status, units.basis, units.target) == (Status.BREACH, Basis.EXACT, 0.90)
    # Back to 90% takes ceil((0.9 x 20 - 16) / 0.1) = 20 on-time units: 36 / 40 = 90%.
    assert units.budget is not None and units.budget.clean_orders_to_recover == 20
    # Shipments [10-16, 11-14]: U-D-22 (late), U-D-21 (late), U-MID (on time): 1 of 3.
    assert fractions(results[OTDR]) == (1, 3)
    assert [(c.kind, c.label, c.count) for c in units.causes if c.kind != "sku"] == [
        ("defect", "delivered after the promised delivery date", 4),
        ("carrier", "UPS", 4),
    ]


def test_units_missing_on_some_shipments_count_as_one(scenario: Scenario, context_for: ContextFor) -> None:
    ship(scenario, "TWO", "2026-11-10", units=2)
    ship(scenario, "UNKNOWN-UNITS", "2026-11-10", delivered="2026-11-12T12:00:00+00:00")
    units = by_id(delivery.compute(context_for(AS_OF)))[UNITS]
    assert fractions(units) == (2, 3)  # TWO's 2 units on time of 2 + 1 (the one without a count, late)
    assert units.basis is Basis.ESTIMATE
    assert units.basis_note == "1 tracked shipment(s) without a unit count counted as 1 unit"


def test_us_account_without_unit_counts_gets_no_data(scenario: Scenario, context_for: ContextFor) -> None:
    ship(scenario, "NO-UNITS", "2026-11-10")
    units = by_id(delivery.compute(context_for(AS_OF)))[UNITS]
    assert (units.status, units.value, units.numerator) == (Status.NO_DATA, None, None)
    assert "`units` column" in (units.basis_note or "")


def test_non_us_account_has_no_units_figure(scenario: Scenario, context_for: ContextFor) -> None:
    ship(scenario, "UK-1", "2026-11-10", units=3, carrier="Royal Mail", tracking="AB123456789GB")
    results = delivery.compute(context_for(AS_OF, marketplace="UK", timezone="Europe/London"))
    assert [r.id for r in results] == [VTR, OTDR]
    assert fractions(results[1]) == (1, 1)


def test_no_shipments_template_is_no_data_naming_it(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("O-1", "2026-10-20T12:00:00+00:00")
    results = delivery.compute(context_for(AS_OF))
    assert [r.id for r in results] == [VTR, OTDR, UNITS]
    assert {r.status for r in results} == {Status.NO_DATA}
    assert all(r.value is None and r.basis is Basis.NO_DATA for r in results)
    assert all("shipments (MFN) template" in (r.basis_note or "") for r in results)
    uk = delivery.compute(context_for(AS_OF, marketplace="UK", timezone="Europe/London"))
    assert [r.id for r in uk] == [VTR, OTDR]


def test_no_delivery_times_at_all_is_no_data(scenario: Scenario, context_for: ContextFor) -> None:
    ship(scenario, "A", "2026-11-01", delivered=None, units=1)
    ship(scenario, "B", "2026-11-05", delivered=None, units=1)
    results = by_id(delivery.compute(context_for(AS_OF)))
    assert fractions(results[VTR]) == (2, 2)
    for metric in (OTDR, UNITS):
        assert results[metric].status is Status.NO_DATA
        assert "`delivered-at` column" in (results[metric].basis_note or "")


def test_shipments_without_a_promised_date_are_named(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.shipment("NO-PROMISE", "2026-11-20T12:00:00+00:00", promised=None)
    result = by_id(delivery.compute(context_for(AS_OF)))[VTR]
    assert result.status is Status.NO_DATA
    assert result.basis_note == (
        "nothing in the window 2026-10-16 to 2026-11-14; 1 shipment(s) confirmed in the last 60 days have no "
        "promised delivery date: add the `promised-delivery-date` column to the shipments (MFN) template"
    )


def test_status_and_budget_higher_is_better(scenario: Scenario, context_for: ContextFor) -> None:
    for i in range(97):
        ship(scenario, f"OK-{i}", "2026-11-01")
    for i in range(3):
        ship(scenario, f"LATE-{i}", "2026-11-01", delivered="2026-11-03T12:00:00+00:00")
    result = by_id(delivery.compute(context_for(AS_OF)))[OTDR]
    # 97 / 100 = 97%: on target, but the 3% late share is >= 0.8 x 3%: a warning; no room for another.
    assert (fractions(result), result.status, result.low_volume) == ((97, 100), Status.WARNING, False)
    assert result.budget is not None
    assert (result.budget.defects_until_breach, result.budget.clean_orders_to_recover) == (0, 0)
    ship(scenario, "LATE-3", "2026-11-01", delivered="2026-11-03T12:00:00+00:00")
    breach = by_id(delivery.compute(context_for(AS_OF)))[OTDR]
    # 97 / 101 = 96.04%: a breach; back to 97% takes ceil((0.97 x 101 - 97) / 0.03) = ceil(32.33) = 33.
    assert (fractions(breach), breach.status) == ((97, 101), Status.BREACH)
    assert breach.budget is not None and breach.budget.clean_orders_to_recover == 33


def test_outlook_defects_leave_and_pending_deliveries(scenario: Scenario, context_for: ContextFor) -> None:
    for i in range(9):
        ship(scenario, f"OK-{i}", "2026-11-01")
    ship(scenario, "OLD-LATE", "2026-10-16", delivered="2026-10-19T12:00:00+00:00", valid=True)
    ship(scenario, "OLD-BAD-TRACK", "2026-10-16", valid=False)
    # Promised 20 Nov, ended 2026-11-21T07:59:59Z, undelivered at the instant: known late.
    ship(scenario, "COMING-LATE", "2026-11-20", delivered=None)
    # Promised 23 Nov, ends 2026-11-24T07:59:59Z, after the instant: not late yet, assumed on time.
    ship(scenario, "PENDING", "2026-11-23", delivered=None)
    # Delivered 2026-11-24T05:00Z, after the instant: ignored today, so pending as well.
    ship(scenario, "STAMPED-LATER", "2026-11-23", delivered="2026-11-24T05:00:00+00:00")
    results = by_id(delivery.compute(context_for(AS_OF)))
    on_time = results[OTDR]
    assert fractions(on_time) == (9, 10)  # OK-0..8 of those plus OLD-LATE; a breach of 97%
    assert on_time.outlook is not None
    # OLD-LATE (promised 10-16) leaves on 11-25, when the window starts on 10-17: 9 / 9, back on target.
    assert on_time.outlook.leaves == [(date(2026, 11, 25), 1)]
    assert on_time.outlook.recovers_on == date(2026, 11, 25)
    # 30 Nov, window [10-22, 11-20]: COMING-LATE enters as late: 9 / 10.
    day = on_time.outlook.days[5]
    assert (day.day, day.numerator, day.denominator) == (date(2026, 11, 30), 9, 10)
    # 3 Dec, window [10-25, 11-23]: PENDING and STAMPED-LATER enter, assumed on time: 11 / 12.
    day = on_time.outlook.days[8]
    assert (day.day, day.numerator, day.denominator) == (date(2026, 12, 3), 11, 12)
    assert "assumed delivered on time" in on_time.outlook.note
    tracking = results[VTR]
    # Tracking: 10 valid of 11 today; OLD-BAD-TRACK leaves on 11-25 too.
    assert fractions(tracking) == (10, 11)
    assert tracking.outlook is not None and tracking.outlook.leaves == [(date(2026, 11, 25), 1)]


def test_late_deliveries_by_carrier_and_sku(scenario: Scenario, context_for: ContextFor) -> None:
    usps = {"carrier": "USPS", "tracking": "9400111899223197428490"}
    late = "2026-11-09T12:00:00+00:00"
    ship(scenario, "L1", "2026-11-01", delivered=late, **usps)
    ship(scenario, "L2", "2026-11-02", delivered=late, **usps)
    ship(scenario, "L3", "2026-11-03", delivered=None, **usps)
    ship(scenario, "L4", "2026-11-04", delivered=late)  # UPS
    ship(scenario, "L5", "2026-11-05", delivered=late, **usps)
    for i in range(6):
        ship(scenario, f"C-{i}", "2026-11-06")
        scenario.order(f"C-{i}", "2026-11-01T12:00:00+00:00", sku="OTHER")
    placed = "2026-10-28T12:00:00+00:00"
    for order_id in ("L1", "L2", "L3", "L5"):
        scenario.order(order_id, placed, sku="HOSE")
    scenario.order("L3", placed, sku="LAMP").order("L4", placed, sku="LAMP")  # L3 holds both SKUs
    result = by_id(delivery.compute(context_for(AS_OF)))[OTDR]
    assert fractions(result) == (6, 11)
    assert [(c.kind, c.label, c.count, c.orders) for c in result.causes] == [
        ("defect", "delivered after the promised delivery date", 4, ["L1", "L2", "L4"]),
        ("defect", "no delivery scan", 1, ["L3"]),
        ("carrier", "USPS", 4, ["L1", "L2", "L3"]),
        ("carrier", "UPS", 1, ["L4"]),
        # A late shipment counts under each SKU of its order: L3 under HOSE and LAMP.
        ("sku", "HOSE", 4, ["L1", "L2", "L3"]),
        ("sku", "LAMP", 2, ["L3", "L4"]),
    ]


def test_no_valid_tracking_leaves_on_time_without_a_denominator(scenario: Scenario, context_for: ContextFor) -> None:
    ship(scenario, "BAD-1", "2026-11-01", valid=False)
    results = by_id(delivery.compute(context_for(AS_OF)))
    assert fractions(results[VTR]) == (0, 1)
    assert results[OTDR].status is Status.NO_DATA
    assert results[OTDR].basis_note == "no shipment with valid tracking in the window 2026-10-16 to 2026-11-14"


def test_a_delivery_stamped_after_the_instant_is_not_known_yet(scenario: Scenario, context_for: ContextFor) -> None:
    # Promised 10 Nov (ended 2026-11-11T07:59:59Z); the delivery scan is stamped 2026-11-24T05:00Z.
    ship(scenario, "SCANNED-TODAY", "2026-11-10", delivered="2026-11-24T05:00:00+00:00")
    ship(scenario, "ON-TIME", "2026-11-10")
    today = by_id(delivery.compute(context_for(AS_OF)))[OTDR]
    # As of 24 Nov (instant 00:00Z) the scan does not exist yet: not on time, and no delivery scan.
    assert fractions(today) == (1, 2)
    assert [(c.label, c.orders) for c in today.causes if c.kind == "defect"] == [
        ("no delivery scan", ["SCANNED-TODAY"])
    ]
    # As of 25 Nov it is known, and late.
    tomorrow = by_id(delivery.compute(context_for("2026-11-25")))[OTDR]
    assert fractions(tomorrow) == (1, 2)
    assert [c.label for c in tomorrow.causes if c.kind == "defect"] == ["delivered after the promised delivery date"]
