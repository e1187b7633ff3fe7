"""Valid Tracking Rate and On-Time Delivery Rate, with the US unit-based variant (metrics.md 2, 3.4, 3.5).

All three read the shipments (MFN) template (table `mfn_shipments`), one row per package. Two queries
do the work in the database: counts per (promised delivery date, tracking class) with sums of
on-time shipments and units, from which the figures and the daily series of the outlook are built;
and the defective shipments only (invalid tracking, or tracked and not delivered in time), joined to
their order's SKUs, for the causes by reason, carrier and SKU. When some rows have no tracking flag,
a third, small query reads their carriers and the tracking is judged by a CASE testing each
number against its carrier's format (a regular expression, in the database).

Decisions where metrics.md is silent (for the product's docs):
- The tracking flag, when the file has one, decides alone: `Y` is valid even with an odd-looking or
  missing number (a carrier scanned it), `N` is invalid even with a well-formed number.
- Without a flag: no number is invalid; a number for a carrier of the format table is valid when it
  matches; a number for a carrier the table does not know (or no carrier at all) cannot be checked
  and counts as valid, and the basis note says how many such shipments there are.
- On-time: a shipment is judged against the stored promised delivery date (the original promise);
  a delivery stamped after the evaluation instant is ignored, as for every other stamp.
- In the outlook, tracked shipments whose promised day has not ended at the evaluation instant are
  assumed delivered on time ("if no new defect arrives"); the outlook note says so.
- When not one tracked shipment of the window was delivered before the instant (on time or late),
  the file has no delivery times rather than a 0% on-time rate: the figure is `no_data`, asking for
  the `delivered-at` column.
- Units: a shipment without a unit count counts as 1 unit (each package holds at least one), which
  makes the basis `estimate`. The units figure is listed for US accounts only; a US account whose
  window holds no unit count gets `no_data` asking for the `units` column. Causes of the units figure
  count units, and a late shipment's units count under each SKU of its order.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    null,
    select,
    true,
    union_all,
)

from metrics.calendar import end_of_local_day, window
from metrics.context import MetricContext
from metrics.figures import no_data, rate
from metrics.registry import BY_ID
from metrics.result import Basis, Cause, MetricResult, Outlook, Window
from metrics.sql import rows_of
from metrics.status import outlook
from storage.models import MfnShipment, OrderItem, ShipmentDayCount
from storage.shipment_days import FLAGGED_INVALID, FLAGGED_VALID
from storage.types import UTCDateTime

VTR, OTDR, UNITS = "valid_tracking_rate", "on_time_delivery_rate", "on_time_delivery_rate.units"
SCOPE = "mfn"
START, END = 39, 10  # promised delivery dates [D-39, D-10]
UNITS_START, UNITS_END = 21, 8  # US unit-based variant: promised delivery dates [D-21, D-8]
OUTLOOK_DAYS = 14
UNITS_MARKETPLACES = frozenset({"US"})  # Amazon switched the US to units in Sept 2024, no one else yet
EXAMPLES = 3
CAUSE_GROUPS = 5
NO_CARRIER = "(no carrier)"

# How a row's tracking is judged. The first two come from the file's flag; the others, from the number.
FLAG_VALID, FLAG_INVALID = "flag_valid", "flag_invalid"
NO_NUMBER, FORMAT_OK, FORMAT_BAD, UNCHECKED = "no_number", "format_ok", "format_bad", "unchecked"
VALID = (FLAG_VALID, FORMAT_OK, UNCHECKED)
INVALID = (FLAG_INVALID, NO_NUMBER, FORMAT_BAD)
# How a tracked shipment failed the end of its promised local day, as known at the evaluation instant.
LATE, NOT_DELIVERED = "late", "not_delivered"

DEFECT_LABELS = {
    FLAG_INVALID: "no carrier scan (the file marks the tracking invalid)",
    NO_NUMBER: "no tracking number",
    FORMAT_BAD: "tracking number does not match the carrier's format",
    LATE: "delivered after the promised delivery date",
    NOT_DELIVERED: "no delivery scan",
}


# --- carrier formats ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CarrierFormat:
    """What a carrier's tracking numbers look like, checked only when the file has no validity flag.

    `pattern` applies to the number upper-cased with spaces and hyphens removed. It uses only what
    Python's `re` and PostgreSQL's `~` read alike (anchors, `[...]`, `{m,n}`, `|`, groups), because
    the check runs in the database. `None` means a known carrier whose numbers are too varied to
    check: counted valid unchecked, like an unknown carrier.
    """

    name: str
    # Carrier names as written in shipping software, lower case with everything but letters and
    # digits removed; a stated carrier matches when its normalised name starts with one of these
    # ("FedEx Ground" -> "fedexground" starts with "fedex").
    names: tuple[str, ...]
    pattern: str | None


# UPU S10, the international postal format: 2 letters, 8 digits + check digit, country code.
def _s10(country: str) -> str:
    return f"[A-Z]{{2}}[0-9]{{9}}{country}"


# First match wins: sub-brands that use other formats come before their parent's name.
CARRIER_FORMATS: tuple[CarrierFormat, ...] = (
    # SurePost and Mail Innovations hand the parcel to USPS: either a 1Z number or a USPS one.
    CarrierFormat("UPS SurePost", ("upssurepost", "upsmailinnovations", "upsmi"), "^(1Z[0-9A-Z]{16}|[0-9]{20,22})$"),
    # 1Z, a 6-character shipper number, a 2-digit service code, 7 digits and a check digit.
    CarrierFormat("UPS", ("ups", "unitedparcelservice"), "^1Z[0-9A-Z]{16}$"),
    # IMpb barcodes: 20-22 digits (9400..., 9205..., 9270...); a number copied from the barcode may
    # keep the routing prefix 420 + ZIP (5 or 9 digits); international mail uses S10 ending in US.
    CarrierFormat(
        "USPS",
        ("usps", "unitedstatespostal", "uspostal"),
        f"^([0-9]{{20,22}}|420[0-9]{{5}}([0-9]{{4}})?[0-9]{{20,22}}|{_s10('US')})$",
    ),
    # Express and Ground 12 digits, Ground 15, SmartPost 20 and 22 (ending in a USPS number).
    CarrierFormat("FedEx", ("fedex", "federalexpress"), "^([0-9]{12}|[0-9]{15}|[0-9]{20}|[0-9]{22})$"),
    # DHL eCommerce (GM..., 420..., long numerics) and DHL Parcel UK/Benelux (JVGL..., 3S...) numbers
    # vary too much to check honestly.
    CarrierFormat("DHL eCommerce / DHL Parcel", ("dhlecommerce", "dhlglobalmail", "dhlparcel"), None),
    CarrierFormat("DHL Express", ("dhlexpress",), "^[0-9]{10}$"),
    # DHL Paket (Germany): 12 or 20 digits, JJD + 18-20 digits abroad; Deutsche Post letters and
    # Warenpost with an S10 number ending in DE.
    CarrierFormat(
        "Deutsche Post / DHL Paket",
        ("dhlpaket", "dhlde", "deutschepost"),
        f"^([0-9]{{12}}|[0-9]{{20}}|JJD[0-9]{{18,20}}|{_s10('DE')})$",
    ),
    # Plain "DHL" is either of the above: Express (10 digits) or Paket.
    CarrierFormat("DHL", ("dhl",), f"^([0-9]{{10}}|[0-9]{{12}}|[0-9]{{20}}|JJD[0-9]{{18,20}}|{_s10('DE')})$"),
    # Amazon Shipping / Amazon Logistics: TBA followed by digits (12 today; a margin either side).
    CarrierFormat("Amazon Logistics", ("amazon", "amzl", "amzn"), "^TBA[0-9]{9,15}$"),
    CarrierFormat("Royal Mail", ("royalmail",), f"^{_s10('GB')}$"),
    # 14-digit parcel number with an optional check character; DPD UK also quotes a 10-digit consignment.
    CarrierFormat("DPD", ("dpd",), "^([0-9]{14}[0-9A-Z]?|[0-9]{10})$"),
    # Hermes Germany 14, 16 or 20 digits; Evri (Hermes UK) 16 letters and digits.
    CarrierFormat("Hermes / Evri", ("hermes", "myhermes", "evri"), "^([0-9]{14}|[0-9]{20}|[0-9A-Z]{16})$"),
    CarrierFormat("Canada Post", ("canadapost", "postescanada"), f"^([0-9]{{16}}|{_s10('CA')})$"),
    # Yu-Pack and Click Post 11-13 digits; international mail S10 ending in JP.
    CarrierFormat("Japan Post", ("japanpost", "jppost", "yubin", "yupack"), f"^([0-9]{{11,13}}|{_s10('JP')})$"),
    CarrierFormat("Yamato", ("yamato", "kuroneko"), "^[0-9]{12}$"),
    CarrierFormat("Sagawa", ("sagawa",), "^[0-9]{12}$"),
)


class _Dated(Protocol):
    @property
    def day(self) -> date: ...


_D = TypeVar("_D", bound=_Dated)

_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_SEPARATORS = re.compile(r"[ \-]")


def carrier_format(carrier: str | None) -> CarrierFormat | None:
    """The format entry for a carrier as the file names it, or None for a carrier the table lacks."""
    if not carrier:
        return None
    key = _NOT_ALNUM.sub("", carrier.casefold())
    if not key:
        return None
    return next((f for f in CARRIER_FORMATS if any(key.startswith(name) for name in f.names)), None)


# --- queries -------------------------------------------------------------------------------------------
#
# The deadline of a shipment depends on its promised date, so each query is a UNION ALL of one select per
# promised date, where the end of that local day is a constant: the database compares columns with
# constants instead of evaluating a 46-way CASE on every row, and each branch reads one key of the
# (account_id, promised_delivery_date) index.


UNFLAGGED = "unflagged"  # a row without a flag, before its format is looked at
TO_JUDGE_INDEX = "INDEXED BY ix_mfn_shipments_to_judge"  # the shipments not on time for sure


@dataclass(frozen=True)
class _Judge:
    """How the queries tell a row's tracking class: `key` is selected and grouped on."""

    key: ColumnElement[Any]
    invalid: ColumnElement[bool]

    @staticmethod
    def tracking_class(value: object) -> str:
        if isinstance(value, str):
            return value
        if value is None:
            return UNFLAGGED
        return FLAG_VALID if value else FLAG_INVALID  # the key is the flag column itself


# The flag alone: all a file with flags needs, and no CASE for the database to evaluate.
FLAG_ONLY = _Judge(MfnShipment.tracking_valid.expression, MfnShipment.tracking_valid.is_(False))


def _format_judge(ctx: MetricContext, first: date, last: date) -> _Judge:
    """The flag first, then, for the rows without one, the number against its carrier's format.

    The carriers of the unflagged rows (usually a handful) are read first so that only they get a
    format test.
    """
    s = MfnShipment
    carriers = ctx.session.scalars(
        select(s.carrier)
        .distinct()
        .where(
            s.account_id == ctx.account_id,
            s.promised_delivery_date.between(first, last),
            s.ship_confirmed_at < ctx.instant,
            s.tracking_valid.is_(None),
        )
    ).all()
    number = func.upper(func.replace(func.replace(func.trim(s.tracking_number), " ", ""), "-", ""))
    by_pattern: dict[str, list[str]] = defaultdict(list)
    for carrier in carriers:
        known = carrier_format(carrier)
        if carrier is not None and known is not None and known.pattern is not None:
            by_pattern[known.pattern].append(carrier)
    format_checks: list[tuple[ColumnElement[bool], str]] = []
    for pattern, names in sorted(by_pattern.items()):
        format_checks.append((and_(s.carrier.in_(names), number.regexp_match(pattern)), FORMAT_OK))
        format_checks.append((s.carrier.in_(names), FORMAT_BAD))
    key = case(
        (s.tracking_valid.is_(True), FLAG_VALID),
        (s.tracking_valid.is_(False), FLAG_INVALID),
        (func.trim(s.tracking_number) == "", NO_NUMBER),
        *format_checks,
        else_=UNCHECKED,
    )
    return _Judge(key, key.in_(INVALID))


def _on_day(ctx: MetricContext, day: date) -> ColumnElement[bool]:
    return and_(
        MfnShipment.account_id == ctx.account_id,
        MfnShipment.promised_delivery_date == day,
        MfnShipment.ship_confirmed_at < ctx.instant,
    )


def _deadline(ctx: MetricContext, day: date) -> datetime:
    """The end of the promised local day (metrics.md 1, "local day ends"), daylight saving included."""
    return end_of_local_day(day, ctx.timezone)


@dataclass(frozen=True)
class DayCounts:
    """The confirmed shipments of one promised date whose tracking is judged the same way."""

    day: date
    tracking: str
    shipments: int
    on_time: int  # delivered by the end of the promised day, before the evaluation instant
    units: int  # a shipment without a unit count counts as 1
    units_on_time: int
    without_units: int
    open: bool  # the promised day had not ended at the instant: nothing is late yet

    @property
    def valid(self) -> bool:
        return self.tracking in VALID

    @property
    def pending(self) -> int:
        # Before the promised day ends a delivery is on time or still to come, never late.
        return self.shipments - self.on_time if self.open else 0

    @property
    def units_pending(self) -> int:
        return self.units - self.units_on_time if self.open else 0


Kept = dict[date, dict[Any, tuple[int, int, int, int, int]]]


def _day_counts(ctx: MetricContext, days: list[date], judge: _Judge, *, use_kept: bool = True) -> list[DayCounts]:
    """Per promised date and tracking class: shipments, on time and units (one small row each).

    With the flag alone to judge by, the days whose counts are kept (storage/shipment_days.py) take
    them from there, the shipments on time for sure already counted on time: only the others are
    judged, from their partial index. The other days are counted shipment by shipment. The kept counts
    are read again in the statement that judges the others, so both are of one moment: should an
    upload have changed which days they serve in between, every day is counted shipment by shipment.
    """
    s = MfnShipment
    planned: Kept = {}
    if use_kept and judge is FLAG_ONLY:
        planned = _usable(ctx, rows_of(ctx, _kept_rows(ctx, days[0], ctx.yesterday)))
    branches = []
    one = func.coalesce(s.units, 1)
    no_instant = cast(null(), UTCDateTime())
    for day in days:
        in_time = and_(s.delivered_at < ctx.instant, s.delivered_at <= literal(_deadline(ctx, day), UTCDateTime()))
        branch = (
            select(
                s.promised_delivery_date,
                judge.key,
                func.count(),
                func.sum(case((in_time, 1), else_=0)),
                func.sum(one),
                func.sum(case((in_time, one), else_=0)),
                func.count() - func.count(s.units),
                literal(False).label("kept"),
                no_instant,
            )
            .where(_on_day(ctx, day))
            # By position: PostgreSQL takes a CASE with bound parameters repeated in GROUP BY for
            # another expression than the one selected.
            .group_by(literal_column("1"), literal_column("2"))
        )
        if day in planned:
            branch = branch.where(s.on_time_for_sure.is_not(True)).with_hint(s, TO_JUDGE_INDEX, "sqlite")
        branches.append(branch)
    if planned:
        branches.append(_kept_rows(ctx, min(planned), max(planned)))
    open_days = {day for day in days if _deadline(ctx, day) >= ctx.instant}
    counts = []
    judged: dict[tuple[date, Any], tuple[int, int]] = {}
    kept_rows = []
    for row in rows_of(ctx, union_all(*branches)):
        day, key, n, on, units, units_on, without, from_kept, _ = row
        if from_kept:
            kept_rows.append(row)
        elif day in planned:
            judged[(day, key)] = (int(on), int(units_on))
        else:
            tracking = judge.tracking_class(key)
            counts.append(DayCounts(day, tracking, n, int(on), int(units), int(units_on), without, day in open_days))
    kept = {day: groups for day, groups in _usable(ctx, kept_rows).items() if day in planned}
    if set(kept) != set(planned):
        return _day_counts(ctx, days, judge, use_kept=False)
    for day, groups in kept.items():
        for key, (n, sure, units, sure_units, without) in groups.items():
            on, units_on = judged.get((day, key), (0, 0))
            tracking, is_open = judge.tracking_class(key), day in open_days
            counts.append(DayCounts(day, tracking, n, sure + on, units, sure_units + units_on, without, is_open))
    return counts


def _kept_rows(ctx: MetricContext, first: date, last: date) -> Select[Any]:
    """The kept counts of promised dates [first, last], in the shape of `_day_counts`' branches: the
    flag as the flag-only judge's key (no flag: NULL), shipments, on time for sure, units, their units,
    without units, a true `kept` and the latest confirmation."""
    c = ShipmentDayCount
    flag = case((c.tracking == FLAGGED_VALID, true()), (c.tracking == FLAGGED_INVALID, false()), else_=null())
    return select(
        c.promised_delivery_date,
        flag,
        c.shipments,
        c.sure,
        c.units,
        c.sure_units,
        c.without_units,
        literal(True).label("kept"),
        c.last_confirmed_at,
    ).where(c.account_id == ctx.account_id, c.promised_delivery_date.between(first, last))


def _usable(ctx: MetricContext, rows: Sequence[Sequence[Any]]) -> Kept:
    """The kept counts of the days they hold for: promised before the as-of day (so that every delivery
    on time for sure came before the evaluation instant), every shipment confirmed before the instant,
    every one flagged. Day -> flag -> (shipments, on time for sure, units, their units, without units)."""
    kept: Kept = defaultdict(dict)
    unusable: set[date] = set()
    for day, flag, n, sure, units, sure_units, without, _, last_confirmed in rows:
        if flag is None or last_confirmed >= ctx.instant or day >= ctx.as_of:
            unusable.add(day)
        kept[day][flag] = (n, sure, units, sure_units, without)
    return {day: groups for day, groups in kept.items() if day not in unusable}


class Defect(NamedTuple):
    """A shipment with invalid tracking, or tracked and not delivered by the end of its promised day.

    A tuple: tens of thousands are made at a time.
    """

    order_id: str
    day: date
    carrier: str
    tracking: str
    delivery: str | None  # LATE, NOT_DELIVERED (none before the instant), or None: on time, a tracking defect
    units: int  # 1 when the file gives none
    skus: tuple[str, ...]  # the SKUs of its order (All Orders), for late deliveries by SKU


def _defects(ctx: MetricContext, days: list[date], judge: _Judge) -> list[Defect]:
    """The defective shipments of the windows, with their order's SKUs: a few per hundred shipments."""
    s = MfnShipment
    branches = []
    for day in days:
        end = _deadline(ctx, day)
        before_instant = s.delivered_at < ctx.instant
        in_time = and_(before_instant, s.delivered_at <= literal(end, UTCDateTime()))
        # Not on time (once the day is over) is a delivery defect whatever the tracking, and on time is
        # a defect only for invalid tracking: a CASE, so the tracking is judged once per row at most.
        defective = case((in_time, judge.invalid), else_=true()) if end < ctx.instant else judge.invalid
        delivery = case((in_time, null()), (before_instant, LATE), else_=NOT_DELIVERED)
        branches.append(
            select(
                s.id.label("shipment_id"),
                s.amazon_order_id.label("order_id"),
                s.promised_delivery_date.label("day"),
                s.carrier.label("carrier"),
                judge.key.label("tracking"),
                delivery.label("delivery"),
                s.units.label("units"),
            )
            # Only the shipments not on time for sure (a few per hundred), by their partial index.
            .where(_on_day(ctx, day), s.on_time_for_sure.is_not(True), defective)
            .with_hint(s, TO_JUDGE_INDEX, "sqlite")
        )
    found = union_all(*branches).subquery("defects")
    # Core execution on the session's connection: the ORM's row loading costs more than the query here.
    rows = rows_of(
        ctx,
        select(found, OrderItem.sku).outerjoin(
            OrderItem, and_(OrderItem.account_id == ctx.account_id, OrderItem.amazon_order_id == found.c.order_id)
        ),
    )
    # One row per (shipment, SKU of its order): the first row of each shipment, and its SKUs.
    first: dict[int, Any] = {}
    skus: dict[int, tuple[str, ...]] = {}
    for row in rows:
        shipment_id, sku = row[0], row[7]
        if shipment_id not in first:
            first[shipment_id] = row
            skus[shipment_id] = () if sku is None else (sku,)
        elif sku is not None:
            skus[shipment_id] = tuple(sorted((*skus[shipment_id], sku)))
    # Sorted here, not in SQL: an ORDER BY on the order id tempts SQLite into the (account, order) index.
    ordered = sorted(first.values(), key=_defect_order)
    tracking_class = judge.tracking_class
    return [
        Defect(order_id, day, carrier or NO_CARRIER, tracking_class(cls), delivery, units or 1, skus[shipment_id])
        for shipment_id, order_id, day, carrier, cls, delivery, units, _ in ordered
    ]


def _defect_order(row: Sequence[Any]) -> tuple[date, str, int]:
    return (row[2], row[1], row[0])  # day, order, shipment (by index: faster in bulk)


def _unpromised(ctx: MetricContext) -> int:
    """Shipments confirmed in the last 60 days with no promised delivery date (asked only when empty)."""
    return int(
        ctx.session.scalar(
            select(func.count()).where(
                MfnShipment.account_id == ctx.account_id,
                MfnShipment.promised_delivery_date.is_(None),
                MfnShipment.ship_confirmed_at >= ctx.instant - timedelta(days=60),
                MfnShipment.ship_confirmed_at < ctx.instant,
            )
        )
        or 0
    )


# --- figures -------------------------------------------------------------------------------------------


def _in(span: Window, items: Iterable[_D]) -> list[_D]:
    return [item for item in items if span.start <= item.day <= span.end]


def _group(
    kind: str, defects: list[Defect], key: Callable[[Defect], Iterable[str]], weight: Callable[[Defect], int]
) -> list[Cause]:
    """Causes by `key`, largest first, each with its first example orders (by promised date)."""
    counts: dict[str, int] = defaultdict(int)
    examples: dict[str, list[str]] = defaultdict(list)
    for defect in defects:
        for label in key(defect):
            counts[label] += weight(defect)
            if len(examples[label]) < EXAMPLES and defect.order_id not in examples[label]:
                examples[label].append(defect.order_id)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [Cause(kind, label, n, examples[label]) for label, n in ranked[:CAUSE_GROUPS]]


def _format_note(counts: list[DayCounts]) -> str | None:
    """What the format estimate stands on, for the shipments of a window (None: every row flagged)."""
    unflagged = sum(c.shipments for c in counts if c.tracking not in (FLAG_VALID, FLAG_INVALID))
    if not unflagged:
        return None
    note = (
        f"{unflagged} of {sum(c.shipments for c in counts)} shipment(s) have no tracking-valid flag: "
        "judged by the tracking number's format for the stated carrier, not by carrier scans"
    )
    unchecked = sum(c.shipments for c in counts if c.tracking == UNCHECKED)
    if unchecked:
        note += f"; {unchecked} with a carrier whose format healthbot does not know counted valid unchecked"
    return note


def _outlook(
    ctx: MetricContext,
    metric_id: str,
    daily: dict[date, tuple[int, int]],
    offsets: tuple[int, int],
    *,
    deliveries: bool,
) -> Outlook:
    """The framework's outlook of a daily (denominator, good ones) series, with this family's note."""
    start, end = offsets
    result = outlook(
        daily,
        as_of=ctx.as_of,
        start_offset=start,
        end_offset=end,
        target=ctx.settings.target(metric_id),
        condition=BY_ID[metric_id].condition,
        warn_fraction=ctx.settings.warn_fraction,
        days=OUTLOOK_DAYS,
    )
    pending = ", those whose promised day has not ended assumed delivered on time" if deliveries else ""
    result.note = (
        f"if no new defect arrives; shipments already confirmed move through the window{pending}, "
        "no new shipments assumed"
    )
    return result


def _empty_note(ctx: MetricContext, result: MetricResult) -> MetricResult:
    missing = _unpromised(ctx)
    if missing:
        result.basis_note = (
            f"{result.basis_note}; {missing} shipment(s) confirmed in the last 60 days have no promised "
            "delivery date: add the `promised-delivery-date` column to the shipments (MFN) template"
        )
    return result


def _valid_tracking(ctx: MetricContext, span: Window, counts: list[DayCounts], defects: list[Defect]) -> MetricResult:
    current = _in(span, counts)
    note = _format_note(current)
    result = rate(
        VTR,
        SCOPE,
        ctx,
        numerator=sum(c.shipments for c in current if c.valid),
        denominator=sum(c.shipments for c in current),
        window=span,
        basis=Basis.ESTIMATE if note else Basis.EXACT,
        basis_note=note,
    )
    if not result.denominator:
        return _empty_note(ctx, result)
    daily: dict[date, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for c in counts:
        den, num = daily[c.day]
        daily[c.day] = (den + c.shipments, num + (c.shipments if c.valid else 0))
    result.outlook = _outlook(ctx, VTR, dict(daily), (START, END), deliveries=False)
    invalid = [d for d in _in(span, defects) if d.tracking in INVALID]
    result.causes = _group("defect", invalid, lambda d: (DEFECT_LABELS[d.tracking],), lambda d: 1)
    result.causes += _group("carrier", invalid, lambda d: (d.carrier,), lambda d: 1)
    return result


def _on_time(
    ctx: MetricContext,
    metric_id: str,
    offsets: tuple[int, int],
    counts: list[DayCounts],
    defects: list[Defect],
    *,
    units: bool,
) -> MetricResult:
    """On-time delivery of the tracked shipments (or of their units) promised in the window."""
    span = window(ctx.as_of, *offsets)
    current = _in(span, counts)
    tracked = [c for c in current if c.valid]
    notes = [n for n in (_format_note(current),) if n]
    if units and tracked:
        without = sum(c.without_units for c in tracked)
        if without == sum(c.shipments for c in tracked):
            result = no_data(metric_id, SCOPE, ctx, window=span)
            result.basis_note = "no unit counts in the window: add the `units` column to the shipments (MFN) template"
            return result
        if without:
            notes.append(f"{without} tracked shipment(s) without a unit count counted as 1 unit")
    if (
        tracked
        and not any(c.on_time for c in tracked)
        and not any(d.delivery == LATE and d.tracking in VALID for d in _in(span, defects))
    ):
        # Not one delivery before the instant, on time or late: the file has no delivery times.
        result = no_data(metric_id, SCOPE, ctx, window=span)
        result.basis_note = (
            "no delivery times in the window: add the `delivered-at` column to the shipments (MFN) template"
        )
        return result

    def good(c: DayCounts, *, pending: bool = False) -> int:
        if units:
            return c.units_on_time + (c.units_pending if pending else 0)
        return c.on_time + (c.pending if pending else 0)

    def size(c: DayCounts) -> int:
        return c.units if units else c.shipments

    result = rate(
        metric_id,
        SCOPE,
        ctx,
        numerator=sum(good(c) for c in tracked),
        denominator=sum(size(c) for c in tracked),
        window=span,
        basis=Basis.ESTIMATE if notes else Basis.EXACT,
        basis_note="; ".join(notes) or None,
    )
    if not result.denominator:
        if current:
            result.basis_note = f"no shipment with valid tracking in the window {span.start} to {span.end}"
            return result
        return _empty_note(ctx, result)
    daily: dict[date, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for c in counts:
        if c.valid:
            den, num = daily[c.day]
            daily[c.day] = (den + size(c), num + good(c, pending=True))
    result.outlook = _outlook(ctx, metric_id, dict(daily), offsets, deliveries=True)
    late = [d for d in _in(span, defects) if d.tracking in VALID and d.delivery is not None]

    def weight(d: Defect) -> int:
        return d.units if units else 1

    result.causes = _group("defect", late, lambda d: (DEFECT_LABELS[d.delivery or LATE],), weight)
    result.causes += _group("carrier", late, lambda d: (d.carrier,), weight)
    # A late shipment counts under each SKU of its order: the shipments file does not say which it held.
    result.causes += _group("sku", late, lambda d: d.skus, weight)
    return result


def compute(ctx: MetricContext) -> list[MetricResult]:
    """valid_tracking_rate, on_time_delivery_rate and, for US accounts, on_time_delivery_rate.units."""
    span = window(ctx.as_of, START, END)
    with_units = ctx.marketplace in UNITS_MARKETPLACES
    if not ctx.has("shipments"):
        results = [no_data(metric, SCOPE, ctx, "shipments", window=span) for metric in (VTR, OTDR)]
        if with_units:
            results.append(no_data(UNITS, SCOPE, ctx, "shipments", window=window(ctx.as_of, UNITS_START, UNITS_END)))
        return results
    # Promised dates from the window's start to the last day a window of the next 14 days reaches;
    # defects are looked for in the windows of today only.
    end_offset = UNITS_END if with_units else END
    last = ctx.as_of + timedelta(days=OUTLOOK_DAYS - end_offset)
    days = [span.start + timedelta(days=i) for i in range((last - span.start).days + 1)]
    judge = FLAG_ONLY
    counts = _day_counts(ctx, days, judge)
    if any(c.tracking == UNFLAGGED for c in counts):
        judge = _format_judge(ctx, span.start, last)
        counts = _day_counts(ctx, days, judge)
    defects = _defects(ctx, [d for d in days if d <= ctx.as_of - timedelta(days=end_offset)], judge)
    results = [
        _valid_tracking(ctx, span, counts, defects),
        _on_time(ctx, OTDR, (START, END), counts, defects, units=False),
    ]
    if with_units:
        results.append(_on_time(ctx, UNITS, (UNITS_START, UNITS_END), counts, defects, units=True))
    return results
