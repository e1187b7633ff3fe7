"""The buyer-message clock: a reminder before the 24-hour reply deadline, a note once it passed, and the
confirmation that replaces either after a click.

`message` is a pending message as `PendingMessage.as_json()` gives it (and a snapshot stores it).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block

from bot.blocks import ids
from bot.blocks.layout import actions, button, fields, section
from bot.blocks.messages import SUBJECT_MAX, duration, slack_time
from bot.blocks.mrkdwn import clip, escape
from bot.blocks.reply import Reply

# A user id (`U123`, or `W123` on Enterprise Grid), bare or as a mention `<@U123>` / `<@U123|name>`.
_BARE_USER = re.compile(r"^[UW][A-Z0-9]+$")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>$")


def mention(user: str) -> str:
    """`<@U123>` for a user id or a mention; anything else is shown as inert text.

    A caller's slip (a display name, a stray `<!channel>`) then reads oddly instead of pinging everyone.
    """
    user = user.strip()
    if _BARE_USER.match(user):
        return f"<@{user}>"
    found = _MENTION.match(user)
    if found:
        return f"<@{found.group(1)}>"
    return escape(user)


def _order(message: dict[str, Any]) -> str:
    return f"order {message['order_id']}" if message.get("order_id") else "no order id"


def _subject(message: dict[str, Any]) -> str:
    return clip(str(message["subject"]), SUBJECT_MAX) if message.get("subject") else "(no subject)"


def _facts(account: str, message: dict[str, Any], assignee: str | None) -> list[str]:
    """The message's fields, report text escaped: order, subject, received, deadline, account, assignee."""
    received = datetime.fromisoformat(message["received_at"])
    deadline = datetime.fromisoformat(message["deadline"])
    items = [
        f"*Order*\n{escape(str(message['order_id']))}" if message.get("order_id") else "*Order*\n_no order id_",
        f"*Subject*\n{escape(_subject(message))}",
        f"*Received*\n{slack_time(received)}",
        f"*Reply by*\n{slack_time(deadline)}",
        f"*Account*\n{escape(account)}",
    ]
    if assignee:
        items.append(f"*Assignee*\n{assignee}")
    elif message.get("assignee"):
        items.append(f"*Assignee*\n{escape(str(message['assignee']))}")
    return items


def reminder(
    account: str,
    account_id: int,
    message: dict[str, Any],
    hours_left: float,
    *,
    assignee_mention: str | None,
) -> Reply:
    """ "⏰ Buyer message needs a reply within 5 h 40 min", with the message's facts and Replied / No response.

    Args:
        account_id: the account's id, carried in the buttons' values with the message id.
        hours_left: counted by the caller from its own `now`, not the snapshot's evaluation instant.
        assignee_mention: the Slack user to ping (`U123` or `<@U123>`), or None.
    """
    who = mention(assignee_mention) if assignee_mention else None
    left = duration(hours_left)
    head = f"⏰ {who + ' ' if who else ''}*Buyer message needs a reply within {left}*"
    value = ids.pack(account_id, message["message_id"])
    blocks: list[Block] = [
        section(head),
        fields(_facts(account, message, who)),
        actions(
            button("Replied", action_id=ids.REPLIED, value=value, primary=True),
            button("No response needed", action_id=ids.NO_RESPONSE, value=value),
        ),
    ]
    text = f"⏰ Buyer message needs a reply within {left}: {escape(_order(message))}, “{escape(_subject(message))}”"
    text += f" ({escape(account)})" + (f" {who}" if who else "")
    return Reply(text=text, blocks=blocks)


def overdue(account: str, message: dict[str, Any], hours_over: float, *, account_id: int) -> Reply:
    """ "❗ The reply deadline passed 2 h 05 min ago": it already counts as late, only "Replied" is offered.

    "No response needed" is not offered: a message so marked leaves the metric altogether, and marking one
    only after its deadline passed would take a late reply out of the figure after the fact.

    Args:
        account_id: the account's id, for the Replied button's value (the same as the reminder's).
    """
    ago = duration(hours_over)
    head = f"❗ *The reply deadline passed {ago} ago*: this message already counts as answered late"
    value = ids.pack(account_id, message["message_id"])
    blocks: list[Block] = [
        section(head),
        fields(_facts(account, message, None)),
        actions(button("Replied", action_id=ids.REPLIED, value=value, primary=True)),
    ]
    text = f"❗ The reply deadline passed {ago} ago: {escape(_order(message))}, “{escape(_subject(message))}”"
    return Reply(text=text + f" ({escape(account)})", blocks=blocks)


def message_marked(message_id: str, replied: bool, by_user: str) -> Reply:
    """The note that replaces a reminder's buttons after a click: who marked it, and how."""
    how = "replied" if replied else "as needing no response"
    symbol = "✅" if replied else "☑️"
    text = f"{symbol} Marked {how} by {mention(by_user)} (buyer message {escape(message_id)})"
    return Reply(text=text, blocks=[section(text)])
