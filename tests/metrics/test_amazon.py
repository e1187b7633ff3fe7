"""metrics.md 4: Amazon's own figures as the headline. Every expected number is worked out by hand.

As of 2026-11-24 (instant 00:00 UTC) with `amazon_max_age_days` = 3: a report whose data ends on
21, 22 or 23 Nov is the headline; one ending on 20 Nov (4 days before) is stale; one ending after the
instant was not available yet.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from metrics import odr
from metrics.amazon import apply_amazon_figures, headline_status, status_from_amazon
from metrics.calendar import window
from metrics.figures import no_data, rate
from metrics.result import Basis, MetricResult, Status, Window
from storage import models
from tests.metrics.conftest import ContextFor
from tests.metrics.scenario import Scenario

AS_OF = "2026-11-24"
US_REAL = Path(__file__).parents[1] / "storage" / "fixtures" / "account_health" / "us_real_style.json"
ODR_FILES = ("feedback", "claims", "chargebacks")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def snapshot(
    scenario: Scenario, through: str, *figures: dict[str, Any], marketplace_id: str = "ATVPDKIKX0DER"
) -> models.AccountHealthSnapshot:
    """A snapshot with hand-written figures (each a dict of AccountHealthFigure columns)."""
    row = models.AccountHealthSnapshot(
        account_id=scenario.account.id,
        marketplace_id=marketplace_id,
        reported_through=utc(through),
        account_status="NORMAL",
        ahr_status=None,
        ahr_score=None,
        report={},
        row_hash="test",
        upload_id=0,
    )
    scenario.session.add(row)
    scenario.session.flush()
    for figure in figures:
        scenario.session.add(models.AccountHealthFigure(snapshot_id=row.id, **figure))
    scenario.session.flush()
    return row


def cancel_figure(
    numerator: int | None = 2,
    denominator: int | None = 160,
    *,
    status: str | None = "GOOD",
    start: str = "2026-11-17T00:00:00",
    end: str = "2026-11-23T23:59:59",
    rate: float | None = None,
) -> dict[str, Any]:
    return {
        "metric": "cancel_rate",
        "scope": "mfn",
        "window_days": 0,
        "window_start": utc(start),
        "window_end": utc(end),
        "rate": rate if rate is not None or numerator is None else numerator / (denominator or 1),
        "numerator": numerator,
        "denominator": denominator,
        "status": status,
        "target_value": 0.025,
        "target_condition": "LESS_THAN",
        "components": {},
    }


def cancel_result(context_for: ContextFor, numerator: int, denominator: int, **settings: Any) -> MetricResult:
    """A computed cancel rate as metrics/cancel would give it (order dates [D-7, D-1])."""
    ctx = context_for(AS_OF, **settings)
    return rate("cancel_rate", "mfn", ctx, numerator=numerator, denominator=denominator, window=window(ctx.as_of, 7, 1))


def applied(context_for: ContextFor, results: list[MetricResult], **settings: Any) -> list[MetricResult]:
    apply_amazon_figures(context_for(AS_OF, **settings), results)
    return results


def by_key(results: list[MetricResult]) -> dict[tuple[str, str, int | None], MetricResult]:
    return {r.key: r for r in results}


# --- the real report over computed results ----------------------------------------------------------


def test_a_fresh_report_is_the_headline_and_the_computed_figure_stands_beside(
    scenario: Scenario, context_for: ContextFor
) -> None:
    for kind in ODR_FILES:
        scenario.uploaded(kind)
    for i in range(10):
        scenario.order(f"M-{i}", "2026-10-01T12:00:00+00:00")
    scenario.feedback("M-0", "2026-10-05", 1)
    scenario.account_health_report(US_REAL)
    ctx = context_for(AS_OF)
    results = odr.compute(ctx)
    apply_amazon_figures(ctx, results)
    mfn = by_key(results)[("odr", "mfn", None)]
    # Amazon: 12 of 945 MFN orders, rate 0.0127, BAD, window 11 Sep - 9 Nov (the same as healthbot's).
    assert (mfn.value, mfn.numerator, mfn.denominator) == (0.0127, 12, 945)
    assert (mfn.basis, mfn.status, mfn.low_volume) == (Basis.AMAZON, Status.BREACH, False)
    assert mfn.window == Window(date(2026, 9, 11), date(2026, 11, 9))
    assert mfn.basis_note == "Amazon's Account Health report through 2026-11-23"
    assert mfn.amazon is not None and mfn.amazon["status"] == "BAD"
    assert mfn.components == {
        "odr.negative_feedback": {"numerator": 7, "denominator": 945},
        "odr.claims": {"numerator": 4, "denominator": 945},
        "odr.chargebacks": {"numerator": 2, "denominator": 945},
    }
    # 12/945 = 1.27% against < 1%: 12 / 0.01 - 945 = 255, so 256 clean orders to recover.
    assert (mfn.budget.defects_until_breach, mfn.budget.clean_orders_to_recover) == (0, 256)  # type: ignore[union-attr]
    assert mfn.computed is not None
    assert (mfn.computed["numerator"], mfn.computed["denominator"], mfn.computed["basis"]) == (1, 10, "exact")
    assert mfn.computed["window"] == {"start": "2026-09-11", "end": "2026-11-09"}
    assert mfn.computed["components"]["odr.negative_feedback"] == {"numerator": 1, "denominator": 10}
    # 12 vs 1 and 945 vs 10: the same window and complete files, so uploads must be missing rows.
    assert mfn.reconciliation == (
        "Amazon reports 12 of 945 orders, healthbot computes 1 of 10; likely same window and complete files: "
        "an upload may lack orders or events Amazon has (re-upload the period)."
    )
    afn = by_key(results)[("odr", "afn", None)]
    # 9/4322 = 0.21% GOOD, well under 0.8 x 1%: ok. No AFN order computed: no_data beside it.
    assert (afn.numerator, afn.denominator, afn.status, afn.basis) == (9, 4322, Status.OK, Basis.AMAZON)
    assert afn.computed is not None and afn.computed["basis"] == "no_data"
    assert afn.reconciliation is None  # nothing computed to compare with
    everyone = by_key(results)[("odr", "all", None)]
    assert (everyone.basis, everyone.numerator, everyone.amazon) == (Basis.EXACT, 1, None)  # Amazon gives no "all"


def test_each_metric_matches_its_figure_and_amazons_status_decides(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.account_health_report(US_REAL)
    ctx = context_for(AS_OF)
    results = [
        rate(
            "late_shipment_rate",
            "mfn",
            ctx,
            numerator=1,
            denominator=100,
            window=window(ctx.as_of, 10, 1),
            window_days=10,
        ),
        rate(
            "late_shipment_rate",
            "mfn",
            ctx,
            numerator=2,
            denominator=300,
            window=window(ctx.as_of, 30, 1),
            window_days=30,
        ),
        rate("cancel_rate", "mfn", ctx, numerator=2, denominator=160, window=window(ctx.as_of, 7, 1)),
        rate("valid_tracking_rate", "mfn", ctx, numerator=600, denominator=640, window=window(ctx.as_of, 39, 10)),
        rate("on_time_delivery_rate", "mfn", ctx, numerator=571, denominator=598, window=window(ctx.as_of, 39, 10)),
    ]
    apply_amazon_figures(ctx, results)
    late10, late30, cancel, tracking, on_time = results
    # 5/212 = 2.36% GOOD: under 0.8 x 4% = 3.2%, ok.
    assert (late10.numerator, late10.denominator, late10.status, late10.window_days) == (5, 212, Status.OK, 10)
    # 31/688 = 4.51% BAD: a breach.
    assert (late30.numerator, late30.denominator, late30.status) == (31, 688, Status.BREACH)
    assert late30.window == Window(date(2026, 10, 25), date(2026, 11, 23))
    # 2/160 = 1.25% GOOD, under 2% (0.8 x 2.5%): ok; same counts as computed, no reconciliation.
    assert (cancel.status, cancel.reconciliation) == (Status.OK, None)
    # 652 "valid" of 640: inconsistent, shown as given; GOOD; no budget from counts that cannot be right.
    assert (tracking.value, tracking.numerator, tracking.denominator) == (0.9813, 652, 640)
    assert (tracking.status, tracking.budget) == (Status.OK, None)
    assert tracking.amazon is not None and tracking.amazon["inconsistent"] is True
    # Amazon says GOOD at 95.48%, below the 97% target: shown GOOD, but healthbot warns.
    assert (on_time.value, on_time.status) == (0.9548, Status.WARNING)
    assert on_time.amazon is not None and on_time.amazon["status"] == "GOOD"


def test_status_words() -> None:
    assert [status_from_amazon(w) for w in ("GOOD", "great", "FAIR", "WARNED", "AT_RISK", "BAD", "Poor")] == [
        Status.OK,
        Status.OK,
        Status.WARNING,
        Status.WARNING,
        Status.WARNING,
        Status.BREACH,
        Status.BREACH,
    ]
    assert status_from_amazon("NONE") is None and status_from_amazon(None) is None
    # Amazon's word decides; healthbot's band can only turn its GOOD into a warning.
    assert headline_status("BAD", Status.OK) is Status.BREACH
    assert headline_status("GOOD", Status.BREACH) is Status.WARNING
    assert headline_status("GOOD", Status.OK) is Status.OK
    assert headline_status("NONE", Status.BREACH) is Status.BREACH


def test_a_status_of_none_is_judged_from_amazons_counts(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-23T23:59:59", cancel_figure(3, 100, status="NONE"))
    [result] = applied(context_for, [cancel_result(context_for, 3, 100)])
    # 3/100 = 3% against < 2.5%: a breach, though Amazon gave no status.
    assert (result.status, result.basis) == (Status.BREACH, Basis.AMAZON)
    assert result.amazon is not None and result.amazon["status"] == "NONE"


def test_fair_is_a_warning_whatever_the_counts(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-23T23:59:59", cancel_figure(0, 100, status="FAIR"))
    [fair] = applied(context_for, [cancel_result(context_for, 0, 100)])
    assert fair.status is Status.WARNING  # Amazon's word, though 0% would be ok for healthbot


def test_a_rate_without_counts_is_shown_and_judged_from_the_rate(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-23T23:59:59", cancel_figure(None, None, status=None, rate=0.021))
    [result] = applied(context_for, [cancel_result(context_for, 2, 100)])
    # 2.1% is under 2.5% but at least 0.8 x 2.5% = 2%: a warning.
    assert (result.value, result.numerator, result.denominator) == (0.021, None, None)
    assert (result.status, result.budget, result.low_volume, result.reconciliation) == (
        Status.WARNING,
        None,
        False,
        None,
    )


def test_an_empty_amazon_window_is_not_the_headline(scenario: Scenario, context_for: ContextFor) -> None:
    # Amazon counted no order: its "0%" would read as a perfect figure. The computed one stays.
    snapshot(scenario, "2026-11-23T23:59:59", cancel_figure(0, 0, status="NONE", rate=0.0))
    [result] = applied(context_for, [cancel_result(context_for, 1, 20)])
    assert (result.basis, result.numerator, result.denominator) == (Basis.EXACT, 1, 20)
    assert result.amazon is not None and (result.amazon["value"], result.amazon["denominator"]) == (None, 0)


def test_low_volume_follows_amazons_denominator(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-23T23:59:59", cancel_figure(0, 9))
    [result] = applied(context_for, [cancel_result(context_for, 0, 10)])
    assert (result.denominator, result.low_volume) == (9, True)  # 9 < min_denominator 10


# --- reconciliation ----------------------------------------------------------------------------------


def test_within_one_order_there_is_nothing_to_reconcile(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-23T23:59:59", cancel_figure(2, 160))
    [result] = applied(context_for, [cancel_result(context_for, 3, 159)])
    assert result.reconciliation is None
    [apart] = applied(context_for, [cancel_result(context_for, 4, 160)])
    # |2 - 4| = 2 orders: more than one.
    assert apart.reconciliation is not None and apart.reconciliation.startswith(
        "Amazon reports 2 of 160 orders, healthbot computes 4 of 160"
    )


def test_report_lag_is_named(scenario: Scenario, context_for: ContextFor) -> None:
    # Amazon's 7 days end on 21 Nov: the same length as healthbot's [17, 23 Nov], two days earlier.
    snapshot(
        scenario, "2026-11-21T23:59:59", cancel_figure(2, 150, start="2026-11-15T00:00:00", end="2026-11-21T23:59:59")
    )
    [result] = applied(context_for, [cancel_result(context_for, 2, 160)])
    assert result.basis is Basis.AMAZON  # 3 days old: still the headline
    assert result.reconciliation == (
        "Amazon reports 2 of 150 orders, healthbot computes 2 of 160; likely report lag: Amazon's data ends on "
        "2026-11-21, 2 day(s) before healthbot's (2026-11-23)."
    )


def test_a_different_window_is_named(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-23T23:59:59", cancel_figure(5, 300, start="2026-11-10T00:00:00"))
    [result] = applied(context_for, [cancel_result(context_for, 2, 160)])
    assert result.reconciliation == (
        "Amazon reports 5 of 300 orders, healthbot computes 2 of 160; likely different window: Amazon counts "
        "2026-11-10 to 2026-11-23, healthbot 2026-11-17 to 2026-11-23."
    )


def test_a_missing_file_is_named(scenario: Scenario, context_for: ContextFor) -> None:
    # No claims file: claims known only from the returns report, so the computed ODR is an estimate.
    scenario.uploaded("feedback")
    scenario.uploaded("chargebacks")
    for i in range(10):
        scenario.order(f"M-{i}", "2026-10-01T12:00:00+00:00")
    scenario.seller_return("M-0", "2026-10-05", a_to_z=True)
    scenario.seller_return("M-1", "2026-10-05", a_to_z=True)
    snapshot(
        scenario,
        "2026-11-23T23:59:59",
        {
            "metric": "odr",
            "scope": "mfn",
            "window_days": 0,
            "window_start": utc("2026-09-11T00:00:00"),
            "window_end": utc("2026-11-09T23:59:59"),
            "rate": 0.0,
            "numerator": 0,
            "denominator": 10,
            "status": "GOOD",
            "components": {"odr.claims": 0},
        },
    )
    ctx = context_for(AS_OF)
    results = odr.compute(ctx)
    apply_amazon_figures(ctx, results)
    mfn = by_key(results)[("odr", "mfn", None)]
    assert mfn.reconciliation == (
        "Amazon reports 0 of 10 orders, healthbot computes 2 of 10; likely missing data: healthbot's figure is an "
        "estimate (2 claim(s) known only from returns or settlement reports)."
    )


# --- which report ---------------------------------------------------------------------------------


def test_a_stale_report_stands_beside_only(scenario: Scenario, context_for: ContextFor) -> None:
    # Data through 20 Nov: 4 days before the as-of day, one more than amazon_max_age_days.
    snapshot(
        scenario,
        "2026-11-20T23:59:59",
        cancel_figure(9, 150, status="BAD", start="2026-11-14T00:00:00", end="2026-11-20T23:59:59"),
    )
    [stale] = applied(context_for, [cancel_result(context_for, 2, 160)])
    assert (stale.basis, stale.numerator, stale.denominator, stale.computed) == (Basis.EXACT, 2, 160, None)
    assert stale.amazon is not None
    assert (stale.amazon["numerator"], stale.amazon["stale"], stale.amazon["age_days"]) == (9, True, 4)
    assert stale.reconciliation == (
        "Amazon's older report (through 2026-11-20) says 9 of 150 orders, healthbot computes 2 of 160; likely "
        "report lag: Amazon's data ends on 2026-11-20, 3 day(s) before healthbot's (2026-11-23)."
    )
    # Allowing 4 days makes it the headline.
    [allowed] = applied(context_for, [cancel_result(context_for, 2, 160)], amazon_max_age_days=4)
    assert (allowed.basis, allowed.numerator, allowed.status) == (Basis.AMAZON, 9, Status.BREACH)


def test_a_report_ending_after_the_instant_was_not_available_yet(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-24T23:59:59", cancel_figure(9, 150, end="2026-11-24T23:59:59"))
    [result] = applied(context_for, [cancel_result(context_for, 2, 160)])
    assert (result.basis, result.amazon) == (Basis.EXACT, None)


def test_the_newest_report_wins_and_other_marketplaces_are_ignored(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-22T23:59:59", cancel_figure(7, 150))
    snapshot(scenario, "2026-11-23T23:59:59", cancel_figure(3, 150))
    snapshot(scenario, "2026-11-23T23:59:59", cancel_figure(1, 150), marketplace_id="A1PA6795UKMFR9")  # DE
    [result] = applied(context_for, [cancel_result(context_for, 3, 150)])
    assert result.numerator == 3


def test_amazon_is_the_headline_when_nothing_was_computed(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-23T23:59:59", cancel_figure(2, 160))
    ctx = context_for(AS_OF)
    [result] = applied(context_for, [no_data("cancel_rate", "mfn", ctx, "all_orders", window=window(ctx.as_of, 7, 1))])
    assert (result.basis, result.value, result.status) == (Basis.AMAZON, 2 / 160, Status.OK)
    assert result.computed is not None
    assert (result.computed["basis"], result.computed["value"]) == ("no_data", None)
    assert result.reconciliation is None


def test_no_report_changes_nothing(scenario: Scenario, context_for: ContextFor) -> None:
    [result] = applied(context_for, [cancel_result(context_for, 2, 160)])
    assert (result.basis, result.amazon, result.computed, result.reconciliation) == (Basis.EXACT, None, None, None)
