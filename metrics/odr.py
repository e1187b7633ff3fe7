"""Order Defect Rate and its three parts (metrics.md 2 and 3.1), for AFN, MFN and all orders.

Two queries, both aggregated or filtered in the database: orders per (order date, channel) over the
window and the 14 days the outlook looks at (counted in the order facts, one row per order), and the
defective orders (a few per hundred at most) with the order they belong to. Defects are attributed to
their order's date; an order counts once however many defects it has.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Subquery, and_, case, literal, null, or_, select, true, union_all

from metrics.calendar import evaluation_instant, window
from metrics.context import MetricContext
from metrics.figures import no_data, rate, with_outlook
from metrics.orders import orders_per_day_and_channel
from metrics.registry import BY_ID
from metrics.result import Basis, Cause, MetricResult
from metrics.sql import dialect_name, rows_of
from storage.models import Chargeback, Claim, Feedback, OrderFact, SellerReturn, SettlementTransaction

START, END = 74, 15  # order dates [D-74, D-15]
SCOPES = ("afn", "mfn", "all")
PARTS = ("negative_feedback", "claims", "chargebacks")
UNCOUNTED_CLAIMS = ("denied", "withdrawn")
# Defects are loaded once per context for order dates from D-90 (the perfect order percentage's window,
# the longest that asks) and shared.
DEFECT_DAYS = 90
_SHARED_KEY = "odr.defects"
_WORD = re.compile(r"[a-zà-ÿ']{4,}")
_STOPWORDS = frozenset(
    "this that with have were from they their there would could about been very what when item order "
    "product received never still after your will just than then them more only also because into".split()
)


@dataclass(frozen=True, slots=True)
class Defect:
    order_id: str
    kind: str  # negative_feedback | claims | chargebacks
    source: str  # the export it is known from
    detail: str | None  # claim status, chargeback type, feedback comment
    order_date: date
    channel: str
    sku: str  # the order's first SKU, alphabetically
    # The order was cancelled, refunded or asked about by the evaluation instant (metrics/orders.py):
    # for the perfect order percentage, which counts those orders apart.
    has_event: bool


def _defect_sources(ctx: MetricContext, first_day: date) -> Subquery:
    """Every defect known at the evaluation instant that can be on an order placed from `first_day` on.

    Nothing happens to an order before it is placed: each source is read from `first_day` on (by its
    date index where it has one), however long the account's history.
    """
    account, instant, last_day = ctx.account_id, ctx.instant, ctx.yesterday
    since = evaluation_instant(first_day)
    # Feedback and return dates are marketplace-local: an order's own day can be the UTC day before.
    first_local = first_day - timedelta(days=1)
    negative = select(
        Feedback.amazon_order_id.label("order_id"),
        literal("negative_feedback").label("kind"),
        literal("feedback").label("source"),
        Feedback.comments.label("detail"),
    ).where(
        Feedback.account_id == account,
        Feedback.rating <= 2,
        Feedback.received_date.between(first_local, last_day),
        # Removed feedback stops counting from its removal on; a past day is computed as it stood.
        or_(Feedback.removed_at.is_(None), Feedback.removed_at >= instant),
    )
    claims = select(Claim.amazon_order_id, literal("claims"), literal("claims"), Claim.status).where(
        Claim.account_id == account, Claim.claimed_at >= since, Claim.claimed_at < instant
    )
    claim_from_returns = select(SellerReturn.amazon_order_id, literal("claims"), literal("returns"), null()).where(
        SellerReturn.account_id == account,
        SellerReturn.a_to_z_claim.is_(True),
        SellerReturn.request_date.between(first_local, last_day),
    )
    claim_from_settlement = select(
        SettlementTransaction.amazon_order_id, literal("claims"), literal("settlement"), null()
    ).where(
        SettlementTransaction.account_id == account,
        SettlementTransaction.transaction_type == "A-to-z Guarantee Refund",
        SettlementTransaction.posted_at >= since,
        SettlementTransaction.posted_at < instant,
    )
    chargebacks = select(
        Chargeback.amazon_order_id, literal("chargebacks"), literal("chargebacks"), Chargeback.type
    ).where(Chargeback.account_id == account, Chargeback.charged_back_at >= since, Chargeback.charged_back_at < instant)
    chargeback_from_settlement = select(
        SettlementTransaction.amazon_order_id, literal("chargebacks"), literal("settlement"), null()
    ).where(
        SettlementTransaction.account_id == account,
        SettlementTransaction.transaction_type == "Chargeback Refund",
        SettlementTransaction.posted_at >= since,
        SettlementTransaction.posted_at < instant,
    )
    return union_all(
        negative, claims, claim_from_returns, claim_from_settlement, chargebacks, chargeback_from_settlement
    ).subquery("defects")


def load_defects(ctx: MetricContext, first_day: date) -> list[Defect]:
    """Every defect known at the evaluation instant on orders placed from `first_day` to yesterday.

    Loaded once per context from the earliest day any metric asks (DEFECT_DAYS: the perfect order
    percentage's window) and shared: ODR and the perfect order percentage read the same defects.
    """
    loaded_from = min(first_day, ctx.as_of - timedelta(days=DEFECT_DAYS))
    cached = ctx.shared.get(_SHARED_KEY)
    if cached is None or cached[0] > first_day:
        cached = (loaded_from, _load_defects(ctx, loaded_from))
        ctx.shared[_SHARED_KEY] = cached
    if cached[0] == first_day:
        return list(cached[1])
    return [d for d in cached[1] if d.order_date >= first_day]


def _load_defects(ctx: MetricContext, first_day: date) -> list[Defect]:
    """The defects (a few per hundred orders, by their indexes), each joined to its order's facts by key.

    The date range is applied here, not in the query: with it in the WHERE clause SQLite would walk the
    facts' date index and probe the defects for every order instead. PostgreSQL, left to choose, hashes
    every order of the account to join a few thousand defects: a LATERAL look-up keeps it to the key.
    """
    found = _defect_sources(ctx, first_day).alias("found")
    f = OrderFact
    by_key = and_(f.account_id == ctx.account_id, f.amazon_order_id == found.c.order_id)
    defect = (found.c.order_id, found.c.kind, found.c.source, found.c.detail)
    has_event = case((f.problem_at < ctx.instant, 1), else_=0).label("has_event")
    if dialect_name(ctx) == "postgresql":
        fact = select(f.order_date, f.channel, f.first_sku, has_event).where(by_key).lateral("fact")
        joined = select(*defect, fact.c.order_date, fact.c.channel, fact.c.first_sku, fact.c.has_event).join(
            fact, true()
        )
    else:
        joined = select(*defect, f.order_date, f.channel, f.first_sku, has_event).join(f, by_key)
    last_day = ctx.yesterday
    defects = {
        Defect(order_id, kind, source, detail, day, channel, sku, bool(event))
        for order_id, kind, source, detail, day, channel, sku, event in rows_of(ctx, joined)
        if first_day <= day <= last_day
    }
    return sorted(defects, key=lambda d: (d.order_date, d.order_id, d.kind, d.source, d.detail or ""))


@dataclass
class Counted:
    """The defects that count, one set of orders per part, and why the basis is what it is."""

    parts: dict[str, dict[str, Defect]]  # part -> order id -> the defect kept for it
    notes: list[str]

    def orders(self) -> dict[str, Defect]:
        merged: dict[str, Defect] = {}
        for part in PARTS:
            for order_id, defect in self.parts[part].items():
                merged.setdefault(order_id, defect)
        return merged


def count_defects(defects: list[Defect], ctx: MetricContext) -> Counted:
    """Apply metrics.md 3.1: which claims and chargebacks count, and what proxies do to the basis."""
    has_claims_file = ctx.has("claims")
    has_chargebacks_file = ctx.has("chargebacks")
    claims_listed = {d.order_id for d in defects if d.kind == "claims" and d.source == "claims"}
    chargebacks_listed = {d.order_id for d in defects if d.kind == "chargebacks" and d.source == "chargebacks"}
    parts: dict[str, dict[str, Defect]] = {part: {} for part in PARTS}
    proxy_claims = unknown_chargebacks = 0
    for defect in defects:
        if defect.kind == "claims":
            if defect.source == "claims":
                if ctx.settings.claims_rule != "all" and defect.detail in UNCOUNTED_CLAIMS:
                    continue
            elif defect.order_id in claims_listed:
                continue  # the claims file says what became of this claim: it decides
            else:
                proxy_claims += 1
        elif defect.kind == "chargebacks":
            if defect.source == "chargebacks":
                if defect.detail == "fraud":
                    continue
                if defect.detail is None:
                    unknown_chargebacks += 1
            elif defect.order_id in chargebacks_listed:
                continue
            else:
                unknown_chargebacks += 1
        parts[defect.kind].setdefault(defect.order_id, defect)
    notes = []
    if not ctx.has("feedback"):
        notes.append("no feedback export uploaded: negative feedback not counted")
    if proxy_claims and not has_claims_file:
        notes.append(f"{proxy_claims} claim(s) known only from returns or settlement reports")
    elif not has_claims_file and not ctx.has("returns", "settlement"):
        notes.append("no claims data uploaded: claims not counted")
    if unknown_chargebacks:
        notes.append(f"{unknown_chargebacks} chargeback(s) of unknown type counted as service chargebacks")
    elif not has_chargebacks_file and not ctx.has("settlement"):
        notes.append("no chargeback data uploaded: chargebacks not counted")
    return Counted(parts, notes)


def _causes(
    defects: dict[str, Defect], parts: dict[str, list[Defect]], words: Callable[[str], list[str]]
) -> list[Cause]:
    """By part, by SKU, and by keyword of the negative feedback (`words`: an order's comment's words)."""
    ordered = sorted(defects)  # order ids: the examples are the first ones

    def group(kind: str, key_of: Callable[[Defect], str | None]) -> list[Cause]:
        groups: dict[str, list[str]] = defaultdict(list)
        for order_id in ordered:
            label = key_of(defects[order_id])
            if label:
                groups[label].append(order_id)
        ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
        return [Cause(kind, label, len(orders), orders[:3]) for label, orders in ranked[:5]]

    # By defect type each part counts its own orders: an order with a claim and negative feedback is in both.
    causes = [
        Cause("defect", BY_ID[f"odr.{part}"].name, len(found), sorted(d.order_id for d in found)[:3])
        for part, found in sorted(parts.items(), key=lambda item: (-len(item[1]), item[0]))
        if found
    ]
    causes += [c for c in group("sku", lambda d: d.sku) if c.count > 1]
    counted: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    for order_id in ordered:
        for word in words(order_id):
            counted[word] += 1
            examples[word].append(order_id)
    causes += [Cause("keyword", w, n, examples[w][:3]) for w, n in counted.most_common(5) if n > 1]
    return causes


def _comment_words(defects: dict[str, Defect]) -> Callable[[str], list[str]]:
    """An order's negative-feedback words (sorted, stop words out), worked out once for every scope."""
    found: dict[str, list[str]] = {}

    def words(order_id: str) -> list[str]:
        known = found.get(order_id)
        if known is None:
            defect = defects[order_id]
            known = []
            if defect.kind == "negative_feedback" and defect.detail:
                known = sorted(set(_WORD.findall(defect.detail.lower())) - _STOPWORDS)
            found[order_id] = known
        return known

    return words


def compute(ctx: MetricContext) -> list[MetricResult]:
    """ODR for afn, mfn and all, with its parts, causes, budget and outlook."""
    current = window(ctx.as_of, START, END)
    if not ctx.has("all_orders"):
        return [no_data("odr", scope, ctx, "all_orders", window=current) for scope in SCOPES]
    first_day = current.start
    orders = orders_per_day_and_channel(ctx, first_day, ctx.yesterday)
    counted = count_defects(load_defects(ctx, first_day), ctx)
    defective = counted.orders()
    words = _comment_words(defective)
    basis = Basis.ESTIMATE if counted.notes else Basis.EXACT
    note = "; ".join(counted.notes) or None
    results = []
    for scope in SCOPES:

        def in_scope(channel: str, scope: str = scope) -> bool:
            return scope == "all" or channel == scope

        daily: dict[date, tuple[int, int]] = defaultdict(lambda: (0, 0))
        for (day, channel), count in orders.items():
            if in_scope(channel):
                den, num = daily[day]
                daily[day] = (den + count, num)
        for defect in defective.values():
            if in_scope(defect.channel):
                den, num = daily[defect.order_date]
                daily[defect.order_date] = (den, num + 1)
        in_window = [
            d for d in defective.values() if in_scope(d.channel) and current.start <= d.order_date <= current.end
        ]
        denominator = sum(den for day, (den, _) in daily.items() if current.start <= day <= current.end)
        result = rate(
            "odr",
            scope,
            ctx,
            numerator=len(in_window),
            denominator=denominator,
            window=current,
            basis=basis,
            basis_note=note,
        )
        parts = {
            part: [
                d
                for d in counted.parts[part].values()
                if in_scope(d.channel) and current.start <= d.order_date <= current.end
            ]
            for part in PARTS
        }
        for part, found in parts.items():
            result.components[f"odr.{part}"] = {"numerator": len(found), "denominator": denominator}
        result.causes = _causes({d.order_id: d for d in in_window}, parts, words)
        with_outlook(result, ctx, dict(daily), start_offset=START, end_offset=END)
        results.append(result)
    return results
