"""The Web API client for a workspace, outside a request (the clock has no Bolt context)."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot.app import retry_handlers
from bot.runtime import Runtime
from storage import models


class Clients:
    """One client per workspace: the bot token (one workspace) or the team's installation (OAuth)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._cache: dict[str, WebClient] = {}
        settings = runtime.settings
        self._store = (
            SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=runtime.engine)
            if runtime.multi_workspace and settings.slack_client_id
            else None
        )

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
