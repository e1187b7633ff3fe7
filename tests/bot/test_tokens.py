"""Secrets: installation tokens encrypted at rest, removed on uninstall, and never in a log or a reply.

Driven as Slack drives the app (signed requests to a served app, a fake Slack), on SQLite or PostgreSQL.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.app import ConfigError, build_app
from bot.redact import REDACTED, redact
from bot.runtime import Runtime
from bot.token_store import PREFIX, EncryptedInstallationStore, TokenDecryptError
from storage.demo.generate import write_demo_data
from tests.bot.fakeslack import FakeSlack
from tests.bot.served import CLIENT_ID, OAUTH, SIGNING_SECRET, Served, install_team, serve, slack_settings
from tests.conftest import NOW

CLIENT_SECRET = OAUTH["SLACK_CLIENT_SECRET"]
KEY = Fernet.generate_key().decode()


def _now() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_demo_data(tmp_path_factory.mktemp("demo"), orders=200, seed=5, as_of=NOW.date())


def _oauth(fake: FakeSlack, engine: Engine, sessions: sessionmaker[Session], database_url: str, **extra: str) -> Any:
    return serve(fake, engine, sessions, database_url, _now, **OAUTH, **extra)


def _install(fake: FakeSlack, engine: Engine, key: str | None) -> None:
    """The other team's installation, as the OAuth flow would save it."""
    store = EncryptedInstallationStore(client_id=CLIENT_ID, engine=engine, key=SecretStr(key) if key else None)
    install_team(
        fake,
        store,
        team_id=fake.other_team_id,
        token=fake.other_token,
        bot_id=fake.other_bot_id,
        bot_user_id=fake.other_bot_user_id,
    )


def _stored(engine: Engine, table: str, column: str = "bot_token") -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(f"SELECT {column} FROM {table}")).scalars())


def _wait_until(check: Any, timeout: float = 10.0) -> None:
    """Event listeners run after Slack's request is acknowledged: poll for their effect."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# --- encryption at rest ---------------------------------------------------------------------------


def test_with_a_key_no_token_is_stored_in_plaintext_and_the_app_still_answers(
    fake: FakeSlack, engine: Engine, sessions: sessionmaker[Session], database_url: str
) -> None:
    _install(fake, engine, KEY)
    for table in ("slack_bots", "slack_installations"):
        (stored,) = _stored(engine, table)
        assert stored.startswith(PREFIX) and "xoxb-" not in stored
    with _oauth(fake, engine, sessions, database_url, HEALTHBOT_ENCRYPTION_KEY=KEY) as app:
        # Bolt authorized the team with the decrypted token: without it the team gets no answer.
        reply = app.sender.command("odr", team_id=fake.other_team_id)
        assert reply.status_code == 200 and "upload" in reply.text.lower()


def test_without_a_key_the_store_is_slack_sdks_own(
    fake: FakeSlack, engine: Engine, sessions: sessionmaker[Session], database_url: str
) -> None:
    _install(fake, engine, None)
    assert _stored(engine, "slack_bots") == [fake.other_token]
    with _oauth(fake, engine, sessions, database_url) as app:
        assert "upload" in app.sender.command("odr", team_id=fake.other_team_id).text.lower()


def test_rows_saved_before_the_key_was_set_still_load(fake: FakeSlack, engine: Engine) -> None:
    _install(fake, engine, None)
    store = EncryptedInstallationStore(client_id=CLIENT_ID, engine=engine, key=SecretStr(KEY))
    bot = store.find_bot(enterprise_id=None, team_id=fake.other_team_id)
    assert bot is not None and bot.bot_token == fake.other_token


def test_real_token_lengths_fit_the_columns_and_longer_ones_are_refused(engine: Engine) -> None:
    store = EncryptedInstallationStore(client_id=CLIENT_ID, engine=engine, key=SecretStr(KEY))
    # Slack's lengths today: a bot token, a user token and an incoming webhook's URL (PostgreSQL checks VARCHAR(200)).
    bot_token = "xoxb-1234567890123-1234567890123-" + "a" * 24
    user_token = "xoxp-1234567890123-1234567890123-1234567890123-" + "b" * 32
    webhook = "https://hooks.slack.com/services/T0123456789/B0123456789/" + "c" * 24
    installation = Installation(
        app_id="A0APP",
        team_id="T0LONG",
        bot_token=bot_token,
        bot_id="B1",
        bot_user_id="U1",
        user_id="U2",
        user_token=user_token,
        incoming_webhook_url=webhook,
    )
    store.save(installation)
    found = store.find_installation(enterprise_id=None, team_id="T0LONG")
    assert found is not None
    assert (found.bot_token, found.user_token, found.incoming_webhook_url) == (bot_token, user_token, webhook)
    assert all(len(v) <= 200 for v in _stored(engine, "slack_installations", "incoming_webhook_url"))
    # Token rotation's tokens are far longer: refused whole, with the reason, rather than half-stored.
    installation.bot_refresh_token = "xoxe-1-" + "d" * 140
    with pytest.raises(Exception, match="too long to store encrypted"):
        store.save(installation)


def test_a_wrong_key_is_a_clear_error_at_startup(
    fake: FakeSlack, engine: Engine, sessions: sessionmaker[Session], database_url: str
) -> None:
    settings = slack_settings(
        fake,
        database_url,
        SLACK_BOT_TOKEN="",
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        HEALTHBOT_ENCRYPTION_KEY="not-a-fernet-key",
    )
    with pytest.raises(ConfigError) as raised:
        build_app(Runtime(settings=settings, engine=engine, sessions=sessions, now=_now))
    message = str(raised.value)
    assert "HEALTHBOT_ENCRYPTION_KEY" in message and "Fernet.generate_key()" in message
    assert "not-a-fernet-key" not in message


def test_tokens_sealed_under_another_key_are_a_clear_error(fake: FakeSlack, engine: Engine) -> None:
    _install(fake, engine, KEY)
    other = EncryptedInstallationStore(
        client_id=CLIENT_ID, engine=engine, key=SecretStr(Fernet.generate_key().decode())
    )
    with pytest.raises(TokenDecryptError, match="another HEALTHBOT_ENCRYPTION_KEY"):
        other.find_bot(enterprise_id=None, team_id=fake.other_team_id)
    unkeyed = EncryptedInstallationStore(client_id=CLIENT_ID, engine=engine)
    with pytest.raises(TokenDecryptError, match="set HEALTHBOT_ENCRYPTION_KEY"):
        unkeyed.find_bot(enterprise_id=None, team_id=fake.other_team_id)


# --- uninstall --------------------------------------------------------------------------------------


def _team_rows(engine: Engine, table: str, team_id: str) -> list[Any]:
    with engine.connect() as conn:
        query = text(f"SELECT bot_token FROM {table} WHERE team_id = :team")
        return list(conn.execute(query, {"team": team_id}).scalars())


@pytest.mark.parametrize("key", [KEY, None], ids=["encrypted", "plain"])
def test_app_uninstalled_removes_the_teams_tokens(
    fake: FakeSlack, engine: Engine, sessions: sessionmaker[Session], database_url: str, key: str | None
) -> None:
    _install(fake, engine, key)
    _install_another_team(engine)
    extra = {"HEALTHBOT_ENCRYPTION_KEY": key} if key else {}
    with _oauth(fake, engine, sessions, database_url, **extra) as app:
        response = app.sender.event({"type": "app_uninstalled"}, team_id=fake.other_team_id)
        assert response.status_code == 200
        _wait_until(lambda: not _team_rows(engine, "slack_installations", fake.other_team_id))
        _wait_until(lambda: not _team_rows(engine, "slack_bots", fake.other_team_id))
        # Another team's installation stays.
        assert _team_rows(engine, "slack_bots", "T0KEEP")
        # The uninstalled team is not answered any more.
        assert "upload" not in app.sender.command("odr", team_id=fake.other_team_id).text.lower()


def test_tokens_revoked_for_the_bot_removes_the_bot_token(
    fake: FakeSlack, engine: Engine, sessions: sessionmaker[Session], database_url: str
) -> None:
    _install(fake, engine, KEY)
    with _oauth(fake, engine, sessions, database_url, HEALTHBOT_ENCRYPTION_KEY=KEY) as app:
        event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [fake.other_bot_user_id]}}
        assert app.sender.event(event, team_id=fake.other_team_id).status_code == 200
        _wait_until(lambda: not _team_rows(engine, "slack_bots", fake.other_team_id))
        # The installation row's copy of the bot token goes too: Bolt authorizes with that row.
        _wait_until(lambda: _team_rows(engine, "slack_installations", fake.other_team_id) == [None])
        assert "upload" not in app.sender.command("odr", team_id=fake.other_team_id).text.lower()


def _install_another_team(engine: Engine) -> None:
    EncryptedInstallationStore(client_id=CLIENT_ID, engine=engine).save(
        Installation(app_id="A0APP", team_id="T0KEEP", bot_token="xoxb-keep", bot_id="B2", user_id="U9")
    )


# --- logs and replies -------------------------------------------------------------------------------


def test_redact_hides_every_kind_of_slack_token() -> None:
    for token in ("xoxb-1-2-abc", "xoxp-1-2-3-abc", "xoxe.xoxb-1-abc", "xoxe-1-abc", "xapp-1-A1-1-abc"):
        assert redact(f"token={token}&x=1") == f"token={REDACTED}&x=1"


def _oauth_install(app: Served) -> httpx.Response:
    """The install button, then Slack's redirect back with a code: the app exchanges it via oauth.v2.access."""
    base = app.url.removesuffix("/slack/events")
    page = httpx.get(f"{base}/slack/install", timeout=10)
    assert page.status_code == 200
    state = page.cookies["slack-app-oauth-state"]
    return httpx.get(
        f"{base}/slack/oauth_redirect",
        params={"code": "the-code", "state": state},
        cookies={"slack-app-oauth-state": state},
        timeout=10,
    )


def test_no_secret_reaches_a_log_record_or_a_reply(
    fake: FakeSlack,
    engine: Engine,
    sessions: sessionmaker[Session],
    database_url: str,
    exports: list[Path],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)  # the root: slack_bolt, slack_sdk, httpx, urllib and healthbot all inherit it
    secrets = {"bot token": fake.other_token, "signing secret": SIGNING_SECRET, "client secret": CLIENT_SECRET}
    secrets["encryption key"] = KEY
    replies: list[str] = []
    with _oauth(fake, engine, sessions, database_url, HEALTHBOT_ENCRYPTION_KEY=KEY) as app:
        installed = _oauth_install(app)
        assert installed.status_code == 200, installed.text
        replies.append(installed.text)
        assert _stored(engine, "slack_bots")[0].startswith(PREFIX)
        sender = app.sender
        # A command, an upload shared in Slack, a forged request, a Slack error and a failing command.
        replies.append(sender.command("odr", team_id=fake.other_team_id).text)
        feedback = next(p for p in exports if p.name.startswith("feedback"))
        fake.add_file("F1", feedback.name, feedback.read_bytes(), team_id=fake.other_team_id)
        assert sender.file_shared("F1", team_id=fake.other_team_id).status_code == 200
        fake.wait_for("chat.postMessage")
        forged = sender.command("odr", team_id=fake.other_team_id, secret="not-the-signing-secret")
        assert forged.status_code == 401
        replies.append(forged.text)
        fake.fail_next("files.info", "invalid_auth")
        fake.add_file("F2", feedback.name, feedback.read_bytes(), team_id=fake.other_team_id)
        sender.file_shared("F2", team_id=fake.other_team_id)
        _wait_until(lambda: any("files.info for F2 refused" in r.getMessage() for r in caplog.records))

        def failing(*args: Any) -> Any:
            # As a library error may quote what it was given: the traceback must not carry it to the log.
            raise RuntimeError(f"cannot use {fake.other_token} with {SIGNING_SECRET}")

        monkeypatch.setattr("bot.app.answer", failing)
        replies.append(sender.command("odr", team_id=fake.other_team_id).text)  # logged before the ack
    # The test would prove nothing if the libraries had logged nothing at DEBUG.
    assert any(r.name.startswith("slack_sdk") and r.levelno == logging.DEBUG for r in caplog.records)
    assert any(r.name.startswith("slack_bolt") for r in caplog.records)
    assert any("/health failed" in r.getMessage() for r in caplog.records)
    # slack_sdk logs oauth.v2.access's response whole, access_token included: redacted on our side.
    assert any(REDACTED in r.getMessage() for r in caplog.records)
    to_slack = [c.body.decode("utf-8", "replace") for c in fake.calls if not c.path.endswith("oauth.v2.access")]
    for name, secret in secrets.items():
        for record in caplog.records:
            shown = " ".join([record.getMessage(), record.exc_text or "", record.stack_info or ""])
            assert secret not in shown, f"the {name} is in a {record.name} log record"
        assert secret not in caplog.text, f"the {name} is in the formatted log"
        assert not [r for r in replies if secret in r], f"the {name} is in a reply"
        assert not [b for b in to_slack if secret in b], f"the {name} was sent to Slack"
