"""Exact searches on a bracket: dichotomy, golden section, safeguarded parabolic interpolation.

Each shrinks a bracket ``[a, b]`` holding the minimiser α* of a unimodal φ until its best point
``x`` satisfies ``max(x − a, b − x) ≤ tol``, and returns a :class:`BracketResult` with the
history of brackets. The methods and their rates follow :cite:t:`merkulov2023slides`; the
parabolic search is Brent's method.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as onp

from fgcourse._checks import call_user, check_callable, check_int, check_output, check_positive, check_real
from fgcourse._vocabulary import is_success, status_message

__all__ = [
    "GOLDEN_RATIO", "EXACT_STATUSES", "BracketStep", "BracketResult", "dichotomy", "dichotomy_iterations",
    "golden_section", "parabolic", "parabola_vertex", "check_bracket",
]

GOLDEN_RATIO = (1.0 + math.sqrt(5.0)) / 2.0
"""τ = (1 + √5)/2; golden section keeps the ratio 1/τ ≈ 0.618 between successive brackets."""

EXACT_STATUSES = ("converged", "not_unimodal", "non_finite", "max_iter")
"""The statuses of a :class:`BracketResult`. A search is asked for a tolerance, so by the one rule
(:func:`fgcourse._vocabulary.is_success`) only ``"converged"`` is a success: "max_iter" ran out first."""

_EPS = onp.finfo(float).eps


@dataclass(frozen=True)
class BracketStep:
    """One state of an exact search: the bracket ``[a, b]``, the best point ``x`` so far,
    ``fun = φ(x)``, and the number of evaluations of φ spent to reach this state."""

    a: float
    b: float
    x: float
    fun: float
    nfev: int


@dataclass(frozen=True)
class BracketResult:
    """Result of an exact search.

    ``x`` is the best point found and ``fun = φ(x)``; on success ``max(x − a, b − x) ≤ tol``
    for the final bracket. ``status`` is one of :data:`EXACT_STATUSES`: ``"converged"``,
    ``"not_unimodal"`` (the evaluations contradict unimodality, so the bracket no longer
    provably holds the minimiser), ``"non_finite"`` (φ returned inf or NaN) or ``"max_iter"``.
    ``history`` holds the state after every iteration, the initial one first; ``nit`` is the
    number of iterations.
    """

    x: float
    fun: float
    nfev: int
    nit: int
    success: bool
    status: str
    message: str
    history: tuple[BracketStep, ...]

    @property
    def brackets(self) -> tuple[tuple[float, float], ...]:
        """The brackets ``(a_k, b_k)``, initial one first."""
        return tuple((step.a, step.b) for step in self.history)


class _Samples:
    """Evaluations of φ in order of position, to catch evaluations that contradict unimodality.

    Any sample of a unimodal φ reads non-increasing then non-decreasing from left to right;
    a value that exceeds both a value on its left and one on its right (by more than
    rounding) proves φ is not unimodal.
    """

    def __init__(self, phi):
        self.phi = phi
        self.positions: list[float] = []
        self.values: list[float] = []
        self.nfev = 0
        self.all_finite = True

    def __call__(self, alpha: float) -> float:
        # a non-finite value is a status of the search, not an error: finite=False
        value = float(check_output("phi", call_user("phi", self.phi, alpha), (), finite=False, at=f"{alpha!r}"))
        self.nfev += 1
        self.all_finite = self.all_finite and math.isfinite(value)
        index = bisect.bisect(self.positions, alpha)
        self.positions.insert(index, alpha)
        self.values.insert(index, value)
        return value

    def contradict_unimodality(self) -> bool:
        values = onp.asarray(self.values)
        if len(values) < 3 or not self.all_finite:
            return False
        slack = 16 * _EPS * onp.max(onp.abs(values))
        lowest = int(onp.argmin(values))
        rises_left = onp.any(onp.diff(values[: lowest + 1]) > slack)
        falls_right = onp.any(onp.diff(values[lowest:]) < -slack)
        return bool(rises_left or falls_right)


def check_bracket(a, b, tol) -> tuple[float, float, float]:
    """``(a, b, tol)`` checked: reals with a < b, a finite width b − a, and tol > 0."""
    a, b = check_real("a", a), check_real("b", b)
    if not b > a:
        raise ValueError(f"b must be > a (the bracket needs a < b), got a = {a:g}, b = {b:g}")
    if not math.isfinite(b - a):
        raise ValueError(f"b must make the bracket's width b - a finite, got a = {a:g}, b = {b:g}")
    return a, b, check_positive("tol", tol)


def _check_search(phi, a, b, tol, max_iter):
    check_callable("phi", phi, "float -> real number")
    a, b, tol = check_bracket(a, b, tol)
    return a, b, tol, check_int("max_iter", max_iter, minimum=1)


def _close_enough(a, x, b, tol):
    """The stopping rule of every exact search: α* ∈ [a, b], so |x − α*| ≤ max(x − a, b − x)."""
    return max(x - a, b - x) <= tol


def _run_bracket_search(samples, state, step, tol, max_iter):
    """Drive an exact search: ``step(state)`` shrinks the bracket and returns the new state.

    ``state`` exposes ``a, b, x, fun``. The loop owns the stopping rule and the failure
    statuses, so the three methods only say how they shrink the bracket.
    """
    history = [BracketStep(state.a, state.b, state.x, state.fun, samples.nfev)]
    while True:
        if not samples.all_finite:  # comparisons with NaN or inf prove nothing about α*
            status = "non_finite"
        elif samples.contradict_unimodality():
            status = "not_unimodal"
        elif _close_enough(state.a, state.x, state.b, tol):
            status = "converged"
        elif len(history) > max_iter:
            status = "max_iter"
        else:
            state = step(state)
            history.append(BracketStep(state.a, state.b, state.x, state.fun, samples.nfev))
            continue
        break
    nit = len(history) - 1
    message = status_message(status, nit, detail=f"{samples.nfev} evaluations of phi")
    return BracketResult(state.x, state.fun, samples.nfev, nit, is_success(status, target=True), status, message,
                         tuple(history))


@dataclass(frozen=True)
class _Centered:
    """Dichotomy's state: the bracket and its evaluated midpoint ``x``."""

    a: float
    b: float
    x: float
    fun: float


def dichotomy_iterations(a: float, b: float, tol: float) -> int:
    """K = ⌈log2((b − a)/ε) − 1⌉: halvings after which the midpoint is within ε of α*."""
    a, b, tol = check_bracket(a, b, tol)
    return max(0, math.ceil(math.log2((b - a) / tol) - 1))


def dichotomy(phi: Callable[[float], float], a: float, b: float, tol: float, *, max_iter: int = 2000) -> BracketResult:
    """Minimise a unimodal φ on [a, b] by halving the bracket around its evaluated midpoint.

    Each iteration probes the midpoint of the left half; if that is not lower, the midpoint
    of the right half: at most two new evaluations per halving (three in the first, which
    also evaluates the centre). Returns the final midpoint; after
    ``K = ⌈log2((b − a)/tol) − 1⌉`` iterations it is within ``tol`` of α* in exact
    arithmetic (in floating point, within about √ε times the scale of α*, where φ is flat to
    rounding).
    """
    a, b, tol, max_iter = _check_search(phi, a, b, tol, max_iter)
    samples = _Samples(phi)
    centre = 0.5 * (a + b)

    def halve(s: _Centered) -> _Centered:
        left = 0.5 * (s.a + s.x)
        f_left = samples(left)
        if f_left <= s.fun:  # α* ∈ [a, x]
            return _Centered(s.a, s.x, left, f_left)
        right = 0.5 * (s.x + s.b)
        f_right = samples(right)
        if s.fun <= f_right:  # α* ∈ [left, right]
            return _Centered(left, right, s.x, s.fun)
        return _Centered(s.x, s.b, right, f_right)  # α* ∈ [x, b]

    return _run_bracket_search(samples, _Centered(a, b, centre, samples(centre)), halve, tol, max_iter)


@dataclass(frozen=True)
class _GoldenPair:
    """Golden section's state: the bracket and both interior points at its golden positions.

    Invariant: ``left = b − (b − a)/τ`` and ``right = a + (b − a)/τ``. Since
    1/τ² = 1 − 1/τ, the kept interior point of the next bracket is again at a golden position.
    """

    a: float
    b: float
    left: float
    f_left: float
    right: float
    f_right: float

    @property
    def x(self) -> float:
        return self.left if self.f_left <= self.f_right else self.right

    @property
    def fun(self) -> float:
        return min(self.f_left, self.f_right)


def golden_section(phi: Callable[[float], float], a: float, b: float, tol: float, *,
                   max_iter: int = 2000) -> BracketResult:
    """Minimise a unimodal φ on [a, b] by golden section: one new evaluation per step.

    The two interior points sit at ``b − (b − a)/τ`` and ``a + (b − a)/τ``; comparing them
    drops the outer part beyond the worse one, and the better one is at a golden position
    of the new bracket, so only one new point is evaluated. After ``N`` evaluations the
    bracket has width ``(b − a) τ^{−(N−1)}``.
    """
    a, b, tol, max_iter = _check_search(phi, a, b, tol, max_iter)
    samples = _Samples(phi)
    shrink = 1.0 / GOLDEN_RATIO

    def step(s: _GoldenPair) -> _GoldenPair:
        if s.f_left <= s.f_right:  # α* ∈ [a, right]; left becomes the new right point
            new_left = s.right - (s.right - s.a) * shrink
            return _GoldenPair(s.a, s.right, new_left, samples(new_left), s.left, s.f_left)
        new_right = s.left + (s.b - s.left) * shrink  # α* ∈ [left, b]; right becomes the new left point
        return _GoldenPair(s.left, s.b, s.right, s.f_right, new_right, samples(new_right))

    left, right = b - (b - a) * shrink, a + (b - a) * shrink
    start = _GoldenPair(a, b, left, samples(left), right, samples(right))
    return _run_bracket_search(samples, start, step, tol, max_iter)


def parabola_vertex(x1, f1, x2, f2, x3, f3):
    """The vertex u of the parabola through (x1, f1), (x2, f2), (x3, f3) (slides' formula):

    u = x2 − ½ [(x2 − x1)²(f2 − f3) − (x2 − x3)²(f2 − f1)] / [(x2 − x1)(f2 − f3) − (x2 − x3)(f2 − f1)].

    Returns ``nan`` when the three points are collinear (no vertex).
    """
    x1, f1, x2, f2, x3, f3 = (check_real(name, value) for name, value in
                              (("x1", x1), ("f1", f1), ("x2", x2), ("f2", f2), ("x3", x3), ("f3", f3)))
    numerator = (x2 - x1) ** 2 * (f2 - f3) - (x2 - x3) ** 2 * (f2 - f1)
    denominator = (x2 - x1) * (f2 - f3) - (x2 - x3) * (f2 - f1)
    if denominator == 0:
        return math.nan
    return x2 - 0.5 * numerator / denominator


@dataclass(frozen=True)
class _Parabolic:
    """State of the safeguarded parabolic search (Brent's bookkeeping).

    ``x`` is the best point, ``w`` the second best, ``v`` the previous ``w``; the parabola
    goes through these three. ``last_step`` and ``step_before`` are the last two moves of
    ``x``-centred trials: a parabolic move must be shorter than half of ``step_before``,
    otherwise the search falls back to a golden step, which is what prevents stalling.
    """

    a: float
    b: float
    x: float
    fun: float
    w: float
    fw: float
    v: float
    fv: float
    last_step: float
    step_before: float


def parabolic(phi: Callable[[float], float], a: float, b: float, tol: float, *, max_iter: int = 500) -> BracketResult:
    """Minimise a unimodal φ on [a, b] by successive parabolic interpolation, safeguarded.

    The trial point is the vertex of the parabola through the three best points (see
    :func:`parabola_vertex`). It is accepted only if it lies inside the bracket and moves
    less than half the step before last; otherwise a golden-section step into the larger
    part of the bracket is taken. Trials closer than ``tol/2`` to ``x`` are pushed to
    ``tol/2``, so the bracket closes around ``x`` instead of stalling. Near a minimum with
    φ'' > 0 the parabolic steps converge with order ≈ 1.32. This is Brent's method, the
    algorithm of :func:`scipy.optimize.brent`.
    """
    a, b, tol, max_iter = _check_search(phi, a, b, tol, max_iter)
    samples = _Samples(phi)
    golden_fraction = 1.0 - 1.0 / GOLDEN_RATIO  # 1/τ² ≈ 0.382

    def step(s: _Parabolic) -> _Parabolic:
        min_move = 0.5 * tol
        middle = 0.5 * (s.a + s.b)
        move, step_before = None, s.last_step
        if abs(s.step_before) > min_move and len({s.x, s.w, s.v}) == 3:
            u = parabola_vertex(s.v, s.fv, s.w, s.fw, s.x, s.fun)  # finite: checked before each step
            if math.isfinite(u) and s.a < u < s.b and abs(u - s.x) < 0.5 * abs(s.step_before):
                move = u - s.x
                if min(u - s.a, s.b - u) < 2 * min_move:  # too close to an end: step inward by tol/2
                    move = math.copysign(min_move, middle - s.x)
        if move is None:  # golden step into the larger part
            step_before = (s.a if s.x >= middle else s.b) - s.x
            move = golden_fraction * step_before
        if abs(move) < min_move:
            move = math.copysign(min_move, move)
        u = s.x + move
        fu = samples(u)
        if fu <= s.fun:  # u is the new best: the bracket ends at the old x on the far side
            a_new, b_new = (s.x, s.b) if u >= s.x else (s.a, s.x)
            return _Parabolic(a_new, b_new, u, fu, s.x, s.fun, s.w, s.fw, move, step_before)
        a_new, b_new = (s.a, u) if u >= s.x else (u, s.b)
        if fu <= s.fw or s.w == s.x:
            return _Parabolic(a_new, b_new, s.x, s.fun, u, fu, s.w, s.fw, move, step_before)
        if fu <= s.fv or s.v in (s.x, s.w):
            return _Parabolic(a_new, b_new, s.x, s.fun, s.w, s.fw, u, fu, move, step_before)
        return _Parabolic(a_new, b_new, s.x, s.fun, s.w, s.fw, s.v, s.fv, move, step_before)

    x = a + golden_fraction * (b - a)
    fx = samples(x)
    start = _Parabolic(a, b, x, fx, x, fx, x, fx, 0.0, 0.0)
    return _run_bracket_search(samples, start, step, tol, max_iter)
