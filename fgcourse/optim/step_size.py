"""The step-size limit of SGD on a quadratic, with true and with forward gradients.

The notebook ``notebooks/step_size.ipynb`` and the chapter *Optimizers* use these on
f(θ) = ½ θᵀ diag(a) θ (:func:`fgcourse.testfunctions.diagonal_quadratic`): the limit
:func:`sgd_step_limit` of true SGD, the second-moment recursion of forward SGD
(:func:`second_moment_recursion`, :func:`mean_square_path`) and its mean-square limit
:func:`forward_sgd_step_limit`, checked by the spectral radius of the recursion
(:func:`spectral_radii`) and by simulated runs (:func:`step_limit_runs`, :func:`mean_square_runs`);
the limits of the hyperellipsoid across dimensions (:func:`hyperellipsoid_step_limits`). Their
figures are :mod:`fgcourse.optim.plots`'.

On f(θ) = ½ θᵀAθ with A = diag(a), forward SGD θ⁺ = θ − α ḡ, with ḡ the mean of B forward
gradients under a law symmetric under sign flips and permutations of coordinates, moves
the second moments d = (E[θ_i²])_i linearly:

    d⁺ = M d,   M = I − 2α D + s_B α² D² + (w/B) α² 1 (a²)ᵀ,   D = diag(a),

with w = E[v_i² v_j²] (i ≠ j) and s = E[v_i⁴] − w, s_B = 1 + (s − 1)/B: Rademacher w = 1,
s = 0; Gaussian w = 1, s = 2. M is a diagonal plus a positive rank-one matrix, so its
Perron root r solves the secular equation (w/B) α² Σ_i a_i² / (r − δ_i) = 1, δ_i = M's
diagonal part 1 − 2α a_i + s_B α² a_i², and r < 1 iff every s_B α a_i < 2 and
φ(α) = (w/B) Σ_i α a_i / (2 − s_B α a_i) < 1. φ increases with α, so the mean-square
stable learning rates form an interval (0, α*): α* = 2/(w tr A) when s_B = 0 (one Rademacher
tangent), a root of φ = 1 otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fgcourse import forward_gradient as fg
from fgcourse._checks import (
    check_int,
    check_positive,
    check_positive_diagonal,
    check_rng,
    check_sequence,
    check_vector,
)
from fgcourse.testfunctions import diagonal_quadratic, hyperellipsoid_diagonal

from .minimize import OptimizeResult, minimize

__all__ = ["sgd_step_limit", "second_moment_recursion", "forward_sgd_step_limit", "mean_square_path",
           "step_limit_runs", "spectral_radii", "MAX_DENSE_DIM", "hyperellipsoid_step_limits", "MeanSquareRuns",
           "mean_square_runs"]

MAX_DENSE_DIM = 2000
"""Largest dimension of :func:`spectral_radii`, which solves a dense n × n eigenvalue problem."""


def _symmetric_law(law, n: int | None, name: str = "law"):
    """A tangent law whose fourth moments are two numbers (gaussian, rademacher, sphere), in dimension n
    (any, if None)."""
    law = fg.tangent_law(law, name)
    if not isinstance(law, fg.SymmetricLaw):
        raise ValueError(f"{name} must be symmetric under sign flips and permutations of coordinates "
                         f"(one of {tuple(fg.LAWS)}), got {law.name}: a rotation couples the coordinates of "
                         f"a diagonal quadratic, and the second moments E[θ_i²] no longer follow a closed recursion")
    if n is not None:
        law.check_dimension(n)
    return law


def _moment_weights(law, n: int, B: int) -> tuple[float, float]:
    """(w/B, s_B): the rank-one and the D² coefficients of the recursion for B tangents."""
    w = law.alpha(n)
    s = 3 * law.alpha(n) + law.beta(n) - w  # E[v_i⁴] − w
    if s < 0:  # impossible for real tangents: E[v_i² v_j²] ≤ E[v_i⁴] by Cauchy–Schwarz
        raise ValueError(f"law must have E[v_i^4] >= E[v_i^2 v_j^2] (true of every law of real tangents), "
                         f"got {law.name} with E[v_i^4] - E[v_i^2 v_j^2] = {s:g}")
    return w / B, 1 + (s - 1) / B


def sgd_step_limit(a) -> float:
    """2 / max_i a_i: true-gradient SGD on ½ θᵀ diag(a) θ converges from every start iff α < this."""
    return 2.0 / float(np.max(check_positive_diagonal("a", a)))


def second_moment_recursion(a, law, lr: float, *, B: int = 1) -> np.ndarray:
    """The matrix M of d_k = M d_{k−1}, d_k = (E[θ_{k,i}²])_i, for forward SGD on ½ θᵀ diag(a) θ.

    M = I − 2α D + s_B α² D² + (w/B) α² 1 (a²)ᵀ with D = diag(a), w = E[v_i² v_j²] (i ≠ j),
    s = E[v_i⁴] − w and s_B = 1 + (s − 1)/B for the mean of B tangents: for one Rademacher
    tangent M = I − 2α D + α² 1 (a²)ᵀ, for one Gaussian tangent M = I − 2α D + 2α² D² + α² 1 (a²)ᵀ.
    ``law`` is gaussian, rademacher or sphere (or its name); the answer is n × n.
    """
    a = check_positive_diagonal("a", a)
    law = _symmetric_law(law, a.size)
    lr = check_positive("lr", lr)
    B = check_int("B", B, minimum=1)
    rank_one, squares = _moment_weights(law, a.size, B)
    M = rank_one * lr**2 * np.outer(np.ones(a.size), a**2)
    M[np.diag_indices(a.size)] += 1 - 2 * lr * a + squares * lr**2 * a**2
    return M


def forward_sgd_step_limit(a, law, *, B: int = 1) -> float:
    """α*: forward SGD on ½ θᵀ diag(a) θ is mean-square stable (E‖θ_k‖² → 0 from every start) iff α < α*.

    For one Rademacher tangent α* = 2 / tr A (true SGD: 2 / max a, :func:`sgd_step_limit`); for
    one Gaussian tangent α* is the root in (0, 1/max a) of Σ_i α a_i / (1 − α a_i) = 2, between
    2 / (tr A + 2 max a) and 2 / tr A. In general α* solves (w/B) Σ_i α a_i / (2 − s_B α a_i) = 1
    (see :func:`second_moment_recursion`): the spectral radius of M crosses 1 there. O(n) memory.
    """
    from scipy.optimize import brentq

    a = check_positive_diagonal("a", a)
    law = _symmetric_law(law, a.size)
    B = check_int("B", B, minimum=1)
    rank_one, squares = _moment_weights(law, a.size, B)

    def excess(alpha):  # φ(α) − 1, increasing in α where every s_B α a_i < 2
        x = alpha * a
        return rank_one * float(np.sum(x / (2 - squares * x))) - 1

    if squares == 0:  # one Rademacher tangent: φ is linear in α
        return 2.0 / (rank_one * float(np.sum(a)))
    pole = 2.0 / (squares * float(np.max(a)))  # φ → ∞ there
    upper = pole * (1 - 1e-12)
    if excess(upper) <= 0:
        return pole  # the root lies within 1e-12 of the pole (very large B)
    return float(brentq(excess, 0.0, upper, xtol=1e-300, rtol=1e-14, maxiter=500))


def step_limit_runs(a, law, factors, rng, *, num_runs: int = 20, max_iter: int = 3000, target: float = 1e-8,
                    B: int = 1) -> dict[float, OptimizeResult]:
    """``{factor: runs}``: ``num_runs`` forward-SGD runs on ½ θᵀ diag(a) θ at lr = factor · α*.

    α* is :func:`forward_sgd_step_limit`; every run starts at θ_0 = (1, …, 1) and stops at
    f ≤ ``target`` ("converged") or when it diverges. The factors share one stream of tangents
    from ``rng`` (an int seed or a Generator), in the order given.
    """
    a = check_positive_diagonal("a", a)
    law = _symmetric_law(law, a.size)
    factors = check_sequence("factors", factors, check_positive, what="positive multiples of the limit")
    rng = check_rng("rng", rng)
    num_runs = check_int("num_runs", num_runs, minimum=1)
    limit = forward_sgd_step_limit(a, law, B=B)
    f, x0 = diagonal_quadratic(a), np.ones((num_runs, a.size))
    return {factor: minimize(f, x0, "sgd", factor * limit, gradient="forward", law=law, B=B, max_iter=max_iter,
                             rng=rng, target=target) for factor in factors}


def mean_square_path(a, law, lr: float, x0, num_steps: int, *, B: int = 1) -> np.ndarray:
    """E‖θ_k‖² for k = 0, …, ``num_steps`` of forward SGD on ½ θᵀ diag(a) θ from θ_0 = ``x0`` (n,).

    Σ_i (M^k d_0)_i with d_0 = θ_0² and M from :func:`second_moment_recursion`: what the mean of
    ‖θ_k‖² over many runs tends to (not what a typical run does, when the steps are heavy-tailed).
    M is a diagonal plus a rank-one matrix, so each step costs O(n) time and memory, never the
    n × n matrix: d_k = m ⊙ d_{k−1} + (w/B) α² (a²·d_{k−1}) 1, with m the diagonal of
    :func:`second_moment_recursion` but its rank-one part.
    """
    a = check_positive_diagonal("a", a)
    law = _symmetric_law(law, a.size)
    lr = check_positive("lr", lr)
    B = check_int("B", B, minimum=1)
    d = check_vector("x0", x0, a.size, against="a") ** 2
    num_steps = check_int("num_steps", num_steps, minimum=0)
    rank_one, squares = _moment_weights(law, a.size, B)
    diagonal = 1 - 2 * lr * a + squares * lr**2 * a**2
    coupling, a2 = rank_one * lr**2, a**2
    path = np.empty(num_steps + 1)
    path[0] = d.sum()
    with np.errstate(over="ignore", invalid="ignore"):  # far above the limit the moments overflow to inf
        for k in range(1, num_steps + 1):
            d = diagonal * d + coupling * float(a2 @ d)
            path[k] = d.sum()
    return path


def spectral_radii(a, law, lrs, *, B: int = 1) -> np.ndarray:
    """ρ(M) at each learning rate of ``lrs``, M from :func:`second_moment_recursion`: below 1 exactly
    where forward SGD on ½ θᵀ diag(a) θ is mean-square stable.

    The largest modulus of M's eigenvalues, from the dense matrix: a check of the closed-form
    limit :func:`forward_sgd_step_limit`, which finds where ρ(M) crosses 1 in O(n) without it
    (``a`` of at most :data:`MAX_DENSE_DIM` entries).
    """
    a = check_positive_diagonal("a", a)
    if a.size > MAX_DENSE_DIM:
        raise ValueError(f"a must have at most MAX_DENSE_DIM = {MAX_DENSE_DIM} entries (an n x n eigenvalue "
                         f"problem), got {a.size}: forward_sgd_step_limit(a, law) gives where the spectral radius "
                         "crosses 1 in O(n)")
    law = _symmetric_law(law, a.size)
    lrs = check_sequence("lrs", lrs, check_positive, what="learning rates")
    B = check_int("B", B, minimum=1)
    return np.array([np.max(np.abs(np.linalg.eigvals(second_moment_recursion(a, law, lr, B=B)))) for lr in lrs])


def hyperellipsoid_step_limits(dims, laws=("rademacher", "gaussian"), *, B: int = 1) -> dict[str, np.ndarray]:
    """``{"true": 2/λ_max, law name: α*, ...}``: the limits of true and forward SGD on the hyperellipsoid
    Σ i x_i² (a = :func:`~fgcourse.testfunctions.hyperellipsoid_diagonal`) in each dimension of ``dims``.

    True SGD needs α < 1/n; one Rademacher tangent α < 2/(n(n + 1)); a Gaussian one a little less.
    """
    dims = check_sequence("dims", dims, lambda name, n: check_int(name, n, minimum=1), what="dimensions")
    laws = check_sequence("laws", laws, lambda name, law: _symmetric_law(law, None, name), what="tangent laws")
    B = check_int("B", B, minimum=1)
    diagonals = [hyperellipsoid_diagonal(n) for n in dims]
    limits = {"true": np.array([sgd_step_limit(a) for a in diagonals])}
    for law in laws:
        limits[law.name] = np.array([forward_sgd_step_limit(a, law, B=B) for a in diagonals])
    return limits


@dataclass(frozen=True)
class MeanSquareRuns:
    """Forward-SGD runs on ½ θᵀ diag(a) θ at ``lr = factor`` × the limit, from θ_0 = (1, …, 1)
    (:func:`mean_square_runs`): ``predicted`` is E‖θ_k‖² (:func:`mean_square_path`), ``squares``
    the ‖θ_k‖² of each run, shape (num_steps + 1, num_runs)."""

    law: str
    factor: float
    lr: float
    predicted: np.ndarray
    squares: np.ndarray


def mean_square_runs(a, law, rng, factor: float, *, num_runs: int = 2000, num_steps: int = 300,
                     B: int = 1) -> MeanSquareRuns:
    """``num_runs`` forward-SGD runs of ``num_steps`` steps at ``factor`` times :func:`forward_sgd_step_limit`,
    beside the mean E‖θ_k‖² the recursion predicts.

    The runs start at θ_0 = (1, …, 1), draw their tangents from ``rng`` (an int seed or a
    Generator) and are never stopped as diverged (threshold 1e150), so that every step of the
    sample mean can be set against the prediction: above the limit the predicted mean grows, while
    with heavy-tailed steps (Gaussian tangents) the typical run may still shrink.
    """
    a = check_positive_diagonal("a", a)
    law = _symmetric_law(law, a.size)
    factor = check_positive("factor", factor)
    rng = check_rng("rng", rng)
    num_runs = check_int("num_runs", num_runs, minimum=1)
    num_steps = check_int("num_steps", num_steps, minimum=1)
    B = check_int("B", B, minimum=1)
    lr = factor * forward_sgd_step_limit(a, law, B=B)
    runs = minimize(diagonal_quadratic(a), np.ones((num_runs, a.size)), "sgd", lr, gradient="forward", law=law,
                    B=B, rng=rng, max_iter=num_steps, divergence_threshold=1e150)
    predicted = mean_square_path(a, law, lr, np.ones(a.size), num_steps, B=B)
    return MeanSquareRuns(law.name, factor, lr, predicted, np.sum(runs.path**2, axis=-1))
