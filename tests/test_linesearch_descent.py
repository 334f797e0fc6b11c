"""Tests of fgcourse.linesearch.descent: closed forms, evaluation counts, gradient hand-over, statuses."""

import functools
import math

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import (
    NOT_COUNTS,
    NOT_RNGS,
    assert_names_argument,
    assert_refused,
    counted,
    ill_conditioned_quadratic,
    nan_function,
    seeds,
    string_function,
)

from fgcourse.forward_gradient import forward_gradient
from fgcourse.linesearch import (
    DESCENT_STATUSES,
    DescentResult,
    Direction,
    SlopeOracle,
    StepResult,
    armijo_backtracking,
    descent,
    dichotomy,
    exact_step,
    forward_gradient_direction,
    golden_section,
    goldstein_backtracking,
    jvp_slope,
    parabolic,
    steepest_descent,
    wolfe,
)
from fgcourse.testfunctions import rosenbrock

ROSENBROCK_START = np.array([-1.2, 1.0])


def test_constant_step_gradient_descent_matches_the_closed_form():
    weights = np.array([1.0, 10.0])
    f = ill_conditioned_quadratic(weights)
    x0 = np.array([1.0, -2.0])
    result = descent(f, x0, steepest_descent(grad(f)), 0.05, max_iter=20)
    k = np.arange(21)[:, None]
    np.testing.assert_allclose(result.path, (1 - 0.05 * weights) ** k * x0, rtol=1e-12)
    np.testing.assert_array_equal(result.ngev_path, np.arange(21))
    np.testing.assert_array_equal(result.nfev_path, 0)  # the recorded values are not part of the algorithm
    assert result.status == "max_iter" and result.success and result.nit == len(result.alphas) == 20
    np.testing.assert_array_equal(result.x, result.path[-1])  # exact: the same stored iterate
    assert result.fun == result.fun_path[-1] == f(result.x)  # exact: the stored value, and f at the same point
    assert (result.nfev, result.ngev, result.njvp) == (0, 20, 0)


@pytest.mark.parametrize("step", [wolfe, armijo_backtracking, goldstein_backtracking,
                                  functools.partial(wolfe, strong=False), exact_step(golden_section, 0.01, 1e-7),
                                  exact_step(parabolic, 0.01, 1e-7), exact_step(dichotomy, 0.01, 1e-7)])
def test_descent_with_a_search_decreases_f_and_counts_every_call(step):
    fc, gc = counted(rosenbrock.f), counted(grad(rosenbrock.f))
    result = descent(fc, ROSENBROCK_START, steepest_descent(gc), step, slope=gc, max_iter=40)
    assert result.status == "max_iter"
    assert np.all(np.diff(result.fun_path) < 0)
    assert result.fun_path[-1] < 0.5 * result.fun_path[0]
    assert result.ngev == gc.calls
    assert result.nfev == fc.calls - 1  # f(x_0) is computed once for the record only
    np.testing.assert_allclose(result.fun_path, [rosenbrock.f(x) for x in result.path])


def without_gradient_reuse(direction):
    """The same oracle, minus its ``gradient`` parameter: descent must then call it as direction(x)."""
    return lambda x: direction(x)


@pytest.mark.parametrize("step, saves", [
    (wolfe, True), (functools.partial(wolfe, strong=False), True), (armijo_backtracking, False),
    (goldstein_backtracking, False), (exact_step(golden_section, 0.01, 1e-7), False)])
@pytest.mark.parametrize("slope_kind", ["gradient", "jvp"])
def test_descent_reuses_the_gradient_at_the_accepted_step_and_nothing_else_changes(step, saves, slope_kind):
    f, x0, max_iter = rosenbrock.f, ROSENBROCK_START, 40
    fc, gc, jc = counted(f), counted(grad(f)), counted(jvp_slope(f).evaluate)
    slope = gc if slope_kind == "gradient" else SlopeOracle(jc, "njvp")
    reusing = descent(fc, x0, steepest_descent(gc), step, slope=slope, max_iter=max_iter)
    # f(x_0) is computed once for the record only
    assert (reusing.nfev, reusing.ngev, reusing.njvp) == (fc.calls - 1, gc.calls, jc.calls)
    plain = descent(f, x0, without_gradient_reuse(steepest_descent(grad(f))), step,
                    slope=grad(f) if slope_kind == "gradient" else jvp_slope(f), max_iter=max_iter)
    assert reusing.status == plain.status == "max_iter"
    # exact: the handed-over gradient is grad(f) at the same x_{k+1} = x_k + α d_k that plain computes it at
    np.testing.assert_array_equal(reusing.path, plain.path)
    np.testing.assert_array_equal(reusing.fun_path, plain.fun_path)
    np.testing.assert_array_equal(reusing.nfev_path, plain.nfev_path)
    np.testing.assert_array_equal(reusing.njvp_path, plain.njvp_path)
    # from x_1 on, a gradient slope at the accepted step is the next direction's gradient
    saved = np.maximum(np.arange(max_iter + 1) - 1, 0) if saves and slope_kind == "gradient" else 0
    np.testing.assert_array_equal(plain.ngev_path - reusing.ngev_path, saved)


def test_steepest_descent_uses_a_given_gradient_for_free_and_checks_it():
    gc = counted(grad(rosenbrock.f))
    x = ROSENBROCK_START
    fresh, given_gradient = steepest_descent(gc)(x), steepest_descent(gc)(x, g=grad(rosenbrock.f)(x))
    assert (fresh.ngev, given_gradient.ngev, gc.calls) == (1, 0, 1)
    np.testing.assert_array_equal(fresh.d, given_gradient.d)  # exact: the same gradient call at the same x
    assert fresh.slope0 == given_gradient.slope0
    with pytest.raises(ValueError) as excinfo:
        steepest_descent(gc)(x, g=np.ones(3))
    assert_names_argument(excinfo, "g", "shape (2,)")


def test_a_failed_search_hands_over_no_gradient():
    """With on_failure="skip", x_k stays put, so a gradient at the rejected step must not be reused."""
    def failing(f, slope, x, d, **known):
        return StepResult(0.5, False, "max_iter", "max_iter", 0.0, None, 0, 0, 0, g=np.full(2, 7.0))

    gc = counted(grad(rosenbrock.f))
    x0 = ROSENBROCK_START
    result = descent(rosenbrock.f, x0, steepest_descent(gc), failing, slope=gc, max_iter=3, on_failure="skip")
    np.testing.assert_array_equal(result.path, [x0] * 4)
    np.testing.assert_array_equal(result.ngev_path, [0, 1, 2, 3])
    assert gc.calls == 3


def sine_bowl(z):
    return anp.sum(anp.sin(z) + z**2)


@settings(max_examples=30)
@given(seeds, st.integers(1, 6))
def test_forward_gradient_direction_is_the_negated_estimator_with_its_exact_slope(seed, n):
    f = rosenbrock.f if n > 1 else sine_bowl
    x = np.random.default_rng(seed).standard_normal(n)
    found = forward_gradient_direction(f, "rademacher", np.random.default_rng(seed))(x)
    value, g = forward_gradient(f, x, "rademacher", np.random.default_rng(seed))
    np.testing.assert_array_equal(found.d, -g)  # exact: the same estimator on the same draws
    # φ'(0) = −(∇f·v)² = −‖g‖²/n for one Rademacher tangent: checked against autograd's gradient
    assert found.slope0 == pytest.approx(float(np.dot(grad(f)(x), found.d)), rel=1e-9, abs=1e-12)
    assert found.fun == value and (found.njvp, found.ngev, found.nfev) == (1, 0, 0)


def test_forward_gradient_direction_with_several_tangents_leaves_the_slope_to_the_search():
    f = rosenbrock.f
    found = forward_gradient_direction(f, "rademacher", 0, B=4)(np.zeros(2))
    assert found.slope0 is None and found.njvp == 4
    assert forward_gradient_direction(f, "gaussian", 0)(np.zeros(2)).slope0 is None
    result = armijo_backtracking(f, jvp_slope(f), np.zeros(2), found.d, phi0=found.fun)
    assert result.success and result.njvp == 1 and result.ngev == 0


def test_forward_gradient_directions_are_reproducible_from_a_seed():
    first = forward_gradient_direction(rosenbrock.f, "rademacher", 3)
    second = forward_gradient_direction(rosenbrock.f, "rademacher", 3)
    np.testing.assert_array_equal(first(ROSENBROCK_START).d, second(ROSENBROCK_START).d)  # exact: the same seed


def test_forward_gradient_descent_with_a_jvp_armijo_search_uses_no_gradient():
    f = rosenbrock.f
    result = descent(f, ROSENBROCK_START, forward_gradient_direction(f, "rademacher", 0),
                     armijo_backtracking, slope=jvp_slope(f), max_iter=300, on_failure="skip")
    assert result.ngev == 0 and result.njvp == 300
    assert np.all(np.diff(result.fun_path) <= 0)
    assert result.fun < 0.05 * result.fun_path[0]


def test_descent_stops_on_a_failed_search_or_an_evaluation_budget():
    f = rosenbrock.f
    stuck = descent(f, np.zeros(2), steepest_descent(grad(f)),
                    functools.partial(armijo_backtracking, max_iter=1), slope=grad(f))
    assert stuck.status == "search_failed" and not stuck.success and len(stuck.path) == 1
    assert "max_iter" in stuck.message
    budget = descent(f, np.zeros(2), steepest_descent(grad(f)), wolfe, slope=grad(f), max_evals=30)
    assert budget.status == "max_evals" and budget.evaluations[-1] >= 30 > budget.evaluations[-2]


def test_descent_reports_non_finite_values_and_stationary_points():
    f = ill_conditioned_quadratic((1.0, 10.0))
    with np.errstate(over="ignore", invalid="ignore"):
        blown = descent(f, np.ones(2), steepest_descent(grad(f)), 1.0, max_iter=10**4)
    assert blown.status == "non_finite" and not blown.success
    assert not math.isfinite(blown.fun_path[-1]) and len(blown.path) < 10**3
    resting = descent(f, np.zeros(2), steepest_descent(grad(f)), wolfe, slope=grad(f))
    assert resting.status == "stationary" and resting.success and len(resting.path) == 1
    start = descent(nan_function, np.ones(2), steepest_descent(grad(f)), 0.1)
    assert start.status == "non_finite" and start.nit == 0
    assert {blown.status, resting.status} <= set(DESCENT_STATUSES)
    assert isinstance(resting, DescentResult) and resting.message.startswith("stationary")


_F = rosenbrock.f
_STEEPEST = steepest_descent(grad(rosenbrock.f))

BAD_CALLS = [
    (lambda: descent(_F, np.zeros(2), _STEEPEST, -0.1), "step", "> 0"),
    (lambda: descent(_F, np.zeros(2), _STEEPEST, "wolfe"), "step", "search callable"),
    (lambda: descent(_F, np.zeros(2), _STEEPEST, True), "step", "bool"),
    (lambda: descent(_F, np.zeros(2), _STEEPEST, math.inf), "step", "finite"),
    (lambda: descent(_F, np.zeros(2), _STEEPEST, wolfe), "slope", "SlopeOracle"),
    (lambda: descent(_F, np.zeros(2), _STEEPEST, wolfe, slope=3), "grad", "SlopeOracle"),
    (lambda: descent(_F, np.zeros(2), _STEEPEST, 0.1, on_failure="retry"), "on_failure", "skip"),
    (lambda: descent(_F, np.zeros(2), _STEEPEST, 0.1, on_failure="skp"), "on_failure", "did you mean 'skip'"),
    (lambda: descent(_F, np.zeros(2), _STEEPEST, 0.1, max_evals=0), "max_evals", ">= 1"),
    (lambda: descent(_F, np.zeros(2), _STEEPEST, 0.1, max_iter=0), "max_iter", ">= 1"),
    (lambda: descent(_F, np.zeros(2), steepest_descent(lambda z: np.ones(3)), 0.1), "grad", "shape (2,)"),
    (lambda: descent(_F, np.zeros(2), steepest_descent(string_function), 0.1), "grad", "real numbers"),
    (lambda: descent(string_function, np.zeros(2), _STEEPEST, 0.1), "f", "real numbers"),
    (lambda: descent(lambda z: z, np.zeros(2), _STEEPEST, 0.1), "f", "scalar"),
    (lambda: descent(3, np.zeros(2), _STEEPEST, 0.1), "f", "callable"),
    (lambda: descent(_F, [1j, 0.0], _STEEPEST, 0.1), "x0", "complex"),
    (lambda: descent(_F, [[0.0, 0.0]], _STEEPEST, 0.1), "x0", "1-d"),
    (lambda: descent(_F, [0.0, math.nan], _STEEPEST, 0.1), "x0", "finite"),
    (lambda: descent(_F, np.zeros(2), "steepest", 0.1), "direction", "callable"),
    (lambda: descent(_F, np.zeros(2), lambda x: -x, 0.1), "direction", "Direction"),
    (lambda: descent(_F, np.zeros(2), lambda x: Direction(np.ones(3), None, None), 0.1), "direction", "shape"),
    (lambda: descent(_F, np.zeros(2), _STEEPEST, lambda *a, **k: 0.1, slope=grad(_F)), "step", "StepResult"),
    (lambda: forward_gradient_direction(_F, "rademacher", None), "rng", "Generator"),
    (lambda: forward_gradient_direction(_F, "rademacher", 0, B=0), "B", ">= 1"),
    (lambda: forward_gradient_direction(_F, "rademacher", 0, B=True), "B", "bool"),
    (lambda: forward_gradient_direction(_F, "rademachr", 0), "law", "rademacher"),
    (lambda: forward_gradient_direction("f", "rademacher", 0), "f", "callable"),
    (lambda: steepest_descent(None), "grad", "callable"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_input_names_the_argument(call, name, word):
    assert_refused(call, name, word)


@pytest.mark.parametrize("value", NOT_RNGS)
def test_the_rng_rule(value):
    with pytest.raises(TypeError) as excinfo:
        forward_gradient_direction(_F, "rademacher", value)
    assert_names_argument(excinfo, "rng")


@pytest.mark.parametrize("value", NOT_COUNTS)
def test_budgets_refuse_everything_but_counts(value):
    for budget in ("max_iter", "max_evals") if value is not None else ("max_iter",):  # max_evals=None: no cap
        with pytest.raises(TypeError) as excinfo:
            descent(_F, np.zeros(2), _STEEPEST, 0.1, **{budget: value})
        assert_names_argument(excinfo, budget)
