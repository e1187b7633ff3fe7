"""`/health help` and the reply to a word that names no metric."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.blocks import ids
from bot.blocks.layout import actions, button, context, header, section
from bot.blocks.mrkdwn import escape
from bot.blocks.reply import Reply
from metrics.registry import BY_ID, METRICS, MetricDef, find_metric

COMMANDS = (
    ("/health", "every headline metric against its target, and what to look at first"),
    ("/health METRIC", "one metric in detail: every figure, causes with example orders, budget and outlook"),
    ("/health messages", "buyer messages waiting for a reply, soonest deadline first"),
    ("/health causes", "the top defect causes across metrics"),
    ("/health account [NAME [MARKETPLACE]]", "show this channel's account, or bind one (a marketplace creates it)"),
    ("/health account share #channel", "let another channel see this channel's account"),
    ("/health targets [METRIC VALUE]", "show the targets, or change one (e.g. `/health targets odr 0.9%`)"),
    ("/health owner METRIC @user [warnings]", "who gets a DM when the metric breaks its target and recovers"),
    (
        "/health digest here [HH:MM] [timezone] [days]",
        "a morning digest in this channel (e.g. `09:00 Europe/Berlin mon-fri`)",
    ),
    ("/health digest off", "stop the digest in this channel"),
    ("/health help", "this list"),
)


# `/health messages` lists pending messages, so the alias `messages` is not offered for Contact Response Time.
COMMAND_WORDS = frozenset({"messages", "causes", "account", "targets", "owner", "digest", "help", "public"})


def _words(metric: MetricDef) -> str:
    plain_id = (metric.id,) if metric.id.isalpha() else ()  # `odr` is typed as is; `cancel_rate` is not
    words = [w for w in dict.fromkeys((*plain_id, *metric.aliases)) if w not in COMMAND_WORDS]
    return ", ".join(f"`{word}`" for word in words or (metric.id,))


def _metric_line(metric: MetricDef) -> str:
    if metric.part_of:
        return f"    ◦ {metric.name} (part of {BY_ID[metric.part_of].name}): {_words(metric)}"
    return f"• *{metric.name}*: {_words(metric)}"


def help_reply() -> Reply:
    """Every `/health` form, and the words for each metric."""
    commands = "\n".join(f"*{command}*: {what}" for command, what in COMMANDS)
    metrics = "\n".join(_metric_line(m) for m in METRICS)
    return Reply(
        text="/health shows account-health metrics: /health, /health METRIC, messages, causes, account, targets, "
        "owner, digest, help. Add `public` to post the answer in the channel.",
        blocks=[
            header("/health: account health in Slack"),
            section(commands),
            context("Add `public` to any form to post the answer in the channel, e.g. `/health odr public`."),
            section(f"*Metrics* (type any of the words)\n{metrics}"),
        ],
    )


def unknown_word(word: str, suggestions: list[str]) -> Reply:
    """ "No metric 'xyz'; did you mean …?", with a button for each metric suggested."""
    shown = escape(word)
    close = ", ".join(f"`{escape(s)}`" for s in suggestions)
    words = f"No metric '{shown}'" + (f"; did you mean {close}?" if close else ".") + " `/health help` lists them."
    blocks: list[Block] = [section(words)]
    seen: list[str] = []
    for suggestion in suggestions:
        metric = find_metric(suggestion)
        if metric is not None and metric.id not in seen:
            seen.append(metric.id)
    if seen:
        blocks.append(
            actions(*(button(BY_ID[metric_id].name, action_id=ids.DETAIL, value=metric_id) for metric_id in seen[:5]))
        )
    plain = f"No metric '{shown}'" + (f"; did you mean {', '.join(escape(s) for s in suggestions)}?" if close else ".")
    return Reply(text=plain + " /health help lists them.", blocks=blocks)
