"""Amazon's Account Health report (JSON, reports.md 2.8): parsed leniently, stored as a snapshot.

Real files and Amazon's own examples differ from the published schema (property names, extra blocks,
dates with or without seconds), so every block is looked up under each name it is known by, and a
block that is absent yields no figure at all: absent is not zero. Values of the wrong type refuse the
file with the JSON path of the value, so a seller can see exactly what is wrong.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage import models
from storage.ingest.errors import IngestError
from storage.ingest.result import RowCounts
from storage.ingest.writer import row_hash
from storage.marketplaces import BY_MARKETPLACE_ID, Marketplace

REPORT_NAME = "Account Health report"
DOWNLOAD_HINT = (
    "Download the Account Health report (GET_V2_SELLER_PERFORMANCE_REPORT) again and upload the JSON file as it is"
)
# Stored in INTEGER and VARCHAR(32) columns: PostgreSQL refuses anything larger, SQLite would not notice.
MAX_COUNT = 2**31 - 1
MAX_TEXT = 32
MAX_METRIC = 64
# The stored copy of the report is re-serialised (hash, JSON column); deeper nesting is no report.
MAX_DEPTH = 32


@dataclass
class HealthFigure:
    """One figure of the report, named by healthbot's metric ids (metrics.md 2)."""

    metric: str
    scope: str
    window_days: int = 0
    window_start: datetime | None = None
    window_end: datetime | None = None
    rate: float | None = None
    numerator: int | None = None
    denominator: int | None = None
    status: str | None = None
    target_value: float | None = None
    target_condition: str | None = None
    components: dict[str, Any] = field(default_factory=dict)
    inconsistent: bool = False


@dataclass
class HealthReport:
    """The account's marketplace in one Account Health report, as healthbot's figures."""

    marketplace_id: str
    reported_through: datetime
    account_status: str | None
    ahr_status: str | None
    ahr_score: int | None
    raw: dict[str, Any]
    figures: list[HealthFigure]
    notes: list[str] = field(default_factory=list)
    # warningType -> status, e.g. {"spammingSellerMessaging": "BAD"}.
    warning_states: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _RateBlock:
    """A rate block of the report and where healthbot's figure takes its counts from."""

    names: tuple[str, ...]  # the property names it is known by, preferred first
    metric: str
    title: str
    numerator: str  # a count property, or `object.count`
    denominator: str
    what: str  # what the numerator counts, for the inconsistency note
    of_what: str  # what the denominator counts
    components: tuple[tuple[str, str], ...] = ()  # (component id, `object.count` property)


_RATE_BLOCKS: tuple[_RateBlock, ...] = (
    _RateBlock(
        ("preFulfillmentCancellationRate", "prefulfillmentCancelRate"),
        "cancel_rate",
        "Pre-fulfilment Cancel Rate",
        "cancellationCount",
        "orderCount",
        "cancelled orders",
        "orders",
    ),
    _RateBlock(
        ("validTrackingRate",),
        "valid_tracking_rate",
        "Valid Tracking Rate",
        "validTrackingCount",
        "shipmentCount",
        "shipments with valid tracking",
        "shipments",
    ),
    _RateBlock(
        ("onTimeDeliveryRate",),
        "on_time_delivery_rate",
        "On-Time Delivery Rate",
        "onTimeDeliveryCount",
        "shipmentCountWithValidTracking",
        "on-time deliveries",
        "tracked shipments",
    ),
    _RateBlock(
        ("unitOnTimeDeliveryRate",),
        "on_time_delivery_rate.units",
        "Unit On-Time Delivery Rate",
        "unitOnTimeDeliveryCount",
        "totalUnitCount",
        "units delivered on time",
        "units",
    ),
    _RateBlock(
        ("invoiceDefectRate",),
        "invoice_defect_rate",
        "Invoice Defect Rate",
        "invoiceDefect.count",
        "orderCount",
        "invoice defects",
        "orders",
        (
            ("invoice_defect_rate.missing_invoice", "missingInvoice.count"),
            ("invoice_defect_rate.late_invoice", "lateInvoice.count"),
        ),
    ),
)

_LATE_SHIPMENT = _RateBlock(
    ("lateShipmentRate",),
    "late_shipment_rate",
    "Late Shipment Rate",
    "lateShipmentCount",
    "orderCount",
    "late shipments",
    "orders due",
)

_ODR_COMPONENTS = (
    ("odr.negative_feedback", "negativeFeedback.count"),
    ("odr.claims", "claims.count"),
    ("odr.chargebacks", "chargebacks.count"),
)

# Policy categories: (the names a block is known by, preferred first). Each is a count with target 0.
_POLICY_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("listingPolicyViolations",),
    ("productAuthenticityCustomerComplaints",),
    ("productConditionCustomerComplaints",),
    ("productSafetyCustomerComplaints",),
    ("receivedIntellectualPropertyComplaints",),
    ("suspectedIntellectualPropertyViolations",),
    ("restrictedProductPolicyViolations",),
    ("customerProductReviewsPolicyViolations",),
    ("foodAndProductSafetyIssues",),
    ("otherPolicyViolations",),
    ("documentRequests", "documentRequest"),
    ("policyViolationWarnings", "policyViolationWarning"),
)
# Policy counts are `defectsCount`; `policyViolationWarnings` says `warningsCount` in real files.
_POLICY_COUNTS = ("defectsCount", "warningsCount", "count")

_KNOWN_BLOCKS = frozenset(
    {
        "marketplaceId",
        "orderDefectRate",
        "lateShipmentRate",
        "lateShipmentRateList",
        "accountHealthRating",
        "warningStates",
        "warningState",
        *(name for block in _RATE_BLOCKS for name in block.names),
        *(name for names in _POLICY_BLOCKS for name in names),
    }
)
_PROPERTY_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")


# --- reading values -------------------------------------------------------------------------------


def _safe(text: str, limit: int = 200) -> str:
    """File text fit for a message: the rejection is stored, and PostgreSQL refuses NUL and lone surrogates."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shown(value: Any) -> str:
    """A value as it appears in the file, for an error message."""
    try:
        return _safe(json.dumps(value, ensure_ascii=False))
    except (TypeError, ValueError, RecursionError):
        return _safe(repr(value))


def _json_type(value: Any) -> str:
    """The JSON name of a parsed value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _wrong(path: str, value: Any, expected: str, *, found: str | None = None) -> IngestError:
    """The error for a value that is not what the report's schema says."""
    return IngestError(
        f"the {REPORT_NAME} has an unexpected value at {_safe(path)}",
        expected=expected,
        found=found or _json_type(value),
        column=_safe(path),
        value=_shown(value),
        hint=DOWNLOAD_HINT,
    )


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _wrong(path, value, "an object ({...})")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise _wrong(path, value, "a list ([...])")
    return value


def _first(parent: dict[str, Any], names: tuple[str, ...], path: str) -> tuple[str, Any] | None:
    """The first of `names` present (and not null) in `parent`, with its path."""
    for name in names:
        if parent.get(name) is not None:
            return f"{path}.{name}", parent[name]
    return None


def _number(value: Any, path: str, expected: str) -> float | None:
    """A finite number; numeric text is accepted as Amazon's exports are not always typed."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _wrong(path, value, expected)
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise _wrong(path, value, expected) from None
    if not math.isfinite(number):
        raise _wrong(path, value, expected, found="a number that is not finite")
    return number


def _rate(value: Any, path: str) -> float | None:
    expected = "a fraction between 0 and 1, such as 0.0123 for 1.23%"
    rate = _number(value, path, expected)
    if rate is not None and not 0 <= rate <= 1:
        raise _wrong(path, value, expected, found="a number outside 0..1")
    return rate


def _count(value: Any, path: str) -> int | None:
    expected = "a whole number of zero or more"
    number = _number(value, path, expected)
    if number is None:
        return None
    if not number.is_integer() or number < 0:
        raise _wrong(path, value, expected, found="a negative number" if number < 0 else "a fraction")
    if number > MAX_COUNT:
        raise _wrong(path, value, f"a whole number up to {MAX_COUNT:,}", found="a larger number")
    # Integers are taken as written: float() would round counts above 2**53.
    return value if isinstance(value, int) else int(number)


def _text(value: Any, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _wrong(path, value, "text such as GOOD")
    if len(value) > MAX_TEXT:
        raise _wrong(path, value, f"text of at most {MAX_TEXT} characters", found=f"{len(value)} characters")
    return value


def _at(block: dict[str, Any], dotted: str, path: str) -> tuple[Any, str]:
    """The value at `a.b` in `block` (None when any step is absent) and its path."""
    value: Any = block
    for step in dotted.split("."):
        value = _object(value, path).get(step)
        path = f"{path}.{step}"
        if value is None:
            break
    return value, path


def _count_at(block: dict[str, Any], dotted: str, path: str) -> int | None:
    value, where = _at(block, dotted, path)
    return _count(value, where)


def _instant(value: Any, path: str) -> datetime:
    """A reporting date, with or without seconds (`2020-10-20T00:00Z`), as an aware UTC datetime."""
    expected = "a UTC date and time such as 2026-09-24T23:59:59Z or 2020-10-20T00:00Z"
    if not isinstance(value, str):
        raise _wrong(path, value, expected)
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
        # Amazon's reporting ranges are UTC (metrics.md 1): a date without an offset is read as UTC.
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _wrong(path, value, expected, found="text that is not a date") from None


# --- loading and choosing the marketplace -----------------------------------------------------------


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name}, which is not a number JSON allows")


def _finite(text: str) -> float:
    # The stored copy is JSON again: an infinite float would be written as `Infinity`, which is not JSON.
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text[:40]}, a number too large to hold")
    return number


def _whole(text: str) -> int:
    if len(text) > 100:
        raise ValueError(f"a whole number {len(text)} digits long")
    return int(text)


def _cut_short(exc: json.JSONDecodeError, text: str) -> bool:
    """Whether decoding failed because the text ended (a partial download or copy), not on a typo."""
    return exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")


def _load(text: str) -> Any:
    """The parsed JSON, or an IngestError that points at the broken spot."""
    try:
        return json.loads(text.lstrip("\ufeff"), parse_constant=_refuse_constant, parse_float=_finite, parse_int=_whole)
    except json.JSONDecodeError as exc:
        raise IngestError(
            f"the file is not valid JSON: {exc.msg}",
            expected=f"the {REPORT_NAME} exactly as Amazon wrote it (a JSON document)",
            found="a file that is cut short or was edited" if _cut_short(exc, text) else None,
            line=exc.lineno,
            column=str(exc.colno),
            hint=DOWNLOAD_HINT,
        ) from None
    except RecursionError:
        raise IngestError(
            "the file nests lists and objects too deeply to be an Account Health report",
            expected=f"the {REPORT_NAME} (GET_V2_SELLER_PERFORMANCE_REPORT)",
            hint=DOWNLOAD_HINT,
        ) from None
    except ValueError as exc:  # NaN, Infinity, 1e999, or an integer with hundreds of digits
        raise IngestError(
            "the file holds a number that JSON does not allow",
            expected="finite numbers only",
            found=str(exc),
            hint=DOWNLOAD_HINT,
        ) from None


def _document(data: Any) -> dict[str, Any]:
    """The report's top-level object, or an error saying what was expected."""
    if not isinstance(data, dict) or "performanceMetrics" not in data:
        found = (
            f"a JSON object with {_safe(', '.join(sorted(k[:40] for k in data)[:6])) or 'no properties'}"
            if isinstance(data, dict)
            else f"JSON holding {_json_type(data)}"
        )
        raise IngestError(
            f"this JSON file is not an {REPORT_NAME}",
            expected=f"Amazon's {REPORT_NAME} (GET_V2_SELLER_PERFORMANCE_REPORT): an object with `performanceMetrics`",
            found=found,
            hint="Download the Account Health report from Amazon and upload that file",
        )
    return data


def _marketplace_name(marketplace_id: str | None) -> str:
    if marketplace_id is None:
        return "an entry without marketplaceId"
    known = BY_MARKETPLACE_ID.get(marketplace_id)
    return f"{known.code} ({marketplace_id})" if known else _safe(marketplace_id, 40)


def _account_statuses(doc: dict[str, Any]) -> list[tuple[str | None, int, dict[str, Any]]]:
    """(marketplaceId, index, entry) of each account status."""
    statuses = doc.get("accountStatuses")
    if statuses is None:
        return []
    out = []
    for i, item in enumerate(_list(statuses, "accountStatuses")):
        entry = _object(item, f"accountStatuses[{i}]")
        out.append((_text_id(entry.get("marketplaceId"), f"accountStatuses[{i}].marketplaceId"), i, entry))
    return out


def _text_id(value: Any, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _wrong(path, value, "a marketplace id such as ATVPDKIKX0DER")
    return value.strip()


def _choose(
    doc: dict[str, Any], marketplace: Marketplace, notes: list[str]
) -> tuple[int, dict[str, Any], tuple[int, dict[str, Any]] | None]:
    """The account's marketplace: (index, performanceMetrics entry, (index, accountStatuses entry))."""
    entries = [
        _object(item, f"performanceMetrics[{i}]")
        for i, item in enumerate(_list(doc["performanceMetrics"], "performanceMetrics"))
    ]
    statuses = _account_statuses(doc)
    ids = [_text_id(e.get("marketplaceId"), f"performanceMetrics[{i}].marketplaceId") for i, e in enumerate(entries)]
    status_ids = {mid for mid, _, _ in statuses if mid}
    if len(ids) == 1 and ids[0] is None and len(status_ids) == 1:
        # A single entry without its id: the statuses say which marketplace the report was made for.
        ids = [next(iter(status_ids))]
    wanted = marketplace.marketplace_id
    matches = [i for i, mid in enumerate(ids) if mid == wanted]
    if not matches:
        raise _wrong_marketplace(ids, marketplace)
    if len(matches) > 1:
        notes.append(f"The report lists {_marketplace_name(wanted)} {len(matches)} times; the first entry was used.")
    index = matches[0]
    status = next(((i, entry) for mid, i, entry in statuses if mid == wanted), None)
    return index, entries[index], status


def _wrong_marketplace(ids: list[str | None], marketplace: Marketplace) -> IngestError:
    """Why the account's marketplace is not in the file, and the two ways out."""
    wanted = _marketplace_name(marketplace.marketplace_id)
    expected = f"a report for the account's marketplace, {wanted}"
    if not ids:
        return IngestError(
            f"this {REPORT_NAME} holds no marketplace",
            expected=expected,
            found="an empty performanceMetrics list",
            hint=f"Request the {REPORT_NAME} for {marketplace.code} again and upload that file",
        )
    distinct = list(dict.fromkeys(ids))
    held = ", ".join(_marketplace_name(mid) for mid in distinct[:10])
    held += f" and {len(distinct) - 10} more" if len(distinct) > 10 else ""
    other = next((BY_MARKETPLACE_ID[mid].code for mid in ids if mid in BY_MARKETPLACE_ID), "XX")
    return IngestError(
        f"this {REPORT_NAME} is for another marketplace than the account's",
        expected=expected,
        found=f"a report for {held}",
        hint=(
            f"Upload the {REPORT_NAME} for {marketplace.code}, or add an account for that marketplace with "
            f"`healthbot accounts add NAME --marketplace {other}` and upload the file there"
        ),
    )


def _check_storable(value: Any, path: str) -> None:
    """Refuse what the JSON column cannot hold: lone surrogates, absurd nesting."""
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _wrong(where, "...", f"at most {MAX_DEPTH} levels of nesting", found="deeper nesting")
        if isinstance(item, dict):
            for key, child in item.items():
                _check_text(key, where or "the top level")
                stack.append((child, f"{where}.{key}" if where else key, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]", depth + 1) for i, child in enumerate(item))
        elif isinstance(item, str):
            _check_text(item, where)


def _check_text(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _wrong(path, text, "text in UTF-8", found="an invalid \\u escape (a lone surrogate)") from None
    if "\x00" in text:
        raise _wrong(path, text, "text without NUL characters", found="a \\u0000 (NUL) character")


# --- figures -------------------------------------------------------------------------------------


def _window(block: dict[str, Any], path: str, title: str, notes: list[str]) -> tuple[datetime | None, datetime | None]:
    """A block's reportingDateRange, or (None, None) when it gives none."""
    found = _first(block, ("reportingDateRange",), path)
    if found is None:
        return None, None
    where, value = found
    dates = _object(value, where)
    start_value, end_value = dates.get("reportingDateFrom"), dates.get("reportingDateTo")
    start = None if start_value is None else _instant(start_value, f"{where}.reportingDateFrom")
    end = None if end_value is None else _instant(end_value, f"{where}.reportingDateTo")
    if start and end and start > end:
        notes.append(
            f"{title}: Amazon's reporting range ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d}); "
            "kept as given."
        )
    return start, end


def _window_days(start: datetime | None, end: datetime | None) -> int:
    """The range's length in whole days: 00:00 to 23:59(:59) nine days later is 10 days."""
    if start is None or end is None:
        return 0
    return abs(round((end - start).total_seconds() / 86400))


def _outcome(block: dict[str, Any], path: str, figure: HealthFigure, *, with_rate: bool = True) -> None:
    """Amazon's own status, target and (for rates) rate, as given: the status is never re-derived."""
    if with_rate:
        figure.rate = _rate(block.get("rate"), f"{path}.rate")
    figure.status = _text(block.get("status"), f"{path}.status")
    figure.target_value = _number(block.get("targetValue"), f"{path}.targetValue", "a number such as 0.01")
    figure.target_condition = _text(block.get("targetCondition"), f"{path}.targetCondition")


def _flag_inconsistent(figure: HealthFigure, title: str, what: str, of_what: str, notes: list[str]) -> None:
    """Counts where the part exceeds the whole: stored as given, flagged, and said (reports.md 2.8)."""
    whole = figure.denominator
    if whole is None:
        return
    parts = [(what, figure.numerator), *((name, n) for name, n in figure.components.items() if isinstance(n, int))]
    above = [f"{count:,} {name}" for name, count in parts if count is not None and count > whole]
    if not above:
        return
    figure.inconsistent = True
    notes.append(
        f"{title}: Amazon reports {' and '.join(above)} out of only {whole:,} {of_what}; "
        "the counts are stored as given and the figure is marked inconsistent."
    )


def _rate_figure(
    block_spec: _RateBlock, block: dict[str, Any], path: str, scope: str, notes: list[str]
) -> HealthFigure:
    """A rate figure: counts, window, Amazon's status and target."""
    title = f"{block_spec.title} ({scope})" if block_spec.metric == "odr" else block_spec.title
    start, end = _window(block, path, title, notes)
    figure = HealthFigure(metric=block_spec.metric, scope=scope, window_start=start, window_end=end)
    _outcome(block, path, figure)
    figure.numerator = _count_at(block, block_spec.numerator, path)
    figure.denominator = _count_at(block, block_spec.denominator, path)
    for component, dotted in block_spec.components:
        count = _count_at(block, dotted, path)
        if count is not None:
            figure.components[component] = count
    _flag_inconsistent(figure, title, block_spec.what, block_spec.of_what, notes)
    return figure


_CHANNELS = ("afn", "mfn")
_ODR = _RateBlock(
    ("orderDefectRate",),
    "odr",
    "Order Defect Rate",
    "orderWithDefects.count",
    "orderCount",
    "orders with defects",
    "orders",
    _ODR_COMPONENTS,
)


def _odr_figures(entry: dict[str, Any], path: str, notes: list[str]) -> Iterator[HealthFigure]:
    """ODR per fulfilment channel: from an `afn`/`mfn` keyed object, a list, or a single block."""
    found = _first(entry, ("orderDefectRate",), path)
    if found is None:
        return
    where, value = found
    keyed: list[tuple[str | None, Any, str]]
    if isinstance(value, list):  # a list of per-channel blocks, each naming its channel
        keyed = [(None, item, f"{where}[{i}]") for i, item in enumerate(value)]
    else:
        container = _object(value, where)
        if "fulfillmentType" in container:  # a single channel's block
            keyed = [(None, container, where)]
        else:
            # Channel blocks by key; other properties (none known today) are not figures.
            keyed = [
                (key, item, f"{where}.{key}")
                for key, item in container.items()
                if key.lower() in _CHANNELS or isinstance(item, dict)
            ]
    for key, item, item_path in keyed:
        block = _object(item, item_path)
        stated = _text(block.get("fulfillmentType"), f"{item_path}.fulfillmentType")
        scope = _odr_scope(key, stated, item_path, notes)
        if scope is not None:
            yield _rate_figure(_ODR, block, item_path, scope, notes)


def _odr_scope(key: str | None, stated: str | None, path: str, notes: list[str]) -> str | None:
    """The ODR block's channel. Under an `afn`/`mfn` key the key decides: Amazon's own example
    repeats `"fulfillmentType": "mfn"` under `afn`, which would otherwise hide the AFN figure."""
    by_key = key.lower() if key and key.lower() in _CHANNELS else None
    by_type = stated.strip().lower() if stated and stated.strip().lower() in _CHANNELS else None
    if by_key and by_type and by_key != by_type:
        notes.append(
            f"Order Defect Rate: the block under `{key}` says fulfillmentType {stated!r}; it was read as {by_key}."
        )
    scope = by_key or by_type
    if scope is None:
        notes.append(
            f"Order Defect Rate: {_safe(path, 120)} names no channel (afn or mfn) healthbot knows; it was skipped."
        )
    return scope


def _late_shipment_figures(entry: dict[str, Any], path: str, notes: list[str]) -> Iterator[HealthFigure]:
    """Late shipment rate per window: the single block and each of `lateShipmentRateList`."""
    blocks: list[tuple[Any, str]] = []
    if entry.get("lateShipmentRate") is not None:
        blocks.append((entry["lateShipmentRate"], f"{path}.lateShipmentRate"))
    if entry.get("lateShipmentRateList") is not None:
        where = f"{path}.lateShipmentRateList"
        blocks += [(item, f"{where}[{i}]") for i, item in enumerate(_list(entry["lateShipmentRateList"], where))]
    for item, item_path in blocks:
        figure = _rate_figure(_LATE_SHIPMENT, _object(item, item_path), item_path, "mfn", notes)
        figure.window_days = _window_days(figure.window_start, figure.window_end)
        if figure.window_days == 0:
            notes.append(f"Late Shipment Rate: {item_path} has no complete reporting range, so its window is unknown.")
        yield figure


def _simple_rate_figures(entry: dict[str, Any], path: str, notes: list[str]) -> Iterator[HealthFigure]:
    for spec in _RATE_BLOCKS:
        found = _first(entry, spec.names, path)
        if found is not None:
            where, value = found
            yield _rate_figure(spec, _object(value, where), where, "mfn", notes)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _policy_figure(name: str, block: dict[str, Any], path: str, notes: list[str]) -> HealthFigure:
    """A policy category: a count over Amazon's window (180 days), target 0 (metrics.md 3.9)."""
    title = _snake(name).replace("_", " ").capitalize()  # "Document requests"
    start, end = _window(block, path, title, notes)
    figure = HealthFigure(metric=f"policy.{_snake(name)}", scope="account", window_start=start, window_end=end)
    _outcome(block, path, figure, with_rate=False)
    found = _first(block, _POLICY_COUNTS, path)
    if found is not None:
        figure.numerator = _count(found[1], found[0])
    return figure


def _policy_figures(entry: dict[str, Any], path: str, notes: list[str]) -> Iterator[HealthFigure]:
    for names in _POLICY_BLOCKS:
        found = _first(entry, names, path)
        if found is not None:
            yield _policy_figure(names[0], _object(found[1], found[0]), found[0], notes)
    # Amazon adds categories over time: a block shaped like one (with `defectsCount`) is one.
    for name, value in entry.items():
        if name in _KNOWN_BLOCKS or not isinstance(value, dict) or "defectsCount" not in value:
            continue
        if _PROPERTY_NAME.fullmatch(name) and len(f"policy.{_snake(name)}") <= MAX_METRIC:
            yield _policy_figure(name, value, f"{path}.{name}", notes)


def _rating(entry: dict[str, Any], path: str, notes: list[str]) -> tuple[HealthFigure | None, str | None, int | None]:
    """The Account Health Rating figure, its status and its score (the score is absent from the schema)."""
    found = _first(entry, ("accountHealthRating",), path)
    if found is None:
        return None, None, None
    where, value = found
    block = _object(value, where)
    status_found = _first(block, ("ahrStatus", "accountHealthRatingStatus"), where)
    status = _text(status_found[1], status_found[0]) if status_found else None
    score = _count(block.get("ahrScore"), f"{where}.ahrScore")
    start, end = _window(block, where, "Account Health Rating", notes)
    figure = HealthFigure(
        metric="account_health_rating",
        scope="account",
        window_start=start,
        window_end=end,
        numerator=score,
        status=status,
    )
    figure.target_value = _number(block.get("targetValue"), f"{where}.targetValue", "a number such as 200")
    figure.target_condition = _text(block.get("targetCondition"), f"{where}.targetCondition")
    return figure, status, score


def _warning_states(entry: dict[str, Any], path: str) -> dict[str, str]:
    found = _first(entry, ("warningStates", "warningState"), path)
    if found is None:
        return {}
    where, value = found
    states: dict[str, str] = {}
    for i, item in enumerate(_list(value, where)):
        state = _object(item, f"{where}[{i}]")
        kind = state.get("warningType")
        if not isinstance(kind, str):
            raise _wrong(f"{where}[{i}].warningType", kind, "text such as spammingSellerMessaging")
        states[kind] = _text(state.get("status"), f"{where}[{i}].status") or ""
    return states


def _unique(figures: list[HealthFigure], notes: list[str]) -> list[HealthFigure]:
    """One figure per (metric, scope, window): a block repeated under another name is kept once."""
    kept: dict[tuple[str, str, int], HealthFigure] = {}
    for figure in figures:
        key = (figure.metric, figure.scope, figure.window_days)
        first = kept.setdefault(key, figure)
        if first is not figure and first != figure:
            days = f", {figure.window_days} days" if figure.window_days else ""
            notes.append(
                f"The report gives {figure.metric} ({figure.scope}{days}) twice with different values; "
                "the first was kept."
            )
    return list(kept.values())


def parse_account_health(text: str, *, marketplace: Marketplace) -> HealthReport:
    """The account's marketplace in an Account Health report, as healthbot's figures (no database)."""
    doc = _document(_load(text))
    # Checked whole before anything is read, so every string below is safe to store and to quote.
    _check_storable(doc, "")
    notes: list[str] = []
    index, entry, status = _choose(doc, marketplace, notes)
    path = f"performanceMetrics[{index}]"
    account_status = None
    status_entry = status[1] if status else None
    if status is not None:
        account_status = _text(status[1].get("status"), f"accountStatuses[{status[0]}].status")
    rating, ahr_status, ahr_score = _rating(entry, path, notes)
    figures = [
        *_odr_figures(entry, path, notes),
        *_late_shipment_figures(entry, path, notes),
        *_simple_rate_figures(entry, path, notes),
        *_policy_figures(entry, path, notes),
        *([rating] if rating else []),
    ]
    figures = _unique(figures, notes)
    ends = [f.window_end for f in figures if f.window_end is not None]
    if not ends:
        raise IngestError(
            f"the {REPORT_NAME} gives no reporting dates for {_marketplace_name(marketplace.marketplace_id)}",
            expected="figures with a reportingDateRange (reportingDateFrom, reportingDateTo)",
            found=f"{len(figures)} figure(s) without dates",
            hint=DOWNLOAD_HINT,
        )
    raw = {"accountStatuses": [status_entry] if status_entry else [], "performanceMetrics": [entry]}
    return HealthReport(
        marketplace_id=marketplace.marketplace_id,
        reported_through=max(ends),
        account_status=account_status,
        ahr_status=ahr_status,
        ahr_score=ahr_score,
        raw=raw,
        figures=figures,
        notes=notes,
        warning_states=_warning_states(entry, path),
    )


# --- storing ---------------------------------------------------------------------------------------


def _figure_row(snapshot_id: int, figure: HealthFigure) -> models.AccountHealthFigure:
    return models.AccountHealthFigure(
        snapshot_id=snapshot_id,
        metric=figure.metric,
        scope=figure.scope,
        window_days=figure.window_days,
        window_start=figure.window_start,
        window_end=figure.window_end,
        rate=figure.rate,
        numerator=figure.numerator,
        denominator=figure.denominator,
        status=figure.status,
        target_value=figure.target_value,
        target_condition=figure.target_condition,
        components=dict(figure.components),
        inconsistent=figure.inconsistent,
    )


def store_account_health(
    *, session: Session, account_id: int, upload_id: int, report: HealthReport, counts: RowCounts
) -> None:
    """Upsert the report's snapshot (one per marketplace and reporting date) and its figures."""
    digest = row_hash([json.dumps(report.raw, sort_keys=True)])
    counts.read += 1
    snapshot = session.execute(
        select(models.AccountHealthSnapshot).where(
            models.AccountHealthSnapshot.account_id == account_id,
            models.AccountHealthSnapshot.marketplace_id == report.marketplace_id,
            models.AccountHealthSnapshot.reported_through == report.reported_through,
        )
    ).scalar_one_or_none()
    if snapshot is not None and snapshot.row_hash == digest:
        counts.unchanged += 1
        return
    if snapshot is None:
        snapshot = models.AccountHealthSnapshot(
            account_id=account_id, marketplace_id=report.marketplace_id, reported_through=report.reported_through
        )
        session.add(snapshot)
        counts.new += 1
    else:
        counts.updated += 1
    snapshot.account_status = report.account_status
    snapshot.ahr_status = report.ahr_status
    snapshot.ahr_score = report.ahr_score
    snapshot.report = report.raw
    snapshot.row_hash = digest
    snapshot.upload_id = upload_id
    session.flush()
    # The figures follow the snapshot: rewritten whole, so a figure gone from the report goes here too.
    session.execute(delete(models.AccountHealthFigure).where(models.AccountHealthFigure.snapshot_id == snapshot.id))
    session.add_all(_figure_row(snapshot.id, figure) for figure in report.figures)
    session.flush()
