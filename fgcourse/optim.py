"""First-order optimizers fed by true or forward gradients: SGD, clipped SGD, Adam, AdaBelief.

Notation (the book's): θ_k is the iterate after k steps, g_k the gradient estimate used by
step k (computed at θ_{k−1}), α the learning rate, and every update has the form

    θ_k = θ_{k−1} − α d_k,

where the *direction* d_k is what distinguishes the optimizers. All operations on vectors
are element-wise. Adam's second moment is written p_k (not v_k) because v is the tangent
of a forward gradient, as in Belouze (001, §4.2.2).

Everything is vectorized over a batch of starts: θ has shape ``(B, n)``, one row per run,
and a single call of the gradient oracle serves all rows:

- the *true* gradient: reverse mode, one autograd ``make_vjp`` call on the row-wise
  objective, pulled back with a vector of ones (row b of the result is ∇f(θ_b) because
  rows do not interact);
- a *forward* gradient g = (∇f(θ)·v) v under any tangent law, computed by
  :func:`fgcourse.forward_gradient.forward_gradient_batch` (forward mode only).

:func:`minimize` runs any optimizer with either oracle, records the trajectory and the
loss history, and stops each run cleanly with a status ("converged", "max_steps",
"diverged", "non_finite") instead of raising from deep inside numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import autograd.numpy as anp
import numpy as np
from autograd import make_vjp

from fgcourse import forward_gradient as fg

__all__ = [
    "Optimizer", "SGD", "ClippedSGD", "Adam", "AdaBelief", "OPTIMIZERS", "get_optimizer",
    "true_gradient_batch", "OptimizeResult", "minimize", "iterations_to_reach", "true_and_forward_runs",
    "plot_runs", "explorer_figure",
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


@dataclass(frozen=True)
class SGD(Optimizer):
    """Plain (stochastic) gradient descent: d_k = g_k, so θ_k = θ_{k−1} − α g_k."""

    name = "sgd"

    def direction(self, g, state, k):
        return g, state


@dataclass(frozen=True)
class ClippedSGD(Optimizer):
    """SGD on the gradient projected onto the ℓ∞ ball of radius ``clip`` (001, §4.2.1):

        d_k = clip(g_k, −c, c),  i.e.  d_{k,i} = g_{k,i} if |g_{k,i}| ≤ c, else c·sign(g_{k,i}).

    With a forward gradient all coordinates of g_k have the same magnitude (for Rademacher
    tangents), so either none or all are clipped: a large forward gradient becomes c·sign.
    """

    clip: float = 1.0
    name = "clipped_sgd"

    def __post_init__(self):
        if not self.clip > 0:
            raise ValueError(f"clip must be > 0, got {self.clip!r}")

    def direction(self, g, state, k):
        return np.clip(g, -self.clip, self.clip), state


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam (Kingma & Ba, Algorithm 1), with ε *outside* the square root:

        m_k = β1 m_{k−1} + (1 − β1) g_k,          m̂_k = m_k / (1 − β1^k)
        p_k = β2 p_{k−1} + (1 − β2) g_k²,         p̂_k = p_k / (1 − β2^k)
        d_k = m̂_k / (√p̂_k + ε),                   m_0 = p_0 = 0.

    Belouze's report (000) writes the denominator both as √(p + ε) and √p + ε, the paper
    (001) as √(p + ε); we follow Kingma & Ba: √p̂ + ε. The two floor the denominator at
    √ε = 10⁻⁴ and at ε = 10⁻⁸ respectively, so they differ only where p̂ is comparable to
    ε, i.e. for gradients of size about 10⁻⁴ or less.
    """

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    name = "adam"

    def __post_init__(self):
        for label, beta in (("beta1", self.beta1), ("beta2", self.beta2)):
            if isinstance(beta, bool) or not isinstance(beta, (int, float, np.integer, np.floating)):
                raise TypeError(f"{label} must be a number in [0, 1), got {beta!r}")
            if not 0 <= beta < 1:
                raise ValueError(f"{label} must lie in [0, 1), got {beta!r}")
        if not self.eps > 0:
            raise ValueError(f"eps must be > 0, got {self.eps!r}")

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
    """AdaBelief (Zhuang et al., Algorithm 2): Adam whose second moment is the moving
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
    if isinstance(optimizer, str) and optimizer in OPTIMIZERS:
        return OPTIMIZERS[optimizer]
    raise ValueError(
        f"optimizer must be one of {sorted(OPTIMIZERS)} or an Optimizer instance, got {optimizer!r}"
    )


# ------------------------------------------------------------------------ gradient oracles


def true_gradient_batch(f: Callable, thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(values, G)``: f on each row of ``thetas`` (B, n) and each row's gradient, by reverse mode.

    One ``make_vjp`` call: since row b of f's output depends on row b of the input only,
    the pullback of the all-ones cotangent is the stack of the rows' gradients.
    """
    pullback, values = make_vjp(f)(thetas)
    return values, pullback(anp.ones_like(values))


# -------------------------------------------------------------------------------- minimize

STATUSES = ("converged", "max_steps", "diverged", "non_finite")


@dataclass(frozen=True)
class OptimizeResult:
    """The outcome of :func:`minimize`.

    For a batch of ``B`` starts (x0 of shape ``(B, n)``), with ``T = max(nit) + 1``:

    - ``x`` (B, n): the last recorded iterate of each run; ``fun`` (B,): its loss;
    - ``trajectory`` (T, B, n) and ``losses`` (T, B): iterates θ_0, θ_1, … and f(θ_k);
      a run that stopped after ``nit[b] < T − 1`` steps is padded with NaN afterwards;
    - ``nit`` (B,): steps taken; ``status`` (B,): one of "converged" (loss ≤ target),
      "max_steps", "diverged" (|θ| or loss above the threshold; that iterate is recorded),
      "non_finite" (a step produced inf/NaN; that iterate is *not* recorded);
    - ``message``: a one-line summary.

    For a single start (x0 of shape ``(n,)``) the batch axis is dropped: ``x`` (n,),
    ``fun`` float, ``trajectory`` (T, n), ``losses`` (T,), ``nit`` int, ``status`` str.
    """

    x: np.ndarray
    fun: np.ndarray | float
    trajectory: np.ndarray
    losses: np.ndarray
    nit: np.ndarray | int
    status: np.ndarray | str
    message: str
    optimizer: str
    gradient: str


def _check_x0(x0) -> np.ndarray:
    try:
        X0 = np.array(x0, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(f"x0 must be an array of numbers of shape (n,) or (B, n), got {x0!r}") from error
    if X0.ndim not in (1, 2) or X0.size == 0:
        raise ValueError(f"x0 must have shape (n,) or (B, n) with n, B >= 1, got shape {X0.shape}")
    if not np.all(np.isfinite(X0)):
        raise ValueError("x0 must be finite, got inf or NaN entries")
    return X0


def _check_objective(f, X0: np.ndarray) -> None:
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    with np.errstate(all="ignore"):
        values = np.asarray(f(X0))
    if values.shape != (X0.shape[0],):
        raise ValueError(
            f"f must be a scalar objective evaluated row-wise: f(X) of shape ({X0.shape[0]},) for X of "
            f"shape {X0.shape}, got shape {values.shape} (write reductions over axis=-1, index x[..., i])"
        )


def _check_positive(name, value, integer=False):
    kind = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(f"{name} must be a {'positive int' if integer else 'positive number'}, got {value!r}")
    if integer and value < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")
    if not (value > 0 and np.isfinite(value)):
        raise ValueError(f"{name} must be > 0 and finite, got {value!r}")


def _oracle(f, gradient, law, num_tangents, rng):
    law = fg.tangent_law(law)  # checked even when unused: an unknown law is an error either way
    if gradient == "true":
        return lambda thetas: true_gradient_batch(f, thetas)
    if gradient == "forward":
        _check_positive("num_tangents", num_tangents, integer=True)
        if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
            rng = np.random.default_rng(rng)
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"gradient='forward' needs rng, a numpy.random.Generator or an int seed, got {rng!r}"
            )
        return lambda thetas: fg.forward_gradient_batch(f, thetas, rng, law=law, num_tangents=num_tangents)
    raise ValueError(f"gradient must be 'true' or 'forward', got {gradient!r}")


def _summary(status: np.ndarray, nit: np.ndarray) -> str:
    if status.size == 1:
        return f"{status[0]} after {nit[0]} steps"
    counts = ", ".join(f"{np.sum(status == s)} {s}" for s in STATUSES if np.any(status == s))
    return f"{status.size} runs: {counts}"


def minimize(
    f: Callable,
    x0,
    optimizer="sgd",
    lr: float = 0.01,
    *,
    gradient: str = "true",
    law="rademacher",
    num_tangents: int = 1,
    steps: int = 1000,
    rng=None,
    target: float | None = None,
    divergence_threshold: float = 1e8,
) -> OptimizeResult:
    """Run ``steps`` iterations θ_k = θ_{k−1} − α d_k from every row of ``x0`` at once.

    Parameters
    ----------
    f:
        Row-wise objective, ``(B, n) -> (B,)`` (every :mod:`fgcourse.testfunctions` entry is).
    x0:
        One start ``(n,)`` or a batch of starts ``(B, n)``.
    optimizer:
        ``"sgd"``, ``"clipped_sgd"``, ``"adam"``, ``"adabelief"`` or an :class:`Optimizer`.
    lr:
        The learning rate α > 0.
    gradient:
        ``"true"`` (reverse mode) or ``"forward"`` (forward gradient, forward mode only).
    law, num_tangents, rng:
        For forward gradients: the tangent law (name or object), how many tangents are
        averaged per step, and a ``numpy.random.Generator`` or int seed.
    steps:
        Maximal number of steps (≥ 1).
    target:
        A run converges (and stops) once its loss is ≤ ``target``; ``None``: never.
    divergence_threshold:
        A run diverges (and stops) once max|θ_i| or its loss exceeds this.
    """
    X0 = _check_x0(x0)
    single = X0.ndim == 1
    X = X0[None, :] if single else X0
    _check_objective(f, X)
    optimizer = get_optimizer(optimizer)
    _check_positive("lr", lr)
    _check_positive("steps", steps, integer=True)
    _check_positive("divergence_threshold", divergence_threshold)
    oracle = _oracle(f, gradient, law, num_tangents, rng)

    B, n = X.shape
    trajectory = np.full((steps + 1, B, n), np.nan)
    losses = np.full((steps + 1, B), np.nan)
    nit = np.zeros(B, dtype=int)
    status = np.full(B, "max_steps", dtype=object)
    if target is not None and (isinstance(target, bool) or not isinstance(target, (int, float, np.number))):
        raise TypeError(f"target must be a number or None, got {target!r}")
    target_value = -np.inf if target is None else target

    # Overflow in a diverging run is an expected outcome, reported through its status.
    with np.errstate(all="ignore"):
        values, G = oracle(X)
        trajectory[0], losses[0] = X, values
        active = np.isfinite(values)
        status[~active] = "non_finite"
        done = active & (values <= target_value)
        status[done], active = "converged", active & ~done
        state = optimizer.init(X)
        for k in range(1, steps + 1):
            if not active.any():
                break
            direction, new_state = optimizer.direction(G, state, k)
            X_new = X - lr * direction
            values_new, G_new = oracle(X_new)

            moving = active & np.isfinite(values_new) & np.all(np.isfinite(X_new), axis=1)
            if moving.all():  # the common case, kept free of masking
                X, G, state = X_new, G_new, new_state
                trajectory[k], losses[k] = X_new, values_new
            else:
                status[active & ~moving] = "non_finite"
                trajectory[k, moving], losses[k, moving] = X_new[moving], values_new[moving]
                keep = moving[:, None]
                X, G = np.where(keep, X_new, X), np.where(keep, G_new, G)
                state = tuple(np.where(keep, new, old) for new, old in zip(new_state, state))
            nit[moving] = k

            diverged = moving & (
                (np.max(np.abs(X_new), axis=1) > divergence_threshold) | (values_new > divergence_threshold)
            )
            converged = moving & ~diverged & (values_new <= target_value)
            status[diverged], status[converged] = "diverged", "converged"
            active = moving & ~diverged & ~converged

    last = nit.max() + 1
    trajectory, losses = trajectory[:last], losses[:last]
    fun = losses[nit, np.arange(B)]
    status = status.astype(str)
    message = _summary(status, nit)
    if single:
        return OptimizeResult(X[0], float(fun[0]), trajectory[:, 0], losses[:, 0], int(nit[0]), str(status[0]),
                              message, optimizer.name, gradient)
    return OptimizeResult(X, fun, trajectory, losses, nit, status, message, optimizer.name, gradient)


def iterations_to_reach(result: OptimizeResult, level: float) -> np.ndarray | int:
    """The first k with f(θ_k) ≤ ``level`` for each run of ``result``, −1 for runs that never get there.

    With ``level = f* + 0.1`` this is the fixed-target cost used in 001's performance profiles.
    """
    reached = result.losses <= level  # NaN padding compares False
    first = np.where(reached.any(axis=0), reached.argmax(axis=0), -1)
    return int(first) if first.ndim == 0 else first


def true_and_forward_runs(
    f: Callable, x0, optimizer="sgd", lr: float = 0.01, *, law="rademacher", seed: int = 0,
    steps: int = 2000, num_runs: int = 5, num_tangents: int = 1, target: float | None = None,
) -> tuple[OptimizeResult, OptimizeResult]:
    """The true-gradient run from ``x0`` (n,) and ``num_runs`` forward-gradient runs from it.

    The forward runs form one batch (rows are independent tangent draws from ``seed``), so
    the pair costs two vectorized :func:`minimize` calls.
    """
    x0 = _check_x0(x0)
    if x0.ndim != 1:
        raise ValueError(f"x0 must be a single start of shape (n,), got shape {x0.shape}")
    _check_positive("num_runs", num_runs, integer=True)
    common = dict(optimizer=optimizer, lr=lr, steps=steps, target=target)
    true_run = minimize(f, x0, gradient="true", **common)
    forward_runs = minimize(f, np.tile(x0, (num_runs, 1)), gradient="forward", law=law,
                            num_tangents=num_tangents, rng=np.random.default_rng(seed), **common)
    return true_run, forward_runs


# --------------------------------------------------------------------------------- figures

RUN_COLORS = {"true": "C0", "forward": "C3"}


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
    """Trajectories on log-spaced contours (left) and f(θ_k) − f* against k (right).

    ``function`` is a two-dimensional :class:`~fgcourse.testfunctions.TestFunction`,
    ``runs`` a sequence of :class:`OptimizeResult` (every row of each is drawn, colored by
    its gradient kind: true in blue, forward in red), ``box`` the contour window
    ``((x_low, x_high), (y_low, y_high))``. Returns the figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import LogFormatter

    from fgcourse.testfunctions import contour_grid

    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        fig.subplots_adjust(wspace=0.25)
    contour_ax, loss_ax = axes
    X, Y, Z = contour_grid(function, box, num=100)
    gap = Z - function.minimum
    levels = np.logspace(np.log10(max(gap.min(), 1e-3)), np.log10(gap.max()), 20)
    contour_ax.contour(X, Y, gap, levels=levels, norm=LogNorm(), cmap="Greys", linewidths=0.7)
    star = function.minimizer(2)
    contour_ax.plot(*star, marker="*", color="gold", markeredgecolor="k", markersize=15, zorder=5)
    for run in runs:
        color = RUN_COLORS[run.gradient]
        paths = run.trajectory if run.trajectory.ndim == 3 else run.trajectory[:, None, :]
        gaps = (run.losses if run.losses.ndim == 2 else run.losses[:, None]) - function.minimum
        label = f"{run.gradient} gradient"
        steps = _thinned_steps(paths.shape[0])
        paths, gaps = paths[steps], gaps[steps]
        for b in range(paths.shape[1]):
            contour_ax.plot(paths[:, b, 0], paths[:, b, 1], color=color, lw=1, alpha=0.8, label=label)
            contour_ax.plot(*paths[0, b], "o", color=color, markersize=4)
            loss_ax.semilogy(steps, np.maximum(gaps[:, b], 1e-16), color=color, lw=1, alpha=0.8, label=label)
            label = None
    contour_ax.set_xlim(X.min(), X.max())
    contour_ax.set_ylim(Y.min(), Y.max())
    # Plain-text labels: mathtext parsing (tick labels like 10^-5 included) would cost
    # a third of an explorer update.
    contour_ax.set_xlabel("x")
    contour_ax.set_ylabel("y")
    contour_ax.legend(loc="upper left", fontsize=8)
    loss_ax.yaxis.set_major_formatter(LogFormatter())
    loss_ax.set_xlabel("iteration k")
    loss_ax.set_ylabel("f(θ_k) − f*")
    loss_ax.legend(fontsize=8)
    if title:
        contour_ax.figure.suptitle(title)
    return contour_ax.figure


def explorer_figure(lr, start=(0.0, 0.5), law="rademacher", optimizer="sgd", seed=0, *, function=None,
                    steps=1500, num_runs=5, box=None):
    """The Beale explorer's page: :func:`true_and_forward_runs` from ``start``, drawn by :func:`plot_runs`."""
    from fgcourse.testfunctions import beale

    function = beale if function is None else function
    true_run, forward_runs = true_and_forward_runs(function, start, optimizer, lr, law=law, seed=seed,
                                                   steps=steps, num_runs=num_runs)
    title = (f"{optimizer}, lr = {lr}, {law} tangents: true {true_run.status}, "
             f"forward {', '.join(sorted(set(forward_runs.status)))}")
    return plot_runs(function, [true_run, forward_runs], box=box, title=title)
