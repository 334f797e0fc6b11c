"""Tests of fgcourse.linesearch.rates: widths, rates per evaluation, fitted orders of convergence."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import assert_names_argument, assert_refused, tolerances, unimodal_problems

from fgcourse.linesearch import (
    GOLDEN_RATIO,
    bracket_widths,
    convergence_orders,
    dichotomy,
    fitted_order,
    golden_section,
    parabolic,
    parabolic_order,
    rate_per_evaluation,
    width_ratios,
)

PARABOLIC_CASES = [
    (lambda t: t - math.log(t), (0.1, 5.0), 1.0),
    (lambda t: (t - 0.3) ** 2 + t**3 / 3 + 0.1 * t**4, (-1.0, 2.0), 0.2620621951043),
    (lambda t: math.exp(t) - 2 * t, (-2.0, 3.0), math.log(2.0)),
]


def test_bracket_widths_read_the_history():
    result = golden_section(lambda t: (t - 0.3) ** 2, 0.0, 1.0, 1e-4)
    nfev, width = bracket_widths(result)
    assert list(nfev) == [step.nfev for step in result.history]
    np.testing.assert_array_equal(width, [b - a for a, b in result.brackets])  # exact: the same subtractions
    np.testing.assert_allclose(width_ratios(result), 1 / GOLDEN_RATIO, rtol=1e-9)


@given(unimodal_problems(), tolerances)
def test_dichotomy_rate_per_evaluation_is_at_most_one_over_root_two(problem, tol):
    # after the centre, each halving costs one or two evaluations: the slides' 0.707 is the worst case
    phi, a, b, _, _ = problem
    result = dichotomy(phi, a, b, tol)
    assume(result.nit > 0)
    assert 0.5 * (1 - 1e-6) <= rate_per_evaluation(result) <= 0.5**0.5 * (1 + 1e-6)  # endpoints round
    per_evaluation = width_ratios(result)
    assert np.all(per_evaluation >= width_ratios(result, per_evaluation=False) * (1 - 1e-12))


def test_rate_per_evaluation_needs_an_iteration():
    with pytest.raises(ValueError) as excinfo:
        rate_per_evaluation(dichotomy(lambda t: t * t, -1.0, 1.0, 10.0))
    assert_names_argument(excinfo, "result", "iteration")


@pytest.mark.parametrize("phi, bracket, minimiser", PARABOLIC_CASES)
def test_parabolic_converges_superlinearly(phi, bracket, minimiser):
    result = parabolic(phi, *bracket, 1e-12)
    errors = np.array([abs(step.x - minimiser) for step in result.history])
    # from 1e-1 down to the first error below 1e-7: below that φ is flat to rounding (√ε)
    first, last = np.argmax(errors < 1e-1), np.argmax(errors < 1e-7)
    expected = fitted_order(errors[first:last + 1])
    assert 1.15 < expected < 2.0
    assert parabolic_order(result, minimiser) == expected  # exact: the same errors through the same fit


def test_parabolic_order_needs_errors_that_reach_the_window():
    result = parabolic(lambda t: (t - 0.3) ** 2 + t**4, 0.0, 1.0, 1e-2)
    with pytest.raises(ValueError) as excinfo:
        parabolic_order(result, 0.3, stop=1e-12)
    assert_names_argument(excinfo, "result", "below")


def test_convergence_orders_of_a_known_sequence():
    errors = [10.0 ** -(1.5**k) for k in range(1, 8)]
    np.testing.assert_allclose(convergence_orders(errors), 1.5)
    assert fitted_order(errors) == pytest.approx(1.5)
    assert fitted_order([0.5**k for k in range(10)]) == pytest.approx(1.0)


@given(st.floats(1.1, 3.0), st.floats(0.01, 0.5))
def test_fitted_order_recovers_the_order_of_any_q_sequence(q, e0):
    errors = [e0]
    while errors[-1] ** q > 1e-290 and len(errors) < 12:  # normal floats only: subnormals lose digits
        errors.append(errors[-1] ** q)
    assume(len(errors) >= 4)
    assert fitted_order(errors) == pytest.approx(q, rel=1e-6)


_RESULT = dichotomy(lambda t: (t - 0.3) ** 2, 0.0, 1.0, 1e-3)

BAD_CALLS = [
    (lambda: bracket_widths((0.0, 1.0)), "result", "BracketResult"),
    (lambda: width_ratios(None), "result", "BracketResult"),
    (lambda: rate_per_evaluation("golden"), "result", "BracketResult"),
    (lambda: width_ratios(_RESULT, per_evaluation="no"), "per_evaluation", "True or False"),
    (lambda: width_ratios(_RESULT, per_evaluation=1), "per_evaluation", "True or False"),
    (lambda: fitted_order([1e-3, 1e-3, 0.0]), "errors", "3 distinct"),
    (lambda: fitted_order("small"), "errors", "real numbers"),
    (lambda: fitted_order([1e-1, 1e-2j, 1e-4]), "errors", "complex"),
    (lambda: fitted_order([[1e-1, 1e-2], [1e-3, 1e-4]]), "errors", "1-d"),
    (lambda: fitted_order([1e-1, np.nan, 1e-4]), "errors", "finite"),
    (lambda: convergence_orders([1e-1, -1e-2, 1e-4]), "errors", ">= 0"),
    (lambda: convergence_orders([]), "errors", "at least 1"),
    (lambda: parabolic_order([0.1], 0.3), "result", "BracketResult"),
    (lambda: parabolic_order(_RESULT, "0.3"), "minimiser", "str"),
    (lambda: parabolic_order(_RESULT, 0.3, start=0.0), "start", "> 0"),
    (lambda: parabolic_order(_RESULT, 0.3, start=1e-8, stop=1e-7), "stop", "< start"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_input_names_the_argument(call, name, word):
    assert_refused(call, name, word)
