"""The history of orders: orders per day, purchase times, and one part of the history generated day by
day, each order streamed into every file as it is decided."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from storage.demo.clock import DAY, HOUR, Clock, market_clock
from storage.demo.locales import locale_for
from storage.demo.model import Salts
from storage.demo.outputs import Outputs
from storage.demo.planner import Planner
from storage.demo.profile import HISTORY_DAYS, LOCAL_HOUR_WEIGHTS, WEEKDAY_WEIGHTS
from storage.demo.tally import Tally
from storage.marketplaces import get_marketplace


def day_counts(orders: int, first_day: int) -> list[int]:
    """Orders per day over the history: a weekly rhythm and slow growth, summing exactly to `orders`."""
    weights = [WEEKDAY_WEIGHTS[(first_day + i + 3) % 7] * (1.0 + 0.25 * i / HISTORY_DAYS) for i in range(HISTORY_DAYS)]
    total = sum(weights)
    exact = [orders * w / total for w in weights]
    counts = [int(x) for x in exact]
    # Largest remainders get the leftover orders; ties go to the later day, deterministically.
    order = sorted(range(HISTORY_DAYS), key=lambda i: (exact[i] - counts[i], i), reverse=True)
    for i in order[: orders - sum(counts)]:
        counts[i] += 1
    return counts


def _purchase_times(rng: random.Random, clock: Clock, day: int, count: int) -> list[int]:
    """`count` sorted purchase instants on a UTC day, busiest in the buyers' local evening."""
    start = day * DAY
    offset_hours = clock.offset(start + 12 * HOUR) // HOUR
    weights = [LOCAL_HOUR_WEIGHTS[(hour + offset_hours) % 24] for hour in range(24)]
    hours = rng.choices(range(24), weights=weights, k=count)
    rand = rng.random
    return sorted(start + hour * HOUR + int(rand() * HOUR) for hour in hours)


@dataclass(frozen=True)
class Part:
    """One part of the history: consecutive days, generated on their own (picklable for a worker)."""

    number: int
    last: bool
    directory: Path  # the files (the first part writes the final files, the others scratch copies)
    body: Path  # the part's settlement lines
    seed: int
    marketplace: str
    as_of_day: int
    first_day: int
    day_counts: tuple[int, ...]
    first_index: int
    salts: Salts


@dataclass(frozen=True)
class PartResult:
    tally: Tally
    settlement_total: float


def write_part(part: Part) -> PartResult:
    """Generate the part's orders day by day and stream each into every file."""
    market = get_marketplace(part.marketplace)
    rng = random.Random(f"healthbot-demo:{part.seed}:{part.number}")
    clock = market_clock(market, part.as_of_day)
    cutoff = part.as_of_day * DAY
    planner = Planner(
        rng=rng,
        clock=clock,
        locale=locale_for(market.code),
        market=market,
        cutoff=cutoff,
        salts=part.salts,
        part=part.number,
    )
    tally = Tally(as_of=part.as_of_day, cutoff=cutoff, settled=planner.settled)
    part.directory.mkdir(parents=True, exist_ok=True)
    outputs = Outputs(
        part.directory, planner=planner, clock=clock, market=market, header=part.number == 0, body=part.body
    )
    try:
        index = part.first_index
        for offset, count in enumerate(part.day_counts):
            day = part.first_day + offset
            for purchase in _purchase_times(rng, clock, day, count):
                order = planner.order(index, purchase)
                outputs.write(order)
                tally.add(order)
                index += 1
            for _ in range(max(1, count)):  # questions from shoppers, roughly one per hundred orders
                message = planner.messages.presale_message(day * DAY)
                if message is not None:
                    outputs.message(message, planner.buyers.new())
                    tally.add_message(message)
        if part.last:
            question = planner.messages.pending_question()
            outputs.message(question, planner.buyers.new())
            tally.add_message(question)
    finally:
        outputs.close()
    return PartResult(tally, outputs.settlement.total)
