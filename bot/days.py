"""The days a digest is posted on, as `/health digest` takes them."""

from __future__ import annotations

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_SETS = {"daily": set(range(7)), "weekdays": set(range(5)), "mon-fri": set(range(5))}


def parse_days(text: str) -> set[int]:
    """`daily`, `weekdays`/`mon-fri`, or a comma list of day names (`mon,wed,fri`); Monday is 0."""
    text = text.strip().lower()
    if text in DAY_SETS:
        return DAY_SETS[text]
    days = set()
    for word in text.split(","):
        word = word.strip()
        if word in WEEKDAYS:
            days.add(WEEKDAYS.index(word))
        elif word in NAMES:
            days.add(NAMES.index(word))
        else:
            raise ValueError(f"{text!r} is not a set of days: use daily, mon-fri, or names like mon,wed,fri")
    return days
