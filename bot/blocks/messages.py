"""`/health messages`: buyer messages waiting for a reply, soonest deadline first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.blocks.layout import actions, context, header, line_sections, more_line, section, share_button
from bot.blocks.mrkdwn import clip, escape, plural
from bot.blocks.reply import Reply

SHOWN = 30  # enough to work through; the rest are summarised, the message stays readable
SUBJECT_MAX = 100
URGENT_HOURS = 4
SOON_HOURS = 12


def _deadline(message: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(message["deadline"])


def duration(hours: float) -> str:
    """`45 min`, `3 h 05 min`, `21 h`; rounded down, so the time left is never overstated."""
    minutes = max(int(hours * 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 10 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // 60} h"


def time_left(deadline: datetime, now: datetime) -> str:
    hours = (deadline - now).total_seconds() / 3600
    return f"{duration(hours)} left" if hours >= 0 else f"overdue by {duration(-hours)}"


def slack_time(moment: datetime) -> str:
    """A time Slack shows in each reader's own time zone; the fallback (UTC) is for clients that cannot."""
    fallback = f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{escape(fallback)}>"


def _symbol(hours: float) -> str:
    if hours <= URGENT_HOURS:
        return "🔴"
    return "🟠" if hours <= SOON_HOURS else "🟢"


def message_line(message: dict[str, Any], now: datetime) -> str:
    """`🔴 *2 h 10 min left* · due <date> · order 111-… · Where is my parcel? · cs-sam` (report text escaped)."""
    deadline = _deadline(message)
    hours = (deadline - now).total_seconds() / 3600
    order = f"order {escape(message['order_id'])}" if message.get("order_id") else "no order"
    subject = escape(clip(message["subject"], SUBJECT_MAX)) if message.get("subject") else "_(no subject)_"
    assignee = escape(message["assignee"]) if message.get("assignee") else "unassigned"
    left = time_left(deadline, now)
    return f"{_symbol(hours)} *{left}* · due {slack_time(deadline)} · {order} · {subject} · {assignee}"


def pending_messages(account: str, now: datetime, messages: list[dict[str, Any]]) -> Reply:
    """Buyer messages pending a reply (`PendingMessage.as_json()`), soonest deadline first.

    Args:
        now: an aware instant; hours left are counted from it, not from the snapshot's evaluation instant.
    """
    if not messages:
        words = f"No buyer message waits for a reply on {escape(account)}."
        return Reply(text=words, blocks=[section(f"✅ {words}"), actions(share_button("messages"))])
    ordered = sorted(messages, key=_deadline)
    first = ordered[0]
    waits = "waits" if len(ordered) == 1 else "wait"
    blocks = [
        header("Buyer messages awaiting a reply"),
        context(
            f"*{escape(account)}* · *{plural(len(ordered), 'message')}* {waits} · soonest deadline first · "
            "a reply within 24 h of receipt counts as on time"
        ),
        *line_sections(
            [message_line(m, now) for m in ordered[:SHOWN]],
            max_blocks=4,
            more=lambda n: more_line(n, "messages"),
        ),
    ]
    if len(ordered) > SHOWN:
        rest = ordered[SHOWN:]
        blocks.append(
            context(
                more_line(len(rest), "messages")
                + f"; the last is due {slack_time(_deadline(rest[-1]))} ({time_left(_deadline(rest[-1]), now)})"
            )
        )
    blocks.append(actions(share_button("messages")))
    order = f" (order {first['order_id']})" if first.get("order_id") else ""
    left = time_left(_deadline(first), now)
    text = (
        f"{account}: {plural(len(ordered), 'buyer message')} {waits} for a reply; the first{order} has {left}."
        if not left.startswith("overdue")
        else f"{account}: {plural(len(ordered), 'buyer message')} {waits} for a reply; the first{order} is {left}."
    )
    return Reply(text=escape(text), blocks=blocks)
