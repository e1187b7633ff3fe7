"""The history in parts, run in worker processes for a big demo.

The history is generated in two parts with their own random streams, in two processes for a big demo
(a million orders take half the time on two cores) and one after the other otherwise: the files are
the same either way.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Final

from storage.demo.history import Part, PartResult, write_part

PARTS: Final = 2
PARALLEL_FROM_ORDERS: Final = 100_000


def split(counts: Sequence[int], parts: int) -> list[int]:
    """Day offsets where each part starts: parts of about equal numbers of orders."""
    total = sum(counts)
    starts = [0]
    running = 0
    for offset, count in enumerate(counts):
        if len(starts) < parts and running >= total * len(starts) / parts:
            starts.append(offset)
        running += count
    while len(starts) < parts:  # fewer orders than parts: the later parts hold the last days only
        starts.append(len(counts) - (parts - len(starts)))
    return starts


def run(parts: Sequence[Part], orders: int) -> list[PartResult]:
    """Write every part, in worker processes for a big demo, and return their results in order."""
    if orders < PARALLEL_FROM_ORDERS or (os.cpu_count() or 1) < 2:
        return [write_part(part) for part in parts]
    with ProcessPoolExecutor(max_workers=len(parts), mp_context=_start_method()) as pool:
        return list(pool.map(write_part, parts))


def _start_method() -> multiprocessing.context.BaseContext:
    """fork when it is safe: it starts at once and, unlike spawn, does not re-run the caller's script.

    Forking a process that runs other threads can deadlock the child, so then spawn it is.
    """
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")
