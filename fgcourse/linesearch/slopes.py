"""Where φ'(α) = ∇f(x + α d)·d comes from, and the ray φ(α) = f(x + α d) the searches walk on.

A :class:`SlopeOracle` gives the slope either from a gradient (:func:`gradient_slope`, one
gradient per slope) or from a Jacobian-vector product (:func:`jvp_slope`, one forward-mode
pass per slope, which returns φ(α) too). The same search code runs on both, so a line search
along a forward-gradient direction needs no gradient at all. A :class:`Ray` holds x, d, the
user's f and the oracle, counts every evaluation and caches φ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as onp

from fgcourse._checks import (
    call_user,
    check_callable,
    check_option,
    check_output,
    check_vector,
    user_jvp,
)

__all__ = ["SLOPE_COUNTERS", "SlopeOracle", "gradient_slope", "jvp_slope", "as_slope_oracle", "Ray"]

SLOPE_COUNTERS = ("ngev", "njvp")
"""What one slope costs: a gradient (``"ngev"``) or a Jacobian-vector product (``"njvp"``)."""


@dataclass(frozen=True)
class SlopeOracle:
    """How φ'(α) = ∇f(x + α d)·d is obtained, and what it costs.

    ``evaluate(point, d)`` returns ``(value, slope)``; ``value`` is ``f(point)`` when the
    oracle gets it for free (a JVP does) and ``None`` otherwise. ``counter`` names the
    evaluation it costs: ``"ngev"`` (a gradient) or ``"njvp"`` (a JVP). ``grad``, set
    only for an oracle whose slope is ``∇f(point)·d``, is ``point -> ∇f(point)``: the searches
    call it instead of ``evaluate`` so that they can hand the gradient at the accepted step
    to the next direction (see :class:`~fgcourse.linesearch.StepResult`).
    """

    evaluate: Callable
    counter: str
    grad: Callable | None = None

    def __post_init__(self):
        check_callable("evaluate", self.evaluate, "(point, d) -> (value or None, slope)")
        check_option("counter", self.counter, SLOPE_COUNTERS)
        if self.grad is not None:
            check_callable("grad", self.grad, "point -> gradient")
            if self.counter != "ngev":
                raise ValueError(f"counter must be 'ngev' for an oracle with a gradient (it costs gradients), "
                                 f"got {self.counter!r}")


def gradient_slope(grad: Callable) -> SlopeOracle:
    """φ'(α) from a gradient: ``∇f(x + α d)·d``, one gradient evaluation each."""
    check_callable("grad", grad, "array (n,) -> array (n,)")

    def checked_grad(point):
        return check_output("grad", call_user("grad", grad, point), onp.shape(point), finite=False)

    def evaluate(point, d):
        return None, float(checked_grad(point) @ d)

    return SlopeOracle(evaluate, "ngev", checked_grad)


def jvp_slope(f: Callable) -> SlopeOracle:
    """φ'(α) from forward mode: one JVP ``(f(x + α d), ∇f(x + α d)·d)``, which also gives φ(α)."""
    check_callable("f", f, "array (n,) -> scalar")

    def evaluate(point, d):
        value, slope = user_jvp("f", f, point, d)
        value = check_output("f", value, (), finite=False)
        return float(value), float(check_output("f", slope, (), finite=False, at="its JVP"))

    return SlopeOracle(evaluate, "njvp")


def as_slope_oracle(grad) -> SlopeOracle:
    """``grad`` itself if it is a :class:`SlopeOracle`, else :func:`gradient_slope` of the callable."""
    if isinstance(grad, SlopeOracle):
        return grad
    check_callable("grad", grad, "(a gradient array (n,) -> array (n,), or a SlopeOracle)")
    return gradient_slope(grad)


class Ray:
    """φ and φ' along x + α d, with the three evaluation counters, a cache of φ values and
    the last gradient computed for a slope (only the last: a search that accepts a step has
    just computed its slope, and keeping every trial's gradient would cost n floats each).

    ``Ray(f, grad, x, d)`` checks its arguments: ``grad`` is a gradient callable or a
    :class:`SlopeOracle`; x and d are finite vectors of the same shape. Values of f may be
    inf or NaN (a step too long): the searches turn them into statuses.
    """

    def __init__(self, f, grad, x, d):
        self.f = check_callable("f", f, "array (n,) -> scalar")
        self.oracle = as_slope_oracle(grad)
        self.x = check_vector("x", x)
        self.d = check_vector("d", d, self.x.size, against="x")
        self.counts = {"nfev": 0, "ngev": 0, "njvp": 0}
        self.values: dict[float, float] = {}
        self.trials: list[float] = []
        self.last_gradient: tuple[float, onp.ndarray] | None = None

    def point(self, alpha: float) -> onp.ndarray:
        return self.x + alpha * self.d

    def value(self, alpha: float) -> float:
        if alpha not in self.values:
            self.counts["nfev"] += 1
            self.trials.append(alpha)
            value = call_user("f", self.f, self.point(alpha))
            self.values[alpha] = float(check_output("f", value, (), finite=False, at=f"alpha = {alpha:g}"))
        return self.values[alpha]

    def slope(self, alpha: float) -> float:
        point = self.point(alpha)
        if self.oracle.grad is None:
            value, slope = self.oracle.evaluate(point, self.d)  # our oracles name f or grad in errors
            slope = float(check_output("evaluate", slope, (), finite=False, at="its slope"))
            if value is not None:
                value = float(check_output("evaluate", value, (), finite=False, at="its value"))
        else:
            g = self.oracle.grad(point)
            value, slope = None, float(g @ self.d)
            self.last_gradient = (alpha, g)
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
        if alpha not in self.values:  # an oracle that gives no value: evaluate f after all
            self.trials.pop()
            return self.value(alpha), slope
        return self.values[alpha], slope
