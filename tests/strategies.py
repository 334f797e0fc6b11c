"""Shared test helpers: hypothesis strategies, counted calls, central differences, test problems,
tangent laws, memory peaks.

Every test module imports what it needs from here instead of writing its own copy
(``from strategies import counted, central_differences, ...``; ``tests/`` is on the path).
"""

from __future__ import annotations

import functools
import math
import tracemalloc

import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import fgcourse.trace as tr
from fgcourse import forward_gradient as fg
from fgcourse.testfunctions import diagonal_quadratic

seeds = st.integers(0, 2**32 - 1)
"""Seeds for ``numpy.random.default_rng``."""


# ------------------------------------------------------------------------ numbers and arrays

finite_floats = st.floats(-3, 3, allow_nan=False)
"""Coordinates of starts (the optimizer tests)."""
learning_rates = st.floats(1e-3, 0.2)
beta1s = st.floats(0.5, 0.99)
beta2s = st.floats(0.9, 0.9999)
"""Learning rates and Adam's decay rates, in the ranges where runs stay well conditioned."""

tolerances = st.sampled_from([1e-2, 1e-4, 1e-7, 1e-10])
"""Tolerances of the exact line searches and of their rates."""

dimensions = st.integers(min_value=1, max_value=8)
law_names = st.sampled_from(["gaussian", "rademacher", "sphere", "rotated rademacher"])
"""Dimensions and the names of the tangent laws (the rotated one is built by the test)."""

chain_widths = st.lists(st.integers(1, 6), min_size=2, max_size=6)
"""Widths (D_0, ..., D_K) of a random chain."""

positive_diagonals = arrays(float, st.integers(1, 6), elements=st.floats(0.1, 50.0))
"""The diagonal a of a positive definite diagonal quadratic ½ θᵀ diag(a) θ."""

float_arrays = arrays(np.float64, st.integers(1, 30), elements=st.floats(-1e6, 1e6, allow_nan=False))
"""Finite float columns, for the comparisons of stored data."""

profile_costs = st.one_of(st.sampled_from([1.0, 2.0, 3.0, np.inf]), st.floats(0.5, 1000.0))
"""Costs t of a performance profile: positive, inf for a failure."""


@st.composite
def gradients(draw, n):
    """A gradient vector of n coordinates in [−10, 10] (zeros included)."""
    values = draw(st.lists(st.floats(-10, 10, allow_nan=False), min_size=n, max_size=n))
    return np.array(values)


@st.composite
def accuracy_tables(draw):
    """``(final, start, best)`` of an accuracy profile: final values of each (problem, solver), inf
    allowed, and each problem's start and best value, best <= every final and <= start."""
    num_problems, num_solvers = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    values = st.one_of(st.sampled_from([0.0, 1.0, np.inf]), st.floats(0.0, 100.0))
    final = [[draw(values) for _ in range(num_solvers)] for _ in range(num_problems)]
    best = [min(min(row), draw(st.floats(0.0, 1.0))) if draw(st.booleans()) else min(row) for row in final]
    best = [b if math.isfinite(b) else 0.0 for b in best]
    start = [b + draw(st.sampled_from([0.0, 1.0, 10.0, 1e3])) for b in best]
    return final, start, best


# ------------------------------------------------------------------------------ counted calls

def counted(function):
    """``function`` wrapped to count its calls in ``wrapper.calls`` (to check reported counts)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        wrapper.calls += 1
        return function(*args, **kwargs)

    wrapper.calls = 0
    return wrapper


# ------------------------------------------------------------------------ central differences

def central_differences(f, x, v, h=1e-6):
    """(f(x + h v) − f(x − h v)) / 2h: the directional derivative, for a function of one array."""
    x, v = np.asarray(x, dtype=float), np.asarray(v, dtype=float)
    return (np.asarray(f(x + h * v)) - np.asarray(f(x - h * v))) / (2 * h)


def assert_close(actual, expected, rtol=1e-9):
    """``actual`` equals ``expected`` within ``rtol`` relative to the largest entry of ``expected``
    (plus 1), so that an entry that cancels to nearly zero is held to the scale of the others."""
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * (1 + np.max(np.abs(expected))))


def central_gradient(f, x, h=1e-6):
    """The gradient of a scalar f of one vector by central differences, one coordinate at a time."""
    x = np.asarray(x, dtype=float)
    return np.array([central_differences(f, x, np.eye(x.size)[i], h) for i in range(x.size)])


# ------------------------------------------------------------------------------ test problems

ILL_CONDITIONED_WEIGHTS = (1.0, 100.0)


def ill_conditioned_quadratic(weights=ILL_CONDITIONED_WEIGHTS):
    """f(x) = ½ Σ_i w_i x_i², row-wise; condition max w / min w (the library's diagonal_quadratic)."""
    return diagonal_quadratic(weights)


def quadratic_rows(A, b):
    """Row-wise ½ xᵀA x + bᵀx for a symmetric A: ``(B, n) -> (B,)``."""
    return lambda X: 0.5 * anp.sum((X @ A) * X, axis=-1) + X @ b


# ------------------------------------------------------------------------------------ chains

ACTIVATIONS = ("tanh", "softplus", "linear")


def _layer(A, b, activation):
    if activation == "tanh":
        return lambda s: anp.tanh(anp.dot(A, s) + b)
    if activation == "softplus":
        return lambda s: anp.logaddexp(0.0, anp.dot(A, s) + b)
    return lambda s: anp.dot(A, s) + b


@st.composite
def chains(draw, max_steps=6, max_width=6, activations=ACTIVATIONS):
    """``(fs, s0, u, rng)``: K random layers R^{D_{k-1}} -> R^{D_k}, an input s_0, an output direction u."""
    widths = draw(st.lists(st.integers(1, max_width), min_size=2, max_size=max_steps + 1))
    rng = np.random.default_rng(draw(seeds))
    fs = []
    for d_in, d_out in zip(widths[:-1], widths[1:]):
        A = rng.standard_normal((d_out, d_in)) / np.sqrt(d_in)
        fs.append(_layer(A, 0.1 * rng.standard_normal(d_out), draw(st.sampled_from(activations))))
    return fs, rng.standard_normal(widths[0]), rng.standard_normal(widths[-1]), rng


def composed(fs):
    """f_K ∘ … ∘ f_1 as one function, the reference autograd differentiates as a whole."""
    def function(s):
        for f in fs:
            s = f(s)
        return s

    return function


# ------------------------------------------------------------------- scalar programs (traces)
# Written once against a namespace ns of elementary functions: the same source runs on traced
# values (fgcourse.trace, the default) and on autograd's boxes (ns=autograd.numpy).

def stirling(n, ns=tr):
    """Stirling's formula sqrt(2 pi n) (n/e)^n, the Wengert list of Belouze's paper (Fig. 1)."""
    return ns.sqrt(2 * math.pi * n) * (n / math.e) ** n


def merkulov_loss(w1, w2, ns=tr):
    """L(w1, w2) = w2 log w1 + sqrt(w2 log w1), the product w2 log w1 computed once (Merkulov's slides)."""
    product = w2 * ns.log(w1)
    return product + ns.sqrt(product)


UNARY = {
    "neg": lambda a, ns: -a,
    "sin": lambda a, ns: ns.sin(a),
    "cos": lambda a, ns: ns.cos(a),
    "tanh": lambda a, ns: ns.tanh(a),
    "exp_sin": lambda a, ns: ns.exp(ns.sin(a)),
    "log_square": lambda a, ns: ns.log(1 + a * a),
    "sqrt_square": lambda a, ns: ns.sqrt(1 + a * a),
    "reciprocal": lambda a, ns: 1 / (1 + a * a),
    "cube": lambda a, ns: (2 + ns.sin(a)) ** 3,
    "scale": lambda a, ns: 0.75 * a - 0.5,
}
BINARY = {
    "add": lambda a, b, ns: a + b,
    "sub": lambda a, b, ns: a - b,
    "mul": lambda a, b, ns: a * b,
    "div": lambda a, b, ns: a / (2 + ns.cos(b)),
    "pow": lambda a, b, ns: (1 + a * a) ** ns.sin(b),
}
POLYNOMIAL = ("neg", "scale", "add", "sub", "mul")
"""The operations of an arithmetic circuit: +, - and x (with constants)."""


def evaluate_tree(tree, xs, ns):
    kind, *children = tree
    if kind == "input":
        return xs[children[0]]
    values = [evaluate_tree(child, xs, ns) for child in children]
    return (UNARY.get(kind) or BINARY[kind])(*values, ns)


@st.composite
def scalar_programs(draw, max_leaves=8, polynomial=False, dead_tail=False):
    """``(f, x, v)``: a random expression of n <= 3 inputs (every leaf is an input, on a safe
    domain), a point and a direction. ``polynomial=True`` uses only +, - and x; with
    ``dead_tail=True`` f may go on computing after its result (entries the output does not use)."""
    n = draw(st.integers(1, 3))
    unary = sorted(name for name in UNARY if not polynomial or name in POLYNOMIAL)
    binary = sorted(name for name in BINARY if not polynomial or name in POLYNOMIAL)

    def expressions(n_leaves):
        leaves = st.tuples(st.just("input"), st.integers(0, n_leaves - 1))
        return st.recursive(leaves, lambda inner: st.one_of(
            st.tuples(st.sampled_from(unary), inner),
            st.tuples(st.sampled_from(binary), inner, inner)), max_leaves=max_leaves)

    tree = draw(expressions(n))
    tail = draw(expressions(n + 1)) if dead_tail else None  # its leaf n is f's result
    coordinates = st.floats(-2, 2, allow_nan=False, allow_infinity=False)
    x = draw(st.lists(coordinates, min_size=n, max_size=n))
    v = draw(st.lists(st.floats(-1, 1, allow_nan=False), min_size=n, max_size=n))

    def f(*xs, ns=tr):
        out = evaluate_tree(tree, xs, ns)
        if tail is not None:
            evaluate_tree(tail, xs + (out,), ns)  # recorded after the result, which it may read
        return out
    return f, x, v


# ----------------------------------------------------------------------- the message contract

def assert_names_argument(excinfo: pytest.ExceptionInfo, name: str, *words: str) -> None:
    """The library's message contract: the error is a TypeError or ValueError whose message
    starts with the argument's name (or names it, for user functions), says what is accepted
    ("must") and what was given ("got"/"returned"), and contains ``words``."""
    error = excinfo.value
    assert isinstance(error, (TypeError, ValueError)), f"{type(error).__name__}: {error}"
    message = str(error)
    assert name in message, f"{name!r} not named in: {message}"
    assert "must" in message or "could not" in message or "failed" in message, message
    assert any(word in message for word in ("got", "returned", "failed", "could not")), message
    for word in words:
        assert word in message, f"{word!r} not in: {message}"


def assert_refused(call, name: str, *words: str, error=(TypeError, ValueError)) -> pytest.ExceptionInfo:
    """``call()`` is refused before any work with ``error`` (a TypeError or a ValueError unless
    told), whose message follows the contract of :func:`assert_names_argument` for ``name`` and
    ``words``: every module's test of bad arguments is a parametrized test calling this. Returns
    the exception's info, for a test that checks more of it."""
    with pytest.raises(error) as excinfo:
        call()
    assert_names_argument(excinfo, name, *words)
    return excinfo


# Bad values that every kind of argument must refuse, for parametrized sweeps.
NOT_COUNTS = [True, 2.0, "3", None, 1 + 0j]
NOT_REALS = [True, "1", None, 1 + 2j, [1.0]]
NOT_RNGS = [None, 1.5, True, "0", np.random.RandomState(0)]


def nan_function(x):
    """A user function that returns NaN everywhere."""
    return anp.sum(x) * anp.nan


def string_function(x):
    """A user function that returns a string."""
    return "not a number"


def plain_numpy_function(x):
    """A row-wise user function written with plain numpy (a float conversion): it runs on arrays
    but fails on autograd's boxes, in forward and in reverse mode."""
    return np.sum(np.asarray(x, dtype=float) ** 2, axis=-1)


def object_array_function(x):
    """A row-wise user function written with plain numpy's dot on an object array: on a batch
    (R, n) autograd follows nothing through it and would silently call its gradient zero."""
    return np.dot(np.asarray(x, dtype=object), np.ones(np.shape(x)[-1]))


def stable_id(value):
    """A test id that is the same in every process (a RandomState's repr holds its address)."""
    return repr(value) if isinstance(value, (int, float, str, type(None))) else type(value).__name__


def traced_peak(function, argument):
    """``function(argument)`` and the peak of the memory it allocated (tracemalloc), in bytes."""
    tracemalloc.start()
    try:
        value = function(argument)
        return value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ------------------------------------------------------------------------------- tangent laws

def random_orthogonal(n, seed):
    return fg.random_rotation(n, np.random.default_rng(seed))


def all_laws(n, seed=0):
    """Every kind of tangent law in dimension n: the three of ``LAWS`` and two rotated ones."""
    return [fg.gaussian, fg.rademacher, fg.sphere, fg.rotated(fg.rademacher, random_orthogonal(n, seed)),
            fg.rotated(fg.gaussian, random_orthogonal(n, seed + 1))]


def make_law(name, n, seed):
    return fg.rotated(fg.rademacher, random_orthogonal(n, seed)) if name == "rotated rademacher" else fg.LAWS[name]


# ------------------------------------------------------------------ line searches (1-d and rays)

@st.composite
def unimodal_problems(draw):
    """``(phi, a, b, minimiser, resolution)``: a unimodal φ on [a, b] with a known minimiser.

    ``resolution(tol)`` is how close to the minimiser comparisons of φ at points tol apart
    still mean something: cosh has φ* = 1, so within √ε/scale of the minimiser φ is flat to
    rounding, and where |φ'|·tol = scale²|t − t*|·tol is below ε the comparisons are noise;
    the other profiles vanish at the minimiser, where floating point is exact.
    """
    import math

    low = draw(st.floats(-5, 5))
    a, b = low, low + draw(st.floats(0.1, 10))
    minimiser = draw(st.floats(0, 1)) * (b - a) + a
    kind = draw(st.sampled_from(["quadratic", "quartic", "cosh", "abs"]))
    scale = draw(st.floats(0.1, 10))
    profiles = {
        "quadratic": lambda t: scale * (t - minimiser) ** 2,
        "quartic": lambda t: (t - minimiser) ** 4 + scale * (t - minimiser) ** 2,
        "cosh": lambda t: math.cosh(scale * (t - minimiser)),
        "abs": lambda t: abs(t - minimiser) + (t > minimiser) * scale * (t - minimiser),
    }
    eps = np.finfo(float).eps

    def resolution(tol):
        if kind == "cosh":
            return 3 * math.sqrt(eps) / scale + 8 * eps / (scale**2 * tol)
        return 1e-12 * (1 + abs(minimiser))

    return profiles[kind], a, b, minimiser, resolution


@st.composite
def smooth_rays(draw):
    """``(f, x, d)``: a smooth f bounded below (positive definite quadratic + bounded ripples),
    a point x and a descent direction d (∇f(x)·d < 0, not tiny)."""
    from autograd import grad
    from hypothesis import assume

    n = draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(seeds))
    m = rng.standard_normal((n, n))
    hessian = m @ m.T + draw(st.floats(0.05, 2)) * np.eye(n)
    ripple = draw(st.floats(0, 3))
    frequencies = rng.standard_normal(n) * draw(st.floats(0.1, 5))

    def f(x):
        return 0.5 * anp.dot(x, anp.dot(hessian, x)) + ripple * anp.sin(anp.dot(frequencies, x))

    x = rng.standard_normal(n) * draw(st.floats(0.1, 10))
    d = rng.standard_normal(n) * draw(st.floats(0.01, 100))
    slope0 = float(np.dot(grad(f)(x), d))
    assume(abs(slope0) > 1e-8 * (1 + abs(f(x))))
    return f, x, -d if slope0 > 0 else d


# --------------------------------------------------------------------- training (tests/test_training_*.py)

@functools.cache
def digits():
    """The digits split of the training chapter (``digits_split()``), loaded once per test process."""
    from fgcourse import training

    return training.digits_split()


def small_model():
    """A tiny MLP, 4 features -> 3 hidden units -> 2 classes, for the loop's fast tests."""
    from fgcourse import training

    return training.Model("small", (4, 3, 2))


def small_batch(rng=0, M=5):
    """``(X, y)``: M rows of 4 standard normal features and labels in {0, 1}."""
    rng = np.random.default_rng(rng)
    return rng.standard_normal((M, 4)), rng.integers(0, 2, M)


def small_split(m=40):
    """A Split of m training rows (and 10 validation, 10 test rows) for :func:`small_model`."""
    from fgcourse import training

    rng = np.random.default_rng(1)
    parts = []
    for size in (m, 10, 10):
        parts += [rng.standard_normal((size, 4)), rng.integers(0, 2, size)]
    return training.Split(*parts, num_classes=2)


def small_table():
    """A RunTable of 4 runs of :func:`small_model`: backprop and Gaussian weight perturbation, seeds 0 and 1."""
    from fgcourse import training

    split = small_split()
    settings_ = [training.Setting("small", "sgd", 0.1, "true", "", 1, 20),
                 training.Setting("small", "sgd", 0.1, "forward", "gaussian", 1, 20)]
    results = []
    for setting in settings_:
        for seed in (0, 1):
            results.append((seed, training.train(small_model(), split, "sgd", 0.1, gradient=setting.gradient,
                                                 rng=seed, max_iter=20, batch_size=8, eval_every=5)))
    return training.run_table(results)


MIN_CVD_DISTANCE = 15.0
"""The smallest CIELAB distance (ΔE 1976) between two series that only colour tells apart, under normal
vision, protanopia and deuteranopia: matplotlib's default orange and green are 4.6 apart under
protanopia (one colour to such a reader); Okabe and Ito's colours are 17.9 and more."""


def assert_told_apart_with_any_colour_vision(fig) -> None:
    """Every two series of an axes of ``fig`` that share line style and marker differ in colour by at
    least ``MIN_CVD_DISTANCE`` for readers with normal vision, protanopia and deuteranopia."""
    from fgcourse._figures import closest_colors, series_told_apart_by_color_only

    for ax in fig.axes:
        for colors in series_told_apart_by_color_only(ax):
            distance, where = closest_colors(colors)
            assert distance >= MIN_CVD_DISTANCE, f"{ax.get_title()!r}: {where} are {distance:.1f} apart"
