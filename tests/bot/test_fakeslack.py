"""The Slack test kit itself: FakeSlack through slack_sdk's real WebClient, and SlackSender's signed requests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from slack_bolt import Ack, App, BoltContext, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.bot.fakeslack import FakeSlack
from tests.bot.slack_requests import SlackSender

SECRET = "test-signing-secret"


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.token, base_url=fake.api_url)


class _Recorded:
    """What a recording server received: enough to re-verify the signature on the exact bytes sent."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []


@pytest.fixture
def recorder() -> Iterator[tuple[str, _Recorded]]:
    """A stdlib server that stores each raw request and answers 200, standing in for the app."""
    recorded = _Recorded()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            recorded.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slack/events", recorded
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


# -- Web API ------------------------------------------------------------------------------------------------------


def test_auth_test_accepts_only_the_bot_token(fake: FakeSlack, client: WebClient) -> None:
    response = client.auth_test()
    assert response["team_id"] == "T0TEST"
    assert response["user_id"] == "UBOT"
    assert response["bot_id"] == "B0BOT"

    with pytest.raises(SlackApiError) as wrong:
        WebClient(token="xoxb-wrong", base_url=fake.api_url).auth_test()
    assert wrong.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=fake.api_url).chat_postMessage(channel="C123", text="hi")
    assert missing.value.response["error"] == "not_authed"

    # Refused requests are recorded too, with the header that was (or was not) sent.
    assert [c.path for c in fake.calls] == ["/api/auth.test", "/api/auth.test", "/api/chat.postMessage"]
    assert fake.calls[0].headers["authorization"] == "Bearer xoxb-test"
    assert [c.response for c in fake.calls][1:] == [
        {"ok": False, "error": "invalid_auth"},
        {"ok": False, "error": "not_authed"},
    ]
    assert "authorization" not in fake.calls[2].headers


def test_post_message_is_recorded_as_json(fake: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*ODR* 0.4%"}}]
    first = client.chat_postMessage(channel="C123", text="ODR 0.4%", blocks=blocks)
    second = client.chat_update(channel="C123", ts=first["ts"], text="ODR 0.5%")
    dm = client.chat_postMessage(channel="U456", text="alert")

    assert first["channel"] == "C123"
    assert first["message"]["blocks"] == blocks
    assert dm["channel"] == "DU456"  # a user id posts to the app's DM, as on Slack
    assert float(dm["ts"]) > float(first["ts"])
    assert second["ts"] == first["ts"]

    (call,) = fake.calls_to("chat.postMessage")[:1]
    assert call.method == "POST"
    assert call.headers["content-type"].startswith("application/json")
    assert call.json == {"channel": "C123", "text": "ODR 0.4%", "blocks": blocks}
    assert fake.messages() == [
        {"channel": "C123", "text": "ODR 0.4%", "blocks": blocks},
        {"channel": "C123", "ts": first["ts"], "text": "ODR 0.5%"},
        {"channel": "U456", "text": "alert"},
    ]


def test_form_encoded_methods_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    assert client.conversations_open(users="U456")["channel"]["id"] == "DU456"
    fake.add_user("U789", tz="Europe/Berlin")
    assert client.users_info(user="U456")["user"]["tz"] == "America/Los_Angeles"
    assert client.users_info(user="U789")["user"]["tz"] == "Europe/Berlin"
    assert client.chat_postEphemeral(channel="C123", user="U456", text="only you")["ok"] is True

    call = fake.calls_to("conversations.open")[0]
    assert call.form == {"users": "U456"}
    assert call.json is None
    with pytest.raises(SlackApiError) as unknown:
        client.api_call("reactions.add", params={"name": "eyes"})
    assert unknown.value.response["error"] == "unknown_method"
    assert fake.calls[-1].path == "/api/reactions.add"


def test_rate_limited_post_is_retried_after_retry_after(fake: FakeSlack) -> None:
    client = WebClient(
        token=fake.token, base_url=fake.api_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )
    fake.rate_limit_next("chat.postMessage", retry_after=1)

    response = client.chat_postMessage(channel="C123", text="digest")

    assert response["ok"] is True
    first, retry = fake.calls_to("chat.postMessage")
    assert first.status == 429
    assert first.response == {"ok": False, "error": "ratelimited"}
    assert retry.status == 200
    assert retry.at - first.at >= 1.0  # the handler honoured Retry-After
    assert len(fake.messages()) == 1  # the refused attempt is not a message


def test_rate_limit_without_a_retry_handler_surfaces_429(fake: FakeSlack, client: WebClient) -> None:
    fake.rate_limit_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C123", text="digest")
    assert error.value.response.status_code == 429
    assert error.value.response.headers["Retry-After"] == "7"
    assert client.chat_postMessage(channel="C123", text="digest")["ok"] is True  # only the next call is limited


def test_fail_next_answers_ok_false_once(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", "not_in_channel")
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C999", text="hi")
    assert error.value.response.status_code == 200
    assert error.value.response["error"] == "not_in_channel"
    assert client.chat_postMessage(channel="C999", text="hi")["ok"] is True


# -- files --------------------------------------------------------------------------------------------------------


def test_files_info_and_download_need_the_bearer_token(fake: FakeSlack, client: WebClient) -> None:
    fake.add_file("F123", "orders.txt", b"amazon-order-id\n111-1\n", mimetype="text/tab-separated-values")

    info = client.files_info(file="F123")["file"]
    assert {k: info[k] for k in ("id", "name", "mimetype", "filetype", "size")} == {
        "id": "F123",
        "name": "orders.txt",
        "mimetype": "text/tab-separated-values",
        "filetype": "text",
        "size": 22,
    }
    url = info["url_private_download"]
    assert url == f"{fake.base_url}files-pri/T0TEST-F123/orders.txt"
    assert fake.calls_to("files.info")[0].form == {"file": "F123"}

    with httpx.Client() as http:
        ok = http.get(url, headers={"Authorization": f"Bearer {fake.token}"})
        assert ok.status_code == 200
        assert ok.content == b"amazon-order-id\n111-1\n"
        assert ok.headers["content-type"] == "text/tab-separated-values"

        # Slack's pitfall: no error status, a redirect to an HTML login page.
        for headers in ({}, {"Authorization": "Bearer xoxb-wrong"}):
            refused = http.get(url, headers=headers)
            assert refused.status_code == 302
            login = http.get(refused.headers["location"])
            assert login.status_code == 200
            assert login.headers["content-type"].startswith("text/html")
            assert b"Sign in" in login.content
    assert [c.status for c in fake.calls_to("orders.txt")] == [200, 302, 302]

    with pytest.raises(SlackApiError) as missing:
        client.files_info(file="F404")
    assert missing.value.response["error"] == "file_not_found"


def test_file_size_and_download_url_can_be_forged(fake: FakeSlack, client: WebClient) -> None:
    fake.add_file("F1", "big.csv", b"a,b\n", size=500_000_000, download_url="https://evil.example/f/big.csv")
    info = client.files_info(file="F1")["file"]
    assert info["size"] == 500_000_000
    assert info["url_private_download"] == "https://evil.example/f/big.csv"


def test_files_upload_v2_round_trip(fake: FakeSlack, client: WebClient) -> None:
    response = client.files_upload_v2(content=b"PNG...", filename="odr.png", title="ODR", channel="C123")
    file_id = response["file"]["id"]
    uploaded = fake.file(file_id)
    assert uploaded is not None
    assert uploaded.content == b"PNG..."
    assert [c.path.rsplit("/", 1)[-1] for c in fake.calls] == [
        "files.getUploadURLExternal",
        file_id,
        "files.completeUploadExternal",
    ]
    assert "authorization" not in fake.calls[1].headers  # the upload URL is the credential


# -- response_url and waiting -------------------------------------------------------------------------------------


def test_response_url_records_json_posts(fake: FakeSlack) -> None:
    url = fake.response_url("odr")
    assert WebhookClient(url).send(text="ODR 0.4%", response_type="ephemeral").status_code == 200
    (call,) = fake.wait_for(url)
    assert call.json == {"text": "ODR 0.4%", "response_type": "ephemeral"}
    assert fake.responses("odr") == [call.json]
    assert fake.responses("other") == []


def test_wait_for_polls_until_calls_arrive(fake: FakeSlack, client: WebClient) -> None:
    def later() -> None:
        time.sleep(0.2)
        client.chat_postMessage(channel="C1", text="one")
        client.chat_postMessage(channel="C1", text="two")

    thread = threading.Thread(target=later)
    thread.start()
    calls = fake.wait_for("chat.postMessage", count=2, timeout=5)
    thread.join()
    assert [c.json["text"] for c in calls if c.json] == ["one", "two"]


def test_wait_for_times_out_with_what_was_received(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    started = time.monotonic()
    with pytest.raises(AssertionError) as error:
        fake.wait_for("chat.postMessage", timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 2
    message = str(error.value)
    assert "expected 1 call(s) to 'chat.postMessage' within 0.3s, got 0" in message
    assert "POST /api/auth.test -> 200" in message


def test_oauth_access_installs_a_second_workspace(fake: FakeSlack) -> None:
    anonymous = WebClient(base_url=fake.api_url)
    with pytest.raises(SlackApiError):
        WebClient(token=fake.other_token, base_url=fake.api_url).auth_test()  # not installed yet

    installed = anonymous.oauth_v2_access(client_id="111.222", client_secret="s3cret", code="abc")
    assert installed["access_token"] == "xoxb-other"
    assert installed["team"]["id"] == "T0OTHER"
    other = WebClient(token=installed["access_token"], base_url=fake.api_url).auth_test()
    assert (other["team_id"], other["user_id"]) == ("T0OTHER", installed["bot_user_id"])
    assert fake.calls_to("oauth.v2.access")[0].form == {"code": "abc"}  # credentials travel as Basic auth


# -- signed requests ----------------------------------------------------------------------------------------------


def _is_valid(headers: dict[str, str], body: bytes, secret: str = SECRET) -> bool:
    return SignatureVerifier(secret).is_valid(body, headers["x-slack-request-timestamp"], headers["x-slack-signature"])


def test_signed_command_verifies_on_the_wire(fake: FakeSlack, recorder: tuple[str, _Recorded]) -> None:
    url, recorded = recorder
    sender = SlackSender(url, SECRET, fake=fake)

    assert sender.command("odr").status_code == 200
    assert sender.command("odr", timestamp=int(time.time()) - 301).status_code == 200
    assert sender.command("odr", secret="wrong-secret").status_code == 200

    (path, good, body), (_, stale, stale_body), (_, forged, forged_body) = recorded.requests
    assert path == "/slack/events"
    assert good["content-type"] == "application/x-www-form-urlencoded"
    assert _is_valid(good, body)
    assert not _is_valid(stale, stale_body)
    assert not _is_valid(forged, forged_body)
    assert _is_valid(forged, forged_body, secret="wrong-secret")  # well-formed, just not ours

    fields = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    assert fields["command"] == "/health"
    assert fields["text"] == "odr"
    assert fields["team_id"] == "T0TEST"
    assert fields["api_app_id"] == "A0APP"
    assert fields["response_url"] == fake.response_url()


def test_build_command_matches_sign(fake: FakeSlack) -> None:
    sender = SlackSender("http://127.0.0.1:9/slack/events", SECRET)
    body, headers = sender.build_command("late", user_id="U9", timestamp=1_700_000_000)
    assert headers["x-slack-signature"] == sender.sign(body, 1_700_000_000)
    assert headers["x-slack-request-timestamp"] == "1700000000"
    assert parse_qs(body.decode())["response_url"] == ["http://127.0.0.1:9/commands/T0TEST/unset"]


def test_events_and_actions_are_shaped_like_slacks(recorder: tuple[str, _Recorded]) -> None:
    url, recorded = recorder
    sender = SlackSender(url, SECRET)
    sender.file_shared("F123", event_id="Ev1")
    sender.file_shared("F123", event_id="Ev1", retry_num=1)
    sender.action("snooze", "odr", message={"ts": "1.000002", "text": "alert"})

    (_, first_headers, first), (_, retry_headers, retry), (_, action_headers, action) = recorded.requests
    envelope = json.loads(first)
    assert first_headers["content-type"] == "application/json"
    assert _is_valid(first_headers, first)
    assert "x-slack-retry-num" not in first_headers
    assert (retry_headers["x-slack-retry-num"], retry_headers["x-slack-retry-reason"]) == ("1", "http_timeout")
    assert json.loads(retry)["event_id"] == envelope["event_id"] == "Ev1"
    assert envelope["type"] == "event_callback"
    assert envelope["authorizations"][0] == {
        "enterprise_id": None,
        "team_id": "T0TEST",
        "user_id": "UBOT",
        "is_bot": True,
        "is_enterprise_install": False,
    }
    event = envelope["event"]
    assert set(event) == {"type", "channel_id", "file_id", "user_id", "file", "event_ts"}
    assert (event["type"], event["file"]) == ("file_shared", {"id": "F123"})

    assert _is_valid(action_headers, action)
    payload = json.loads(parse_qs(action.decode())["payload"][0])
    assert payload["type"] == "block_actions"
    assert payload["actions"][0]["action_id"] == "snooze"
    assert payload["actions"][0]["value"] == "odr"
    assert payload["container"]["message_ts"] == "1.000002"
    assert payload["message"]["text"] == "alert"


# -- the kit against a real Bolt app ------------------------------------------------------------------------------


class _QuietWSGIHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def bolt_app(fake: FakeSlack) -> Iterator[str]:
    """A minimal Bolt app served over HTTP, the way the real app's end-to-end tests will run it."""
    app = App(
        client=WebClient(
            token=fake.token, base_url=fake.api_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
        ),
        signing_secret=SECRET,
    )

    @app.command("/health")
    def health(ack: Ack, respond: Respond, command: dict[str, Any]) -> None:
        ack()
        respond(text=f"metric: {command['text']}")

    @app.event("file_shared")
    def file_shared(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        info = client.files_info(file=event["file_id"])["file"]
        download = httpx.get(info["url_private_download"], headers={"Authorization": f"Bearer {context.bot_token}"})
        client.chat_postMessage(channel=event["channel_id"], text=f"{info['name']}: {len(download.content)} bytes")

    server: WSGIServer = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=_QuietWSGIHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/slack/events"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_bolt_app_end_to_end(fake: FakeSlack, bolt_app: str) -> None:
    sender = SlackSender(bolt_app, SECRET, fake=fake)
    assert fake.calls_to("auth.test")  # App() verified its token at construction

    ack = sender.command("odr")
    assert (ack.status_code, ack.text) == (200, "")
    (reply,) = fake.wait_for(fake.response_url())
    assert reply.json == {"text": "metric: odr"}
    assert "authorization" not in reply.headers

    assert sender.command("odr", secret="wrong").status_code == 401
    assert sender.command("odr", timestamp=int(time.time()) - 301).status_code == 401

    fake.add_file("F1", "orders.txt", b"12345")
    fake.rate_limit_next("chat.postMessage")
    assert sender.file_shared("F1").status_code == 200
    fake.wait_for("chat.postMessage", count=2)
    # Bolt's context.client adds team_id to every call (slack.md §6 step 4).
    assert fake.messages() == [{"channel": "C123", "text": "orders.txt: 5 bytes", "team_id": "T0TEST"}]
    assert fake.calls_to("files.info")[0].form == {"file": "F1", "team_id": "T0TEST"}
