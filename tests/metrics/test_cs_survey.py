"""metrics.md 2: Customer Service Dissatisfaction Rate. Expected numbers are worked out in the comments.

As of 2026-11-24 (instant 00:00 UTC) the window holds answers of 2026-10-25 (D-30) to 2026-11-23 (D-1).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.ingesting import ingest_one
from metrics import cs_survey
from metrics.context import MetricContext
from metrics.result import Basis, MetricResult, Status
from storage import models
from storage.settings import StorageSettings
from tests.metrics.conftest import ContextFor
from tests.metrics.scenario import Scenario

AS_OF = "2026-11-24"


def result_for(context_for: ContextFor, as_of: str = AS_OF, **settings: int) -> MetricResult:
    (result,) = cs_survey.compute(context_for(as_of, **settings))
    assert (result.id, result.scope) == ("cs_dissatisfaction_rate", "all")
    return result


def answers(scenario: Scenario, yes: int, no: int, at: str = "2026-11-10T10:00:00+00:00") -> None:
    start = datetime.fromisoformat(at)
    for i in range(yes + no):
        scenario.survey(f"{'NO' if i < no else 'YES'}-{at[:10]}-{i}", start + timedelta(minutes=i), solved=i >= no)


def test_no_answers_over_answers_status_and_budget(scenario: Scenario, context_for: ContextFor) -> None:
    answers(scenario, yes=18, no=2)
    result = result_for(context_for)
    # 2 / 20 = 10%: ok (below 0.8 x 25% = 20%); 4 / 20 = 20% would still pass, 5 / 20 = 25% breaches.
    assert (result.numerator, result.denominator, result.status) == (2, 20, Status.OK)
    assert result.budget.defects_until_breach == 2  # type: ignore[union-attr]
    assert (result.basis, result.low_volume) == (Basis.EXACT, False)
    answers(scenario, yes=0, no=2, at="2026-11-11T10:00:00+00:00")
    below = result_for(context_for)
    assert (below.numerator, below.denominator, below.status) == (4, 22, Status.OK)  # 18.2% < 20%
    answers(scenario, yes=0, no=1, at="2026-11-12T10:00:00+00:00")
    warned = result_for(context_for)
    assert (warned.numerator, warned.denominator, warned.status) == (5, 23, Status.WARNING)  # 21.7%
    # Newest "No" first as examples.
    assert [(c.kind, c.label, c.count) for c in warned.causes] == [("answer", 'answered "No"', 5)]
    assert warned.causes[0].orders == ["NO-2026-11-12-0", "NO-2026-11-11-1", "NO-2026-11-11-0"]


def test_window_edges_and_the_instant(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.survey("FIRST", "2026-10-25T00:00:00+00:00", solved=False)  # D-30: in
    scenario.survey("BEFORE", "2026-10-24T23:59:59+00:00", solved=False)  # D-31: out
    scenario.survey("LAST", "2026-11-23T23:59:59+00:00", solved=True)  # D-1: in
    scenario.survey("TODAY", "2026-11-24T00:00:00+00:00", solved=False)  # at the instant: out
    # 24 Oct 18:00 in Los Angeles is 25 Oct 01:00 UTC: inside.
    scenario.survey("LOCAL", "2026-10-24T18:00:00-07:00", solved=True)
    result = result_for(context_for)
    assert (result.numerator, result.denominator) == (1, 3)  # FIRST, of FIRST, LAST, LOCAL
    assert (result.window.start, result.window.end) == (date(2026, 10, 25), date(2026, 11, 23))  # type: ignore[union-attr]
    assert result.low_volume
    # cs_window_days = 7: [2026-11-17, 2026-11-23] holds LAST only.
    week = result_for(context_for, cs_window_days=7)
    assert (week.numerator, week.denominator) == (0, 1)


def test_outlook_as_no_answers_leave(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.survey("OLD-NO", "2026-10-25T10:00:00+00:00", solved=False)
    scenario.survey("OLD-NO-2", "2026-10-25T11:00:00+00:00", solved=False)
    answers(scenario, yes=6, no=0)
    result = result_for(context_for)
    assert result.status is Status.BREACH  # 2 / 8 = 25%: not below 25%
    assert result.outlook is not None
    # Both "No" answers of 25 Oct leave on 25 Nov: 0 / 6, back on target that day.
    assert result.outlook.leaves == [(date(2026, 11, 25), 2)]
    assert result.outlook.recovers_on == date(2026, 11, 25)


def test_no_survey_is_no_data_naming_the_template(scenario: Scenario, context_for: ContextFor) -> None:
    scenario.order("111-1", "2026-11-01T10:00:00+00:00")
    result = result_for(context_for)
    assert (result.status, result.value, result.basis) == (Status.NO_DATA, None, Basis.NO_DATA)
    assert "cs-survey template" in (result.basis_note or "")


def _ingest(sessions: sessionmaker[Session], account: models.Account, path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(["order-id,answered-at,solved", *lines]) + "\n")
    ingest_one(
        sessions=sessions,
        settings=StorageSettings(),
        account=account,
        path=path,
        uploaded_by="U1",
        source="cli",
        now=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
    )


def _compute(sessions: sessionmaker[Session], account: models.Account) -> MetricResult:
    with sessions.begin() as session:
        stored = session.get(models.Account, account.id)
        assert stored is not None
        ctx = MetricContext.for_account(session=session, account=stored, as_of=date(2026, 11, 24))
        (result,) = cs_survey.compute(ctx)
        return result


def test_the_latest_answer_per_order_counts(
    tmp_path: Path, sessions: sessionmaker[Session], account: models.Account
) -> None:
    # The buyer first said "No", then "Yes" two days later: one answer, "Yes".
    _ingest(sessions, account, tmp_path / "a.csv", ["111-1,2026-11-10T10:00:00Z,N", "222-2,2026-11-10T10:00:00Z,Y"])
    first = _compute(sessions, account)
    assert (first.numerator, first.denominator) == (1, 2)
    _ingest(sessions, account, tmp_path / "b.csv", ["111-1,2026-11-12T10:00:00Z,Y"])
    latest = _compute(sessions, account)
    assert (latest.numerator, latest.denominator) == (0, 2)
    # An older export uploaded afterwards does not bring the "No" back.
    _ingest(sessions, account, tmp_path / "c.csv", ["111-1,2026-11-10T10:00:00Z,N"])
    again = _compute(sessions, account)
    assert (again.numerator, again.denominator) == (0, 2)
