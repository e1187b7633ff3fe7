"""Status, warning band, budget and outlook of a figure: pure arithmetic (metrics.md 1 and 5).

Rates are compared as exact fractions: 10 defects in 1,000 orders is exactly the 1% target (a breach
of "< 1%"), which floating point would not promise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from fractions import Fraction

from metrics.registry import Condition
from metrics.result import Budget, Outlook, OutlookDay, Status


def _exact(value: float) -> Fraction:
    return Fraction(repr(value))


def judge(
    numerator: int | None,
    denominator: int | None,
    *,
    target: float | None,
    condition: Condition,
    warn_fraction: float,
) -> Status:
    """The status of `numerator / denominator` against the target.

    For "lower is better" the numerator counts defects; for "higher is better" it counts good ones.
    `warning` means at least `warn_fraction` of the distance from zero defects to the target is used.
    """
    if numerator is None or not denominator:
        return Status.NO_DATA
    if target is None:
        return Status.OK  # informational: no target set
    value = Fraction(numerator, denominator)
    goal = _exact(target)
    warn = _exact(warn_fraction)
    if condition is Condition.EQUAL:
        return Status.OK if value == goal else Status.BREACH
    if condition is Condition.LESS:
        if value >= goal:
            return Status.BREACH
        return Status.WARNING if value >= warn * goal else Status.OK
    if value < goal:
        return Status.BREACH
    return Status.WARNING if (1 - value) >= warn * (1 - goal) else Status.OK


def judge_count(count: int | None, *, target: float | None, condition: Condition) -> Status:
    """The status of a plain count (policy violations: target 0)."""
    if count is None:
        return Status.NO_DATA
    if target is None:
        return Status.OK
    goal = _exact(target)
    if condition is Condition.EQUAL:
        return Status.OK if count == goal else Status.BREACH
    if condition is Condition.LESS:
        return Status.OK if count < goal else Status.BREACH
    return Status.OK if count >= goal else Status.BREACH


def budget(numerator: int, denominator: int, *, target: float | None, condition: Condition) -> Budget | None:
    """How many more defects the window can take, or how many clean orders bring it back.

    Lower is better (ODR): new defects land on orders already counted, so the denominator stays;
    recovering takes defect-free orders, which add to it. Higher is better (tracking, on-time): a new
    defective shipment adds to the denominator as well.
    """
    if target is None or condition is Condition.EQUAL or denominator <= 0:
        return None
    goal = _exact(target)
    n = denominator
    if condition is Condition.LESS:
        d = numerator
        if goal <= 0:
            return Budget(0, None)
        passing = Fraction(d, n) < goal
        until = max(0, math.ceil(goal * n) - 1 - d) if passing else 0
        recover = 0 if passing else math.floor(Fraction(d) / goal - n) + 1
        return Budget(until, recover)
    good = numerator
    passing = Fraction(good, n) >= goal
    until = max(0, math.floor(Fraction(good) / goal - n)) if passing and goal > 0 else 0
    if passing:
        return Budget(until, 0)
    if goal >= 1:
        return Budget(0, None)  # a 100% target cannot be recovered by adding clean ones
    return Budget(0, math.ceil((goal * n - good) / (1 - goal)))


def outlook(
    daily: Mapping[date, tuple[int, int]],
    *,
    as_of: date,
    start_offset: int,
    end_offset: int,
    target: float | None,
    condition: Condition,
    warn_fraction: float,
    days: int = 14,
) -> Outlook:
    """The value on each of the next `days` days if no new defect arrives.

    Args:
        daily: per attribution date (e.g. order date), (denominator, numerator) as known today.
        start_offset, end_offset: the window is [day - start_offset, day - end_offset].
    """

    def window_sum(day: date) -> tuple[int, int]:
        start, end = day - timedelta(days=start_offset), day - timedelta(days=end_offset)
        den = num = 0
        for when, (d, n) in daily.items():
            if start <= when <= end:
                den += d
                num += n
        return den, num

    current = judge(*reversed(window_sum(as_of)), target=target, condition=condition, warn_fraction=warn_fraction)
    result: list[OutlookDay] = []
    recovers: date | None = None
    for ahead in range(1, days + 1):
        day = as_of + timedelta(days=ahead)
        den, num = window_sum(day)
        status = judge(num, den, target=target, condition=condition, warn_fraction=warn_fraction)
        value = num / den if den else None
        result.append(OutlookDay(day, value, num, den, status))
        if current is Status.BREACH and recovers is None and status in (Status.OK, Status.WARNING):
            recovers = day
    start_today = as_of - timedelta(days=start_offset)
    leaves: list[tuple[date, int]] = []
    for when in sorted(daily):
        den, num = daily[when]
        # The numerator counts defects when lower is better, good ones otherwise.
        defects = num if condition.lower_is_better else den - num
        leave_day = when + timedelta(days=start_offset + 1)  # the first day the window start passes it
        if defects and start_today <= when and as_of < leave_day <= as_of + timedelta(days=days):
            leaves.append((leave_day, defects))
    return Outlook(result, leaves, recovers)
