"""Target-crossing alerts: a DM to the metric's owner when a figure goes into breach and when it
recovers, again every few days while it stays in breach, never for a value flapping around its target.

Hysteresis: a figure in breach stays in breach until it is back at "ok" (out of the warning band),
or, with HEALTHBOT_RECOVERY_MARGIN, better than its target by that share. So 1.01%, 0.99%, 1.01%
around a 1% target is one alert, not three. Low-volume figures never alert (their status is not
significant); warnings are DMed only to owners who asked for them (`/health owner METRIC @user warnings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.blocks import alerts as views
from bot.delivery import Poster
from bot.runtime import Runtime
from metrics.registry import BY_ID
from storage import models
from storage.alerts import FigureKey, alert_states, preferences, save_state
from storage.queries import load_snapshot
from storage.team import account_channels, owners

Result = dict[str, Any]


@dataclass(frozen=True)
class Crossing:
    key: FigureKey
    kind: str  # breach | recovered | still_breach | warning
    result: Result
    days_in_breach: int | None


def recovered(result: Result, margin: float | None) -> bool:
    if result["status"] == "ok":
        return True
    value, target = result.get("value"), result.get("target")
    if margin is None or value is None or target is None or result["status"] == "breach":
        return False
    if result["condition"] == ">=":
        return bool(1 - value <= (1 - target) * (1 - margin))
    return bool(value <= target * (1 - margin))


def crossings(
    results: list[Result],
    states: dict[FigureKey, models.AlertState],
    today: date,
    renotify_days: int,
    margin: float | None,
) -> tuple[list[Crossing], dict[FigureKey, tuple[str, date]]]:
    """What to tell, and each figure's new (state, since)."""
    found: list[Crossing] = []
    new_states: dict[FigureKey, tuple[str, date]] = {}
    for result in results:
        if BY_ID[result["id"]].part_of:
            continue
        key: FigureKey = (result["id"], result["scope"], int(result.get("window_days") or 0))
        previous = states.get(key)
        was = previous.state if previous else "ok"
        status = "ok" if result["status"] == "no_data" else result["status"]
        if result.get("low_volume"):
            # Too few orders for the status to mean anything: neither a crossing nor a recovery.
            if previous is not None:
                new_states[key] = (previous.state, previous.since)
            continue
        if was == "breach" and status != "breach" and not recovered(result, margin):
            state = "breach"  # inside the band: still in breach, no flapping
        else:
            state = status
        since = previous.since if previous and previous.state == state else today
        new_states[key] = (state, since)
        if state == "breach" and was != "breach":
            found.append(Crossing(key, "breach", result, None))
        elif state == "breach":
            last = previous.notified_on if previous else None
            if last is None or (today - last).days >= renotify_days:
                found.append(Crossing(key, "still_breach", result, (today - since).days + 1))
        elif was == "breach":
            found.append(Crossing(key, "recovered", result, None))
        elif state == "warning" and was == "ok":
            found.append(Crossing(key, "warning", result, None))
    return found, new_states


def alert(runtime: Runtime, poster: Poster, account: models.Account, at: datetime) -> int:
    """Evaluate the account's stored figures for the day of `at`; returns how many messages were sent."""
    today = at.date()
    with runtime.sessions.begin() as session:
        stored = load_snapshot(session=session, account_id=account.id, as_of=today)
        if stored is None:
            return 0
        yesterday = load_snapshot(session=session, account_id=account.id, as_of=today - timedelta(days=1))
        states = alert_states(session=session, account_id=account.id)
        prefs = preferences(session=session, account_id=account.id)
        owner_of = owners(session=session, account_id=account.id)
        channels = account_channels(session=session, account_id=account.id)
    previous = {(r.metric_id, r.scope, r.window_days or 0): r.result for r in (yesterday[1] if yesterday else [])}
    found, new_states = crossings(
        [r.result for r in stored[1]], states, today, runtime.settings.renotify_days, runtime.settings.recovery_margin
    )
    sent = 0
    notified: set[FigureKey] = set()
    for crossing in found:
        metric_id = crossing.key[0]
        pref = prefs.get(metric_id)
        if pref is not None and pref.muted:
            continue  # muted: nothing about this metric until an owner is named again
        snoozed = pref is not None and pref.snoozed_until is not None and pref.snoozed_until > at
        owner = owner_of.get(metric_id)
        if crossing.kind == "warning" and (owner is None or pref is None or not pref.warnings):
            continue  # warnings are for the digest, unless the owner asked
        if snoozed and crossing.kind != "recovered":
            continue  # snoozed: the breach is told again once the snooze ends; a recovery is told at once
        reply = views.crossing(
            account.name,
            account.id,
            crossing.result,
            crossing.kind,
            previous=previous.get(crossing.key),
            days_in_breach=crossing.days_in_breach,
        )
        # The account is in the key: two accounts of one workspace may share an owner or a channel.
        period = ":".join([str(account.id), *map(str, crossing.key), crossing.kind, today.isoformat()])
        targets = [(owner, True)] if owner else [(channel, False) for channel in channels]
        sent += poster.send_each(
            kind="alert", workspace_id=account.workspace_id, targets=targets, period=period, reply=reply
        )
        if crossing.kind in ("breach", "still_breach"):
            notified.add(crossing.key)
    with runtime.sessions.begin() as session:
        for key, (state, since) in new_states.items():
            old = states.get(key)
            notified_on = today if key in notified else (old.notified_on if old and state == "breach" else None)
            if old is None or (old.state, old.since, old.notified_on) != (state, since, notified_on):
                save_state(
                    session=session, account_id=account.id, key=key, state=state, since=since, notified_on=notified_on
                )
    return sent
