"""healthbot's templates (reports.md 3), one order at a time: cancellations, shipments, return requests,
claims, chargebacks, buyer messages and customer-service surveys.

Policy violations are not about orders: `generate` appends them once the orders are done.
"""

from __future__ import annotations

from typing import Any, Final

from storage.demo.clock import Clock
from storage.demo.codes import money
from storage.demo.files import OpenFiles
from storage.demo.model import Buyer, Cancel, Chargeback, Claim, Message, Order, Return, Survey
from storage.ingest import formats

# Help desks export the requester with each ticket; healthbot must drop it (formats.BUYER_MESSAGES.personal).
MESSAGE_PERSONAL_COLUMNS: Final = ("customer-name", "customer-email")


class TemplateFiles:
    """The templates of one part of the history, each order's rows written as it is generated."""

    def __init__(self, files: OpenFiles, *, clock: Clock) -> None:
        self.clock = clock
        self.templates: dict[str, Any] = {}
        for fmt in formats.TEMPLATES:
            header = fmt.template_header()
            if fmt is formats.BUYER_MESSAGES:
                header = [*header, *MESSAGE_PERSONAL_COLUMNS]
            self.templates[fmt.kind] = files.open_csv(fmt.kind, header)

    def write_cancellation(self, order: Order, cancel: Cancel) -> None:
        self.templates["cancellations"].writerow(
            [order.order_id, self.clock.local(cancel.at), cancel.by, cancel.reason]
        )

    def write_shipment(self, order: Order) -> None:
        assert order.shipped is not None
        clock = self.clock
        units = sum(line.quantity for line in order.lines if not line.cancelled)
        self.templates["shipments"].writerow(
            [
                order.order_id,
                clock.local(order.shipped),
                clock.day_iso(order.ship_by_day),
                order.carrier,
                order.tracking,
                "Y" if order.tracking_valid else "N",
                clock.day_iso(order.deliver_by_day),
                clock.local(order.delivered) if order.delivered is not None else "",
                units,
            ]
        )

    def write_return_request(self, order: Order, returned: Return) -> None:
        self.templates["return_requests"].writerow(
            [
                order.order_id,
                self.clock.local(returned.requested),
                returned.status,
                self.clock.local(returned.responded) if returned.responded is not None else "",
                "Y" if returned.in_policy else "N",
                "" if returned.buyer_resolved is None else "Y" if returned.buyer_resolved else "N",
            ]
        )

    def write_claim(self, order: Order, claim: Claim) -> None:
        self.templates["claims"].writerow(
            [
                order.order_id,
                self.clock.local(claim.at),
                claim.status,
                claim.reason,
                money(claim.amount),
                claim.funded_by,
            ]
        )

    def write_chargeback(self, order: Order, chargeback: Chargeback) -> None:
        self.templates["chargebacks"].writerow(
            [
                order.order_id,
                self.clock.local(chargeback.at),
                chargeback.kind,
                chargeback.status,
                chargeback.reason,
                money(chargeback.amount),
            ]
        )

    def write_message(self, message: Message, buyer: Buyer) -> None:
        self.templates["buyer_messages"].writerow(
            [
                message.message_id,
                self.clock.local(message.received),
                message.order_id,
                self.clock.local(message.replied) if message.replied is not None else "",
                "Y" if message.no_response_needed else "N",
                "Y" if message.auto_reply else "N",
                message.subject,
                message.assignee,
                buyer.name,
                buyer.email,
            ]
        )

    def write_survey(self, order: Order, survey: Survey) -> None:
        self.templates["cs_survey"].writerow(
            [order.order_id, self.clock.local(survey.at), "Y" if survey.solved else "N"]
        )
