"""The nested-loop program F_n of ``belouze2022report`` (Programs 3 and 4, Property 1):
a compiler's implicit checkpointing of loop state, counted call by call."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import autograd.numpy as anp

from fgcourse._checks import (
    call_user,
    check_callable,
    check_int,
    check_output,
    check_real,
    check_sequence,
    user_jvp,
    user_vjp,
)

__all__ = [
    "MAX_NESTED_CALLS",
    "MAX_NESTED_DEPTH",
    "NestedCounts",
    "NestedRun",
    "property1_counts",
    "nested_unused_calls",
    "nested_reverse",
    "nested_forward",
]

MAX_NESTED_CALLS = 10**6
"""The most calls of F_0 and F_0' that :func:`nested_reverse` and :func:`nested_forward` make."""
MAX_NESTED_DEPTH = 100
"""The most nested loops n = len(sizes) (F_n' recurses 2n calls deep)."""


@dataclass(frozen=True)
class NestedCounts:
    """Property 1's recursion: C_n calls of F_0 in F_n, D_n calls of F_0 and F_0' in F_n',
    and sum S_i values taped at once by F_n'."""

    primal_calls: int
    reverse_calls: int
    reverse_memory: int


@dataclass(frozen=True)
class NestedRun:
    """One measured run of F_n' (reverse) or of F_n with a tangent (forward).

    F_0 is the program's step, so the counts have the checkpointing machine's names
    (:class:`~fgcourse.checkpointing.Stats`): ``step_calls`` counts calls of F_0 outside its
    derivative, ``peak_states`` the largest number of states (values of x) held on the tapes
    T'_1..T'_n at once, the input's included (forward mode tapes nothing: it carries one tangent
    next to x). ``derivative_calls`` counts calls of F_0': VJPs in reverse mode, which the
    machine calls ``reverse_steps``, but JVPs in forward mode, hence a name of its own.
    """

    mode: str
    value: float
    derivative: float
    step_calls: int
    derivative_calls: int
    peak_states: int


def _check_sizes(sizes) -> tuple:
    return check_sequence("sizes", sizes, lambda name, size: check_int(name, size, minimum=1),
                          max_length=MAX_NESTED_DEPTH, what="table sizes S_1, ..., S_n (integers >= 1)")


def property1_counts(sizes: Sequence[int]) -> NestedCounts:
    """C_0 = D_0 = 1, C_n = S_n C_{n-1}, D_n = S_n C_{n-1} + S_n D_{n-1} (Property 1 of ``belouze2022report``),
    so C_n = prod S_i and D_n = (n + 1) prod S_i; the tapes hold sum S_i values at the deepest point."""
    sizes = _check_sizes(sizes)
    primal = reverse = 1
    for size in sizes:
        primal, reverse = size * primal, size * primal + size * reverse
    return NestedCounts(primal, reverse, sum(sizes))


def nested_unused_calls(sizes: Sequence[int]) -> int:
    """Calls of F_0 whose result Program 4 never uses: each call of F_m' applies F_{m-1} S_m
    times but tapes only the first S_m inputs, so its last F_{m-1} is wasted; in total
    sum_m prod_i S_i / S_m."""
    sizes = _check_sizes(sizes)
    return sum(math.prod(sizes) // size for size in sizes)


def _check_run(sizes, x, f0, calls_per_leaf: int):
    """The checked (sizes, x, f0) of a run, refusing runs of more than MAX_NESTED_CALLS calls."""
    sizes = _check_sizes(sizes)
    x = check_real("x", x)
    f0 = check_callable("f0", f0, "scalar -> scalar, written with autograd.numpy")
    calls = calls_per_leaf * math.prod(sizes)
    if calls > MAX_NESTED_CALLS:
        raise ValueError(f"sizes must keep the run within {MAX_NESTED_CALLS:.0e} calls of F_0 and F_0', got "
                         f"{calls} for sizes {sizes}; property1_counts(sizes) gives the counts in closed form")
    return sizes, x, f0


def _f0_value(f0, x) -> float:
    """F_0(x), called and checked: a finite real scalar, or an error naming f0 and x."""
    return float(check_output("f0", call_user("f0", f0, x, what=f"when called at x = {x!r}"), (), at=f"x = {x!r}"))


def _nested_programs(sizes, f0, counts, tape):
    """F_n (Program 3) and F_n' (Program 4) as nested Python closures, counting calls and taped values."""

    def F(n):
        if n == 0:
            def F_0(x):
                counts["f0"] += 1
                return _f0_value(f0, x)
            return F_0
        inner = F(n - 1)

        def F_n(x):
            for _ in range(sizes[n - 1]):
                x = inner(x)
            return x
        return F_n

    def dF(n):
        if n == 0:
            def dF_0(x):
                counts["df0"] += 1
                pullback, value = user_vjp("f0", f0, x)
                check_output("f0", value, (), at=f"x = {x!r}")
                return float(check_output("the derivative of f0", pullback(1.0), (), at=f"x = {x!r}"))
            return dF_0
        inner, d_inner = F(n - 1), dF(n - 1)

        def dF_n(x):
            taped = []
            for _ in range(sizes[n - 1]):  # forward pass + taping
                taped.append(x)
                tape["live"] += 1
                tape["peak"] = max(tape["peak"], tape["live"])
                x = inner(x)
            x_bar = 1.0
            for x in reversed(taped):  # reverse pass
                x_bar = x_bar * d_inner(x)
            tape["live"] -= len(taped)
            return x_bar
        return dF_n

    return F(len(sizes)), dF(len(sizes))


def _sine(x):
    return anp.sin(x)


def nested_reverse(sizes: Sequence[int], x: float = 0.5, f0: Callable = _sine) -> NestedRun:
    """Run Belouze's F_n' (Program 4) at x and count calls of F_0, F_0' and taped values.

    ``f0`` is the scalar building block F_0 (any scalar function written with autograd.numpy;
    the source's x**2 overflows for long chains, so the default is sin: the counts do not
    depend on it). A failing, untraceable or non-finite f0 raises an error naming f0.
    """
    n = len(_check_sizes(sizes))
    sizes, x, f0 = _check_run(sizes, x, f0, n + 2)  # D_n = (n + 1) prod S_i, then F_n once for the value
    counts, tape = {"f0": 0, "df0": 0}, {"live": 0, "peak": 0}
    F_n, dF_n = _nested_programs(sizes, f0, counts, tape)
    derivative = float(dF_n(x))
    reverse_counts = dict(counts)
    value = float(F_n(x))
    return NestedRun("reverse", value, derivative, reverse_counts["f0"], reverse_counts["df0"], tape["peak"])


def nested_forward(sizes: Sequence[int], x: float = 0.5, f0: Callable = _sine) -> NestedRun:
    """F_n in forward mode: (x, x_dot) go through the same nested loops, each F_0 with its JVP
    (autograd's make_jvp), so every leaf costs one F_0 and one F_0' and nothing is taped."""
    sizes, x, f0 = _check_run(sizes, x, f0, 2)
    # one plain call first (not counted): a non-number from f0 is named as such, not as autograd's failure
    _f0_value(f0, x)
    counts = {"f0": 0, "df0": 0}
    value, tangent = x, 1.0
    for _ in range(math.prod(sizes)):  # the nested loops run F_0 prod S_i times in order
        counts["f0"] += 1
        counts["df0"] += 1
        at = f"x = {value!r}"
        value, tangent = user_jvp("f0", f0, value, tangent)
        value = float(check_output("f0", value, (), at=at))
        tangent = float(check_output("the derivative of f0", tangent, (), at=at))
    return NestedRun("forward", value, tangent, counts["f0"], counts["df0"], 0)
