"""Engines, sessions and schema upgrades for SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for a bare `postgresql://` URL (what hosting platforms hand out)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets `/health` read while a file is ingested;
    # the busy timeout makes a second writer wait instead of failing at once; a 64 MB page cache
    # (default 2 MB) keeps a million-row upload's indexes in memory (bounded: memory stays flat).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def create_db_engine(url: str, **pool_options: Any) -> Engine:
    """Create the process's engine for `url` (SQLite file or PostgreSQL); `pool_options` (pool_size,
    max_overflow, pool_timeout) go to SQLAlchemy, whose defaults the process uses."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30}, **pool_options)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    # PostgreSQL's JIT compiled one metric aggregate for 3.7 s to save a fraction of that in execution:
    # healthbot's queries are short, index-driven aggregates, where JIT only costs.
    # connect_timeout: with the server gone, a request fails in seconds ("try again shortly"), not minutes.
    return create_engine(
        url, pool_pre_ping=True, connect_args={"options": "-c jit=off", "connect_timeout": 5}, **pool_options
    )


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """The process's one session factory; callers open `with sessions.begin() as session:`."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at healthbot's migrations and `url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


MIGRATION_LOCK = 0x6D696772  # "migr"


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent; runs on every start)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Every web worker and the clock start by upgrading: the first to take this lock migrates,
            # the others wait and then find nothing to do (the lock ends with the transaction).
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    """The schema's Alembic revision, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
