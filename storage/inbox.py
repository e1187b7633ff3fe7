"""Claims on what arrives from chat, so that each event and each shared file is processed once.

Slack redelivers an event it thinks was missed (with the same event id), and the same file may be
announced by several events. A claim is a row inserted under a unique key; only the inserter goes on.
A claim keeps a status, so that a delivery whose processing failed, or was cut off by a crash and
left `processing` for longer than `STALE`, can be claimed again by a later redelivery.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage import models

STALE = timedelta(minutes=15)


def _insert(session: Session, model: type[models.Base], values: dict[str, Any], keys: list[str]) -> bool:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(model).values(**values).on_conflict_do_nothing(index_elements=keys).returning(model.__table__.c.id)
    # RETURNING, not rowcount: through the ORM, PostgreSQL's driver reports -1 for this statement.
    return session.execute(stmt).first() is not None


def _reclaim(session: Session, model: Any, key: Any, now: datetime) -> bool:
    """Take over a failed claim, or one left processing too long (its worker died)."""
    stmt = (
        update(model)
        .where(
            key,
            or_(model.status == "failed", and_(model.status == "processing", model.claimed_at < now - STALE)),
        )
        .values(status="processing", claimed_at=now)
        .returning(model.id)
    )
    return session.execute(stmt).first() is not None


def claim_event(*, session: Session, team_id: str, event_id: str, now: datetime) -> bool:
    """True when this delivery of the event is the one to process."""
    values = {"team_id": team_id, "event_id": event_id, "status": "processing", "claimed_at": now}
    if _insert(session, models.InboundEvent, values, ["team_id", "event_id"]):
        return True
    key = and_(models.InboundEvent.team_id == team_id, models.InboundEvent.event_id == event_id)
    return _reclaim(session, models.InboundEvent, key, now)


def finish_event(*, session: Session, team_id: str, event_id: str, ok: bool) -> None:
    session.execute(
        update(models.InboundEvent)
        .where(models.InboundEvent.team_id == team_id, models.InboundEvent.event_id == event_id)
        .values(status="done" if ok else "failed")
    )


def claim_file(*, session: Session, team_id: str, file_id: str, channel_id: str, now: datetime) -> bool:
    """True when the file is to be read now: never seen, or an earlier attempt failed."""
    values = {
        "team_id": team_id,
        "file_id": file_id,
        "channel_id": channel_id,
        "status": "processing",
        "claimed_at": now,
    }
    if _insert(session, models.SharedFile, values, ["team_id", "file_id"]):
        return True
    key = and_(models.SharedFile.team_id == team_id, models.SharedFile.file_id == file_id)
    return _reclaim(session, models.SharedFile, key, now)


def finish_file(
    *, session: Session, team_id: str, file_id: str, status: str, upload_id: int | None, now: datetime
) -> None:
    """`status`: ingested or rejected (final), or failed (a later event may try again)."""
    session.execute(
        update(models.SharedFile)
        .where(models.SharedFile.team_id == team_id, models.SharedFile.file_id == file_id)
        .values(status=status, upload_id=upload_id, finished_at=now)
    )


def file_status(*, session: Session, team_id: str, file_id: str) -> str | None:
    return session.scalar(
        select(models.SharedFile.status).where(
            models.SharedFile.team_id == team_id, models.SharedFile.file_id == file_id
        )
    )
