"""Keyed, idempotent writes of parsed rows, one chunk at a time.

For each chunk the stored rows with the same keys are looked up once; every incoming row is then new,
updated (its values differ and it is not older than the stored row), unchanged, or skipped because a
newer version is stored. Only new and updated rows are written.

This is the hot path of a 1,000,000-row upload, so it talks to the driver directly
(`exec_driver_sql`, one `executemany` per chunk) with values already in the driver's form, instead of
running every value through SQLAlchemy's per-parameter type processing (which cost ten times the
insert itself). The adapters below store exactly what the ORM types store, so models read the rows
back as usual.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Connection, Date, Table
from sqlalchemy.orm import Session

from storage.ingest.formats import Record, ReportFormat
from storage.ingest.result import RowCounts
from storage.types import UTCDateTime

SUPERSEDED = "a newer version of the row is already stored"
Adapter = Callable[[Any], Any]


def _sqlite_datetime(value: datetime) -> str:
    # SQLAlchemy's SQLite DATETIME storage format ("2026-11-24 18:52:47.000000") of the UTC values
    # the parsers return.
    # (%-formatting the fields is twice as fast as `isoformat` on an aware value.)
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )


def _sqlite_date(value: date) -> str:
    return value.isoformat()


def _sqlite_bool(value: bool) -> int:
    return 1 if value else 0


def _adapter(column_type: Any, dialect_name: str) -> Adapter | None:
    if dialect_name != "sqlite":
        return None  # psycopg adapts aware datetimes, dates and booleans itself
    if isinstance(column_type, UTCDateTime):
        return _sqlite_datetime
    if isinstance(column_type, Date):
        return _sqlite_date
    if isinstance(column_type, Boolean):
        return _sqlite_bool
    return None


def row_hash(values: Sequence[Any]) -> str:
    """A short digest of a row's stored values: equal digests mean an unchanged row."""
    return text_hash("\x1f".join(map(str, values)))


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@dataclass
class TableWriter:
    """Writes one target table for one upload of one account."""

    session: Session
    fmt: ReportFormat
    account_id: int
    upload_id: int
    # An attribute whose values the written rows had and have now are collected in `watched` (the
    # promised dates of shipments, whose day counts follow them).
    watch: str | None = None

    def __post_init__(self) -> None:
        # Snapshot formats mark every row the upload saw, for removal or replacement afterwards;
        # feedback seen again after its removal counts again.
        self.snapshot = self.fmt.snapshot is not None
        self.restores = self.fmt.snapshot == "removal"
        table = self.fmt.model.__table__
        assert isinstance(table, Table)
        self.table = table
        self.connection: Connection = self.session.connection()
        dialect = self.connection.dialect
        self._mark = "?" if dialect.paramstyle == "qmark" else "%s"
        quote = dialect.identifier_preparer.quote
        self._name = quote(table.name)
        attrs = self.fmt.attrs
        adapters = [_adapter(table.c[a].type, dialect.name) for a in attrs]
        self._adapter_of = dict(zip(attrs, adapters, strict=True))
        self._adapters: list[tuple[int, Adapter]] = [(i, a) for i, a in enumerate(adapters) if a is not None]
        self._key_index = [attrs.index(k) for k in self.fmt.key]
        self._version_index = attrs.index(self.fmt.version) if self.fmt.version else None
        # Where a prepared row (hash first) holds its order id, for the tables that have one.
        self.order_id_at = 1 + attrs.index("amazon_order_id") if "amazon_order_id" in attrs else None

        prefix = ["account_id", "upload_id"] + (["seen_upload_id"] if self.snapshot else [])
        columns = prefix + ["row_hash", *attrs]
        marks = ", ".join([self._mark] * len(columns))
        self._insert = f"INSERT INTO {self._name} ({', '.join(map(quote, columns))}) VALUES ({marks})"
        self._copy = (
            f"COPY {self._name} ({', '.join(map(quote, columns))}) FROM STDIN" if dialect.name == "postgresql" else None
        )
        self._prefix: tuple[Any, ...] = (self.account_id, self.upload_id) + ((self.upload_id,) if self.snapshot else ())
        sets = [f"{quote(c)} = {self._mark}" for c in ["row_hash", *attrs, "upload_id"]]
        if self.snapshot:
            sets.append(f"seen_upload_id = {self._mark}")
        if self.restores:
            sets.append("removed_at = NULL")
        self._update = f"UPDATE {self._name} SET {', '.join(sets)} WHERE id = {self._mark}"
        self._update_suffix: tuple[Any, ...] = (self.upload_id,) + ((self.upload_id,) if self.snapshot else ())
        self._touch = f"UPDATE {self._name} SET seen_upload_id = {self._mark} WHERE id = {self._mark}"
        extra = ["removed_at"] if self.restores else []
        version = [self.fmt.version] if self.fmt.version else []
        # A table whose key does not hold the order id (buyer messages) also reads the stored one: an
        # update that moves a row to another order (or to none) must refresh the order it left.
        moved = ["amazon_order_id"] if self.order_id_at is not None and "amazon_order_id" not in self.fmt.key else []
        self._stored_order_at = 2 + len(self.fmt.key) + len(version) if moved else None
        self.left_orders: set[str] = set()  # the orders rows were moved away from, since the last `write`
        watched = [self.watch] if self.watch else []
        self._watched_at = 1 + attrs.index(self.watch) if self.watch else None
        self._stored_watched_at = 2 + len(self.fmt.key) + len(version) + len(moved) if self.watch else None
        self.watched: set[Any] = set()
        lookup = ["id", *self.fmt.key, "row_hash", *version, *moved, *watched, *extra]
        self._lookup_columns = ", ".join(quote(c) for c in lookup)
        first = quote(self.fmt.key[0])
        if dialect.name == "postgresql":
            match = f"{first} = ANY({self._mark})"
        else:
            match = f"{first} IN (SELECT value FROM json_each({self._mark}))"
        self._lookup = f"SELECT {self._lookup_columns} FROM {self._name} WHERE account_id = {self._mark} AND {match}"

    def prepare(self, record: Record, digest: str | None = None) -> tuple[tuple[Any, ...], list[Any]]:
        """The row's key and its stored values (hash first), in the driver's form.

        Args:
            record: the parsed row, attribute -> value.
            digest: the row's hash when the caller computed it from the raw text; else from the values.
        """
        values = [record[a] for a in self.fmt.attrs]
        for index, adapt in self._adapters:
            value = values[index]
            if value is not None:
                values[index] = adapt(value)
        key = tuple(values[i] for i in self._key_index)
        values.insert(0, digest or row_hash(values))
        return key, values

    def max_length(self, attr: str) -> int | None:
        """The longest text the column of `attr` holds (None: unlimited)."""
        if attr not in self.table.c:
            return None  # a value read only to derive a stored one
        length = getattr(self.table.c[attr].type, "length", None)
        return length if isinstance(length, int) else None

    def adapter(self, attr: str) -> Adapter | None:
        """How a value of `attr` is handed to the driver (None: as it is)."""
        return self._adapter_of[attr]

    def version_of(self, values: list[Any]) -> Any:
        """The newest-wins attribute of prepared values (None when the format has none)."""
        return None if self._version_index is None else values[self._version_index + 1]

    def _insert_rows(self, rows: list[tuple[Any, ...]]) -> None:
        if self._copy is None:
            self.connection.exec_driver_sql(self._insert, rows)
            return
        # PostgreSQL loads rows with COPY several times faster than with INSERTs, in the same transaction.
        dbapi = self.connection.connection.dbapi_connection
        assert dbapi is not None
        with dbapi.cursor() as cursor, cursor.copy(self._copy) as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)

    def write(self, rows: dict[tuple[Any, ...], list[Any]], counts: RowCounts | None) -> list[tuple[Any, ...]]:
        """Upsert one chunk of prepared rows (already unique by key), count what happened, and return the
        keys of the rows inserted or updated."""
        if not rows:
            return []
        first_values = list({key[0] for key in rows})
        stored: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        width = len(self.fmt.key)
        # The keys go in as one array parameter: an IN list of thousands of placeholders is a new
        # statement for every chunk size, and each stays in the driver's statement cache (memory grew
        # with the file), while psycopg rewrites every placeholder of it, slowly.
        keys: Any = first_values if self._copy is not None else json.dumps(first_values, default=str)
        found = self.connection.exec_driver_sql(self._lookup, (self.account_id, keys))
        for hit in found:
            stored[tuple(hit[1 : 1 + width])] = tuple(hit)
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        touches: list[tuple[Any, ...]] = []
        written: list[tuple[Any, ...]] = []
        version_at = None if self._version_index is None else self._version_index + 1
        for key, values in rows.items():
            old = stored.get(key)
            if old is None:
                inserts.append((*self._prefix, *values))
                written.append(key)
                if self._watched_at is not None:
                    self.watched.add(values[self._watched_at])
                if counts:
                    counts.new += 1
                continue
            removed = self.restores and old[-1] is not None
            if old[1 + width] == values[0] and not removed:
                if counts:
                    counts.unchanged += 1
                if self.snapshot:
                    touches.append((self.upload_id, old[0]))
                continue
            if version_at is not None and values[version_at] is not None and values[version_at] < old[2 + width]:
                if counts:
                    counts.skip(SUPERSEDED)
                if self.snapshot:
                    touches.append((self.upload_id, old[0]))
                continue
            updates.append((*values, *self._update_suffix, old[0]))
            if self._stored_order_at is not None:
                left = old[self._stored_order_at]
                if left is not None and left != values[self.order_id_at or 0]:
                    self.left_orders.add(left)
            if self._watched_at is not None and self._stored_watched_at is not None:
                self.watched.update((old[self._stored_watched_at], values[self._watched_at]))
            written.append(key)
            if counts:
                counts.updated += 1
        if inserts:
            self._insert_rows(inserts)
        if updates:
            self.connection.exec_driver_sql(self._update, updates)
        if touches:
            self.connection.exec_driver_sql(self._touch, touches)
        return written
