"""A message as healthbot sends it: Block Kit blocks and the plain text fallback that goes with them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ContextBlock, MarkdownTextObject

from bot.blocks.mrkdwn import clip

MAX_BLOCKS = 50
# Slack refuses messages with `msg_blocks_too_long` well below the documented limits (about 13.2k characters
# of blocks, bolt-js #2509), so the blocks' JSON is held under this.
MAX_BLOCKS_CHARS = 12_000
# Slack cuts the top-level text at 40,000 characters; a notification never needs more than a few lines.
MAX_TEXT = 3000


@dataclass(frozen=True)
class Reply:
    """A message: `text` is the notification and screen-reader fallback, plain and meaningful on its own.

    Blocks past Slack's limits are dropped (a trailing row of buttons is kept) and replaced by a note, so a
    long list shortens instead of failing to post. Every block is validated by slack_sdk on construction.
    """

    text: str
    blocks: list[Block]

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("a reply needs a fallback text: notifications and screen readers show only it")
        object.__setattr__(self, "text", clip(self.text, MAX_TEXT))
        object.__setattr__(self, "blocks", _fit(list(self.blocks)))

    def payload(self) -> dict[str, Any]:
        """The `text` and `blocks` arguments of `chat.postMessage`, `respond` or `ack`."""
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}


def _size(block: Block) -> int:
    return len(json.dumps(block.to_dict(), ensure_ascii=False))


def _fit(blocks: list[Block]) -> list[Block]:
    """The blocks within Slack's count and size limits, the last row of buttons kept."""
    tail = [blocks.pop()] if blocks and isinstance(blocks[-1], ActionsBlock) else []
    sizes = [_size(b) for b in blocks]
    budget = MAX_BLOCKS_CHARS - sum(_size(b) for b in tail) - 200  # room for the note
    kept = 0
    used = 0
    while kept < len(blocks) and kept < MAX_BLOCKS - len(tail) - 1 and used + sizes[kept] <= budget:
        used += sizes[kept]
        kept += 1
    if kept == len(blocks) and len(blocks) + len(tail) <= MAX_BLOCKS:
        return blocks + tail
    dropped = len(blocks) - kept
    note = ContextBlock(
        elements=[MarkdownTextObject(text=f"…and {dropped:,} more part(s) not shown: the message is at Slack's limit")]
    )
    return blocks[:kept] + [note] + tail
