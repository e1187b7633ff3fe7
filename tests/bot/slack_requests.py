"""Requests to the app as Slack sends them: slash commands, events and button clicks, signed (slack.md §5, §6).

Each ``build_*`` method returns ``(body, headers)`` without sending anything, so a test can check the signature or
hand the pair to ``BoltRequest``; the matching plain method POSTs it to the app with httpx.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from tests.bot.fakeslack import FakeSlack

__all__ = ["SlackSender"]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Port 9 (discard) refuses connections: a response_url nobody set must never reach a real host.
_NOWHERE = "http://127.0.0.1:9/commands/T0TEST/unset"


class SlackSender:
    """Sends signed Slack requests to one app URL (e.g. ``http://127.0.0.1:PORT/slack/events``)."""

    api_app_id = "A0APP"
    team_domain = "test"
    # The legacy verification token; Bolt ignores it but Slack still sends it.
    verification_token = "legacy-verification-token"

    def __init__(
        self, app_url: str, signing_secret: str, *, team_id: str = "T0TEST", fake: FakeSlack | None = None
    ) -> None:
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.fake = fake
        self.timeout = 10.0  # above Bolt's 3 s ack window, so a slow ack fails on its status, not a timeout
        self._counter = itertools.count(1)

    # -- signing -------------------------------------------------------------------------------------------------

    def sign(self, body: bytes, timestamp: int, *, secret: str | None = None) -> str:
        """``v0=`` + hex HMAC-SHA256 over ``v0:{timestamp}:{body}``, computed by slack_sdk as Bolt verifies it."""
        signature = SignatureVerifier(secret or self.signing_secret).generate_signature(
            timestamp=str(timestamp), body=body
        )
        assert signature is not None  # only None without a timestamp
        return signature

    def signed_headers(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, str]:
        """Slack's headers for ``body``; ``timestamp`` (e.g. now - 301) and ``secret`` let a test forge bad ones."""
        ts = int(time.time()) if timestamp is None else timestamp
        signed = {
            "content-type": content_type,
            "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "x-slack-request-timestamp": str(ts),
            "x-slack-signature": self.sign(body, ts, secret=secret),
        }
        signed.update({k.lower(): v for k, v in (headers or {}).items()})
        return signed

    def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        """POST an already built request to the app."""
        return httpx.post(self.app_url, content=body, headers=headers, timeout=self.timeout)

    # -- slash commands ------------------------------------------------------------------------------------------

    def build_command(
        self,
        text: str,
        *,
        user_id: str = "U123",
        channel_id: str = "C123",
        team_id: str | None = None,
        response_url: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
        command: str = "/health",
    ) -> tuple[bytes, dict[str, str]]:
        """A form-encoded ``/health`` payload, as in bolt-python's ``tests/scenario_tests/test_slash_command.py``."""
        fields = {
            "token": self.verification_token,
            "team_id": team_id or self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": "directmessage" if channel_id.startswith("D") else "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url or self._default_response_url(),
            "trigger_id": self._trigger_id(),
        }
        body = urlencode(fields).encode()
        return body, self.signed_headers(body, FORM, timestamp=timestamp, secret=secret, headers=headers)

    def command(
        self,
        text: str,
        *,
        user_id: str = "U123",
        channel_id: str = "C123",
        team_id: str | None = None,
        response_url: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send ``/health <text>``; the reply's ``response_url`` defaults to ``fake.response_url()``."""
        return self.post(
            *self.build_command(
                text,
                user_id=user_id,
                channel_id=channel_id,
                team_id=team_id,
                response_url=response_url,
                timestamp=timestamp,
                secret=secret,
                headers=headers,
            )
        )

    # -- events --------------------------------------------------------------------------------------------------

    def build_event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        team_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """An ``event_callback`` envelope around ``event``; ``retry_num`` adds Slack's redelivery headers."""
        team = team_id or self.team_id
        envelope = {
            "token": self.verification_token,
            "team_id": team,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or self.new_event_id(),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team,
                    "user_id": self.fake.bot_user_id if self.fake else "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        extra = dict(headers or {})
        if retry_num is not None:
            extra.update({"x-slack-retry-num": str(retry_num), "x-slack-retry-reason": retry_reason})
        body = json.dumps(envelope).encode()
        return body, self.signed_headers(body, JSON, timestamp=timestamp, secret=secret, headers=extra)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        team_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Deliver ``event``; pass the same ``event_id`` with ``retry_num=1`` to simulate Slack's redelivery."""
        return self.post(
            *self.build_event(
                event,
                event_id=event_id,
                team_id=team_id,
                retry_num=retry_num,
                retry_reason=retry_reason,
                timestamp=timestamp,
                secret=secret,
                headers=headers,
            )
        )

    def file_shared_event(self, file_id: str, *, channel_id: str = "C123", user_id: str = "U123") -> dict[str, Any]:
        """The ``file_shared`` event exactly as Slack sends it: only ids, the rest comes from ``files.info``."""
        return {
            "type": "file_shared",
            "channel_id": channel_id,
            "file_id": file_id,
            "user_id": user_id,
            "file": {"id": file_id},
            "event_ts": self._event_ts(),
        }

    def file_shared(
        self, file_id: str, *, channel_id: str = "C123", user_id: str = "U123", **kw: Any
    ) -> httpx.Response:
        """Deliver ``file_shared``; ``kw`` goes to :meth:`event` (event_id, retry_num, timestamp, secret…)."""
        return self.event(self.file_shared_event(file_id, channel_id=channel_id, user_id=user_id), **kw)

    # -- interactions --------------------------------------------------------------------------------------------

    def build_action(
        self,
        action_id: str,
        value: str,
        *,
        user_id: str = "U123",
        channel_id: str = "C123",
        response_url: str | None = None,
        team_id: str | None = None,
        block_id: str = "actions",
        message: dict[str, Any] | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A ``block_actions`` button click, form-encoded as ``payload=<json>``.

        Without ``message`` the button sat on an ephemeral message (as after ``respond()``), which Slack describes
        only by its container; with it, the payload carries the message as Slack does for posted ones.
        """
        team = team_id or self.team_id
        message_ts = str(message.get("ts")) if message and message.get("ts") else self._event_ts()
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team},
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": message is None,
            },
            "trigger_id": self._trigger_id(),
            "team": {"id": team, "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": "general"},
            "state": {"values": {}},
            "response_url": response_url or self._default_response_url(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": {"type": "plain_text", "text": action_id, "emoji": True},
                    "value": value,
                    "action_ts": self._event_ts(),
                }
            ],
        }
        if message is not None:
            payload["message"] = message
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return body, self.signed_headers(body, FORM, timestamp=timestamp, secret=secret, headers=headers)

    def action(
        self,
        action_id: str,
        value: str,
        *,
        user_id: str = "U123",
        channel_id: str = "C123",
        response_url: str | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """Click a button; ``kw`` goes to :meth:`build_action` (team_id, block_id, message, timestamp, secret…)."""
        return self.post(
            *self.build_action(
                action_id, value, user_id=user_id, channel_id=channel_id, response_url=response_url, **kw
            )
        )

    # -- helpers -------------------------------------------------------------------------------------------------

    def new_event_id(self) -> str:
        """A fresh ``Ev…`` id; reuse one across calls to simulate a redelivery."""
        return "Ev" + uuid.uuid4().hex[:10].upper()

    def _default_response_url(self) -> str:
        return self.fake.response_url() if self.fake else _NOWHERE

    def _trigger_id(self) -> str:
        return f"{next(self._counter)}.{int(time.time())}.{uuid.uuid4().hex}"

    def _event_ts(self) -> str:
        return f"{time.time():.6f}"
