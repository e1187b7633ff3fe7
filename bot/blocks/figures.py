"""Metric figures as mrkdwn: the pieces of `render` (plain words) escaped and laid out for Slack.

`render` writes plain text for the terminal; condition signs (`< 1.00%`), SKUs and basis notes in it are
escaped here before they become mrkdwn.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot import render
from bot.blocks.mrkdwn import clip, escape
from bot.render import Result
from metrics.registry import BY_ID

STATUS_RANK = {"breach": 0, "warning": 1, "ok": 2, "no_data": 3}
CAUSE_KIND = {
    "defect": "",
    "sku": "SKU ",
    "asin": "ASIN ",
    "carrier": "carrier ",
    "reason": "reason ",
    "keyword": "keyword ",
    "assignee": "assignee ",
    "initiator": "cancelled by ",
    "category": "",
    "answer": "",
}
CAUSES_SHOWN = 6
EXAMPLES_SHOWN = 3
# A label is a SKU, a reason or a subject keyword: anything past this is noise in a list of causes.
LABEL_MAX = 150
ORDER_ID_MAX = 40


def long_date(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def status_line(result: Result) -> str:
    """`🔴 *Order Defect Rate (MFN)*: 1.64% (3 of 183)`."""
    count = render.x_of_y(result)
    shown = render.format_value(result) + (f" ({count})" if count and result["id"] not in render.COUNT_METRICS else "")
    return f"{render.STATUS_SYMBOL[result['status']]} *{escape(render.title(result))}*: {escape(shown)}"


def cause_line(cause: dict[str, Any]) -> str:
    """`• SKU HB-BOARD-05: *2*, e.g. 112-2313562-6092218, 114-8859400-2035325` (report text escaped)."""
    kind = CAUSE_KIND.get(cause["kind"], f"{cause['kind']} ")
    examples = ", ".join(escape(clip(str(order), ORDER_ID_MAX)) for order in cause.get("orders", [])[:EXAMPLES_SHOWN])
    label = escape(clip(str(cause["label"]), LABEL_MAX))
    return f"• {escape(kind)}{label}: *{cause['count']:,}*" + (f", e.g. {examples}" if examples else "")


def causes_lines(result: Result, limit: int = CAUSES_SHOWN) -> list[str]:
    causes = result.get("causes") or []
    lines = [cause_line(c) for c in causes[:limit]]
    if len(causes) > limit:
        lines.append(f"_…and {len(causes) - limit} more cause(s)_")
    return lines


def _amazon_line(result: Result) -> str | None:
    """Amazon's own figure, when it is not already the headline value."""
    if result["basis"] == "amazon":
        return None
    words = render.amazon_words(result)
    return escape(words) if words else None


def _computed_line(result: Result) -> str | None:
    computed = result.get("computed")
    if not computed:
        return None
    figure = {**result, **{k: computed.get(k) for k in ("value", "numerator", "denominator")}}
    count = render.x_of_y(figure)
    return escape(f"Computed by healthbot: {render.format_value(figure)}" + (f" ({count})" if count else ""))


def budget_line(result: Result) -> str | None:
    budget = result.get("budget") or {}
    unit = BY_ID[result["id"]].unit if result["id"] in BY_ID else "orders"
    if result["status"] == "breach":
        if budget.get("clean_orders_to_recover") is not None:
            return f"*Budget:* {budget['clean_orders_to_recover']:,} defect-free {unit} needed to get back on target"
        return None
    if budget.get("defects_until_breach") is not None:
        return f"*Budget:* {budget['defects_until_breach']:,} more defect(s) before the target is breached"
    return None


def _extra_value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_extra_value(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_extra_value(item) for item in value)
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def figure_lines(result: Result) -> list[str]:
    """Value, window, target and status, basis, Amazon's and healthbot's figures, budget, outlook, extras."""
    lines = [status_line(result)]
    window = result.get("window")
    if window:
        rule = f" ({escape(BY_ID[result['id']].window)})" if result["id"] in BY_ID else ""
        lines.append(f"*Window:* {window['start']} to {window['end']}{rule}")
    lines.append(
        f"*Target:* {escape(render.format_target(result))}; status: {render.STATUS_WORD[result['status']]}"
        + (" (low volume: no alerts)" if result.get("low_volume") else "")
    )
    note = f": {escape(result['basis_note'])}" if result.get("basis_note") else ""
    lines.append(f"*Basis:* {escape(result['basis'])}{note}")
    for line in (_amazon_line(result), _computed_line(result)):
        if line:
            lines.append(line)
    if result.get("reconciliation"):
        lines.append(f"*Why they differ:* {escape(str(result['reconciliation']))}")
    budget = budget_line(result)
    if budget:
        lines.append(budget)
    outlook = render.outlook_sentence(result)
    if outlook:
        lines.append(f"*Outlook:* {escape(outlook)}")
    for key, value in (result.get("extra") or {}).items():
        if key != "pending_messages":  # listed by `/health messages`, far too long for a detail reply
            lines.append(f"{escape(key.replace('_', ' ').capitalize())}: {escape(_extra_value(value))}")
    return lines


def component_fields(result: Result) -> list[str]:
    """One field per component (the three ODR parts): `*Negative Feedback Rate*` and `1 of 183 = 0.55%`."""
    out = []
    for part, counts in (result.get("components") or {}).items():
        name = BY_ID[part].name if part in BY_ID else part.replace("_", " ")
        numerator, denominator = counts.get("numerator"), counts.get("denominator")
        shown = f"{numerator:,}" if numerator is not None else "no data"
        if denominator is not None:
            shown += f" of {denominator:,}"
            if denominator and numerator is not None:
                shown += f" = {render.percent(numerator / denominator)}"
        out.append(f"*{escape(name)}*\n{shown}")
    return out


def status_rank(result: Result) -> int:
    return STATUS_RANK.get(result["status"], len(STATUS_RANK))
