"""Tests of fgcourse.checkpointing.counts: the closed form against the dynamic programme and independent forms."""

import math
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import NOT_COUNTS, assert_names_argument, assert_refused

from fgcourse.checkpointing import (
    MAX_TABLE_WORK,
    binomial_reach,
    halving_slots,
    halving_step_calls,
    min_step_calls,
    min_step_calls_table,
    optimal_split_range,
    repetition_number,
)

K_MAX, Q_MAX = 200, 12


def test_dp_equals_closed_form_exhaustively():
    table = min_step_calls_table(K_MAX, Q_MAX)
    closed = np.array([[min_step_calls(K, q) for q in range(1, Q_MAX + 1)] for K in range(1, K_MAX + 1)])
    np.testing.assert_array_equal(table[1:, 1:], closed)  # exact: integer counts (int64 table, Python ints)


def test_the_table_stops_at_column_K_because_further_columns_repeat_it():
    table = min_step_calls_table(10, 50)
    assert table.shape == (11, 11)
    np.testing.assert_array_equal(table[1:, 10], [min_step_calls(k, 50) for k in range(1, 11)])
    np.testing.assert_array_equal(table[1:, 10], table[1:, 9])  # K - 1 slots already reach k - 1 calls
    start = time.perf_counter()
    assert min_step_calls_table(5, 10**12).shape == (6, 6)  # no 10^12 columns
    assert time.perf_counter() - start < 1.0


def test_a_table_too_large_to_finish_is_refused_and_points_to_the_closed_form():
    K = math.isqrt(MAX_TABLE_WORK // 3) + 1
    with pytest.raises(ValueError) as excinfo:
        min_step_calls_table(K, 3)
    assert_names_argument(excinfo, "K", "min_step_calls", f"K = {K}")


def test_recompute_all_and_store_all_are_the_optimum_at_their_budgets():
    for K in range(2, 60):
        assert min_step_calls(K, 1) == K * (K - 1) // 2
        assert min_step_calls(K, K - 1) == K - 1
        if K >= 3:
            assert min_step_calls(K, K - 2) > K - 1


def test_closed_form_stays_exact_for_huge_chains_with_few_slots():
    # t = K - 1 for q = 1 and t ~ sqrt(2K) for q = 2: found by bisection, not by counting up
    K = 10**12
    assert min_step_calls(K, 1) == K * (K - 1) // 2
    t = repetition_number(K, 2)
    assert binomial_reach(2, t - 1) < K <= binomial_reach(2, t)
    assert halving_step_calls(2**40) == 20 * 2**40  # (K/2) log2 K, with O(log K) work


@given(st.integers(1, 10**4), st.integers(1, 20))
def test_closed_form_is_the_max_of_its_supporting_lines(K, q):
    # C*(K, q) = max over tau >= 0 of tau K - beta(q + 1, tau - 1): an independent form
    lines = [tau * K - (math.comb(q + tau, tau - 1) if tau else 0) for tau in range(0, K + 1)]
    assert min_step_calls(K, q) == max(lines)


@given(st.integers(1, 8), st.integers(0, 8))
def test_binomial_reach_is_where_the_repetition_number_steps_up(q, t):
    reach = binomial_reach(q, t)
    assert reach == math.comb(q + t, q)
    assert repetition_number(reach, q) == t
    assert repetition_number(reach + 1, q) == t + 1
    if t >= 1:
        assert binomial_reach(q, t) == binomial_reach(q, t - 1) + binomial_reach(q - 1, t)  # Pascal's rule


def test_optimal_split_range_is_exactly_the_set_of_dp_minimisers():
    table = min_step_calls_table(80, 8)
    for k in range(2, 81):
        for q in range(1, 9):
            splits = np.arange(1, k)
            totals = table[k - splits, q - 1] + table[splits, q] + splits
            best = splits[totals == totals.min()]
            assert optimal_split_range(k, q) == (best.min(), best.max()), (k, q)


def test_worked_example_k10_s3():
    assert min_step_calls(10, 3) == 15
    assert optimal_split_range(10, 3) == (4, 4)
    assert repetition_number(10, 3) == 2


def _halving_recursion(K):
    """C(1) = 0, C(K) = C(floor(K/2)) + C(ceil(K/2)) + floor(K/2), written independently."""
    return 0 if K == 1 else _halving_recursion(K // 2) + _halving_recursion(K - K // 2) + K // 2


@pytest.mark.parametrize("n", range(0, 9))
def test_halving_on_powers_of_two(n):
    K = 2**n
    assert halving_step_calls(K) == K * n // 2 == _halving_recursion(K)
    assert halving_slots(K) == n


@given(st.integers(1, 3000))
def test_halving_counts_follow_their_recursions(K):
    assert halving_step_calls(K) == _halving_recursion(K)
    assert halving_slots(K) == math.ceil(math.log2(K))


BAD_CALLS = [
    (lambda: min_step_calls(0, 3), "K", ">= 1"),
    (lambda: min_step_calls(-2, 3), "K", ">= 1"),
    (lambda: min_step_calls(5, 0), "q", ">= 1"),
    (lambda: min_step_calls(2.5, 3), "K", "float"),
    (lambda: min_step_calls(5, "3"), "q", "str"),
    (lambda: min_step_calls(True, 3), "K", "bool"),
    (lambda: min_step_calls(5, 1 + 0j), "q", "complex"),
    (lambda: repetition_number(5, False), "q", "bool"),
    (lambda: binomial_reach(-1, 2), "q", ">= 0"),
    (lambda: binomial_reach(2, 1.0), "t", "float"),
    (lambda: min_step_calls_table(0, 3), "K", ">= 1"),
    (lambda: min_step_calls_table(10, None), "q", "None"),
    (lambda: optimal_split_range(1, 3), "k", ">= 2"),
    (lambda: optimal_split_range(5, True), "q", "bool"),
    (lambda: halving_step_calls(0), "K", ">= 1"),
    (lambda: halving_slots("8"), "K", "str"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_arguments_are_named(call, name, word):
    assert_refused(call, name, word)


@pytest.mark.parametrize("value", NOT_COUNTS)
def test_counts_refuse_everything_but_integers(value):
    for function in (min_step_calls, min_step_calls_table):
        with pytest.raises(TypeError) as excinfo:
            function(value, 3)
        assert_names_argument(excinfo, "K")


def test_numpy_integers_are_counts():
    assert min_step_calls(np.int64(10), np.int32(3)) == 15
    assert min_step_calls_table(np.int64(10), np.int8(3))[10, 3] == 15
