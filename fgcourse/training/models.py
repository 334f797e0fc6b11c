"""Classifiers whose parameters are one flat vector θ, so every gradient estimator applies unchanged.

A model is a stack of dense layers z_l = h_{l−1} W_l + b_l with h_0 = x, h_l = relu(z_l) for the
hidden layers and logits z_L; the loss is the mean cross-entropy of the softmax of the logits
over a minibatch of M examples, L(θ) = (1/M) Σ_i ℓ_i(θ), ℓ_i = logsumexp(z_{L,i}) − z_{L,i,y_i}.
θ concatenates (W_1, b_1, ..., W_L, b_L), each W_l row-major of shape (d_{l−1}, d_l).
"""

from __future__ import annotations

from dataclasses import dataclass

import autograd.numpy as anp
import numpy as np
from autograd.scipy.special import logsumexp

from fgcourse._checks import (
    check_instance,
    check_int,
    check_option,
    check_rng,
    check_sequence,
    check_vector,
    describe,
)

from .data import NUM_CLASSES, check_dataset

__all__ = ["Model", "MODELS", "get_model", "softmax_regression", "mlp"]


@dataclass(frozen=True)
class Model:
    """Dense layers of widths d_0 (inputs), d_1, ..., d_L (classes); ReLU between them.

    ``widths = (64, 10)`` is softmax regression, ``(64, 64, 32, 10)`` an MLP with two hidden layers.
    """

    name: str
    widths: tuple

    def __post_init__(self):
        check_instance("name", self.name, str, "a string naming the model")
        widths = check_sequence("widths", self.widths, lambda n, w: check_int(n, w, minimum=1), min_length=2,
                                what="layer widths")
        object.__setattr__(self, "widths", widths)

    @property
    def n(self) -> int:
        """The number of parameters, Σ_l (d_{l−1} + 1) d_l."""
        return sum((a + 1) * b for a, b in zip(self.widths[:-1], self.widths[1:]))

    @property
    def num_activations(self) -> int:
        """D = d_1 + ... + d_L: the pre-activations of one example (what activity perturbation perturbs)."""
        return sum(self.widths[1:])

    def unpack(self, theta):
        """[(W_1, b_1), ..., (W_L, b_L)] as views of θ (autograd follows the slices)."""
        layers, start = [], 0
        for a, b in zip(self.widths[:-1], self.widths[1:]):
            W = anp.reshape(theta[start:start + a * b], (a, b))
            start += a * b
            layers.append((W, theta[start:start + b]))
            start += b
        return layers

    def init(self, rng) -> np.ndarray:
        """He initialisation: W_l ~ N(0, 2 / d_{l−1}) entrywise, b_l = 0 (suited to ReLU layers)."""
        rng = check_rng("rng", rng)
        parts = []
        for a, b in zip(self.widths[:-1], self.widths[1:]):
            parts += [rng.standard_normal(a * b) * np.sqrt(2.0 / a), np.zeros(b)]
        return np.concatenate(parts)

    def check_theta(self, theta) -> np.ndarray:
        return check_vector("theta", theta, self.n, against=f"the {self.name} model's parameter count")

    def check_data(self, X, y):
        X, y = check_dataset(X, y, self.widths[-1])
        if X.shape[1] != self.widths[0]:
            raise ValueError(f"X must have {self.widths[0]} columns (the {self.name} model's inputs), "
                             f"got shape {X.shape}")
        return X, y

    def logits(self, theta, X, perturbation=None):
        """z_L for each row of X; ``perturbation`` (M, D), if given, is added to the pre-activations."""
        h, offset = X, 0
        layers = self.unpack(theta)
        for index, (W, b) in enumerate(layers):
            z = anp.dot(h, W) + b
            if perturbation is not None:
                z = z + perturbation[:, offset:offset + W.shape[1]]
                offset += W.shape[1]
            h = z if index == len(layers) - 1 else anp.maximum(z, 0.0)
        return h

    def layer_inputs(self, theta, X) -> list:
        """[h_0, ..., h_{L−1}]: the input of each layer (plain numpy, no derivative)."""
        h, inputs = X, []
        layers = self.unpack(theta)
        for index, (W, b) in enumerate(layers):
            inputs.append(h)
            if index < len(layers) - 1:
                h = np.maximum(h @ W + b, 0.0)
        return inputs

    def check_shapes(self, theta, X, y, perturbation=None) -> None:
        """The shapes (and the labels' range) a loss needs, checked without reading θ's values, so
        that autograd can trace through: θ of length n, X of (M, d_0), M labels in 0..d_L − 1,
        a perturbation of (M, D). Cheap: no copy, no scan of X or θ."""
        if np.shape(theta) != (self.n,):
            raise ValueError(f"theta must have {self.n} entries (the {self.name} model's parameter count), "
                             f"got shape {np.shape(theta)}")
        if np.ndim(X) != 2 or np.shape(X)[1] != self.widths[0]:
            raise ValueError(f"X must have shape (M, {self.widths[0]}) (the {self.name} model's inputs), "
                             f"got shape {np.shape(X)}")
        labels = np.asarray(y)
        if labels.shape != (np.shape(X)[0],) or labels.dtype.kind not in "iu":
            raise ValueError(f"y must hold one integer label per row of X ({np.shape(X)[0]}), got {describe(y)}")
        if labels.size and (labels.min() < 0 or labels.max() >= self.widths[-1]):
            raise ValueError(f"y must hold class labels in 0..{self.widths[-1] - 1}, "
                             f"got labels from {labels.min()} to {labels.max()}")
        if perturbation is not None and np.shape(perturbation) != (np.shape(X)[0], self.num_activations):
            raise ValueError(f"perturbation must have shape (M, D) = ({np.shape(X)[0]}, {self.num_activations}), "
                             f"got shape {np.shape(perturbation)}")

    def losses(self, theta, X, y, perturbation=None):
        """ℓ_i(θ) for every row: the cross-entropy of softmax(z_{L,i}) against label y_i."""
        self.check_shapes(theta, X, y, perturbation)
        z = self.logits(theta, X, perturbation)
        return logsumexp(z, axis=1) - z[np.arange(len(y)), y]

    def loss(self, theta, X, y):
        """L(θ) = (1/M) Σ_i ℓ_i(θ), written with autograd.numpy (both modes differentiate it)."""
        return anp.mean(self.losses(theta, X, y))

    def accuracy(self, theta, X, y) -> float:
        """The fraction of rows whose largest logit is the label's."""
        return float(np.mean(np.argmax(self.logits(theta, X), axis=1) == y))


def softmax_regression(num_features: int = 64, num_classes: int = NUM_CLASSES) -> Model:
    """One dense layer: logits = x W + b; n = (d_0 + 1) · classes = 650 for digits."""
    num_features = check_int("num_features", num_features, minimum=1)
    num_classes = check_int("num_classes", num_classes, minimum=2)
    return Model("softmax", (num_features, num_classes))


def mlp(hidden=(64, 32), num_features: int = 64, num_classes: int = NUM_CLASSES) -> Model:
    """Two hidden ReLU layers (the architecture of gao2023gradients, narrower: 64 inputs, not 784)."""
    hidden = check_sequence("hidden", hidden, lambda n, w: check_int(n, w, minimum=1), what="hidden widths")
    num_features = check_int("num_features", num_features, minimum=1)
    num_classes = check_int("num_classes", num_classes, minimum=2)
    return Model("mlp", (num_features, *hidden, num_classes))


MODELS = {"softmax": softmax_regression(), "mlp": mlp()}
"""The two models of the chapter, for digits: softmax regression (n = 650) and the MLP 64-64-32-10 (n = 6,570)."""


def get_model(model) -> Model:
    """A :class:`Model` from its name in :data:`MODELS` or an instance."""
    if isinstance(model, Model):
        return model
    check_instance("model", model, str, f"one of {tuple(MODELS)} or a Model")
    return MODELS[check_option("model", model, tuple(MODELS))]
