"""What both benchmarks need: a fresh, migrated database with one US account named `bench`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from storage import models
from storage.db import create_db_engine, make_sessions, upgrade
from storage.queries import add_account, local_workspace

ACCOUNT = "bench"


def fresh_account(url: str) -> tuple[Engine, sessionmaker[Session], models.Account]:
    """Migrate an empty database at `url` (PostgreSQL: its public schema is wiped) and add the account."""
    engine = create_db_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    sessions = make_sessions(engine)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        workspace = local_workspace(session=session, now=now)
        account = add_account(session=session, workspace_id=workspace.id, name=ACCOUNT, marketplace="US", now=now)
    return engine, sessions, account
