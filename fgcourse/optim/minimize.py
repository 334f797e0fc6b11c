"""Runs of an optimizer fed by true or forward gradients: :func:`minimize` and its result.

Everything is vectorized over a batch of R starts: θ has shape ``(R, n)``, one row per
*run*, and a single call of the gradient oracle serves all rows (B always counts tangents):

- the *true* gradient: reverse mode, one autograd ``make_vjp`` call on the row-wise
  objective, pulled back with a vector of ones (row r of the result is ∇f(θ_r) because
  rows do not interact);
- a *forward* gradient g = (1/B) Σ_b (∇f(θ)·v_b) v_b under any tangent law, computed as
  :func:`fgcourse.forward_gradient.forward_gradient_batch` computes it (forward mode only),
  through :func:`~fgcourse.forward_gradient.forward_gradient_oracle`, checked once per run.

:func:`minimize` runs any optimizer of :mod:`.optimizers` with either oracle, records the path
and the values along it, and stops each run cleanly with a status (:data:`OPTIMIZE_STATUSES`)
instead of raising from deep inside numpy. :func:`true_and_forward_runs` pairs a true run with
forward runs from the same start, :func:`forward_runs_batch` the forward runs of several starts
and seeds in one batch, :func:`iterations_to_reach` reads a result's fixed-target cost, and
:func:`forward_gradient_means` gives the means of B forward gradients at a point.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
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
from fgcourse._vocabulary import is_success, runs_message, status_message

from .optimizers import get_optimizer

__all__ = [
    "GRADIENTS", "true_gradient_batch", "OPTIMIZE_STATUSES", "OptimizeResult", "minimize",
    "check_optimize_result", "blow_ups", "iterations_to_reach", "true_and_forward_runs", "true_and_forward_batch",
    "forward_runs_batch", "forward_gradient_means",
]


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
    values = _row_values(values, thetas, at="thetas")
    return values, check_output("the gradient of f", G, thetas.shape, at="thetas")


def _row_values(values, X, at: str = "x0") -> np.ndarray:
    """f's values on the rows of X: one per row, shape (R,), said so in terms of the rows when not."""
    R, n = X.shape
    check_output("f", values, finite=False, at=at)  # real numbers first: a string is no shape question
    if np.ndim(values) != 1 or np.shape(values)[0] != R:
        shape = np.shape(values)
        raise ValueError(f"f must be row-wise: called on the {R} starting point(s) as rows of an array of shape "
                         f"({R}, {n}), it must return one value per row, shape ({R},); it returned shape {shape} at "
                         f"{at}. Write f for rows, e.g. anp.sum(x**2, axis=-1) rather than anp.sum(x**2) "
                         f"(a single start is passed as one row)")
    return check_output("f", values, (R,), at=at)


def _oracle(f, gradient, law, B, rng, n):
    """``thetas -> (values, G)``, its arguments checked once: minimize calls it at every step."""
    if gradient == "true":
        return lambda thetas: _values_and_gradients(f, thetas)
    return fg.forward_gradient_oracle(f, law, n, rng, B=B)


# -------------------------------------------------------------------------------- minimize

OPTIMIZE_STATUSES = ("converged", "max_iter", "diverged", "non_finite")
"""The status words of :func:`minimize`'s runs (meanings in :mod:`fgcourse._vocabulary`). Which
succeed is :func:`fgcourse._vocabulary.is_success`'s rule: with a ``target``, "converged" only;
without one, "max_iter" too (the run spent its budget without blowing up)."""

DIVERGENCE_THRESHOLD = 1e8
"""The default of :func:`minimize`'s ``divergence_threshold``."""


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
      recorded); ``success`` (R,): the run did what was asked, "converged" when a ``target``
      was given, "converged" or "max_iter" (its budget spent without blowing up) otherwise;
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

    def row(self, r: int) -> OptimizeResult:
        """Run ``r`` of a batched result, as :func:`minimize` returns a single start's run."""
        if np.ndim(self.nit) == 0:
            raise ValueError("r must index a run of a batch, got a single start's result (it has no batch axis)")
        r = check_int("r", r, minimum=0, maximum=np.size(self.nit) - 1)
        nit, status = int(self.nit[r]), str(self.status[r])
        return OptimizeResult(self.x[r], float(self.fun[r]), self.path[:nit + 1, r], self.fun_path[:nit + 1, r], nit,
                              bool(self.success[r]), status, status_message(status, nit),
                              self.optimizer, self.gradient, int(self.ngev[r]), int(self.njvp[r]))

    def rows(self, first: int, count: int) -> OptimizeResult:
        """Runs ``first`` to ``first + count − 1`` of a batched result, as :func:`minimize` returns
        the batch of their starts alone (its record cut after their last step)."""
        if np.ndim(self.nit) == 0:
            raise ValueError("first must index a run of a batch, got a single start's result (it has no batch axis)")
        first = check_int("first", first, minimum=0, maximum=np.size(self.nit) - 1)
        count = check_int("count", count, minimum=1, maximum=np.size(self.nit) - first)
        rows = slice(first, first + count)
        nit, status = self.nit[rows], self.status[rows]
        last = nit.max() + 1
        message = status_message(str(status[0]), int(nit[0])) if count == 1 else runs_message(status, OPTIMIZE_STATUSES)
        return OptimizeResult(self.x[rows], self.fun[rows], self.path[:last, rows], self.fun_path[:last, rows], nit,
                              self.success[rows], status, message, self.optimizer, self.gradient, self.ngev[rows],
                              self.njvp[rows])


def minimize(
    f: Callable,
    x0,
    optimizer="sgd",
    lr: float = 0.01,
    *,
    gradient: str = "true",
    law="rademacher",
    rng=None,
    B: int = 1,
    max_iter: int = 1000,
    target: float | None = None,
    divergence_threshold: float = DIVERGENCE_THRESHOLD,
) -> OptimizeResult:
    """Run at most ``max_iter`` iterations θ_k = θ_{k−1} + α d_k from every row of ``x0`` at once.

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
    law, rng, B:
        For forward gradients: the tangent law (name or object), an int seed or a
        ``numpy.random.Generator``, and the number B of tangents averaged per step.
        ``rng=None`` is accepted only with ``gradient="true"``, which draws nothing.
    max_iter:
        The budget: at most this many steps per run (≥ 1). The record grows with the steps
        actually done, so a large budget with an early ``target`` costs nothing.
    target:
        A run converges (and stops) once f ≤ ``target``, and only then succeeds; ``None``: no
        target, every run that neither diverges nor fails ends "max_iter", a success.
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
    target = None if target is None else check_real("target", target)
    divergence_threshold = check_positive("divergence_threshold", divergence_threshold)
    result = _run(_oracle(f, gradient, law, B, rng, X.shape[1]), X, optimizer, lr, gradient, B, max_iter, target,
                  divergence_threshold)
    return result.row(0) if single else result


def _run(oracle, X, optimizer, lr, gradient, B, max_iter, target, divergence_threshold) -> OptimizeResult:
    """:func:`minimize`'s iterations from the rows of ``X`` (R, n), its arguments checked, the gradients
    from ``oracle`` (``thetas -> (values, G)``): the batched result."""
    target_value = -np.inf if target is None else target
    R = X.shape[0]
    # f at x0 must make sense; the check also refuses an untraceable f before any step.
    values, G = oracle(X)
    values = _row_values(values, X)

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
            X_new = X + lr * direction
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

            non_finite, beyond = blow_ups(values_new, X_new, divergence_threshold)
            moving = active & ~non_finite
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

            diverged = moving & beyond
            converged = moving & ~diverged & (values_new <= target_value)
            status[diverged], status[converged] = "diverged", "converged"
            active = moving & ~diverged & ~converged
            all_active = bool(active.all())

    last = nit.max() + 1  # a step where every active run failed leaves an all-NaN last row
    path, fun_path = np.stack(path[:last]), np.stack(fun_path[:last])
    fun = fun_path[nit, np.arange(R)]
    status = status.astype(str)
    success = is_success(status, target=target is not None)
    ngev = evaluations if gradient == "true" else np.zeros(R, dtype=int)
    njvp = B * evaluations if gradient == "forward" else np.zeros(R, dtype=int)
    message = status_message(str(status[0]), int(nit[0])) if R == 1 else runs_message(status, OPTIMIZE_STATUSES)
    return OptimizeResult(X, fun, path, fun_path, nit, success, status, message, optimizer.name, gradient,
                          ngev, njvp)


def blow_ups(values, X, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise ``(non_finite, diverged)`` masks of a step to the points ``X`` (rows) with ``values``:
    a value or a coordinate is inf or NaN; or all are finite but the value or some |coordinate|
    exceeds ``threshold``. The one rule of :func:`minimize` and :func:`~fgcourse.training.train`
    for the statuses "non_finite" and "diverged" (a single point gives 0-d masks)."""
    values = np.asarray(values, dtype=float)
    X = np.asarray(X, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        finite = np.isfinite(values) & np.all(np.isfinite(X), axis=-1)
        beyond = finite & ((values > threshold) | (np.max(np.abs(X), axis=-1) > threshold))
    return ~finite, beyond


def check_optimize_result(name: str, result) -> OptimizeResult:
    """``result`` itself if it is an :class:`OptimizeResult`, else a TypeError naming ``name``."""
    return check_instance(name, result, OptimizeResult, "an OptimizeResult from minimize()")


def iterations_to_reach(result: OptimizeResult, level: float) -> np.ndarray | int:
    """The first k with f(θ_k) ≤ ``level`` for each run of ``result``, −1 for runs that never get there.

    With ``level = f* + 0.1`` this is the fixed-target cost used in belouze2022paper's
    performance profiles.
    """
    result = check_optimize_result("result", result)
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


def true_and_forward_batch(
    f: Callable, x0, optimizer="sgd", lr: float = 0.01, *, law="rademacher", rng, B: int = 1, max_iter: int = 2000,
    target: float | None = None,
) -> tuple[OptimizeResult, OptimizeResult]:
    """One true-gradient run and one forward-gradient run from each row of ``x0`` (R, n): two batches.

    The forward runs draw their tangents from ``rng`` (an int seed or a Generator); row r of
    each result is the run from row r of ``x0``, so the pair compares the two gradients start by
    start (the sources' trajectories from random starts in the plane).
    """
    x0 = _start("x0", x0, ndim=2)
    rng = check_rng("rng", rng)
    common = dict(optimizer=optimizer, lr=lr, max_iter=max_iter, target=target, law=law, B=B)
    return minimize(f, x0, gradient="true", **common), minimize(f, x0, gradient="forward", rng=rng, **common)


def forward_runs_batch(
    f: Callable, starts, seeds, optimizer="sgd", lr: float = 0.01, *, law="rademacher", num_runs: int = 5, B: int = 1,
    max_iter: int = 2000, target: float | None = None,
) -> list[list[OptimizeResult]]:
    """The ``num_runs`` forward runs of :func:`true_and_forward_runs` from every start of ``starts``
    (S, n) for every int seed of ``seeds``, as one batched :func:`minimize`: ``runs[k][s]`` is the
    batch of ``num_runs`` runs from ``starts[s]`` with ``rng=seeds[k]``.

    The runs from two starts with one seed draw the same tangents (the tangents do not depend
    on the iterates), so each pass draws ``num_runs`` tangents per seed and gives them to every
    start (:func:`~fgcourse.forward_gradient.forward_gradient_oracle` with ``repeats``). One
    autograd pass over K × S × ``num_runs`` rows costs little more than over ``num_runs``: its
    cost is the per-call overhead of tracing, not the arithmetic.
    """
    check_callable("f", f, "row-wise objective, array (R, n) -> array (R,)")
    starts = _start("starts", starts, ndim=2)
    seeds = check_sequence("seeds", seeds, lambda name, seed: check_int(name, seed, minimum=0), what="int seeds")
    num_runs = check_int("num_runs", num_runs, minimum=1)
    S, n = starts.shape
    # Checked as minimize checks them; the oracle checks law, B and the seeds.
    optimizer, lr = get_optimizer(optimizer), check_positive("lr", lr)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    target = None if target is None else check_real("target", target)
    oracle = fg.forward_gradient_oracle(f, law, n, list(seeds), B=B, repeats=S)
    X = np.tile(np.repeat(starts, num_runs, axis=0), (len(seeds), 1))  # row (k S + s) num_runs + j
    result = _run(oracle, X, optimizer, lr, "forward", B, max_iter, target, DIVERGENCE_THRESHOLD)
    return [[result.rows((k * S + s) * num_runs, num_runs) for s in range(S)] for k in range(len(seeds))]


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
