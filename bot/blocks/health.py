"""The `/health` replies: the overview, one metric in detail, the top causes, and the short answers."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from bot import render
from bot.blocks import ids
from bot.blocks.figures import (
    causes_lines,
    component_fields,
    figure_lines,
    long_date,
    status_line,
    status_rank,
)
from bot.blocks.help import help_reply, unknown_word
from bot.blocks.layout import (
    actions,
    button,
    context,
    divider,
    fields,
    header,
    line_sections,
    more_line,
    section,
    share_button,
)
from bot.blocks.messages import pending_messages
from bot.blocks.mrkdwn import escape, plural
from bot.blocks.reply import Reply
from bot.render import Result
from metrics.registry import BY_ID

__all__ = [
    "help_reply",
    "metric_detail",
    "no_snapshot",
    "notice",
    "overview",
    "pending_messages",
    "top_causes",
    "unknown_word",
]

CAUSES_PER_METRIC = 5


def _more_causes(count: int) -> str:
    return more_line(count, "cause(s)")


def _metric_statuses(shown: list[Result]) -> dict[str, str]:
    """Each metric's most urgent status over its lines (ODR has one line per channel)."""
    worst: dict[str, str] = {}
    for result in shown:
        current = worst.get(result["id"])
        if current is None or status_rank(result) < status_rank({"status": current}):
            worst[result["id"]] = result["status"]
    return worst


def _tally(statuses: dict[str, str]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for status in statuses.values():
        counts[status] += 1
    parts = [
        f"{plural(counts['breach'], 'metric')} over target" if counts["breach"] else "",
        f"{counts['warning']:,} close to target" if counts["warning"] else "",
        f"{counts['ok']:,} on target" if counts["ok"] else "",
        f"{counts['no_data']:,} without data" if counts["no_data"] else "",
    ]
    return ", ".join(p for p in parts if p) or "no figures"


def overview(account: str, as_of: date, results: list[Result], oldest_data: date | None) -> Reply:
    """Every headline metric on one line, and what to look at first.

    Args:
        account: the account's name.
        as_of: the day of the stored snapshot.
        results: the snapshot's results (`MetricResult.as_json(detail=True)`).
        oldest_data: the earliest day any stored export covers, if known.
    """
    shown = render.summary_results(results)
    first = render.worst(results)
    day = long_date(as_of)
    tally = _tally(_metric_statuses(shown))
    notes = [f"*{escape(account)}* · as of *{day}*"]
    if oldest_data is not None:
        notes.append(f"oldest data: {long_date(oldest_data)}")
    blocks = [header("Account health"), context(*notes)]
    lines = [escape(render.summary_line(r)) for r in shown]
    blocks += line_sections(lines or ["No figures in this snapshot."], max_blocks=5)
    buttons = []
    if first is not None:
        blocks += [divider(), section(f"*First:* {escape(render.hint(first))}")]
        name = render.title(first)
        buttons.append(button(f"Details: {name}", action_id=ids.DETAIL, value=first["id"], primary=True))
        text = f"{account} account health as of {day}: {tally}. First: {render.hint(first)}"
    else:
        if shown:
            blocks.append(section("Every metric with enough data is on target."))
        text = f"{account} account health as of {day}: {tally}."
    buttons.append(share_button(""))
    blocks.append(actions(*buttons))
    return Reply(text=escape(text), blocks=blocks)


def metric_detail(account: str, as_of: date, results: list[Result], command: str) -> Reply:
    """Every figure of one metric (all its scopes and windows), with parts, causes, budget and outlook.

    Args:
        results: the metric's results only (one per scope or window length).
        command: the `/health` text that asked for it, which the Share button posts again.
    """
    day = long_date(as_of)
    if not results:
        return notice(f"No figures of `{escape(command)}` are stored for {escape(account)} as of {day}.")
    first = results[0]
    metric = BY_ID.get(first["id"])
    name = first["name"]
    notes = [f"*{escape(account)}* · as of *{day}*"]
    if metric is not None:
        notes.append(f"target {escape(render.format_target(first))} over {escape(metric.window)}")
    blocks = [header(name), context(*notes)]
    for index, result in enumerate(results):
        if index:
            blocks.append(divider())
        blocks.append(section("\n".join(figure_lines(result))))
        parts = component_fields(result)
        if parts:
            blocks.append(fields(parts))
        causes = causes_lines(result)
        if causes:
            blocks += line_sections(["*Top causes*", *causes], max_blocks=1, more=_more_causes)
        if result.get("outlook") and render.outlook_sentence(result):
            blocks.append(context(f"Outlook: {escape(result['outlook']['note'])}."))
    blocks.append(actions(share_button(command)))
    figures = "; ".join(
        f"{render.title(r)} {render.format_value(r)}, {render.STATUS_WORD[r['status']]}" for r in results
    )
    return Reply(text=escape(f"{name} for {account} as of {day}: {figures}"), blocks=blocks)


def _causes_pick(results: list[Result]) -> list[Result]:
    """Per metric, the figure whose causes matter most: the most urgent status, then the most defects."""
    by_metric: dict[str, list[Result]] = defaultdict(list)
    for result in render.summary_results(results):
        if result.get("causes"):
            by_metric[result["id"]].append(result)
    picked = [
        min(own, key=lambda r: (status_rank(r), -sum(c["count"] for c in r["causes"]))) for own in by_metric.values()
    ]
    return sorted(picked, key=lambda r: (status_rank(r), -sum(c["count"] for c in r["causes"])))


def top_causes(account: str, as_of: date, results: list[Result]) -> Reply:
    """The top defect causes across metrics, metrics over or close to target first."""
    day = long_date(as_of)
    picked = _causes_pick(results)
    blocks = [
        header("Top defect causes"),
        context(f"*{escape(account)}* · as of *{day}* · each with example orders"),
    ]
    if not picked:
        blocks.append(section(f"No defects with a recorded cause for {escape(account)} as of {day}."))
        blocks.append(actions(share_button("causes")))
        return Reply(text=f"No defect causes recorded for {escape(account)} as of {day}.", blocks=blocks)
    for result in picked:
        head = (
            f"{status_line(result)}, {render.STATUS_WORD[result['status']]}"
            if result["status"] != "no_data"
            else status_line(result)
        )
        blocks += line_sections([head, *causes_lines(result, CAUSES_PER_METRIC)], max_blocks=1, more=_more_causes)
    blocks.append(actions(share_button("causes")))
    summary = "; ".join(
        f"{render.title(r)}: {r['causes'][0]['label']} ({r['causes'][0]['count']:,})" for r in picked[:3]
    )
    return Reply(text=escape(f"Top defect causes for {account} as of {day}: {summary}"), blocks=blocks)


def no_snapshot(account: str) -> Reply:
    """Nothing computed yet for the account: what to upload to get started."""
    text = (
        f"Nothing is computed yet for *{escape(account)}*. Upload your Seller Central exports "
        "(the *All Orders* report first, then feedback, returns, claims and the Account Health report) "
        "to a channel healthbot is in, or to a direct message with it; the figures follow once they are read."
    )
    return Reply(
        text=f"Nothing is computed yet for {escape(account)}: upload your Seller Central exports, All Orders first.",
        blocks=[section(text), context("`/health help` lists every command.")],
    )


def notice(text: str) -> Reply:
    """One mrkdwn section: a confirmation or an error written by healthbot (not escaped: it is ours)."""
    return Reply(text=text, blocks=[section(text)])
