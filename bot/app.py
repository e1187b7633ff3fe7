"""The Bolt app: `/health`, its buttons and `file_shared`, in either deployment shape.

One workspace: `SLACK_BOT_TOKEN` + `SLACK_SIGNING_SECRET` (HTTP) or + `SLACK_APP_TOKEN` (Socket Mode).
Several: `SLACK_CLIENT_ID` + `SLACK_CLIENT_SECRET`, with slack_sdk's SQLAlchemy installation and
OAuth state stores in healthbot's own database (their tables come with the migrations).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse, Respond
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, RetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.exc import OperationalError

from bot.actions import on_alert_button, on_message_button
from bot.blocks import ids
from bot.blocks.health import notice
from bot.blocks.reply import Reply
from bot.figures import refresh_day
from bot.health import Answer, Asker, answer, is_change
from bot.redact import install_redaction
from bot.runtime import Runtime
from bot.token_store import EncryptedInstallationStore, EncryptionKeyError
from bot.uploads import on_file_shared
from storage.inbox import claim_event, finish_event

logger = logging.getLogger(__name__)

UNREACHABLE = ":hourglass: healthbot cannot reach its database right now. Try again shortly."
# Slack caps command text far below this; a longer one is cut rather than parsed whole.
MAX_TEXT = 500

# What the app asks for at installation: manifest.yml's bot scopes (a test keeps them equal).
# im:write opens the DMs of alerts and reminders; files:write uploads the digest's trend chart.
BOT_SCOPES = ("commands", "chat:write", "files:read", "im:write", "files:write")


class ConfigError(Exception):
    """Settings that cannot start the app; the message says which variables to set."""


def retry_handlers() -> list[RetryHandler]:
    # Bolt's default client retries only connection errors; a 429 should wait for Retry-After, and a
    # 500/503 from Slack is usually gone a moment later.
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


def build_app(runtime: Runtime, *, token_verification: bool = True) -> App:
    """The app for the configured shape. `token_verification`: call auth.test now (single workspace)."""
    settings = runtime.settings
    if settings.slack_signing_secret is None:
        raise ConfigError("set SLACK_SIGNING_SECRET (the app's Basic Information page shows it)")
    secret = settings.slack_signing_secret.get_secret_value()
    install_redaction(
        s.get_secret_value()
        for s in (settings.slack_signing_secret, settings.slack_client_secret, settings.encryption_key)
        if s is not None
    )
    if runtime.multi_workspace:
        if settings.slack_client_secret is None or settings.slack_client_id is None:
            raise ConfigError("set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET together for several workspaces")
        client_id = settings.slack_client_id
        try:
            installations = EncryptedInstallationStore(
                client_id=client_id, engine=runtime.engine, key=settings.encryption_key
            )
        except EncryptionKeyError as exc:
            raise ConfigError(str(exc)) from None
        app = App(
            signing_secret=secret,
            client=WebClient(base_url=settings.slack_api_url, retry_handlers=retry_handlers()),
            installation_store=installations,
            oauth_settings=OAuthSettings(
                client_id=client_id,
                client_secret=settings.slack_client_secret.get_secret_value(),
                scopes=list(BOT_SCOPES),
                installation_store=installations,
                state_store=SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=runtime.engine),
            ),
        )
        app.enable_token_revocation_listeners()
    else:
        if settings.slack_bot_token is None:
            raise ConfigError("set SLACK_BOT_TOKEN (xoxb-...) for one workspace, or SLACK_CLIENT_ID/SECRET for several")
        client = WebClient(
            token=settings.slack_bot_token.get_secret_value(),
            base_url=settings.slack_api_url,
            retry_handlers=retry_handlers(),
        )
        app = App(client=client, signing_secret=secret, token_verification_enabled=token_verification)
        app.middleware(_installed_team_only)
    app.middleware(_once_per_event(runtime))
    _listen(app, runtime)
    return app


def _installed_team_only(context: BoltContext, next: Any) -> BoltResponse | None:
    """One workspace: a request from any other team gets nothing (the bot token is not theirs)."""
    installed = context.authorize_result.team_id if context.authorize_result else None
    if installed and context.team_id and context.team_id != installed:
        logger.warning("request from team %s, which did not install the app: ignored", context.team_id)
        return BoltResponse(status=200, body="")
    next()
    return None


def _once_per_event(runtime: Runtime) -> Any:
    """An event redelivered by Slack (same event id) is acknowledged and dropped."""

    def middleware(body: dict[str, Any], context: BoltContext, next: Any) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            with runtime.sessions.begin() as session:
                claimed = claim_event(
                    session=session, team_id=context.team_id or "", event_id=event_id, now=runtime.now()
                )
            if not claimed:
                logger.info("event %s already processed or in progress: dropped", event_id)
                return BoltResponse(status=200, body="")
        next()
        return None

    return middleware


def _reply(answer_: Answer) -> dict[str, Any]:
    return {"response_type": "in_channel" if answer_.public else "ephemeral", **answer_.reply.payload()}


def _clicked_by(body: dict[str, Any], context: BoltContext) -> Asker:
    """Who clicked a button, and where (an interaction payload's user and channel)."""
    channel = (body.get("channel") or {}).get("id", "")
    return Asker(context.team_id or "", channel, (body.get("user") or {}).get("id", ""))


def _safely(what: str, work: Callable[[], Answer]) -> tuple[Answer, bool]:
    """The answer `work` makes, or a notice a user can act on; True when `work` answered.

    Whatever fails, the user gets words, never a stack trace: "try again shortly" when the database is
    away (it recovers by itself), otherwise that the error is logged.
    """
    try:
        return work(), True
    except OperationalError:
        logger.warning("%s: the database is unreachable", what, exc_info=True)
        return Answer(notice(UNREACHABLE)), False
    except Exception:
        logger.exception("%s failed", what)
        return Answer(notice(":warning: healthbot could not answer that; the error is logged.")), False


def _listen(app: App, runtime: Runtime) -> None:
    @app.command("/health")
    def health(ack: Ack, command: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        asker = Asker(context.team_id or "", command.get("channel_id", ""), command.get("user_id", ""))
        text = (command.get("text") or "")[:MAX_TEXT]
        # A change of settings writes: on SQLite it waits for an ingestion's write to end. It is
        # acknowledged at once and answered through the response URL, never past Slack's 3 seconds.
        writes = is_change(text)
        if writes:
            ack(**notice(":hourglass_flowing_sand: Saving...").payload())
        given, _ = _safely("/health", lambda: answer(runtime, asker, text))
        if writes:
            respond(replace_original=True, **_reply(given))
        else:
            ack(**_reply(given))
        if given.recompute is not None:
            refresh_day(runtime, given.recompute)

    def button(public: bool) -> Any:
        """Details and Share: the answer to the button's command, beside the message or in the channel."""

        def handler(
            ack: Ack, action: dict[str, Any], body: dict[str, Any], context: BoltContext, respond: Respond
        ) -> None:
            ack()
            asker = _clicked_by(body, context)
            text = str(action.get("value") or "")[:MAX_TEXT]
            given, ok = _safely("button", lambda: answer(runtime, asker, text))
            respond(replace_original=False, **_reply(Answer(given.reply, public=public and ok)))

        return handler

    app.action(ids.DETAIL)(button(public=False))
    app.action(ids.SHARE)(button(public=True))

    def replacing(handle: Callable[[Runtime, Asker, str, str], Reply]) -> Any:
        """A button on a message the clock sent: the answer replaces that message's buttons."""

        def handler(
            ack: Ack, action: dict[str, Any], body: dict[str, Any], context: BoltContext, respond: Respond
        ) -> None:
            ack()
            asker = _clicked_by(body, context)
            given, ok = _safely(
                "button",
                lambda: Answer(handle(runtime, asker, action.get("action_id", ""), str(action.get("value") or ""))),
            )
            # A failure leaves the message and its buttons in place, to be clicked again.
            respond(replace_original=ok, **given.reply.payload())

        return handler

    for action_id in (ids.SNOOZE_DAY, ids.SNOOZE_MONDAY, ids.MUTE):
        app.action(action_id)(replacing(on_alert_button))
    for action_id in (ids.REPLIED, ids.NO_RESPONSE):
        app.action(action_id)(replacing(on_message_button))

    @app.event("file_shared")
    def file_shared(event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        team_id = context.team_id or ""
        ok = False
        try:
            on_file_shared(runtime, client=client, token=context.bot_token or "", team_id=team_id, event=event)
            ok = True
        finally:
            with runtime.sessions.begin() as session:
                finish_event(session=session, team_id=team_id, event_id=body.get("event_id", ""), ok=ok)
