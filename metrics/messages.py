"""Contact Response Time (metrics.md 2 and 3.6): buyer messages answered within 24 hours.

Three figures, messages received [D-90, D-1] (the headline), [D-30, D-1] and [D-7, D-1], from one
pass over the 90 days grouped per UTC receive day and outcome (late ones also per assignee and
subject, for the causes), plus the pending messages (the "nearing 24 hours" list), which are few.

Rules, each judged at the evaluation instant (00:00 UTC on D); "24 h" is the `response_hours` setting:
- response time = reply time - receive time in wall-clock hours: Amazon counts weekends and
  holidays, so no business calendar here;
- a reply at exactly 24 h 00 min is on time (`<=`), a second later is late;
- a message marked "no response needed" is left out altogether;
- an auto-reply is not a reply, and neither is a reply stamped at or after the instant: the message
  is unanswered at the instant;
- an unanswered message is late once it is more than 24 h old; until then it is pending (not
  counted) with the deadline received + 24 h. At exactly 24 h it is still pending with 0 h left,
  since a reply stamped at that very instant would still be on time.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    case,
    func,
    not_,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from metrics.calendar import evaluation_instant, window
from metrics.causes import group_causes
from metrics.context import MetricContext
from metrics.figures import no_data, rate, with_outlook
from metrics.result import Cause, MetricResult, Window
from metrics.sql import dialect_name, elapsed_seconds, rows_of, utc_day
from storage.models import BuyerMessage, MessageMark

METRIC = "contact_response"
WINDOWS = (90, 30, 7)  # received [D-90, D-1] is the headline; 30 and 7 days beside it
END = 1
_WORD = re.compile(r"[a-zà-ÿ']{4,}")
_STOPWORDS = frozenset(
    "this that with have were from they their there would could about been very what when your will just "
    "than then them more only also because into order item question inquiry message regarding".split()
)


def keywords(text: str | None, stopwords: frozenset[str] = _STOPWORDS) -> set[str]:
    return set(_WORD.findall(text.lower())) - stopwords if text else set()


# --- pending messages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingMessage:
    """A message that still needs an answer and is not yet 24 h old at the evaluation instant."""

    message_id: str
    order_id: str | None
    received_at: datetime
    deadline: datetime
    hours_left: float
    assignee: str | None
    subject: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "order_id": self.order_id,
            "received_at": self.received_at.isoformat(),
            "deadline": self.deadline.isoformat(),
            "hours_left": self.hours_left,
            "assignee": self.assignee,
            "subject": self.subject,
        }


def _answered(ctx: MetricContext, instant: datetime | None = None) -> ColumnElement[bool]:
    # An auto-reply does not answer the buyer, and a reply after the instant did not exist yet.
    return and_(
        BuyerMessage.replied_at.is_not(None),
        BuyerMessage.auto_reply.is_(False),
        BuyerMessage.replied_at < (instant or ctx.instant),
    )


def _limit(ctx: MetricContext) -> timedelta:
    return timedelta(hours=ctx.settings.response_hours)


def pending_messages(
    ctx: MetricContext, at: datetime | None = None, *, overdue_for: timedelta = timedelta(0)
) -> list[PendingMessage]:
    """Messages needing an answer, unanswered at the instant and at most 24 h old; soonest deadline first.

    `at`: another instant than the as-of day's (`/health messages` and the reminder clock ask about the
    present moment). `overdue_for`: also the messages whose deadline passed less than this long ago
    (their `hours_left` is negative). A message marked in Slack as replied or as needing no response
    is not pending: the mark stands until an export says the same.
    """
    limit = _limit(ctx)
    instant = at or ctx.instant
    marked = (
        select(MessageMark.id)
        .where(
            MessageMark.account_id == ctx.account_id,
            MessageMark.message_id == BuyerMessage.message_id,
            or_(MessageMark.no_response_needed.is_(True), MessageMark.replied_at < instant),
        )
        .exists()
    )
    rows = rows_of(
        ctx,
        select(
            BuyerMessage.message_id,
            BuyerMessage.amazon_order_id,
            BuyerMessage.received_at,
            BuyerMessage.assignee,
            BuyerMessage.subject,
        )
        .where(
            BuyerMessage.account_id == ctx.account_id,
            BuyerMessage.received_at >= instant - limit - overdue_for,
            BuyerMessage.received_at < instant,
            BuyerMessage.no_response_needed.is_(False),
            not_(_answered(ctx, instant)),
            not_(marked),
        )
        .order_by(BuyerMessage.received_at, BuyerMessage.message_id),
    )
    pending = []
    for row in rows:
        deadline = row.received_at + limit
        hours_left = round((deadline - instant).total_seconds() / 3600, 2)
        pending.append(
            PendingMessage(
                row.message_id, row.amazon_order_id, row.received_at, deadline, hours_left, row.assignee, row.subject
            )
        )
    return pending


# --- the metric ------------------------------------------------------------------------------------


ON_TIME, ANSWERED_LATE, UNANSWERED = "on time", "answered late", "unanswered"
UNASSIGNED = "(unassigned)"


@dataclass(frozen=True)
class Day:
    counted: int  # answered, or unanswered and older than 24 h
    on_time: int
    answered: int
    response_seconds: float  # summed over the answered ones


@dataclass(frozen=True)
class LateMessage:
    day: date  # UTC receive day
    kind: str  # answered late | unanswered
    assignee: str
    words: tuple[str, ...]  # the subject's keywords, sorted
    message_id: str


def _scan(ctx: MetricContext, first_day: date) -> tuple[dict[date, Day], list[LateMessage]]:
    """One pass over the window's counted messages: totals per receive day, and the late ones.

    The per-message response time is computed once, in a materialised CTE read twice (per-day
    aggregates, late rows): on SQLite that is a third less work than two queries over the table.
    """
    limit = _limit(ctx)
    answered = _answered(ctx)
    dialect = dialect_name(ctx)
    per_message = (
        select(
            utc_day(BuyerMessage.received_at, dialect).label("day"),
            case((answered, elapsed_seconds(BuyerMessage.replied_at, BuyerMessage.received_at, dialect))).label(
                "seconds"
            ),
            BuyerMessage.assignee,
            BuyerMessage.subject,
            BuyerMessage.message_id,
        )
        .where(
            BuyerMessage.account_id == ctx.account_id,
            BuyerMessage.received_at >= evaluation_instant(first_day),
            BuyerMessage.received_at < ctx.instant,
            BuyerMessage.no_response_needed.is_(False),
            # Counted: answered, or unanswered and more than 24 h old; younger ones are pending.
            or_(answered, BuyerMessage.received_at < ctx.instant - limit),
        )
        .cte("per_message")
    )
    if dialect != "sqlite" or sqlite3.sqlite_version_info >= (3, 35):  # older SQLite lacks the hint: inlined twice
        per_message = per_message.prefix_with("MATERIALIZED")
    c = per_message.c
    on_time = c.seconds <= limit.total_seconds()
    totals = select(
        c.day,
        func.count().label("counted"),
        func.sum(case((on_time, 1), else_=0)).label("on_time"),
        func.count(c.seconds).label("answered"),
        func.sum(c.seconds).label("seconds"),
        null().label("assignee"),
        null().label("subject"),
        null().label("message_id"),
    ).group_by(c.day)
    late = select(
        c.day,
        null(),
        null(),
        case((c.seconds.is_not(None), 1), else_=0),
        null(),
        c.assignee,
        c.subject,
        c.message_id,
    ).where(or_(c.seconds.is_(None), not_(on_time)))
    daily: dict[date, Day] = {}
    late_messages = []
    for day, counted, in_time, answered_n, secs, assignee, subject, message_id in rows_of(ctx, union_all(totals, late)):
        if message_id is None:
            daily[day] = Day(int(counted), int(in_time or 0), int(answered_n), float(secs or 0))
        else:
            kind = ANSWERED_LATE if answered_n else UNANSWERED
            words = tuple(sorted(keywords(subject)))
            late_messages.append(LateMessage(day, kind, assignee or UNASSIGNED, words, message_id))
    late_messages.sort(key=lambda m: (m.day, m.message_id))
    return daily, late_messages


def _causes(late: list[LateMessage]) -> list[Cause]:
    """Late messages by kind, by assignee and by subject keyword; examples are message ids."""
    causes = group_causes("defect", ((m.kind, m.message_id) for m in late))
    causes += group_causes("assignee", ((m.assignee, m.message_id) for m in late))
    words = group_causes("keyword", ((w, m.message_id) for m in late for w in m.words))
    return causes + [c for c in words if c.count > 1]


def _figure(ctx: MetricContext, days: int, daily: dict[date, Day], late: list[LateMessage]) -> MetricResult:
    current: Window = window(ctx.as_of, days, END)
    inside = [d for when, d in daily.items() if current.start <= when <= current.end]
    result = rate(
        METRIC,
        "all",
        ctx,
        numerator=sum(d.on_time for d in inside),
        denominator=sum(d.counted for d in inside),
        window=current,
        window_days=days,
    )
    answered = sum(d.answered for d in inside)
    seconds = sum(d.response_seconds for d in inside)
    result.extra["average_response_hours"] = round(seconds / answered / 3600, 2) if answered else None
    result.causes = _causes([m for m in late if m.day >= current.start])
    series = {when: (d.counted, d.on_time) for when, d in daily.items()}
    with_outlook(result, ctx, series, start_offset=days, end_offset=END)
    return result


def compute(ctx: MetricContext) -> list[MetricResult]:
    """Contact Response Time over 90 (headline), 30 and 7 days, with the pending messages on the first."""
    if not ctx.has("buyer_messages"):
        return [
            no_data(METRIC, "all", ctx, "buyer_messages", window=window(ctx.as_of, days, END), window_days=days)
            for days in WINDOWS
        ]
    daily, late = _scan(ctx, window(ctx.as_of, max(WINDOWS), END).start)
    results = [_figure(ctx, days, daily, late) for days in WINDOWS]
    pending = pending_messages(ctx)
    results[0].extra["pending"] = len(pending)
    results[0].extra["pending_messages"] = [p.as_json() for p in pending]
    return results
