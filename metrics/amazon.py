"""Amazon's own figures as the headline (metrics.md section 4), and reading Account Health snapshots.

When an uploaded Account Health report is recent enough (`amazon_max_age_days`, counted from the day
Amazon's data ends to the as-of day), its figures replace the computed ones as the headline, with
basis `amazon`; the computed figure moves to `result.computed`, and a difference of more than one
order is explained in `result.reconciliation`. Amazon's status string is kept as given in
`result.amazon["status"]`; the `status` field, which alerts read, is mapped from it:

- `BAD`, `POOR`, `CRITICAL`... -> breach; `FAIR`, `WARNED`, `AT_RISK` -> warning;
- `GOOD`/`GREAT` -> ok, or warning when Amazon's own counts are in healthbot's warning band or past the
  account's target (Amazon may say GOOD below a target it does not enforce: a breach is never sent
  against Amazon's word, but the team sees it);
- `NONE`, absent or unknown -> judged from Amazon's counts against the account's target.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select

from metrics.context import MetricContext
from metrics.registry import BY_ID
from metrics.result import Basis, MetricResult, Status, Window
from metrics.status import budget, judge
from storage.marketplaces import get_marketplace
from storage.models import AccountHealthFigure, AccountHealthSnapshot

# Amazon's status words (the schema says GOOD/BAD/NONE; Seller Central and ahrStatus say more).
_OK_WORDS = frozenset({"GOOD", "GREAT", "HEALTHY", "NORMAL"})
_WARNING_WORDS = frozenset({"FAIR", "WARNED", "WARNING", "AT_RISK"})
_BREACH_WORDS = frozenset({"BAD", "POOR", "CRITICAL", "UNHEALTHY", "DEACTIVATED", "SUSPENDED"})
# Figures other modules turn into results of their own (metrics/policy.py).
_OWN_RESULTS = ("policy.", "account_health_rating")
_RATE_SCALE = 1_000_000  # a rate given without counts, judged as parts per million


@dataclass(frozen=True)
class Snapshot:
    """The Account Health snapshot an as-of day may use, and how old it is then."""

    row: AccountHealthSnapshot
    age_days: int  # days from the day Amazon's data ends to the as-of day
    fresh: bool  # at most `amazon_max_age_days` old: its figures are the headline

    @property
    def through(self) -> str:
        return self.row.reported_through.date().isoformat()

    def describe(self) -> str:
        """Where the figure comes from, for `basis_note`."""
        text = f"Amazon's Account Health report through {self.through}"
        if not self.fresh:
            text += f", {self.age_days} days old (upload a newer one)"
        return text


def latest_snapshot(ctx: MetricContext, *conditions: ColumnElement[bool]) -> Snapshot | None:
    """The newest snapshot of the account's marketplace whose data ends by the evaluation instant.

    A report whose data runs past 00:00 UTC of the as-of day was not available on that day, so a past
    day is computed with the report it had. `conditions` narrow the choice (e.g. one with a rating).
    """
    marketplace_id = get_marketplace(ctx.marketplace).marketplace_id
    row = ctx.session.scalars(
        select(AccountHealthSnapshot)
        .where(
            AccountHealthSnapshot.account_id == ctx.account_id,
            AccountHealthSnapshot.marketplace_id == marketplace_id,
            AccountHealthSnapshot.reported_through <= ctx.instant,
            *conditions,
        )
        .order_by(AccountHealthSnapshot.reported_through.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    age = (ctx.as_of - row.reported_through.date()).days
    return Snapshot(row, age, age <= ctx.settings.amazon_max_age_days)


def snapshot_figures(ctx: MetricContext, snapshot: Snapshot) -> list[AccountHealthFigure]:
    return list(
        ctx.session.scalars(
            select(AccountHealthFigure)
            .where(AccountHealthFigure.snapshot_id == snapshot.row.id)
            .order_by(AccountHealthFigure.metric, AccountHealthFigure.scope, AccountHealthFigure.window_days)
        )
    )


def figure_window(start: datetime | None, end: datetime | None) -> Window | None:
    """Amazon's reporting range as days; an end at exactly 00:00 is read as the end of the day before."""
    if start is None or end is None:
        return None
    last = end.date()
    if end.time() == time() and end > start:
        last -= timedelta(days=1)
    return Window(start.date(), last)


def status_from_amazon(text: str | None) -> Status | None:
    """healthbot's status for an Amazon status word; None for NONE, absent or unknown words."""
    word = (text or "").strip().upper().replace(" ", "_")
    if word in _OK_WORDS:
        return Status.OK
    if word in _WARNING_WORDS:
        return Status.WARNING
    if word in _BREACH_WORDS:
        return Status.BREACH
    return None


def headline_status(amazon_status: str | None, judged: Status) -> Status:
    """The `status` of an Amazon headline: Amazon's word decides, healthbot's band only adds a warning."""
    mapped = status_from_amazon(amazon_status)
    if mapped is None:
        return judged
    if mapped is Status.OK and judged in (Status.WARNING, Status.BREACH):
        return Status.WARNING
    return mapped


def window_reasons(amazon: Window | None, ours: Window | None) -> list[str]:
    """Why two figures over these windows may differ: report lag, or a different window."""
    if amazon is None or ours is None or amazon == ours:
        return []
    reasons = []
    lag = (ours.end - amazon.end).days
    if lag > 0:
        reasons.append(f"report lag: Amazon's data ends on {amazon.end}, {lag} day(s) before healthbot's ({ours.end})")
    shifted = lag > 0 and (amazon.end - amazon.start) == (ours.end - ours.start)
    if not shifted:
        reasons.append(
            f"different window: Amazon counts {amazon.start} to {amazon.end}, healthbot {ours.start} to {ours.end}"
        )
    return reasons


def _figure_json(figure: AccountHealthFigure, snapshot: Snapshot) -> dict[str, Any]:
    days = figure_window(figure.window_start, figure.window_end)
    shown: dict[str, Any] = {
        "value": _amazon_value(figure),
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "status": figure.status,
        "target_value": figure.target_value,
        "target_condition": figure.target_condition,
        "window": days.as_json() if days else None,
        "reported_through": snapshot.row.reported_through.isoformat(),
        "age_days": snapshot.age_days,
        "stale": not snapshot.fresh,
    }
    if figure.components:
        shown["components"] = dict(figure.components)
    if figure.inconsistent:
        shown["inconsistent"] = True
    return shown


def _amazon_value(figure: AccountHealthFigure) -> float | None:
    if figure.denominator == 0:
        return None  # nothing in Amazon's window: its rate of 0 says nothing
    if figure.rate is not None:
        return figure.rate  # as Amazon gives it, even where it differs from its own counts
    if figure.numerator is not None and figure.denominator:
        return figure.numerator / figure.denominator
    return None


def _computed_json(result: MetricResult) -> dict[str, Any]:
    computed: dict[str, Any] = {
        "value": result.value,
        "numerator": result.numerator,
        "denominator": result.denominator,
        "window": result.window.as_json() if result.window else None,
        "basis": result.basis.value,
        "basis_note": result.basis_note,
        "status": result.status.value,
    }
    if result.components:
        computed["components"] = result.components
    return computed


def _judged(ctx: MetricContext, result: MetricResult, figure: AccountHealthFigure) -> Status:
    """healthbot's status for Amazon's numbers against the account's target."""
    condition = BY_ID[result.id].condition
    target, warn = ctx.settings.target(result.id), ctx.settings.warn_fraction
    if figure.numerator is not None and figure.denominator:
        return judge(figure.numerator, figure.denominator, target=target, condition=condition, warn_fraction=warn)
    if figure.rate is not None:
        scaled = round(figure.rate * _RATE_SCALE)
        return judge(scaled, _RATE_SCALE, target=target, condition=condition, warn_fraction=warn)
    return Status.NO_DATA


def _reconciliation(
    figure: AccountHealthFigure, amazon_window: Window | None, computed: MetricResult, snapshot: Snapshot
) -> str | None:
    """A sentence when Amazon's and healthbot's counts differ by more than one order, with likely reasons."""
    a_num, a_den, c_num, c_den = figure.numerator, figure.denominator, computed.numerator, computed.denominator
    if a_num is None or a_den is None or c_num is None or c_den is None:
        return None
    if abs(a_num - c_num) <= 1 and abs(a_den - c_den) <= 1:
        return None
    reasons = window_reasons(amazon_window, computed.window)
    if computed.basis is Basis.ESTIMATE and computed.basis_note:
        reasons.append(f"missing data: healthbot's figure is an estimate ({computed.basis_note})")
    if figure.inconsistent:
        reasons.append("Amazon's own counts are inconsistent (the part exceeds the whole)")
    if not reasons:
        reasons.append(
            "same window and complete files: an upload may lack orders or events Amazon has (re-upload the period)"
        )
    unit = BY_ID[computed.id].unit
    source = "Amazon reports" if snapshot.fresh else f"Amazon's older report (through {snapshot.through}) says"
    return f"{source} {a_num} of {a_den} {unit}, healthbot computes {c_num} of {c_den}; likely {'; '.join(reasons)}."


def _make_headline(ctx: MetricContext, result: MetricResult, figure: AccountHealthFigure, snapshot: Snapshot) -> None:
    computed = replace(result)  # the computed figure as it stood
    amazon_window = figure_window(figure.window_start, figure.window_end)
    result.amazon = _figure_json(figure, snapshot)
    result.reconciliation = _reconciliation(figure, amazon_window, computed, snapshot)
    value = _amazon_value(figure)
    if not snapshot.fresh or value is None:
        return  # beside the computed figure only: too old, or Amazon gives no value to show
    metric = BY_ID[result.id]
    result.computed = _computed_json(computed)
    result.value = value
    result.numerator = figure.numerator
    result.denominator = figure.denominator
    result.window = amazon_window
    result.basis = Basis.AMAZON
    result.basis_note = snapshot.describe()
    result.status = headline_status(figure.status, _judged(ctx, result, figure))
    result.low_volume = figure.denominator is not None and figure.denominator < ctx.settings.min_denominator
    result.components = {
        part: {"numerator": count, "denominator": figure.denominator}
        for part, count in figure.components.items()
        if isinstance(count, int)
    }
    result.budget = None
    if figure.numerator is not None and figure.denominator and not figure.inconsistent:
        result.budget = budget(figure.numerator, figure.denominator, target=result.target, condition=metric.condition)


def apply_amazon_figures(ctx: MetricContext, results: list[MetricResult]) -> None:
    """Make Amazon's figures the headline of the matching results (metrics.md 4), in place.

    A result matches a figure by metric id, scope and window length (late shipments: 10 or 30 days).
    A snapshot older than `amazon_max_age_days` is shown beside the computed figure only.
    """
    snapshot = latest_snapshot(ctx)
    if snapshot is None:
        return
    figures = {
        (f.metric, f.scope, f.window_days): f
        for f in snapshot_figures(ctx, snapshot)
        if not f.metric.startswith(_OWN_RESULTS)
    }
    for result in results:
        if result.id not in BY_ID or result.basis is Basis.AMAZON:
            continue
        figure = figures.get((result.id, result.scope, result.window_days or 0))
        if figure is not None:
            _make_headline(ctx, result, figure, snapshot)
