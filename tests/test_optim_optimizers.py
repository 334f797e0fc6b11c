"""Tests of fgcourse.optim.optimizers: each optimizer's step by hand and against the papers' pseudocode."""

import math

import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from strategies import assert_names_argument, assert_refused, beta1s, beta2s, finite_floats, learning_rates

from fgcourse.forward_gradient import rademacher
from fgcourse.optim import (
    OPTIMIZERS,
    SGD,
    AdaBelief,
    Adam,
    AdamLongMemory,
    ClippedSGD,
    SignDescent,
    get_optimizer,
    minimize,
)
from fgcourse.testfunctions import hyperellipsoid, sphere


def linear(mu):
    """The row-wise linear objective θ ↦ μᵀθ (constant gradient μ)."""
    return lambda X: anp.sum(X * mu, axis=-1)


# ----------------------------------------------------------------- hand-computed single steps


def first_step(optimizer, x0, lr=0.1, f=sphere):
    return minimize(f, np.array(x0), optimizer, lr, max_iter=1).path[1]


@pytest.mark.simd
def test_sgd_single_step_by_hand():
    # ∇(x² + y²) at (1, 2) is (2, 4).
    np.testing.assert_allclose(first_step("sgd", [1.0, 2.0]), [0.8, 1.6], rtol=1e-15)


@pytest.mark.simd
def test_clipped_sgd_single_step_by_hand():
    # gradient (2, 0.5): the first coordinate is clipped to 1, the second kept.
    np.testing.assert_allclose(first_step("clipped_sgd", [1.0, 0.25]), [0.9, 0.2], rtol=1e-15)
    np.testing.assert_allclose(first_step(ClippedSGD(clip=3.0), [1.0, 0.25]), [0.8, 0.2], rtol=1e-15)


@pytest.mark.simd
def test_adam_single_step_by_hand():
    # After bias correction m̂_1 = g and p̂_1 = g², so the first step is α g / (|g| + ε).
    g = np.array([2.0, -4.0])
    expected = np.array([1.0, -2.0]) - 0.1 * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(first_step("adam", [1.0, -2.0]), expected, rtol=1e-15)


@pytest.mark.simd
def test_adabelief_single_step_by_hand():
    # m_1 = 0.1 g, p_1 = 0.001 (0.9 g)² + ε, so m̂_1 = g and p̂_1 = 0.81 g² + ε / 0.001.
    g = np.array([2.0, -4.0])
    p_hat = 0.81 * g**2 + 1e-8 / (1 - 0.999)
    expected = np.array([1.0, -2.0]) - 0.1 * g / (np.sqrt(p_hat) + 1e-8)
    np.testing.assert_allclose(first_step("adabelief", [1.0, -2.0]), expected, rtol=1e-14)


@pytest.mark.simd
@given(arrays(float, (3, 4), elements=st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3) | st.just(0.0)), learning_rates)
def test_a_direction_is_added_and_descends(g, lr):
    # CONTRIBUTING: a direction is added, θ_k = θ_{k−1} + α d_k. Every optimizer's first direction
    # descends along g (d·g ≤ 0, < 0 unless it is zero), and SGD's step θ + α(−g) is θ − α g to the
    # last bit: negation is exact, so the sign convention changes no number.
    theta = np.linspace(-1.0, 1.0, g.size).reshape(g.shape)
    for optimizer in (*OPTIMIZERS.values(), SignDescent(), AdamLongMemory()):
        d, _ = optimizer.direction(g, optimizer.init(g), 1)
        assert np.all(np.sum(d * g, axis=1) <= 0)
        assert np.all((np.sum(d * g, axis=1) < 0) | ~np.any(d, axis=1))
    d, _ = SGD().direction(g, (), 1)
    assert np.array_equal(theta + lr * d, theta - lr * g)  # exact: −(lr·g) is lr·(−g), and x + (−y) is x − y


def test_hyperparameters_are_stored_as_floats_and_registered_names_resolve():
    adam = Adam(beta1=np.float32(0.5), beta2=0, eps=np.int64(1))
    assert (type(adam.beta1), adam.beta2, adam.eps) == (float, 0.0, 1.0)
    assert get_optimizer(adam) is adam
    assert get_optimizer("adabelief") is OPTIMIZERS["adabelief"]
    assert isinstance(get_optimizer("sgd"), SGD)


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
    result = minimize(hyperellipsoid, x0, optimizer, lr, max_iter=30)
    expected = reference_adaptive(lambda i, x: 2 * (i + 1) * x, x0, lr, beta1, beta2, eps, 30, belief)
    assert result.status == "max_iter" and result.success  # no target: spending the budget is a success
    np.testing.assert_allclose(result.path, expected, rtol=1e-9, atol=1e-12)


@given(arrays(float, 4, elements=st.floats(0.1, 10) | st.floats(-10, -0.1)), st.integers(1, 40))
def test_adam_with_a_constant_gradient_is_sign_descent(mu, steps):
    # With g_k = μ for all k, bias correction gives m̂_k = μ and p̂_k = μ² exactly (belouze2022paper, §4.2.2).
    result = minimize(linear(mu), np.zeros(4), "adam", 0.01, max_iter=steps)
    np.testing.assert_allclose(result.x, -0.01 * steps * np.sign(mu), rtol=1e-6)


def test_clipped_forward_rademacher_gradient_is_all_or_nothing():
    # A Rademacher forward gradient has equal magnitudes: clipping touches all or no coordinates.
    v = rademacher.sample(6, np.random.default_rng(0))
    for scale in (0.5, 3.0):
        direction, _ = ClippedSGD().direction(scale * v, (), 1)
        np.testing.assert_allclose(np.abs(direction), min(scale, 1.0))


# ------------------------------------------------------------------------- Adam's two limits


@pytest.mark.simd
def test_sign_descent_steps_by_the_sign_and_keeps_zeros():
    g = np.array([[2.5, -1e-300, 0.0], [-7.0, 3.0, -0.0]])
    direction, state = SignDescent().direction(g, SignDescent().init(g), 1)
    np.testing.assert_array_equal(direction, [[-1.0, 1.0, 0.0], [1.0, -1.0, 0.0]])  # exact: signs
    assert state == ()
    # Adam with β1 = β2 = 0 is sign descent up to a relative ε: −g / (|g| + ε)
    adam, _ = Adam(beta1=0.0, beta2=0.0).direction(g[:, :2], Adam().init(g[:, :2]), 1)
    np.testing.assert_allclose(adam[:, 0], [-1.0, 1.0], rtol=1e-8)


@pytest.mark.simd
def test_adam_long_memory_steps_by_the_mean_over_the_root_mean_square():
    optimizer = AdamLongMemory()
    gradients = np.array([[[3.0, 0.0]], [[-1.0, 0.0]], [[2.0, 4.0]]])
    state = optimizer.init(gradients[0])
    for k, g in enumerate(gradients, start=1):
        direction, state = optimizer.direction(g, state, k)
        seen = gradients[:k, 0]
        mean, mean_square = seen.mean(axis=0), (seen**2).mean(axis=0)
        expected = -np.divide(mean, np.sqrt(mean_square), out=np.zeros(2), where=mean_square > 0)
        np.testing.assert_allclose(direction[0], expected, rtol=1e-15)
        if k < 3:
            assert direction[0, 1] == 0.0  # exact: no gradient has moved the second coordinate yet
    np.testing.assert_allclose(direction[0], [-(4 / 3) / math.sqrt(14 / 3), -1 / math.sqrt(3)], rtol=1e-15)


def test_adams_limits_are_not_registered():
    # Registered names are the Beale explorer's menu and every optimizer error's list.
    assert sorted(OPTIMIZERS) == ["adabelief", "adam", "clipped_sgd", "sgd"]
    assert get_optimizer(SignDescent()).name == "sign_descent"
    with pytest.raises(ValueError) as excinfo:
        get_optimizer("sign_descent")
    assert_names_argument(excinfo, "optimizer", "'adam'")


# ------------------------------------------------------------------------------ bad inputs

BAD_INPUTS = [
    (lambda: Adam(beta2=1.0), "beta2", "[0, 1)"),
    (lambda: Adam(beta1=-0.1), "beta1", ">= 0"),
    (lambda: Adam(beta1="0.9"), "beta1", "real number"),
    (lambda: Adam(beta1=True), "beta1", "real number"),
    (lambda: Adam(beta1=float("nan")), "beta1", "finite"),
    (lambda: AdaBelief(eps=0.0), "eps", "> 0"),
    (lambda: AdaBelief(eps=float("inf")), "eps", "finite"),
    (lambda: Adam(eps=None), "eps", "real number"),
    (lambda: ClippedSGD(clip=0.0), "clip", "> 0"),
    (lambda: ClippedSGD(clip=False), "clip", "real number"),
    (lambda: get_optimizer("adamw"), "optimizer", "'adam'"),
]


@pytest.mark.parametrize("call, name, word", BAD_INPUTS)
def test_bad_hyperparameters_are_refused_with_a_message_naming_the_argument(call, name, word):
    assert_refused(call, name, word)
