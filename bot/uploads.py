"""A file shared in chat: fetched, ingested whole or not at all, and answered in its thread.

`receive` is the part the terminal shell shares: ingest a local file for the channel's account,
recompute the day's figures and say which moved. `on_file_shared` wraps it for Slack: a claim on the
(team, file) so that the file is read once whatever the number of events, `files.info`, the download,
a progress message for long files, and the reply in the file's thread.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import OperationalError

from bot import render
from bot.blocks import uploads as views
from bot.blocks.reply import Reply
from bot.download import DownloadError, download
from bot.figures import refresh_day
from bot.ingesting import ingest_one
from bot.runtime import Runtime
from storage.inbox import claim_file, finish_file
from storage.ingest.result import IngestResult
from storage.queries import AccountError, SnapshotRow, load_snapshot
from storage.team import channel_account

logger = logging.getLogger(__name__)

UNREACHABLE = "healthbot could not reach its database, so nothing was stored: share the file again in a few minutes"
PROGRESS_EVERY = 2.0
GONE = frozenset(
    {"file_not_found", "file_deleted", "access_denied"}
)  # seconds between progress updates: chat.update is rate limited per channel


@dataclass(frozen=True)
class Received:
    reply: Reply
    result: IngestResult | None  # None when no account could be chosen


def receive(
    runtime: Runtime,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    path: Path,
    name: str,
    source: str,
    progress: Callable[[int], None] | None = None,
) -> Received:
    """Ingest `path` for the channel's account; on success recompute today's figures."""
    now = runtime.now()
    with runtime.sessions.begin() as session:
        workspace_id = runtime.workspace_id(session, team_id)
        try:
            account = channel_account(session=session, workspace_id=workspace_id, channel_id=channel_id, now=now)
        except AccountError as exc:
            return Received(views.download_failed(name, f"{exc}; bind this channel with `/health account NAME`"), None)
        session.expunge(account)
        before = load_snapshot(session=session, account_id=account.id, as_of=now.date())
    result = ingest_one(
        sessions=runtime.sessions,
        settings=runtime.settings,
        account=account,
        path=path,
        uploaded_by=user_id,
        source=source,
        now=now,
        display_name=name,
        progress=progress,
    )
    if result.status != "ingested":
        return Received(views.rejected(result), result)
    after = refresh_day(runtime, account.id, now.date()) or []
    moved = movements(before[1] if before else [], after)
    return Received(views.ingested(result, moved), result)


def movements(before: list[SnapshotRow], after: list[SnapshotRow]) -> list[views.Movement]:
    """The headline figures whose shown value or status an ingestion changed."""
    old = {(r.metric_id, r.scope, r.window_days): r.result for r in before}
    moved = []
    for result in render.summary_results([r.result for r in after]):
        previous = old.get((result["id"], result["scope"], result.get("window_days")))
        shown = render.format_value(result)
        if previous is not None and render.format_value(previous) == shown and previous["status"] == result["status"]:
            continue
        if previous is None and result["status"] == "no_data":
            continue
        moved.append(
            views.Movement(
                title=render.title(result),
                before=render.format_value(previous) if previous else None,
                after=shown,
                status_before=previous["status"] if previous else None,
                status_after=result["status"],
            )
        )
    return moved


def _thread_ts(info: dict[str, Any], channel_id: str) -> str | None:
    """The timestamp of the message that shared the file in the channel, to reply in its thread."""
    for visibility in ("public", "private"):
        shares = (info.get("shares") or {}).get(visibility) or {}
        for share in shares.get(channel_id) or []:
            if share.get("ts"):
                return str(share["ts"])
    return None


class _Progress:
    """One message in the thread, posted once the file passes the row threshold and then updated."""

    def __init__(self, client: WebClient, channel: str, thread_ts: str | None, name: str, threshold: int) -> None:
        self.client, self.channel, self.thread_ts, self.name, self.threshold = (
            client,
            channel,
            thread_ts,
            name,
            threshold,
        )
        self.ts: str | None = None
        self.last = 0.0

    def __call__(self, rows: int) -> None:
        if rows < self.threshold or time.monotonic() - self.last < PROGRESS_EVERY:
            return
        self.last = time.monotonic()
        payload = views.progress(self.name, rows, None, None).payload()
        try:
            if self.ts is None:
                posted = self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, **payload)
                self.ts = posted["ts"]
            else:
                self.client.chat_update(channel=self.channel, ts=self.ts, **payload)
        except SlackApiError:  # progress is a courtesy: the ingestion goes on without it
            logger.warning("could not post progress for %s", self.name, exc_info=True)

    def finish(self, reply: Reply) -> None:
        payload = reply.payload()
        if self.ts is not None:
            self.client.chat_update(channel=self.channel, ts=self.ts, **payload)
        else:
            self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, **payload)


def on_file_shared(runtime: Runtime, *, client: WebClient, token: str, team_id: str, event: dict[str, Any]) -> None:
    """Handle one `file_shared` event (after Bolt has acknowledged it)."""
    file_id, channel_id = event["file_id"], event["channel_id"]
    user_id = event.get("user_id") or ""
    with runtime.sessions.begin() as session:
        if not claim_file(session=session, team_id=team_id, file_id=file_id, channel_id=channel_id, now=runtime.now()):
            logger.info("file %s of %s already claimed", file_id, team_id)
            return
    status, upload_id = "failed", None
    name, progress = file_id, None
    try:
        try:
            info = client.files_info(file=file_id)["file"]
        except SlackApiError as exc:
            error = exc.response.get("error")
            logger.info("files.info for %s refused: %s", file_id, error)
            # Deleted before we looked, or not visible to the bot: nothing to read, nobody to tell. Any
            # other refusal may pass: the claim stays open to the next event naming the file.
            status = "rejected" if error in GONE else "failed"
            return
        name = str(info.get("name") or file_id)
        progress = _Progress(client, channel_id, _thread_ts(info, channel_id), name, runtime.settings.progress_rows)
        size = int(info.get("size") or 0)
        limit = runtime.settings.max_upload_bytes
        if size > limit:
            status = "rejected"
            progress.finish(views.too_large(name, size, limit))
            return
        with tempfile.TemporaryDirectory(prefix="healthbot-") as scratch:
            path = Path(scratch) / "upload"
            try:
                download(
                    url=str(info.get("url_private_download") or ""),
                    token=token,
                    api_url=runtime.settings.slack_api_url,
                    dest=path,
                    max_bytes=limit,
                )
            except DownloadError as exc:
                progress.finish(views.download_failed(name, str(exc)))
                return
            received = receive(
                runtime,
                team_id=team_id,
                channel_id=channel_id,
                user_id=user_id,
                path=path,
                name=name,
                source="slack",
                progress=progress,
            )
        if received.result is not None:
            status, upload_id = received.result.status, received.result.upload_id
        progress.finish(received.reply)
    except OperationalError:
        # The database went away: nothing of the file was kept (one transaction). Say so in the thread;
        # the claim stays `processing`, so sharing the file again after STALE minutes reads it again.
        logger.warning("database unreachable while reading file %s", file_id, exc_info=True)
        if progress is not None:
            progress.finish(views.download_failed(name, UNREACHABLE))
        return
    finally:
        try:
            with runtime.sessions.begin() as session:
                finish_file(
                    session=session,
                    team_id=team_id,
                    file_id=file_id,
                    status=status,
                    upload_id=upload_id,
                    now=runtime.now(),
                )
        except OperationalError:
            logger.warning("could not record the outcome of file %s", file_id, exc_info=True)
