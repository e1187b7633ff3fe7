"""Ingestion rules of reports.md 1 and 2: idempotence, newest row wins, snapshots, encodings, dates."""

from __future__ import annotations

import gzip
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.ingesting import ingest_one
from storage import models
from storage.ingest.result import IngestResult
from storage.queries import add_account, local_workspace
from storage.settings import StorageSettings

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
M = TypeVar("M", bound=models.Base)

ALL_ORDERS_HEADER = (
    "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\t"
    "sales-channel\torder-channel\tship-service-level\tproduct-name\tsku\tasin\titem-status\tquantity\tcurrency\t"
    "item-price\titem-tax\tshipping-price\tshipping-tax\tgift-wrap-price\tgift-wrap-tax\titem-promotion-discount\t"
    "ship-promotion-discount\tship-city\tship-state\tship-postal-code\tship-country\tpromotion-ids\tcpf\t"
    "is-business-order\tpurchase-order-number\tprice-designation"
)


def order_line(
    order_id: str,
    *,
    purchased: str = "2026-11-01T10:00:00+00:00",
    updated: str = "2026-11-02T10:00:00+00:00",
    status: str = "Shipped",
    channel: str = "Merchant",
    sku: str = "SKU-1",
    quantity: str = "1",
    product: str = "Garden hose 15 m",
) -> str:
    fields = [
        order_id,
        "",
        purchased,
        updated,
        status,
        channel,
        "Amazon.com",
        "",
        "Standard",
        product,
        sku,
        "B000000001",
        status,
        quantity,
        "USD",
        "19.99",
        "1.20",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "Springfield",
        "IL",
        "62701",
        "US",
        "",
        "",
        "false",
        "",
        "",
    ]
    return "\t".join(fields)


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def ingest(sessions: sessionmaker[Session], account: models.Account, path: Path, **settings: int) -> IngestResult:
    return ingest_one(
        sessions=sessions,
        settings=StorageSettings.model_validate(settings),
        account=account,
        path=path,
        uploaded_by="U123",
        source="cli",
        now=NOW,
    )


def rows(sessions: sessionmaker[Session], model: type[M]) -> list[M]:
    with sessions.begin() as session:
        return list(session.scalars(select(model).order_by(text("id"))))


def new_account(
    sessions: sessionmaker[Session], name: str, marketplace: str, timezone: str | None = None
) -> models.Account:
    with sessions.begin() as session:
        workspace = local_workspace(session=session, now=NOW)
        return add_account(
            session=session, workspace_id=workspace.id, name=name, marketplace=marketplace, timezone=timezone, now=NOW
        )


# --- All Orders ---------------------------------------------------------------------------------------


def test_all_orders_stores_items_with_their_order_and_utc_order_date(tmp_path, sessions, account):
    path = write(
        tmp_path / "orders.txt",
        [
            ALL_ORDERS_HEADER,
            # 23:30 in Los Angeles on 1 Nov is 2 Nov in UTC: Amazon's windows are UTC days.
            order_line("111-0000001-0000001", purchased="2026-11-01T23:30:00-08:00", sku="A"),
            order_line("111-0000001-0000001", purchased="2026-11-01T23:30:00-08:00", sku="B", quantity="2"),
            order_line("111-0000002-0000002", channel="Amazon", status="Cancelled", quantity="0"),
        ],
    )
    result = ingest(sessions, account, path)
    assert (result.status, result.kind) == ("ingested", "all_orders")
    assert result.rows.as_dict() == {"read": 3, "new": 3, "updated": 0, "unchanged": 0, "skipped": 0}
    assert (result.span_start, result.span_end) == (date(2026, 11, 1), date(2026, 11, 2))
    orders = {o.amazon_order_id: o for o in rows(sessions, models.OrderItem)}
    assert orders["111-0000001-0000001"].order_date == date(2026, 11, 2)
    assert orders["111-0000001-0000001"].purchase_at == datetime(2026, 11, 2, 7, 30, tzinfo=UTC)
    assert orders["111-0000001-0000001"].channel == "mfn"
    assert orders["111-0000002-0000002"].channel == "afn"
    items = rows(sessions, models.OrderItem)
    assert sorted((i.amazon_order_id[-1], i.sku, i.quantity) for i in items) == [
        ("1", "A", 1),
        ("1", "B", 2),
        ("2", "SKU-1", 0),
    ]


def test_same_file_twice_is_unchanged_and_logged_twice(tmp_path, sessions, account):
    path = write(tmp_path / "orders.txt", [ALL_ORDERS_HEADER, order_line("111-1"), order_line("111-2")])
    first = ingest(sessions, account, path)
    second = ingest(sessions, account, path)
    assert first.rows.new == 2
    assert second.rows.as_dict() == {"read": 2, "new": 0, "updated": 0, "unchanged": 2, "skipped": 0}
    assert len(rows(sessions, models.OrderItem)) == 2
    uploads = rows(sessions, models.Upload)
    assert [(u.status, u.rows_new, u.rows_unchanged) for u in uploads] == [
        ("ingested", 2, 0),
        ("ingested", 0, 2),
    ]
    assert uploads[0].sha256 == uploads[1].sha256 == first.sha256
    assert uploads[0].uploaded_by == "U123"


def test_overlapping_exports_never_double_count(tmp_path, sessions, account):
    ingest(
        sessions, account, write(tmp_path / "a.txt", [ALL_ORDERS_HEADER] + [order_line(f"111-{i}") for i in (1, 2, 3)])
    )
    result = ingest(
        sessions, account, write(tmp_path / "b.txt", [ALL_ORDERS_HEADER] + [order_line(f"111-{i}") for i in (2, 3, 4)])
    )
    assert (result.rows.new, result.rows.unchanged) == (1, 2)
    assert len(rows(sessions, models.OrderItem)) == 4


def test_newest_row_wins_by_last_updated_date(tmp_path, sessions, account):
    old = write(
        tmp_path / "old.txt",
        [ALL_ORDERS_HEADER, order_line("111-1", status="Unshipped", updated="2026-11-01T12:00:00+00:00")],
    )
    new = write(
        tmp_path / "new.txt",
        [ALL_ORDERS_HEADER, order_line("111-1", status="Shipped", updated="2026-11-03T12:00:00+00:00")],
    )
    ingest(sessions, account, old)
    assert ingest(sessions, account, new).rows.updated == 1
    # An older export uploaded late must not undo the newer state.
    late = ingest(sessions, account, old)
    assert late.rows.skipped == 1
    assert "newer version" in next(iter(late.rows.skipped_reasons))
    (order,) = rows(sessions, models.OrderItem)
    assert order.order_status == "Shipped"


def test_gzip_and_zip_read_like_the_plain_file(tmp_path, sessions, account):
    lines = [ALL_ORDERS_HEADER] + [order_line(f"111-{i}") for i in range(5)]
    plain = write(tmp_path / "orders.txt", lines)
    gz = tmp_path / "orders.txt.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    zipped = tmp_path / "orders.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(plain, "orders.txt")
    assert ingest(sessions, account, gz).rows.new == 5
    assert ingest(sessions, account, zipped).rows.unchanged == 5
    assert ingest(sessions, account, plain).rows.unchanged == 5


def test_chunked_writes_count_like_one_chunk(tmp_path, sessions, account):
    lines = [ALL_ORDERS_HEADER] + [order_line(f"111-{i // 2}", sku=f"S{i % 2}") for i in range(25)]
    result = ingest(sessions, account, write(tmp_path / "orders.txt", lines), HEALTHBOT_INGEST_CHUNK_ROWS=4)
    assert result.rows.as_dict() == {"read": 25, "new": 25, "updated": 0, "unchanged": 0, "skipped": 0}
    items = rows(sessions, models.OrderItem)
    assert len(items) == 25
    assert len({i.amazon_order_id for i in items}) == 13


# --- encodings ------------------------------------------------------------------------------------------


def test_windows_1252_and_utf8_bom_keep_every_character(tmp_path, sessions, account):
    cp = write(tmp_path / "cp.txt", [ALL_ORDERS_HEADER, order_line("111-1", product="Crème brûlée set™")], "cp1252")
    bom = tmp_path / "bom.txt"
    bom.write_bytes(
        b"\xef\xbb\xbf" + (ALL_ORDERS_HEADER + "\n" + order_line("111-2", product="Señal €5") + "\n").encode("utf-8")
    )
    assert ingest(sessions, account, cp).status == "ingested"
    assert ingest(sessions, account, bom).status == "ingested"
    names = sorted(i.product_name or "" for i in rows(sessions, models.OrderItem))
    assert names == ["Crème brûlée set™", "Señal €5"]


def test_non_utf8_byte_after_the_sample_switches_encoding_without_loss(tmp_path, sessions, account):
    # 64 KiB of plain ASCII, then a Windows-1252 product name: no byte may be lost or mangled.
    lines = [ALL_ORDERS_HEADER] + [order_line(f"111-{i}") for i in range(400)]
    lines.append(order_line("111-late", product="Café table"))
    path = write(tmp_path / "orders.txt", lines, "cp1252")
    assert path.stat().st_size > 64 * 1024
    assert ingest(sessions, account, path).rows.new == 401
    with sessions.begin() as session:
        item = session.scalars(select(models.OrderItem).where(models.OrderItem.amazon_order_id == "111-late")).one()
        assert item.product_name == "Café table"


def test_shift_jis_japanese_feedback(tmp_path, sessions):
    jp = new_account(sessions, "acme-jp", "JP")
    path = write(
        tmp_path / "feedback.txt",
        [
            "Date\tRating\tComments\tYour Response\tOrder ID\tRater Email",
            "26/11/2\t1\t商品が届きませんでした\t\t503-1234567-1234567\tbuyer@example.jp",
        ],
        "cp932",
    )
    result = ingest(sessions, jp, path)
    assert result.status == "ingested", result.error
    (feedback,) = rows(sessions, models.Feedback)
    assert feedback.comments == "商品が届きませんでした"
    assert feedback.received_date == date(2026, 11, 2)


# --- dates by marketplace -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marketplace", "written", "expected"),
    [
        ("US", "11/5/26", date(2026, 11, 5)),
        ("US", "11/05/26", date(2026, 11, 5)),
        ("DE", "5.11.26", date(2026, 11, 5)),
        ("UK", "05/11/26", date(2026, 11, 5)),
        ("JP", "26/11/05", date(2026, 11, 5)),
        ("SE", "2026-11-05", date(2026, 11, 5)),
    ],
)
def test_feedback_dates_follow_the_marketplace(tmp_path, sessions, marketplace, written, expected):
    acc = new_account(sessions, f"acme-{marketplace}", marketplace)
    path = write(
        tmp_path / "feedback.txt",
        ["Date\tRating\tComments\tYour Response\tOrder ID\tRater Email", f"{written}\t2\tlate\t\t111-1\tx@example.com"],
    )
    assert ingest(sessions, acc, path).status == "ingested"
    (feedback,) = rows(sessions, models.Feedback)
    assert feedback.received_date == expected


# --- snapshots ------------------------------------------------------------------------------------------

FEEDBACK_HEADER = "Date\tRating\tComments\tYour Response\tOrder ID\tRater Email"


def feedback_file(tmp_path: Path, name: str, entries: list[tuple[str, str, int]]) -> Path:
    return write(
        tmp_path / name, [FEEDBACK_HEADER] + [f"{d}\t{r}\tcomment\t\t{o}\tr@example.com" for d, o, r in entries]
    )


def test_feedback_missing_from_a_newer_export_is_marked_removed_then_restored(tmp_path, sessions, account):
    ingest(
        sessions,
        account,
        feedback_file(
            tmp_path,
            "f1.txt",
            [("11/1/26", "111-A", 1), ("11/5/26", "111-B", 2), ("11/10/26", "111-C", 1), ("10/1/26", "111-OLD", 1)],
        ),
    )
    # The new export spans 11/1 to 11/10 and lacks B: B was removed. OLD lies outside the span and stays.
    result = ingest(
        sessions, account, feedback_file(tmp_path, "f2.txt", [("11/1/26", "111-A", 1), ("11/10/26", "111-C", 1)])
    )
    assert result.notes == ["1 feedback no longer in Amazon's export: marked removed"]
    state = {f.amazon_order_id: f.removed_at for f in rows(sessions, models.Feedback)}
    assert state == {"111-A": None, "111-B": NOW, "111-C": None, "111-OLD": None}
    # Seen again (Amazon restored it): it counts again.
    again = ingest(sessions, account, feedback_file(tmp_path, "f3.txt", [("11/5/26", "111-B", 2)]))
    assert again.rows.updated == 1
    state = {f.amazon_order_id: f.removed_at for f in rows(sessions, models.Feedback)}
    assert state["111-B"] is None


UNSHIPPED_HEADER = (
    "order-id\torder-item-id\tpurchase-date\tpayments-date\treporting-date\tpromise-date\tdays-past-promise\t"
    "buyer-email\tbuyer-phone-number\tsku\tproduct-name\tquantity-purchased\tquantity-shipped\tquantity-to-ship\t"
    "ship-service-level\trecipient-name\tship-address-1\tship-address-2\tship-address-3\tship-city\tship-state\t"
    "ship-postal-code\tship-country\tis-business-order\tpurchase-order-number\tprice-designation\tis-prime"
)


def unshipped_line(order_id: str, item_id: str) -> str:
    return "\t".join(
        [
            order_id,
            item_id,
            "2026-11-23T08:00:00+00:00",
            "2026-11-23T08:00:00+00:00",
            "2026-11-23T08:00:00+00:00",
            "2026-11-24T23:59:59-08:00",
            "0",
            "jane@example.com",
            "+1 555 0100",
            "SKU-1",
            "Hose",
            "1",
            "0",
            "1",
            "Standard",
            "Jane Roe",
            "1 Main St",
            "",
            "",
            "Springfield",
            "IL",
            "62701",
            "US",
            "false",
            "",
            "",
            "false",
        ]
    )


def test_unshipped_snapshot_replaces_the_previous_one(tmp_path, sessions, account):
    ingest(
        sessions,
        account,
        write(tmp_path / "u1.txt", [UNSHIPPED_HEADER, unshipped_line("111-1", "i1"), unshipped_line("111-2", "i2")]),
    )
    result = ingest(
        sessions,
        account,
        write(tmp_path / "u2.txt", [UNSHIPPED_HEADER, unshipped_line("111-2", "i2"), unshipped_line("111-3", "i3")]),
    )
    assert (result.rows.new, result.rows.unchanged) == (1, 1)
    assert sorted(u.order_item_id for u in rows(sessions, models.UnshippedItem)) == ["i2", "i3"]
    assert result.notes == ["1 lines of the previous snapshot are no longer unshipped"]


# --- settlement, returns, templates ---------------------------------------------------------------------

SETTLEMENT_HEADER = (
    "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\t"
    "transaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\tmarketplace-name\t"
    "shipment-fee-type\tshipment-fee-amount\torder-fee-type\torder-fee-amount\tfulfillment-id\tposted-date\t"
    "order-item-code\tmerchant-order-item-id\tmerchant-adjustment-item-id\tsku\tquantity-purchased\tprice-type\t"
    "price-amount\titem-related-fee-type\titem-related-fee-amount\tmisc-fee-amount\tother-fee-amount\t"
    "other-fee-reason-description\tpromotion-id\tpromotion-type\tpromotion-amount\tdirect-payment-type\t"
    "direct-payment-amount\tother-amount"
)


def settlement_line(kind: str, order: str, adjustment: str, price_type: str, amount: str) -> str:
    fields = [
        "9001",
        "",
        "",
        "",
        "",
        "USD",
        kind,
        order,
        "",
        adjustment,
        "",
        "Amazon.com",
        "",
        "",
        "",
        "",
        "MFN",
        "2026-11-10 07:25:31 UTC",
        "",
        "",
        "",
        "SKU-1",
        "1",
        price_type,
        amount,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    return "\t".join(fields)


def test_settlement_keeps_refunds_claims_and_chargebacks_only(tmp_path, sessions, account):
    summary = "\t".join(
        ["9001", "2026-11-01 00:00:00 UTC", "2026-11-14 00:00:00 UTC", "2026-11-16 00:00:00 UTC", "1234.56", "USD"]
        + [""] * 30
    )
    path = write(
        tmp_path / "settlement.txt",
        [
            SETTLEMENT_HEADER,
            summary,
            settlement_line("Order", "111-1", "", "Principal", "19.99"),
            settlement_line("Refund", "111-2", "ADJ-1", "Principal", "-19.99"),
            settlement_line("Refund", "111-2", "ADJ-1", "Shipping", "-4.00"),
            settlement_line("A-to-z Guarantee Refund", "111-3", "ADJ-2", "Principal", "-25.00"),
            settlement_line("Chargeback Refund", "111-4", "ADJ-3", "Principal", "-30.00"),
        ],
    )
    result = ingest(sessions, account, path)
    assert result.status == "ingested", result.error
    assert result.rows.read == 6
    assert result.rows.skipped_reasons == {
        "settlement summary line": 1,
        "not a refund, A-to-z refund or chargeback line": 1,
        "another line of the same transaction (amounts added up)": 1,
    }
    stored = {(t.amazon_order_id, t.transaction_type): t.amount for t in rows(sessions, models.SettlementTransaction)}
    assert stored == {
        ("111-2", "Refund"): pytest.approx(-23.99),
        ("111-3", "A-to-z Guarantee Refund"): -25.0,
        ("111-4", "Chargeback Refund"): -30.0,
    }


RETURNS_HEADER = (
    "Order ID\tOrder date\tReturn request date\tReturn request status\tAmazon RMA ID\tMerchant RMA ID\tLabel type\t"
    "Label cost\tCurrency code\tReturn carrier\tTracking ID\tLabel to be paid by\tA-to-Z Claim\tIs prime\tASIN\t"
    "Merchant SKU\tItem Name\tReturn quantity\tReturn Reason\tIn policy\tReturn type\tResolution\tInvoice number\t"
    "Return delivery date\tOrder Amount\tOrder quantity\tSafeT Action reason\tSafeT claim id\tSafeT claim state\t"
    "SafeT claim creation time\tSafeT claim reimbursement amount\tRefunded Amount"
)


def test_returns_report_short_rows_and_dd_mon_yyyy_dates(tmp_path, sessions, account):
    # Real files stop after 27 of the 32 columns: the missing tail reads as empty.
    short = [
        "111-1",
        "01-Nov-2026",
        "10-Nov-2026",
        "Approved",
        "RMA1",
        "",
        "Prepaid",
        "5.00",
        "USD",
        "UPS",
        "1Z999",
        "Seller",
        "Y",
        "N",
        "B000000001",
        "SKU-1",
        "Hose",
        "1",
        "DEFECTIVE",
        "Y",
        "C2R",
        "Refund",
        "",
        "14-Nov-2026",
        "19.99",
        "1",
        "",
    ]
    path = write(tmp_path / "returns.txt", [RETURNS_HEADER, "\t".join(short)])
    result = ingest(sessions, account, path)
    assert result.status == "ingested", result.error
    (ret,) = rows(sessions, models.SellerReturn)
    assert (ret.request_date, ret.a_to_z_claim, ret.in_policy, ret.refunded_amount) == (
        date(2026, 11, 10),
        True,
        True,
        None,
    )


def test_templates_accept_aliases_semicolons_and_local_times(tmp_path, sessions, account):
    # A help-desk export as it comes: its own column names, semicolons, times without offset.
    path = write(
        tmp_path / "tickets.csv",
        [
            "Ticket ID;Created At;Order ID;First Response At;Subject",
            "T-1;2026-11-20 09:00;111-1;2026-11-20 15:30;Where is my order?",
            "T-2;2026-11-21 10:00;;;Question",
        ],
    )
    result = ingest(sessions, account, path)
    assert (result.status, result.kind) == ("ingested", "buyer_messages")
    first, second = rows(sessions, models.BuyerMessage)
    # The account is in Los Angeles: 09:00 there is 17:00 UTC.
    assert first.received_at == datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    assert first.replied_at == datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    assert (second.amazon_order_id, second.replied_at, second.no_response_needed) == (None, None, False)


def test_cs_survey_latest_answer_wins(tmp_path, sessions, account):
    newer = write(tmp_path / "s1.csv", ["order-id,answered-at,solved", "111-1,2026-11-20T10:00:00Z,Y"])
    older = write(tmp_path / "s2.csv", ["order-id,answered-at,solved", "111-1,2026-11-18T10:00:00Z,N"])
    ingest(sessions, account, newer)
    assert ingest(sessions, account, older).rows.skipped == 1
    (answer,) = rows(sessions, models.CsSurveyAnswer)
    assert answer.solved is True


# --- personal data ----------------------------------------------------------------------------------------

FBA_SHIPMENTS_HEADER = (
    "amazon-order-id\tmerchant-order-id\tshipment-id\tshipment-item-id\tamazon-order-item-id\tmerchant-order-item-id\t"
    "purchase-date\tpayments-date\tshipment-date\treporting-date\tbuyer-email\tbuyer-name\tbuyer-phone-number\tsku\t"
    "product-name\tquantity-shipped\tcurrency\titem-price\titem-tax\tshipping-price\tshipping-tax\tgift-wrap-price\t"
    "gift-wrap-tax\tship-service-level\trecipient-name\tship-address-1\tship-address-2\tship-address-3\tship-city\t"
    "ship-state\tship-postal-code\tship-country\tship-phone-number\tbill-address-1\tbill-address-2\tbill-address-3\t"
    "bill-city\tbill-state\tbill-postal-code\tbill-country\titem-promotion-discount\tship-promotion-discount\t"
    "carrier\ttracking-number\testimated-arrival-date\tfulfillment-center-id\tfulfillment-channel\tsales-channel"
)
PERSONAL = [
    "Zebulon Quartermaine",
    "zebulon.q@privatemail.example",
    "+1 312 555 0199",
    "742 Evergreen Terrace",
    "Apt 9Z Wisteria",
    "Shelbyville-Upon-Tyne",
    "99887",
    "Hermione Marchbanks",
    "hermione@inbox.example",
    "Flat 3 Baker Court",
]


def test_no_personal_data_is_stored_anywhere(tmp_path, sessions, engine, account):
    name, email, phone, street, street2, city, postal, recipient, recipient_email, bill = PERSONAL
    fba = "\t".join(
        [
            "111-9",
            "",
            "S1",
            "SI1",
            "OI1",
            "",
            "2026-11-01T10:00:00+00:00",
            "2026-11-01T10:00:00+00:00",
            "2026-11-02T10:00:00+00:00",
            "2026-11-02T10:00:00+00:00",
            email,
            name,
            phone,
            "SKU-1",
            "Hose",
            "1",
            "USD",
            "19.99",
            "0",
            "0",
            "0",
            "0",
            "0",
            "Standard",
            recipient,
            street,
            street2,
            "",
            city,
            "ZZ",
            postal,
            "US",
            phone,
            bill,
            "",
            "",
            city,
            "ZZ",
            postal,
            "US",
            "0",
            "0",
            "UPS",
            "1Z1",
            "2026-11-05T10:00:00+00:00",
            "ABE2",
            "Amazon",
            "Amazon.com",
        ]
    )
    orders = order_line("111-9").split("\t")
    orders[23:27] = [city, "ZZ", postal, "US"]
    unshipped = unshipped_line("111-9", "i9").split("\t")
    unshipped[7:9] = [email, phone]
    unshipped[15:17] = [recipient, street]
    files = [
        write(tmp_path / "fba.txt", [FBA_SHIPMENTS_HEADER, fba]),
        write(tmp_path / "orders.txt", [ALL_ORDERS_HEADER, "\t".join(orders)]),
        write(tmp_path / "unshipped.txt", [UNSHIPPED_HEADER, "\t".join(unshipped)]),
        write(tmp_path / "feedback.txt", [FEEDBACK_HEADER, f"11/5/26\t1\tslow\t\t111-9\t{recipient_email}"]),
        write(
            tmp_path / "tickets.csv",
            [
                "ticket id,created at,customer name,customer email,subject",
                f"T-9,2026-11-20T10:00:00Z,{name},{email},Order question",
            ],
        ),
    ]
    for path in files:
        assert ingest(sessions, account, path).status == "ingested"
    from sqlalchemy import MetaData

    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        dump = "\n".join(repr(tuple(row)) for table in metadata.sorted_tables for row in conn.execute(table.select()))
    assert "Garden hose 15 m" in dump and "Order question" in dump  # the scan sees the stored rows
    for value in PERSONAL:
        assert value not in dump, f"personal data {value!r} was stored"


def test_all_orders_header_variants_are_recognised(tmp_path, sessions, account):
    # Older files carry `url` after `order-channel` and no `cpf`; newer ones add trailing columns.
    old_header = ALL_ORDERS_HEADER.replace("order-channel\t", "order-channel\turl\t").replace("\tcpf", "")
    old_line = order_line("111-OLD").split("\t")
    old_line.insert(7, "https://www.amazon.com/")
    del old_line[old_line.index("", 28)]
    new_header = ALL_ORDERS_HEADER + "\tsignature-confirmation-recommended\tnumber-of-items\ttax-collection-model"
    new_line = order_line("111-NEW", purchased="2026-11-03T09:00:00+09:00") + "\tfalse\t1\tMarketplaceFacilitator"
    assert ingest(sessions, account, write(tmp_path / "old.txt", [old_header, "\t".join(old_line)])).rows.new == 1
    assert ingest(sessions, account, write(tmp_path / "new.txt", [new_header, new_line])).rows.new == 1
    stored = {i.amazon_order_id: i for i in rows(sessions, models.OrderItem)}
    assert stored["111-OLD"].product_name == "Garden hose 15 m"
    # 09:00 in Tokyo on 3 Nov is 00:00 UTC the same day.
    assert stored["111-NEW"].purchase_at == datetime(2026, 11, 3, 0, 0, tzinfo=UTC)
