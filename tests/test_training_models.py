"""Tests of fgcourse.training.models: softmax regression and the MLP on one flat θ."""

from __future__ import annotations

import numpy as np
import pytest
from strategies import assert_refused, central_gradient, small_batch, small_model

from fgcourse import training as tr

MLP = tr.MODELS["mlp"]
SMALL = small_model()


def test_parameter_counts():
    assert tr.MODELS["softmax"].n == 650 and MLP.n == 64 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10 == 6570
    assert MLP.num_activations == 64 + 32 + 10
    assert tr.mlp((8,), num_features=3, num_classes=2).widths == (3, 8, 2)


def test_loss_gradient_against_central_differences():
    X, y = small_batch()
    theta = SMALL.init(0)
    _, g = tr.true_gradient(SMALL, theta, X, y)
    assert np.allclose(g, central_gradient(lambda t: SMALL.loss(t, X, y), theta), atol=1e-7)


def test_losses_are_cross_entropies():
    X, y = small_batch()
    theta = SMALL.init(2)
    z = SMALL.logits(theta, X)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert np.allclose(SMALL.losses(theta, X, y), -np.log(p[np.arange(len(y)), y]))
    assert SMALL.accuracy(theta, X, y) == np.mean(np.argmax(z, axis=1) == y)  # exact: the same logits, a share


_X, _Y = small_batch()
_THETA = SMALL.init(0)

BAD_INPUT = [
    (lambda: tr.Model("m", (3,)), "widths", ValueError, "at least 2"),
    (lambda: tr.mlp((0, 3)), "hidden[0]", ValueError, ">= 1"),
    (lambda: tr.mlp(num_features=0), "num_features", ValueError, ">= 1"),
    (lambda: tr.mlp(num_classes=1), "num_classes", ValueError, ">= 2"),
    (lambda: tr.softmax_regression(num_features=True), "num_features", TypeError, "integer"),
    (lambda: SMALL.loss(_THETA, _X, np.full(len(_Y), 99)), "y", ValueError, "class labels in"),
    (lambda: SMALL.loss(_THETA, _X, _Y.astype(float)), "y", ValueError, "integer label"),
    (lambda: SMALL.loss(_THETA, _X, _Y[:-1]), "y", ValueError, "one integer label per row"),
    (lambda: SMALL.loss(_THETA[:-1], _X, _Y), "theta", ValueError, "parameter count"),
    (lambda: SMALL.loss(_THETA, _X[:, :-1], _Y), "X", ValueError, "shape (M,"),
    (lambda: SMALL.losses(_THETA, _X, _Y, np.zeros((len(_Y), 1))), "perturbation", ValueError, "shape (M, D)"),
]


@pytest.mark.parametrize("call, name, kind, word", BAD_INPUT)
def test_bad_input_is_refused_before_work(call, name, kind, word):
    assert_refused(call, name, word, error=kind)
