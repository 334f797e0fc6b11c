"""Test functions for optimizers: a registry of 49 classic benchmark objectives.

Every function here is written *row-wise*: it maps a point ``x`` of shape ``(n,)`` to a
scalar and a batch ``X`` of shape ``(B, n)`` to the ``B`` values of its rows, using only
``x[..., i]`` indexing and reductions over the last axis. That is what lets one autograd
call differentiate a whole batch of optimizer runs at once (see :mod:`fgcourse.optim`).

Each function is registered with its search domain, its global minimum f*, a global
minimizer x*(n), its dimension rule and four tags, so adding one is a single decorated
definition::

    @register_test_function(domain=(-5.12, 5.12), minimum=0.0, minimizer=np.zeros,
                            convex=True, separable=True, multimodal=False, smooth=True)
    def sphere(x):
        return np.sum(x**2, axis=-1)

The tags mean, on the search domain:

- ``convex``: f is convex;
- ``separable``: f is a sum of one-variable terms, f(x) = Σ_i f_i(x_i) (additively separable);
- ``multimodal``: f has more than one local minimizer (several *global* minimizers count:
  Himmelblau's four, Dixon–Price's 2^{n−1}), where surveys sometimes say "unimodal";
- ``smooth``: f is differentiable at every point of the domain.

Where the minimum or the domain depends on the dimension it is an :class:`OfDimension`, a
callable of ``n`` that also says its formula (Styblinski–Tang: f* = −39.16616570 n).

Sources: the formulas, domains and minima follow the surveys of Jamil and Yang
(``jamil2013literature``), Surjanovic and Bingham's Virtual Library of Simulation Experiments
(``surjanovic2013virtual``) and, for bent cigar, discus, the ill-conditioned ellipsoid and the
sharp ridge, the BBOB noiseless definitions (``hansen2009real``, without their shifts,
rotations, oscillation and asymmetry transformations). Belouze's experiments ran on the
78 functions of Thevenot's collection (``thevenot2022optimization``); many of its classical
entries are here, written from the surveys. Beale and Rosenbrock are the two functions of
Baydin et al.'s forward-gradient experiments (``baydin2022gradients``), reused by Belouze
(``belouze2022report``) with the sphere and the hyperellipsoid; the spiral is Belouze's own
three-dimensional function.
Minima not given in closed form were recomputed here by Newton's method to double precision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import autograd.numpy as np
from autograd.tracer import Box

from fgcourse._checks import (
    call_user,
    check_array,
    check_bool,
    check_box,
    check_callable,
    check_int,
    check_interval,
    check_option,
    check_output,
    check_positive_diagonal,
    check_real,
    check_sequence,
    describe,
)

__all__ = [
    "TestFunction", "OfDimension", "TEST_FUNCTIONS", "register_test_function", "get_test_function",
    "contour_grid", "registry_rows", "registry_table", "minimum_gaps", "draw_contours", "TAGS",
    "diagonal_quadratic", "hyperellipsoid_diagonal", "check_test_function", "check_plane_function",
]  # and every registered function, added at the end of the registrations


@dataclass(frozen=True)
class OfDimension:
    """A quantity that depends on the dimension: ``rule(n)``, with its formula as ``text``."""

    text: str
    rule: Callable[[int], object]

    def __call__(self, n):
        return self.rule(check_int("n", n, minimum=1))

    def __str__(self):
        return self.text


@dataclass(frozen=True)
class TestFunction:
    """A row-wise objective with its known minimum.

    Attributes
    ----------
    name:
        The registry key.
    f:
        The row-wise function: ``(n,) -> scalar`` and ``(B, n) -> (B,)``.
    domain:
        ``(low, high)``: the usual search box ``[low, high]^n`` (also the plotting box); for a
        fixed-dimension function possibly one ``(low, high)`` pair per coordinate; or an
        :class:`OfDimension` giving ``(low, high)`` for each ``n`` (Trid: [−n², n²]).
    minimum:
        The global minimum value f* = f(x*) on the domain: a number, or an
        :class:`OfDimension` (a callable of ``n``); :meth:`minimum_value` is always the number.
    minimizer_of:
        ``n -> x*``, a global minimizer in dimension ``n``.
    dim:
        The fixed dimension, or ``None`` when the function is defined for every ``n >= min_dim``.
    min_dim:
        The smallest admissible dimension.
    convex, separable, multimodal, smooth:
        The tags of the module docstring.
    """

    __test__ = False  # a library class whose name starts with "Test": not a pytest test class

    name: str
    f: Callable
    domain: object
    minimum: object
    minimizer_of: Callable[[int], np.ndarray]
    dim: int | None = None
    min_dim: int = 1
    convex: bool = False
    separable: bool = False
    multimodal: bool = False
    smooth: bool = True

    def dimension(self, n: int | None = None) -> int:
        """The dimension to use: ``n`` checked against the function's rule, or its fixed ``dim``."""
        if n is None:
            if self.dim is None:
                raise ValueError(f"n must be given: {self.name} is defined in any dimension n >= {self.min_dim}, "
                                 "got None")
            return self.dim
        n = check_int("n", n, minimum=1)
        if self.dim is not None and n != self.dim:
            raise ValueError(f"n must be {self.dim} ({self.name} is defined in dimension {self.dim} only), got {n}")
        if n < self.min_dim:
            raise ValueError(f"n must be an integer >= {self.min_dim} ({self.name}'s smallest dimension), got {n}")
        return n

    def minimum_value(self, n: int | None = None) -> float:
        """The number f* in dimension ``n`` (the fixed one when ``dim`` is set)."""
        if callable(self.minimum):
            n = self.dimension(n)
            return check_real(f"minimum({n})", call_user("minimum", self.minimum, n))
        if n is not None or self.dim is not None:
            self.dimension(n)
        return float(self.minimum)

    def minimizer(self, n: int | None = None) -> np.ndarray:
        """A global minimizer ``x*`` in dimension ``n`` (the fixed one when ``dim`` is set)."""
        n = self.dimension(n)
        return check_output("minimizer", call_user("minimizer", self.minimizer_of, n), (n,), at=f"n = {n}")

    def bounds(self, n: int | None = None) -> np.ndarray:
        """The search box as an array of shape ``(n, 2)`` of ``(low, high)`` rows."""
        n = self.dimension(n)
        domain = check_interval(f"domain({n})", self.domain(n)) if callable(self.domain) else self.domain
        box = np.asarray(domain, dtype=float)
        return box.copy() if box.ndim == 2 else np.tile(box, (n, 1))

    def __call__(self, x):
        if not isinstance(x, Box):  # under autograd (an optimizer differentiating us) only the shape is checked
            x = check_array("x", x, ndim=(1, 2), min_size=1)
        self._check_columns(np.shape(x))
        return self.f(x)

    def _check_columns(self, shape):
        if len(shape) not in (1, 2) or shape[-1] < 1:
            raise ValueError(f"x must have shape (n,) or (B, n), got shape {shape}")
        n = shape[-1]
        if self.dim is not None and n != self.dim:
            raise ValueError(f"x must have shape ({self.dim},) or (B, {self.dim}) ({self.name} is defined in "
                             f"dimension {self.dim} only), got shape {shape}")
        if n < self.min_dim:
            raise ValueError(f"x must have n >= {self.min_dim} columns ({self.name}'s smallest dimension), "
                             f"got shape {shape}")


TEST_FUNCTIONS: dict[str, TestFunction] = {}

TAGS = ("convex", "separable", "multimodal", "smooth")


def _check_domain(domain, dim):
    if isinstance(domain, OfDimension):
        return domain
    per_coordinate = isinstance(domain, (list, tuple)) and len(domain) > 0 and isinstance(domain[0], (list, tuple))
    if dim is not None and per_coordinate:
        pairs = check_sequence("domain", domain, check_interval, min_length=dim, max_length=dim,
                               what=f"(low, high) pairs, one per coordinate ({dim})")
        return tuple(pairs)
    return check_interval("domain", domain)


def register_test_function(*, domain, minimum, minimizer, dim=None, min_dim=1, convex, separable, multimodal,
                           smooth):
    """Decorator registering a row-wise function in :data:`TEST_FUNCTIONS` under its name.

    ``domain`` is ``(low, high)`` (or, with ``dim`` set, one pair per coordinate, or an
    :class:`OfDimension` of ``n``); ``minimum`` is f*, a number or an :class:`OfDimension`
    (any callable of ``n`` is accepted); ``minimizer`` is ``n -> x*``; ``dim`` fixes the
    dimension (``None``: any ``n >= min_dim``); the four tags are bools (module docstring).
    Returns the :class:`TestFunction`, so the decorated name is directly callable.
    """
    if dim is not None:
        dim = check_int("dim", dim, minimum=1)
    min_dim = check_int("min_dim", min_dim, minimum=1) if dim is None else dim
    domain = _check_domain(domain, dim)
    if not callable(minimum):
        minimum = check_real("minimum", minimum)
    check_callable("minimizer", minimizer, "n -> x* of shape (n,)")
    tags = {tag: check_bool(tag, value) for tag, value in
            (("convex", convex), ("separable", separable), ("multimodal", multimodal), ("smooth", smooth))}

    def register(f):
        check_callable("f", f, "row-wise (n,) -> scalar, (B, n) -> (B,)")
        if f.__name__ in TEST_FUNCTIONS:
            raise ValueError(f"f must have a new name: a test function named {f.__name__!r} is already registered, "
                             f"got {f.__name__!r}")
        entry = TestFunction(f.__name__, f, domain, minimum, minimizer, dim, min_dim, **tags)
        TEST_FUNCTIONS[f.__name__] = entry
        return entry

    return register


def get_test_function(name: str) -> TestFunction:
    """The registered test function called ``name`` (a near miss is suggested)."""
    return TEST_FUNCTIONS[check_option("name", name, sorted(TEST_FUNCTIONS))]


def check_test_function(name: str, value) -> TestFunction:
    """A :class:`TestFunction` given as itself or by its registered name (a near miss is suggested)."""
    if isinstance(value, TestFunction):
        return value
    if isinstance(value, str):
        return TEST_FUNCTIONS[check_option(name, value, sorted(TEST_FUNCTIONS))]
    raise TypeError(f"{name} must be a TestFunction or the name of a registered one, got {describe(value)}")


def check_plane_function(name: str, value) -> TestFunction:
    """A :class:`TestFunction` (or its registered name) defined in dimension 2, for the figures in the plane."""
    function = check_test_function(name, value)
    if function.dim not in (None, 2) or function.min_dim > 2:
        raise ValueError(f"{name} must be a test function defined in dimension 2, got {function.name!r} "
                         f"(dimension {_dimension_rule(function)})")
    return function


# ------------------------------------------------------------------------------ the functions

def _indices(x):
    """i = 1, …, n along the last axis of x."""
    return np.arange(1, np.shape(x)[-1] + 1)


_CONVEX_UNIMODAL = dict(convex=True, multimodal=False, smooth=True)


def _zeros(n):
    return np.zeros(n)


def _ones(n):
    return np.ones(n)


def _point(*coordinates):
    return lambda n: np.array(coordinates, dtype=float)


# Any dimension: convex, unimodal ----------------------------------------------------------

@register_test_function(domain=(-5.12, 5.12), minimum=0.0, minimizer=_zeros, separable=True, **_CONVEX_UNIMODAL)
def sphere(x):
    """Sphere: Σ x_i², minimum 0 at the origin."""
    return np.sum(x**2, axis=-1)


@register_test_function(domain=(-5.12, 5.12), minimum=0.0, minimizer=_zeros, separable=True, **_CONVEX_UNIMODAL)
def hyperellipsoid(x):
    """Axis-parallel hyperellipsoid: Σ_i i·x_i² (i = 1…n), minimum 0 at the origin."""
    return np.sum(_indices(x) * x**2, axis=-1)


def hyperellipsoid_diagonal(n: int):
    """a = (2, 4, …, 2n): the hyperellipsoid Σ_i i·x_i² is ½ xᵀ diag(a) x (:func:`diagonal_quadratic`),
    with λ_max = 2n and tr A = n(n + 1)."""
    n = check_int("n", n, minimum=1)
    return 2.0 * _indices(np.zeros(n))  # the i of hyperellipsoid's Σ_i i·x_i²


@register_test_function(domain=(-10.0, 10.0), minimum=0.0, minimizer=_zeros, separable=True, **_CONVEX_UNIMODAL)
def sum_of_squares(x):
    """Sum of squares (``surjanovic2013virtual``): Σ_i i·x_i², minimum 0 at the origin.

    The hyperellipsoid's formula under its other name, on the library's box [−10, 10]^n.
    """
    return np.sum(_indices(x) * x**2, axis=-1)


@register_test_function(domain=(-65.536, 65.536), minimum=0.0, minimizer=_zeros, separable=True,
                        **_CONVEX_UNIMODAL)
def rotated_hyperellipsoid(x):
    """Rotated hyper-ellipsoid (``surjanovic2013virtual``): Σ_i Σ_{j≤i} x_j², minimum 0 at the origin.

    Despite its name it is Σ_j (n + 1 − j) x_j², an axis-parallel ellipsoid: separable.
    Schwefel 1.2 (:func:`schwefel_1_2`) is the genuinely rotated one.
    """
    return np.sum(np.cumsum(x**2, axis=-1), axis=-1)


@register_test_function(domain=(-100.0, 100.0), minimum=0.0, minimizer=_zeros, separable=False,
                        **_CONVEX_UNIMODAL)
def schwefel_1_2(x):
    """Schwefel 1.2 (``jamil2013literature``): Σ_i (Σ_{j≤i} x_j)², minimum 0 at the origin (non-separable)."""
    return np.sum(np.cumsum(x, axis=-1) ** 2, axis=-1)


@register_test_function(domain=(-5.0, 10.0), minimum=0.0, minimizer=_zeros, separable=False, **_CONVEX_UNIMODAL)
def zakharov(x):
    """Zakharov: Σ x_i² + s² + s⁴ with s = Σ_i 0.5 i x_i; minimum 0 at the origin."""
    s = np.sum(0.5 * _indices(x) * x, axis=-1)
    return np.sum(x**2, axis=-1) + s**2 + s**4


def _trid_minimizer(n):
    i = np.arange(1, n + 1)
    return i * (n + 1 - i)


@register_test_function(domain=OfDimension("[−n², n²]", lambda n: (-float(n) ** 2, float(n) ** 2)),
                        minimum=OfDimension("−n(n+4)(n−1)/6", lambda n: -n * (n + 4) * (n - 1) / 6),
                        minimizer=_trid_minimizer, separable=False, **_CONVEX_UNIMODAL)
def trid(x):
    """Trid: Σ (x_i − 1)² − Σ_{i≥2} x_i x_{i−1}; minimum −n(n+4)(n−1)/6 at x_i = i(n + 1 − i).

    Its Hessian is tridiagonal with 2 on the diagonal and −1 beside it: positive definite.
    """
    return np.sum((x - 1.0) ** 2, axis=-1) - np.sum(x[..., 1:] * x[..., :-1], axis=-1)


@register_test_function(domain=(-1.0, 1.0), minimum=0.0, minimizer=_zeros, separable=True, convex=True,
                        multimodal=False, smooth=True)
def sum_of_different_powers(x):
    """Sum of different powers: Σ_i |x_i|^{i+1}, minimum 0 at the origin (differentiable: powers >= 2)."""
    return np.sum(np.abs(x) ** (_indices(x) + 1), axis=-1)


@register_test_function(domain=(-5.0, 5.0), minimum=0.0, minimizer=_zeros, min_dim=2, separable=True,
                        **_CONVEX_UNIMODAL)
def ellipsoidal(x):
    """BBOB's ill-conditioned ellipsoid (f2, ``hansen2009real``): Σ_i 10^{6(i−1)/(n−1)} x_i², condition 10⁶."""
    n = np.shape(x)[-1]
    return np.sum(10.0 ** (6.0 * np.arange(n) / (n - 1)) * x**2, axis=-1)


@register_test_function(domain=(-5.0, 5.0), minimum=0.0, minimizer=_zeros, min_dim=2, separable=True,
                        **_CONVEX_UNIMODAL)
def bent_cigar(x):
    """BBOB's bent cigar (f12, ``hansen2009real``, unrotated): x_1² + 10⁶ Σ_{i≥2} x_i²."""
    return x[..., 0] ** 2 + 1e6 * np.sum(x[..., 1:] ** 2, axis=-1)


@register_test_function(domain=(-5.0, 5.0), minimum=0.0, minimizer=_zeros, min_dim=2, separable=True,
                        **_CONVEX_UNIMODAL)
def discus(x):
    """BBOB's discus (f11, ``hansen2009real``, unrotated): 10⁶ x_1² + Σ_{i≥2} x_i²."""
    return 1e6 * x[..., 0] ** 2 + np.sum(x[..., 1:] ** 2, axis=-1)


@register_test_function(domain=(-5.0, 5.0), minimum=0.0, minimizer=_zeros, min_dim=2, separable=False,
                        convex=True, multimodal=False, smooth=False)
def sharp_ridge(x):
    """BBOB's sharp ridge (f13, ``hansen2009real``, unrotated): x_1² + 100 ‖(x_2, …, x_n)‖.

    Convex but not differentiable on the ridge x_2 = … = x_n = 0, where its minimizer lies.
    """
    return x[..., 0] ** 2 + 100.0 * np.sqrt(np.sum(x[..., 1:] ** 2, axis=-1))


# Any dimension: non-convex ----------------------------------------------------------------

@register_test_function(domain=(-5.0, 10.0), minimum=0.0, minimizer=_ones, min_dim=2, convex=False, separable=False,
                        multimodal=False, smooth=True)
def rosenbrock(x):
    """Rosenbrock (the banana): Σ_{i<n} 100 (x_{i+1} − x_i²)² + (1 − x_i)², minimum 0 at (1, …, 1).

    Unimodal in dimensions 2 and 3; from n = 4 on it also has a local minimizer near
    (−1, 1, …, 1), which the tag (the usual classification) does not record.
    """
    head, tail = x[..., :-1], x[..., 1:]
    return np.sum(100.0 * (tail - head**2) ** 2 + (1.0 - head) ** 2, axis=-1)


def _dixon_price_minimizer(n):
    # x_i = 2^{−(2^i − 2)/2^i} = 2^{−(1 − 2^{1−i})}: written so that 2^i never overflows.
    return 2.0 ** (-(1.0 - 2.0 ** (1.0 - np.arange(1, n + 1))))


@register_test_function(domain=(-10.0, 10.0), minimum=0.0, minimizer=_dixon_price_minimizer, min_dim=2,
                        convex=False, separable=False, multimodal=True, smooth=True)
def dixon_price(x):
    """Dixon–Price: (x_1 − 1)² + Σ_{i≥2} i (2x_i² − x_{i−1})²; minimum 0 at x_i = 2^{−(2^i−2)/2^i}.

    Flipping the sign of any x_i, i ≥ 2, gives another global minimizer: 2^{n−1} of them.
    """
    i = _indices(x)[1:]
    return (x[..., 0] - 1.0) ** 2 + np.sum(i * (2.0 * x[..., 1:] ** 2 - x[..., :-1]) ** 2, axis=-1)


@register_test_function(domain=(-32.768, 32.768), minimum=0.0, minimizer=_zeros, convex=False, separable=False,
                        multimodal=True, smooth=False)
def ackley(x):
    """Ackley: −20 exp(−0.2 √(mean x_i²)) − exp(mean cos 2πx_i) + 20 + e; minimum 0 at the origin.

    Not differentiable at its minimizer (the cone √(mean x_i²)).
    """
    return (-20.0 * np.exp(-0.2 * np.sqrt(np.mean(x**2, axis=-1))) - np.exp(np.mean(np.cos(2 * np.pi * x), axis=-1))
            + 20.0 + np.e)


@register_test_function(domain=(-5.12, 5.12), minimum=0.0, minimizer=_zeros, convex=False, separable=True,
                        multimodal=True, smooth=True)
def rastrigin(x):
    """Rastrigin: 10n + Σ (x_i² − 10 cos 2πx_i), minimum 0 at the origin."""
    return np.sum(x**2 - 10.0 * np.cos(2 * np.pi * x) + 10.0, axis=-1)


@register_test_function(domain=(-600.0, 600.0), minimum=0.0, minimizer=_zeros, convex=False, separable=False,
                        multimodal=True, smooth=True)
def griewank(x):
    """Griewank: 1 + Σ x_i²/4000 − Π cos(x_i/√i), minimum 0 at the origin."""
    return 1.0 + np.sum(x**2, axis=-1) / 4000.0 - np.prod(np.cos(x / np.sqrt(_indices(x))), axis=-1)


@register_test_function(domain=(-10.0, 10.0), minimum=0.0, minimizer=_ones, convex=False, separable=False,
                        multimodal=True, smooth=True)
def levy(x):
    """Levy: with w_i = 1 + (x_i − 1)/4, sin²(πw_1) + Σ_{i<n} (w_i − 1)² (1 + 10 sin²(πw_i + 1))
    + (w_n − 1)² (1 + sin²(2πw_n)); minimum 0 at (1, …, 1)."""
    w = 1.0 + (x - 1.0) / 4.0
    head, last = w[..., :-1], w[..., -1]
    middle = np.sum((head - 1.0) ** 2 * (1.0 + 10.0 * np.sin(np.pi * head + 1.0) ** 2), axis=-1)
    return np.sin(np.pi * w[..., 0]) ** 2 + middle + (last - 1.0) ** 2 * (1.0 + np.sin(2 * np.pi * last) ** 2)


# The root of 4x³ − 32x + 5 = 0 in [−5, 0] and ½(x⁴ − 16x² + 5x) there (Newton, double precision);
# the surveys round the minimum to −39.16599 n, which is 1.8e-4 n too high.
_STYBLINSKI_TANG_X = -2.903534027771177
_STYBLINSKI_TANG_F = -39.16616570377141


@register_test_function(domain=(-5.0, 5.0), minimum=OfDimension("−39.16616570 n", lambda n: _STYBLINSKI_TANG_F * n),
                        minimizer=lambda n: np.full(n, _STYBLINSKI_TANG_X), convex=False, separable=True,
                        multimodal=True, smooth=True)
def styblinski_tang(x):
    """Styblinski–Tang: ½ Σ (x_i⁴ − 16x_i² + 5x_i); minimum −39.16616570 n at x_i = −2.903534."""
    return 0.5 * np.sum(x**4 - 16.0 * x**2 + 5.0 * x, axis=-1)


# The maximizer of x sin √x on [0, 500] (Newton, double precision) and the constant that makes f* = 0.
_SCHWEFEL_X = 420.96874635998205
_SCHWEFEL_C = 418.9828872724337


@register_test_function(domain=(-500.0, 500.0), minimum=0.0, minimizer=lambda n: np.full(n, _SCHWEFEL_X),
                        convex=False, separable=True, multimodal=True, smooth=True)
def schwefel(x):
    """Schwefel 2.26: 418.9829 n − Σ x_i sin √|x_i|; minimum 0 at x_i = 420.9687…

    Differentiable everywhere (x sin √|x| behaves like x √|x| at 0), not twice.
    """
    return np.sum(_SCHWEFEL_C - x * np.sin(np.sqrt(np.abs(x))), axis=-1)


@register_test_function(domain=(-1.0, 1.0), minimum=-1.0, minimizer=_zeros, convex=False, separable=False,
                        multimodal=False, smooth=True)
def exponential(x):
    """Exponential: −exp(−½ Σ x_i²), minimum −1 at the origin."""
    return -np.exp(-0.5 * np.sum(x**2, axis=-1))


@register_test_function(domain=(-500.0, 500.0), minimum=0.0, minimizer=lambda n: np.sqrt(np.arange(1.0, n + 1)),
                        convex=False, separable=True, multimodal=True, smooth=True)
def qing(x):
    """Qing: Σ (x_i² − i)², minimum 0 at x_i = ±√i (2^n global minimizers)."""
    return np.sum((x**2 - _indices(x)) ** 2, axis=-1)


@register_test_function(domain=(-10.0, 10.0), minimum=0.0, minimizer=_zeros, convex=False, separable=True,
                        multimodal=True, smooth=False)
def alpine_n1(x):
    """Alpine N.1: Σ |x_i sin x_i + 0.1 x_i|, minimum 0 at the origin; kinks where x_i sin x_i = −0.1 x_i."""
    return np.sum(np.abs(x * np.sin(x) + 0.1 * x), axis=-1)



# The maximizer of √x sin x on [0, 10] (tan x = −2x; Newton, double precision) and its value.
_ALPINE_N2_X = 7.917052684666207
_ALPINE_N2_F = 2.808131180007005


@register_test_function(domain=(0.0, 10.0), minimum=OfDimension("−2.808131180ⁿ", lambda n: -_ALPINE_N2_F**n),
                        minimizer=lambda n: np.full(n, _ALPINE_N2_X), convex=False, separable=False, multimodal=True,
                        smooth=True)
def alpine_n2(x):
    """Alpine N.2: −Π √x_i sin x_i on [0, 10]^n; minimum −2.808131180ⁿ at x_i = 7.917053.

    A product, not a sum: not separable in our sense, though each factor is maximized alone.
    """
    return -np.prod(np.sqrt(x) * np.sin(x), axis=-1)

# Two dimensions ---------------------------------------------------------------------------

_TWO = dict(dim=2)


_BEALE_C = np.array([1.5, 2.25, 2.625])
_BEALE_POWERS = np.arange(1, 4)


@register_test_function(domain=(-4.5, 4.5), minimum=0.0, minimizer=_point(3.0, 0.5), convex=False, separable=False,
                        multimodal=True, smooth=True, **_TWO)
def beale(x):
    """Beale: Σ_{j=1}^{3} (c_j − x + x·y^j)², c = (1.5, 2.25, 2.625); minimum 0 at (3, 0.5).

    Multimodal on its box, though the surveys call it unimodal: its valley towards y = 1,
    x → −∞ leaves the box at x = −4.5, where f has a second (constrained) local minimizer
    near (−4.5, 1.186), f ≈ 0.762.
    """
    # The three terms as one array expression: half the autograd primitives of the
    # written-out sum, which halves the cost of every gradient call.
    a, b = x[..., 0:1], x[..., 1:2]
    return np.sum((_BEALE_C - a + a * b**_BEALE_POWERS) ** 2, axis=-1)


@register_test_function(domain=(-10.0, 10.0), minimum=0.0, minimizer=_point(1.0, 3.0), separable=False,
                        **_CONVEX_UNIMODAL, **_TWO)
def booth(x):
    """Booth: (x + 2y − 7)² + (2x + y − 5)², minimum 0 at (1, 3)."""
    a, b = x[..., 0], x[..., 1]
    return (a + 2 * b - 7.0) ** 2 + (2 * a + b - 5.0) ** 2


@register_test_function(domain=(-10.0, 10.0), minimum=0.0, minimizer=_point(0.0, 0.0), separable=False,
                        **_CONVEX_UNIMODAL, **_TWO)
def matyas(x):
    """Matyas: 0.26 (x² + y²) − 0.48 xy, minimum 0 at the origin (Hessian eigenvalues 0.04 and 1)."""
    a, b = x[..., 0], x[..., 1]
    return 0.26 * (a**2 + b**2) - 0.48 * a * b


@register_test_function(domain=(-5.0, 5.0), minimum=0.0, minimizer=_point(3.0, 2.0), convex=False, separable=False,
                        multimodal=True, smooth=True, **_TWO)
def himmelblau(x):
    """Himmelblau: (x² + y − 11)² + (x + y² − 7)², minimum 0 at (3, 2) and three other points."""
    a, b = x[..., 0], x[..., 1]
    return (a**2 + b - 11.0) ** 2 + (a + b**2 - 7.0) ** 2


@register_test_function(domain=(-5.0, 5.0), minimum=0.0, minimizer=_point(0.0, 0.0), convex=False, separable=False,
                        multimodal=True, smooth=True, **_TWO)
def three_hump_camel(x):
    """Three-hump camel: 2x² − 1.05x⁴ + x⁶/6 + xy + y², minimum 0 at the origin (three local minima)."""
    a, b = x[..., 0], x[..., 1]
    return 2 * a**2 - 1.05 * a**4 + a**6 / 6 + a * b + b**2


@register_test_function(domain=((-3.0, 3.0), (-2.0, 2.0)), minimum=-1.0316284534898774,
                        minimizer=_point(0.08984201310031806, -0.7126564030207396), convex=False, separable=False,
                        multimodal=True, smooth=True, **_TWO)
def six_hump_camel(x):
    """Six-hump camel: (4 − 2.1x² + x⁴/3) x² + xy + (4y² − 4) y²; minimum −1.0316285 at ±(0.0898, −0.7127)."""
    a, b = x[..., 0], x[..., 1]
    return (4.0 - 2.1 * a**2 + a**4 / 3) * a**2 + a * b + (4 * b**2 - 4.0) * b**2


@register_test_function(domain=(-2.0, 2.0), minimum=3.0, minimizer=_point(0.0, -1.0), convex=False, separable=False,
                        multimodal=True, smooth=True, **_TWO)
def goldstein_price(x):
    """Goldstein–Price: [1 + (x+y+1)² (19 − 14x + 3x² − 14y + 6xy + 3y²)]
    × [30 + (2x−3y)² (18 − 32x + 12x² + 48y − 36xy + 27y²)]; minimum 3 at (0, −1)."""
    a, b = x[..., 0], x[..., 1]
    first = 1 + (a + b + 1) ** 2 * (19 - 14 * a + 3 * a**2 - 14 * b + 6 * a * b + 3 * b**2)
    second = 30 + (2 * a - 3 * b) ** 2 * (18 - 32 * a + 12 * a**2 + 48 * b - 36 * a * b + 27 * b**2)
    return first * second


@register_test_function(domain=((-1.5, 4.0), (-3.0, 4.0)), minimum=-np.sqrt(3) / 2 - np.pi / 3,
                        minimizer=_point(0.5 - np.pi / 3, -0.5 - np.pi / 3), convex=False, separable=False,
                        multimodal=True, smooth=True, **_TWO)
def mccormick(x):
    """McCormick: sin(x + y) + (x − y)² − 1.5x + 2.5y + 1; minimum −√3/2 − π/3 at (½ − π/3, −½ − π/3).

    In u = x + y it is sin u + u/2 plus a quadratic: a local minimum every 2π in u (two in the box).
    """
    a, b = x[..., 0], x[..., 1]
    return np.sin(a + b) + (a - b) ** 2 - 1.5 * a + 2.5 * b + 1.0


@register_test_function(domain=(-100.0, 100.0), minimum=0.0, minimizer=_point(0.0, 0.0), convex=False,
                        separable=True, multimodal=True, smooth=True, **_TWO)
def bohachevsky1(x):
    """Bohachevsky 1: x² + 2y² − 0.3 cos 3πx − 0.4 cos 4πy + 0.7, minimum 0 at the origin."""
    a, b = x[..., 0], x[..., 1]
    return a**2 + 2 * b**2 - 0.3 * np.cos(3 * np.pi * a) - 0.4 * np.cos(4 * np.pi * b) + 0.7


@register_test_function(domain=(-100.0, 100.0), minimum=-1.0, minimizer=_point(np.pi, np.pi), convex=False,
                        separable=False, multimodal=True, smooth=True, **_TWO)
def easom(x):
    """Easom: −cos x cos y exp(−(x − π)² − (y − π)²), minimum −1 at (π, π), flat almost everywhere."""
    a, b = x[..., 0], x[..., 1]
    return -np.cos(a) * np.cos(b) * np.exp(-((a - np.pi) ** 2) - (b - np.pi) ** 2)


@register_test_function(domain=(-100.0, 100.0), minimum=0.0, minimizer=_point(0.0, 0.0), convex=False,
                        separable=False, multimodal=True, smooth=True, **_TWO)
def schaffer_n2(x):
    """Schaffer N.2: ½ + (sin²(x² − y²) − ½) / (1 + 0.001 (x² + y²))², minimum 0 at the origin."""
    a, b = x[..., 0], x[..., 1]
    return 0.5 + (np.sin(a**2 - b**2) ** 2 - 0.5) / (1.0 + 0.001 * (a**2 + b**2)) ** 2


@register_test_function(domain=(-1.2, 1.2), minimum=0.0, minimizer=_point(1.0, 1.0), convex=False, separable=False,
                        multimodal=False, smooth=True, **_TWO)
def leon(x):
    """Leon: 100 (y − x³)² + (1 − x)², minimum 0 at (1, 1): a cubic banana valley."""
    a, b = x[..., 0], x[..., 1]
    return 100.0 * (b - a**3) ** 2 + (1.0 - a) ** 2


@register_test_function(domain=((-15.0, -5.0), (-3.0, 3.0)), minimum=0.0, minimizer=_point(-10.0, 1.0),
                        convex=False, separable=False, multimodal=False, smooth=False, **_TWO)
def bukin_n6(x):
    """Bukin N.6: 100 √|y − 0.01x²| + 0.01 |x + 10|, minimum 0 at (−10, 1).

    Not differentiable on its ridge y = 0.01x², along which f = 0.01|x + 10| falls to the
    minimizer: the surveys' "many local minima" are where descent stalls on the ridge.
    """
    a, b = x[..., 0], x[..., 1]
    return 100.0 * np.sqrt(np.abs(b - 0.01 * a**2)) + 0.01 * np.abs(a + 10.0)


@register_test_function(domain=(-10.0, 10.0), minimum=-2.062611870822738,
                        minimizer=_point(1.3494066171539107, 1.3494066171539107), convex=False, separable=False,
                        multimodal=True, smooth=False, **_TWO)
def cross_in_tray(x):
    """Cross-in-tray: −10⁻⁴ (|sin x sin y exp|100 − √(x² + y²)/π|| + 1)^0.1;
    minimum −2.0626119 at (±1.3494, ±1.3494)."""
    a, b = x[..., 0], x[..., 1]
    inner = np.abs(np.sin(a) * np.sin(b) * np.exp(np.abs(100.0 - np.sqrt(a**2 + b**2) / np.pi)))
    return -1e-4 * (inner + 1.0) ** 0.1


@register_test_function(domain=(-10.0, 10.0), minimum=-19.208502567886732,
                        minimizer=_point(8.055023475736563, 9.664590019241272), convex=False, separable=False,
                        multimodal=True, smooth=False, **_TWO)
def holder_table(x):
    """Hölder table: −|sin x cos y exp|1 − √(x² + y²)/π||; minimum −19.2085026 at (±8.0550, ±9.6646)."""
    a, b = x[..., 0], x[..., 1]
    return -np.abs(np.sin(a) * np.cos(b) * np.exp(np.abs(1.0 - np.sqrt(a**2 + b**2) / np.pi)))


@register_test_function(domain=(-512.0, 512.0), minimum=-959.640662720851,
                        minimizer=_point(512.0, 404.23180511375784), convex=False, separable=False,
                        multimodal=True, smooth=False, **_TWO)
def eggholder(x):
    """Eggholder: −(y + 47) sin √|x/2 + y + 47| − x sin √|x − y − 47|; minimum −959.6407 at (512, 404.2318),
    on the boundary of the box (so its gradient there is not zero)."""
    a, b = x[..., 0], x[..., 1]
    return -(b + 47.0) * np.sin(np.sqrt(np.abs(a / 2 + b + 47.0))) - a * np.sin(np.sqrt(np.abs(a - b - 47.0)))


_BRANIN_B, _BRANIN_C, _BRANIN_T = 5.1 / (4 * np.pi**2), 5.0 / np.pi, 1.0 / (8 * np.pi)


@register_test_function(domain=((-5.0, 10.0), (0.0, 15.0)), minimum=10.0 * _BRANIN_T,
                        minimizer=_point(np.pi, 2.275), convex=False, separable=False, multimodal=True, smooth=True,
                        **_TWO)
def branin(x):
    """Branin: (y − bx² + cx − 6)² + 10 (1 − t) cos x + 10, b = 5.1/4π², c = 5/π, t = 1/8π;
    minimum 10t = 5/4π at (π, 2.275), (−π, 12.275) and (3π, 2.475)."""
    a, b = x[..., 0], x[..., 1]
    return (b - _BRANIN_B * a**2 + _BRANIN_C * a - 6.0) ** 2 + 10.0 * (1.0 - _BRANIN_T) * np.cos(a) + 10.0


@register_test_function(domain=(-10.0, 10.0), minimum=0.0, minimizer=_point(1.0, 1.0), convex=False, separable=False,
                        multimodal=True, smooth=True, **_TWO)
def levy_n13(x):
    """Levy N.13: sin² 3πx + (x − 1)² (1 + sin² 3πy) + (y − 1)² (1 + sin² 2πy), minimum 0 at (1, 1)."""
    a, b = x[..., 0], x[..., 1]
    return (np.sin(3 * np.pi * a) ** 2 + (a - 1.0) ** 2 * (1.0 + np.sin(3 * np.pi * b) ** 2)
            + (b - 1.0) ** 2 * (1.0 + np.sin(2 * np.pi * b) ** 2))



@register_test_function(domain=(-32.0, 32.0), minimum=-200.0, minimizer=_point(0.0, 0.0), convex=False,
                        separable=False, multimodal=False, smooth=False, **_TWO)
def ackley_n2(x):
    """Ackley N.2: −200 exp(−0.2 √(x² + y²)), minimum −200 at the origin (a cone there).

    Concave along every ray (−200 e^{−0.2r} in r = ‖x‖), so not convex, whatever its name suggests.
    """
    return -200.0 * np.exp(-0.2 * np.sqrt(x[..., 0] ** 2 + x[..., 1] ** 2))


@register_test_function(domain=(-100.0, 100.0), minimum=0.0, minimizer=_point(0.0, 0.0), convex=False,
                        separable=False, multimodal=True, smooth=True, **_TWO)
def bohachevsky2(x):
    """Bohachevsky 2: x² + 2y² − 0.3 cos(3πx) cos(4πy) + 0.3, minimum 0 at the origin."""
    a, b = x[..., 0], x[..., 1]
    return a**2 + 2 * b**2 - 0.3 * np.cos(3 * np.pi * a) * np.cos(4 * np.pi * b) + 0.3


@register_test_function(domain=(-100.0, 100.0), minimum=0.0, minimizer=_point(0.0, 0.0), convex=False,
                        separable=False, multimodal=True, smooth=True, **_TWO)
def bohachevsky3(x):
    """Bohachevsky 3: x² + 2y² − 0.3 cos(3πx + 4πy) + 0.3, minimum 0 at the origin."""
    a, b = x[..., 0], x[..., 1]
    return a**2 + 2 * b**2 - 0.3 * np.cos(3 * np.pi * a + 4 * np.pi * b) + 0.3


@register_test_function(domain=(-2 * np.pi, 2 * np.pi), minimum=-106.7645367492647,
                        minimizer=_point(4.701043130249553, 3.15293850372493), convex=False, separable=False,
                        multimodal=True, smooth=True, **_TWO)
def bird(x):
    """Bird: sin x e^{(1 − cos y)²} + cos y e^{(1 − sin x)²} + (x − y)²; minimum −106.7645367 at
    (4.70104, 3.15294) and (−1.58214, −3.13025)."""
    a, b = x[..., 0], x[..., 1]
    return np.sin(a) * np.exp((1 - np.cos(b)) ** 2) + np.cos(b) * np.exp((1 - np.sin(a)) ** 2) + (a - b) ** 2


@register_test_function(domain=(-500.0, 500.0), minimum=1.0, minimizer=_point(0.0, 0.0), convex=False,
                        separable=False, multimodal=True, smooth=False, **_TWO)
def bartels_conn(x):
    """Bartels–Conn: |x² + y² + xy| + |sin x| + |cos y|, minimum 1 at the origin."""
    a, b = x[..., 0], x[..., 1]
    return np.abs(a**2 + b**2 + a * b) + np.abs(np.sin(a)) + np.abs(np.cos(b))


@register_test_function(domain=((-1.0, 2.0), (-1.0, 1.0)), minimum=-2.0218067833597866,
                        minimizer=_point(2.0, 0.10578346945171692), convex=False, separable=False, multimodal=True,
                        smooth=True, **_TWO)
def adjiman(x):
    """Adjiman: cos x sin y − x/(y² + 1); minimum −2.0218068 at (2, 0.1057835), on the edge x = 2
    of the box (its gradient there is not zero)."""
    a, b = x[..., 0], x[..., 1]
    return np.cos(a) * np.sin(b) - a / (b**2 + 1.0)

# Three dimensions -------------------------------------------------------------------------

@register_test_function(domain=(-3.0, 3.0), minimum=0.0, minimizer=_point(0.0, 1.0, 0.0), dim=3, convex=False,
                        separable=False, multimodal=False, smooth=True)
def spiral(x):
    """Belouze's spiral: log(1 + z² + (x − sin z)² + (y − cos z)²), minimum 0 at (0, 1, 0).

    The valley {(sin z, cos z, z)} winds around the z axis; along it f = log(1 + z²), so a
    descent that follows the valley spirals down to z = 0.
    """
    a, b, c = x[..., 0], x[..., 1], x[..., 2]
    return np.log(1.0 + c**2 + (a - np.sin(c)) ** 2 + (b - np.cos(c)) ** 2)


__all__ += list(TEST_FUNCTIONS)


# --------------------------------------------------------------------------- parametrized problems

def diagonal_quadratic(a) -> Callable:
    """f(θ) = ½ θᵀ diag(a) θ = ½ Σ_i a_i θ_i², row-wise (``(n,)`` -> scalar, ``(R, n)`` -> ``(R,)``).

    The quadratic of the line-search and step-size chapters: condition number max a / min a,
    largest Hessian eigenvalue max a, trace Σ a_i (a = 2, 4, …, 2n is the hyperellipsoid).
    """
    a = check_positive_diagonal("a", a)

    def quadratic(theta):
        shape = theta.shape if hasattr(theta, "shape") else np.shape(theta)
        if len(shape) not in (1, 2) or shape[-1] != a.size:
            raise ValueError(f"theta must have {a.size} coordinates (the length of a), as a row (n,) or rows (R, n), "
                             f"got shape {tuple(shape)}")
        return 0.5 * np.sum(a * theta**2, axis=-1)

    return quadratic


# --------------------------------------------------------------------------- tables and plots

def _format_number(value) -> str:
    return f"{value:.10g}".replace("-", "−")


def _dimension_rule(function: TestFunction) -> str:
    return str(function.dim) if function.dim is not None else f"n ≥ {function.min_dim}"


def _domain_text(function: TestFunction) -> str:
    if isinstance(function.domain, OfDimension):
        return f"{function.domain}ⁿ"
    if function.dim is not None and np.ndim(function.domain) == 2:
        return " × ".join(f"[{_format_number(low)}, {_format_number(high)}]" for low, high in function.domain)
    low, high = function.domain
    power = "ⁿ" if function.dim is None else {1: "", 2: "²", 3: "³"}.get(function.dim, f"^{function.dim}")
    return f"[{_format_number(low)}, {_format_number(high)}]{power}"


def registry_rows() -> list[dict]:
    """One dict per registered function: name, dimension rule, domain, f* (text) and the four tags."""
    return [
        {"name": function.name, "dimension": _dimension_rule(function), "domain": _domain_text(function),
         "minimum": (getattr(function.minimum, "text", "depends on n") if callable(function.minimum)
                     else _format_number(function.minimum)),
         "convex": function.convex, "separable": function.separable, "multimodal": function.multimodal,
         "smooth": function.smooth}
        for function in TEST_FUNCTIONS.values()
    ]


def registry_table() -> str:
    """The registry as a Markdown table, one row per function (what the notebook displays)."""
    header = ["function", "dimension", "domain", "f*", *TAGS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in registry_rows():
        tags = ["yes" if row[tag] else "no" for tag in TAGS]
        cells = [f"`{row['name']}`", row["dimension"], row["domain"], row["minimum"], *tags]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def minimum_gaps(n: int = 5) -> dict[str, float]:
    """|f(x*) − f*| / max(1, |f*|) for every registered function, in dimension ``n`` where it is free."""
    n = check_int("n", n, minimum=1)
    gaps = {}
    for function in TEST_FUNCTIONS.values():
        m = function.dim if function.dim is not None else max(n, function.min_dim)
        f_star = function.minimum_value(m)
        gaps[function.name] = abs(float(function(function.minimizer(m))) - f_star) / max(1.0, abs(f_star))
    return gaps


def contour_grid(function: TestFunction, box=None, num: int = 200):
    """Values of a two-dimensional test function on a ``num × num`` grid, for contour plots.

    ``function`` is a :class:`TestFunction` (or its registered name); ``box`` is
    ``((x_low, x_high), (y_low, y_high))``, by default the function's domain. Returns
    ``(X, Y, Z)`` as :func:`matplotlib.pyplot.contour` takes them; one row-wise call.
    """
    function = check_plane_function("function", function)
    num = check_int("num", num, minimum=2, maximum=4000)  # num² points: cap the allocation
    if box is None:
        box = function.bounds(2)
    (x_low, x_high), (y_low, y_high) = check_box("box", box)
    X, Y = np.meshgrid(np.linspace(x_low, x_high, num), np.linspace(y_low, y_high, num))
    Z = function.f(np.stack([X.ravel(), Y.ravel()], axis=-1)).reshape(X.shape)
    return X, Y, Z


def draw_contours(names, num: int = 150, ncols: int = 3):
    """Filled contours of two-dimensional functions, x* starred; returns the figure.

    The levels are quantiles of f − f* on the grid, so that each band covers the same share
    of the box: a landscape that is flat almost everywhere (Ackley, Easom) still shows its shape.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm

    functions = check_sequence("names", names, check_plane_function, what="names of two-dimensional test functions")
    num = check_int("num", num, minimum=2, maximum=1000)
    ncols = check_int("ncols", ncols, minimum=1)
    ncols = min(ncols, len(functions))
    nrows = -(-len(functions) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.4 * ncols, 3.0 * nrows), squeeze=False)
    for ax, function in zip(axes.ravel(), functions):
        X, Y, Z = contour_grid(function, num=num)
        gap = Z - function.minimum_value(2)
        levels = np.unique(np.quantile(gap, np.linspace(0.0, 1.0, 16)))
        if levels.size < 2:  # a constant grid: one band
            levels = np.array([levels[0], levels[0] + 1.0])
        ax.contourf(X, Y, gap, levels=levels, norm=BoundaryNorm(levels, 256), cmap="viridis")
        ax.plot(*function.minimizer(2), marker="*", color="gold", markeredgecolor="k", markersize=13,
                clip_on=False, zorder=5)
        ax.set_title(function.name, fontsize=10)
        ax.tick_params(labelsize=9)
    for ax in axes.ravel()[len(functions):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig
