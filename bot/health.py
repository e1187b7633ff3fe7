"""`/health ...`: what each form of the command answers, for Slack and for `healthbot shell` alike.

Answers are read from the stored daily snapshots (computed after each ingestion and by the clock),
never from a fresh computation, so that they come well within Slack's 3 seconds. Settings changes are
saved at once; the figures they affect are recomputed after the answer (`Answer.recompute`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from bot.blocks import health as views
from bot.blocks.mrkdwn import escape
from bot.blocks.reply import Reply
from bot.days import parse_days
from bot.render import COUNT_METRICS
from bot.runtime import Runtime
from metrics.context import MetricContext
from metrics.messages import pending_messages
from metrics.registry import BY_ID, HEADLINE, closest_metrics, find_metric
from metrics.settings import MetricSettings, SettingsError, change_setting
from storage import models
from storage.alerts import set_preference
from storage.marketplaces import MARKETPLACES
from storage.queries import (
    AccountError,
    add_account,
    find_account,
    load_snapshot,
    newest_data_days,
    save_account_settings,
)
from storage.team import (
    accounts_bound_nowhere,
    bind_channel,
    bound_account,
    channel_account,
    digest_in,
    remove_digest,
    set_digest,
    set_owner,
)

PUBLIC = "public"
USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
CHANNEL_MENTION = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
DEFAULT_DIGEST_TIME = "08:00"


@dataclass(frozen=True)
class Asker:
    """Who asks, from where: the Slack team, channel and user (or the shell's stand-ins)."""

    team_id: str
    channel_id: str
    user_id: str


@dataclass(frozen=True)
class Answer:
    reply: Reply
    public: bool = False
    recompute: int | None = None  # an account whose figures the answer changed


CHANGES = frozenset({"account", "targets", "owner", "digest"})


def is_change(text: str) -> bool:
    """Whether `/health <text>` changes a setting (a form with arguments after a settings word)."""
    words = [w for w in text.split() if w.lower() != PUBLIC]
    return len(words) > 1 and words[0].lower() in CHANGES


def answer(runtime: Runtime, asker: Asker, text: str) -> Answer:
    """The reply to `/health <text>`."""
    words = text.split()
    public = any(w.lower() == PUBLIC for w in words)
    words = [w for w in words if w.lower() != PUBLIC]
    first = words[0].lower() if words else ""
    with runtime.sessions.begin() as session:
        workspace_id = runtime.workspace_id(session, asker.team_id)
        try:
            if first == "help":
                return Answer(views.help_reply(), public)
            if first == "account":
                return _account(runtime, session, workspace_id, asker, words[1:])
            account = channel_account(
                session=session, workspace_id=workspace_id, channel_id=asker.channel_id, now=runtime.now()
            )
            if first == "targets":
                return _targets(session, account, words[1:])
            if first == "owner":
                return _owner(runtime, session, account, asker, words[1:])
            if first == "digest":
                return _digest(runtime, session, workspace_id, account, asker, words[1:])
            if first == "messages":
                return Answer(_messages(runtime, session, account), public)
            return Answer(_figures(session, account, first), public)
        except AccountError as exc:
            return Answer(views.notice(f":warning: {escape(str(exc))}"))


def _figures(session: Session, account: models.Account, first: str) -> Reply:
    if first and first != "causes":
        metric = find_metric(first)
        if metric is None:
            return views.unknown_word(first, closest_metrics(first))
        if metric.part_of:
            metric = BY_ID[metric.part_of]
        # The one metric's rows only: the whole day's figures are ten times the JSON to read.
        one = load_snapshot(session=session, account_id=account.id, metric_id=metric.id)
        if one is None:
            return views.no_snapshot(account.name)
        day, rows = one
        return views.metric_detail(account.name, day, [r.result for r in rows], command=first)
    stored = load_snapshot(session=session, account_id=account.id)
    if stored is None:
        return views.no_snapshot(account.name)
    day, rows = stored
    results = [r.result for r in rows]
    if first == "causes":
        return views.top_causes(account.name, day, results)
    fresh = newest_data_days(session=session, account_id=account.id)
    return views.overview(account.name, day, results, min(fresh.values()) if fresh else None)


def _messages(runtime: Runtime, session: Session, account: models.Account) -> Reply:
    now = runtime.now()
    ctx = MetricContext.for_account(session=session, account=account, as_of=now.date())
    pending = [m.as_json() for m in pending_messages(ctx, at=now)]
    return views.pending_messages(account.name, now, pending)


def _account(runtime: Runtime, session: Session, workspace_id: int, asker: Asker, words: list[str]) -> Answer:
    """`account` shows the channel's account; `account NAME [MARKETPLACE]` binds a free (or new) one;
    `account share #channel`, from a bound channel, lets another channel see its account too.

    An account bound to channels is not bound from elsewhere by naming it: who may see it is decided
    from where it is already seen.
    """
    here = bound_account(session=session, workspace_id=workspace_id, channel_id=asker.channel_id)
    free = accounts_bound_nowhere(session=session, workspace_id=workspace_id)
    if not words:
        names = ", ".join(f"`{escape(a.name)}` ({a.marketplace})" for a in free) or "none"
        if here is not None:
            return Answer(
                views.notice(
                    f"This channel speaks about *{escape(here.name)}*. Accounts bound to no channel: {names}. "
                    "Let another channel see it with `/health account share #channel`."
                )
            )
        return Answer(
            views.notice(
                f"This channel is not bound to an account. Accounts bound to no channel: {names}. "
                "Bind one with `/health account NAME` (add a marketplace, e.g. `US`, to create it)."
            )
        )
    if words[0].lower() == "share":
        return _share(runtime, session, workspace_id, asker, here, words[1:])
    name, marketplace = words[0], (words[1].upper() if len(words) > 1 else None)
    account = find_account(session=session, workspace_id=workspace_id, name=name)
    if account is None:
        if marketplace is None:
            return Answer(
                views.notice(
                    f":warning: No account named `{escape(name)}`. Create it with "
                    f"`/health account {escape(name)} US` (marketplace codes: {', '.join(sorted(MARKETPLACES))})."
                )
            )
        account = add_account(
            session=session, workspace_id=workspace_id, name=name, marketplace=marketplace, now=runtime.now()
        )
    elif account not in free and (here is None or here.id != account.id):
        return Answer(
            views.notice(
                f":lock: *{escape(account.name)}* is bound to other channels. To let this one see it, type "
                "`/health account share #this-channel` in one of them."
            )
        )
    _bind(runtime, session, workspace_id, asker.channel_id, account, asker.user_id)
    return Answer(
        views.notice(
            f"This channel now speaks about *{escape(account.name)}* ({account.marketplace}, {account.timezone}). "
            "Files shared here are stored for it."
        )
    )


def _share(
    runtime: Runtime, session: Session, workspace_id: int, asker: Asker, here: models.Account | None, words: list[str]
) -> Answer:
    if here is None:
        return Answer(views.notice(":warning: Share an account from a channel bound to it."))
    target = CHANNEL_MENTION.match(words[0]) if len(words) == 1 else None
    if target is None:
        return Answer(views.notice("Name the channel: `/health account share #channel`."))
    _bind(runtime, session, workspace_id, target.group(1), here, asker.user_id)
    return Answer(views.notice(f"<#{target.group(1)}> now speaks about *{escape(here.name)}* too."))


def _bind(
    runtime: Runtime, session: Session, workspace_id: int, channel_id: str, account: models.Account, user_id: str
) -> None:
    bind_channel(
        session=session,
        workspace_id=workspace_id,
        channel_id=channel_id,
        account_id=account.id,
        user_id=user_id,
        now=runtime.now(),
    )


def _targets(session: Session, account: models.Account, words: list[str]) -> Answer:
    """`targets` lists them; `targets METRIC VALUE` sets one (`0.9%`, `0.009`, or `default`)."""
    if words:
        if len(words) != 2:
            return Answer(views.notice("Set a target with `/health targets METRIC VALUE`, e.g. `targets odr 0.9%`."))
        metric = find_metric(words[0])
        if metric is None:
            return Answer(views.unknown_word(words[0], closest_metrics(words[0])))
        try:
            updated = change_setting(account.settings, f"targets.{metric.id}", words[1])
        except SettingsError as exc:
            return Answer(views.notice(f":warning: {escape(str(exc))}"))
        save_account_settings(session=session, account_id=account.id, settings=updated)
        target = MetricSettings.from_json(updated).target(metric.id)
        return Answer(
            views.notice(f"{metric.name} target for *{escape(account.name)}* is now {_shown(metric.id, target)}."),
            recompute=account.id,
        )
    effective = MetricSettings.from_json(account.settings)
    lines = [f"Targets of *{escape(account.name)}*:"]
    for metric in HEADLINE:
        mark = " (changed)" if metric.id in effective.targets else ""
        lines.append(f"• {metric.name}: {metric.condition} {_shown(metric.id, effective.target(metric.id))}{mark}")
    lines.append("Change one with `/health targets METRIC VALUE` (`default` puts Amazon's back).")
    return Answer(views.notice("\n".join(lines)))


def _shown(metric_id: str, target: float | None) -> str:
    if target is None:
        return "none"
    if metric_id in COUNT_METRICS:
        return f"{target:,.0f}"
    return f"{target * 100:.2f}%"


def _owner(runtime: Runtime, session: Session, account: models.Account, asker: Asker, words: list[str]) -> Answer:
    """`owner METRIC @user [warnings]`: DMs on crossing and recovery (and warnings, when asked); unmutes."""
    usage = "Name a metric's owner with `/health owner METRIC @user [warnings]`, e.g. `/health owner odr @maria`."
    warnings = len(words) == 3 and words[2].lower() in ("warnings", "warning")
    if warnings:
        words = words[:2]
    if len(words) != 2:
        return Answer(views.notice(usage))
    metric = find_metric(words[0])
    if metric is None:
        return Answer(views.unknown_word(words[0], closest_metrics(words[0])))
    mention = USER_MENTION.match(words[1])
    if mention is None:
        return Answer(views.notice(f":warning: `{escape(words[1])}` is not a Slack user. {usage}"))
    metric = BY_ID[metric.part_of] if metric.part_of else metric
    set_owner(
        session=session,
        account_id=account.id,
        metric_id=metric.id,
        user_id=mention.group(1),
        set_by=asker.user_id,
        now=runtime.now(),
    )
    set_preference(
        session=session,
        account_id=account.id,
        metric_id=metric.id,
        by=asker.user_id,
        now=runtime.now(),
        muted=False,
        warnings=warnings,
    )
    also = " It also warns them when it comes close to its target." if warnings else ""
    return Answer(
        views.notice(
            f"<@{mention.group(1)}> now owns {metric.name} of *{escape(account.name)}*: "
            f"they get a direct message when it crosses its target and when it recovers.{also}"
        )
    )


def _digest(
    runtime: Runtime, session: Session, workspace_id: int, account: models.Account, asker: Asker, words: list[str]
) -> Answer:
    """`digest here [HH:MM] [timezone]` or `digest off`; `digest` alone says what is set."""
    channel = asker.channel_id
    if not words:
        current = digest_in(session=session, workspace_id=workspace_id, channel_id=channel)
        if current is None:
            return Answer(views.notice("No digest is posted here. Start one with `/health digest here 08:00`."))
        return Answer(views.notice(f"The digest is posted here at {current.at} ({current.timezone}), {current.days}."))
    if words[0].lower() == "off":
        removed = remove_digest(session=session, workspace_id=workspace_id, channel_id=channel)
        said = "The digest will no longer be posted here." if removed else "No digest was set here."
        return Answer(views.notice(said))
    if words[0].lower() != "here" or len(words) > 4:
        return Answer(views.notice("Use `/health digest here [HH:MM] [timezone] [days]` or `/health digest off`."))
    at, zone, days = DEFAULT_DIGEST_TIME, account.timezone, "daily"
    for word in words[1:]:
        clock = TIME.match(word)
        if clock:
            at = f"{int(clock.group(1)):02d}:{clock.group(2)}"
            continue
        try:
            parse_days(word)
            days = word.lower()
            continue
        except ValueError:
            pass
        try:
            ZoneInfo(word)
        except (ZoneInfoNotFoundError, ValueError):
            return Answer(
                views.notice(
                    f":warning: `{escape(word)}` is neither a time (HH:MM), a time zone (e.g. Europe/Berlin) "
                    "nor days (daily, mon-fri, mon,wed,fri)."
                )
            )
        zone = word
    set_digest(
        session=session,
        workspace_id=workspace_id,
        channel_id=channel,
        account_id=account.id,
        at=at,
        timezone=zone,
        days=days,
        set_by=asker.user_id,
        now=runtime.now(),
    )
    return Answer(
        views.notice(
            f"The digest of *{escape(account.name)}* will be posted here at {at} ({zone}), "
            f"{'every day' if days == 'daily' else days}."
        )
    )
