"""Marketplaces as the demo writes them: currency, sales channel, places, carriers, fulfilment centres."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Locale:
    currency: str
    domain: str  # sales-channel
    country: str
    calling_code: str
    order_prefixes: tuple[str, ...]
    places: tuple[tuple[str, str, str], ...]  # city, state or region, postal code
    carriers: tuple[str, ...]
    fulfillment_centers: tuple[str, ...]
    tax_rate: float = 0.0
    price_factor: float = 1.0


_EU_PREFIXES: Final = ("028", "302", "303", "305", "404")
_LOCALES: Final = {
    "US": Locale(
        "USD",
        "Amazon.com",
        "US",
        "+1",
        ("111", "112", "113", "114"),
        (
            ("Seattle", "WA", "98101"),
            ("Austin", "TX", "78701"),
            ("Columbus", "OH", "43215"),
            ("Denver", "CO", "80202"),
            ("Portland", "OR", "97201"),
            ("Raleigh", "NC", "27601"),
            ("Madison", "WI", "53703"),
            ("Tampa", "FL", "33602"),
            ("Sacramento", "CA", "95814"),
            ("Boise", "ID", "83702"),
            ("Albany", "NY", "12207"),
            ("Omaha", "NE", "68102"),
        ),
        ("USPS", "USPS", "UPS", "FedEx"),
        ("PHX6", "ONT8", "BFI4", "MDW2", "TPA1", "CLT2"),
        tax_rate=0.0725,
    ),
    "CA": Locale(
        "CAD",
        "Amazon.ca",
        "CA",
        "+1",
        ("701", "702"),
        (("Toronto", "ON", "M5V 2T6"), ("Vancouver", "BC", "V6B 1A1"), ("Montréal", "QC", "H2Y 1C6")),
        ("Canada Post", "UPS", "Purolator"),
        ("YYZ4", "YVR2"),
        tax_rate=0.13,
        price_factor=1.35,
    ),
    "MX": Locale(
        "MXN",
        "Amazon.com.mx",
        "MX",
        "+52",
        ("701", "702"),
        (("Ciudad de México", "CDMX", "06600"), ("Guadalajara", "JAL", "44100")),
        ("DHL", "Estafeta"),
        ("MEX1",),
        tax_rate=0.16,
        price_factor=17.0,
    ),
    "UK": Locale(
        "GBP",
        "Amazon.co.uk",
        "GB",
        "+44",
        ("202", "203", "204", "205", "206"),
        (
            ("London", "", "EC1A 1BB"),
            ("Manchester", "", "M1 1AE"),
            ("Leeds", "", "LS1 4AP"),
            ("Bristol", "", "BS1 4DJ"),
        ),
        ("Royal Mail", "Royal Mail", "DPD", "DHL"),
        ("LBA1", "MAN1", "BHX4"),
        price_factor=0.8,
    ),
    "DE": Locale(
        "EUR",
        "Amazon.de",
        "DE",
        "+49",
        _EU_PREFIXES,
        (("Berlin", "", "10115"), ("Hamburg", "", "20095"), ("München", "", "80331"), ("Köln", "", "50667")),
        ("DHL", "DHL", "Hermes", "DPD"),
        ("FRA7", "LEJ1", "MUC3"),
        price_factor=0.92,
    ),
    "FR": Locale(
        "EUR",
        "Amazon.fr",
        "FR",
        "+33",
        _EU_PREFIXES,
        (("Paris", "", "75001"), ("Lyon", "", "69001"), ("Marseille", "", "13001")),
        ("Colissimo", "Chronopost", "DPD"),
        ("ORY1", "LYS1"),
        price_factor=0.92,
    ),
    "IT": Locale(
        "EUR",
        "Amazon.it",
        "IT",
        "+39",
        _EU_PREFIXES,
        (("Roma", "RM", "00184"), ("Milano", "MI", "20121"), ("Torino", "TO", "10121")),
        ("Poste Italiane", "BRT", "GLS"),
        ("MXP5", "FCO1"),
        price_factor=0.92,
    ),
    "ES": Locale(
        "EUR",
        "Amazon.es",
        "ES",
        "+34",
        _EU_PREFIXES,
        (("Madrid", "Madrid", "28001"), ("Barcelona", "Barcelona", "08001"), ("Valencia", "Valencia", "46001")),
        ("Correos", "SEUR", "MRW"),
        ("MAD4", "BCN1"),
        price_factor=0.92,
    ),
    "JP": Locale(
        "JPY",
        "Amazon.co.jp",
        "JP",
        "+81",
        ("249", "250", "503"),
        (("Shibuya-ku", "Tokyo", "150-0002"), ("Kita-ku", "Osaka", "530-0001"), ("Naka-ku", "Yokohama", "231-0001")),
        ("Yamato Transport", "Japan Post", "Sagawa Express"),
        ("NRT1", "KIX2"),
        price_factor=150.0,
    ),
}
_OTHER_LOCALES: Final = {
    # code: currency, domain, country, calling code, (city, region, postal), carrier, price factor
    "BR": ("BRL", "Amazon.com.br", "BR", "+55", ("São Paulo", "SP", "01310-100"), "Correios", 5.0),
    "NL": ("EUR", "Amazon.nl", "NL", "+31", ("Amsterdam", "", "1012 AB"), "PostNL", 0.92),
    "SE": ("SEK", "Amazon.se", "SE", "+46", ("Stockholm", "", "111 22"), "PostNord", 10.5),
    "PL": ("PLN", "Amazon.pl", "PL", "+48", ("Warszawa", "", "00-001"), "InPost", 4.0),
    "BE": ("EUR", "Amazon.com.be", "BE", "+32", ("Bruxelles", "", "1000"), "bpost", 0.92),
    "IE": ("EUR", "Amazon.ie", "IE", "+353", ("Dublin", "", "D02 X285"), "An Post", 0.92),
    "TR": ("TRY", "Amazon.com.tr", "TR", "+90", ("İstanbul", "", "34000"), "Yurtiçi Kargo", 32.0),
    "AE": ("AED", "Amazon.ae", "AE", "+971", ("Dubai", "", "00000"), "Aramex", 3.7),
    "SA": ("SAR", "Amazon.sa", "SA", "+966", ("Riyadh", "", "11564"), "SMSA", 3.75),
    "EG": ("EGP", "Amazon.eg", "EG", "+20", ("Cairo", "", "11511"), "Aramex", 48.0),
    "IN": ("INR", "Amazon.in", "IN", "+91", ("Bengaluru", "KA", "560001"), "Delhivery", 83.0),
    "AU": ("AUD", "Amazon.com.au", "AU", "+61", ("Sydney", "NSW", "2000"), "Australia Post", 1.5),
    "SG": ("SGD", "Amazon.sg", "SG", "+65", ("Singapore", "", "018956"), "Ninja Van", 1.35),
}


def locale_for(code: str) -> Locale:
    if code in _LOCALES:
        return _LOCALES[code]
    currency, domain, country, calling, place, carrier, factor = _OTHER_LOCALES[code]
    return Locale(currency, domain, country, calling, _EU_PREFIXES, (place,), (carrier,), ("XFC1",), 0.0, factor)
