"""Tests of fgcourse.optim.step_size: the step-size limits of true and forward SGD on a diagonal quadratic."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import assert_names_argument, assert_refused, positive_diagonals

from fgcourse.forward_gradient import SymmetricLaw, gaussian, random_rotation, rotated
from fgcourse.optim import (
    MAX_DENSE_DIM,
    MeanSquareRuns,
    forward_sgd_step_limit,
    hyperellipsoid_step_limits,
    mean_square_path,
    mean_square_runs,
    minimize,
    second_moment_recursion,
    sgd_step_limit,
    spectral_radii,
    step_limit_runs,
)
from fgcourse.testfunctions import diagonal_quadratic, hyperellipsoid, hyperellipsoid_diagonal

HYPERELLIPSOID_10 = hyperellipsoid_diagonal(10)  # hyperellipsoid Σ i x_i² = ½ θᵀ diag(2i) θ


def test_second_moment_recursion_is_the_books_matrix():
    a, lr = np.array([1.0, 3.0, 4.0]), 0.05
    D, rank_one = np.diag(a), lr**2 * np.outer(np.ones(3), a**2)
    np.testing.assert_allclose(second_moment_recursion(a, "rademacher", lr), np.eye(3) - 2 * lr * D + rank_one)
    np.testing.assert_allclose(second_moment_recursion(a, gaussian, lr),
                               np.eye(3) - 2 * lr * D + 2 * lr**2 * D @ D + rank_one)
    # B tangents: the rank-one part is divided by B, the D² part is 1 + (s − 1)/B (s = 0 for Rademacher).
    np.testing.assert_allclose(second_moment_recursion(a, "rademacher", lr, B=4),
                               np.eye(3) - 2 * lr * D + 0.75 * lr**2 * D @ D + rank_one / 4)


@pytest.mark.parametrize("law, B", [("rademacher", 1), ("gaussian", 1), ("sphere", 1), ("rademacher", 3)])
def test_second_moment_recursion_predicts_a_simulated_step_of_minimize(law, B):
    a, lr, num_runs = np.array([1.0, 2.0, 5.0, 0.5]), 0.08, 40_000
    theta = np.array([1.0, -0.5, 0.3, 2.0])
    step = minimize(diagonal_quadratic(a), np.tile(theta, (num_runs, 1)), "sgd", lr, gradient="forward", law=law,
                    B=B, rng=1, max_iter=1).path[1]
    squares = step**2
    error = squares.mean(axis=0) - second_moment_recursion(a, law, lr, B=B) @ theta**2
    standard_error = squares.std(axis=0) / math.sqrt(num_runs)
    assert np.all(np.abs(error) < 5 * standard_error + 1e-12), (error, standard_error)


@given(positive_diagonals, st.sampled_from(["rademacher", "gaussian", "sphere"]), st.integers(1, 5))
def test_step_limit_is_where_the_spectral_radius_of_the_recursion_crosses_one(a, law, B):
    limit = forward_sgd_step_limit(a, law, B=B)
    below, above = spectral_radii(a, law, [0.99 * limit, 1.01 * limit], B=B)
    assert below < 1 < above


@given(positive_diagonals)
def test_step_limits_closed_forms_and_bounds(a):
    trace, largest = float(np.sum(a)), float(np.max(a))
    assert forward_sgd_step_limit(a, "rademacher") == pytest.approx(2 / trace, rel=1e-12)
    gaussian_limit = forward_sgd_step_limit(a, "gaussian")
    assert 2 / (trace + 2 * largest) * (1 - 1e-9) <= gaussian_limit <= 2 / trace * (1 + 1e-12)
    x = gaussian_limit * a
    assert np.sum(x / (1 - x)) == pytest.approx(2, rel=1e-9)
    assert sgd_step_limit(a) == pytest.approx(2 / largest)
    # More tangents only help, and infinitely many give back the true gradient's limit.
    limits = [forward_sgd_step_limit(a, "rademacher", B=B) for B in (1, 2, 8, 10**9)]
    assert all(x <= y * (1 + 1e-12) for x, y in zip(limits, limits[1:]))
    assert limits[-1] == pytest.approx(sgd_step_limit(a), rel=1e-6)


def test_step_limits_on_the_hyperellipsoid():
    assert forward_sgd_step_limit(HYPERELLIPSOID_10, "rademacher") == pytest.approx(2 / 110)
    assert sgd_step_limit(HYPERELLIPSOID_10) / forward_sgd_step_limit(HYPERELLIPSOID_10, "rademacher") == \
        pytest.approx(5.5)
    assert forward_sgd_step_limit(2.0 * np.arange(1, 101), "rademacher") == pytest.approx(2 / 10100)
    # All equal a_i attain the lower bound: Gaussian α* = 2 / (tr A + 2 max a) = 2 / (a (n + 2)).
    assert forward_sgd_step_limit(np.full(8, 2.0), "gaussian") == pytest.approx(2 / 20)
    # One coordinate: a Rademacher forward gradient is the true gradient.
    assert forward_sgd_step_limit([3.0], "rademacher") == pytest.approx(sgd_step_limit([3.0]))
    ones = np.ones((2, 10))
    np.testing.assert_allclose(diagonal_quadratic(HYPERELLIPSOID_10)(ones), hyperellipsoid(ones))


def test_true_sgd_converges_below_its_limit_and_not_above():
    a = hyperellipsoid_diagonal(5)
    f, limit = diagonal_quadratic(a), sgd_step_limit(a)
    assert minimize(f, np.ones(5), "sgd", 0.99 * limit, max_iter=3000, target=1e-8).status == "converged"
    assert minimize(f, np.ones(5), "sgd", 1.01 * limit, max_iter=3000, target=1e-8).status == "diverged"


def test_rademacher_runs_converge_below_the_limit_and_diverge_above():
    runs = step_limit_runs(hyperellipsoid_diagonal(5), "rademacher", (0.95, 1.05), rng=0, max_iter=3000)
    assert list(runs[0.95].status) == ["converged"] * 20
    assert list(runs[1.05].status) == ["diverged"] * 20


def test_gaussian_runs_converge_below_the_limit():
    # Above it only the mean square must diverge: heavy-tailed Gaussian steps let most runs
    # survive slightly above α* (the chapter and the notebook show it), so no claim is tested there.
    runs = step_limit_runs(hyperellipsoid_diagonal(5), "gaussian", (0.95,), rng=0, max_iter=3000)
    assert list(runs[0.95].status) == ["converged"] * 20


A5 = hyperellipsoid_diagonal(5)
STEP_LIMIT_BAD_INPUTS = [
    (lambda: forward_sgd_step_limit([1.0, 0.0], "rademacher"), "a", "positive"),
    (lambda: forward_sgd_step_limit([1.0, -2.0], "rademacher"), "a", "positive"),
    (lambda: forward_sgd_step_limit(np.eye(2), "rademacher"), "a", "1-d"),
    (lambda: forward_sgd_step_limit([1.0 + 1j], "rademacher"), "a", "complex"),
    (lambda: forward_sgd_step_limit([1.0, np.nan], "rademacher"), "a", "finite"),
    (lambda: forward_sgd_step_limit("a", "rademacher"), "a", "real numbers"),
    (lambda: forward_sgd_step_limit(A5, "rademacer"), "law", "did you mean 'rademacher'"),
    (lambda: forward_sgd_step_limit(A5, rotated("rademacher", random_rotation(5, 0))), "law", "rotation"),
    (lambda: forward_sgd_step_limit(A5, 3), "law", "TangentLaw"),
    (lambda: forward_sgd_step_limit(A5, "gaussian", B=0), "B", ">= 1"),
    (lambda: forward_sgd_step_limit(A5, "gaussian", B=True), "B", "integer"),
    (lambda: sgd_step_limit([0.0]), "a", "positive"),
    (lambda: second_moment_recursion(A5, "gaussian", 0.0), "lr", "> 0"),
    (lambda: second_moment_recursion(A5, "gaussian", "0.1"), "lr", "real number"),
    (lambda: second_moment_recursion(A5, "gaussian", 0.1, B=2.0), "B", "integer"),
    (lambda: second_moment_recursion(A5, "spheer", 0.1), "law", "did you mean 'sphere'"),
    (lambda: forward_sgd_step_limit(A5, SymmetricLaw("impossible", gaussian.draw, lambda n: 1.0, lambda n: -2.5)),
     "law", "E[v_i^4] >= E[v_i^2 v_j^2]"),
    (lambda: second_moment_recursion(A5, SymmetricLaw("impossible", gaussian.draw, lambda n: 1.0, lambda n: -2.5),
                                     0.1, B=3), "law", "= -0.5"),
    (lambda: diagonal_quadratic([[1.0]]), "a", "1-d"),
    (lambda: mean_square_path(A5, "gaussian", 0.1, np.ones(5), True), "num_steps", "integer"),
    (lambda: mean_square_path(A5, "gaussian", 0.1, [1j] * 5, 3), "x0", "complex"),
    (lambda: step_limit_runs(A5, "rademacher", (), 0), "factors", "at least 1"),
    (lambda: step_limit_runs(A5, "rademacher", (0.9, -1.0), 0), "factors[1]", "> 0"),
    (lambda: step_limit_runs(A5, "rademacher", 0.9, 0), "factors", "sequence"),
    (lambda: step_limit_runs(A5, "rademacher", (0.9,), "0"), "rng", "Generator"),
    (lambda: step_limit_runs(A5, "rademacher", (0.9,), 0, num_runs=0), "num_runs", ">= 1"),
    (lambda: step_limit_runs(A5, "rademacher", (0.9,), 0, max_iter=0), "max_iter", ">= 1"),
    (lambda: step_limit_runs(A5, "rademacher", (0.9,), 0, target="low"), "target", "real number"),
    (lambda: spectral_radii(A5, "gaussian", []), "lrs", "at least 1"),
    (lambda: spectral_radii(A5, "gaussian", [0.1, 0.0]), "lrs[1]", "> 0"),
    (lambda: spectral_radii(A5, "gaussian", 0.1), "lrs", "sequence"),
    (lambda: spectral_radii(A5, "gausian", [0.1]), "law", "did you mean 'gaussian'"),
    (lambda: spectral_radii([1.0, -1.0], "gaussian", [0.1]), "a", "positive"),
    (lambda: spectral_radii(A5, "gaussian", [0.1], B=0), "B", ">= 1"),
    (lambda: spectral_radii(np.ones(MAX_DENSE_DIM + 1), "rademacher", [0.1]), "a", "forward_sgd_step_limit"),
    (lambda: hyperellipsoid_step_limits([2, 0]), "dims[1]", ">= 1"),
    (lambda: hyperellipsoid_step_limits([2.5]), "dims[0]", "float"),
    (lambda: hyperellipsoid_step_limits([2], ["rademacher", "cauchy"]), "laws[1]", "one of"),
    (lambda: hyperellipsoid_step_limits([2], [rotated("rademacher", random_rotation(2, 0))]), "laws[0]", "rotation"),
    (lambda: hyperellipsoid_step_limits([2], B=0), "B", ">= 1"),
    (lambda: mean_square_runs(A5, "gaussian", 0, 0.0), "factor", "> 0"),
    (lambda: mean_square_runs(A5, "gaussian", None, 1.05), "rng", "Generator"),
    (lambda: mean_square_runs(A5, rotated("rademacher", random_rotation(5, 0)), 0, 1.05), "law", "rotation"),
    (lambda: mean_square_runs(A5, "gaussian", 0, 1.05, num_runs=0), "num_runs", ">= 1"),
    (lambda: mean_square_runs(A5, "gaussian", 0, 1.05, num_steps=0), "num_steps", ">= 1"),
]


@pytest.mark.parametrize("call, name, word", STEP_LIMIT_BAD_INPUTS)
def test_step_limit_bad_input_is_refused_with_a_message_naming_the_argument(call, name, word):
    assert_refused(call, name, word)


def test_mean_square_path_is_the_sum_of_the_recursions_powers():
    a, x0 = np.array([1.0, 2.0, 3.0]), np.array([1.0, -2.0, 0.5])
    M = second_moment_recursion(a, "gaussian", 0.1)
    expected = [np.sum(np.linalg.matrix_power(M, k) @ x0**2) for k in range(6)]
    np.testing.assert_allclose(mean_square_path(a, "gaussian", 0.1, x0, 5), expected)
    with pytest.raises(ValueError) as excinfo:
        mean_square_path(a, "gaussian", 0.1, np.ones(2), 5)
    assert_names_argument(excinfo, "x0", "(3,)")
    with pytest.raises(ValueError) as excinfo:
        mean_square_path(a, "gaussian", 0.1, x0, -1)
    assert_names_argument(excinfo, "num_steps", ">= 0")


# ------------------------------------------------------------------- the notebook's checks

@pytest.mark.simd
def test_spectral_radii_around_the_limits_of_the_hyperellipsoid_are_the_notebooks():
    # step_size.ipynb: ρ(M) at 0.99 and 1.01 times each law's limit, n = 10, to the 5 digits printed.
    printed = {"rademacher": (0.99606, 1.00406), "gaussian": (0.99656, 1.00355), "sphere": (0.99587, 1.00426)}
    for law, radii in printed.items():
        limit = forward_sgd_step_limit(HYPERELLIPSOID_10, law)
        np.testing.assert_allclose(spectral_radii(HYPERELLIPSOID_10, law, [0.99 * limit, 1.01 * limit]), radii,
                                   atol=5e-6)


@given(st.floats(0.1, 50.0), st.floats(1e-3, 0.5))
def test_spectral_radius_in_one_dimension_is_the_rademacher_contraction(a, x):
    # n = 1, one Rademacher tangent: the forward gradient is the gradient, M = (1 − αa)².
    lr = x / a
    np.testing.assert_allclose(spectral_radii([a], "rademacher", [lr]), [(1 - lr * a) ** 2], rtol=1e-12)


@pytest.mark.simd
def test_hyperellipsoid_step_limits_are_the_closed_forms_and_the_notebooks():
    dims = np.unique(np.logspace(0, 3, 40).astype(int))
    limits = hyperellipsoid_step_limits(dims, ("rademacher", "gaussian"))
    assert list(limits) == ["true", "rademacher", "gaussian"]
    np.testing.assert_allclose(limits["true"], 1 / dims, rtol=1e-15)
    np.testing.assert_allclose(limits["rademacher"], 2 / (dims * (dims + 1)), rtol=1e-15)
    trace, largest = dims * (dims + 1), 2 * dims
    assert np.all(2 / (trace + 2 * largest) * (1 - 1e-12) <= limits["gaussian"])
    assert np.all(limits["gaussian"] <= 2 / trace)
    # step_size.ipynb prints the Gaussian limits of n = 2, 10 and 100 to 4 digits.
    gaussian = hyperellipsoid_step_limits([2, 10, 100], ("gaussian",))["gaussian"]
    np.testing.assert_allclose(gaussian, [0.1524, 0.01441, 0.0001929], rtol=5e-4)


def test_mean_square_runs_are_seeded_runs_of_minimize_beside_the_prediction():
    a, factor = hyperellipsoid_diagonal(4), 1.05
    result = mean_square_runs(a, "gaussian", 3, factor, num_runs=50, num_steps=20)
    assert isinstance(result, MeanSquareRuns) and result.law == "gaussian" and result.factor == factor
    assert result.lr == factor * forward_sgd_step_limit(a, "gaussian")  # exact: the same product
    assert result.squares.shape == (21, 50) and np.all(result.squares[0] == 4.0)  # exact: ‖(1, 1, 1, 1)‖²
    runs = minimize(diagonal_quadratic(a), np.ones((50, 4)), "sgd", result.lr, gradient="forward", law="gaussian",
                    rng=np.random.default_rng(3), max_iter=20, divergence_threshold=1e150)
    # exact: the same calls with the same seed
    np.testing.assert_array_equal(result.squares, np.sum(runs.path**2, axis=-1))
    np.testing.assert_array_equal(result.predicted, mean_square_path(a, "gaussian", result.lr, np.ones(4), 20))


def test_mean_square_runs_follow_the_prediction_with_rademacher_tangents():
    # Rademacher steps are light-tailed: the mean of many runs follows E‖θ_k‖² within its standard error.
    result = mean_square_runs(hyperellipsoid_diagonal(10), "rademacher", 0, 0.9, num_runs=4000, num_steps=30)
    standard_error = result.squares.std(axis=1) / math.sqrt(4000)
    assert np.all(np.abs(result.squares.mean(axis=1) - result.predicted) <= 5 * standard_error + 1e-12)
    assert result.predicted[-1] < result.predicted[0], "below the limit the mean shrinks"


@pytest.mark.simd
@given(positive_diagonals, st.sampled_from(["rademacher", "gaussian", "sphere"]), st.integers(1, 4),
       st.floats(0.01, 0.9))
def test_mean_square_path_is_the_dense_recursion_in_o_n(a, law, B, fraction):
    lr = fraction * forward_sgd_step_limit(a, law, B=B)
    M, d = second_moment_recursion(a, law, lr, B=B), np.ones(a.size)
    expected = [d.sum()]
    for _ in range(30):
        d = M @ d
        expected.append(d.sum())
    # a diagonal plus a rank-one product instead of a matrix product: rounding of 30 short sums
    np.testing.assert_allclose(mean_square_path(a, law, lr, np.ones(a.size), 30, B=B), expected, rtol=1e-12)


def test_mean_square_path_never_builds_the_n_by_n_matrix():
    from fgcourse.measure import peak_bytes

    n = 200_000
    a = 2.0 * np.arange(1, n + 1)
    peak = peak_bytes(lambda: mean_square_path(a, "gaussian", 0.5 / a.sum(), np.ones(n), 2))
    assert peak < 10 * 8 * n  # a few vectors of n floats; the matrix would be 320 GB
