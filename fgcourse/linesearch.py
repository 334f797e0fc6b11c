"""Line search: exact step sizes on a bracket, inexact ones along a direction.

Notation (the book's): ``φ(α) = f(x + α d)`` is the objective along the ray from ``x`` in
direction ``d``; ``φ(0) = f(x)`` and ``φ'(0) = ∇f(x)·d`` is the initial slope, negative for a
descent direction. ``[a, b]`` is a bracket known to contain the minimiser ``α*`` of ``φ``.

Exact searches (:func:`dichotomy`, :func:`golden_section`, :func:`parabolic`) shrink a
bracket of a unimodal ``φ`` until the returned point is within ``tol`` of ``α*``; each
returns a :class:`BracketResult` with the history of brackets.

Inexact searches (:func:`armijo_backtracking`, :func:`goldstein_backtracking`,
:func:`wolfe`) look for a step that satisfies the conditions :func:`armijo`,
:func:`goldstein`, :func:`curvature`, :func:`strong_curvature`; each returns a
:class:`StepResult` that counts evaluations of ``f``, of gradients and of JVPs separately.

The slope ``φ'(α) = ∇f(x + α d)·d`` comes from a :class:`SlopeOracle`: either a gradient
(:func:`gradient_slope`, one gradient per slope) or a Jacobian-vector product
(:func:`jvp_slope`, one forward-mode pass per slope, which returns ``φ(α)`` too). The same
search code runs on both, so a line search along a forward-gradient direction needs no
gradient at all.

:func:`descent` runs gradient descent (or forward-gradient descent) with a constant step or
any of the searches, and records the path and the evaluation counts. A search that ends
with a gradient slope at the accepted step hands that gradient ``∇f(x_{k+1})`` over in its
:class:`StepResult`, and :func:`steepest_descent` builds ``d_{k+1}`` from it instead of
computing it again.

Sources: Merkulov's slides (002) for the exact searches and the conditions; Nocedal &
Wright, *Numerical Optimization*, Alg. 3.5/3.6 for the Wolfe search.
"""

from __future__ import annotations

import bisect
import inspect
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as onp
from autograd import elementwise_grad, make_jvp

__all__ = [
    "GOLDEN_RATIO", "BracketStep", "BracketResult", "dichotomy", "dichotomy_iterations",
    "golden_section", "parabolic", "parabola_vertex", "bracket_widths", "width_ratios",
    "convergence_orders", "fitted_order", "rate_per_evaluation",
    "armijo", "goldstein", "curvature", "strong_curvature", "wolfe_conditions",
    "SlopeOracle", "gradient_slope", "jvp_slope", "StepResult", "backtracking",
    "armijo_backtracking", "goldstein_backtracking", "wolfe", "exact_step",
    "Direction", "steepest_descent", "forward_gradient_direction", "DescentResult", "descent",
    "line_profile", "acceptance_regions", "accepted_intervals", "LINE_PROBLEMS", "line_problem", "draw_conditions",
]

GOLDEN_RATIO = (1.0 + math.sqrt(5.0)) / 2.0
"""τ = (1 + √5)/2; golden section keeps the ratio 1/τ ≈ 0.618 between successive brackets."""

_EPS = onp.finfo(float).eps


# ---------------------------------------------------------------------------------------
# Input checks shared by every search
# ---------------------------------------------------------------------------------------

def _real(name, value):
    if isinstance(value, onp.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, onp.integer, onp.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _positive(name, value):
    value = _real(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def _in_open_interval(name, value, low, high, low_name="0", high_name="1"):
    value = _real(name, value)
    if not low < value < high:
        raise ValueError(f"{name} must lie in ({low_name}, {high_name}) = ({low:g}, {high:g}), got {value}")
    return value


def _count(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, onp.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def _callable(name, value):
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__}")
    return value


def _scalar_output(name, value):
    """``float(value)`` for what a user's function returned, or an error naming that function."""
    try:
        return float(value)
    except (TypeError, ValueError):
        shape = f" of shape {onp.shape(value)}" if onp.ndim(value) else ""
        raise TypeError(f"{name} must return a real number, got {type(value).__name__}{shape}") from None


def _vector_output(name, value, shape):
    """A user's gradient as a float vector of the expected shape, or an error naming it."""
    try:
        vector = onp.asarray(value, dtype=float)
    except (TypeError, ValueError):
        vector = None
    if vector is None or vector.shape != shape:
        raise ValueError(f"{name} must return a vector of the shape of x, {shape}, "
                         f"got {type(value).__name__} of shape {onp.shape(value)}")
    return vector


def _check_wolfe_constants(c1, c2):
    c1 = _in_open_interval("c1", c1, 0.0, 1.0)
    c2 = _in_open_interval("c2", c2, c1, 1.0, low_name="c1", high_name="1")
    return c1, c2


# ---------------------------------------------------------------------------------------
# Exact searches on a bracket
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BracketStep:
    """One state of an exact search: the bracket ``[a, b]``, the best point ``x`` so far,
    ``φ(x)``, and the number of evaluations of ``φ`` spent to reach this state."""

    a: float
    b: float
    x: float
    fx: float
    nfev: int


@dataclass(frozen=True)
class BracketResult:
    """Result of an exact search.

    ``x`` is the best point found and ``fx = φ(x)``; on success ``|x − α*| ≤ tol``.
    ``reason`` is ``"converged"``, ``"not_unimodal"`` (the evaluations contradict
    unimodality, so the bracket no longer provably holds the minimiser),
    ``"nonfinite_value"`` or ``"max_iterations"``. ``history`` holds the state after every
    iteration, the initial one first; ``nit`` is the number of iterations.
    """

    x: float
    fx: float
    nfev: int
    nit: int
    success: bool
    reason: str
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
        value = _scalar_output("phi", self.phi(alpha))
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


def _check_bracket(phi, a, b, tol, max_iter):
    _callable("phi", phi)
    a, b = _real("a", a), _real("b", b)
    if not b > a:
        raise ValueError(f"the bracket needs a < b, got a = {a}, b = {b}")
    if not math.isfinite(b - a):
        raise ValueError(f"the bracket's width b - a must be finite, got a = {a}, b = {b}")
    tol = _positive("tol", tol)
    return a, b, tol, _count("max_iter", max_iter)


def _close_enough(a, x, b, tol):
    """The stopping rule of every exact search: α* ∈ [a, b], so |x − α*| ≤ max(x − a, b − x)."""
    return max(x - a, b - x) <= tol


def _run_bracket_search(samples, state, step, tol, max_iter):
    """Drive an exact search: ``step(state)`` shrinks the bracket and returns the new state.

    ``state`` exposes ``a, b, x, fx``. The loop owns the stopping rule and the failure
    reasons, so the three methods only say how they shrink the bracket.
    """
    history = [BracketStep(state.a, state.b, state.x, state.fx, samples.nfev)]
    while True:
        if not samples.all_finite:  # comparisons with NaN or inf prove nothing about α*
            reason = "nonfinite_value"
        elif samples.contradict_unimodality():
            reason = "not_unimodal"
        elif _close_enough(state.a, state.x, state.b, tol):
            reason = "converged"
        elif len(history) > max_iter:
            reason = "max_iterations"
        else:
            state = step(state)
            history.append(BracketStep(state.a, state.b, state.x, state.fx, samples.nfev))
            continue
        break
    return BracketResult(state.x, state.fx, samples.nfev, len(history) - 1, reason == "converged",
                         reason, tuple(history))


@dataclass(frozen=True)
class _Centered:
    """Dichotomy's state: the bracket and its evaluated midpoint ``x``."""

    a: float
    b: float
    x: float
    fx: float


def dichotomy_iterations(a: float, b: float, tol: float) -> int:
    """K = ⌈log2((b − a)/ε) − 1⌉: halvings after which the midpoint is within ε of α*."""
    a, b, tol, _ = _check_bracket(lambda t: t, a, b, tol, 1)
    return max(0, math.ceil(math.log2((b - a) / tol) - 1))


def dichotomy(phi: Callable[[float], float], a: float, b: float, tol: float, *, max_iter: int = 2000) -> BracketResult:
    """Minimise a unimodal φ on [a, b] by halving the bracket around its evaluated midpoint.

    Each iteration probes the midpoint of the left half; if that is not lower, the midpoint
    of the right half: at most two new evaluations per halving (three in the first, which
    also evaluates the centre). Returns the final midpoint; after
    ``K = ⌈log2((b − a)/tol) − 1⌉`` iterations it is within ``tol`` of α*.
    """
    a, b, tol, max_iter = _check_bracket(phi, a, b, tol, max_iter)
    samples = _Samples(phi)
    centre = 0.5 * (a + b)

    def halve(s: _Centered) -> _Centered:
        left = 0.5 * (s.a + s.x)
        f_left = samples(left)
        if f_left <= s.fx:  # α* ∈ [a, x]
            return _Centered(s.a, s.x, left, f_left)
        right = 0.5 * (s.x + s.b)
        f_right = samples(right)
        if s.fx <= f_right:  # α* ∈ [left, right]
            return _Centered(left, right, s.x, s.fx)
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
    def fx(self) -> float:
        return min(self.f_left, self.f_right)


def golden_section(phi: Callable[[float], float], a: float, b: float, tol: float, *, max_iter: int = 2000) -> BracketResult:
    """Minimise a unimodal φ on [a, b] by golden section: one new evaluation per step.

    The two interior points sit at ``b − (b − a)/τ`` and ``a + (b − a)/τ``; comparing them
    drops the outer part beyond the worse one, and the better one is at a golden position
    of the new bracket, so only one new point is evaluated. After ``N`` evaluations the
    bracket has width ``(b − a) τ^{−(N−1)}``.
    """
    a, b, tol, max_iter = _check_bracket(phi, a, b, tol, max_iter)
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
    fx: float
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
    a, b, tol, max_iter = _check_bracket(phi, a, b, tol, max_iter)
    samples = _Samples(phi)
    golden_fraction = 1.0 - 1.0 / GOLDEN_RATIO  # 1/τ² ≈ 0.382

    def step(s: _Parabolic) -> _Parabolic:
        min_move = 0.5 * tol
        middle = 0.5 * (s.a + s.b)
        move, step_before = None, s.last_step
        if abs(s.step_before) > min_move and len({s.x, s.w, s.v}) == 3:
            u = parabola_vertex(s.v, s.fv, s.w, s.fw, s.x, s.fx)
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
        if fu <= s.fx:  # u is the new best: the bracket ends at the old x on the far side
            a_new, b_new = (s.x, s.b) if u >= s.x else (s.a, s.x)
            return _Parabolic(a_new, b_new, u, fu, s.x, s.fx, s.w, s.fw, move, step_before)
        a_new, b_new = (s.a, u) if u >= s.x else (u, s.b)
        if fu <= s.fw or s.w == s.x:
            return _Parabolic(a_new, b_new, s.x, s.fx, u, fu, s.w, s.fw, move, step_before)
        if fu <= s.fv or s.v in (s.x, s.w):
            return _Parabolic(a_new, b_new, s.x, s.fx, s.w, s.fw, u, fu, move, step_before)
        return _Parabolic(a_new, b_new, s.x, s.fx, s.w, s.fw, s.v, s.fv, move, step_before)

    x = a + golden_fraction * (b - a)
    fx = samples(x)
    start = _Parabolic(a, b, x, fx, x, fx, x, fx, 0.0, 0.0)
    return _run_bracket_search(samples, start, step, tol, max_iter)


def bracket_widths(result: BracketResult) -> tuple[onp.ndarray, onp.ndarray]:
    """``(nfev, width)``: bracket width ``b_k − a_k`` against the evaluations spent to reach it."""
    nfev = onp.array([step.nfev for step in result.history])
    width = onp.array([step.b - step.a for step in result.history])
    return nfev, width


def width_ratios(result: BracketResult, per_evaluation: bool = True) -> onp.ndarray:
    """Contraction of the bracket per iteration, or per evaluation (``ratio^(1/new evaluations)``)."""
    nfev, width = bracket_widths(result)
    ratios = width[1:] / width[:-1]
    if not per_evaluation:
        return ratios
    return ratios ** (1.0 / onp.maximum(onp.diff(nfev), 1))


def rate_per_evaluation(result: BracketResult) -> float:
    """Average contraction of the bracket per evaluation: (w_K / w_0)^(1/(N_K − N_0)).

    Theory: 1/√2 ≈ 0.707 for dichotomy (½ per two evaluations), 1/τ ≈ 0.618 for golden section.
    """
    nfev, width = bracket_widths(result)
    if nfev[-1] == nfev[0]:
        raise ValueError("result must contain at least one iteration to measure a rate")
    return float((width[-1] / width[0]) ** (1.0 / (nfev[-1] - nfev[0])))


def fitted_order(errors) -> float:
    """Order q fitted by least squares to log e_{k+1} ≈ q log e_k + c over successive distinct errors.

    Less noisy than the pointwise :func:`convergence_orders` for methods whose best point
    sometimes stays put (Brent's method keeps x when a trial is not better).
    """
    e = onp.asarray(errors, dtype=float)
    e = e[e > 0]
    e = e[onp.concatenate([[True], onp.diff(e) != 0])]
    if len(e) < 3:
        raise ValueError(f"errors must hold at least 3 distinct positive values, got {len(e)}")
    logs = onp.log(e)
    return float(onp.polyfit(logs[:-1], logs[1:], 1)[0])


def convergence_orders(errors) -> onp.ndarray:
    """Estimates of the order q from errors e_k → 0: q_k = log(e_{k+1}/e_k) / log(e_k/e_{k−1})."""
    e = onp.asarray(errors, dtype=float)
    e = e[e > 0]
    logs = onp.log(e)
    steps = onp.diff(logs)
    with onp.errstate(divide="ignore", invalid="ignore"):
        return steps[1:] / steps[:-1]


# ---------------------------------------------------------------------------------------
# Conditions on a step (numpy-vectorised: arrays of α give arrays of booleans)
# ---------------------------------------------------------------------------------------

def armijo(phi_alpha, alpha, phi0, slope0, c1=1e-4):
    """Sufficient decrease: φ(α) ≤ φ(0) + c1 α φ'(0)."""
    return onp.asarray(phi_alpha) <= phi0 + c1 * onp.asarray(alpha) * slope0


def goldstein(phi_alpha, alpha, phi0, slope0, c=0.25):
    """Goldstein band, c ∈ (0, ½): φ(0) + (1 − c) α φ'(0) ≤ φ(α) ≤ φ(0) + c α φ'(0).

    The upper line is Armijo's with c1 = c; the lower line rejects steps that are too short.
    """
    alpha = onp.asarray(alpha)
    lower = phi0 + (1.0 - c) * alpha * slope0
    return (lower <= onp.asarray(phi_alpha)) & armijo(phi_alpha, alpha, phi0, slope0, c)


def curvature(slope_alpha, slope0, c2=0.9):
    """Curvature condition: φ'(α) ≥ c2 φ'(0) (the slope has risen enough)."""
    return onp.asarray(slope_alpha) >= c2 * slope0


def strong_curvature(slope_alpha, slope0, c2=0.9):
    """Strong curvature condition: |φ'(α)| ≤ c2 |φ'(0)|."""
    return onp.abs(slope_alpha) <= c2 * abs(slope0)


def wolfe_conditions(phi_alpha, slope_alpha, alpha, phi0, slope0, c1=1e-4, c2=0.9, strong=True):
    """Weak Wolfe = Armijo + curvature; strong Wolfe = Armijo + strong curvature."""
    bend = strong_curvature if strong else curvature
    return armijo(phi_alpha, alpha, phi0, slope0, c1) & bend(slope_alpha, slope0, c2)


# ---------------------------------------------------------------------------------------
# Slope oracles and the ray φ(α) = f(x + α d)
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SlopeOracle:
    """How φ'(α) = ∇f(x + α d)·d is obtained, and what it costs.

    ``evaluate(point, d)`` returns ``(value, slope)``; ``value`` is ``f(point)`` when the
    oracle gets it for free (a JVP does) and ``None`` otherwise. ``counter`` names the
    evaluation it costs: ``"ngev"`` (a gradient) or ``"njev"`` (a JVP). ``gradient``, set
    only for an oracle whose slope is ``∇f(point)·d``, is ``point -> ∇f(point)``: the searches
    call it instead of ``evaluate`` so that they can hand the gradient at the accepted step
    to the next direction (see :class:`StepResult`).
    """

    evaluate: Callable
    counter: str
    gradient: Callable | None = None

    def __post_init__(self):
        if self.counter not in ("ngev", "njev"):
            raise ValueError(f"counter must be 'ngev' or 'njev', got {self.counter!r}")
        if self.gradient is not None and self.counter != "ngev":
            raise ValueError(f"an oracle with a gradient costs gradients: counter must be 'ngev', got {self.counter!r}")


def gradient_slope(grad: Callable) -> SlopeOracle:
    """φ'(α) from a gradient: ``∇f(x + α d)·d``, one gradient evaluation each."""
    _callable("grad", grad)

    def gradient(point):
        return _vector_output("grad", grad(point), onp.shape(point))

    def evaluate(point, d):
        return None, float(gradient(point) @ d)

    return SlopeOracle(evaluate, "ngev", gradient)


def jvp_slope(f: Callable) -> SlopeOracle:
    """φ'(α) from forward mode: one JVP ``(f(x + α d), ∇f(x + α d)·d)``, which also gives φ(α)."""
    _callable("f", f)
    jvp = make_jvp(f)

    def evaluate(point, d):
        value, slope = jvp(point)(d)
        return _scalar_output("f", value), float(slope)

    return SlopeOracle(evaluate, "njev")


def _as_slope_oracle(grad) -> SlopeOracle:
    return grad if isinstance(grad, SlopeOracle) else gradient_slope(_callable("grad", grad))


class _Ray:
    """φ and φ' along x + α d, with the three evaluation counters, a cache of φ values and
    the last gradient computed for a slope (only the last: a search that accepts a step has
    just computed its slope, and keeping every trial's gradient would cost n floats each)."""

    def __init__(self, f, slope_oracle, x, d):
        self.f, self.oracle, self.x, self.d = f, slope_oracle, x, d
        self.counts = {"nfev": 0, "ngev": 0, "njev": 0}
        self.values: dict[float, float] = {}
        self.trials: list[float] = []
        self.last_gradient: tuple[float, onp.ndarray] | None = None

    def value(self, alpha: float) -> float:
        if alpha not in self.values:
            self.counts["nfev"] += 1
            self.trials.append(alpha)
            self.values[alpha] = _scalar_output("f", self.f(self.x + alpha * self.d))
        return self.values[alpha]

    def slope(self, alpha: float) -> float:
        point = self.x + alpha * self.d
        if self.oracle.gradient is None:
            value, slope = self.oracle.evaluate(point, self.d)
        else:
            gradient = self.oracle.gradient(point)
            value, slope = None, float(gradient @ self.d)
            self.last_gradient = (alpha, gradient)
        self.counts[self.oracle.counter] += 1
        if value is not None:
            self.values.setdefault(alpha, value)
        return slope

    def gradient_at(self, alpha: float) -> onp.ndarray | None:
        """∇f(x + α d) if the last gradient was computed there, else ``None``."""
        if self.last_gradient is not None and self.last_gradient[0] == alpha:
            return self.last_gradient[1]
        return None

    def value_and_slope(self, alpha: float) -> tuple[float, float]:
        """φ(α) and φ'(α); with a JVP oracle one forward pass gives both."""
        if alpha in self.values or self.oracle.counter == "ngev":
            value = self.value(alpha)
            return value, self.slope(alpha)
        self.trials.append(alpha)
        slope = self.slope(alpha)
        return self.values[alpha], slope


def _check_ray(f, grad, x, d):
    _callable("f", f)
    oracle = _as_slope_oracle(grad)
    try:
        x, d = onp.asarray(x, dtype=float), onp.asarray(d, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"x and d must be real vectors, got {type(x).__name__} and {type(d).__name__}") from None
    if x.ndim != 1 or d.shape != x.shape:
        raise ValueError(f"x and d must be vectors of the same shape, got x {x.shape} and d {d.shape}")
    if not (onp.all(onp.isfinite(x)) and onp.all(onp.isfinite(d))):
        raise ValueError("x and d must be finite vectors")
    return _Ray(f, oracle, x, d)


@dataclass(frozen=True)
class StepResult:
    """Result of an inexact search along d.

    ``step`` is the accepted α (on failure, the best α tried, or 0). ``reason`` is
    ``"satisfied"`` on success, otherwise one of ``"not_descent_direction"``,
    ``"nonfinite_start"``, ``"max_iterations"``, ``"interval_too_small"``,
    ``"alpha_max_reached"`` (φ still decreasing at the largest allowed step) or
    ``"no_decrease"`` (an exact search found no point below φ(0)). ``value = φ(step)`` and
    ``slope = φ'(step)`` (``None`` when it was not needed). ``nfev``, ``ngev``, ``njev`` count evaluations of f, gradients and JVPs,
    including those at α = 0; ``trials`` lists the α where φ was evaluated. ``gradient`` is
    ``∇f(x + step·d)`` when the search computed it for the last slope it needed (a Wolfe
    search with a gradient oracle that accepts a step), else ``None``; it is already counted
    in ``ngev``, so whoever reuses it for the next direction pays nothing for it.
    """

    step: float
    success: bool
    reason: str
    value: float
    slope: float | None
    nfev: int
    ngev: int
    njev: int
    trials: tuple[float, ...] = field(default=())
    gradient: onp.ndarray | None = field(default=None, compare=False, repr=False)


def _result(ray, step, reason, value, slope=None):
    step = float(step)
    return StepResult(step, reason == "satisfied", reason, float(value), slope,
                      ray.counts["nfev"], ray.counts["ngev"], ray.counts["njev"], tuple(ray.trials),
                      ray.gradient_at(step))


def _start(ray, phi0, slope0):
    """φ(0) and φ'(0), evaluated unless the caller already knows them; a reason if unusable."""
    if phi0 is not None:
        ray.values[0.0] = float(phi0)
    if slope0 is None:
        phi0, slope0 = ray.value_and_slope(0.0)
    phi0 = ray.value(0.0)
    if not (math.isfinite(phi0) and math.isfinite(slope0)):
        return phi0, slope0, "nonfinite_start"
    if slope0 >= 0:
        return phi0, slope0, "not_descent_direction"
    return phi0, float(slope0), None


def backtracking(f, grad, x, d, *, condition="armijo", c=1e-4, alpha0=1.0, beta=0.5, max_iter=60,
                 phi0=None, slope0=None) -> StepResult:
    """Backtracking: shrink α by β until the condition holds (slides' algorithm).

    ``condition="armijo"`` accepts φ(α) ≤ φ(0) + c α φ'(0). ``condition="goldstein"`` also
    needs φ(α) ≥ φ(0) + (1 − c) α φ'(0), c ∈ (0, ½): a step below that line is too short, so
    the search grows α by 1/β until it has seen a too-long step, then bisects. Only φ'(0) is
    needed, from ``grad`` (a gradient callable or a :class:`SlopeOracle`).
    """
    if condition not in ("armijo", "goldstein"):
        raise ValueError(f"condition must be 'armijo' or 'goldstein', got {condition!r}")
    c = _in_open_interval("c", c, 0.0, 1.0 if condition == "armijo" else 0.5,
                          high_name="1" if condition == "armijo" else "1/2")
    alpha = _positive("alpha0", alpha0)
    beta = _in_open_interval("beta", beta, 0.0, 1.0)
    max_iter = _count("max_iter", max_iter)
    ray = _check_ray(f, grad, x, d)
    phi0, slope0, failure = _start(ray, phi0, slope0)
    if failure:
        return _result(ray, 0.0, failure, phi0)
    too_short_at, too_long_at = 0.0, math.inf
    best_step, best_value = 0.0, phi0
    for _ in range(max_iter):
        value = ray.value(alpha)
        if value < best_value:
            best_step, best_value = alpha, value
        if not armijo(value, alpha, phi0, slope0, c):  # NaN and +inf also land here: too long
            too_long_at = alpha
        elif condition == "goldstein" and not goldstein(value, alpha, phi0, slope0, c):
            too_short_at = alpha
        else:
            return _result(ray, alpha, "satisfied", value)
        if too_short_at == 0.0:
            alpha *= beta
        elif too_long_at == math.inf:
            alpha /= beta
        else:
            alpha = 0.5 * (too_short_at + too_long_at)
        if math.isfinite(too_long_at) and too_long_at - too_short_at <= 4 * _EPS * too_long_at:
            return _result(ray, best_step, "interval_too_small", best_value)
    return _result(ray, best_step, "max_iterations", best_value)


def armijo_backtracking(f, grad, x, d, c1=1e-4, alpha0=1.0, beta=0.5, max_iter=60, *, phi0=None,
                        slope0=None) -> StepResult:
    """Backtracking until sufficient decrease φ(α) ≤ φ(0) + c1 α φ'(0); see :func:`backtracking`."""
    return backtracking(f, grad, x, d, condition="armijo", c=c1, alpha0=alpha0, beta=beta,
                        max_iter=max_iter, phi0=phi0, slope0=slope0)


def goldstein_backtracking(f, grad, x, d, c=0.25, alpha0=1.0, beta=0.5, max_iter=60, *, phi0=None,
                           slope0=None) -> StepResult:
    """Backtracking (with growth and bisection) until α lies in the Goldstein band; see :func:`backtracking`."""
    return backtracking(f, grad, x, d, condition="goldstein", c=c, alpha0=alpha0, beta=beta,
                        max_iter=max_iter, phi0=phi0, slope0=slope0)


def _interpolate(lo, f_lo, s_lo, hi, f_hi, s_hi):
    """Minimiser of the cubic through (lo, f_lo, s_lo), (hi, f_hi, s_hi) (N&W eq. 3.59),
    or of the quadratic through (lo, f_lo, s_lo), (hi, f_hi) when s_hi is unknown."""
    if s_hi is not None:
        d1 = s_lo + s_hi - 3.0 * (f_lo - f_hi) / (lo - hi)
        radicand = d1 * d1 - s_lo * s_hi
        if radicand >= 0:
            d2 = math.copysign(math.sqrt(radicand), hi - lo)
            denominator = s_hi - s_lo + 2.0 * d2
            if denominator != 0:
                return hi - (hi - lo) * (s_hi + d2 - d1) / denominator
    delta = hi - lo
    curvature_term = 2.0 * (f_hi - f_lo - s_lo * delta)
    if curvature_term > 0:
        return lo - s_lo * delta * delta / curvature_term
    return math.nan


def _zoom(ray, lo, hi, phi0, slope0, c1, c2, strong, max_iter):
    """N&W Alg. 3.6: shrink [lo, hi] (either order) holding a step that satisfies Wolfe.

    ``lo`` and ``hi`` are ``(α, φ(α), φ'(α) or None)``. Invariant: lo has the lowest φ among
    the trials that satisfy Armijo; hi fails Armijo or has φ(hi) ≥ φ(lo); φ'(lo)(hi − lo) < 0.
    Trials come from cubic or quadratic interpolation, clamped to stay 10% of the interval
    away from its ends (bisection when interpolation fails).
    """
    accepts = strong_curvature if strong else curvature
    for _ in range(max_iter):
        (a_lo, f_lo, s_lo), (a_hi, f_hi, s_hi) = lo, hi
        left, right = min(a_lo, a_hi), max(a_lo, a_hi)
        # Stop once the change of φ the interval can show, |φ'|·width, drowns in rounding of φ.
        resolvable = (right - left) * max(abs(slope0), abs(s_lo)) > 4 * _EPS * max(abs(phi0), abs(f_lo))
        if right - left <= 4 * _EPS * right or not resolvable:
            return _result(ray, a_lo, "interval_too_small", f_lo, s_lo)
        margin = 0.1 * (right - left)
        trial = _interpolate(a_lo, f_lo, s_lo, a_hi, f_hi, s_hi) if math.isfinite(f_hi) else math.nan
        # Clamping (not bisecting) an interpolant that lands near an end keeps its information:
        # a huge φ(hi) puts the minimiser near lo, and a tenth of the interval is then a good guess.
        trial = min(max(trial, left + margin), right - margin) if math.isfinite(trial) else 0.5 * (left + right)
        f_trial = ray.value(trial)
        if not armijo(f_trial, trial, phi0, slope0, c1) or not f_trial < f_lo:
            hi = (trial, f_trial, None)
            continue
        s_trial = ray.slope(trial)
        if accepts(s_trial, slope0, c2):
            return _result(ray, trial, "satisfied", f_trial, s_trial)
        if s_trial * (a_hi - a_lo) >= 0:
            hi = lo
        lo = (trial, f_trial, s_trial)
    return _result(ray, lo[0], "max_iterations", lo[1], lo[2])


def wolfe(f, grad, x, d, c1=1e-4, c2=0.9, strong=True, *, alpha0=1.0, alpha_max=1e10, max_iter=30,
          phi0=None, slope0=None) -> StepResult:
    """A step satisfying the (strong or weak) Wolfe conditions: N&W Alg. 3.5 and 3.6.

    Bracketing (3.5) tries α0, 2α0, 4α0, ... until a trial fails Armijo, does not decrease
    φ, or has φ' ≥ 0: then an acceptable step lies between it and the previous trial, and
    zoom (3.6) shrinks that interval by interpolation. A trial that already satisfies the
    conditions is returned at once. ``grad`` is a gradient callable or a
    :class:`SlopeOracle` (:func:`jvp_slope` makes the search gradient-free).
    ``phi0``/``slope0`` reuse known φ(0), φ'(0). ``max_iter`` caps each of the two phases.
    """
    c1, c2 = _check_wolfe_constants(c1, c2)
    alpha = _positive("alpha0", alpha0)
    alpha_max = _positive("alpha_max", alpha_max)
    max_iter = _count("max_iter", max_iter)
    ray = _check_ray(f, grad, x, d)
    phi0, slope0, failure = _start(ray, phi0, slope0)
    if failure:
        return _result(ray, 0.0, failure, phi0)
    accepts = strong_curvature if strong else curvature
    previous = (0.0, phi0, slope0)
    alpha = min(alpha, alpha_max)
    for _ in range(max_iter):
        value = ray.value(alpha)
        if not armijo(value, alpha, phi0, slope0, c1) or not value < previous[1]:
            return _zoom(ray, previous, (alpha, value, None), phi0, slope0, c1, c2, strong, max_iter)
        slope = ray.slope(alpha)
        if accepts(slope, slope0, c2):
            return _result(ray, alpha, "satisfied", value, slope)
        if slope >= 0:
            return _zoom(ray, (alpha, value, slope), previous, phi0, slope0, c1, c2, strong, max_iter)
        if alpha >= alpha_max:
            return _result(ray, alpha, "alpha_max_reached", value, slope)
        previous, alpha = (alpha, value, slope), min(2.0 * alpha, alpha_max)
    return _result(ray, previous[0], "max_iterations", previous[1], previous[2])


def exact_step(search: Callable, alpha_max: float = 1.0, tol: float = 1e-6) -> Callable:
    """Turn an exact search (dichotomy, golden_section, parabolic) into a step rule on [0, alpha_max].

    The rule has the signature of the inexact searches, ``rule(f, grad, x, d, phi0=, slope0=)``,
    so :func:`descent` treats all searches alike; it succeeds when the step decreases f.
    """
    _callable("search", search)
    alpha_max, tol = _positive("alpha_max", alpha_max), _positive("tol", tol)

    def rule(f, grad, x, d, *, phi0=None, slope0=None):
        ray = _check_ray(f, grad, x, d)
        if phi0 is None:
            phi0 = ray.value(0.0)
        found = search(lambda alpha: f(ray.x + alpha * ray.d), 0.0, alpha_max, tol)
        ray.counts["nfev"] += found.nfev
        if found.fx < phi0:
            return _result(ray, found.x, "satisfied", found.fx)
        return _result(ray, 0.0, "no_decrease", phi0)

    rule.__name__ = f"exact_{getattr(search, '__name__', 'search')}"
    return rule


# ---------------------------------------------------------------------------------------
# Descent with a direction oracle and a step rule
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Direction:
    """A search direction d at x, with what came for free: ``value = f(x)`` and
    ``slope0 = ∇f(x)·d`` (``None`` when unknown) and the evaluations it cost."""

    d: onp.ndarray
    value: float | None
    slope0: float | None
    nfev: int = 0
    ngev: int = 0
    njev: int = 0


def steepest_descent(grad: Callable) -> Callable:
    """Direction oracle d = −∇f(x): one gradient, and φ'(0) = −‖∇f(x)‖² for free.

    The oracle is ``direction(x, gradient=None)``; given ``gradient = ∇f(x)`` (which a Wolfe
    search has just computed, see :class:`StepResult`) it uses it and costs no gradient.
    """
    _callable("grad", grad)

    def direction(x, gradient=None):
        if gradient is None:
            g, cost = _vector_output("grad", grad(x), onp.shape(x)), 1
        else:
            g, cost = _vector_output("gradient", gradient, onp.shape(x)), 0
        return Direction(-g, None, -float(g @ g), ngev=cost)

    return direction


def forward_gradient_direction(f: Callable, rng: onp.random.Generator, law=None, num_tangents: int = 1) -> Callable:
    """Direction oracle d = −g with g the forward gradient of :mod:`fgcourse.forward_gradient`.

    g = (1/B) Σ_b (∇f(x)·v_b) v_b costs B = ``num_tangents`` JVPs, which also give f(x). For one
    Rademacher tangent (the default law) ‖v‖² = n, so the initial slope is known exactly:
    φ'(0) = ∇f(x)·d = −(∇f(x)·v)² = −‖g‖²/n, and a line search along d starts with no further
    evaluation. For other laws the search pays one JVP for φ'(0).
    """
    from fgcourse.forward_gradient import forward_gradient, rademacher

    _callable("f", f)
    if not isinstance(rng, onp.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    law = rademacher if law is None else law
    num_tangents = _count("num_tangents", num_tangents)
    slope_is_exact = law is rademacher and num_tangents == 1

    def direction(x):  # no `gradient` parameter: the estimator must not see the true ∇f
        value, g = forward_gradient(f, x, rng, law=law, num_tangents=num_tangents)
        slope0 = -float(g @ g) / g.size if slope_is_exact else None
        return Direction(-g, value, slope0, njev=num_tangents)

    return direction


@dataclass(frozen=True)
class DescentResult:
    """Path of a descent: ``path[k] = x_k``, ``values[k] = f(x_k)``, ``steps[k]`` the step taken
    from x_k, and cumulative evaluation counts ``nfev[k]``, ``ngev[k]``, ``njev[k]`` spent by
    the algorithm (directions and searches) to reach x_k; values computed only for the record
    are not counted. ``reason`` says why it stopped: ``"max_iter"``, ``"max_evals"``,
    ``"stationary"`` (d = 0 or φ'(0) = 0), ``"diverged"`` (f(x_k) not finite) or ``"search_failed: <reason>"``."""

    path: onp.ndarray
    values: onp.ndarray
    steps: onp.ndarray
    nfev: onp.ndarray
    ngev: onp.ndarray
    njev: onp.ndarray
    reason: str

    @property
    def evaluations(self) -> onp.ndarray:
        """Total evaluations f + gradient + JVP up to each iterate."""
        return self.nfev + self.ngev + self.njev


def _has_parameter(function, name):
    """Whether ``function`` can be called with the keyword argument ``name``."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False
    return name in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def descent(f, x0, direction, step, *, slope=None, max_iter=100, max_evals=None, on_failure="stop") -> DescentResult:
    """x_{k+1} = x_k + α_k d_k with d_k from ``direction(x_k)`` (a :class:`Direction`).

    ``step`` is a constant α (a float) or a search called as
    ``step(f, slope, x, d, phi0=..., slope0=...)`` returning a :class:`StepResult`:
    :func:`wolfe`, :func:`armijo_backtracking`, ``functools.partial`` of them, or
    :func:`exact_step`. ``slope`` is the searches' slope source (a gradient callable or a
    :class:`SlopeOracle`). The run stops after ``max_iter`` steps, when the cumulative
    evaluations reach ``max_evals``, or when a search fails; with ``on_failure="skip"`` a
    failed search leaves x_k in place and the run draws a new direction (useful for random
    directions, some of which are nearly orthogonal to ∇f).

    When a search returns ``∇f(x_{k+1})`` (``StepResult.gradient``) and the direction oracle
    has a ``gradient`` parameter, as :func:`steepest_descent` does, the oracle gets
    ``direction(x_{k+1}, gradient=∇f(x_{k+1}))`` and need not compute it again; the slope
    oracle and the direction must therefore differentiate the same ``f``. Oracles without
    that parameter are called as ``direction(x)``.
    """
    if on_failure not in ("stop", "skip"):
        raise ValueError(f"on_failure must be 'stop' or 'skip', got {on_failure!r}")
    _callable("f", f)
    _callable("direction", direction)
    constant = not callable(step)
    if constant:
        step = _positive("step", step)
    elif slope is None:
        raise ValueError("slope must be given (a gradient callable or a SlopeOracle) when step is a search")
    max_iter = _count("max_iter", max_iter)
    if max_evals is not None:
        max_evals = _count("max_evals", max_evals)
    takes_gradient = _has_parameter(direction, "gradient")
    x = onp.asarray(x0, dtype=float)
    counts = {"nfev": 0, "ngev": 0, "njev": 0}
    # f(x_k) is recorded for the plots; only the values an algorithm needs are counted
    known_value, known_gradient = None, None
    path, values, steps, history = [x], [float(f(x))], [], [dict(counts)]
    reason = "max_iter"
    for _ in range(max_iter):
        found = direction(x, gradient=known_gradient) if known_gradient is not None else direction(x)
        for key in counts:
            counts[key] += getattr(found, key)
        if on_failure == "stop" and (not onp.any(found.d) or found.slope0 == 0):  # ‖∇f‖² can underflow
            reason = "stationary"
            break
        known_gradient = None
        if constant:
            alpha, known_value = step, None
        else:
            result = step(f, slope, x, found.d, phi0=known_value if known_value is not None else found.value,
                          slope0=found.slope0)
            for key in counts:
                counts[key] += getattr(result, key)
            if result.success:
                alpha, known_value = result.step, result.value
                if takes_gradient:
                    known_gradient = result.gradient
            elif on_failure == "skip":
                alpha = 0.0
            else:
                reason = f"search_failed: {result.reason}"
                break
        x = x + alpha * found.d
        path.append(x)
        values.append(known_value if known_value is not None else float(f(x)))
        steps.append(alpha)
        history.append(dict(counts))
        if not math.isfinite(values[-1]):
            reason = "diverged"
            break
        if max_evals is not None and sum(counts.values()) >= max_evals:
            reason = "max_evals"
            break
    return DescentResult(onp.array(path), onp.array(values), onp.array(steps),
                         *(onp.array([h[key] for h in history]) for key in ("nfev", "ngev", "njev")), reason)


# ---------------------------------------------------------------------------------------
# φ(α) on a grid and the regions each condition accepts (for figures and the explorer)
# ---------------------------------------------------------------------------------------

def line_profile(f, x, d, alphas):
    """φ(α) and φ'(α) on a grid of α, for a row-wise f ((B, n) -> (B,)), in one batched call."""
    x, d = onp.asarray(x, dtype=float), onp.asarray(d, dtype=float)
    alphas = onp.asarray(alphas, dtype=float)

    def phi(a):
        return f(x[None, :] + a[:, None] * d[None, :])

    return onp.asarray(phi(alphas)), onp.asarray(elementwise_grad(phi)(alphas))


def acceptance_regions(f, x, d, alphas, c1=1e-4, c2=0.9, goldstein_c=None):
    """φ, φ' on the grid and the masks of α accepted by each condition.

    Keys: ``phi``, ``slope``, ``phi0``, ``slope0``, ``armijo``, ``goldstein``, ``curvature``,
    ``strong_curvature``, ``wolfe``, ``strong_wolfe``. ``goldstein_c`` defaults to
    ``min(c1, 1 − c1, 0.49)`` clipped to (0, ½).
    """
    c1, c2 = _check_wolfe_constants(c1, c2)
    c = goldstein_c if goldstein_c is not None else min(c1, 1.0 - c1, 0.49)
    c = _in_open_interval("goldstein_c", c, 0.0, 0.5, high_name="1/2")
    phi, slope = line_profile(f, x, d, onp.concatenate([[0.0], alphas]))
    phi0, slope0 = float(phi[0]), float(slope[0])
    phi, slope = phi[1:], slope[1:]
    return {
        "phi": phi, "slope": slope, "phi0": phi0, "slope0": slope0,
        "armijo": armijo(phi, alphas, phi0, slope0, c1),
        "goldstein": goldstein(phi, alphas, phi0, slope0, c),
        "curvature": curvature(slope, slope0, c2),
        "strong_curvature": strong_curvature(slope, slope0, c2),
        "wolfe": wolfe_conditions(phi, slope, alphas, phi0, slope0, c1, c2, strong=False),
        "strong_wolfe": wolfe_conditions(phi, slope, alphas, phi0, slope0, c1, c2, strong=True),
        "goldstein_c": c,
    }


def accepted_intervals(alphas, mask):
    """The runs of accepted α on a grid, as ``(start, width)`` pairs (for ``broken_barh``)."""
    alphas, mask = onp.asarray(alphas), onp.asarray(mask, dtype=bool)
    edges = onp.flatnonzero(onp.diff(onp.concatenate([[False], mask, [False]]).astype(int)))
    starts, stops = edges[::2], edges[1::2] - 1
    spacing = alphas[1] - alphas[0] if len(alphas) > 1 else 0.0
    return [(alphas[i] - 0.5 * spacing, alphas[j] - alphas[i] + spacing) for i, j in zip(starts, stops)]


def _ill_conditioned_quadratic(x):
    weights = onp.array([1.0, 25.0])
    return 0.5 * (weights[0] * x[..., 0] ** 2 + weights[1] * x[..., 1] ** 2)


def _problem_table():
    from autograd import grad

    from fgcourse.testfunctions import beale, rosenbrock

    table = {}
    for name, f, x, alpha_max in (
        ("rosenbrock", rosenbrock.f, onp.array([-1.2, 1.0]), 0.0026),
        ("quadratic", _ill_conditioned_quadratic, onp.array([1.0, 0.2]), 0.125),
        ("beale", beale.f, onp.array([1.0, 1.0]), 0.13),
    ):
        table[name] = (f, x, -grad(f)(x), alpha_max)
    return table


LINE_PROBLEMS = ("rosenbrock", "quadratic", "beale")
"""Names of the rays (f, x, d = −∇f(x), α range) shown by :func:`draw_conditions`."""

_PROBLEMS_CACHE: dict = {}


def line_problem(name: str):
    """``(f, x, d, alpha_max)`` for one of :data:`LINE_PROBLEMS`: steepest descent from a classic start.

    ``alpha_max`` is about 1.5 times the step where φ climbs back to φ(0), so the plots show
    the whole dip of φ.
    """
    if name not in LINE_PROBLEMS:
        raise ValueError(f"problem must be one of {LINE_PROBLEMS}, got {name!r}")
    if not _PROBLEMS_CACHE:
        _PROBLEMS_CACHE.update(_problem_table())
    return _PROBLEMS_CACHE[name]


def draw_conditions(c1=1e-4, c2=0.9, problem="rosenbrock", num=300):
    """Figure of φ(α) on a problem's ray with the α accepted by Armijo, Goldstein, curvature, Wolfe.

    The explorer's draw function. φ(α) is black, the Armijo line φ(0) + c1 α φ'(0) red dashed,
    the lower Goldstein line φ(0) + (1 − c) α φ'(0) purple dotted; the accepted intervals are
    coloured bands under the curve. Legends and long titles are left to the surrounding text:
    text is what costs time in a live update.
    """
    import matplotlib.pyplot as plt

    f, x, d, alpha_max = line_problem(problem)
    alphas = onp.linspace(0.0, alpha_max, num)[1:]
    regions = acceptance_regions(f, x, d, alphas, c1, c2)
    phi0, slope0, c = regions["phi0"], regions["slope0"], regions["goldstein_c"]
    fig, ax = plt.subplots(figsize=(6.4, 3.3))
    ax.plot(alphas, regions["phi"], color="black", lw=2)
    ax.plot(alphas, phi0 + c1 * alphas * slope0, "--", color="tab:red")
    ax.plot(alphas, phi0 + (1 - c) * alphas * slope0, ":", color="tab:purple")
    low, high = onp.min(regions["phi"]), onp.max(regions["phi"])
    span = high - low
    ax.set_ylim(low - 0.45 * span, high + 0.05 * span)
    rows = (("armijo", "tab:red"), ("goldstein", "tab:purple"), ("curvature", "tab:blue"),
            ("strong_wolfe", "tab:green"))
    levels = low - (0.1 + 0.09 * onp.arange(len(rows))) * span
    for level, (key, colour) in zip(levels, rows):
        ax.broken_barh(accepted_intervals(alphas, regions[key]), (level - 0.035 * span, 0.07 * span),
                       color=colour, alpha=0.6, lw=0)
    # the bands' names replace the numeric ticks: the figure is about where, not how much
    ax.set_yticks(list(levels) + [phi0], [key.replace("_", " ") for key, _ in rows] + ["φ(0)"], fontsize=8)
    ax.set_xlabel("α")
    ax.set_title(f"{problem}: c1 = c = {c1:g}, c2 = {c2:g}", fontsize=9)
    fig.subplots_adjust(left=0.16, right=0.98, bottom=0.14, top=0.92)
    return fig
