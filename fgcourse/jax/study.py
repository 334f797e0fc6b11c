"""The MLP study of gao2023gradients (§4.2) in JAX, on the digits of scikit-learn.

The source trains an MLP with two hidden layers of 1,024 ReLU units on MNIST (784 inputs), with
minibatches of 64, SGD and Adam at two learning rates each, five runs per setting, backprop
against forward gradients, 20,000 iterations each. MNIST cannot be downloaded here, so the study
runs on the 8 × 8 digits that ship with scikit-learn (:func:`fgcourse.training.digits_split`: 64
inputs, 1,077 training images): the network is 64-1024-1024-10, 1,126,410 parameters, about 170
times the course's 64-64-32-10 tanh MLP.

Everything is float32 and compiled: one run is a ``lax.scan`` over ``record_every`` steps at a
time, with the validation loss and accuracy after each. The forward gradient is
:func:`~fgcourse.jax.core.value_and_forward_grad` with one Gaussian tangent, as in the source
(``law`` chooses another). T_b is the wall time at which backprop reaches its lowest validation
loss, T_f the wall time at which the forward gradient first reaches that loss (inf if never);
both are steps × the time of one compiled step (:func:`step_seconds`), measured side by side.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, fields

import jax
import jax.numpy as jnp
import numpy as np

from fgcourse._checks import check_instance, check_int, check_option, check_positive, check_sequence
from fgcourse._figures import OKABE_ITO
from fgcourse.stored import StoredDataError, check_format, compare_rerun, read_stored
from fgcourse.training import Split

from .core import LAWS, value_and_forward_grad
from .costs import alternated_min_seconds

__all__ = ["HIDDEN", "BATCH", "OPTIMIZERS", "GRADIENTS", "SOURCE_ITERATIONS", "LEARNING_RATES",
           "STUDY_SETTINGS", "Setting", "init_mlp", "mlp_logits",
           "cross_entropy", "train_run", "StudyTable", "run_study", "step_seconds", "save_study", "load_study",
           "STUDY_FORMAT", "RERUN_TOLERANCES", "check_rerun", "time_ratio", "draw_study"]

HIDDEN = (1024, 1024)
BATCH = 64
GRADIENTS = ("true", "forward")
SOURCE_ITERATIONS = 20_000
"""Iterations of every run of the source (equal for every setting)."""
STUDY_FORMAT = "fgcourse.jax.study/1"
ADAM = (0.9, 0.999, 1e-8)
LEARNING_RATES = {"sgd": (1e-4, 1e-3), "adam": (1e-4, 1e-3)}
"""Two learning rates per optimizer, the same for both gradients (as in the source)."""
OPTIMIZERS = tuple(LEARNING_RATES)


@dataclass(frozen=True)
class Setting:
    """One setting of the study: optimizer, learning rate and gradient (``"true"``: backprop)."""

    optimizer: str
    lr: float
    gradient: str

    def __post_init__(self):
        object.__setattr__(self, "optimizer", check_option("optimizer", self.optimizer, OPTIMIZERS))
        object.__setattr__(self, "lr", check_positive("lr", self.lr))
        object.__setattr__(self, "gradient", check_option("gradient", self.gradient, GRADIENTS))


STUDY_SETTINGS = tuple(Setting(optimizer, lr, gradient) for optimizer in OPTIMIZERS
                       for lr in LEARNING_RATES[optimizer] for gradient in GRADIENTS)
"""The study's 8 settings: each optimizer at its two learning rates, backprop and forward gradient."""


# ----------------------------------------------------------------------------------- the model

def init_mlp(key, widths=(64, *HIDDEN, 10)):
    """He-initialized weights ``[(W_1, b_1), ...]`` (float32), W_k ~ N(0, 2 / fan-in), b_k = 0."""
    params = []
    for k, (d_in, d_out) in zip(jax.random.split(key, len(widths) - 1), zip(widths[:-1], widths[1:])):
        params.append((jax.random.normal(k, (d_in, d_out), jnp.float32) * math.sqrt(2.0 / d_in),
                       jnp.zeros(d_out, jnp.float32)))
    return params


def mlp_logits(params, X):
    """ReLU hidden layers, linear output."""
    h = X
    for W, b in params[:-1]:
        h = jax.nn.relu(h @ W + b)
    W, b = params[-1]
    return h @ W + b


def cross_entropy(params, X, y):
    """Mean softmax cross-entropy of the labels y."""
    return _mean_cross_entropy(mlp_logits(params, X), y)


def _mean_cross_entropy(logits, y):
    return jnp.mean(jax.nn.logsumexp(logits, axis=1) - jnp.take_along_axis(logits, y[:, None], axis=1)[:, 0])


def _update(setting: Setting):
    """``(params, opt_state, g, t) -> (params, opt_state)`` for SGD or Adam (t: steps done, from 1)."""
    lr = setting.lr
    if setting.optimizer == "sgd":
        return lambda params, state, g, t: (jax.tree_util.tree_map(lambda p, d: p - lr * d, params, g), state)
    b1, b2, eps = ADAM

    def adam(params, state, g, t):
        m, v = state
        m = jax.tree_util.tree_map(lambda m, d: b1 * m + (1 - b1) * d, m, g)
        v = jax.tree_util.tree_map(lambda v, d: b2 * v + (1 - b2) * d * d, v, g)
        scale = lr * jnp.sqrt(1 - b2**t) / (1 - b1**t)
        params = jax.tree_util.tree_map(lambda p, m, v: p - scale * m / (jnp.sqrt(v) + eps), params, m, v)
        return params, (m, v)

    return adam


def _gradient(setting: Setting, law: str):
    """``(params, X, y, key) -> (loss, g)``: backprop, or the forward gradient along one tangent."""
    if setting.gradient == "true":
        return lambda params, X, y, key: jax.value_and_grad(cross_entropy)(params, X, y)
    return lambda params, X, y, key: value_and_forward_grad(lambda p: cross_entropy(p, X, y), params, key, law)


def _chunk(setting: Setting, law: str, X, y, steps: int):
    """A compiled run of ``steps`` steps: ``(params, opt_state, key, t0) -> (params, opt_state, mean loss)``."""
    gradient, update = _gradient(setting, law), _update(setting)
    m = X.shape[0]

    def step(carry, t):
        params, state, key = carry
        batch_key, tangent_key = jax.random.split(jax.random.fold_in(key, t))
        rows = jax.random.randint(batch_key, (BATCH,), 0, m)
        loss, g = gradient(params, X[rows], y[rows], tangent_key)
        params, state = update(params, state, g, (t + 1).astype(jnp.float32))
        return (params, state, key), loss

    @jax.jit
    def run(params, state, key, t0):
        (params, state, _), losses = jax.lax.scan(step, (params, state, key), t0 + jnp.arange(steps))
        return params, state, jnp.mean(losses)

    return run


def _optimizer_state(setting: Setting, params):
    if setting.optimizer == "sgd":
        return ()
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    return (zeros, zeros)


@jax.jit
def _evaluate(params, X, y):
    logits = mlp_logits(params, X)
    return _mean_cross_entropy(logits, y), jnp.mean(jnp.argmax(logits, axis=1) == y)


def train_run(data, setting: Setting, law: str, seed: int, iterations: int, record_every: int, hidden=HIDDEN):
    """One run: ``(train_loss, val_loss, val_accuracy)``, arrays of ``iterations // record_every``
    records (the mean minibatch loss over each block of steps, and the validation loss and accuracy
    after it), NaN after a block whose loss is not finite (the run has diverged and stops).
    ``hidden``: the hidden widths (the study's are 1024, 1024)."""
    check_instance("data", data, Split, "a Split, e.g. fgcourse.training.digits_split()")
    check_instance("setting", setting, Setting, "a Setting(optimizer, lr, gradient)")
    setting = Setting(setting.optimizer, setting.lr, setting.gradient)
    seed = check_int("seed", seed, minimum=0)
    iterations = check_int("iterations", iterations, minimum=1)
    record_every = check_int("record_every", record_every, minimum=1)
    law = check_option("law", law, LAWS)
    X, y = jnp.asarray(data.X_train, jnp.float32), jnp.asarray(data.y_train, jnp.int32)
    X_val, y_val = jnp.asarray(data.X_val, jnp.float32), jnp.asarray(data.y_val, jnp.int32)
    init_key, run_key = jax.random.split(jax.random.key(seed))
    hidden = check_sequence("hidden", hidden, lambda name, d: check_int(name, d, minimum=1), what="hidden widths")
    params = init_mlp(init_key, (X.shape[1], *hidden, data.num_classes))
    state = _optimizer_state(setting, params)
    run = _chunk(setting, law, X, y, record_every)
    records = iterations // record_every
    out = np.full((3, records), np.nan)
    for r in range(records):
        params, state, loss = run(params, state, run_key, jnp.int32(r * record_every))
        loss = float(loss)
        if not math.isfinite(loss):
            break
        val_loss, val_accuracy = _evaluate(params, X_val, y_val)
        out[:, r] = loss, float(val_loss), float(val_accuracy)
    return out[0], out[1], out[2]


# -------------------------------------------------------------------------------- the table

@dataclass(frozen=True)
class StudyTable:
    """Every run of the study. Per run: ``optimizer``, ``lr``, ``gradient``, ``seed``; per run and
    record: ``train_loss``, ``val_loss``, ``val_accuracy`` (NaN once diverged); ``steps`` (the
    steps done at each record); ``step_seconds``: {gradient: wall seconds of one compiled step},
    measured side by side on the machine that made the table (not compared on a rerun)."""

    optimizer: np.ndarray
    lr: np.ndarray
    gradient: np.ndarray
    seed: np.ndarray
    steps: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    forward_step_seconds: float
    backprop_step_seconds: float

    @property
    def num_runs(self) -> int:
        return self.seed.size

    @property
    def diverged(self) -> np.ndarray:
        return ~np.isfinite(self.train_loss[:, -1])

    def rows(self, optimizer: str, lr: float, gradient: str) -> np.ndarray:
        """Indices of the runs of one setting."""
        return np.flatnonzero((self.optimizer == optimizer) & np.isclose(self.lr, lr) & (self.gradient == gradient))

    def settings(self) -> list:
        seen = []
        for o, lr, g in zip(self.optimizer, self.lr, self.gradient):
            if (str(o), float(lr), str(g)) not in seen:
                seen.append((str(o), float(lr), str(g)))
        return seen


def step_seconds(split, law: str = "gaussian", rng: int = 0, rounds: int = 5, steps: int = 20, hidden=HIDDEN) -> dict:
    """``{"forward": s, "true": s}``: wall seconds of one compiled SGD step of the study's MLP, each
    the minimum over ``rounds`` alternated rounds of a compiled block of ``steps`` steps, / steps.
    The weights and the steps' keys are drawn from the seed ``rng`` (a non-negative int)."""
    rng = check_int("rng", rng, minimum=0)
    init_key, run_key = jax.random.split(jax.random.key(rng))
    X, y = jnp.asarray(split.X_train, jnp.float32), jnp.asarray(split.y_train, jnp.int32)
    params = init_mlp(init_key, (X.shape[1], *hidden, split.num_classes))
    runs = {}
    for gradient in GRADIENTS:
        run = _chunk(Setting("sgd", 1e-4, gradient), law, X, y, steps)
        runs[gradient] = lambda run=run: run(params, (), run_key, jnp.int32(0))
    return {name: seconds / steps for name, seconds in alternated_min_seconds(runs, rounds, 1).items()}


def run_study(settings, split, seeds=range(5), iterations: int = 2000, record_every: int = 100,
              law: str = "gaussian", jobs: int = 1) -> StudyTable:
    """Every setting × seed, ``jobs`` runs at a time (joblib processes), then :func:`step_seconds`."""
    settings = check_sequence("settings", settings, what="Setting objects")
    seeds = [check_int("seeds[i]", seed, minimum=0) for seed in seeds]
    jobs = check_int("jobs", jobs, minimum=1)
    tasks = [(setting, seed) for setting in settings for seed in seeds]
    if jobs == 1:
        results = [train_run(split, setting, law, seed, iterations, record_every) for setting, seed in tasks]
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=jobs)(delayed(train_run)(split, setting, law, seed, iterations, record_every)
                                        for setting, seed in tasks)
    timing = step_seconds(split, law)
    records = iterations // record_every
    train, val, accuracy = (np.array([result[i] for result in results]).reshape(len(tasks), records)
                            for i in range(3))
    return StudyTable(np.array([s.optimizer for s, _ in tasks]), np.array([s.lr for s, _ in tasks], dtype=float),
                      np.array([s.gradient for s, _ in tasks]), np.array([seed for _, seed in tasks]),
                      record_every * np.arange(1, records + 1), train, val, accuracy,
                      timing["forward"], timing["true"])


def save_study(path, table: StudyTable) -> None:
    np.savez_compressed(path, format=STUDY_FORMAT, **{f.name: getattr(table, f.name) for f in fields(table)})


def _read(path) -> StudyTable:
    with np.load(path, allow_pickle=False) as stored:
        check_format(stored, STUDY_FORMAT)
        values = {f.name: stored[f.name] for f in fields(StudyTable)}
    for name in ("forward_step_seconds", "backprop_step_seconds"):
        values[name] = float(values[name])
    if values["train_loss"].shape != (values["seed"].size, values["steps"].size):
        raise StoredDataError("has runs and records of mismatched shapes")
    return StudyTable(**values)


def load_study(path, *, regenerate: str = "make jax-data") -> StudyTable:
    """The stored study (:func:`save_study`), with a missing or damaged file explained."""
    return read_stored(path, _read, regenerate)


# ------------------------------------------------------------------------------ the comparisons

RERUN_TOLERANCES = {"train_loss": (2e-3, 0.0), "val_loss": (2e-3, 0.0), "val_accuracy": (0.0, 0.011)}
"""Bounds of a rerun of the first records of a stored run on another machine (float32, XLA's own
kernels: another CPU fuses, vectorizes and sums in another order). Measured on the AVX2 machine
that stored the runs, rerunning 4 records (200 iterations) with XLA limited to SSE4.2
(``XLA_FLAGS=--xla_cpu_max_isa=SSE4_2``): SGD runs and backprop with Adam drift by at most 5.3e-6
relative, a forward gradient with Adam by 2.9e-4 (its normalized steps amplify rounding) and its
validation accuracy by 3 images of 360. So the losses are compared to 0.2 % relative, over the
first records of well-conditioned runs only, and the accuracy to 0.011 (4 images of 360: an
argmax may flip on a near tie)."""


def check_rerun(table: StudyTable, split, run: int, records: int = 2, tolerances=None):
    """Rerun the first ``records`` records of stored run ``run`` and compare them
    (:func:`fgcourse.stored.compare_rerun`); returns the comparison after its check."""
    run = check_int("run", run, minimum=0, maximum=table.num_runs - 1)
    records = check_int("records", records, minimum=1, maximum=table.steps.size)
    record_every = int(table.steps[0])
    setting = Setting(str(table.optimizer[run]), float(table.lr[run]), str(table.gradient[run]))
    fresh = train_run(split, setting, "gaussian", int(table.seed[run]), records * record_every, record_every)
    names = ("train_loss", "val_loss", "val_accuracy")
    stored = {name: getattr(table, name)[run, :records] for name in names}
    close = dict(RERUN_TOLERANCES if tolerances is None else tolerances)
    return compare_rerun(dict(zip(names, fresh)), stored, close=close,
                         what=f"run {run} ({setting.optimizer}, lr {setting.lr:g}, {setting.gradient} gradient, "
                              f"seed {int(table.seed[run])})").check()


def time_ratio(table: StudyTable, optimizer: str, lr: float) -> tuple[float, float, float]:
    """``(T_f / T_b, T_b, T_f)`` of the source for one optimizer and learning rate, over seeds.

    T_b: wall time (steps × one compiled step) at which backprop reaches its lowest mean validation
    loss over seeds; T_f: when the forward gradient's mean validation loss first reaches it (inf if never).
    """
    curves = {}
    for gradient in GRADIENTS:
        rows = table.rows(optimizer, lr, gradient)
        if rows.size == 0:
            raise ValueError(f"the table has no run of ({optimizer}, {lr}, {gradient})")
        with np.errstate(invalid="ignore"):
            curves[gradient] = np.mean(table.val_loss[rows], axis=0)
    backprop = curves["true"]
    best = int(np.nanargmin(backprop))
    T_b = table.steps[best] * table.backprop_step_seconds
    reached = np.flatnonzero(curves["forward"] <= backprop[best])
    T_f = table.steps[reached[0]] * table.forward_step_seconds if reached.size else math.inf
    return T_f / T_b, T_b, T_f


def draw_study(table: StudyTable, metric: str = "val_loss"):
    """One panel per optimizer: ``metric`` (mean over seeds, band from the best to the worst seed)
    against steps, for each learning rate and gradient; a diverged run ends its curve."""
    import matplotlib.pyplot as plt

    metric = check_option("metric", metric, ("train_loss", "val_loss", "val_accuracy"))
    figure, axes = plt.subplots(1, len(OPTIMIZERS), figsize=(8.4, 4.2), sharey=True, layout="constrained")
    colors = {("true", 0): OKABE_ITO["blue"], ("true", 1): OKABE_ITO["sky blue"],
              ("forward", 0): OKABE_ITO["vermillion"], ("forward", 1): OKABE_ITO["orange"]}
    for ax, optimizer in zip(axes, OPTIMIZERS):
        for index, lr in enumerate(LEARNING_RATES[optimizer]):
            for gradient in GRADIENTS:
                rows = table.rows(optimizer, lr, gradient)
                if rows.size == 0:
                    continue
                values = getattr(table, metric)[rows]
                with warnings.catch_warnings():  # all seeds diverged: an all-NaN column is NaN
                    warnings.simplefilter("ignore", RuntimeWarning)
                    mean, low, high = np.nanmean(values, 0), np.nanmin(values, 0), np.nanmax(values, 0)
                color = colors[gradient, index]
                label = f"{'backprop' if gradient == 'true' else 'forward'}, α = {lr:g}"
                diverged = int(np.sum(~np.isfinite(values[:, -1])))
                if diverged:
                    label += f" ({diverged} of {rows.size} diverged)"
                ax.plot(table.steps, mean, color=color, label=label, linestyle="-" if gradient == "true" else "--")
                ax.fill_between(table.steps, low, high, color=color, alpha=0.2, linewidth=0)
        ax.set_title(optimizer.upper() if optimizer == "sgd" else "Adam")
        ax.set_xlabel("iteration")
        if metric != "val_accuracy":
            ax.set_yscale("log")
        ax.legend(fontsize=9, loc="lower center", bbox_to_anchor=(0.5, 1.1), ncols=1, frameon=False)
    axes[0].set_ylabel(metric.replace("_", " ").replace("val", "validation"))
    return figure
