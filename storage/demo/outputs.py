"""Every demo file of one part of the history, open at once; each order is written to all of them as it
is generated, so no order is kept once written."""

from __future__ import annotations

from pathlib import Path

from storage.demo.amazon_files import AmazonFiles
from storage.demo.clock import Clock
from storage.demo.files import OpenFiles
from storage.demo.model import Buyer, Message, Order
from storage.demo.planner import Planner
from storage.demo.settlement import Settlement
from storage.demo.template_files import TemplateFiles
from storage.marketplaces import Marketplace


class Outputs:
    """Every demo file, open at once; each order is written to all of them as it is generated.

    Buyers and shipment ids are drawn as the rows are written, so the order of the writes is part of
    the output.
    """

    def __init__(
        self, directory: Path, *, planner: Planner, clock: Clock, market: Marketplace, header: bool, body: Path
    ) -> None:
        self.planner = planner
        self.cutoff = planner.cutoff
        self._files = OpenFiles(directory, header=header)  # later parts are appended to the first one's files
        self.amazon = AmazonFiles(self._files, planner=planner, clock=clock, market=market)
        self.templates = TemplateFiles(self._files, clock=clock)
        self.settlement = Settlement(body, planner=planner, clock=clock)

    def close(self) -> None:
        self._files.close()
        self.settlement.close()

    def write(self, order: Order) -> None:
        amazon, templates = self.amazon, self.templates
        amazon.write_all_orders(order)
        if order.feedback is not None:
            amazon.write_feedback(order, order.feedback)
        if order.channel == "afn":
            if order.shipped is not None:
                amazon.write_fba_shipment(order)
            if order.fba_return is not None:
                amazon.write_fba_return(order, order.fba_return)
        else:
            if order.cancel is not None:
                templates.write_cancellation(order, order.cancel)
            if order.shipped is not None:
                templates.write_shipment(order)
            elif order.status(self.cutoff) == "Unshipped":
                amazon.write_unshipped(order)
        if order.seller_return is not None:
            amazon.write_seller_return(order, order.seller_return)
            templates.write_return_request(order, order.seller_return)
        if order.claim is not None:
            templates.write_claim(order, order.claim)
        if order.chargeback is not None:
            templates.write_chargeback(order, order.chargeback)
        for message in order.messages:
            self.message(message, self.planner.buyers.for_order(order))
        for survey in order.surveys:
            templates.write_survey(order, survey)
        self.settlement.order(order)

    def message(self, message: Message, buyer: Buyer) -> None:
        """A buyer message, of an order or of a shopper without one."""
        self.templates.write_message(message, buyer)
