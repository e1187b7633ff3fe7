"""metrics.md 3.9: Policy Violations and Account Health Rating. Expected numbers are worked out by hand.

As of 2026-11-24 the template window holds violation dates 2026-05-28 (D-180) to 2026-11-23 (D-1),
and a report is the headline while its data ends no more than 3 days before (amazon_max_age_days).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from metrics import policy
from metrics.result import Basis, MetricResult, Status, Window
from storage import models
from tests.metrics.conftest import ContextFor
from tests.metrics.scenario import Scenario

AS_OF = "2026-11-24"
US_REAL = Path(__file__).parents[1] / "storage" / "fixtures" / "account_health" / "us_real_style.json"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def compute(context_for: ContextFor, as_of: str = AS_OF, **settings: Any) -> tuple[MetricResult, MetricResult]:
    violations, rating = policy.compute(context_for(as_of, **settings))
    assert (violations.id, rating.id) == ("policy_violations", "account_health_rating")
    return violations, rating


def snapshot(
    scenario: Scenario,
    through: str,
    *,
    score: int | None = None,
    ahr_status: str | None = None,
    policies: dict[str, int] | None = None,
) -> None:
    """A snapshot with a rating and policy counts, each category over Amazon's 180 days to `through`."""
    row = models.AccountHealthSnapshot(
        account_id=scenario.account.id,
        marketplace_id="ATVPDKIKX0DER",
        reported_through=utc(through),
        account_status="NORMAL",
        ahr_status=ahr_status,
        ahr_score=score,
        report={},
        row_hash="test",
        upload_id=0,
    )
    scenario.session.add(row)
    scenario.session.flush()
    for category, count in (policies or {}).items():
        scenario.session.add(
            models.AccountHealthFigure(
                snapshot_id=row.id,
                metric=f"policy.{category}",
                scope="account",
                window_days=0,
                window_start=utc("2026-05-25T00:00:00"),
                window_end=utc(through),
                numerator=count,
                status="BAD" if count else "GOOD",
                components={},
            )
        )
    scenario.session.flush()


# --- policy violations ---------------------------------------------------------------------------------


def test_amazons_report_gives_the_count_per_category(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.account_health_report(US_REAL)
    violations, _ = compute(context_for)
    # Listing 2 + product condition 1 (the other categories 0); document requests and the 3 warnings
    # are shown but are no violation: 3.
    assert (violations.value, violations.numerator, violations.denominator) == (3, 3, None)
    assert (violations.status, violations.basis, violations.target, violations.condition) == (
        Status.BREACH,
        Basis.AMAZON,
        0,
        "=",
    )
    assert violations.basis_note == "Amazon's Account Health report through 2026-11-23"
    assert violations.window == Window(date(2026, 5, 28), date(2026, 11, 23))
    assert violations.components == {
        "policy.listing_policy_violations": {"numerator": 2, "denominator": None},
        "policy.product_authenticity_customer_complaints": {"numerator": 0, "denominator": None},
        "policy.product_condition_customer_complaints": {"numerator": 1, "denominator": None},
        "policy.received_intellectual_property_complaints": {"numerator": 0, "denominator": None},
        "policy.restricted_product_policy_violations": {"numerator": 0, "denominator": None},
        "policy.customer_product_reviews_policy_violations": {"numerator": 0, "denominator": None},
        "policy.other_policy_violations": {"numerator": 0, "denominator": None},
    }
    assert violations.extra["informational"] == {
        "policy.document_requests": 0,
        "policy.policy_violation_warnings": 3,
    }
    assert [(c.label, c.count) for c in violations.causes] == [
        ("Listing policy violations", 2),
        ("Product condition customer complaints", 1),
    ]
    assert violations.amazon is not None
    assert violations.amazon["statuses"]["policy.listing_policy_violations"] == "BAD"


def test_none_in_amazons_report_is_ok(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-23T23:59:59", policies={"listing_policy_violations": 0, "document_requests": 4})
    violations, _ = compute(context_for)
    assert (violations.value, violations.status) == (0, Status.OK)  # document requests are no violation


def test_the_template_counts_over_180_days(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.violation("2026-05-28", "Listing policy", asin="B01")  # D-180: in
    scenario.violation("2026-05-27", "Listing policy", asin="B02")  # D-181: out
    scenario.violation("2026-11-23", "Listing policy", asin="B03")  # D-1: in
    scenario.violation("2026-11-23", "IP complaint", asin="B01")  # D-1: in
    scenario.violation("2026-11-24", "Listing policy", asin="B04")  # the as-of day: out
    violations, _ = compute(context_for)
    assert (violations.value, violations.status, violations.basis, violations.basis_note) == (
        3,
        Status.BREACH,
        Basis.EXACT,
        None,
    )
    assert violations.window == Window(date(2026, 5, 28), date(2026, 11, 23))
    assert violations.components == {
        "policy.ip_complaint": {"numerator": 1, "denominator": None},
        "policy.listing_policy": {"numerator": 2, "denominator": None},
    }
    assert [c.as_json() for c in violations.causes] == [
        {"kind": "category", "label": "Listing policy", "count": 2, "orders": ["B01", "B03"]},
        {"kind": "category", "label": "IP complaint", "count": 1, "orders": ["B01"]},
        {"kind": "asin", "label": "B01", "count": 2, "orders": ["IP complaint", "Listing policy"]},
        {"kind": "asin", "label": "B03", "count": 1, "orders": ["Listing policy"]},
    ]


def test_an_empty_template_window_is_zero_and_ok(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.violation("2026-01-05", "Listing policy")
    violations, _ = compute(context_for)
    assert (violations.value, violations.status, violations.basis) == (0, Status.OK, Basis.EXACT)


def test_a_fresh_report_is_the_headline_and_the_template_stands_beside(
    scenario: Scenario, context_for: ContextFor
) -> None:
    snapshot(scenario, "2026-11-22T23:59:59", policies={"listing_policy_violations": 2})
    scenario.violation("2026-11-01", "Listing policy", asin="B01")
    violations, _ = compute(context_for)
    assert (violations.value, violations.basis) == (2, Basis.AMAZON)
    assert violations.computed is not None
    assert (violations.computed["value"], violations.computed["basis"]) == (1, "exact")
    # Amazon's 180 days run 25 May to 22 Nov, healthbot's 28 May to 23 Nov.
    assert violations.reconciliation == (
        "Amazon reports 2 violation(s), the policy-violations template lists 1; likely report lag: Amazon's data "
        "ends on 2026-11-22, 1 day(s) before healthbot's (2026-11-23); different window: Amazon counts "
        "2026-05-25 to 2026-11-22, healthbot 2026-05-28 to 2026-11-23."
    )


def test_a_stale_report_gives_way_to_the_template(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-20T23:59:59", policies={"listing_policy_violations": 2})
    scenario.violation("2026-11-01", "Listing policy", asin="B01")
    violations, _ = compute(context_for)
    assert (violations.value, violations.basis) == (1, Basis.EXACT)
    assert violations.basis_note == (
        "from the policy-violations template; Amazon's Account Health report through 2026-11-20, "
        "4 days old (upload a newer one) is not used"
    )


def test_a_stale_report_alone_is_still_shown_with_its_age(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-01T23:59:59", policies={"listing_policy_violations": 1})
    violations, _ = compute(context_for)
    assert (violations.value, violations.basis, violations.status) == (1, Basis.AMAZON, Status.BREACH)
    assert (
        violations.basis_note == "Amazon's Account Health report through 2026-11-01, 23 days old (upload a newer one)"
    )


def test_neither_source_is_no_data_naming_both(scenario: Scenario, context_for: ContextFor) -> None:
    violations, _ = compute(context_for)
    assert (violations.status, violations.value, violations.basis) == (Status.NO_DATA, None, Basis.NO_DATA)
    assert violations.basis_note == "upload the policy-violations template or the Account Health report"


def test_a_newer_report_without_policy_figures_does_not_hide_the_older_counts(
    scenario: Scenario, context_for: ContextFor
) -> None:
    snapshot(scenario, "2026-11-22T23:59:59", policies={"other_policy_violations": 1})
    snapshot(scenario, "2026-11-23T23:59:59", score=230)  # absent is not zero
    violations, rating = compute(context_for)
    assert (violations.value, violations.basis_note) == (1, "Amazon's Account Health report through 2026-11-22")
    assert rating.value == 230


# --- account health rating --------------------------------------------------------------------------------


def test_the_rating_is_amazons_score(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.account_health_report(US_REAL)
    _, rating = compute(context_for)
    assert (rating.value, rating.numerator, rating.denominator) == (212, 212, None)
    assert (rating.status, rating.basis, rating.target, rating.condition) == (Status.OK, Basis.AMAZON, 200, ">=")
    assert rating.extra == {"amazon_status": "GREAT", "band": "healthy", "account_status": "NORMAL"}
    assert rating.amazon is not None and rating.amazon["status"] == "GREAT"
    assert rating.window == Window(date(2026, 5, 28), date(2026, 11, 23))


def test_rating_bands(scenario: Scenario, context_for: ContextFor) -> None:
    expected = {
        200: (Status.OK, "healthy"),
        199: (Status.BREACH, "at risk"),
        100: (Status.BREACH, "at risk"),
        99: (Status.BREACH, "deactivation risk"),
    }
    for day, score in enumerate(expected, start=20):
        snapshot(scenario, f"2026-11-{day}T23:59:59", score=score, ahr_status="AT_RISK")
        _, rating = compute(context_for, f"2026-11-{day + 1}")
        assert (rating.value, rating.status, rating.extra["band"]) == (score, *expected[score])
        assert rating.extra["amazon_status"] == "AT_RISK"  # as given, whatever the score says


def test_an_account_target_moves_the_status_not_the_band(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-23T23:59:59", score=240)
    _, rating = compute(context_for, targets={"account_health_rating": 250})
    assert (rating.status, rating.extra["band"]) == (Status.BREACH, "healthy")


def test_a_status_without_a_score_is_amazons_word(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-23T23:59:59", ahr_status="WARNED")
    _, rating = compute(context_for)
    assert (rating.value, rating.status, rating.basis, rating.extra["band"]) == (
        None,
        Status.WARNING,
        Basis.AMAZON,
        None,
    )


def test_the_latest_report_available_at_the_instant(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-22T23:59:59", score=300)
    snapshot(scenario, "2026-11-24T23:59:59", score=90)  # runs past 00:00 UTC on the 24th
    _, rating = compute(context_for)
    assert rating.value == 300
    _, later = compute(context_for, "2026-11-25")
    assert (later.value, later.extra["band"]) == (90, "deactivation risk")


def test_an_old_rating_is_shown_with_its_age(scenario: Scenario, context_for: ContextFor) -> None:
    snapshot(scenario, "2026-11-10T23:59:59", score=250)
    _, rating = compute(context_for)
    assert (rating.value, rating.basis) == (250, Basis.AMAZON)
    assert rating.basis_note == "Amazon's Account Health report through 2026-11-10, 14 days old (upload a newer one)"


def test_no_report_is_no_data_naming_it(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.violation("2026-11-01", "Listing policy")
    _, rating = compute(context_for)
    assert (rating.status, rating.value, rating.basis) == (Status.NO_DATA, None, Basis.NO_DATA)
    assert rating.basis_note == "upload the Account Health report (JSON)"
