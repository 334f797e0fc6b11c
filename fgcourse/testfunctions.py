"""Test functions for optimizers: Beale, Rosenbrock, sphere, hyperellipsoid, spiral.

Every function here is written *row-wise*: it maps a point ``x`` of shape ``(n,)`` to a
scalar and a batch ``X`` of shape ``(B, n)`` to the ``B`` values of its rows, using only
``x[..., i]`` indexing and reductions over the last axis. That is what lets one autograd
call differentiate a whole batch of optimizer runs at once (see :mod:`fgcourse.optim`).

Each function is registered with its search domain, its minimizer and its minimum value,
so adding one is a single decorated definition::

    @register_test_function(domain=(-5.12, 5.12), minimum=0.0, minimizer=lambda n: np.zeros(n))
    def sphere(x):
        return np.sum(x**2, axis=-1)

Sources: Beale and Rosenbrock (the "banana" function) are the two functions of Baydin et
al.'s forward-gradient experiments, reused by Belouze (001, 000) together with the sphere
and the hyperellipsoid; the spiral is Belouze's own three-dimensional function (000, §6.1.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import autograd.numpy as np

__all__ = [
    "TestFunction", "TEST_FUNCTIONS", "register_test_function", "get_test_function",
    "beale", "rosenbrock", "sphere", "hyperellipsoid", "spiral", "contour_grid",
]


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
        ``(low, high)``: the usual search box ``[low, high]^n`` (also the plotting box).
    minimum:
        The global minimum value ``f(x*)``.
    minimizer_of:
        ``n -> x*``, the global minimizer in dimension ``n``.
    dim:
        The fixed dimension, or ``None`` when the function is defined for every
        ``n >= min_dim``.
    min_dim:
        The smallest admissible dimension.
    """

    __test__ = False  # a library class whose name starts with "Test": not a pytest test class

    name: str
    f: Callable
    domain: tuple[float, float]
    minimum: float
    minimizer_of: Callable[[int], np.ndarray]
    dim: int | None = None
    min_dim: int = 1

    def dimension(self, n: int | None = None) -> int:
        """The dimension to use: ``n`` checked against the function's rule, or its fixed ``dim``."""
        if n is None:
            if self.dim is None:
                raise ValueError(f"{self.name} is defined in any dimension n >= {self.min_dim}: pass n")
            return self.dim
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"n must be an int, got {type(n).__name__}")
        if self.dim is not None and n != self.dim:
            raise ValueError(f"{self.name} is defined in dimension {self.dim} only, got n = {n}")
        if n < self.min_dim:
            raise ValueError(f"{self.name} needs n >= {self.min_dim}, got n = {n}")
        return int(n)

    def minimizer(self, n: int | None = None) -> np.ndarray:
        """The global minimizer ``x*`` in dimension ``n`` (the fixed one when ``dim`` is set)."""
        return np.asarray(self.minimizer_of(self.dimension(n)), dtype=float)

    def bounds(self, n: int | None = None) -> np.ndarray:
        """The search box as an array of shape ``(n, 2)`` of ``(low, high)`` rows."""
        return np.tile(np.asarray(self.domain, dtype=float), (self.dimension(n), 1))

    def __call__(self, x):
        shape = np.shape(x)
        if len(shape) not in (1, 2) or shape[-1] < 1:
            raise ValueError(f"x must have shape (n,) or (B, n), got shape {shape}")
        self.dimension(shape[-1])
        return self.f(x)


TEST_FUNCTIONS: dict[str, TestFunction] = {}


def register_test_function(*, domain, minimum, minimizer, dim=None, min_dim=1):
    """Decorator registering a row-wise function in :data:`TEST_FUNCTIONS` under its name.

    ``minimizer`` is ``n -> x*``; ``dim`` fixes the dimension (``None``: any ``n >= min_dim``).
    Returns the :class:`TestFunction`, so the decorated name is directly callable.
    """

    def register(f):
        if f.__name__ in TEST_FUNCTIONS:
            raise ValueError(f"a test function named {f.__name__!r} is already registered")
        entry = TestFunction(f.__name__, f, tuple(map(float, domain)), float(minimum), minimizer, dim, min_dim)
        TEST_FUNCTIONS[f.__name__] = entry
        return entry

    return register



def get_test_function(name: str) -> TestFunction:
    """The registered test function called ``name``."""
    if name not in TEST_FUNCTIONS:
        raise ValueError(f"unknown test function {name!r}; accepted: {sorted(TEST_FUNCTIONS)}")
    return TEST_FUNCTIONS[name]


_BEALE_C = np.array([1.5, 2.25, 2.625])
_BEALE_POWERS = np.arange(1, 4)


@register_test_function(domain=(-4.5, 4.5), minimum=0.0, minimizer=lambda n: np.array([3.0, 0.5]), dim=2)
def beale(x):
    """Beale: Σ_{j=1}^{3} (c_j − x + x·y^j)², c = (1.5, 2.25, 2.625); minimum 0 at (3, 0.5)."""
    # The three terms as one array expression: half the autograd primitives of the
    # written-out sum, which halves the cost of every gradient call.
    a, b = x[..., 0:1], x[..., 1:2]
    return np.sum((_BEALE_C - a + a * b**_BEALE_POWERS) ** 2, axis=-1)


@register_test_function(domain=(-5.0, 10.0), minimum=0.0, minimizer=lambda n: np.ones(n), min_dim=2)
def rosenbrock(x):
    """Rosenbrock (the banana): Σ_{i<n} 100 (x_{i+1} − x_i²)² + (1 − x_i)², minimum 0 at (1, …, 1)."""
    head, tail = x[..., :-1], x[..., 1:]
    return np.sum(100.0 * (tail - head**2) ** 2 + (1.0 - head) ** 2, axis=-1)


@register_test_function(domain=(-5.12, 5.12), minimum=0.0, minimizer=lambda n: np.zeros(n))
def sphere(x):
    """Sphere: Σ x_i², minimum 0 at the origin."""
    return np.sum(x**2, axis=-1)


@register_test_function(domain=(-5.12, 5.12), minimum=0.0, minimizer=lambda n: np.zeros(n))
def hyperellipsoid(x):
    """Axis-parallel hyperellipsoid: Σ_i i·x_i² (i = 1…n), minimum 0 at the origin."""
    weights = np.arange(1, np.shape(x)[-1] + 1)
    return np.sum(weights * x**2, axis=-1)


@register_test_function(domain=(-3.0, 3.0), minimum=0.0, minimizer=lambda n: np.array([0.0, 1.0, 0.0]), dim=3)
def spiral(x):
    """Belouze's spiral: log(1 + z² + (x − sin z)² + (y − cos z)²), minimum 0 at (0, 1, 0).

    The valley {(sin z, cos z, z)} winds around the z axis; along it f = log(1 + z²), so a
    descent that follows the valley spirals down to z = 0.
    """
    a, b, c = x[..., 0], x[..., 1], x[..., 2]
    return np.log(1.0 + c**2 + (a - np.sin(c)) ** 2 + (b - np.cos(c)) ** 2)


def contour_grid(function: TestFunction, box=None, num: int = 200):
    """Values of a two-dimensional test function on a ``num × num`` grid, for contour plots.

    ``box`` is ``((x_low, x_high), (y_low, y_high))``, by default the function's domain.
    Returns ``(X, Y, Z)`` as :func:`matplotlib.pyplot.contour` takes them; one row-wise call.
    """
    function.dimension(2)  # raises unless the function is defined in dimension 2
    (x_low, x_high), (y_low, y_high) = box if box is not None else function.bounds(2)
    X, Y = np.meshgrid(np.linspace(x_low, x_high, num), np.linspace(y_low, y_high, num))
    Z = function.f(np.stack([X.ravel(), Y.ravel()], axis=-1)).reshape(X.shape)
    return X, Y, Z
