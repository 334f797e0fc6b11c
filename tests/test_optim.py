"""Tests for fgcourse.optim: update rules, oracles, minimize's bookkeeping and its errors."""

import math
import warnings

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fgcourse.forward_gradient import gaussian, rademacher
from fgcourse.optim import (
    OPTIMIZERS, AdaBelief, Adam, ClippedSGD, OptimizeResult, explorer_figure, get_optimizer,
    iterations_to_reach, minimize, true_and_forward_runs, true_gradient_batch,
)
from fgcourse.testfunctions import beale, hyperellipsoid, rosenbrock, sphere

finite_floats = st.floats(-3, 3, allow_nan=False)
learning_rates = st.floats(1e-3, 0.2)
beta1s = st.floats(0.5, 0.99)
beta2s = st.floats(0.9, 0.9999)


def linear(mu):
    """The row-wise linear objective θ ↦ μᵀθ (constant gradient μ)."""
    return lambda X: anp.sum(X * mu, axis=-1)


# ----------------------------------------------------------------- hand-computed single steps


def first_step(optimizer, x0, lr=0.1, f=sphere):
    return minimize(f, np.array(x0), optimizer, lr, steps=1).trajectory[1]


def test_sgd_single_step_by_hand():
    # ∇(x² + y²) at (1, 2) is (2, 4).
    np.testing.assert_allclose(first_step("sgd", [1.0, 2.0]), [0.8, 1.6], rtol=1e-15)


def test_clipped_sgd_single_step_by_hand():
    # gradient (2, 0.5): the first coordinate is clipped to 1, the second kept.
    np.testing.assert_allclose(first_step("clipped_sgd", [1.0, 0.25]), [0.9, 0.2], rtol=1e-15)
    np.testing.assert_allclose(first_step(ClippedSGD(clip=3.0), [1.0, 0.25]), [0.8, 0.2], rtol=1e-15)


def test_adam_single_step_by_hand():
    # After bias correction m̂_1 = g and p̂_1 = g², so the first step is α g / (|g| + ε).
    g = np.array([2.0, -4.0])
    expected = np.array([1.0, -2.0]) - 0.1 * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(first_step("adam", [1.0, -2.0]), expected, rtol=1e-15)


def test_adabelief_single_step_by_hand():
    # m_1 = 0.1 g, p_1 = 0.001 (0.9 g)² + ε, so m̂_1 = g and p̂_1 = 0.81 g² + ε / 0.001.
    g = np.array([2.0, -4.0])
    p_hat = 0.81 * g**2 + 1e-8 / (1 - 0.999)
    expected = np.array([1.0, -2.0]) - 0.1 * g / (np.sqrt(p_hat) + 1e-8)
    np.testing.assert_allclose(first_step("adabelief", [1.0, -2.0]), expected, rtol=1e-14)


# ------------------------------------------------------- independent scalar reference loops


def reference_adaptive(grad_i, x0, lr, beta1, beta2, eps, steps, belief):
    """Kingma & Ba's Algorithm 1 (belief=False) or Zhuang et al.'s Algorithm 2 (belief=True),
    one coordinate at a time, in plain Python floats; grad_i(i, x_i) is ∂f/∂x_i."""
    path = [list(x0)]
    for i, x in enumerate(x0):
        m = s = 0.0
        for t in range(1, steps + 1):
            g = grad_i(i, x)
            m = beta1 * m + (1 - beta1) * g
            if belief:
                s = beta2 * s + (1 - beta2) * (g - m) ** 2 + eps
            else:
                s = beta2 * s + (1 - beta2) * g * g
            m_hat = m / (1 - beta1**t)
            s_hat = s / (1 - beta2**t)
            x = x - lr * m_hat / (math.sqrt(s_hat) + eps)
            if i == 0:
                path.append([0.0] * len(x0))
            path[t][i] = x
    return np.array(path)


@given(
    arrays(float, 3, elements=finite_floats), learning_rates, beta1s, beta2s,
    st.sampled_from([1e-8, 1e-3]), st.booleans(),
)
def test_adam_and_adabelief_match_the_papers_pseudocode(x0, lr, beta1, beta2, eps, belief):
    # hyperellipsoid Σ i x_i²: ∂f/∂x_i = 2 (i + 1) x_i with 0-based i.
    optimizer = (AdaBelief if belief else Adam)(beta1=beta1, beta2=beta2, eps=eps)
    result = minimize(hyperellipsoid, x0, optimizer, lr, steps=30)
    expected = reference_adaptive(lambda i, x: 2 * (i + 1) * x, x0, lr, beta1, beta2, eps, 30, belief)
    assert result.status == "max_steps"
    np.testing.assert_allclose(result.trajectory, expected, rtol=1e-9, atol=1e-12)


@given(arrays(float, 4, elements=st.floats(0.1, 10) | st.floats(-10, -0.1)), st.integers(1, 40))
def test_adam_with_a_constant_gradient_is_sign_descent(mu, steps):
    # With g_k = μ for all k, bias correction gives m̂_k = μ and p̂_k = μ² exactly (001, §4.2.2).
    result = minimize(linear(mu), np.zeros(4), "adam", 0.01, steps=steps)
    np.testing.assert_allclose(result.x, -0.01 * steps * np.sign(mu), rtol=1e-6)


# ------------------------------------------------------------------------------ SGD theory


@given(st.integers(1, 6), st.floats(0.01, 0.9), st.integers(1, 60))
def test_sgd_on_a_quadratic_follows_the_linear_rate(n, scale, steps):
    # On Σ i x_i², SGD multiplies coordinate i by (1 − 2αi) each step; pick α so that the
    # slowest and fastest factors lie strictly inside (−1, 1).
    lr = scale / (2 * n)
    x0 = np.linspace(1.0, 2.0, n)
    result = minimize(hyperellipsoid, x0, "sgd", lr, steps=steps)
    factors = 1 - 2 * lr * np.arange(1, n + 1)
    k = np.arange(steps + 1)[:, None]
    np.testing.assert_allclose(result.trajectory, x0 * factors**k, rtol=1e-10, atol=1e-300)
    rate = np.max(np.abs(factors))
    assert np.linalg.norm(result.x) <= rate**steps * np.linalg.norm(x0) * (1 + 1e-12)


def test_forward_sgd_is_true_sgd_in_expectation_on_a_quadratic():
    # The gradient of a quadratic is linear in θ, so E[θ_k] follows true SGD exactly.
    runs = np.tile([1.0, -1.0, 0.5], (4000, 1))
    forward = minimize(hyperellipsoid, runs, "sgd", 0.05, gradient="forward", rng=0, steps=10)
    true = minimize(hyperellipsoid, runs[0], "sgd", 0.05, steps=10)
    mean = forward.trajectory.mean(axis=1)
    standard_error = forward.trajectory.std(axis=1) / np.sqrt(runs.shape[0]) + 1e-12
    assert np.all(np.abs(mean - true.trajectory) <= 5 * standard_error)


@pytest.mark.parametrize("law", [rademacher, gaussian])
def test_forward_sgd_with_many_tangents_approaches_true_sgd(law):
    runs = np.tile([-1.0, 0.0], (20, 1))
    true = minimize(rosenbrock, runs[0], "sgd", 5e-4, steps=20)

    def deviation(num_tangents):
        forward = minimize(rosenbrock, runs, "sgd", 5e-4, gradient="forward", law=law,
                           num_tangents=num_tangents, rng=1, steps=20)
        return np.mean((forward.trajectory - true.trajectory[:, None, :]) ** 2)

    few, many = deviation(1), deviation(200)
    assert many < few / 20  # the variance of the average of B tangents is 1/B of one
    assert many < 1e-3


# ------------------------------------------------------------------------------ the oracles


@given(st.integers(2, 6).flatmap(lambda n: arrays(float, (3, n), elements=finite_floats)))
def test_true_gradient_batch_gives_each_rows_gradient(points):
    values, G = true_gradient_batch(rosenbrock.f, points)
    np.testing.assert_allclose(values, rosenbrock(points), rtol=1e-14)
    np.testing.assert_allclose(G, np.array([grad(rosenbrock.f)(p) for p in points]), rtol=1e-12, atol=1e-12)


def test_forward_runs_are_reproducible_from_a_seed():
    x0 = np.tile([0.0, 0.5], (3, 1))
    a = minimize(beale, x0, "adam", 0.01, gradient="forward", rng=7, steps=50)
    b = minimize(beale, x0, "adam", 0.01, gradient="forward", rng=np.random.default_rng(7), steps=50)
    np.testing.assert_array_equal(a.trajectory, b.trajectory)
    assert not np.allclose(a.trajectory[:, 0], a.trajectory[:, 1])  # independent tangents per row


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_batch_rows_equal_single_runs(name):
    starts = np.array([[0.0, 0.5], [1.0, 1.0], [-1.0, 2.0]])
    batch = minimize(beale, starts, name, 0.001, steps=100)
    for b, start in enumerate(starts):
        single = minimize(beale, start, name, 0.001, steps=100)
        np.testing.assert_allclose(batch.trajectory[:, b], single.trajectory, rtol=1e-13)
        assert single.nit == batch.nit[b] and single.status == batch.status[b]


# --------------------------------------------------------------------- statuses and history


def test_divergence_stops_each_run_with_its_history_intact():
    # Factor 1 − 2·1.5 = −2 per step: the loss 4^k θ_0² crosses 1e6 at k = 10 from 1, at k = 20 from 1e-3.
    x0 = np.array([[1.0], [1e-3]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = minimize(sphere, x0, "sgd", 1.5, steps=100, divergence_threshold=1e6)
    assert result.status.tolist() == ["diverged", "diverged"]
    assert result.nit.tolist() == [10, 20]
    assert result.trajectory.shape == (21, 2, 1) and result.losses.shape == (21, 2)
    k = np.arange(21)
    np.testing.assert_allclose(result.trajectory[:11, 0, 0], (-2.0) ** k[:11], rtol=1e-15)
    np.testing.assert_allclose(result.trajectory[:, 1, 0], 1e-3 * (-2.0) ** k, rtol=1e-15)
    assert np.all(np.isnan(result.trajectory[11:, 0])) and np.all(np.isnan(result.losses[11:, 0]))
    assert result.fun[0] == result.losses[10, 0] == 2.0**20
    assert result.message == "2 runs: 2 diverged"


def test_overflow_ends_as_non_finite_without_warnings():
    # Without a divergence threshold in reach, Rosenbrock's quartic blows up to inf.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = minimize(rosenbrock, np.array([3.0, -3.0]), "sgd", 0.1, steps=100, divergence_threshold=1e308)
    assert result.status == "non_finite"
    assert np.all(np.isfinite(result.trajectory)) and np.all(np.isfinite(result.losses))
    assert result.trajectory.shape == (result.nit + 1, 2)
    np.testing.assert_array_equal(result.x, result.trajectory[-1])


def test_leaving_the_domain_is_non_finite_and_keeps_the_last_valid_point():
    # f = Σ √x_i decreases towards x = 0 and is NaN beyond it.
    result = minimize(lambda X: anp.sum(anp.sqrt(X), axis=-1), np.array([1.0]), "sgd", 0.5, steps=100)
    assert result.status == "non_finite"
    assert np.all(result.trajectory > 0) and result.x[0] == result.trajectory[-1, 0]


def test_a_run_converges_when_it_reaches_the_target_and_others_continue():
    starts = np.array([[0.1, 0.1], [2.0, 2.0]])
    result = minimize(sphere, starts, "sgd", 0.1, steps=15, target=1e-3)  # loss × 0.64 per step
    assert result.status.tolist() == ["converged", "max_steps"]
    stop = result.nit[0]
    assert result.losses[stop, 0] <= 1e-3 < result.losses[stop - 1, 0]
    assert np.all(np.isnan(result.losses[stop + 1:, 0])) and result.nit[1] == 15
    assert minimize(sphere, np.zeros(2), steps=5, target=0.0).nit == 0


def test_single_start_result_drops_the_batch_axis():
    result = minimize(beale, [0.0, 0.5], steps=3)
    assert isinstance(result, OptimizeResult)
    assert result.x.shape == (2,) and result.trajectory.shape == (4, 2) and result.losses.shape == (4,)
    assert isinstance(result.fun, float) and result.nit == 3 and result.status == "max_steps"
    assert (result.optimizer, result.gradient) == ("sgd", "true")


def test_true_and_forward_runs():
    true_run, forward_runs = true_and_forward_runs(beale, [0.0, 0.5], "adam", 0.01, law="gaussian", steps=10, num_runs=4)
    assert true_run.trajectory.shape == (11, 2) and forward_runs.trajectory.shape == (11, 4, 2)
    assert forward_runs.gradient == "forward" and true_run.gradient == "true"
    with pytest.raises(ValueError, match="x0 must be a single start"):
        true_and_forward_runs(beale, np.zeros((2, 2)))


def test_iterations_to_reach_matches_the_closed_form():
    # SGD with α = 0.1 on Σ x_i² multiplies the loss by 0.64 per step: from 8, f_k = 8 · 0.64^k.
    result = minimize(sphere, np.array([[2.0, 2.0], [0.0, 0.1]]), "sgd", 0.1, steps=30)
    expected_first = int(np.ceil(np.log(0.1 / 8) / np.log(0.64)))
    assert iterations_to_reach(result, 0.1).tolist() == [expected_first, 0]
    assert iterations_to_reach(result, -1.0).tolist() == [-1, -1]
    assert iterations_to_reach(minimize(sphere, np.array([2.0, 2.0]), "sgd", 0.1, steps=30), 0.1) == expected_first


def test_explorer_figure_draws_both_panels():
    import matplotlib

    matplotlib.use("Agg")
    figure = explorer_figure(0.01, start=(1.0, 2.0), law="gaussian", optimizer="adabelief", seed=3, steps=20)
    contour_ax, loss_ax = figure.axes
    assert len(contour_ax.lines) == 1 + 2 * 6  # the star, then a path and a start marker per run
    assert len(loss_ax.lines) == 6 and "adabelief, lr = 0.01, gaussian" in figure.get_suptitle()


def test_clipped_forward_rademacher_gradient_is_all_or_nothing():
    # A Rademacher forward gradient has equal magnitudes: clipping touches all or no coordinates.
    v = rademacher.sample(np.random.default_rng(0), 6)
    for scale in (0.5, 3.0):
        direction, _ = ClippedSGD().direction(scale * v, (), 1)
        np.testing.assert_allclose(np.abs(direction), min(scale, 1.0))


# ------------------------------------------------------------------------------ bad inputs


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (dict(lr=0.0), ValueError, r"lr must be > 0 and finite, got 0.0"),
        (dict(lr=-0.1), ValueError, r"lr must be > 0"),
        (dict(lr=float("nan")), ValueError, r"lr must be > 0 and finite, got nan"),
        (dict(lr="big"), TypeError, r"lr must be a positive number"),
        (dict(optimizer="adamw"), ValueError, r"optimizer must be one of \['adabelief', 'adam', 'clipped_sgd', 'sgd'\]"),
        (dict(gradient="forward", law="uniform", rng=0), ValueError, r"law must be .*'rademacher'"),
        (dict(gradient="forward", law=42, rng=0), ValueError, r"law must be"),
        (dict(law="cauchy"), ValueError, r"law must be .*got 'cauchy'"),
        (dict(gradient="forward"), TypeError, r"needs rng"),
        (dict(gradient="forward", rng=0, num_tangents=0), ValueError, r"num_tangents must be >= 1"),
        (dict(gradient="backward"), ValueError, r"gradient must be 'true' or 'forward', got 'backward'"),
        (dict(steps=0), ValueError, r"steps must be >= 1, got 0"),
        (dict(steps=10.5), TypeError, r"steps must be a positive int"),
        (dict(target="low"), TypeError, r"target must be a number or None"),
        (dict(divergence_threshold=-1.0), ValueError, r"divergence_threshold must be > 0"),
    ],
)
def test_bad_arguments_name_themselves(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        minimize(beale, np.zeros(2), **kwargs)


@pytest.mark.parametrize(
    "x0, error, pattern",
    [
        (np.zeros((2, 2, 2)), ValueError, r"x0 must have shape \(n,\) or \(B, n\).*\(2, 2, 2\)"),
        (np.zeros(0), ValueError, r"x0 must have shape"),
        (["a", "b"], TypeError, r"x0 must be an array of numbers"),
        (np.array([np.nan, 0.0]), ValueError, r"x0 must be finite"),
        (np.zeros(3), ValueError, r"dimension 2 only"),
    ],
)
def test_bad_starts(x0, error, pattern):
    with pytest.raises(error, match=pattern):
        minimize(beale, x0)


def test_objective_must_be_scalar_and_row_wise():
    with pytest.raises(ValueError, match=r"scalar objective evaluated row-wise.*got shape \(3, 2\)"):
        minimize(lambda X: X**2, np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"got shape \(\)"):
        minimize(lambda X: anp.sum(X**2), np.zeros((3, 2)))
    with pytest.raises(TypeError, match="f must be callable"):
        minimize("beale", np.zeros(2))


def test_bad_hyperparameters():
    with pytest.raises(ValueError, match="beta2 must lie in"):
        Adam(beta2=1.0)
    with pytest.raises(TypeError, match="beta1 must be a number in"):
        Adam(beta1="0.9")
    with pytest.raises(ValueError, match="eps must be > 0"):
        AdaBelief(eps=0.0)
    with pytest.raises(ValueError, match="clip must be > 0"):
        ClippedSGD(clip=0.0)
    assert get_optimizer(Adam(beta1=0.5)).beta1 == 0.5
