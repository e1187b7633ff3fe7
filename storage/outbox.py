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

MAX_ATTEMPTS = 5
# A post takes seconds; a claim pending longer than this belongs to a process that is gone.
PENDING_CUTOFF = timedelta(minutes=10)


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
    """Messages to post again: refused by Slack, or left pending by a process that died."""
    return list(
        session.scalars(
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
    )


def retake(*, session: Session, message_id: int, now: datetime) -> bool:
    """Take a message to retry, so that two sweepers never both post it."""
    taken = session.execute(
        update(models.OutboundMessage)
        .where(
            models.OutboundMessage.id == message_id,
            models.OutboundMessage.status.in_(("failed", "pending")),
            models.OutboundMessage.attempts < MAX_ATTEMPTS,
            or_(
                models.OutboundMessage.status == "failed",
                models.OutboundMessage.claimed_at < now - PENDING_CUTOFF,
            ),
        )
        .values(status="pending", claimed_at=now, attempts=models.OutboundMessage.attempts + 1)
        .returning(models.OutboundMessage.id)
    )
    return taken.first() is not None


def sent(*, session: Session, kind: str, workspace_id: int, target: str, period: str) -> models.OutboundMessage | None:
    return session.scalar(
        select(models.OutboundMessage).where(
            models.OutboundMessage.kind == kind,
            models.OutboundMessage.workspace_id == workspace_id,
            models.OutboundMessage.target == target,
            models.OutboundMessage.period == period,
        )
    )
