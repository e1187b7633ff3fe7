"""What the clock posts, claimed under an idempotency key before posting (slack.md section 7).

The key is (kind, workspace, target, period): inserting it is the claim, and only the inserter
posts. A claim is `pending` until Slack accepts the message (`sent`, with its ts), or `failed` when
Slack refused it. The sweeper posts again what is `failed`, and what stayed `pending` past a cutoff
(its process died between the claim and the post), up to `MAX_ATTEMPTS` times.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage import models

# With the waits below, about 17 hours of trying: a Slack outage delays messages, it does not lose them.
MAX_ATTEMPTS = 12
# A post takes seconds; a claim pending longer than this belongs to a process that is gone.
PENDING_CUTOFF = timedelta(minutes=10)
MAX_WAIT = timedelta(hours=4)


def retry_wait(attempts: int) -> timedelta:
    """How long a refused message waits before its next try: 1, 2, 4 ... minutes, at most 4 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_WAIT)


def claim(
    *,
    session: Session,
    kind: str,
    workspace_id: int,
    target: str,
    period: str,
    payload: dict[str, Any],
    now: datetime,
    thread_of: int | None = None,
) -> models.OutboundMessage | None:
    """The claimed message, or None when the key was claimed before (by anyone, at any time)."""
    values = {
        "kind": kind,
        "workspace_id": workspace_id,
        "target": target,
        "period": period,
        "status": "pending",
        "attempts": 1,  # counts the posts tried: this claim is the first
        "payload": payload,
        "thread_of": thread_of,
        "claimed_at": now,
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(models.OutboundMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["kind", "workspace_id", "target", "period"])
        .returning(models.OutboundMessage.id)
    )
    row = session.execute(stmt).first()
    return session.get(models.OutboundMessage, row[0]) if row else None


def mark_sent(*, session: Session, message_id: int, channel: str, ts: str, now: datetime) -> None:
    session.execute(
        update(models.OutboundMessage)
        .where(models.OutboundMessage.id == message_id)
        .values(status="sent", channel=channel, ts=ts, sent_at=now, error=None)
    )


def mark_failed(*, session: Session, message_id: int, error: str, now: datetime) -> None:
    message = session.get(models.OutboundMessage, message_id)
    if message is not None:
        message.status, message.error, message.claimed_at = "failed", error[:2000], now


def to_retry(*, session: Session, now: datetime) -> list[models.OutboundMessage]:
    """Messages to post again: refused by Slack and waited long enough, or left pending by a process
    that died."""
    candidates = session.scalars(
        select(models.OutboundMessage)
        .where(
            models.OutboundMessage.attempts < MAX_ATTEMPTS,
            or_(
                models.OutboundMessage.status == "failed",
                and_(
                    models.OutboundMessage.status == "pending",
                    models.OutboundMessage.claimed_at < now - PENDING_CUTOFF,
                ),
            ),
        )
        .order_by(models.OutboundMessage.id)
    )
    return [m for m in candidates if m.status == "pending" or m.claimed_at + retry_wait(m.attempts) <= now]


def retake(*, session: Session, message: models.OutboundMessage, now: datetime) -> bool:
    """Take a message to retry, so that two sweepers never both post it: only the one that still finds
    it as it read it (same status, same claim time) takes it."""
    taken = session.execute(
        update(models.OutboundMessage)
        .where(
            models.OutboundMessage.id == message.id,
            models.OutboundMessage.status == message.status,
            models.OutboundMessage.claimed_at == message.claimed_at,
        )
        .values(status="pending", claimed_at=now, attempts=models.OutboundMessage.attempts + 1)
        .returning(models.OutboundMessage.id)
    )
    return taken.first() is not None


def find(*, session: Session, kind: str, workspace_id: int, target: str, period: str) -> models.OutboundMessage | None:
    """The message claimed under this key, whatever its status, or None."""
    return session.scalar(
        select(models.OutboundMessage).where(
            models.OutboundMessage.kind == kind,
            models.OutboundMessage.workspace_id == workspace_id,
            models.OutboundMessage.target == target,
            models.OutboundMessage.period == period,
        )
    )
