"""Files a seller team gets wrong: each is refused with what, where and what to do, and stores nothing.

reports.md 1: "one file is ingested in one transaction. A rejected file changes nothing." Most tests
first store a valid export, then upload a mostly valid file of the same kind whose problem sits late
(line 7000, with 100-row chunks), so earlier chunks have been written, updating stored rows, before the
problem is met: the rollback must undo them. Every table but `uploads` is compared row for row before
and after; `uploads` must gain exactly one row, the rejection.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, Row, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.ingesting import ingest_one
from storage import models
from storage.ingest.formats import FORMATS
from storage.ingest.result import IngestResult
from storage.settings import StorageSettings
from tests.storage.exports import (
    ALL_ORDERS_HEADER,
    CLAIMS_HEADER,
    DE_FEEDBACK_DATE,
    FEEDBACK_HEADER,
    all_orders_records,
    claims_records,
    encode,
    feedback_records,
    fields,
    gzip_bytes,
    index_of,
    lines,
    png_bytes,
    write,
    xlsx_bytes,
    zip_bytes,
)

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
BAD_LINE = 7000  # where the problem sits in the "late" files
LATE_ROWS = 7100  # data rows of a late file: its problem is well past 64 chunks of 100 rows
STORED_ORDERS = 300  # order items stored before each test
STORED_FEEDBACK = 40
CHUNK_ROWS = 100
DOWNLOAD_AGAIN = "Download the report again from Seller Central"
ALL_ORDERS_WHERE = "Seller Central > Reports > Fulfillment > All Orders"


def settings(**values: Any) -> StorageSettings:
    """Storage settings as the environment would give them (HEALTHBOT_INGEST_CHUNK_ROWS=...)."""
    return StorageSettings.model_validate({"HEALTHBOT_INGEST_CHUNK_ROWS": CHUNK_ROWS, **values})


# --- what the database holds -----------------------------------------------------------------------


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but `uploads`, in primary-key order."""
    metadata = MetaData()
    metadata.reflect(engine)
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name == "uploads":
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            tables[table.name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
    return tables


def upload_rows(engine: Engine) -> list[Row[Any]]:
    with engine.connect() as conn:
        table = models.Upload.__table__
        return list(conn.execute(select(table).order_by(table.c.id)))


def count(engine: Engine, model: type[models.Base]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model.__table__)).scalar_one())


@dataclass
class Before:
    tables: dict[str, list[tuple[Any, ...]]]
    uploads: list[Row[Any]]


def before(engine: Engine) -> Before:
    return Before(snapshot(engine), upload_rows(engine))


def assert_rejected(engine: Engine, was: Before, result: IngestResult, *, kind: str | None) -> None:
    """The user sees a rejection; nothing stored changed; `uploads` logged it, once, with the message."""
    assert result.status == "rejected", result
    assert result.error is not None
    assert result.kind == kind
    assert result.rows.as_dict() == {"read": 0, "new": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    assert snapshot(engine) == was.tables, "a rejected file changed stored rows"
    after = upload_rows(engine)
    assert after[: len(was.uploads)] == was.uploads
    added = after[len(was.uploads) :]
    assert len(added) == 1, added
    logged = added[0]
    assert logged.status == "rejected"
    assert logged.error == str(result.error)
    assert logged.kind == kind
    assert (logged.rows_read, logged.rows_new, logged.rows_updated) == (0, 0, 0)


# --- fixtures --------------------------------------------------------------------------------------

Ingest = Callable[..., IngestResult]


@pytest.fixture
def ingest(sessions: sessionmaker[Session], account: models.Account) -> Ingest:
    """Ingest one file for the US account, with 100-row chunks unless told otherwise."""

    def run(path: Path, config: StorageSettings | None = None) -> IngestResult:
        return ingest_one(
            sessions=sessions,
            settings=config or settings(),
            account=account,
            path=path,
            uploaded_by="U123TEST",
            source="cli",
            now=NOW,
            display_name=path.name,
        )

    return run


@pytest.fixture
def stored(ingest: Ingest, engine: Engine, tmp_path: Path) -> Iterator[Path]:
    """A valid All Orders export and a valid feedback export, ingested: the tables are not empty."""
    orders = write(tmp_path / "stored" / "All Orders.txt", lines(ALL_ORDERS_HEADER, all_orders_records(STORED_ORDERS)))
    feedback = write(tmp_path / "stored" / "Feedback.txt", lines(FEEDBACK_HEADER, feedback_records(STORED_FEEDBACK)))
    for path in (orders, feedback):
        result = ingest(path)
        assert result.status == "ingested", result.error
    assert count(engine, models.OrderItem) == STORED_ORDERS
    assert count(engine, models.Feedback) == STORED_FEEDBACK
    yield orders


def late_orders(line: int = BAD_LINE, **changes: str) -> list[list[str]]:
    """A later revision of the stored orders and thousands more, with `changes` made on file line `line`.

    Rows before `line` update the stored orders (a later `last-updated-date`) and add new ones, so the
    chunks written before the problem both update and insert.
    """
    records = all_orders_records(LATE_ROWS, revision=1)
    records[index_of(line)].update({name.replace("_", "-"): value for name, value in changes.items()})
    return [fields(ALL_ORDERS_HEADER, record) for record in records]


# --- files that are not a report --------------------------------------------------------------------


def test_empty_file(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    was = before(engine)
    result = ingest(write(tmp_path / "All Orders.txt", b""))
    assert_rejected(engine, was, result, kind=None)
    assert result.error is not None
    assert "empty" in str(result.error) and "0 bytes" in str(result.error)
    assert result.error.hint is not None and DOWNLOAD_AGAIN in result.error.hint


def test_header_only_is_an_empty_report(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    was = before(engine)
    result = ingest(write(tmp_path / "All Orders.txt", lines(ALL_ORDERS_HEADER, [])))
    assert result.status == "ingested", result.error
    assert result.kind == "all_orders"
    assert result.rows.as_dict() == {"read": 0, "new": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    assert (result.span_start, result.span_end) == (None, None)
    assert snapshot(engine) == was.tables
    added = upload_rows(engine)[len(was.uploads) :]
    assert [(u.status, u.kind, u.rows_read, u.error) for u in added] == [("ingested", "all_orders", 0, None)]


def test_unknown_header(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    header = ("Order Number", "Customer", "Total", "Placed On")
    text = lines(header, [("1001", "Jane", "19.99", "2026-11-01")] * 20)
    was = before(engine)
    result = ingest(write(tmp_path / "orders-export.txt", text))
    assert_rejected(engine, was, result, kind=None)
    assert result.error is not None
    message = str(result.error)
    assert "matches no report" in message
    assert result.error.line == 1
    # The columns seen, and every format accepted.
    for name in header:
        assert repr(name) in message
    for fmt in FORMATS:
        assert fmt.title in message
    assert "Account Health report (JSON)" in message
    assert result.error.hint is not None and "healthbot templates" in result.error.hint


def test_png_image(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    was = before(engine)
    result = ingest(write(tmp_path / "screenshot.png", png_bytes()))
    assert_rejected(engine, was, result, kind=None)
    assert result.error is not None
    assert "PNG image, not a report" in str(result.error)
    assert result.error.hint is not None and DOWNLOAD_AGAIN in result.error.hint


def test_xlsx_workbook(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    data = xlsx_bytes()
    assert data.startswith(b"PK\x03\x04")
    was = before(engine)
    result = ingest(write(tmp_path / "All Orders.xlsx", data))
    assert_rejected(engine, was, result, kind=None)
    assert result.error is not None
    assert "Excel workbook (.xlsx)" in str(result.error)
    hint = result.error.hint or ""
    assert ".txt" in hint and "Tab delimited" in hint and "CSV UTF-8" in hint


# --- the wrong delimiter ---------------------------------------------------------------------------


def test_all_orders_saved_comma_separated(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    records = all_orders_records(50, revision=1)
    for record in records:
        record["product-name"] = record["product-name"].replace(",", "")  # what a spreadsheet would quote
    was = before(engine)
    result = ingest(write(tmp_path / "All Orders.csv", lines(ALL_ORDERS_HEADER, records, delimiter=",")))
    assert_rejected(engine, was, result, kind=None)
    assert result.error is not None
    message = str(result.error)
    assert "All Orders report is comma-delimited" in message and "tabs" in message
    assert result.error.line == 1
    assert result.error.hint is not None and ALL_ORDERS_WHERE in result.error.hint


def test_claims_template_split_by_pipes(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    was = before(engine)
    result = ingest(write(tmp_path / "claims.txt", lines(CLAIMS_HEADER, claims_records(30), delimiter="|")))
    assert_rejected(engine, was, result, kind=None)
    assert result.error is not None
    message = str(result.error)
    assert "split by '|'" in message
    assert "claims template" in message  # among the formats accepted
    assert "'order-id', 'claim-date', 'status'" in message  # the header's columns, split by the '|' seen
    assert result.error.line == 1
    assert result.error.hint is not None and "healthbot templates" in result.error.hint


# --- archives ----------------------------------------------------------------------------------------


def test_truncated_gzip(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    whole = gzip_bytes(encode(lines(ALL_ORDERS_HEADER, late_orders())), name="All Orders.txt")
    was = before(engine)
    result = ingest(write(tmp_path / "All Orders.txt.gz", whole[: len(whole) // 2]))
    assert_rejected(engine, was, result, kind="all_orders")
    assert result.error is not None
    assert "compressed file is damaged or cut short" in str(result.error)
    hint = result.error.hint or ""
    assert DOWNLOAD_AGAIN in hint and "copy it again completely" in hint


def test_zip_with_several_files(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    october = encode(lines(ALL_ORDERS_HEADER, all_orders_records(100, revision=1)))
    november = encode(lines(ALL_ORDERS_HEADER, all_orders_records(100, start=100, revision=1)))
    data = zip_bytes({"orders-october.txt": october, "orders-november.txt": november})
    was = before(engine)
    result = ingest(write(tmp_path / "orders.zip", data))
    assert_rejected(engine, was, result, kind=None)
    assert result.error is not None
    message = str(result.error)
    assert "several files" in message
    assert "2 files" in message and "orders-october.txt" in message and "orders-november.txt" in message
    assert result.error.hint is not None and "each report on its own" in result.error.hint


LIMIT = 300_000


@pytest.mark.parametrize("wrapper", ["gzip", "zip"])
def test_archive_expanding_past_the_limit(
    wrapper: str, stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path
) -> None:
    report = encode(lines(ALL_ORDERS_HEADER, late_orders()))
    assert len(report) > 4 * LIMIT
    if wrapper == "gzip":
        path = write(tmp_path / "All Orders.txt.gz", gzip_bytes(report, name="All Orders.txt"))
    else:
        path = write(tmp_path / "All Orders.zip", zip_bytes({"All Orders.txt": report}))
    assert path.stat().st_size < LIMIT  # the upload itself is small: only its expansion is refused
    was = before(engine)
    result = ingest(path, settings(HEALTHBOT_MAX_EXPANDED_BYTES=LIMIT))
    # A gzip is refused while it streams (after the header was recognised), a zip from its directory.
    assert_rejected(engine, was, result, kind="all_orders" if wrapper == "gzip" else None)
    assert result.error is not None
    message = str(result.error)
    assert "expands past healthbot's size limit" in message
    assert "at most 300,000 bytes" in message
    assert result.error.hint is not None and "split very large exports by date range" in result.error.hint


# --- bad lines late in a report -----------------------------------------------------------------------


def test_row_longer_than_header(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    rows = late_orders()
    rows[index_of(BAD_LINE)].append("gift message: happy birthday")
    was = before(engine)
    result = ingest(write(tmp_path / "All Orders.txt", lines(ALL_ORDERS_HEADER, rows)))
    assert_rejected(engine, was, result, kind="all_orders")
    assert result.error is not None
    message = str(result.error)
    assert "more fields than the header" in message
    assert result.error.line == BAD_LINE
    assert f"line {BAD_LINE}" in message
    assert f"at most {len(ALL_ORDERS_HEADER)} fields" in message and f"{len(ALL_ORDERS_HEADER) + 1} fields" in message
    assert result.error.hint is not None and "stray delimiter" in result.error.hint


def test_unparseable_date(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    bad = "11/24/2026 18:52"  # a spreadsheet re-save
    was = before(engine)
    result = ingest(write(tmp_path / "All Orders.txt", lines(ALL_ORDERS_HEADER, late_orders(purchase_date=bad))))
    assert_rejected(engine, was, result, kind="all_orders")
    assert result.error is not None
    assert (result.error.line, result.error.column, result.error.value) == (BAD_LINE, "purchase-date", bad)
    message = str(result.error)
    assert f"line {BAD_LINE}" in message and "'purchase-date'" in message and repr(bad) in message
    assert "ISO 8601" in message
    assert result.error.hint is not None and ALL_ORDERS_WHERE in result.error.hint


def test_feedback_rating_of_seven(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    records = feedback_records(2500)
    bad_line = 2400
    records[index_of(bad_line)]["Rating"] = "7"
    was = before(engine)
    result = ingest(write(tmp_path / "Feedback.txt", lines(FEEDBACK_HEADER, records)))
    assert_rejected(engine, was, result, kind="feedback")
    assert result.error is not None
    assert (result.error.line, result.error.column, result.error.value) == (bad_line, "Rating", "7")
    message = str(result.error)
    assert f"line {bad_line}" in message and "'7'" in message
    assert "a star rating from 1 to 5" in message
    assert result.error.hint is not None and "Performance > Feedback" in result.error.hint


def test_non_numeric_quantity(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    was = before(engine)
    result = ingest(write(tmp_path / "All Orders.txt", lines(ALL_ORDERS_HEADER, late_orders(quantity="two"))))
    assert_rejected(engine, was, result, kind="all_orders")
    assert result.error is not None
    assert (result.error.line, result.error.column, result.error.value) == (BAD_LINE, "quantity", "two")
    message = str(result.error)
    assert f"line {BAD_LINE}" in message and "'two'" in message and "a whole number" in message
    assert result.error.hint is not None and ALL_ORDERS_WHERE in result.error.hint


def test_required_value_empty(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    rows = late_orders(amazon_order_id="")
    was = before(engine)
    result = ingest(write(tmp_path / "All Orders.txt", lines(ALL_ORDERS_HEADER, rows)))
    assert_rejected(engine, was, result, kind="all_orders")
    assert result.error is not None
    assert (result.error.line, result.error.column, result.error.value) == (BAD_LINE, "amazon-order-id", "")
    message = str(result.error)
    assert "'amazon-order-id' field is empty" in message and f"line {BAD_LINE}" in message
    assert result.error.hint is not None and ALL_ORDERS_WHERE in result.error.hint


def test_duplicated_column(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    header = (*ALL_ORDERS_HEADER, "sku")
    records = all_orders_records(200, revision=1)
    was = before(engine)
    result = ingest(write(tmp_path / "All Orders.txt", lines(header, [fields(header, r) for r in records])))
    assert_rejected(engine, was, result, kind=None)
    assert result.error is not None
    message = str(result.error)
    assert "'sku' appears 2 times in the header" in message
    sku_column = ALL_ORDERS_HEADER.index("sku") + 1
    assert f"'sku' (column {sku_column})" in message and f"'sku' (column {len(header)})" in message
    assert result.error.line == 1
    assert result.error.hint is not None and "Remove the duplicate column" in result.error.hint


def test_huge_field(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    rows = late_orders(product_name="Acme bottle " + "x" * 140_000)
    was = before(engine)
    result = ingest(write(tmp_path / "All Orders.txt", lines(ALL_ORDERS_HEADER, rows)))
    assert_rejected(engine, was, result, kind="all_orders")
    assert result.error is not None
    message = str(result.error)
    assert "could not be read" in message and "131072" in message
    assert result.error.line == BAD_LINE  # the line with the huge field, not the one before it
    assert f"line {BAD_LINE}" in message
    assert result.error.hint is not None and "131,072 characters" in result.error.hint


def test_long_product_name_is_kept_whole(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    """A long field under the CSV limit is valid: stored whole on every database, never a crash."""
    records = all_orders_records(50, start=STORED_ORDERS)
    long_name = "Acme stainless steel water bottle" + " with a very long listing title" * 60
    assert 1000 < len(long_name) < 131_072
    records[30]["product-name"] = long_name
    result = ingest(write(tmp_path / "All Orders.txt", lines(ALL_ORDERS_HEADER, records)))
    assert result.status == "ingested", result.error
    assert result.rows.new == 50
    items = models.OrderItem.__table__
    with engine.connect() as conn:
        name = conn.execute(
            select(items.c.product_name).where(items.c.amazon_order_id == records[30]["amazon-order-id"])
        ).scalar_one()
    assert name == long_name


# --- encodings ---------------------------------------------------------------------------------------

# 81 81 ff: not UTF-8, not Windows-1252 (0x81 is unassigned), not Shift-JIS (0xff is no Shift-JIS byte;
# Python's cp932 maps it to the private-use U+F8F3). 81 81 85 40: refused by Python's cp932 as well.
UNDECODABLE = {"81-81-ff": b"\x81\x81\xff", "81-81-85-40": b"\x81\x81\x85\x40"}


@pytest.mark.parametrize("where", ["first-lines", "after-64KiB"])
@pytest.mark.parametrize("sequence", list(UNDECODABLE))
def test_undecodable_bytes(
    sequence: str, where: str, stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path
) -> None:
    bad_bytes = UNDECODABLE[sequence]
    if where == "first-lines":
        rows = [fields(ALL_ORDERS_HEADER, r) for r in all_orders_records(500, revision=1)]
        bad_line = 3
    else:
        rows = late_orders()
        bad_line = BAD_LINE
    marker = "@@PRODUCT@@"
    rows[index_of(bad_line)][ALL_ORDERS_HEADER.index("product-name")] = f"Acme {marker} bottle"
    data = encode(lines(ALL_ORDERS_HEADER, rows)).replace(marker.encode(), bad_bytes)
    offset = data.index(bad_bytes)
    assert (offset < 64 * 1024) == (where == "first-lines")
    was = before(engine)
    result = ingest(write(tmp_path / "All Orders.txt", data))
    assert_rejected(engine, was, result, kind=None if where == "first-lines" else "all_orders")
    assert result.error is not None
    message = str(result.error)
    assert "not text in any encoding healthbot reads" in message
    assert result.error.line == bad_line and f"line {bad_line}" in message
    assert bad_bytes[:2].hex(" ") in message  # the bytes found
    assert "UTF-8" in message
    assert result.error.hint is not None and "UTF-8" in result.error.hint


# --- feedback dates of another marketplace --------------------------------------------------------------


def test_de_feedback_dates_on_a_us_account(stored: Path, ingest: Ingest, engine: Engine, tmp_path: Path) -> None:
    records = feedback_records(300, start=1000, date_format=DE_FEEDBACK_DATE)
    records[0]["Date"] = "24.11.26"
    assert all(r["Date"].count(".") == 2 for r in records)
    was = before(engine)
    result = ingest(write(tmp_path / "Feedback.txt", lines(FEEDBACK_HEADER, records)))
    assert_rejected(engine, was, result, kind="feedback")
    assert result.error is not None
    assert (result.error.line, result.error.column, result.error.value) == (2, "Date", "24.11.26")
    message = str(result.error)
    # The expected US format, and the marketplace the dates belong to.
    assert "US feedback date (M/D/YY, e.g. 11/24/26)" in message
    assert "reads as a DE date" in message and "marketplace right?" in message


# --- the same file twice -----------------------------------------------------------------------------------


def test_same_file_twice(stored: Path, ingest: Ingest, engine: Engine) -> None:
    was = before(engine)
    result = ingest(stored)
    assert result.status == "ingested", result.error
    assert result.kind == "all_orders"
    assert result.rows.as_dict() == {
        "read": STORED_ORDERS,
        "new": 0,
        "updated": 0,
        "unchanged": STORED_ORDERS,
        "skipped": 0,
    }
    assert snapshot(engine) == was.tables
    same = [u for u in upload_rows(engine) if u.filename == stored.name]
    assert [(u.status, u.rows_new, u.rows_unchanged) for u in same] == [
        ("ingested", STORED_ORDERS, 0),
        ("ingested", 0, STORED_ORDERS),
    ]
    assert same[0].sha256 == same[1].sha256
    assert len(upload_rows(engine)) == len(was.uploads) + 1


# --- the command line ------------------------------------------------------------------------------------------


def healthbot(database_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEALTHBOT_", "SLACK_", "DATABASE_URL"))}
    env.update({"DATABASE_URL": database_url, "HEALTHBOT_INGEST_CHUNK_ROWS": str(CHUNK_ROWS)})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cli_ingest_good_and_bad_json(
    database_url: str, account: models.Account, engine: Engine, tmp_path: Path
) -> None:
    good_rows = 250
    work = tmp_path / "cli"
    write(work / "good.txt", lines(ALL_ORDERS_HEADER, all_orders_records(good_rows)))
    write(work / "bad.txt", lines(ALL_ORDERS_HEADER, late_orders(quantity="two")))
    done = healthbot(database_url, work, "ingest", "good.txt", "bad.txt", "--json")
    assert done.returncode == 1, done.stderr
    results = json.loads(done.stdout)
    assert isinstance(results, list) and len(results) == 2
    for entry in results:
        assert {"file", "kind", "status", "rows", "span", "error"} <= set(entry)
        assert set(entry["rows"]) == {"read", "new", "updated", "unchanged", "skipped"}
        assert set(entry["span"]) == {"start", "end"}
    good, bad = results
    assert good["file"].endswith("good.txt") and bad["file"].endswith("bad.txt")
    assert (good["kind"], good["status"], good["error"]) == ("all_orders", "ingested", None)
    assert good["rows"] == {"read": good_rows, "new": good_rows, "updated": 0, "unchanged": 0, "skipped": 0}
    days = sorted(r["purchase-date"][:10] for r in all_orders_records(good_rows))
    assert good["span"] == {"start": days[0], "end": days[-1]}
    assert (bad["kind"], bad["status"]) == ("all_orders", "rejected")
    assert bad["rows"] == {"read": 0, "new": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    assert bad["span"] == {"start": None, "end": None}
    error = bad["error"]
    assert (error["line"], error["column"], error["value"]) == (BAD_LINE, "quantity", "two")
    assert "a whole number" in error["message"] and ALL_ORDERS_WHERE in error["hint"]
    # The good file is stored for the test's account, the bad one left nothing but its rejection.
    with engine.connect() as conn:
        items = models.OrderItem.__table__
        stored_ids = set(
            conn.execute(select(items.c.amazon_order_id).where(items.c.account_id == account.id)).scalars()
        )
    assert stored_ids == {r["amazon-order-id"] for r in all_orders_records(good_rows)}
    assert [(u.filename, u.status) for u in upload_rows(engine)] == [("good.txt", "ingested"), ("bad.txt", "rejected")]


def test_cli_ingest_missing_file(database_url: str, account: models.Account, engine: Engine, tmp_path: Path) -> None:
    done = healthbot(database_url, tmp_path, "ingest", "missing-file.txt")
    assert done.returncode == 2
    assert "no such file: missing-file.txt" in done.stderr
    assert upload_rows(engine) == []


def test_cli_ingest_without_path(database_url: str, tmp_path: Path) -> None:
    done = healthbot(database_url, tmp_path, "ingest")
    assert done.returncode == 2
    assert "PATH" in done.stderr and "required" in done.stderr
