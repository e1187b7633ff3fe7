"""The whole demo: the parts of the history joined into one set of files, the settlement, the policy
violations and the Account Health report."""

from __future__ import annotations

import csv
import json
import random
import shutil
from datetime import date
from pathlib import Path

from storage.demo.account_health import account_health_report, draw_violations
from storage.demo.clock import DAY, date_of, day_number
from storage.demo.files import FILE_NAMES
from storage.demo.history import Part, day_counts
from storage.demo.locales import locale_for
from storage.demo.model import Salts
from storage.demo.parallel import PARTS, run, split
from storage.demo.profile import HISTORY_DAYS
from storage.demo.settlement import write_settlement
from storage.demo.tally import Tally
from storage.ingest import formats
from storage.marketplaces import get_marketplace


def _append(target: Path, source: Path) -> None:
    with target.open("ab") as out, source.open("rb") as extra:
        shutil.copyfileobj(extra, out, 1 << 20)


def generate(directory: Path, *, orders: int, seed: int, as_of: date, marketplace: str) -> tuple[list[Path], Tally]:
    """Write the demo into `directory`: its files, and the metric figures counted from its orders."""
    if orders < 1:
        raise ValueError("the demo needs at least one order")
    market = get_marketplace(marketplace)
    rng = random.Random(seed)
    salts = Salts(
        order=rng.randrange(10**7),
        item=rng.randrange(10**14),
        message=rng.randrange(10**8),
        adjustment=rng.randrange(10**14),
        settlement_id=str(rng.randrange(10**10, 10**11)),
    )
    as_of_day = day_number(as_of)
    first_day = as_of_day - HISTORY_DAYS
    counts = day_counts(orders, first_day)
    starts = split(counts, PARTS)
    scratch = directory / ".demo-parts"
    shutil.rmtree(scratch, ignore_errors=True)
    parts = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(counts)
        parts.append(
            Part(
                number=number,
                last=number == len(starts) - 1,
                directory=directory if number == 0 else scratch / str(number),
                body=scratch / f"settlement-{number}.txt",
                seed=seed,
                marketplace=market.code,
                as_of_day=as_of_day,
                first_day=first_day + start,
                day_counts=tuple(counts[start:end]),
                first_index=sum(counts[:start]),
                salts=salts,
            )
        )
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        results = run(parts, orders)
        kinds = [k for k in FILE_NAMES if k not in ("settlement", formats.ACCOUNT_HEALTH_KIND)]
        for part in parts[1:]:
            for kind in kinds:
                _append(directory / FILE_NAMES[kind], part.directory / FILE_NAMES[kind])
        tally = results[0].tally
        for result in results[1:]:
            tally.merge(result.tally)
        write_settlement(
            directory / FILE_NAMES["settlement"],
            bodies=[part.body for part in parts],
            total=sum(r.settlement_total for r in results),
            salts=salts,
            cutoff=as_of_day * DAY,
            locale=locale_for(market.code),
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    violations = draw_violations(rng, as_of_day, orders)
    with (directory / FILE_NAMES["policy_violations"]).open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for v in violations:
            writer.writerow([date_of(v.day).isoformat(), v.category, v.asin, v.status, v.description])
    health = directory / FILE_NAMES[formats.ACCOUNT_HEALTH_KIND]
    report = account_health_report(tally, market, violations)
    health.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [directory / name for name in FILE_NAMES.values()], tally


def write_demo_data(directory: Path, *, orders: int, seed: int, as_of: date, marketplace: str = "US") -> list[Path]:
    """Write a coherent set of demo exports for one seller account into `directory`.

    Args:
        directory: where the files go (created if needed; files of an earlier demo are overwritten).
        orders: how many orders; the other files are proportional and much smaller.
        seed: the same seed (and other arguments) gives byte-identical files.
        as_of: the demo's today: orders span the 120 days before it, and nothing happens on or after it.
        marketplace: the account's marketplace code; decides currency, time zone and date formats.

    Returns:
        The files written, All Orders first and the Account Health report last.
    """
    paths, _ = generate(directory, orders=orders, seed=seed, as_of=as_of, marketplace=marketplace)
    return paths
