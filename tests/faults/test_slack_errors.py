"""Slack failing under the clock: 429s, 500s, slow answers and refusals, driven through the fake Web API.

Every test ends on the same ledger check: each message healthbot claimed in its outbox is `sent`, and
Slack accepted exactly one post for it, so a lost message and a doubled one both fail.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.runtime import Runtime
from bot.slack_clients import Clients
from bot.tick import TickReport, tick
from storage import models
from storage.outbox import MAX_ATTEMPTS, PENDING_CUTOFF
from tests.bot.fakeslack import Call, FakeSlack
from tests.bot.served import slack_settings
from tests.bot.test_clock import Clock, digests

POST = "chat.postMessage"


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 6, 0, tzinfo=UTC))


@pytest.fixture
def runtime(
    fake: FakeSlack, engine: Engine, sessions: sessionmaker[Session], database_url: str, clock: Clock
) -> Runtime:
    return Runtime(settings=slack_settings(fake, database_url), engine=engine, sessions=sessions, now=clock)


@pytest.fixture
def clients(runtime: Runtime) -> Clients:
    """One set of Web API clients for the test's clock, as the clock process keeps them between ticks."""
    return Clients(runtime)


def run(runtime: Runtime, clock: Clock, clients: Clients, at: str) -> TickReport:
    clock.at = datetime.fromisoformat(at)
    report = tick(runtime, clock.at, clients)
    # A refused post is the outbox's business (marked failed, retried later), never a tick error.
    assert not report.errors, report.errors
    return report


def outbox(sessions: sessionmaker[Session]) -> list[models.OutboundMessage]:
    with sessions.begin() as session:
        rows = list(session.scalars(select(models.OutboundMessage).order_by(models.OutboundMessage.id)))
        session.expunge_all()
    return rows


def _ok(call: Call) -> bool:
    return isinstance(call.response, dict) and call.response.get("ok") is True


def accepted(fake: FakeSlack, method: str = POST) -> list[Call]:
    """The calls of `method` Slack answered with ok: true (for a post, a message in the channel)."""
    return [c for c in fake.calls_to(method) if _ok(c)]


def assert_each_delivered_once(fake: FakeSlack, sessions: sessionmaker[Session]) -> None:
    """Nothing lost, nothing doubled: every claim is sent, and Slack took exactly one post per claim."""
    rows = outbox(sessions)
    assert rows, "nothing was claimed: the test did not exercise the clock"
    assert [(m.kind, m.period, m.status, m.error) for m in rows if m.status != "sent"] == []
    # A chart is a file in its digest's thread; every other claim is one chat.postMessage, whose ts it keeps.
    assert sorted(str((c.response or {})["ts"]) for c in accepted(fake)) == sorted(
        str(m.ts) for m in rows if m.kind != "chart"
    )
    assert len(accepted(fake, "files.completeUploadExternal")) == len([m for m in rows if m.kind == "chart"])


def _posts_since(fake: FakeSlack, mark: int) -> list[Call]:
    return [c for c in fake.calls[mark:] if c.path.endswith(POST)]


# --- retried within the post ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inject", "status", "min_gap"),
    [
        # slack_sdk sleeps Retry-After (plus jitter) before the retry.
        (lambda fake: fake.rate_limit_next(POST, retry_after=1), 429, 1.0),
        # ServerErrorRetryHandler backs off 0.5 s x 2^attempt (plus jitter).
        (lambda fake: fake.server_error_next(POST, status=500), 500, 0.5),
    ],
    ids=["429", "500"],
)
def test_a_refused_post_is_retried_after_a_pause_and_delivered_once(
    runtime: Runtime,
    clock: Clock,
    clients: Clients,
    fake: FakeSlack,
    sessions: sessionmaker[Session],
    subscribed: models.Account,
    inject: Callable[[FakeSlack], None],
    status: int,
    min_gap: float,
) -> None:
    run(runtime, clock, clients, "2026-11-24T07:00:00+00:00")  # the alerts go out: only the digest is left
    mark = len(fake.calls)
    inject(fake)
    run(runtime, clock, clients, "2026-11-24T08:00:00+00:00")
    tries = _posts_since(fake, mark)
    assert [c.status for c in tries] == [status, 200]
    assert tries[0].params == tries[1].params  # the same digest, sent again
    assert tries[1].at - tries[0].at >= min_gap
    assert len(digests(fake, "CDIGEST")) == 1
    assert_each_delivered_once(fake, sessions)


# --- refused beyond the retries: the next tick's sweep ----------------------------------------------


def _server_errors(fake: FakeSlack) -> None:
    for _ in range(3):  # the first try and retry_handlers()'s two retries
        fake.server_error_next(POST, status=500)


def _rate_limited(fake: FakeSlack) -> None:
    for _ in range(3):
        fake.rate_limit_next(POST, retry_after=0)  # 0: the test need not sleep for Slack's real 1 s+


def _refused(fake: FakeSlack) -> None:
    fake.fail_next(POST, "internal_error")  # 200 with ok=false: no retry handler applies


@pytest.mark.parametrize(
    ("at", "kind", "inject", "tries"),
    [
        ("2026-11-24T07:00:00+00:00", "alert", _server_errors, 3),
        ("2026-11-24T08:00:00+00:00", "digest", _rate_limited, 3),
        ("2026-11-24T08:00:00+00:00", "digest", _refused, 1),
    ],
    ids=["alert-500s", "digest-429s", "digest-refused"],
)
def test_a_post_still_refused_after_the_retries_is_marked_failed_and_sent_once_by_the_next_tick(
    runtime: Runtime,
    clock: Clock,
    clients: Clients,
    fake: FakeSlack,
    sessions: sessionmaker[Session],
    subscribed: models.Account,
    at: str,
    kind: str,
    inject: Callable[[FakeSlack], None],
    tries: int,
) -> None:
    if kind == "digest":
        run(runtime, clock, clients, "2026-11-24T07:00:00+00:00")  # the alerts first: the failures hit the digest
    mark = len(fake.calls)
    inject(fake)
    run(runtime, clock, clients, at)
    failed = [m for m in outbox(sessions) if m.status == "failed"]
    assert [(m.kind, m.attempts) for m in failed if m.kind != "chart"] == [(kind, 1)]
    refused = [c for c in _posts_since(fake, mark) if not _ok(c)]
    assert len(refused) == tries
    assert all(c.params == refused[0].params for c in refused)
    not_posted = refused[0].params.get("text")
    assert not_posted not in [c.params.get("text") for c in accepted(fake)]

    later = datetime.fromisoformat(at).replace(minute=1).isoformat()
    assert run(runtime, clock, clients, later).retried >= 1
    assert [c.params.get("text") for c in accepted(fake)].count(not_posted) == 1
    if kind == "digest":
        # The chart waited for its digest (its thread did not exist yet) and went with it.
        digest = next(m for m in outbox(sessions) if m.kind == "digest")
        [upload] = accepted(fake, "files.completeUploadExternal")
        assert upload.params.get("thread_ts") == digest.ts
    assert_each_delivered_once(fake, sessions)
    # Sent is final: later ticks, one past the cutoff for abandoned claims included, post nothing again.
    before = len(accepted(fake))
    run(runtime, clock, clients, "2026-11-24T08:02:00+00:00")
    run(runtime, clock, clients, (datetime.fromisoformat("2026-11-24T08:02:00+00:00") + PENDING_CUTOFF).isoformat())
    assert len(accepted(fake)) == before + (1 if kind == "alert" else 0)  # an alert test's digest went at 08:02
    assert_each_delivered_once(fake, sessions)


def test_a_digest_due_during_a_slack_outage_longer_than_the_sweepers_attempts_is_sent_when_slack_is_back(
    runtime: Runtime,
    clock: Clock,
    clients: Clients,
    fake: FakeSlack,
    sessions: sessionmaker[Session],
    subscribed: models.Account,
) -> None:
    run(runtime, clock, clients, "2026-11-24T07:00:00+00:00")
    fake.start_outage(POST)
    for minute in range(MAX_ATTEMPTS + 1):  # the clock ticks every minute through a six-minute outage
        run(runtime, clock, clients, f"2026-11-24T08:{minute:02d}:00+00:00")
    fake.end_outage(POST)
    run(runtime, clock, clients, "2026-11-24T08:10:00+00:00")
    run(runtime, clock, clients, "2026-11-24T09:00:00+00:00")
    assert len(digests(fake, "CDIGEST")) == 1
    assert_each_delivered_once(fake, sessions)


# --- an answer slower than the client's timeout -----------------------------------------------------

# bot/app.py and bot/slack_clients.py build their WebClients without `timeout=`, so slack_sdk's default of
# 30 s applies and no setting changes it; the test shortens it on the clock's client to keep the run short.
CLIENT_TIMEOUT = 1


def _slow_digest(
    runtime: Runtime, clock: Clock, clients: Clients, fake: FakeSlack, sessions: sessionmaker[Session]
) -> dict[str, Any]:
    """Slack takes the 08:00 digest but answers after the client gave up; then the clock ticks on."""
    run(runtime, clock, clients, "2026-11-24T07:00:00+00:00")
    client = clients.for_workspace(_workspace(sessions))
    assert client is not None and client.timeout == 30
    client.timeout = CLIENT_TIMEOUT
    fake.delay_next(POST, CLIENT_TIMEOUT + 1.5)
    run(runtime, clock, clients, "2026-11-24T08:00:00+00:00")
    digest = next(m for m in outbox(sessions) if m.kind == "digest")
    state = {"after_timeout": (digest.status, digest.error)}
    run(runtime, clock, clients, "2026-11-24T08:01:00+00:00")
    run(runtime, clock, clients, "2026-11-24T08:30:00+00:00")
    return state


def _workspace(sessions: sessionmaker[Session]) -> models.Workspace:
    with sessions.begin() as session:
        workspace = session.scalars(select(models.Workspace)).one()
        session.expunge(workspace)
    return workspace


def test_a_post_answered_after_the_client_timeout_is_not_lost(
    runtime: Runtime,
    clock: Clock,
    clients: Clients,
    fake: FakeSlack,
    sessions: sessionmaker[Session],
    subscribed: models.Account,
) -> None:
    state = _slow_digest(runtime, clock, clients, fake, sessions)
    status, error = state["after_timeout"]
    assert status == "failed" and "timed out" in str(error)  # not believed sent: the sweep owns it
    assert digests(fake, "CDIGEST")  # Slack has it, whichever post it was
    assert [m.status for m in outbox(sessions) if m.kind in ("digest", "chart")] == ["sent", "sent"]


@pytest.mark.xfail(
    strict=True,
    reason=(
        "a known limit, chosen (docs/reliability.md): a post Slack performed but answered after the client's "
        "timeout cannot be told from one it never got (chat.postMessage has no idempotency key, and reading the "
        "channel back would need history scopes), so it is posted again: at least once, never lost"
    ),
)
def test_a_post_answered_after_the_client_timeout_is_not_posted_twice(
    runtime: Runtime,
    clock: Clock,
    clients: Clients,
    fake: FakeSlack,
    sessions: sessionmaker[Session],
    subscribed: models.Account,
) -> None:
    _slow_digest(runtime, clock, clients, fake, sessions)
    assert len(digests(fake, "CDIGEST")) == 1
    assert_each_delivered_once(fake, sessions)
