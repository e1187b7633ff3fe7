"""What ingesting one file did, as the command line and Slack report it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from storage.ingest.errors import IngestError


@dataclass
class RowCounts:
    """Rows read from a file, and what became of each (read = new + updated + unchanged + skipped)."""

    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    skipped_reasons: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped += count
        self.skipped_reasons[reason] += count

    def as_dict(self) -> dict[str, int]:
        return {
            "read": self.read,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


@dataclass
class IngestResult:
    """The outcome of one file: ingested (with counts) or rejected (with the reason)."""

    file: str
    kind: str | None
    status: str  # ingested | rejected
    rows: RowCounts
    span_start: date | None = None
    span_end: date | None = None
    error: IngestError | None = None
    notes: list[str] = field(default_factory=list)
    upload_id: int | None = None
    sha256: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "status": self.status,
            "rows": self.rows.as_dict(),
            "skipped_reasons": dict(self.rows.skipped_reasons),
            "span": {
                "start": self.span_start.isoformat() if self.span_start else None,
                "end": self.span_end.isoformat() if self.span_end else None,
            },
            "error": self.error.as_dict() if self.error else None,
            "notes": self.notes,
        }
