"""Fixtures for metric tests: a scenario in an open transaction, and the context to compute it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from metrics.context import MetricContext
from storage import models
from tests.metrics.scenario import Scenario

ContextFor = Callable[..., MetricContext]


@pytest.fixture
def scenario(sessions: sessionmaker[Session], account: models.Account) -> Iterator[Scenario]:
    """A US account (America/Los_Angeles, 1 handling day) with no rows yet."""
    with sessions.begin() as session:
        stored = session.get(models.Account, account.id)
        assert stored is not None
        yield Scenario(session, stored)


@pytest.fixture
def context_for(scenario: Scenario) -> ContextFor:
    """`context_for("2026-11-24", claims_rule="all", handling_days=2, timezone=..., marketplace=...)`."""

    def build(
        as_of: date | str,
        *,
        handling_days: int | None = None,
        timezone: str | None = None,
        marketplace: str | None = None,
        **settings: Any,
    ) -> MetricContext:
        account = scenario.account
        account.settings = settings
        if handling_days is not None:
            account.handling_days = handling_days
        if timezone is not None:
            account.timezone = timezone
        if marketplace is not None:
            account.marketplace = marketplace
        scenario.session.flush()
        day = as_of if isinstance(as_of, date) else date.fromisoformat(as_of)
        return MetricContext.for_account(session=scenario.session, account=account, as_of=day)

    return build
