"""Tests for fgcourse.forward_gradient: laws, the estimator, and its exact theory."""

import itertools
import math
import tracemalloc
from fractions import Fraction

import autograd
import autograd.core
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import (
    NOT_COUNTS,
    NOT_RNGS,
    assert_names_argument,
    assert_refused,
    dimensions,
    gradients,
    law_names,
    nan_function,
    plain_numpy_function,
    quadratic_rows,
    seeds,
    string_function,
)

from fgcourse import forward_gradient as fg
from fgcourse.forward_gradient import (
    SIGN_EXCESS_CONSTANT,
    adam_long_memory_progress,
    coordinate_variances,
    expected_sign_agreement,
    expected_sign_agreement_isotropic,
    expected_walk_distance,
    forward_gradient,
    forward_gradient_batch,
    forward_gradient_mean,
    forward_gradient_oracle,
    forward_gradient_samples,
    gaussian,
    is_unbiased,
    linear_sgd_expected_gain,
    linear_sgd_expected_squared_step,
    mean_squared_deviation,
    monte_carlo,
    rademacher,
    random_rotation,
    rotated,
    sample_sign_descent_progress,
    sign_agreement_counts,
    sign_agreement_distribution,
    sign_bound,
    sign_descent_progress,
    sphere,
    squared_deviations,
)

# --------------------------------------------------------------------------- strategies

def random_orthogonal(n, seed):
    return random_rotation(n, np.random.default_rng(seed))


def all_laws(n, seed=0):
    return [gaussian, rademacher, sphere, rotated(rademacher, random_orthogonal(n, seed)),
            rotated(gaussian, random_orthogonal(n, seed + 1))]


def make_law(name, n, seed):
    return rotated(rademacher, random_orthogonal(n, seed)) if name == "rotated rademacher" else fg.LAWS[name]


# Row-wise test objectives: each maps (B, n) to (B,), and row b depends only on row b.

def mlp_loss_rows(inputs, targets, hidden):
    """Squared loss of a one-hidden-layer tanh MLP; each row of X holds all its weights."""
    d = inputs.shape[1]

    def loss(X):
        W1 = anp.reshape(X[:, : d * hidden], (-1, d, hidden))
        w2 = X[:, d * hidden:]
        activations = anp.tanh(anp.einsum("kd,bdh->bkh", inputs, W1))
        predictions = anp.einsum("bkh,bh->bk", activations, w2)
        return anp.mean((predictions - targets) ** 2, axis=1)

    return loss, d * hidden + hidden


def row_of(f_rows):
    return lambda theta: f_rows(theta[None, :])[0]


def assert_mean_is_close(G, true_grad, law):
    """The mean of the rows of G is within tail range of ∇f: ‖mean − ∇f‖² has expectation MSD/rows."""
    error = np.sum((G.mean(axis=0) - true_grad) ** 2)
    assert error <= 36 * mean_squared_deviation(law, true_grad) / len(G) + 1e-20 * (1 + true_grad @ true_grad)


# --------------------------------------------------------------------------- laws

@pytest.mark.parametrize("law", all_laws(6), ids=lambda law: law.name)
def test_sample_shapes_and_unit_second_moments(law):
    rng = np.random.default_rng(1)
    assert law.sample(6, rng).shape == (6,)
    samples = law.sample(6, rng, size=200_000)
    assert samples.shape == (200_000, 6)
    empirical = samples.T @ samples / len(samples)
    assert np.allclose(empirical, np.eye(6), atol=0.02)
    assert is_unbiased(law.second_moment_matrix(6), atol=1e-10)


@pytest.mark.parametrize("law", all_laws(5), ids=lambda law: law.name)
def test_fourth_moments_match_simulation(law):
    samples = law.sample(5, np.random.default_rng(2), size=400_000)
    fourth = samples**4
    standard_error = fourth.std(axis=0) / math.sqrt(len(samples))
    assert np.all(np.abs(fourth.mean(axis=0) - law.fourth_moments(5)) <= 4 * standard_error + 1e-12)


def test_random_rotation_is_orthogonal_and_uniform():
    Q = random_rotation(6, np.random.default_rng(0))
    assert np.allclose(Q.T @ Q, np.eye(6))
    # Haar: every entry has mean 0 and variance 1/n; a fixed sign convention of QR would bias the diagonal.
    entries = np.array([random_rotation(3, np.random.default_rng(seed))[0, 0] for seed in range(4000)])
    assert abs(entries.mean()) < 4 * math.sqrt(1 / 3 / 4000)
    assert entries.var() == pytest.approx(1 / 3, rel=0.1)


def test_known_fourth_moments():
    assert np.allclose(gaussian.fourth_moments(4), 3)
    assert np.allclose(rademacher.fourth_moments(4), 1)
    assert np.allclose(rademacher.square_variances(4), 0)
    assert np.allclose(sphere.fourth_moments(4), 3 * 4 / 6)
    Q = random_orthogonal(4, 3)
    assert np.allclose(rotated(rademacher, Q).fourth_moments(4), 3 - 2 * np.sum(Q**4, axis=1))
    assert np.allclose(rotated(gaussian, Q).fourth_moments(4), 3)


def test_minimal_laws_have_constant_norm():
    rng = np.random.default_rng(3)
    for law in [rademacher, sphere, rotated(rademacher, random_orthogonal(7, 0))]:
        assert np.allclose(np.sum(law.sample(7, rng, size=50) ** 2, axis=1), 7)


def test_sampling_is_reproducible_with_a_seed():
    for law in all_laws(3):
        # exact: the same seed, the same draws
        assert np.array_equal(law.sample(3, np.random.default_rng(9), 4), law.sample(3, np.random.default_rng(9), 4))


def test_isotropic_laws_do_not_depend_on_a_basis():
    # The quartic form of an isotropic law is invariant under rotations of b and c.
    rng = np.random.default_rng(4)
    b, c = rng.standard_normal((2, 6))
    Q = random_orthogonal(6, 5)
    for law in [gaussian, sphere]:
        assert np.isclose(law.quartic_form(Q @ b, Q @ c), law.quartic_form(b, c))
        assert np.isclose(rotated(law, Q).quartic_form(b, c), law.quartic_form(b, c))
    assert not np.isclose(rademacher.quartic_form(Q @ b, Q @ c), rademacher.quartic_form(b, c))


@given(st.integers(1, 70), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_rademacher_draw_is_numpys_integer_draw_and_leaves_the_same_state(n, rows, seed):
    # The fast draw reads the top bits of the generator's bytes; numpy's own integers(0, 2)
    # is the reference, sign for sign, and both leave the generator at the same point.
    ours, reference = np.random.default_rng(seed), np.random.default_rng(seed)
    signs = rademacher.sample(n, ours, size=rows)
    expected = reference.integers(0, 2, size=(rows, n), dtype=np.int8) * 2.0 - 1.0
    assert signs.shape == (rows, n) and signs.dtype == float
    assert np.array_equal(signs, expected)  # exact: ±1
    assert ours.random() == reference.random()


def test_quartic_form_against_enumeration_for_rademacher():
    b, c = np.random.default_rng(5).standard_normal((2, 5))
    signs = np.array(list(itertools.product([-1.0, 1.0], repeat=5)))
    assert np.isclose(rademacher.quartic_form(b, c), np.mean((signs @ b) ** 2 * (signs @ c) ** 2))


# --------------------------------------------------------------------------- mean squared deviation

@pytest.mark.parametrize("n", [2, 10, 100])
def test_monte_carlo_msd_within_three_standard_errors(n):
    rng = np.random.default_rng(n)
    grad = rng.standard_normal(n)
    for law in all_laws(n, seed=n):
        estimate = monte_carlo(squared_deviations(law, grad, rng, 40_000))
        exact = mean_squared_deviation(law, grad)
        # For minimal laws in n = 2, ‖g − ∇f‖² = (n − 2)(∇f·v)² + ‖∇f‖² is constant: zero error bar.
        assert abs(estimate.mean - exact) <= 3 * estimate.standard_error + 1e-12 * exact, law.name


@given(n=dimensions, seed=seeds, data=st.data())
def test_closed_forms_of_the_msd(n, seed, data):
    grad = data.draw(gradients(n))
    norm2 = grad @ grad
    minimal = (n - 1) * norm2
    assert np.isclose(mean_squared_deviation(rademacher, grad), minimal, atol=1e-9)
    assert np.isclose(mean_squared_deviation(sphere, grad), minimal, atol=1e-9)
    assert np.isclose(mean_squared_deviation(rotated(rademacher, random_orthogonal(n, seed)), grad), minimal,
                      atol=1e-8 * (1 + norm2))
    assert np.isclose(mean_squared_deviation(gaussian, grad), (n + 1) * norm2, atol=1e-9)


@given(n=dimensions, name=law_names, seed=seeds, data=st.data())
def test_msd_general_formula_and_minimality(n, name, seed, data):
    grad = data.draw(gradients(n))
    law = make_law(name, n, seed)
    msd = mean_squared_deviation(law, grad)
    assert np.isclose(msd, np.sum(coordinate_variances(law, grad)), atol=1e-9 * (1 + grad @ grad))
    # No law with E[v vᵀ] = I does better than the minimal family.
    assert msd >= (n - 1) * (grad @ grad) - 1e-8 * (1 + grad @ grad)
    if name in ("gaussian", "rademacher"):  # independent coordinates: the formula of Lemma 4's proof
        general = (n - 1) * (grad @ grad) + np.sum(grad**2 * law.square_variances(n))
        assert np.isclose(msd, general, atol=1e-9 * (1 + grad @ grad))


def test_msd_of_huge_gradients_does_not_overflow_into_nan():
    grad = np.array([3.0, -1.0, 2.0])
    for law in (gaussian, rademacher, sphere):
        assert mean_squared_deviation(law, 1e150 * grad) == pytest.approx(1e300 * mean_squared_deviation(law, grad))
        assert mean_squared_deviation(law, 1e200 * grad) == np.inf


@pytest.mark.simd
def test_coordinate_variances_are_never_negative():
    # In dimension 1 the sphere of radius 1 is {-1, 1}: g = g_1 exactly, and rounding used to
    # leave -3.5e-18 (NaN under sqrt in the tangent-laws explorer at n = 1).
    grad = np.random.default_rng(0).standard_normal(1)
    # the rounding this guards against: products and sums only (no BLAS, no exp or log), so the same at every
    # SIMD level, and checked there (pytest -m simd)
    assert sphere.estimate_second_moments(grad)[0] - grad[0] ** 2 < 0
    variances = coordinate_variances(sphere, grad)
    assert variances.shape == (1,) and variances[0] == 0.0


def test_coordinate_variances_against_simulation():
    rng = np.random.default_rng(6)
    grad = np.array([3.0, -1.0, 0.5, 0.0])
    for law in all_laws(4):
        samples = forward_gradient_samples(law, grad, rng, 200_000)
        squared = (samples - grad) ** 2
        tolerance = 4 * squared.std(axis=0) / math.sqrt(len(samples)) + 1e-12
        assert np.all(np.abs(squared.mean(axis=0) - coordinate_variances(law, grad)) <= tolerance), law.name


# --------------------------------------------------------------------------- the estimator

def test_forward_gradient_of_a_linear_function_is_v_times_slope():
    mu = np.array([1.0, -2.0, 3.0])
    value, g = forward_gradient(lambda x: anp.dot(mu, x), np.ones(3), rademacher, 0)
    assert value == pytest.approx(2.0)
    # Rademacher: g = (μ·v) v with v ∈ {±1}^3, so |g_i| = |μ·v| in every coordinate.
    assert np.allclose(np.abs(g), np.abs(g[0]))


def test_forward_gradient_matches_closed_form_with_the_same_tangent():
    theta = np.array([0.3, -1.2, 2.0, 0.7])
    f = lambda x: anp.sum(anp.sin(x) * x**2)
    exact = np.sin(theta) * 2 * theta + np.cos(theta) * theta**2
    for law in all_laws(4):
        _, g = forward_gradient(f, theta, law, np.random.default_rng(11))
        v = law.sample(4, np.random.default_rng(11))
        assert np.allclose(g, (exact @ v) * v)


@given(n=st.integers(1, 6), seed=seeds, name=law_names)
def test_mean_of_many_forward_gradients_on_random_quadratics(n, seed, name):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    A = A + A.T
    b = rng.standard_normal(n)
    theta = rng.standard_normal(n)
    law = make_law(name, n, seed)
    rows = 4000
    f_rows = quadratic_rows(A, b)
    _, G = forward_gradient_batch(f_rows, np.tile(theta, (rows, 1)), law, rng)
    true_grad = autograd.grad(row_of(f_rows))(theta)
    assert np.allclose(true_grad, A @ theta + b)
    assert_mean_is_close(G, true_grad, law)


@given(seed=seeds, name=law_names)
def test_mean_of_many_forward_gradients_on_mlp_losses(seed, name):
    rng = np.random.default_rng(seed)
    inputs, targets = rng.standard_normal((8, 3)), rng.standard_normal(8)
    f_rows, n = mlp_loss_rows(inputs, targets, hidden=4)
    theta = rng.standard_normal(n)
    law = make_law(name, n, seed)
    rows = 3000
    _, G = forward_gradient_batch(f_rows, np.tile(theta, (rows, 1)), law, rng)
    true_grad = autograd.grad(row_of(f_rows))(theta)
    assert_mean_is_close(G, true_grad, law)


def test_batch_rows_are_independent_forward_gradients_at_their_own_points():
    A = np.diag([1.0, 2.0, 3.0])
    f_rows = quadratic_rows(A, np.zeros(3))
    thetas = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    values, G = forward_gradient_batch(f_rows, thetas, rademacher, 3, B=2)
    assert np.allclose(values, [0.5, 1.0, 3.0])
    rng = np.random.default_rng(3)
    tangents = [rademacher.sample(3, rng, size=3) for _ in range(2)]
    gradients_ = thetas @ A
    expected = sum(np.sum(gradients_ * v, axis=1)[:, None] * v for v in tangents) / 2
    assert np.allclose(G, expected)


def test_the_oracle_gives_the_batch_s_forward_gradients_from_one_stream():
    # Checked once, then one call per step: the draws follow each other as in successive batch calls.
    f_rows = quadratic_rows(np.diag([1.0, 2.0, 3.0]), np.zeros(3))
    thetas = [np.ones((4, 3)), np.arange(12.0).reshape(4, 3)]
    oracle = forward_gradient_oracle(f_rows, "gaussian", 3, 7, B=2)
    rng = np.random.default_rng(7)
    for theta in thetas:
        values, G = oracle(theta)
        expected_values, expected_G = forward_gradient_batch(f_rows, theta, "gaussian", rng, B=2)
        # exact: both run the same forward passes on the same draws
        np.testing.assert_array_equal(values, expected_values)
        np.testing.assert_array_equal(G, expected_G)


def test_single_point_shares_the_batch_implementation():
    f = lambda x: anp.sum(x**3)
    theta = np.array([1.0, -2.0, 0.5])
    value, g = forward_gradient(f, theta, "rademacher", 5, B=3)
    values, G = forward_gradient_batch(lambda X: anp.sum(X**3, axis=1), theta[None, :], "rademacher", 5, B=3)
    assert value == pytest.approx(values[0])
    assert np.allclose(g, G[0])


def test_reverse_mode_is_never_called(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("reverse mode was called")

    monkeypatch.setattr(autograd.core, "make_vjp", forbidden)
    monkeypatch.setattr(autograd.core, "backward_pass", forbidden)
    monkeypatch.setattr(autograd.core.VJPNode, "__init__", forbidden)
    with pytest.raises(AssertionError):  # the patch is live: reverse mode now fails
        autograd.grad(lambda x: anp.sum(x**2))(np.ones(2))
    f = lambda x: anp.sum(anp.tanh(x) ** 2)
    forward_gradient(f, np.ones(5), rademacher, 0, B=3)
    forward_gradient_batch(lambda X: anp.sum(anp.tanh(X) ** 2, axis=1), np.ones((4, 5)), gaussian, 0, B=2)


@pytest.mark.parametrize("law", [rademacher, gaussian], ids=lambda law: law.name)
def test_variance_drops_like_one_over_B(law):
    rng = np.random.default_rng(7)
    n, rows = 6, 20_000
    grad = rng.standard_normal(n)
    f_rows = lambda X: X @ grad
    msd = mean_squared_deviation(law, grad)
    for B in [1, 4, 16]:
        _, G = forward_gradient_batch(f_rows, np.zeros((rows, n)), law, rng, B=B)
        estimate = monte_carlo(np.sum((G - grad) ** 2, axis=1))
        assert abs(estimate.mean - msd / B) <= 3 * estimate.standard_error


# --------------------------------------------------------------------------- unbiasedness

def test_unbiasedness_needs_only_the_second_moment_matrix():
    grad = np.array([1.0, -2.0, 0.5])
    assert np.allclose(forward_gradient_mean(np.eye(3), grad), grad)
    # v = √n e_J with J uniform: E[v] ≠ 0 but E[v vᵀ] = I, so g is still unbiased.
    n = 3
    coordinate_tangents = math.sqrt(n) * np.eye(n)
    second = coordinate_tangents.T @ coordinate_tangents / n
    assert np.any(coordinate_tangents.mean(axis=0) != 0)
    assert is_unbiased(second)
    assert not is_unbiased(2 * np.eye(3))
    assert np.allclose(forward_gradient_mean(2 * np.eye(3), grad), 2 * grad)


# --------------------------------------------------------------------------- sign agreement

def brute_force_walk_distance(n):
    return Fraction(sum(math.comb(n, k) * abs(2 * k - n) for k in range(n + 1)), 2**n)


def brute_force_sign_agreement(n):
    """Average over all 2^n Rademacher tangents, gradient (1, ..., 1), a zero counting one half."""
    signs = np.array(list(itertools.product([-1.0, 1.0], repeat=n)))
    g = (signs @ np.ones(n))[:, None] * signs
    return np.mean(np.sum((1 + np.sign(g)) / 2, axis=1))


@pytest.mark.parametrize("n", range(1, 17))
def test_exact_sign_agreement_matches_enumeration(n):
    assert expected_sign_agreement(n) == pytest.approx(brute_force_sign_agreement(n), rel=1e-13)
    assert expected_walk_distance(n) == pytest.approx(float(brute_force_walk_distance(n)), rel=1e-13)


def test_sign_agreement_does_not_depend_on_the_signs_of_the_gradient():
    grad = np.array([1.0, -1.0, -1.0, 1.0, 1.0])
    counts = sign_agreement_counts(rademacher, grad, 0, 100_000)
    estimate = monte_carlo(counts)
    assert abs(estimate.mean - expected_sign_agreement(5)) <= 4 * estimate.standard_error


@pytest.mark.simd
def test_known_walk_distances():
    assert expected_walk_distance(100) == pytest.approx(7.9589237387, abs=1e-10)
    assert expected_walk_distance(1) == 1.0  # exact: 2 · 1 · (1/2)
    assert expected_sign_agreement(1) == 1.0  # exact: 1/2 + 1/2
    assert expected_sign_agreement(11) == pytest.approx(6.8535, abs=5e-5)
    assert sign_bound(11) == pytest.approx(6.8231, abs=5e-5)
    for n in [999, 1000, 2001]:
        assert expected_walk_distance(n) == pytest.approx(float(brute_force_walk_distance(n)), rel=1e-13)


def test_odd_walk_goes_as_far_as_the_next_even_one():
    n = np.arange(1, 200, 2)
    assert np.allclose(expected_walk_distance(n), expected_walk_distance(n + 1), rtol=1e-15)


def test_asymptotic_value_is_exceeded_only_for_odd_n_and_by_at_most_c_over_root_n():
    n = np.arange(1, 200_001)
    excess = expected_sign_agreement(n) - sign_bound(n)
    assert np.all(excess[1::2] < 0)  # even n
    assert np.all(excess[0::2] > 0)  # odd n
    assert np.all(excess * np.sqrt(n) <= SIGN_EXCESS_CONSTANT)
    # The constant is not far from sharp: the supremum of √n · excess is reached at n = 3.
    scaled = excess * np.sqrt(n)
    assert np.argmax(scaled) == 2
    assert scaled[2] == pytest.approx(math.sqrt(3) * (0.75 - math.sqrt(3 / (2 * math.pi))))
    assert scaled[2] > 0.85 * SIGN_EXCESS_CONSTANT
    assert excess[0] == pytest.approx((1 - math.sqrt(2 / math.pi)) / 2)  # n = 1: 1 against 0.899


def test_sign_agreement_for_a_million_coordinates_is_finite():
    # Its speed is measured in benchmarks/bench_forward_gradient.py, not asserted here.
    value = expected_sign_agreement(10**6)
    assert math.isfinite(value)
    assert value == pytest.approx(sign_bound(10**6), abs=1e-3)


def test_walk_distance_beyond_the_product_limit_uses_the_expansion():
    from fgcourse.forward_gradient.signs import PRODUCT_LIMIT, _central_binomial_ratios

    ratios = _central_binomial_ratios(PRODUCT_LIMIT + 3)
    for m in range(PRODUCT_LIMIT - 1, PRODUCT_LIMIT + 4):  # both sides of the switch
        assert expected_walk_distance(2 * m) == pytest.approx(2 * m * ratios[m], rel=1e-12)
    n = 10**15  # far beyond any product: bounded memory, and E|S_n| = √(2n/π)(1 − 1/(4n) + ...)
    assert expected_walk_distance(n) == pytest.approx(math.sqrt(2 * n / math.pi), rel=1e-15)
    assert expected_walk_distance(np.iinfo(np.int64).max) > 0


def test_vectorized_walk_distance_matches_scalar_calls():
    n = np.array([1, 2, 7, 100, 12345])
    assert np.allclose(expected_walk_distance(n), [expected_walk_distance(int(k)) for k in n], rtol=1e-15)


def test_monte_carlo_sign_agreement_for_other_laws_is_between_chance_and_all():
    grad = np.random.default_rng(1).standard_normal(40)
    for law in all_laws(40):
        counts = sign_agreement_counts(law, grad, 2, 20_000)
        assert 20 < counts.mean() < 40
        assert counts.min() >= 0 and counts.max() <= 40


# --------------------------------------------------------------------------- linear objectives

@given(n=dimensions, seed=seeds, data=st.data())
def test_linear_sgd_gain_and_step(n, seed, data):
    mu = data.draw(gradients(n))
    assert linear_sgd_expected_gain(mu, lr=0.1) == pytest.approx(-0.1 * (mu @ mu))
    assert linear_sgd_expected_squared_step(rademacher, mu) == pytest.approx(n * (mu @ mu), abs=1e-9)
    assert linear_sgd_expected_squared_step(sphere, mu) == pytest.approx(n * (mu @ mu), abs=1e-9)
    assert linear_sgd_expected_squared_step(gaussian, mu) == pytest.approx((n + 2) * (mu @ mu), abs=1e-9)


def test_linear_sgd_gain_and_step_against_simulation():
    rng = np.random.default_rng(8)
    mu = rng.standard_normal(10)
    for law in all_laws(10):
        steps = forward_gradient_samples(law, mu, rng, 100_000)
        gain = monte_carlo(-(steps @ mu))
        assert abs(gain.mean - linear_sgd_expected_gain(mu)) <= 4 * gain.standard_error
        squared = monte_carlo(np.sum(steps**2, axis=1))
        assert abs(squared.mean - linear_sgd_expected_squared_step(law, mu)) <= 4 * squared.standard_error


def test_sign_descent_progress():
    for n in [1, 2, 9, 100]:
        mu = np.where(np.arange(n) % 3 == 0, -1.0, 1.0)
        assert sign_descent_progress(mu) == pytest.approx(expected_walk_distance(n))
        assert sign_descent_progress(mu) <= np.sum(np.abs(mu))
    big = np.ones(10**4)
    assert sign_descent_progress(big) == pytest.approx(math.sqrt(2 * 10**4 / math.pi), rel=1e-4)
    rng = np.random.default_rng(9)
    mu = rng.standard_normal(12)  # unequal magnitudes: exact by enumeration for n <= 16
    estimate = sample_sign_descent_progress(rademacher, mu, rng, 100_000)
    assert abs(estimate.mean - sign_descent_progress(mu)) <= 4 * estimate.standard_error
    # Any law: sign descent on g never beats sign descent on the true gradient.
    for law in all_laws(12):
        assert sample_sign_descent_progress(law, mu, rng, 20_000).mean < np.sum(np.abs(mu))


def test_sign_descent_progress_is_twice_the_agreement_excess():
    # With |μ_i| = 1: sign(g)ᵀμ = 2 (number of agreeing coordinates) − n, ties counting 1/2.
    for n in [1, 4, 7, 30]:
        assert sign_descent_progress(np.ones(n)) == pytest.approx(2 * expected_sign_agreement(n) - n)


def test_sign_agreement_distribution_is_exact():
    for n in [1, 2, 5, 12]:
        counts, probabilities = sign_agreement_distribution(n)
        assert probabilities.sum() == pytest.approx(1.0)
        assert counts @ probabilities == pytest.approx(expected_sign_agreement(n))
        signs = np.array(list(itertools.product([-1.0, 1.0], repeat=n)))
        enumerated = np.sum((1 + np.sign((signs @ np.ones(n))[:, None] * signs)) / 2, axis=1)
        for count, probability in zip(counts, probabilities):
            assert np.mean(enumerated == count) == pytest.approx(probability)
    counts, probabilities = sign_agreement_distribution(5000)
    assert counts @ probabilities == pytest.approx(expected_sign_agreement(5000))


def test_adam_long_memory_progress_closed_forms():
    mu = np.array([1.0, -2.0, 0.5, 3.0])
    assert adam_long_memory_progress("rademacher", mu) == pytest.approx(np.linalg.norm(mu))  # Rademacher: ‖μ‖
    assert adam_long_memory_progress("sphere", mu) == pytest.approx(np.sum(mu**2 / np.sqrt(
        4 / 6 * (np.sum(mu**2) + 2 * mu**2))))
    assert adam_long_memory_progress("gaussian", mu) == pytest.approx(
        np.sum(mu**2 / np.sqrt(np.sum(mu**2) + 2 * mu**2)))
    assert adam_long_memory_progress("rademacher", np.ones(100)) == pytest.approx(10.0)


@pytest.mark.parametrize("law", ["gaussian", "sphere"])
def test_isotropic_sign_agreement_against_monte_carlo(law):
    rng = np.random.default_rng(13)
    for grad in [np.ones(25), rng.standard_normal(25), np.array([3.0, -0.1, 0.2])]:
        estimate = monte_carlo(sign_agreement_counts(law, grad, rng, 100_000))
        assert abs(estimate.mean - expected_sign_agreement_isotropic(grad)) <= 4 * estimate.standard_error


def test_isotropic_sign_agreement_is_below_rademacher_for_equal_magnitudes():
    for n in [1, 2, 3, 10, 100, 10**4]:
        isotropic = expected_sign_agreement_isotropic(np.ones(n))
        assert isotropic == pytest.approx(n / 2 + n * math.asin(1 / math.sqrt(n)) / math.pi)
        if n <= 2:  # n = 1, 2: the same value, 1 and 3/2
            assert isotropic == pytest.approx(expected_sign_agreement(n))
        else:
            assert isotropic < expected_sign_agreement(n)


def test_general_gradients_agree_no_more_than_equal_magnitudes():
    # Rademacher tangents: E[agreement] <= n/2 + E|S_n|/2 for every gradient without zeros.
    rng = np.random.default_rng(14)
    for _ in range(5):
        grad = rng.standard_normal(12) * rng.exponential(size=12)
        signs = np.array(list(itertools.product([-1.0, 1.0], repeat=12)))
        g = (signs @ grad)[:, None] * signs
        exact = np.mean(np.sum((1 + np.sign(g) * np.sign(grad)) / 2, axis=1))
        assert exact <= expected_sign_agreement(12) + 1e-12


# --------------------------------------------------------------------------- O(n) closed forms

class BasisOnlyLaw(fg.TangentLaw):
    """Rademacher through its quartic form only: exercises the generic moments of TangentLaw."""

    name = "rademacher by its form"

    def quartic_form(self, b, c):
        return rademacher.quartic_form(b, c)

    def _draw(self, n, rng, rows):
        return rademacher.sample(n, rng, size=rows)


@given(n=dimensions, name=law_names, seed=seeds, data=st.data())
def test_closed_form_moments_match_the_quartic_form_against_the_basis(n, name, seed, data):
    grad = data.draw(gradients(n))
    law = make_law(name, n, seed)
    basis = np.eye(n)
    reference = law.quartic_form(grad, basis)  # the n × n way, as a reference in small n
    tolerance = 1e-9 * (1 + grad @ grad)
    assert np.allclose(law.estimate_second_moments(grad), reference, atol=tolerance)
    assert law.expected_squared_norm(grad) == pytest.approx(np.sum(reference), abs=n * tolerance)
    assert np.allclose(law.fourth_moments(n), law.quartic_form(basis, basis))


def test_generic_moments_of_a_law_given_by_its_form_only():
    grad = np.random.default_rng(0).standard_normal(7)
    law = BasisOnlyLaw()
    assert np.allclose(law.estimate_second_moments(grad), rademacher.estimate_second_moments(grad))
    assert np.allclose(law.fourth_moments(7), 1.0)
    assert mean_squared_deviation(law, grad) == pytest.approx(6 * (grad @ grad))


def traced_peak(function, argument):
    """``function(argument)`` and the peak of the memory it allocated (tracemalloc), in bytes."""
    tracemalloc.start()
    try:
        value = function(argument)
        return value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("quantity", [
    lambda g: mean_squared_deviation(rademacher, g),
    lambda g: mean_squared_deviation(gaussian, g),
    lambda g: coordinate_variances(sphere, g),
    lambda g: adam_long_memory_progress(rademacher, g),
    lambda g: linear_sgd_expected_squared_step(gaussian, g),
], ids=["msd rademacher", "msd gaussian", "variances sphere", "adam progress", "sgd step"])
def test_closed_forms_of_a_million_coordinates_hold_no_n_by_n_matrix(quantity):
    # Timed in benchmarks/bench_forward_gradient.py; here only the memory: an n × n matrix would be 8 TB.
    value, peak = traced_peak(quantity, np.random.default_rng(0).standard_normal(10**6))
    assert np.all(np.isfinite(value))
    assert peak < 100e6, f"peak {peak / 1e6:.0f} MB"


@pytest.mark.simd
@given(n=st.integers(1, 40), num_samples=st.integers(1, 3000), name=law_names, seed=seeds)
@example(n=40, num_samples=409, name="gaussian", seed=1)  # chunks of 408 rows: the last one holds a single row
def test_chunked_monte_carlo_equals_the_whole_sample(n, num_samples, name, seed):
    # squared_deviations, sign_agreement_counts and forward_gradient_samples(coordinates=...)
    # draw a chunk at a time; row for row they are the definition applied to one whole draw, from
    # the same draws, up to rounding: the matrix-vector product (∇f·v for each row, and the
    # rotation's) may round a row differently in a chunk than in the whole draw. A last chunk of a
    # single row does (another BLAS kernel, at the SSE4.2 and AVX2 levels alike), so the rows are
    # not bit for bit those of one draw for any law, whatever forward_gradient_chunks says.
    law = make_law(name, n, seed)
    grad = np.random.default_rng(seed).standard_normal(n)
    whole = forward_gradient_samples(law, grad, np.random.default_rng(seed), num_samples)
    tests = {
        "squared": (squared_deviations(law, grad, np.random.default_rng(seed), num_samples),
                    np.sum((whole - grad) ** 2, axis=1)),
        "signs": (sign_agreement_counts(law, grad, np.random.default_rng(seed), num_samples),
                  np.sum((1 + np.sign(whole) * np.sign(grad)) / 2, axis=1)),
        "columns": (forward_gradient_samples(law, grad, np.random.default_rng(seed), num_samples,
                                             coordinates=[n - 1, 0]), whole[:, [n - 1, 0]]),
    }
    for key, (chunked, reference) in tests.items():
        assert chunked.shape == reference.shape, key
        # A dot product of n <= 40 terms (and for the rotation n more), each rounding ~1e-16 of ‖v‖‖∇f‖:
        # 1e-12 of (1 + ‖∇f‖²) is rounding, while other draws would miss by O(‖∇f‖²).
        np.testing.assert_allclose(chunked, reference, rtol=1e-12, atol=1e-12 * (1 + grad @ grad), err_msg=key)


@pytest.mark.simd
def test_forward_gradient_chunks_are_the_whole_sample_in_pieces_of_at_most_chunk_bytes():
    grad = np.random.default_rng(1).standard_normal(300)
    pieces = list(fg.forward_gradient_chunks(gaussian, grad, 4, 1001))
    assert len(pieces) > 1 and all(chunk.nbytes <= fg.estimator.CHUNK_BYTES for _, chunk in pieces)
    assert [rows.start for rows, _ in pieces] == [0] + [rows.stop for rows, _ in pieces[:-1]]
    assert pieces[-1][0].stop == 1001
    # The same draws, up to the rounding of each row's ∇f·v, as in test_chunked_monte_carlo_equals_the_whole_sample:
    # another summation of its n = 300 terms moves g_i = (∇f·v) v_i by at most n ε ‖v‖ ‖∇f‖ |v_i| ≈ 4e-11 (entries
    # reach 190): atol 1e-10, while other draws would differ by O(1).
    np.testing.assert_allclose(np.concatenate([chunk for _, chunk in pieces]),
                               forward_gradient_samples(gaussian, grad, 4, 1001), rtol=1e-12, atol=1e-10)
    with pytest.raises(ValueError, match="num_samples"):  # checked at the call, not at the first chunk
        fg.forward_gradient_chunks(gaussian, grad, 4, 0)


def test_chunked_draws_leave_the_generator_where_one_draw_does():
    for law in all_laws(7):
        rngs = np.random.default_rng(3), np.random.default_rng(3)
        squared_deviations(law, np.ones(7), rngs[0], 10_001)
        law.sample(7, rngs[1], size=10_001)
        assert rngs[0].integers(1 << 62) == rngs[1].integers(1 << 62), law.name


@pytest.mark.parametrize("quantity", [
    lambda grad: squared_deviations(gaussian, grad, 0, 400),
    lambda grad: sign_agreement_counts(rademacher, grad, 0, 400),
    lambda grad: forward_gradient_samples(sphere, grad, 0, 400, coordinates=[0, -1]),
], ids=["squared deviations", "sign counts", "two columns"])
def test_monte_carlo_helpers_hold_chunks_not_the_whole_sample(quantity):
    # 400 forward gradients of n = 10^4 coordinates are 32 MB at once; chunks are 128 KiB.
    value, peak = traced_peak(quantity, np.random.default_rng(0).standard_normal(10**4))
    assert len(value) == 400 and np.all(np.isfinite(value))
    assert peak < 2e6, f"peak {peak / 1e6:.1f} MB"


@pytest.mark.simd
def test_sign_agreement_distribution_of_a_million_coordinates_in_linear_memory():
    (counts, probabilities), peak = traced_peak(sign_agreement_distribution, 10**6)
    assert peak < 100e6, f"peak {peak / 1e6:.0f} MB"
    assert counts[0] == 5 * 10**5 and counts[-1] == 10**6
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    # 5e5 logs summed (cumsum) and exponentiated against a product of ratios: measured 9e-15 at the SSE4.2 and
    # AVX2 levels, whose exp and log differ; 1e-13 is rounding grown over the sum, not a looser claim.
    assert counts @ probabilities == pytest.approx(expected_sign_agreement(10**6), rel=1e-13)


# --------------------------------------------------------------------------- bad input

RNG = np.random.default_rng(0)
Q3 = random_rotation(3, 0)


def _f(x):
    return anp.sum(x**2)


def _f_rows(X):
    return anp.sum(X**2, axis=1)


BAD_INPUTS = [
    # the user's function
    (lambda: forward_gradient(nan_function, np.ones(3), rademacher, 0), ValueError, "f", ("finite",)),
    (lambda: forward_gradient(string_function, np.ones(3), rademacher, 0), TypeError, "f", ()),
    (lambda: forward_gradient(lambda x: x**2, np.ones(2), rademacher, 0), ValueError, "f", ("scalar",)),
    (lambda: forward_gradient(lambda x: 1j * anp.sum(x), np.ones(2), rademacher, 0), TypeError, "f", ()),
    (lambda: forward_gradient(np.ones(2), np.ones(2), rademacher, 0), TypeError, "f", ("callable",)),
    (lambda: forward_gradient(lambda x: anp.sqrt(anp.sum(x * 0.0)), np.ones(2), rademacher, 0), ValueError, "f",
     ("directional derivative",)),
    (lambda: forward_gradient_batch(lambda X: anp.sum(X), np.ones((3, 2)), rademacher, 0), ValueError, "f",
     ("(3,)",)),
    (lambda: forward_gradient_batch(plain_numpy_function, np.ones((3, 2)), rademacher, 0), TypeError, "f",
     ("write it with autograd.numpy",)),
    (lambda: forward_gradient(lambda x: math.exp(x[0]), np.ones(3), rademacher, 0), TypeError, "f",
     ("write it with autograd.numpy",)),
    (lambda: forward_gradient_batch(string_function, np.ones((3, 2)), rademacher, 0), TypeError, "f", ()),
    (lambda: forward_gradient_batch("f", np.ones((3, 2)), rademacher, 0), TypeError, "f", ("callable",)),
    # points
    (lambda: forward_gradient(_f, [1.0, np.nan], rademacher, 0), ValueError, "theta", ("finite",)),
    (lambda: forward_gradient(_f, [1.0, np.inf], rademacher, 0), ValueError, "theta", ("finite",)),
    (lambda: forward_gradient(_f, np.array([1j, 2.0]), rademacher, 0), TypeError, "theta", ("complex",)),
    (lambda: forward_gradient(_f, np.ones((2, 2)), rademacher, 0), ValueError, "theta", ("1-d",)),
    (lambda: forward_gradient(_f, [], rademacher, 0), ValueError, "theta", ()),
    (lambda: forward_gradient(_f, ["a", "b"], rademacher, 0), TypeError, "theta", ("strings",)),
    (lambda: forward_gradient(_f, [True, False], rademacher, 0), TypeError, "theta", ("bools",)),
    (lambda: forward_gradient_batch(_f_rows, np.ones(3), rademacher, 0), ValueError, "thetas", ("2-d",)),
    (lambda: forward_gradient_batch(_f_rows, [[1.0, np.nan]], rademacher, 0), ValueError, "thetas", ("finite",)),
    (lambda: forward_gradient_batch(_f_rows, 1j * np.ones((2, 2)), rademacher, 0), TypeError, "thetas",
     ("complex",)),
    # laws
    (lambda: forward_gradient(_f, np.ones(2), "rademachr", 0), ValueError, "law", ("did you mean 'rademacher'",)),
    (lambda: forward_gradient(_f, np.ones(2), 3, 0), TypeError, "law", ("TangentLaw",)),
    (lambda: forward_gradient(_f, np.ones(4), rotated(rademacher, Q3), 0), ValueError, "n",
     ("size of the rotation Q",)),
    (lambda: mean_squared_deviation("gausian", np.ones(2)), ValueError, "law", ("did you mean 'gaussian'",)),
    (lambda: mean_squared_deviation(rotated(rademacher, Q3), np.ones(2)), ValueError, "n", ("rotation Q",)),
    (lambda: mean_squared_deviation(rotated(rademacher, Q3), np.zeros(2)), ValueError, "n", ("rotation Q",)),
    (lambda: rotated(rademacher, Q3).quartic_form(np.ones(2), np.ones(2)), ValueError, "n", ("rotation Q",)),
    (lambda: rademacher.quartic_form(np.ones(2), np.ones(3)), ValueError, "c", ("last axis",)),
    (lambda: rademacher.quartic_form(1.0, np.ones(3)), ValueError, "b", ("scalar",)),
    (lambda: rademacher.quartic_form(np.ones(2), [np.nan, 1.0]), ValueError, "c", ("finite",)),
    (lambda: rotated(rademacher, [[1.0, 0.5], [0.0, 1.0]]), ValueError, "Q", ("orthogonal",)),
    (lambda: rotated(rademacher, np.ones((2, 3))), ValueError, "Q", ("square",)),
    (lambda: rotated(rademacher, np.ones(3)), ValueError, "Q", ("2-d",)),
    (lambda: rotated(rademacher, 1j * np.eye(2)), TypeError, "Q", ("complex",)),
    (lambda: rotated(rademacher, [["a", "b"], ["c", "d"]]), TypeError, "Q", ("strings",)),
    (lambda: rotated(rademacher, [[np.nan, 0.0], [0.0, 1.0]]), ValueError, "Q", ("finite",)),
    (lambda: rotated("cauchy", np.eye(2)), ValueError, "law", ("gaussian",)),
    (lambda: gaussian.sample(0, RNG), ValueError, "n", (">= 1",)),
    (lambda: gaussian.sample(2.5, RNG), TypeError, "n", ()),
    (lambda: gaussian.sample(True, RNG), TypeError, "n", ()),
    (lambda: gaussian.sample(3, RNG, size=0), ValueError, "size", (">= 1",)),
    (lambda: gaussian.sample(3, RNG, size=True), TypeError, "size", ()),
    (lambda: gaussian.sample(3, RNG, size=2.0), TypeError, "size", ()),
    (lambda: random_rotation(0, 0), ValueError, "n", ()),
    (lambda: random_rotation(3, None), TypeError, "rng", ()),
    # counts
    (lambda: forward_gradient(_f, np.ones(2), rademacher, 0, B=0), ValueError, "B", (">= 1",)),
    (lambda: forward_gradient_batch(_f_rows, np.ones((2, 2)), rademacher, 0, B=-1), ValueError, "B", ()),
    (lambda: forward_gradient_oracle(_f_rows, rademacher, 2, 0, B=0), ValueError, "B", ()),
    (lambda: forward_gradient_oracle(_f_rows, rademacher, 0, 0), ValueError, "n", (">= 1",)),
    (lambda: forward_gradient_oracle("f", rademacher, 2, 0), TypeError, "f", ("callable",)),
    (lambda: forward_gradient_oracle(_f_rows, "uniform", 2, 0), ValueError, "law", ()),
    (lambda: forward_gradient_samples(rademacher, np.ones(2), 0, 0), ValueError, "num_samples", ()),
    (lambda: forward_gradient_samples(rademacher, np.ones(2), 0, 3, coordinates=[2]), ValueError, "coordinates",
     ("indices", "n = 2")),
    (lambda: forward_gradient_samples(rademacher, np.ones(2), 0, 3, coordinates=[-3]), ValueError, "coordinates",
     (">= -2",)),
    (lambda: forward_gradient_samples(rademacher, np.ones(2), 0, 3, coordinates=[0.5]), TypeError, "coordinates",
     ("integer",)),
    (lambda: squared_deviations(rademacher, np.ones(2), 0, True), TypeError, "num_samples", ()),
    (lambda: sign_agreement_counts(rademacher, np.ones(2), 0, 1.5), TypeError, "num_samples", ()),
    (lambda: sample_sign_descent_progress(rademacher, np.ones(2), 0, 0), ValueError, "num_samples", ()),
    # gradients and objectives given as vectors
    (lambda: mean_squared_deviation(rademacher, [1.0, np.nan]), ValueError, "grad", ("finite",)),
    (lambda: coordinate_variances(rademacher, [1j, 1.0]), TypeError, "grad", ("complex",)),
    (lambda: sign_agreement_counts(rademacher, np.ones((2, 2)), 0, 10), ValueError, "grad", ()),
    (lambda: linear_sgd_expected_gain([np.inf]), ValueError, "mu", ()),
    (lambda: adam_long_memory_progress(rademacher, np.zeros(3)), ValueError, "mu", ("zero",)),
    (lambda: sign_descent_progress(np.arange(1.0, 21.0)), ValueError, "mu", ("exact progress", "unequal")),
    (lambda: expected_sign_agreement_isotropic(np.zeros(3)), ValueError, "grad", ("zero",)),
    (lambda: forward_gradient_mean(np.eye(2), np.ones(3)), ValueError, "second_moment_matrix", ("(3, 3)",)),
    (lambda: forward_gradient_mean(1j * np.eye(2), np.ones(2)), TypeError, "second_moment_matrix", ()),
    (lambda: is_unbiased(np.ones((2, 3))), ValueError, "second_moment_matrix", ("square",)),
    (lambda: is_unbiased(np.eye(2), atol=0.0), ValueError, "atol", ("> 0",)),
    (lambda: is_unbiased(np.eye(2), atol=True), TypeError, "atol", ()),
    (lambda: monte_carlo([1.0]), ValueError, "samples", ("at least 2",)),
    (lambda: monte_carlo([1.0, np.nan]), ValueError, "samples", ("finite",)),
    (lambda: monte_carlo(["a", "b"]), TypeError, "samples", ()),
    # options and tuning numbers
    (lambda: linear_sgd_expected_gain(np.ones(2), lr=-1.0), ValueError, "lr", ()),
    (lambda: linear_sgd_expected_squared_step(rademacher, np.ones(2), lr="1"), TypeError, "lr", ()),
    # dimensions of the walk
    (lambda: expected_walk_distance(0), ValueError, "n", (">= 1",)),
    (lambda: expected_walk_distance(True), TypeError, "n", ()),
    (lambda: expected_walk_distance(np.array([1, 0])), ValueError, "n", ()),
    (lambda: expected_sign_agreement(np.array([True, False])), TypeError, "n", ()),
    (lambda: expected_sign_agreement([]), ValueError, "n", ("empty",)),
    (lambda: sign_bound(2.5), TypeError, "n", ()),
    (lambda: sign_bound("3"), TypeError, "n", ()),
    (lambda: sign_bound(None), TypeError, "n", ()),
    (lambda: sign_agreement_distribution(0), ValueError, "n", ()),
    (lambda: sign_agreement_distribution(np.int64(3) == 3), TypeError, "n", ()),
]


@pytest.mark.parametrize("call, kind, name, words", BAD_INPUTS)
def test_bad_input_names_the_argument(call, kind, name, words):
    assert_refused(call, name, *words, error=kind)


def _stable_id(value):
    """A test id that is the same in every process (a RandomState's repr holds its address)."""
    return repr(value) if isinstance(value, (int, float, str, type(None))) else type(value).__name__


@pytest.mark.parametrize("bad", NOT_RNGS, ids=_stable_id)
@pytest.mark.parametrize("call", [
    lambda rng: forward_gradient(_f, np.ones(2), rademacher, rng),
    lambda rng: forward_gradient_batch(_f_rows, np.ones((2, 2)), rademacher, rng),
    lambda rng: forward_gradient_oracle(_f_rows, rademacher, 2, rng),
    lambda rng: forward_gradient_samples(rademacher, np.ones(2), rng, 3),
    lambda rng: sign_agreement_counts(rademacher, np.ones(2), rng, 3),
    lambda rng: gaussian.sample(3, rng),
], ids=["forward_gradient", "batch", "oracle", "samples", "sign counts", "sample"])
def test_rng_is_a_seed_or_a_generator_only(call, bad):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        call(bad)
    assert_names_argument(excinfo, "rng", "Generator")


@pytest.mark.parametrize("bad", NOT_COUNTS, ids=repr)
def test_counts_refuse_non_integers(bad):
    with pytest.raises(TypeError) as excinfo:
        forward_gradient(_f, np.ones(2), rademacher, 0, B=bad)
    assert_names_argument(excinfo, "B", "integer")
    with pytest.raises(TypeError) as excinfo:
        forward_gradient_samples(rademacher, np.ones(2), 0, bad)
    assert_names_argument(excinfo, "num_samples", "integer")


def test_an_int_seed_and_its_generator_give_the_same_draws():
    f = lambda x: anp.sum(anp.sin(x))
    # exact: an int seed is turned into default_rng(seed), the same draws
    assert np.array_equal(forward_gradient(f, np.ones(4), gaussian, 7)[1],
                          forward_gradient(f, np.ones(4), gaussian, np.random.default_rng(7))[1])
    assert np.array_equal(sphere.sample(4, 3, size=2), sphere.sample(4, np.random.default_rng(3), size=2))


def test_batch_returns_non_finite_values_at_finite_points_for_the_caller():
    # An optimizer running many starts turns these into a status; forward_gradient refuses them.
    values, G = forward_gradient_batch(lambda X: anp.sum(anp.exp(X), axis=1), np.array([[1.0], [1e3]]),
                                       rademacher, 0)
    assert np.isfinite(values[0]) and values[1] == np.inf
    with pytest.raises(ValueError) as excinfo:
        forward_gradient(lambda x: anp.sum(anp.exp(x)), np.array([1e3]), rademacher, 0)
    assert_names_argument(excinfo, "f", "finite")


# --------------------------------------------------------------------------- figures

def test_figures_draw_and_reject_unknown_gradient_shapes():
    from matplotlib.figure import Figure

    from fgcourse.forward_gradient import plots

    assert isinstance(plots.draw_tangent_laws(3, law="rotated rademacher", shape="random", num_samples=200), Figure)
    assert isinstance(plots.draw_sign_agreement(7, law="sphere", num_samples=200), Figure)
    assert isinstance(plots.draw_minimal_laws_3d(num_sphere_points=50), Figure)
    assert np.array_equal(plots.example_gradient("dominant", 3), [1.0, 0.05, 0.05])  # exact: stored constants
    assert np.array_equal(plots.example_gradient("random", 3, 5), np.random.default_rng(5).standard_normal(3))
    for call, name in [(lambda: plots.example_gradient("flat", 3), "shape"),
                       (lambda: plots.example_gradient("random", 3), "rng"),
                       (lambda: plots.draw_tangent_laws(3, law="cauchy"), "law"),
                       (lambda: plots.draw_sign_agreement(3, law="rademachr"), "law"),
                       (lambda: plots.draw_sign_agreement(0), "n"),
                       (lambda: plots.draw_tangent_laws(3, num_samples=0), "num_samples"),
                       (lambda: plots.draw_minimal_laws_3d(rng=None), "rng"),
                       (lambda: plots.draw_linear_objectives(num_steps=True), "num_steps"),
                       (lambda: plots.draw_sign_excess(1), "max_n")]:
        with pytest.raises((TypeError, ValueError)) as excinfo:
            call()
        assert_names_argument(excinfo, name)


@pytest.mark.parametrize("n, law", [(1, "gaussian"), (10, "sphere"), (200, "rotated rademacher")])
def test_tangent_laws_page_shows_the_monte_carlo_and_exact_values_inside_its_view(n, law):
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.patches import StepPatch

    from fgcourse.forward_gradient import plots

    fig = plots.draw_tangent_laws(n, law=law, shape="random", num_samples=500, rng=3)
    hist, bars = fig.axes
    # The histograms: densities (area 1), inside the view.
    for patch in [a for a in hist.get_children() if isinstance(a, StepPatch)]:
        heights, edges = patch.get_data()[:2]
        assert np.sum(heights * np.diff(edges)) == pytest.approx(1.0)
        assert hist.get_xlim()[0] <= edges[0] and edges[-1] <= hist.get_xlim()[1]
        assert heights.max() <= hist.get_ylim()[1]
    # The bars: the Monte-Carlo MSD of every law over ‖∇f‖², recomputed from the same stream.
    rng = np.random.default_rng(3)
    laws, grad = plots.demo_laws(n), plots.example_gradient("random", n, rng)  # drawn first, then the tangents
    forward_gradient_samples(laws[law], grad, rng, 500)
    expected = [monte_carlo(squared_deviations(laws[name], grad, rng, 500)).mean / (grad @ grad) for name in laws]
    (polygons,) = [a for a in bars.get_children() if isinstance(a, PolyCollection)]
    heights = [path.vertices[:, 1].max() for path in polygons.get_paths()]
    np.testing.assert_allclose(heights, expected, rtol=1e-12)
    exact = [mean_squared_deviation(laws[name], grad) / (grad @ grad) for name in laws]
    dashes = [a for a in bars.get_children() if isinstance(a, LineCollection)][-1]
    np.testing.assert_allclose([segment[0, 1] for segment in dashes.get_segments()], exact, rtol=1e-12)
    tops = [segment[:, 1].max() for c in bars.collections for segment in
            (c.get_segments() if isinstance(c, LineCollection) else [p.vertices for p in c.get_paths()])]
    assert max(tops) <= bars.get_ylim()[1]
    # Tick labels of the levels n − 1 and n + 1 never print on top of each other.
    levels = bars.get_yticks()
    assert np.all(np.diff(levels) >= 0.1 * bars.get_ylim()[1] - 1e-9)
