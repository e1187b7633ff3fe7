"""Demo exports for one seller account: every report and template healthbot reads, about the same orders.

`write_demo_data` writes the Amazon exports of reports.md 2 (All Orders, feedback, returns, FBA returns,
Amazon-fulfilled shipments, unshipped orders, settlement, Account Health JSON) and every template of
reports.md 3, as a seller would download or export them. Defects sit on orders whose dates fall in the
metric windows of metrics.md 2 relative to `as_of`, at rates near Amazon's targets, so that a demo shows
metrics that pass and metrics that breach. The Account Health JSON reports the figures of those very
orders, counted with metrics.md's rules.

Everything is drawn from random streams seeded by `seed` in a fixed sequence and nothing reads the
clock, so the same arguments give byte-identical files. Orders are generated day by day and streamed to
every file at once: a million orders never sit in memory.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import random
import shutil
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import IO, Any, Final
from zoneinfo import ZoneInfo

import holidays

from storage.ingest import formats
from storage.marketplaces import Marketplace, get_marketplace

__all__ = ["write_demo_data"]

DAY: Final = 86_400
HOUR: Final = 3_600
HISTORY_DAYS: Final = 120  # purchase dates spread over the 120 days before as_of
SETTLEMENT_DAYS: Final = 14  # Amazon settles every 14 days
# The history is generated in two parts with their own random streams, in two processes for a big demo
# (a million orders take half the time on two cores) and one after the other otherwise: the files are
# the same either way.
PARTS: Final = 2
PARALLEL_FROM_ORDERS: Final = 100_000

# --- the demo's profile: shares of orders, chosen near Amazon's targets -----------------------------
# Each rate is enforced by a _Quota, not by coin flips, so even a few hundred orders show it.
MFN_SHARE: Final = 0.6
MULTI_ITEM_SHARE: Final = 0.2
PAYMENT_HOLD_SHARE: Final = 0.02  # payment verification holds an order for hours
PENDING_RATE: Final = 0.1  # of the last 12 hours' orders, still awaiting payment on the demo's day
MFN_DEFECT_RATE: Final = 0.0125  # ODR mfn ~1.2% (cancelled orders never defect): breaches < 1%
AFN_DEFECT_RATE: Final = 0.004  # ODR afn ~0.4%: passes
SELLER_CANCEL_RATE: Final = 0.012  # with partial ones, seller- and Amazon-initiated ~1.4%: passes < 2.5%
BUYER_CANCEL_RATE: Final = 0.005  # buyer-requested: an upper bound from All Orders alone still passes
PARTIAL_CANCEL_RATE: Final = 0.01  # of multi-item MFN orders: one item out of stock, the rest ships
AFN_CANCEL_RATE: Final = 0.004
LATE_SHIPMENT_RATE: Final = 0.05  # ~4.5% in the window (orders due yesterday cannot be late yet): breaches < 4%
INVALID_TRACKING_RATE: Final = 0.04  # valid tracking ~96%: passes >= 95%
LATE_DELIVERY_RATE: Final = 0.05  # on-time delivery ~95%: breaches >= 97%
LATE_REPLY_RATE: Final = 0.135  # contact response ~87% within 24 h: breaches >= 90%
NO_RESPONSE_NEEDED_SHARE: Final = 0.08
MFN_MESSAGE_SHARE: Final = 0.05
AFN_MESSAGE_SHARE: Final = 0.03
PRESALE_MESSAGE_SHARE: Final = 0.01  # questions without an order, per order
SURVEY_SHARE: Final = 0.3  # of answered messages
CS_UNSOLVED_RATE: Final = 0.15  # passes < 25%
MFN_RETURN_SHARE: Final = 0.045
AFN_RETURN_SHARE: Final = 0.035
RETURN_DISSATISFACTION_RATE: Final = 0.06  # passes < 10%
OUT_OF_POLICY_REJECT_SHARE: Final = 0.02
CONCESSION_REFUND_SHARE: Final = 0.005  # refunds without a return (a late parcel, a scratch)
NEUTRAL_FEEDBACK_RATE: Final = 0.008  # 3 stars: exported, never a defect
UNCOUNTED_CLAIM_RATE: Final = 0.0015  # denied or withdrawn claims
FRAUD_CHARGEBACK_RATE: Final = 0.001

# Targets as Amazon's Account Health report states them.
ODR_TARGET: Final = 0.01
LSR_TARGET: Final = 0.04
CANCEL_TARGET: Final = 0.025
VTR_TARGET: Final = 0.95
OTDR_TARGET: Final = 0.97
UNIT_OTDR_TARGET: Final = 0.9

COMMISSION: Final = 0.15
LOCAL_HOUR_WEIGHTS: Final = (3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 7, 6, 6, 6, 7, 8, 9, 10, 9, 7, 5)
WEEKDAY_WEIGHTS: Final = (1.0, 0.97, 0.95, 0.98, 1.03, 1.1, 1.12)  # Monday first

# --- headers (reports.md 2, exactly as Amazon writes them) ----------------------------------------

ALL_ORDERS_HEADER: Final = (
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "order-channel",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "promotion-ids",
    "cpf",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
    # Optional columns of other order reports that healthbot uses when present.
    "latest-ship-date",
    "latest-delivery-date",
    "is-prime",
)
FEEDBACK_HEADER: Final = ("Date", "Rating", "Comments", "Your Response", "Order ID", "Rater Email")
RETURNS_HEADER: Final = (
    "Order ID",
    "Order date",
    "Return request date",
    "Return request status",
    "Amazon RMA ID",
    "Merchant RMA ID",
    "Label type",
    "Label cost",
    "Currency code",
    "Return carrier",
    "Tracking ID",
    "Label to be paid by",
    "A-to-Z Claim",
    "Is prime",
    "ASIN",
    "Merchant SKU",
    "Item Name",
    "Return quantity",
    "Return Reason",
    "In policy",
    "Return type",
    "Resolution",
    "Invoice number",
    "Return delivery date",
    "Order Amount",
    "Order quantity",
    "SafeT Action reason",
    "SafeT claim id",
    "SafeT claim state",
    "SafeT claim creation time",
    "SafeT claim reimbursement amount",
    "Refunded Amount",
)
RETURNS_SHORT_ROW: Final = 27  # real returns files end rows after 'SafeT Action reason'
FBA_RETURNS_HEADER: Final = (
    "return-date",
    "order-id",
    "sku",
    "asin",
    "fnsku",
    "product-name",
    "quantity",
    "fulfillment-center-id",
    "detailed-disposition",
    "reason",
    "status",
    "license-plate-number",
    "customer-comments",
)
FBA_SHIPMENTS_HEADER: Final = (
    "amazon-order-id",
    "merchant-order-id",
    "shipment-id",
    "shipment-item-id",
    "amazon-order-item-id",
    "merchant-order-item-id",
    "purchase-date",
    "payments-date",
    "shipment-date",
    "reporting-date",
    "buyer-email",
    "buyer-name",
    "buyer-phone-number",
    "sku",
    "product-name",
    "quantity-shipped",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "ship-service-level",
    "recipient-name",
    "ship-address-1",
    "ship-address-2",
    "ship-address-3",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "ship-phone-number",
    "bill-address-1",
    "bill-address-2",
    "bill-address-3",
    "bill-city",
    "bill-state",
    "bill-postal-code",
    "bill-country",
    "item-promotion-discount",
    "ship-promotion-discount",
    "carrier",
    "tracking-number",
    "estimated-arrival-date",
    "fulfillment-center-id",
    "fulfillment-channel",
    "sales-channel",
)
UNSHIPPED_HEADER: Final = (
    "order-id",
    "order-item-id",
    "purchase-date",
    "payments-date",
    "reporting-date",
    "promise-date",
    "days-past-promise",
    "buyer-email",
    "buyer-phone-number",
    "sku",
    "product-name",
    "quantity-purchased",
    "quantity-shipped",
    "quantity-to-ship",
    "ship-service-level",
    "recipient-name",
    "ship-address-1",
    "ship-address-2",
    "ship-address-3",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
    "is-prime",
)
SETTLEMENT_HEADER: Final = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "merchant-order-id",
    "adjustment-id",
    "shipment-id",
    "marketplace-name",
    "shipment-fee-type",
    "shipment-fee-amount",
    "order-fee-type",
    "order-fee-amount",
    "fulfillment-id",
    "posted-date",
    "order-item-code",
    "merchant-order-item-id",
    "merchant-adjustment-item-id",
    "sku",
    "quantity-purchased",
    "price-type",
    "price-amount",
    "item-related-fee-type",
    "item-related-fee-amount",
    "misc-fee-amount",
    "other-fee-amount",
    "other-fee-reason-description",
    "promotion-id",
    "promotion-type",
    "promotion-amount",
    "direct-payment-type",
    "direct-payment-amount",
    "other-amount",
)
_S = {name: i for i, name in enumerate(SETTLEMENT_HEADER)}
# Help desks export the requester with each ticket; healthbot must drop it (formats.BUYER_MESSAGES.personal).
MESSAGE_PERSONAL_COLUMNS: Final = ("customer-name", "customer-email")

FILE_NAMES: Final = {
    "all_orders": "all-orders.txt",
    "feedback": "feedback.txt",
    "returns": "returns.txt",
    "fba_returns": "fba-returns.txt",
    "fba_shipments": "fba-shipments.txt",
    "unshipped": "unshipped.txt",
    "settlement": "settlement.txt",
    **{fmt.kind: formats.template_file_name(fmt) for fmt in formats.TEMPLATES},
    formats.ACCOUNT_HEALTH_KIND: "account-health.json",
}

# --- catalogue and text pools ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Product:
    sku: str
    asin: str
    fnsku: str
    name: str
    price: float
    channel: str  # mfn | afn
    weight: int  # relative popularity
    name_ja: str | None = None  # JP files are Shift-JIS: accented Latin names do not encode there


_CATALOG: Final = (
    _Product(
        "HB-TORCH-01",
        "B0C7K2M4QX",
        "X002F4K8ZR",
        "Crème Brûlée Torch Kit – Refillable Butane",
        24.99,
        "mfn",
        9,
        "クレームブリュレ バーナー",
    ),
    _Product(
        "HB-FROTH-02",
        "B0B9T3L7WD",
        "X002G7P1QM",
        "Café Barista Milk Frother™, Stainless Steel",
        19.99,
        "mfn",
        12,
        "カフェ ミルクフォーマー",
    ),
    _Product(
        "HB-SAUCE-03",
        "B09XK4N2JH",
        "X001Z9Y3TB",
        "Jalapeño Hot Sauce Gift Set (4 x 5 oz)",
        29.95,
        "mfn",
        7,
        "ハラペーニョ ホットソース 4本セット",
    ),
    _Product(
        "HB-CANDLE-04",
        "B0BQ2W8RZL",
        "X002H1V6NC",
        "Piña Colada Scented Soy Candle, 8 oz",
        16.50,
        "mfn",
        6,
        "ピニャコラーダ ソイキャンドル",
    ),
    _Product("HB-BOARD-05", "B08L5R7MVK", "X001P3D8WA", "Bamboo Cutting Board Set, 3 Pieces", 27.99, "mfn", 10),
    _Product("HB-SKILLET-06", "B07ZQ6H3XN", "X001K7S2LE", "Cast Iron Skillet 10-inch, Pre-Seasoned", 34.99, "mfn", 8),
    _Product("HB-BOTTLE-07", "B09M8C1TPS", "X002A5J9RU", "Stainless Steel Water Bottle 32 oz", 21.99, "mfn", 11),
    _Product("HB-MAT-08", "B08F2Y9GQD", "X001R8T4HY", "Silicone Baking Mat, Set of 2", 12.99, "mfn", 9),
    _Product("HB-KNIFE-09", "B0CB6N4KZW", "X002M3E7DJ", "Chef's Knife 8-inch German Steel", 44.00, "mfn", 5),
    _Product("HB-DRIP-10", "B0B1V7X5CF", "X002C9W2GN", "Pour-Over Coffee Dripper, Ceramic", 18.75, "mfn", 6),
    _Product("HB-TOWEL-11", "B09D3S6QLA", "X001W4B6MV", "Linen Tea Towels, 4 Pack", 22.00, "mfn", 4),
    _Product("HB-GLASS-12", "B08T9K2RYE", "X001V2N5QK", "Glass Food Storage Containers, 10 Piece", 39.99, "mfn", 7),
    _Product(
        "FBA-MATCHA-13",
        "B0CJ4P8WNT",
        "X002Q6R3LS",
        "Matcha Whisk Set – Bamboo Chasen",
        23.50,
        "afn",
        8,
        "抹茶 茶筅セット",
    ),
    _Product("FBA-SCALE-14", "B07XJ1M6DH", "X001J8C4PW", "Digital Kitchen Scale, 11 lb", 15.99, "afn", 12),
    _Product("FBA-WRAP-15", "B08P4Z7KGB", "X001T6H9FX", "Reusable Beeswax Wraps, Assorted 6 Pack", 17.49, "afn", 9),
    _Product(
        "FBA-CREPE-16", "B0BD5G2YVR", "X002E1K7MZ", "Crêpe Pan 10-inch Nonstick", 32.99, "afn", 6, "クレープパン 25cm"
    ),
    _Product(
        "FBA-STEAM-17",
        "B0C2R9T4JQ",
        "X002J5X8BD",
        "Electric Milk Frother & Steamer™",
        49.99,
        "afn",
        7,
        "電動ミルクフォーマー",
    ),
    _Product("FBA-LABEL-18", "B09QW3E6NU", "X002B8L1TK", "Spice Jar Labels, 160 Pre-Printed", 9.99, "afn", 10),
    _Product("FBA-HERB-19", "B08Y6V1SDM", "X001M2G7XC", "Herb Keeper Fresh Storage Pod", 26.95, "afn", 5),
    _Product("FBA-SPIN-20", "B07S3N8FLP", "X001D5Q3JR", "Salad Spinner 5 Qt, BPA-Free", 28.49, "afn", 6),
)

_FIRST_NAMES: Final = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sophia", "Lucas", "Mia", "Ethan", "Amelia", "Kenji",
    "Harper", "Omar", "Chloe", "Diego", "Priyanka", "Hannah", "Tobias", "Leila", "Marcus", "Ingrid", "Yusuf",
    "Camila", "Felix", "Naomi", "Rafael", "Greta", "Malik", "Sienna",
)  # fmt: skip
_LAST_NAMES: Final = (
    "Hargreave", "Okonkwo", "Lindqvist", "Castellanos", "Whitcombe", "Nakamura", "Fairbanks", "Abernathy",
    "Delacroix", "Sorensen", "Pemberton", "Valdivia", "Ashworth", "Kowalczyk", "Thornbury", "Mbeki",
    "Quintero", "Halvorsen", "Beaumont", "Yamaguchi", "Rosenthal", "Ferraro", "Blackwood", "Oyelaran",
    "Strickland", "Marchetti", "Winslow", "Haddad", "Eriksen", "Caldwell",
)  # fmt: skip
_STREETS: Final = (
    "Maple Avenue", "Juniper Court", "Larkspur Lane", "Quarry Road", "Whitfield Street", "Copperleaf Drive",
    "Harbor View Terrace", "Old Mill Road", "Birchwood Crescent", "Kingfisher Way", "Alder Grove", "Foxglove Place",
)  # fmt: skip

# Comments by what went wrong: a late or missing parcel, or the product (the only thing an FBA buyer
# can blame on the seller).
_FEEDBACK_TEXT: Final = {
    ("delivery", 1): ("Never received my order.", "Package came two weeks late, no apology."),
    ("delivery", 2): ("Took a week before it even shipped.", "Arrived days after the promised date."),
    ("delivery", 3): ("Item is fine but delivery took longer than promised.",),
    ("product", 1): ("Item arrived broken and the seller never replied.", "Wrong item sent, still no refund."),
    ("product", 2): ("Product not as described in the listing.", "Cheap material, not like the pictures."),
    ("product", 3): ("Decent product, packaging could be better.", "OK, although one piece was missing at first."),
}
_FEEDBACK_RESPONSE: Final = (
    "We are sorry to hear this. Please contact us through Buyer-Seller Messaging so we can make it right."
)
_CLAIM_REASONS: Final = ("Item not received", "Item not as described", "Return refund not issued", "Damaged item")
_CHARGEBACK_REASONS: Final = {
    "service": ("Item not received", "Not as described", "Credit not processed"),
    "fraud": ("Unauthorized transaction", "Card not present fraud"),
}
_CANCEL_REASONS: Final = {
    "seller": ("Out of stock", "Unable to ship to address", "Pricing error"),
    "amazon": ("Payment could not be verified", "Undeliverable shipping address"),
    "buyer": ("Buyer requested: ordered by mistake", "Buyer requested: found a better price", "Buyer requested"),
}
_RETURN_REASONS: Final = (
    "CR-UNWANTED_ITEM",
    "CR-DEFECTIVE",
    "AMZ-PG-BAD-DESC",
    "CR-DAMAGED_BY_CARRIER",
    "CR-ORDERED_WRONG_ITEM",
    "CR-QUALITY_UNACCEPTABLE",
    "CR-MISSED_ESTIMATED_DELIVERY",
    "CR-FOUND_BETTER_PRICE",
)
_FBA_RETURN_REASONS: Final = (
    "UNWANTED_ITEM",
    "DEFECTIVE",
    "NOT_AS_DESCRIBED",
    "DAMAGED_BY_FC",
    "ORDERED_WRONG_ITEM",
    "QUALITY_UNACCEPTABLE",
    "NO_REASON_GIVEN",
)
_DISPOSITIONS: Final = ("SELLABLE", "SELLABLE", "SELLABLE", "CUSTOMER_DAMAGED", "DEFECTIVE", "CARRIER_DAMAGED")
_RETURN_COMMENTS: Final = ("", "", "Didn't fit my needs", "Stopped working after a week", "Arrived scratched", "")
_ORDER_SUBJECTS: Final = (
    "Where is my order? (Order: {})",
    "Item arrived damaged (Order: {})",
    "Question about delivery date (Order: {})",
    "Wrong item received (Order: {})",
    "Return request (Order: {})",
    "How do I use this? (Order: {})",
)
_NO_REPLY_SUBJECTS: Final = ("Thank you! (Order: {})", "Delivery confirmation (Order: {})")
_PRESALE_SUBJECTS: Final = (
    "Product details inquiry",
    "Is this dishwasher safe?",
    "Bulk order question",
    "Do you ship to P.O. boxes?",
)
_ASSIGNEES: Final = ("cs-alex", "cs-priya", "cs-sam", "cs-team")
_VIOLATIONS: Final = (
    ("listingPolicyViolations", "Listing policy violation", "Listing title exceeds the character limit"),
    ("productConditionCustomerComplaints", "Product condition complaint", "Buyer reported a used item sold as new"),
    ("suspectedIntellectualPropertyViolations", "Suspected intellectual property violation", "Logo similarity"),
    ("productSafetyCustomerComplaints", "Product safety complaint", "Buyer reported the torch leaking gas"),
    ("customerProductReviewsPolicyViolations", "Customer product reviews policy violation", "Review incentive"),
)
_POLICY_KEYS: Final = (
    "listingPolicyViolations",
    "productAuthenticityCustomerComplaints",
    "productConditionCustomerComplaints",
    "productSafetyCustomerComplaints",
    "receivedIntellectualPropertyComplaints",
    "restrictedProductPolicyViolations",
    "suspectedIntellectualPropertyViolations",
    "foodAndProductSafetyIssues",
    "customerProductReviewsPolicyViolations",
    "otherPolicyViolations",
    "documentRequests",
)

# --- marketplaces ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Locale:
    currency: str
    domain: str  # sales-channel
    country: str
    calling_code: str
    order_prefixes: tuple[str, ...]
    places: tuple[tuple[str, str, str], ...]  # city, state or region, postal code
    carriers: tuple[str, ...]
    fulfillment_centers: tuple[str, ...]
    tax_rate: float = 0.0
    price_factor: float = 1.0


_EU_PREFIXES: Final = ("028", "302", "303", "305", "404")
_LOCALES: Final = {
    "US": _Locale(
        "USD",
        "Amazon.com",
        "US",
        "+1",
        ("111", "112", "113", "114"),
        (
            ("Seattle", "WA", "98101"),
            ("Austin", "TX", "78701"),
            ("Columbus", "OH", "43215"),
            ("Denver", "CO", "80202"),
            ("Portland", "OR", "97201"),
            ("Raleigh", "NC", "27601"),
            ("Madison", "WI", "53703"),
            ("Tampa", "FL", "33602"),
            ("Sacramento", "CA", "95814"),
            ("Boise", "ID", "83702"),
            ("Albany", "NY", "12207"),
            ("Omaha", "NE", "68102"),
        ),
        ("USPS", "USPS", "UPS", "FedEx"),
        ("PHX6", "ONT8", "BFI4", "MDW2", "TPA1", "CLT2"),
        tax_rate=0.0725,
    ),
    "CA": _Locale(
        "CAD",
        "Amazon.ca",
        "CA",
        "+1",
        ("701", "702"),
        (("Toronto", "ON", "M5V 2T6"), ("Vancouver", "BC", "V6B 1A1"), ("Montréal", "QC", "H2Y 1C6")),
        ("Canada Post", "UPS", "Purolator"),
        ("YYZ4", "YVR2"),
        tax_rate=0.13,
        price_factor=1.35,
    ),
    "MX": _Locale(
        "MXN",
        "Amazon.com.mx",
        "MX",
        "+52",
        ("701", "702"),
        (("Ciudad de México", "CDMX", "06600"), ("Guadalajara", "JAL", "44100")),
        ("DHL", "Estafeta"),
        ("MEX1",),
        tax_rate=0.16,
        price_factor=17.0,
    ),
    "UK": _Locale(
        "GBP",
        "Amazon.co.uk",
        "GB",
        "+44",
        ("202", "203", "204", "205", "206"),
        (
            ("London", "", "EC1A 1BB"),
            ("Manchester", "", "M1 1AE"),
            ("Leeds", "", "LS1 4AP"),
            ("Bristol", "", "BS1 4DJ"),
        ),
        ("Royal Mail", "Royal Mail", "DPD", "DHL"),
        ("LBA1", "MAN1", "BHX4"),
        price_factor=0.8,
    ),
    "DE": _Locale(
        "EUR",
        "Amazon.de",
        "DE",
        "+49",
        _EU_PREFIXES,
        (("Berlin", "", "10115"), ("Hamburg", "", "20095"), ("München", "", "80331"), ("Köln", "", "50667")),
        ("DHL", "DHL", "Hermes", "DPD"),
        ("FRA7", "LEJ1", "MUC3"),
        price_factor=0.92,
    ),
    "FR": _Locale(
        "EUR",
        "Amazon.fr",
        "FR",
        "+33",
        _EU_PREFIXES,
        (("Paris", "", "75001"), ("Lyon", "", "69001"), ("Marseille", "", "13001")),
        ("Colissimo", "Chronopost", "DPD"),
        ("ORY1", "LYS1"),
        price_factor=0.92,
    ),
    "IT": _Locale(
        "EUR",
        "Amazon.it",
        "IT",
        "+39",
        _EU_PREFIXES,
        (("Roma", "RM", "00184"), ("Milano", "MI", "20121"), ("Torino", "TO", "10121")),
        ("Poste Italiane", "BRT", "GLS"),
        ("MXP5", "FCO1"),
        price_factor=0.92,
    ),
    "ES": _Locale(
        "EUR",
        "Amazon.es",
        "ES",
        "+34",
        _EU_PREFIXES,
        (("Madrid", "Madrid", "28001"), ("Barcelona", "Barcelona", "08001"), ("Valencia", "Valencia", "46001")),
        ("Correos", "SEUR", "MRW"),
        ("MAD4", "BCN1"),
        price_factor=0.92,
    ),
    "JP": _Locale(
        "JPY",
        "Amazon.co.jp",
        "JP",
        "+81",
        ("249", "250", "503"),
        (("Shibuya-ku", "Tokyo", "150-0002"), ("Kita-ku", "Osaka", "530-0001"), ("Naka-ku", "Yokohama", "231-0001")),
        ("Yamato Transport", "Japan Post", "Sagawa Express"),
        ("NRT1", "KIX2"),
        price_factor=150.0,
    ),
}
_OTHER_LOCALES: Final = {
    # code: currency, domain, country, calling code, (city, region, postal), carrier, price factor
    "BR": ("BRL", "Amazon.com.br", "BR", "+55", ("São Paulo", "SP", "01310-100"), "Correios", 5.0),
    "NL": ("EUR", "Amazon.nl", "NL", "+31", ("Amsterdam", "", "1012 AB"), "PostNL", 0.92),
    "SE": ("SEK", "Amazon.se", "SE", "+46", ("Stockholm", "", "111 22"), "PostNord", 10.5),
    "PL": ("PLN", "Amazon.pl", "PL", "+48", ("Warszawa", "", "00-001"), "InPost", 4.0),
    "BE": ("EUR", "Amazon.com.be", "BE", "+32", ("Bruxelles", "", "1000"), "bpost", 0.92),
    "IE": ("EUR", "Amazon.ie", "IE", "+353", ("Dublin", "", "D02 X285"), "An Post", 0.92),
    "TR": ("TRY", "Amazon.com.tr", "TR", "+90", ("İstanbul", "", "34000"), "Yurtiçi Kargo", 32.0),
    "AE": ("AED", "Amazon.ae", "AE", "+971", ("Dubai", "", "00000"), "Aramex", 3.7),
    "SA": ("SAR", "Amazon.sa", "SA", "+966", ("Riyadh", "", "11564"), "SMSA", 3.75),
    "EG": ("EGP", "Amazon.eg", "EG", "+20", ("Cairo", "", "11511"), "Aramex", 48.0),
    "IN": ("INR", "Amazon.in", "IN", "+91", ("Bengaluru", "KA", "560001"), "Delhivery", 83.0),
    "AU": ("AUD", "Amazon.com.au", "AU", "+61", ("Sydney", "NSW", "2000"), "Australia Post", 1.5),
    "SG": ("SGD", "Amazon.sg", "SG", "+65", ("Singapore", "", "018956"), "Ninja Van", 1.35),
}


def _locale(code: str) -> _Locale:
    if code in _LOCALES:
        return _LOCALES[code]
    currency, domain, country, calling, place, carrier, factor = _OTHER_LOCALES[code]
    return _Locale(currency, domain, country, calling, _EU_PREFIXES, (place,), (carrier,), ("XFC1",), 0.0, factor)


# --- time --------------------------------------------------------------------------------------------

_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_MMSS: Final = tuple(f"{minute:02d}:{second:02d}" for minute in range(60) for second in range(60))
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _date(day: int) -> date:
    return date.fromordinal(day + _EPOCH_ORDINAL)


def _day_number(value: date) -> int:
    return value.toordinal() - _EPOCH_ORDINAL


def _holiday_days(country: str, years: Sequence[int]) -> frozenset[int]:
    try:
        calendar = holidays.country_holidays(country, years=years)
    except NotImplementedError:  # a country the package does not know: weekends only
        return frozenset()
    return frozenset(_day_number(d) for d in calendar)


class _Clock:
    """Instants (epoch seconds, UTC) and days (days since 1970-01-01) in the text forms exports use.

    Millions of stamps are formatted, so offsets and day strings are cached rather than going through
    `datetime` each time.
    """

    def __init__(self, timezone: ZoneInfo, holiday_days: frozenset[int]) -> None:
        self._tz = timezone
        self._holidays = holiday_days
        self._offsets: dict[int, int] = {}
        self._zones: dict[int, tuple[int, str]] = {}  # UTC hour -> (offset, "+hh:mm")
        self._prefixes: dict[int, str] = {}  # hour -> "2026-11-24T18:"
        self._iso: dict[int, str] = {}
        self._ends: dict[int, int] = {}
        self._ship_by: dict[tuple[int, int], int] = {}

    def offset(self, ts: int) -> int:
        hour = ts // HOUR
        offset = self._offsets.get(hour)
        if offset is None:
            delta = datetime.fromtimestamp(hour * HOUR, UTC).astimezone(self._tz).utcoffset()
            offset = int(delta.total_seconds()) if delta is not None else 0
            self._offsets[hour] = offset
        return offset

    def local_day(self, ts: int) -> int:
        return (ts + self.offset(ts)) // DAY

    def day_iso(self, day: int) -> str:
        text = self._iso.get(day)
        if text is None:
            text = self._iso[day] = _date(day).isoformat()
        return text

    def _prefix(self, hour: int) -> str:
        text = self._prefixes.get(hour)
        if text is None:
            day, hour_of_day = divmod(hour, 24)
            text = self._prefixes[hour] = f"{self.day_iso(day)}T{hour_of_day:02d}:"
        return text

    def _zone(self, hour: int) -> tuple[int, str]:
        offset = self.offset(hour * HOUR)
        sign = "+" if offset >= 0 else "-"
        hours, minutes = divmod(abs(offset) // 60, 60)
        zone = self._zones[hour] = (offset, f"{sign}{hours:02d}:{minutes:02d}")
        return zone

    def utc(self, ts: int) -> str:
        """`2026-11-24T18:52:47+00:00`, as All Orders writes it."""
        return self._prefix(ts // HOUR) + _MMSS[ts % HOUR] + "+00:00"

    def local(self, ts: int) -> str:
        """The instant in the account's time zone with its offset, as shipping and help-desk tools write it."""
        zone = self._zones.get(ts // HOUR) or self._zone(ts // HOUR)
        local = ts + zone[0]
        return self._prefix(local // HOUR) + _MMSS[local % HOUR] + zone[1]

    def settlement(self, ts: int) -> str:
        """`2026-11-24 18:52:47 UTC`, as the settlement flat file writes instants."""
        return self._prefix(ts // HOUR).replace("T", " ") + _MMSS[ts % HOUR] + " UTC"

    def end_of_day(self, day: int) -> int:
        """23:59:59 on a local day: when an expected ship or promised delivery date ends (metrics.md 1)."""
        end = self._ends.get(day)
        if end is None:
            end = int(datetime.combine(_date(day), time(23, 59, 59), tzinfo=self._tz).timestamp())
            self._ends[day] = end
        return end

    def is_business_day(self, day: int) -> bool:
        return (day + 3) % 7 < 5 and day not in self._holidays  # 1970-01-01 was a Thursday

    def working_time(self, ts: int) -> int:
        """`ts`, or the next business morning when `ts` falls outside 08:00-17:00 local on a business day."""
        offset = self.offset(ts)
        day, secs = divmod(ts + offset, DAY)
        if self.is_business_day(day) and 8 * HOUR <= secs < 17 * HOUR:
            return ts
        if not (self.is_business_day(day) and secs < 8 * HOUR):
            day = self.add_business_days(day, 1)
        return day * DAY + 8 * HOUR + ts % (2 * HOUR) - offset

    def add_business_days(self, day: int, count: int) -> int:
        """`count` business days after `day`, skipping weekends and the marketplace's public holidays."""
        key = (day, count)
        result = self._ship_by.get(key)
        if result is None:
            result = day
            left = count
            while left > 0:
                result += 1
                if self.is_business_day(result):
                    left -= 1
            self._ship_by[key] = result
        return result


def _dd_mon_yyyy(day: int) -> str:
    value = _date(day)
    return f"{value.day:02d}-{_MONTHS[value.month - 1]}-{value.year}"


# --- drawing -------------------------------------------------------------------------------------


class _Quota:
    """Yes with long-run frequency `rate`, spread evenly: a small demo still shows the intended rate.

    Independent coin flips would put 7 +- 2.6 defects on 600 orders, enough to flip a breach into a pass.
    The first hit comes within the first few draws (the oldest orders, outside most metric windows), so
    even a small demo holds one case of each kind; it adds at most one hit to the whole run.
    """

    def __init__(self, rate: float, rng: random.Random, *, early: bool) -> None:
        self._rate = rate
        self._rng = rng
        # A later part of the history continues mid-stream: no early hit there.
        self._level = 1.0 - rate * (1.0 + 3.0 * rng.random()) if early else rng.random()

    def draw(self) -> bool:
        # A little jitter so the hits do not fall on every n-th order.
        self._level += self._rate * (0.5 + self._rng.random())
        if self._level >= 1.0:
            self._level -= 1.0
            return True
        return False

    def take(self) -> None:
        """A hit forced by circumstances (a parcel that cannot arrive in time) counts against the quota."""
        self._level -= 1.0


class _Cycle:
    """Kinds of an outcome in turn, so a small demo still holds each of them (rare ones too)."""

    def __init__(self, *kinds: str) -> None:
        self._kinds = kinds
        self._next = 0

    def next(self) -> str:
        kind = self._kinds[self._next % len(self._kinds)]
        self._next += 1
        return kind


def _scramble(value: int, modulus: int, salt: int) -> int:
    """A bijection of [0, modulus) for a modulus coprime to the multiplier (powers of 10 and 62 are).

    Distinct inputs give distinct, random-looking ids.
    """
    return (value * 2_654_435_761 + salt) % modulus


class _Alphabet:
    """Fixed-width codes in an alphabet, two characters per step (ids are encoded millions of times)."""

    def __init__(self, chars: str) -> None:
        self._chars = chars
        self._base = len(chars)
        self._pairs = tuple(a + b for a in chars for b in chars)
        self._pair_base = self._base * self._base

    def code(self, value: int, width: int) -> str:
        """`value` in `width` characters: distinct values below base**width give distinct codes."""
        parts = []
        if width % 2:
            value, digit = divmod(value, self._base)
            parts.append(self._chars[digit])
        for _ in range(width // 2):
            value, pair = divmod(value, self._pair_base)
            parts.append(self._pairs[pair])
        return "".join(parts)


_LETTERS: Final = _Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_UPPER: Final = _Alphabet("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER: Final = _Alphabet("0123456789abcdefghijklmnopqrstuvwxyz")
_MIXED: Final = _Alphabet("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _shipment_code(value: int) -> str:
    """An Amazon-style shipment code (`DxYz12AbC`), distinct for each 14-digit item id."""
    return "D" + _MIXED.code(_scramble(value, 62**9, 0), 9)


def _money(value: float) -> str:
    return f"{value:.2f}"


# --- one order and what happened to it -----------------------------------------------------------


@dataclass(slots=True)
class _Line:
    product: _Product
    name: str
    quantity: int
    price: float  # the line's total
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class _Cancel:
    at: int
    by: str  # seller | buyer | amazon
    reason: str
    partial: bool


@dataclass(frozen=True, slots=True)
class _Feedback:
    at: int
    rating: int
    comment: str
    response: str


@dataclass(frozen=True, slots=True)
class _Claim:
    at: int
    status: str
    reason: str
    amount: float
    funded_by: str

    @property
    def counts(self) -> bool:
        return self.status not in ("denied", "withdrawn")


@dataclass(frozen=True, slots=True)
class _Chargeback:
    at: int
    kind: str  # service | fraud
    status: str
    reason: str
    amount: float


@dataclass(frozen=True, slots=True)
class _Refund:
    at: int
    kind: str  # the settlement transaction-type
    amount: float
    line: _Line


@dataclass(slots=True)
class _Return:
    """A seller-fulfilled return request: a returns report row and a return-requests template row."""

    requested: int
    line: _Line
    quantity: int
    rma: str
    reason: str
    status: str  # Approved | Closed | Rejected
    in_policy: bool
    responded: int | None
    buyer_resolved: bool | None
    delivered: int | None  # the returned parcel back at the seller
    refunded: float
    a_to_z: bool = False
    carrier: str = ""
    tracking: str = ""

    def dissatisfying(self, cutoff: int) -> bool:
        """metrics.md 3.7 as judged at `cutoff`: unresolved, unanswered for 48 h, or rejected in policy."""
        answered_by = self.responded if self.responded is not None else cutoff
        late = answered_by - self.requested > 48 * HOUR
        return self.buyer_resolved is False or late or (self.status == "Rejected" and self.in_policy)


@dataclass(frozen=True, slots=True)
class _FbaReturn:
    at: int
    line: _Line
    quantity: int
    center: str
    disposition: str
    reason: str
    status: str
    plate: str
    comment: str


@dataclass(frozen=True, slots=True)
class _Message:
    message_id: str
    received: int
    order_id: str
    replied: int | None
    no_response_needed: bool
    auto_reply: bool
    subject: str
    assignee: str


@dataclass(frozen=True, slots=True)
class _Survey:
    at: int
    solved: bool


@dataclass(frozen=True, slots=True)
class _Buyer:
    """A fake buyer (personal data healthbot must never store)."""

    name: str
    email: str
    phone: str
    address_1: str
    address_2: str


@dataclass(slots=True)
class _Order:
    index: int
    order_id: str
    purchase: int
    channel: str  # mfn | afn
    lines: list[_Line]
    level: str  # ship-service-level
    prime: bool
    business: bool
    place: tuple[str, str, str]
    paid: int
    ship_by_day: int
    ship_by_end: int
    deliver_by_day: int
    deliver_by_end: int
    cancel: _Cancel | None = None
    shipped: int | None = None
    carrier: str = ""
    tracking: str = ""
    tracking_valid: bool = False
    delivered: int | None = None
    feedback: _Feedback | None = None
    claim: _Claim | None = None
    chargeback: _Chargeback | None = None
    seller_return: _Return | None = None
    fba_return: _FbaReturn | None = None
    refunds: list[_Refund] = field(default_factory=list)
    messages: list[_Message] = field(default_factory=list)
    surveys: list[_Survey] = field(default_factory=list)
    buyer: _Buyer | None = None

    @property
    def fully_cancelled(self) -> bool:
        return self.cancel is not None and not self.cancel.partial

    def status(self, cutoff: int) -> str:
        if self.fully_cancelled:
            return "Cancelled"
        if self.paid >= cutoff:
            return "Pending"
        return "Shipped" if self.shipped is not None else "Unshipped"

    def last_updated(self, cutoff: int) -> int:
        stamps = [self.purchase + 90]
        if self.paid < cutoff:
            stamps.append(self.paid)
        if self.shipped is not None:
            stamps.append(self.shipped)
        if self.cancel is not None:
            stamps.append(self.cancel.at)
        return min(max(stamps), cutoff - 1)

    def late_shipment(self, cutoff: int) -> bool | None:
        """Late per metrics.md 3.3 as judged at `cutoff`; None when the order is not due (AFN, cancelled)."""
        if self.channel != "mfn" or self.fully_cancelled:
            return None
        if self.shipped is not None:
            return self.shipped > self.ship_by_end
        return self.ship_by_end < cutoff


# --- planning the orders -----------------------------------------------------------------------------

_LEVELS: Final = {
    # ship-service-level: (share of non-Prime orders, share of Prime orders, transit business days promised)
    "Standard": (0.8, 0.0, 5),
    "Expedited": (0.2, 0.0, 3),
    "SecondDay": (0.0, 0.8, 2),
    "NextDay": (0.0, 0.2, 1),
}


@dataclass(frozen=True)
class _Salts:
    """Drawn once per demo, shared by its parts, so ids stay distinct across them."""

    order: int
    item: int
    message: int
    adjustment: int
    settlement_id: str


class _Planner:
    """Decides everything about each order: items, dates, cancellation, shipping and every later event."""

    def __init__(
        self,
        *,
        rng: random.Random,
        clock: _Clock,
        locale: _Locale,
        market: Marketplace,
        cutoff: int,
        salts: _Salts,
        part: int,
    ) -> None:
        self.rng = rng
        self.clock = clock
        self.locale = locale
        self.cutoff = cutoff
        self.japanese = market.code == "JP"
        self.salts = salts
        self.part = part
        self.message_count = part * 10**7  # each part numbers its messages in its own range
        self.mfn_products = [p for p in _CATALOG if p.channel == "mfn"]
        self.afn_products = [p for p in _CATALOG if p.channel == "afn"]
        self.mfn_weights = _cumulative([p.weight for p in self.mfn_products])
        self.afn_weights = _cumulative([p.weight for p in self.afn_products])
        early = part == 0

        def q(rate: float) -> _Quota:
            return _Quota(rate, rng, early=early)

        self.defect = {"mfn": q(MFN_DEFECT_RATE), "afn": q(AFN_DEFECT_RATE)}
        self.seller_cancel = q(SELLER_CANCEL_RATE)
        self.buyer_cancel = q(BUYER_CANCEL_RATE)
        self.partial_cancel = q(PARTIAL_CANCEL_RATE)
        self.afn_cancel = q(AFN_CANCEL_RATE)
        self.late_ship = q(LATE_SHIPMENT_RATE)
        self.invalid_tracking = q(INVALID_TRACKING_RATE)
        self.late_delivery = q(LATE_DELIVERY_RATE)
        self.late_reply = q(LATE_REPLY_RATE)
        self.unsolved = q(CS_UNSOLVED_RATE)
        self.dissatisfied = q(RETURN_DISSATISFACTION_RATE)
        self.presale = q(PRESALE_MESSAGE_SHARE)
        # Only the last hours' orders draw from it, so its early hit is due in whichever part holds them.
        self.pending = _Quota(PENDING_RATE, rng, early=True)
        self.neutral = q(NEUTRAL_FEEDBACK_RATE)
        self.uncounted_claim = q(UNCOUNTED_CLAIM_RATE)
        self.fraud = q(FRAUD_CHARGEBACK_RATE)
        self.cancellers = _Cycle("seller", "seller", "amazon", "seller")
        self.late_deliveries = _Cycle("late", "missing", "late")
        self.late_replies = _Cycle("late", "auto", "late", "unanswered")
        self.dissatisfactions = _Cycle("rejected", "slow", "unresolved")
        self.claim_outcomes = _Cycle("granted", "closed", "granted")
        # Some orders collect two defects and still count once (metrics.md 3.1). Amazon handles FBA
        # delivery problems itself, so FBA defects are mostly product feedback.
        self.defect_kinds = {
            "mfn": _Cycle("feedback", "chargeback", "claim", "feedback", "both", "feedback", "claim", "feedback"),
            "afn": _Cycle("feedback", "chargeback", "feedback", "feedback", "claim", "feedback", "chargeback"),
        }
        self.uncounted_outcomes = _Cycle("denied", "withdrawn")
        # The settlement covers the 14 days before yesterday; it must show an A-to-z and a chargeback
        # refund even in a small demo, so the first defects that can land there are steered into it.
        self.settled = _settlement_period(cutoff)
        self.settled_claim = False
        self.settled_chargeback = False

    # -- the order itself

    def order(self, index: int, purchase: int) -> _Order:
        rand = self.rng.random
        channel = "mfn" if rand() < MFN_SHARE else "afn"
        prime = rand() < (0.15 if channel == "mfn" else 0.7)
        level = self._level(prime)
        local_day = self.clock.local_day(purchase)
        ship_by_day = self.clock.add_business_days(local_day, 1)
        deliver_by_day = self.clock.add_business_days(ship_by_day, _LEVELS[level][2])
        paid = purchase + 60 + int(rand() * 1740)
        if purchase >= self.cutoff - 12 * HOUR and self.pending.draw():
            paid = max(self.cutoff, purchase + HOUR) + int(rand() * 20 * HOUR)
        elif rand() < PAYMENT_HOLD_SHARE:
            paid = purchase + HOUR + int(rand() * 29 * HOUR)
        order = _Order(
            index=index,
            order_id=self._order_id(index),
            purchase=purchase,
            channel=channel,
            lines=self._lines(channel),
            level=level,
            prime=prime,
            business=rand() < 0.06,
            place=self.locale.places[int(rand() * len(self.locale.places))],
            paid=paid,
            ship_by_day=ship_by_day,
            ship_by_end=self.clock.end_of_day(ship_by_day),
            deliver_by_day=deliver_by_day,
            deliver_by_end=self.clock.end_of_day(deliver_by_day),
        )
        self._cancel(order)
        if not order.fully_cancelled:
            if channel == "mfn":
                self._ship_mfn(order)
            else:
                self._ship_afn(order)
            self._defects(order)
            self._returns(order)
        self._messages(order)
        return order

    def _order_id(self, index: int) -> str:
        prefixes = self.locale.order_prefixes
        middle = _scramble(index, 10**7, self.salts.order)
        return f"{prefixes[index % len(prefixes)]}-{middle:07d}-{self.rng.randrange(10**7):07d}"

    def _level(self, prime: bool) -> str:
        roll = self.rng.random()
        for level, (plain, with_prime, _) in _LEVELS.items():
            share = with_prime if prime else plain
            if roll < share:
                return level
            roll -= share
        return "Standard"

    def _lines(self, channel: str) -> list[_Line]:
        rand = self.rng.random
        count = 1
        if rand() < MULTI_ITEM_SHARE:
            roll = rand()
            count = 2 if roll < 0.7 else 3 if roll < 0.95 else 4
        products, weights = (
            (self.mfn_products, self.mfn_weights) if channel == "mfn" else (self.afn_products, self.afn_weights)
        )
        chosen: list[_Product] = []
        while len(chosen) < count:
            product = products[_pick(weights, rand())]
            if product not in chosen:  # one line per SKU: (order, sku) is All Orders' key
                chosen.append(product)
        lines = []
        for product in chosen:
            roll = rand()
            quantity = 1 if roll < 0.85 else 2 if roll < 0.97 else 3
            name = product.name_ja if self.japanese and product.name_ja else product.name
            # Yen and rupee prices are whole numbers.
            price = round(
                product.price * self.locale.price_factor * quantity, 2 if self.locale.price_factor < 50 else 0
            )
            lines.append(_Line(product, name, quantity, price))
        return lines

    def _cancel(self, order: _Order) -> None:
        rand = self.rng.random
        if order.channel == "afn":
            if self.afn_cancel.draw():
                self._record_cancel(order, "buyer", order.purchase + 600 + int(rand() * 4 * HOUR), partial=False)
            return
        seller_at = order.purchase + 2 * HOUR + int(rand() * 0.8 * (order.ship_by_end - order.purchase - 2 * HOUR))
        if len(order.lines) > 1 and self.partial_cancel.draw():
            self._record_cancel(order, "seller", seller_at, partial=True)
        elif self.seller_cancel.draw():
            by = self.cancellers.next()
            # Amazon cancels within hours, when a payment or an address does not check out.
            at = order.purchase + 1200 + int(rand() * 6 * HOUR) if by == "amazon" else seller_at
            self._record_cancel(order, by, at, partial=False)
        elif self.buyer_cancel.draw():
            self._record_cancel(order, "buyer", order.purchase + 600 + int(rand() * 8 * HOUR), partial=False)

    def _record_cancel(self, order: _Order, by: str, at: int, *, partial: bool) -> None:
        if at >= self.cutoff:  # not cancelled yet as of the demo's day
            return
        reasons = _CANCEL_REASONS[by]
        order.cancel = _Cancel(at, by, reasons[int(self.rng.random() * len(reasons))], partial)
        for line in order.lines[-1:] if partial else order.lines:
            line.cancelled = True

    def _ship_mfn(self, order: _Order) -> None:
        rand = self.rng.random
        earliest = max(order.purchase, order.paid) + 1800
        latest = order.ship_by_end - 600
        if self.late_ship.draw():
            shipped = order.ship_by_end + HOUR + int(rand() * 60 * HOUR)
        elif earliest > latest:
            self.late_ship.take()  # payment cleared too late to ship in time
            shipped = earliest + int(rand() * 12 * HOUR)
        else:
            planned = earliest + int((latest - earliest) * rand())
            # Parcels go out in working hours; an evening order waits for the morning when it can.
            shipped = self.clock.working_time(planned)
            if shipped > latest:
                shipped = planned
        if shipped >= self.cutoff:
            return
        order.shipped = shipped
        order.carrier = self.locale.carriers[int(rand() * len(self.locale.carriers))]
        order.tracking_valid = not self.invalid_tracking.draw()
        if order.tracking_valid or rand() < 0.6:  # some invalid ones have a number but no scans
            order.tracking = _tracking_number(self.rng, order.carrier)
        if order.tracking_valid:
            self._deliver(order)

    def _deliver(self, order: _Order) -> None:
        rand = self.rng.random
        assert order.shipped is not None
        earliest = order.shipped + 18 * HOUR
        latest = order.deliver_by_end - 2 * HOUR
        if self.late_delivery.draw():
            if self.late_deliveries.next() == "missing":
                return  # tracked, but no delivery scan ever came
            delivered = order.deliver_by_end + 2 * HOUR + int(rand() * 96 * HOUR)
        elif earliest > latest:
            self.late_delivery.take()  # shipped too late to arrive in time
            delivered = earliest + int(rand() * 48 * HOUR)
        else:
            delivered = earliest + int((latest - earliest) * rand() ** 1.3)
        if delivered < self.cutoff:
            order.delivered = delivered

    def _ship_afn(self, order: _Order) -> None:
        rand = self.rng.random
        shipped = max(order.purchase, order.paid) + 3 * HOUR + int(rand() * 36 * HOUR)
        if shipped >= self.cutoff:
            return
        order.shipped = shipped
        order.carrier = f"AMZN_{self.locale.country}"
        order.tracking = f"TBA{self.rng.randrange(10**12):012d}"
        order.tracking_valid = True
        delivered = shipped + 20 * HOUR + int(rand() * 60 * HOUR)
        if delivered < self.cutoff:
            order.delivered = delivered

    def _defects(self, order: _Order) -> None:
        """ODR defects (and harmless look-alikes), all within 14 days of purchase.

        Keeping them within 14 days means every defect of an order in the ODR window [D-74, D-15] has
        arrived by the demo's day, so the window shows the intended rate.
        """
        rand = self.rng.random
        if self.defect[order.channel].draw():
            feedback, claim, chargeback = self._defect_kinds(order)
            if feedback:
                self._feedback(order, 1 if rand() < 0.6 else 2)
            if claim:
                self._claim(order, counting=True)
            if chargeback:
                self._chargeback(order, "service")
            return
        if self.neutral.draw():
            self._feedback(order, 3)
        if self.uncounted_claim.draw():
            self._claim(order, counting=False)
        if self.fraud.draw():
            self._chargeback(order, "fraud")

    def _defect_kinds(self, order: _Order) -> tuple[bool, bool, bool]:
        """Negative feedback, claim, chargeback: which of them a defective order gets."""
        start, end = self.settled
        if order.channel == "mfn" and start - 14 * DAY <= order.purchase < end - 6 * DAY:
            if not self.settled_claim:
                return False, True, False
            if not self.settled_chargeback:
                return False, False, True
        kind = self.defect_kinds[order.channel].next()
        return kind in ("feedback", "both"), kind in ("claim", "both"), kind == "chargeback"

    def _feedback(self, order: _Order, rating: int) -> None:
        at = order.purchase + 3 * DAY + int(self.rng.random() * 11 * DAY)
        if at >= self.cutoff:
            return
        late = order.shipped is None or order.delivered is None or order.delivered > order.deliver_by_end
        texts = _FEEDBACK_TEXT["delivery" if late and order.channel == "mfn" else "product", rating]
        comment = texts[int(self.rng.random() * len(texts))]
        response = _FEEDBACK_RESPONSE if rating < 3 and self.rng.random() < 0.4 else ""
        order.feedback = _Feedback(at, rating, comment, response)

    def _claim(self, order: _Order, *, counting: bool) -> None:
        rand = self.rng.random
        at = order.purchase + 6 * DAY + int(rand() * 8 * DAY)
        if at >= self.cutoff:
            return
        steer = counting and not self.settled_claim and order.channel == "mfn"
        if not counting:
            status = self.uncounted_outcomes.next()
        elif self.cutoff - at < 20 * DAY and not steer:
            status = "open"  # Amazon decides a claim within a few weeks
        else:
            status = self.claim_outcomes.next() if not steer else "granted"
        amount = _order_total(order)
        funded_by = "amazon" if order.channel == "afn" else "seller"
        order.claim = _Claim(at, status, _CLAIM_REASONS[int(rand() * len(_CLAIM_REASONS))], amount, funded_by)
        if status == "granted":
            refunded = self._later(at + DAY, 5 * DAY, steer=steer)
            self.settled_claim |= self._refund(order, refunded, "A-to-z Guarantee Refund", amount)

    def _chargeback(self, order: _Order, kind: str) -> None:
        rand = self.rng.random
        at = order.purchase + 8 * DAY + int(rand() * 6 * DAY)
        if at >= self.cutoff:
            return
        reasons = _CHARGEBACK_REASONS[kind]
        status = "open" if self.cutoff - at < 10 * DAY else "closed"
        amount = _order_total(order)
        order.chargeback = _Chargeback(at, kind, status, reasons[int(rand() * len(reasons))], amount)
        if kind == "service":  # a fraud chargeback's settlement line would read as a service one
            steer = not self.settled_chargeback and order.channel == "mfn"
            debited = self._later(at + HOUR, 4 * DAY, steer=steer)
            self.settled_chargeback |= self._refund(order, debited, "Chargeback Refund", amount)

    def _later(self, earliest: int, spread: int, *, steer: bool) -> int:
        """A time after `earliest`; steered into the settlement period when `steer` and possible."""
        start, end = self.settled
        if steer and earliest < end:
            earliest = max(earliest, start)
            return earliest + int(self.rng.random() * (end - earliest))
        return earliest + int(self.rng.random() * spread)

    def _refund(self, order: _Order, at: int, kind: str, amount: float) -> bool:
        """Record a refund that happened before the demo's day; True when it lies in the settlement period."""
        if at >= self.cutoff:
            return False
        order.refunds.append(_Refund(at, kind, amount, order.lines[0]))
        return self.settled[0] <= at < self.settled[1]

    def _returns(self, order: _Order) -> None:
        if order.shipped is None:
            return
        rand = self.rng.random
        if order.channel == "afn":
            if rand() < AFN_RETURN_SHARE:
                self._fba_return(order)
            elif rand() < CONCESSION_REFUND_SHARE:
                self._refund(
                    order, order.shipped + int(rand() * 10 * DAY), "Refund", round(_order_total(order) * 0.2, 2)
                )
            return
        claimed = order.claim is not None and order.claim.counts
        if rand() < MFN_RETURN_SHARE or (claimed and rand() < 0.5):
            self._seller_return(order)
        elif rand() < CONCESSION_REFUND_SHARE:
            self._refund(order, order.shipped + int(rand() * 10 * DAY), "Refund", round(_order_total(order) * 0.2, 2))

    def _seller_return(self, order: _Order) -> None:
        rand = self.rng.random
        assert order.shipped is not None
        base = order.delivered or order.shipped + 3 * DAY
        requested = base + HOUR + int(rand() * 18 * DAY)
        claim = order.claim if order.claim is not None and order.claim.counts else None
        if claim is not None:  # the buyer asked for a return before escalating to a claim
            requested = max(order.shipped + HOUR, claim.at - DAY - int(rand() * 3 * DAY))
        if requested >= self.cutoff:
            return
        shipped_lines = [line for line in order.lines if not line.cancelled]
        line = shipped_lines[int(rand() * len(shipped_lines))]
        status, in_policy, responded, resolved = self._return_handling(requested)
        if status == "Rejected" and resolved:
            resolved = None  # a buyer whose return was rejected does not call it resolved
        delivered: int | None = None
        refunded = 0.0
        if status != "Rejected":
            delivered = requested + 3 * DAY + int(rand() * 8 * DAY)
            refund_at = delivered + int(rand() * 2 * DAY)
            if delivered >= self.cutoff:
                delivered = None
            # A claimed order was refunded through the claim; other returns once the parcel is back.
            elif claim is None and rand() < 0.9 and refund_at < self.cutoff:
                refunded = line.price if rand() < 0.85 else round(line.price * 0.5, 2)
                self._refund(order, refund_at, "Refund", refunded)
        order.seller_return = _Return(
            requested=requested,
            line=line,
            quantity=line.quantity,
            rma=f"D{_MIXED.code(self.rng.getrandbits(47), 8)}RMA",
            reason=_RETURN_REASONS[int(rand() * len(_RETURN_REASONS))],
            status=status if delivered is not None or status == "Rejected" else "Approved",
            in_policy=in_policy,
            responded=responded,
            buyer_resolved=resolved,
            delivered=delivered,
            refunded=refunded,
            a_to_z=claim is not None,
            carrier=self.locale.carriers[0],
            tracking=_tracking_number(self.rng, self.locale.carriers[0]),
        )

    def _return_handling(self, requested: int) -> tuple[str, bool, int | None, bool | None]:
        """Status, in-policy flag, response time and the buyer's verdict of one return request."""
        rand = self.rng.random
        status, in_policy = "Closed", True
        responded: int | None = requested + 600 + int(rand() * 30 * HOUR)
        resolved: bool | None = True if rand() < 0.6 else None  # most buyers never answer the question
        if self.dissatisfied.draw():
            kind = self.dissatisfactions.next()
            if kind == "rejected":
                status = "Rejected"  # rejected although in policy
            elif kind == "slow":
                responded = requested + 49 * HOUR + int(rand() * 72 * HOUR)
            else:
                resolved = False
        elif rand() < OUT_OF_POLICY_REJECT_SHARE:
            status, in_policy = "Rejected", False
        if responded is not None and responded >= self.cutoff:
            responded = None
        return status, in_policy, responded, resolved

    def _fba_return(self, order: _Order) -> None:
        rand = self.rng.random
        assert order.shipped is not None
        at = (order.delivered or order.shipped + 2 * DAY) + 2 * DAY + int(rand() * 25 * DAY)
        if at >= self.cutoff:
            return
        line = order.lines[int(rand() * len(order.lines))]
        if line.cancelled:
            return
        disposition = _DISPOSITIONS[int(rand() * len(_DISPOSITIONS))]
        order.fba_return = _FbaReturn(
            at=at,
            line=line,
            quantity=line.quantity,
            center=self.locale.fulfillment_centers[int(rand() * len(self.locale.fulfillment_centers))],
            disposition=disposition,
            reason=_FBA_RETURN_REASONS[int(rand() * len(_FBA_RETURN_REASONS))],
            status="Unit returned to inventory" if disposition == "SELLABLE" else "Reimbursed",
            plate=f"LPNRR{self.rng.randrange(10**9):09d}",
            comment=_RETURN_COMMENTS[int(rand() * len(_RETURN_COMMENTS))],
        )
        # Amazon refunds an FBA return at the carrier's drop-off scan, before the parcel reaches the centre.
        self._refund(order, at - DAY - int(rand() * DAY), "Refund", line.price)

    # -- buyer messages

    def _messages(self, order: _Order) -> None:
        rand = self.rng.random
        share = MFN_MESSAGE_SHARE if order.channel == "mfn" else AFN_MESSAGE_SHARE
        if rand() >= share:
            return
        received = order.purchase + HOUR + int(rand() * 12 * DAY)
        if received >= self.cutoff:
            return
        if rand() < NO_RESPONSE_NEEDED_SHARE:
            subjects = _NO_REPLY_SUBJECTS
            order.messages.append(
                self._message(received, order.order_id, subjects[int(rand() * len(subjects))].format(order.order_id))
            )
            return
        subject = _ORDER_SUBJECTS[int(rand() * len(_ORDER_SUBJECTS))].format(order.order_id)
        message = self._message(received, order.order_id, subject, answer=True)
        order.messages.append(message)
        if message.replied is not None and not message.auto_reply and rand() < SURVEY_SHARE:
            self._surveys(order, message.replied)

    def presale_message(self, day_start: int) -> _Message | None:
        """A question from a shopper, without an order, on the day starting at `day_start`."""
        if not self.presale.draw():
            return None
        received = day_start + int(self.rng.random() * DAY)
        if received >= self.cutoff:
            return None
        subject = _PRESALE_SUBJECTS[int(self.rng.random() * len(_PRESALE_SUBJECTS))]
        return self._message(received, "", subject, answer=True)

    def pending_question(self) -> _Message:
        """A shopper's question from the last hours, not answered yet: the "nearing 24 hours" list has one."""
        received = self.cutoff - HOUR - int(self.rng.random() * 8 * HOUR)
        subject = _PRESALE_SUBJECTS[int(self.rng.random() * len(_PRESALE_SUBJECTS))]
        self.message_count += 1
        return _Message(self._message_id(), received, "", None, False, False, subject, "")

    def _message_id(self) -> str:
        return str(10**8 + _scramble(self.message_count, 10**8, self.salts.message))

    def _message(self, received: int, order_id: str, subject: str, *, answer: bool = False) -> _Message:
        rand = self.rng.random
        replied: int | None = None
        auto = False
        if answer:
            if self.late_reply.draw():
                kind = self.late_replies.next()
                if kind == "late":
                    replied = received + 25 * HOUR + int(rand() * 48 * HOUR)
                elif kind == "auto":  # only the help desk's auto-reply, which is not a reply
                    replied, auto = received + 60 + int(rand() * 180), True
            else:
                replied = received + 300 + int(23.5 * HOUR * rand() ** 2)
            if replied is not None and replied >= self.cutoff:
                replied, auto = None, False
        self.message_count += 1
        return _Message(
            message_id=self._message_id(),
            received=received,
            order_id=order_id,
            replied=replied,
            no_response_needed=not answer,
            auto_reply=auto,
            subject=subject,
            assignee=_ASSIGNEES[int(rand() * len(_ASSIGNEES))] if replied is not None and not auto else "",
        )

    def _surveys(self, order: _Order, replied: int) -> None:
        rand = self.rng.random
        at = replied + HOUR + int(rand() * 2 * DAY)
        if at >= self.cutoff:
            return
        solved = not self.unsolved.draw()
        order.surveys.append(_Survey(at, solved))
        if rand() < 0.05:  # the buyer answers again; the latest answer wins
            later = at + HOUR + int(rand() * DAY)
            if later < self.cutoff:
                order.surveys.append(_Survey(later, not solved))

    # -- buyers (drawn when a file needs one)

    def buyer(self, order: _Order) -> _Buyer:
        """The order's buyer, the same in every file that names them."""
        if order.buyer is None:
            order.buyer = self.new_buyer()
        return order.buyer

    def new_buyer(self) -> _Buyer:
        rand = self.rng.random
        name = f"{_FIRST_NAMES[int(rand() * len(_FIRST_NAMES))]} {_LAST_NAMES[int(rand() * len(_LAST_NAMES))]}"
        email = f"{_LOWER.code(self.rng.getrandbits(77), 15)}@marketplace.amazon.com"
        if self.locale.calling_code == "+1":
            phone = f"+1 {200 + int(rand() * 700)}-555-01{int(rand() * 100):02d}"  # 555-01xx: fictional
        else:
            phone = f"{self.locale.calling_code} {self.rng.randrange(10**8, 10**9)}"
        street = _STREETS[int(rand() * len(_STREETS))]
        address_1 = f"{10 + int(rand() * 9000)} {street}"
        address_2 = f"Apt {1 + int(rand() * 40)}{'ABCD'[int(rand() * 4)]}" if rand() < 0.3 else ""
        return _Buyer(name, email, phone, address_1, address_2)

    def item_code(self, order: _Order, position: int) -> str:
        """A 14-digit order item id, distinct across the demo."""
        return f"{_scramble(order.index * 8 + position, 10**14, self.salts.item):014d}"


def _settlement_period(cutoff: int) -> tuple[int, int]:
    """The 14 days the settlement covers: it closed yesterday 00:00 UTC and was paid out that day."""
    return cutoff - DAY - SETTLEMENT_DAYS * DAY, cutoff - DAY


def _cumulative(weights: Sequence[int]) -> list[float]:
    total = float(sum(weights))
    running = 0.0
    result = []
    for weight in weights:
        running += weight / total
        result.append(running)
    return result


def _pick(cumulative: Sequence[float], roll: float) -> int:
    for index, bound in enumerate(cumulative):
        if roll < bound:
            return index
    return len(cumulative) - 1


def _order_total(order: _Order) -> float:
    return round(sum(line.price for line in order.lines if not line.cancelled), 2)


def _digits(rng: random.Random, count: int) -> str:
    return f"{rng.randrange(10**count):0{count}d}"


def _tracking_number(rng: random.Random, carrier: str) -> str:
    """A number in the stated carrier's format (metrics.md 3.4 checks the format when no flag is given)."""
    if carrier == "USPS":
        return "9400" + _digits(rng, 18)
    if carrier == "UPS":
        return f"1Z{_UPPER.code(rng.getrandbits(31), 6)}03{_digits(rng, 8)}"
    if carrier in ("Royal Mail", "Correos", "Poste Italiane", "Colissimo"):
        suffix = {"Royal Mail": "GB", "Correos": "ES", "Poste Italiane": "IT", "Colissimo": "FR"}[carrier]
        return f"{_LETTERS.code(rng.randrange(26 * 26), 2)}{_digits(rng, 9)}{suffix}"
    if carrier in ("DHL", "Hermes", "DPD"):
        return _digits(rng, 14 if carrier != "DHL" else 10)
    if carrier == "Canada Post":
        return _digits(rng, 16)
    return _digits(rng, 12)


# --- counting what the demo holds (the Account Health JSON, and a check on the rates) -------------


@dataclass
class _Ratio:
    numerator: int = 0
    denominator: int = 0

    def add(self, hit: bool) -> None:
        self.denominator += 1
        self.numerator += hit

    def merge(self, other: _Ratio) -> None:
        self.numerator += other.numerator
        self.denominator += other.denominator

    @property
    def rate(self) -> float:
        return self.numerator / self.denominator if self.denominator else 0.0


@dataclass
class _Tally:
    """The demo's metric figures, counted with metrics.md's rules as the orders stream past."""

    as_of: int  # the day number of D
    cutoff: int  # 00:00 UTC on D: the evaluation instant
    settled: tuple[int, int]  # the settlement file's period: only refunds posted in it are visible
    odr: dict[str, _Ratio] = field(default_factory=lambda: {"afn": _Ratio(), "mfn": _Ratio(), "all": _Ratio()})
    odr_parts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {c: {"negativeFeedback": 0, "claims": 0, "chargebacks": 0} for c in ("afn", "mfn")}
    )
    cancel: _Ratio = field(default_factory=_Ratio)
    cancel_upper_bound: _Ratio = field(default_factory=_Ratio)
    late_30: _Ratio = field(default_factory=_Ratio)
    late_10: _Ratio = field(default_factory=_Ratio)
    valid_tracking: _Ratio = field(default_factory=_Ratio)
    on_time: _Ratio = field(default_factory=_Ratio)
    unit_on_time: _Ratio = field(default_factory=_Ratio)
    contact: _Ratio = field(default_factory=_Ratio)
    contact_pending: int = 0
    return_dissatisfaction: _Ratio = field(default_factory=_Ratio)
    cs_unsolved: _Ratio = field(default_factory=_Ratio)
    refunds: _Ratio = field(default_factory=_Ratio)
    perfect: _Ratio = field(default_factory=_Ratio)

    def merge(self, other: _Tally) -> None:
        """Add the counts of another part of the history."""
        for name in ("cancel", "cancel_upper_bound", "late_30", "late_10", "valid_tracking", "on_time"):
            getattr(self, name).merge(getattr(other, name))
        for name in ("unit_on_time", "contact", "return_dissatisfaction", "cs_unsolved", "refunds", "perfect"):
            getattr(self, name).merge(getattr(other, name))
        for scope, ratio in self.odr.items():
            ratio.merge(other.odr[scope])
        for channel, parts in self.odr_parts.items():
            for part, count in other.odr_parts[channel].items():
                parts[part] += count
        self.contact_pending += other.contact_pending

    def within(self, day: int, first: int, last: int) -> bool:
        """`day` lies in [D-first, D-last]."""
        return self.as_of - first <= day <= self.as_of - last

    def add(self, order: _Order) -> None:
        order_day = order.purchase // DAY
        self._odr(order, order_day)
        if order.channel == "mfn":
            self._mfn(order, order_day)
        for message in order.messages:
            self.add_message(message)
        if order.surveys:
            latest = max(order.surveys, key=lambda s: s.at)
            if self.within(latest.at // DAY, 30, 1):
                self.cs_unsolved.add(not latest.solved)
        if self.within(order_day, 30, 1):
            self.refunds.add(self._refunded(order))
        if self.within(order_day, 90, 1):
            self.perfect.add(not self._imperfect(order))

    def _odr(self, order: _Order, order_day: int) -> None:
        if not self.within(order_day, 74, 15):
            return
        negative = order.feedback is not None and order.feedback.rating <= 2
        claim = order.claim is not None and order.claim.counts
        chargeback = order.chargeback is not None and order.chargeback.kind == "service"
        defect = negative or claim or chargeback
        self.odr[order.channel].add(defect)
        self.odr["all"].add(defect)
        parts = self.odr_parts[order.channel]
        parts["negativeFeedback"] += negative
        parts["claims"] += claim
        parts["chargebacks"] += chargeback

    def _mfn(self, order: _Order, order_day: int) -> None:
        if self.within(order_day, 7, 1):
            cancel = order.cancel
            self.cancel.add(cancel is not None and cancel.by in ("seller", "amazon"))
            self.cancel_upper_bound.add(cancel is not None)
        late = order.late_shipment(self.cutoff)
        if late is not None:
            if self.within(order.ship_by_day, 30, 1):
                self.late_30.add(late)
            if self.within(order.ship_by_day, 10, 1):
                self.late_10.add(late)
        if order.shipped is None:
            return
        if self.within(order.deliver_by_day, 39, 10):
            self.valid_tracking.add(order.tracking_valid)
            if order.tracking_valid:
                self.on_time.add(order.delivered is not None and order.delivered <= order.deliver_by_end)
        if order.tracking_valid and self.within(order.deliver_by_day, 21, 8):
            units = sum(line.quantity for line in order.lines if not line.cancelled)
            on_time = order.delivered is not None and order.delivered <= order.deliver_by_end
            self.unit_on_time.denominator += units
            self.unit_on_time.numerator += units if on_time else 0
        returned = order.seller_return
        if returned is not None and self.within(returned.requested // DAY, 30, 1):
            self.return_dissatisfaction.add(returned.dissatisfying(self.cutoff))

    def add_message(self, message: _Message) -> None:
        if message.no_response_needed or not self.within(message.received // DAY, 90, 1):
            return
        answered = message.replied is not None and not message.auto_reply
        if not answered and self.cutoff - message.received <= 24 * HOUR:
            self.contact_pending += 1
            return
        self.contact.add(answered and message.replied is not None and message.replied - message.received <= 24 * HOUR)

    def _imperfect(self, order: _Order) -> bool:
        return bool(
            order.claim is not None
            or (order.feedback is not None and order.feedback.rating <= 2)
            or order.chargeback is not None
            or order.cancel is not None
            or order.late_shipment(self.cutoff)
            or self._refunded(order)
            or any(m.order_id and not m.no_response_needed for m in order.messages)
        )

    def _refunded(self, order: _Order) -> bool:
        """A refund healthbot can see: a settlement `Refund` line, or a returns row with a refunded amount."""
        start, end = self.settled
        if any(r.kind == "Refund" and start <= r.at < end for r in order.refunds):
            return True
        return order.seller_return is not None and order.seller_return.refunded > 0


# --- writing the files -----------------------------------------------------------------------------


class _Outputs:
    """Every demo file, open at once; each order is written to all of them as it is generated."""

    def __init__(
        self, directory: Path, *, planner: _Planner, clock: _Clock, market: Marketplace, header: bool, body: Path
    ) -> None:
        self.directory = directory
        self.header = header  # later parts of the history are appended to the first one's files
        self.planner = planner
        self.clock = clock
        self.market = market
        self.locale = planner.locale
        self.cutoff = planner.cutoff
        self.rng = planner.rng
        self.paths: dict[str, Path] = {}
        self._handles: list[IO[str]] = []
        returns_encoding = "cp932" if market.code == "JP" else "cp1252"
        self.all_orders = self._open("all_orders", ALL_ORDERS_HEADER)
        self.feedback = self._open("feedback", FEEDBACK_HEADER)
        self.returns = self._open("returns", RETURNS_HEADER, encoding=returns_encoding, newline="\r\n")
        self.fba_returns = self._open("fba_returns", FBA_RETURNS_HEADER)
        self.fba_shipments = self._open("fba_shipments", FBA_SHIPMENTS_HEADER)
        self.unshipped = self._open("unshipped", UNSHIPPED_HEADER)
        self.templates = {fmt.kind: self._open_template(fmt) for fmt in formats.TEMPLATES}
        self.settlement = _Settlement(self, body)

    def _open(self, kind: str, header: Sequence[str], *, encoding: str = "utf-8", newline: str = "\n") -> IO[str]:
        path = self.directory / FILE_NAMES[kind]
        handle = path.open("w", encoding=encoding, newline=newline, buffering=1 << 20)
        if self.header:
            handle.write("\t".join(header) + "\n")
        self.paths[kind] = path
        self._handles.append(handle)
        return handle

    def _open_template(self, fmt: formats.ReportFormat) -> Any:
        path = self.directory / FILE_NAMES[fmt.kind]
        handle = path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
        self.paths[fmt.kind] = path
        self._handles.append(handle)
        writer = csv.writer(handle)
        header = fmt.template_header()
        if fmt is formats.BUYER_MESSAGES:
            header = [*header, *MESSAGE_PERSONAL_COLUMNS]
        if self.header:
            writer.writerow(header)
        return writer

    def close(self) -> None:
        for handle in self._handles:
            handle.close()
        self.settlement.body.close()

    # -- per order

    def write(self, order: _Order) -> None:
        self._all_orders(order)
        if order.feedback is not None:
            self._feedback(order, order.feedback)
        if order.channel == "afn":
            if order.shipped is not None:
                self._fba_shipment(order)
            if order.fba_return is not None:
                self._fba_return(order, order.fba_return)
        else:
            self._mfn_templates(order)
        if order.seller_return is not None:
            self._seller_return(order, order.seller_return)
        if order.claim is not None:
            self._claim(order, order.claim)
        if order.chargeback is not None:
            self._chargeback(order, order.chargeback)
        for message in order.messages:
            self.message(message, self.planner.buyer(order))
        surveys = self.templates["cs_survey"]
        for survey in order.surveys:
            surveys.writerow([order.order_id, self.clock.local(survey.at), "Y" if survey.solved else "N"])
        self.settlement.order(order)

    def _all_orders(self, order: _Order) -> None:
        """One row per item; the order's columns are formatted once (this file holds most of the rows)."""
        clock, locale = self.clock, self.locale
        status = order.status(self.cutoff)
        channel = "Merchant" if order.channel == "mfn" else "Amazon"
        head = (
            f"{order.order_id}\t\t{clock.utc(order.purchase)}\t{clock.utc(order.last_updated(self.cutoff))}\t"
            f"{status}\t{channel}\t{locale.domain}\t\t{order.level}\t"
        )
        city, state, postal = order.place
        business = "true" if order.business else "false"
        tail = (
            f"\t{city}\t{state}\t{postal}\t{locale.country}\t\t\t{business}\t\t"
            f"{'BusinessPrice' if order.business else ''}\t{clock.utc(order.ship_by_end)}\t"
            f"{clock.utc(order.deliver_by_end)}\t{'true' if order.prime else 'false'}\n"
        )
        item_status = "Shipped" if order.shipped is not None else "Unshipped"
        shipping = 4.99 if order.channel == "mfn" and order.level == "Expedited" else 0.0
        rate = locale.tax_rate
        rows = []
        for line in order.lines:
            product = line.product
            if line.cancelled:  # cancelled items carry quantity 0 and no amounts
                rows.append(f"{head}{line.name}\t{product.sku}\t{product.asin}\tCancelled\t0\t{locale.currency}")
                rows.append("\t" * 8)
            elif status == "Pending":  # Amazon prices a pending order once its payment clears
                rows.append(f"{head}{line.name}\t{product.sku}\t{product.asin}\tUnshipped\t{line.quantity}\t")
                rows.append(locale.currency + "\t" * 8)
            else:
                rows.append(
                    f"{head}{line.name}\t{product.sku}\t{product.asin}\t{item_status}\t{line.quantity}\t"
                    f"{locale.currency}\t{line.price:.2f}\t{line.price * rate:.2f}\t{shipping:.2f}\t"
                    f"{shipping * rate:.2f}\t\t\t\t"
                )
            rows.append(tail)
        self.all_orders.write("".join(rows))

    def _feedback(self, order: _Order, feedback: _Feedback) -> None:
        day = self.clock.local_day(feedback.at)
        email = self.planner.buyer(order).email
        self.feedback.write(
            f"{_date(day).strftime(self.market.feedback_date_format)}\t{feedback.rating}\t{feedback.comment}\t"
            f"{feedback.response}\t{order.order_id}\t{email}\n"
        )

    def _fba_shipment(self, order: _Order) -> None:
        """One row per shipped item, full of buyer data as Amazon writes it (healthbot must drop it)."""
        assert order.shipped is not None
        clock, locale = self.clock, self.locale
        buyer = self.planner.buyer(order)
        city, state, postal = order.place
        shipment_id = f"D{_MIXED.code(self.rng.getrandbits(53), 9)}"
        center = locale.fulfillment_centers[order.index % len(locale.fulfillment_centers)]
        head = f"{order.order_id}\t\t{shipment_id}\t"
        dates = (
            f"\t\t{clock.local(order.purchase)}\t{clock.local(order.paid)}\t{clock.local(order.shipped)}\t"
            f"{clock.local(order.shipped + 2 * HOUR)}\t{buyer.email}\t{buyer.name}\t{buyer.phone}\t"
        )
        address = f"{buyer.address_1}\t{buyer.address_2}\t\t{city}\t{state}\t{postal}\t{locale.country}"
        tail = (
            f"\t{order.level}\t{buyer.name}\t{address}\t{buyer.phone}\t{address}\t\t\t{order.carrier}\t"
            f"{order.tracking}\t{clock.local(order.deliver_by_end)}\t{center}\tAFN\t{locale.domain}\n"
        )
        rows = []
        for position, line in enumerate(order.lines):
            if line.cancelled:
                continue
            item_id = self.planner.item_code(order, position)
            rows.append(
                f"{head}{_shipment_code(int(item_id))}\t{item_id}{dates}{line.product.sku}\t{line.name}\t"
                f"{line.quantity}\t{locale.currency}\t{line.price:.2f}\t{line.price * locale.tax_rate:.2f}\t"
                f"0.00\t0.00\t\t{tail}"
            )
        self.fba_shipments.write("".join(rows))

    def _fba_return(self, order: _Order, returned: _FbaReturn) -> None:
        line = returned.line
        self.fba_returns.write(
            "\t".join(
                [
                    self.clock.local(returned.at),
                    order.order_id,
                    line.product.sku,
                    line.product.asin,
                    line.product.fnsku,
                    line.name,
                    str(returned.quantity),
                    returned.center,
                    returned.disposition,
                    returned.reason,
                    returned.status,
                    returned.plate,
                    returned.comment,
                ]
            )
            + "\n"
        )

    def _mfn_templates(self, order: _Order) -> None:
        clock = self.clock
        cancel = order.cancel
        if cancel is not None:
            self.templates["cancellations"].writerow([order.order_id, clock.local(cancel.at), cancel.by, cancel.reason])
        if order.shipped is not None:
            units = sum(line.quantity for line in order.lines if not line.cancelled)
            self.templates["shipments"].writerow(
                [
                    order.order_id,
                    clock.local(order.shipped),
                    clock.day_iso(order.ship_by_day),
                    order.carrier,
                    order.tracking,
                    "Y" if order.tracking_valid else "N",
                    clock.day_iso(order.deliver_by_day),
                    clock.local(order.delivered) if order.delivered is not None else "",
                    units,
                ]
            )
        elif order.status(self.cutoff) == "Unshipped":
            self._unshipped(order)

    def _unshipped(self, order: _Order) -> None:
        clock = self.clock
        buyer = self.planner.buyer(order)
        city, state, postal = order.place
        past_promise = self.clock.local_day(self.cutoff - 1) - order.ship_by_day
        rows = []
        for position, line in enumerate(order.lines):
            if line.cancelled:
                continue
            fields = [
                order.order_id,
                self.planner.item_code(order, position),
                clock.local(order.purchase),
                clock.local(order.paid),
                clock.local(self.cutoff - 60),
                clock.local(order.ship_by_end),
                str(past_promise),
                buyer.email,
                buyer.phone,
                line.product.sku,
                line.name,
                str(line.quantity),
                "0",
                str(line.quantity),
                order.level,
                buyer.name,
                buyer.address_1,
                buyer.address_2,
                "",
                city,
                state,
                postal,
                self.locale.country,
                "true" if order.business else "false",
                "",
                "",
                "true" if order.prime else "false",
            ]
            rows.append("\t".join(fields))
        if rows:
            self.unshipped.write("\n".join(rows) + "\n")

    def _seller_return(self, order: _Order, returned: _Return) -> None:
        line = returned.line
        requested_day = self.clock.local_day(returned.requested)
        fields = [
            order.order_id,
            _dd_mon_yyyy(self.clock.local_day(order.purchase)),
            _dd_mon_yyyy(requested_day),
            returned.status,
            returned.rma,
            "",
            "AmazonPrePaidLabel",
            _money(4.5 * self.locale.price_factor),
            self.locale.currency,
            returned.carrier,
            returned.tracking,
            "Seller" if returned.reason in ("CR-DEFECTIVE", "AMZ-PG-BAD-DESC") else "Customer",
            "Y" if returned.a_to_z else "N",
            "Y" if order.prime else "N",
            line.product.asin,
            line.product.sku,
            line.name,
            str(returned.quantity),
            returned.reason,
            "Y" if returned.in_policy else "N",
            "C-Returns",
            "StandardRefund",
            "",
            _dd_mon_yyyy(self.clock.local_day(returned.delivered)) if returned.delivered is not None else "",
            _money(line.price),
            str(line.quantity),
            "",
        ]
        if returned.refunded > 0:  # the refunded amount lies past the 27 fields real rows stop at
            fields += ["", "", "", "", _money(returned.refunded)]
        self.returns.write("\t".join(fields) + "\n")
        self.templates["return_requests"].writerow(
            [
                order.order_id,
                self.clock.local(returned.requested),
                returned.status,
                self.clock.local(returned.responded) if returned.responded is not None else "",
                "Y" if returned.in_policy else "N",
                "" if returned.buyer_resolved is None else "Y" if returned.buyer_resolved else "N",
            ]
        )

    def _claim(self, order: _Order, claim: _Claim) -> None:
        self.templates["claims"].writerow(
            [
                order.order_id,
                self.clock.local(claim.at),
                claim.status,
                claim.reason,
                _money(claim.amount),
                claim.funded_by,
            ]
        )

    def _chargeback(self, order: _Order, chargeback: _Chargeback) -> None:
        self.templates["chargebacks"].writerow(
            [
                order.order_id,
                self.clock.local(chargeback.at),
                chargeback.kind,
                chargeback.status,
                chargeback.reason,
                _money(chargeback.amount),
            ]
        )

    def message(self, message: _Message, buyer: _Buyer) -> None:
        self.templates["buyer_messages"].writerow(
            [
                message.message_id,
                self.clock.local(message.received),
                message.order_id,
                self.clock.local(message.replied) if message.replied is not None else "",
                "Y" if message.no_response_needed else "N",
                "Y" if message.auto_reply else "N",
                message.subject,
                message.assignee,
                buyer.name,
                buyer.email,
            ]
        )


class _Settlement:
    """The lines of the settlement of the last 14 days: refunds, A-to-z and chargeback refunds, orders.

    The file's summary line comes first and holds the total, so the lines go to a body file and are
    copied after the summary once every part of the history is done (`_write_settlement`).
    """

    def __init__(self, outputs: _Outputs, body: Path) -> None:
        self.outputs = outputs
        self.clock = outputs.clock
        self.settlement_id = outputs.planner.salts.settlement_id
        self.start, self.end = outputs.planner.settled
        self.salt_adjustment = outputs.planner.salts.adjustment
        self.adjustments = outputs.planner.part * 10**7  # each part numbers its refunds in its own range
        self.total = 0.0
        self.body: IO[str] = body.open("w", encoding="utf-8", newline="\n", buffering=1 << 20)
        self.domain = outputs.locale.domain

    def _row(self, order: _Order, kind: str, posted: int, adjustment: str = "") -> list[str]:
        row = [""] * len(SETTLEMENT_HEADER)
        row[_S["settlement-id"]] = self.settlement_id
        row[_S["transaction-type"]] = kind
        row[_S["order-id"]] = order.order_id
        row[_S["adjustment-id"]] = adjustment
        row[_S["marketplace-name"]] = self.domain
        row[_S["fulfillment-id"]] = "MFN" if order.channel == "mfn" else "AFN"
        row[_S["posted-date"]] = self.clock.settlement(posted)
        return row

    def _emit(self, rows: list[list[str]]) -> None:
        self.body.write("".join("\t".join(row) + "\n" for row in rows))

    def order(self, order: _Order) -> None:
        if order.shipped is not None and self.start <= order.shipped < self.end:
            self._order_lines(order, order.shipped)
        for refund in order.refunds:
            if self.start <= refund.at < self.end:
                self._refund_lines(order, refund)

    def _order_lines(self, order: _Order, posted: int) -> None:
        rows = []
        for position, line in enumerate(order.lines):
            if line.cancelled:
                continue
            code = self.outputs.planner.item_code(order, position)
            shipment = self._row(order, "Order", posted)
            shipment[_S["shipment-id"]] = _shipment_code(int(code))
            shipment[_S["order-item-code"]] = code
            shipment[_S["sku"]] = line.product.sku
            shipment[_S["quantity-purchased"]] = str(line.quantity)
            fees = [("Commission", -round(line.price * COMMISSION, 2))]
            if order.channel == "afn":
                fees.append(("FBAPerUnitFulfillmentFee", -round(3.22 * line.quantity, 2)))
            principal = list(shipment)
            principal[_S["price-type"]] = "Principal"
            principal[_S["price-amount"]] = _money(line.price)
            rows.append(principal)
            self.total += line.price
            for fee_type, amount in fees:
                fee = list(shipment)
                fee[_S["item-related-fee-type"]] = fee_type
                fee[_S["item-related-fee-amount"]] = _money(amount)
                rows.append(fee)
                self.total += amount
        self._emit(rows)

    def _refund_lines(self, order: _Order, refund: _Refund) -> None:
        """One refund is several lines under one key (price and fee types), as Amazon writes it."""
        self.adjustments += 1
        adjustment = f"{_scramble(self.adjustments, 10**14, self.salt_adjustment):014d}"
        base = self._row(order, refund.kind, refund.at, adjustment)
        base[_S["sku"]] = refund.line.product.sku
        base[_S["merchant-adjustment-item-id"]] = ""
        base[_S["quantity-purchased"]] = str(refund.line.quantity)
        amounts: list[tuple[str, str, float]] = [("price", "Principal", -refund.amount)]
        if refund.kind == "Refund":
            commission = round(refund.amount * COMMISSION, 2)
            amounts += [("fee", "Commission", commission), ("fee", "RefundCommission", -round(commission * 0.2, 2))]
        else:
            amounts.append(("price", "Tax", -round(refund.amount * self.outputs.locale.tax_rate, 2)))
        rows = []
        for column, label, amount in amounts:
            row = list(base)
            if column == "price":
                row[_S["price-type"]], row[_S["price-amount"]] = label, _money(amount)
            else:
                row[_S["item-related-fee-type"]], row[_S["item-related-fee-amount"]] = label, _money(amount)
            rows.append(row)
            self.total += amount
        self._emit(rows)


def _write_settlement(
    path: Path, *, bodies: Sequence[Path], total: float, salts: _Salts, cutoff: int, locale: _Locale
) -> None:
    """The settlement file: the summary line, every part's lines, and two account-level fees Amazon adds."""
    start, end = _settlement_period(cutoff)
    storage_fee = -round(12.5 + total * 0.002, 2)
    subscription = -39.99
    total += storage_fee + subscription

    def stamp(ts: int) -> str:
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    summary = [""] * len(SETTLEMENT_HEADER)
    summary[_S["settlement-id"]] = salts.settlement_id
    summary[_S["settlement-start-date"]] = stamp(start)
    summary[_S["settlement-end-date"]] = stamp(end)
    summary[_S["deposit-date"]] = stamp(end + 20 * HOUR)
    summary[_S["total-amount"]] = _money(total)
    summary[_S["currency"]] = locale.currency
    fees = []
    for label, amount, posted in (
        ("Storage Fee", storage_fee, start + 6 * DAY),
        ("Subscription Fee", subscription, start + 2 * HOUR),
    ):
        row = [""] * len(SETTLEMENT_HEADER)
        row[_S["settlement-id"]] = salts.settlement_id
        row[_S["transaction-type"]] = "other-transaction"
        row[_S["marketplace-name"]] = locale.domain
        row[_S["posted-date"]] = stamp(posted)
        row[_S["other-amount"]] = _money(amount)
        row[_S["other-fee-reason-description"]] = label
        fees.append(row)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write("\t".join(SETTLEMENT_HEADER) + "\n")
        handle.write("\t".join(summary) + "\n")
        for body in bodies:
            with body.open(encoding="utf-8", newline="") as lines:
                shutil.copyfileobj(lines, handle, 1 << 20)
        handle.write("".join("\t".join(row) + "\n" for row in fees))


# --- policy violations and the Account Health report ---------------------------------------------------


@dataclass(frozen=True)
class _Violation:
    day: int
    key: str  # the Account Health report's category
    category: str  # as a team writes it in the policy-violations template
    asin: str
    status: str
    description: str


def _violations(rng: random.Random, as_of: int, orders: int) -> list[_Violation]:
    """A few policy violations over the last 180 days, the newest already resolved."""
    count = 2 + int(rng.random() * 2) + min(3, orders // 250_000)
    days = sorted(as_of - 5 - int(rng.random() * 170) for _ in range(count))
    result = []
    for index, day in enumerate(days):
        key, category, description = _VIOLATIONS[index % len(_VIOLATIONS)]
        asin = _CATALOG[int(rng.random() * len(_CATALOG))].asin
        status = "Resolved" if index == count - 1 else "Open"
        result.append(_Violation(day, key, category, asin, status, description))
    return result


def _ahr_score(violations: Sequence[_Violation]) -> int:
    """An Account Health Rating that open violations pull below 200 (at risk)."""
    active = sum(1 for v in violations if v.status == "Open")
    return max(0, 260 - 40 * active)


def _range(tally: _Tally, first: int, last: int) -> dict[str, str]:
    return {
        "reportingDateFrom": f"{_date(tally.as_of - first).isoformat()}T00:00Z",
        "reportingDateTo": f"{_date(tally.as_of - last).isoformat()}T23:59Z",
    }


def _good(passes: bool) -> str:
    return "GOOD" if passes else "BAD"


def _odr_block(tally: _Tally, channel: str) -> dict[str, Any]:
    ratio = tally.odr[channel]
    parts = tally.odr_parts[channel]
    return {
        "reportingDateRange": _range(tally, 74, 15),
        "orderCount": ratio.denominator,
        "orderWithDefects": {"count": ratio.numerator, "status": _good(ratio.rate < ODR_TARGET)},
        "claims": {"count": parts["claims"], "status": "NONE"},
        "chargebacks": {"count": parts["chargebacks"], "status": "NONE"},
        "negativeFeedback": {"count": parts["negativeFeedback"], "status": "NONE"},
        "fulfillmentType": channel,
        "status": _good(ratio.rate < ODR_TARGET),
        "rate": round(ratio.rate, 6),
        "targetValue": ODR_TARGET,
        "targetCondition": "LESS_THAN",
    }


def _account_health(tally: _Tally, market: Marketplace, violations: Sequence[_Violation]) -> dict[str, Any]:
    """Amazon's Account Health report (accountHealthReport-2020-11-18.json) for the demo's orders."""
    score = _ahr_score(violations)
    ahr_status = "GOOD" if score >= 200 else "AT_RISK" if score >= 100 else "UNHEALTHY"
    metrics: dict[str, Any] = {
        "marketplaceId": market.marketplace_id,
        "orderDefectRate": {"afn": _odr_block(tally, "afn"), "mfn": _odr_block(tally, "mfn")},
        "lateShipmentRate": {
            "reportingDateRange": _range(tally, 30, 1),
            "orderCount": tally.late_30.denominator,
            "lateShipmentCount": tally.late_30.numerator,
            "status": _good(tally.late_30.rate < LSR_TARGET),
            "rate": round(tally.late_30.rate, 6),
            "targetValue": LSR_TARGET,
            "targetCondition": "LESS_THAN",
        },
        "prefulfillmentCancelRate": {
            "reportingDateRange": _range(tally, 7, 1),
            "orderCount": tally.cancel.denominator,
            "cancellationCount": tally.cancel.numerator,
            "status": _good(tally.cancel.rate < CANCEL_TARGET),
            "rate": round(tally.cancel.rate, 6),
            "targetValue": CANCEL_TARGET,
            "targetCondition": "LESS_THAN",
        },
        "validTrackingRate": {
            "reportingDateRange": _range(tally, 39, 10),
            "shipmentCount": tally.valid_tracking.denominator,
            "validTrackingCount": tally.valid_tracking.numerator,
            "status": _good(tally.valid_tracking.rate >= VTR_TARGET),
            "rate": round(tally.valid_tracking.rate, 6),
            "targetValue": VTR_TARGET,
            "targetCondition": "GREATER_THAN",
        },
        "onTimeDeliveryRate": {
            "reportingDateRange": _range(tally, 39, 10),
            "shipmentCountWithValidTracking": tally.on_time.denominator,
            "onTimeDeliveryCount": tally.on_time.numerator,
            "status": _good(tally.on_time.rate >= OTDR_TARGET),
            "rate": round(tally.on_time.rate, 6),
            "targetValue": OTDR_TARGET,
            "targetCondition": "GREATER_THAN",
        },
    }
    if market.code == "US":  # the unit-based variant exists for US accounts only (metrics.md 3.5)
        metrics["unitOnTimeDeliveryRate"] = {
            "reportingDateRange": _range(tally, 21, 8),
            "totalUnitCount": tally.unit_on_time.denominator,
            "unitOnTimeDeliveryCount": tally.unit_on_time.numerator,
            "status": _good(tally.unit_on_time.rate >= UNIT_OTDR_TARGET),
            "rate": round(tally.unit_on_time.rate, 6),
            "targetValue": UNIT_OTDR_TARGET,
            "targetCondition": "GREATER_THAN",
        }
    metrics["accountHealthRating"] = {
        "ahrStatus": ahr_status,
        "ahrScore": score,
        "reportingDateRange": _range(tally, 180, 1),
    }
    for key in _POLICY_KEYS:
        count = sum(1 for v in violations if v.key == key)
        metrics[key] = {
            "reportingDateRange": _range(tally, 180, 1),
            "defectsCount": count,
            "status": _good(count == 0),
            "targetValue": 0,
            "targetCondition": "EQUALS",
        }
    return {
        "accountStatuses": [
            {"marketplaceId": market.marketplace_id, "status": "NORMAL" if score >= 200 else "AT_RISK"}
        ],
        "performanceMetrics": [metrics],
    }


# --- the whole demo ------------------------------------------------------------------------------------


def _day_counts(orders: int, first_day: int) -> list[int]:
    """Orders per day over the history: a weekly rhythm and slow growth, summing exactly to `orders`."""
    weights = [WEEKDAY_WEIGHTS[(first_day + i + 3) % 7] * (1.0 + 0.25 * i / HISTORY_DAYS) for i in range(HISTORY_DAYS)]
    total = sum(weights)
    exact = [orders * w / total for w in weights]
    counts = [int(x) for x in exact]
    # Largest remainders get the leftover orders; ties go to the later day, deterministically.
    order = sorted(range(HISTORY_DAYS), key=lambda i: (exact[i] - counts[i], i), reverse=True)
    for i in order[: orders - sum(counts)]:
        counts[i] += 1
    return counts


def _purchase_times(rng: random.Random, clock: _Clock, day: int, count: int) -> list[int]:
    """`count` sorted purchase instants on a UTC day, busiest in the buyers' local evening."""
    start = day * DAY
    offset_hours = clock.offset(start + 12 * HOUR) // HOUR
    weights = [LOCAL_HOUR_WEIGHTS[(hour + offset_hours) % 24] for hour in range(24)]
    hours = rng.choices(range(24), weights=weights, k=count)
    rand = rng.random
    return sorted(start + hour * HOUR + int(rand() * HOUR) for hour in hours)


@dataclass(frozen=True)
class _Part:
    """One part of the history: consecutive days, generated on their own (picklable for a worker)."""

    number: int
    last: bool
    directory: Path  # the files (the first part writes the final files, the others scratch copies)
    body: Path  # the part's settlement lines
    seed: int
    marketplace: str
    as_of_day: int
    first_day: int
    day_counts: tuple[int, ...]
    first_index: int
    salts: _Salts


@dataclass(frozen=True)
class _PartResult:
    tally: _Tally
    settlement_total: float


def _clock(market: Marketplace, as_of_day: int) -> _Clock:
    year = _date(as_of_day).year
    return _Clock(ZoneInfo(market.timezone), _holiday_days(market.holiday_country, range(year - 1, year + 2)))


def _write_part(part: _Part) -> _PartResult:
    """Generate the part's orders day by day and stream each into every file."""
    market = get_marketplace(part.marketplace)
    rng = random.Random(f"healthbot-demo:{part.seed}:{part.number}")
    clock = _clock(market, part.as_of_day)
    cutoff = part.as_of_day * DAY
    planner = _Planner(
        rng=rng,
        clock=clock,
        locale=_locale(market.code),
        market=market,
        cutoff=cutoff,
        salts=part.salts,
        part=part.number,
    )
    tally = _Tally(as_of=part.as_of_day, cutoff=cutoff, settled=planner.settled)
    part.directory.mkdir(parents=True, exist_ok=True)
    outputs = _Outputs(
        part.directory, planner=planner, clock=clock, market=market, header=part.number == 0, body=part.body
    )
    try:
        index = part.first_index
        for offset, count in enumerate(part.day_counts):
            day = part.first_day + offset
            for purchase in _purchase_times(rng, clock, day, count):
                order = planner.order(index, purchase)
                outputs.write(order)
                tally.add(order)
                index += 1
            for _ in range(max(1, count)):  # questions from shoppers, roughly one per hundred orders
                message = planner.presale_message(day * DAY)
                if message is not None:
                    outputs.message(message, planner.new_buyer())
                    tally.add_message(message)
        if part.last:
            question = planner.pending_question()
            outputs.message(question, planner.new_buyer())
            tally.add_message(question)
    finally:
        outputs.close()
    return _PartResult(tally, outputs.settlement.total)


def _split(counts: Sequence[int], parts: int) -> list[int]:
    """Day offsets where each part starts: parts of about equal numbers of orders."""
    total = sum(counts)
    starts = [0]
    running = 0
    for offset, count in enumerate(counts):
        if len(starts) < parts and running >= total * len(starts) / parts:
            starts.append(offset)
        running += count
    while len(starts) < parts:  # fewer orders than parts: the later parts hold the last days only
        starts.append(len(counts) - (parts - len(starts)))
    return starts


def _run(parts: Sequence[_Part], orders: int) -> list[_PartResult]:
    if orders < PARALLEL_FROM_ORDERS or (os.cpu_count() or 1) < 2:
        return [_write_part(part) for part in parts]
    with ProcessPoolExecutor(max_workers=len(parts), mp_context=_start_method()) as pool:
        return list(pool.map(_write_part, parts))


def _start_method() -> multiprocessing.context.BaseContext:
    """fork when it is safe: it starts at once and, unlike spawn, does not re-run the caller's script.

    Forking a process that runs other threads can deadlock the child, so then spawn it is.
    """
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _append(target: Path, source: Path) -> None:
    with target.open("ab") as out, source.open("rb") as extra:
        shutil.copyfileobj(extra, out, 1 << 20)


def _generate(directory: Path, *, orders: int, seed: int, as_of: date, marketplace: str) -> tuple[list[Path], _Tally]:
    if orders < 1:
        raise ValueError("the demo needs at least one order")
    market = get_marketplace(marketplace)
    rng = random.Random(seed)
    salts = _Salts(
        order=rng.randrange(10**7),
        item=rng.randrange(10**14),
        message=rng.randrange(10**8),
        adjustment=rng.randrange(10**14),
        settlement_id=str(rng.randrange(10**10, 10**11)),
    )
    as_of_day = _day_number(as_of)
    first_day = as_of_day - HISTORY_DAYS
    counts = _day_counts(orders, first_day)
    starts = _split(counts, PARTS)
    scratch = directory / ".demo-parts"
    shutil.rmtree(scratch, ignore_errors=True)
    parts = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(counts)
        parts.append(
            _Part(
                number=number,
                last=number == len(starts) - 1,
                directory=directory if number == 0 else scratch / str(number),
                body=scratch / f"settlement-{number}.txt",
                seed=seed,
                marketplace=market.code,
                as_of_day=as_of_day,
                first_day=first_day + start,
                day_counts=tuple(counts[start:end]),
                first_index=sum(counts[:start]),
                salts=salts,
            )
        )
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        results = _run(parts, orders)
        kinds = [k for k in FILE_NAMES if k not in ("settlement", formats.ACCOUNT_HEALTH_KIND)]
        for part in parts[1:]:
            for kind in kinds:
                _append(directory / FILE_NAMES[kind], part.directory / FILE_NAMES[kind])
        tally = results[0].tally
        for result in results[1:]:
            tally.merge(result.tally)
        _write_settlement(
            directory / FILE_NAMES["settlement"],
            bodies=[part.body for part in parts],
            total=sum(r.settlement_total for r in results),
            salts=salts,
            cutoff=as_of_day * DAY,
            locale=_locale(market.code),
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    violations = _violations(rng, as_of_day, orders)
    with (directory / FILE_NAMES["policy_violations"]).open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for v in violations:
            writer.writerow([_date(v.day).isoformat(), v.category, v.asin, v.status, v.description])
    health = directory / FILE_NAMES[formats.ACCOUNT_HEALTH_KIND]
    report = _account_health(tally, market, violations)
    health.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [directory / name for name in FILE_NAMES.values()], tally


def write_demo_data(directory: Path, *, orders: int, seed: int, as_of: date, marketplace: str = "US") -> list[Path]:
    """Write a coherent set of demo exports for one seller account into `directory`.

    Args:
        directory: where the files go (created if needed; files of an earlier demo are overwritten).
        orders: how many orders; the other files are proportional and much smaller.
        seed: the same seed (and other arguments) gives byte-identical files.
        as_of: the demo's today: orders span the 120 days before it, and nothing happens on or after it.
        marketplace: the account's marketplace code; decides currency, time zone and date formats.

    Returns:
        The files written, All Orders first and the Account Health report last.
    """
    paths, _ = _generate(directory, orders=orders, seed=seed, as_of=as_of, marketplace=marketplace)
    return paths
