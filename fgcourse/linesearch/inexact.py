"""Inexact searches along d: backtracking (Armijo, Goldstein), the Wolfe search, exact steps as rules.

Each returns a :class:`StepResult` that counts evaluations of f, gradients and JVPs apart.
Backtracking is the slides' algorithm (:cite:t:`merkulov2023slides`); the Wolfe search is
Algorithms 3.5 and 3.6 of :cite:t:`nocedal2006numerical`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as onp

from fgcourse._checks import (
    check_bool,
    check_callable,
    check_int,
    check_open_interval,
    check_option,
    check_positive,
    check_real,
)
from fgcourse._vocabulary import is_success, status_message

from .conditions import armijo, check_wolfe_constants, curvature, goldstein, strong_curvature
from .slopes import Ray

__all__ = ["STEP_STATUSES", "BACKTRACKING_CONDITIONS", "StepResult", "backtracking", "armijo_backtracking",
           "goldstein_backtracking", "wolfe", "exact_step"]

STEP_STATUSES = ("satisfied", "not_descent", "stationary", "non_finite", "max_iter", "interval_too_small",
                 "max_step", "no_decrease")
"""The statuses of a :class:`StepResult`. A search is asked for conditions, so by the one rule
(:func:`fgcourse._vocabulary.is_success`) only ``"satisfied"`` is a success."""

BACKTRACKING_CONDITIONS = ("armijo", "goldstein")

_EPS = onp.finfo(float).eps


@dataclass(frozen=True)
class StepResult:
    """Result of an inexact search along d.

    ``alpha`` is the accepted step (on failure, the best α tried, or 0). ``status`` is
    ``"satisfied"`` on success, otherwise one of :data:`STEP_STATUSES`: ``"not_descent"``
    (φ'(0) > 0), ``"stationary"`` (φ'(0) = 0), ``"non_finite"`` (φ(0), φ'(0) or a needed
    slope is inf or NaN), ``"max_iter"``, ``"interval_too_small"``, ``"max_step"`` (φ still
    decreasing at ``alpha_max``) or ``"no_decrease"`` (an exact search found no point below
    φ(0)). ``fun = φ(alpha)`` and ``slope = φ'(alpha)`` (``None`` when it was not needed).
    ``nfev``, ``ngev``, ``njvp`` count evaluations of f, gradients and JVPs, including those at
    α = 0; ``trials`` lists the α where φ was evaluated. ``g`` is ``∇f(x + alpha·d)``
    when the search computed it for the last slope it needed (a Wolfe search with a gradient
    oracle that accepts a step), else ``None``; it is already counted in ``ngev``, so whoever
    reuses it for the next direction pays nothing for it.
    """

    alpha: float
    success: bool
    status: str
    message: str
    fun: float
    slope: float | None
    nfev: int
    ngev: int
    njvp: int
    trials: tuple[float, ...] = field(default=())
    g: onp.ndarray | None = field(default=None, compare=False, repr=False)


def _result(ray, alpha, status, fun, slope=None):
    alpha = float(alpha)
    counts = ray.counts
    message = status_message(status, sum(trial != 0.0 for trial in ray.trials), "trial step",
                             f"alpha = {alpha:.3g}; {counts['nfev']} f, {counts['ngev']} gradient and "
                             f"{counts['njvp']} JVP evaluations")
    return StepResult(alpha, is_success(status, target=True), status, message, float(fun), slope,
                      counts["nfev"], counts["ngev"], counts["njvp"], tuple(ray.trials), ray.gradient_at(alpha))


def _known(phi0, slope0):
    phi0 = None if phi0 is None else check_real("phi0", phi0, finite=False)
    return phi0, None if slope0 is None else check_real("slope0", slope0, finite=False)


def _start(ray, phi0, slope0):
    """φ(0) and φ'(0), evaluated unless the caller already knows them; a status if unusable."""
    if phi0 is not None:
        ray.values[0.0] = phi0
    if slope0 is None:
        phi0, slope0 = ray.value_and_slope(0.0)
    phi0 = ray.value(0.0)
    if not (math.isfinite(phi0) and math.isfinite(slope0)):
        return phi0, slope0, "non_finite"
    if slope0 > 0:
        return phi0, slope0, "not_descent"
    if slope0 == 0:
        return phi0, slope0, "stationary"
    return phi0, float(slope0), None


def backtracking(f, grad, x, d, *, condition="armijo", c=1e-4, alpha0=1.0, beta=0.5, max_iter=60,
                 phi0=None, slope0=None) -> StepResult:
    """Backtracking: shrink α by β until the condition holds (slides' algorithm).

    ``condition="armijo"`` accepts φ(α) ≤ φ(0) + c α φ'(0). ``condition="goldstein"`` also
    needs φ(α) ≥ φ(0) + (1 − c) α φ'(0), c ∈ (0, ½): a step below that line is too short, so
    the search grows α by 1/β until it has seen a too-long step, then bisects. Only φ'(0) is
    needed, from ``grad`` (a gradient callable or a :class:`~fgcourse.linesearch.SlopeOracle`).
    A trial point x + α d that rounds to x ends the search (``"interval_too_small"``):
    shorter steps cannot decrease f.
    """
    condition = check_option("condition", condition, BACKTRACKING_CONDITIONS)
    c = check_open_interval("c", c, 0.0, 1.0 if condition == "armijo" else 0.5,
                            high_name="1" if condition == "armijo" else "1/2")
    alpha = check_positive("alpha0", alpha0)
    beta = check_open_interval("beta", beta, 0.0, 1.0)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    phi0, slope0 = _known(phi0, slope0)
    ray = Ray(f, grad, x, d)
    phi0, slope0, failure = _start(ray, phi0, slope0)
    if failure:
        return _result(ray, 0.0, failure, phi0)
    too_short_at, too_long_at = 0.0, math.inf
    best_step, best_value = 0.0, phi0
    for _ in range(max_iter):
        if onp.array_equal(ray.point(alpha), ray.x):
            return _result(ray, best_step, "interval_too_small", best_value)
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
    return _result(ray, best_step, "max_iter", best_value)


def armijo_backtracking(f, grad, x, d, c1=1e-4, alpha0=1.0, beta=0.5, max_iter=60, *, phi0=None,
                        slope0=None) -> StepResult:
    """Backtracking until sufficient decrease φ(α) ≤ φ(0) + c1 α φ'(0); see :func:`backtracking`."""
    return backtracking(f, grad, x, d, condition="armijo", c=check_open_interval("c1", c1, 0.0, 1.0),
                        alpha0=alpha0, beta=beta, max_iter=max_iter, phi0=phi0, slope0=slope0)


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


def _zoom(ray, lo, hi, phi0, slope0, c1, c2, accepts, max_iter):
    """N&W Alg. 3.6: shrink [lo, hi] (either order) holding a step that satisfies Wolfe.

    ``lo`` and ``hi`` are ``(α, φ(α), φ'(α) or None)``. Invariant: lo has the lowest φ among
    the trials that satisfy Armijo; hi fails Armijo or has φ(hi) ≥ φ(lo); φ'(lo)(hi − lo) < 0.
    Trials come from cubic or quadratic interpolation, clamped to stay 10% of the interval
    away from its ends (bisection when interpolation fails).
    """
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
        if not math.isfinite(s_trial):
            return _result(ray, a_lo, "non_finite", f_lo, s_lo)
        if accepts(s_trial, slope0, c2):
            return _result(ray, trial, "satisfied", f_trial, s_trial)
        if s_trial * (a_hi - a_lo) >= 0:
            hi = lo
        lo = (trial, f_trial, s_trial)
    return _result(ray, lo[0], "max_iter", lo[1], lo[2])


def wolfe(f, grad, x, d, c1=1e-4, c2=0.9, strong=True, *, alpha0=1.0, alpha_max=1e10, max_iter=30,
          phi0=None, slope0=None) -> StepResult:
    """A step satisfying the (strong or weak) Wolfe conditions: N&W Alg. 3.5 and 3.6.

    Bracketing (3.5) tries α0, 2α0, 4α0, ... until a trial fails Armijo, does not decrease
    φ, or has φ' ≥ 0: then an acceptable step lies between it and the previous trial, and
    zoom (3.6) shrinks that interval by interpolation. A trial that already satisfies the
    conditions is returned at once. ``grad`` is a gradient callable or a
    :class:`~fgcourse.linesearch.SlopeOracle` (:func:`~fgcourse.linesearch.jvp_slope` makes the
    search gradient-free). ``phi0``/``slope0`` reuse known φ(0), φ'(0). ``max_iter`` caps each
    of the two phases.
    """
    c1, c2 = check_wolfe_constants(c1, c2)
    accepts = strong_curvature if check_bool("strong", strong) else curvature
    alpha = check_positive("alpha0", alpha0)
    alpha_max = check_positive("alpha_max", alpha_max)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    phi0, slope0 = _known(phi0, slope0)
    ray = Ray(f, grad, x, d)
    phi0, slope0, failure = _start(ray, phi0, slope0)
    if failure:
        return _result(ray, 0.0, failure, phi0)
    previous = (0.0, phi0, slope0)
    alpha = min(alpha, alpha_max)
    for _ in range(max_iter):
        value = ray.value(alpha)
        if not armijo(value, alpha, phi0, slope0, c1) or not value < previous[1]:
            return _zoom(ray, previous, (alpha, value, None), phi0, slope0, c1, c2, accepts, max_iter)
        slope = ray.slope(alpha)
        if not math.isfinite(slope):
            return _result(ray, previous[0], "non_finite", previous[1], previous[2])
        if accepts(slope, slope0, c2):
            return _result(ray, alpha, "satisfied", value, slope)
        if slope >= 0:
            return _zoom(ray, (alpha, value, slope), previous, phi0, slope0, c1, c2, accepts, max_iter)
        if alpha >= alpha_max:
            return _result(ray, alpha, "max_step", value, slope)
        previous, alpha = (alpha, value, slope), min(2.0 * alpha, alpha_max)
    return _result(ray, previous[0], "max_iter", previous[1], previous[2])


def exact_step(search: Callable, alpha_max: float = 1.0, tol: float = 1e-6) -> Callable:
    """Turn an exact search (dichotomy, golden_section, parabolic) into a step rule on [0, alpha_max].

    The rule has the signature of the inexact searches, ``rule(f, grad, x, d, phi0=, slope0=)``,
    so :func:`~fgcourse.linesearch.descent` treats all searches alike; it succeeds when the
    step decreases f.
    """
    check_callable("search", search, "(phi, a, b, tol) -> BracketResult, e.g. golden_section")
    alpha_max, tol = check_positive("alpha_max", alpha_max), check_positive("tol", tol)

    def rule(f, grad, x, d, *, phi0=None, slope0=None):
        phi0, _ = _known(phi0, slope0)
        ray = Ray(f, grad, x, d)
        if phi0 is not None:
            ray.values[0.0] = phi0
        phi0 = ray.value(0.0)
        found = search(ray.value, 0.0, alpha_max, tol)  # every φ(α) is counted by the ray
        if found.fun < phi0:
            return _result(ray, found.x, "satisfied", found.fun)
        return _result(ray, 0.0, "no_decrease", phi0)

    rule.__name__ = f"exact_{getattr(search, '__name__', 'search')}"
    return rule
