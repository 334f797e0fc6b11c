"""Argument checks shared by the forward-gradient modules: errors name the argument and what it accepts."""

from __future__ import annotations

import numbers

import numpy as np


def _check_dimension(n) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be an integer dimension >= 1, got {n!r} of type {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be an integer dimension >= 1, got {n}")
    return int(n)


def _check_count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= 1, got {value!r} of type {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value}")
    return int(value)


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)), got {type(rng).__name__}"
        )
    return rng


def _check_vector(vector, name: str) -> np.ndarray:
    array = np.asarray(vector, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-d array of shape (n,), got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite numbers, got {array}")
    return array
