"""A local fake of Slack's Web API, file downloads and `response_url`s, for end-to-end tests (slack.md §6).

slack_sdk talks to Slack with urllib, so respx / pytest-httpx cannot intercept it; a real HTTP server on
127.0.0.1 can, and it also serves healthbot's httpx downloads. Point the app at it with
``WebClient(token=fake.token, base_url=fake.api_url)`` and inspect ``fake.calls`` afterwards::

    @pytest.fixture
    def fake_slack() -> Iterator[FakeSlack]:
        with FakeSlack() as fake:
            yield fake

Only the standard library is used, so the fake behaves the same whatever the app's HTTP stack is.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

__all__ = ["Call", "FakeFile", "FakeSlack", "Workspace"]

_JSON = "application/json; charset=utf-8"

# Slack's login page as a browser would get it: what an unauthenticated download really returns (slack.md §2).
_LOGIN_PAGE = b"""<!DOCTYPE html>
<html lang="en-US"><head><meta charset="utf-8"><title>Sign in to Test | Slack</title></head>
<body><h1>Sign in to Test</h1><form action="/login" method="post"><input type="email" name="email"></form></body>
</html>
"""

# Form fields that slack_sdk JSON-encodes inside a form body; decoded so tests compare structures, not strings.
_JSON_FORM_FIELDS = ("blocks", "attachments", "metadata", "files")


@dataclass(frozen=True)
class Call:
    """One request the fake received, refused ones included.

    ``json`` is the decoded body when it was JSON; ``form`` the fields of a form-encoded or multipart body
    (file parts left out). ``status`` and ``response`` are what the fake answered (``response`` is the decoded JSON,
    or None for non-JSON answers), so a test can tell a 429 from a success.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any | None
    form: dict[str, str] | None
    at: float
    query: dict[str, str] = field(default_factory=dict)
    status: int = 200
    response: Any | None = None

    @property
    def params(self) -> dict[str, Any]:
        """The Web API arguments, wherever the client put them (query string, form or JSON object)."""
        merged: dict[str, Any] = dict(self.query)
        if self.form is not None:
            merged.update(self.form)
        if isinstance(self.json, dict):
            merged.update(self.json)
        return merged


@dataclass(frozen=True)
class Workspace:
    """A workspace the fake knows, identified by its bot token."""

    token: str
    team_id: str
    team_name: str
    bot_user_id: str
    bot_id: str


@dataclass(frozen=True)
class FakeFile:
    """A file as ``files.info`` describes it; ``content`` is what the download URL serves."""

    id: str
    team_id: str
    name: str
    content: bytes
    mimetype: str
    filetype: str
    size: int
    url_private_download: str
    user: str
    # Where it was shared: files.info lists the message that shared it, whose thread the app replies in.
    channel_id: str = "C123"
    share_ts: str = "1764000000.000100"


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    data: Any | None = None  # the JSON answered, kept for Call.response
    delay: float = 0.0  # seconds to wait before answering (delay_next)


def _json_reply(data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(status, json.dumps(data).encode(), _JSON, headers or {}, data)


def _decode_multipart(content_type: str, body: bytes) -> dict[str, str]:
    """Text fields of a multipart/form-data body (slack_sdk sends ``data=`` this way, e.g. oauth.v2.access)."""
    message: Message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + body
    )
    fields: dict[str, str] = {}
    if not message.is_multipart():
        return fields
    for part in message.get_payload():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.get_filename() is not None:
            continue  # uploaded file contents are in Call.body; a dict of str cannot hold them faithfully
        payload = part.get_payload(decode=True)
        fields[name] = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return fields


class FakeSlack:
    """Slack's Web API, private file downloads and ``response_url`` on a fresh 127.0.0.1 port.

    Every request is recorded in ``calls`` (in arrival order) before it is answered, so once the app has seen a
    response the call is already visible to the test.
    """

    token: str = "xoxb-test"
    team_id: str = "T0TEST"
    team_name: str = "Test"
    bot_user_id: str = "UBOT"
    bot_id: str = "B0BOT"
    app_id: str = "A0APP"

    # What oauth.v2.access installs: a second workspace, for multi-workspace (OAuth) tests.
    other_token: str = "xoxb-other"
    other_team_id: str = "T0OTHER"
    other_team_name: str = "Other"
    other_bot_user_id: str = "UBOTOTHER"
    other_bot_id: str = "B0OTHER"

    default_tz: str = "America/Los_Angeles"

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._workspaces: dict[str, Workspace] = {}
        self._files: dict[str, FakeFile] = {}
        self._download_paths: dict[str, str] = {}  # path on the fake -> file id
        self._users: dict[str, dict[str, Any]] = {}
        self._injected: defaultdict[str, deque[_Reply]] = defaultdict(deque)
        self._delays: defaultdict[str, deque[float]] = defaultdict(deque)
        self._hooks: defaultdict[str, deque[Callable[[], None]]] = defaultdict(deque)
        self._outages: dict[str, str] = {}  # method -> the error every call gets until the outage ends
        self._last_ts_us = 0
        self._ids = itertools.count(1)
        self.base_url = ""
        self.api_url = ""
        self.add_workspace(
            self.token, self.team_id, team_name=self.team_name, bot_user_id=self.bot_user_id, bot_id=self.bot_id
        )

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Listen on a fresh port (port 0) so parallel tests never share a server."""
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        # Handler threads must not keep the test process alive, nor make stop() wait on a client's idle socket.
        server.daemon_threads = True
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}/"
        self.api_url = self.base_url + "api/"  # WebClient urljoins method names: the trailing "/" matters
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket (an unclosed one is a ResourceWarning, an error here)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- set-up --------------------------------------------------------------------------------------------------

    def add_workspace(
        self,
        token: str,
        team_id: str,
        *,
        team_name: str = "Test",
        bot_user_id: str = "UBOT",
        bot_id: str | None = None,
    ) -> Workspace:
        """Accept ``token`` as the bot token of ``team_id`` (e.g. an installation a test seeds directly)."""
        workspace = Workspace(token, team_id, team_name, bot_user_id, bot_id or f"B{team_id[1:]}")
        with self._lock:
            self._workspaces[token] = workspace
        return workspace

    def add_file(
        self,
        file_id: str,
        name: str,
        content: bytes,
        *,
        mimetype: str = "text/plain",
        filetype: str = "text",
        size: int | None = None,
        download_url: str | None = None,
        team_id: str | None = None,
        user_id: str = "U123",
        channel_id: str = "C123",
        share_ts: str = "1764000000.000100",
    ) -> None:
        """Make ``files.info`` know ``file_id`` and, unless ``download_url`` points elsewhere, serve its bytes.

        ``size`` may differ from ``len(content)`` to test a size cap without building a huge file; a foreign
        ``download_url`` lets a test check that the app refuses to send its token to another host.
        """
        if download_url is None:
            self._require_started()  # the default URL embeds the fake's port
        team = team_id or self.team_id
        path = f"files-pri/{team}-{file_id}/{quote(name)}"
        url = download_url if download_url is not None else self.base_url + path
        fake_file = FakeFile(
            id=file_id,
            team_id=team,
            name=name,
            content=content,
            mimetype=mimetype,
            filetype=filetype,
            size=len(content) if size is None else size,
            url_private_download=url,
            user=user_id,
            channel_id=channel_id,
            share_ts=share_ts,
        )
        with self._lock:
            self._files[file_id] = fake_file
            if download_url is None:
                self._download_paths["/" + path] = file_id

    def add_user(self, user_id: str, *, tz: str | None = None, name: str | None = None, **extra: Any) -> None:
        """Override what ``users.info`` says about ``user_id`` (unknown users get a default profile)."""
        with self._lock:
            self._users[user_id] = {"tz": tz or self.default_tz, "name": name or user_id.lower(), **extra}

    def response_url(self, name: str = "cmd") -> str:
        """A ``response_url`` on the fake; the same ``name`` gives the same URL, so tests pick distinct names."""
        self._require_started()
        return f"{self.base_url}commands/{self.team_id}/{quote(name)}"

    def rate_limit_next(self, method: str, retry_after: int = 1) -> None:
        """Answer the next (authenticated) call of ``method`` with Slack's 429; calls queue up per method."""
        reply = _json_reply(
            {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(retry_after)}
        )
        with self._lock:
            self._injected[method].append(reply)

    def fail_next(self, method: str, error: str) -> None:
        """Answer the next (authenticated) call of ``method`` with 200 ``{"ok": false, "error": error}``."""
        with self._lock:
            self._injected[method].append(_json_reply({"ok": False, "error": error}))

    def server_error_next(self, method: str, status: int = 500) -> None:
        """Answer the next (authenticated) call of ``method`` with HTTP ``status`` (500, 503, ...); calls queue up."""
        with self._lock:
            self._injected[method].append(_json_reply({"ok": False, "error": "internal_error"}, status=status))

    def delay_next(self, method: str, seconds: float) -> None:
        """Process the next (authenticated) call of ``method`` as usual, but answer it ``seconds`` later.

        The call is recorded (a ``chat.postMessage`` counts as posted) before the wait: Slack did the work and only
        its answer is late, which is what a client timeout cannot tell from a request that never arrived.
        """
        with self._lock:
            self._delays[method].append(seconds)

    def start_outage(self, method: str, error: str = "internal_error") -> None:
        """Refuse every (authenticated) call of ``method`` with 200 ``{"ok": false, "error": error}`` until
        ``end_outage``; calls queued with the ``*_next`` methods are answered first."""
        with self._lock:
            self._outages[method] = error

    def end_outage(self, method: str) -> None:
        with self._lock:
            self._outages.pop(method, None)

    def before_next(self, method: str, action: Callable[[], None]) -> None:
        """Run ``action`` when the next (authenticated) call of ``method`` arrives, before it is answered.

        A test uses it to make something else fail at that exact moment (e.g. cut the app's database connection while
        Slack accepts a post).
        """
        with self._lock:
            self._hooks[method].append(action)

    # -- inspection ----------------------------------------------------------------------------------------------

    def calls_to(self, path: str) -> list[Call]:
        """Calls whose path ends with ``path`` (``"chat.postMessage"``, or a full URL on the fake)."""
        suffix = self._suffix(path)
        with self._lock:
            return [c for c in self.calls if c.path.endswith(suffix)]

    def wait_for(self, path: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Poll until at least ``count`` calls to ``path`` arrived; listeners run after the ack, in other threads."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(path)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                with self._lock:
                    received = [f"{c.method} {c.path} -> {c.status}" for c in self.calls]
                raise AssertionError(
                    f"expected {count} call(s) to {path!r} within {timeout}s, got {len(found)}; "
                    f"received {len(received)}: {received}"
                )
            time.sleep(0.02)

    def messages(self) -> list[dict[str, Any]]:
        """Bodies of the ``chat.postMessage`` / ``chat.update`` calls Slack accepted, in order.

        Refused, failed and rate-limited attempts are left out, so a post retried after a 429 counts once: a double
        here is a real double post.
        """
        with self._lock:
            calls = [c for c in self.calls if c.path in ("/api/chat.postMessage", "/api/chat.update")]
        return [_decoded_params(c) for c in calls if isinstance(c.response, dict) and c.response.get("ok") is True]

    def responses(self, name: str | None = None) -> list[Any]:
        """JSON bodies POSTed to response URLs (all of them, or those of ``response_url(name)``)."""
        prefix = f"/commands/{self.team_id}/"
        wanted = None if name is None else prefix + quote(name)
        with self._lock:
            calls = [c for c in self.calls if c.method == "POST" and c.path.startswith(prefix)]
        return [c.json for c in calls if wanted is None or c.path == wanted]

    def file(self, file_id: str) -> FakeFile | None:
        """The file as registered, or as uploaded through ``files_upload_v2``."""
        with self._lock:
            return self._files.get(file_id)

    # -- internals -----------------------------------------------------------------------------------------------

    def _require_started(self) -> None:
        if not self.base_url:
            raise RuntimeError("FakeSlack is not started: use `with FakeSlack() as fake:` or call start()")

    def _suffix(self, path: str) -> str:
        if self.base_url and path.startswith(self.base_url):
            return "/" + path[len(self.base_url) :]
        return path

    def _next_ts(self) -> str:
        # Microsecond integers keep ts strictly increasing and exact; floats lose the last digit at 1.7e9.
        with self._lock:
            self._last_ts_us = max(time.time_ns() // 1000, self._last_ts_us + 1)
            us = self._last_ts_us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def _bearer(self, headers: dict[str, str]) -> str | None:
        auth = headers.get("authorization", "")
        return auth[len("Bearer ") :] if auth.startswith("Bearer ") else None

    def _handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> _Reply:
        """Decode, answer and record one request."""
        parts = urlsplit(raw_path)
        path = parts.path
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        content_type = headers.get("content-type", "")
        decoded_json: Any | None = None
        form: dict[str, str] | None = None
        if body and content_type.startswith("application/json"):
            try:
                decoded_json = json.loads(body)
            except ValueError:
                decoded_json = None
        elif body and content_type.startswith("application/x-www-form-urlencoded"):
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        elif body and content_type.startswith("multipart/form-data"):
            form = _decode_multipart(content_type, body)
        call = Call(method, path, headers, body, decoded_json, form, time.time(), query)
        try:
            reply = self._route(call)
        except Exception as exc:  # a bug in the fake must show up as a 500 in the test, not a hung request
            reply = _json_reply({"ok": False, "error": f"fake_slack_error: {exc!r}"}, status=500)
        self._record(replace(call, status=reply.status, response=reply.data))
        return reply

    def _route(self, call: Call) -> _Reply:
        path = call.path
        if path.startswith("/api/"):
            return self._api(path[len("/api/") :], call)
        if path.startswith("/files-pri/"):
            return self._download(call)
        if path == "/login":
            return _Reply(200, _LOGIN_PAGE, "text/html; charset=utf-8")
        if path.startswith("/commands/"):
            if call.method != "POST":
                return _Reply(405, b"method not allowed", "text/plain")
            return _Reply(200, b"ok", "text/plain")
        if path.startswith("/upload/"):
            return self._upload(call)
        return _Reply(404, b"not found", "text/plain")

    def _api(self, name: str, call: Call) -> _Reply:
        handler = self._methods().get(name)
        if handler is None:
            return _json_reply({"ok": False, "error": "unknown_method", "req_method": name})
        if name == "oauth.v2.access":
            workspace = None  # authenticated by client id and secret, not a bot token
        else:
            token = self._bearer(call.headers)
            if token is None:
                return _json_reply({"ok": False, "error": "not_authed"})
            with self._lock:
                workspace = self._workspaces.get(token)
            if workspace is None:
                return _json_reply({"ok": False, "error": "invalid_auth"})
        with self._lock:
            hooks = self._hooks.get(name)
            hook = hooks.popleft() if hooks else None
            queue = self._injected.get(name)
            injected = queue.popleft() if queue else None
            delays = self._delays.get(name)
            delay = delays.popleft() if delays else 0.0
            outage = self._outages.get(name)
        if injected is None and outage is not None:
            injected = _json_reply({"ok": False, "error": outage})
        if hook is not None:
            hook()
        reply = injected if injected is not None else _json_reply(handler(call, workspace))
        return replace(reply, delay=delay) if delay else reply

    def _methods(self) -> dict[str, Callable[[Call, Any], dict[str, Any]]]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_info,
            "users.info": self._users_info,
            "files.info": self._files_info,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "oauth.v2.access": self._oauth_access,
        }

    # -- Web API methods -----------------------------------------------------------------------------------------

    def _auth_test(self, call: Call, ws: Workspace) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{ws.team_name.lower()}.slack.com/",
            "team": ws.team_name,
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "user": "healthbot",
            "is_enterprise_install": False,
        }

    def _channel(self, channel: str) -> str:
        # Posting to a user ID lands in the app's DM with them, and Slack answers with that D… channel.
        return "D" + channel if channel.startswith("U") else channel

    def _message(self, params: dict[str, Any], ws: Workspace, ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "app_id": self.app_id,
            "team": ws.team_id,
            "text": params.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if key in params:
                message[key] = params[key]
        return message

    def _post_message(self, call: Call, ws: Workspace) -> dict[str, Any]:
        params = _decoded_params(call)
        channel = str(params.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks") and not params.get("attachments"):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        return {"ok": True, "channel": self._channel(channel), "ts": ts, "message": self._message(params, ws, ts)}

    def _update(self, call: Call, ws: Workspace) -> dict[str, Any]:
        params = _decoded_params(call)
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        message = self._message(params, ws, ts)
        return {"ok": True, "channel": channel, "ts": ts, "text": message["text"], "message": message}

    def _post_ephemeral(self, call: Call, ws: Workspace) -> dict[str, Any]:
        params = call.params
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("user"):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _conversations_open(self, call: Call, ws: Workspace) -> dict[str, Any]:
        users = str(call.params.get("users") or "")
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": "D" + users.split(",")[0].strip()}}

    def _conversations_info(self, call: Call, ws: Workspace) -> dict[str, Any]:
        channel = str(call.params.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "name": channel.lower(),
                "is_channel": channel.startswith("C"),
                "is_private": channel.startswith("G"),
                "is_im": channel.startswith("D"),
                "is_member": True,
            },
        }

    def _users_info(self, call: Call, ws: Workspace) -> dict[str, Any]:
        user_id = str(call.params.get("user") or "")
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        with self._lock:
            override = dict(self._users.get(user_id, {}))
        tz = override.pop("tz", self.default_tz)
        name = override.pop("name", user_id.lower())
        user = {
            "id": user_id,
            "team_id": ws.team_id,
            "name": name,
            "real_name": name.title(),
            "deleted": False,
            "is_bot": user_id == ws.bot_user_id,
            "tz": tz,
            "tz_label": tz,
            "profile": {"real_name": name.title(), "display_name": name},
            **override,
        }
        return {"ok": True, "user": user}

    def _files_info(self, call: Call, ws: Workspace) -> dict[str, Any]:
        file_id = str(call.params.get("file") or "")
        with self._lock:
            fake_file = self._files.get(file_id)
        # A file of another workspace is as invisible as a missing one.
        if fake_file is None or fake_file.team_id != ws.team_id:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": _file_json(fake_file)}

    def _get_upload_url(self, call: Call, ws: Workspace) -> dict[str, Any]:
        params = call.params
        if not params.get("filename") or not params.get("length"):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = self._next_id("F")
        with self._lock:
            self._files[file_id] = FakeFile(
                id=file_id,
                team_id=ws.team_id,
                name=str(params["filename"]),
                content=b"",
                mimetype="application/octet-stream",
                filetype="binary",
                size=int(params["length"]),
                url_private_download="",
                user=ws.bot_user_id,
            )
        return {"ok": True, "upload_url": f"{self.base_url}upload/v1/{file_id}", "file_id": file_id}

    def _complete_upload(self, call: Call, ws: Workspace) -> dict[str, Any]:
        params = _decoded_params(call)
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            return {"ok": False, "error": "invalid_arguments"}
        described = []
        for entry in entries:
            fake_file = self.file(str(entry.get("id")))
            if fake_file is None or fake_file.team_id != ws.team_id:
                return {"ok": False, "error": "file_not_found"}
            described.append({**_file_json(fake_file), "title": entry.get("title") or fake_file.name})
        return {"ok": True, "files": described}

    def _oauth_access(self, call: Call, ws: None) -> dict[str, Any]:
        params = call.params
        client_id = params.get("client_id")
        auth = call.headers.get("authorization", "")
        if auth.startswith("Basic "):
            client_id = base64.b64decode(auth[len("Basic ") :]).decode().partition(":")[0]
        if not client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if not params.get("code"):
            return {"ok": False, "error": "invalid_code"}
        other = self.add_workspace(
            self.other_token,
            self.other_team_id,
            team_name=self.other_team_name,
            bot_user_id=self.other_bot_user_id,
            bot_id=self.other_bot_id,
        )
        return {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": "UINSTALLER"},
            "scope": "commands,chat:write,files:read,im:write,channels:read,groups:read,users:read",
            "token_type": "bot",
            "access_token": other.token,
            "bot_user_id": other.bot_user_id,
            "team": {"id": other.team_id, "name": other.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    # -- non-API paths -------------------------------------------------------------------------------------------

    def _download(self, call: Call) -> _Reply:
        with self._lock:
            file_id = self._download_paths.get(call.path)
            fake_file = self._files.get(file_id) if file_id else None
            workspace = self._workspaces.get(self._bearer(call.headers) or "")
        # Slack's pitfall, reproduced: no valid token means a redirect to an HTML login page, never a 401.
        if workspace is None or (fake_file is not None and fake_file.team_id != workspace.team_id):
            location = f"{self.base_url}login?redir={quote(call.path, safe='')}"
            return _Reply(302, b"", "text/html; charset=utf-8", {"Location": location})
        if fake_file is None:
            return _Reply(404, b"file not found", "text/plain")
        return _Reply(200, fake_file.content, fake_file.mimetype)

    def _upload(self, call: Call) -> _Reply:
        # files_upload_v2 POSTs raw bytes here without a token: the URL itself is the credential.
        file_id = call.path.rsplit("/", 1)[-1]
        with self._lock:
            fake_file = self._files.get(file_id)
            if fake_file is None or call.method != "POST":
                return _Reply(404, b"not found", "text/plain")
            path = f"files-pri/{fake_file.team_id}-{file_id}/{quote(fake_file.name)}"
            self._files[file_id] = replace(fake_file, content=call.body, url_private_download=self.base_url + path)
            self._download_paths["/" + path] = file_id
        return _Reply(200, f"OK - {len(call.body)}".encode(), "text/plain")


def _file_json(fake_file: FakeFile) -> dict[str, Any]:
    return {
        "id": fake_file.id,
        "name": fake_file.name,
        "title": fake_file.name,
        "mimetype": fake_file.mimetype,
        "filetype": fake_file.filetype,
        "size": fake_file.size,
        "user": fake_file.user,
        "is_external": False,
        "url_private": fake_file.url_private_download,
        "url_private_download": fake_file.url_private_download,
        "shares": {"public": {fake_file.channel_id: [{"ts": fake_file.share_ts, "reply_count": 0}]}},
    }


def _decoded_params(call: Call) -> dict[str, Any]:
    """The call's arguments with JSON-in-form fields (``blocks`` etc.) decoded, whichever encoding was used."""
    params = call.params
    for key in _JSON_FORM_FIELDS:
        value = params.get(key)
        if isinstance(value, str):
            try:
                params[key] = json.loads(value)
            except ValueError:
                pass  # left as sent: a test asserting on it will show the malformed string
    return params


def _make_handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeSlack/1.0"

        def _serve(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = fake._handle(self.command, self.path, headers, self._read_body(headers))
            if reply.delay:
                time.sleep(reply.delay)
                try:
                    self._answer(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (its timeout): that was the point of the delay
                return
            self._answer(reply)

        def _answer(self, reply: _Reply) -> None:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        def _read_body(self, headers: dict[str, str]) -> bytes:
            if headers.get("transfer-encoding", "").lower() == "chunked":
                chunks: list[bytes] = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(headers.get("content-length") or 0)
            return self.rfile.read(length) if length else b""

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # tests assert on fake.calls; per-request stderr lines only bury failures

    return Handler
