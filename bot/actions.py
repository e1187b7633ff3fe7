"""The buttons on what the clock sends: snooze or mute an alert, mark a buyer message answered.

A button's value names an account (`account_id|...`); it is acted on only when that account belongs
to the workspace of whoever clicked, so a forged or forwarded value cannot reach another team's data.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.blocks import alerts, ids, reminders
from bot.blocks.health import notice
from bot.blocks.reply import Reply
from bot.health import Asker
from bot.runtime import Runtime
from storage import models
from storage.alerts import mark_message, set_preference

MONDAY_AT = time(8, 0)
NOT_YOURS = ":warning: That button belongs to an account this workspace cannot reach."


def next_monday(now: datetime, timezone: str) -> datetime:
    """08:00 next Monday in the account's time zone (a week on, when it is Monday already)."""
    local = now.astimezone(ZoneInfo(timezone))
    ahead = (7 - local.weekday()) % 7 or 7
    return datetime.combine(local.date() + timedelta(days=ahead), MONDAY_AT, tzinfo=ZoneInfo(timezone))


def _account(runtime: Runtime, asker: Asker, value: str) -> tuple[int, str] | None:
    try:
        account_id, rest = ids.unpack(value, 2)
        return int(account_id), rest
    except ValueError:
        return None


def on_alert_button(runtime: Runtime, asker: Asker, action_id: str, value: str) -> Reply:
    parsed = _account(runtime, asker, value)
    if parsed is None:
        return notice(NOT_YOURS)
    account_id, metric_id = parsed
    now = runtime.now()
    with runtime.sessions.begin() as session:
        account = session.get(models.Account, account_id)
        if account is None or account.workspace_id != runtime.workspace_id(session, asker.team_id):
            return notice(NOT_YOURS)
        until: datetime | None = None
        if action_id == ids.SNOOZE_DAY:
            until = now + timedelta(days=1)
        elif action_id == ids.SNOOZE_MONDAY:
            until = next_monday(now, account.timezone)
        set_preference(
            session=session,
            account_id=account.id,
            metric_id=metric_id,
            by=asker.user_id,
            now=now,
            snoozed_until=until,
            muted=True if action_id == ids.MUTE else None,
        )
    return alerts.snoozed(metric_id, until, action_id == ids.MUTE)


def on_message_button(runtime: Runtime, asker: Asker, action_id: str, value: str) -> Reply:
    parsed = _account(runtime, asker, value)
    if parsed is None:
        return notice(NOT_YOURS)
    account_id, message_id = parsed
    with runtime.sessions.begin() as session:
        account = session.get(models.Account, account_id)
        if account is None or account.workspace_id != runtime.workspace_id(session, asker.team_id):
            return notice(NOT_YOURS)
        replied = action_id == ids.REPLIED
        mark_message(
            session=session,
            account_id=account.id,
            message_id=message_id,
            replied=replied,
            by=asker.user_id,
            now=runtime.now(),
        )
    return reminders.message_marked(message_id, replied, asker.user_id)
