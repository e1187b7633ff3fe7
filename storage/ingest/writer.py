"""Keyed, idempotent writes of parsed rows, one chunk at a time.

For each chunk the stored rows with the same keys are looked up once; every incoming row is then new,
updated (its values differ and it is not older than the stored row), unchanged, or skipped because a
newer version is stored. Only new and updated rows are written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from storage.ingest.formats import Record, Target
from storage.ingest.result import RowCounts

SUPERSEDED = "a newer version of the row is already stored"


def row_hash(values: Iterable[Any]) -> str:
    """A short digest of a row's stored values: equal digests mean an unchanged row."""
    return hashlib.blake2b(repr(tuple(values)).encode(), digest_size=8).hexdigest()


@dataclass
class TableWriter:
    """Writes one target table for one upload of one account."""

    session: Session
    target: Target
    account_id: int
    upload_id: int
    snapshot: bool = False  # mark every row seen by this upload (removal / replacement afterwards)
    restores: bool = False  # a row seen again is no longer removed (feedback)

    def __post_init__(self) -> None:
        table = self.target.model.__table__
        assert isinstance(table, Table)
        self.table = table
        self.key_columns = [table.c[k] for k in self.target.key]
        extra = [table.c.removed_at] if self.restores else []
        version = [table.c[self.target.version]] if self.target.version else []
        self._lookup_columns = [table.c.id, *self.key_columns, table.c.row_hash, *version, *extra]
        data_attrs = list(self.target.attrs)
        self._insert = insert(table)
        update_values: dict[str, Any] = {a: bindparam(f"v_{a}") for a in data_attrs}
        update_values["row_hash"] = bindparam("v_row_hash")
        update_values["upload_id"] = bindparam("v_upload_id")
        if self.snapshot:
            update_values["seen_upload_id"] = bindparam("v_upload_id")
        if self.restores:
            update_values["removed_at"] = None
        self._update = update(table).where(table.c.id == bindparam("b_id")).values(update_values)
        self._touch = (
            update(table).where(table.c.id == bindparam("b_id")).values(seen_upload_id=self.upload_id)
            if self.snapshot
            else None
        )

    def prepare(self, record: Record) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The row's key and the values to store, from a parsed record."""
        row = {a: record.get(a) for a in self.target.attrs}
        row["row_hash"] = row_hash(row.values())
        key = tuple(row[k] for k in self.target.key)
        return key, row

    def write(self, rows: dict[tuple[Any, ...], dict[str, Any]], counts: RowCounts | None) -> None:
        """Upsert one chunk of prepared rows (already unique by key) and count what happened."""
        if not rows:
            return
        first_values = list({key[0] for key in rows})
        stored: dict[tuple[Any, ...], Any] = {}
        lookup = select(*self._lookup_columns).where(
            self.table.c.account_id == self.account_id, self.key_columns[0].in_(first_values)
        )
        for found in self.session.execute(lookup):
            stored[tuple(found[1 : 1 + len(self.key_columns)])] = found
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        touches: list[dict[str, Any]] = []
        version = self.target.version
        for key, row in rows.items():
            old = stored.get(key)
            if old is None:
                row["account_id"] = self.account_id
                row["upload_id"] = self.upload_id
                if self.snapshot:
                    row["seen_upload_id"] = self.upload_id
                inserts.append(row)
                if counts:
                    counts.new += 1
                continue
            removed = self.restores and old.removed_at is not None
            if old.row_hash == row["row_hash"] and not removed:
                if counts:
                    counts.unchanged += 1
                if self.snapshot:
                    touches.append({"b_id": old.id})
                continue
            if version and row[version] is not None and row[version] < getattr(old, version):
                if counts:
                    counts.skip(SUPERSEDED)
                if self.snapshot:
                    touches.append({"b_id": old.id})
                continue
            params = {f"v_{k}": value for k, value in row.items()}
            params["b_id"] = old.id
            params["v_upload_id"] = self.upload_id
            updates.append(params)
            if counts:
                counts.updated += 1
        if inserts:
            self.session.execute(self._insert, inserts)
        if updates:
            self.session.execute(self._update, updates)
        if touches and self._touch is not None:
            self.session.execute(self._touch, touches)
