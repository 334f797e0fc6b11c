"""Measuring time and memory the same way everywhere (benchmarks, notebooks, explorers).

Times are medians of repeated runs; pass ``clock=time.process_time`` to measure this process's
CPU time, which, unlike wall time, is not inflated by other programs sharing the machine.
Memory is the peak of Python allocations seen by :mod:`tracemalloc` (numpy arrays included).
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable

from fgcourse._checks import call_user, check_bool, check_callable, check_int, check_output

__all__ = ["median_seconds", "peak_bytes"]


def median_seconds(run: Callable[[], object], repeat: int = 5, clock: Callable[[], float] = time.perf_counter) -> float:
    """Median over ``repeat`` calls of the time ``run()`` takes, in seconds of ``clock``."""
    run = check_callable("run", run, "() -> anything")
    repeat = check_int("repeat", repeat, minimum=1)
    clock = check_callable("clock", clock, "() -> seconds")
    check_output("clock", call_user("clock", clock), ())  # once, outside the timed runs
    times = []
    for _ in range(repeat):
        start = clock()
        call_user("run", run)
        times.append(clock() - start)
    return statistics.median(times)


def peak_bytes(run: Callable[[], object], warmup: bool = True) -> int:
    """Peak bytes allocated while ``run()`` executes, above what was allocated when it started.

    With ``warmup``, ``run()`` is called once before, untraced: first calls fill caches that
    are not part of the algorithm being measured. If the caller is already tracing (another
    ``peak_bytes`` around this one, or its own :mod:`tracemalloc` session), tracing goes on
    after the call and the caller's peak is kept: it is raised back to what it was if the
    measurement had to lower it.
    """
    run = check_callable("run", run, "() -> anything")
    warmup = check_bool("warmup", warmup)
    if warmup:
        call_user("run", run)
    nested = tracemalloc.is_tracing()
    if not nested:
        tracemalloc.start()
    caller_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()[0]
    try:
        call_user("run", run)
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        if nested:
            _restore_peak(caller_peak)
        else:
            tracemalloc.stop()
    return peak


def _restore_peak(caller_peak: int) -> None:
    """tracemalloc has no way to set the peak: allocate up to it from the current memory, then free."""
    current, peak = tracemalloc.get_traced_memory()
    if peak < caller_peak:
        filler = bytearray(caller_peak - current)
        del filler
