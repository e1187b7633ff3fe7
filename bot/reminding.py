"""The buyer-message clock and the stale-data notice.

Each message needing a reply gets a reminder when its 24-hour deadline is 6 h away and again at 2 h
(HEALTHBOT_REMINDER_HOURS), and an "overdue" note once the deadline has passed; a message marked
"Replied" or "No response needed" in Slack gets nothing more. Reminders go to the message's assignee
when the help desk names a Slack user (`U…` or `<@U…>`), else to the owner of the contact response
metric, else to the account's digest channels. A tick that comes late sends only the most urgent
stage due, not every one it missed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.blocks.digest import stale_notice
from bot.blocks.reminders import overdue, reminder
from bot.delivery import Poster
from bot.digesting import STALE_KIND
from bot.runtime import Runtime
from metrics.context import MetricContext
from metrics.messages import pending_messages
from storage import models
from storage.queries import newest_data_days, newest_upload_at
from storage.team import account_channels, owners

# A Slack user id (U or W, then capitals and digits, at least one digit), bare or as a mention: a help
# desk's "WAREHOUSE" or "UKSUPPORT" is a name, not an id, and goes to the fallback.
SLACK_USER = re.compile(r"^(?:<@)?([UW](?=[A-Z0-9]*\d)[A-Z0-9]{6,})(?:\|[^>]*)?>?$")
OVERDUE_NOTE_WITHIN = timedelta(hours=24)  # a message more overdue than this is the metric's business now
CRT = "contact_response"


def _recipients(
    assignee: str | None, owner: str | None, channels: list[str]
) -> tuple[list[tuple[str, bool]], str | None]:
    """(target, direct) pairs, and the user to mention."""
    match = SLACK_USER.match(assignee.strip()) if assignee else None
    if match:
        return [(match.group(1), True)], match.group(1)
    if owner:
        return [(owner, True)], owner
    return [(channel, False) for channel in channels], None


def remind(runtime: Runtime, poster: Poster, account: models.Account, at: datetime) -> int:
    stages = runtime.settings.reminder_stages()
    with runtime.sessions.begin() as session:
        ctx = MetricContext.for_account(session=session, account=account, as_of=at.date())
        messages = pending_messages(ctx, at=at, overdue_for=OVERDUE_NOTE_WITHIN)
        owner = owners(session=session, account_id=account.id).get(CRT)
        channels = account_channels(session=session, account_id=account.id)
    sent = 0
    for message in messages:
        targets, mention = _recipients(message.assignee, owner, channels)
        if message.hours_left <= 0:
            stage, reply = (
                "overdue",
                overdue(account.name, message.as_json(), -message.hours_left, account_id=account.id),
            )
        else:
            due = [h for h in stages if message.hours_left <= h]
            if not due:
                continue
            stage = f"{due[-1]:g}h"  # the most urgent stage reached
            reply = reminder(account.name, account.id, message.as_json(), message.hours_left, assignee_mention=mention)
        sent += poster.send_each(
            kind="reminder",
            workspace_id=account.workspace_id,
            targets=targets,
            period=f"{account.id}:{message.message_id}:{stage}",
            reply=reply,
        )
    return sent


def warn_stale(runtime: Runtime, poster: Poster, account: models.Account, at: datetime) -> int:
    """One message to the account's owner when no All Orders export arrived for `stale_days` days."""
    with runtime.sessions.begin() as session:
        newest = newest_upload_at(session=session, account_id=account.id, kind=STALE_KIND)
        covered = newest_data_days(session=session, account_id=account.id).get(STALE_KIND)
        owner_of = owners(session=session, account_id=account.id)
        channels = account_channels(session=session, account_id=account.id)
    if newest is None or at - newest < timedelta(days=runtime.settings.stale_days):
        return 0
    owner = owner_of.get("odr") or next(iter(sorted(owner_of.values())), None)
    targets = [(owner, True)] if owner else [(channel, False) for channel in channels]
    reply = stale_notice(account.name, STALE_KIND, (at - newest).days, covered)
    # One per staleness episode: the key is the upload that went stale.
    return poster.send_each(
        kind="stale",
        workspace_id=account.workspace_id,
        targets=targets,
        period=f"{account.id}:{STALE_KIND}:{newest.isoformat()}",
        reply=reply,
    )
