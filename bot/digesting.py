"""Morning digests: each subscribed channel's, at its local time on its days, once per local day.

A digest is due from its local time (in the channel's time zone, so 08:00 stays 08:00 across daylight
saving changes) until `HEALTHBOT_DIGEST_GRACE_HOURS` later: a clock down at 08:00 that starts at 09:30
still sends it, once. The worst metric's 90-day trend chart follows in the digest's thread.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import render
from bot.blocks.digest import ShipToday, digest
from bot.days import parse_days
from bot.delivery import Chart, Poster
from bot.runtime import Runtime
from metrics.context import MetricContext
from metrics.messages import pending_messages
from metrics.registry import BY_ID
from storage import models
from storage.queries import due_to_ship, load_snapshot, metric_history, newest_data_days, newest_upload_at
from storage.team import digests

STALE_KIND = "all_orders"


def due_day(subscription: models.Digest, at: datetime, grace: timedelta) -> date | None:
    """The local day whose digest is due at `at`, if any (today's, or yesterday's late evening one)."""
    zone = ZoneInfo(subscription.timezone)
    hour, minute = (int(part) for part in subscription.at.split(":"))
    days = parse_days(subscription.days)
    local_today = at.astimezone(zone).date()
    for day in (local_today, local_today - timedelta(days=1)):
        scheduled = datetime.combine(day, time(hour, minute), tzinfo=zone)
        if day.weekday() in days and scheduled <= at < scheduled + grace:
            return day
    return None


def send_digests(runtime: Runtime, poster: Poster, at: datetime) -> int:
    grace = timedelta(hours=runtime.settings.digest_grace_hours)
    with runtime.sessions.begin() as session:
        due = [(d, day) for d in digests(session=session) if (day := due_day(d, at, grace)) is not None]
        session.expunge_all()
    sent = 0
    for subscription, day in due:
        if _send_one(runtime, poster, subscription, day, at):
            sent += 1
    return sent


def _send_one(runtime: Runtime, poster: Poster, subscription: models.Digest, day: date, at: datetime) -> bool:
    period, channel = day.isoformat(), subscription.channel_id
    workspace_id = subscription.workspace_id
    digest_id = poster.claimed(kind="digest", workspace_id=workspace_id, target=channel, period=period)
    if digest_id is not None and poster.claimed(kind="chart", workspace_id=workspace_id, target=channel, period=period):
        return False  # done (or being done) for the day: nothing to build
    zone = ZoneInfo(subscription.timezone)
    with runtime.sessions.begin() as session:
        account = session.get(models.Account, subscription.account_id)
        if account is None:
            return False
        stored = load_snapshot(session=session, account_id=account.id, as_of=at.date()) or load_snapshot(
            session=session, account_id=account.id
        )
        if stored is None:
            return False
        as_of, rows = stored
        week = load_snapshot(session=session, account_id=account.id, as_of=as_of - timedelta(days=7))
        ctx = MetricContext.for_account(session=session, account=account, as_of=at.date())
        pending = [m.as_json() for m in pending_messages(ctx, at=at)]
        start = datetime.combine(day, time(), tzinfo=zone)
        ship = [
            ShipToday(order_id, sku or "", ship_by)
            for order_id, sku, ship_by in due_to_ship(
                session=session, account_id=account.id, start=start, end=start + timedelta(days=1)
            )
        ]
        freshness = newest_data_days(session=session, account_id=account.id)
        newest_orders = newest_upload_at(session=session, account_id=account.id, kind=STALE_KIND)
        stale = {}
        if newest_orders is not None and (at - newest_orders).days >= runtime.settings.stale_days:
            stale[STALE_KIND] = (at - newest_orders).days
        results = [r.result for r in rows]
        worst = render.worst(results)
        history = (
            metric_history(
                session=session,
                account_id=account.id,
                metric_id=worst["id"],
                since=as_of - timedelta(days=90),
                until=as_of,
            )
            if worst
            else []
        )
        account_name = account.name
    reply = digest(
        account_name,
        as_of,
        results,
        [r.result for r in week[1]] if week else [],
        pending,
        ship,
        freshness,
        stale,
        at,
        subscription.timezone,
    )
    posted = None
    if digest_id is None:
        posted = digest_id = poster.send(
            kind="digest", workspace_id=workspace_id, target=channel, period=period, reply=reply
        )
    # The chart is claimed on its own: if the process stopped between the two claims, the next tick
    # finds the digest claimed and claims the chart still missing.
    if digest_id is not None and worst is not None:
        series = [
            (d.isoformat(), row.value)
            for d, row in history
            if row.scope == worst["scope"] and (row.window_days or None) == worst.get("window_days")
        ]
        poster.send(
            kind="chart",
            workspace_id=workspace_id,
            target=subscription.channel_id,
            period=period,
            chart=Chart(
                title=f"{render.title(worst)}, 90 days",
                points=series,
                target=worst.get("target"),
                lower_is_better=BY_ID[worst["id"]].condition.lower_is_better,
                percent=worst["id"] not in render.COUNT_METRICS,
            ),
            thread_of=digest_id,
        )
    return posted is not None
