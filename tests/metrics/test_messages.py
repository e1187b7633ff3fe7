"""metrics.md 3.6: Contact Response Time. Every expected number is worked out by hand in the comments.

As of Tuesday 2026-11-24 the evaluation instant is 2026-11-24 00:00 UTC; the windows hold messages
received [2026-08-26, 2026-11-23] (90 days), [2026-10-25, 2026-11-23] (30) and [2026-11-17,
2026-11-23] (7). The account is in Los Angeles (UTC-8 in November).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from metrics import messages
from metrics.result import Basis, MetricResult, Status
from tests.metrics.conftest import ContextFor
from tests.metrics.scenario import Scenario

AS_OF = "2026-11-24"


def by_days(results: list[MetricResult]) -> dict[int, MetricResult]:
    assert [r.window_days for r in results] == [90, 30, 7]  # the headline first
    return {r.window_days: r for r in results if r.window_days is not None}


def counts(result: MetricResult) -> tuple[int | None, int | None]:
    return result.numerator, result.denominator


def causes(result: MetricResult, kind: str) -> dict[str, list[str]]:
    return {c.label: c.orders for c in result.causes if c.kind == kind}


def on_time(scenario: Scenario, count: int, received: str = "2026-11-18T10:00:00+00:00", **kw: str) -> None:
    """`count` messages answered one hour after they came in."""
    at = datetime.fromisoformat(received)
    for i in range(count):
        scenario.message(f"OK-{received[:10]}-{i}", at, replied=at + timedelta(hours=1), **kw)  # type: ignore[arg-type]


def test_a_reply_after_30_hours_over_a_weekend_is_late(scenario: Scenario, context_for: ContextFor) -> None:
    # Friday 18:00 in Los Angeles to Sunday 00:00 there: 30 hours; the weekend is not paused.
    scenario.message("FRI", "2026-11-20T18:00:00-08:00", replied="2026-11-22T00:00:00-08:00")
    # Saturday 09:00 to Sunday 08:59: 23 h 59 min, on time although nobody works on weekends.
    scenario.message("SAT", "2026-11-21T09:00:00-08:00", replied="2026-11-22T08:59:00-08:00")
    week = by_days(messages.compute(context_for(AS_OF)))[7]
    assert counts(week) == (1, 2)  # SAT on time, of FRI and SAT
    assert week.value == 0.5 and week.status is Status.BREACH
    assert causes(week, "defect") == {"answered late": ["FRI"]}
    # (30 h + 23 h 59 min) / 2 = 53.9833 / 2 = 26.99 h
    assert week.extra["average_response_hours"] == 26.99


def test_exactly_24_hours_is_on_time_a_second_more_is_late(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.message("ON", "2026-11-18T08:00:00+00:00", replied="2026-11-19T08:00:00+00:00")  # 24 h 00 min 00 s
    scenario.message("OVER", "2026-11-18T09:00:00+00:00", replied="2026-11-19T09:00:01+00:00")  # 24 h 00 min 01 s
    # Across the end of daylight saving time (1 Nov): 18:00 PDT to 17:30 PST is 24.5 elapsed hours,
    # though the local clocks differ by 23.5: the hours that passed decide.
    scenario.message("DST", "2026-10-31T18:00:00-07:00", replied="2026-11-01T17:30:00-08:00")
    results = by_days(messages.compute(context_for(AS_OF)))
    assert counts(results[7]) == (1, 2)  # ON of ON and OVER
    assert counts(results[30]) == (1, 3)  # DST is late too
    assert causes(results[30], "defect") == {"answered late": ["DST", "OVER"]}


def test_an_auto_reply_is_not_a_reply(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.message("AUTO-OLD", "2026-11-18T10:00:00+00:00", replied="2026-11-18T10:01:00+00:00", auto_reply=True)
    scenario.message("AUTO-NEW", "2026-11-23T20:00:00+00:00", replied="2026-11-23T20:01:00+00:00", auto_reply=True)
    scenario.message("HUMAN", "2026-11-18T10:00:00+00:00", replied="2026-11-18T11:00:00+00:00")
    results = by_days(messages.compute(context_for(AS_OF)))
    week = results[7]
    # AUTO-OLD is unanswered after 6 days: late; AUTO-NEW is 4 h old and unanswered: pending.
    assert counts(week) == (1, 2)
    assert causes(week, "defect") == {"unanswered": ["AUTO-OLD"]}
    assert week.extra["average_response_hours"] == 1.0  # HUMAN only: auto-replies are no response time
    assert [p["message_id"] for p in results[90].extra["pending_messages"]] == ["AUTO-NEW"]


def test_pending_messages_are_not_counted_and_listed_with_their_deadline(
    scenario: Scenario, context_for: ContextFor
) -> None:
    scenario.message(
        "P10", "2026-11-23T10:00:00+00:00", order_id="111-1", assignee="ana", subject="Where is my package?"
    )
    scenario.message("P20", "2026-11-23T20:30:00+00:00")
    scenario.message("P0", "2026-11-23T00:00:00+00:00")  # exactly 24 h old: a reply now would still be on time
    scenario.message("LATE", "2026-11-22T23:59:59+00:00")  # 24 h 00 min 01 s old, unanswered: late
    ctx = context_for(AS_OF)
    results = by_days(messages.compute(ctx))
    assert counts(results[7]) == (0, 1)  # only LATE counts; the three pending ones wait
    headline = results[90]
    assert headline.extra["pending"] == 3
    assert headline.extra["pending_messages"] == [
        {
            "message_id": "P0",
            "order_id": None,
            "received_at": "2026-11-23T00:00:00+00:00",
            "deadline": "2026-11-24T00:00:00+00:00",
            "hours_left": 0.0,
            "assignee": None,
            "subject": None,
        },
        {
            "message_id": "P10",
            "order_id": "111-1",
            "received_at": "2026-11-23T10:00:00+00:00",
            "deadline": "2026-11-24T10:00:00+00:00",
            "hours_left": 10.0,  # 10:00 minus the 00:00 instant
            "assignee": "ana",
            "subject": "Where is my package?",
        },
        {
            "message_id": "P20",
            "order_id": None,
            "received_at": "2026-11-23T20:30:00+00:00",
            "deadline": "2026-11-24T20:30:00+00:00",
            "hours_left": 20.5,
            "assignee": None,
            "subject": None,
        },
    ]
    assert "pending" not in results[30].extra and "pending" not in results[7].extra
    pending = messages.pending_messages(ctx)
    assert [(p.message_id, p.deadline, p.hours_left) for p in pending] == [
        ("P0", datetime(2026, 11, 24, 0, 0, tzinfo=UTC), 0.0),
        ("P10", datetime(2026, 11, 24, 10, 0, tzinfo=UTC), 10.0),
        ("P20", datetime(2026, 11, 24, 20, 30, tzinfo=UTC), 20.5),
    ]
    # A day later all four are more than 24 h old and unanswered: 0 of 4.
    tomorrow = by_days(messages.compute(context_for("2026-11-25")))
    assert counts(tomorrow[7]) == (0, 4)
    assert tomorrow[90].extra["pending"] == 0


def test_only_a_pending_message_is_nothing_to_count_yet_but_listed(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.message("NEW", "2026-11-23T18:00:00+00:00")
    headline = by_days(messages.compute(context_for(AS_OF)))[90]
    assert headline.status is Status.NO_DATA and headline.denominator is None
    assert headline.extra["pending"] == 1 and headline.extra["pending_messages"][0]["hours_left"] == 18.0


def test_no_response_needed_is_left_out(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.message("FYI-OLD", "2026-11-18T10:00:00+00:00", no_response_needed=True)  # would be late
    scenario.message("FYI-NEW", "2026-11-23T22:00:00+00:00", no_response_needed=True)  # would be pending
    scenario.message(
        "FYI-ANSWERED", "2026-11-18T10:00:00+00:00", replied="2026-11-20T12:00:00+00:00", no_response_needed=True
    )
    scenario.message("REAL", "2026-11-18T10:00:00+00:00", replied="2026-11-18T12:00:00+00:00")
    results = by_days(messages.compute(context_for(AS_OF)))
    assert counts(results[7]) == (1, 1)
    assert results[7].extra["average_response_hours"] == 2.0  # FYI-ANSWERED's 50 h are not averaged
    assert results[90].extra["pending"] == 0


def test_replies_after_the_evaluation_instant_are_ignored(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.message("SLOW", "2026-11-20T10:00:00+00:00", replied="2026-11-24T00:00:00+00:00")  # at the instant
    scenario.message("QUICK", "2026-11-23T10:00:00+00:00", replied="2026-11-24T05:00:00+00:00")  # 19 h
    today = by_days(messages.compute(context_for(AS_OF)))
    # At 00:00 UTC on the 24th neither reply existed: SLOW is late and unanswered, QUICK pending.
    assert counts(today[7]) == (0, 1)
    assert causes(today[7], "defect") == {"unanswered": ["SLOW"]}
    assert today[7].extra["average_response_hours"] is None
    assert today[90].extra["pending"] == 1
    # As of the 25th both replies count: QUICK on time, SLOW late after 86 h; (86 + 19) / 2 = 52.5 h.
    tomorrow = by_days(messages.compute(context_for("2026-11-25")))
    assert counts(tomorrow[7]) == (1, 2)
    assert causes(tomorrow[7], "defect") == {"answered late": ["SLOW"]}
    assert tomorrow[7].extra["average_response_hours"] == 52.5


def test_the_90_30_and_7_day_windows(scenario: Scenario, context_for: ContextFor) -> None:
    def answered(message_id: str, received: str, hours: int = 1) -> None:
        at = datetime.fromisoformat(received)
        scenario.message(message_id, at, replied=at + timedelta(hours=hours))

    answered("OUT90", "2026-08-25T23:59:59+00:00")  # D-91: in no window
    answered("IN90-FIRST", "2026-08-26T00:00:00+00:00")  # D-90
    answered("ONLY90", "2026-10-24T23:59:59+00:00", hours=25)  # D-31, late
    answered("IN30-FIRST", "2026-10-25T00:00:00+00:00")  # D-30
    answered("ONLY30", "2026-11-16T23:59:59+00:00", hours=25)  # D-8, late
    answered("IN7-FIRST", "2026-11-17T00:00:00+00:00")  # D-7
    # 16 Nov 17:00 in Los Angeles is 17 Nov 01:00 UTC: a UTC day, so inside the 7 days.
    answered("LOCAL", "2026-11-16T17:00:00-08:00")
    answered("LAST", "2026-11-23T22:00:00+00:00")  # 2 h old, answered: counts already
    results = by_days(messages.compute(context_for(AS_OF)))
    # 90: IN90-FIRST, ONLY90, IN30-FIRST, ONLY30, IN7-FIRST, LOCAL, LAST = 7, of which 2 late.
    assert counts(results[90]) == (5, 7)
    # 30: IN30-FIRST, ONLY30, IN7-FIRST, LOCAL, LAST = 5, ONLY30 late.
    assert counts(results[30]) == (4, 5)
    # 7: IN7-FIRST, LOCAL, LAST.
    assert counts(results[7]) == (3, 3)
    windows = {days: (r.window.start, r.window.end) for days, r in results.items() if r.window}
    assert windows == {
        90: (date(2026, 8, 26), date(2026, 11, 23)),
        30: (date(2026, 10, 25), date(2026, 11, 23)),
        7: (date(2026, 11, 17), date(2026, 11, 23)),
    }
    assert {(r.id, r.scope, r.basis) for r in results.values()} == {("contact_response", "all", Basis.EXACT)}


def test_average_response_hours_per_window(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.message("A", "2026-11-18T10:00:00+00:00", replied="2026-11-18T12:00:00+00:00")  # 2 h
    scenario.message("B", "2026-11-18T10:00:00+00:00", replied="2026-11-19T16:00:00+00:00")  # 30 h
    scenario.message("C", "2026-10-01T10:00:00+00:00", replied="2026-10-01T20:00:00+00:00")  # 10 h
    scenario.message("D", "2026-11-19T10:00:00+00:00")  # unanswered: no response time to average
    results = by_days(messages.compute(context_for(AS_OF)))
    assert results[7].extra["average_response_hours"] == 16.0  # (2 + 30) / 2
    assert results[90].extra["average_response_hours"] == 14.0  # (2 + 30 + 10) / 3


def test_status_budget_and_low_volume(scenario: Scenario, context_for: ContextFor) -> None:
    on_time(scenario, 19)
    scenario.message("LATE-1", "2026-11-19T10:00:00+00:00")
    week = by_days(messages.compute(context_for(AS_OF)))[7]
    # 19 / 20 = 95%: ok (5% late is below 0.8 x 10%); one more late message: 19 / 21 = 90.5%, still
    # passing; a second: 19 / 22 = 86.4%, a breach. So one more late message can be taken.
    assert (week.value, week.status, week.low_volume) == (0.95, Status.OK, False)
    assert (week.budget.defects_until_breach, week.budget.clean_orders_to_recover) == (1, 0)  # type: ignore[union-attr]
    for i in range(2, 4):
        scenario.message(f"LATE-{i}", "2026-11-19T10:00:00+00:00")
    week = by_days(messages.compute(context_for(AS_OF)))[7]
    # 19 / 22 = 86.4%: a breach; x more on-time replies with (19 + x) / (22 + x) >= 0.9 need x >= 8.
    assert (week.numerator, week.denominator, week.status) == (19, 22, Status.BREACH)
    assert week.budget.clean_orders_to_recover == 8  # type: ignore[union-attr]


def test_warning_at_90_percent_and_low_volume(scenario: Scenario, context_for: ContextFor) -> None:
    on_time(scenario, 8)
    scenario.message("LATE", "2026-11-19T10:00:00+00:00")
    week = by_days(messages.compute(context_for(AS_OF)))[7]
    # 8 / 9 = 88.9%: a breach, on 9 messages: low volume (below 10).
    assert (week.status, week.low_volume) == (Status.BREACH, True)
    on_time(scenario, 1, received="2026-11-20T10:00:00+00:00")
    week = by_days(messages.compute(context_for(AS_OF)))[7]
    # 9 / 10 = 90% exactly: passes ">= 90%"; 10% late is more than 0.8 x 10%: a warning.
    assert (week.value, week.status, week.low_volume) == (0.9, Status.WARNING, False)


def test_response_hours_setting(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.message("THIRTEEN", "2026-11-18T10:00:00+00:00", replied="2026-11-18T23:00:00+00:00")  # 13 h
    scenario.message("NEW", "2026-11-23T14:00:00+00:00")
    assert counts(by_days(messages.compute(context_for(AS_OF)))[7]) == (1, 1)
    strict = by_days(messages.compute(context_for(AS_OF, response_hours=12)))
    # Under a 12 h limit 13 h is late; NEW, 10 h old at the instant, is pending with 2 h left.
    assert counts(strict[7]) == (0, 1)
    assert strict[90].extra["pending_messages"][0]["hours_left"] == 2.0


def test_causes_by_assignee_and_subject_and_the_outlook(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.message("L1", "2026-08-26T10:00:00+00:00", assignee="bob", subject="Refund request for damaged item")
    scenario.message(
        "L2",
        "2026-11-01T10:00:00+00:00",
        replied="2026-11-02T16:00:00+00:00",
        assignee="bob",
        subject="Damaged box, refund please",
    )
    scenario.message("L3", "2026-11-02T10:00:00+00:00", subject="Where is my package")
    on_time(scenario, 7, received="2026-11-10T10:00:00+00:00", assignee="ana")
    results = by_days(messages.compute(context_for(AS_OF)))
    headline = results[90]
    # 7 on time of 10: 70%, a breach.
    assert (headline.numerator, headline.denominator, headline.status) == (7, 10, Status.BREACH)
    assert causes(headline, "defect") == {"unanswered": ["L1", "L3"], "answered late": ["L2"]}
    assert causes(headline, "assignee") == {"bob": ["L1", "L2"], "(unassigned)": ["L3"]}
    assert causes(headline, "keyword") == {"damaged": ["L1", "L2"], "refund": ["L1", "L2"]}
    assert causes(results[30], "assignee") == {"bob": ["L2"], "(unassigned)": ["L3"]}  # L1 is older
    # L1 (26 Aug, the first day of the 90) leaves the window on 25 Nov: 7 of 9 then.
    assert headline.outlook is not None
    assert headline.outlook.leaves == [(date(2026, 11, 25), 1)]
    tomorrow = headline.outlook.days[0]
    assert (tomorrow.day, tomorrow.numerator, tomorrow.denominator) == (date(2026, 11, 25), 7, 9)


def test_no_messages_file_is_no_data_naming_the_template(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("111-1", "2026-11-01T10:00:00+00:00")
    results = by_days(messages.compute(context_for(AS_OF)))
    assert {r.status for r in results.values()} == {Status.NO_DATA}
    assert all(r.value is None and r.basis is Basis.NO_DATA for r in results.values())
    assert "buyer-messages template" in (results[90].basis_note or "")
    assert messages.pending_messages(context_for(AS_OF)) == []
