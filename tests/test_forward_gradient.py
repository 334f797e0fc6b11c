"""Tests for fgcourse.forward_gradient: laws, the estimator, and its exact theory."""

import itertools
import math
from fractions import Fraction

import autograd
import autograd.core
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    forward_gradient_samples,
    gaussian,
    is_unbiased,
    linear_objective_runs,
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


dimensions = st.integers(min_value=1, max_value=8)
seeds = st.integers(min_value=0, max_value=2**32 - 1)
law_names = st.sampled_from(["gaussian", "rademacher", "sphere", "rotated rademacher"])


def make_law(name, n, seed):
    return rotated(rademacher, random_orthogonal(n, seed)) if name == "rotated rademacher" else fg.LAWS[name]


@st.composite
def gradients(draw, n):
    values = draw(st.lists(st.floats(-10, 10, allow_nan=False), min_size=n, max_size=n))
    return np.array(values)


# Row-wise test objectives: each maps (B, n) to (B,), and row b depends only on row b.

def quadratic_rows(A, b):
    return lambda X: 0.5 * anp.sum((X @ A) * X, axis=1) + X @ b


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
    assert law.sample(rng, 6).shape == (6,)
    samples = law.sample(rng, 6, size=200_000)
    assert samples.shape == (200_000, 6)
    empirical = samples.T @ samples / len(samples)
    assert np.allclose(empirical, np.eye(6), atol=0.02)
    assert is_unbiased(law.second_moment_matrix(6), atol=1e-10)


@pytest.mark.parametrize("law", all_laws(5), ids=lambda law: law.name)
def test_fourth_moments_match_simulation(law):
    samples = law.sample(np.random.default_rng(2), 5, size=400_000)
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
        assert np.allclose(np.sum(law.sample(rng, 7, size=50) ** 2, axis=1), 7)


def test_sampling_is_reproducible_with_a_seed():
    for law in all_laws(3):
        assert np.array_equal(law.sample(np.random.default_rng(9), 3, 4), law.sample(np.random.default_rng(9), 3, 4))


def test_isotropic_laws_do_not_depend_on_a_basis():
    # The quartic form of an isotropic law is invariant under rotations of b and c.
    rng = np.random.default_rng(4)
    b, c = rng.standard_normal((2, 6))
    Q = random_orthogonal(6, 5)
    for law in [gaussian, sphere]:
        assert np.isclose(law.quartic_form(Q @ b, Q @ c), law.quartic_form(b, c))
        assert np.isclose(rotated(law, Q).quartic_form(b, c), law.quartic_form(b, c))
    assert not np.isclose(rademacher.quartic_form(Q @ b, Q @ c), rademacher.quartic_form(b, c))


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
        v = law.sample(np.random.default_rng(11), 4)
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
    tangents = [rademacher.sample(rng, 3, size=3) for _ in range(2)]
    gradients_ = thetas @ A
    expected = sum(np.sum(gradients_ * v, axis=1)[:, None] * v for v in tangents) / 2
    assert np.allclose(G, expected)


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


def test_known_walk_distances():
    assert expected_walk_distance(100) == pytest.approx(7.9589237387, abs=1e-10)
    assert expected_walk_distance(1) == 1.0
    assert expected_sign_agreement(1) == 1.0
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


@pytest.mark.parametrize("law", ["rademacher", "gaussian"])
def test_linear_objective_runs_match_the_expected_gains(law):
    rng = np.random.default_rng(10)
    n, num_steps, runs = 50, 20, 400
    mu = np.ones(n)
    sgd = linear_objective_runs(law, mu, rng, num_steps, rule="sgd", num_runs=runs, lr=0.1)
    final = monte_carlo(sgd[:, -1])
    assert abs(final.mean - num_steps * linear_sgd_expected_gain(mu, 0.1)) <= 4 * final.standard_error
    sign_steps = linear_objective_runs("rademacher", mu, rng, num_steps, rule="sign_descent", num_runs=runs)
    final = monte_carlo(sign_steps[:, -1])
    assert abs(final.mean + num_steps * sign_descent_progress(mu)) <= 4 * final.standard_error
    assert -final.mean < num_steps * n / 4  # far less than the true gradient's steps * n


@pytest.mark.parametrize("law", ["rademacher", "gaussian"])
def test_adam_long_memory_progress_is_the_limit_of_simulated_runs(law):
    rng = np.random.default_rng(12)
    mu = np.where(rng.random(30) < 0.5, -2.0, 1.0)
    runs = linear_objective_runs(law, mu, rng, 400, rule="adam_long_memory", num_runs=200)
    late_progress = -(runs[:, -1] - runs[:, -101]) / 100  # per step, once the running means settled
    assert late_progress.mean() == pytest.approx(adam_long_memory_progress(law, mu), rel=0.05)


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


# --------------------------------------------------------------------------- figures

def test_figures_draw_and_reject_unknown_gradient_shapes():
    from matplotlib.figure import Figure

    from fgcourse.forward_gradient import plots

    assert isinstance(plots.draw_tangent_laws(3, law="rotated rademacher", shape="random", num_samples=200), Figure)
    assert isinstance(plots.draw_sign_agreement(7, law="sphere", num_samples=200), Figure)
    assert isinstance(plots.draw_minimal_laws_3d(num_sphere_points=50), Figure)
    assert np.array_equal(plots.example_gradient("dominant", 3), [1.0, 0.05, 0.05])
    with pytest.raises(ValueError, match="shape must be one of"):
        plots.example_gradient("flat", 3)
