"""Measuring time and memory the same way everywhere (benchmarks, notebooks, explorers).

Times are medians of repeated runs; pass ``clock=time.process_time`` to measure this process's
CPU time, which, unlike wall time, is not inflated by other programs sharing the machine.
Memory is the peak of Python allocations seen by :mod:`tracemalloc` (numpy arrays included).
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from typing import Callable

__all__ = ["median_seconds", "peak_bytes"]


def median_seconds(run: Callable[[], object], repeat: int = 5, clock: Callable[[], float] = time.perf_counter) -> float:
    """Median over ``repeat`` calls of the time ``run()`` takes, in seconds of ``clock``."""
    if not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"repeat must be a positive integer, got {repeat!r}")
    times = []
    for _ in range(repeat):
        start = clock()
        run()
        times.append(clock() - start)
    return statistics.median(times)


def peak_bytes(run: Callable[[], object], warmup: bool = True) -> int:
    """Peak bytes allocated while ``run()`` executes (after one warm-up call if ``warmup``:
    first calls fill caches that are not part of the algorithm being measured)."""
    if warmup:
        run()
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
