"""Queries outside the metric rules: workspaces, accounts, uploads, stored-row counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage import models
from storage.marketplaces import get_marketplace

LOCAL_TEAM_ID = "local"
DEFAULT_ACCOUNT = "default"


class AccountError(ValueError):
    """A request about accounts that cannot be met (unknown name, ambiguous, duplicate)."""


def get_or_create_workspace(*, session: Session, slack_team_id: str, name: str, now: datetime) -> models.Workspace:
    workspace = session.scalar(select(models.Workspace).where(models.Workspace.slack_team_id == slack_team_id))
    if workspace is None:
        workspace = models.Workspace(slack_team_id=slack_team_id, name=name, created_at=now)
        session.add(workspace)
        session.flush()
    return workspace


def local_workspace(*, session: Session, now: datetime) -> models.Workspace:
    """The workspace the command line works in when no Slack team is involved."""
    return get_or_create_workspace(session=session, slack_team_id=LOCAL_TEAM_ID, name="Local", now=now)


def list_accounts(*, session: Session, workspace_id: int) -> list[models.Account]:
    return list(
        session.scalars(
            select(models.Account).where(models.Account.workspace_id == workspace_id).order_by(models.Account.name)
        )
    )


def add_account(
    *,
    session: Session,
    workspace_id: int,
    name: str,
    marketplace: str,
    now: datetime,
    timezone: str | None = None,
    handling_days: int = 1,
) -> models.Account:
    """Create an account; the time zone defaults to the marketplace's."""
    name = name.strip()
    if not name:
        raise AccountError("an account needs a name")
    try:
        market = get_marketplace(marketplace)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    tz = timezone or market.timezone
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise AccountError(f"unknown time zone {tz!r}; use an IANA name such as America/New_York") from None
    if not 0 <= handling_days <= 30:
        raise AccountError("handling time must be between 0 and 30 business days")
    if find_account(session=session, workspace_id=workspace_id, name=name) is not None:
        raise AccountError(f"an account named {name!r} already exists")
    account = models.Account(
        workspace_id=workspace_id,
        name=name,
        marketplace=market.code,
        timezone=tz,
        handling_days=handling_days,
        settings={},
        created_at=now,
    )
    session.add(account)
    session.flush()
    return account


def find_account(*, session: Session, workspace_id: int, name: str) -> models.Account | None:
    return session.scalar(
        select(models.Account).where(models.Account.workspace_id == workspace_id, models.Account.name == name)
    )


def resolve_account(*, session: Session, workspace_id: int, name: str | None, now: datetime) -> models.Account:
    """The named account; without a name the only one, or a new `default` (US) when there is none."""
    if name is not None:
        account = find_account(session=session, workspace_id=workspace_id, name=name)
        if account is None:
            known = [a.name for a in list_accounts(session=session, workspace_id=workspace_id)]
            raise AccountError(
                f"no account named {name!r}"
                + (f"; accounts: {', '.join(known)}" if known else "")
                + "; add it with `healthbot accounts add NAME --marketplace US`"
            )
        return account
    accounts = list_accounts(session=session, workspace_id=workspace_id)
    if len(accounts) == 1:
        return accounts[0]
    if not accounts:
        return add_account(session=session, workspace_id=workspace_id, name=DEFAULT_ACCOUNT, marketplace="US", now=now)
    raise AccountError(
        f"there are {len(accounts)} accounts ({', '.join(a.name for a in accounts)}): choose one with --account"
    )


@dataclass(frozen=True)
class StoredCount:
    table: str
    rows: int
    first: Any
    last: Any


# What `healthbot demo` and `healthbot status` show: each table with the date column that spans it.
STORED_TABLES: tuple[tuple[type[models.Base], str | None], ...] = (
    (models.OrderItem, "order_date"),
    (models.Feedback, "received_date"),
    (models.SellerReturn, "request_date"),
    (models.FbaReturn, "returned_at"),
    (models.FbaShipment, "shipped_at"),
    (models.UnshippedItem, "purchase_at"),
    (models.SettlementTransaction, "posted_at"),
    (models.Claim, "claimed_at"),
    (models.Chargeback, "charged_back_at"),
    (models.Cancellation, "cancelled_at"),
    (models.MfnShipment, "ship_confirmed_at"),
    (models.BuyerMessage, "received_at"),
    (models.ReturnRequest, "requested_at"),
    (models.CsSurveyAnswer, "answered_at"),
    (models.PolicyViolation, "violation_date"),
    (models.AccountHealthSnapshot, "reported_through"),
)


def stored_counts(*, session: Session, account_id: int) -> list[StoredCount]:
    """How many rows each table holds for the account, with the dates they span."""
    out = []
    for model, date_attr in STORED_TABLES:
        table: Any = model.__table__
        columns: list[Any] = [func.count()]
        if date_attr:
            columns += [func.min(table.c[date_attr]), func.max(table.c[date_attr])]
        row = session.execute(select(*columns).where(table.c.account_id == account_id)).one()
        first = row[1] if date_attr else None
        last = row[2] if date_attr else None
        out.append(StoredCount(table.name, int(row[0]), first, last))
    return out


def recent_uploads(*, session: Session, account_id: int, limit: int = 20) -> list[models.Upload]:
    return list(
        session.scalars(
            select(models.Upload)
            .where(models.Upload.account_id == account_id)
            .order_by(models.Upload.received_at.desc(), models.Upload.id.desc())
            .limit(limit)
        )
    )


def ingested_kinds(*, session: Session, account_id: int) -> set[str]:
    """The report kinds ever ingested for the account: which exports a figure can rest on."""
    rows = session.scalars(
        select(models.Upload.kind)
        .where(
            models.Upload.account_id == account_id,
            models.Upload.status == "ingested",
            models.Upload.kind.is_not(None),
        )
        .distinct()
    )
    return {kind for kind in rows if kind}


@dataclass(frozen=True)
class SnapshotRow:
    """One stored metric figure, keyed as the metrics key it (id, scope, window length)."""

    metric_id: str
    scope: str
    window_days: int | None
    value: float | None
    numerator: int | None
    denominator: int | None
    status: str
    basis: str
    result: dict[str, Any]


def replace_snapshot(
    *, session: Session, account_id: int, as_of: date, rows: list[SnapshotRow], computed_at: datetime
) -> None:
    """Store the day's figures for an account, replacing what was stored for that day (idempotent)."""
    # Two computations of one account at once (two files shared together, the clock and an upload)
    # would both delete and insert the day's rows: the account's row lock serializes them.
    lock_account(session=session, account_id=account_id)
    session.execute(
        delete(models.MetricSnapshot).where(
            models.MetricSnapshot.account_id == account_id, models.MetricSnapshot.as_of == as_of
        )
    )
    session.add_all(
        models.MetricSnapshot(
            account_id=account_id,
            as_of=as_of,
            metric_id=row.metric_id,
            scope=row.scope,
            window_days=row.window_days or 0,
            value=row.value,
            numerator=row.numerator,
            denominator=row.denominator,
            status=row.status,
            basis=row.basis,
            result=row.result,
            computed_at=computed_at,
        )
        for row in rows
    )
    session.flush()


def load_snapshot(
    *, session: Session, account_id: int, as_of: date | None = None, metric_id: str | None = None
) -> tuple[date, list[SnapshotRow]] | None:
    """The figures stored for a day (default: the latest day stored), or None; `metric_id`: that one's only."""
    day = as_of
    if day is None:
        day = session.scalar(
            select(func.max(models.MetricSnapshot.as_of)).where(models.MetricSnapshot.account_id == account_id)
        )
        if day is None:
            return None
    stored = session.scalars(
        select(models.MetricSnapshot)
        .where(
            models.MetricSnapshot.account_id == account_id,
            models.MetricSnapshot.as_of == day,
            *([models.MetricSnapshot.metric_id == metric_id] if metric_id else []),
        )
        .order_by(models.MetricSnapshot.id)
    ).all()
    if not stored and metric_id is None:
        return None
    return day, [_row(s) for s in stored]


def metric_history(
    *, session: Session, account_id: int, metric_id: str, since: date, until: date
) -> list[tuple[date, SnapshotRow]]:
    """A metric's stored figures (every scope and window) from `since` to `until`, oldest first."""
    stored = session.scalars(
        select(models.MetricSnapshot)
        .where(
            models.MetricSnapshot.account_id == account_id,
            models.MetricSnapshot.metric_id == metric_id,
            models.MetricSnapshot.as_of.between(since, until),
        )
        .order_by(models.MetricSnapshot.as_of, models.MetricSnapshot.id)
    ).all()
    return [(s.as_of, _row(s)) for s in stored]


def _row(stored: models.MetricSnapshot) -> SnapshotRow:
    return SnapshotRow(
        metric_id=stored.metric_id,
        scope=stored.scope,
        window_days=stored.window_days or None,
        value=stored.value,
        numerator=stored.numerator,
        denominator=stored.denominator,
        status=stored.status,
        basis=stored.basis,
        result=stored.result,
    )


def save_account_settings(*, session: Session, account_id: int, settings: dict[str, Any]) -> None:
    """Replace the account's settings JSON (validated by the caller)."""
    account = session.get(models.Account, account_id)
    if account is None:
        raise AccountError(f"no account {account_id}")
    account.settings = settings
    session.flush()


def newest_data_days(*, session: Session, account_id: int) -> dict[str, date]:
    """Per export kind, the last day its ingested uploads cover: how fresh each kind of data is."""
    rows = session.execute(
        select(models.Upload.kind, func.max(models.Upload.span_end))
        .where(
            models.Upload.account_id == account_id,
            models.Upload.status == "ingested",
            models.Upload.kind.is_not(None),
            models.Upload.span_end.is_not(None),
        )
        .group_by(models.Upload.kind)
    )
    return {kind: day for kind, day in rows if kind and day}


def accounts_without_snapshot(*, session: Session, as_of: date) -> list[models.Account]:
    """Accounts whose figures for the day are not computed yet (the clock computes them)."""
    done = select(models.MetricSnapshot.account_id).where(models.MetricSnapshot.as_of == as_of)
    return list(
        session.scalars(select(models.Account).where(models.Account.id.not_in(done)).order_by(models.Account.id))
    )


def all_accounts(*, session: Session) -> list[models.Account]:
    return list(session.scalars(select(models.Account).order_by(models.Account.id)))


def due_to_ship(
    *, session: Session, account_id: int, start: datetime, end: datetime
) -> list[tuple[str, str | None, datetime]]:
    """Orders the unshipped-orders snapshot lists with a ship-by instant in [start, end): (order, SKU, ship-by)."""
    rows = session.execute(
        select(models.UnshippedItem.amazon_order_id, models.UnshippedItem.sku, models.UnshippedItem.promise_at)
        .where(
            models.UnshippedItem.account_id == account_id,
            models.UnshippedItem.promise_at >= start,
            models.UnshippedItem.promise_at < end,
        )
        .order_by(models.UnshippedItem.promise_at, models.UnshippedItem.amazon_order_id)
    )
    return [(order_id, sku, promise) for order_id, sku, promise in rows if promise is not None]


def newest_upload_at(*, session: Session, account_id: int, kind: str) -> datetime | None:
    """When an export of this kind was last ingested for the account."""
    return session.scalar(
        select(func.max(models.Upload.received_at)).where(
            models.Upload.account_id == account_id, models.Upload.kind == kind, models.Upload.status == "ingested"
        )
    )


def lock_account(*, session: Session, account_id: int) -> None:
    """Hold the account's row lock until the transaction ends (PostgreSQL; SQLite has one writer anyway).

    What two transactions of one account must not do at once takes it first: replace the day's
    figures, or recompute order facts and day counts from the rows an upload writes. FOR NO KEY UPDATE:
    it excludes itself but not the key-share locks the account's foreign keys take (an upload's first
    insert), which a plain FOR UPDATE would wait on, deadlocking two uploads that both inserted.
    """
    session.execute(select(models.Account.id).where(models.Account.id == account_id).with_for_update(key_share=True))
