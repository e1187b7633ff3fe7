"""The clock as it runs: ticks at chosen instants against the fake Slack Web API, asserting on what
Slack received: digests on time across a DST change, alerts on crossing and recovery only, snoozes,
buyer-message reminders, restarts and two clocks at once."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.alerting import crossings
from bot.blocks import ids
from bot.clock import ClockLock
from bot.runtime import Runtime
from bot.slack_clients import Clients
from bot.tick import tick
from metrics.engine import compute_all
from metrics.snapshots import snapshot_rows
from storage import models
from storage.alerts import save_state
from storage.outbox import PENDING_CUTOFF, claim
from storage.queries import SnapshotRow, replace_snapshot
from storage.team import set_digest, set_owner
from tests.bot.fakeslack import FakeSlack
from tests.bot.served import serve, slack_settings
from tests.bot.test_slack_app import _ingest, _text_of
from tests.metrics.scenario import Scenario


@dataclass
class Clock:
    """The instant the runtime reads; tests move it."""

    at: datetime

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))


@pytest.fixture
def runtime(
    fake: FakeSlack, engine: Engine, sessions: sessionmaker[Session], database_url: str, clock: Clock
) -> Runtime:
    return Runtime(settings=slack_settings(fake, database_url), engine=engine, sessions=sessions, now=clock)


def run(runtime: Runtime, clock: Clock, at: str) -> None:
    clock.at = datetime.fromisoformat(at).astimezone(UTC)
    report = tick(runtime, clock.at, Clients(runtime))
    assert not report.errors, report.errors


def posts(fake: FakeSlack, channel: str | None = None) -> list[dict[str, Any]]:
    return [m for m in fake.messages() if channel is None or m.get("channel") == channel]


def digests(fake: FakeSlack, channel: str | None = None) -> list[dict[str, Any]]:
    """The digests among the posts (alerts without an owner, and stale-data notices, go to the channel too)."""
    return [m for m in posts(fake, channel) if "digest" in str(m.get("text", "")).lower()]


def subscribe(sessions: sessionmaker[Session], account: models.Account, channel: str = "CDIGEST", **kw: Any) -> None:
    with sessions.begin() as session:
        set_digest(
            session=session,
            workspace_id=account.workspace_id,
            channel_id=channel,
            account_id=account.id,
            at=kw.get("at", "08:00"),
            timezone=kw.get("timezone", "Europe/Berlin"),
            days=kw.get("days", "daily"),
            set_by="U1",
            now=datetime(2026, 10, 1, tzinfo=UTC),
        )


@pytest.fixture
def demo_account(sessions: sessionmaker[Session], account: models.Account, tmp_path: Path) -> models.Account:
    from storage.demo.generate import write_demo_data

    _ingest(sessions, account, write_demo_data(tmp_path / "demo", orders=300, seed=5, as_of=date(2026, 11, 24)))
    return account


# --- digests ----------------------------------------------------------------------------------------


def test_digest_goes_at_local_time_once_across_a_dst_change(
    runtime: Runtime, clock: Clock, fake: FakeSlack, sessions: sessionmaker[Session], demo_account: models.Account
) -> None:
    subscribe(sessions, demo_account)
    # Summer time (CEST, UTC+2): 08:00 in Berlin is 06:00 UTC.
    run(runtime, clock, "2026-10-24T05:59:00+00:00")
    assert digests(fake, "CDIGEST") == []
    run(runtime, clock, "2026-10-24T06:00:00+00:00")
    first = digests(fake, "CDIGEST")
    assert len(first) == 1 and "digest" in _text_of(first[0]).lower()
    run(runtime, clock, "2026-10-24T06:01:00+00:00")
    assert len(digests(fake, "CDIGEST")) == 1  # once per local day
    # Winter time from 25 October (CET, UTC+1): 08:00 in Berlin is 07:00 UTC.
    run(runtime, clock, "2026-10-26T06:30:00+00:00")
    assert len(digests(fake, "CDIGEST")) == 1
    run(runtime, clock, "2026-10-26T07:00:00+00:00")
    assert len(digests(fake, "CDIGEST")) == 2


def test_the_digest_carries_the_worst_metrics_chart_in_its_thread(
    runtime: Runtime, clock: Clock, fake: FakeSlack, sessions: sessionmaker[Session], demo_account: models.Account
) -> None:
    subscribe(sessions, demo_account, timezone="UTC")
    run(runtime, clock, "2026-11-24T08:00:00+00:00")
    digest_call = next(c for c in fake.calls_to("chat.postMessage") if "digest" in str(c.params.get("text")).lower())
    assert isinstance(digest_call.response, dict)
    completed = fake.wait_for("files.completeUploadExternal")[0]
    assert completed.params.get("thread_ts") == digest_call.response["ts"]
    assert completed.params.get("channel_id") == "CDIGEST"


def test_a_clock_down_at_eight_sends_that_mornings_digest_within_the_grace_only(
    runtime: Runtime, clock: Clock, fake: FakeSlack, sessions: sessionmaker[Session], demo_account: models.Account
) -> None:
    subscribe(sessions, demo_account, timezone="UTC", days="mon-fri")
    run(runtime, clock, "2026-11-24T09:30:00+00:00")  # a Tuesday, 1 h 30 late
    assert len(digests(fake, "CDIGEST")) == 1
    run(runtime, clock, "2026-11-25T11:01:00+00:00")  # Wednesday, more than 3 h late: that one is lost
    assert len(digests(fake, "CDIGEST")) == 1
    run(runtime, clock, "2026-11-28T08:05:00+00:00")  # Saturday: not a digest day
    assert len(digests(fake, "CDIGEST")) == 1


def test_tick_twice_for_the_same_instant_posts_nothing_new(
    runtime: Runtime, clock: Clock, fake: FakeSlack, sessions: sessionmaker[Session], demo_account: models.Account
) -> None:
    subscribe(sessions, demo_account, timezone="UTC")
    run(runtime, clock, "2026-11-24T08:10:00+00:00")
    before = len(fake.calls)
    run(runtime, clock, "2026-11-24T08:10:00+00:00")
    assert [c.path for c in fake.calls[before:]] == []


def test_a_digest_claimed_by_a_process_that_died_is_posted_once_by_the_sweeper(
    runtime: Runtime, clock: Clock, fake: FakeSlack, sessions: sessionmaker[Session], demo_account: models.Account
) -> None:
    subscribe(sessions, demo_account, timezone="UTC")
    # The earlier process claimed the digest at 08:00 and died before posting it.
    with sessions.begin() as session:
        claim(
            session=session,
            kind="digest",
            workspace_id=demo_account.workspace_id,
            target="CDIGEST",
            period="2026-11-24",
            payload={"direct": False, "message": {"text": "Morning digest (claimed before the crash)"}},
            now=datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        )
    run(runtime, clock, "2026-11-24T08:05:00+00:00")
    assert digests(fake, "CDIGEST") == []  # maybe still being posted: not reposted blindly
    run(runtime, clock, (datetime(2026, 11, 24, 8, 1, tzinfo=UTC) + PENDING_CUTOFF).isoformat())
    assert len(digests(fake, "CDIGEST")) == 1
    run(runtime, clock, "2026-11-24T09:00:00+00:00")
    assert len(digests(fake, "CDIGEST")) == 1


def test_two_clocks_at_the_same_instant_post_each_message_once(
    runtime: Runtime, clock: Clock, fake: FakeSlack, sessions: sessionmaker[Session], demo_account: models.Account
) -> None:
    for channel in ("C1", "C2", "C3"):
        subscribe(sessions, demo_account, channel=channel, timezone="UTC")
    clock.at = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    tick(runtime, clock.at, Clients(runtime))  # the day's figures exist: both clocks race on the posts only
    fake.calls.clear()
    for channel in ("C4", "C5"):
        subscribe(sessions, demo_account, channel=channel, timezone="UTC", at="08:01")
    clock.at = datetime(2026, 11, 24, 8, 1, tzinfo=UTC)
    threads = [threading.Thread(target=tick, args=(runtime, clock.at, Clients(runtime))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(m["channel"] for m in digests(fake)) == ["C4", "C5"]
    assert len(posts(fake)) == 2  # nothing else was due: the alerts went out at the first tick


def test_a_second_clock_on_postgresql_stays_idle(runtime: Runtime) -> None:
    first, second = ClockLock(runtime), ClockLock(runtime)
    try:
        assert first.acquire()
        if runtime.engine.dialect.name == "postgresql":
            assert not second.acquire()
            first.release()
            assert second.acquire()
        else:
            assert not first.needed  # SQLite: one process by design, the keys alone prevent doubles
    finally:
        first.release()
        second.release()


# --- alerts -----------------------------------------------------------------------------------------


def _figure(status: str, value: float, *, low_volume: bool = False) -> dict[str, Any]:
    return {
        "id": "odr",
        "scope": "mfn",
        "window_days": None,
        "status": status,
        "value": value,
        "target": 0.01,
        "condition": "<",
        "low_volume": low_volume,
    }


def test_crossings_alert_on_breach_and_recovery_only_never_on_a_flapping_value() -> None:
    states: dict[Any, Any] = {}
    told: list[str] = []
    day = date(2026, 11, 1)
    for status, value in [
        ("ok", 0.005),
        ("breach", 0.0101),
        ("warning", 0.0099),  # back under the target but inside the warning band: still in breach
        ("breach", 0.0102),
        ("warning", 0.0098),
        ("ok", 0.006),  # out of the band: recovered
        ("ok", 0.006),
    ]:
        found, new = crossings([_figure(status, value)], states, day, renotify_days=3, margin=None)
        told += [c.kind for c in found]
        for key, (state, since) in new.items():
            notified = day if any(c.kind in ("breach", "still_breach") for c in found) else None
            states[key] = models.AlertState(
                state=state, since=since, notified_on=notified or getattr(states.get(key), "notified_on", None)
            )
        day += timedelta(days=1)
    assert told == ["breach", "still_breach", "recovered"]  # the reminder after three days in breach


def test_low_volume_breaches_are_not_alerts() -> None:
    found, _ = crossings([_figure("breach", 0.5, low_volume=True)], {}, date(2026, 11, 1), 3, None)
    assert found == []


def _store_figures(
    sessions: sessionmaker[Session], account: models.Account, day: date, odr_mfn: tuple[str, float]
) -> None:
    """The day's stored figures: the demo's, with ODR (MFN) set to the given status and value."""
    with sessions.begin() as session:
        stored = session.get(models.Account, account.id)
        assert stored is not None
        results = compute_all(session=session, account=stored, as_of=date(2026, 11, 24))
        rows = []
        for row in snapshot_rows(results):
            result = dict(row.result)
            if (row.metric_id, row.scope) == ("odr", "mfn"):
                result.update(status=odr_mfn[0], value=odr_mfn[1], low_volume=False)
            else:
                result.update(status="ok")
            rows.append(
                SnapshotRow(
                    row.metric_id,
                    row.scope,
                    row.window_days,
                    result["value"],
                    row.numerator,
                    row.denominator,
                    result["status"],
                    row.basis,
                    result,
                )
            )
        replace_snapshot(
            session=session,
            account_id=account.id,
            as_of=day,
            rows=rows,
            computed_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
        )


def test_the_owner_gets_a_dm_on_crossing_and_on_recovery_and_snooze_is_honoured(
    fake: FakeSlack,
    engine: Engine,
    sessions: sessionmaker[Session],
    database_url: str,
    runtime: Runtime,
    clock: Clock,
    demo_account: models.Account,
) -> None:
    with sessions.begin() as session:
        set_owner(
            session=session, account_id=demo_account.id, metric_id="odr", user_id="U0OWNER", set_by="U1", now=clock.at
        )
        save_state(
            session=session,
            account_id=demo_account.id,
            key=("odr", "mfn", 0),
            state="ok",
            since=date(2026, 11, 1),
            notified_on=None,
        )
    for day, figure in [
        (date(2026, 11, 24), ("breach", 0.0125)),
        (date(2026, 11, 25), ("warning", 0.0095)),
        (date(2026, 11, 26), ("breach", 0.0110)),
        (date(2026, 11, 27), ("breach", 0.0110)),
        (date(2026, 11, 30), ("breach", 0.0110)),
        (date(2026, 12, 1), ("ok", 0.004)),
    ]:
        _store_figures(sessions, demo_account, day, figure)
    run(runtime, clock, "2026-11-24T09:00:00+00:00")
    dms = [m for m in posts(fake) if m["channel"] == "DU0OWNER"]
    assert len(dms) == 1 and "over target" in _text_of(dms[0])
    assert fake.calls_to("conversations.open")[0].params["users"] == "U0OWNER"
    buttons = [e for b in dms[0]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {b["action_id"] for b in buttons} == {ids.SNOOZE_DAY, ids.SNOOZE_MONDAY, ids.MUTE}
    # The owner snoozes it until Monday (30 Nov) from the DM's button.
    with serve(fake, engine, sessions, database_url, runtime.now) as app:
        url = fake.response_url("snooze")
        value = next(b["value"] for b in buttons if b["action_id"] == ids.SNOOZE_MONDAY)
        app.sender.action(ids.SNOOZE_MONDAY, value, response_url=url)
        fake.wait_for(url)
    assert fake.responses("snooze")[0]["replace_original"] is True
    run(runtime, clock, "2026-11-25T09:00:00+00:00")  # inside the band: no flapping alert
    run(runtime, clock, "2026-11-26T09:00:00+00:00")
    run(runtime, clock, "2026-11-27T09:00:00+00:00")  # three days in breach: a reminder is due, but snoozed
    assert len([m for m in posts(fake) if m["channel"] == "DU0OWNER"]) == 1
    run(runtime, clock, "2026-11-30T17:00:00+00:00")  # the snooze ended at 08:00 Monday (Los Angeles)
    # (The owner also hears that no All Orders export came for 6 days: not an alert.)
    dms = [m for m in posts(fake) if m["channel"] == "DU0OWNER" and "Order Defect Rate" in m["text"]]
    assert len(dms) == 2 and "over target" in _text_of(dms[1]), [d["text"] for d in dms]
    run(runtime, clock, "2026-12-01T09:00:00+00:00")  # recovered
    dms = [m for m in posts(fake) if m["channel"] == "DU0OWNER" and "Order Defect Rate" in m["text"]]
    assert len(dms) == 3 and "back on target" in _text_of(dms[2])


# --- the buyer-message clock ------------------------------------------------------------------------


def test_reminders_at_six_and_two_hours_and_none_after_replied(
    fake: FakeSlack,
    engine: Engine,
    sessions: sessionmaker[Session],
    database_url: str,
    runtime: Runtime,
    clock: Clock,
    account: models.Account,
) -> None:
    with sessions.begin() as session:
        set_owner(
            session=session,
            account_id=account.id,
            metric_id="contact_response",
            user_id="U0CS",
            set_by="U1",
            now=clock.at,
        )
        stored = session.get(models.Account, account.id)
        assert stored is not None
        Scenario(session, stored).message(
            "M1", "2026-11-24T10:00:00+00:00", order_id="111-1", subject="Where is <!channel> my order?"
        ).message("M2", "2026-11-24T10:00:00+00:00", order_id="111-2", assignee="U0AGENT")
    run(runtime, clock, "2026-11-25T03:00:00+00:00")  # 7 h left: nothing yet
    assert posts(fake) == []
    run(runtime, clock, "2026-11-25T04:00:00+00:00")  # 6 h left: one each
    assert sorted(m["channel"] for m in posts(fake)) == ["DU0AGENT", "DU0CS"]
    agent = next(m for m in posts(fake) if m["channel"] == "DU0AGENT")
    assert "U0AGENT" in _text_of(agent)
    run(runtime, clock, "2026-11-25T05:00:00+00:00")
    assert len(posts(fake)) == 2
    # The agent answered M2 and says so from the reminder.
    replied = next(
        e["value"]
        for b in agent["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ids.REPLIED
    )
    with serve(fake, engine, sessions, database_url, runtime.now) as app:
        app.sender.action(ids.REPLIED, replied, user_id="U0AGENT", response_url=fake.response_url("replied"))
        fake.wait_for(fake.response_url("replied"))
    run(runtime, clock, "2026-11-25T08:00:00+00:00")  # 2 h left: M1 only
    assert sorted(m["channel"] for m in posts(fake)) == ["DU0AGENT", "DU0CS", "DU0CS"]
    run(runtime, clock, "2026-11-25T10:30:00+00:00")  # deadline passed: an overdue note for M1
    last = posts(fake)[-1]
    assert last["channel"] == "DU0CS" and "deadline passed" in _text_of(last)
    assert "<!channel>" not in _text_of(last)


def test_healthbot_tick_at_an_instant_twice_posts_once(
    fake: FakeSlack,
    database_url: str,
    sessions: sessionmaker[Session],
    demo_account: models.Account,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main

    subscribe(sessions, demo_account, timezone="UTC")
    for name, value in {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": fake.token,
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": fake.api_url,
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["tick", "--at", "2026-11-24T08:00:00+00:00"]) == 0
    assert "1 digest(s)" in capsys.readouterr().out
    assert main(["tick", "--at", "2026-11-24T08:00:00+00:00"]) == 0
    out = capsys.readouterr().out
    assert "0 digest(s)" in out and "0 alert(s)" in out
    assert len(digests(fake, "CDIGEST")) == 1
