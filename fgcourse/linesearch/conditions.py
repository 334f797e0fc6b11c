"""Conditions on a step α along φ(α) = f(x + α d): Armijo, Goldstein, curvature, Wolfe.

numpy-vectorised: arrays of α (with the matching φ(α), φ'(α)) give arrays of booleans, a
single step gives a bool. Constants as in :cite:t:`nocedal2006numerical`: 0 < c1 < c2 < 1,
and 0 < c < ½ for Goldstein.
"""

from __future__ import annotations

import numpy as onp

from fgcourse._checks import check_array, check_bool, check_open_interval, check_real

__all__ = ["armijo", "goldstein", "curvature", "strong_curvature", "wolfe_conditions", "check_wolfe_constants"]


def check_wolfe_constants(c1, c2) -> tuple[float, float]:
    """``(c1, c2)`` checked: 0 < c1 < c2 < 1."""
    c1 = check_open_interval("c1", c1, 0.0, 1.0)
    return c1, check_open_interval("c2", c2, c1, 1.0, low_name="c1", high_name="1")


def _values(name, value):
    # φ(α) or φ'(α) may be inf or NaN (a step too long): the condition is then False, not an error
    return check_array(name, value, finite=False)


def _steps(alpha, like):
    alpha = check_array("alpha", alpha)
    try:
        onp.broadcast_shapes(alpha.shape, like.shape)
    except ValueError:
        raise ValueError(f"alpha must have a shape that broadcasts with phi_alpha's {like.shape}, "
                         f"got shape {alpha.shape}") from None
    return alpha


def _answer(mask):
    return bool(mask) if onp.ndim(mask) == 0 else mask


def _armijo(phi_alpha, alpha, phi0, slope0, c1):
    # φ(α) < φ(0) as well: when c1 α φ'(0) is below the rounding of φ(0) (a tiny d), the line
    # rounds to φ(0) and "≤" would accept a step that decreases nothing
    return (phi_alpha <= phi0 + c1 * alpha * slope0) & (phi_alpha < phi0)


def armijo(phi_alpha, alpha, phi0, slope0, c1=1e-4):
    """Sufficient decrease: φ(α) ≤ φ(0) + c1 α φ'(0), c1 ∈ (0, 1), with φ(α) < φ(0) in floating point."""
    phi_alpha = _values("phi_alpha", phi_alpha)
    alpha = _steps(alpha, phi_alpha)
    phi0, slope0 = check_real("phi0", phi0), check_real("slope0", slope0)
    return _answer(_armijo(phi_alpha, alpha, phi0, slope0, check_open_interval("c1", c1, 0.0, 1.0)))


def goldstein(phi_alpha, alpha, phi0, slope0, c=0.25):
    """Goldstein band, c ∈ (0, ½): φ(0) + (1 − c) α φ'(0) ≤ φ(α) ≤ φ(0) + c α φ'(0).

    The upper line is Armijo's with c1 = c; the lower line rejects steps that are too short.
    """
    phi_alpha = _values("phi_alpha", phi_alpha)
    alpha = _steps(alpha, phi_alpha)
    phi0, slope0 = check_real("phi0", phi0), check_real("slope0", slope0)
    c = check_open_interval("c", c, 0.0, 0.5, high_name="1/2")
    lower = phi0 + (1.0 - c) * alpha * slope0
    return _answer((lower <= phi_alpha) & _armijo(phi_alpha, alpha, phi0, slope0, c))


def curvature(slope_alpha, slope0, c2=0.9):
    """Curvature condition: φ'(α) ≥ c2 φ'(0), c2 ∈ (0, 1) (the slope has risen enough)."""
    slope_alpha, slope0 = _values("slope_alpha", slope_alpha), check_real("slope0", slope0)
    return _answer(slope_alpha >= check_open_interval("c2", c2, 0.0, 1.0) * slope0)


def strong_curvature(slope_alpha, slope0, c2=0.9):
    """Strong curvature condition: |φ'(α)| ≤ c2 |φ'(0)|, c2 ∈ (0, 1)."""
    slope_alpha, slope0 = _values("slope_alpha", slope_alpha), check_real("slope0", slope0)
    return _answer(onp.abs(slope_alpha) <= check_open_interval("c2", c2, 0.0, 1.0) * abs(slope0))


def wolfe_conditions(phi_alpha, slope_alpha, alpha, phi0, slope0, c1=1e-4, c2=0.9, strong=True):
    """Weak Wolfe = Armijo + curvature; strong Wolfe = Armijo + strong curvature; 0 < c1 < c2 < 1."""
    c1, c2 = check_wolfe_constants(c1, c2)
    bend = strong_curvature if check_bool("strong", strong) else curvature
    return armijo(phi_alpha, alpha, phi0, slope0, c1) & bend(slope_alpha, slope0, c2)
