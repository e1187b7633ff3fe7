"""Claims on events and shared files: one taker, and a failed or abandoned claim can be taken again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from storage.inbox import STALE, claim_event, claim_file, file_status, finish_event, finish_file
from tests.conftest import NOW


def test_an_event_is_claimed_once_until_its_processing_fails(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        assert claim_event(session=session, team_id="T1", event_id="Ev1", now=NOW)
    with sessions.begin() as session:
        assert not claim_event(session=session, team_id="T1", event_id="Ev1", now=NOW)
        assert claim_event(session=session, team_id="T2", event_id="Ev1", now=NOW)  # another team's event
        finish_event(session=session, team_id="T1", event_id="Ev1", ok=False)
    with sessions.begin() as session:
        assert claim_event(session=session, team_id="T1", event_id="Ev1", now=NOW)  # the redelivery retries it
        finish_event(session=session, team_id="T1", event_id="Ev1", ok=True)
    with sessions.begin() as session:
        assert not claim_event(session=session, team_id="T1", event_id="Ev1", now=NOW + STALE * 2)


def test_a_file_claim_left_processing_by_a_dead_worker_is_taken_over(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        assert claim_file(session=session, team_id="T1", file_id="F1", channel_id="C1", now=NOW)
    later = NOW + STALE - timedelta(seconds=1)
    with sessions.begin() as session:
        assert not claim_file(session=session, team_id="T1", file_id="F1", channel_id="C1", now=later)
        assert claim_file(session=session, team_id="T1", file_id="F1", channel_id="C1", now=NOW + STALE * 2)
        finish_file(session=session, team_id="T1", file_id="F1", status="ingested", upload_id=7, now=NOW)
    with sessions.begin() as session:
        assert file_status(session=session, team_id="T1", file_id="F1") == "ingested"
        assert not claim_file(session=session, team_id="T1", file_id="F1", channel_id="C2", now=NOW + STALE * 9)
