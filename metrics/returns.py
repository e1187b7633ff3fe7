"""Return Dissatisfaction Rate (metrics.md 2 and 3.7): seller-fulfilled return requests the buyer had
reason to be unhappy with, request dates [D-30, D-1] (`return_window_days`, a choice).

From the return-requests template (exact), a request is dissatisfying when any of:
- the buyer said the return was not resolved (`buyer-resolved = N`);
- no authorisation, refund or closure within 48 h of the request: `responded-at` missing, stamped at
  or after the evaluation instant (not known yet then), or more than 48 h after the request. Exactly
  48 h 00 min is in time. A request younger than 48 h without a response is not dissatisfying yet:
  it stays in the denominator (it is a request received in the window) and is reported as
  `awaiting_response`; it becomes dissatisfying on the first day it is past 48 h unanswered. Any
  response counts, a rejection included (a rejection in policy is a defect of its own);
- rejected (status `rejected` or `denied`, any case) while in policy. A rejection with no in-policy
  flag cannot be judged: not counted, and the basis becomes `estimate` saying how many.
Every row of the template is taken as a seller-fulfilled return: it is the Manage Returns log, which
lists MFN requests only (Amazon handles FBA returns), so no channel lookup is made. The buyer's
answer and the status have no time of their own: they are taken as stored.

With only Amazon's Returns report (no response times, no buyer answer) only the in-policy rejection
part is computed (status or resolution `Rejected`/`Denied` with `In policy = Y`): basis `estimate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import SQLColumnExpression, and_, case, func, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from metrics.calendar import evaluation_instant, window
from metrics.causes import group_causes
from metrics.context import MetricContext
from metrics.figures import no_data, rate, with_outlook
from metrics.result import Basis, Cause, MetricResult, Window
from metrics.sql import dialect_name, elapsed_seconds, rows_of, utc_day
from storage.models import ReturnRequest, SellerReturn

METRIC = "return_dissatisfaction_rate"
SCOPE = "mfn"
END = 1
RESPONSE_HOURS = 48  # Amazon: authorise, refund or close a return request within 48 hours
REJECTED = ("rejected", "denied")
UNRESOLVED = "buyer said not resolved"
SLOW = "no response within 48 h"
REJECTED_IN_POLICY = "rejected while in policy"
ESTIMATE_NOTE = (
    "from the Returns report only: in-policy rejections counted; responses within 48 h and buyers' "
    "answers need the return-requests template"
)


@dataclass(frozen=True)
class Dissatisfied:
    order_id: str
    kinds: tuple[str, ...]  # which of the three causes apply
    reason: str | None  # the Returns report's return reason, when that report has the order


def _rejected(status: SQLColumnExpression[str | None] | SQLColumnExpression[str]) -> ColumnElement[bool]:
    return func.lower(func.coalesce(status, "")).in_(REJECTED)


def _causes(defects: list[Dissatisfied]) -> list[Cause]:
    causes = group_causes("defect", ((kind, d.order_id) for d in defects for kind in d.kinds))
    causes += group_causes("reason", ((d.reason, d.order_id) for d in defects if d.reason))
    return causes


@dataclass
class Counts:
    daily: dict[date, tuple[int, int]]  # request day -> (requests, dissatisfying)
    defects: list[Dissatisfied]
    notes: list[str]
    awaiting: int | None = None


def _from_requests(ctx: MetricContext, current: Window) -> Counts:
    instant, limit = ctx.instant, timedelta(hours=RESPONSE_HOURS)
    req = ReturnRequest
    responded = and_(req.responded_at.is_not(None), req.responded_at < instant)
    seconds = elapsed_seconds(req.responded_at, req.requested_at, dialect_name(ctx))
    unresolved = req.buyer_resolved.is_(False)
    slow = or_(
        and_(responded, seconds > limit.total_seconds()),
        and_(not_(responded), req.requested_at < instant - limit),
    )
    rejected = _rejected(req.status)
    rejected_in_policy = and_(rejected, req.in_policy.is_(True))
    dissatisfying = or_(unresolved, slow, rejected_in_policy)
    awaiting = and_(not_(responded), req.requested_at >= instant - limit)
    where = (
        req.account_id == ctx.account_id,
        req.requested_at >= evaluation_instant(current.start),
        req.requested_at < instant,
    )
    day = utc_day(req.requested_at, dialect_name(ctx))
    rows = rows_of(
        ctx,
        select(
            day,
            func.count(),
            func.sum(case((dissatisfying, 1), else_=0)),
            func.sum(case((awaiting, 1), else_=0)),
            func.sum(case((and_(rejected, req.in_policy.is_(None)), 1), else_=0)),
        )
        .where(*where)
        .group_by(day),
    )
    daily: dict[date, tuple[int, int]] = {}
    waiting = unknown_policy = 0
    for when, requests, bad, await_n, unknown in rows:
        daily[when] = (int(requests), int(bad or 0))
        waiting += int(await_n or 0)
        unknown_policy += int(unknown or 0)
    reason = (
        select(func.min(SellerReturn.return_reason))
        .where(SellerReturn.account_id == ctx.account_id, SellerReturn.amazon_order_id == req.amazon_order_id)
        .scalar_subquery()
    )
    flagged = rows_of(
        ctx,
        select(
            req.amazon_order_id,
            case((unresolved, 1), else_=0),
            case((slow, 1), else_=0),
            case((rejected_in_policy, 1), else_=0),
            reason,
        )
        .where(*where, dissatisfying)
        .order_by(req.requested_at, req.amazon_order_id),
    )
    defects = []
    for order_id, is_unresolved, is_slow, is_rejected, why in flagged:
        kinds = tuple(
            kind
            for kind, flag in ((UNRESOLVED, is_unresolved), (SLOW, is_slow), (REJECTED_IN_POLICY, is_rejected))
            if flag
        )
        defects.append(Dissatisfied(order_id, kinds, why))
    notes = []
    if unknown_policy:
        notes.append(f"{unknown_policy} rejected request(s) with no in-policy flag not counted as rejected in policy")
    return Counts(daily, defects, notes, waiting)


def _from_returns_report(ctx: MetricContext, current: Window) -> Counts:
    ret = SellerReturn
    rejected_in_policy = and_(
        or_(_rejected(ret.request_status), _rejected(ret.resolution)),
        ret.in_policy.is_(True),
    )
    where = (ret.account_id == ctx.account_id, ret.request_date.between(current.start, ctx.yesterday))
    rows = rows_of(
        ctx,
        select(ret.request_date, func.count(), func.sum(case((rejected_in_policy, 1), else_=0)))
        .where(*where)
        .group_by(ret.request_date),
    )
    daily = {when: (int(requests), int(bad or 0)) for when, requests, bad in rows}
    flagged = rows_of(
        ctx,
        select(ret.amazon_order_id, ret.return_reason)
        .where(*where, rejected_in_policy)
        .order_by(ret.request_date, ret.amazon_order_id),
    )
    defects = [Dissatisfied(order_id, (REJECTED_IN_POLICY,), why) for order_id, why in flagged]
    return Counts(daily, defects, [ESTIMATE_NOTE])


def compute(ctx: MetricContext) -> list[MetricResult]:
    """The Return Dissatisfaction Rate of seller-fulfilled returns, with causes, budget and outlook."""
    days = ctx.settings.return_window_days
    current = window(ctx.as_of, days, END)
    if ctx.has("return_requests"):
        counts = _from_requests(ctx, current)
    elif ctx.has("returns"):
        counts = _from_returns_report(ctx, current)
    else:
        return [no_data(METRIC, SCOPE, ctx, "return_requests", window=current)]
    inside = [v for when, v in counts.daily.items() if current.start <= when <= current.end]
    result = rate(
        METRIC,
        SCOPE,
        ctx,
        numerator=sum(bad for _, bad in inside),
        denominator=sum(requests for requests, _ in inside),
        window=current,
        basis=Basis.ESTIMATE if counts.notes else Basis.EXACT,
        basis_note="; ".join(counts.notes) or None,
    )
    result.causes = _causes(counts.defects)
    if counts.awaiting is not None:
        result.extra["awaiting_response"] = counts.awaiting
    with_outlook(result, ctx, counts.daily, start_offset=days, end_offset=END)
    return [result]
