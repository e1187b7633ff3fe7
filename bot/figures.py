"""The day's stored figures of an account, computed again: after an upload, a change of settings, or
by the clock for a new day. One transaction, so readers see the old day or the new one, never half."""

from __future__ import annotations

from datetime import date

from bot.runtime import Runtime
from metrics.snapshots import compute_snapshot, snapshot_rows
from storage import models
from storage.queries import SnapshotRow


def refresh_day(runtime: Runtime, account_id: int, day: date | None = None) -> list[SnapshotRow] | None:
    """Compute and store the account's figures for `day` (default: today, UTC); None when the
    account is gone. Returns the rows stored."""
    with runtime.sessions.begin() as session:
        account = session.get(models.Account, account_id)
        if account is None:
            return None
        results = compute_snapshot(
            session=session, account=account, as_of=day or runtime.now().date(), computed_at=runtime.now()
        )
        return snapshot_rows(results)
