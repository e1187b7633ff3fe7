"""`healthbot shell`: Slack without Slack. `/health ...` lines and `upload PATH` go through the very
handlers Slack's requests reach, and the Block Kit replies are printed as readable text."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.blocks.reply import Reply
from bot.blocktext import to_text
from bot.health import Asker, answer
from bot.runtime import Runtime
from bot.uploads import receive
from storage.queries import LOCAL_TEAM_ID

# The shell stands for one user in one channel of the local workspace.
SHELL = Asker(team_id=LOCAL_TEAM_ID, channel_id="CSHELL", user_id="USHELL")
PROMPT = "healthbot> "
INTRO = "healthbot shell: type /health (or /health odr, /health help), upload PATH to share an export, quit to leave."


def handle(runtime: Runtime, line: str) -> str | None:
    """The printed reply to one line; None to leave."""
    line = line.strip()
    if line in ("quit", "exit", "q"):
        return None
    if not line:
        return ""
    if line.startswith("/health") or line.startswith("health"):
        text = line.split(maxsplit=1)[1] if " " in line else ""
        given = answer(runtime, SHELL, text)
        where = "(posted in the channel)" if given.public else "(only you can see this)"
        return f"{_text(given.reply)}\n{where}"
    if line.startswith("upload"):
        try:
            words = shlex.split(line)
        except ValueError as exc:
            return f"cannot read that line: {exc}"
        if len(words) != 2:
            return "upload takes one file: upload PATH"
        path = Path(words[1]).expanduser()
        if not path.is_file():
            return f"no file at {path}"
        received = receive(
            runtime,
            team_id=SHELL.team_id,
            channel_id=SHELL.channel_id,
            user_id=SHELL.user_id,
            path=path,
            name=path.name,
            source="shell",
        )
        return _text(received.reply)
    return "Type /health ..., upload PATH, or quit."


def _text(reply: Reply) -> str:
    return to_text(reply.payload())


def run(runtime: Runtime, lines: Iterable[str], write: Callable[[str], None]) -> None:
    """Answer `lines` (a script, or piped input) until they end or one says quit."""
    for line in lines:
        write(f"{PROMPT}{line.strip()}")
        reply = handle(runtime, line)
        if reply is None:
            return
        if reply:
            write(reply)


def interactive(runtime: Runtime) -> None:
    print(INTRO)
    while True:
        try:
            line = input(PROMPT)
        except EOFError:
            print()
            return
        reply = handle(runtime, line)
        if reply is None:
            return
        if reply:
            print(reply)
