"""Slack mrkdwn: escaping text healthbot did not write, and cutting text to a limit without breaking it."""

from __future__ import annotations

ELLIPSIS = "…"


def escape(text: str) -> str:
    """Escape `&`, `<` and `>` only, as Slack asks: `<!channel>` in a SKU or file name stays inert text.

    Quotes and other characters pass through: HTML-escaping them would show up as `&quot;` in Slack.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in "…" when cut.

    The cut never splits an escaped entity (`&amp;`) or a `<…>` link or mention, which Slack would show as
    garbage or refuse.
    """
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(ELLIPSIS), 0)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    angle = cut.rfind("<")
    if angle != -1 and ">" not in cut[angle:]:
        cut = cut[:angle]
    return cut.rstrip() + ELLIPSIS


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 message`, `3 messages`, with thousands separators."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"
