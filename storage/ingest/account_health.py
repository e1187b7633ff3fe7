"""Amazon's Account Health report (JSON, reports.md 2.8): parsed leniently, stored as a snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage.ingest.result import RowCounts
from storage.marketplaces import Marketplace


@dataclass
class HealthFigure:
    """One figure of the report, named by healthbot's metric ids (metrics.md 2)."""

    metric: str
    scope: str
    window_days: int = 0
    window_start: datetime | None = None
    window_end: datetime | None = None
    rate: float | None = None
    numerator: int | None = None
    denominator: int | None = None
    status: str | None = None
    target_value: float | None = None
    target_condition: str | None = None
    components: dict[str, Any] = field(default_factory=dict)
    inconsistent: bool = False


@dataclass
class HealthReport:
    marketplace_id: str
    reported_through: datetime
    account_status: str | None
    ahr_status: str | None
    ahr_score: int | None
    raw: dict[str, Any]
    figures: list[HealthFigure]
    notes: list[str] = field(default_factory=list)


def parse_account_health(text: str, *, marketplace: Marketplace) -> HealthReport:
    raise NotImplementedError


def store_account_health(
    *, session: Session, account_id: int, upload_id: int, report: HealthReport, counts: RowCounts
) -> None:
    raise NotImplementedError
