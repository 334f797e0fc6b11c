"""The training loop: minibatch steps of an optimizer of :mod:`fgcourse.optim` fed by one oracle.

Every ``eval_every`` steps (and at steps 0 and ``max_iter``) the loop records the loss on the
whole training set, the validation loss and accuracy, the time spent in steps so far (the
evaluations are not timed: they are the same for every oracle) and the oracle calls so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fgcourse import forward_gradient as fg
from fgcourse._checks import (
    call_user,
    check_bool,
    check_callable,
    check_instance,
    check_int,
    check_option,
    check_output,
    check_positive,
    check_rng,
)
from fgcourse._vocabulary import is_success, status_message
from fgcourse.optim import blow_ups, get_optimizer

from .data import Split
from .estimators import GRADIENTS, step_gradient
from .models import get_model

__all__ = ["TRAIN_STATUSES", "Setting", "TrainResult", "train", "minibatches"]

TRAIN_STATUSES = ("max_iter", "diverged", "non_finite")
"""A run spends its budget ("max_iter") or stops early because its minibatch loss or θ grew beyond
the divergence threshold ("diverged") or became inf or NaN ("non_finite"), as :func:`~fgcourse.optim.minimize`'s
runs do. Training asks for no target, so "max_iter" is a success
(:func:`fgcourse._vocabulary.is_success`)."""


@dataclass(frozen=True)
class Setting:
    """What a run trains and how: the keys of a stored run (``law`` is "" for true gradients)."""

    model: str
    optimizer: str
    lr: float
    gradient: str
    law: str
    B: int
    max_iter: int

    @property
    def label(self) -> str:
        if self.gradient == "true":
            return "backprop"
        kind = "weights" if self.gradient == "forward" else "activities"
        return f"{self.law} ({kind}, B = {self.B})"


@dataclass(frozen=True)
class TrainResult:
    """One training run.

    ``x`` is the last θ (the one before a step that blew up), ``nit`` the steps done, ``status`` one
    of :data:`TRAIN_STATUSES`, ``ngev`` / ``njvp`` the oracle calls of all steps. The history has
    one entry per evaluation: the running counts ``nit_path`` (steps done when it was taken),
    ``ngev_path`` and ``njvp_path`` (oracle calls so far), then ``train_loss`` (whole training
    set), ``val_loss``, ``val_accuracy`` and ``seconds`` (time in steps so far): the columns of a
    :class:`~fgcourse.training.RunTable`'s rows, under the same names. A run that blew up keeps
    the evaluations made before. ``fun`` is the last recorded training loss.
    """

    setting: Setting
    x: np.ndarray
    fun: float
    nit: int
    status: str
    success: bool
    message: str
    ngev: int
    njvp: int
    nit_path: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    seconds: np.ndarray
    ngev_path: np.ndarray
    njvp_path: np.ndarray


def minibatches(m: int, rng: np.random.Generator, batch_size: int):
    """Index arrays of ``batch_size`` rows out of m, epoch after epoch: each epoch is a fresh
    permutation by ``rng`` cut into ⌊m / batch_size⌋ batches (the remainder waits for a later epoch).

    The arguments are checked when the generator is made, not at its first ``next``: a batch
    larger than the rows (it would never yield) is refused there."""
    m = check_int("m", m, minimum=1)
    rng = check_rng("rng", rng)
    batch_size = check_int("batch_size", batch_size, minimum=1, maximum=m)
    return _batches(m, rng, batch_size)


def _batches(m: int, rng: np.random.Generator, batch_size: int):
    while True:
        order = rng.permutation(m)
        for start in range(0, m - batch_size + 1, batch_size):
            yield order[start:start + batch_size]


def train(
    model,
    data: Split,
    optimizer="sgd",
    lr: float = 0.01,
    *,
    gradient: str = "true",
    law="gaussian",
    rng=0,
    B: int = 1,
    max_iter: int = 2000,
    batch_size: int = 64,
    eval_every: int = 100,
    divergence_threshold: float = 1e8,
    progress: bool = False,
    clock: Callable[[], float] = time.perf_counter,
) -> TrainResult:
    """Train ``model`` on ``data.X_train`` for ``max_iter`` minibatch steps θ_k = θ_{k−1} + α d_k.

    Parameters
    ----------
    model:
        ``"softmax"``, ``"mlp"`` (see :data:`~fgcourse.training.models.MODELS`) or a Model.
    data:
        A :class:`Split` (its arrays are checked when it is built: finite inputs, labels in range).
    optimizer, lr:
        An optimizer of :mod:`fgcourse.optim` (name or instance) and its learning rate α.
    gradient, law:
        The oracle: ``"true"`` (backprop), ``"forward"`` (weight perturbation) or ``"activity"``
        (activity perturbation), and its tangent law (unused by backprop, which draws nothing).
    rng:
        An int seed or a Generator. Three independent streams are spawned from it, for θ_0,
        the minibatches and the tangents, so runs with the same seed start from the same θ_0
        and see the same minibatches whatever their oracle.
    B, max_iter, batch_size, eval_every:
        Tangents per step (unused by backprop), steps, rows per minibatch (at most the training
        rows), steps between evaluations.
    divergence_threshold:
        A run stops as "diverged" when its minibatch loss or max|θ_i| exceeds this, and as
        "non_finite" when one of them is inf or NaN.
    progress:
        Show a tqdm progress bar.
    clock:
        The clock of ``seconds`` (``time.perf_counter``: wall time; ``time.process_time``: CPU time).
    """
    model = get_model(model)
    check_instance("data", data, Split, "a Split (e.g. digits_split())")
    if data.num_features != model.widths[0] or data.num_classes != model.widths[-1]:
        raise ValueError(f"data must have {model.widths[0]} features and {model.widths[-1]} classes for the "
                         f"{model.name} model, got {data.num_features} and {data.num_classes}")
    optimizer = get_optimizer(optimizer)
    lr = check_positive("lr", lr)
    gradient = check_option("gradient", gradient, GRADIENTS)
    law = fg.tangent_law(law)
    B = check_int("B", B, minimum=1)
    rng = check_rng("rng", rng)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    m = data.X_train.shape[0]
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if batch_size > m:
        raise ValueError(f"batch_size must be an integer >= 1 and <= {m} (the training rows), got {batch_size}")
    eval_every = check_int("eval_every", eval_every, minimum=1)
    divergence_threshold = check_positive("divergence_threshold", divergence_threshold)
    progress = check_bool("progress", progress)
    clock = check_callable("clock", clock, "() -> seconds")
    check_output("clock", call_user("clock", clock), ())

    setting = Setting(model.name, optimizer.name, lr, gradient, "" if gradient == "true" else law.name,
                      1 if gradient == "true" else B, max_iter)
    init_rng, batch_rng, tangent_rng = rng.spawn(3)
    theta = model.init(init_rng)
    batches = minibatches(m, batch_rng, batch_size)
    state = optimizer.init(theta)
    history = {key: [] for key in ("nit_path", "train_loss", "val_loss", "val_accuracy", "seconds", "ngev_path",
                                   "njvp_path")}
    ngev = njvp = 0
    seconds = 0.0

    def evaluate(k):
        for key, value in (("nit_path", k), ("train_loss", model.loss(theta, data.X_train, data.y_train)),
                           ("val_loss", model.loss(theta, data.X_val, data.y_val)),
                           ("val_accuracy", model.accuracy(theta, data.X_val, data.y_val)),
                           ("seconds", seconds), ("ngev_path", ngev), ("njvp_path", njvp)):
            history[key].append(value)

    evaluate(0)
    status, nit = "max_iter", max_iter
    bar = _progress_bar(max_iter, setting, progress)
    with np.errstate(all="ignore"):  # overflow in a diverging run is reported through its status
        for k in range(1, max_iter + 1):
            start = clock()
            index = next(batches)
            value, g, calls, jvps = step_gradient(model, theta, data.X_train[index], data.y_train[index], gradient,
                                                  law, tangent_rng, B)
            direction, new_state = optimizer.direction(g, state, k)
            new_theta = theta + lr * direction
            seconds += clock() - start
            ngev, njvp = ngev + calls, njvp + jvps
            non_finite, beyond = blow_ups(value, new_theta, divergence_threshold)
            if non_finite or beyond:  # the step is refused, as minimize refuses a non-finite one
                status, nit = ("non_finite" if non_finite else "diverged"), k - 1
                break
            theta, state = new_theta, new_state
            bar.update()
            if k % eval_every == 0 or k == max_iter:
                evaluate(k)
    bar.close()
    arrays = {key: np.asarray(values) for key, values in history.items()}
    detail = (f"validation accuracy {arrays['val_accuracy'][-1]:.3f}" if status == "max_iter"
              else f"minibatch loss {value:.3g} at step {nit + 1}")
    message = status_message(status, nit, detail=detail)
    return TrainResult(setting, theta, float(arrays["train_loss"][-1]), nit, status, is_success(status, target=False),
                       message, ngev, njvp, **arrays)


class _NoBar:
    def update(self):
        pass

    def close(self):
        pass


def _progress_bar(total: int, setting: Setting, show: bool):
    if not show:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc=f"{setting.optimizer} lr={setting.lr:g} {setting.label}", leave=False)
