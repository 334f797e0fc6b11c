"""The forward-gradient estimator g = (∇f(θ)·v) v, computed by forward mode only, and its mean and deviation."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from autograd import make_jvp

from ._checks import _check_count, _check_rng, _check_vector
from .laws import TangentLaw, rademacher, tangent_law


def _jvp_estimate(f, point: np.ndarray, rng, law: TangentLaw, num_tangents: int, value_shape: tuple):
    """Average of (∇f·v) v over ``num_tangents`` forward passes of ``f`` at ``point``.

    ``point`` is one θ of shape (n,) or a batch of shape (B, n); ``value_shape`` is the shape
    ``f`` must return, () or (B,).
    """
    if not callable(f):
        raise TypeError(f"f must be a callable objective, got {type(f).__name__}")
    n = point.shape[-1]
    rows = None if point.ndim == 1 else point.shape[0]
    push_forward = make_jvp(f)(point)
    total = None  # the first estimate is kept as it is: one tangent costs no extra array
    for _ in range(num_tangents):
        v = law.sample(rng, n, size=rows)
        value, derivative = push_forward(v)
        value = np.asarray(value, dtype=float)
        if value.shape != value_shape:
            kind = "a scalar" if value_shape == () else f"an array of shape {value_shape} (one value per row)"
            raise ValueError(f"f must return {kind}, got an output of shape {value.shape}")
        v *= np.asarray(derivative, dtype=float)[..., None]  # in place: no third array of size n
        if total is None:
            total = v
        else:
            total += v
    if num_tangents > 1:
        total /= num_tangents
    return value, total


def forward_gradient_batch(f, thetas, rng, law=rademacher, num_tangents: int = 1):
    """Forward gradients at B points at once: returns (values, G) with shapes (B,) and (B, n).

    ``f`` maps an array of shape (B, n) row-wise to shape (B,): row b of the output may depend
    only on row b of the input. Then one forward pass with a (B, n) tangent whose rows are
    independent draws v_b gives every row's directional derivative ∇f(θ_b)·v_b, and
    G[b] = (∇f(θ_b)·v_b) v_b, averaged over ``num_tangents`` independent passes.
    Only forward mode (autograd's ``make_jvp``) is used. Non-finite values propagate to the
    caller, which decides what a diverged point means.
    """
    thetas = np.asarray(thetas, dtype=float)
    if thetas.ndim != 2 or 0 in thetas.shape:
        raise ValueError(f"thetas must have shape (B, n) with B, n >= 1, got shape {thetas.shape}")
    law = tangent_law(law)
    law.check_dimension(thetas.shape[1])
    return _jvp_estimate(f, thetas, _check_rng(rng), law, _check_count(num_tangents, "num_tangents"),
                         value_shape=(thetas.shape[0],))


def forward_gradient(f, theta, rng, law=rademacher, num_tangents: int = 1):
    """The forward gradient of a scalar ``f`` at θ: returns (f(θ), g).

    g = (1/B) Σ_b (∇f(θ)·v_b) v_b with B = ``num_tangents`` tangents v_b drawn from ``law``;
    each ∇f(θ)·v_b comes from one forward-mode pass, never from reverse mode.
    """
    theta = np.asarray(theta, dtype=float)
    if theta.ndim != 1 or theta.size == 0:
        raise ValueError(f"theta must be a non-empty 1-d array of shape (n,), got shape {theta.shape}")
    law = tangent_law(law)
    law.check_dimension(theta.size)
    value, g = _jvp_estimate(f, theta, _check_rng(rng), law, _check_count(num_tangents, "num_tangents"),
                             value_shape=())
    return float(value), g


def forward_gradient_samples(law, grad, rng, num_samples: int) -> np.ndarray:
    """``num_samples`` forward gradients (∇f·v) v for a known gradient, shape (num_samples, n).

    The simulation counterpart of :func:`forward_gradient`, for when ∇f is given as a vector.
    """
    law = tangent_law(law)
    grad = _check_vector(grad, "grad")
    tangents = law.sample(rng, grad.size, size=_check_count(num_samples, "num_samples"))
    return (tangents @ grad)[:, None] * tangents


# --------------------------------------------------------------------------- mean and deviation

@dataclass(frozen=True)
class MonteCarloEstimate:
    """A sample mean with its standard error."""

    mean: float
    standard_error: float
    num_samples: int


def monte_carlo(samples) -> MonteCarloEstimate:
    """Mean and standard error of i.i.d. scalar samples."""
    samples = np.asarray(samples, dtype=float).ravel()
    if samples.size < 2:
        raise ValueError(f"samples must hold at least 2 values, got {samples.size}")
    return MonteCarloEstimate(float(samples.mean()), float(samples.std(ddof=1) / math.sqrt(samples.size)),
                              int(samples.size))


def coordinate_variances(law, grad) -> np.ndarray:
    """Var(g_i) = E[(∇f·v)² v_i²] − (∂_i f)², exactly, for i = 1..n."""
    law = tangent_law(law)
    grad = _check_vector(grad, "grad")
    law.check_dimension(grad.size)
    return law.quartic_form(grad, np.eye(grad.size)) - grad**2


def mean_squared_deviation(law, grad) -> float:
    """E‖g − ∇f‖² exactly (no sampling) for one tangent of ``law`` and the gradient ``grad``.

    As g is unbiased, this is E‖g‖² − ‖∇f‖² = (n − 1)‖∇f‖² + Σ_i (∂_i f)² Var(v_i²) for laws
    with independent coordinates: (n − 1)‖∇f‖² for Rademacher, (n + 1)‖∇f‖² for Gaussian;
    (n − 1)‖∇f‖² also for the sphere of radius √n and every rotation of Rademacher.
    """
    law = tangent_law(law)
    grad = _check_vector(grad, "grad")
    # The MSD is quadratic in ∇f: computing it for ∇f / max|∂_i f| keeps the quartic moments
    # from overflowing for huge gradients (the result is then inf, never NaN).
    scale = float(np.max(np.abs(grad)))
    if scale == 0.0:
        return 0.0
    unit = grad / scale
    # Rounding can push an exact zero (n = 1, minimal law) a hair below 0.
    with np.errstate(over="ignore"):
        return float(np.float64(scale) ** 2 * max(law.expected_squared_norm(unit) - float(unit @ unit), 0.0))


def squared_deviations(law, grad, rng, num_samples: int) -> np.ndarray:
    """Samples of ‖g − ∇f‖², whose mean estimates :func:`mean_squared_deviation`."""
    samples = forward_gradient_samples(law, grad, rng, num_samples)
    return np.sum((samples - np.asarray(grad, dtype=float)) ** 2, axis=1)


def forward_gradient_mean(second_moment_matrix, grad) -> np.ndarray:
    """E[g] = E[v vᵀ] ∇f: the mean of the forward gradient depends only on E[v vᵀ]."""
    grad = _check_vector(grad, "grad")
    matrix = np.asarray(second_moment_matrix, dtype=float)
    if matrix.shape != (grad.size, grad.size):
        raise ValueError(
            f"second_moment_matrix must have shape ({grad.size}, {grad.size}) to match grad, got {matrix.shape}"
        )
    return matrix @ grad


def is_unbiased(second_moment_matrix, atol: float = 1e-12) -> bool:
    """True when E[v vᵀ] = I, the condition for E[g] = ∇f at every gradient.

    E[v] = 0 and Cov[v] = I (003, Thm. 1) imply it, but E[v] = 0 is not needed.
    """
    matrix = np.asarray(second_moment_matrix, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"second_moment_matrix must be square, got shape {matrix.shape}")
    return bool(np.allclose(matrix, np.eye(matrix.shape[0]), rtol=0.0, atol=atol))
