"""A team's own settings: which account a channel speaks about, metric owners, digest channels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage import models
from storage.queries import AccountError, list_accounts, resolve_account


def bound_account(*, session: Session, workspace_id: int, channel_id: str) -> models.Account | None:
    return session.scalar(
        select(models.Account)
        .join(models.ChannelAccount, models.ChannelAccount.account_id == models.Account.id)
        .where(models.ChannelAccount.workspace_id == workspace_id, models.ChannelAccount.channel_id == channel_id)
    )


def channel_account(*, session: Session, workspace_id: int, channel_id: str, now: datetime) -> models.Account:
    """The account bound to the channel; else the workspace's one account bound to no channel at all
    (a `default` one when the workspace has none).

    An account bound to channels is reachable from those channels only: binding is how a team keeps
    an account's figures to the people of its channel. Raises storage.queries.AccountError when the
    channel is unbound and no single unbound account is left to answer for it.
    """
    bound = bound_account(session=session, workspace_id=workspace_id, channel_id=channel_id)
    if bound is not None:
        return bound
    accounts = list_accounts(session=session, workspace_id=workspace_id)
    if not accounts:
        return resolve_account(session=session, workspace_id=workspace_id, name=None, now=now)
    with_channels = set(
        session.scalars(
            select(models.ChannelAccount.account_id).where(models.ChannelAccount.workspace_id == workspace_id)
        )
    )
    free = [a for a in accounts if a.id not in with_channels]
    if len(free) == 1:
        return free[0]
    raise AccountError(
        "this channel is not bound to an account"
        + (f" (unbound accounts: {', '.join(a.name for a in free)})" if free else "")
        + ": bind one with `/health account NAME`"
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
