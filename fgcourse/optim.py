"""First-order optimizers fed by true or forward gradients: SGD, clipped SGD, Adam, AdaBelief.

Notation (the book's): θ_k is the iterate after k steps, g_k the gradient estimate used by
step k (computed at θ_{k−1}), α the learning rate, and every update has the form

    θ_k = θ_{k−1} − α d_k,

where the *direction* d_k is what distinguishes the optimizers. All operations on vectors
are element-wise. Adam's second moment is written p_k (not v_k) because v is the tangent
of a forward gradient, as in ``belouze2022paper`` (§4.2.2).

Everything is vectorized over a batch of R starts: θ has shape ``(R, n)``, one row per
*run*, and a single call of the gradient oracle serves all rows (B always counts tangents):

- the *true* gradient: reverse mode, one autograd ``make_vjp`` call on the row-wise
  objective, pulled back with a vector of ones (row r of the result is ∇f(θ_r) because
  rows do not interact);
- a *forward* gradient g = (1/B) Σ_b (∇f(θ)·v_b) v_b under any tangent law, computed as
  :func:`fgcourse.forward_gradient.forward_gradient_batch` computes it (forward mode only),
  through :func:`~fgcourse.forward_gradient.forward_gradient_oracle`, checked once per run.

:func:`minimize` runs any optimizer with either oracle, records the path and the values
along it, and stops each run cleanly with a status (:data:`OPTIMIZE_STATUSES`) instead of
raising from deep inside numpy.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import autograd.numpy as anp
import numpy as np

from fgcourse import forward_gradient as fg
from fgcourse._checks import (
    check_array,
    check_callable,
    check_instance,
    check_int,
    check_option,
    check_output,
    check_positive,
    check_real,
    check_rng,
    check_sequence,
    check_vector,
    user_vjp,
)
from fgcourse.testfunctions import diagonal_quadratic

__all__ = [
    "Optimizer", "SGD", "ClippedSGD", "Adam", "AdaBelief", "OPTIMIZERS", "get_optimizer", "GRADIENTS",
    "true_gradient_batch", "OPTIMIZE_STATUSES", "SUCCESS_STATUSES", "OptimizeResult", "minimize",
    "iterations_to_reach", "true_and_forward_runs", "forward_gradient_means", "plot_runs",
    "draw_mean_estimates", "explorer_figure", "sgd_step_limit", "second_moment_recursion",
    "forward_sgd_step_limit", "mean_square_path", "step_limit_runs",
]


# ----------------------------------------------------------------------------- optimizers


class Optimizer:
    """Interface: ``init(theta)`` gives the state, ``direction(g, state, k)`` gives (d_k, state).

    The state is a tuple of arrays shaped like θ (possibly empty); ``k`` counts steps from 1.
    """

    name = "optimizer"

    def init(self, theta: np.ndarray) -> tuple:
        return ()

    def direction(self, g: np.ndarray, state: tuple, k: int) -> tuple[np.ndarray, tuple]:
        raise NotImplementedError


def _decay_rate(name: str, value) -> float:
    """A moment's decay rate β in [0, 1): β = 0 keeps no memory, β = 1 would never update."""
    value = check_real(name, value, minimum=0.0)
    if value >= 1:
        raise ValueError(f"{name} must be a real number in [0, 1), got {value:g}")
    return value


@dataclass(frozen=True)
class SGD(Optimizer):
    """Plain (stochastic) gradient descent: d_k = g_k, so θ_k = θ_{k−1} − α g_k."""

    name = "sgd"

    def direction(self, g, state, k):
        return g, state


@dataclass(frozen=True)
class ClippedSGD(Optimizer):
    """SGD on the gradient projected onto the ℓ∞ ball of radius ``clip`` (belouze2022paper, §4.2.1):

        d_k = clip(g_k, −c, c),  i.e.  d_{k,i} = g_{k,i} if |g_{k,i}| ≤ c, else c·sign(g_{k,i}).

    With a forward gradient all coordinates of g_k have the same magnitude (for Rademacher
    tangents), so either none or all are clipped: a large forward gradient becomes c·sign.
    """

    clip: float = 1.0
    name = "clipped_sgd"

    def __post_init__(self):
        object.__setattr__(self, "clip", check_positive("clip", self.clip))

    def direction(self, g, state, k):
        return np.clip(g, -self.clip, self.clip), state


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam (kingma2015adam, Algorithm 1), with ε *outside* the square root:

        m_k = β1 m_{k−1} + (1 − β1) g_k,          m̂_k = m_k / (1 − β1^k)
        p_k = β2 p_{k−1} + (1 − β2) g_k²,         p̂_k = p_k / (1 − β2^k)
        d_k = m̂_k / (√p̂_k + ε),                   m_0 = p_0 = 0.

    The two documents by Belouze disagree with each other on where ε goes:
    belouze2022report writes √p + ε (in its review of Adam and in its forward-gradient
    analysis alike), belouze2022paper writes √(p + ε) at both places. We follow Kingma & Ba:
    √p̂ + ε. The two floor the denominator at ε = 10⁻⁸ and at √ε = 10⁻⁴ respectively, so they
    differ only where p̂ is comparable to ε, i.e. for gradients of size about 10⁻⁴ or less.
    Both documents also divide the average of t gradients by 1 − β^(t+1) instead of 1 − β^t;
    the bias correction here is Kingma & Ba's.
    """

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    name = "adam"

    def __post_init__(self):
        object.__setattr__(self, "beta1", _decay_rate("beta1", self.beta1))
        object.__setattr__(self, "beta2", _decay_rate("beta2", self.beta2))
        object.__setattr__(self, "eps", check_positive("eps", self.eps))

    def init(self, theta):
        return np.zeros_like(theta), np.zeros_like(theta)

    def second_moment(self, p, g, m):
        """p_k from p_{k−1}, g_k and the new first moment m_k (Adam: the mean of g²)."""
        return self.beta2 * p + (1 - self.beta2) * g**2

    def direction(self, g, state, k):
        m, p = state
        m = self.beta1 * m + (1 - self.beta1) * g
        p = self.second_moment(p, g, m)
        m_hat = m / (1 - self.beta1**k)
        p_hat = p / (1 - self.beta2**k)
        return m_hat / (np.sqrt(p_hat) + self.eps), (m, p)


@dataclass(frozen=True)
class AdaBelief(Adam):
    """AdaBelief (zhuang2020adabelief, Algorithm 2): Adam whose second moment is the moving
    average of (g_k − m_k)², the squared surprise of g_k against the prediction m_k:

        m_k = β1 m_{k−1} + (1 − β1) g_k,                    m̂_k = m_k / (1 − β1^k)
        p_k = β2 p_{k−1} + (1 − β2) (g_k − m_k)² + ε,       p̂_k = p_k / (1 − β2^k)
        d_k = m̂_k / (√p̂_k + ε).

    ε appears twice, as in the AdaBelief paper: added to p_k at every step and outside
    the square root. m_k is the *updated* first moment.
    """

    name = "adabelief"

    def second_moment(self, p, g, m):
        return self.beta2 * p + (1 - self.beta2) * (g - m) ** 2 + self.eps


OPTIMIZERS: dict[str, Optimizer] = {opt.name: opt for opt in (SGD(), ClippedSGD(), Adam(), AdaBelief())}


def get_optimizer(optimizer) -> Optimizer:
    """An :class:`Optimizer` from a registered name (``"sgd"``, ...) or an instance."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    check_instance("optimizer", optimizer, str, f"one of {tuple(sorted(OPTIMIZERS))} or an Optimizer instance")
    return OPTIMIZERS[check_option("optimizer", optimizer, sorted(OPTIMIZERS))]


# ------------------------------------------------------------------------ gradient oracles

GRADIENTS = ("true", "forward")
"""The two gradient oracles of :func:`minimize`."""


def _start(name: str, thetas, ndim=(1, 2)) -> np.ndarray:
    """One start (n,) or a batch of starts (R, n), as ``ndim`` allows: real, finite, non-empty."""
    return check_array(name, thetas, ndim=ndim, min_size=1)


def _values_and_gradients(f, thetas):
    """One reverse pass of the row-wise f over all rows: ``(values, G)``, values unchecked."""
    pullback, values = user_vjp("f", f, thetas)
    return values, pullback(anp.ones_like(values))


def true_gradient_batch(f: Callable, thetas) -> tuple[np.ndarray, np.ndarray]:
    """``(values, G)``: f on each row of ``thetas`` (R, n) and each row's gradient, by reverse mode.

    One ``make_vjp`` call: since row r of f's output depends on row r of the input only,
    the pullback of the all-ones cotangent is the stack of the rows' gradients. f must be
    written with ``autograd.numpy`` (plain numpy would give a silent zero gradient: refused)
    and return a finite real array of shape (R,).
    """
    check_callable("f", f, "row-wise objective, array (R, n) -> array (R,)")
    thetas = _start("thetas", thetas, ndim=2)
    values, G = _values_and_gradients(f, thetas)
    values = check_output("f", values, (thetas.shape[0],), at="thetas")
    return values, check_output("the gradient of f", G, thetas.shape, at="thetas")


def _oracle(f, gradient, law, B, rng, n):
    """``thetas -> (values, G)``, its arguments checked once: minimize calls it at every step."""
    if gradient == "true":
        return lambda thetas: _values_and_gradients(f, thetas)
    return fg.forward_gradient_oracle(f, law, rng, n, B=B)


# -------------------------------------------------------------------------------- minimize

OPTIMIZE_STATUSES = ("converged", "max_iter", "diverged", "non_finite")
"""The status words of :func:`minimize`'s runs (meanings in :mod:`fgcourse._vocabulary`)."""

SUCCESS_STATUSES = ("converged",)
"""A run succeeds when it reaches its target; without a target no run can succeed."""


@dataclass(frozen=True)
class OptimizeResult:
    """The outcome of :func:`minimize`.

    For a batch of ``R`` starts (x0 of shape ``(R, n)``), with ``T = max(nit) + 1``:

    - ``x`` (R, n): the last recorded iterate of each run; ``fun`` (R,): f there;
    - ``path`` (T, R, n) and ``fun_path`` (T, R): the iterates θ_0, θ_1, … and f(θ_k);
      a run that stopped after ``nit[r] < T − 1`` steps is padded with NaN afterwards;
    - ``nit`` (R,): steps taken; ``status`` (R,): one of :data:`OPTIMIZE_STATUSES`,
      "converged" (f ≤ target), "max_iter", "diverged" (|θ| or f above the threshold; that
      iterate is recorded), "non_finite" (a step produced inf/NaN; that iterate is *not*
      recorded); ``success`` (R,): status == "converged". A run without a target cannot
      converge, so it ends "max_iter" with ``success`` False: read its status and values;
    - ``ngev`` (R,): gradients computed for the run, ``njvp`` (R,): JVPs computed for it.
      Each evaluated point costs one gradient (true) or B JVPs (forward): θ_0, then one per
      step, the rejected point of a "non_finite" run included, so a true run has
      ``ngev = nit + 1`` (+ 1 if non_finite) and ``njvp = 0``, a forward one ``ngev = 0``
      and ``njvp = B (nit + 1)`` (+ B). The rows of stopped runs still ride along in the
      batched passes; that work is not counted, since one run alone would not do it;
    - ``message``: a one-line summary; ``optimizer``, ``gradient``: what ran.

    For a single start (x0 of shape ``(n,)``) the batch axis is dropped: ``x`` (n,),
    ``fun`` float, ``path`` (T, n), ``fun_path`` (T,), ``nit`` int, ``status`` str, ...
    """

    x: np.ndarray
    fun: np.ndarray | float
    path: np.ndarray
    fun_path: np.ndarray
    nit: np.ndarray | int
    success: np.ndarray | bool
    status: np.ndarray | str
    message: str
    optimizer: str
    gradient: str
    ngev: np.ndarray | int
    njvp: np.ndarray | int


def _summary(status: np.ndarray, nit: np.ndarray) -> str:
    if status.size == 1:
        return f"{status[0]} after {nit[0]} iterations"
    counts = ", ".join(f"{np.sum(status == s)} {s}" for s in OPTIMIZE_STATUSES if np.any(status == s))
    return f"{status.size} runs: {counts}"


def minimize(
    f: Callable,
    x0,
    optimizer="sgd",
    lr: float = 0.01,
    *,
    gradient: str = "true",
    law="rademacher",
    B: int = 1,
    max_iter: int = 1000,
    rng=None,
    target: float | None = None,
    divergence_threshold: float = 1e8,
) -> OptimizeResult:
    """Run at most ``max_iter`` iterations θ_k = θ_{k−1} − α d_k from every row of ``x0`` at once.

    Parameters
    ----------
    f:
        Row-wise objective, ``(R, n) -> (R,)`` (every :mod:`fgcourse.testfunctions` entry is),
        written with ``autograd.numpy``; f(x0) must be real and finite.
    x0:
        One start ``(n,)`` or a batch of R starts ``(R, n)``, one run each.
    optimizer:
        ``"sgd"``, ``"clipped_sgd"``, ``"adam"``, ``"adabelief"`` or an :class:`Optimizer`.
    lr:
        The learning rate α > 0.
    gradient:
        ``"true"`` (reverse mode) or ``"forward"`` (forward gradient, forward mode only).
    law, B, rng:
        For forward gradients: the tangent law (name or object), the number B of tangents
        averaged per step, and an int seed or a ``numpy.random.Generator``. ``rng=None``
        is accepted only with ``gradient="true"``, which draws nothing.
    max_iter:
        The budget: at most this many steps per run (≥ 1). The record grows with the steps
        actually done, so a large budget with an early ``target`` costs nothing.
    target:
        A run converges (and stops) once f ≤ ``target``; ``None``: never (every run that
        neither diverges nor fails ends "max_iter", with ``success`` False).
    divergence_threshold:
        A run diverges (and stops) once max|θ_i| or f exceeds this.
    """
    check_callable("f", f, "row-wise objective, array (R, n) -> array (R,)")
    X0 = _start("x0", x0)
    single = X0.ndim == 1
    X = X0[None, :] if single else X0
    optimizer = get_optimizer(optimizer)
    lr = check_positive("lr", lr)
    gradient = check_option("gradient", gradient, GRADIENTS)
    law = fg.tangent_law(law)  # checked even when unused: an unknown law is an error either way
    B = check_int("B", B, minimum=1)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    if rng is not None or gradient == "forward":
        if rng is None:
            raise TypeError("rng must be an int seed or a numpy.random.Generator when gradient='forward', got None")
        rng = check_rng("rng", rng)
    target_value = -np.inf if target is None else check_real("target", target)
    divergence_threshold = check_positive("divergence_threshold", divergence_threshold)
    R = X.shape[0]
    # f at x0 must make sense; the check also refuses an untraceable f before any step.
    oracle = _oracle(f, gradient, law, B, rng, X.shape[1])
    values, G = oracle(X)
    values = check_output("f", values, (R,), at="x0")

    path, fun_path = [X], [values]  # grown per step: memory follows the steps actually done
    nit = np.zeros(R, dtype=int)
    status = np.full(R, "max_iter", dtype=object)
    evaluations = np.ones(R, dtype=int)
    active = values > target_value
    status[~active] = "converged"
    all_active = bool(active.all())

    # Overflow in a diverging run is an expected outcome, reported through its status.
    with np.errstate(all="ignore"):
        state = optimizer.init(X)
        for k in range(1, max_iter + 1):
            if not (all_active or active.any()):
                break
            direction, new_state = optimizer.direction(G, state, k)
            X_new = X - lr * direction
            values_new, G_new = oracle(X_new)
            values_new = np.asarray(values_new, dtype=float)
            if all_active and np.isfinite(values_new).all() and np.isfinite(X_new).all() and not (
                    values_new.max() > divergence_threshold or values_new.min() <= target_value
                    or np.abs(X_new).max() > divergence_threshold):
                # The common step: every run active, finite, neither diverging nor converging.
                # Whole-array tests instead of the row masks below: a step of a short run costs
                # little more than its gradient call.
                X, G, state = X_new, G_new, new_state
                path.append(X_new)
                fun_path.append(values_new)
                evaluations += 1
                nit[:] = k
                continue
            evaluations[active] += 1

            moving = active & np.isfinite(values_new) & np.all(np.isfinite(X_new), axis=1)
            if moving.all():
                X, G, state = X_new, G_new, new_state
                path.append(X_new)
                fun_path.append(values_new)
            else:
                status[active & ~moving] = "non_finite"
                keep = moving[:, None]
                path.append(np.where(keep, X_new, np.nan))
                fun_path.append(np.where(moving, values_new, np.nan))
                X, G = np.where(keep, X_new, X), np.where(keep, G_new, G)
                state = tuple(np.where(keep, new, old) for new, old in zip(new_state, state))
            nit[moving] = k

            diverged = moving & (
                (np.max(np.abs(X_new), axis=1) > divergence_threshold) | (values_new > divergence_threshold)
            )
            converged = moving & ~diverged & (values_new <= target_value)
            status[diverged], status[converged] = "diverged", "converged"
            active = moving & ~diverged & ~converged
            all_active = bool(active.all())

    last = nit.max() + 1  # a step where every active run failed leaves an all-NaN last row
    path, fun_path = np.stack(path[:last]), np.stack(fun_path[:last])
    fun = fun_path[nit, np.arange(R)]
    status = status.astype(str)
    success = np.isin(status, SUCCESS_STATUSES)
    ngev = evaluations if gradient == "true" else np.zeros(R, dtype=int)
    njvp = B * evaluations if gradient == "forward" else np.zeros(R, dtype=int)
    message = _summary(status, nit)
    if single:
        return OptimizeResult(X[0], float(fun[0]), path[:, 0], fun_path[:, 0], int(nit[0]), bool(success[0]),
                              str(status[0]), message, optimizer.name, gradient, int(ngev[0]), int(njvp[0]))
    return OptimizeResult(X, fun, path, fun_path, nit, success, status, message, optimizer.name, gradient,
                          ngev, njvp)


def _result(name: str, result) -> OptimizeResult:
    return check_instance(name, result, OptimizeResult, "an OptimizeResult from minimize()")


def iterations_to_reach(result: OptimizeResult, level: float) -> np.ndarray | int:
    """The first k with f(θ_k) ≤ ``level`` for each run of ``result``, −1 for runs that never get there.

    With ``level = f* + 0.1`` this is the fixed-target cost used in belouze2022paper's
    performance profiles.
    """
    result = _result("result", result)
    level = check_real("level", level)
    reached = result.fun_path <= level  # NaN padding compares False
    first = np.where(reached.any(axis=0), reached.argmax(axis=0), -1)
    return int(first) if first.ndim == 0 else first


def true_and_forward_runs(
    f: Callable, x0, optimizer="sgd", lr: float = 0.01, *, law="rademacher", rng=0,
    max_iter: int = 2000, num_runs: int = 5, B: int = 1, target: float | None = None,
) -> tuple[OptimizeResult, OptimizeResult]:
    """The true-gradient run from ``x0`` (n,) and ``num_runs`` forward-gradient runs from it.

    The forward runs form one batch (rows are independent tangent draws from ``rng``, an
    int seed or a Generator), so the pair costs two vectorized :func:`minimize` calls.
    """
    x0 = _start("x0", x0, ndim=1)
    num_runs = check_int("num_runs", num_runs, minimum=1)
    rng = check_rng("rng", rng)
    common = dict(optimizer=optimizer, lr=lr, max_iter=max_iter, target=target, law=law, B=B)
    true_run = minimize(f, x0, gradient="true", **common)
    forward_runs = minimize(f, np.tile(x0, (num_runs, 1)), gradient="forward", rng=rng, **common)
    return true_run, forward_runs


def forward_gradient_means(f: Callable, theta, laws, Bs, rng) -> dict[str, dict[int, np.ndarray]]:
    """``{law name: {B: the mean of B forward gradients of f at θ}}`` for each law and each B.

    Every mean starts from the same state of ``rng`` (an int seed or a Generator, which is
    left untouched), as if each were drawn with a fresh ``default_rng(seed)``: the tangents
    of a smaller B are the first ones of a larger B, so the means show the average growing.
    """
    check_callable("f", f, "objective, array (n,) -> scalar")
    theta = check_vector("theta", theta)
    laws = check_sequence("laws", laws, lambda name, law: fg.tangent_law(law), what="tangent laws")
    Bs = check_sequence("Bs", Bs, lambda name, B: check_int(name, B, minimum=1), what="numbers of tangents")
    rng = check_rng("rng", rng)
    return {law.name: {B: fg.forward_gradient(f, theta, law, copy.deepcopy(rng), B=B)[1] for B in Bs}
            for law in laws}


# --------------------------------------------------------------------------------- figures

RUN_COLORS = {"true": "C0", "forward": "C3"}
RUN_ZORDERS = {"true": 3, "forward": 2}
"""The true runs are drawn above the forward ones, which would otherwise hide them."""


def _plane_function(function):
    """A :class:`~fgcourse.testfunctions.TestFunction` defined in dimension 2."""
    from fgcourse.testfunctions import TestFunction

    check_instance("function", function, TestFunction, "a TestFunction from fgcourse.testfunctions")
    if not (function.dim == 2 or (function.dim is None and function.min_dim <= 2)):
        raise ValueError(f"function must be a test function of dimension 2, got {function.name} "
                         f"(dimension {function.dim})")
    return function


def _box(box):
    """``None`` or ((x_low, x_high), (y_low, y_high)) with low < high."""
    if box is None:
        return None

    def interval(name, pair):
        low, high = check_sequence(name, pair, lambda label, x: check_real(label, x), min_length=2, max_length=2,
                                   what="ends (low, high)")
        if not low < high:
            raise ValueError(f"{name} must be an interval (low, high) with low < high, got ({low:g}, {high:g})")
        return low, high

    return check_sequence("box", box, interval, min_length=2, max_length=2, what="intervals (x and y)")


def _title(title):
    return None if title is None else check_instance("title", title, str, "a string or None")


@functools.lru_cache(maxsize=16)
def _contour_lines(function, box, num):
    """The log-spaced contour lines of f − f* on ``function``'s ``box`` (a tuple or None):
    ``(limits, paths, colors)``, computed once per (function, box, num) and kept, since every
    explorer page draws the same contours."""
    from matplotlib.colors import LogNorm
    from matplotlib.figure import Figure

    from fgcourse.testfunctions import contour_grid

    X, Y, Z = contour_grid(function, box, num=num)
    gap = Z - function.minimum
    levels = np.logspace(np.log10(max(gap.min(), 1e-3)), np.log10(gap.max()), 20)
    lines = Figure().add_subplot().contour(X, Y, gap, levels=levels, norm=LogNorm(), cmap="Greys")
    limits = ((X.min(), X.max()), (Y.min(), Y.max()))
    return limits, tuple(lines.get_paths()), lines.get_edgecolor()


def _contours(ax, function, box, num):
    """Log-spaced contours of f − f* (computed once per function and box) and the minimizer's star."""
    from matplotlib.collections import PathCollection

    box = None if box is None else tuple(map(tuple, box))
    (x_limits, y_limits), paths, colors = _contour_lines(function, box, num)
    # Drawn as the ContourSet drew them: one path per level, unfilled, at the line contours' zorder.
    ax.add_collection(PathCollection(paths, edgecolors=colors, facecolors="none", linewidths=0.7, zorder=2),
                      autolim=False)
    ax.plot(*function.minimizer(2), marker="*", color="gold", markeredgecolor="k", markersize=15, zorder=5)
    ax.set_xlim(*x_limits)
    ax.set_ylim(*y_limits)


def _thinned_steps(num_points: int, budget: int = 400) -> np.ndarray:
    """Indices of at most ~``budget`` points to draw: every early step, then evenly spaced.

    Rendering thousands of points per line dominates an explorer update; the early steps,
    where iterates move most, are kept in full.
    """
    if num_points <= budget:
        return np.arange(num_points)
    early = budget // 4
    return np.unique(np.concatenate([np.arange(early), np.linspace(early, num_points - 1, budget - early).astype(int)]))


def plot_runs(function, runs, box=None, axes=None, title=None):
    """Paths on log-spaced contours (left) and f(θ_k) − f* against k (right).

    ``function`` is a two-dimensional :class:`~fgcourse.testfunctions.TestFunction`,
    ``runs`` a sequence of :class:`OptimizeResult` in the plane (every row of each is drawn,
    colored by its gradient kind: true in blue, above the forward ones in red), ``box`` the
    contour window ``((x_low, x_high), (y_low, y_high))``, ``axes`` two matplotlib axes to
    draw on. Returns the figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.collections import LineCollection

    from fgcourse.explorer import fixed_ticks

    function = _plane_function(function)
    runs = check_sequence("runs", runs, _result, what="OptimizeResults from minimize()")
    for index, run in enumerate(runs):
        if run.path.shape[-1] != 2:
            raise ValueError(f"runs[{index}] must be a run in the plane (n = 2), got paths of shape {run.path.shape}")
    box = _box(box)
    title = _title(title)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        fig.subplots_adjust(wspace=0.25)
    contour_ax, loss_ax = check_sequence(
        "axes", axes, lambda name, ax: check_instance(name, ax, Axes, "matplotlib Axes"), min_length=2, max_length=2,
        what="matplotlib Axes (contours, values)")
    _contours(contour_ax, function, box, num=100)
    loss_ax.set_yscale("log")
    for run in runs:
        color, zorder = RUN_COLORS[run.gradient], RUN_ZORDERS[run.gradient]
        paths = run.path if run.path.ndim == 3 else run.path[:, None, :]
        gaps = (run.fun_path if run.fun_path.ndim == 2 else run.fun_path[:, None]) - function.minimum
        steps = _thinned_steps(paths.shape[0])
        paths, gaps = paths[steps], np.maximum(gaps[steps], 1e-16)
        # One artist per run and panel (the rows' lines, the rows' starts): a Line2D per row
        # costs more to build and draw than its 400 points.
        style = dict(colors=color, linewidths=1, alpha=0.8, zorder=zorder, label=f"{run.gradient} gradient")
        contour_ax.add_collection(LineCollection(paths.transpose(1, 0, 2), **style), autolim=False)
        contour_ax.plot(paths[0, :, 0], paths[0, :, 1], "o", color=color, markersize=4, zorder=zorder)
        loss_ax.add_collection(LineCollection([np.column_stack([steps, gaps[:, r]]) for r in range(gaps.shape[1])],
                                              **style))
    loss_ax.autoscale_view()
    # Plain-text labels: mathtext parsing (tick labels like 10^-5 included) would cost
    # a third of an explorer update; a few fixed ticks save most of the rest of the axes' time.
    contour_ax.set_xlabel("x")
    contour_ax.set_ylabel("y")
    contour_ax.legend(loc="upper left", fontsize=9)
    loss_ax.set_xlabel("iteration k")
    loss_ax.set_ylabel("f(θ_k) − f*")
    loss_ax.legend(fontsize=9)
    for axis in (contour_ax.xaxis, contour_ax.yaxis, loss_ax.xaxis, loss_ax.yaxis):
        fixed_ticks(axis)
    if title:
        contour_ax.figure.suptitle(title)
    return contour_ax.figure


def _means(means) -> dict:
    """``{law name: {B: mean (2,)}}``, as :func:`forward_gradient_means` returns it."""
    def by_count(name, value):
        check_instance(name, value, Mapping, "a mapping {B: mean forward gradient (2,)}")
        if not value:
            raise ValueError(f"{name} must hold at least one mean, got an empty mapping")
        return {check_int(f"{name} key", B, minimum=1): check_vector(f"{name}[{B}]", mean, 2)
                for B, mean in value.items()}

    check_instance("means", means, Mapping, "a mapping {law name: {B: mean}} from forward_gradient_means()")
    if not means:
        raise ValueError("means must hold at least one law, got an empty mapping")
    return {check_instance("means key", name, str, "a law name"): by_count(f"means[{name!r}]", value)
            for name, value in means.items()}


def draw_mean_estimates(function, theta, means, true_gradient, box=None):
    """Arrows at θ on f's contours: the true gradient (wide, blue) and means of forward gradients.

    One panel per law of ``means`` (``{law name: {B: mean}}``, e.g. from
    :func:`forward_gradient_means`), the means in red, darker for larger B; the arrows share
    one scale, the true one 1.5 units long. Returns the figure.
    """
    import matplotlib.pyplot as plt

    function = _plane_function(function)
    theta = check_vector("theta", theta, 2)
    means = _means(means)
    true_gradient = check_vector("true_gradient", true_gradient, 2)
    if not np.any(true_gradient):
        raise ValueError("true_gradient must be nonzero (it sets the arrows' scale), got [0, 0]")
    box = _box(box)
    scale = 1.5 / np.linalg.norm(true_gradient)
    fig, axes = plt.subplots(1, len(means), figsize=(5.5 * len(means), 4.2), sharey=True, squeeze=False)
    arrow = dict(angles="xy", scale_units="xy", scale=1)
    for ax, (name, by_count) in zip(axes[0], means.items()):
        _contours(ax, function, box, num=200)
        ax.quiver(*theta, *(scale * true_gradient), color="C0", width=0.014, alpha=0.6, label="true gradient",
                  **arrow)
        for shade, (B, mean) in zip(np.linspace(0.45, 1.0, len(by_count)), sorted(by_count.items())):
            ax.quiver(*theta, *(scale * mean), color=plt.cm.Reds(shade), width=0.005, label=f"mean of {B}", **arrow)
        ax.set_title(f"{name} tangents")
        ax.set_xlabel("x")
        ax.legend(loc="lower right", fontsize=8)
    axes[0, 0].set_ylabel("y")
    return fig


EXPLORER_STARTS = ((0.0, 0.5), (-1.0, -1.0), (1.0, 2.0), (2.0, -2.0), (-2.0, 2.0))
"""The start menu of the Beale explorer."""

EXPLORER_TRUE_RUNS: dict = {}
"""The explorer's true-gradient runs, by (function, start, optimizer, lr, max_iter): they do not
depend on the tangent law or the seed, so changing those reruns only the forward runs."""

MAX_EXPLORER_TRUE_RUNS = 256
"""Runs kept in ``EXPLORER_TRUE_RUNS`` (a few kB each): every start of the menu for each page of the grid."""


def _row(result: OptimizeResult, r: int) -> OptimizeResult:
    """Run ``r`` of a batched result, as :func:`minimize` returns a single start's run."""
    nit, status = int(result.nit[r]), str(result.status[r])
    return OptimizeResult(result.x[r], float(result.fun[r]), result.path[:nit + 1, r], result.fun_path[:nit + 1, r],
                          nit, bool(result.success[r]), status, _summary(np.array([status]), np.array([nit])),
                          result.optimizer, result.gradient, int(result.ngev[r]), int(result.njvp[r]))


def explorer_figure(lr, start=(0.0, 0.5), law="rademacher", optimizer="sgd", rng=0, *, function=None,
                    max_iter=300, num_runs=5, box=None, starts=EXPLORER_STARTS):
    """The Beale explorer's page: the runs of :func:`true_and_forward_runs` from ``start``, drawn by :func:`plot_runs`.

    300 steps by default, not more: one live update of the explorer reruns the optimizations
    (the ``num_runs`` forward runs in one batched :func:`minimize` call, and the true run when
    it is not kept), and each step is an autograd pass over the batch, so the step count sets
    the update time (0.3-0.6 ms per step here; ``benchmarks/bench_explorers.py``). The
    true runs are kept (``EXPLORER_TRUE_RUNS``) for the other laws and seeds, and computed for
    every start of ``starts`` (the explorer's start menu) at once: rows of one batched
    :func:`minimize` cost about what one run costs, and each row is the run from its start,
    bit for bit. Precomputing the pages of the other controls then leaves the true run of
    every start cached, so a live update that changes the start reruns only the forward runs.
    The title names every argument the explorer controls.
    """
    from matplotlib.figure import Figure

    from fgcourse.testfunctions import beale

    function = _plane_function(beale if function is None else function)
    start = check_vector("start", start, 2)
    starts = check_sequence("starts", starts, lambda name, point: tuple(check_vector(name, point, 2)),
                            what="starts (x, y)")
    num_runs = check_int("num_runs", num_runs, minimum=1)
    common = dict(optimizer=optimizer, lr=lr, max_iter=max_iter, law=law)

    def key(point):
        return function.name, tuple(point), repr(optimizer), repr(lr), repr(max_iter)

    if key(start) not in EXPLORER_TRUE_RUNS:
        if len(EXPLORER_TRUE_RUNS) >= MAX_EXPLORER_TRUE_RUNS:
            EXPLORER_TRUE_RUNS.clear()
        batch = list(dict.fromkeys([tuple(start), *starts]))
        runs = minimize(function, np.array(batch), gradient="true", **common)
        EXPLORER_TRUE_RUNS.update({key(point): _row(runs, r) for r, point in enumerate(batch)})
    true_run = EXPLORER_TRUE_RUNS[key(start)]
    # As true_and_forward_runs draws them: one batch of num_runs rows from the start.
    forward_runs = minimize(function, np.tile(start, (num_runs, 1)), gradient="forward", rng=rng, **common)
    status = ", ".join(sorted(set(forward_runs.status)))
    title = (f"{forward_runs.optimizer}, lr = {lr:g}, {fg.tangent_law(law).name} tangents, "
             f"from ({start[0]:g}, {start[1]:g}), seed {rng}: true {true_run.status}, forward {status}")
    fig = Figure(figsize=(10, 4))  # not a pyplot figure: an explorer renders its pages itself
    fig.subplots_adjust(wspace=0.25)
    return plot_runs(function, [true_run, forward_runs], box=box, axes=fig.subplots(1, 2), title=title)


# ---------------------------------------------------------- the step-size limit of forward SGD
#
# On f(θ) = ½ θᵀAθ with A = diag(a), forward SGD θ⁺ = θ − α ḡ, with ḡ the mean of B forward
# gradients under a law symmetric under sign flips and permutations of coordinates, moves
# the second moments d = (E[θ_i²])_i linearly:
#
#     d⁺ = M d,   M = I − 2α D + s_B α² D² + (w/B) α² 1 (a²)ᵀ,   D = diag(a),
#
# with w = E[v_i² v_j²] (i ≠ j) and s = E[v_i⁴] − w, s_B = 1 + (s − 1)/B: Rademacher w = 1,
# s = 0; Gaussian w = 1, s = 2. M is a diagonal plus a positive rank-one matrix, so its
# Perron root r solves the secular equation (w/B) α² Σ_i a_i² / (r − δ_i) = 1, δ_i = M's
# diagonal part 1 − 2α a_i + s_B α² a_i², and r < 1 iff every s_B α a_i < 2 and
# φ(α) = (w/B) Σ_i α a_i / (2 − s_B α a_i) < 1. φ increases with α, so the mean-square
# stable learning rates form an interval (0, α*): α* = 2/(w tr A) when s_B = 0 (one Rademacher
# tangent), a root of φ = 1 otherwise.


def _diagonal(a) -> np.ndarray:
    """The diagonal a of A = diag(a): a real vector of positive numbers (A positive definite)."""
    a = check_vector("a", a)
    if not np.all(a > 0):
        raise ValueError(f"a must hold positive numbers (A = diag(a) positive definite), got min(a) = {a.min():g}")
    return a


def _symmetric_law(law, n: int):
    """A tangent law whose fourth moments are two numbers (gaussian, rademacher, sphere)."""
    law = fg.tangent_law(law)
    if not isinstance(law, fg.SymmetricLaw):
        raise ValueError(f"law must be symmetric under sign flips and permutations of coordinates "
                         f"(one of {tuple(fg.LAWS)}), got {law.name}: a rotation couples the coordinates of "
                         f"a diagonal quadratic, and the second moments E[θ_i²] no longer follow a closed recursion")
    law.check_dimension(n)
    return law


def _moment_weights(law, n: int, B: int) -> tuple[float, float]:
    """(w/B, s_B): the rank-one and the D² coefficients of the recursion for B tangents."""
    w = law.alpha(n)
    s = 3 * law.alpha(n) + law.beta(n) - w  # E[v_i⁴] − w
    if s < 0:  # impossible for real tangents: E[v_i² v_j²] ≤ E[v_i⁴] by Cauchy–Schwarz
        raise ValueError(f"law must have E[v_i^4] >= E[v_i^2 v_j^2] (true of every law of real tangents), "
                         f"got {law.name} with E[v_i^4] - E[v_i^2 v_j^2] = {s:g}")
    return w / B, 1 + (s - 1) / B


def sgd_step_limit(a) -> float:
    """2 / max_i a_i: true-gradient SGD on ½ θᵀ diag(a) θ converges from every start iff α < this."""
    return 2.0 / float(np.max(_diagonal(a)))


def second_moment_recursion(a, law, lr: float, *, B: int = 1) -> np.ndarray:
    """The matrix M of d_k = M d_{k−1}, d_k = (E[θ_{k,i}²])_i, for forward SGD on ½ θᵀ diag(a) θ.

    M = I − 2α D + s_B α² D² + (w/B) α² 1 (a²)ᵀ with D = diag(a), w = E[v_i² v_j²] (i ≠ j),
    s = E[v_i⁴] − w and s_B = 1 + (s − 1)/B for the mean of B tangents: for one Rademacher
    tangent M = I − 2α D + α² 1 (a²)ᵀ, for one Gaussian tangent M = I − 2α D + 2α² D² + α² 1 (a²)ᵀ.
    ``law`` is gaussian, rademacher or sphere (or its name); the answer is n × n.
    """
    a = _diagonal(a)
    law = _symmetric_law(law, a.size)
    lr = check_positive("lr", lr)
    B = check_int("B", B, minimum=1)
    rank_one, squares = _moment_weights(law, a.size, B)
    M = rank_one * lr**2 * np.outer(np.ones(a.size), a**2)
    M[np.diag_indices(a.size)] += 1 - 2 * lr * a + squares * lr**2 * a**2
    return M


def forward_sgd_step_limit(a, law, *, B: int = 1) -> float:
    """α*: forward SGD on ½ θᵀ diag(a) θ is mean-square stable (E‖θ_k‖² → 0 from every start) iff α < α*.

    For one Rademacher tangent α* = 2 / tr A (true SGD: 2 / max a, :func:`sgd_step_limit`); for
    one Gaussian tangent α* is the root in (0, 1/max a) of Σ_i α a_i / (1 − α a_i) = 2, between
    2 / (tr A + 2 max a) and 2 / tr A. In general α* solves (w/B) Σ_i α a_i / (2 − s_B α a_i) = 1
    (see :func:`second_moment_recursion`): the spectral radius of M crosses 1 there. O(n) memory.
    """
    from scipy.optimize import brentq

    a = _diagonal(a)
    law = _symmetric_law(law, a.size)
    B = check_int("B", B, minimum=1)
    rank_one, squares = _moment_weights(law, a.size, B)

    def excess(alpha):  # φ(α) − 1, increasing in α where every s_B α a_i < 2
        x = alpha * a
        return rank_one * float(np.sum(x / (2 - squares * x))) - 1

    if squares == 0:  # one Rademacher tangent: φ is linear in α
        return 2.0 / (rank_one * float(np.sum(a)))
    pole = 2.0 / (squares * float(np.max(a)))  # φ → ∞ there
    upper = pole * (1 - 1e-12)
    if excess(upper) <= 0:
        return pole  # the root lies within 1e-12 of the pole (very large B)
    return float(brentq(excess, 0.0, upper, xtol=1e-300, rtol=1e-14, maxiter=500))


def step_limit_runs(a, law, factors, rng, *, num_runs: int = 20, max_iter: int = 3000, target: float = 1e-8,
                    B: int = 1) -> dict[float, OptimizeResult]:
    """``{factor: runs}``: ``num_runs`` forward-SGD runs on ½ θᵀ diag(a) θ at lr = factor · α*.

    α* is :func:`forward_sgd_step_limit`; every run starts at θ_0 = (1, …, 1) and stops at
    f ≤ ``target`` ("converged") or when it diverges. The factors share one stream of tangents
    from ``rng`` (an int seed or a Generator), in the order given.
    """
    a = _diagonal(a)
    law = _symmetric_law(law, a.size)
    factors = check_sequence("factors", factors, check_positive, what="positive multiples of the limit")
    rng = check_rng("rng", rng)
    num_runs = check_int("num_runs", num_runs, minimum=1)
    limit = forward_sgd_step_limit(a, law, B=B)
    f, x0 = diagonal_quadratic(a), np.ones((num_runs, a.size))
    return {factor: minimize(f, x0, "sgd", factor * limit, gradient="forward", law=law, B=B, max_iter=max_iter,
                             rng=rng, target=target) for factor in factors}


def mean_square_path(a, law, lr: float, x0, num_steps: int, *, B: int = 1) -> np.ndarray:
    """E‖θ_k‖² for k = 0, …, ``num_steps`` of forward SGD on ½ θᵀ diag(a) θ from θ_0 = ``x0`` (n,).

    Σ_i (M^k d_0)_i with d_0 = θ_0² and M from :func:`second_moment_recursion`: what the mean of
    ‖θ_k‖² over many runs tends to (not what a typical run does, when the steps are heavy-tailed).
    """
    M = second_moment_recursion(a, law, lr, B=B)
    d = check_vector("x0", x0, M.shape[0], against="a") ** 2
    num_steps = check_int("num_steps", num_steps, minimum=0)
    path = np.empty(num_steps + 1)
    path[0] = d.sum()
    with np.errstate(over="ignore"):  # far above the limit the moments overflow to inf, which is the answer
        for k in range(1, num_steps + 1):
            d = M @ d
            path[k] = d.sum()
    return path
