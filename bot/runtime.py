"""What every listener needs, built once by an entry point: settings, the database, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from storage.db import create_db_engine, make_sessions, upgrade
from storage.queries import get_or_create_workspace, local_workspace


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    now: Callable[[], datetime] = field(default=_utc_now)

    @classmethod
    def open(cls, settings: Settings) -> Runtime:
        """Connect to the configured database and bring its schema up to date."""
        engine = create_db_engine(settings.database_url)
        upgrade(engine)
        return cls(settings=settings, engine=engine, sessions=make_sessions(engine))

    @property
    def multi_workspace(self) -> bool:
        return self.settings.slack_client_id is not None

    def workspace_id(self, session: Session, team_id: str) -> int:
        """The workspace a Slack team's requests are scoped to.

        One workspace installed with a bot token shares the command line's local workspace, so what
        `healthbot ingest` stored is what `/health` shows; with OAuth every team has its own.
        """
        if not self.multi_workspace:
            return local_workspace(session=session, now=self.now()).id
        return get_or_create_workspace(session=session, slack_team_id=team_id, name=team_id, now=self.now()).id
