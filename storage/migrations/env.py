"""Alembic environment: the URL comes from the caller's connection or from healthbot's settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.db import normalise_url
from storage.models import Base
from storage.settings import StorageSettings

config = context.config
target_metadata = Base.metadata


def _ours(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """slack_sdk's OAuth store tables are created by migration 0004 from slack_sdk's own definitions:
    autogenerate must not take them, absent from healthbot's models, for tables to drop."""
    return not (type_ == "table" and name is not None and name.startswith("slack_"))


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return normalise_url(url or StorageSettings().database_url)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, render_as_batch=True, include_object=_ours)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True, include_object=_ours
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url())
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True, include_object=_ours)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
