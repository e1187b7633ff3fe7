"""Other tenants and odd inputs: nothing from one workspace or channel reaches another's data, and
every strange request gets a clear answer or is ignored, never a stack trace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import ids
from storage import models
from storage.queries import add_account, get_or_create_workspace
from storage.team import bind_channel
from tests.bot.fakeslack import FakeSlack
from tests.bot.served import CLIENT_ID, OAUTH, Served, install_team, serve, wait_until
from tests.bot.test_slack_app import _export, _ingest, _now, _text_of
from tests.conftest import NOW


def _install(engine: Engine, fake: FakeSlack, team_id: str, token: str, bot_user: str) -> None:
    store = SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=engine)
    install_team(fake, store, team_id=team_id, token=token, bot_id=f"B{team_id}", bot_user_id=bot_user)


@pytest.fixture
def two_teams(
    fake: FakeSlack, engine: Engine, sessions: sessionmaker[Session], database_url: str, exports: list[Path]
) -> Iterator[tuple[Served, dict[str, models.Account]]]:
    """Two installed workspaces, each with its own account and data."""
    _install(engine, fake, fake.team_id, fake.token, fake.bot_user_id)
    _install(engine, fake, fake.other_team_id, fake.other_token, fake.other_bot_user_id)
    accounts = {}
    with sessions.begin() as session:
        for team, name in ((fake.team_id, "alpha-us"), (fake.other_team_id, "beta-us")):
            workspace = get_or_create_workspace(session=session, slack_team_id=team, name=team, now=NOW)
            accounts[team] = add_account(
                session=session, workspace_id=workspace.id, name=name, marketplace="US", now=NOW
            )
    _ingest(sessions, accounts[fake.team_id], exports)
    with serve(fake, engine, sessions, database_url, _now, **OAUTH) as app:
        yield app, accounts


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    from storage.demo.generate import write_demo_data

    return write_demo_data(tmp_path_factory.mktemp("demo"), orders=300, seed=4, as_of=NOW.date())


def test_one_workspace_cannot_read_or_change_anothers_data(
    two_teams: tuple[Served, dict[str, models.Account]],
    fake: FakeSlack,
    sessions: sessionmaker[Session],
    exports: list[Path],
) -> None:
    app, accounts = two_teams
    alpha, beta = accounts[fake.team_id], accounts[fake.other_team_id]
    # Alpha sees its figures; beta, with no data of its own, sees none of alpha's.
    assert "Order Defect Rate" in _text_of(app.sender.command("odr").json())
    beta_reply = _text_of(app.sender.command("odr", team_id=fake.other_team_id).json())
    assert "Order Defect Rate" not in beta_reply and "alpha" not in beta_reply
    # Beta cannot bind a channel to alpha's account by name: it does not exist in beta's workspace.
    assert "No account named" in _text_of(app.say("account alpha-us", team_id=fake.other_team_id))
    # Buttons carrying alpha's account id, clicked in beta, change nothing.
    url = fake.response_url("forged")
    for action_id, value in (
        (ids.MUTE, f"{alpha.id}|odr"),
        (ids.SNOOZE_DAY, f"{alpha.id}|odr"),
        (ids.REPLIED, f"{alpha.id}|M1"),
    ):
        app.sender.action(action_id, value, response_url=url, team_id=fake.other_team_id)
    fake.wait_for(url, count=3)
    assert all("cannot reach" in _text_of(r) for r in fake.responses("forged"))
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(models.AlertPreference)) == 0
        assert session.scalar(select(func.count()).select_from(models.MessageMark)) == 0
    # A file shared in beta is fetched with beta's token and stored for beta's account only.
    fake.add_file("FB1", "feedback.txt", _export(exports, "feedback").read_bytes(), team_id=fake.other_team_id)
    app.sender.file_shared("FB1", team_id=fake.other_team_id)
    fake.wait_for("chat.postMessage")
    with sessions.begin() as session:
        per_account = dict(
            session.execute(select(models.Feedback.account_id, func.count()).group_by(models.Feedback.account_id)).all()
        )
    assert set(per_account) == {alpha.id, beta.id}
    assert fake.calls_to("files.info")[0].headers["authorization"] == f"Bearer {fake.other_token}"


def test_an_account_bound_to_a_channel_is_not_reachable_from_another(
    two_teams: tuple[Served, dict[str, models.Account]],
    fake: FakeSlack,
    sessions: sessionmaker[Session],
    exports: list[Path],
) -> None:
    app, accounts = two_teams
    alpha = accounts[fake.team_id]
    with sessions.begin() as session:
        bind_channel(
            session=session,
            workspace_id=alpha.workspace_id,
            channel_id="CALPHA",
            account_id=alpha.id,
            user_id="U1",
            now=NOW,
        )
    assert "Order Defect Rate" in _text_of(app.sender.command("odr", channel_id="CALPHA").json())
    elsewhere = _text_of(app.sender.command("odr", channel_id="CRANDOM").json())
    assert "Order Defect Rate" not in elsewhere and "not bound" in elsewhere
    # A file shared in the other channel is not stored for the bound account either.
    fake.add_file("FA9", "feedback.txt", _export(exports, "feedback").read_bytes(), channel_id="CRANDOM")
    app.sender.file_shared("FA9", channel_id="CRANDOM")
    fake.wait_for("chat.postMessage")
    assert "not bound" in _text_of(fake.messages()[-1])


def test_strange_requests_get_clear_answers(
    two_teams: tuple[Served, dict[str, models.Account]], fake: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    app, _ = two_teams
    long_text = "odr " + "x" * 10_000
    reply = app.sender.command(long_text)
    assert reply.status_code == 200 and "Order Defect Rate" in _text_of(reply.json())
    weird = _text_of(app.sender.command("<!channel> ;DROP TABLE accounts; \u202e").json())
    assert "help" in weird and "<!channel>" not in weird  # answered, and the mention defused
    url = fake.response_url("unknown")
    app.sender.action(ids.MUTE, "not-a-value", response_url=url)
    app.sender.action(ids.DETAIL, "no-such-metric", response_url=url)
    fake.wait_for(url, count=2)
    assert all(_text_of(r) for r in fake.responses("unknown"))
    # An event from a team that never installed the app, and a file deleted before it was read.
    stranger = app.sender.file_shared("FX", team_id="T0NOBODY")
    assert stranger.status_code in (200, 401) and "Traceback" not in stranger.text
    fake.fail_next("files.info", "file_not_found")
    app.sender.file_shared("FGONE")
    wait_until(
        sessions,
        lambda s: s.scalar(select(models.SharedFile.status).where(models.SharedFile.file_id == "FGONE")) == "rejected",
    )
    assert fake.calls_to("chat.postMessage") == []
    with sessions.begin() as session:
        assert (
            session.scalar(select(func.count()).select_from(models.Upload).where(models.Upload.source == "slack")) == 0
        )
