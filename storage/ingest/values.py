"""Parsers for one field each: the raw text (stripped, never empty) in, a typed value out.

A parser raises `ValueError` whose text says what was expected; the caller adds line, column and value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from storage.marketplaces import MARKETPLACES, Marketplace


@dataclass(frozen=True)
class ParseContext:
    """What a value's meaning depends on: the account's time zone and marketplace."""

    timezone: ZoneInfo
    marketplace: Marketplace


Parser = Callable[[str, ParseContext], Any]

_MONTHS = {
    m: i
    for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)
}
ISO_EXPECTED = "an ISO 8601 date or time such as 2026-11-24 or 2026-11-24T18:52:47+00:00"


def text(raw: str, ctx: ParseContext) -> str:
    return raw


# Counts are stored in 32-bit INTEGER columns on both databases: a larger one is refused here, with
# its line and column, rather than by the database in the middle of a chunk.
INT_LIMIT = 2**31 - 1


def integer(raw: str, ctx: ParseContext) -> int:
    try:
        number = int(raw)
    except ValueError:
        try:
            decimal = float(raw)
        except ValueError:
            raise ValueError("a whole number") from None
        if not decimal.is_integer():
            raise ValueError("a whole number") from None
        number = int(decimal)
    if not -INT_LIMIT <= number <= INT_LIMIT:
        raise ValueError(f"a whole number no larger than {INT_LIMIT:,}")
    return number


def amount(raw: str, ctx: ParseContext) -> float:
    """A money amount; accepts `1234.56`, `1,234.56` and the EU forms `1234,56` and `1.234,56`."""
    cleaned = raw.replace("\u00a0", "").replace(" ", "")
    if "," in cleaned:
        if "." in cleaned and cleaned.rindex(".") > cleaned.rindex(","):
            cleaned = cleaned.replace(",", "")
        else:
            cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError("an amount such as 12.99") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("an amount such as 12.99")
    return value


_TRUE = {"y", "yes", "true", "1", "t"}
_FALSE = {"n", "no", "false", "0", "f"}


def flag(raw: str, ctx: ParseContext) -> bool:
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("Y or N")


def _dd_mon_yyyy(raw: str) -> date | None:
    # Amazon's returns report writes 10-Jul-2025; strptime's %b would depend on the process locale.
    parts = raw.split("-")
    if len(parts) == 3 and parts[1][:3].lower() in _MONTHS and len(parts[2]) == 4:
        try:
            return date(int(parts[2]), _MONTHS[parts[1][:3].lower()], int(parts[0]))
        except ValueError:
            return None
    return None


def timestamp(raw: str, ctx: ParseContext) -> datetime:
    """An instant, returned in UTC. Without an offset it is read in the account's time zone.

    Accepts ISO 8601 (`2026-11-24T18:52:47+00:00`, `2026-11-24 18:52`), settlement reports' trailing
    ` UTC`, and `24-Nov-2026` with an optional time.
    """
    if raw.endswith(" UTC"):
        raw = raw[:-4] + "+00:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        head = raw.split(" ", 1)[0].split("T", 1)[0]
        day = _dd_mon_yyyy(head)
        if day is None:
            raise ValueError(ISO_EXPECTED) from None
        rest = raw[len(head) :].strip().lstrip("T")
        try:
            clock = time.fromisoformat(rest) if rest else time()
        except ValueError:
            raise ValueError(ISO_EXPECTED) from None
        value = datetime.combine(day, clock)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ctx.timezone)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 pushed past the calendar's end by the offset
        raise ValueError(ISO_EXPECTED) from None


def day(raw: str, ctx: ParseContext) -> date:
    """A calendar date: ISO (`2026-11-24`, or the date part of a timestamp) or `24-Nov-2026`."""
    parsed = _dd_mon_yyyy(raw)
    if parsed is not None:
        return parsed
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError("a date such as 2026-11-24 or 24-Nov-2026") from None
    # A timestamp's date is the date where it was written (Amazon's ship-by dates carry the local offset).
    return value.date()


def feedback_date(raw: str, ctx: ParseContext) -> date:
    """The seller feedback export's locale short date, in the account's marketplace format."""
    fmt = ctx.marketplace.feedback_date_format
    try:
        return datetime.strptime(raw, fmt).date()  # noqa: DTZ007 - a calendar date, no time of day
    except ValueError:
        pass
    other = _other_marketplace_format(raw, ctx.marketplace)
    message = f"a {ctx.marketplace.code} feedback date ({_describe(fmt)}, e.g. {ctx.marketplace.feedback_date_example})"
    if other:
        message += f"; this date reads as a {other} date: is the account's marketplace right?"
    raise ValueError(message)


def _describe(fmt: str) -> str:
    return fmt.replace("%m", "M").replace("%d", "D").replace("%y", "YY").replace("%Y", "YYYY")


def _other_marketplace_format(raw: str, current: Marketplace) -> str | None:
    seen: dict[str, list[str]] = {}
    for market in MARKETPLACES.values():
        seen.setdefault(market.feedback_date_format, []).append(market.code)
    for fmt, codes in seen.items():
        if fmt == current.feedback_date_format:
            continue
        try:
            datetime.strptime(raw, fmt)  # noqa: DTZ007 - only testing the shape
        except ValueError:
            continue
        return "/".join(codes[:3]) + (" (and other)" if len(codes) > 3 else "")
    return None


def rating(raw: str, ctx: ParseContext) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError("a star rating from 1 to 5") from None
    if not 1 <= value <= 5:
        raise ValueError("a star rating from 1 to 5")
    return value


class choice:  # noqa: N801 - used like the parser functions around it
    """A parser accepting one of `allowed` (case-insensitive), plus `aliases` mapped onto them."""

    __name__ = "choice"

    def __init__(self, *allowed: str, aliases: dict[str, str] | None = None) -> None:
        self.allowed = allowed
        self._table = {a: a for a in allowed}
        self._table.update(aliases or {})
        self._expected = " or ".join(f"'{a}'" for a in allowed)

    def __call__(self, raw: str, ctx: ParseContext) -> str:
        try:
            return self._table[raw.lower().replace("_", " ").replace("-", " ").strip()]
        except KeyError:
            raise ValueError(f"one of {self._expected}") from None


def channel(raw: str, ctx: ParseContext) -> str:
    """All Orders `fulfillment-channel`: `Amazon` is FBA (afn), `Merchant` seller-fulfilled (mfn)."""
    lowered = raw.lower()
    if lowered in ("amazon", "afn"):
        return "afn"
    if lowered in ("merchant", "mfn", "seller"):
        return "mfn"
    raise ValueError("'Amazon' or 'Merchant'")
