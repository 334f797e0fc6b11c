"""Tangent laws: random directions v ∈ R^n with E[v vᵀ] = I, and their exact moments.

Every law here is symmetric under sign flips and permutations of the coordinates, or a fixed
rotation of such a law. For those, the whole fourth-moment tensor of v is fixed by two
numbers, α = E[v_i² v_j²] (i ≠ j) and β = E[v_i⁴] − 3α, and every exact formula of the
chapter (mean squared deviation, per-coordinate variance, E[v_i⁴], squared step length)
comes from the one quartic form E[(b·v)²(c·v)²] = α(‖b‖²‖c‖² + 2(b·c)²) + β Σ_j b_j² c_j².
A rotation w = Qv maps it to the base law's form at (Qᵀb, Qᵀc), so rotated laws are exact
too, whatever Q.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._checks import _check_count, _check_dimension, _check_rng, _check_vector


class TangentLaw:
    """A law of random tangents v ∈ R^n with E[v vᵀ] = I.

    Subclasses give ``name``, ``sample`` and the quartic form E[(b·v)²(c·v)²]; everything
    exact about the estimator (its mean squared deviation, per-coordinate variances, the
    moments E[v_i²] and E[v_i⁴]) is derived from that form.
    """

    name: str

    def sample(self, rng: np.random.Generator, n: int, size: int | None = None) -> np.ndarray:
        """Draw one tangent of shape (n,) or ``size`` independent tangents, shape (size, n)."""
        rng = _check_rng(rng)
        n = self.check_dimension(n)
        rows = 1 if size is None else _check_count(size, "size")
        tangents = self._draw(rng, n, rows)
        return tangents[0] if size is None else tangents

    def check_dimension(self, n) -> int:
        """Return ``n`` as an int, or raise if this law cannot be sampled in dimension n."""
        return _check_dimension(n)

    def quartic_form(self, b, c) -> np.ndarray:
        """E[(b·v)²(c·v)²], broadcasting over the leading axes of ``b`` and ``c`` (last axis n)."""
        raise NotImplementedError

    def _draw(self, rng: np.random.Generator, n: int, rows: int) -> np.ndarray:
        raise NotImplementedError

    def second_moments(self, n: int) -> np.ndarray:
        """E[v_i²] for i = 1..n (all ones: every law here has E[v vᵀ] = I)."""
        return np.diag(self.second_moment_matrix(n)).copy()

    def second_moment_matrix(self, n: int) -> np.ndarray:
        """E[v vᵀ], the matrix that decides unbiasedness (see :func:`is_unbiased`)."""
        return np.eye(self.check_dimension(n))

    def fourth_moments(self, n: int) -> np.ndarray:
        """E[v_i⁴] for i = 1..n."""
        basis = np.eye(self.check_dimension(n))
        return self.quartic_form(basis, basis)

    def square_variances(self, n: int) -> np.ndarray:
        """Var(v_i²) = E[v_i⁴] − E[v_i²]², the quantity Lemma 4 of 001 minimizes."""
        return self.fourth_moments(n) - self.second_moments(n) ** 2

    def expected_squared_norm(self, grad) -> float:
        """E‖g‖² = Σ_i E[(∇f·v)² v_i²] for the forward gradient g = (∇f·v) v."""
        grad = _check_vector(grad, "grad")
        self.check_dimension(grad.size)
        return float(np.sum(self.quartic_form(grad, np.eye(grad.size))))

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True, repr=False)
class SymmetricLaw(TangentLaw):
    """A law invariant under sign flips and permutations of coordinates, with E[v_i²] = 1.

    ``alpha(n)`` = E[v_i² v_j²] for i ≠ j and ``beta(n)`` = E[v_i⁴] − 3 alpha(n) fix its
    fourth moments; ``draw(rng, n, rows)`` returns an array of shape (rows, n).
    """

    name: str
    draw: Callable[[np.random.Generator, int, int], np.ndarray]
    alpha: Callable[[int], float]
    beta: Callable[[int], float]

    def _draw(self, rng, n, rows):
        return self.draw(rng, n, rows)

    def quartic_form(self, b, c):
        b = np.asarray(b, dtype=float)
        c = np.asarray(c, dtype=float)
        n = b.shape[-1]
        cross = np.sum(b * b, axis=-1) * np.sum(c * c, axis=-1) + 2 * np.sum(b * c, axis=-1) ** 2
        return self.alpha(n) * cross + self.beta(n) * np.sum(b * b * c * c, axis=-1)


@dataclass(frozen=True, repr=False, eq=False)
class RotatedLaw(TangentLaw):
    """The law of w = Q v for v drawn from ``base`` and a fixed orthogonal matrix Q."""

    base: TangentLaw
    Q: np.ndarray

    @property
    def name(self) -> str:
        return f"rotated {self.base.name}"

    def check_dimension(self, n) -> int:
        n = _check_dimension(n)
        if n != self.Q.shape[0]:
            raise ValueError(
                f"n must equal the size of the rotation Q, {self.Q.shape[0]}, for the law {self.name!r}; got n = {n}"
            )
        return n

    def _draw(self, rng, n, rows):
        return self.base.sample(rng, n, size=rows) @ self.Q.T

    def quartic_form(self, b, c):
        b, c = np.asarray(b, dtype=float), np.asarray(c, dtype=float)
        self.check_dimension(b.shape[-1])
        self.check_dimension(c.shape[-1])
        # (b·Qv) = (Qᵀb)·v; with b as rows this is b @ Q.
        return self.base.quartic_form(b @ self.Q, c @ self.Q)

    def second_moment_matrix(self, n):
        n = self.check_dimension(n)
        return self.Q @ self.base.second_moment_matrix(n) @ self.Q.T


def _rademacher_draw(rng, n, rows):
    # Drawing bytes and mapping {0, 1} to {−1, 1} in place is three times faster than rng.choice
    # and holds a single float array.
    signs = rng.integers(0, 2, size=(rows, n), dtype=np.int8).astype(float)
    signs *= 2.0
    signs -= 1.0
    return signs


def _sphere_draw(rng, n, rows):
    directions = rng.standard_normal((rows, n))
    return math.sqrt(n) * directions / np.linalg.norm(directions, axis=1, keepdims=True)


gaussian = SymmetricLaw(
    name="gaussian",
    draw=lambda rng, n, rows: rng.standard_normal((rows, n)),
    alpha=lambda n: 1.0,
    beta=lambda n: 0.0,
)
"""The standard normal law N(0, I) used by Baydin et al.: E[v_i⁴] = 3."""

rademacher = SymmetricLaw(
    name="rademacher",
    draw=_rademacher_draw,
    alpha=lambda n: 1.0,
    beta=lambda n: -2.0,
)
"""Independent signs ±1 with probability 1/2: E[v_i⁴] = 1, so Var(v_i²) = 0 (minimal law)."""

sphere = SymmetricLaw(
    name="sphere",
    draw=_sphere_draw,
    alpha=lambda n: n / (n + 2),
    beta=lambda n: 0.0,
)
"""The uniform law on the sphere of radius √n: isotropic and minimal (‖v‖² = n always)."""

LAWS = {law.name: law for law in (gaussian, rademacher, sphere)}


def rotated(law: TangentLaw | str, Q) -> RotatedLaw:
    """The law of Q v for v ~ ``law`` and a fixed orthogonal matrix ``Q`` (001, Def. 8)."""
    law = tangent_law(law)
    message = f"Q must be a real square orthogonal matrix, got {Q!r}"
    if np.iscomplexobj(Q):
        raise TypeError(message)
    try:
        Q = np.asarray(Q, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(message) from error
    if Q.ndim != 2 or Q.shape[0] != Q.shape[1] or Q.shape[0] == 0:
        raise ValueError(f"Q must be a square orthogonal matrix of shape (n, n), got shape {Q.shape}")
    if not np.all(np.isfinite(Q)):
        raise ValueError("Q must hold finite numbers, got non-finite entries")
    error = np.max(np.abs(Q.T @ Q - np.eye(Q.shape[0])))
    if error > 1e-8:
        raise ValueError(f"Q must be orthogonal (QᵀQ = I), got max |QᵀQ − I| = {error:.3g}")
    return RotatedLaw(base=law, Q=Q)


def tangent_law(law: TangentLaw | str) -> TangentLaw:
    """Return ``law`` itself, or the law named ``law`` among ``LAWS``."""
    if isinstance(law, TangentLaw):
        return law
    if isinstance(law, str) and law in LAWS:
        return LAWS[law]
    raise ValueError(f"law must be a TangentLaw or one of {sorted(LAWS)}, got {law!r}")


def random_rotation(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random orthogonal n × n matrix, uniform (Haar) over the orthogonal group."""
    n = _check_dimension(n)
    q, r = np.linalg.qr(_check_rng(rng).standard_normal((n, n)))
    # Fixing the signs of R's diagonal makes the law of q exactly uniform.
    return q * np.sign(np.diag(r))
