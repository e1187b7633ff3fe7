"""The planner: decides everything about each order, from its items and dates to every later event.

The order itself, its cancellation, shipping and delivery are decided here; defects, returns and
messages by the planners of those modules, from the same random stream and in a fixed order.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Final

from storage.demo.buyers import Buyers
from storage.demo.catalog import CATALOG, Product
from storage.demo.clock import HOUR, Clock, settlement_period
from storage.demo.codes import scramble, tracking_number
from storage.demo.defects import DefectPlanner
from storage.demo.locales import Locale
from storage.demo.messages import MessagePlanner
from storage.demo.model import Cancel, Line, Order, Salts
from storage.demo.profile import MFN_SHARE, MULTI_ITEM_SHARE, PAYMENT_HOLD_SHARE
from storage.demo.quotas import Cycle, Quotas
from storage.demo.returns import ReturnPlanner
from storage.marketplaces import Marketplace

_LEVELS: Final = {
    # ship-service-level: (share of non-Prime orders, share of Prime orders, transit business days promised)
    "Standard": (0.8, 0.0, 5),
    "Expedited": (0.2, 0.0, 3),
    "SecondDay": (0.0, 0.8, 2),
    "NextDay": (0.0, 0.2, 1),
}

_CANCEL_REASONS: Final = {
    "seller": ("Out of stock", "Unable to ship to address", "Pricing error"),
    "amazon": ("Payment could not be verified", "Undeliverable shipping address"),
    "buyer": ("Buyer requested: ordered by mistake", "Buyer requested: found a better price", "Buyer requested"),
}


class Planner:
    """Decides everything about each order: items, dates, cancellation, shipping and every later event."""

    def __init__(
        self,
        *,
        rng: random.Random,
        clock: Clock,
        locale: Locale,
        market: Marketplace,
        cutoff: int,
        salts: Salts,
        part: int,
    ) -> None:
        self.rng = rng
        self.clock = clock
        self.locale = locale
        self.cutoff = cutoff
        self.japanese = market.code == "JP"
        self.salts = salts
        self.part = part
        self.mfn_products = [p for p in CATALOG if p.channel == "mfn"]
        self.afn_products = [p for p in CATALOG if p.channel == "afn"]
        self.mfn_weights = _cumulative([p.weight for p in self.mfn_products])
        self.afn_weights = _cumulative([p.weight for p in self.afn_products])
        self.quotas = Quotas.draw(rng, part=part)
        self.cancellers = Cycle("seller", "seller", "amazon", "seller")
        self.late_deliveries = Cycle("late", "missing", "late")
        # The settlement covers the 14 days before yesterday; it must show an A-to-z and a chargeback
        # refund even in a small demo, so the first defects that can land there are steered into it.
        self.settled = settlement_period(cutoff)
        self.defects = DefectPlanner(rng=rng, quotas=self.quotas, cutoff=cutoff, settled=self.settled)
        self.returns = ReturnPlanner(rng=rng, quotas=self.quotas, locale=locale, cutoff=cutoff, defects=self.defects)
        self.messages = MessagePlanner(rng=rng, quotas=self.quotas, cutoff=cutoff, salts=salts, part=part)
        self.buyers = Buyers(rng, locale)

    def order(self, index: int, purchase: int) -> Order:
        rand = self.rng.random
        channel = "mfn" if rand() < MFN_SHARE else "afn"
        prime = rand() < (0.15 if channel == "mfn" else 0.7)
        level = self._level(prime)
        local_day = self.clock.local_day(purchase)
        ship_by_day = self.clock.add_business_days(local_day, 1)
        deliver_by_day = self.clock.add_business_days(ship_by_day, _LEVELS[level][2])
        paid = purchase + 60 + int(rand() * 1740)
        if purchase >= self.cutoff - 12 * HOUR and self.quotas.pending.draw():
            paid = max(self.cutoff, purchase + HOUR) + int(rand() * 20 * HOUR)
        elif rand() < PAYMENT_HOLD_SHARE:
            paid = purchase + HOUR + int(rand() * 29 * HOUR)
        order = Order(
            index=index,
            order_id=self._order_id(index),
            purchase=purchase,
            channel=channel,
            lines=self._lines(channel),
            level=level,
            prime=prime,
            business=rand() < 0.06,
            place=self.locale.places[int(rand() * len(self.locale.places))],
            paid=paid,
            ship_by_day=ship_by_day,
            ship_by_end=self.clock.end_of_day(ship_by_day),
            deliver_by_day=deliver_by_day,
            deliver_by_end=self.clock.end_of_day(deliver_by_day),
        )
        self._cancel(order)
        if not order.fully_cancelled:
            if channel == "mfn":
                self._ship_mfn(order)
            else:
                self._ship_afn(order)
            self.defects.plan(order)
            self.returns.plan(order)
        self.messages.plan(order)
        return order

    def _order_id(self, index: int) -> str:
        prefixes = self.locale.order_prefixes
        middle = scramble(index, 10**7, self.salts.order)
        return f"{prefixes[index % len(prefixes)]}-{middle:07d}-{self.rng.randrange(10**7):07d}"

    def _level(self, prime: bool) -> str:
        roll = self.rng.random()
        for level, (plain, with_prime, _) in _LEVELS.items():
            share = with_prime if prime else plain
            if roll < share:
                return level
            roll -= share
        return "Standard"

    def _lines(self, channel: str) -> list[Line]:
        rand = self.rng.random
        count = 1
        if rand() < MULTI_ITEM_SHARE:
            roll = rand()
            count = 2 if roll < 0.7 else 3 if roll < 0.95 else 4
        products, weights = (
            (self.mfn_products, self.mfn_weights) if channel == "mfn" else (self.afn_products, self.afn_weights)
        )
        chosen: list[Product] = []
        while len(chosen) < count:
            product = products[_pick(weights, rand())]
            if product not in chosen:  # one line per SKU: (order, sku) is All Orders' key
                chosen.append(product)
        lines = []
        for product in chosen:
            roll = rand()
            quantity = 1 if roll < 0.85 else 2 if roll < 0.97 else 3
            name = product.name_ja if self.japanese and product.name_ja else product.name
            # Yen and rupee prices are whole numbers.
            price = round(
                product.price * self.locale.price_factor * quantity, 2 if self.locale.price_factor < 50 else 0
            )
            lines.append(Line(product, name, quantity, price))
        return lines

    def _cancel(self, order: Order) -> None:
        rand = self.rng.random
        if order.channel == "afn":
            if self.quotas.afn_cancel.draw():
                self._record_cancel(order, "buyer", order.purchase + 600 + int(rand() * 4 * HOUR), partial=False)
            return
        seller_at = order.purchase + 2 * HOUR + int(rand() * 0.8 * (order.ship_by_end - order.purchase - 2 * HOUR))
        if len(order.lines) > 1 and self.quotas.partial_cancel.draw():
            self._record_cancel(order, "seller", seller_at, partial=True)
        elif self.quotas.seller_cancel.draw():
            by = self.cancellers.next()
            # Amazon cancels within hours, when a payment or an address does not check out.
            at = order.purchase + 1200 + int(rand() * 6 * HOUR) if by == "amazon" else seller_at
            self._record_cancel(order, by, at, partial=False)
        elif self.quotas.buyer_cancel.draw():
            self._record_cancel(order, "buyer", order.purchase + 600 + int(rand() * 8 * HOUR), partial=False)

    def _record_cancel(self, order: Order, by: str, at: int, *, partial: bool) -> None:
        if at >= self.cutoff:  # not cancelled yet as of the demo's day
            return
        reasons = _CANCEL_REASONS[by]
        order.cancel = Cancel(at, by, reasons[int(self.rng.random() * len(reasons))], partial)
        for line in order.lines[-1:] if partial else order.lines:
            line.cancelled = True

    def _ship_mfn(self, order: Order) -> None:
        rand = self.rng.random
        earliest = max(order.purchase, order.paid) + 1800
        latest = order.ship_by_end - 600
        if self.quotas.late_ship.draw():
            shipped = order.ship_by_end + HOUR + int(rand() * 60 * HOUR)
        elif earliest > latest:
            self.quotas.late_ship.take()  # payment cleared too late to ship in time
            shipped = earliest + int(rand() * 12 * HOUR)
        else:
            planned = earliest + int((latest - earliest) * rand())
            # Parcels go out in working hours; an evening order waits for the morning when it can.
            shipped = self.clock.working_time(planned)
            if shipped > latest:
                shipped = planned
        if shipped >= self.cutoff:
            return
        order.shipped = shipped
        order.carrier = self.locale.carriers[int(rand() * len(self.locale.carriers))]
        order.tracking_valid = not self.quotas.invalid_tracking.draw()
        if order.tracking_valid or rand() < 0.6:  # some invalid ones have a number but no scans
            order.tracking = tracking_number(self.rng, order.carrier)
        if order.tracking_valid:
            self._deliver(order)

    def _deliver(self, order: Order) -> None:
        rand = self.rng.random
        assert order.shipped is not None
        earliest = order.shipped + 18 * HOUR
        latest = order.deliver_by_end - 2 * HOUR
        if self.quotas.late_delivery.draw():
            if self.late_deliveries.next() == "missing":
                return  # tracked, but no delivery scan ever came
            delivered = order.deliver_by_end + 2 * HOUR + int(rand() * 96 * HOUR)
        elif earliest > latest:
            self.quotas.late_delivery.take()  # shipped too late to arrive in time
            delivered = earliest + int(rand() * 48 * HOUR)
        else:
            delivered = earliest + int((latest - earliest) * rand() ** 1.3)
        if delivered < self.cutoff:
            order.delivered = delivered

    def _ship_afn(self, order: Order) -> None:
        rand = self.rng.random
        shipped = max(order.purchase, order.paid) + 3 * HOUR + int(rand() * 36 * HOUR)
        if shipped >= self.cutoff:
            return
        order.shipped = shipped
        order.carrier = f"AMZN_{self.locale.country}"
        order.tracking = f"TBA{self.rng.randrange(10**12):012d}"
        order.tracking_valid = True
        delivered = shipped + 20 * HOUR + int(rand() * 60 * HOUR)
        if delivered < self.cutoff:
            order.delivered = delivered

    def item_code(self, order: Order, position: int) -> str:
        """A 14-digit order item id, distinct across the demo."""
        return f"{scramble(order.index * 8 + position, 10**14, self.salts.item):014d}"


def _cumulative(weights: Sequence[int]) -> list[float]:
    total = float(sum(weights))
    running = 0.0
    result = []
    for weight in weights:
        running += weight / total
        result.append(running)
    return result


def _pick(cumulative: Sequence[float], roll: float) -> int:
    for index, bound in enumerate(cumulative):
        if roll < bound:
            return index
    return len(cumulative) - 1
