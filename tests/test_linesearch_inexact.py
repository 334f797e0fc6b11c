"""Tests of fgcourse.linesearch.inexact: backtracking, Goldstein, Wolfe (against scipy), exact steps, failures."""

import functools
import math
import warnings

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.optimize
from autograd import grad
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    NOT_COUNTS,
    NOT_REALS,
    assert_names_argument,
    assert_refused,
    counted,
    ill_conditioned_quadratic,
    nan_function,
    smooth_rays,
    string_function,
)

from fgcourse.linesearch import (
    STEP_STATUSES,
    StepResult,
    armijo,
    armijo_backtracking,
    backtracking,
    dichotomy,
    exact_step,
    golden_section,
    goldstein,
    goldstein_backtracking,
    jvp_slope,
    parabolic,
    wolfe,
    wolfe_conditions,
)
from fgcourse.testfunctions import beale, rosenbrock

SEARCHES = (wolfe, armijo_backtracking, goldstein_backtracking, exact_step(golden_section, 0.01, 1e-7))
ROSENBROCK_START = np.array([-1.2, 1.0])


@given(smooth_rays(), st.booleans(), st.sampled_from([(1e-4, 0.9), (0.1, 0.5), (0.3, 0.4)]))
def test_every_wolfe_step_satisfies_the_conditions_it_claims(ray, strong, constants):
    f, x, d = ray
    c1, c2 = constants
    fc, gc = counted(f), counted(grad(f))
    result = wolfe(fc, gc, x, d, c1, c2, strong)
    assert result.nfev == fc.calls and result.ngev == gc.calls and result.njvp == 0
    if not result.success:  # only rounding may stop it on these functions
        assert result.status == "interval_too_small"
        return
    phi0, slope0 = f(x), float(np.dot(grad(f)(x), d))
    value, slope = f(x + result.alpha * d), float(np.dot(grad(f)(x + result.alpha * d), d))
    assert result.fun == value and result.slope == pytest.approx(slope)
    assert wolfe_conditions(value, slope, result.alpha, phi0, slope0, c1, c2, strong)
    # the gradient behind the accepted slope comes along, bit for bit ∇f(x + α d): exact, the search computes
    # the point as x + α d and the slope as gradient @ d, as here
    np.testing.assert_array_equal(result.g, grad(f)(x + result.alpha * d))
    assert result.slope == float(result.g @ d)


@given(smooth_rays())
def test_only_a_gradient_computed_at_the_returned_step_is_handed_over(ray):
    f, x, d = ray
    assert wolfe(f, jvp_slope(f), x, d).g is None  # a JVP never forms ∇f
    # backtracking computes ∇f only at α = 0, never at the step it accepts
    backtracked = armijo_backtracking(f, grad(f), x, d)
    assert backtracked.success and backtracked.alpha > 0 and backtracked.g is None
    assert exact_step(golden_section, 1.0, 1e-6)(f, grad(f), x, d).g is None


@given(smooth_rays(), st.sampled_from([0.1, 0.5, 0.8]))
def test_armijo_backtracking_returns_the_first_acceptable_power_of_beta(ray, beta):
    f, x, d = ray
    result = armijo_backtracking(f, grad(f), x, d, c1=1e-4, alpha0=1.0, beta=beta)
    assert result.success
    phi0, slope0 = f(x), float(np.dot(grad(f)(x), d))
    assert armijo(f(x + result.alpha * d), result.alpha, phi0, slope0, 1e-4)
    k = round(math.log(result.alpha) / math.log(beta))
    assert result.alpha == pytest.approx(beta**k)
    if k > 0:  # the previous, longer step was rejected
        longer = result.alpha / beta
        assert not armijo(f(x + longer * d), longer, phi0, slope0, 1e-4)
    assert result.nfev == k + 2 and result.ngev == 1  # φ(0), k rejected trials, the accepted one


@given(smooth_rays(), st.sampled_from([0.1, 0.25, 0.4]))
def test_goldstein_backtracking_lands_in_the_band(ray, c):
    f, x, d = ray
    result = goldstein_backtracking(f, grad(f), x, d, c=c)
    if not result.success:
        assert result.status == "interval_too_small"
        return
    phi0, slope0 = f(x), float(np.dot(grad(f)(x), d))
    assert goldstein(f(x + result.alpha * d), result.alpha, phi0, slope0, c)


def test_wolfe_steps_agree_with_scipy_line_search_and_cost_no_more():
    total = {"ours": 0, "scipy": 0}
    for f, starts in ((rosenbrock.f, ([-1.2, 1.0], [2.0, 2.0], [0.0, 0.0])),
                      (beale.f, ([1.0, 1.0], [-1.0, 1.5], [2.0, -1.0])),
                      (ill_conditioned_quadratic((1.0, 100.0)), ([1.0, 1.0], [-3.0, 2.0]))):
        for start in starts:
            x = np.asarray(start)
            d = -grad(f)(x)
            for name in total:
                fc, gc = counted(f), counted(grad(f))
                if name == "ours":
                    result = wolfe(fc, gc, x, d)
                    assert result.success
                    step = result.alpha
                else:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        step = scipy.optimize.line_search(fc, gc, x, d)[0]
                    assert step is not None
                total[name] += fc.calls + gc.calls
                phi0, slope0 = f(x), float(np.dot(grad(f)(x), d))
                value, slope = f(x + step * d), float(np.dot(grad(f)(x + step * d), d))
                assert wolfe_conditions(value, slope, step, phi0, slope0, 1e-4, 0.9, strong=True)
    assert total["ours"] <= total["scipy"]


def test_known_start_values_are_not_evaluated_again():
    f, x = rosenbrock.f, ROSENBROCK_START
    g = grad(f)(x)
    fc, gc = counted(f), counted(grad(f))
    result = wolfe(fc, gc, x, -g, phi0=f(x), slope0=-float(g @ g))
    fresh = wolfe(f, grad(f), x, -g)
    assert result.alpha == fresh.alpha  # exact: φ'(0) = ∇f·(−g) = −(g·g), negation is exact; the same trials
    assert (result.nfev, result.ngev) == (fresh.nfev - 1, fresh.ngev - 1) == (fc.calls, gc.calls)


@pytest.mark.parametrize("search", SEARCHES[:3])
def test_ascent_flat_and_non_finite_starts_are_named_failures(search):
    f, x = rosenbrock.f, ROSENBROCK_START
    ascent = search(f, grad(f), x, grad(f)(x))
    assert not ascent.success and ascent.status == "not_descent" and ascent.alpha == 0.0
    flat = search(f, grad(f), x, np.array([grad(f)(x)[1], -grad(f)(x)[0]]), slope0=0.0)
    assert not flat.success and flat.status == "stationary"
    blown = search(nan_function, grad(f), x, -grad(f)(x))
    assert not blown.success and blown.status == "non_finite"
    assert blown.message.startswith("non_finite") and blown.status in STEP_STATUSES


@pytest.mark.parametrize("search", SEARCHES)
def test_a_direction_below_floating_point_resolution_is_no_success(search):
    """d ≈ 1e-200: x + α d rounds to x, φ(α) = φ(0), and the Armijo line rounds to φ(0) too."""
    f, x = rosenbrock.f, ROSENBROCK_START
    d = -1e-200 * grad(f)(x)
    result = search(f, grad(f), x, d)
    assert not result.success and result.status in ("interval_too_small", "no_decrease")
    assert result.alpha == 0.0 and result.fun == f(x)
    assert result.nfev <= 40


def test_iteration_caps_are_named_failures():
    f, x = rosenbrock.f, ROSENBROCK_START
    d = -grad(f)(x)
    assert armijo_backtracking(f, grad(f), x, d, max_iter=3).status == "max_iter"
    assert wolfe(f, grad(f), x, d, max_iter=2).status == "max_iter"
    # a linear φ never turns up: doubling stops at alpha_max
    linear = wolfe(lambda z: anp.sum(z), lambda z: np.ones_like(z), np.zeros(2), -np.ones(2), alpha_max=64.0)
    assert linear.status == "max_step" and linear.alpha == 64.0


def test_nonfinite_trials_are_treated_as_too_long():
    def f(x):  # +inf beyond α = 1 along d = 1
        return anp.where(x[0] > 1.0, anp.inf, (x[0] - 0.8) ** 2)
    x, d = np.zeros(1), np.ones(1)
    for search in (wolfe, armijo_backtracking):
        result = search(f, grad(f), x, d, alpha0=4.0)
        assert result.success and result.alpha <= 1.0 and math.isfinite(result.fun)


def test_a_non_finite_slope_at_a_trial_is_a_status():
    def g(x):
        return np.array([2 * (x[0] - 0.8)]) if x[0] < 0.5 else np.array([np.nan])
    result = wolfe(lambda x: (x[0] - 0.8) ** 2, g, np.zeros(1), np.ones(1), alpha0=0.6)
    assert not result.success and result.status == "non_finite"


@pytest.mark.parametrize("search", [dichotomy, golden_section, parabolic])
def test_exact_steps_count_every_evaluation_and_decrease_f(search):
    fc = counted(rosenbrock.f)
    x = ROSENBROCK_START
    result = exact_step(search, 0.01, 1e-8)(fc, grad(rosenbrock.f), x, -grad(rosenbrock.f)(x))
    assert result.success and result.nfev == fc.calls and result.fun < rosenbrock.f(x)
    assert exact_step(search).__name__ == f"exact_{search.__name__}"


def test_an_exact_step_that_finds_nothing_lower_says_no_decrease():
    # φ rises from α = 0 on [0, 1] along an ascent direction
    result = exact_step(golden_section, 1.0, 1e-6)(rosenbrock.f, grad(rosenbrock.f), ROSENBROCK_START,
                                                  grad(rosenbrock.f)(ROSENBROCK_START))
    assert not result.success and result.status == "no_decrease" and result.alpha == 0.0


def test_the_named_conditions_are_the_backtracking_options():
    f, x = rosenbrock.f, ROSENBROCK_START
    d = -grad(f)(x)
    assert backtracking(f, grad(f), x, d, c=1e-4) == armijo_backtracking(f, grad(f), x, d)
    assert backtracking(f, grad(f), x, d, condition="goldstein", c=0.25) == goldstein_backtracking(f, grad(f), x, d)
    assert isinstance(wolfe(f, grad(f), x, d), StepResult)


_F, _G = rosenbrock.f, grad(rosenbrock.f)
_X, _D = ROSENBROCK_START, -grad(rosenbrock.f)(ROSENBROCK_START)

BAD_CALLS = [
    (lambda: wolfe(_F, _G, _X, _D, c1=0.0), "c1", "(0, 1)"),
    (lambda: wolfe(_F, _G, _X, _D, c1=1.5), "c1", "(0, 1)"),
    (lambda: wolfe(_F, _G, _X, _D, c1=math.nan), "c1", "finite"),
    (lambda: wolfe(_F, _G, _X, _D, c1=0.5, c2=0.4), "c2", "(c1, 1)"),
    (lambda: wolfe(_F, _G, _X, _D, c2=1.0), "c2", "(c1, 1)"),
    (lambda: wolfe(_F, _G, _X, _D, strong="no"), "strong", "True or False"),
    (lambda: wolfe(_F, _G, _X, _D, alpha0=0.0), "alpha0", "> 0"),
    (lambda: wolfe(_F, _G, _X, _D, alpha0=-1.0), "alpha0", "> 0"),
    (lambda: wolfe(_F, _G, _X, _D, alpha_max=math.inf), "alpha_max", "finite"),
    (lambda: wolfe(_F, _G, _X, _D, max_iter=0), "max_iter", ">= 1"),
    (lambda: wolfe(_F, _G, _X, _D, max_iter=True), "max_iter", "bool"),
    (lambda: wolfe(_F, _G, _X, _D, phi0="1"), "phi0", "str"),
    (lambda: wolfe(_F, _G, _X, _D, slope0=1j), "slope0", "complex"),
    (lambda: backtracking(_F, _G, _X, _D, c=0.0), "c", "(0, 1)"),
    (lambda: backtracking(_F, _G, _X, _D, c=1.0), "c", "(0, 1)"),
    (lambda: backtracking(_F, _G, _X, _D, beta=1.0), "beta", "(0, 1)"),
    (lambda: backtracking(_F, _G, _X, _D, beta=0.0), "beta", "(0, 1)"),
    (lambda: backtracking(_F, _G, _X, _D, condition="goldstein", c=0.5), "c", "1/2"),
    (lambda: backtracking(_F, _G, _X, _D, condition="wolfe"), "condition", "armijo"),
    (lambda: backtracking(_F, _G, _X, _D, condition="armjio"), "condition", "did you mean 'armijo'"),
    (lambda: armijo_backtracking(_F, _G, _X, _D, c1=2.0), "c1", "(0, 1)"),
    (lambda: goldstein_backtracking(_F, _G, _X, _D, c=0.6), "c", "1/2"),
    (lambda: wolfe(_F, _G, _X, np.ones(3)), "d", "shape of x"),
    (lambda: armijo_backtracking(_F, _G, np.array([0.0, math.nan]), np.ones(2)), "x", "finite"),
    (lambda: wolfe(_F, "not a gradient", _X, _D), "grad", "SlopeOracle"),
    (lambda: wolfe(_F, _G, "ab", _D), "x", "real numbers"),
    (lambda: wolfe(_F, _G, [1j, 0.0], _D), "x", "complex"),
    (lambda: wolfe(3.0, _G, _X, _D), "f", "callable"),
    *[(lambda search=search, wrong=wrong: search(_F, wrong, _X, _D), "grad", word)
      for search in SEARCHES[:3]
      for wrong, word in ((lambda z: np.ones(3), "shape (2,)"), (lambda z: 1.0, "shape (2,)"),
                          (lambda z: None, "real numbers"), (string_function, "real numbers"))],
    *[(lambda search=search: search(lambda z: anp.array([_F(z)]), _G, _X, _D), "f", "scalar")
      for search in SEARCHES],
    *[(lambda search=search: search(string_function, _G, _X, _D), "f", "real numbers") for search in SEARCHES],
    (lambda: wolfe(lambda z: __import__("math").sin(z[0]), jvp_slope(lambda z: __import__("math").sin(z[0])),
                   _X, _D), "f", "autograd.numpy"),
    (lambda: exact_step(3), "search", "callable"),
    (lambda: exact_step(golden_section, alpha_max=0.0), "alpha_max", "> 0"),
    (lambda: exact_step(golden_section, tol="small"), "tol", "str"),
    (lambda: exact_step(golden_section)(_F, _G, _X, _D, phi0=1j), "phi0", "complex"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_input_names_the_argument(call, name, word):
    assert_refused(call, name, word)


@pytest.mark.parametrize("value", NOT_COUNTS)
@pytest.mark.parametrize("search", [wolfe, armijo_backtracking, functools.partial(backtracking, condition="goldstein")])
def test_max_iter_refuses_everything_but_counts(search, value):
    with pytest.raises(TypeError) as excinfo:
        search(_F, _G, _X, _D, max_iter=value)
    assert_names_argument(excinfo, "max_iter")


@pytest.mark.parametrize("value", NOT_REALS)
def test_alpha0_refuses_everything_but_reals(value):
    with pytest.raises(TypeError) as excinfo:
        armijo_backtracking(_F, _G, _X, _D, alpha0=value)
    assert_names_argument(excinfo, "alpha0")
