"""Tests of fgcourse.checkpointing.nested: Belouze's F_n, counted call by call, against Property 1."""

import math

import autograd.numpy as anp
import pytest
from autograd import grad
from hypothesis import given
from hypothesis import strategies as st
from strategies import NOT_COUNTS, NOT_REALS, assert_names_argument, assert_refused, nan_function, string_function

from fgcourse.checkpointing import (
    MAX_NESTED_CALLS,
    MAX_NESTED_DEPTH,
    halving_step_calls,
    nested_forward,
    nested_reverse,
    nested_unused_calls,
    property1_counts,
)


@given(st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_nested_program_counts_follow_property1(sizes):
    counts = property1_counts(sizes)
    product, n = math.prod(sizes), len(sizes)
    assert counts.primal_calls == product and counts.reverse_calls == (n + 1) * product
    assert counts.reverse_memory == sum(sizes)
    reverse, forward = nested_reverse(sizes), nested_forward(sizes)
    assert reverse.step_calls + reverse.derivative_calls == counts.reverse_calls
    assert (reverse.step_calls, reverse.derivative_calls) == (n * product, product)
    assert reverse.peak_states == counts.reverse_memory
    assert (forward.step_calls, forward.derivative_calls, forward.peak_states) == (product, product, 0)


@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.floats(-1.5, 1.5))
def test_nested_program_derivatives_equal_autograd(sizes, x):
    def composed(y):
        for _ in range(math.prod(sizes)):
            y = anp.sin(y)
        return y

    expected = grad(composed)(x)
    reverse = nested_reverse(sizes, x)
    assert reverse.derivative == pytest.approx(expected, rel=1e-12, abs=1e-14)
    assert nested_forward(sizes, x).derivative == pytest.approx(expected, rel=1e-12, abs=1e-14)
    assert reverse.value == pytest.approx(composed(x), rel=1e-12, abs=1e-14)
    assert nested_forward(sizes, x).value == pytest.approx(composed(x), rel=1e-12, abs=1e-14)


def test_any_autograd_f0_gives_the_derivative_of_its_iterate():
    def f0(x):
        return 0.5 * anp.cos(x)

    def composed(y):
        for _ in range(6):
            y = f0(y)
        return y

    assert nested_reverse((2, 3), 0.2, f0).derivative == pytest.approx(grad(composed)(0.2), rel=1e-12)
    assert nested_forward((3, 2), 0.2, f0).derivative == pytest.approx(grad(composed)(0.2), rel=1e-12)


@pytest.mark.parametrize("n", range(1, 8))
def test_nested_program_with_tables_of_two_is_halving_plus_unused_calls(n):
    sizes = (2,) * n
    useful = nested_reverse(sizes).step_calls - nested_unused_calls(sizes)
    assert useful == halving_step_calls(2**n) == n * 2 ** (n - 1)


def _math_f0(x):
    return math.sin(x)


def _vector_f0(x):
    return anp.array([x, x])


def _square(x):
    return x**2


TOO_DEEP = (1,) * (MAX_NESTED_DEPTH + 1)
TOO_LONG = (10,) * (int(math.log10(MAX_NESTED_CALLS)) + 1)

BAD_CALLS = [
    (lambda: property1_counts([]), "sizes", "at least 1"),
    (lambda: property1_counts([2, 0]), "sizes[1]", ">= 1"),
    (lambda: property1_counts([2, 2.0]), "sizes[1]", "float"),
    (lambda: nested_unused_calls("22"), "sizes", "str"),
    (lambda: nested_forward(3), "sizes", "sequence"),
    (lambda: nested_reverse([2, True]), "sizes[1]", "bool"),
    (lambda: nested_reverse(TOO_DEEP), "sizes", f"at most {MAX_NESTED_DEPTH}"),
    (lambda: nested_reverse(TOO_LONG), "sizes", "property1_counts"),
    (lambda: nested_forward(TOO_LONG + TOO_LONG), "sizes", "property1_counts"),
    (lambda: nested_reverse((2,), x=1j), "x", "complex"),
    (lambda: nested_forward((2,), x=float("nan")), "x", "finite"),
    (lambda: nested_reverse((2,), f0="sin"), "f0", "callable"),
]
for mode in (nested_reverse, nested_forward):
    BAD_CALLS += [
        (lambda mode=mode: mode((2, 2), 0.5, nan_function), "f0", "inf or NaN"),
        (lambda mode=mode: mode((2, 2), 0.5, string_function), "f0", "real numbers"),
        (lambda mode=mode: mode((2, 2), 0.5, _math_f0), "f0", "autograd.numpy"),
        (lambda mode=mode: mode((2, 2), 0.5, _vector_f0), "f0", "scalar"),
        (lambda mode=mode: mode((2, 2), 1e200, _square), "f0", "1e+200"),  # the source's x**2 overflows
        (lambda mode=mode: mode((2,), -1.0, anp.sqrt), "f0", "inf or NaN"),
    ]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_arguments_are_named(call, name, word):
    assert_refused(call, name, word)


@pytest.mark.parametrize("value", NOT_COUNTS)
def test_sizes_are_counts(value):
    with pytest.raises(TypeError) as excinfo:
        property1_counts([2, value])
    assert_names_argument(excinfo, "sizes[1]")


@pytest.mark.parametrize("value", [v for v in NOT_REALS if not isinstance(v, list)])
def test_x_is_a_real_number(value):
    with pytest.raises(TypeError) as excinfo:
        nested_reverse((2,), value)
    assert_names_argument(excinfo, "x")
