"""The long fuzz run, on demand: the property of tests/storage/test_fuzz.py for minutes instead of seconds.

    python -m benchmarks.fuzz [--examples N] [--seconds S] [--seed K] [--postgres URL]

Mutants of every kind's demo export (tests/storage/mutations.py) go through the real `ingest_one`
into a fresh SQLite file (or the PostgreSQL database at URL, whose public schema is wiped), kinds in
turn. Unlike the test, the run does not stop at the first finding: it prints inputs tried per kind,
ingested, rejected, crashes (the first traceback of each distinct one) and partial writes, and exits
1 if there was any crash, partial write, rejection without a message, or stored value its column
cannot hold.
"""

from __future__ import annotations

import argparse
import platform
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from benchmarks.common import fresh_account
from tests.storage.mutations import KINDS, FuzzTarget, Mutant, Outcome, mutants, seeds, tally

FINDINGS = ("crash", "partial-write", "bad-rejection", "invalid-row")


@dataclass
class Run:
    """What the run saw, example by example."""

    target: FuzzTarget
    deadline: float = float("inf")
    outcomes: list[tuple[str, Outcome]] = field(default_factory=list)
    first: dict[str, tuple[Mutant, Outcome]] = field(default_factory=dict)  # distinct finding -> first seen
    steps: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)

    def one(self, kind: str, data: st.DataObject) -> None:
        if time.monotonic() >= self.deadline:
            return  # out of time: the remaining examples draw nothing and end at once
        mutant = data.draw(mutants(kind))
        outcome = self.target.check(mutant)
        self.outcomes.append((kind, outcome))
        self.steps.update(step.split(" ", 1)[0].rstrip(":") for step in mutant.steps)
        if not outcome.ok:
            key = outcome.crash_key or f"{outcome.status}: {outcome.detail[:80]}"
            self.first.setdefault(key, (mutant, outcome))
        if len(self.outcomes) % 500 == 0:
            print(f"  {len(self.outcomes)} inputs, {time.monotonic() - self.started:.0f} s", file=sys.stderr)


def fuzz(run: Run, kind: str, *, examples: int, rng_seed: int) -> None:
    """Drive `run.one` for `kind` with Hypothesis: generation only, no shrinking (findings are kept)."""

    @seed(rng_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def body(data: st.DataObject) -> None:
        run.one(kind, data)

    body()


def report(run: Run, command: str, elapsed: float, database: str) -> int:
    counts = tally(run.outcomes)
    columns = ("tried", "ingested", "rejected", *FINDINGS)
    print(f"healthbot fuzz, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {command}")
    print(f"{platform.python_version()} on {platform.machine()}, {database}, {elapsed:.0f} s")
    print()
    print(f"| {'kind':<18} | " + " | ".join(f"{c:>13}" for c in columns) + " |")
    print(f"|{'-' * 20}|" + "|".join("-" * 15 for _ in columns) + "|")
    totals = Counter[str]()
    for kind in KINDS:
        row = counts.get(kind, {})
        totals.update(row)
        print(f"| {kind:<18} | " + " | ".join(f"{row.get(c, 0):>13,}" for c in columns) + " |")
    print(f"| {'total':<18} | " + " | ".join(f"{totals.get(c, 0):>13,}" for c in columns) + " |")
    print()
    print("mutations applied: " + ", ".join(f"{name} {n:,}" for name, n in run.steps.most_common()))
    for key, (mutant, outcome) in run.first.items():
        print()
        print(f"== {key}")
        print(f"   input: {mutant.describe()}")
        print(f"   first bytes: {mutant.data[:200]!r}")
        print(outcome.detail)
    bad = sum(totals.get(name, 0) for name in FINDINGS)
    print(f"{'FAIL' if bad else 'OK'}: {bad} findings in {totals.get('tried', 0):,} inputs")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=3000, help="inputs to try (default 3000)")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long, whatever --examples says")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis' random seed (the same seed, the same inputs)")
    parser.add_argument("--postgres", metavar="URL", help="fuzz this PostgreSQL database (its schema is wiped)")
    args = parser.parse_args(argv)
    command = "python -m benchmarks.fuzz " + " ".join(argv if argv is not None else sys.argv[1:])
    seeds()  # the demo exports, made before the clock starts
    with tempfile.TemporaryDirectory(prefix="healthbot-fuzz-") as scratch:
        directory = Path(scratch)
        url = args.postgres or f"sqlite:///{directory / 'fuzz.db'}"
        engine, sessions, account = fresh_account(url)
        database = "PostgreSQL" if args.postgres else f"SQLite {sqlite3.sqlite_version}"
        target = FuzzTarget(engine=engine, sessions=sessions, account=account, directory=directory)
        target.seed()
        started = time.monotonic()
        run = Run(target=target)
        # Kinds in turn, each with an equal share of the inputs and of the time.
        share = -(-args.examples // len(KINDS))
        try:
            for number, kind in enumerate(KINDS, start=1):
                if args.seconds:
                    run.deadline = started + args.seconds * number / len(KINDS)
                fuzz(run, kind, examples=share, rng_seed=args.seed + number)
        finally:
            engine.dispose()
        return report(run, command, time.monotonic() - started, database)


if __name__ == "__main__":
    raise SystemExit(main())
