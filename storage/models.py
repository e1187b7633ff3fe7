"""healthbot's tables, as typed SQLAlchemy 2 models.

Every seller row belongs to one account, and an account to one workspace. Rows ingested from exports
carry the key the export defines (reports.md), a `row_hash` of their stored values (so a re-upload is
recognised as unchanged without comparing column by column) and the upload that last wrote them.
No buyer names, emails, phones or addresses are ever stored (reports.md section 1).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

intpk = Annotated[int, mapped_column(Integer, primary_key=True, autoincrement=True)]
utc_datetime = Annotated[datetime, mapped_column(UTCDateTime())]
# Amounts are informational (a refund is "an amount > 0"); floats keep SQLite and PostgreSQL alike.
money = Annotated[float, mapped_column(Float)]
str_id = Annotated[str, mapped_column(String(64))]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


# --- tenants --------------------------------------------------------------------------------------


class Workspace(Base):
    """A Slack team, or the local workspace the command line uses."""

    __tablename__ = "workspaces"

    id: Mapped[intpk]
    slack_team_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[utc_datetime]


class Account(Base):
    """One seller account in one marketplace."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[intpk]
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    marketplace: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    handling_days: Mapped[int] = mapped_column(Integer, default=1)
    # Target overrides and the spec's (choice) settings, e.g. {"targets": {"odr": 0.01}, "claims_rule": "all"}.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[utc_datetime]


class Upload(Base):
    """One file handed to healthbot, ingested or rejected."""

    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_account_received", "account_id", "received_at"),)

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))  # cli | slack
    filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[utc_datetime]
    kind: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # ingested | rejected
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_new: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_skipped: Mapped[int] = mapped_column(Integer, default=0)
    skipped_reasons: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    span_start: Mapped[date | None] = mapped_column(Date)
    span_end: Mapped[date | None] = mapped_column(Date)
    error: Mapped[str | None] = mapped_column(Text)


# --- Amazon exports ------------------------------------------------------------------------------


class OrderItem(Base):
    """One order item from All Orders (key: order id and SKU), with its order's attributes.

    Like the export itself, the order's attributes repeat on each of its items: a separate orders
    table cost 40% more ingest time for nothing a `GROUP BY amazon_order_id` cannot give.
    """

    __tablename__ = "order_items"
    __table_args__ = (
        UniqueConstraint("account_id", "amazon_order_id", "sku"),
        # Covering for the order-level metrics (orders per day and channel read from the index alone).
        Index("ix_order_items_by_date", "account_id", "order_date", "channel", "amazon_order_id"),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    amazon_order_id: Mapped[str_id]
    sku: Mapped[str] = mapped_column(String(100))
    purchase_at: Mapped[utc_datetime]
    order_date: Mapped[date] = mapped_column(Date)  # UTC date of purchase_at (metrics.md 1)
    last_updated_at: Mapped[utc_datetime]
    order_status: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(3))  # afn | mfn
    sales_channel: Mapped[str | None] = mapped_column(String(64))
    ship_service_level: Mapped[str | None] = mapped_column(String(64))
    product_name: Mapped[str | None] = mapped_column(Text)
    asin: Mapped[str | None] = mapped_column(String(16))
    item_status: Mapped[str | None] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    item_price: Mapped[float | None] = mapped_column(Float)
    is_business: Mapped[bool | None] = mapped_column(Boolean)
    is_prime: Mapped[bool | None] = mapped_column(Boolean)
    latest_ship_at: Mapped[datetime | None]
    latest_delivery_at: Mapped[datetime | None]
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


class Feedback(Base):
    """Seller feedback (1-3 stars as Amazon exports it); removed feedback is kept, marked."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("account_id", "amazon_order_id"),
        Index("ix_feedback_account_date", "account_id", "received_date"),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    amazon_order_id: Mapped[str_id]
    received_date: Mapped[date] = mapped_column(Date)
    rating: Mapped[int] = mapped_column(Integer)
    comments: Mapped[str | None] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)
    removed_at: Mapped[datetime | None]
    seen_upload_id: Mapped[int] = mapped_column(Integer)
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


class SellerReturn(Base):
    """A seller-fulfilled return request, from the returns report (key: order id, Amazon RMA ID)."""

    __tablename__ = "returns"
    __table_args__ = (
        UniqueConstraint("account_id", "amazon_order_id", "rma_id"),
        Index("ix_returns_account_date", "account_id", "request_date"),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    amazon_order_id: Mapped[str_id]
    rma_id: Mapped[str] = mapped_column(String(64))
    order_date: Mapped[date | None] = mapped_column(Date)
    request_date: Mapped[date] = mapped_column(Date)
    request_status: Mapped[str | None] = mapped_column(String(64))
    a_to_z_claim: Mapped[bool | None] = mapped_column(Boolean)
    is_prime: Mapped[bool | None] = mapped_column(Boolean)
    asin: Mapped[str | None] = mapped_column(String(16))
    sku: Mapped[str | None] = mapped_column(String(100))
    item_name: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[int | None] = mapped_column(Integer)
    return_reason: Mapped[str | None] = mapped_column(String(200))
    in_policy: Mapped[bool | None] = mapped_column(Boolean)
    return_type: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(String(64))
    return_delivery_date: Mapped[date | None] = mapped_column(Date)
    order_amount: Mapped[float | None] = mapped_column(Float)
    refunded_amount: Mapped[float | None] = mapped_column(Float)
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


class FbaReturn(Base):
    """An FBA customer return (key: order id, licence plate number, SKU)."""

    __tablename__ = "fba_returns"
    __table_args__ = (
        UniqueConstraint("account_id", "amazon_order_id", "license_plate_number", "sku"),
        Index("ix_fba_returns_account_date", "account_id", "returned_at"),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    amazon_order_id: Mapped[str_id]
    license_plate_number: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(100))
    returned_at: Mapped[utc_datetime]
    asin: Mapped[str | None] = mapped_column(String(16))
    fnsku: Mapped[str | None] = mapped_column(String(16))
    product_name: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[int | None] = mapped_column(Integer)
    fulfillment_center_id: Mapped[str | None] = mapped_column(String(16))
    detailed_disposition: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str | None] = mapped_column(String(64))
    customer_comments: Mapped[str | None] = mapped_column(Text)
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


class FbaShipment(Base):
    """An Amazon-fulfilled shipment item (key: shipment item id); no recipient data kept."""

    __tablename__ = "fba_shipments"
    __table_args__ = (
        UniqueConstraint("account_id", "shipment_item_id"),
        Index("ix_fba_shipments_account_order", "account_id", "amazon_order_id"),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    shipment_item_id: Mapped[str_id]
    amazon_order_id: Mapped[str_id]
    shipment_id: Mapped[str | None] = mapped_column(String(64))
    purchase_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    sku: Mapped[str | None] = mapped_column(String(100))
    quantity_shipped: Mapped[int | None] = mapped_column(Integer)
    carrier: Mapped[str | None] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    estimated_arrival_at: Mapped[datetime | None]
    fulfillment_center_id: Mapped[str | None] = mapped_column(String(16))
    sales_channel: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


class UnshippedItem(Base):
    """A line of the newest unshipped-orders snapshot; lines absent from a newer snapshot are deleted."""

    __tablename__ = "unshipped_items"
    __table_args__ = (UniqueConstraint("account_id", "order_item_id"),)

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    order_item_id: Mapped[str_id]
    amazon_order_id: Mapped[str_id]
    purchase_at: Mapped[datetime | None]
    promise_at: Mapped[datetime | None]  # the ship-by deadline
    days_past_promise: Mapped[int | None] = mapped_column(Integer)
    sku: Mapped[str | None] = mapped_column(String(100))
    quantity_to_ship: Mapped[int | None] = mapped_column(Integer)
    ship_service_level: Mapped[str | None] = mapped_column(String(64))
    is_prime: Mapped[bool | None] = mapped_column(Boolean)
    is_business: Mapped[bool | None] = mapped_column(Boolean)
    seen_upload_id: Mapped[int] = mapped_column(Integer)
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


class SettlementTransaction(Base):
    """A refund, A-to-z refund or chargeback refund from a settlement report; other rows are skipped."""

    __tablename__ = "settlement_transactions"
    __table_args__ = (
        UniqueConstraint("account_id", "settlement_id", "amazon_order_id", "adjustment_id", "transaction_type"),
        Index("ix_settlement_transactions_account_order", "account_id", "amazon_order_id"),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    settlement_id: Mapped[str] = mapped_column(String(32))
    amazon_order_id: Mapped[str_id]
    adjustment_id: Mapped[str] = mapped_column(String(64))
    transaction_type: Mapped[str] = mapped_column(String(64))
    posted_at: Mapped[datetime | None]
    sku: Mapped[str | None] = mapped_column(String(100))
    amount: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


class AccountHealthSnapshot(Base):
    """Amazon's Account Health report for the account's marketplace, as uploaded."""

    __tablename__ = "account_health_snapshots"
    __table_args__ = (UniqueConstraint("account_id", "marketplace_id", "reported_through"),)

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    marketplace_id: Mapped[str] = mapped_column(String(32))
    reported_through: Mapped[datetime]  # the latest reportingDateTo in the report
    account_status: Mapped[str | None] = mapped_column(String(32))
    ahr_status: Mapped[str | None] = mapped_column(String(32))
    ahr_score: Mapped[int | None] = mapped_column(Integer)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)  # the marketplace's entries, as given
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


class AccountHealthFigure(Base):
    """One figure of an Account Health snapshot (a rate, a count, a policy category)."""

    __tablename__ = "account_health_figures"
    __table_args__ = (UniqueConstraint("snapshot_id", "metric", "scope", "window_days"),)

    id: Mapped[intpk]
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("account_health_snapshots.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(64))  # healthbot's id: odr, late_shipment_rate, policy.listing...
    scope: Mapped[str] = mapped_column(String(8))  # afn | mfn | all | account
    window_days: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    rate: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[int | None] = mapped_column(Integer)
    denominator: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(32))
    target_value: Mapped[float | None] = mapped_column(Float)
    target_condition: Mapped[str | None] = mapped_column(String(32))
    components: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    inconsistent: Mapped[bool] = mapped_column(Boolean, default=False)  # numerator above denominator


# --- healthbot templates ------------------------------------------------------------------------


class Claim(Base):
    """An A-to-z Guarantee claim (template `claims`)."""

    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("account_id", "amazon_order_id", "claimed_at"),
        Index("ix_claims_account_order", "account_id", "amazon_order_id"),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    amazon_order_id: Mapped[str_id]
    claimed_at: Mapped[utc_datetime]
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[float | None] = mapped_column(Float)
    funded_by: Mapped[str | None] = mapped_column(String(32))
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


class Chargeback(Base):
    """A chargeback (template `chargebacks`)."""

    __tablename__ = "chargebacks"
    __table_args__ = (
        UniqueConstraint("account_id", "amazon_order_id", "charged_back_at"),
        Index("ix_chargebacks_account_order", "account_id", "amazon_order_id"),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    amazon_order_id: Mapped[str_id]
    charged_back_at: Mapped[utc_datetime]
    type: Mapped[str | None] = mapped_column(String(16))  # service | fraud | unknown (None)
    status: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[float | None] = mapped_column(Float)
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


class Cancellation(Base):
    """Who cancelled an order (template `cancellations`)."""

    __tablename__ = "cancellations"
    __table_args__ = (UniqueConstraint("account_id", "amazon_order_id"),)

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    amazon_order_id: Mapped[str_id]
    cancelled_at: Mapped[utc_datetime]
    initiated_by: Mapped[str] = mapped_column(String(16))  # seller | buyer | amazon
    reason: Mapped[str | None] = mapped_column(String(200))
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


TO_JUDGE_COLUMNS = (
    "account_id",
    "promised_delivery_date",
    "ship_confirmed_at",
    "tracking_valid",
    "delivered_at",
    "units",
    "carrier",
    "amazon_order_id",
)


class MfnShipment(Base):
    """A seller-fulfilled shipment with its ship confirmation, tracking and delivery (template `shipments`)."""

    __tablename__ = "mfn_shipments"
    __table_args__ = (
        UniqueConstraint("account_id", "amazon_order_id", "tracking_number"),
        # The delivery metrics' counts per promised date come from this index alone (and their defects
        # are told from it before a row is read).
        Index(
            "ix_mfn_shipments_account_promised",
            "account_id",
            "promised_delivery_date",
            "ship_confirmed_at",
            "tracking_valid",
            "delivered_at",
            "units",
        ),
        # The shipments the delivery metrics judge one by one (all but those on time for sure), with every
        # column they read of them: counted and listed from the index alone.
        Index(
            "ix_mfn_shipments_to_judge",
            *TO_JUDGE_COLUMNS,
            sqlite_where=text("on_time_for_sure IS NOT 1"),
            postgresql_where=text("on_time_for_sure IS NOT TRUE"),
        ),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    amazon_order_id: Mapped[str_id]
    tracking_number: Mapped[str] = mapped_column(String(64))  # "" when the shipment has none
    ship_confirmed_at: Mapped[utc_datetime]
    expected_ship_date: Mapped[date | None] = mapped_column(Date)
    carrier: Mapped[str | None] = mapped_column(String(64))
    tracking_valid: Mapped[bool | None] = mapped_column(Boolean)
    promised_delivery_date: Mapped[date | None] = mapped_column(Date)
    delivered_at: Mapped[datetime | None]
    units: Mapped[int | None] = mapped_column(Integer)
    # Flagged valid and delivered by 23:59:59 of the promised date in UTC+14 (the first zone to end
    # it): on time with valid tracking for every time zone and every evaluation instant after the
    # promised day ended. Derived at ingestion; NULL (rows written otherwise) means "judge it".
    on_time_for_sure: Mapped[bool | None] = mapped_column(Boolean)
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


class BuyerMessage(Base):
    """A buyer message and its first reply (template `buyer-messages`)."""

    __tablename__ = "buyer_messages"
    __table_args__ = (
        UniqueConstraint("account_id", "message_id"),
        Index("ix_buyer_messages_account_received", "account_id", "received_at"),
        Index("ix_buyer_messages_account_order", "account_id", "amazon_order_id"),  # the order facts' refresh
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    message_id: Mapped[str_id]
    received_at: Mapped[utc_datetime]
    amazon_order_id: Mapped[str | None] = mapped_column(String(64))
    replied_at: Mapped[datetime | None]
    no_response_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_reply: Mapped[bool] = mapped_column(Boolean, default=False)
    subject: Mapped[str | None] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(100))
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


class ReturnRequest(Base):
    """A return request with its handling (template `return-requests`)."""

    __tablename__ = "return_requests"
    __table_args__ = (
        UniqueConstraint("account_id", "amazon_order_id", "requested_at"),
        Index("ix_return_requests_account_requested", "account_id", "requested_at"),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    amazon_order_id: Mapped[str_id]
    requested_at: Mapped[utc_datetime]
    status: Mapped[str] = mapped_column(String(32))
    responded_at: Mapped[datetime | None]
    in_policy: Mapped[bool | None] = mapped_column(Boolean)
    buyer_resolved: Mapped[bool | None] = mapped_column(Boolean)
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


class CsSurveyAnswer(Base):
    """The latest customer-service survey answer for an order (template `cs-survey`)."""

    __tablename__ = "cs_survey_answers"
    __table_args__ = (
        UniqueConstraint("account_id", "amazon_order_id"),
        Index("ix_cs_survey_answers_account_answered", "account_id", "answered_at"),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    amazon_order_id: Mapped[str_id]
    answered_at: Mapped[utc_datetime]
    solved: Mapped[bool] = mapped_column(Boolean)
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


class PolicyViolation(Base):
    """A policy violation or complaint the team recorded (template `policy-violations`)."""

    __tablename__ = "policy_violations"
    __table_args__ = (UniqueConstraint("account_id", "violation_date", "category", "asin"),)

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    violation_date: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(100))
    asin: Mapped[str] = mapped_column(String(16))  # "" when the violation names none
    status: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    row_hash: Mapped[str] = mapped_column(String(16))
    upload_id: Mapped[int] = mapped_column(Integer)


# --- computed ------------------------------------------------------------------------------------


# The covering indexes' columns (in the migration too): the key's first, then what the metrics read.
LATE_CANDIDATE_COLUMNS = (
    "account_id",
    "order_date",
    "channel",
    "may_be_late",
    "items",
    "cancelled_items",
    "awaiting_items",
    "latest_ship_at",
    "template_expected_ship_date",
    "first_confirmed_at",
    "cancel_seen_at",
    "last_updated_at",
    "cancelled_at",
    "carrier",
    "amazon_order_id",
    "first_sku",
    "problem_at",
)
PROBLEM_COLUMNS = (
    "account_id",
    "order_date",
    "problem_at",
    "amazon_order_id",
    "first_sku",
    "cancel_seen_at",
    "cancelled_at",
    "first_refund_at",
    "refund_return_on",
    "first_message_at",
)


class OrderFact(Base):
    """One order's attributes and first events, derived from `order_items`, `mfn_shipments`,
    `cancellations`, `buyer_messages`, `settlement_transactions` and `returns` (storage/order_facts.py
    refreshes it whenever an upload writes rows of those).

    What the shipping metrics and the perfect order percentage ask of each order, one indexed row each
    instead of every item's non-indexed columns plus a look-up per order in each other table. Only
    instants and dates as stored: nothing here depends on the account's time zone or handling time, so
    changing those needs no refresh. The few orders the metrics judge one by one (may be late,
    cancelled, with a problem) each have a partial index holding every column read about them.
    """

    __tablename__ = "order_facts"
    __table_args__ = (
        # Orders per day and channel, index-only (ODR, the perfect order percentage).
        Index("ix_order_facts_by_date", "account_id", "order_date", "channel"),
        # Late shipment: MFN orders by latest-ship-date (an instant range is a local day range).
        Index("ix_order_facts_by_ship_by", "account_id", "channel", "latest_ship_at", "order_date"),
        # The few MFN orders that may have shipped late (or not at all), by order date, with what judging
        # them reads: the index alone answers (the table's rows are in no useful order).
        Index(
            "ix_order_facts_late_candidates",
            *LATE_CANDIDATE_COLUMNS,
            sqlite_where=text("may_be_late = 1"),
            postgresql_where=text("may_be_late"),
        ),
        # Only the orders All Orders shows cancelled (a few per hundred), by order date, with the same.
        Index(
            "ix_order_facts_cancelled",
            *LATE_CANDIDATE_COLUMNS,
            sqlite_where=text("cancel_seen_at IS NOT NULL"),
            postgresql_where=text("cancel_seen_at IS NOT NULL"),
        ),
        # Only the orders with a cancellation, refund or buyer message (the perfect order percentage), with
        # what it reads.
        Index(
            "ix_order_facts_problems",
            *PROBLEM_COLUMNS,
            sqlite_where=text("problem_at IS NOT NULL"),
            postgresql_where=text("problem_at IS NOT NULL"),
        ),
    )

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    amazon_order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_date: Mapped[date] = mapped_column(Date)  # the earliest of its items'
    channel: Mapped[str] = mapped_column(String(3))  # the least of its items' (one order has one)
    items: Mapped[int] = mapped_column(Integer)
    first_sku: Mapped[str] = mapped_column(String(100))
    latest_ship_at: Mapped[datetime | None]  # the earliest of its items'
    cancelled_items: Mapped[int] = mapped_column(Integer)  # items whose order status is Cancelled
    awaiting_items: Mapped[int] = mapped_column(Integer)  # items whose order status is Unshipped or PartiallyShipped
    # The earliest update of an item whose order or item status says cancelled: when All Orders showed it.
    cancel_seen_at: Mapped[datetime | None]
    last_updated_at: Mapped[datetime]  # the latest of its items'
    first_confirmed_at: Mapped[datetime | None]  # the first ship confirmation of its shipments
    template_expected_ship_date: Mapped[date | None] = mapped_column(Date)  # the earliest in its shipments
    carrier: Mapped[str | None] = mapped_column(String(64))  # the least of its shipments'
    cancelled_at: Mapped[datetime | None]  # from the cancellations template
    # False for other channels, and for an MFN order whose first confirmation came before the earliest its
    # expected ship date can end in any time zone (the latest-ship-date's second, else 00:00 UTC of the
    # template's expected date or of the order date): it shipped on time whatever the day asked about.
    # The rest (a few per hundred, and the unconfirmed) are the orders to judge exactly.
    may_be_late: Mapped[bool] = mapped_column(Boolean)
    first_message_at: Mapped[datetime | None]  # the first buyer message about it
    first_refund_at: Mapped[datetime | None]  # the first settlement Refund posted for it
    refund_return_on: Mapped[date | None] = mapped_column(Date)  # the first seller return refunded (request date)
    # The earliest of: All Orders showing it cancelled, the cancellations template, the refunds (a
    # return's as 00:00 UTC of its request date), the first buyer message. NULL for most orders.
    problem_at: Mapped[datetime | None]


class OrderDayCount(Base):
    """How many orders of each channel the account has per order date: `order_facts` counted.

    Kept by storage/order_facts.py with the facts it counts (every refresh adds what it inserted and
    takes off what it deleted), so the metrics that divide by orders per day read a few rows instead
    of counting a million index entries.
    """

    __tablename__ = "order_day_counts"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    order_date: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(3), primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)


class ShipmentDayCount(Base):
    """The account's confirmed shipments per promised delivery date and tracking flag, counted.

    Kept by storage/shipment_days.py in the transaction of every upload that writes shipments, so the
    delivery metrics read a few rows per day instead of every shipment's index entry; the shipments
    on time for sure (`MfnShipment.on_time_for_sure`) are counted apart, the others are judged.
    """

    __tablename__ = "shipment_day_counts"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    promised_delivery_date: Mapped[date] = mapped_column(Date, primary_key=True)
    tracking: Mapped[str] = mapped_column(String(1), primary_key=True)  # Y flagged valid, N invalid, ? no flag
    shipments: Mapped[int] = mapped_column(Integer)
    units: Mapped[int] = mapped_column(Integer)  # a shipment without a unit count counts as 1
    without_units: Mapped[int] = mapped_column(Integer)
    sure: Mapped[int] = mapped_column(Integer)  # on time for sure
    sure_units: Mapped[int] = mapped_column(Integer)
    last_confirmed_at: Mapped[utc_datetime]  # the counts hold for an evaluation instant after it


class MetricSnapshot(Base):
    """One metric figure of one account on one day, as computed (what Slack and history read)."""

    __tablename__ = "metric_snapshots"
    __table_args__ = (
        UniqueConstraint("account_id", "as_of", "metric_id", "scope", "window_days"),
        Index("ix_metric_snapshots_account_metric_day", "account_id", "metric_id", "as_of"),
    )

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    as_of: Mapped[date] = mapped_column(Date)
    metric_id: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(8))
    window_days: Mapped[int] = mapped_column(Integer)  # 0 when the metric has one window
    value: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[int | None] = mapped_column(Integer)
    denominator: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    basis: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)  # the full result, as `report --json` prints it
    computed_at: Mapped[utc_datetime]


# --- the team's settings and what came in from chat ------------------------------------------------


class ChannelAccount(Base):
    """The seller account a chat channel speaks about (`/health account NAME`)."""

    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"),)

    id: Mapped[intpk]
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    bound_by: Mapped[str] = mapped_column(String(32))
    bound_at: Mapped[utc_datetime]


class MetricOwner(Base):
    """Who hears first when a metric crosses its target (`/health owner METRIC @user`)."""

    __tablename__ = "metric_owners"
    __table_args__ = (UniqueConstraint("account_id", "metric_id"),)

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    metric_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32))
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[utc_datetime]


class Digest(Base):
    """A morning digest of an account posted to a channel at a local time (`/health digest here`)."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"),)

    id: Mapped[intpk]
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    at: Mapped[str] = mapped_column(String(5))  # HH:MM, local to `timezone`
    timezone: Mapped[str] = mapped_column(String(64))
    days: Mapped[str] = mapped_column(String(32), default="daily")  # daily | mon-fri | mon,wed,fri ...
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[utc_datetime]


class InboundEvent(Base):
    """An event delivery claimed for processing, so that a retried delivery is processed once."""

    __tablename__ = "inbound_events"
    __table_args__ = (UniqueConstraint("team_id", "event_id"),)

    id: Mapped[intpk]
    team_id: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # processing | done | failed
    claimed_at: Mapped[utc_datetime]


class SharedFile(Base):
    """A file shared in chat, claimed once whatever the number of events naming it."""

    __tablename__ = "shared_files"
    __table_args__ = (UniqueConstraint("team_id", "file_id"),)

    id: Mapped[intpk]
    team_id: Mapped[str] = mapped_column(String(32))
    file_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # processing | ingested | rejected | failed
    upload_id: Mapped[int | None] = mapped_column(Integer)
    claimed_at: Mapped[utc_datetime]
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --- what the clock sends -------------------------------------------------------------------------


class OutboundMessage(Base):
    """One message the clock sends, claimed under its idempotency key before it is posted.

    (kind, workspace, target, period) is unique: whoever inserts the row posts; a second clock, a
    second tick or a restart finds it and posts nothing. `payload` is kept so that a claim left
    `pending` by a crash, or `failed` by Slack, can be posted later by the sweeper.
    """

    __tablename__ = "outbound_messages"
    __table_args__ = (
        UniqueConstraint("kind", "workspace_id", "target", "period"),
        Index("ix_outbound_messages_status", "status", "claimed_at"),
    )

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(16))  # digest | chart | alert | reminder | overdue | stale
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(32))  # a channel id, or a user id for a direct message
    period: Mapped[str] = mapped_column(String(200))  # e.g. 2026-11-24, odr:mfn:0:breach:2026-11-24
    status: Mapped[str] = mapped_column(String(16))  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    thread_of: Mapped[int | None] = mapped_column(Integer)  # a message whose thread this one goes in
    channel: Mapped[str | None] = mapped_column(String(32))  # where Slack put it (a D... id for DMs)
    ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[utc_datetime]
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertState(Base):
    """Where a figure stood when the clock last looked: what makes a crossing (and not a flap)."""

    __tablename__ = "alert_states"
    __table_args__ = (UniqueConstraint("account_id", "metric_id", "scope", "window_days"),)

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    metric_id: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(8))
    window_days: Mapped[int] = mapped_column(Integer)  # 0 when the metric has one window
    state: Mapped[str] = mapped_column(String(16))  # ok | warning | breach
    since: Mapped[date] = mapped_column(Date)
    notified_on: Mapped[date | None] = mapped_column(Date)  # the last breach message's day


class AlertPreference(Base):
    """An owner's choices about a metric's alerts: snoozed, muted, warnings wanted."""

    __tablename__ = "alert_preferences"
    __table_args__ = (UniqueConstraint("account_id", "metric_id"),)

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    metric_id: Mapped[str] = mapped_column(String(64))
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    warnings: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[utc_datetime]


class MessageMark(Base):
    """A buyer message marked in Slack as replied or as needing no response, before any export says so."""

    __tablename__ = "message_marks"
    __table_args__ = (UniqueConstraint("account_id", "message_id"),)

    id: Mapped[intpk]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(64))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    no_response_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    marked_by: Mapped[str] = mapped_column(String(32))
    marked_at: Mapped[utc_datetime]
