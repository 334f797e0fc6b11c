import time

import numpy as np
import pytest

from fgcourse.measure import median_seconds, peak_bytes


def test_median_seconds_measures_the_run():
    assert median_seconds(lambda: time.sleep(0.01), repeat=3) >= 0.009


def test_median_seconds_with_a_cpu_clock_ignores_sleeping():
    assert median_seconds(lambda: time.sleep(0.02), repeat=3, clock=time.process_time) < 0.015


def test_peak_bytes_sees_a_large_temporary_array():
    n = 1_000_000
    peak = peak_bytes(lambda: np.ones(n).sum())
    assert 8 * n <= peak < 3 * 8 * n


@pytest.mark.parametrize("repeat", [0, -1, 1.5])
def test_repeat_must_be_a_positive_integer(repeat):
    with pytest.raises(ValueError, match="repeat"):
        median_seconds(lambda: None, repeat=repeat)
