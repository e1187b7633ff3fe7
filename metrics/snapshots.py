"""The day's figures of an account, computed and stored: what Slack and `healthbot history` read."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from metrics.engine import compute_all
from metrics.result import MetricResult
from storage import models
from storage.queries import SnapshotRow, replace_snapshot


def snapshot_rows(results: list[MetricResult]) -> list[SnapshotRow]:
    return [
        SnapshotRow(
            metric_id=r.id,
            scope=r.scope,
            window_days=r.window_days,
            value=r.value,
            numerator=r.numerator,
            denominator=r.denominator,
            status=r.status.value,
            basis=r.basis.value,
            result=r.as_json(detail=True),
        )
        for r in results
    ]


def compute_snapshot(
    *, session: Session, account: models.Account, as_of: date, computed_at: datetime
) -> list[MetricResult]:
    """Compute every metric for the day and store it, replacing that day's earlier snapshot."""
    results = compute_all(session=session, account=account, as_of=as_of)
    replace_snapshot(
        session=session, account_id=account.id, as_of=as_of, rows=snapshot_rows(results), computed_at=computed_at
    )
    return results
