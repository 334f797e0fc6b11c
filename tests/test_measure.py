"""Tests of fgcourse.measure: medians of timed runs, peaks of traced memory (also nested or inside a caller's trace)."""

import time
import tracemalloc

import numpy as np
import pytest
from strategies import NOT_COUNTS, assert_names_argument, assert_refused, counted

from fgcourse.measure import median_seconds, peak_bytes

N = 1_000_000  # 8 MB of floats


def big_temporary():
    return np.ones(N).sum()


def test_median_seconds_measures_the_run():
    assert median_seconds(lambda: time.sleep(0.01), repeat=3) >= 0.009


def test_median_seconds_with_a_cpu_clock_ignores_sleeping():
    assert median_seconds(lambda: time.sleep(0.02), repeat=3, clock=time.process_time) < 0.015


def test_median_seconds_runs_exactly_repeat_times():
    run = counted(lambda: None)
    median_seconds(run, repeat=4)
    assert run.calls == 4


def test_peak_bytes_sees_a_large_temporary_array():
    peak = peak_bytes(big_temporary)
    assert 8 * N <= peak < 3 * 8 * N
    assert not tracemalloc.is_tracing()


def test_peak_bytes_runs_once_more_for_the_warmup():
    run = counted(big_temporary)
    peak_bytes(run)
    assert run.calls == 2
    peak_bytes(run, warmup=False)
    assert run.calls == 3


def test_a_nested_call_returns_a_real_peak_and_the_outer_one_still_sees_it():
    inner = []
    outer = peak_bytes(lambda: inner.append(peak_bytes(big_temporary)), warmup=False)
    assert 8 * N <= inner[0] < 3 * 8 * N
    assert outer >= inner[0]
    assert not tracemalloc.is_tracing()


def test_a_callers_tracemalloc_session_keeps_tracing_and_keeps_its_peak():
    tracemalloc.start()
    try:
        held = np.ones(N // 2)  # 4 MB held by the caller during the measurement
        temporary = np.ones(2 * N)
        del temporary
        caller_peak = tracemalloc.get_traced_memory()[1]
        peak = peak_bytes(big_temporary)
        assert tracemalloc.is_tracing(), "peak_bytes must not stop the caller's trace"
        # measured above what was allocated when it started: the caller's 4 MB do not count
        assert 8 * N <= peak < 3 * 8 * N
        assert tracemalloc.get_traced_memory()[1] >= caller_peak, "the caller's peak must not be lowered"
        del held
    finally:
        tracemalloc.stop()


def test_a_failing_run_is_named_and_tracing_is_stopped():
    def broken():
        raise ValueError("out of range")

    with pytest.raises(ValueError) as excinfo:
        peak_bytes(broken, warmup=False)
    assert_names_argument(excinfo, "run", "out of range")
    assert not tracemalloc.is_tracing()


BAD_CALLS = [
    (lambda: median_seconds(3), TypeError, "run", "callable"),
    (lambda: median_seconds(lambda: None, repeat=0), ValueError, "repeat", ">= 1"),
    (lambda: median_seconds(lambda: None, repeat=-1), ValueError, "repeat", ">= 1"),
    (lambda: median_seconds(lambda: None, repeat=1.5), TypeError, "repeat", "float"),
    (lambda: median_seconds(lambda: None, clock="perf_counter"), TypeError, "clock", "callable"),
    (lambda: median_seconds(lambda: None, clock=lambda: "now"), TypeError, "clock", "real numbers"),
    (lambda: median_seconds(lambda: None, clock=lambda: float("nan")), ValueError, "clock", "inf or NaN"),
    (lambda: peak_bytes("run"), TypeError, "run", "callable"),
    (lambda: peak_bytes(lambda: None, warmup="no"), TypeError, "warmup", "True or False"),
    (lambda: peak_bytes(lambda: None, warmup=1), TypeError, "warmup", "True or False"),
]


@pytest.mark.parametrize("call, error, name, word", BAD_CALLS)
def test_bad_input_is_refused_naming_the_argument(call, error, name, word):
    assert_refused(call, name, word, error=error)


@pytest.mark.parametrize("repeat", NOT_COUNTS)
def test_repeat_is_a_count(repeat):
    with pytest.raises(TypeError) as excinfo:
        median_seconds(lambda: None, repeat=repeat)
    assert_names_argument(excinfo, "repeat")
