"""Test fixtures: a migrated database per test, on SQLite or (HEALTHBOT_TEST_DATABASE_URL) PostgreSQL.

An unreachable PostgreSQL fails the run: it never turns into skipped tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, text
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.ingesting import ingest_one
from storage import models
from storage.db import create_db_engine, make_sessions, upgrade
from storage.ingest.result import IngestResult
from storage.queries import add_account, local_workspace
from storage.settings import StorageSettings
from tests.bot.fakeslack import FakeSlack

TEST_DB_ENV = "HEALTHBOT_TEST_DATABASE_URL"
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get(TEST_DB_ENV)
    return f"healthbot database: {'PostgreSQL (' + url.split('@')[-1] + ')' if url else 'SQLite'}"


@pytest.fixture(scope="session")
def _saved_environ() -> dict[str, str]:
    return dict(os.environ)


@pytest.fixture(autouse=True)
def clean_environ(_saved_environ: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests build the settings they need: nothing leaks in from the developer's environment or `.env`."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "HEALTHBOT_", "DATABASE_URL")):
            monkeypatch.delenv(name)
    yield


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory, _saved_environ: dict[str, str]) -> str:
    """A migrated database: a SQLite file to copy per test, or the PostgreSQL URL migrated once."""
    url = _saved_environ.get(TEST_DB_ENV)
    if url:
        engine = create_db_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        except Exception as exc:  # an unreachable server fails the whole run, loudly
            pytest.exit(f"PostgreSQL at {url.split('@')[-1]} is unreachable: {exc}", returncode=3)
        upgrade(engine)
        engine.dispose()
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return str(path)


@pytest.fixture
def database_url(_template_db: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for one test."""
    if "://" in _template_db:
        engine = create_db_engine(_template_db)
        metadata = MetaData()
        metadata.reflect(engine)
        names = ", ".join(f'"{t}"' for t in metadata.tables if t != "alembic_version")
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()
        yield _template_db
        return
    path = tmp_path / "healthbot.db"
    shutil.copy(_template_db, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessions(engine)


@pytest.fixture
def account(sessions: sessionmaker[Session]) -> models.Account:
    """A US account in the local workspace."""
    with sessions.begin() as session:
        workspace = local_workspace(session=session, now=NOW)
        return add_account(session=session, workspace_id=workspace.id, name="acme-us", marketplace="US", now=NOW)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """A local fake of Slack's Web API on a fresh port (tests/bot/fakeslack.py)."""
    with FakeSlack() as slack:
        yield slack


def ingest_ok(
    sessions: sessionmaker[Session], account: models.Account, path: Path, *, source: str = "cli"
) -> IngestResult:
    """Ingest one export as the command line does (one transaction), and insist it was taken."""
    result = ingest_one(
        sessions=sessions,
        settings=StorageSettings(),
        account=account,
        path=path,
        uploaded_by="test",
        source=source,
        now=NOW,
    )
    assert result.status == "ingested", result.error
    return result


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., int]:
    """`healthbot ARGS...` on the test database, run from an empty working directory; the exit code."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    return lambda *args: main(list(args))
