"""Amazon marketplaces: ids, default time zones, feedback date formats and holiday calendars."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Marketplace:
    code: str
    marketplace_id: str
    timezone: str
    # `Date` of the seller feedback export, a locale short date (reports.md 2.2).
    feedback_date_format: str
    feedback_date_example: str
    # Country code for the `holidays` package (public holidays skip expected ship dates).
    holiday_country: str


def _mp(code: str, mid: str, tz: str, fmt: str = "%d/%m/%y", example: str = "24/11/26") -> Marketplace:
    return Marketplace(code, mid, tz, fmt, example, "GB" if code == "UK" else code)


MARKETPLACES: dict[str, Marketplace] = {
    m.code: m
    for m in (
        _mp("US", "ATVPDKIKX0DER", "America/Los_Angeles", "%m/%d/%y", "11/24/26"),
        _mp("CA", "A2EUQ1WTGCTBG2", "America/Los_Angeles"),
        _mp("MX", "A1AM78C64UM0Y8", "America/Mexico_City"),
        _mp("BR", "A2Q3Y263D00KWC", "America/Sao_Paulo"),
        _mp("UK", "A1F83G8C2ARO7P", "Europe/London"),
        _mp("DE", "A1PA6795UKMFR9", "Europe/Berlin", "%d.%m.%y", "24.11.26"),
        _mp("FR", "A13V1IB3VIYZZH", "Europe/Paris"),
        _mp("IT", "APJ6JRA9NG5V4", "Europe/Rome"),
        _mp("ES", "A1RKKUPIHCS9HS", "Europe/Madrid"),
        _mp("NL", "A1805IZSGTT6HS", "Europe/Amsterdam"),
        _mp("SE", "A2NODRKZP88ZB9", "Europe/Stockholm", "%Y-%m-%d", "2026-11-24"),
        _mp("PL", "A1C3SOZRARQ6R3", "Europe/Warsaw"),
        _mp("BE", "AMEN7PMS3EDWL", "Europe/Brussels"),
        _mp("IE", "A28R8C7NBKEWEA", "Europe/Dublin"),
        _mp("TR", "A33AVAJ2PDY3EV", "Europe/Istanbul"),
        _mp("AE", "A2VIGQ35RCS4UG", "Asia/Dubai"),
        _mp("SA", "A17E79C6D8DWNP", "Asia/Riyadh"),
        _mp("EG", "ARBP9OOSHTCHU", "Africa/Cairo"),
        _mp("IN", "A21TJRUUN4KGV", "Asia/Kolkata"),
        _mp("JP", "A1VC38T7YXB528", "Asia/Tokyo", "%y/%m/%d", "26/11/24"),
        _mp("AU", "A39IBJ37TRP1C6", "Australia/Sydney"),
        _mp("SG", "A19VAU5U5O7RUS", "Asia/Singapore"),
    )
}

BY_MARKETPLACE_ID: dict[str, Marketplace] = {m.marketplace_id: m for m in MARKETPLACES.values()}


def get_marketplace(code: str) -> Marketplace:
    """The marketplace for a code such as `US` (case-insensitive); `GB` is accepted for `UK`."""
    code = code.strip().upper()
    code = "UK" if code == "GB" else code
    try:
        return MARKETPLACES[code]
    except KeyError:
        raise ValueError(f"unknown marketplace {code!r}; use one of {', '.join(sorted(MARKETPLACES))}") from None
