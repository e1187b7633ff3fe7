"""Time: instants (epoch seconds, UTC) and days (days since 1970-01-01), business days and the text
forms exports write them in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

import holidays

from storage.marketplaces import Marketplace

DAY: Final = 86_400
HOUR: Final = 3_600
SETTLEMENT_DAYS: Final = 14  # Amazon settles every 14 days

_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_MMSS: Final = tuple(f"{minute:02d}:{second:02d}" for minute in range(60) for second in range(60))
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_of(day: int) -> date:
    return date.fromordinal(day + _EPOCH_ORDINAL)


def day_number(value: date) -> int:
    return value.toordinal() - _EPOCH_ORDINAL


def _holiday_days(country: str, years: Sequence[int]) -> frozenset[int]:
    try:
        calendar = holidays.country_holidays(country, years=years)
    except NotImplementedError:  # a country the package does not know: weekends only
        return frozenset()
    return frozenset(day_number(d) for d in calendar)


class Clock:
    """Instants (epoch seconds, UTC) and days (days since 1970-01-01) in the text forms exports use.

    Millions of stamps are formatted, so offsets and day strings are cached rather than going through
    `datetime` each time.
    """

    def __init__(self, timezone: ZoneInfo, holiday_days: frozenset[int]) -> None:
        self._tz = timezone
        self._holidays = holiday_days
        self._offsets: dict[int, int] = {}
        self._zones: dict[int, tuple[int, str]] = {}  # UTC hour -> (offset, "+hh:mm")
        self._prefixes: dict[int, str] = {}  # hour -> "2026-11-24T18:"
        self._iso: dict[int, str] = {}
        self._ends: dict[int, int] = {}
        self._ship_by: dict[tuple[int, int], int] = {}

    def offset(self, ts: int) -> int:
        hour = ts // HOUR
        offset = self._offsets.get(hour)
        if offset is None:
            delta = datetime.fromtimestamp(hour * HOUR, UTC).astimezone(self._tz).utcoffset()
            offset = int(delta.total_seconds()) if delta is not None else 0
            self._offsets[hour] = offset
        return offset

    def local_day(self, ts: int) -> int:
        return (ts + self.offset(ts)) // DAY

    def day_iso(self, day: int) -> str:
        text = self._iso.get(day)
        if text is None:
            text = self._iso[day] = date_of(day).isoformat()
        return text

    def _prefix(self, hour: int) -> str:
        text = self._prefixes.get(hour)
        if text is None:
            day, hour_of_day = divmod(hour, 24)
            text = self._prefixes[hour] = f"{self.day_iso(day)}T{hour_of_day:02d}:"
        return text

    def _zone(self, hour: int) -> tuple[int, str]:
        offset = self.offset(hour * HOUR)
        sign = "+" if offset >= 0 else "-"
        hours, minutes = divmod(abs(offset) // 60, 60)
        zone = self._zones[hour] = (offset, f"{sign}{hours:02d}:{minutes:02d}")
        return zone

    def utc(self, ts: int) -> str:
        """`2026-11-24T18:52:47+00:00`, as All Orders writes it."""
        return self._prefix(ts // HOUR) + _MMSS[ts % HOUR] + "+00:00"

    def local(self, ts: int) -> str:
        """The instant in the account's time zone with its offset, as shipping and help-desk tools write it."""
        zone = self._zones.get(ts // HOUR) or self._zone(ts // HOUR)
        local = ts + zone[0]
        return self._prefix(local // HOUR) + _MMSS[local % HOUR] + zone[1]

    def settlement(self, ts: int) -> str:
        """`2026-11-24 18:52:47 UTC`, as the settlement flat file writes instants."""
        return self._prefix(ts // HOUR).replace("T", " ") + _MMSS[ts % HOUR] + " UTC"

    def end_of_day(self, day: int) -> int:
        """23:59:59 on a local day: when an expected ship or promised delivery date ends (metrics.md 1)."""
        end = self._ends.get(day)
        if end is None:
            end = int(datetime.combine(date_of(day), time(23, 59, 59), tzinfo=self._tz).timestamp())
            self._ends[day] = end
        return end

    def is_business_day(self, day: int) -> bool:
        return (day + 3) % 7 < 5 and day not in self._holidays  # 1970-01-01 was a Thursday

    def working_time(self, ts: int) -> int:
        """`ts`, or the next business morning when `ts` falls outside 08:00-17:00 local on a business day."""
        offset = self.offset(ts)
        day, secs = divmod(ts + offset, DAY)
        if self.is_business_day(day) and 8 * HOUR <= secs < 17 * HOUR:
            return ts
        if not (self.is_business_day(day) and secs < 8 * HOUR):
            day = self.add_business_days(day, 1)
        return day * DAY + 8 * HOUR + ts % (2 * HOUR) - offset

    def add_business_days(self, day: int, count: int) -> int:
        """`count` business days after `day`, skipping weekends and the marketplace's public holidays."""
        key = (day, count)
        result = self._ship_by.get(key)
        if result is None:
            result = day
            left = count
            while left > 0:
                result += 1
                if self.is_business_day(result):
                    left -= 1
            self._ship_by[key] = result
        return result


def dd_mon_yyyy(day: int) -> str:
    value = date_of(day)
    return f"{value.day:02d}-{_MONTHS[value.month - 1]}-{value.year}"


def settlement_period(cutoff: int) -> tuple[int, int]:
    """The 14 days the settlement covers: it closed yesterday 00:00 UTC and was paid out that day."""
    return cutoff - DAY - SETTLEMENT_DAYS * DAY, cutoff - DAY


def market_clock(market: Marketplace, as_of_day: int) -> Clock:
    """The marketplace's clock, with its public holidays around `as_of_day`."""
    year = date_of(as_of_day).year
    return Clock(ZoneInfo(market.timezone), _holiday_days(market.holiday_country, range(year - 1, year + 2)))
