"""The data: scikit-learn's bundled handwritten digits, split once into train, validation and test.

MNIST (70,000 images of 28 × 28 = 784 pixels) is what ``gao2023gradients`` and
``baydin2022gradients`` train on, but it has to be downloaded, and this course builds
offline. ``sklearn.datasets.load_digits`` ships inside scikit-learn: 1,797 images of
8 × 8 = 64 pixels with 17 grey levels (0..16), ten classes. We scale the pixels to [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fgcourse._checks import check_array, check_int, check_int_array, check_rng, describe

__all__ = ["NUM_CLASSES", "Split", "check_dataset", "make_split", "digits_split"]

NUM_CLASSES = 10
"""Digits 0..9."""


def check_dataset(X, y, num_classes: int = NUM_CLASSES, *, names: tuple[str, str] = ("X", "y")):
    """``(X, y)`` checked: X a finite real (m, d) array, y m integer labels in 0..num_classes − 1."""
    num_classes = check_int("num_classes", num_classes, minimum=2)
    x_name, y_name = names
    X = check_array(x_name, X, ndim=2, min_size=1)
    if isinstance(y, np.ndarray) and y.dtype.kind == "f" and np.all(y == np.round(y)):
        raise TypeError(f"{y_name} must hold integer class labels, got float labels; convert with y.astype(int)")
    labels = check_int_array(y_name, y, minimum=0)
    if labels.ndim != 1:
        raise ValueError(f"{y_name} must be a 1-d array of labels, got {describe(labels)}")
    if labels.max() >= num_classes:
        raise ValueError(f"{y_name} must hold class labels in 0..{num_classes - 1}, got {labels.max()}")
    if labels.size != X.shape[0]:
        raise ValueError(f"{y_name} must hold one label per row of {x_name} ({X.shape[0]} rows), "
                         f"got {labels.size} labels")
    return X, labels


@dataclass(frozen=True)
class Split:
    """A fixed train / validation / test split (inputs ``X_*`` (m, d), integer labels ``y_*`` (m,))."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    num_classes: int = NUM_CLASSES

    def __post_init__(self):
        for part in ("train", "val", "test"):
            X, y = check_dataset(getattr(self, f"X_{part}"), getattr(self, f"y_{part}"), self.num_classes,
                                 names=(f"X_{part}", f"y_{part}"))
            object.__setattr__(self, f"X_{part}", X)
            object.__setattr__(self, f"y_{part}", y)
        widths = {self.X_train.shape[1], self.X_val.shape[1], self.X_test.shape[1]}
        if len(widths) != 1:
            raise ValueError(f"X_train, X_val and X_test must have the same number of columns, got {sorted(widths)}")

    @property
    def num_features(self) -> int:
        return self.X_train.shape[1]


def make_split(X, y, rng, num_val: int, num_test: int, num_classes: int = NUM_CLASSES) -> Split:
    """Shuffle the rows of (X, y) with ``rng`` and cut them into train, validation and test."""
    X, y = check_dataset(X, y, num_classes)
    rng = check_rng("rng", rng)
    num_val = check_int("num_val", num_val, minimum=1)
    num_test = check_int("num_test", num_test, minimum=1)
    if num_val + num_test >= X.shape[0]:
        raise ValueError(f"num_val + num_test must leave training rows (be < {X.shape[0]}), "
                         f"got {num_val} + {num_test}")
    order = rng.permutation(X.shape[0])
    val, test, train = order[:num_val], order[num_val:num_val + num_test], order[num_val + num_test:]
    return Split(X[train], y[train], X[val], y[val], X[test], y[test], num_classes)


def digits_split(rng=0, num_val: int = 360, num_test: int = 360) -> Split:
    """The course's split of ``load_digits``: 1,077 training, 360 validation, 360 test images.

    Pixels are divided by 16 so that inputs lie in [0, 1]. The split depends only on ``rng``
    (default: seed 0, the split every stored run uses).
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    return make_split(digits.data / 16.0, digits.target, rng, num_val, num_test)
