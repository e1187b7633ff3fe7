"""The Web API client for a workspace, outside a request (the clock has no Bolt context)."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.app import ConfigError, retry_handlers
from bot.redact import install_redaction
from bot.runtime import Runtime
from bot.token_store import EncryptedInstallationStore, EncryptionKeyError
from storage import models


class Clients:
    """One client per workspace: the bot token (one workspace) or the team's installation (OAuth)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._cache: dict[str, WebClient] = {}
        # (outbound message id, channel, ts) that Slack accepted while the database could not record
        # it: kept for the process's life (the clock's), recorded by the next tick's sweep.
        self.unrecorded: list[tuple[int, str, str]] = []
        settings = runtime.settings
        # The clock never builds the app, so it installs the log redaction itself.
        install_redaction(s.get_secret_value() for s in (settings.slack_client_secret, settings.encryption_key) if s)
        self._store: EncryptedInstallationStore | None = None
        if runtime.multi_workspace and settings.slack_client_id:
            try:
                self._store = EncryptedInstallationStore(
                    client_id=settings.slack_client_id, engine=runtime.engine, key=settings.encryption_key
                )
            except EncryptionKeyError as exc:
                raise ConfigError(str(exc)) from None

    def for_workspace(self, workspace: models.Workspace) -> WebClient | None:
        """None when the workspace has no way to reach Slack (the local one without a token)."""
        settings = self.runtime.settings
        if self._store is None:
            if settings.slack_bot_token is None:
                return None
            token = settings.slack_bot_token.get_secret_value()
        else:
            bot = self._store.find_bot(enterprise_id=None, team_id=workspace.slack_team_id)
            if bot is None:
                return None
            token = bot.bot_token
        client = self._cache.get(token)
        if client is None:
            client = WebClient(token=token, base_url=settings.slack_api_url, retry_handlers=retry_handlers())
            self._cache[token] = client
        return client
