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


BAD_INPUT = [
    (lambda: tr.Model("m", (3,)), "widths", ValueError, "at least 2"),
    (lambda: tr.mlp((0, 3)), "hidden[0]", ValueError, ">= 1"),
]


@pytest.mark.parametrize("call, name, kind, word", BAD_INPUT)
def test_bad_input_is_refused_before_work(call, name, kind, word):
    assert_refused(call, name, word, error=kind)
