"""Tangent laws: random directions v ∈ R^n with E[v vᵀ] = I, and their exact moments.

Every law here is symmetric under sign flips and permutations of the coordinates, or a fixed
rotation of such a law. For those, the whole fourth-moment tensor of v is fixed by two
numbers, α = E[v_i² v_j²] (i ≠ j) and β = E[v_i⁴] − 3α, and every exact formula of the
chapter (mean squared deviation, per-coordinate variance, E[v_i⁴], squared step length)
comes from the one quartic form E[(b·v)²(c·v)²] = α(‖b‖²‖c‖² + 2(b·c)²) + β Σ_j b_j² c_j².
A rotation w = Qv maps it to the base law's form at (Qᵀb, Qᵀc), so rotated laws are exact
too, whatever Q.

The moments the estimator needs are n numbers, E[g_i²] = E[(b·v)² v_i²] for g = (b·v) v,
and they come in O(n) memory: the quartic form at c = e_i, summed in closed form, never
against an n × n identity matrix.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fgcourse._checks import check_array, check_int, check_option, check_rng, check_vector, describe

BASIS_BLOCK = 2**16
"""Entries of basis vectors held at once by the generic moments of a law without closed forms."""


class TangentLaw:
    """A law of random tangents v ∈ R^n with E[v vᵀ] = I.

    Subclasses give ``name``, ``_draw`` and the quartic form E[(b·v)²(c·v)²]; everything
    exact about the estimator (its mean squared deviation, per-coordinate variances, the
    moments E[v_i²] and E[v_i⁴]) is derived from that form. Subclasses with closed forms
    override :meth:`estimate_second_moments` and :meth:`fourth_moments`; the generic ones
    below take the form against blocks of basis vectors, in O(n) memory.
    """

    name: str

    def sample(self, n: int, rng, size: int | None = None) -> np.ndarray:
        """Draw one tangent of shape (n,) or ``size`` independent tangents, shape (size, n).

        ``rng`` is an int seed or a ``numpy.random.Generator``.
        """
        n = self.check_dimension(n)
        rng = check_rng("rng", rng)
        rows = 1 if size is None else check_int("size", size, minimum=1)
        tangents = self._draw(n, rng, rows)
        return tangents[0] if size is None else tangents

    def check_dimension(self, n) -> int:
        """Return ``n`` as an int, or raise if this law cannot be sampled in dimension n."""
        return check_int("n", n, minimum=1)

    def quartic_form(self, b, c) -> np.ndarray:
        """E[(b·v)²(c·v)²], broadcasting over the leading axes of ``b`` and ``c`` (last axis n)."""
        raise NotImplementedError

    def _draw(self, n: int, rng: np.random.Generator, rows: int) -> np.ndarray:
        raise NotImplementedError

    def _against_basis(self, b: np.ndarray | None, n: int) -> np.ndarray:
        """E[(b·v)² v_i²] (or E[v_i⁴] when b is None) for i = 1..n, by blocks of basis vectors."""
        out = np.empty(n)
        rows = max(1, BASIS_BLOCK // n)
        for start in range(0, n, rows):
            stop = min(n, start + rows)
            basis = np.zeros((stop - start, n))
            basis[np.arange(stop - start), np.arange(start, stop)] = 1.0
            out[start:stop] = self.quartic_form(basis if b is None else b, basis)
        return out

    def second_moments(self, n: int) -> np.ndarray:
        """E[v_i²] for i = 1..n (all ones: every tangent law has E[v vᵀ] = I)."""
        return np.ones(self.check_dimension(n))

    def second_moment_matrix(self, n: int) -> np.ndarray:
        """E[v vᵀ], the matrix that decides unbiasedness (see :func:`is_unbiased`)."""
        return np.eye(self.check_dimension(n))

    def fourth_moments(self, n: int) -> np.ndarray:
        """E[v_i⁴] for i = 1..n."""
        return self._against_basis(None, self.check_dimension(n))

    def square_variances(self, n: int) -> np.ndarray:
        """Var(v_i²) = E[v_i⁴] − E[v_i²]², the quantity Lemma 4 of belouze2022paper minimizes."""
        return self.fourth_moments(n) - self.second_moments(n) ** 2

    def estimate_second_moments(self, grad) -> np.ndarray:
        """E[g_i²] = E[(∇f·v)² v_i²] for i = 1..n, for the forward gradient g = (∇f·v) v."""
        grad = check_vector("grad", grad)
        self.check_dimension(grad.size)
        return self._against_basis(grad, grad.size)

    def expected_squared_norm(self, grad) -> float:
        """E‖g‖² = Σ_i E[(∇f·v)² v_i²] for the forward gradient g = (∇f·v) v."""
        return float(np.sum(self.estimate_second_moments(grad)))

    def __repr__(self) -> str:
        return self.name


def _check_form_arguments(law: TangentLaw, b, c) -> tuple[np.ndarray, np.ndarray]:
    """b and c: real finite arrays whose last axis has the law's dimension n."""
    b, c = check_array("b", b, min_size=1), check_array("c", c, min_size=1)
    for name, array in (("b", b), ("c", c)):
        if array.ndim == 0:
            raise ValueError(f"{name} must be an array whose last axis has size n, got a scalar")
    law.check_dimension(b.shape[-1])
    if c.shape[-1] != b.shape[-1]:
        raise ValueError(f"c must have the last axis of b, {b.shape[-1]}, got shape {c.shape}")
    return b, c


@dataclass(frozen=True, repr=False)
class SymmetricLaw(TangentLaw):
    """A law invariant under sign flips and permutations of coordinates, with E[v_i²] = 1.

    ``alpha(n)`` = E[v_i² v_j²] for i ≠ j and ``beta(n)`` = E[v_i⁴] − 3 alpha(n) fix its
    fourth moments; ``draw(n, rng, rows)`` returns an array of shape (rows, n).
    """

    name: str
    draw: Callable[[int, np.random.Generator, int], np.ndarray]
    alpha: Callable[[int], float]
    beta: Callable[[int], float]

    def _draw(self, n, rng, rows):
        return self.draw(n, rng, rows)

    def quartic_form(self, b, c):
        b, c = _check_form_arguments(self, b, c)
        n = b.shape[-1]
        cross = np.sum(b * b, axis=-1) * np.sum(c * c, axis=-1) + 2 * np.sum(b * c, axis=-1) ** 2
        return self.alpha(n) * cross + self.beta(n) * np.sum(b * b * c * c, axis=-1)

    def fourth_moments(self, n):
        # The form at b = c = e_i: α(1 + 2) + β.
        n = self.check_dimension(n)
        return np.full(n, 3 * self.alpha(n) + self.beta(n))

    def estimate_second_moments(self, grad):
        # The form at (b, e_i): α(‖b‖² + 2 b_i²) + β b_i².
        grad = check_vector("grad", grad)
        n = self.check_dimension(grad.size)
        squares = grad * grad
        return self.alpha(n) * float(np.sum(squares)) + (2 * self.alpha(n) + self.beta(n)) * squares

    def expected_squared_norm(self, grad):
        # Summed over i: (α(n + 2) + β)‖b‖², without an array of n moments.
        grad = check_vector("grad", grad)
        n = self.check_dimension(grad.size)
        return float((self.alpha(n) * (n + 2) + self.beta(n)) * (grad @ grad))


@dataclass(frozen=True, repr=False, eq=False)
class RotatedLaw(TangentLaw):
    """The law of w = Q v for v drawn from ``base`` and a fixed orthogonal matrix Q (build it with :func:`rotated`).

    (b·w) = (Qᵀb)·v and w_i = q_i·v with q_i the i-th row of Q, so every moment is the base
    law's quartic form at (b @ Q, rows of Q): O(n²) work, the size of Q itself.
    """

    base: TangentLaw
    Q: np.ndarray

    @property
    def name(self) -> str:
        return f"rotated {self.base.name}"

    def check_dimension(self, n) -> int:
        n = check_int("n", n, minimum=1)
        if n != self.Q.shape[0]:
            raise ValueError(
                f"n must equal the size of the rotation Q, {self.Q.shape[0]}, for the law {self.name!r}; got n = {n}"
            )
        return n

    def _draw(self, n, rng, rows):
        return self.base.sample(n, rng, size=rows) @ self.Q.T

    def quartic_form(self, b, c):
        b, c = _check_form_arguments(self, b, c)
        # (b·Qv) = (Qᵀb)·v; with b as rows this is b @ Q.
        return self.base.quartic_form(b @ self.Q, c @ self.Q)

    def fourth_moments(self, n):
        n = self.check_dimension(n)
        return self.base.quartic_form(self.Q, self.Q)  # row i: E[(q_i·v)⁴]

    def estimate_second_moments(self, grad):
        grad = check_vector("grad", grad)
        self.check_dimension(grad.size)
        # One (n,) vector b @ Q broadcast against the n rows of Q: no n × n identity.
        return self.base.quartic_form(grad @ self.Q, self.Q)

    def second_moment_matrix(self, n):
        n = self.check_dimension(n)
        return self.Q @ self.base.second_moment_matrix(n) @ self.Q.T


def _rademacher_draw(n, rng, rows):
    # The signs are the top bits of random bytes: rng.integers(0, 2, dtype=np.int8) takes each
    # byte of the generator's 32-bit words, low byte first, and keeps its top bit (Lemire's
    # method with a range of 2). Reading those bytes from the words directly gives the same
    # signs and leaves the generator in the same state, twice as fast: bit 7 moved to bit 1
    # (0 or 2) in one byte pass, then 2b − 1 in one float pass (a single float array).
    count = rows * n
    words = rng.integers(0, 1 << 32, size=(count + 3) // 4, dtype=np.uint32).astype("<u4", copy=False)
    twice = (words.view(np.uint8)[:count] >> 6) & 2
    return np.subtract(twice, 1.0, dtype=float).reshape(rows, n)


def _sphere_draw(n, rng, rows):
    directions = rng.standard_normal((rows, n))
    return math.sqrt(n) * directions / np.linalg.norm(directions, axis=1, keepdims=True)


gaussian = SymmetricLaw(
    name="gaussian",
    draw=lambda n, rng, rows: rng.standard_normal((rows, n)),
    alpha=lambda n: 1.0,
    beta=lambda n: 0.0,
)
"""The standard normal law N(0, I) used by baydin2022gradients: E[v_i⁴] = 3."""

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

ORTHOGONALITY_TOLERANCE = 1e-8
"""Largest max |QᵀQ − I| accepted by :func:`rotated`."""


def rotated(law: TangentLaw | str, Q) -> RotatedLaw:
    """The law of Q v for v ~ ``law`` and a fixed orthogonal matrix ``Q`` (belouze2022paper, Def. 8).

    Q must not depend on v: a rotation chosen after seeing v can bias the estimator (see the
    chapter *Forward gradients*).
    """
    law = tangent_law(law)
    Q = check_array("Q", Q, ndim=2, min_size=1)
    if Q.shape[0] != Q.shape[1]:
        raise ValueError(f"Q must be a square orthogonal matrix of shape (n, n), got shape {Q.shape}")
    error = np.max(np.abs(Q.T @ Q - np.eye(Q.shape[0])))
    if error > ORTHOGONALITY_TOLERANCE:
        raise ValueError(f"Q must be orthogonal (QᵀQ = I), got max |QᵀQ − I| = {error:.3g}")
    return RotatedLaw(base=law, Q=Q)


def tangent_law(law: TangentLaw | str, name: str = "law") -> TangentLaw:
    """Return ``law`` itself, or the law named ``law`` among ``LAWS``; ``name`` is the argument's, for
    the message (``"laws[1]"`` in a sequence of laws)."""
    if isinstance(law, TangentLaw):
        return law
    if isinstance(law, str):
        return LAWS[check_option(name, law, LAWS)]
    raise TypeError(f"{name} must be a TangentLaw or one of {tuple(LAWS)}, got {describe(law)}")


def random_rotation(n: int, rng) -> np.ndarray:
    """A random orthogonal n × n matrix, uniform (Haar) over the orthogonal group; ``rng``: seed or Generator."""
    n = check_int("n", n, minimum=1)
    q, r = np.linalg.qr(check_rng("rng", rng).standard_normal((n, n)))
    # Fixing the signs of R's diagonal makes the law of q exactly uniform.
    return q * np.sign(np.diag(r))
