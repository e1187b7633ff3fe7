"""The morning digest posted to a channel, and the one DM an owner gets when an export stops arriving."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot import render
from bot.blocks import ids
from bot.blocks.figures import ORDER_ID_MAX, cause_line, long_date, status_rank
from bot.blocks.layout import actions, button, context, divider, header, line_sections, more_line, section
from bot.blocks.messages import SOON_HOURS, SUBJECT_MAX, URGENT_HOURS, time_left
from bot.blocks.mrkdwn import clip, escape, plural
from bot.blocks.reply import Reply
from bot.render import Result
from bot.reporting import kind_title
from metrics.registry import Condition
from storage.ingest.formats import BY_KIND

__all__ = ["ShipToday", "digest", "stale_notice", "trend"]

WEEK = timedelta(days=7)
CAUSES_SHOWN = 3
MESSAGES_SHOWN = 5
ORDERS_SHOWN = 5
SKU_MAX = 60
UP, DOWN, FLAT = "↑", "↓", "→"


@dataclass(frozen=True)
class ShipToday:
    """An order the unshipped snapshot says must ship today."""

    order_id: str
    sku: str
    ship_by: datetime  # the promise instant, aware (UTC)


# --- metrics and their trend -----------------------------------------------------------------------


def _key(result: Result) -> tuple[str, str, int | None]:
    return (result["id"], result["scope"], result.get("window_days"))


def trend(result: Result, earlier: Result | None) -> str:
    """`↑ worse, from 1.20%`, `↓ better, from 1.20%` or `→ same as 7 days earlier` (plain text).

    Values are compared as shown: a move too small to change the printed figure is no move to the reader,
    and an arrow beside two identical numbers would look like a bug.
    """
    before = None if earlier is None else earlier.get("value")
    if result.get("value") is None or before is None:
        return f"{FLAT} no figure 7 days earlier"
    shown_before = render.format_value({**result, "value": before})
    if render.format_value(result) == shown_before:
        return f"{FLAT} same as 7 days earlier"
    rose = result["value"] > before
    # `=` (policy violations, target 0) counts as lower-is-better too: fewer is closer to the target.
    better = rose != Condition(result["condition"]).lower_is_better
    return f"{UP if rose else DOWN} {'better' if better else 'worse'}, from {shown_before}"


def _metric_line(result: Result, earlier: Result | None, compare: bool) -> str:
    """`🔴 *Order Defect Rate (MFN)*: 1.65% (3 of 182), target < 1.00% · ↑ worse, from 1.20%` (escaped)."""
    shown = render.format_value(result)
    count = render.x_of_y(result)
    alarming = result["status"] in ("breach", "warning")
    if alarming and count and result["id"] not in render.COUNT_METRICS:
        shown += f" ({count})"
    if alarming and result.get("target") is not None:
        shown += f", target {render.format_target(result)}"
    if result.get("low_volume"):
        shown += ", low volume"
    # Without any earlier snapshot the context line says so once, instead of every line repeating it.
    move = trend(result, earlier) if compare else FLAT
    symbol = render.STATUS_SYMBOL[result["status"]]
    return f"{symbol} *{escape(render.title(result))}*: {escape(shown)} · {escape(move)}"


def _metric_statuses(shown: list[Result]) -> dict[str, str]:
    """Each metric's most urgent status over its lines (ODR has one line per channel)."""
    statuses: dict[str, str] = {}
    for result in shown:
        current = statuses.get(result["id"])
        if current is None or status_rank(result) < status_rank({"status": current}):
            statuses[result["id"]] = result["status"]
    return statuses


# --- causes ----------------------------------------------------------------------------------------


def _top_causes(shown: list[Result], limit: int = CAUSES_SHOWN) -> list[tuple[Result, dict[str, Any]]]:
    """The largest causes across metrics, metrics over or close to target first.

    One figure per metric: ODR's channels share their defects, and listing the same claim three times
    would crowd out the other metrics.
    """
    by_metric: dict[str, list[Result]] = defaultdict(list)
    for result in shown:
        if result.get("causes"):
            by_metric[result["id"]].append(result)
    picked = [
        min(own, key=lambda r: (status_rank(r), -sum(c["count"] for c in r["causes"]))) for own in by_metric.values()
    ]
    # Each metric's largest cause before any metric's second: Perfect Order counts every other metric's
    # defects, so by size alone its causes would fill the list and hide which metric they hurt.
    pairs = [(rank, result, cause) for result in picked for rank, cause in enumerate(result["causes"])]
    pairs.sort(key=lambda p: (p[0] > 0, status_rank(p[1]), -int(p[2]["count"])))
    return [(result, cause) for _, result, cause in pairs[:limit]]


def _cause_lines(shown: list[Result]) -> list[str]:
    pairs = _top_causes(shown)
    if not pairs:
        return ["*Top defect causes*", "No defect with a recorded cause."]
    lines = ["*Top defect causes*"]
    for result, cause in pairs:
        lines.append(f"• _{escape(render.title(result))}_ · {cause_line(cause).removeprefix('• ')}")
    return lines


# --- messages and orders due -----------------------------------------------------------------------


def _local(moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    """`21:41 CET` today (in the digest's zone), `25 Nov 06:00 CET` on another day."""
    local = moment.astimezone(zone)
    clock = f"{local:%H:%M} {local.tzname() or ''}".rstrip()
    return clock if local.date() == now.astimezone(zone).date() else f"{render.short_date(local.date())} {clock}"


def _urgency(hours: float) -> str:
    if hours <= URGENT_HOURS:
        return "🔴"
    return "🟠" if hours <= SOON_HOURS else "🟢"


def _message_line(message: dict[str, Any], now: datetime, zone: ZoneInfo) -> str:
    """`🔴 *2 h 10 min left* · due 21:41 CET · order 111-… · Where is my parcel?` (report text escaped)."""
    deadline = datetime.fromisoformat(message["deadline"])
    hours = (deadline - now).total_seconds() / 3600
    order = f"order {escape(clip(message['order_id'], ORDER_ID_MAX))}" if message.get("order_id") else "no order"
    subject = escape(clip(message["subject"], SUBJECT_MAX)) if message.get("subject") else "_(no subject)_"
    return f"{_urgency(hours)} *{time_left(deadline, now)}* · due {_local(deadline, now, zone)} · {order} · {subject}"


def _message_lines(pending: list[dict[str, Any]], now: datetime, zone: ZoneInfo) -> list[str]:
    if not pending:
        return ["✅ No buyer message is due within 24 hours."]
    ordered = sorted(pending, key=lambda m: datetime.fromisoformat(m["deadline"]))
    lines = [f"*Buyer messages due within 24 hours: {len(ordered):,}*"]
    lines += [_message_line(m, now, zone) for m in ordered[:MESSAGES_SHOWN]]
    if len(ordered) > MESSAGES_SHOWN:
        lines.append(more_line(len(ordered) - MESSAGES_SHOWN, "messages") + ": `/health messages` lists them all")
    return lines


def _order_line(order: ShipToday, now: datetime, zone: ZoneInfo) -> str:
    """`🟠 *5 h 30 min left* · ship by 17:00 CET · order 111-… · SKU HB-BOARD-05` (report text escaped)."""
    hours = (order.ship_by - now).total_seconds() / 3600
    return (
        f"{_urgency(hours)} *{time_left(order.ship_by, now)}* · ship by {_local(order.ship_by, now, zone)} · "
        f"order {escape(clip(order.order_id, ORDER_ID_MAX))} · SKU {escape(clip(order.sku, SKU_MAX))}"
    )


def _order_lines(ship_today: list[ShipToday], now: datetime, zone: ZoneInfo) -> list[str]:
    if not ship_today:
        return ["✅ No order must ship today."]
    ordered = sorted(ship_today, key=lambda o: o.ship_by)
    lines = [f"*Orders that must ship today: {len(ordered):,}*"]
    lines += [_order_line(o, now, zone) for o in ordered[:ORDERS_SHOWN]]
    if len(ordered) > ORDERS_SHOWN:
        lines.append(more_line(len(ordered) - ORDERS_SHOWN, "orders") + " in the Unshipped orders report")
    return lines


# --- data freshness --------------------------------------------------------------------------------


def _title(kind: str) -> str:
    """The export's name; a kind this build does not know (an older snapshot's) shows as itself."""
    try:
        return kind_title(kind)
    except KeyError:
        return kind.replace("_", " ")


def _through(day: date, as_of: date) -> str:
    return render.short_date(day) if day.year == as_of.year else long_date(day)


def _stale_words(days: int) -> str:
    return f"⚠️ {plural(days, 'day')} old: upload a new one"


def _freshness_lines(freshness: dict[str, date], stale: dict[str, int], as_of: date) -> list[str]:
    """Stale exports first (oldest first), then the rest by name."""
    kinds = sorted(set(freshness) | set(stale), key=lambda k: (-stale.get(k, -1), _title(k).lower()))
    lines = []
    for kind in kinds:
        newest = freshness.get(kind)
        line = f"• *{escape(_title(kind))}*: " + (
            f"through {_through(newest, as_of)}" if newest else "no day covered yet"
        )
        if kind in stale:
            line += f" · {_stale_words(stale[kind])}"
        lines.append(line)
    return lines


# --- the digest ------------------------------------------------------------------------------------


def _headline(statuses: dict[str, str], pending: int, ship_today: int, stale: dict[str, int]) -> str:
    """`5 metrics over target, 2 buyer messages due, …` in plain text; the caller escapes it."""
    over = sum(1 for s in statuses.values() if s == "breach")
    close = sum(1 for s in statuses.values() if s == "warning")
    parts = []
    if over:
        parts.append(f"{plural(over, 'metric')} over target")
    if close:
        parts.append(f"{plural(close, 'metric')} close to target")
    if not parts:
        parts.append("every metric with data on target" if statuses else "no figures yet")
    parts.append(f"{plural(pending, 'buyer message')} due" if pending else "no buyer message due")
    if ship_today:
        parts.append(f"{plural(ship_today, 'order')} to ship today")
    if stale:
        oldest = max(stale, key=lambda k: stale[k])
        parts.append(f"{_title(oldest)} {plural(stale[oldest], 'day')} old")
    return ", ".join(parts)


def digest(
    account: str,
    as_of: date,
    results: list[Result],
    week_ago: list[Result],
    pending: list[dict[str, Any]],
    ship_today: list[ShipToday],
    freshness: dict[str, date],
    stale: dict[str, int],
    now: datetime,
    timezone: str,
) -> Reply:
    """The morning digest: metrics with their week's trend, top causes, what is due today, data freshness.

    Args:
        account: the account's name (escaped here).
        as_of: the stored snapshot's day.
        results: the snapshot's results (`MetricResult.as_json(detail=True)`).
        week_ago: the results stored 7 days earlier, matched by (id, scope, window_days); may be empty.
        pending: `PendingMessage.as_json()` dicts due within 24 h; shown soonest first.
        ship_today: orders whose promised ship-by instant falls today.
        freshness: export kind -> the newest day its uploads cover.
        stale: export kind -> days without a new export, for kinds past the stale threshold.
        now: the aware posting instant; hours left are counted from it.
        timezone: an IANA zone (validated when the digest was set up) for the local times shown.
    """
    zone = ZoneInfo(timezone)
    day = long_date(as_of)
    shown = render.summary_results(results)
    earlier = {_key(r): r for r in week_ago}
    compare = bool(week_ago)
    statuses = _metric_statuses(shown)

    since = f"arrows against {long_date(as_of - WEEK)}" if compare else "no figures from 7 days earlier to compare"
    blocks: list[Block] = [
        header("Morning digest"),
        context(f"*{escape(account)}* · as of *{day}* · {since} · times in {escape(timezone)}"),
    ]
    metric_lines = [_metric_line(r, earlier.get(_key(r)), compare) for r in shown]
    blocks += line_sections(metric_lines or ["No figures in this snapshot."], max_blocks=2)
    blocks += [divider(), *line_sections(_cause_lines(shown), max_blocks=1)]
    blocks += [divider(), *line_sections(_message_lines(pending, now, zone), max_blocks=1)]
    blocks += line_sections(_order_lines(ship_today, now, zone), max_blocks=1)
    fresh = _freshness_lines(freshness, stale, as_of)
    blocks += [divider(), *line_sections(["*Data freshness*", *(fresh or ["No export uploaded yet."])], max_blocks=2)]

    first = render.worst(results)
    headline = _headline(statuses, len(pending), len(ship_today), stale)
    text = f"Morning digest for {account} ({day}): {headline}."
    if first is not None:
        blocks += [divider(), section(f"*First:* {escape(render.hint(first))}")]
        detail = button(f"Details: {render.title(first)}", action_id=ids.DETAIL, value=first["id"], primary=True)
        blocks.append(actions(detail))
        text += f" First: {render.hint(first)}"
    elif shown:
        blocks += [divider(), section("Every metric with enough data is on target.")]
    return Reply(text=escape(text), blocks=blocks)


def stale_notice(account: str, kind: str, days: int, newest: date | None) -> Reply:
    """The owner's one DM when an export (the All Orders report) has not arrived for `days` days."""
    name = _title(kind)
    fmt = BY_KIND.get(kind)
    covered = (
        f"the newest one covers through {long_date(newest)}"
        if newest is not None
        else "no upload of it covers any day yet"
    )
    lines = [
        f"⚠️ No new *{escape(name)}* for *{escape(account)}* in {plural(days, 'day')}: {covered}.",
        "The figures that depend on it stop moving until a fresh one arrives, so the digest and alerts go stale.",
    ]
    if fmt is not None:
        lines.append(f"*Where to get it:* {escape(fmt.where)}")
    lines.append("Upload it in this conversation or in a channel healthbot is in.")
    text = f"{account}: no new {name} in {plural(days, 'day')}; upload a fresh one to keep the figures current."
    return Reply(text=escape(text), blocks=[section("\n".join(lines)), context("`/health help` lists every command.")])
