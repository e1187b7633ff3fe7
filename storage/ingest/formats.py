"""Every export healthbot reads (reports.md sections 2 and 3), declared column by column.

A format lists the columns it stores (with their parser and model attribute), the columns it knows
but never reads (personal data, dropped at parse time) and the key rows are upserted by.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import cached_property
from typing import Any, Literal

from storage import models
from storage.ingest import values as v

Record = dict[str, Any]


def normalise_header(name: str) -> str:
    """Header names match case-insensitively, trimmed, with `_` and spaces read as `-`."""
    return "-".join(name.strip().strip('"').strip().lower().replace("_", " ").split())


@dataclass(frozen=True)
class Column:
    """One column of a format.

    Args:
        header: the column's name as reports.md writes it.
        attr: the model attribute it fills; None for a column read only to derive another value.
        parse: turns the stripped, non-empty text into a value.
        required: the header must have it (recognition relies on the required columns).
        nonempty: every row must have a value in it.
        aliases: other accepted header names (templates: what shipping and help-desk tools export).
        empty: the value stored when the field is empty (key columns use "" rather than NULL).
    """

    header: str
    attr: str | None
    parse: v.Parser = v.text
    required: bool = False
    nonempty: bool = False
    aliases: tuple[str, ...] = ()
    empty: Any = None

    def names(self) -> tuple[str, ...]:
        return (normalise_header(self.header), *(normalise_header(a) for a in self.aliases))


@dataclass(frozen=True, kw_only=True)
class ReportFormat:
    """An export healthbot reads: its columns, the table its rows go to, and how they are keyed."""

    kind: str
    title: str
    source: Literal["amazon", "template"]
    columns: tuple[Column, ...]
    model: type[models.Base]
    key: tuple[str, ...]
    span: str | None  # the attribute whose dates give the file's span
    where: str  # where a seller gets this file
    version: str | None = None  # newest row wins by this attribute (otherwise the later upload wins)
    # Attributes computed from the parsed row (e.g. the UTC order date), and how.
    derive: Callable[[Record], Record] | None = None
    derived: tuple[str, ...] = ()
    personal: tuple[str, ...] = ()  # columns holding buyer personal data: recognised, never read
    other: tuple[str, ...] = ()  # further columns of the export healthbot does not need
    snapshot: Literal["removal", "replace"] | None = None
    # Decide from the raw row (header name -> text) whether it is skipped, and why.
    skip: Callable[[Mapping[str, str]], str | None] | None = None
    # Combine two rows of one file with the same key (settlement lines of one refund add up).
    merge: Callable[[Record, Record], Record] | None = None

    @cached_property
    def attrs(self) -> tuple[str, ...]:
        """The model attributes a row fills: stored columns, then derived ones."""
        stored = tuple(c.attr for c in self.columns if c.attr and not c.attr.startswith("_"))
        return stored + self.derived

    @property
    def delimiters(self) -> tuple[str, ...]:
        # reports.md 1: Amazon flat files are tab-delimited; templates may use , ; or tab.
        return ("\t",) if self.source == "amazon" else (",", ";", "\t")

    def known_names(self) -> set[str]:
        names = {n for c in self.columns for n in c.names()}
        names.update(normalise_header(h) for h in self.personal + self.other)
        return names

    def required_names(self) -> list[tuple[str, ...]]:
        return [c.names() for c in self.columns if c.required]

    def template_header(self) -> list[str]:
        return [c.header for c in self.columns]


def _order_date(record: Record) -> Record:
    return {"order_date": record["purchase_at"].date()}


# 23:59:59 on a day in UTC+14, the first time zone to end it: a delivery by then is on time in every zone.
_EARLIEST_DAY_END = time(9, 59, 59)


def _on_time_for_sure(record: Record) -> Record:
    """Whether the shipment is one the delivery metrics need not judge (models.MfnShipment)."""
    promised, delivered = record["promised_delivery_date"], record["delivered_at"]
    sure = (
        record["tracking_valid"] is True
        and promised is not None
        and delivered is not None
        and delivered <= datetime.combine(promised, _EARLIEST_DAY_END, tzinfo=UTC)
    )
    return {"on_time_for_sure": sure}


# Buyer contact columns of Amazon's order reports (reports.md 1): recognised, never read. Postal city,
# state, code and country go too: no metric needs them.
BUYER_CONTACT = (
    "buyer-email",
    "buyer-name",
    "buyer-phone-number",
    "recipient-name",
    *(f"ship-address-{n}" for n in (1, 2, 3)),
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "ship-phone-number",
    *(f"bill-address-{n}" for n in (1, 2, 3)),
    "bill-city",
    "bill-state",
    "bill-postal-code",
    "bill-country",
)

# --- Amazon exports (reports.md 2) ----------------------------------------------------------------

ALL_ORDERS = ReportFormat(
    kind="all_orders",
    title="All Orders report",
    source="amazon",
    where="Seller Central > Reports > Fulfillment > All Orders (download as a .txt flat file)",
    columns=(
        Column("amazon-order-id", "amazon_order_id", required=True, nonempty=True),
        Column("purchase-date", "purchase_at", v.timestamp, required=True, nonempty=True),
        Column("last-updated-date", "last_updated_at", v.timestamp, required=True, nonempty=True),
        Column("order-status", "order_status", required=True, nonempty=True),
        Column("fulfillment-channel", "channel", v.channel, required=True, nonempty=True),
        Column("sales-channel", "sales_channel"),
        Column("ship-service-level", "ship_service_level"),
        Column("product-name", "product_name"),
        Column("sku", "sku", required=True, empty=""),
        Column("asin", "asin"),
        Column("item-status", "item_status", required=True),
        Column("quantity", "quantity", v.integer, required=True, nonempty=True),
        Column("currency", "currency"),
        Column("item-price", "item_price", v.amount),
        Column("is-business-order", "is_business", v.flag),
        Column("is-prime", "is_prime", v.flag),
        Column("latest-ship-date", "latest_ship_at", v.timestamp),
        Column("latest-delivery-date", "latest_delivery_at", v.timestamp),
    ),
    model=models.OrderItem,
    key=("amazon_order_id", "sku"),
    version="last_updated_at",
    derive=_order_date,
    derived=("order_date",),
    span="purchase_at",
    personal=BUYER_CONTACT,
    other=(
        "merchant-order-id",
        "order-channel",
        "url",
        "item-tax",
        "shipping-price",
        "shipping-tax",
        "gift-wrap-price",
        "gift-wrap-tax",
        "item-promotion-discount",
        "ship-promotion-discount",
        "promotion-ids",
        "cpf",
        "purchase-order-number",
        "price-designation",
        "signature-confirmation-recommended",
        "number-of-items",
        "tax-collection-model",
        "tax-collection-responsible-party",
        "address-type",
    ),
)

FEEDBACK = ReportFormat(
    kind="feedback",
    title="Seller feedback report",
    source="amazon",
    where="Seller Central > Performance > Feedback > Download",
    columns=(
        Column("Date", "received_date", v.feedback_date, required=True, nonempty=True),
        Column("Rating", "rating", v.rating, required=True, nonempty=True),
        Column("Comments", "comments", required=True),
        Column("Your Response", "response"),
        Column("Order ID", "amazon_order_id", required=True, nonempty=True),
    ),
    model=models.Feedback,
    key=("amazon_order_id",),
    span="received_date",
    personal=("Rater Email",),
    snapshot="removal",
)

RETURNS = ReportFormat(
    kind="returns",
    title="Returns report (seller-fulfilled)",
    source="amazon",
    where="Seller Central > Reports > Return Reports > Returns by return date (flat file)",
    columns=(
        Column("Order ID", "amazon_order_id", required=True, nonempty=True),
        Column("Order date", "order_date", v.day),
        Column("Return request date", "request_date", v.day, required=True, nonempty=True),
        Column("Return request status", "request_status", required=True),
        Column("Amazon RMA ID", "rma_id", required=True, empty=""),
        Column("A-to-Z Claim", "a_to_z_claim", v.flag),
        Column("Is prime", "is_prime", v.flag),
        Column("ASIN", "asin"),
        Column("Merchant SKU", "sku"),
        Column("Item Name", "item_name"),
        Column("Return quantity", "quantity", v.integer),
        Column("Return Reason", "return_reason"),
        Column("In policy", "in_policy", v.flag),
        Column("Return type", "return_type"),
        Column("Resolution", "resolution"),
        Column("Return delivery date", "return_delivery_date", v.day),
        Column("Order Amount", "order_amount", v.amount),
        Column("Refunded Amount", "refunded_amount", v.amount),
    ),
    model=models.SellerReturn,
    key=("amazon_order_id", "rma_id"),
    span="request_date",
    other=(
        "Merchant RMA ID",
        "Label type",
        "Label cost",
        "Currency code",
        "Return carrier",
        "Tracking ID",
        "Label to be paid by",
        "Invoice number",
        "Order quantity",
        "SafeT Action reason",
        "SafeT claim id",
        "SafeT claim state",
        "SafeT claim creation time",
        "SafeT claim reimbursement amount",
    ),
)

FBA_RETURNS = ReportFormat(
    kind="fba_returns",
    title="FBA customer returns report",
    source="amazon",
    where="Seller Central > Reports > Fulfillment > Customer Returns (FBA)",
    columns=(
        Column("return-date", "returned_at", v.timestamp, required=True, nonempty=True),
        Column("order-id", "amazon_order_id", required=True, nonempty=True),
        Column("sku", "sku", required=True, empty=""),
        Column("asin", "asin"),
        Column("fnsku", "fnsku", required=True),
        Column("product-name", "product_name"),
        Column("quantity", "quantity", v.integer),
        Column("fulfillment-center-id", "fulfillment_center_id"),
        Column("detailed-disposition", "detailed_disposition", required=True),
        Column("reason", "reason"),
        Column("status", "status"),
        Column("license-plate-number", "license_plate_number", required=True, empty=""),
        Column("customer-comments", "customer_comments"),
    ),
    model=models.FbaReturn,
    key=("amazon_order_id", "license_plate_number", "sku"),
    span="returned_at",
)

FBA_SHIPMENTS = ReportFormat(
    kind="fba_shipments",
    title="Amazon-fulfilled shipments report",
    source="amazon",
    where="Seller Central > Reports > Fulfillment > Amazon Fulfilled Shipments",
    columns=(
        Column("amazon-order-id", "amazon_order_id", required=True, nonempty=True),
        Column("shipment-id", "shipment_id", required=True),
        Column("shipment-item-id", "shipment_item_id", required=True, nonempty=True),
        Column("purchase-date", "purchase_at", v.timestamp),
        Column("shipment-date", "shipped_at", v.timestamp, required=True),
        Column("sku", "sku"),
        Column("quantity-shipped", "quantity_shipped", v.integer, required=True),
        Column("carrier", "carrier"),
        Column("tracking-number", "tracking_number"),
        Column("estimated-arrival-date", "estimated_arrival_at", v.timestamp),
        Column("fulfillment-center-id", "fulfillment_center_id"),
        Column("sales-channel", "sales_channel"),
    ),
    model=models.FbaShipment,
    key=("shipment_item_id",),
    span="shipped_at",
    personal=BUYER_CONTACT,
    other=(
        "merchant-order-id",
        "amazon-order-item-id",
        "merchant-order-item-id",
        "payments-date",
        "reporting-date",
        "product-name",
        "currency",
        "item-price",
        "item-tax",
        "shipping-price",
        "shipping-tax",
        "gift-wrap-price",
        "gift-wrap-tax",
        "ship-service-level",
        "item-promotion-discount",
        "ship-promotion-discount",
        "fulfillment-channel",
        "points-granted",
    ),
)

UNSHIPPED = ReportFormat(
    kind="unshipped",
    title="Unshipped orders report",
    source="amazon",
    where="Seller Central > Orders > Order Reports > Unshipped Orders",
    columns=(
        Column("order-id", "amazon_order_id", required=True, nonempty=True),
        Column("order-item-id", "order_item_id", required=True, nonempty=True),
        Column("purchase-date", "purchase_at", v.timestamp),
        Column("promise-date", "promise_at", v.timestamp, required=True),
        Column("days-past-promise", "days_past_promise", v.integer),
        Column("sku", "sku"),
        Column("quantity-to-ship", "quantity_to_ship", v.integer, required=True),
        Column("ship-service-level", "ship_service_level"),
        Column("is-prime", "is_prime", v.flag),
        Column("is-business-order", "is_business", v.flag),
    ),
    model=models.UnshippedItem,
    key=("order_item_id",),
    span="purchase_at",
    snapshot="replace",
    personal=BUYER_CONTACT,
    other=(
        "payments-date",
        "reporting-date",
        "product-name",
        "quantity-purchased",
        "quantity-shipped",
        "purchase-order-number",
        "price-designation",
        "is-iba",
        "verge-of-cancellation",
        "verge-of-lateShipment",
    ),
)

SETTLEMENT_TYPES = {
    "refund": "Refund",
    "a-to-z guarantee refund": "A-to-z Guarantee Refund",
    "chargeback refund": "Chargeback Refund",
}
_SETTLEMENT_AMOUNTS = (
    "price-amount",
    "item-related-fee-amount",
    "shipment-fee-amount",
    "order-fee-amount",
    "misc-fee-amount",
    "other-fee-amount",
    "promotion-amount",
    "direct-payment-amount",
    "other-amount",
)


def _settlement_skip(raw: Mapping[str, str]) -> str | None:
    kind = raw.get("transaction-type", "").strip().lower()
    if not kind:
        return "settlement summary line"
    if kind not in SETTLEMENT_TYPES:
        return "not a refund, A-to-z refund or chargeback line"
    return None


def _settlement_merge(old: Record, new: Record) -> Record:
    merged = dict(new)
    merged["amount"] = (old.get("amount") or 0.0) + (new.get("amount") or 0.0)
    merged["posted_at"] = old.get("posted_at") or new.get("posted_at")
    merged["sku"] = old.get("sku") or new.get("sku")
    return merged


def _settlement_type(raw: str, ctx: v.ParseContext) -> str:
    return SETTLEMENT_TYPES[raw.lower()]


def _settlement_amount(record: Record) -> Record:
    parts = [record.pop(f"_{name}", None) for name in _SETTLEMENT_AMOUNTS]
    present = [p for p in parts if p is not None]
    return {"amount": sum(present) if present else None}


SETTLEMENT = ReportFormat(
    kind="settlement",
    title="Settlement report (flat file V2)",
    source="amazon",
    where="Seller Central > Reports > Payments > All Statements > Download flat file V2",
    columns=(
        Column("settlement-id", "settlement_id", required=True, nonempty=True),
        Column("settlement-start-date", None, required=True),
        Column("transaction-type", "transaction_type", _settlement_type, required=True, nonempty=True),
        Column("order-id", "amazon_order_id", required=True, nonempty=True),
        Column("adjustment-id", "adjustment_id", required=True, empty=""),
        Column("currency", "currency"),
        Column("posted-date", "posted_at", v.timestamp),
        Column("sku", "sku"),
        *(Column(name, f"_{name}", v.amount) for name in _SETTLEMENT_AMOUNTS),
    ),
    model=models.SettlementTransaction,
    key=("settlement_id", "amazon_order_id", "adjustment_id", "transaction_type"),
    derive=_settlement_amount,
    derived=("amount",),
    span="posted_at",
    skip=_settlement_skip,
    merge=_settlement_merge,
    other=(
        "settlement-end-date",
        "deposit-date",
        "total-amount",
        "merchant-order-id",
        "shipment-id",
        "marketplace-name",
        "shipment-fee-type",
        "order-fee-type",
        "fulfillment-id",
        "order-item-code",
        "merchant-order-item-id",
        "merchant-adjustment-item-id",
        "quantity-purchased",
        "price-type",
        "item-related-fee-type",
        "other-fee-reason-description",
        "promotion-id",
        "promotion-type",
        "direct-payment-type",
    ),
)

# --- healthbot templates (reports.md 3) ------------------------------------------------------------

CLAIM_STATUS = v.choice(
    "open",
    "granted",
    "denied",
    "withdrawn",
    "closed",
    aliases={"withdrawn by buyer": "withdrawn", "rejected": "denied"},
)

CLAIMS = ReportFormat(
    kind="claims",
    title="claims template",
    source="template",
    where="your A-to-z claims list (Seller Central > Performance > A-to-z Guarantee Claims), as a CSV",
    columns=(
        Column("order-id", "amazon_order_id", required=True, nonempty=True, aliases=("amazon-order-id",)),
        Column("claim-date", "claimed_at", v.timestamp, required=True, nonempty=True),
        Column("status", "status", CLAIM_STATUS, required=True, nonempty=True),
        Column("reason", "reason"),
        Column("amount", "amount", v.amount),
        Column("funded-by", "funded_by"),
    ),
    model=models.Claim,
    key=("amazon_order_id", "claimed_at"),
    span="claimed_at",
)

CHARGEBACKS = ReportFormat(
    kind="chargebacks",
    title="chargebacks template",
    source="template",
    where="your chargeback list (Seller Central > Performance > Chargeback Claims), as a CSV",
    columns=(
        Column("order-id", "amazon_order_id", required=True, nonempty=True, aliases=("amazon-order-id",)),
        Column("chargeback-date", "charged_back_at", v.timestamp, required=True, nonempty=True),
        Column("type", "type", v.choice("service", "fraud", aliases={"non fraud": "service"})),
        Column("status", "status"),
        Column("reason", "reason"),
        Column("amount", "amount", v.amount),
    ),
    model=models.Chargeback,
    key=("amazon_order_id", "charged_back_at"),
    span="charged_back_at",
)

CANCELLATIONS = ReportFormat(
    kind="cancellations",
    title="cancellations template",
    source="template",
    where="your order system's cancellations, with who cancelled, as a CSV",
    columns=(
        Column("order-id", "amazon_order_id", required=True, nonempty=True, aliases=("amazon-order-id",)),
        Column("cancel-date", "cancelled_at", v.timestamp, required=True, nonempty=True),
        Column(
            "initiated-by",
            "initiated_by",
            v.choice(
                "seller", "buyer", "amazon", aliases={"merchant": "seller", "customer": "buyer", "system": "amazon"}
            ),
            required=True,
            nonempty=True,
        ),
        Column("reason", "reason"),
    ),
    model=models.Cancellation,
    key=("amazon_order_id",),
    span="cancelled_at",
)

SHIPMENTS = ReportFormat(
    kind="shipments",
    title="shipments (MFN) template",
    source="template",
    where="your shipping software's shipment export (ShipStation, Veeqo, ...), as a CSV",
    columns=(
        Column("order-id", "amazon_order_id", required=True, nonempty=True, aliases=("amazon-order-id",)),
        Column(
            "ship-confirmed-at",
            "ship_confirmed_at",
            v.timestamp,
            required=True,
            nonempty=True,
            aliases=("ship date", "shipped at"),
        ),
        Column("expected-ship-date", "expected_ship_date", v.day, aliases=("ship by", "latest-ship-date")),
        Column("carrier", "carrier"),
        Column("tracking-number", "tracking_number", aliases=("tracking",), empty=""),
        Column("tracking-valid", "tracking_valid", v.flag),
        Column(
            "promised-delivery-date", "promised_delivery_date", v.day, aliases=("deliver by", "latest-delivery-date")
        ),
        Column("delivered-at", "delivered_at", v.timestamp, aliases=("delivery date",)),
        Column("units", "units", v.integer),
    ),
    model=models.MfnShipment,
    key=("amazon_order_id", "tracking_number"),
    span="ship_confirmed_at",
    derive=_on_time_for_sure,
    derived=("on_time_for_sure",),
)

BUYER_MESSAGES = ReportFormat(
    kind="buyer_messages",
    title="buyer-messages template",
    source="template",
    where="your help desk's ticket export, or Buyer-Seller Messaging copied into a CSV",
    columns=(
        Column("message-id", "message_id", required=True, nonempty=True, aliases=("ticket id",)),
        Column("received-at", "received_at", v.timestamp, required=True, nonempty=True, aliases=("created at",)),
        Column("order-id", "amazon_order_id", aliases=("amazon-order-id",)),
        Column("replied-at", "replied_at", v.timestamp, aliases=("first response at",)),
        Column("no-response-needed", "no_response_needed", v.flag, empty=False),
        Column("auto-reply", "auto_reply", v.flag, empty=False),
        Column("subject", "subject"),
        Column("assignee", "assignee"),
    ),
    model=models.BuyerMessage,
    key=("message_id",),
    span="received_at",
    personal=(
        "buyer-email",
        "buyer-name",
        "customer-email",
        "customer-name",
        "requester-email",
        "requester-name",
        "from",
        "email",
        "phone",
    ),
)

RETURN_REQUESTS = ReportFormat(
    kind="return_requests",
    title="return-requests template",
    source="template",
    where="your returns handling log (Seller Central > Orders > Manage Returns), as a CSV",
    columns=(
        Column("order-id", "amazon_order_id", required=True, nonempty=True, aliases=("amazon-order-id",)),
        Column("request-date", "requested_at", v.timestamp, required=True, nonempty=True),
        Column("status", "status", required=True, nonempty=True),
        Column("responded-at", "responded_at", v.timestamp),
        Column("in-policy", "in_policy", v.flag),
        Column("buyer-resolved", "buyer_resolved", v.flag),
    ),
    model=models.ReturnRequest,
    key=("amazon_order_id", "requested_at"),
    span="requested_at",
)

CS_SURVEY = ReportFormat(
    kind="cs_survey",
    title="cs-survey template",
    source="template",
    where="the answers to Amazon's 'Did this solve your problem?' survey, as a CSV",
    columns=(
        Column("order-id", "amazon_order_id", required=True, nonempty=True, aliases=("amazon-order-id",)),
        Column("answered-at", "answered_at", v.timestamp, required=True, nonempty=True),
        Column("solved", "solved", v.flag, required=True, nonempty=True),
    ),
    model=models.CsSurveyAnswer,
    key=("amazon_order_id",),
    version="answered_at",
    span="answered_at",
)

POLICY_VIOLATIONS = ReportFormat(
    kind="policy_violations",
    title="policy-violations template",
    source="template",
    where="the violations listed under Seller Central > Performance > Account Health, as a CSV",
    columns=(
        Column("date", "violation_date", v.day, required=True, nonempty=True),
        Column("category", "category", required=True, nonempty=True),
        Column("asin", "asin", empty=""),
        Column("status", "status"),
        Column("description", "description"),
    ),
    model=models.PolicyViolation,
    key=("violation_date", "category", "asin"),
    span="violation_date",
)

FORMATS: tuple[ReportFormat, ...] = (
    ALL_ORDERS,
    FEEDBACK,
    RETURNS,
    FBA_RETURNS,
    FBA_SHIPMENTS,
    UNSHIPPED,
    SETTLEMENT,
    CLAIMS,
    CHARGEBACKS,
    CANCELLATIONS,
    SHIPMENTS,
    BUYER_MESSAGES,
    RETURN_REQUESTS,
    CS_SURVEY,
    POLICY_VIOLATIONS,
)
TEMPLATES: tuple[ReportFormat, ...] = tuple(f for f in FORMATS if f.source == "template")
ACCOUNT_HEALTH_KIND = "account_health"
ACCOUNT_HEALTH_TITLE = "Account Health report (JSON)"
KINDS: tuple[str, ...] = (*(f.kind for f in FORMATS), ACCOUNT_HEALTH_KIND)
BY_KIND: dict[str, ReportFormat] = {f.kind: f for f in FORMATS}


def template_file_name(fmt: ReportFormat) -> str:
    return fmt.title.split(" ", 1)[0] + ".csv"
