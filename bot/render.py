"""Words and numbers for metric results, shared by the command line and the Slack replies.

Everything here works on the JSON form of a result (`MetricResult.as_json(detail=True)`), which is
also what a stored daily snapshot holds, so a fresh report and a Slack reply read the same.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from metrics.registry import BY_ID, HEADLINE

Result = dict[str, Any]

STATUS_SYMBOL = {"ok": "✅", "warning": "⚠️", "breach": "🔴", "no_data": "⚪"}
STATUS_WORD = {"ok": "on target", "warning": "close to target", "breach": "over target", "no_data": "no data"}
SCOPE_LABEL = {"afn": "AFN", "mfn": "MFN", "all": "all", "account": ""}
COUNT_METRICS = frozenset({"policy_violations", "account_health_rating"})


def short_date(day: str | date) -> str:
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{value.day} {value:%b}"


def percent(value: float) -> str:
    return f"{value * 100:.2f}%"


def format_value(result: Result) -> str:
    value = result.get("value")
    if value is None:
        return "no data"
    if result["id"] in COUNT_METRICS:
        return f"{value:,.0f}"
    return percent(value)


def format_target(result: Result) -> str:
    target = result.get("target")
    if target is None:
        return "no target"
    shown = f"{target:,.0f}" if result["id"] in COUNT_METRICS else percent(target)
    return f"{result['condition']} {shown}"


def title(result: Result) -> str:
    name = result["name"]
    scope = SCOPE_LABEL.get(result["scope"], result["scope"])
    parts = [name]
    if scope and len(BY_ID[result["id"]].scopes) > 1:
        parts.append(f"({scope})")
    if result.get("window_days"):
        parts.append(f"[{result['window_days']} days]")
    return " ".join(parts)


def basis_marker(result: Result) -> str:
    return {"estimate": " (estimate)", "amazon": " (Amazon)"}.get(result["basis"], "")


def x_of_y(result: Result) -> str:
    if result.get("numerator") is None or result.get("denominator") is None:
        return ""
    return f"{result['numerator']:,} of {result['denominator']:,}"


def summary_results(results: list[Result]) -> list[Result]:
    """One line's worth per metric: headline windows, scopes with data (all scopes when none has)."""
    chosen: list[Result] = []
    for metric in HEADLINE:
        own = [r for r in results if r["id"] == metric.id]
        windows = [int(r["window_days"]) for r in own if r.get("window_days")]
        if windows:
            own = [r for r in own if r.get("window_days") == max(windows)]
        with_data = [r for r in own if r["status"] != "no_data"]
        chosen.extend(with_data or own[:1])
    return chosen


def summary_line(result: Result) -> str:
    count = x_of_y(result)
    shown = format_value(result) + (f" ({count})" if count and result["id"] not in COUNT_METRICS else "")
    low = " · low volume" if result.get("low_volume") else ""
    target = f"target {format_target(result)}" if result.get("target") is not None else "no target"
    return f"{STATUS_SYMBOL[result['status']]} {title(result)}: {shown}, {target}{basis_marker(result)}{low}"


def worst(results: list[Result]) -> Result | None:
    """The result most in need of attention: a breach before a warning, the largest share of target."""
    order = {"breach": 0, "warning": 1}
    candidates = [r for r in results if r["status"] in order and not r.get("low_volume")]
    if not candidates:
        return None

    def pressure(result: Result) -> float:
        value, target = result.get("value") or 0.0, result.get("target") or 0.0
        if result["condition"] == ">=":
            return (1 - value) / max(1 - target, 1e-9)
        return value / target if target else value

    return min(candidates, key=lambda r: (order[r["status"]], -pressure(r)))


def hint(result: Result) -> str:
    """One sentence on what to look at first."""
    words = f"{title(result)} is {STATUS_WORD[result['status']]}"
    budget = result.get("budget") or {}
    if result["status"] == "breach" and budget.get("clean_orders_to_recover"):
        words += f": {budget['clean_orders_to_recover']:,} defect-free {BY_ID[result['id']].unit} to get back"
    elif result["status"] == "warning" and budget.get("defects_until_breach") is not None:
        words += f": {budget['defects_until_breach']:,} more defect(s) and it breaches"
    outlook = outlook_sentence(result)
    if outlook:
        words += f"; {outlook}"
    return (
        words + f". Details: /health {BY_ID[result['id']].aliases[0] if BY_ID[result['id']].aliases else result['id']}"
    )


def outlook_sentence(result: Result) -> str | None:
    outlook = result.get("outlook")
    if not outlook:
        return None
    if outlook.get("recovers_on"):
        return f"clears on {short_date(outlook['recovers_on'])} if no new defects arrive"
    if result["status"] == "breach" and outlook.get("days"):
        return f"stays over target for the next {len(outlook['days'])} days even with no new defects"
    leaves = outlook.get("defects_leave") or []
    if leaves:
        first = leaves[0]
        return f"{first['defects']} defect(s) leave the window on {short_date(first['date'])}"
    return None


def amazon_words(result: Result) -> str | None:
    """Amazon's own figure from its Account Health report, as the team reads it; None without one."""
    amazon = result.get("amazon")
    if not amazon or amazon.get("value") is None:
        return None
    figure = {**result, **{k: amazon.get(k) for k in ("value", "numerator", "denominator")}}
    count = x_of_y(figure)
    words = f"Amazon's figure: {format_value(figure)}" + (f" ({count})" if count else "")
    if amazon.get("reported_through"):
        words += f", reported through {short_date(str(amazon['reported_through'])[:10])}"
    if amazon.get("stale"):
        words += " (stale)"
    return words


def detail_lines(result: Result) -> list[str]:
    """Everything about one figure: value, window, target, basis, parts, causes, budget, outlook."""
    lines = [
        f"{STATUS_SYMBOL[result['status']]} {title(result)}: {format_value(result)}"
        + (f" ({x_of_y(result)})" if x_of_y(result) else "")
    ]
    window = result.get("window")
    if window:
        lines.append(f"Window: {window['start']} to {window['end']} ({BY_ID[result['id']].window})")
    lines.append(
        f"Target: {format_target(result)}; status: {STATUS_WORD[result['status']]}"
        + (" (low volume: no alerts)" if result.get("low_volume") else "")
    )
    note = f"Basis: {result['basis']}" + (f": {result['basis_note']}" if result.get("basis_note") else "")
    lines.append(note)
    amazon = amazon_words(result)
    if amazon:
        lines.append(amazon)
    if result.get("computed"):
        computed = result["computed"]
        lines.append(
            f"Computed by healthbot: {format_value({**result, 'value': computed.get('value')})}"
            + (
                f" ({computed.get('numerator')} of {computed.get('denominator')})"
                if computed.get("denominator") is not None
                else ""
            )
        )
    if result.get("reconciliation"):
        lines.append(f"Why they differ: {result['reconciliation']}")
    for part, counts in (result.get("components") or {}).items():
        name = BY_ID[part].name if part in BY_ID else part
        share = (
            f" = {percent(counts['numerator'] / counts['denominator'])}"
            if counts.get("denominator") and counts.get("numerator") is not None
            else ""
        )
        lines.append(
            f"  {name}: {counts.get('numerator')}"
            + (f" of {counts['denominator']}" if counts.get("denominator") is not None else "")
            + share
        )
    causes = result.get("causes") or []
    if causes:
        lines.append("Top causes:")
        for cause in causes[:6]:
            examples = ", ".join(cause["orders"][:3])
            lines.append(
                f"  {cause['label']} ({cause['kind']}): {cause['count']}" + (f", e.g. {examples}" if examples else "")
            )
    budget = result.get("budget")
    if budget:
        if result["status"] == "breach":
            if budget.get("clean_orders_to_recover") is not None:
                lines.append(
                    f"Budget: {budget['clean_orders_to_recover']:,} defect-free {BY_ID[result['id']].unit} "
                    "needed to get back on target"
                )
        elif budget.get("defects_until_breach") is not None:
            lines.append(f"Budget: {budget['defects_until_breach']:,} more defect(s) before the target is breached")
    sentence = outlook_sentence(result)
    if sentence:
        lines.append(f"Outlook: {sentence} ({result['outlook']['note']})")
    for key, value in (result.get("extra") or {}).items():
        if key != "pending_messages":
            lines.append(f"{key.replace('_', ' ').capitalize()}: {value}")
    return lines
