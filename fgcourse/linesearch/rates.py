"""How fast the exact searches converge: bracket widths, contraction rates, orders of convergence.

Theory (:cite:t:`merkulov2023slides`): dichotomy halves the bracket per iteration (at most
two evaluations each, 1/√2 ≈ 0.707 per evaluation at worst), golden section multiplies it
by 1/τ ≈ 0.618 per evaluation, and parabolic interpolation converges with order ≈ 1.32.
"""

from __future__ import annotations

import numpy as onp

from fgcourse._checks import check_array, check_bool, check_instance, check_positive, check_real

from .exact import BracketResult

__all__ = ["bracket_widths", "width_ratios", "rate_per_evaluation", "fitted_order", "convergence_orders",
           "parabolic_order"]

_RESULT = "a BracketResult (from dichotomy, golden_section or parabolic)"


def bracket_widths(result: BracketResult) -> tuple[onp.ndarray, onp.ndarray]:
    """``(nfev, width)``: bracket width ``b_k − a_k`` against the evaluations spent to reach it."""
    check_instance("result", result, BracketResult, _RESULT)
    nfev = onp.array([step.nfev for step in result.history])
    width = onp.array([step.b - step.a for step in result.history])
    return nfev, width


def width_ratios(result: BracketResult, per_evaluation: bool = True) -> onp.ndarray:
    """Contraction of the bracket per iteration, or per evaluation (``ratio^(1/new evaluations)``)."""
    nfev, width = bracket_widths(result)
    ratios = width[1:] / width[:-1]
    if not check_bool("per_evaluation", per_evaluation):
        return ratios
    return ratios ** (1.0 / onp.maximum(onp.diff(nfev), 1))


def rate_per_evaluation(result: BracketResult) -> float:
    """Average contraction of the bracket per evaluation: (w_K / w_0)^(1/(N_K − N_0)).

    Theory: 1/√2 ≈ 0.707 for dichotomy (½ per two evaluations), 1/τ ≈ 0.618 for golden section.
    """
    nfev, width = bracket_widths(result)
    if nfev[-1] == nfev[0]:
        raise ValueError(f"result must contain at least one iteration to measure a rate, got nit = {result.nit}")
    return float((width[-1] / width[0]) ** (1.0 / (nfev[-1] - nfev[0])))


def _check_errors(errors) -> onp.ndarray:
    e = check_array("errors", errors, ndim=1, min_size=1)
    if onp.any(e < 0):
        raise ValueError(f"errors must be distances >= 0, got the negative value {e[e < 0][0]:g}")
    return e[e > 0]


def fitted_order(errors) -> float:
    """Order q fitted by least squares to log e_{k+1} ≈ q log e_k + c over successive distinct errors.

    Less noisy than the pointwise :func:`convergence_orders` for methods whose best point
    sometimes stays put (Brent's method keeps x when a trial is not better).
    """
    e = _check_errors(errors)
    e = e[onp.concatenate([[True], onp.diff(e) != 0])]
    if len(e) < 3:
        raise ValueError(f"errors must hold at least 3 distinct positive values, got {len(e)}")
    logs = onp.log(e)
    return float(onp.polyfit(logs[:-1], logs[1:], 1)[0])


def convergence_orders(errors) -> onp.ndarray:
    """Estimates of the order q from errors e_k → 0: q_k = log(e_{k+1}/e_k) / log(e_k/e_{k−1})."""
    steps = onp.diff(onp.log(_check_errors(errors)))
    with onp.errstate(divide="ignore", invalid="ignore"):
        return steps[1:] / steps[:-1]


def parabolic_order(result: BracketResult, minimiser: float, *, start: float = 1e-1, stop: float = 1e-7) -> float:
    """The order q fitted (:func:`fitted_order`) to the errors |x_k − α*| of a search's best points.

    The fit runs from the first error below ``start`` to the first one below ``stop``: far
    from α* the parabola is a poor model, and below about √ε times the scale of α* φ is flat
    to rounding, so the errors there measure floating point, not the method.
    """
    check_instance("result", result, BracketResult, _RESULT)
    minimiser = check_real("minimiser", minimiser)
    start, stop = check_positive("start", start), check_positive("stop", stop)
    if not stop < start:
        raise ValueError(f"stop must be < start, got start = {start:g}, stop = {stop:g}")
    errors = onp.array([abs(step.x - minimiser) for step in result.history])
    if not (onp.any(errors < start) and onp.any(errors < stop)):
        raise ValueError(f"result must reach errors below start = {start:g} and stop = {stop:g}, "
                         f"got a smallest error of {errors.min():.2g}")
    first, last = int(onp.argmax(errors < start)), int(onp.argmax(errors < stop))
    return fitted_order(errors[first:last + 1])
