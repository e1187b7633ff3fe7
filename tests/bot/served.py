"""healthbot's Bolt app served by a real HTTP server on localhost, pointed at a FakeSlack."""

from __future__ import annotations

import itertools
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.oauth.installation_store import Installation, InstallationStore
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import build_app
from bot.config import Settings
from bot.health import is_change
from bot.runtime import Runtime
from tests.bot.fakeslack import FakeSlack
from tests.bot.slack_requests import SlackSender

SIGNING_SECRET = "test-signing-secret"
_said = itertools.count(1)


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's default backlog of 5 resets a burst of connections


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Served:
    runtime: Runtime
    url: str  # the events URL, http://127.0.0.1:PORT/slack/events
    sender: SlackSender
    fake: FakeSlack

    def say(self, text: str, **kw: Any) -> dict[str, Any]:
        """`/health <text>` as a user sees its answer: the acknowledgement, or for a change of settings
        (acknowledged at once with "Saving...") what follows through the response URL."""
        name = f"say-{next(_said)}"
        url = self.fake.response_url(name)
        response = self.sender.command(text, response_url=url, **kw)
        assert response.status_code == 200, response.text
        if not is_change(text):
            answered: dict[str, Any] = response.json()
            return answered
        assert "Saving" in response.text
        self.fake.wait_for(url)
        posted: dict[str, Any] = self.fake.responses(name)[-1]
        return posted


def slack_settings(fake: FakeSlack, database_url: str, **extra: str) -> Settings:
    """Settings as the environment would give them (variable names), for one workspace by default."""
    values = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": fake.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "HEALTHBOT_PROGRESS_ROWS": "1000",
        **extra,
    }
    return Settings.model_validate(values)


@contextmanager
def serve(
    fake: FakeSlack,
    engine: Engine,
    sessions: sessionmaker[Session],
    database_url: str,
    now: Callable[[], datetime],
    **settings: str,
) -> Iterator[Served]:
    """The app under a threaded WSGI server, as gunicorn would run it, until the block ends."""
    runtime = Runtime(
        settings=slack_settings(fake, database_url, **settings), engine=engine, sessions=sessions, now=now
    )
    app = build_app(runtime)
    server = make_server(
        "127.0.0.1", 0, SlackRequestHandler(app), server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/slack/events"
    try:
        yield Served(runtime, url, SlackSender(url, SIGNING_SECRET, team_id=fake.team_id, fake=fake), fake)
    finally:
        server.shutdown()
        server.server_close()


def wait_until(sessions: sessionmaker[Session], query: Callable[[Session], bool], timeout: float = 10.0) -> None:
    """Poll the database until `query` holds: listeners finish after Slack's acknowledgement."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        with sessions.begin() as session:
            if query(session):
                return
        assert time.monotonic() < deadline, "the listener did not finish in time"
        time.sleep(0.02)


# The multi-workspace (OAuth) shape: no single bot token, the app's client id and secret.
CLIENT_ID = "C1.2"
OAUTH = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "client-secret-0123456789abcdef"}


def install_team(
    fake: FakeSlack, store: InstallationStore, *, team_id: str, token: str, bot_id: str, bot_user_id: str
) -> None:
    """A team's installation, as the OAuth flow would save it, and the team in the fake Slack."""
    fake.add_workspace(token, team_id, bot_user_id=bot_user_id)
    store.save(
        Installation(
            app_id="A0APP",
            team_id=team_id,
            bot_token=token,
            bot_id=bot_id,
            bot_user_id=bot_user_id,
            bot_scopes=["commands", "chat:write", "files:read"],
            user_id="U123",
        )
    )
