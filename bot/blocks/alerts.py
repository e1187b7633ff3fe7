"""Direct messages to a metric's owner when it crosses its target, and the note that replaces their buttons.

Pure builders: the scheduler decides who gets what and when; these only turn stored results into a message.
"""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk.models.blocks import Block, ButtonElement, ConfirmObject, PlainTextObject

from bot import render
from bot.blocks import ids
from bot.blocks.figures import budget_line, causes_lines
from bot.blocks.help import COMMAND_WORDS
from bot.blocks.layout import BUTTON_TEXT_MAX, actions, button, context, line_sections, more_line, section
from bot.blocks.mrkdwn import clip, escape, plural
from bot.blocks.reply import Reply
from bot.render import Result
from metrics.registry import BY_ID, METRICS, MetricDef, find_metric

KINDS = ("breach", "recovered", "still_breach", "warning")
# The status each kind of alert reports, for its symbol and words.
KIND_STATUS = {"breach": "breach", "recovered": "ok", "still_breach": "breach", "warning": "warning"}
CAUSES_SHOWN = 5
# Slack's limits on a confirmation dialog (`ConfirmObject`).
CONFIRM_TITLE_MAX = 100
CONFIRM_TEXT_MAX = 300


def command_word(metric_id: str) -> str:
    """The word to type after `/health` for a metric, as `/health help` lists it (`odr`, `crt`, `late`).

    Some aliases are command words (`messages` lists pending messages), so they are skipped.
    """
    metric = BY_ID.get(metric_id)
    if metric is None:
        return metric_id
    plain_id = (metric.id,) if metric.id.isalpha() else ()
    words = [w for w in (*plain_id, *metric.aliases) if w not in COMMAND_WORDS]
    return words[0] if words else metric.id


def _change(result: Result, previous: Result | None) -> str:
    """`0.82% → 1.05%`, or the current value alone when there is nothing to compare with."""
    current = render.format_value(result)
    return f"{render.format_value(previous)} → {current}" if previous is not None else current


def _phrase(kind: str, days_in_breach: int | None) -> str:
    if kind == "breach":
        return f"went {render.STATUS_WORD['breach']}"
    if kind == "recovered":
        return f"is back {render.STATUS_WORD['ok']}"
    if kind == "warning":
        return f"is {render.STATUS_WORD['warning']}"
    if days_in_breach is not None:
        return f"has been {render.STATUS_WORD['breach']} for {plural(days_in_breach, 'day')}"
    return f"is still {render.STATUS_WORD['breach']}"


def _headline(result: Result, kind: str, previous: Result | None, days_in_breach: int | None) -> tuple[str, str]:
    """The sentence saying what changed, as mrkdwn (title in bold) and as plain text for the fallback."""
    symbol = render.STATUS_SYMBOL[KIND_STATUS[kind]]
    title = render.title(result)
    tail = f"{_phrase(kind, days_in_breach)}: {_change(result, previous)} (target {render.format_target(result)})"
    return f"{symbol} *{escape(title)}* {escape(tail)}", f"{symbol} {title} {tail}"


def _mute_button(value: str, title: str, account: str, word: str) -> ButtonElement:
    """Muting stops every alert of the metric until an owner is named again, so it asks first."""
    question = (
        f"No more alerts for {escape(title)} on *{escape(account)}*. "
        f"`/health owner {escape(word)} @user` turns them back on."
    )
    return ButtonElement(
        text=PlainTextObject(text=clip("Mute this metric", BUTTON_TEXT_MAX), emoji=True),
        action_id=ids.MUTE,
        value=value,
        style="danger",
        confirm=ConfirmObject(
            title=clip(f"Mute {title}?", CONFIRM_TITLE_MAX),
            text=clip(question, CONFIRM_TEXT_MAX),
            confirm="Mute",
            deny="Cancel",
            style="danger",
        ),
    )


def crossing(
    account: str,
    account_id: int,
    result: Result,
    kind: str,
    *,
    previous: Result | None,
    days_in_breach: int | None = None,
) -> Reply:
    """A direct message to the owner: what changed, why (top causes), budget, outlook, and snooze or mute.

    Args:
        account: the account's name.
        account_id: the account's id, carried in the buttons' values with the metric id.
        result: the figure now (`MetricResult.as_json(detail=True)`, as a snapshot stores it).
        kind: "breach" (went over target), "recovered" (back on target), "still_breach" (the repeat while in
            breach) or "warning" (close to target).
        previous: the figure it is compared with (the previous snapshot's), or None when there is none.
        days_in_breach: for "still_breach", how many days it has been over target.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown alert kind {kind!r}; expected one of {', '.join(KINDS)}")
    marked, plain = _headline(result, kind, previous, days_in_breach)
    word = command_word(result["id"])
    notes = [f"*{escape(account)}*"]
    if result.get("window"):
        window = result["window"]
        notes.append(f"window {render.short_date(window['start'])} to {render.short_date(window['end'])}")
    count = render.x_of_y(result)
    if count and result["id"] not in render.COUNT_METRICS:
        notes.append(count)
    blocks: list[Block] = [section(marked), context(" · ".join(notes))]
    # A recovery needs no investigation: the causes and the clock are for a figure that still needs work.
    if kind != "recovered":
        causes = causes_lines(result, CAUSES_SHOWN)
        if causes:
            blocks += line_sections(
                ["*Why: top causes*", *causes], max_blocks=1, more=lambda n: more_line(n, "cause(s)")
            )
    facts = []
    budget = budget_line(result)
    if budget:
        facts.append(budget)
    outlook = render.outlook_sentence(result) if kind != "recovered" else None
    if outlook:
        facts.append(f"*Outlook:* {escape(outlook)}")
    if facts:
        blocks.append(section("\n".join(facts)))
    footer = []
    # An estimate can move once the missing report arrives; the owner should know before acting on it.
    if result.get("basis") == "estimate":
        note = f": {escape(result['basis_note'])}" if result.get("basis_note") else ""
        footer.append(f"_Estimated figure{note}_")
    footer.append(f"Details: `/health {escape(word)}`")
    blocks.append(context(*footer))
    if kind != "recovered":
        value = ids.pack(account_id, result["id"])
        blocks.append(
            actions(
                button("Snooze 1 day", action_id=ids.SNOOZE_DAY, value=value),
                button("Snooze until Monday", action_id=ids.SNOOZE_MONDAY, value=value),
                _mute_button(value, render.title(result), account, word),
            )
        )
    return Reply(text=escape(f"{account}: {plain}"), blocks=blocks)


def _metric(name: str) -> MetricDef | None:
    """The metric a name, id or alias stands for; a component stands for the metric it is part of."""
    metric = find_metric(name) or next((m for m in METRICS if m.name.casefold() == name.casefold()), None)
    if metric is not None and metric.part_of:
        return BY_ID[metric.part_of]
    return metric


def until_words(until: datetime) -> str:
    """`Mon 1 Dec 08:00 UTC`: one unambiguous zone for everyone who reads the note."""
    if until.tzinfo is None:
        raise ValueError("`until` must be an aware datetime: a naive one has no single instant")
    moment = until.astimezone(UTC)
    return f"{moment:%a} {moment.day} {moment:%b %H:%M} UTC"


def snoozed(metric_name: str, until: datetime | None, muted: bool) -> Reply:
    """The note that replaces an alert's buttons once snoozed or muted, with how to undo it.

    Args:
        metric_name: the metric's name or id (`Order Defect Rate`, `odr`); its `/health` word is looked up.
        until: when alerts resume (aware), for a snooze; ignored when muted.
        muted: no more alerts until an owner is named again with `/health owner`.
    """
    metric = _metric(metric_name)
    name = metric.name if metric is not None else metric_name
    word = command_word(metric.id) if metric is not None else "METRIC"
    if muted:
        text = (
            f"🔕 Muted: no more alerts for {name}. "
            f"To turn them back on, name the owner again with `/health owner {word} @user`."
        )
    elif until is not None:
        text = (
            f"💤 Snoozed until {until_words(until)}: no alerts for {name} until then. "
            f"Alerts resume on their own; `/health {word}` shows the figure meanwhile."
        )
    else:
        raise ValueError("a snooze needs the time alerts resume (`until`) unless the metric is muted")
    return Reply(text=escape(text), blocks=[section(escape(text))])
