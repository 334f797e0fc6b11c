"""Tests of fgcourse.training.estimators: the three oracles of a training step."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import assert_refused, central_gradient, seeds, small_batch, small_model

from fgcourse import forward_gradient as fg
from fgcourse import training as tr

SMALL = small_model()


def test_activity_gradients_are_per_example_gradients():
    """a_i = ∇_{z_i} ℓ_i, and (1/M) Σ_i J_iᵀ a_i is the weight gradient."""
    X, y = small_batch()
    theta = SMALL.init(1)
    A = tr.activity_gradients(SMALL, theta, X, y)
    _, g = tr.true_gradient(SMALL, theta, X, y)
    assert np.allclose(tr.activity_weight_gradient(SMALL, theta, X, A), g, atol=1e-12)
    for i in range(len(y)):
        def single(eps, i=i):
            full = anp.concatenate([np.zeros((i, 5)), anp.reshape(eps, (1, 5)), np.zeros((len(y) - i - 1, 5))])
            return SMALL.losses(theta, X, y, full)[i]
        assert np.allclose(central_gradient(single, np.zeros(5)), A[i], atol=1e-7)


@given(seeds, st.sampled_from(["gaussian", "rademacher"]), st.integers(1, 3))
@settings(max_examples=20, deadline=None)
def test_activity_estimate_is_its_formula(seed, law, B):
    """The JVP-based estimate equals (1/M) Σ_i J_iᵀ (1/B) Σ_b (a_i·u_ib) u_ib for the same tangents."""
    X, y = small_batch(seed % 7)
    theta = SMALL.init(seed)
    value, estimate = tr.activity_gradient(SMALL, theta, X, y, fg.tangent_law(law), np.random.default_rng(seed), B)
    A = tr.activity_gradients(SMALL, theta, X, y)
    rng = np.random.default_rng(seed)
    total = np.zeros_like(A)
    for _ in range(B):
        u = fg.tangent_law(law).sample(5, rng, size=len(y))
        total += np.sum(A * u, axis=1)[:, None] * u
    assert np.allclose(estimate, tr.activity_weight_gradient(SMALL, theta, X, total / B), atol=1e-12)
    assert np.isclose(value, SMALL.loss(theta, X, y))


def test_activity_estimate_is_unbiased():
    X, y = small_batch(3, M=8)
    theta = SMALL.init(3)
    _, g = tr.true_gradient(SMALL, theta, X, y)
    rng = np.random.default_rng(0)
    samples = np.array([tr.activity_gradient(SMALL, theta, X, y, fg.gaussian, rng)[1] for _ in range(4000)])
    standard_error = samples.std(axis=0, ddof=1) / np.sqrt(len(samples))
    assert np.all(np.abs(samples.mean(axis=0) - g) <= 5 * standard_error + 1e-12)


def test_forward_oracle_is_the_library_estimator():
    X, y = small_batch()
    theta = SMALL.init(0)
    value, g, ngev, njvp = tr.step_gradient(SMALL, theta, X, y, "forward", fg.rademacher, np.random.default_rng(4), 3)
    reference = fg.forward_gradient(lambda t: SMALL.loss(t, X, y), theta, fg.rademacher, np.random.default_rng(4), B=3)
    assert (ngev, njvp) == (0, 3) and np.isclose(value, reference[0]) and np.allclose(g, reference[1])


_X, _Y = small_batch()
_THETA = SMALL.init(0)

BAD_INPUT = [
    (lambda: tr.activity_gradient(SMALL, _THETA, _X, _Y, "cauchy", 0), "law", ValueError, "gaussian"),
    (lambda: tr.activity_gradient(SMALL, _THETA, _X, _Y, "gaussian", 0, B=0), "B", ValueError, ">= 1"),
    (lambda: tr.activity_gradient(SMALL, _THETA, _X, _Y, "gaussian", 0, B=True), "B", TypeError, "bool"),
    (lambda: tr.activity_gradient(SMALL, _THETA, _X, _Y, "gaussian", None), "rng", TypeError, "Generator"),
    (lambda: tr.step_gradient(SMALL, _THETA, _X, _Y, "backprop", "gaussian", 0, 1), "gradient", ValueError,
     "'true', 'forward', 'activity'"),
    (lambda: tr.activity_weight_gradient(SMALL, _THETA, _X, np.ones((len(_Y), 1))), "activity", ValueError,
     "shape"),
    (lambda: tr.true_gradient("perceptron", _THETA, _X, _Y), "model", ValueError, "mlp"),
    (lambda: tr.true_gradient(SMALL, _THETA[:-1], _X, _Y), "theta", ValueError, "parameter count"),
    (lambda: tr.activity_gradients(SMALL, _THETA, _X, _Y + 50), "y", ValueError, "class labels"),
]


@pytest.mark.parametrize("call, name, kind, word", BAD_INPUT)
def test_bad_input_is_refused_before_work(call, name, kind, word):
    assert_refused(call, name, word, error=kind)


def test_a_model_may_be_named():
    theta = tr.MODELS["softmax"].init(0)
    value, g = tr.true_gradient("softmax", theta, np.zeros((4, 64)), np.arange(4))
    assert value == pytest.approx(np.log(10)) and g.shape == theta.shape  # zero inputs: uniform softmax
