"""Block constructors that keep to Slack's limits by cutting text rather than failing."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks import ids
from bot.blocks.mrkdwn import clip

HEADER_MAX = 150
SECTION_MAX = 3000
FIELD_MAX = 2000
FIELDS_MAX = 10
CONTEXT_ELEMENTS_MAX = 10
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000


def header(text: str) -> HeaderBlock:
    """A header; plain text, which Slack never parses for mentions, so it needs no escaping."""
    return HeaderBlock(text=PlainTextObject(text=clip(text, HEADER_MAX), emoji=True))


def section(text: str, *, accessory: ButtonElement | None = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_MAX)), accessory=accessory)


def fields(items: Sequence[str], *, text: str | None = None) -> SectionBlock:
    """A section of up to ten short mrkdwn fields, shown two by two; extra items are dropped."""
    return SectionBlock(
        text=MarkdownTextObject(text=clip(text, SECTION_MAX)) if text else None,
        fields=[MarkdownTextObject(text=clip(item, FIELD_MAX)) for item in items[:FIELDS_MAX]],
    )


def context(*texts: str) -> ContextBlock:
    return ContextBlock(
        elements=[MarkdownTextObject(text=clip(t, FIELD_MAX)) for t in texts[:CONTEXT_ELEMENTS_MAX] if t]
    )


def divider() -> DividerBlock:
    return DividerBlock()


def button(label: str, *, action_id: str, value: str, primary: bool = False) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=clip(label, BUTTON_TEXT_MAX), emoji=True),
        action_id=action_id,
        value=value[:BUTTON_VALUE_MAX],
        style="primary" if primary else None,
    )


def share_button(command: str) -> ButtonElement:
    """Posts the answer to `/health <command>` in the channel, for everyone to see."""
    return button("Share in channel", action_id=ids.SHARE, value=command)


def actions(*buttons: ButtonElement) -> ActionsBlock:
    return ActionsBlock(elements=list(buttons))


def more_line(count: int, noun: str) -> str:
    return f"_…and {count:,} more {noun}_"


def line_sections(
    lines: Sequence[str], *, max_blocks: int, more: Callable[[int], str] = lambda n: more_line(n, "lines")
) -> list[Block]:
    """Lines packed into as few sections as fit (3000 characters each), at most `max_blocks` of them.

    Lines that do not fit are summarised by `more(count)` at the end, so a long list ends with
    "…and 12 more" instead of breaking the message.
    """
    room = SECTION_MAX - 120  # kept free in every section for the closing `more` line
    chunks: list[list[str]] = []
    size = 0
    shown = 0
    for line in lines:
        line = clip(line, room)
        if chunks and size + 1 + len(line) <= room:
            chunks[-1].append(line)
            size += 1 + len(line)
        elif len(chunks) < max_blocks:
            chunks.append([line])
            size = len(line)
        else:
            break
        shown += 1
    if shown < len(lines) and chunks:
        chunks[-1].append(more(len(lines) - shown))
    return [section("\n".join(chunk)) for chunk in chunks]
