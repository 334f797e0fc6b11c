"""Tests of fgcourse.optim.minimize: the oracles, SGD theory, statuses and history, the helpers, bad input."""

import time
import tracemalloc
import warnings

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from strategies import (
    NOT_COUNTS,
    NOT_REALS,
    NOT_RNGS,
    assert_names_argument,
    counted,
    finite_floats,
    ill_conditioned_quadratic,
    nan_function,
    plain_numpy_function,
    quadratic_rows,
    string_function,
)

from fgcourse._vocabulary import STATUSES
from fgcourse.forward_gradient import forward_gradient, gaussian, rademacher
from fgcourse.optim import (
    OPTIMIZE_STATUSES,
    OPTIMIZERS,
    Adam,
    OptimizeResult,
    check_optimize_result,
    forward_gradient_means,
    forward_runs_batch,
    iterations_to_reach,
    minimize,
    true_and_forward_batch,
    true_and_forward_runs,
    true_gradient_batch,
)
from fgcourse.testfunctions import beale, hyperellipsoid, rosenbrock, sphere

# ------------------------------------------------------------------------------ the oracles


@pytest.mark.simd
@given(st.integers(2, 6).flatmap(lambda n: arrays(float, (3, n), elements=finite_floats)))
def test_true_gradient_batch_gives_each_rows_gradient(points):
    values, G = true_gradient_batch(rosenbrock.f, points)
    np.testing.assert_allclose(values, rosenbrock(points), rtol=1e-14)
    np.testing.assert_allclose(G, np.array([grad(rosenbrock.f)(p) for p in points]), rtol=1e-12, atol=1e-12)


@pytest.mark.simd
def test_true_gradient_batch_of_a_quadratic_is_A_theta_plus_b():
    A, b = np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([1.0, -1.0])
    thetas = np.array([[0.0, 0.0], [1.0, 2.0]])
    _, G = true_gradient_batch(quadratic_rows(A, b), thetas)
    np.testing.assert_allclose(G, thetas @ A + b, rtol=1e-15)


def test_true_gradient_batch_refuses_plain_numpy_instead_of_a_zero_gradient():
    # autograd sees np.dot's object array as a constant: the gradient would silently be 0.
    with pytest.raises(TypeError) as excinfo, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        true_gradient_batch(plain_numpy_function, np.ones((3, 2)))
    assert_names_argument(excinfo, "f", "autograd.numpy")


def test_forward_runs_are_reproducible_from_a_seed():
    x0 = np.tile([0.0, 0.5], (3, 1))
    a = minimize(beale, x0, "adam", 0.01, gradient="forward", rng=7, max_iter=50)
    b = minimize(beale, x0, "adam", 0.01, gradient="forward", rng=np.random.default_rng(7), max_iter=50)
    np.testing.assert_array_equal(a.path, b.path)  # exact: the same draws, the same run
    assert not np.allclose(a.path[:, 0], a.path[:, 1])  # independent tangents per row


# ------------------------------------------------------------------------------ SGD theory


@given(st.integers(1, 6), st.floats(0.01, 0.9), st.integers(1, 60))
def test_sgd_on_a_quadratic_follows_the_linear_rate(n, scale, steps):
    # On Σ i x_i², SGD multiplies coordinate i by (1 − 2αi) each step; pick α so that the
    # slowest and fastest factors lie strictly inside (−1, 1).
    lr = scale / (2 * n)
    x0 = np.linspace(1.0, 2.0, n)
    result = minimize(hyperellipsoid, x0, "sgd", lr, max_iter=steps)
    factors = 1 - 2 * lr * np.arange(1, n + 1)
    k = np.arange(steps + 1)[:, None]
    np.testing.assert_allclose(result.path, x0 * factors**k, rtol=1e-10, atol=1e-300)
    rate = np.max(np.abs(factors))
    assert np.linalg.norm(result.x) <= rate**steps * np.linalg.norm(x0) * (1 + 1e-12)


def test_sgd_on_the_ill_conditioned_quadratic_diverges_beyond_two_over_the_largest_weight():
    # Weights (1, 100): SGD converges iff α < 2/100 (op-thm-linear-rate).
    f = ill_conditioned_quadratic()
    assert minimize(f, [1.0, 1.0], "sgd", 0.019, max_iter=2000, target=1e-12).status == "converged"
    assert minimize(f, [1.0, 1.0], "sgd", 0.021, max_iter=2000).status == "diverged"


def test_forward_sgd_is_true_sgd_in_expectation_on_a_quadratic():
    # The gradient of a quadratic is linear in θ, so E[θ_k] follows true SGD exactly.
    runs = np.tile([1.0, -1.0, 0.5], (4000, 1))
    forward = minimize(hyperellipsoid, runs, "sgd", 0.05, gradient="forward", rng=0, max_iter=10)
    true = minimize(hyperellipsoid, runs[0], "sgd", 0.05, max_iter=10)
    mean = forward.path.mean(axis=1)
    standard_error = forward.path.std(axis=1) / np.sqrt(runs.shape[0]) + 1e-12
    assert np.all(np.abs(mean - true.path) <= 5 * standard_error)


@pytest.mark.parametrize("law", [rademacher, gaussian])
def test_forward_sgd_with_many_tangents_approaches_true_sgd(law):
    runs = np.tile([-1.0, 0.0], (20, 1))
    true = minimize(rosenbrock, runs[0], "sgd", 5e-4, max_iter=20)

    def deviation(B):
        forward = minimize(rosenbrock, runs, "sgd", 5e-4, gradient="forward", law=law, B=B, rng=1, max_iter=20)
        return np.mean((forward.path - true.path[:, None, :]) ** 2)

    few, many = deviation(1), deviation(200)
    assert many < few / 20  # the variance of the average of B tangents is 1/B of one
    assert many < 1e-3


@pytest.mark.simd
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_batch_rows_equal_single_runs(name):
    starts = np.array([[0.0, 0.5], [1.0, 1.0], [-1.0, 2.0]])
    batch = minimize(beale, starts, name, 0.001, max_iter=100)
    for r, start in enumerate(starts):
        single = minimize(beale, start, name, 0.001, max_iter=100)
        np.testing.assert_allclose(batch.path[:, r], single.path, rtol=1e-13)
        assert single.nit == batch.nit[r] and single.status == batch.status[r]


MINIMIZE_RECORD = [
    # Outcomes of minimize before its steps skipped the row masks when every run is active and
    # quiet: the runs must not change (the notebooks quote them). Runs that end far out (diverged,
    # non_finite) are compared by status and step count only.
    (dict(x0=np.tile((0.0, 0.5), (5, 1)), optimizer="sgd", lr=0.05, gradient="forward", rng=0, max_iter=300),
     ["diverged", "diverged", "max_iter", "max_iter", "max_iter"], [65, 281, 300, 300, 300],
     [None, None, [2.5512503460348057, 0.3130199102110577], [2.6952847288379305, 0.4245417180379065],
      [2.7763655260178655, 0.4213490323736073]]),
    (dict(x0=np.tile((1.0, 2.0), (3, 1)), optimizer="adam", lr=0.01, gradient="forward", law="gaussian", B=2, rng=3,
          max_iter=300),
     ["max_iter"] * 3, [300] * 3,
     [[-0.030132741935327674, 1.3317879372784407], [0.22342405896889095, 1.2816069419374991],
      [0.3140490760037273, 1.111045798740623]]),
    (dict(x0=[[0.0, 0.5], [4.0, 4.0], [3.0, 0.5], [1.0, 2.0]], optimizer="sgd", lr=0.05, max_iter=200, target=1e-3),
     ["converged", "diverged", "converged", "diverged"], [111, 1, 0, 1],
     [[2.9255263218810152, 0.4807952736184104], None, [3.0, 0.5], None]),
    (dict(x0=[[0.0, 0.5], [4.0, 4.0]], optimizer="sgd", lr=1.0, gradient="forward", rng=2, max_iter=50,
          divergence_threshold=1e300),
     ["non_finite", "non_finite"], [2, 2], [None, None]),
]


@pytest.mark.simd
@pytest.mark.parametrize("kwargs, status, nit, x", MINIMIZE_RECORD)
def test_minimize_reproduces_its_recorded_runs(kwargs, status, nit, x):
    result = minimize(beale, **kwargs)
    assert result.status.tolist() == status and result.nit.tolist() == nit
    for r, point in enumerate(x):
        if point is not None:
            np.testing.assert_allclose(result.x[r], point, rtol=1e-9)


# --------------------------------------------------------------------- statuses and history


def test_the_status_words_are_the_vocabulary_s_and_success_means_doing_what_was_asked():
    assert set(OPTIMIZE_STATUSES) <= set(STATUSES)
    starts = np.array([[0.1, 0.1], [2.0, 2.0], [1e3, 0.0]])
    # With a target: only reaching it succeeds, running out of iterations is a failure.
    result = minimize(sphere, starts, "sgd", 0.1, max_iter=15, target=1e-3, divergence_threshold=1e5)
    assert result.status.tolist() == ["converged", "max_iter", "diverged"]
    assert result.success.tolist() == [True, False, False]
    # Without one: spending the budget without blowing up is what was asked.
    result = minimize(sphere, starts, "sgd", 0.1, max_iter=15, divergence_threshold=1e5)
    assert result.status.tolist() == ["max_iter", "max_iter", "diverged"]
    assert result.success.tolist() == [True, True, False]


@pytest.mark.simd
def test_divergence_stops_each_run_with_its_history_intact():
    # Factor 1 − 2·1.5 = −2 per step: the loss 4^k θ_0² crosses 1e6 at k = 10 from 1, at k = 20 from 1e-3.
    x0 = np.array([[1.0], [1e-3]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = minimize(sphere, x0, "sgd", 1.5, max_iter=100, divergence_threshold=1e6)
    assert result.status.tolist() == ["diverged", "diverged"]
    assert result.nit.tolist() == [10, 20]
    assert result.path.shape == (21, 2, 1) and result.fun_path.shape == (21, 2)
    k = np.arange(21)
    np.testing.assert_allclose(result.path[:11, 0, 0], (-2.0) ** k[:11], rtol=1e-15)
    np.testing.assert_allclose(result.path[:, 1, 0], 1e-3 * (-2.0) ** k, rtol=1e-15)
    assert np.all(np.isnan(result.path[11:, 0])) and np.all(np.isnan(result.fun_path[11:, 0]))
    assert result.fun[0] == result.fun_path[10, 0] == 2.0**20  # exact: powers of two, ((−2)^10)²
    assert result.message == "2 runs: 2 diverged"


def test_overflow_ends_as_non_finite_without_warnings():
    # Without a divergence threshold in reach, Rosenbrock's quartic blows up to inf.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = minimize(rosenbrock, np.array([3.0, -3.0]), "sgd", 0.1, max_iter=100, divergence_threshold=1e308)
    assert result.status == "non_finite" and not result.success
    assert np.all(np.isfinite(result.path)) and np.all(np.isfinite(result.fun_path))
    assert result.path.shape == (result.nit + 1, 2)
    np.testing.assert_array_equal(result.x, result.path[-1])  # exact: the same stored iterate


def test_leaving_the_domain_is_non_finite_and_keeps_the_last_valid_point():
    # f = Σ √x_i decreases towards x = 0 and is NaN beyond it.
    result = minimize(lambda X: anp.sum(anp.sqrt(X), axis=-1), np.array([1.0]), "sgd", 0.5, max_iter=100)
    assert result.status == "non_finite"
    assert np.all(result.path > 0) and result.x[0] == result.path[-1, 0]


def test_a_run_converges_when_it_reaches_the_target_and_others_continue():
    starts = np.array([[0.1, 0.1], [2.0, 2.0]])
    result = minimize(sphere, starts, "sgd", 0.1, max_iter=15, target=1e-3)  # loss × 0.64 per step
    assert result.status.tolist() == ["converged", "max_iter"]
    stop = result.nit[0]
    assert result.fun_path[stop, 0] <= 1e-3 < result.fun_path[stop - 1, 0]
    assert np.all(np.isnan(result.fun_path[stop + 1:, 0])) and result.nit[1] == 15
    at_start = minimize(sphere, np.zeros(2), max_iter=5, target=0.0)
    assert (at_start.nit, at_start.status, at_start.success, at_start.ngev) == (0, "converged", True, 1)


@pytest.mark.simd
def test_a_huge_budget_with_an_early_target_records_only_the_steps_done():
    # The record grows per step: 10**7 preallocated iterates would be 160 MB.
    tracemalloc.start()
    start = time.perf_counter()
    result = minimize(sphere, np.ones(2), "sgd", 0.1, max_iter=10**7, target=1e-3)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # 2 · 0.64^k ≤ 1e-3 first at k = 18 (k = 17 misses by 1%, far beyond rounding): an exact count
    assert result.status == "converged" and result.nit == 18
    assert result.path.shape == (19, 2) and result.fun_path.shape == (19,)
    assert peak < 10**6 and elapsed < 5


def test_gradient_and_jvp_counts_are_one_per_evaluated_point():
    f = counted(hyperellipsoid.f)
    true = minimize(f, np.ones((3, 2)), "sgd", 0.01, max_iter=7)
    assert true.ngev.tolist() == [8, 8, 8] and true.njvp.tolist() == [0, 0, 0]
    assert f.calls == 8  # one batched reverse pass per evaluated point serves every run
    forward = minimize(hyperellipsoid, np.ones(2), "sgd", 0.01, gradient="forward", rng=0, B=3, max_iter=7)
    assert (forward.ngev, forward.njvp) == (0, 3 * 8)
    stopped = minimize(sphere, np.array([[0.1, 0.1], [2.0, 2.0]]), "sgd", 0.1, max_iter=15, target=1e-3)
    assert stopped.ngev.tolist() == [stopped.nit[0] + 1, 16]
    failed = minimize(lambda X: anp.sum(anp.sqrt(X), axis=-1), np.array([1.0]), "sgd", 0.5, max_iter=100)
    assert failed.ngev == failed.nit + 2  # the rejected point was evaluated too


def test_single_start_result_drops_the_batch_axis():
    result = minimize(beale, [0.0, 0.5], max_iter=3)
    assert isinstance(result, OptimizeResult)
    assert result.x.shape == (2,) and result.path.shape == (4, 2) and result.fun_path.shape == (4,)
    assert isinstance(result.fun, float) and result.nit == 3 and result.status == "max_iter"
    assert result.success is True and result.message == "max_iter after 3 iterations"
    assert (result.optimizer, result.gradient, result.ngev, result.njvp) == ("sgd", "true", 4, 0)


def test_the_callers_start_is_not_modified():
    x0 = np.array([1.0, 2.0])
    result = minimize(sphere, x0, "sgd", 0.1, max_iter=5)
    result.path[0, 0] = 99.0
    assert x0.tolist() == [1.0, 2.0]


# ------------------------------------------------------------------------------ helpers


@pytest.mark.simd
def test_iterations_to_reach_matches_the_closed_form():
    # SGD with α = 0.1 on Σ x_i² multiplies the loss by 0.64 per step: from 8, f_k = 8 · 0.64^k.
    result = minimize(sphere, np.array([[2.0, 2.0], [0.0, 0.1]]), "sgd", 0.1, max_iter=30)
    expected_first = int(np.ceil(np.log(0.1 / 8) / np.log(0.64)))  # ceil(9.82): 0.18 step from a rounding flip
    assert iterations_to_reach(result, 0.1).tolist() == [expected_first, 0]
    assert iterations_to_reach(result, -1.0).tolist() == [-1, -1]
    assert iterations_to_reach(minimize(sphere, np.array([2.0, 2.0]), "sgd", 0.1, max_iter=30), 0.1) == expected_first


def test_true_and_forward_runs():
    true_run, forward_runs = true_and_forward_runs(beale, [0.0, 0.5], "adam", 0.01, law="gaussian", max_iter=10,
                                                   num_runs=4, B=2, rng=1)
    assert true_run.path.shape == (11, 2) and forward_runs.path.shape == (11, 4, 2)
    assert forward_runs.gradient == "forward" and true_run.gradient == "true"
    assert forward_runs.njvp.tolist() == [22] * 4
    again = true_and_forward_runs(beale, [0.0, 0.5], "adam", 0.01, law="gaussian", max_iter=10, num_runs=4, B=2,
                                  rng=np.random.default_rng(1))[1]
    np.testing.assert_array_equal(again.path, forward_runs.path)  # exact: the same draws, the same runs


def test_true_and_forward_batch_runs_both_gradients_from_each_start():
    starts = np.random.default_rng(0).uniform([-1.0, -1.5], [4.0, 1.5], size=(5, 2))
    true_runs, forward_runs = true_and_forward_batch(beale, starts, "adam", 0.01, law="gaussian", rng=1, max_iter=10,
                                                     B=2)
    assert true_runs.path.shape == forward_runs.path.shape == (11, 5, 2)
    assert (true_runs.gradient, forward_runs.gradient) == ("true", "forward") and forward_runs.njvp.tolist() == [22] * 5
    again = minimize(beale, starts, "adam", 0.01, gradient="forward", law="gaussian", max_iter=10, B=2,
                     rng=np.random.default_rng(1))
    np.testing.assert_array_equal(again.path, forward_runs.path)  # exact: the same draws, the same runs
    np.testing.assert_array_equal(minimize(beale, starts, "adam", 0.01, max_iter=10).path, true_runs.path)


@pytest.mark.simd
def test_true_and_forward_batch_on_beale_reaches_the_experiments_notebooks_counts():
    # experiments.ipynb, Fig. 4: SGD at 0.01 from 5 seeded starts in ((-1, 4), (-1.5, 1.5)); steps to f <= 0.1.
    starts = np.random.default_rng(0).uniform([-1.0, -1.5], [4.0, 1.5], size=(5, 2))
    true_runs, forward_runs = true_and_forward_batch(beale, starts, "sgd", 0.01, rng=0, max_iter=200)
    assert iterations_to_reach(true_runs, 0.1).tolist() == [74, 119, 9, 45, 80]
    assert iterations_to_reach(forward_runs, 0.1).tolist() == [91, 102, 116, 17, 4]


def test_forward_gradient_means_start_every_mean_from_the_same_draws():
    theta = np.array([1.5, -0.1])
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    means = forward_gradient_means(beale, theta, ["gaussian", rademacher], (1, 2, 400), rng)
    assert rng.bit_generator.state == state  # the caller's generator is left untouched
    assert list(means) == ["gaussian", "rademacher"] and list(means["gaussian"]) == [1, 2, 400]
    again = forward_gradient_means(beale, theta, ["gaussian"], (1,), 0)["gaussian"][1]
    np.testing.assert_array_equal(again, means["gaussian"][1])  # exact: the same first tangent, the same call
    true_gradient = grad(beale.f)(theta)
    for by_count in means.values():
        assert by_count[1].shape == (2,)
        # 400 Rademacher tangents: error |N1 − N2|/400 · |(b, a)|; Gaussian: about 1/sqrt(400)
        assert np.linalg.norm(by_count[400] - true_gradient) < 0.3 * np.linalg.norm(true_gradient)


@pytest.mark.simd
def test_forward_gradient_means_of_a_larger_B_extend_the_draws_of_a_smaller_one():
    theta = np.array([1.5, -0.1])
    means = forward_gradient_means(beale, theta, ["rademacher"], (1, 2), 5)["rademacher"]
    rng = np.random.default_rng(5)
    first, second = (forward_gradient(beale, theta, "rademacher", rng)[1] for _ in range(2))
    np.testing.assert_allclose(means[1], first, rtol=1e-15)
    np.testing.assert_allclose(means[2], (first + second) / 2, rtol=1e-15)


@pytest.mark.simd
def test_a_row_of_a_batch_is_the_single_start_run():
    starts = np.array([[0.0, 0.5], [4.0, 4.0]])
    batch = minimize(beale, starts, "sgd", 0.05, max_iter=200, target=1e-3)
    for r, start in enumerate(starts):
        single, row = minimize(beale, start, "sgd", 0.05, max_iter=200, target=1e-3), batch.row(r)
        # exact: every operation of Beale and SGD is row by row (as the Beale explorer's cache relies on)
        np.testing.assert_array_equal(row.path, single.path)
        np.testing.assert_array_equal(row.fun_path, single.fun_path)
        assert (row.fun, row.nit, row.status, row.message, row.ngev, row.njvp) == (
            single.fun, single.nit, single.status, single.message, single.ngev, single.njvp)
    with pytest.raises(ValueError) as excinfo:
        batch.row(2)
    assert_names_argument(excinfo, "r", "<= 1")
    with pytest.raises(ValueError) as excinfo:
        single.row(0)
    assert_names_argument(excinfo, "r", "single start")
    assert check_optimize_result("run", batch) is batch


# ------------------------------------------------------------------------------ bad inputs

RUN = minimize(beale, np.zeros(2), max_iter=2)
THETA = np.array([1.5, -0.1])


def row_sum(X):
    return anp.sum(X, axis=-1)


def shape_function(X):
    return X**2


def complex_function(X):
    return anp.sum(X, axis=-1) * 1j


BAD_INPUTS = [
    # minimize: the user function
    (lambda: minimize("beale", np.zeros(2)), "f", "callable"),
    (lambda: minimize(lambda X: row_sum(X) + nan_function(X), np.zeros((2, 2))), "f", "finite"),
    (lambda: minimize(lambda X: anp.sum(X, axis=-1) * anp.nan, np.zeros((2, 2))), "f", "finite"),
    (lambda: minimize(string_function, np.zeros((2, 2))), "f", "real"),
    (lambda: minimize(plain_numpy_function, np.zeros((2, 2))), "f", "autograd.numpy"),
    (lambda: minimize(plain_numpy_function, np.zeros((2, 2)), gradient="forward", rng=0), "f", "autograd.numpy"),
    (lambda: minimize(shape_function, np.zeros((3, 2))), "f", "(3,)"),
    (lambda: minimize(lambda X: anp.sum(X**2), np.zeros((3, 2))), "f", "(3,)"),
    (lambda: minimize(complex_function, np.zeros((3, 2))), "f", "real"),
    (lambda: minimize(beale, np.zeros(3)), "f", "dimension 2 only"),
    (lambda: minimize(lambda X: 1 / 0, np.zeros(2)), "f", "ZeroDivisionError"),
    # minimize: the start
    (lambda: minimize(beale, np.zeros((2, 2, 2))), "x0", "(2, 2, 2)"),
    (lambda: minimize(beale, np.zeros(0)), "x0", "at least"),
    (lambda: minimize(beale, np.zeros((2, 0))), "x0", "at least"),
    (lambda: minimize(beale, ["a", "b"]), "x0", "strings"),
    (lambda: minimize(beale, [1 + 1j, 0.0]), "x0", "complex"),
    (lambda: minimize(beale, [True, False]), "x0", "bools"),
    (lambda: minimize(beale, np.array([np.nan, 0.0])), "x0", "finite"),
    # minimize: the optimizer and its options
    (lambda: minimize(beale, np.zeros(2), "adm"), "optimizer", "did you mean 'adam'"),
    (lambda: minimize(beale, np.zeros(2), 3), "optimizer", "Optimizer instance"),
    (lambda: minimize(beale, np.zeros(2), Adam), "optimizer", "Optimizer instance"),
    (lambda: minimize(beale, np.zeros(2), lr=0.0), "lr", "> 0"),
    (lambda: minimize(beale, np.zeros(2), lr=-0.1), "lr", "> 0"),
    (lambda: minimize(beale, np.zeros(2), lr=float("nan")), "lr", "finite"),
    (lambda: minimize(beale, np.zeros(2), lr="big"), "lr", "real number"),
    (lambda: minimize(beale, np.zeros(2), lr=True), "lr", "real number"),
    (lambda: minimize(beale, np.zeros(2), lr=0.1j), "lr", "real number"),
    (lambda: minimize(beale, np.zeros(2), gradient="backward"), "gradient", "'true'"),
    (lambda: minimize(beale, np.zeros(2), gradient="forwrd", rng=0), "gradient", "did you mean 'forward'"),
    (lambda: minimize(beale, np.zeros(2), law="cauchy"), "law", "cauchy"),
    (lambda: minimize(beale, np.zeros(2), gradient="forward", law="uniform", rng=0), "law", "rademacher"),
    (lambda: minimize(beale, np.zeros(2), gradient="forward"), "rng", "None"),
    (lambda: minimize(beale, np.zeros(2), gradient="forward", rng=-1), "rng", ">= 0"),
    (lambda: minimize(beale, np.zeros(2), B=0), "B", ">= 1"),
    (lambda: minimize(beale, np.zeros(2), max_iter=0), "max_iter", ">= 1"),
    (lambda: minimize(beale, np.zeros(2), max_iter=10.5), "max_iter", "integer"),
    (lambda: minimize(beale, np.zeros(2), target="low"), "target", "real number"),
    (lambda: minimize(beale, np.zeros(2), target=float("nan")), "target", "finite"),
    (lambda: minimize(beale, np.zeros(2), divergence_threshold=-1.0), "divergence_threshold", "> 0"),
    (lambda: minimize(beale, np.zeros(2), divergence_threshold="big"), "divergence_threshold", "real"),
    # true_gradient_batch
    (lambda: true_gradient_batch(3, np.zeros((2, 2))), "f", "callable"),
    (lambda: true_gradient_batch(row_sum, np.zeros(2)), "thetas", "2-d"),
    (lambda: true_gradient_batch(row_sum, np.full((2, 2), np.inf)), "thetas", "finite"),
    (lambda: true_gradient_batch(lambda X: row_sum(X) + nan_function(X), np.zeros((2, 2))), "f", "finite"),
    (lambda: true_gradient_batch(shape_function, np.zeros((2, 2))), "f", "(2,)"),
    (lambda: true_gradient_batch(string_function, np.zeros((2, 2))), "f", "real"),
    # iterations_to_reach
    (lambda: iterations_to_reach(RUN.fun_path, 0.1), "result", "OptimizeResult"),
    (lambda: iterations_to_reach(RUN, "0.1"), "level", "real number"),
    (lambda: iterations_to_reach(RUN, None), "level", "real number"),
    # true_and_forward_runs
    (lambda: true_and_forward_batch(beale, [0.0, 0.5], rng=0), "x0", "2-d"),
    (lambda: true_and_forward_batch(beale, [[0.0, 0.5]], rng=None), "rng", "Generator"),
    (lambda: true_and_forward_runs(beale, np.zeros((2, 2))), "x0", "1-d"),
    (lambda: true_and_forward_runs(beale, [0.0, 0.5], num_runs=0), "num_runs", ">= 1"),
    (lambda: true_and_forward_runs(beale, [0.0, 0.5], num_runs=2.0), "num_runs", "integer"),
    (lambda: true_and_forward_runs(beale, [0.0, 0.5], rng=None), "rng", "Generator"),
    (lambda: true_and_forward_runs(beale, [0.0, 0.5], rng=np.random.RandomState(0)), "rng", "Generator"),
    (lambda: true_and_forward_runs(beale, [0.0, 0.5], B=True), "B", "integer"),
    (lambda: true_and_forward_runs(beale, [0.0, 0.5], max_iter="9"), "max_iter", "integer"),
    # forward_gradient_means
    (lambda: forward_gradient_means(None, THETA, ["gaussian"], (5,), 0), "f", "callable"),
    (lambda: forward_gradient_means(beale, [[1.0, 2.0]], ["gaussian"], (5,), 0), "theta", "1-d"),
    (lambda: forward_gradient_means(beale, THETA, "gaussian", (5,), 0), "laws", "sequence"),
    (lambda: forward_gradient_means(beale, THETA, ["cauchy"], (5,), 0), "law", "cauchy"),
    (lambda: forward_gradient_means(beale, THETA, ["gaussian"], (0,), 0), "Bs[0]", ">= 1"),
    (lambda: forward_gradient_means(beale, THETA, ["gaussian"], 5, 0), "Bs", "sequence"),
    (lambda: forward_gradient_means(beale, THETA, ["gaussian"], (5,), 1.5), "rng", "Generator"),
    (lambda: check_optimize_result("run", RUN.path), "run", "OptimizeResult"),
]


@pytest.mark.parametrize("call, name, word", BAD_INPUTS)
def test_bad_input_is_refused_with_a_message_naming_the_argument(call, name, word):
    with pytest.raises((TypeError, ValueError)) as excinfo, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # autograd warns about plain numpy before we refuse it
        call()
    assert_names_argument(excinfo, name, word)


@pytest.mark.parametrize("bad", NOT_COUNTS)
@pytest.mark.parametrize("argument", ["B", "max_iter"])
def test_counts_refuse_non_integers(argument, bad):
    with pytest.raises(TypeError) as excinfo:
        minimize(beale, np.zeros(2), gradient="forward", rng=0, **{argument: bad})
    assert_names_argument(excinfo, argument, "integer")


@pytest.mark.parametrize("bad", NOT_REALS)
@pytest.mark.parametrize("argument", ["lr", "target", "divergence_threshold"])
def test_numbers_refuse_non_reals(argument, bad):
    if argument == "target" and bad is None:
        return  # None means no target
    with pytest.raises(TypeError) as excinfo:
        minimize(beale, np.zeros(2), **{argument: bad})
    assert_names_argument(excinfo, argument, "real number")


@pytest.mark.parametrize("bad", [rng for rng in NOT_RNGS if rng is not None])
def test_forward_gradients_refuse_bad_rngs(bad):
    with pytest.raises(TypeError) as excinfo:
        minimize(beale, np.zeros(2), gradient="forward", rng=bad)
    assert_names_argument(excinfo, "rng", "Generator")


def test_true_gradients_accept_rng_none_or_a_seed_and_check_it():
    a = minimize(beale, np.zeros(2), max_iter=3)
    b = minimize(beale, np.zeros(2), max_iter=3, rng=0)
    np.testing.assert_array_equal(a.path, b.path)  # exact: true gradients draw nothing, the same run
    with pytest.raises(TypeError) as excinfo:
        minimize(beale, np.zeros(2), max_iter=3, rng="0")
    assert_names_argument(excinfo, "rng", "Generator")


def test_blow_ups_is_one_rule_for_non_finite_and_diverged_rows():
    from fgcourse.optim import blow_ups

    X = np.array([[1.0, 2.0], [np.nan, 0.0], [1e9, 0.0], [1.0, 1.0], [np.inf, 1e9]])
    values = np.array([1.0, 1.0, 1.0, 2e8, 1.0])
    non_finite, diverged = blow_ups(values, X, 1e8)
    assert non_finite.tolist() == [False, True, False, False, True]
    assert diverged.tolist() == [False, False, True, True, False]  # never both: a non-finite row is not "diverged"
    assert [bool(m) for m in blow_ups(np.nan, np.ones(3), 1e8)] == [True, False]
    assert [bool(m) for m in blow_ups(2.0, np.full(3, 5.0), 4.0)] == [False, True]


@pytest.mark.parametrize("x0", [np.ones(2), np.ones((3, 2))])
def test_an_f_that_is_not_row_wise_is_told_how_to_write_it(x0):
    with pytest.raises(ValueError) as excinfo:
        minimize(lambda x: anp.sum(x**2), x0)
    assert_names_argument(excinfo, "f", "row-wise", f"shape ({np.atleast_2d(x0).shape[0]},)", "axis=-1")


# ------------------------------------------------------------- forward runs of several starts and seeds

RESULT_ARRAYS = ("x", "fun", "path", "fun_path")
RESULT_COUNTS = ("nit", "status", "success", "ngev", "njvp")


def assert_same_runs(result, expected, rtol=1e-12, atol=1e-12):
    """Two results of the same runs computed two ways: counts and statuses exactly, floats within rounding."""
    for field in RESULT_COUNTS:
        np.testing.assert_array_equal(getattr(result, field), getattr(expected, field), err_msg=field)
    assert (result.message, result.optimizer, result.gradient) == (expected.message, expected.optimizer,
                                                                     expected.gradient)
    for field in RESULT_ARRAYS:
        np.testing.assert_allclose(getattr(result, field), getattr(expected, field), rtol=rtol, atol=atol,
                                   equal_nan=True, err_msg=field)


@given(arrays(float, st.tuples(st.integers(1, 3), st.just(2)), elements=st.floats(-2.0, 2.0)),
       st.lists(st.integers(0, 2**16), min_size=1, max_size=3, unique=True), st.sampled_from(sorted(OPTIMIZERS)),
       st.sampled_from([0.005, 0.05, 0.3]), st.sampled_from(["rademacher", "gaussian", "sphere"]),
       st.integers(1, 3), st.sampled_from([None, 1.0]))
def test_forward_runs_batch_gives_the_runs_of_each_start_and_seed_alone(starts, seeds, optimizer, lr, law, num_runs,
                                                                         target):
    # One batch against one minimize per (seed, start): the same tangents, each row's arithmetic its own, so
    # the same runs within rounding (lr = 0.3 makes runs diverge, target = 1 makes them converge early).
    runs = forward_runs_batch(beale, starts, seeds, optimizer, lr, law=law, num_runs=num_runs, max_iter=40,
                              target=target)
    assert [len(by_start) for by_start in runs] == [len(starts)] * len(seeds)
    for k, seed in enumerate(seeds):
        for s, start in enumerate(starts):
            expected = minimize(beale, np.tile(start, (num_runs, 1)), optimizer, lr, gradient="forward", law=law,
                                rng=seed, max_iter=40, target=target)
            assert_same_runs(runs[k][s], expected)


def test_forward_runs_batch_matches_true_and_forward_runs_on_the_explorer_s_setting():
    true_run, forward_runs = true_and_forward_runs(beale, (1.0, 2.0), "adabelief", 0.05, law="gaussian", rng=3,
                                                   max_iter=300)
    runs = forward_runs_batch(beale, [(0.0, 0.5), (1.0, 2.0)], [0, 3], "adabelief", 0.05, law="gaussian",
                              max_iter=300)
    assert_same_runs(runs[1][1], forward_runs)


def test_rows_of_a_batch_are_the_batch_of_their_starts():
    X0 = np.array([[0.0, 0.5], [3.5, 3.5], [1.0, 1.0]])  # the middle run diverges at lr = 0.05
    batch = minimize(beale, X0, "sgd", 0.05, max_iter=50)
    assert batch.status[1] == "diverged"
    for first, count in [(0, 1), (0, 2), (1, 2), (2, 1), (0, 3)]:
        assert_same_runs(batch.rows(first, count), minimize(beale, X0[first:first + count], "sgd", 0.05, max_iter=50))
    with pytest.raises(ValueError) as excinfo:
        batch.rows(1, 3)
    assert_names_argument(excinfo, "count", "<= 2")
    with pytest.raises(ValueError) as excinfo:
        minimize(beale, X0[0], "sgd", 0.05, max_iter=5).rows(0, 1)
    assert_names_argument(excinfo, "first", "single start")


@pytest.mark.parametrize("call, exception, name, words", [
    (lambda: forward_runs_batch(beale, [(0.0, 0.5)], [], max_iter=5), ValueError, "seeds", ()),
    (lambda: forward_runs_batch(beale, [(0.0, 0.5)], [-1], max_iter=5), ValueError, "seeds[0]", (">= 0",)),
    (lambda: forward_runs_batch(beale, (0.0, 0.5), [0], max_iter=5), ValueError, "starts", ()),
    (lambda: forward_runs_batch(beale, [(0.0, 0.5)], [0], num_runs=0, max_iter=5), ValueError, "num_runs", ()),
    (lambda: forward_runs_batch(beale, [(0.0, 0.5)], [0], lr=-1.0, max_iter=5), ValueError, "lr", ()),
    (lambda: forward_runs_batch(beale, [(0.0, 0.5)], [0], law="uniform", max_iter=5), ValueError, "law", ()),
])
def test_forward_runs_batch_refuses_bad_input_naming_the_argument(call, exception, name, words):
    with pytest.raises(exception) as excinfo:
        call()
    assert_names_argument(excinfo, name, *words)
