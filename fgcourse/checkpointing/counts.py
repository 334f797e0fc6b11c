"""Counting: the binomial optimum, the dynamic programme of Eq. 8.3 and recursive halving.

Step calls and slots follow the conventions of the package (see :mod:`fgcourse.checkpointing`):
q counts s_0's slot, and s_K is never evaluated outside its reverse step.
"""

from __future__ import annotations

import math

import numpy as np

from fgcourse._checks import check_int

__all__ = [
    "MAX_TABLE_WORK",
    "binomial_reach",
    "repetition_number",
    "min_step_calls",
    "min_step_calls_table",
    "optimal_split_range",
    "halving_step_calls",
    "halving_slots",
]

MAX_TABLE_WORK = 2 * 10**9
"""The largest K * K * min(q, K) that :func:`min_step_calls_table` fills (a few seconds)."""


def binomial_reach(q: int, t: int) -> int:
    """beta(q, t) = C(q + t, q): the longest chain reversible with q slots (s_0's included)
    when no step is advanced more than t times (``griewank2000revolve``, ``griewank2008evaluating``)."""
    q = check_int("q", q, minimum=0)
    t = check_int("t", t, minimum=0)
    return math.comb(q + t, q)


def repetition_number(K: int, q: int) -> int:
    """t(K, q): the least t with beta(q, t) >= K, i.e. how often the busiest step is advanced
    in an optimal schedule (0 for K = 1)."""
    K = check_int("K", K, minimum=1)
    q = check_int("q", q, minimum=1)
    if K == 1:
        return 0
    # beta(q, t) grows with t; t can be huge for small q (t = K - 1 for q = 1), so bracket
    # t by doubling and bisect, O(log t) exact binomials instead of t steps
    low, high = 0, 1  # invariant: beta(q, low) < K <= beta(q, high) once high is found
    while math.comb(q + high, q) < K:
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if math.comb(q + middle, q) >= K else (middle, high)
    return high


def min_step_calls(K: int, q: int) -> int:
    """The fewest step calls of any schedule reversing K steps with q slots (Griewank's closed form).

    C*(K, q) = t K - beta(q + 1, t - 1) with t = :func:`repetition_number` (K, q); q counts
    s_0's slot. q = 1 gives K(K-1)/2 (Alg. 8.6 of ``blondel2024elements``); q >= K - 1 gives
    K - 1 (store-all's calls).
    """
    t = repetition_number(K, q)
    return 0 if t == 0 else t * K - math.comb(q + t, t - 1)


def min_step_calls_table(K: int, q: int) -> np.ndarray:
    """The dynamic programme of Eq. 8.3 (``blondel2024elements``): C[k, sigma] = C*(k, sigma).

    Rows k = 0..K, columns sigma = 0..min(q, K): a column beyond K would repeat column K
    (K - 1 slots already reach the fewest calls, k - 1, of every row k <= K), so it is not
    allocated; read C*(k, sigma) for sigma > K as C[k, K]. Row 0 and column 0 are padding:
    C[1, 0] = 0, and C[k, 0] for k >= 2 is a huge sentinel (no schedule without a slot).
    Bases C*(1, sigma) = 0 and C*(k, 1) = k(k-1)/2, then for sigma >= 2
    C*(k, sigma) = min_{1 <= l < k} C*(k - l, sigma - 1) + C*(l, sigma) + l,
    one vectorized minimum over l per (k, sigma): O(K^2 min(q, K)) work, refused above
    :data:`MAX_TABLE_WORK` (the closed form :func:`min_step_calls` gives any single entry).
    """
    K = check_int("K", K, minimum=1)
    q = check_int("q", q, minimum=1)
    columns = min(q, K)
    if K * K * columns > MAX_TABLE_WORK:
        raise ValueError(
            f"K and q must satisfy K * K * min(q, K) <= {MAX_TABLE_WORK:.0e} for the table (a few seconds "
            f"of work), got K = {K}, q = {q}; min_step_calls(K, q) gives any entry in closed form"
        )
    impossible = np.iinfo(np.int64).max // 4
    table = np.full((K + 1, columns + 1), impossible, dtype=np.int64)
    table[0, :] = 0
    table[1, :] = 0
    ks = np.arange(K + 1, dtype=np.int64)
    table[1:, 1] = ks[1:] * (ks[1:] - 1) // 2
    previous = table[:, 1].copy()
    for sigma in range(2, columns + 1):
        current = np.zeros(K + 1, dtype=np.int64)
        # with_split[l] = C*(l, sigma) + l, filled as l grows; previous[k-1:0:-1] = C*(k - l, sigma - 1)
        with_split = np.full(K + 1, impossible, dtype=np.int64)
        with_split[1] = 1
        for k in range(2, K + 1):
            current[k] = np.min(previous[k - 1:0:-1] + with_split[1:k])
            with_split[k] = current[k] + k
        table[:, sigma] = current
        previous = current
    return table


def optimal_split_range(k: int, q: int) -> tuple[int, int]:
    """All optimal first checkpoints l of Eq. 8.3 for k steps and q slots, as (lowest, highest).

    With t = t(k, q): max(k - beta(q-1, t), beta(q, t-2)) <= l <= min(beta(q, t-1), k - beta(q-1, t-1))
    (clipped to 1..k-1); with q = 1 the only choice is l = k - 1.
    """
    k = check_int("k", k, minimum=2)
    q = check_int("q", q, minimum=1)
    if q == 1:
        return k - 1, k - 1
    t = repetition_number(k, q)

    def beta(slots, reps):
        return math.comb(slots + reps, slots) if reps >= 0 else 0

    lowest = max(k - beta(q - 1, t), beta(q, t - 2), 1)
    highest = min(beta(q, t - 1), k - beta(q - 1, t - 1), k - 1)
    return lowest, highest


def halving_step_calls(K: int) -> int:
    """Step calls of recursive halving (Alg. 8.7) splitting at l = floor(K/2):
    C(1) = 0, C(K) = C(floor(K/2)) + C(ceil(K/2)) + floor(K/2); (K/2) log2 K for K = 2^n."""
    K = check_int("K", K, minimum=1)
    known = {1: 0}  # each level of the recursion meets at most two lengths: O(log K) work

    def calls(k):
        if k not in known:
            half = k // 2
            known[k] = calls(half) + calls(k - half) + half
        return known[k]

    return calls(K)


def halving_slots(K: int) -> int:
    """Slots recursive halving holds at most for K steps: ceil(log2 K), one per halving along
    the right branch (0 for K = 1: a single step is reversed from the working register)."""
    K = check_int("K", K, minimum=1)
    return (K - 1).bit_length()
