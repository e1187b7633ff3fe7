"""Customer Service Dissatisfaction Rate (metrics.md 2): "No" answers to Amazon's "Did this solve your
problem?" survey / survey answers, answer dates [D-30, D-1] (`cs_window_days`, a choice).

The cs-survey template keeps one answer per order, the latest (a buyer may change it). An answer
stamped at or after the evaluation instant is ignored, and with it the order: the earlier answer it
replaced is no longer stored, so a past day recomputed later can only be missing that order, never
count it twice. Answer days are UTC days.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select

from metrics.calendar import evaluation_instant, window
from metrics.context import MetricContext
from metrics.figures import no_data, rate, with_outlook
from metrics.result import Cause, MetricResult
from metrics.sql import dialect_name, rows_of, utc_day
from storage.models import CsSurveyAnswer

METRIC = "cs_dissatisfaction_rate"
SCOPE = "all"
END = 1
EXAMPLES = 3


def compute(ctx: MetricContext) -> list[MetricResult]:
    """The CS Dissatisfaction Rate, with the "No" answers as its cause, budget and outlook."""
    days = ctx.settings.cs_window_days
    current = window(ctx.as_of, days, END)
    if not ctx.has("cs_survey"):
        return [no_data(METRIC, SCOPE, ctx, "cs_survey", window=current)]
    answer = CsSurveyAnswer
    unsolved = answer.solved.is_(False)
    where = (
        answer.account_id == ctx.account_id,
        answer.answered_at >= evaluation_instant(current.start),
        answer.answered_at < ctx.instant,
    )
    day = utc_day(answer.answered_at, dialect_name(ctx))
    rows = rows_of(ctx, select(day, func.count(), func.sum(case((unsolved, 1), else_=0))).where(*where).group_by(day))
    daily: dict[date, tuple[int, int]] = {when: (int(total), int(no or 0)) for when, total, no in rows}
    numerator = sum(no for _, no in daily.values())
    result = rate(
        METRIC,
        SCOPE,
        ctx,
        numerator=numerator,
        denominator=sum(total for total, _ in daily.values()),
        window=current,
    )
    if numerator:
        examples = ctx.session.scalars(
            select(answer.amazon_order_id)
            .where(*where, unsolved)
            .order_by(answer.answered_at.desc(), answer.amazon_order_id)
            .limit(EXAMPLES)
        )
        result.causes = [Cause("answer", 'answered "No"', numerator, list(examples))]
    with_outlook(result, ctx, daily, start_offset=days, end_offset=END)
    return [result]
