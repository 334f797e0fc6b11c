"""Descent with a direction oracle and a step rule: x_{k+1} = x_k + α_k d_k, every evaluation counted.

A direction oracle maps x to a :class:`Direction`: :func:`steepest_descent` (d = −∇f(x)) or
:func:`forward_gradient_direction` (d = −g with g a forward gradient, :cite:t:`baydin2022gradients`).
The step is a constant α or any search of :mod:`fgcourse.linesearch.inexact`. A search that
ends with a gradient slope at the accepted step hands that gradient ∇f(x_{k+1}) over in its
:class:`~fgcourse.linesearch.StepResult`, and :func:`steepest_descent` builds d_{k+1} from it
instead of computing it again.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as onp

from fgcourse._checks import (
    call_user,
    check_callable,
    check_int,
    check_option,
    check_output,
    check_positive,
    check_rng,
    check_vector,
    describe,
)
from fgcourse._vocabulary import is_success, status_message

from .inexact import StepResult
from .slopes import SlopeOracle, as_slope_oracle

__all__ = ["DESCENT_STATUSES", "ON_FAILURE", "Direction", "steepest_descent",
           "forward_gradient_direction", "DescentResult", "descent"]

DESCENT_STATUSES = ("max_iter", "max_evals", "stationary", "non_finite", "search_failed")
"""The statuses of a :class:`DescentResult`. A descent is asked for no tolerance, so by the one rule
(:func:`fgcourse._vocabulary.is_success`) it succeeds when it spends its budget ("max_iter",
"max_evals") or stops at a stationary point, and fails on "non_finite" and "search_failed"."""

ON_FAILURE = ("stop", "skip")


@dataclass(frozen=True)
class Direction:
    """A search direction d at x, with what came for free: ``fun = f(x)`` and
    ``slope0 = ∇f(x)·d`` (``None`` when unknown) and the evaluations it cost."""

    d: onp.ndarray
    fun: float | None
    slope0: float | None
    nfev: int = 0
    ngev: int = 0
    njvp: int = 0


def steepest_descent(grad: Callable) -> Callable:
    """Direction oracle d = −∇f(x): one gradient, and φ'(0) = −‖∇f(x)‖² for free.

    The oracle is ``direction(x, g=None)``; given ``g = ∇f(x)`` (which a Wolfe
    search has just computed, see :class:`~fgcourse.linesearch.StepResult`) it uses it and
    costs no gradient.
    """
    check_callable("grad", grad, "array (n,) -> array (n,)")

    def direction(x, g=None):
        if g is None:
            g, cost = check_output("grad", call_user("grad", grad, x), onp.shape(x), finite=False), 1
        else:
            g, cost = check_output("g", g, onp.shape(x), finite=False), 0
        return Direction(-g, None, -float(g @ g), ngev=cost)

    return direction


def _forward_gradient(f, x, law, rng, B):
    """fgcourse.forward_gradient's estimator (f(x), g); its errors name f."""
    from fgcourse.forward_gradient import forward_gradient

    return forward_gradient(f, x, law, rng, B)


def forward_gradient_direction(f: Callable, law, rng, B: int = 1) -> Callable:
    """Direction oracle d = −g with g the forward gradient of :mod:`fgcourse.forward_gradient`.

    g = (1/B) Σ_b (∇f(x)·v_b) v_b costs B JVPs, which also give f(x); ``law`` is a tangent law
    or its name, ``rng`` an int seed or a Generator (drawn from at every call). For one
    Rademacher tangent ‖v‖² = n, so the initial slope is known exactly:
    φ'(0) = ∇f(x)·d = −(∇f(x)·v)² = −‖g‖²/n, and a line search along d starts with no further
    evaluation. For other laws, or B > 1, the search pays one JVP for φ'(0).
    """
    from fgcourse.forward_gradient import rademacher, tangent_law

    check_callable("f", f, "array (n,) -> scalar")
    law = tangent_law(law)  # a TangentLaw or its name; checked there
    rng = check_rng("rng", rng)
    B = check_int("B", B, minimum=1)
    slope_is_exact = law is rademacher and B == 1

    def direction(x):  # no `g` parameter: the estimator must not see the true ∇f
        value, g = _forward_gradient(f, x, law, rng, B)
        slope0 = -float(g @ g) / g.size if slope_is_exact else None
        return Direction(-g, value, slope0, njvp=B)

    return direction


@dataclass(frozen=True)
class DescentResult:
    """The run of a descent.

    ``x`` is the last iterate, ``fun = f(x)``, ``nit`` the number of steps taken; ``status``
    is one of :data:`DESCENT_STATUSES`: ``"max_iter"``, ``"max_evals"``, ``"stationary"``
    (d = 0 or φ'(0) = 0), ``"non_finite"`` (f(x_k) is inf or NaN) or ``"search_failed"`` (the
    search's own message is in ``message``); ``success`` is True for the first three (see
    :data:`DESCENT_STATUSES`).
    ``path[k] = x_k``, ``fun_path[k] = f(x_k)``, ``alphas[k]`` the step taken from x_k.
    ``nfev``, ``ngev``, ``njvp`` are the evaluations the algorithm spent (directions and
    searches), and ``nfev_path[k]``, ``ngev_path[k]``, ``njvp_path[k]`` their running totals at
    x_k; values of f computed only for the record are not counted.
    """

    x: onp.ndarray
    fun: float
    nit: int
    success: bool
    status: str
    message: str
    path: onp.ndarray
    fun_path: onp.ndarray
    alphas: onp.ndarray
    nfev: int
    ngev: int
    njvp: int
    nfev_path: onp.ndarray
    ngev_path: onp.ndarray
    njvp_path: onp.ndarray

    @property
    def evaluations(self) -> onp.ndarray:
        """Total evaluations f + gradient + JVP up to each iterate."""
        return self.nfev_path + self.ngev_path + self.njvp_path


def _has_parameter(function, name):
    """Whether ``function`` can be called with the keyword argument ``name``."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False
    return name in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def _record(f, x):
    return float(check_output("f", call_user("f", f, x), (), finite=False))


def _check_step(step):
    if callable(step):
        return step
    if isinstance(step, numbers.Real) and not isinstance(step, (bool, onp.bool_)):
        return check_positive("step", step)
    raise TypeError(f"step must be a real number > 0 (a constant step) or a search callable "
                    f"(e.g. wolfe), got {describe(step)}")


def _direction(direction, x, g):
    # called directly, not through call_user: our oracles' errors already name f or grad
    found = direction(x) if g is None else direction(x, g=g)
    if not isinstance(found, Direction):
        raise TypeError(f"direction must return a Direction (e.g. from steepest_descent), returned {describe(found)}")
    check_output("direction", found.d, onp.shape(x), finite=False, at="its d")
    return found


def descent(f, x0, direction, step, *, slope=None, max_iter=100, max_evals=None, on_failure="stop") -> DescentResult:
    """x_{k+1} = x_k + α_k d_k with d_k from ``direction(x_k)`` (a :class:`Direction`).

    ``step`` is a constant α (a number > 0) or a search called as
    ``step(f, slope, x, d, phi0=..., slope0=...)`` returning a
    :class:`~fgcourse.linesearch.StepResult`: :func:`~fgcourse.linesearch.wolfe`,
    :func:`~fgcourse.linesearch.armijo_backtracking`, ``functools.partial`` of them, or
    :func:`~fgcourse.linesearch.exact_step`. ``slope`` is the searches' slope source (a
    gradient callable or a :class:`~fgcourse.linesearch.SlopeOracle`). The run stops after
    ``max_iter`` steps, when the cumulative evaluations reach ``max_evals``, or when a search
    fails; with ``on_failure="skip"`` a failed search leaves x_k in place and the run draws a
    new direction (useful for random directions, some of which are nearly orthogonal to ∇f).

    When a search returns ``∇f(x_{k+1})`` (``StepResult.g``) and the direction oracle
    has a ``g`` parameter, as :func:`steepest_descent` does, the oracle gets
    ``direction(x_{k+1}, g=∇f(x_{k+1}))`` and need not compute it again; the slope
    oracle and the direction must therefore differentiate the same ``f``. Oracles without
    that parameter are called as ``direction(x)``.
    """
    check_callable("f", f, "array (n,) -> scalar")
    x = check_vector("x0", x0)
    check_callable("direction", direction, "x -> Direction, e.g. steepest_descent(grad)")
    step = _check_step(step)
    constant = not callable(step)
    if not constant:
        if slope is None:
            raise ValueError("slope must be a gradient callable or a SlopeOracle when step is a search, got None")
        slope = as_slope_oracle(slope)
    elif slope is not None and not isinstance(slope, SlopeOracle):
        check_callable("slope", slope, "(a gradient callable or a SlopeOracle)")
    max_iter = check_int("max_iter", max_iter, minimum=1)
    if max_evals is not None:
        max_evals = check_int("max_evals", max_evals, minimum=1)
    on_failure = check_option("on_failure", on_failure, ON_FAILURE)
    takes_gradient = _has_parameter(direction, "g")
    counts = {"nfev": 0, "ngev": 0, "njvp": 0}
    # f(x_k) is recorded for the plots; only the values an algorithm needs are counted
    known_value, known_gradient = None, None
    path, values, alphas, history = [x], [_record(f, x)], [], [dict(counts)]
    status, detail = ("max_iter", "") if math.isfinite(values[0]) else ("non_finite", "")
    for _ in range(max_iter if status == "max_iter" else 0):
        found = _direction(direction, x, known_gradient)
        for key in counts:
            counts[key] += getattr(found, key)
        if on_failure == "stop" and (not onp.any(found.d) or found.slope0 == 0):  # ‖∇f‖² can underflow
            status = "stationary"
            break
        known_gradient = None
        if constant:
            alpha, known_value = step, None
        else:
            result = step(f, slope, x, found.d, phi0=known_value if known_value is not None else found.fun,
                          slope0=found.slope0)
            if not isinstance(result, StepResult):
                raise TypeError(f"step must return a StepResult (e.g. wolfe does), returned {describe(result)}")
            for key in counts:
                counts[key] += getattr(result, key)
            if result.success:
                alpha, known_value = result.alpha, result.fun
                if takes_gradient:
                    known_gradient = result.g
            elif on_failure == "skip":
                alpha = 0.0
            else:
                status, detail = "search_failed", result.message
                break
        x = x + alpha * found.d
        path.append(x)
        values.append(known_value if known_value is not None else _record(f, x))
        alphas.append(alpha)
        history.append(dict(counts))
        if not math.isfinite(values[-1]):
            status = "non_finite"
            break
        if max_evals is not None and sum(counts.values()) >= max_evals:
            status = "max_evals"
            break
    nit = len(alphas)
    searched = f"; the search: {detail}" if detail else ""
    message = status_message(status, nit, detail=f"f = {values[-1]:.3g}{searched}")
    running = {key: onp.array([h[key] for h in history]) for key in counts}
    return DescentResult(path[-1], values[-1], nit, is_success(status, target=False), status, message,
                         onp.array(path), onp.array(values), onp.array(alphas), counts["nfev"], counts["ngev"],
                         counts["njvp"], running["nfev"], running["ngev"], running["njvp"])
