"""Replies in an uploaded file's thread: read, refused, in progress, not downloaded, too large."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import Block

from bot.blocks.layout import context, fields, line_sections, more_line, section
from bot.blocks.mrkdwn import escape, plural
from bot.blocks.reply import Reply
from bot.render import STATUS_SYMBOL, STATUS_WORD
from bot.reporting import kind_title
from storage.ingest.result import IngestResult

MOVED_SHOWN = 20
REASONS_SHOWN = 5
NOTES_SHOWN = 5
DEFAULT_HINT = (
    "Upload the report as Seller Central gives it (unedited; a .zip or .gz of it is fine), "
    "or one of healthbot's CSV templates."
)


@dataclass(frozen=True)
class Movement:
    """A figure that changed with the upload; values are already formatted ("0.82%")."""

    title: str
    before: str | None
    after: str
    status_before: str | None
    status_after: str


def movement_line(m: Movement) -> str:
    """`Order Defect Rate (MFN) 0.82% → 1.05%, now over target` (plain text: escape it for mrkdwn)."""
    now = STATUS_WORD.get(m.status_after, m.status_after)
    if m.before is None:
        return f"{m.title} new: {m.after}, {now}"
    if m.status_before == m.status_after:
        state = f"still {now}" if m.status_after in ("warning", "breach") else now
    elif m.status_after == "ok" and m.status_before in ("warning", "breach"):
        state = "back on target"
    else:
        state = f"now {now}"
    return f"{m.title} {m.before} → {m.after}, {state}"


def _moved_lines(moved: list[Movement]) -> list[str]:
    lines = [f"{STATUS_SYMBOL.get(m.status_after, '•')} {escape(movement_line(m))}" for m in moved[:MOVED_SHOWN]]
    if len(moved) > MOVED_SHOWN:
        lines.append(more_line(len(moved) - MOVED_SHOWN, "metrics"))
    return lines


def ingested(result: IngestResult, moved: list[Movement]) -> Reply:
    """What a stored file added: its kind, rows by outcome (skips with reasons), dates, notes, metrics moved."""
    kind = kind_title(result.kind)
    rows = result.rows
    name = escape(result.file)
    blocks: list[Block] = [
        section(f"✅ *{name}* read as *{escape(kind)}*: {plural(rows.read, 'row')}"),
        fields(
            [
                f"*New*\n{rows.new:,}",
                f"*Updated*\n{rows.updated:,}",
                f"*Unchanged*\n{rows.unchanged:,}",
                f"*Skipped*\n{rows.skipped:,}",
            ]
        ),
    ]
    facts = []
    if result.span_start:
        facts.append(f"*Dates:* {result.span_start} to {result.span_end}")
    reasons = rows.skipped_reasons.most_common()
    if reasons:
        facts.append("*Skipped rows:*")
        facts += [f"• {n:,} {escape(reason)}" for reason, n in reasons[:REASONS_SHOWN]]
        if len(reasons) > REASONS_SHOWN:
            facts.append(more_line(len(reasons) - REASONS_SHOWN, "reasons"))
    if result.notes:
        facts.append("*Notes:*")
        facts += [f"• {escape(note)}" for note in result.notes[:NOTES_SHOWN]]
        if len(result.notes) > NOTES_SHOWN:
            facts.append(more_line(len(result.notes) - NOTES_SHOWN, "notes"))
    if facts:
        blocks += line_sections(facts, max_blocks=2)
    if moved:
        blocks += line_sections(["*Metrics that moved*", *_moved_lines(moved)], max_blocks=2)
    else:
        blocks.append(context("No metric moved."))
    text = (
        f"{result.file}: {kind}, {plural(rows.read, 'row')} read ({rows.new:,} new, {rows.updated:,} updated, "
        f"{rows.unchanged:,} unchanged, {rows.skipped:,} skipped)"
        + (f", dates {result.span_start} to {result.span_end}" if result.span_start else "")
        + "; "
        + (f"{plural(len(moved), 'metric')} moved" if moved else "no metric moved")
        + "."
    )
    return Reply(text=escape(text), blocks=blocks)


def rejected(result: IngestResult) -> Reply:
    """Why a file was refused (nothing of it stored), and what to upload instead."""
    error = result.error
    name = escape(result.file)
    what = f" (recognised as {escape(kind_title(result.kind))})" if result.kind else ""
    problem = error.problem if error else "the file could not be read"
    lines = [f"🚫 *{name}* was not stored{what}: {escape(problem)}."]
    if error is not None:
        where = error.where()
        if where:
            lines.append(f"*Where:* {escape(where)}")
        if error.expected:
            lines.append(f"*Expected:* {escape(error.expected)}")
        if error.found:
            lines.append(f"*Found:* {escape(error.found)}")
    hint = (error.hint if error is not None and error.hint else DEFAULT_HINT).rstrip(".") + "."
    blocks = [
        *line_sections(lines, max_blocks=1),
        section(f"*What to upload instead:* {escape(hint)}"),
        context("Nothing of this file was stored; the figures are as before."),
    ]
    text = f"{result.file} was not stored: {problem}. {hint}"
    return Reply(text=escape(text), blocks=blocks)


def progress(file_name: str, rows_done: int, total_bytes: int | None, bytes_done: int | None) -> Reply:
    """One message, updated while a long file is read: "Reading orders.txt: 120,000 rows so far (35%)"."""
    share = ""
    if total_bytes and bytes_done is not None:
        # Bytes run ahead of rows by a buffer: never claim 100% before the result is in.
        share = f" ({min(bytes_done * 100 // total_bytes, 99)}%)"
    text = f"Reading {file_name}: {rows_done:,} rows so far{share}"
    shown = f"⏳ Reading *{escape(file_name)}*: {rows_done:,} rows so far{share}"
    return Reply(text=escape(text), blocks=[section(shown)])


def download_failed(file_name: str, reason: str) -> Reply:
    """The file could not be fetched from Slack."""
    words = f"Could not download {file_name}: {reason}. Nothing was stored; please upload it again."
    return Reply(
        text=escape(words),
        blocks=[
            section(
                f"⚠️ Could not download *{escape(file_name)}*: {escape(reason)}.\n"
                "Nothing was stored; please upload it again."
            )
        ],
    )


def size_text(size: int) -> str:
    """`512 bytes`, `3.4 MB`, `1.2 GB` (powers of 1024, as Slack shows file sizes)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size:,} bytes" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def too_large(file_name: str, size: int, limit: int) -> Reply:
    """Refused before download: bigger than healthbot takes."""
    words = (
        f"{file_name} is {size_text(size)}; healthbot takes files up to {size_text(limit)}. Nothing was stored. "
        "Upload it zipped or gzipped, or export a shorter date range."
    )
    return Reply(
        text=escape(words),
        blocks=[
            section(
                f"🚫 *{escape(file_name)}* is {size_text(size)}; healthbot takes files up to {size_text(limit)}.\n"
                "Nothing was stored. Upload it zipped or gzipped (one report per archive), "
                "or export a shorter date range."
            )
        ],
    )
