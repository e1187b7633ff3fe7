"""Posting what the clock sends: claimed once under its key, posted, and retried if Slack refused it.

A message is claimed (storage.outbox) before it is posted, in its own committed transaction, so a
second clock or a second tick finds the claim and posts nothing. If Slack refuses (after slack_sdk's
own retries of 429s and dropped connections), the claim is marked failed and the next tick's sweep
posts it again; a claim left pending by a process that died is swept the same way after a cutoff.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import OperationalError

from bot.blocks.reply import Reply
from bot.charts import chart_alt_text, trend_png
from bot.runtime import Runtime
from bot.slack_clients import Clients
from storage import models
from storage.outbox import claim, find, mark_failed, mark_sent, retake, to_retry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Chart:
    """A trend chart to upload into a message's thread (kept as data, drawn when posted)."""

    title: str
    points: list[tuple[str, float | None]]  # (ISO day, value)
    target: float | None
    lower_is_better: bool
    percent: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "points": self.points,
            "target": self.target,
            "lower_is_better": self.lower_is_better,
            "percent": self.percent,
        }


class Poster:
    def __init__(self, runtime: Runtime, clients: Clients) -> None:
        self.runtime, self.clients = runtime, clients

    def send(
        self,
        *,
        kind: str,
        workspace_id: int,
        target: str,
        period: str,
        reply: Reply | None = None,
        chart: Chart | None = None,
        direct: bool = False,
        thread_of: int | None = None,
    ) -> int | None:
        """Claim and post; returns the claim's id, or None when it was claimed before."""
        payload: dict[str, Any] = {"direct": direct}
        if reply is not None:
            payload["message"] = reply.payload()
        if chart is not None:
            payload["chart"] = chart.as_json()
        with self.runtime.sessions.begin() as session:
            claimed = claim(
                session=session,
                kind=kind,
                workspace_id=workspace_id,
                target=target,
                period=period,
                payload=payload,
                now=self.runtime.now(),
                thread_of=thread_of,
            )
            if claimed is None:
                return None
            message_id = claimed.id
        self._post(message_id)
        return message_id

    def send_each(
        self,
        *,
        kind: str,
        workspace_id: int,
        targets: list[tuple[str, bool]],
        period: str,
        reply: Reply,
    ) -> int:
        """`send` to each (target, direct) pair; returns how many were newly claimed and posted."""
        return sum(
            1
            for target, direct in targets
            if self.send(kind=kind, workspace_id=workspace_id, target=target, period=period, reply=reply, direct=direct)
            is not None
        )

    def claimed(self, *, kind: str, workspace_id: int, target: str, period: str) -> int | None:
        """The id of the message claimed under this key, if any."""
        with self.runtime.sessions.begin() as session:
            found = find(session=session, kind=kind, workspace_id=workspace_id, target=target, period=period)
            return found.id if found else None

    def sweep(self) -> int:
        """Record what Slack took while the database was away, then post again what failed or was
        abandoned; returns how many were tried."""
        self._record_unrecorded()
        now = self.runtime.now()
        with self.runtime.sessions.begin() as session:
            due = to_retry(session=session, now=now)
            session.expunge_all()
        tried = 0
        for message in due:
            with self.runtime.sessions.begin() as session:
                taken = retake(session=session, message=message, now=now)
            if taken:
                tried += 1
                try:
                    self._post(message.id)
                except OperationalError:
                    raise  # the database is away: the next tick sweeps again
                except Exception as exc:  # one bad message must not hold up the others behind it
                    logger.exception("retrying message %s failed", message.id)
                    self._failed(message.id, f"{type(exc).__name__}: {exc}")
        return tried

    def _record_unrecorded(self) -> None:
        unrecorded = self.clients.unrecorded
        while unrecorded:
            message_id, channel, ts = unrecorded[0]
            with self.runtime.sessions.begin() as session:
                mark_sent(session=session, message_id=message_id, channel=channel, ts=ts, now=self.runtime.now())
            unrecorded.pop(0)

    def _post(self, message_id: int) -> None:
        with self.runtime.sessions.begin() as session:
            message = session.get(models.OutboundMessage, message_id)
            assert message is not None
            workspace = session.get(models.Workspace, message.workspace_id)
            parent = session.get(models.OutboundMessage, message.thread_of) if message.thread_of else None
            session.expunge_all()
        client = self.clients.for_workspace(workspace) if workspace else None
        if client is None:
            self._failed(message_id, "no Slack token for this workspace")
            return
        try:
            channel, ts = self._deliver(client, message, parent)
        except (SlackApiError, SlackClientError, OSError) as exc:
            logger.warning("posting %s %s to %s failed: %s", message.kind, message.period, message.target, exc)
            self._failed(message_id, str(exc))
            return
        try:
            with self.runtime.sessions.begin() as session:
                mark_sent(session=session, message_id=message_id, channel=channel, ts=ts, now=self.runtime.now())
        except OperationalError:
            # Slack has it and the database cannot say so yet: kept in this process until it can, so that
            # the sweep never takes the claim for an abandoned one and posts it again.
            self.clients.unrecorded.append((message_id, channel, ts))
            raise

    def _deliver(
        self, client: WebClient, message: models.OutboundMessage, parent: models.OutboundMessage | None
    ) -> tuple[str, str]:
        payload = message.payload
        channel = message.target
        if payload.get("direct"):
            # A direct message goes to the app's DM with the user (im:write opens it).
            channel = client.conversations_open(users=message.target)["channel"]["id"]
        thread_ts = None
        if parent is not None:
            if parent.ts is None or parent.channel is None:
                raise SlackClientError("the message this one answers in a thread is not posted yet")
            channel, thread_ts = parent.channel, parent.ts
        if "chart" in payload:
            spec = payload["chart"]
            points = [(datetime.fromisoformat(day).date(), value) for day, value in spec["points"]]
            png = trend_png(
                spec["title"],
                points,
                target=spec["target"],
                lower_is_better=spec["lower_is_better"],
                percent=spec["percent"],
            )
            client.files_upload_v2(
                channel=channel,
                thread_ts=thread_ts,
                content=png,
                filename="trend.png",
                title=spec["title"],
                alt_txt=chart_alt_text(
                    spec["title"], points, spec["target"], spec["percent"], lower_is_better=spec["lower_is_better"]
                ),
            )
            return channel, thread_ts or ""
        posted = client.chat_postMessage(channel=channel, thread_ts=thread_ts, **payload["message"])
        return str(posted["channel"]), str(posted["ts"])

    def _failed(self, message_id: int, error: str) -> None:
        with self.runtime.sessions.begin() as session:
            mark_failed(session=session, message_id=message_id, error=error, now=self.runtime.now())
