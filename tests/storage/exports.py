"""Small builders of realistic export files for tests (reports.md sections 2 and 3).

Rows are built as `{column name: text}` records, turned into lines with `lines()` and into the bytes
of a file with `encode()`; `gzip_bytes`, `zip_bytes`, `xlsx_bytes` and `png_bytes` wrap or replace
them. Line numbers follow the file: the header is line 1, so record `k` (0-based) sits on line `k + 2`.
"""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

Record = dict[str, str]

# reports.md 2.1, the exact current header.
ALL_ORDERS_HEADER: tuple[str, ...] = tuple(
    """
    amazon-order-id merchant-order-id purchase-date last-updated-date order-status fulfillment-channel
    sales-channel order-channel ship-service-level product-name sku asin item-status quantity currency
    item-price item-tax shipping-price shipping-tax gift-wrap-price gift-wrap-tax item-promotion-discount
    ship-promotion-discount ship-city ship-state ship-postal-code ship-country promotion-ids cpf
    is-business-order purchase-order-number price-designation
    """.split()
)
# reports.md 2.2.
FEEDBACK_HEADER: tuple[str, ...] = ("Date", "Rating", "Comments", "Your Response", "Order ID", "Rater Email")
# reports.md 3, the claims template (all columns).
CLAIMS_HEADER: tuple[str, ...] = ("order-id", "claim-date", "status", "reason", "amount", "funded-by")

ORDERS_START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
FEEDBACK_START = date(2026, 9, 1)
US_FEEDBACK_DATE = "%m/%d/%y"
DE_FEEDBACK_DATE = "%d.%m.%y"


def line_of(index: int) -> int:
    """The file line of the 0-based record `index` (line 1 is the header)."""
    return index + 2


def index_of(line: int) -> int:
    """The 0-based record index on file line `line`."""
    return line - 2


def order_id(i: int) -> str:
    """A distinct, Amazon-shaped order id (3-7-7 digits) for each `i`."""
    return f"{111 + i % 3}-{(i * 7919) % 10_000_000:07d}-{i:07d}"


def all_orders_records(count: int, *, start: int = 0, revision: int = 0) -> list[Record]:
    """`count` order items of distinct orders; a higher `revision` is a later state of the same orders.

    Revision 0 is unshipped; later revisions are shipped, with a later `last-updated-date`.
    """
    records = []
    for i in range(start, start + count):
        purchased = ORDERS_START + timedelta(minutes=17 * i)
        updated = purchased + timedelta(hours=2 + 24 * revision)
        status = "Unshipped" if revision == 0 else "Shipped"
        amazon = i % 3 == 0
        records.append(
            {
                "amazon-order-id": order_id(i),
                "merchant-order-id": "" if amazon else f"M-{i:06d}",
                "purchase-date": purchased.isoformat(),
                "last-updated-date": updated.isoformat(),
                "order-status": status,
                "fulfillment-channel": "Amazon" if amazon else "Merchant",
                "sales-channel": "Amazon.com",
                "order-channel": "",
                "ship-service-level": "Expedited" if i % 5 == 0 else "Standard",
                "product-name": f"Acme stainless steel water bottle, 750 ml, model {i % 40}",
                "sku": f"ACME-BTL-{i % 40:03d}",
                "asin": f"B0{i % 40:08d}",
                "item-status": status,
                "quantity": str(1 + i % 3),
                "currency": "USD",
                "item-price": f"{19.99 + i % 7:.2f}",
                "item-tax": "1.60",
                "shipping-price": "0.00" if amazon else "4.99",
                "shipping-tax": "0.00",
                "gift-wrap-price": "",
                "gift-wrap-tax": "",
                "item-promotion-discount": "0.00",
                "ship-promotion-discount": "0.00",
                "ship-city": "SEATTLE",
                "ship-state": "WA",
                "ship-postal-code": "98101-1234",
                "ship-country": "US",
                "promotion-ids": "",
                "cpf": "",
                "is-business-order": "false",
                "purchase-order-number": "",
                "price-designation": "",
            }
        )
    return records


def feedback_records(count: int, *, start: int = 0, date_format: str = US_FEEDBACK_DATE) -> list[Record]:
    """`count` 1-3 star feedback lines, dated with `date_format` the way Seller Central writes it."""
    records = []
    for i in range(start, start + count):
        day = FEEDBACK_START + timedelta(days=i % 60)
        # Seller Central writes 1-digit days and months (11/3/26).
        shown = day.strftime(date_format).replace("/0", "/").replace(".0", ".").lstrip("0")
        records.append(
            {
                "Date": shown,
                "Rating": str(1 + i % 3),
                "Comments": f"Item arrived late ({i})",
                "Your Response": "" if i % 2 else "We are sorry, a replacement is on its way",
                "Order ID": order_id(i),
                "Rater Email": f"buyer{i}@marketplace.amazon.com",
            }
        )
    return records


def claims_records(count: int, *, start: int = 0) -> list[Record]:
    statuses = ("open", "granted", "denied", "withdrawn", "closed")
    return [
        {
            "order-id": order_id(i),
            "claim-date": (ORDERS_START + timedelta(days=3, hours=i)).isoformat(),
            "status": statuses[i % len(statuses)],
            "reason": "Item not received",
            "amount": f"{24.99 + i % 5:.2f}",
            "funded-by": "seller" if i % 2 else "amazon",
        }
        for i in range(start, start + count)
    ]


def fields(header: Sequence[str], record: Mapping[str, str]) -> list[str]:
    """A record's fields in header order (missing columns empty)."""
    return [record.get(name, "") for name in header]


def lines(
    header: Sequence[str],
    rows: Iterable[Mapping[str, str] | Sequence[str]],
    *,
    delimiter: str = "\t",
    newline: str = "\n",
) -> str:
    """The text of a delimited file: the header line, then one line per row (a record or raw fields)."""
    out = [delimiter.join(header)]
    for row in rows:
        values = fields(header, row) if isinstance(row, Mapping) else list(row)
        out.append(delimiter.join(values))
    return newline.join(out) + newline


def encode(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def gzip_bytes(data: bytes, *, name: str = "report.txt") -> bytes:
    """`data` gzipped, as `gzip` on the command line writes it (with the inner file name)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buffer, mtime=0) as out:
        out.write(data)
    return buffer.getvalue()


def zip_bytes(members: Mapping[str, bytes]) -> bytes:
    """A deflated zip archive holding `members` (name -> content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def xlsx_bytes(header: Sequence[str] = ALL_ORDERS_HEADER) -> bytes:
    """A minimal real Excel workbook with one sheet whose first row is `header` (inline strings)."""
    cells = "".join(f'<c t="inlineStr"><is><t>{name}</t></is></c>' for name in header)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    members = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<workbook xmlns="{main}" xmlns:r="{rel}">'
            '<sheets><sheet name="All Orders" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<worksheet xmlns="{main}"><sheetData><row r="1">{cells}</row></sheetData></worksheet>'
        ),
    }
    return zip_bytes({name: text.encode("utf-8") for name, text in members.items()})


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes() -> bytes:
    """A valid 1x1 PNG image (a screenshot dropped into the channel by mistake)."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x99\x00\xff")
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b"")
