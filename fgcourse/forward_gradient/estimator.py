"""The forward-gradient estimator g = (∇f(θ)·v) v, computed by forward mode only, and its mean and deviation."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fgcourse._checks import (
    check_array,
    check_callable,
    check_int,
    check_int_array,
    check_output,
    check_positive,
    check_rng,
    check_vector,
    user_jvp,
)

from .laws import tangent_law


def _jvp_estimate(f, point: np.ndarray, draw, B: int, value_shape: tuple, finite: bool):
    """Average of (∇f·v) v over ``B`` forward passes of ``f`` at ``point``, each tangent v from ``draw()``.

    ``point`` is one θ of shape (n,) or a batch of shape (R, n), ``draw`` returns a new array of
    its shape; ``value_shape`` is the shape ``f`` must return, () or (R,); ``finite`` says whether
    its values must be finite.
    """
    at = "theta" if point.ndim == 1 else "thetas"
    total = None  # the first estimate is kept as it is: one tangent costs no extra array
    for _ in range(B):
        v = draw()
        value, derivative = user_jvp("f", f, point, v)
        value = check_output("f", value, value_shape, finite=finite, at=at)
        derivative = check_output("f", derivative, value_shape, finite=finite, at=f"{at} (its directional derivative)")
        v *= derivative[..., None]  # in place: no third array of size n
        if total is None:
            total = v
        else:
            total += v
    if B > 1:
        total /= B
    return value, total


def forward_gradient_batch(f, thetas, law, rng, B: int = 1):
    """Forward gradients at R points at once: returns (values, G) with shapes (R,) and (R, n).

    ``f`` maps an array of shape (R, n) row-wise to shape (R,): row r of the output may depend
    only on row r of the input. Then one forward pass with an (R, n) tangent whose rows are
    independent draws v_r gives every row's directional derivative ∇f(θ_r)·v_r, and
    G[r] = (∇f(θ_r)·v_r) v_r, averaged over ``B`` independent passes. Only forward mode
    (autograd's ``make_jvp``) is used. The points must be finite; a value of ``f`` that
    overflows to inf or NaN at a finite point is returned as it is, for the caller (an
    optimizer running many starts) to turn into a status.
    """
    check_callable("f", f, "array (R, n) -> array (R,)")
    thetas = check_array("thetas", thetas, ndim=2, min_size=1)
    return forward_gradient_oracle(f, law, thetas.shape[1], rng, B=B)(thetas)


def forward_gradient_oracle(f, law, n: int, rng, B: int = 1, *, repeats: int = 1):
    """The function ``thetas -> (values, G)`` of :func:`forward_gradient_batch` for fixed ``f``,
    ``law``, dimension ``n``, ``rng`` and ``B``, with these arguments checked once.

    For an optimizer that asks for forward gradients at every step: a call draws the tangents
    from ``rng`` (the same stream as :func:`forward_gradient_batch`), runs the ``B`` forward
    passes and checks the shapes of what ``f`` returns; ``thetas`` must be a finite float array
    of shape (R, n), the caller's own iterates, which are not checked again.

    ``rng`` may also be a sequence of K int seeds or Generators, and ``repeats`` a number S ≥ 1
    of blocks that share tangents (common random numbers): the R rows are then K × S blocks of
    ``R / (K S)`` rows, block (k, s) at rows ``(k S + s) R / (K S)`` onwards, and each pass draws
    one block of tangents from each generator k, given to its S blocks. Block (k, s) then gets
    the very tangents that a sole ``rng[k]`` gives ``R / (K S)`` rows, so that one batched pass
    serves the runs of several seeds from several starts.
    """
    check_callable("f", f, "array (R, n) -> array (R,)")
    law = tangent_law(law)
    n = law.check_dimension(n)
    single = isinstance(rng, np.random.Generator) or not isinstance(rng, (list, tuple, range))
    rngs = [check_rng("rng", rng)] if single else [check_rng(f"rng[{k}]", item) for k, item in enumerate(rng)]
    if not rngs:
        raise ValueError("rng must be an int seed, a numpy.random.Generator or a non-empty sequence of them, got "
                         "an empty sequence")
    B = check_int("B", B, minimum=1)
    repeats = check_int("repeats", repeats, minimum=1)
    blocks = len(rngs) * repeats

    def draw(rows: int) -> np.ndarray:
        if rows % blocks:
            raise ValueError(f"thetas must have a multiple of {blocks} rows ({len(rngs)} generator(s) x {repeats} "
                             f"repeat(s)), got {rows}")
        if blocks == 1:
            return law._draw(n, rngs[0], rows)
        tangents = [law._draw(n, generator, rows // blocks) for generator in rngs]
        return np.concatenate([np.tile(v, (repeats, 1)) for v in tangents]) if repeats > 1 else np.concatenate(tangents)

    return lambda thetas: _jvp_estimate(f, thetas, lambda: draw(thetas.shape[0]), B, value_shape=(thetas.shape[0],),
                                        finite=False)


def forward_gradient(f, theta, law, rng, B: int = 1):
    """The forward gradient of a scalar ``f`` at θ: returns (f(θ), g).

    g = (1/B) Σ_b (∇f(θ)·v_b) v_b with B tangents v_b drawn from ``law`` (a
    :class:`TangentLaw` or a name of ``LAWS``); each ∇f(θ)·v_b comes from one forward-mode
    pass, never from reverse mode. ``rng`` is an int seed or a ``numpy.random.Generator``.
    """
    check_callable("f", f, "array (n,) -> scalar")
    theta = check_vector("theta", theta)
    law = tangent_law(law)
    law.check_dimension(theta.size)
    rng = check_rng("rng", rng)
    B = check_int("B", B, minimum=1)
    value, g = _jvp_estimate(f, theta, lambda: law.sample(theta.size, rng), B, value_shape=(), finite=True)
    return float(value), g


CHUNK_BYTES = 1 << 17
"""Bytes of tangents drawn at a time by the Monte-Carlo helpers below (128 KiB)."""


def _chunks(law, grad, rng, num_samples: int):
    """The forward gradients (∇f·v) v of ``num_samples`` tangents, as (rows, array) chunks of
    consecutive draws of at most ``CHUNK_BYTES``.

    Drawn a chunk at a time, a large sample never leaves the processor's cache: a whole
    (num_samples, n) array of several MB costs more than its own arithmetic, and slows the
    code that runs after it (an explorer's figure takes twice as long to render right after
    one). Row counts are multiples of 4, so Rademacher signs, four to a random 32-bit word,
    come out as in one draw; the gaussian and sphere laws fill rows in order. Either way the
    rows are independent draws of the law.
    """
    n = grad.size
    step = max(4, CHUNK_BYTES // (8 * n) // 4 * 4)
    for start in range(0, num_samples, step):
        stop = min(start + step, num_samples)
        tangents = law.sample(n, rng, size=stop - start)
        tangents *= (tangents @ grad)[:, None]  # in place: one (rows, n) array
        yield slice(start, stop), tangents


def _checked(law, grad, rng, num_samples):
    law = tangent_law(law)
    grad = check_vector("grad", grad)
    law.check_dimension(grad.size)
    return law, grad, check_rng("rng", rng), check_int("num_samples", num_samples, minimum=1)


def forward_gradient_chunks(law, grad, rng, num_samples: int):
    """The ``num_samples`` forward gradients of :func:`forward_gradient_samples`, a chunk at a time.

    Returns an iterator of ``(rows, G)``: ``rows`` a slice of 0..num_samples and ``G`` the
    forward gradients of those draws, at most ``CHUNK_BYTES`` each, in the order of one whole
    draw: the same tangents (and ``rng`` left where one whole draw leaves it), and the same
    forward gradients up to the rounding of the products ∇f·v, which BLAS may sum in another
    order for a chunk than for the whole matrix (a last chunk of one row, or threaded BLAS). For
    statistics of a large sample in memory O(chunk) instead of O(num_samples · n), and without
    filling the processor's cache. The arguments are checked at the call, before the first
    chunk is drawn.
    """
    return _chunks(*_checked(law, grad, rng, num_samples))


def forward_gradient_samples(law, grad, rng, num_samples: int, coordinates=None) -> np.ndarray:
    """``num_samples`` forward gradients (∇f·v) v for a known gradient, shape (num_samples, n).

    The simulation counterpart of :func:`forward_gradient`, for when ∇f is given as a vector.
    ``coordinates`` (indices into the n coordinates) keeps only those columns, shape
    (num_samples, len(coordinates)), with memory for those columns only: the tangents are
    drawn in chunks of ``CHUNK_BYTES``.
    """
    law, grad, rng, num_samples = _checked(law, grad, rng, num_samples)
    if coordinates is None:
        tangents = law.sample(grad.size, rng, size=num_samples)
        tangents *= (tangents @ grad)[:, None]  # in place: one (num_samples, n) array
        return tangents
    coordinates = check_int_array("coordinates", coordinates, minimum=-grad.size).reshape(-1)
    if coordinates.size == 0 or coordinates.max() >= grad.size:
        raise ValueError(f"coordinates must be a non-empty list of indices into the n = {grad.size} coordinates of "
                         f"grad, got {coordinates.tolist()}")
    samples = np.empty((num_samples, coordinates.size))
    for rows, chunk in _chunks(law, grad, rng, num_samples):
        samples[rows] = chunk[:, coordinates]
    return samples


# --------------------------------------------------------------------------- mean and deviation

@dataclass(frozen=True)
class MonteCarloEstimate:
    """A sample mean with its standard error."""

    mean: float
    standard_error: float
    num_samples: int


def monte_carlo(samples) -> MonteCarloEstimate:
    """Mean and standard error of i.i.d. scalar samples (real, finite, at least 2)."""
    samples = check_array("samples", samples, min_size=2).ravel()
    return MonteCarloEstimate(float(samples.mean()), float(samples.std(ddof=1) / math.sqrt(samples.size)),
                              int(samples.size))


def coordinate_variances(law, grad) -> np.ndarray:
    """Var(g_i) = E[(∇f·v)² v_i²] − (∂_i f)², exactly, for i = 1..n (O(n) memory)."""
    law = tangent_law(law)
    grad = check_vector("grad", grad)
    # A variance is never negative; rounding can push an exact 0 (Rademacher, n = 1, or a
    # coordinate the law estimates exactly) a hair below, which sqrt would turn into NaN.
    return np.maximum(law.estimate_second_moments(grad) - grad**2, 0.0)


def mean_squared_deviation(law, grad) -> float:
    """E‖g − ∇f‖² exactly (no sampling) for one tangent of ``law`` and the gradient ``grad``.

    As g is unbiased, this is E‖g‖² − ‖∇f‖² = (n − 1)‖∇f‖² + Σ_i (∂_i f)² Var(v_i²) for laws
    with independent coordinates: (n − 1)‖∇f‖² for Rademacher, (n + 1)‖∇f‖² for Gaussian;
    (n − 1)‖∇f‖² also for the sphere of radius √n and every rotation of Rademacher.
    O(n) time and memory for the symmetric laws, O(n²) (the size of Q) for rotated ones.
    """
    law = tangent_law(law)
    grad = check_vector("grad", grad)
    # The MSD is quadratic in ∇f: computing it for ∇f / max|∂_i f| keeps the quartic moments
    # from overflowing for huge gradients (the result is then inf, never NaN).
    scale = float(np.max(np.abs(grad)))
    if scale == 0.0:
        law.check_dimension(grad.size)
        return 0.0
    grad /= scale  # grad is our own copy
    # Rounding can push an exact zero (n = 1, minimal law) a hair below 0.
    with np.errstate(over="ignore"):
        return float(np.float64(scale) ** 2 * max(law.expected_squared_norm(grad) - float(grad @ grad), 0.0))


def squared_deviations(law, grad, rng, num_samples: int) -> np.ndarray:
    """Samples of ‖g − ∇f‖², whose mean estimates :func:`mean_squared_deviation`.

    The tangents are drawn in chunks of ``CHUNK_BYTES``: memory O(num_samples), not O(num_samples · n).
    """
    law, grad, rng, num_samples = _checked(law, grad, rng, num_samples)
    deviations = np.empty(num_samples)
    for rows, chunk in _chunks(law, grad, rng, num_samples):
        chunk -= grad
        chunk *= chunk  # in place: no second array
        deviations[rows] = np.sum(chunk, axis=1)
    return deviations


def forward_gradient_mean(second_moment_matrix, grad) -> np.ndarray:
    """E[g] = E[v vᵀ] ∇f: the mean of the forward gradient depends only on E[v vᵀ]."""
    grad = check_vector("grad", grad)
    matrix = check_array("second_moment_matrix", second_moment_matrix, ndim=2, shape=(grad.size, grad.size),
                         against="grad")
    return matrix @ grad


def is_unbiased(second_moment_matrix, atol: float = 1e-12) -> bool:
    """True when E[v vᵀ] = I, the condition for E[g] = ∇f at every gradient.

    E[v] = 0 and Cov[v] = I (gao2023gradients, Thm. 1) imply it, but E[v] = 0 is not needed.
    """
    matrix = check_array("second_moment_matrix", second_moment_matrix, ndim=2, min_size=1)
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"second_moment_matrix must be square, got shape {matrix.shape}")
    atol = check_positive("atol", atol)
    matrix[np.diag_indices_from(matrix)] -= 1.0  # our own copy: M − I without a second n × n array
    return bool(np.all(np.abs(matrix) <= atol))
