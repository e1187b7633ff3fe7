"""Pausing Python's cyclic garbage collector while the metrics are computed.

A computation on a large account reads a few hundred thousand rows into short-lived tuples and
records. Each allocation burst triggers collector passes, and the oldest generation's passes walk
every live object of the process (the application's too): a third of `compute_all`'s time on the
benchmark account (docs/performance.md), for about 5,000 objects in reference cycles freed in the
end. Reference counting still frees everything else at once; the collector resumes when the last
computation running in the process ends, and its next pass takes the cycles. (Code that switches the
collector off while a computation runs finds it on again after: healthbot has none.)
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_running = 0  # computations holding the pause
_resume = False  # whether the collector was on when the first of them began


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off for the block, back as it was when no other thread holds a pause."""
    global _running, _resume
    with _lock:
        if _running == 0:
            _resume = gc.isenabled()
            gc.disable()
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _resume:
                gc.enable()
