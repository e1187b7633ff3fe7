"""What the fault tests share: the demo account, stored, with its digest due at 08:00 UTC."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from storage import models
from storage.demo.generate import write_demo_data
from tests.bot.test_clock import subscribe
from tests.bot.test_slack_app import _ingest


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_demo_data(tmp_path_factory.mktemp("demo"), orders=300, seed=5, as_of=date(2026, 11, 24))


@pytest.fixture
def subscribed(sessions: sessionmaker[Session], account: models.Account, exports: list[Path]) -> models.Account:
    """The demo account (seven metrics in breach: seven alerts at its first tick), stored over a direct
    connection, with its digest at 08:00 UTC."""
    _ingest(sessions, account, exports)
    subscribe(sessions, account, timezone="UTC")
    return account
