"""Days and instants: windows as of a day, the evaluation instant, business days, local day ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from metrics.result import Window


def evaluation_instant(as_of: date) -> datetime:
    """00:00 UTC on the as-of day: anything stamped later is ignored for that day (metrics.md 1)."""
    return datetime.combine(as_of, time(), tzinfo=UTC)


def window(as_of: date, start_offset: int, end_offset: int) -> Window:
    """The inclusive window [as_of - start_offset, as_of - end_offset]."""
    return Window(as_of - timedelta(days=start_offset), as_of - timedelta(days=end_offset))


def end_of_local_day(day: date, timezone: str) -> datetime:
    """23:59:59 of `day` in the account's time zone, as a UTC instant (metrics.md 1, "local day ends")."""
    local = datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC)


@dataclass
class BusinessCalendar:
    """Weekdays that are not public holidays of the marketplace's country (the `holidays` package)."""

    country: str
    _years: dict[int, holidays.HolidayBase] = field(default_factory=dict)

    def _holidays(self, year: int) -> holidays.HolidayBase:
        if year not in self._years:
            self._years[year] = holidays.country_holidays(self.country, years=year)
        return self._years[year]

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays(day.year)

    def add_business_days(self, day: date, count: int) -> date:
        """The date `count` business days after `day` (0: `day` itself, or the next business day)."""
        current = day
        if count == 0:
            while not self.is_business_day(current):
                current += timedelta(days=1)
            return current
        remaining = count
        while remaining:
            current += timedelta(days=1)
            if self.is_business_day(current):
                remaining -= 1
        return current
