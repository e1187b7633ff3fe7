"""Policy Violations and Account Health Rating (metrics.md 2 and 3.9).

Both come first from Amazon's Account Health report: each policy category is a count over Amazon's
180 days with target 0, and the rating is Amazon's score. Policy violations can also be kept in the
policy-violations template, counted over [D-180, D-1]. Which source is the headline:

1. a recent report (at most `amazon_max_age_days` old): Amazon's counts, basis `amazon`; the template's
   count, when uploaded, stands beside it in `computed`;
2. else the template, basis `exact`;
3. else an older report, basis `amazon` with its age in `basis_note`: Amazon is the only source;
4. else no data, naming both sources.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sqlalchemy import or_, select

from metrics.amazon import (
    Snapshot,
    figure_window,
    latest_snapshot,
    snapshot_figures,
    status_from_amazon,
    window_reasons,
)
from metrics.calendar import window
from metrics.context import MetricContext
from metrics.figures import no_data
from metrics.registry import BY_ID
from metrics.result import Basis, Cause, MetricResult, Status, Window
from metrics.status import judge_count
from storage.models import AccountHealthFigure, AccountHealthSnapshot, PolicyViolation

VIOLATIONS = "policy_violations"
RATING = "account_health_rating"
START, END = 180, 1  # [D-180, D-1]
# Amazon lists these beside the policy categories, but they are neither violations nor complaints:
# a request for documents, and warnings Amazon says do not affect the rating. Shown, not counted.
INFORMATIONAL = frozenset({"policy.document_requests", "policy.policy_violation_warnings"})
# Amazon's Account Health Rating bands (fixed by Amazon, whatever target the account sets).
HEALTHY, AT_RISK = 200, 100


def category_id(text: str) -> str:
    """A template category as a component id: "Listing policy violations" -> policy.listing_policy_violations."""
    words = re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")
    return f"policy.{words or 'other'}"


def category_label(metric: str) -> str:
    return metric.removeprefix("policy.").replace("_", " ").capitalize()


# --- policy violations --------------------------------------------------------------------------------


def _template_rows(ctx: MetricContext, current: Window) -> list[PolicyViolation]:
    return list(
        ctx.session.scalars(
            select(PolicyViolation)
            .where(
                PolicyViolation.account_id == ctx.account_id,
                PolicyViolation.violation_date.between(current.start, current.end),
            )
            .order_by(PolicyViolation.violation_date, PolicyViolation.category, PolicyViolation.asin)
        )
    )


def _ranked(kind: str, groups: dict[str, list[str]]) -> list[Cause]:
    order = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    return [Cause(kind, label, len(examples), sorted(set(examples))[:3]) for label, examples in order[:5]]


def _template_causes(rows: list[PolicyViolation]) -> list[Cause]:
    """Violations by category (with the ASINs they name) and by ASIN (with their categories)."""
    by_category: dict[str, list[PolicyViolation]] = defaultdict(list)
    by_asin: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_category[row.category].append(row)
        if row.asin:
            by_asin[row.asin].append(row.category)
    ranked = sorted(by_category.items(), key=lambda item: (-len(item[1]), item[0]))
    causes = [
        Cause("category", label, len(items), sorted({r.asin for r in items if r.asin})[:3])
        for label, items in ranked[:5]
    ]
    return causes + _ranked("asin", by_asin)


def _template_components(rows: list[PolicyViolation]) -> dict[str, dict[str, int | None]]:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[category_id(row.category)] += 1
    return {metric: {"numerator": n, "denominator": None} for metric, n in sorted(counts.items())}


def _count_result(
    ctx: MetricContext, metric_id: str, count: int | None, window_: Window | None, basis: Basis, note: str | None
) -> MetricResult:
    metric = BY_ID[metric_id]
    target = ctx.settings.target(metric_id)
    return MetricResult(
        id=metric_id,
        scope="account",
        name=metric.name,
        value=count,
        numerator=count,
        denominator=None,
        window=window_,
        target=target,
        condition=metric.condition.value,
        status=judge_count(count, target=target, condition=metric.condition),
        low_volume=False,
        basis=basis,
        basis_note=note,
    )


def _from_template(ctx: MetricContext, current: Window, rows: list[PolicyViolation], note: str | None) -> MetricResult:
    result = _count_result(ctx, VIOLATIONS, len(rows), current, Basis.EXACT, note)
    result.components = _template_components(rows)
    result.causes = _template_causes(rows)
    return result


def _from_amazon(
    ctx: MetricContext,
    current: Window,
    snapshot: Snapshot,
    figures: list[AccountHealthFigure],
    template: list[PolicyViolation] | None,
) -> MetricResult:
    counted = [f for f in figures if f.metric not in INFORMATIONAL]
    total = sum(f.numerator or 0 for f in counted)
    windows = [w for f in figures if (w := figure_window(f.window_start, f.window_end)) is not None]
    amazon_window = Window(min(w.start for w in windows), max(w.end for w in windows)) if windows else None
    result = _count_result(ctx, VIOLATIONS, total, amazon_window, Basis.AMAZON, snapshot.describe())
    result.components = {f.metric: {"numerator": f.numerator, "denominator": None} for f in counted}
    result.causes = [
        Cause("category", category_label(f.metric), f.numerator or 0)
        for f in sorted(counted, key=lambda f: (-(f.numerator or 0), f.metric))
        if f.numerator
    ]
    result.amazon = {
        "value": total,
        "statuses": {f.metric: f.status for f in figures},
        "window": amazon_window.as_json() if amazon_window else None,
        "reported_through": snapshot.row.reported_through.isoformat(),
        "age_days": snapshot.age_days,
        "stale": not snapshot.fresh,
    }
    shown = {f.metric: f.numerator for f in figures if f.metric in INFORMATIONAL}
    if shown:
        result.extra["informational"] = shown
    if template is not None:
        count = len(template)
        result.computed = {
            "value": count,
            "numerator": count,
            "denominator": None,
            "window": current.as_json(),
            "basis": Basis.EXACT.value,
            "basis_note": None,
        }
        if count != total:
            # Unlike order rates, one violation is the whole difference between passing and failing.
            reasons = window_reasons(amazon_window, current) or [
                "the template may lack violations Amazon has, or list ones Amazon has since removed"
            ]
            result.reconciliation = (
                f"Amazon reports {total} violation(s), the policy-violations template lists {count}; "
                f"likely {'; '.join(reasons)}."
            )
    return result


def _violations(ctx: MetricContext) -> MetricResult:
    current = window(ctx.as_of, START, END)
    has_policy_figures = (
        select(AccountHealthFigure.id)
        .where(
            AccountHealthFigure.snapshot_id == AccountHealthSnapshot.id,
            AccountHealthFigure.metric.startswith("policy."),
            AccountHealthFigure.numerator.is_not(None),
        )
        .exists()
    )
    snapshot = latest_snapshot(ctx, has_policy_figures)
    template = _template_rows(ctx, current) if ctx.has("policy_violations") else None
    if snapshot is not None and (snapshot.fresh or template is None):
        figures = [
            f for f in snapshot_figures(ctx, snapshot) if f.metric.startswith("policy.") and f.numerator is not None
        ]
        return _from_amazon(ctx, current, snapshot, figures, template)
    if template is not None:
        note = None
        if snapshot is not None:
            note = f"from the policy-violations template; {snapshot.describe()} is not used"
        return _from_template(ctx, current, template, note)
    return no_data(VIOLATIONS, "account", ctx, "policy_violations", window=current)


# --- account health rating ---------------------------------------------------------------------------------


def band(score: int) -> str:
    if score >= HEALTHY:
        return "healthy"
    if score >= AT_RISK:
        return "at risk"
    return "deactivation risk"


def _rating(ctx: MetricContext) -> MetricResult:
    snapshot = latest_snapshot(
        ctx, or_(AccountHealthSnapshot.ahr_score.is_not(None), AccountHealthSnapshot.ahr_status.is_not(None))
    )
    if snapshot is None:
        return no_data(RATING, "account", ctx, "account_health")
    row = snapshot.row
    figure = next((f for f in snapshot_figures(ctx, snapshot) if f.metric == RATING), None)
    rated = figure_window(figure.window_start, figure.window_end) if figure else None
    result = _count_result(ctx, RATING, row.ahr_score, rated, Basis.AMAZON, snapshot.describe())
    if row.ahr_score is None:
        # Amazon gave a status but no score (its schema has none): its word is all there is.
        result.status = status_from_amazon(row.ahr_status) or Status.NO_DATA
    extra: dict[str, Any] = {
        "amazon_status": row.ahr_status,
        "band": band(row.ahr_score) if row.ahr_score is not None else None,
    }
    if row.account_status:
        extra["account_status"] = row.account_status
    result.extra = extra
    result.amazon = {
        "value": row.ahr_score,
        "status": row.ahr_status,
        "account_status": row.account_status,
        "reported_through": row.reported_through.isoformat(),
        "age_days": snapshot.age_days,
        "stale": not snapshot.fresh,
    }
    return result


def compute(ctx: MetricContext) -> list[MetricResult]:
    """Policy violations and the Account Health Rating, both for the account as a whole."""
    return [_violations(ctx), _rating(ctx)]
