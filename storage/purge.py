"""Deleting a seller account's data: all of it, or what is dated before a day (`healthbot purge`).

Every table is deleted from explicitly and counted, children first; the foreign keys' ON DELETE
CASCADE would also do it, but a purge the operator cannot see row by row is not one they can trust,
and tables that reach the account without a foreign key (figures through their snapshot, claims on
shared files through their upload, the clock's messages through their target) need it anyway.
The caller owns the transaction: a dry run is the same purge rolled back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Date, Delete, and_, delete, false, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage import models
from storage.order_facts import rebuild_order_facts
from storage.queries import lock_account
from storage.shipment_days import recount_shipment_days

# The column that dates each table's rows for `purge_before`: the day the row is about (an order's
# purchase, a return's request, a figure's day), not when healthbot stored it, so that a re-upload
# of old data is purged like the first one. A datetime before the UTC midnight starting `before` is
# before the day, as `order_date` is the UTC date of the purchase (metrics.md 1). A NULL date keeps
# the row. Tables absent here hold settings or current state (channel bindings, owners, digests,
# alert states and preferences): a dated purge keeps them, a full purge deletes them.
DATED: dict[type[models.Base], InstrumentedAttribute[Any]] = {
    models.OrderItem: models.OrderItem.order_date,
    models.Feedback: models.Feedback.received_date,
    models.SellerReturn: models.SellerReturn.request_date,
    models.FbaReturn: models.FbaReturn.returned_at,
    models.FbaShipment: models.FbaShipment.shipped_at,
    models.UnshippedItem: models.UnshippedItem.purchase_at,
    models.SettlementTransaction: models.SettlementTransaction.posted_at,
    models.AccountHealthSnapshot: models.AccountHealthSnapshot.reported_through,
    models.Claim: models.Claim.claimed_at,
    models.Chargeback: models.Chargeback.charged_back_at,
    models.Cancellation: models.Cancellation.cancelled_at,
    models.MfnShipment: models.MfnShipment.ship_confirmed_at,
    models.BuyerMessage: models.BuyerMessage.received_at,
    models.ReturnRequest: models.ReturnRequest.requested_at,
    models.CsSurveyAnswer: models.CsSurveyAnswer.answered_at,
    models.PolicyViolation: models.PolicyViolation.violation_date,
    models.MetricSnapshot: models.MetricSnapshot.as_of,
    models.MessageMark: models.MessageMark.marked_at,
    models.Upload: models.Upload.received_at,
}

# Settings and state of the account: no date of their own.
UNDATED: tuple[type[models.Base], ...] = (
    models.ChannelAccount,
    models.MetricOwner,
    models.Digest,
    models.AlertState,
    models.AlertPreference,
)


# Rebuilt from the tables above, never purged by a date of their own.
DERIVED: tuple[type[models.Base], ...] = (models.OrderFact, models.OrderDayCount, models.ShipmentDayCount)


def purge_account(*, session: Session, account_id: int) -> dict[str, int]:
    """Delete everything stored for the account, then the account; rows deleted per table."""
    counts = _purge(session, account_id, None)
    counts["accounts"] = _delete(session, delete(models.Account).where(models.Account.id == account_id))
    return counts


def purge_before(*, session: Session, account_id: int, before: date) -> dict[str, int]:
    """Delete the account's rows dated before `before` (see `DATED`); rows deleted per table."""
    return _purge(session, account_id, before)


def _purge(session: Session, account_id: int, before: date | None) -> dict[str, int]:
    # An upload of the account running meanwhile would count the same orders' facts and the same
    # days' shipments: the purge waits for it, as one upload waits for another.
    lock_account(session=session, account_id=account_id)
    counts: dict[str, int] = {}

    def dated(model: type[models.Base]) -> ColumnElement[bool]:
        column = DATED[model]
        owned = _account_id(model) == account_id
        if before is None:
            return owned
        # A Date column compares with the day; the others are UTCDateTime, compared with its start.
        cutoff = before if isinstance(column.type, Date) else datetime.combine(before, time(), tzinfo=UTC)
        return and_(owned, column.is_not(None), column < cutoff)

    # Figures have no account of their own: they go with their snapshot.
    snapshots = select(models.AccountHealthSnapshot.id).where(dated(models.AccountHealthSnapshot))
    counts["account_health_figures"] = _delete(
        session, delete(models.AccountHealthFigure).where(models.AccountHealthFigure.snapshot_id.in_(snapshots))
    )
    # A file shared in Slack is claimed per team; the claim names the upload it became.
    uploads = select(models.Upload.id).where(dated(models.Upload))
    counts["shared_files"] = _delete(session, delete(models.SharedFile).where(models.SharedFile.upload_id.in_(uploads)))
    counts["outbound_messages"] = _delete(session, _outbound(session, account_id, before))
    for model in DATED:
        counts[model.__tablename__] = _delete(session, delete(model).where(dated(model)))
    # Order facts and day counts are derived from the rows just deleted: gone with the account, rebuilt
    # after a dated purge (an order whose items went loses its row; one that lost a shipment gets it
    # recomputed).
    if before is None:
        for model in DERIVED:
            counts[model.__tablename__] = _delete(session, delete(model).where(_account_id(model) == account_id))
    else:
        had = {model: _count_rows(session, model, account_id) for model in DERIVED}
        rebuild_order_facts(session.connection(), account_id)
        recount_shipment_days(session.connection(), account_id)
        for model, n in had.items():
            counts[model.__tablename__] = n - _count_rows(session, model, account_id)
    if before is None:
        for model in UNDATED:
            counts[model.__tablename__] = _delete(session, delete(model).where(_account_id(model) == account_id))
    return counts


def _count_rows(session: Session, model: type[models.Base], account_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(_account_id(model) == account_id)) or 0)


def _outbound(session: Session, account_id: int, before: date | None) -> Delete:
    """The clock's messages about the account: they carry its figures and order ids in `payload`.

    They are keyed per workspace, so they are found by what names the account: the period of an
    alert, a reminder or a stale notice starts with its id; digests and their charts went to the
    account's digest or bound channels. Read before those rows are deleted.
    """
    account = session.get(models.Account, account_id)
    if account is None:
        return delete(models.OutboundMessage).where(false())
    channels = set(
        session.scalars(select(models.Digest.channel_id).where(models.Digest.account_id == account_id))
    ) | set(
        session.scalars(select(models.ChannelAccount.channel_id).where(models.ChannelAccount.account_id == account_id))
    )
    message = models.OutboundMessage
    about = or_(
        message.period.startswith(f"{account_id}:", autoescape=True),
        and_(message.kind.in_(("digest", "chart")), message.target.in_(channels)),
    )
    where = and_(message.workspace_id == account.workspace_id, about)
    if before is not None:
        where = and_(where, message.claimed_at < datetime.combine(before, time(), tzinfo=UTC))
    return delete(message).where(where)


def _account_id(model: type[models.Base]) -> ColumnElement[int]:
    column: ColumnElement[int] = model.__table__.c.account_id
    return column


def _delete(session: Session, statement: Delete) -> int:
    # Through the session's connection: Core's CursorResult counts the rows on both databases.
    return session.connection().execute(statement).rowcount


def accounts_named(*, session: Session, name: str, team_id: str | None = None) -> list[tuple[models.Account, str]]:
    """Accounts called `name` in any workspace (or in `team_id`'s), each with its workspace's team id."""
    query = (
        select(models.Account, models.Workspace.slack_team_id)
        .join(models.Workspace, models.Workspace.id == models.Account.workspace_id)
        .where(models.Account.name == name)
        .order_by(models.Workspace.slack_team_id)
    )
    if team_id is not None:
        query = query.where(models.Workspace.slack_team_id == team_id)
    return [(account, team) for account, team in session.execute(query)]
