"""Tests of fgcourse.training.variance: the exact and sampled variances of the two perturbations."""

from __future__ import annotations

import numpy as np
import pytest
from strategies import assert_refused, digits

from fgcourse import forward_gradient as fg
from fgcourse import training as tr

SPLIT = digits()
MLP = tr.MODELS["mlp"]


@pytest.mark.parametrize("law", ["gaussian", "rademacher"])
def test_activity_variance_closed_form_against_sampling(law):
    X, y = SPLIT.X_train[:16], SPLIT.y_train[:16]
    theta = MLP.init(0)
    exact = tr.activity_mean_squared_deviation(MLP, theta, X, y, law)
    estimate = fg.monte_carlo(tr.activity_squared_deviations(MLP, theta, X, y, law, 0, 2000))
    assert abs(estimate.mean - exact) <= 4 * estimate.standard_error


def test_one_layer_activity_variance_is_d_plus_one_per_example():
    """One dense layer, Gaussian tangents: E‖Ĝ − ∇L‖² = (d + 1)/M² Σ_i ‖∇ℓ_i‖² (the chapter's exercise)."""
    model = tr.Model("one", (4, 3))
    X, y = np.random.default_rng(0).standard_normal((6, 4)), np.array([0, 1, 2, 0, 1, 2])
    theta = model.init(0)
    per_example = [tr.true_gradient(model, theta, X[i:i + 1], y[i:i + 1])[1] for i in range(6)]
    expected = 4 / 36 * sum(g @ g for g in per_example)
    assert np.isclose(tr.activity_mean_squared_deviation(model, theta, X, y, "gaussian"), expected)


def test_compare_variances_fields():
    X, y = SPLIT.X_train[:32], SPLIT.y_train[:32]
    result = tr.compare_variances(MLP, MLP.init(0), X, y, 0, num_samples=50)
    assert (result.n, result.D, result.M) == (6570, 106, 32)
    assert np.isclose(result.weight_exact[0], (6570 + 1) * result.grad_norm2)
    assert np.isclose(result.weight_exact[1], (6570 - 1) * result.grad_norm2)
    assert result.activity_exact[0] < result.weight_exact[0]


BAD_INPUT = [
    (lambda: tr.compare_variances(MLP, np.zeros(5), SPLIT.X_val, SPLIT.y_val, 0), "theta", ValueError, "6570"),
    (lambda: tr.activity_mean_squared_deviation(MLP, MLP.init(0), SPLIT.X_val, SPLIT.y_val, "sphere"), "law",
     ValueError, "gaussian"),
    (lambda: tr.compare_variances(MLP, MLP.init(0), SPLIT.X_val, SPLIT.y_val, 0, laws=("gaussian", 1.0)), "laws[1]",
     TypeError, "float"),
    (lambda: tr.compare_variances(MLP, MLP.init(0), SPLIT.X_val, SPLIT.y_val, 0, num_samples=10**12), "num_samples",
     ValueError, "<= 100000000"),
    (lambda: tr.activity_squared_deviations(MLP, MLP.init(0), SPLIT.X_val, SPLIT.y_val, "gaussian", 0, 10**12),
     "num_samples", ValueError, "<= 100000000"),
]


@pytest.mark.parametrize("call, name, kind, word", BAD_INPUT)
def test_bad_input_is_refused_before_work(call, name, kind, word):
    assert_refused(call, name, word, error=kind)
