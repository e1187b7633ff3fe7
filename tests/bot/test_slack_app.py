"""The Slack app as Slack drives it: signed HTTP requests to the app under a real server on localhost,
and a local fake of Slack's Web API that records what the app sends back (slack.md section 6)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import ids
from metrics.snapshots import compute_snapshot
from storage import models
from storage.demo.generate import write_demo_data
from tests.bot.fakeslack import FakeSlack
from tests.bot.served import CLIENT_ID, OAUTH, Served, install_team, serve, wait_until
from tests.conftest import NOW, ingest_ok

TODAY = NOW.date()


def _now() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_demo_data(tmp_path_factory.mktemp("demo"), orders=400, seed=3, as_of=TODAY)


@pytest.fixture
def served(
    fake: FakeSlack, engine: Engine, sessions: sessionmaker[Session], database_url: str, account: models.Account
) -> Iterator[Served]:
    with serve(fake, engine, sessions, database_url, _now) as app:
        yield app


def _ingest(sessions: sessionmaker[Session], account: models.Account, paths: list[Path]) -> None:
    for path in paths:
        ingest_ok(sessions, account, path)
    with sessions.begin() as session:
        compute_snapshot(session=session, account=account, as_of=TODAY, computed_at=NOW)


@pytest.fixture
def stored(sessions: sessionmaker[Session], account: models.Account, exports: list[Path]) -> None:
    _ingest(sessions, account, exports)


def _text_of(payload: dict[str, Any]) -> str:
    """Everything a user reads in a message: the fallback and every text in its blocks."""
    found: list[str] = [payload.get("text") or ""]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload.get("blocks") or [])
    return "\n".join(found)


def _export(exports: list[Path], stem: str) -> Path:
    return next(p for p in exports if p.name.startswith(stem))


# --- /health ----------------------------------------------------------------------------------------


def test_health_odr_answers_in_the_ack_from_the_stored_snapshot(served: Served, stored: None) -> None:
    response = served.sender.command("odr")
    assert response.status_code == 200
    reply = response.json()
    assert reply["response_type"] == "ephemeral"
    text = _text_of(reply)
    assert "Order Defect Rate" in text
    assert "2026-09-11" in text or "11 Sep" in text  # the ODR window's first order date (D-74)
    assert "Target" in text or "target" in text
    assert "Negative feedback" in text or "negative feedback" in text.lower()
    # Answered from the snapshot: no Web API call was needed.
    assert served.fake.calls_to("chat.postMessage") == []


def test_health_overview_has_a_line_per_metric_and_public_posts_in_channel(served: Served, stored: None) -> None:
    reply = served.sender.command("public").json()
    assert reply["response_type"] == "in_channel"
    text = _text_of(reply)
    for name in ("Order Defect Rate", "Late Shipment Rate", "Valid Tracking Rate", "Perfect Order"):
        assert name in text


def test_health_before_any_upload_says_what_to_upload(served: Served) -> None:
    text = _text_of(served.sender.command("").json())
    assert "upload" in text.lower()


def test_unknown_word_gets_the_closest_metric_names(served: Served, stored: None) -> None:
    text = _text_of(served.sender.command("odrr").json())
    assert "odr" in text
    assert "help" in text


def test_help_lists_every_form(served: Served) -> None:
    text = _text_of(served.sender.command("help").json())
    for form in ("messages", "causes", "account", "targets", "owner", "digest", "public"):
        assert form in text


def test_bad_or_stale_signature_is_refused(served: Served, stored: None) -> None:
    assert served.sender.command("odr", secret="not-the-secret").status_code == 401
    assert served.sender.command("odr", timestamp=int(time.time()) - 301).status_code == 401
    body, headers = served.sender.build_command("odr")
    headers["x-slack-signature"] = headers["x-slack-signature"][:-2] + "00"
    assert served.sender.post(body, headers).status_code == 401
    assert served.sender.command("odr").status_code == 200


def test_a_team_that_did_not_install_the_app_gets_nothing(served: Served, stored: None) -> None:
    response = served.sender.command("odr", team_id="T0STRANGER")
    assert response.status_code == 200
    assert response.text == ""


def test_targets_owner_and_digest_settings(served: Served, stored: None, sessions: sessionmaker[Session]) -> None:
    text = _text_of(served.say("targets odr 0.5%"))
    assert "0.50%" in text
    # The figures are recomputed after the answer: the snapshot now carries the new target.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        odr = json.dumps(_text_of(served.sender.command("odr").json()))
        if "0.50%" in odr:
            break
        time.sleep(0.2)
    assert "0.50%" in odr
    assert "U0MARIA" in _text_of(served.say("owner odr <@U0MARIA|maria>"))
    assert "not a Slack user" in _text_of(served.say("owner odr maria"))
    assert "09:15" in _text_of(served.say("digest here 09:15 Europe/Berlin"))
    with sessions.begin() as session:
        owner = session.scalars(select(models.MetricOwner)).one()
        digest = session.scalars(select(models.Digest)).one()
        assert (owner.metric_id, owner.user_id) == ("odr", "U0MARIA")
        assert (digest.channel_id, digest.at, digest.timezone) == ("C123", "09:15", "Europe/Berlin")
    assert "no longer" in _text_of(served.say("digest off"))


def test_account_binds_the_channel(served: Served, sessions: sessionmaker[Session]) -> None:
    assert "No account named" in _text_of(served.say("account acme-de"))
    assert "acme-de" in _text_of(served.say("account acme-de DE", channel_id="CDE"))
    assert "acme-de" in _text_of(served.sender.command("account", channel_id="CDE").json())
    # Channels are bound now: an unbound one reaches no account, and lists only the accounts bound nowhere.
    assert "not bound" in _text_of(served.sender.command("odr", channel_id="COTHER").json())
    listed = _text_of(served.sender.command("account", channel_id="COTHER").json())
    assert "acme-us" in listed and "acme-de" not in listed
    # Naming a bound account elsewhere does not bind it; sharing it from its own channel does.
    assert "bound to other channels" in _text_of(served.say("account acme-de", channel_id="COTHER"))
    assert "not bound" in _text_of(served.sender.command("odr", channel_id="COTHER").json())
    assert "now speaks about" in _text_of(served.say("account share <#COTHER|other>", channel_id="CDE"))
    assert "acme-de" in _text_of(served.sender.command("account", channel_id="COTHER").json())


def test_buttons_answer_through_the_response_url(served: Served, stored: None) -> None:
    url = served.fake.response_url("detail")
    assert served.sender.action(ids.DETAIL, "odr", response_url=url).status_code == 200
    served.fake.wait_for(url)
    detail = served.fake.responses("detail")[0]
    assert "Order Defect Rate" in _text_of(detail)
    assert detail.get("response_type", "ephemeral") == "ephemeral"
    share = served.fake.response_url("share")
    served.sender.action(ids.SHARE, "odr", response_url=share)
    served.fake.wait_for(share)
    assert served.fake.responses("share")[0]["response_type"] == "in_channel"


# --- uploads ----------------------------------------------------------------------------------------


def _stored_orders(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        return int(session.scalar(select(func.count()).select_from(models.OrderItem)) or 0)


def test_a_shared_export_is_stored_and_answered_in_its_thread(
    served: Served, exports: list[Path], sessions: sessionmaker[Session]
) -> None:
    orders = _export(exports, "all-orders")
    served.fake.add_file("F1", orders.name, orders.read_bytes())
    assert served.sender.file_shared("F1").status_code == 200
    posted = served.fake.wait_for("chat.postMessage")[-1]
    message = served.fake.messages()[-1]
    text = _text_of(message)
    assert "All Orders" in text or "Orders" in text
    assert "new" in text
    assert _stored_orders(sessions) > 0
    # The download carried the bot token to the fake (Slack's own host) and nowhere else.
    download = served.fake.calls_to(f"/{orders.name}")[0]
    assert download.headers["authorization"] == f"Bearer {served.fake.token}"
    assert posted.params.get("channel") == "C123"
    assert posted.params.get("thread_ts") == "1764000000.000100"  # in the thread of the message that shared it


def test_a_retried_event_and_a_second_event_for_the_same_file_are_processed_once(
    served: Served, exports: list[Path], sessions: sessionmaker[Session]
) -> None:
    feedback = _export(exports, "feedback")
    served.fake.add_file("F2", feedback.name, feedback.read_bytes())
    event_id = served.sender.new_event_id()
    assert served.sender.file_shared("F2", event_id=event_id).status_code == 200
    assert served.sender.file_shared("F2", event_id=event_id, retry_num=1).status_code == 200
    served.fake.wait_for("chat.postMessage")
    served.sender.file_shared("F2")  # shared again: a new event naming the same file
    # Both events (not the redelivery: dropped before any listener) have been handled to their end.
    wait_until(
        sessions,
        lambda s: (
            s.scalar(select(func.count()).select_from(models.InboundEvent).where(models.InboundEvent.status == "done"))
            == 2
        ),
    )
    assert len(served.fake.calls_to("files.info")) == 1
    assert len(served.fake.messages()) == 1
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(models.Upload)) == 1


def test_a_rejected_file_gets_the_reason_in_its_thread_and_stores_nothing(
    served: Served, sessions: sessionmaker[Session]
) -> None:
    served.fake.add_file("F3", "notes.txt", b"hello\tworld\n1\t2\n")
    served.sender.file_shared("F3")
    served.fake.wait_for("chat.postMessage")
    text = _text_of(served.fake.messages()[-1])
    assert "notes.txt" in text
    assert "upload" in text.lower()  # what to upload instead
    assert _stored_orders(sessions) == 0


def test_a_download_url_off_slack_is_refused_without_sending_the_token(
    served: Served, exports: list[Path], sessions: sessionmaker[Session]
) -> None:
    with FakeSlack() as elsewhere:
        orders = _export(exports, "all-orders")
        foreign = elsewhere.base_url.replace("127.0.0.1", "localhost") + "steal/" + orders.name
        served.fake.add_file("F4", orders.name, orders.read_bytes(), download_url=foreign)
        served.sender.file_shared("F4")
        served.fake.wait_for("chat.postMessage")
        assert elsewhere.calls == []
    assert "not on Slack" in _text_of(served.fake.messages()[-1])
    assert _stored_orders(sessions) == 0


def test_a_rate_limited_reply_is_retried_after_retry_after(served: Served, exports: list[Path]) -> None:
    feedback = _export(exports, "feedback")
    served.fake.add_file("F5", feedback.name, feedback.read_bytes())
    served.fake.rate_limit_next("chat.postMessage", retry_after=1)
    served.sender.file_shared("F5")
    calls = served.fake.wait_for("chat.postMessage", count=2, timeout=15)
    assert [c.status for c in calls[:2]] == [429, 200]
    assert calls[1].at - calls[0].at >= 0.9
    assert len(served.fake.messages()) == 1


def test_a_long_file_shows_one_progress_message_updated_to_the_result(
    fake: FakeSlack,
    engine: Engine,
    sessions: sessionmaker[Session],
    database_url: str,
    account: models.Account,
    exports: list[Path],
) -> None:
    orders = _export(exports, "all-orders")
    fake.add_file("F6", orders.name, orders.read_bytes())
    # Files over 100 rows count as long here, read 100 rows at a time.
    with serve(
        fake, engine, sessions, database_url, _now, HEALTHBOT_PROGRESS_ROWS="100", HEALTHBOT_INGEST_CHUNK_ROWS="100"
    ) as app:
        app.sender.file_shared("F6")
        fake.wait_for("chat.update")
        time.sleep(0.3)
    posted, updated = fake.calls_to("chat.postMessage"), fake.calls_to("chat.update")
    assert len(posted) == 1
    assert "rows so far" in _text_of(fake.messages()[0])
    ts = posted[0].response["ts"] if isinstance(posted[0].response, dict) else None
    assert {c.params.get("ts") for c in updated} == {ts}  # one message, updated in place
    assert "new" in _text_of(fake.messages()[-1])


def test_short_files_get_the_result_alone(served: Served, exports: list[Path]) -> None:
    feedback = _export(exports, "feedback")
    served.fake.add_file("F7", feedback.name, feedback.read_bytes())
    served.sender.file_shared("F7")
    served.fake.wait_for("chat.postMessage")
    time.sleep(0.3)
    assert served.fake.calls_to("chat.update") == []


# --- several workspaces (OAuth) ---------------------------------------------------------------------


def test_oauth_installations_scope_every_answer_to_the_requesting_team(
    fake: FakeSlack,
    engine: Engine,
    sessions: sessionmaker[Session],
    database_url: str,
    stored: None,
    exports: list[Path],
) -> None:
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    install_team(
        fake,
        SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=engine),
        team_id=fake.other_team_id,
        token=fake.other_token,
        bot_id=fake.other_bot_id,
        bot_user_id=fake.other_bot_user_id,
    )
    with serve(fake, engine, sessions, database_url, _now, **OAUTH) as app:
        # The installed team has its own workspace: the local account's figures are not its own.
        reply = app.sender.command("odr", team_id=fake.other_team_id).json()
        assert "Order Defect Rate" not in _text_of(reply)
        assert "upload" in _text_of(reply).lower()
        # A team without an installation gets no answer at all.
        stranger = app.sender.command("odr", team_id="T0STRANGER")
        assert "Order Defect Rate" not in stranger.text and "upload" not in stranger.text.lower()
        # Its uploads are fetched with its own bot token and stored for its own account.
        feedback = _export(exports, "feedback")
        fake.add_file("F9", feedback.name, feedback.read_bytes(), team_id=fake.other_team_id)
        app.sender.file_shared("F9", team_id=fake.other_team_id)
        posted = fake.wait_for("chat.postMessage")[-1]
    assert posted.headers["authorization"] == f"Bearer {fake.other_token}"
    assert "new" in _text_of(fake.messages()[-1])
    with sessions.begin() as session:
        owners = session.execute(
            select(models.Workspace.slack_team_id, func.count())
            .join(models.Account, models.Account.workspace_id == models.Workspace.id)
            .join(models.Feedback, models.Feedback.account_id == models.Account.id)
            .group_by(models.Workspace.slack_team_id)
        ).all()
    assert {team for team, _ in owners} == {"local", fake.other_team_id}


def test_no_buyer_data_reaches_the_database_or_slack_through_uploads(
    served: Served, exports: list[Path], sessions: sessionmaker[Session]
) -> None:
    from tests.storage.test_demo_data import _leaked, _personal_values, _stored_text

    personal = _personal_values(exports)
    assert len(personal) > 50  # the demo's exports do carry buyer names, emails, phones, addresses
    for n, path in enumerate(exports):
        served.fake.add_file(f"FP{n}", path.name, path.read_bytes())
        served.sender.file_shared(f"FP{n}")
    wait_until(
        sessions,
        lambda s: (
            s.scalar(select(func.count()).select_from(models.SharedFile).where(models.SharedFile.status == "ingested"))
            == len(exports)
        ),
        timeout=120,
    )
    with sessions.begin() as session:
        assert _leaked(personal, _stored_text(session)) == []
    sent = [json.dumps(m, ensure_ascii=False) for m in served.fake.messages()]
    assert len(sent) >= len(exports)
    assert _leaked(personal, sent) == []
