"""Fake buyers: the personal data Amazon's files carry and healthbot must never store.

A buyer is drawn when a file first needs one, from the same random stream as the orders.
"""

from __future__ import annotations

import random
from typing import Final

from storage.demo.codes import LOWER
from storage.demo.locales import Locale
from storage.demo.model import Buyer, Order

_FIRST_NAMES: Final = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sophia", "Lucas", "Mia", "Ethan", "Amelia", "Kenji",
    "Harper", "Omar", "Chloe", "Diego", "Priyanka", "Hannah", "Tobias", "Leila", "Marcus", "Ingrid", "Yusuf",
    "Camila", "Felix", "Naomi", "Rafael", "Greta", "Malik", "Sienna",
)  # fmt: skip
_LAST_NAMES: Final = (
    "Hargreave", "Okonkwo", "Lindqvist", "Castellanos", "Whitcombe", "Nakamura", "Fairbanks", "Abernathy",
    "Delacroix", "Sorensen", "Pemberton", "Valdivia", "Ashworth", "Kowalczyk", "Thornbury", "Mbeki",
    "Quintero", "Halvorsen", "Beaumont", "Yamaguchi", "Rosenthal", "Ferraro", "Blackwood", "Oyelaran",
    "Strickland", "Marchetti", "Winslow", "Haddad", "Eriksen", "Caldwell",
)  # fmt: skip
_STREETS: Final = (
    "Maple Avenue", "Juniper Court", "Larkspur Lane", "Quarry Road", "Whitfield Street", "Copperleaf Drive",
    "Harbor View Terrace", "Old Mill Road", "Birchwood Crescent", "Kingfisher Way", "Alder Grove", "Foxglove Place",
)  # fmt: skip


class Buyers:
    """Draws buyers in the marketplace's formats, one per order and one per question without an order."""

    def __init__(self, rng: random.Random, locale: Locale) -> None:
        self.rng = rng
        self.locale = locale

    def for_order(self, order: Order) -> Buyer:
        """The order's buyer, the same in every file that names them."""
        if order.buyer is None:
            order.buyer = self.new()
        return order.buyer

    def new(self) -> Buyer:
        rand = self.rng.random
        name = f"{_FIRST_NAMES[int(rand() * len(_FIRST_NAMES))]} {_LAST_NAMES[int(rand() * len(_LAST_NAMES))]}"
        email = f"{LOWER.code(self.rng.getrandbits(77), 15)}@marketplace.amazon.com"
        if self.locale.calling_code == "+1":
            phone = f"+1 {200 + int(rand() * 700)}-555-01{int(rand() * 100):02d}"  # 555-01xx: fictional
        else:
            phone = f"{self.locale.calling_code} {self.rng.randrange(10**8, 10**9)}"
        street = _STREETS[int(rand() * len(_STREETS))]
        address_1 = f"{10 + int(rand() * 9000)} {street}"
        address_2 = f"Apt {1 + int(rand() * 40)}{'ABCD'[int(rand() * 4)]}" if rand() < 0.3 else ""
        return Buyer(name, email, phone, address_1, address_2)
