"""The Procfile's processes start from the environment alone, as a platform runs them."""

from __future__ import annotations

import threading
from pathlib import Path
from wsgiref.simple_server import make_server

import pytest

from bot.cli import main
from bot.web import create_app
from tests.bot.fakeslack import FakeSlack
from tests.bot.served import QuietHandler, ThreadingWSGIServer
from tests.bot.slack_requests import SlackSender

ROOT = Path(__file__).resolve().parents[2]


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_procfile_names_the_web_app_and_the_clock() -> None:
    processes = _procfile()
    assert '"bot.web:create_app()"' in processes["web"] and processes["web"].startswith("gunicorn ")
    assert processes["clock"] == "healthbot clock"


def test_the_web_app_built_from_the_environment_answers_signed_commands(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeSlack() as fake:
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("SLACK_BOT_TOKEN", fake.token)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "web-secret")
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
        web = create_app()
        server = make_server("127.0.0.1", 0, web, server_class=ThreadingWSGIServer, handler_class=QuietHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            sender = SlackSender(f"http://127.0.0.1:{server.server_port}/slack/events", "web-secret", fake=fake)
            reply = sender.command("help")
            assert reply.status_code == 200 and "digest" in reply.text
            assert sender.command("help", secret="wrong").status_code == 401
        finally:
            server.shutdown()
            server.server_close()
            web.close()
        assert fake.calls_to("auth.test")  # the bot token was checked against (fake) Slack at start


def test_run_without_an_app_token_says_what_to_set(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["run"]) == 2
    assert "SLACK_APP_TOKEN" in capsys.readouterr().err
