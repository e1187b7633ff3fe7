"""The settlement flat file of the last 14 days: orders, refunds, A-to-z and chargeback refunds, fees."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from storage.demo.amazon_headers import SETTLEMENT_HEADER
from storage.demo.clock import DAY, HOUR, Clock, settlement_period
from storage.demo.codes import money, scramble, shipment_code
from storage.demo.locales import Locale
from storage.demo.model import Order, Refund, Salts
from storage.demo.planner import Planner
from storage.demo.profile import COMMISSION

_S = {name: i for i, name in enumerate(SETTLEMENT_HEADER)}


class Settlement:
    """The lines of the settlement of the last 14 days: refunds, A-to-z and chargeback refunds, orders.

    The file's summary line comes first and holds the total, so the lines go to a body file and are
    copied after the summary once every part of the history is done (`write_settlement`).
    """

    def __init__(self, body: Path, *, planner: Planner, clock: Clock) -> None:
        self.planner = planner
        self.clock = clock
        self.settlement_id = planner.salts.settlement_id
        self.start, self.end = planner.settled
        self.salt_adjustment = planner.salts.adjustment
        self.adjustments = planner.part * 10**7  # each part numbers its refunds in its own range
        self.total = 0.0
        self.body: IO[str] = body.open("w", encoding="utf-8", newline="\n", buffering=1 << 20)
        self.domain = planner.locale.domain

    def close(self) -> None:
        self.body.close()

    def _row(self, order: Order, kind: str, posted: int, adjustment: str = "") -> list[str]:
        row = [""] * len(SETTLEMENT_HEADER)
        row[_S["settlement-id"]] = self.settlement_id
        row[_S["transaction-type"]] = kind
        row[_S["order-id"]] = order.order_id
        row[_S["adjustment-id"]] = adjustment
        row[_S["marketplace-name"]] = self.domain
        row[_S["fulfillment-id"]] = "MFN" if order.channel == "mfn" else "AFN"
        row[_S["posted-date"]] = self.clock.settlement(posted)
        return row

    def _emit(self, rows: list[list[str]]) -> None:
        self.body.write("".join("\t".join(row) + "\n" for row in rows))

    def order(self, order: Order) -> None:
        if order.shipped is not None and self.start <= order.shipped < self.end:
            self._order_lines(order, order.shipped)
        for refund in order.refunds:
            if self.start <= refund.at < self.end:
                self._refund_lines(order, refund)

    def _order_lines(self, order: Order, posted: int) -> None:
        rows = []
        for position, line in enumerate(order.lines):
            if line.cancelled:
                continue
            code = self.planner.item_code(order, position)
            shipment = self._row(order, "Order", posted)
            shipment[_S["shipment-id"]] = shipment_code(int(code))
            shipment[_S["order-item-code"]] = code
            shipment[_S["sku"]] = line.product.sku
            shipment[_S["quantity-purchased"]] = str(line.quantity)
            fees = [("Commission", -round(line.price * COMMISSION, 2))]
            if order.channel == "afn":
                fees.append(("FBAPerUnitFulfillmentFee", -round(3.22 * line.quantity, 2)))
            principal = list(shipment)
            principal[_S["price-type"]] = "Principal"
            principal[_S["price-amount"]] = money(line.price)
            rows.append(principal)
            self.total += line.price
            for fee_type, amount in fees:
                fee = list(shipment)
                fee[_S["item-related-fee-type"]] = fee_type
                fee[_S["item-related-fee-amount"]] = money(amount)
                rows.append(fee)
                self.total += amount
        self._emit(rows)

    def _refund_lines(self, order: Order, refund: Refund) -> None:
        """One refund is several lines under one key (price and fee types), as Amazon writes it."""
        self.adjustments += 1
        adjustment = f"{scramble(self.adjustments, 10**14, self.salt_adjustment):014d}"
        base = self._row(order, refund.kind, refund.at, adjustment)
        base[_S["sku"]] = refund.line.product.sku
        base[_S["merchant-adjustment-item-id"]] = ""
        base[_S["quantity-purchased"]] = str(refund.line.quantity)
        amounts: list[tuple[str, str, float]] = [("price", "Principal", -refund.amount)]
        if refund.kind == "Refund":
            commission = round(refund.amount * COMMISSION, 2)
            amounts += [("fee", "Commission", commission), ("fee", "RefundCommission", -round(commission * 0.2, 2))]
        else:
            amounts.append(("price", "Tax", -round(refund.amount * self.planner.locale.tax_rate, 2)))
        rows = []
        for column, label, amount in amounts:
            row = list(base)
            if column == "price":
                row[_S["price-type"]], row[_S["price-amount"]] = label, money(amount)
            else:
                row[_S["item-related-fee-type"]], row[_S["item-related-fee-amount"]] = label, money(amount)
            rows.append(row)
            self.total += amount
        self._emit(rows)


def write_settlement(
    path: Path, *, bodies: Sequence[Path], total: float, salts: Salts, cutoff: int, locale: Locale
) -> None:
    """The settlement file: the summary line, every part's lines, and two account-level fees Amazon adds."""
    start, end = settlement_period(cutoff)
    storage_fee = -round(12.5 + total * 0.002, 2)
    subscription = -39.99
    total += storage_fee + subscription

    def stamp(ts: int) -> str:
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    summary = [""] * len(SETTLEMENT_HEADER)
    summary[_S["settlement-id"]] = salts.settlement_id
    summary[_S["settlement-start-date"]] = stamp(start)
    summary[_S["settlement-end-date"]] = stamp(end)
    summary[_S["deposit-date"]] = stamp(end + 20 * HOUR)
    summary[_S["total-amount"]] = money(total)
    summary[_S["currency"]] = locale.currency
    fees = []
    for label, amount, posted in (
        ("Storage Fee", storage_fee, start + 6 * DAY),
        ("Subscription Fee", subscription, start + 2 * HOUR),
    ):
        row = [""] * len(SETTLEMENT_HEADER)
        row[_S["settlement-id"]] = salts.settlement_id
        row[_S["transaction-type"]] = "other-transaction"
        row[_S["marketplace-name"]] = locale.domain
        row[_S["posted-date"]] = stamp(posted)
        row[_S["other-amount"]] = money(amount)
        row[_S["other-fee-reason-description"]] = label
        fees.append(row)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write("\t".join(SETTLEMENT_HEADER) + "\n")
        handle.write("\t".join(summary) + "\n")
        for body in bodies:
            with body.open(encoding="utf-8", newline="") as lines:
                shutil.copyfileobj(lines, handle, 1 << 20)
        handle.write("".join("\t".join(row) + "\n" for row in fees))
