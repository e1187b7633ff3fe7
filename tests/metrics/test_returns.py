"""metrics.md 3.7: Return Dissatisfaction Rate. Every expected number is worked out by hand in the comments.

As of 2026-11-24 (instant 00:00 UTC) the window holds requests of 2026-10-25 (D-30) to 2026-11-23 (D-1).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from metrics import returns
from metrics.result import Basis, MetricResult, Status
from tests.metrics.conftest import ContextFor
from tests.metrics.scenario import Scenario

AS_OF = "2026-11-24"
RESPONDED = "2026-11-10T11:00:00+00:00"  # an hour after the requests of 10 Nov


def result_for(context_for: ContextFor, as_of: str = AS_OF, **settings: int) -> MetricResult:
    (result,) = returns.compute(context_for(as_of, **settings))
    assert (result.id, result.scope) == ("return_dissatisfaction_rate", "mfn")
    return result


def causes(result: MetricResult, kind: str) -> dict[str, list[str]]:
    return {c.label: c.orders for c in result.causes if c.kind == kind}


def satisfied(scenario: Scenario, count: int) -> None:
    """Requests authorised an hour after they came in, the buyer calling them resolved."""
    for i in range(count):
        at = datetime.fromisoformat("2026-11-10T10:00:00+00:00") + timedelta(minutes=i)
        scenario.return_request(f"FINE-{i}", at, responded=at + timedelta(hours=1), buyer_resolved=True)


def test_the_buyer_saying_not_resolved(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.return_request("NO", "2026-11-10T10:00:00+00:00", buyer_resolved=False, responded=RESPONDED)
    # A buyer who never answered the question is not dissatisfied.
    scenario.return_request("SILENT", "2026-11-10T10:00:00+00:00", buyer_resolved=None, responded=RESPONDED)
    satisfied(scenario, 8)
    result = result_for(context_for)
    # 1 of 10 = 10%: not below 10%, a breach; 1 in 11 would pass, so 1 clean request recovers it.
    assert (result.numerator, result.denominator, result.status) == (1, 10, Status.BREACH)
    assert (result.budget.defects_until_breach, result.budget.clean_orders_to_recover) == (0, 1)  # type: ignore[union-attr]
    assert causes(result, "defect") == {"buyer said not resolved": ["NO"]}
    assert (result.basis, result.basis_note, result.low_volume) == (Basis.EXACT, None, False)


def test_the_48_hour_boundary(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.return_request("IN-TIME", "2026-11-10T10:00:00+00:00", responded="2026-11-12T10:00:00+00:00")  # 48 h
    scenario.return_request("SLOW", "2026-11-10T11:00:00+00:00", responded="2026-11-12T11:00:01+00:00")  # 48 h 1 s
    scenario.return_request("NEVER", "2026-11-21T23:59:59+00:00")  # unanswered 48 h 00 min 01 s at the instant
    scenario.return_request("WAITING", "2026-11-22T00:00:00+00:00")  # unanswered exactly 48 h: not yet
    # Answered 15 h after the request, but at 01:00 on the 24th: unknown at the instant, so still waiting.
    scenario.return_request("AFTER-INSTANT", "2026-11-23T10:00:00+00:00", responded="2026-11-24T01:00:00+00:00")
    today = result_for(context_for)
    # SLOW and NEVER of 5 requests; WAITING and AFTER-INSTANT stay in the denominator, not yet dissatisfying.
    assert (today.numerator, today.denominator) == (2, 5)
    assert causes(today, "defect") == {"no response within 48 h": ["SLOW", "NEVER"]}
    assert today.extra["awaiting_response"] == 2
    # A day later WAITING is 72 h old unanswered; AFTER-INSTANT's response (15 h) is known and in time.
    tomorrow = result_for(context_for, "2026-11-25")
    assert (tomorrow.numerator, tomorrow.denominator) == (3, 5)
    assert tomorrow.extra["awaiting_response"] == 0


def test_rejected_while_in_policy(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.return_request(
        "REJ-IN", "2026-11-10T10:00:00+00:00", status="Rejected", in_policy=True, responded=RESPONDED
    )
    scenario.return_request(
        "DENIED-IN", "2026-11-10T10:00:00+00:00", status="denied", in_policy=True, responded=RESPONDED
    )
    scenario.return_request(
        "REJ-OUT", "2026-11-10T10:00:00+00:00", status="Rejected", in_policy=False, responded=RESPONDED
    )
    scenario.return_request(
        "AUTH", "2026-11-10T10:00:00+00:00", status="authorized", in_policy=True, responded=RESPONDED
    )
    exact = result_for(context_for)
    assert (exact.numerator, exact.denominator, exact.basis) == (2, 4, Basis.EXACT)
    assert causes(exact, "defect") == {"rejected while in policy": ["DENIED-IN", "REJ-IN"]}
    # A rejection nobody flagged in or out of policy cannot be judged: not counted, and said so.
    scenario.return_request(
        "REJ-UNKNOWN", "2026-11-10T10:00:00+00:00", status="REJECTED", in_policy=None, responded=RESPONDED
    )
    unsure = result_for(context_for)
    assert (unsure.numerator, unsure.denominator, unsure.basis) == (2, 5, Basis.ESTIMATE)
    assert unsure.basis_note == "1 rejected request(s) with no in-policy flag not counted as rejected in policy"


def test_a_request_counts_once_and_causes_by_kind_and_reason(scenario: Scenario, context_for: ContextFor) -> None:
    # Rejected in policy, never answered in time, and the buyer says unresolved: one dissatisfying request.
    scenario.return_request(
        "ALL-THREE",
        "2026-11-01T10:00:00+00:00",
        status="Rejected",
        responded="2026-11-05T10:00:00+00:00",
        buyer_resolved=False,
    )
    scenario.seller_return("ALL-THREE", "2026-11-01", reason="NOT_AS_DESCRIBED")
    scenario.return_request("SLOW-A", "2026-11-02T10:00:00+00:00", responded="2026-11-06T10:00:00+00:00")
    scenario.seller_return("SLOW-A", "2026-11-02", reason="DEFECTIVE")
    scenario.return_request("SLOW-B", "2026-11-03T10:00:00+00:00", responded="2026-11-07T10:00:00+00:00")
    scenario.seller_return("SLOW-B", "2026-11-03", reason="DEFECTIVE")
    satisfied(scenario, 27)
    result = result_for(context_for)
    # 3 of 30 = 10%: a breach although ALL-THREE has three causes.
    assert (result.numerator, result.denominator, result.status) == (3, 30, Status.BREACH)
    assert causes(result, "defect") == {
        "no response within 48 h": ["ALL-THREE", "SLOW-A", "SLOW-B"],
        "buyer said not resolved": ["ALL-THREE"],
        "rejected while in policy": ["ALL-THREE"],
    }
    assert causes(result, "reason") == {"DEFECTIVE": ["SLOW-A", "SLOW-B"], "NOT_AS_DESCRIBED": ["ALL-THREE"]}


def test_window_edges(scenario: Scenario, context_for: ContextFor) -> None:
    answered = "2026-10-25T01:00:00+00:00"
    # D-30: in; D-31: out.
    scenario.return_request("FIRST", "2026-10-25T00:00:00+00:00", responded=answered, buyer_resolved=False)
    scenario.return_request("BEFORE", "2026-10-24T23:59:59+00:00", responded=answered, buyer_resolved=False)
    scenario.return_request("LAST", "2026-11-23T23:59:59+00:00")  # D-1, 1 s old: in, not yet dissatisfying
    scenario.return_request("TODAY", "2026-11-24T00:00:00+00:00", buyer_resolved=False)  # at the instant: out
    result = result_for(context_for)
    assert (result.numerator, result.denominator) == (1, 2)  # FIRST, of FIRST and LAST
    assert (result.window.start, result.window.end) == (date(2026, 10, 25), date(2026, 11, 23))  # type: ignore[union-attr]
    assert result.low_volume
    # return_window_days = 60: [2026-09-25, 2026-11-23] takes BEFORE in.
    wider = result_for(context_for, return_window_days=60)
    assert (wider.numerator, wider.denominator) == (2, 3)


def test_outlook_as_dissatisfying_requests_leave(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.return_request("OLD", "2026-10-25T10:00:00+00:00", buyer_resolved=False)
    satisfied(scenario, 9)
    result = result_for(context_for)
    assert result.outlook is not None
    # OLD (25 Oct, the window's first day) leaves on 25 Nov: 0 of 9, back under 10% that day.
    assert result.outlook.leaves == [(date(2026, 11, 25), 1)]
    tomorrow = result.outlook.days[0]
    assert (tomorrow.numerator, tomorrow.denominator) == (0, 9)
    assert result.outlook.recovers_on == date(2026, 11, 25)


def test_estimate_from_the_returns_report_alone(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.seller_return("R-REJ", "2026-11-10", request_status="Rejected", in_policy=True, reason="NO_LONGER_NEEDED")
    scenario.seller_return("R-RES", "2026-11-10", request_status="Closed", resolution="Rejected", in_policy=True)
    scenario.seller_return("R-OUT", "2026-11-10", request_status="Rejected", in_policy=False)
    scenario.seller_return("R-OK", "2026-11-10", request_status="Approved")
    scenario.seller_return("R-EDGE", "2026-10-25", request_status="Approved")  # D-30: in
    scenario.seller_return("R-OLD", "2026-10-24", request_status="Rejected")  # D-31: out
    scenario.seller_return("R-TODAY", "2026-11-24", request_status="Rejected")  # the as-of day: out
    result = result_for(context_for)
    # R-REJ and R-RES of R-REJ, R-RES, R-OUT, R-OK, R-EDGE: 2 / 5 = 40%.
    assert (result.numerator, result.denominator, result.status) == (2, 5, Status.BREACH)
    assert result.basis is Basis.ESTIMATE
    assert "return-requests template" in (result.basis_note or "")
    assert causes(result, "reason") == {"DEFECTIVE": ["R-RES"], "NO_LONGER_NEEDED": ["R-REJ"]}
    assert "awaiting_response" not in result.extra


def test_the_template_decides_when_both_exist(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.seller_return("R-REJ", "2026-11-10", request_status="Rejected", in_policy=True)
    scenario.return_request("T-1", "2026-11-10T10:00:00+00:00", responded="2026-11-10T11:00:00+00:00")
    result = result_for(context_for)
    assert (result.numerator, result.denominator, result.basis) == (0, 1, Basis.EXACT)


def test_no_returns_data_is_no_data_naming_the_template(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("111-1", "2026-11-01T10:00:00+00:00")
    result = result_for(context_for)
    assert (result.status, result.value, result.basis) == (Status.NO_DATA, None, Basis.NO_DATA)
    assert "return-requests template" in (result.basis_note or "")
