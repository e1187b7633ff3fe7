"""The HTTP shape: a WSGI app for a production server (Procfile `web`), any number of copies.

    gunicorn --bind :$PORT --workers 2 --threads 8 "bot.web:create_app()"

Slack posts commands, button clicks and events to /slack/events (with OAuth, /slack/install and
/slack/oauth_redirect are served too). Nothing is kept in a process's memory between requests:
claims on events and files live in the database, so copies never process a delivery twice.
"""

from __future__ import annotations

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.app import build_app
from bot.config import Settings
from bot.runtime import Runtime


class WebApp(SlackRequestHandler):
    """Bolt's WSGI adapter, holding the runtime so that its database connections can be closed."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(build_app(runtime))
        self.runtime = runtime

    def close(self) -> None:
        self.runtime.engine.dispose()


def create_app(settings: Settings | None = None) -> WebApp:
    """The WSGI application (a factory, so that gunicorn builds it in each worker)."""
    return WebApp(Runtime.open(settings or Settings()))
