"""A team's own settings: which account a channel speaks about, metric owners, digest channels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage import models
from storage.queries import AccountError, resolve_account


def bound_account(*, session: Session, workspace_id: int, channel_id: str) -> models.Account | None:
    return session.scalar(
        select(models.Account)
        .join(models.ChannelAccount, models.ChannelAccount.account_id == models.Account.id)
        .where(models.ChannelAccount.workspace_id == workspace_id, models.ChannelAccount.channel_id == channel_id)
    )


def channel_account(*, session: Session, workspace_id: int, channel_id: str, now: datetime) -> models.Account:
    """The account bound to the channel. While the workspace has bound no channel at all, its one
    account (a `default` one when it has none) speaks in every channel: the quick start.

    Once a team binds channels, binding is the boundary: an account is reachable only from the
    channels bound to it, and an unbound channel reaches none. Raises storage.queries.AccountError.
    """
    bound = bound_account(session=session, workspace_id=workspace_id, channel_id=channel_id)
    if bound is not None:
        return bound
    if bound_channels(session=session, workspace_id=workspace_id):
        raise AccountError("this channel is not bound to an account: bind one with `/health account NAME`")
    return resolve_account(session=session, workspace_id=workspace_id, name=None, now=now)


def accounts_bound_nowhere(*, session: Session, workspace_id: int) -> list[models.Account]:
    """The workspace's accounts no channel is bound to: the ones a channel may bind by naming them."""
    bound = select(models.ChannelAccount.account_id).where(models.ChannelAccount.workspace_id == workspace_id)
    return list(
        session.scalars(
            select(models.Account)
            .where(models.Account.workspace_id == workspace_id, models.Account.id.not_in(bound))
            .order_by(models.Account.name)
        )
    )


def bound_channels(*, session: Session, workspace_id: int) -> list[str]:
    """The workspace's channels bound to an account."""
    return list(
        session.scalars(
            select(models.ChannelAccount.channel_id)
            .where(models.ChannelAccount.workspace_id == workspace_id)
            .order_by(models.ChannelAccount.id)
        )
    )


def bind_channel(
    *, session: Session, workspace_id: int, channel_id: str, account_id: int, user_id: str, now: datetime
) -> None:
    row = session.scalar(
        select(models.ChannelAccount).where(
            models.ChannelAccount.workspace_id == workspace_id, models.ChannelAccount.channel_id == channel_id
        )
    )
    if row is None:
        row = models.ChannelAccount(workspace_id=workspace_id, channel_id=channel_id)
        session.add(row)
    row.account_id, row.bound_by, row.bound_at = account_id, user_id, now
    session.flush()


def set_owner(*, session: Session, account_id: int, metric_id: str, user_id: str, set_by: str, now: datetime) -> None:
    row = session.scalar(
        select(models.MetricOwner).where(
            models.MetricOwner.account_id == account_id, models.MetricOwner.metric_id == metric_id
        )
    )
    if row is None:
        row = models.MetricOwner(account_id=account_id, metric_id=metric_id)
        session.add(row)
    row.user_id, row.set_by, row.set_at = user_id, set_by, now
    session.flush()


def owners(*, session: Session, account_id: int) -> dict[str, str]:
    """Metric id -> the Slack user who owns it."""
    rows = session.execute(
        select(models.MetricOwner.metric_id, models.MetricOwner.user_id).where(
            models.MetricOwner.account_id == account_id
        )
    )
    return {row.metric_id: row.user_id for row in rows}


def set_digest(
    *,
    session: Session,
    workspace_id: int,
    channel_id: str,
    account_id: int,
    at: str,
    timezone: str,
    set_by: str,
    days: str = "daily",
    now: datetime,
) -> models.Digest:
    row = digest_in(session=session, workspace_id=workspace_id, channel_id=channel_id)
    if row is None:
        row = models.Digest(workspace_id=workspace_id, channel_id=channel_id)
        session.add(row)
    row.account_id, row.at, row.timezone, row.days, row.set_by, row.set_at = account_id, at, timezone, days, set_by, now
    session.flush()
    return row


def remove_digest(*, session: Session, workspace_id: int, channel_id: str) -> bool:
    removed = session.execute(
        delete(models.Digest)
        .where(models.Digest.workspace_id == workspace_id, models.Digest.channel_id == channel_id)
        .returning(models.Digest.id)
    )
    return removed.first() is not None


def digest_in(*, session: Session, workspace_id: int, channel_id: str) -> models.Digest | None:
    return session.scalar(
        select(models.Digest).where(models.Digest.workspace_id == workspace_id, models.Digest.channel_id == channel_id)
    )


def digests(*, session: Session) -> list[models.Digest]:
    return list(session.scalars(select(models.Digest).order_by(models.Digest.id)))


def account_channels(*, session: Session, account_id: int) -> list[str]:
    """The channels that speak about the account: its digest channels, then the channels bound to it.

    Where alerts and reminders go when nobody owns them.
    """
    found = list(
        session.scalars(
            select(models.Digest.channel_id).where(models.Digest.account_id == account_id).order_by(models.Digest.id)
        )
    )
    bound = session.scalars(
        select(models.ChannelAccount.channel_id)
        .where(models.ChannelAccount.account_id == account_id)
        .order_by(models.ChannelAccount.id)
    )
    return found + [channel for channel in bound if channel not in found]
