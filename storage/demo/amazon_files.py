"""Amazon's reports, one order at a time: All Orders, feedback, returns, FBA returns, FBA shipments and
unshipped orders (the settlement has its own module).

FBA shipments and unshipped orders are full of buyer data, as Amazon writes them: healthbot must drop it.
"""

from __future__ import annotations

from storage.demo.amazon_headers import (
    ALL_ORDERS_HEADER,
    FBA_RETURNS_HEADER,
    FBA_SHIPMENTS_HEADER,
    FEEDBACK_HEADER,
    RETURNS_HEADER,
    UNSHIPPED_HEADER,
)
from storage.demo.clock import HOUR, Clock, date_of, dd_mon_yyyy
from storage.demo.codes import MIXED, money, shipment_code
from storage.demo.files import OpenFiles
from storage.demo.model import FbaReturn, Feedback, Order, Return
from storage.demo.planner import Planner
from storage.marketplaces import Marketplace


class AmazonFiles:
    """Amazon's reports of one part of the history, each order's rows written as it is generated."""

    def __init__(self, files: OpenFiles, *, planner: Planner, clock: Clock, market: Marketplace) -> None:
        self.planner = planner
        self.clock = clock
        self.market = market
        self.locale = planner.locale
        self.cutoff = planner.cutoff
        self.rng = planner.rng
        returns_encoding = "cp932" if market.code == "JP" else "cp1252"
        self.all_orders = files.open_tab("all_orders", ALL_ORDERS_HEADER)
        self.feedback = files.open_tab("feedback", FEEDBACK_HEADER)
        self.returns = files.open_tab("returns", RETURNS_HEADER, encoding=returns_encoding, newline="\r\n")
        self.fba_returns = files.open_tab("fba_returns", FBA_RETURNS_HEADER)
        self.fba_shipments = files.open_tab("fba_shipments", FBA_SHIPMENTS_HEADER)
        self.unshipped = files.open_tab("unshipped", UNSHIPPED_HEADER)

    def write_all_orders(self, order: Order) -> None:
        """One row per item; the order's columns are formatted once (this file holds most of the rows)."""
        clock, locale = self.clock, self.locale
        status = order.status(self.cutoff)
        channel = "Merchant" if order.channel == "mfn" else "Amazon"
        head = (
            f"{order.order_id}\t\t{clock.utc(order.purchase)}\t{clock.utc(order.last_updated(self.cutoff))}\t"
            f"{status}\t{channel}\t{locale.domain}\t\t{order.level}\t"
        )
        city, state, postal = order.place
        business = "true" if order.business else "false"
        tail = (
            f"\t{city}\t{state}\t{postal}\t{locale.country}\t\t\t{business}\t\t"
            f"{'BusinessPrice' if order.business else ''}\t{clock.utc(order.ship_by_end)}\t"
            f"{clock.utc(order.deliver_by_end)}\t{'true' if order.prime else 'false'}\n"
        )
        item_status = "Shipped" if order.shipped is not None else "Unshipped"
        shipping = 4.99 if order.channel == "mfn" and order.level == "Expedited" else 0.0
        rate = locale.tax_rate
        rows = []
        for line in order.lines:
            product = line.product
            if line.cancelled:  # cancelled items carry quantity 0 and no amounts
                rows.append(f"{head}{line.name}\t{product.sku}\t{product.asin}\tCancelled\t0\t{locale.currency}")
                rows.append("\t" * 8)
            elif status == "Pending":  # Amazon prices a pending order once its payment clears
                rows.append(f"{head}{line.name}\t{product.sku}\t{product.asin}\tUnshipped\t{line.quantity}\t")
                rows.append(locale.currency + "\t" * 8)
            else:
                rows.append(
                    f"{head}{line.name}\t{product.sku}\t{product.asin}\t{item_status}\t{line.quantity}\t"
                    f"{locale.currency}\t{line.price:.2f}\t{line.price * rate:.2f}\t{shipping:.2f}\t"
                    f"{shipping * rate:.2f}\t\t\t\t"
                )
            rows.append(tail)
        self.all_orders.write("".join(rows))

    def write_feedback(self, order: Order, feedback: Feedback) -> None:
        day = self.clock.local_day(feedback.at)
        email = self.planner.buyers.for_order(order).email
        self.feedback.write(
            f"{date_of(day).strftime(self.market.feedback_date_format)}\t{feedback.rating}\t{feedback.comment}\t"
            f"{feedback.response}\t{order.order_id}\t{email}\n"
        )

    def write_fba_shipment(self, order: Order) -> None:
        """One row per shipped item, full of buyer data as Amazon writes it (healthbot must drop it)."""
        assert order.shipped is not None
        clock, locale = self.clock, self.locale
        buyer = self.planner.buyers.for_order(order)
        city, state, postal = order.place
        shipment_id = f"D{MIXED.code(self.rng.getrandbits(53), 9)}"
        center = locale.fulfillment_centers[order.index % len(locale.fulfillment_centers)]
        head = f"{order.order_id}\t\t{shipment_id}\t"
        dates = (
            f"\t\t{clock.local(order.purchase)}\t{clock.local(order.paid)}\t{clock.local(order.shipped)}\t"
            f"{clock.local(order.shipped + 2 * HOUR)}\t{buyer.email}\t{buyer.name}\t{buyer.phone}\t"
        )
        address = f"{buyer.address_1}\t{buyer.address_2}\t\t{city}\t{state}\t{postal}\t{locale.country}"
        tail = (
            f"\t{order.level}\t{buyer.name}\t{address}\t{buyer.phone}\t{address}\t\t\t{order.carrier}\t"
            f"{order.tracking}\t{clock.local(order.deliver_by_end)}\t{center}\tAFN\t{locale.domain}\n"
        )
        rows = []
        for position, line in enumerate(order.lines):
            if line.cancelled:
                continue
            item_id = self.planner.item_code(order, position)
            rows.append(
                f"{head}{shipment_code(int(item_id))}\t{item_id}{dates}{line.product.sku}\t{line.name}\t"
                f"{line.quantity}\t{locale.currency}\t{line.price:.2f}\t{line.price * locale.tax_rate:.2f}\t"
                f"0.00\t0.00\t\t{tail}"
            )
        self.fba_shipments.write("".join(rows))

    def write_fba_return(self, order: Order, returned: FbaReturn) -> None:
        line = returned.line
        self.fba_returns.write(
            "\t".join(
                [
                    self.clock.local(returned.at),
                    order.order_id,
                    line.product.sku,
                    line.product.asin,
                    line.product.fnsku,
                    line.name,
                    str(returned.quantity),
                    returned.center,
                    returned.disposition,
                    returned.reason,
                    returned.status,
                    returned.plate,
                    returned.comment,
                ]
            )
            + "\n"
        )

    def write_unshipped(self, order: Order) -> None:
        clock = self.clock
        buyer = self.planner.buyers.for_order(order)
        city, state, postal = order.place
        past_promise = self.clock.local_day(self.cutoff - 1) - order.ship_by_day
        rows = []
        for position, line in enumerate(order.lines):
            if line.cancelled:
                continue
            fields = [
                order.order_id,
                self.planner.item_code(order, position),
                clock.local(order.purchase),
                clock.local(order.paid),
                clock.local(self.cutoff - 60),
                clock.local(order.ship_by_end),
                str(past_promise),
                buyer.email,
                buyer.phone,
                line.product.sku,
                line.name,
                str(line.quantity),
                "0",
                str(line.quantity),
                order.level,
                buyer.name,
                buyer.address_1,
                buyer.address_2,
                "",
                city,
                state,
                postal,
                self.locale.country,
                "true" if order.business else "false",
                "",
                "",
                "true" if order.prime else "false",
            ]
            rows.append("\t".join(fields))
        if rows:
            self.unshipped.write("\n".join(rows) + "\n")

    def write_seller_return(self, order: Order, returned: Return) -> None:
        line = returned.line
        requested_day = self.clock.local_day(returned.requested)
        fields = [
            order.order_id,
            dd_mon_yyyy(self.clock.local_day(order.purchase)),
            dd_mon_yyyy(requested_day),
            returned.status,
            returned.rma,
            "",
            "AmazonPrePaidLabel",
            money(4.5 * self.locale.price_factor),
            self.locale.currency,
            returned.carrier,
            returned.tracking,
            "Seller" if returned.reason in ("CR-DEFECTIVE", "AMZ-PG-BAD-DESC") else "Customer",
            "Y" if returned.a_to_z else "N",
            "Y" if order.prime else "N",
            line.product.asin,
            line.product.sku,
            line.name,
            str(returned.quantity),
            returned.reason,
            "Y" if returned.in_policy else "N",
            "C-Returns",
            "StandardRefund",
            "",
            dd_mon_yyyy(self.clock.local_day(returned.delivered)) if returned.delivered is not None else "",
            money(line.price),
            str(line.quantity),
            "",
        ]
        if returned.refunded > 0:  # the refunded amount lies past the 27 fields real rows stop at
            fields += ["", "", "", "", money(returned.refunded)]
        self.returns.write("\t".join(fields) + "\n")
