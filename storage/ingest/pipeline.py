"""Ingesting one file: open, recognise, parse row by row, write in chunks, record the upload.

The caller owns the transaction: one file is one `with sessions.begin()`, so a file that fails half
way (a bad date on line 700,000, a truncated gzip, a killed process) leaves nothing behind.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from storage import models
from storage.ingest import account_health
from storage.ingest.detect import Detected, detect_format
from storage.ingest.errors import IngestError
from storage.ingest.formats import ACCOUNT_HEALTH_KIND, Record, ReportFormat, normalise_header
from storage.ingest.reader import DOWNLOAD_AGAIN, iter_lines, open_upload
from storage.ingest.result import IngestResult, RowCounts
from storage.ingest.rowparser import FieldProblem, compile_row_parser
from storage.ingest.values import ParseContext
from storage.ingest.writer import TableWriter
from storage.marketplaces import get_marketplace
from storage.order_facts import SOURCES as FACT_SOURCES
from storage.order_facts import refresh_order_facts
from storage.queries import lock_account
from storage.shipment_days import recount_shipment_days

DUPLICATE_IN_FILE = "the same key appears again in the file (the newer row was kept)"
MERGED_IN_FILE = "another line of the same transaction (amounts added up)"
Progress = Callable[[int], None]


@dataclass(frozen=True)
class FileDigest:
    sha256: str
    size_bytes: int


def digest_file(path: Path) -> FileDigest:
    """SHA-256 and size of a file, read in blocks."""
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            sha.update(block)
            size += len(block)
    return FileDigest(sha.hexdigest(), size)


def _with_kind(error: IngestError, kind: str | None) -> IngestError:
    error.kind = error.kind or kind
    return error


def ingest_file(
    *,
    session: Session,
    account: models.Account,
    path: Path,
    digest: FileDigest,
    uploaded_by: str,
    source: str,
    received_at: datetime,
    max_expanded_bytes: int,
    chunk_rows: int = 5000,
    display_name: str | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Ingest one file for `account` inside the caller's transaction.

    Raises:
        IngestError: the file is refused; the caller rolls back and records the rejection.
    """
    upload = models.Upload(
        account_id=account.id,
        uploaded_by=uploaded_by,
        source=source,
        filename=(display_name or path.name)[-500:],
        sha256=digest.sha256,
        size_bytes=digest.size_bytes,
        received_at=received_at,
        status="ingested",
        skipped_reasons={},
        notes={},
    )
    session.add(upload)
    session.flush()
    marketplace = get_marketplace(account.marketplace)
    context = ParseContext(timezone=ZoneInfo(account.timezone), marketplace=marketplace)
    run = _Run(
        session=session,
        account=account,
        upload=upload,
        context=context,
        chunk_rows=chunk_rows,
        received_at=received_at,
        progress=progress,
    )
    try:
        with open_upload(path, max_expanded_bytes=max_expanded_bytes) as stream:
            lines = iter_lines(stream, prefer_japanese=marketplace.code == "JP")
            run.consume(lines)
    except IngestError as error:
        raise _with_kind(error, run.kind) from None
    except (EOFError, gzip.BadGzipFile, zlib.error, zipfile.BadZipFile) as exc:  # found while streaming (CRC)
        raise _with_kind(
            IngestError(
                "the compressed file is damaged or cut short",
                found=str(exc) or type(exc).__name__,
                hint=f"{DOWNLOAD_AGAIN}; if it was copied, copy it again completely",
            ),
            run.kind,
        ) from None
    except csv.Error as exc:
        raise _with_kind(
            IngestError(
                "a line could not be read as delimited text",
                found=str(exc),
                line=run.line(),
                hint="Fields longer than 131,072 characters or stray NUL bytes: download the report again",
            ),
            run.kind,
        ) from None

    upload.kind = run.kind
    counts = run.counts
    upload.rows_read, upload.rows_new, upload.rows_updated = counts.read, counts.new, counts.updated
    upload.rows_unchanged, upload.rows_skipped = counts.unchanged, counts.skipped
    upload.skipped_reasons = dict(counts.skipped_reasons)
    upload.span_start, upload.span_end = run.span_start, run.span_end
    upload.notes = {"notes": run.notes}
    session.flush()
    return IngestResult(
        file=display_name or str(path),
        kind=run.kind,
        status="ingested",
        rows=counts,
        span_start=run.span_start,
        span_end=run.span_end,
        notes=run.notes,
        upload_id=upload.id,
        sha256=digest.sha256,
    )


def record_rejection(
    *,
    session: Session,
    account: models.Account,
    name: str,
    digest: FileDigest,
    error: IngestError,
    uploaded_by: str,
    source: str,
    received_at: datetime,
) -> IngestResult:
    """Log a refused file (the only trace a rejection leaves) and describe it."""
    kind = error.kind
    upload = models.Upload(
        account_id=account.id,
        uploaded_by=uploaded_by,
        source=source,
        filename=name[-500:],
        sha256=digest.sha256,
        size_bytes=digest.size_bytes,
        received_at=received_at,
        kind=kind,
        status="rejected",
        skipped_reasons={},
        notes={},
        error=str(error),
    )
    session.add(upload)
    session.flush()
    return IngestResult(
        file=name,
        kind=kind,
        status="rejected",
        rows=RowCounts(),
        error=error,
        upload_id=upload.id,
        sha256=digest.sha256,
    )


class _Run:
    """The state of one file's ingestion."""

    def __init__(
        self,
        *,
        session: Session,
        account: models.Account,
        upload: models.Upload,
        context: ParseContext,
        chunk_rows: int,
        received_at: datetime,
        progress: Progress | None,
    ) -> None:
        self.session = session
        self.account = account
        self.upload = upload
        self.context = context
        self.chunk_rows = max(1, chunk_rows)
        self.received_at = received_at
        self.progress = progress
        self.kind: str | None = None
        self.counts = RowCounts()
        self.span_start: date | None = None
        self.span_end: date | None = None
        self.notes: list[str] = []
        self.refreshes_facts = False  # the file's rows are among those order_facts derive from
        # The line being read, for errors raised by the csv module itself.
        self.line: Callable[[], int | None] = lambda: None

    def consume(self, lines: Iterator[str]) -> None:
        header_line = 0
        header = ""
        for header in lines:
            header_line += 1
            if header.strip():
                break
        else:
            raise IngestError(
                "the file has no header line, only blank lines",
                expected="a header line naming the columns",
                hint=DOWNLOAD_AGAIN,
            )
        if header.lstrip("\ufeff \t").startswith(("{", "[")):
            self.kind = ACCOUNT_HEALTH_KIND
            # The skipped blank lines go back in, so JSON errors point at the right line.
            self._consume_json("\n" * (header_line - 1) + header, lines)
            return
        detected = detect_format(header)
        self.kind = detected.fmt.kind
        self._consume_rows(detected, lines, header_line)

    def _consume_json(self, first: str, lines: Iterator[str]) -> None:
        text = first + "".join(lines)
        report = account_health.parse_account_health(text, marketplace=self.context.marketplace)
        account_health.store_account_health(
            session=self.session,
            account_id=self.account.id,
            upload_id=self.upload.id,
            report=report,
            counts=self.counts,
        )
        day = report.reported_through.date()
        self.span_start = self.span_end = day
        self.notes.extend(report.notes)

    def _consume_rows(self, detected: Detected, lines: Iterator[str], header_line: int) -> None:
        fmt = detected.fmt
        width = len(detected.header)
        names = [normalise_header(h) for h in detected.header]
        # Shipments: the day counts of the promised dates written to (and moved away from) follow.
        day_counted = fmt.model is models.MfnShipment
        watch = "promised_delivery_date" if day_counted else None
        writer = TableWriter(self.session, fmt, self.account.id, self.upload.id, watch=watch)
        self.refreshes_facts = writer.table.name in FACT_SOURCES
        if self.refreshes_facts:
            # Two uploads of one account at once would recompute the same orders' facts, each without
            # the other's rows (and collide on inserting them): the account's lock, taken before any row
            # is written, makes the second wait for the first to commit.
            lock_account(session=self.session, account_id=self.account.id)
        parse_row = compile_row_parser(detected, writer, self.context)
        chunk: dict[tuple[Any, ...], list[Any]] = {}
        merged: dict[tuple[Any, ...], Record] = {}
        span_min: Any = None
        span_max: Any = None
        # Amazon's flat files never quote: a product name starting with '"' must not swallow lines.
        if fmt.source == "amazon":
            reader = csv.reader(lines, delimiter=detected.delimiter, quoting=csv.QUOTE_NONE)
        else:
            reader = csv.reader(lines, delimiter=detected.delimiter)
        self.line = lambda: header_line + reader.line_num
        counts = self.counts
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            counts.read += 1
            if len(row) > width and any(x.strip() for x in row[width:]):
                raise IngestError(
                    "a line has more fields than the header has columns",
                    expected=f"at most {width} fields",
                    found=f"{len(row)} fields",
                    line=header_line + reader.line_num,
                    hint="A field probably contains a stray delimiter: download the report again",
                )
            if fmt.skip is not None:
                reason = fmt.skip(dict(zip(names, row, strict=False)))
                if reason:
                    counts.skip(reason)
                    continue
            try:
                key, values, record, stamp = parse_row(row)
            except FieldProblem as problem:
                raise self._field_error(detected, problem, header_line + reader.line_num) from None
            if stamp is not None:
                if isinstance(stamp, datetime):
                    stamp = stamp.date()
                if span_min is None or stamp < span_min:
                    span_min = stamp
                if span_max is None or stamp > span_max:
                    span_max = stamp
            if record is None or fmt.merge is None:
                existing = chunk.get(key)
                if existing is not None:
                    counts.skip(DUPLICATE_IN_FILE)
                    before, after = writer.version_of(existing), writer.version_of(values)
                    if before is not None and after is not None and before > after:
                        continue  # the file's earlier line is the newer version
                chunk[key] = values
            else:
                key = tuple(record[k] for k in fmt.key)
                earlier = merged.get(key)
                if earlier is not None:
                    counts.skip(MERGED_IN_FILE)
                    record = fmt.merge(earlier, record)
                merged[key] = record
            if len(chunk) + len(merged) >= self.chunk_rows:
                self._flush(writer, chunk, merged, keep_last=True)
        self._flush(writer, chunk, merged, keep_last=False)
        if day_counted:
            days = [day for day in writer.watched if day is not None]
            if days:
                recount_shipment_days(writer.connection, self.account.id, days)
        self.span_start, self.span_end = span_min, span_max
        if fmt.snapshot is not None:
            self._apply_snapshot(fmt)

    def _field_error(self, detected: Detected, problem: FieldProblem, line: int) -> IngestError:
        column = problem.column
        header = detected.header[detected.positions[column]].strip()
        if problem.expected is None:
            return IngestError(
                f"the {column.header!r} field is empty",
                expected="a value on every line",
                line=line,
                column=header,
                value="",
                hint=f"Every line needs it; get the complete file from {detected.fmt.where}",
            )
        return IngestError(
            f"a value in column {column.header!r} cannot be read",
            expected=problem.expected,
            line=line,
            column=header,
            value=problem.raw,
            hint=f"Correct the value, or download the file again from {detected.fmt.where}",
        )

    def _flush(
        self,
        writer: TableWriter,
        chunk: dict[tuple[Any, ...], list[Any]],
        merged: dict[tuple[Any, ...], Record],
        keep_last: bool,
    ) -> None:
        carried: dict[tuple[Any, ...], Record] = {}
        if keep_last and merged:
            # Lines of one settlement transaction are adjacent: keep the open one for the next chunk.
            last_key = next(reversed(merged))
            carried[last_key] = merged.pop(last_key)
        for record in merged.values():
            key, values = writer.prepare(record)
            chunk[key] = values
        written = writer.write(chunk, self.counts)
        if self.refreshes_facts and written and writer.order_id_at is not None:
            # An order split across two chunks is refreshed twice, the second time with all its rows;
            # an order a row moved away from is refreshed too.
            at = writer.order_id_at
            order_ids = {order_id for key in written if (order_id := chunk[key][at]) is not None}
            order_ids |= writer.left_orders
            writer.left_orders.clear()
            refresh_order_facts(writer.connection, self.account.id, order_ids)
        chunk.clear()
        merged.clear()
        merged.update(carried)
        if self.progress is not None:
            self.progress(self.counts.read)

    def _apply_snapshot(self, fmt: ReportFormat) -> None:
        table: Any = fmt.model.__table__
        if fmt.snapshot == "removal":
            if self.span_start is None:
                return
            # reports.md 2.2: feedback of earlier uploads dated inside this file's span, but missing
            # from it, was removed (by the buyer or Amazon) and stops counting.
            result = self.session.execute(
                update(table)
                .where(
                    table.c.account_id == self.account.id,
                    table.c.received_date.between(self.span_start, self.span_end),
                    table.c.seen_upload_id != self.upload.id,
                    table.c.removed_at.is_(None),
                )
                .values(removed_at=self.received_at)
            )
            removed = int(getattr(result, "rowcount", 0) or 0)
            if removed:
                self.notes.append(f"{removed} feedback no longer in Amazon's export: marked removed")
        else:
            result = self.session.execute(
                delete(table).where(table.c.account_id == self.account.id, table.c.seen_upload_id != self.upload.id)
            )
            gone = int(getattr(result, "rowcount", 0) or 0)
            if gone:
                self.notes.append(f"{gone} lines of the previous snapshot are no longer unshipped")
