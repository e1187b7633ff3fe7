"""Plain-text descriptions of ingestion results and stored data (command line; Slack reuses the words)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from storage import models
from storage.ingest.formats import ACCOUNT_HEALTH_KIND, ACCOUNT_HEALTH_TITLE, BY_KIND
from storage.ingest.result import IngestResult
from storage.queries import recent_uploads, stored_counts


def kind_title(kind: str | None) -> str:
    if kind is None:
        return "unrecognised file"
    if kind == ACCOUNT_HEALTH_KIND:
        return ACCOUNT_HEALTH_TITLE
    return BY_KIND[kind].title


def describe_result(result: IngestResult) -> str:
    """One line per file: kind, rows read/new/updated/unchanged/skipped and span, or why it was refused."""
    if result.status == "rejected":
        assert result.error is not None
        what = f" ({kind_title(result.kind)})" if result.kind else ""
        return f"{result.file}: REJECTED{what}: {result.error}"
    rows = result.rows
    read = f"{rows.read:,} row{'' if rows.read == 1 else 's'} read"
    text = (
        f"{result.file}: {kind_title(result.kind)}: {read}, {rows.new:,} new, "
        f"{rows.updated:,} updated, {rows.unchanged:,} unchanged, {rows.skipped:,} skipped"
    )
    if rows.skipped_reasons:
        text += " (" + "; ".join(f"{n:,} {reason}" for reason, n in rows.skipped_reasons.most_common()) + ")"
    if result.span_start:
        text += f"; dates {result.span_start} to {result.span_end}"
    for note in result.notes:
        text += f"; {note}"
    return text


def _day(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return ""


def stored_table(*, session: Session, account: models.Account) -> str:
    """What is stored for the account, table by table, and the latest uploads."""
    lines = [f"Stored for account {account.name} ({account.marketplace}, {account.timezone}):"]
    for count in stored_counts(session=session, account_id=account.id):
        span = f"  {_day(count.first)} to {_day(count.last)}" if count.first else ""
        lines.append(f"  {count.table:<26}{count.rows:>10,}{span}")
    uploads = recent_uploads(session=session, account_id=account.id, limit=5)
    if uploads:
        lines.append("Latest uploads:")
        for upload in uploads:
            lines.append(
                f"  {upload.received_at:%Y-%m-%d %H:%M} UTC  {upload.status:<9} "
                f"{kind_title(upload.kind):<36} {upload.filename}"
            )
    return "\n".join(lines)
