"""Buyer messages (metrics.md 3.6), questions from shoppers without an order, and customer-service surveys."""

from __future__ import annotations

import random
from typing import Final

from storage.demo.clock import DAY, HOUR
from storage.demo.codes import scramble
from storage.demo.model import Message, Order, Salts, Survey
from storage.demo.profile import AFN_MESSAGE_SHARE, MFN_MESSAGE_SHARE, NO_RESPONSE_NEEDED_SHARE, SURVEY_SHARE
from storage.demo.quotas import Cycle, Quotas

_ORDER_SUBJECTS: Final = (
    "Where is my order? (Order: {})",
    "Item arrived damaged (Order: {})",
    "Question about delivery date (Order: {})",
    "Wrong item received (Order: {})",
    "Return request (Order: {})",
    "How do I use this? (Order: {})",
)
_NO_REPLY_SUBJECTS: Final = ("Thank you! (Order: {})", "Delivery confirmation (Order: {})")
_PRESALE_SUBJECTS: Final = (
    "Product details inquiry",
    "Is this dishwasher safe?",
    "Bulk order question",
    "Do you ship to P.O. boxes?",
)
_ASSIGNEES: Final = ("cs-alex", "cs-priya", "cs-sam", "cs-team")


class MessagePlanner:
    """Decides an order's messages and their replies, and the questions that come without an order."""

    def __init__(self, *, rng: random.Random, quotas: Quotas, cutoff: int, salts: Salts, part: int) -> None:
        self.rng = rng
        self.quotas = quotas
        self.cutoff = cutoff
        self.salts = salts
        self.message_count = part * 10**7  # each part numbers its messages in its own range
        self.late_replies = Cycle("late", "auto", "late", "unanswered")

    def plan(self, order: Order) -> None:
        """A message about the order, perhaps its reply and a survey answer."""
        rand = self.rng.random
        share = MFN_MESSAGE_SHARE if order.channel == "mfn" else AFN_MESSAGE_SHARE
        if rand() >= share:
            return
        received = order.purchase + HOUR + int(rand() * 12 * DAY)
        if received >= self.cutoff:
            return
        if rand() < NO_RESPONSE_NEEDED_SHARE:
            subjects = _NO_REPLY_SUBJECTS
            order.messages.append(
                self._message(received, order.order_id, subjects[int(rand() * len(subjects))].format(order.order_id))
            )
            return
        subject = _ORDER_SUBJECTS[int(rand() * len(_ORDER_SUBJECTS))].format(order.order_id)
        message = self._message(received, order.order_id, subject, answer=True)
        order.messages.append(message)
        if message.replied is not None and not message.auto_reply and rand() < SURVEY_SHARE:
            self._surveys(order, message.replied)

    def presale_message(self, day_start: int) -> Message | None:
        """A question from a shopper, without an order, on the day starting at `day_start`."""
        if not self.quotas.presale.draw():
            return None
        received = day_start + int(self.rng.random() * DAY)
        if received >= self.cutoff:
            return None
        subject = _PRESALE_SUBJECTS[int(self.rng.random() * len(_PRESALE_SUBJECTS))]
        return self._message(received, "", subject, answer=True)

    def pending_question(self) -> Message:
        """A shopper's question from the last hours, not answered yet: the "nearing 24 hours" list has one."""
        received = self.cutoff - HOUR - int(self.rng.random() * 8 * HOUR)
        subject = _PRESALE_SUBJECTS[int(self.rng.random() * len(_PRESALE_SUBJECTS))]
        self.message_count += 1
        return Message(self._message_id(), received, "", None, False, False, subject, "")

    def _message_id(self) -> str:
        return str(10**8 + scramble(self.message_count, 10**8, self.salts.message))

    def _message(self, received: int, order_id: str, subject: str, *, answer: bool = False) -> Message:
        rand = self.rng.random
        replied: int | None = None
        auto = False
        if answer:
            if self.quotas.late_reply.draw():
                kind = self.late_replies.next()
                if kind == "late":
                    replied = received + 25 * HOUR + int(rand() * 48 * HOUR)
                elif kind == "auto":  # only the help desk's auto-reply, which is not a reply
                    replied, auto = received + 60 + int(rand() * 180), True
            else:
                replied = received + 300 + int(23.5 * HOUR * rand() ** 2)
            if replied is not None and replied >= self.cutoff:
                replied, auto = None, False
        self.message_count += 1
        return Message(
            message_id=self._message_id(),
            received=received,
            order_id=order_id,
            replied=replied,
            no_response_needed=not answer,
            auto_reply=auto,
            subject=subject,
            assignee=_ASSIGNEES[int(rand() * len(_ASSIGNEES))] if replied is not None and not auto else "",
        )

    def _surveys(self, order: Order, replied: int) -> None:
        rand = self.rng.random
        at = replied + HOUR + int(rand() * 2 * DAY)
        if at >= self.cutoff:
            return
        solved = not self.quotas.unsolved.draw()
        order.surveys.append(Survey(at, solved))
        if rand() < 0.05:  # the buyer answers again; the latest answer wins
            later = at + HOUR + int(rand() * DAY)
            if later < self.cutoff:
                order.surveys.append(Survey(later, not solved))
