"""What every metric computation needs: the session, the account's facts and settings, and the day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from metrics.calendar import BusinessCalendar, evaluation_instant
from metrics.settings import MetricSettings
from storage import models
from storage.marketplaces import get_marketplace
from storage.queries import ingested_kinds


@dataclass(frozen=True)
class MetricContext:
    """One account on one as-of day. `as_of` is always passed in: metrics never read the clock."""

    session: Session
    account_id: int
    account_name: str
    marketplace: str
    timezone: str
    handling_days: int
    settings: MetricSettings
    as_of: date
    kinds: frozenset[str]  # the export kinds ever ingested for the account
    calendar: BusinessCalendar
    # What one family loads and another needs too (ODR's defects for the perfect order percentage),
    # kept for the context's life: one `compute_all` run, one account, one as-of day.
    shared: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def for_account(cls, *, session: Session, account: models.Account, as_of: date) -> MetricContext:
        market = get_marketplace(account.marketplace)
        return cls(
            session=session,
            account_id=account.id,
            account_name=account.name,
            marketplace=market.code,
            timezone=account.timezone,
            handling_days=account.handling_days,
            settings=MetricSettings.from_json(account.settings),
            as_of=as_of,
            kinds=frozenset(ingested_kinds(session=session, account_id=account.id)),
            calendar=BusinessCalendar(market.holiday_country),
        )

    @property
    def instant(self) -> datetime:
        """00:00 UTC on the as-of day: later stamps are ignored."""
        return evaluation_instant(self.as_of)

    @property
    def yesterday(self) -> date:
        return self.as_of - timedelta(days=1)

    def has(self, *kinds: str) -> bool:
        return any(kind in self.kinds for kind in kinds)
