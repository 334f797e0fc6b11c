"""Tests for fgcourse.linesearch: rates, conditions, counts, failures, and scipy as a reference."""

import functools
import math
import warnings

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.optimize
from autograd import grad
from hypothesis import assume, given
from hypothesis import strategies as st

from fgcourse.linesearch import (
    GOLDEN_RATIO, LINE_PROBLEMS, SlopeOracle, StepResult, acceptance_regions, accepted_intervals, armijo, armijo_backtracking,
    backtracking, bracket_widths, convergence_orders, curvature, descent, fitted_order, dichotomy, dichotomy_iterations,
    draw_conditions, exact_step, forward_gradient_direction, golden_section, goldstein, goldstein_backtracking,
    gradient_slope, jvp_slope, line_problem, line_profile, parabola_vertex, parabolic, rate_per_evaluation, steepest_descent,
    strong_curvature, width_ratios, wolfe, wolfe_conditions,
)
from fgcourse.forward_gradient import forward_gradient
from fgcourse.testfunctions import beale, rosenbrock

EXACT_SEARCHES = (dichotomy, golden_section, parabolic)

# ---------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------

brackets = st.tuples(st.floats(-5, 5), st.floats(0.1, 10)).map(lambda t: (t[0], t[0] + t[1]))
tolerances = st.sampled_from([1e-2, 1e-4, 1e-7, 1e-10])


@st.composite
def unimodal_problems(draw):
    """A unimodal φ on [a, b] with known minimiser: a shifted, skewed convex profile."""
    a, b = draw(brackets)
    minimiser = draw(st.floats(0, 1)) * (b - a) + a
    kind = draw(st.sampled_from(["quadratic", "quartic", "cosh", "abs"]))
    scale = draw(st.floats(0.1, 10))
    profiles = {
        "quadratic": lambda t: scale * (t - minimiser) ** 2,
        "quartic": lambda t: (t - minimiser) ** 4 + scale * (t - minimiser) ** 2,
        "cosh": lambda t: math.cosh(scale * (t - minimiser)),
        "abs": lambda t: abs(t - minimiser) + (t > minimiser) * scale * (t - minimiser),
    }
    return profiles[kind], a, b, minimiser, functools.partial(resolution, kind, scale, minimiser)


def resolution(kind, scale, minimiser, tol):
    """How close to the minimiser comparisons of φ at points tol apart still mean something.

    cosh has φ* = 1: within √ε/scale of the minimiser φ is flat to rounding, and where
    |φ'|·tol = scale²|t − t*|·tol is below ε the comparisons that move the bracket are noise.
    The other profiles vanish at the minimiser, where floating point is exact.
    """
    eps = np.finfo(float).eps
    if kind == "cosh":
        return 3 * math.sqrt(eps) / scale + 8 * eps / (scale**2 * tol)
    return 1e-12 * (1 + abs(minimiser))


@st.composite
def smooth_rays(draw):
    """A smooth f bounded below (positive definite quadratic + bounded ripples), x, and a descent d."""
    n = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((n, n))
    hessian = m @ m.T + draw(st.floats(0.05, 2)) * np.eye(n)
    ripple = draw(st.floats(0, 3))
    frequencies = rng.standard_normal(n) * draw(st.floats(0.1, 5))

    def f(x):
        return 0.5 * anp.dot(x, anp.dot(hessian, x)) + ripple * anp.sin(anp.dot(frequencies, x))

    x = rng.standard_normal(n) * draw(st.floats(0.1, 10))
    d = rng.standard_normal(n) * draw(st.floats(0.01, 100))
    slope0 = float(np.dot(grad(f)(x), d))
    assume(abs(slope0) > 1e-8 * (1 + abs(f(x))))
    return f, x, -d if slope0 > 0 else d


def counted(function):
    """A wrapper counting calls, to check the counts a search reports."""

    @functools.wraps(function)
    def wrapper(*args):
        wrapper.calls += 1
        return function(*args)

    wrapper.calls = 0
    return wrapper


def quadratic_with(weights):
    weights = np.asarray(weights, dtype=float)
    return lambda x: 0.5 * anp.sum(weights * x**2)


# ---------------------------------------------------------------------------------------
# Exact searches
# ---------------------------------------------------------------------------------------

@given(unimodal_problems(), tolerances)
def test_exact_searches_find_the_minimiser_within_tol(problem, tol):
    phi, a, b, minimiser, resolution = problem
    for search in EXACT_SEARCHES:
        result = search(phi, a, b, tol)
        assert result.success, (search.__name__, result.reason)
        assert abs(result.x - minimiser) <= tol + resolution(tol), search.__name__
        assert result.fx == phi(result.x)


@given(unimodal_problems(), tolerances)
def test_brackets_are_nested_and_hold_the_best_point(problem, tol):
    phi, a, b, minimiser, resolution = problem
    for search in EXACT_SEARCHES:
        result = search(phi, a, b, tol)
        previous = (a, b)
        for step in result.history:
            assert previous[0] <= step.a <= step.x <= step.b <= previous[1]
            assert step.a - resolution(tol) <= minimiser <= step.b + resolution(tol)
            previous = (step.a, step.b)
        counts = [step.nfev for step in result.history]
        assert counts == sorted(counts) and counts[-1] == result.nfev
        assert result.brackets[0] == (a, b) and len(result.brackets) == result.nit + 1


@given(unimodal_problems(), tolerances)
def test_dichotomy_meets_its_iteration_bound(problem, tol):
    phi, a, b, _, _ = problem
    result = dichotomy(counted(phi), a, b, tol)
    bound = math.ceil(math.log2((b - a) / tol) - 1)
    assert result.nit <= max(bound, 0)
    assert result.nit == dichotomy_iterations(a, b, tol)
    assert result.nfev <= 2 * result.nit + 1
    widths = bracket_widths(result)[1]
    rounding = 4 * np.finfo(float).eps * max(abs(a), abs(b)) / widths[1:]  # endpoints round to the grid
    assert np.all(abs(width_ratios(result, per_evaluation=False) - 0.5) <= rounding + 1e-12)


def test_dichotomy_counts_match_the_calls():
    phi = counted(lambda t: (t - 0.1234) ** 2)
    result = dichotomy(phi, -1.0, 1.0, 1e-6)
    assert result.nfev == phi.calls


def test_golden_section_shrinks_by_one_over_tau_per_evaluation_down_to_1e_12():
    phi = counted(lambda t: (t - 0.3) ** 2 + 0.1 * t**4)
    result = golden_section(phi, 0.0, 1.0, 1e-12)
    assert result.success and result.nfev == phi.calls
    nfev, width = bracket_widths(result)
    assert np.all(np.diff(nfev) == 1)  # one evaluation per step
    # absolute rounding of the points is ~1e-16, so the ratio's relative error grows as the width shrinks
    ratios = width[1:] / width[:-1]
    assert np.all(abs(ratios - 1 / GOLDEN_RATIO) <= 4e-16 / width[1:] + 1e-12)
    np.testing.assert_allclose(width, GOLDEN_RATIO ** -(nfev - 2.0), rtol=1e-3)
    assert width[-1] <= 1e-12 * GOLDEN_RATIO and width[-2] * (1 - 1e-3) > 1e-12
    assert rate_per_evaluation(result) == pytest.approx(1 / GOLDEN_RATIO, rel=1e-6)


@given(unimodal_problems(), tolerances)
def test_dichotomy_rate_per_evaluation_is_at_most_one_over_root_two(problem, tol):
    # after the centre, each halving costs one or two evaluations: the slides' 0.707 is the worst case
    phi, a, b, _, _ = problem
    result = dichotomy(phi, a, b, tol)
    assume(result.nit > 0)
    assert 0.5 * (1 - 1e-6) <= rate_per_evaluation(result) <= 0.5**0.5 * (1 + 1e-6)  # endpoints round


def test_rate_per_evaluation_needs_an_iteration():
    with pytest.raises(ValueError, match="iteration"):
        rate_per_evaluation(dichotomy(lambda t: t * t, -1.0, 1.0, 10.0))


@given(unimodal_problems(), tolerances)
def test_golden_section_agrees_with_scipy_golden(problem, tol):
    phi, a, b, minimiser, resolution = problem
    assume(min(minimiser - a, b - minimiser) > 1e-3 * (b - a))  # scipy's golden does not reach the ends
    ours = golden_section(phi, a, b, tol)
    theirs = scipy.optimize.golden(phi, brack=(a, b), tol=1e-12)
    assert abs(ours.x - theirs) <= tol + 2 * resolution(tol) + 1e-9


@pytest.mark.parametrize("phi, bracket", [
    (lambda t: (t - 0.3) ** 2 + 0.1 * t**4, (-1.0, 0.5, 2.0)),
    (lambda t: t - math.log(t), (0.1, 1.5, 5.0)),
    (lambda t: math.exp(t) - 2 * t, (-2.0, 0.5, 3.0)),
    (lambda t: -math.sin(t), (0.0, 1.0, 3.0)),
])
def test_parabolic_agrees_with_scipy_brent(phi, bracket):
    a, _, b = bracket
    ours = parabolic(phi, a, b, 1e-6)
    theirs = scipy.optimize.brent(phi, brack=bracket, tol=1e-10)
    assert ours.success
    assert abs(ours.x - theirs) <= 1e-6
    # the same method: far fewer evaluations than golden section for the same tolerance
    assert ours.nfev < 0.7 * golden_section(phi, a, b, 1e-6).nfev


@pytest.mark.parametrize("phi, bracket, minimiser", [
    (lambda t: t - math.log(t), (0.1, 5.0), 1.0),
    (lambda t: (t - 0.3) ** 2 + t**3 / 3 + 0.1 * t**4, (-1.0, 2.0), 0.2620621951043),
    (lambda t: math.exp(t) - 2 * t, (-2.0, 3.0), math.log(2.0)),
])
def test_parabolic_converges_superlinearly(phi, bracket, minimiser):
    result = parabolic(phi, *bracket, 1e-12)
    errors = np.array([abs(step.x - minimiser) for step in result.history])
    # from 1e-1 down to the first error below 1e-7: below that φ is flat to rounding (√ε)
    first, last = np.argmax(errors < 1e-1), np.argmax(errors < 1e-7)
    assert 1.15 < fitted_order(errors[first:last + 1]) < 2.0


def test_parabola_vertex_of_an_exact_parabola():
    for vertex, curvature_ in ((0.3, 2.0), (-4.0, 0.5), (10.0, 7.0)):
        def p(t):
            return curvature_ * (t - vertex) ** 2 + 1.0
        assert parabola_vertex(-1.0, p(-1.0), 0.5, p(0.5), 2.0, p(2.0)) == pytest.approx(vertex)
    assert math.isnan(parabola_vertex(0.0, 1.0, 1.0, 2.0, 2.0, 3.0))  # collinear


def test_convergence_orders_of_a_known_sequence():
    errors = [10.0 ** -(1.5**k) for k in range(1, 8)]
    np.testing.assert_allclose(convergence_orders(errors), 1.5)
    assert fitted_order(errors) == pytest.approx(1.5)
    assert fitted_order([0.5**k for k in range(10)]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="errors"):
        fitted_order([1e-3, 1e-3, 0.0])


@pytest.mark.parametrize("search", EXACT_SEARCHES)
def test_non_unimodal_phi_is_reported_and_terminates(search):
    result = search(lambda t: (t - 0.5) ** 2 - 0.1 * math.cos(30 * t), 0.0, 1.0, 1e-10, max_iter=200)
    assert not result.success and result.reason == "not_unimodal"
    assert result.nit < 200


@given(st.integers(1, 40), st.floats(0, 1), st.sampled_from(EXACT_SEARCHES))
def test_any_wiggly_phi_terminates_within_the_cap_with_a_named_reason(frequency, shift, search):
    result = search(lambda t: math.sin(frequency * t + shift) + 0.01 * t, -2.0, 5.0, 1e-9, max_iter=100)
    assert result.nit <= 100
    assert result.reason in ("converged", "not_unimodal", "max_iterations")
    assert result.success == (result.reason == "converged")


@pytest.mark.parametrize("search", EXACT_SEARCHES)
def test_iteration_cap_is_a_named_failure(search):
    result = search(lambda t: (t - 0.3) ** 2 + t**4, 0.0, 1.0, 1e-12, max_iter=3)
    assert not result.success and result.reason == "max_iterations" and result.nit == 3


@pytest.mark.parametrize("search", EXACT_SEARCHES)
def test_nonfinite_phi_is_a_named_failure(search):
    result = search(lambda t: math.nan, 0.0, 1.0, 1e-6)
    assert not result.success and result.reason == "nonfinite_value"
    partly = search(lambda t: (t - 0.5) ** 2 if t < 0.6 else math.inf, 0.0, 1.0, 1e-6)
    assert not partly.success and partly.reason == "nonfinite_value" and partly.nit <= 3


@pytest.mark.parametrize("search", EXACT_SEARCHES)
@pytest.mark.parametrize("a, b, tol, message", [
    (1.0, 1.0, 1e-3, "a < b"), (2.0, 1.0, 1e-3, "a < b"), (0.0, 1.0, 0.0, "tol"),
    (0.0, 1.0, -1e-3, "tol"), (0.0, 1.0, math.nan, "tol"), (0.0, math.inf, 1e-3, "b"),
    (-1e308, 1e308, 1e-3, "width"),
])
def test_exact_searches_reject_bad_brackets(search, a, b, tol, message):
    with pytest.raises(ValueError, match=message):
        search(lambda t: t * t, a, b, tol)


def test_exact_searches_reject_non_callables():
    with pytest.raises(TypeError, match="phi"):
        golden_section(3.0, 0.0, 1.0, 1e-3)


@pytest.mark.parametrize("search", EXACT_SEARCHES)
@pytest.mark.parametrize("output", [np.array([0.5]), None, 1j])
def test_exact_searches_name_phi_when_it_returns_no_real_number(search, output):
    with pytest.raises(TypeError, match="phi must return a real number"):
        search(lambda t: output, 0.0, 1.0, 1e-3)


def test_exact_searches_accept_zero_dimensional_arrays_as_numbers():
    result = dichotomy(lambda t: (t - 0.3) ** 2, np.array(0.0), np.float32(1.0), np.array(1e-6))
    assert result.success and abs(result.x - 0.3) <= 1e-6


# ---------------------------------------------------------------------------------------
# Conditions
# ---------------------------------------------------------------------------------------

def test_conditions_on_a_parabola_with_known_regions():
    # φ(α) = (α − 1)², φ(0) = 1, φ'(0) = −2: Armijo holds iff α ≤ 2(1 − c1)
    alphas = np.linspace(0.01, 3, 300)
    phi, slope = (alphas - 1) ** 2, 2 * (alphas - 1)
    c1, c2 = 0.25, 0.5
    np.testing.assert_array_equal(armijo(phi, alphas, 1.0, -2.0, c1), alphas <= 2 * (1 - c1))
    # Goldstein band: 2c ≤ α ≤ 2(1 − c)
    np.testing.assert_array_equal(goldstein(phi, alphas, 1.0, -2.0, c1), (alphas >= 2 * c1) & (alphas <= 2 * (1 - c1)))
    # curvature: 2(α − 1) ≥ −2 c2 ⟺ α ≥ 1 − c2; strong: |α − 1| ≤ c2
    np.testing.assert_array_equal(curvature(slope, -2.0, c2), alphas >= 1 - c2)
    np.testing.assert_array_equal(strong_curvature(slope, -2.0, c2), abs(alphas - 1) <= c2)
    np.testing.assert_array_equal(wolfe_conditions(phi, slope, alphas, 1.0, -2.0, c1, c2, strong=False),
                                  (alphas >= 1 - c2) & (alphas <= 2 * (1 - c1)))


@given(smooth_rays(), st.floats(1e-4, 0.4), st.floats(0.5, 0.95))
def test_acceptance_regions_match_the_conditions(ray, c1, c2):
    f, x, d = ray
    alphas = np.linspace(1e-3, 2.0, 50)
    regions = acceptance_regions(lambda X: anp.stack([f(row) for row in X]) if X.ndim == 2 else f(X),
                                 x, d, alphas, c1, c2)
    phi = np.array([f(x + a * d) for a in alphas])
    slope = np.array([np.dot(grad(f)(x + a * d), d) for a in alphas])
    np.testing.assert_allclose(regions["phi"], phi, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(regions["slope"], slope, rtol=1e-9, atol=1e-9)
    assert regions["slope0"] == pytest.approx(float(np.dot(grad(f)(x), d)))
    assert np.all(regions["strong_wolfe"] <= regions["wolfe"])
    assert np.all(regions["goldstein"] <= regions["armijo"])


def test_accepted_intervals_cover_exactly_the_true_runs():
    alphas = np.arange(8.0)
    mask = np.array([0, 1, 1, 0, 0, 1, 0, 1], dtype=bool)
    assert accepted_intervals(alphas, mask) == [(0.5, 2.0), (4.5, 1.0), (6.5, 1.0)]


# ---------------------------------------------------------------------------------------
# Inexact searches
# ---------------------------------------------------------------------------------------

@given(smooth_rays(), st.booleans(), st.sampled_from([(1e-4, 0.9), (0.1, 0.5), (0.3, 0.4)]))
def test_every_wolfe_step_satisfies_the_conditions_it_claims(ray, strong, constants):
    f, x, d = ray
    c1, c2 = constants
    fc, gc = counted(f), counted(grad(f))
    result = wolfe(fc, gc, x, d, c1, c2, strong)
    assert result.nfev == fc.calls and result.ngev == gc.calls and result.njev == 0
    if not result.success:  # only rounding may stop it on these functions
        assert result.reason == "interval_too_small"
        return
    phi0, slope0 = f(x), float(np.dot(grad(f)(x), d))
    value, slope = f(x + result.step * d), float(np.dot(grad(f)(x + result.step * d), d))
    assert result.value == value and result.slope == pytest.approx(slope)
    assert wolfe_conditions(value, slope, result.step, phi0, slope0, c1, c2, strong)
    # the gradient behind the accepted slope comes along, bit for bit ∇f(x + α d)
    np.testing.assert_array_equal(result.gradient, grad(f)(x + result.step * d))
    assert result.slope == float(result.gradient @ d)


@given(smooth_rays())
def test_only_a_gradient_computed_at_the_returned_step_is_handed_over(ray):
    f, x, d = ray
    assert wolfe(f, jvp_slope(f), x, d).gradient is None  # a JVP never forms ∇f
    # backtracking computes ∇f only at α = 0, never at the step it accepts
    backtracked = armijo_backtracking(f, grad(f), x, d)
    assert backtracked.success and backtracked.step > 0 and backtracked.gradient is None
    assert exact_step(golden_section, 1.0, 1e-6)(f, grad(f), x, d).gradient is None


@given(smooth_rays(), st.booleans())
def test_jvp_slope_runs_the_same_search_without_gradients(ray, strong):
    f, x, d = ray
    by_gradient = wolfe(f, grad(f), x, d, strong=strong)
    by_jvp = wolfe(f, jvp_slope(f), x, d, strong=strong)
    assert by_jvp.ngev == 0 and by_jvp.njev == by_gradient.ngev
    np.testing.assert_allclose(by_jvp.trials, by_gradient.trials, rtol=1e-9)
    assert by_jvp.step == pytest.approx(by_gradient.step, rel=1e-9, abs=1e-300)
    # a JVP returns φ along with φ', so the JVP search never evaluates f more often
    assert by_jvp.nfev <= by_gradient.nfev


def test_slope_oracles_agree_with_autograd():
    f = rosenbrock.f
    x, d = np.array([0.3, -0.4]), np.array([1.0, 2.0])
    expected = float(np.dot(grad(f)(x), d))
    by_gradient = gradient_slope(grad(f))
    assert by_gradient.evaluate(x, d) == (None, pytest.approx(expected))
    np.testing.assert_allclose(by_gradient.gradient(x), grad(f)(x))
    value, slope = jvp_slope(f).evaluate(x, d)
    assert value == pytest.approx(f(x)) and slope == pytest.approx(expected)
    assert jvp_slope(f).gradient is None


def test_slope_oracles_reject_a_gradient_counted_as_a_jvp():
    with pytest.raises(ValueError, match="counter must be 'ngev'"):
        SlopeOracle(lambda point, d: (None, 0.0), "njev", gradient=lambda point: point)
    with pytest.raises(ValueError, match="counter"):
        SlopeOracle(lambda point, d: (None, 0.0), "nfev")


@given(smooth_rays(), st.sampled_from([0.1, 0.5, 0.8]))
def test_armijo_backtracking_returns_the_first_acceptable_power_of_beta(ray, beta):
    f, x, d = ray
    result = armijo_backtracking(f, grad(f), x, d, c1=1e-4, alpha0=1.0, beta=beta)
    assert result.success
    phi0, slope0 = f(x), float(np.dot(grad(f)(x), d))
    assert armijo(f(x + result.step * d), result.step, phi0, slope0, 1e-4)
    k = round(math.log(result.step) / math.log(beta))
    assert result.step == pytest.approx(beta**k)
    if k > 0:  # the previous, longer step was rejected
        longer = result.step / beta
        assert not armijo(f(x + longer * d), longer, phi0, slope0, 1e-4)
    assert result.nfev == k + 2 and result.ngev == 1  # φ(0), k rejected trials, the accepted one


@given(smooth_rays(), st.sampled_from([0.1, 0.25, 0.4]))
def test_goldstein_backtracking_lands_in_the_band(ray, c):
    f, x, d = ray
    result = goldstein_backtracking(f, grad(f), x, d, c=c)
    if not result.success:
        assert result.reason == "interval_too_small"
        return
    phi0, slope0 = f(x), float(np.dot(grad(f)(x), d))
    assert goldstein(f(x + result.step * d), result.step, phi0, slope0, c)


def test_wolfe_steps_agree_with_scipy_line_search_and_cost_no_more():
    total = {"ours": 0, "scipy": 0}
    for f, starts in ((rosenbrock.f, ([-1.2, 1.0], [2.0, 2.0], [0.0, 0.0])),
                      (beale.f, ([1.0, 1.0], [-1.0, 1.5], [2.0, -1.0])),
                      (quadratic_with([1.0, 100.0]), ([1.0, 1.0], [-3.0, 2.0]))):
        for start in starts:
            x = np.asarray(start)
            d = -grad(f)(x)
            for name in total:
                fc, gc = counted(f), counted(grad(f))
                if name == "ours":
                    result = wolfe(fc, gc, x, d)
                    assert result.success
                    step = result.step
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
    f = rosenbrock.f
    x = np.array([-1.2, 1.0])
    g = grad(f)(x)
    fc, gc = counted(f), counted(grad(f))
    result = wolfe(fc, gc, x, -g, phi0=f(x), slope0=-float(g @ g))
    fresh = wolfe(f, grad(f), x, -g)
    assert result.step == fresh.step
    assert (result.nfev, result.ngev) == (fresh.nfev - 1, fresh.ngev - 1) == (fc.calls, gc.calls)


@pytest.mark.parametrize("search", [wolfe, armijo_backtracking, goldstein_backtracking])
def test_ascent_direction_and_nonfinite_start_are_named_failures(search):
    f = rosenbrock.f
    x = np.array([-1.2, 1.0])
    ascent = search(f, grad(f), x, grad(f)(x))
    assert not ascent.success and ascent.reason == "not_descent_direction" and ascent.step == 0.0
    blown = search(lambda z: math.nan, grad(f), x, -grad(f)(x))
    assert not blown.success and blown.reason == "nonfinite_start"


def test_iteration_caps_are_named_failures():
    f = rosenbrock.f
    x = np.array([-1.2, 1.0])
    d = -grad(f)(x)
    assert armijo_backtracking(f, grad(f), x, d, max_iter=3).reason == "max_iterations"
    assert wolfe(f, grad(f), x, d, max_iter=2).reason == "max_iterations"
    # a linear φ never turns up: doubling stops at alpha_max
    linear = wolfe(lambda z: anp.sum(z), lambda z: np.ones_like(z), np.zeros(2), -np.ones(2), alpha_max=64.0)
    assert linear.reason == "alpha_max_reached" and linear.step == 64.0


def test_nonfinite_trials_are_treated_as_too_long():
    def f(x):  # +inf beyond α = 1 along d = 1
        return anp.where(x[0] > 1.0, anp.inf, (x[0] - 0.8) ** 2)
    x, d = np.zeros(1), np.ones(1)
    for search in (wolfe, armijo_backtracking):
        result = search(f, grad(f), x, d, alpha0=4.0)
        assert result.success and result.step <= 1.0 and math.isfinite(result.value)


@pytest.mark.parametrize("kwargs, message", [
    (dict(c1=0.0), "c1"), (dict(c1=1.0), "c1"), (dict(c1=1.5), "c1"),
    (dict(c1=0.5, c2=0.4), "c2"), (dict(c2=1.0), "c2"), (dict(c1=0.1, c2=0.1), "c2"),
    (dict(alpha0=0.0), "alpha0"), (dict(alpha0=-1.0), "alpha0"), (dict(max_iter=0), "max_iter"),
    (dict(c1=math.nan), "c1"),
])
def test_wolfe_rejects_bad_constants(kwargs, message):
    f = rosenbrock.f
    with pytest.raises(ValueError, match=message):
        wolfe(f, grad(f), np.zeros(2), np.ones(2), **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    (dict(c=0.0), "c"), (dict(c=1.0), "c"), (dict(beta=1.0), "beta"), (dict(beta=0.0), "beta"),
    (dict(condition="goldstein", c=0.5), "c"), (dict(condition="wolfe"), "condition"),
])
def test_backtracking_rejects_bad_constants(kwargs, message):
    f = rosenbrock.f
    with pytest.raises(ValueError, match=message):
        backtracking(f, grad(f), np.zeros(2), np.ones(2), **kwargs)


def test_inexact_searches_reject_bad_vectors_and_oracles():
    f = rosenbrock.f
    with pytest.raises(ValueError, match="same shape"):
        wolfe(f, grad(f), np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match="finite"):
        armijo_backtracking(f, grad(f), np.array([0.0, math.nan]), np.ones(2))
    with pytest.raises(TypeError, match="grad"):
        wolfe(f, "not a gradient", np.zeros(2), np.ones(2))
    with pytest.raises(TypeError, match="real vectors"):
        wolfe(f, grad(f), "ab", np.ones(2))


@pytest.mark.parametrize("search", [wolfe, armijo_backtracking, goldstein_backtracking])
def test_inexact_searches_name_f_or_grad_when_they_return_the_wrong_thing(search):
    f, x = rosenbrock.f, np.array([-1.2, 1.0])
    d = -grad(f)(x)
    for wrong in (lambda z: np.ones(3), lambda z: 1.0, lambda z: None):
        with pytest.raises(ValueError, match=r"grad must return a vector of the shape of x, \(2,\)"):
            search(f, wrong, x, d)
    with pytest.raises(TypeError, match="f must return a real number"):
        search(lambda z: anp.array([f(z)]), grad(f), x, d)


# ---------------------------------------------------------------------------------------
# Descent
# ---------------------------------------------------------------------------------------

def test_constant_step_gradient_descent_matches_the_closed_form():
    weights = np.array([1.0, 10.0])
    f = quadratic_with(weights)
    x0 = np.array([1.0, -2.0])
    result = descent(f, x0, steepest_descent(grad(f)), 0.05, max_iter=20)
    k = np.arange(21)[:, None]
    np.testing.assert_allclose(result.path, (1 - 0.05 * weights) ** k * x0, rtol=1e-12)
    np.testing.assert_array_equal(result.ngev, np.arange(21))
    np.testing.assert_array_equal(result.nfev, 0)  # the recorded values are not part of the algorithm
    assert result.reason == "max_iter" and len(result.steps) == 20


@pytest.mark.parametrize("step", [wolfe, armijo_backtracking, goldstein_backtracking,
                                  functools.partial(wolfe, strong=False), exact_step(golden_section, 0.01, 1e-7),
                                  exact_step(parabolic, 0.01, 1e-7), exact_step(dichotomy, 0.01, 1e-7)])
def test_descent_with_a_search_decreases_f_and_counts_every_call(step):
    fc, gc = counted(rosenbrock.f), counted(grad(rosenbrock.f))
    result = descent(fc, np.array([-1.2, 1.0]), steepest_descent(gc), step, slope=gc, max_iter=40)
    assert result.reason == "max_iter"
    assert np.all(np.diff(result.values) < 0)
    assert result.values[-1] < 0.5 * result.values[0]
    assert result.ngev[-1] == gc.calls
    assert result.nfev[-1] == fc.calls - 1  # f(x_0) is computed once for the record only
    np.testing.assert_allclose(result.values, [rosenbrock.f(x) for x in result.path])


def without_gradient_reuse(direction):
    """The same oracle, minus its ``gradient`` parameter: descent must then call it as direction(x)."""
    return lambda x: direction(x)


@pytest.mark.parametrize("step, saves", [
    (wolfe, True), (functools.partial(wolfe, strong=False), True), (armijo_backtracking, False),
    (goldstein_backtracking, False), (exact_step(golden_section, 0.01, 1e-7), False)])
@pytest.mark.parametrize("slope_kind", ["gradient", "jvp"])
def test_descent_reuses_the_gradient_at_the_accepted_step_and_nothing_else_changes(step, saves, slope_kind):
    f, x0, max_iter = rosenbrock.f, np.array([-1.2, 1.0]), 40
    fc, gc, jc = counted(f), counted(grad(f)), counted(jvp_slope(f).evaluate)
    slope = gc if slope_kind == "gradient" else SlopeOracle(jc, "njev")
    reusing = descent(fc, x0, steepest_descent(gc), step, slope=slope, max_iter=max_iter)
    # f(x_0) is computed once for the record only
    assert (reusing.nfev[-1], reusing.ngev[-1], reusing.njev[-1]) == (fc.calls - 1, gc.calls, jc.calls)
    plain = descent(f, x0, without_gradient_reuse(steepest_descent(grad(f))), step,
                    slope=grad(f) if slope_kind == "gradient" else jvp_slope(f), max_iter=max_iter)
    assert reusing.reason == plain.reason == "max_iter"
    np.testing.assert_array_equal(reusing.path, plain.path)
    np.testing.assert_array_equal(reusing.values, plain.values)
    np.testing.assert_array_equal(reusing.nfev, plain.nfev)
    np.testing.assert_array_equal(reusing.njev, plain.njev)
    # from x_1 on, a gradient slope at the accepted step is the next direction's gradient
    saved = np.maximum(np.arange(max_iter + 1) - 1, 0) if saves and slope_kind == "gradient" else 0
    np.testing.assert_array_equal(plain.ngev - reusing.ngev, saved)


def test_steepest_descent_uses_a_given_gradient_for_free_and_checks_it():
    gc = counted(grad(rosenbrock.f))
    x = np.array([-1.2, 1.0])
    fresh, given_gradient = steepest_descent(gc)(x), steepest_descent(gc)(x, gradient=grad(rosenbrock.f)(x))
    assert (fresh.ngev, given_gradient.ngev, gc.calls) == (1, 0, 1)
    np.testing.assert_array_equal(fresh.d, given_gradient.d)
    assert fresh.slope0 == given_gradient.slope0
    with pytest.raises(ValueError, match="gradient must return a vector of the shape of x"):
        steepest_descent(gc)(x, gradient=np.ones(3))


def test_a_failed_search_hands_over_no_gradient():
    """With on_failure="skip", x_k stays put, so a gradient at the rejected step must not be reused."""
    def failing(f, slope, x, d, **known):
        return StepResult(0.5, False, "max_iterations", 0.0, None, 0, 0, 0, gradient=np.full(2, 7.0))

    gc = counted(grad(rosenbrock.f))
    x0 = np.array([-1.2, 1.0])
    result = descent(rosenbrock.f, x0, steepest_descent(gc), failing, slope=gc, max_iter=3, on_failure="skip")
    np.testing.assert_array_equal(result.path, [x0] * 4)
    np.testing.assert_array_equal(result.ngev, [0, 1, 2, 3])
    assert gc.calls == 3


@given(st.integers(0, 2**32 - 1), st.integers(1, 6))
def test_forward_gradient_direction_is_the_negated_estimator_with_its_exact_slope(seed, n):
    f = rosenbrock.f if n > 1 else (lambda z: anp.sum(anp.sin(z) + z**2))
    x = np.random.default_rng(seed).standard_normal(n)
    found = forward_gradient_direction(f, np.random.default_rng(seed))(x)
    value, g = forward_gradient(f, x, np.random.default_rng(seed))
    np.testing.assert_array_equal(found.d, -g)
    # φ'(0) = −(∇f·v)² = −‖g‖²/n for one Rademacher tangent: checked against autograd's gradient
    assert found.slope0 == pytest.approx(float(np.dot(grad(f)(x), found.d)), rel=1e-9, abs=1e-12)
    assert found.value == value and (found.njev, found.ngev, found.nfev) == (1, 0, 0)


def test_forward_gradient_direction_with_several_tangents_leaves_the_slope_to_the_search():
    f = rosenbrock.f
    found = forward_gradient_direction(f, np.random.default_rng(0), num_tangents=4)(np.zeros(2))
    assert found.slope0 is None and found.njev == 4
    result = armijo_backtracking(f, jvp_slope(f), np.zeros(2), found.d, phi0=found.value)
    assert result.success and result.njev == 1 and result.ngev == 0


def test_forward_gradient_descent_with_a_jvp_armijo_search_uses_no_gradient():
    f = rosenbrock.f
    result = descent(f, np.array([-1.2, 1.0]), forward_gradient_direction(f, np.random.default_rng(0)),
                     armijo_backtracking, slope=jvp_slope(f), max_iter=300, on_failure="skip")
    assert result.ngev[-1] == 0 and result.njev[-1] == 300
    assert np.all(np.diff(result.values) <= 0)
    assert result.values[-1] < 0.05 * result.values[0]


def test_descent_stops_on_a_failed_search_or_an_evaluation_budget():
    f = rosenbrock.f
    stuck = descent(f, np.zeros(2), steepest_descent(grad(f)),
                    functools.partial(armijo_backtracking, max_iter=1), slope=grad(f))
    assert stuck.reason == "search_failed: max_iterations" and len(stuck.path) == 1
    budget = descent(f, np.zeros(2), steepest_descent(grad(f)), wolfe, slope=grad(f), max_evals=30)
    assert budget.reason == "max_evals" and budget.evaluations[-1] >= 30 > budget.evaluations[-2]


def test_descent_reports_divergence_and_stationary_points():
    f = quadratic_with([1.0, 10.0])
    with np.errstate(over="ignore", invalid="ignore"):
        blown = descent(f, np.ones(2), steepest_descent(grad(f)), 1.0, max_iter=10**4)
    assert blown.reason == "diverged" and not math.isfinite(blown.values[-1]) and len(blown.path) < 10**3
    resting = descent(f, np.zeros(2), steepest_descent(grad(f)), wolfe, slope=grad(f))
    assert resting.reason == "stationary" and len(resting.path) == 1


def test_descent_rejects_bad_arguments():
    f = rosenbrock.f
    with pytest.raises(ValueError, match="step"):
        descent(f, np.zeros(2), steepest_descent(grad(f)), -0.1)
    with pytest.raises(ValueError, match="slope"):
        descent(f, np.zeros(2), steepest_descent(grad(f)), wolfe)
    with pytest.raises(ValueError, match="on_failure"):
        descent(f, np.zeros(2), steepest_descent(grad(f)), 0.1, on_failure="retry")
    with pytest.raises(TypeError, match="rng"):
        forward_gradient_direction(f, 0)
    with pytest.raises(TypeError, match="search"):
        exact_step(3)
    with pytest.raises(ValueError, match="max_evals"):
        descent(f, np.zeros(2), steepest_descent(grad(f)), 0.1, max_evals=0)
    with pytest.raises(ValueError, match="grad"):
        descent(f, np.zeros(2), steepest_descent(lambda z: np.ones(3)), 0.1)


# ---------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------

def test_line_profile_matches_pointwise_autograd():
    f, x, d, alpha_max = line_problem("beale")
    alphas = np.linspace(0, alpha_max, 7)
    phi, slope = line_profile(f, x, d, alphas)
    np.testing.assert_allclose(phi, [f(x + a * d) for a in alphas])
    np.testing.assert_allclose(slope, [np.dot(grad(f)(x + a * d), d) for a in alphas])


@pytest.mark.parametrize("problem", LINE_PROBLEMS)
def test_draw_conditions_draws_one_band_per_condition(problem):
    import matplotlib.pyplot as plt

    fig = draw_conditions(0.1, 0.9, problem)
    (ax,) = fig.axes
    assert len(ax.collections) == 4 and len(ax.lines) == 3
    plt.close(fig)
    with pytest.raises(ValueError, match="problem"):
        line_problem("himmelblau")
