"""healthbot's Bolt app served by a real HTTP server on localhost, pointed at a FakeSlack."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import build_app
from bot.config import Settings
from bot.runtime import Runtime
from tests.bot.fakeslack import FakeSlack
from tests.bot.slack_requests import SlackSender

SIGNING_SECRET = "test-signing-secret"


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
