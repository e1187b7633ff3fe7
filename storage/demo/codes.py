"""Ids, tracking numbers and amounts in the forms exports write them."""

from __future__ import annotations

import random
from typing import Final


def scramble(value: int, modulus: int, salt: int) -> int:
    """A bijection of [0, modulus) for a modulus coprime to the multiplier (powers of 10 and 62 are).

    Distinct inputs give distinct, random-looking ids.
    """
    return (value * 2_654_435_761 + salt) % modulus


class _Alphabet:
    """Fixed-width codes in an alphabet, two characters per step (ids are encoded millions of times)."""

    def __init__(self, chars: str) -> None:
        self._chars = chars
        self._base = len(chars)
        self._pairs = tuple(a + b for a in chars for b in chars)
        self._pair_base = self._base * self._base

    def code(self, value: int, width: int) -> str:
        """`value` in `width` characters: distinct values below base**width give distinct codes."""
        parts = []
        if width % 2:
            value, digit = divmod(value, self._base)
            parts.append(self._chars[digit])
        for _ in range(width // 2):
            value, pair = divmod(value, self._pair_base)
            parts.append(self._pairs[pair])
        return "".join(parts)


_LETTERS: Final = _Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_UPPER: Final = _Alphabet("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
LOWER: Final = _Alphabet("0123456789abcdefghijklmnopqrstuvwxyz")
MIXED: Final = _Alphabet("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def shipment_code(value: int) -> str:
    """An Amazon-style shipment code (`DxYz12AbC`), distinct for each 14-digit item id."""
    return "D" + MIXED.code(scramble(value, 62**9, 0), 9)


def money(value: float) -> str:
    return f"{value:.2f}"


def _digits(rng: random.Random, count: int) -> str:
    return f"{rng.randrange(10**count):0{count}d}"


def tracking_number(rng: random.Random, carrier: str) -> str:
    """A number in the stated carrier's format (metrics.md 3.4 checks the format when no flag is given)."""
    if carrier == "USPS":
        return "9400" + _digits(rng, 18)
    if carrier == "UPS":
        return f"1Z{_UPPER.code(rng.getrandbits(31), 6)}03{_digits(rng, 8)}"
    if carrier in ("Royal Mail", "Correos", "Poste Italiane", "Colissimo"):
        suffix = {"Royal Mail": "GB", "Correos": "ES", "Poste Italiane": "IT", "Colissimo": "FR"}[carrier]
        return f"{_LETTERS.code(rng.randrange(26 * 26), 2)}{_digits(rng, 9)}{suffix}"
    if carrier in ("DHL", "Hermes", "DPD"):
        return _digits(rng, 14 if carrier != "DHL" else 10)
    if carrier == "Canada Post":
        return _digits(rng, 16)
    return _digits(rng, 12)
