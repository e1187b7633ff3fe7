"""Slack messages as terminal text, for `healthbot shell` and `healthbot demo`.

Reads a message payload (blocks as dicts, as `Reply.payload()` gives them or Slack sends them back) and
writes what a reader would see in Slack: mrkdwn markers and entities gone, links as their labels, buttons
as `[Label]`.
"""

from __future__ import annotations

import re
from typing import Any

RULE = "─" * 40
# `<…>` is Slack's syntax for links, mentions and dates; report text arrives escaped, so it never matches.
_ANGLE = re.compile(r"<([^<>]*)>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")


def _angle(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return label and f"@{label.lstrip('@')}" or target  # `<@U123>` stays `@U123`: no user names offline
    if target.startswith("#"):
        return f"#{label}" if label else target
    if target.startswith("!"):
        if label:  # `<!date^…|fallback>`, `<!subteam^ID|@team>`
            return label
        return "@" + target[1:].split("^")[0]  # `<!here>`, `<!channel>`
    return label or target


def mrkdwn_to_text(text: str) -> str:
    """Slack mrkdwn as plain text: `*bold*` → `bold`, `<url|label>` → `label`, `&lt;` → `<`."""
    text = _ANGLE.sub(_angle, text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    text = _STRIKE.sub(r"\1", text)
    # `&amp;` last: an escaped `&lt;` written as `&amp;lt;` must come out as `&lt;`, not `<`.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Any) -> str:
    """A text object's words; plain_text is shown as written (Slack does not parse it)."""
    if not isinstance(obj, dict):
        return str(obj) if obj else ""
    words = str(obj.get("text", ""))
    return mrkdwn_to_text(words) if obj.get("type") == "mrkdwn" else words


def _element(element: dict[str, Any]) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[{_text(element.get('text'))}]"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind in ("mrkdwn", "plain_text"):
        return _text(element)
    label = element.get("placeholder") or element.get("text")
    return f"[{_text(label)}]" if label else ""


def _rich_text(element: dict[str, Any]) -> str:
    """Slack's own rich text (what users type): text runs, links and mentions, nested lists joined."""
    kind = element.get("type")
    if kind == "text":
        return str(element.get("text", ""))
    if kind == "link":
        return str(element.get("text") or element.get("url", ""))
    if kind == "user":
        return f"@{element.get('user_id', '')}"
    if kind == "channel":
        return f"#{element.get('channel_id', '')}"
    if kind == "emoji":
        return f":{element.get('name', '')}:"
    parts = [_rich_text(e) for e in element.get("elements", [])]
    return ("\n" if kind in ("rich_text", "rich_text_list") else "").join(parts)


def _block(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        title = _text(block.get("text"))
        return [title, "=" * len(title)]
    if kind == "section":
        lines = _text(block.get("text")).splitlines() if block.get("text") else []
        for field in block.get("fields", []):
            lines.append(": ".join(_text(field).splitlines()))  # a field's `*Label*\nvalue` on one line
        accessory = block.get("accessory")
        if isinstance(accessory, dict):
            shown = _element(accessory)
            if shown:
                lines.append(shown)
        return lines
    if kind == "context":
        return [" · ".join(s for s in (_element(e) for e in block.get("elements", [])) if s)]
    if kind == "divider":
        return [RULE]
    if kind == "actions":
        return [" ".join(s for s in (_element(e) for e in block.get("elements", [])) if s)]
    if kind == "markdown":
        return str(block.get("text", "")).splitlines()
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    if kind == "rich_text":
        return _rich_text(block).splitlines()
    return []


def to_text(payload: dict[str, Any]) -> str:
    """A message payload (`{"text": …, "blocks": [...]}`) as readable terminal text.

    Falls back to the `text` when there are no blocks.
    """
    blocks = payload.get("blocks") or []
    if not blocks:
        return mrkdwn_to_text(str(payload.get("text", "")))
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, dict):
            lines.extend(_block(block))
    return "\n".join(lines)
