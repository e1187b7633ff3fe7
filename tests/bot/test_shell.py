"""`healthbot shell` and `healthbot demo`: the Slack replies without Slack, through the same handlers."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.bot.test_cli import ORDERS


def _type(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    """What a user pipes into the shell (not a terminal: no prompt is awaited)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{line}\n" for line in lines)))


def test_demo_without_a_terminal_prints_the_health_and_odr_replies(
    cli: Callable[..., int], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _type(monkeypatch)
    assert cli("demo", "--orders", "300", "--as-of", "2026-11-24") == 0
    out = capsys.readouterr().out
    shown = out[out.index("What the team sees in Slack") :]
    assert "healthbot> /health\n" in shown and "healthbot> /health odr" in shown
    assert "Late Shipment Rate" in shown  # the overview: a line per metric
    assert "Window: 2026-09-11 to 2026-11-09" in shown  # the ODR detail: its window
    assert "&lt;" not in shown and '"type"' not in shown  # readable text, not escaped mrkdwn or JSON


def test_shell_uploads_a_file_and_answers_health_lines(
    cli: Callable[..., int], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "orders.txt").write_text(ORDERS, encoding="utf-8")
    (tmp_path / "bad.txt").write_text("hello\tworld\n", encoding="utf-8")
    _type(
        monkeypatch, "upload orders.txt", "upload bad.txt", "upload missing.txt", "/health odrr", "/health help", "quit"
    )
    assert cli("shell") == 0
    out = capsys.readouterr().out
    assert "orders.txt" in out and "New: 1" in out
    assert "bad.txt" in out and "not" in out.lower()  # refused, with the reason
    assert "no file at missing.txt" in out
    assert "odr" in out and "/health help" in out
    assert "digest here" in out
