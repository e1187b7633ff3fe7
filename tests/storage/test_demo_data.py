"""The demo export generator (storage/demo/): deterministic, ingestible, realistic, free of buyer data."""

from __future__ import annotations

import csv
import json
import os
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, MetaData, String, Text, select
from sqlalchemy.orm import Session, sessionmaker

from bot.ingesting import ingest_one
from storage import models
from storage.demo import parallel as demo_parallel
from storage.demo import write_demo_data
from storage.ingest import formats
from storage.ingest.formats import normalise_header
from storage.ingest.result import IngestResult
from storage.queries import add_account, local_workspace
from storage.settings import StorageSettings

AS_OF = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
SMALL = 300  # orders, for the determinism checks
MEDIUM = 2000  # the CLI default: every file has rows, each metric window enough orders to read a rate

ALL_ORDERS_HEADER = (
    "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\t"
    "sales-channel\torder-channel\tship-service-level\tproduct-name\tsku\tasin\titem-status\tquantity\tcurrency\t"
    "item-price\titem-tax\tshipping-price\tshipping-tax\tgift-wrap-price\tgift-wrap-tax\titem-promotion-discount\t"
    "ship-promotion-discount\tship-city\tship-state\tship-postal-code\tship-country\tpromotion-ids\tcpf\t"
    "is-business-order\tpurchase-order-number\tprice-designation"
).split("\t")


@pytest.fixture(scope="module")
def medium_demo(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_demo_data(tmp_path_factory.mktemp("medium"), orders=MEDIUM, seed=7, as_of=AS_OF)


def _by_name(paths: list[Path]) -> dict[str, Path]:
    return {p.name: p for p in paths}


def _tab_rows(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        return [dict(zip(header, row, strict=False)) for row in reader]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _ingest(sessions: sessionmaker[Session], account: models.Account, path: Path) -> IngestResult:
    return ingest_one(
        sessions=sessions,
        settings=StorageSettings(),
        account=account,
        path=path,
        uploaded_by="test",
        source="cli",
        now=NOW,
    )


def _health(paths: list[Path]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_by_name(paths)["account-health.json"].read_text(encoding="utf-8"))
    return data


# --- determinism -------------------------------------------------------------------------------------


def test_the_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    first = write_demo_data(tmp_path / "a", orders=SMALL, seed=5, as_of=AS_OF)
    again = write_demo_data(tmp_path / "b", orders=SMALL, seed=5, as_of=AS_OF)
    other = write_demo_data(tmp_path / "c", orders=SMALL, seed=6, as_of=AS_OF)

    assert [p.name for p in first] == [p.name for p in again] == [p.name for p in other]
    for one, two in zip(first, again, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name
    assert first[0].name == "all-orders.txt"
    assert first[0].read_bytes() != other[0].read_bytes()


def test_worker_processes_write_the_same_bytes_as_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alone = write_demo_data(tmp_path / "alone", orders=SMALL, seed=5, as_of=AS_OF)
    monkeypatch.setattr(demo_parallel, "PARALLEL_FROM_ORDERS", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # a one-core machine would run the parts in turn
    parallel = write_demo_data(tmp_path / "parallel", orders=SMALL, seed=5, as_of=AS_OF)

    for one, two in zip(alone, parallel, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name
    assert sorted(p.name for p in (tmp_path / "parallel").iterdir()) == sorted(p.name for p in parallel)


# --- every file goes in ---------------------------------------------------------------------------------


def test_every_export_is_recognised_and_ingested_whole(
    medium_demo: list[Path], sessions: sessionmaker[Session], account: models.Account
) -> None:
    tabular = [p for p in medium_demo if p.suffix != ".json"]
    results = {p.name: _ingest(sessions, account, p) for p in tabular}

    refused = {name: str(r.error) for name, r in results.items() if r.status != "ingested"}
    assert refused == {}
    kinds = {r.kind for r in results.values()}
    assert kinds == set(formats.KINDS) - {formats.ACCOUNT_HEALTH_KIND}
    for name, result in results.items():
        assert result.rows.new > 0, name
        assert result.rows.read == result.rows.new + result.rows.skipped, name
    # Nothing is skipped but a second survey answer of an order and the settlement lines that are not
    # refunds, or that add up into one refund.
    assert {name for name, r in results.items() if r.rows.skipped} <= {"settlement.txt", "cs-survey.csv"}
    settlement = _tab_rows(_by_name(medium_demo)["settlement.txt"])
    refunds = {
        (r["order-id"], r["adjustment-id"], r["transaction-type"])
        for r in settlement
        if r["transaction-type"] in ("Refund", "A-to-z Guarantee Refund", "Chargeback Refund")
    }
    assert results["settlement.txt"].rows.new == len(refunds)


def test_the_account_health_report_is_ingested(
    medium_demo: list[Path], sessions: sessionmaker[Session], account: models.Account
) -> None:
    result = _ingest(sessions, account, _by_name(medium_demo)["account-health.json"])

    assert result.status == "ingested", result.error
    assert result.kind == formats.ACCOUNT_HEALTH_KIND
    assert result.span_end == AS_OF - timedelta(days=1)


@pytest.mark.parametrize("marketplace", ["DE", "JP"])
def test_other_marketplaces_ingest_in_their_own_formats(
    marketplace: str, tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    paths = write_demo_data(tmp_path, orders=600, seed=2, as_of=AS_OF, marketplace=marketplace)
    with sessions.begin() as session:
        workspace = local_workspace(session=session, now=NOW)
        account = add_account(
            session=session, workspace_id=workspace.id, name=f"acme-{marketplace}", marketplace=marketplace, now=NOW
        )

    results = {p.name: _ingest(sessions, account, p) for p in paths}

    assert {name: str(r.error) for name, r in results.items() if r.status != "ingested"} == {}
    assert results["feedback.txt"].rows.new > 0  # DE dd.mm.yy, JP yy/mm/dd
    if marketplace == "JP":  # Shift-JIS, with Japanese product names
        assert re.search("[\u3040-\u30ff]", _by_name(paths)["returns.txt"].read_bytes().decode("cp932"))


# --- what the files hold ----------------------------------------------------------------------------


def test_all_orders_has_both_channels_every_status_and_cancelled_items_with_quantity_zero(
    medium_demo: list[Path],
) -> None:
    path = _by_name(medium_demo)["all-orders.txt"]
    header = path.read_text(encoding="utf-8").split("\n", 1)[0].split("\t")
    rows = _tab_rows(path)

    assert header == [*ALL_ORDERS_HEADER, "latest-ship-date", "latest-delivery-date", "is-prime"]
    orders = {r["amazon-order-id"] for r in rows}
    mfn = {r["amazon-order-id"] for r in rows if r["fulfillment-channel"] == "Merchant"}
    afn = {r["amazon-order-id"] for r in rows if r["fulfillment-channel"] == "Amazon"}
    assert len(orders) == MEDIUM and mfn | afn == orders and not mfn & afn
    assert 0.55 < len(mfn) / len(orders) < 0.65
    assert {r["order-status"] for r in rows} == {"Shipped", "Unshipped", "Pending", "Cancelled"}
    cancelled = [r for r in rows if r["item-status"] == "Cancelled"]
    assert cancelled and all(r["quantity"] == "0" for r in cancelled)
    # A partial cancellation: a cancelled item in an order that shipped.
    assert any(r["order-status"] == "Shipped" for r in cancelled)
    items: dict[str, int] = defaultdict(int)
    for r in rows:
        items[r["amazon-order-id"]] += 1
    assert 0.15 < sum(1 for n in items.values() if n > 1) / len(items) < 0.25
    first_day = datetime.combine(AS_OF - timedelta(days=120), datetime.min.time(), UTC)
    cutoff = datetime.combine(AS_OF, datetime.min.time(), UTC)
    for r in rows:
        purchased = datetime.fromisoformat(r["purchase-date"])
        assert first_day <= purchased < cutoff
        assert purchased <= datetime.fromisoformat(r["last-updated-date"]) < cutoff
        assert (
            purchased
            < datetime.fromisoformat(r["latest-ship-date"])
            < datetime.fromisoformat(r["latest-delivery-date"])
        )


def test_amazon_files_carry_buyer_data_and_the_returns_report_is_windows_1252(medium_demo: list[Path]) -> None:
    files = _by_name(medium_demo)
    for name in ("all-orders.txt", "fba-returns.txt", "fba-shipments.txt", "unshipped.txt", "settlement.txt"):
        lines = files[name].read_text(encoding="utf-8").splitlines()
        assert {len(line.split("\t")) for line in lines} == {len(lines[0].split("\t"))}, name
    raw = files["returns.txt"].read_bytes()

    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert "é" in text or "™" in text
    widths = {len(line.split("\t")) for line in text.splitlines()[1:]}
    assert widths == {27, 32}  # real rows stop early; a refunded amount needs the full width
    returns = _tab_rows(files["returns.txt"], "cp1252")
    assert any(r["A-to-Z Claim"] == "Y" for r in returns)
    assert any(float(r.get("Refunded Amount") or 0) > 0 for r in returns)
    assert any(r["Return request status"] == "Rejected" and r["In policy"] == "Y" for r in returns)
    for name in ("all-orders.txt", "feedback.txt", "fba-returns.txt", "fba-shipments.txt", "unshipped.txt"):
        files[name].read_bytes().decode("utf-8")
    for name, columns in (("fba-shipments.txt", ("buyer-name", "buyer-email")), ("unshipped.txt", ("buyer-email",))):
        for row in _tab_rows(files[name]):
            assert all(row[c] for c in columns), name
    feedback = _tab_rows(files["feedback.txt"])
    assert {r["Rating"] for r in feedback} == {"1", "2", "3"}
    assert all(r["Rater Email"].endswith("@marketplace.amazon.com") for r in feedback)
    assert all(re.fullmatch(r"(0[1-9]|1[0-2])/\d\d/26", r["Date"]) for r in feedback)  # US: %m/%d/%y


def test_the_settlement_has_a_summary_line_and_refunds_of_every_kind(medium_demo: list[Path]) -> None:
    rows = _tab_rows(_by_name(medium_demo)["settlement.txt"])

    assert rows[0]["transaction-type"] == "" and rows[0]["total-amount"] and rows[0]["currency"] == "USD"
    kinds = {r["transaction-type"] for r in rows[1:]}
    assert {"Order", "Refund", "A-to-z Guarantee Refund", "Chargeback Refund"} <= kinds
    lines_per_refund: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        if r["transaction-type"] == "Refund":
            lines_per_refund[(r["order-id"], r["adjustment-id"])] += 1
    assert lines_per_refund and min(lines_per_refund.values()) > 1


def test_the_templates_hold_every_case_the_metrics_distinguish(medium_demo: list[Path]) -> None:
    files = _by_name(medium_demo)

    claims = _csv_rows(files["claims.csv"])
    assert {"denied", "withdrawn", "granted"} <= {r["status"] for r in claims}
    assert {r["type"] for r in _csv_rows(files["chargebacks.csv"])} == {"service", "fraud"}
    assert {r["initiated-by"] for r in _csv_rows(files["cancellations.csv"])} == {"seller", "buyer", "amazon"}
    shipments = _csv_rows(files["shipments.csv"])
    assert {"Y", "N"} == {r["tracking-valid"] for r in shipments}
    assert any(r["ship-confirmed-at"][:10] > r["expected-ship-date"] for r in shipments)  # late
    assert any(r["tracking-valid"] == "Y" and not r["delivered-at"] for r in shipments)  # no delivery scan
    assert all(
        r["tracking-number"].startswith(("9400", "1Z")) or r["carrier"] == "FedEx"
        for r in shipments
        if r["tracking-number"]
    )
    messages = _csv_rows(files["buyer-messages.csv"])
    assert {"Y"} <= {r["no-response-needed"] for r in messages} and {"Y"} <= {r["auto-reply"] for r in messages}
    assert any(not r["replied-at"] and r["received-at"] > "2026-11-23T00" for r in messages)  # pending
    for name in ("return-requests.csv", "cs-survey.csv", "policy-violations.csv"):
        assert _csv_rows(files[name]), name


# --- the defects sit where the metrics look -------------------------------------------------------------


def _in_window(day: str, first: int, last: int) -> bool:
    return (AS_OF - timedelta(days=first)).isoformat() <= day <= (AS_OF - timedelta(days=last)).isoformat()


def test_defect_rates_sit_near_the_targets_and_match_the_account_health_report(medium_demo: list[Path]) -> None:
    files = _by_name(medium_demo)
    report = _health(medium_demo)["performanceMetrics"][0]

    # ODR, recounted from the files: orders in [D-74, D-15] with a 1-2 star feedback, a counting
    # claim or a service chargeback.
    channel = {}
    for r in _tab_rows(files["all-orders.txt"]):
        if _in_window(r["purchase-date"][:10], 74, 15):
            channel[r["amazon-order-id"]] = "mfn" if r["fulfillment-channel"] == "Merchant" else "afn"
    defective = {r["Order ID"] for r in _tab_rows(files["feedback.txt"]) if r["Rating"] in ("1", "2")}
    defective |= {r["order-id"] for r in _csv_rows(files["claims.csv"]) if r["status"] not in ("denied", "withdrawn")}
    defective |= {r["order-id"] for r in _csv_rows(files["chargebacks.csv"]) if r["type"] == "service"}
    for scope, low, high in (("mfn", 0.01, 0.016), ("afn", 0.0, 0.008)):
        orders = [o for o, c in channel.items() if c == scope]
        block = report["orderDefectRate"][scope]
        assert block["orderCount"] == len(orders)
        assert block["orderWithDefects"]["count"] == sum(1 for o in orders if o in defective)
        assert low < block["rate"] < high
    assert report["orderDefectRate"]["mfn"]["status"] == "BAD"
    assert report["orderDefectRate"]["afn"]["status"] == "GOOD"

    # Valid tracking and on-time delivery, recounted from the shipments template.
    shipments = [r for r in _csv_rows(files["shipments.csv"]) if _in_window(r["promised-delivery-date"], 39, 10)]
    valid = [r for r in shipments if r["tracking-valid"] == "Y"]
    assert report["validTrackingRate"]["shipmentCount"] == len(shipments)
    assert report["validTrackingRate"]["validTrackingCount"] == len(valid)
    assert report["onTimeDeliveryRate"]["shipmentCountWithValidTracking"] == len(valid)

    assert 0.042 < report["lateShipmentRate"]["rate"] < 0.06 and report["lateShipmentRate"]["status"] == "BAD"
    assert report["prefulfillmentCancelRate"]["rate"] < 0.025
    assert 0.95 <= report["validTrackingRate"]["rate"] < 0.98 and report["validTrackingRate"]["status"] == "GOOD"
    assert 0.93 < report["onTimeDeliveryRate"]["rate"] < 0.97 and report["onTimeDeliveryRate"]["status"] == "BAD"
    assert report["accountHealthRating"]["ahrScore"] > 0


def test_contact_response_breaches_the_24_hour_target(medium_demo: list[Path]) -> None:
    cutoff = datetime.combine(AS_OF, datetime.min.time(), UTC)
    answered = counted = 0
    for r in _csv_rows(_by_name(medium_demo)["buyer-messages.csv"]):
        received = datetime.fromisoformat(r["received-at"])
        if r["no-response-needed"] == "Y" or received < cutoff - timedelta(days=90):
            continue
        replied = datetime.fromisoformat(r["replied-at"]) if r["replied-at"] and r["auto-reply"] == "N" else None
        if replied is None and cutoff - received <= timedelta(hours=24):
            continue  # pending: not counted yet
        counted += 1
        answered += replied is not None and replied - received <= timedelta(hours=24)

    assert counted > 30
    assert 0.8 < answered / counted < 0.9


# --- personal data ------------------------------------------------------------------------------------


def _personal_values(paths: list[Path]) -> set[str]:
    """Every buyer name, email, phone and address the demo wrote into the personal columns of its files."""
    personal = {normalise_header(h) for fmt in formats.FORMATS for h in fmt.personal}
    personal |= {"customer-name", "customer-email"}
    values: set[str] = set()
    for path in paths:
        if path.suffix == ".json":
            continue
        encoding = "cp1252" if path.name == "returns.txt" else "utf-8"
        if path.suffix == ".csv":
            rows = _csv_rows(path)
        else:
            rows = _tab_rows(path, encoding)
        for row in rows:
            values.update(v.strip() for k, v in row.items() if normalise_header(k) in personal and v and v.strip())
    return values


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (str(key), *_leaves(item))]
    if isinstance(value, list):
        return [text for item in value for text in _leaves(item)]
    return [value] if isinstance(value, str) else []


def _stored_text(session: Session) -> list[str]:
    """Every text value stored in any table, JSON documents whole and string by string.

    Tables and columns are found by reflection, so tables added later are covered too.
    """
    metadata = MetaData()
    metadata.reflect(session.get_bind())
    texts: list[str] = []
    for table in metadata.sorted_tables:
        columns = [
            c for c in table.columns if isinstance(c.type, String | Text | JSON) or "json" in str(c.type).lower()
        ]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            for value in row:
                if isinstance(value, str) and value[:1] in ("{", "["):
                    try:
                        value = json.loads(value)
                    except ValueError:
                        pass
                if isinstance(value, str):
                    texts.append(value)
                elif value is not None:
                    texts.append(json.dumps(value, ensure_ascii=False))
                    texts.extend(_leaves(value))
    return texts


def _leaked(personal: set[str], stored: list[str]) -> list[str]:
    """The personal values found in stored text.

    Names, emails, phones, streets and city names are looked for inside any text; postal codes and
    apartment numbers only as whole values (digits occur inside order ids); two-letter state and
    country codes not at all (the account's marketplace is one).
    """
    exact = set(stored)
    haystack = "\x00".join(stored)
    return sorted(
        v
        for v in personal
        if ((len(v) >= 8 or (len(v) >= 5 and v.isalpha())) and v in haystack) or (len(v) > 2 and v in exact)
    )


def test_no_buyer_data_reaches_the_database(
    medium_demo: list[Path], sessions: sessionmaker[Session], account: models.Account
) -> None:
    # The Account Health report holds no buyer data; its own test covers its ingestion.
    for path in medium_demo:
        if path.suffix != ".json":
            assert _ingest(sessions, account, path).status == "ingested", path.name
    personal = _personal_values(medium_demo)
    assert any("@" in v for v in personal) and any(" " in v and v[0].isalpha() for v in personal)

    with sessions.begin() as session:
        stored = _stored_text(session)
    assert len(stored) > 1000
    assert _leaked(personal, stored) == []
    # The scan finds a leak where one would hide: in free text and inside a JSON document.
    name = next(v for v in sorted(personal) if " " in v and v[0].isalpha() and "@" not in v)
    city = _tab_rows(_by_name(medium_demo)["fba-shipments.txt"])[0]["ship-city"]
    planted = [*stored, f"Thanks {name}!", *_leaves({"to": city})]
    assert _leaked(personal, planted) == sorted({name, city})
