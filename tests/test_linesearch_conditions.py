"""Tests of fgcourse.linesearch.conditions: the accepted regions of known φ, constants, floating point."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import NOT_REALS, assert_names_argument, assert_refused

from fgcourse.linesearch import armijo, curvature, goldstein, strong_curvature, wolfe_conditions


@pytest.mark.simd
def test_conditions_on_a_parabola_with_known_regions():
    # φ(α) = (α − 1)², φ(0) = 1, φ'(0) = −2: Armijo holds iff α ≤ 2(1 − c1)
    alphas = np.linspace(0.01, 3, 300)
    phi, slope = (alphas - 1) ** 2, 2 * (alphas - 1)
    c1, c2 = 0.25, 0.5
    # exact: booleans from +, − and × only, correctly rounded at every SIMD level, so that even the ties
    # (α = 0.5 and 1.5 are on the grid, where both sides are equal) fall the same way everywhere
    np.testing.assert_array_equal(armijo(phi, alphas, 1.0, -2.0, c1), alphas <= 2 * (1 - c1))
    # Goldstein band: 2c ≤ α ≤ 2(1 − c)
    np.testing.assert_array_equal(goldstein(phi, alphas, 1.0, -2.0, c1), (alphas >= 2 * c1) & (alphas <= 2 * (1 - c1)))
    # curvature: 2(α − 1) ≥ −2 c2 ⟺ α ≥ 1 − c2; strong: |α − 1| ≤ c2
    np.testing.assert_array_equal(curvature(slope, -2.0, c2), alphas >= 1 - c2)
    np.testing.assert_array_equal(strong_curvature(slope, -2.0, c2), abs(alphas - 1) <= c2)
    np.testing.assert_array_equal(wolfe_conditions(phi, slope, alphas, 1.0, -2.0, c1, c2, strong=False),
                                  (alphas >= 1 - c2) & (alphas <= 2 * (1 - c1)))
    np.testing.assert_array_equal(wolfe_conditions(phi, slope, alphas, 1.0, -2.0, c1, c2),
                                  (abs(alphas - 1) <= c2) & (alphas <= 2 * (1 - c1)))


@given(st.floats(0.01, 3), st.floats(1e-4, 0.49), st.floats(0.5, 0.99))
def test_strong_wolfe_implies_weak_and_goldstein_implies_armijo(alpha, c1, c2):
    phi, slope = (alpha - 1) ** 2, 2 * (alpha - 1)
    assert not wolfe_conditions(phi, slope, alpha, 1.0, -2.0, c1, c2) or wolfe_conditions(
        phi, slope, alpha, 1.0, -2.0, c1, c2, strong=False)
    assert not goldstein(phi, alpha, 1.0, -2.0, c1) or armijo(phi, alpha, 1.0, -2.0, c1)


def test_a_single_step_gives_a_bool_and_non_finite_values_are_refused_steps():
    assert armijo(0.5, 0.5, 1.0, -2.0) is True
    assert armijo(math.nan, 0.5, 1.0, -2.0) is False
    assert armijo(math.inf, 0.5, 1.0, -2.0) is False
    assert curvature(math.nan, -2.0) is False


def test_armijo_needs_a_decrease_that_floating_point_can_represent():
    # with d ≈ 1e-200 the Armijo line φ(0) + c1 α φ'(0) rounds to φ(0), and so does φ(α):
    # "≤" alone would accept a step that decreases nothing
    phi0, slope0 = 24.2, -1e-198
    assert phi0 + 1e-4 * 1.0 * slope0 == phi0  # exact: 24.2 − 1e-202 rounds to 24.2
    assert armijo(phi0, 1.0, phi0, slope0) is False
    assert goldstein(phi0, 1.0, phi0, slope0) is False
    assert armijo(np.nextafter(phi0, 0), 1.0, phi0, slope0) is True


BAD_CALLS = [
    (lambda: armijo(0.5, 0.5, 1.0, -2.0, c1=2), "c1", "(0, 1)"),
    (lambda: armijo(0.5, 0.5, 1.0, -2.0, c1=0.0), "c1", "(0, 1)"),
    (lambda: armijo(0.5, 0.5, 1.0, -2.0, c1=True), "c1", "bool"),
    (lambda: goldstein(0.5, 0.5, 1.0, -2.0, c=0.5), "c", "1/2"),
    (lambda: goldstein(0.5, 0.5, 1.0, -2.0, c=0.0), "c", "1/2"),
    (lambda: curvature(0.5, -2.0, c2=1.0), "c2", "(0, 1)"),
    (lambda: strong_curvature(0.5, -2.0, c2=-0.1), "c2", "(0, 1)"),
    (lambda: wolfe_conditions(0.5, 0.1, 0.5, 1.0, -2.0, c1=0.5, c2=0.4), "c2", "(c1, 1)"),
    (lambda: wolfe_conditions(0.5, 0.1, 0.5, 1.0, -2.0, c1=0.1, c2=0.1), "c2", "(c1, 1)"),
    (lambda: wolfe_conditions(0.5, 0.1, 0.5, 1.0, -2.0, c1=2.0), "c1", "(0, 1)"),
    (lambda: wolfe_conditions(0.5, 0.1, 0.5, 1.0, -2.0, strong="no"), "strong", "True or False"),
    (lambda: wolfe_conditions(0.5, 0.1, 0.5, 1.0, -2.0, strong=1), "strong", "True or False"),
    (lambda: armijo("0.5", 0.5, 1.0, -2.0), "phi_alpha", "str"),
    (lambda: armijo(0.5j, 0.5, 1.0, -2.0), "phi_alpha", "complex"),
    (lambda: armijo(0.5, math.nan, 1.0, -2.0), "alpha", "finite"),
    (lambda: armijo(np.ones(3), np.ones(2), 1.0, -2.0), "alpha", "broadcasts"),
    (lambda: armijo(0.5, 0.5, math.nan, -2.0), "phi0", "finite"),
    (lambda: armijo(0.5, 0.5, 1.0, "-2"), "slope0", "str"),
    (lambda: curvature([1j], -2.0), "slope_alpha", "complex"),
    (lambda: strong_curvature(0.5, None), "slope0", "None"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_input_names_the_argument(call, name, word):
    assert_refused(call, name, word)


@pytest.mark.parametrize("value", NOT_REALS)
def test_constants_refuse_everything_but_reals(value):
    with pytest.raises(TypeError) as excinfo:
        wolfe_conditions(0.5, 0.1, 0.5, 1.0, -2.0, c1=value)
    assert_names_argument(excinfo, "c1")
