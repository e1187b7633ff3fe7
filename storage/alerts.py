"""Alert bookkeeping: each figure's last known state, owners' snoozes and mutes, buyer-message marks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import models

FigureKey = tuple[str, str, int]  # (metric id, scope, window days; 0 for one window)


def alert_states(*, session: Session, account_id: int) -> dict[FigureKey, models.AlertState]:
    rows = session.scalars(select(models.AlertState).where(models.AlertState.account_id == account_id))
    return {(r.metric_id, r.scope, r.window_days): r for r in rows}


def save_state(
    *, session: Session, account_id: int, key: FigureKey, state: str, since: date, notified_on: date | None
) -> None:
    row = alert_states(session=session, account_id=account_id).get(key)
    if row is None:
        row = models.AlertState(account_id=account_id, metric_id=key[0], scope=key[1], window_days=key[2])
        session.add(row)
    row.state, row.since, row.notified_on = state, since, notified_on
    session.flush()


def preferences(*, session: Session, account_id: int) -> dict[str, models.AlertPreference]:
    rows = session.scalars(select(models.AlertPreference).where(models.AlertPreference.account_id == account_id))
    return {r.metric_id: r for r in rows}


def set_preference(
    *,
    session: Session,
    account_id: int,
    metric_id: str,
    by: str,
    now: datetime,
    snoozed_until: datetime | None = None,
    muted: bool | None = None,
    warnings: bool | None = None,
) -> models.AlertPreference:
    """Change what is given (a snooze replaces the previous one; None leaves a choice as it was)."""
    row = preferences(session=session, account_id=account_id).get(metric_id)
    if row is None:
        row = models.AlertPreference(account_id=account_id, metric_id=metric_id, muted=False, warnings=False)
        session.add(row)
    if snoozed_until is not None:
        row.snoozed_until = snoozed_until
    if muted is not None:
        row.muted = muted
    if warnings is not None:
        row.warnings = warnings
    row.updated_by, row.updated_at = by, now
    session.flush()
    return row


def mark_message(*, session: Session, account_id: int, message_id: str, replied: bool, by: str, now: datetime) -> None:
    """Record a click on "Replied" (answered now) or "No response needed" on a reminder."""
    row = session.scalar(
        select(models.MessageMark).where(
            models.MessageMark.account_id == account_id, models.MessageMark.message_id == message_id
        )
    )
    if row is None:
        row = models.MessageMark(account_id=account_id, message_id=message_id, no_response_needed=False)
        session.add(row)
    if replied:
        row.replied_at = now
    else:
        row.no_response_needed = True
    row.marked_by, row.marked_at = by, now
    session.flush()
