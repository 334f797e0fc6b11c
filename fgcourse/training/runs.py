"""Many seeded runs, stored as one table, and the time-to-reach table of ``gao2023gradients``.

A :class:`RunTable` holds runs as columns of plain arrays (no pandas): one entry per run
(its setting, seed, status, steps done) and one row per evaluation (the run it belongs to,
the running counts at it, ``nit_path``, ``ngev_path`` and ``njvp_path``, the losses, accuracy
and seconds): the columns of a run's rows are the fields of its :class:`TrainResult`. It is saved
as one compressed ``.npz`` file and reloaded without pickles.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, fields

import numpy as np

from fgcourse._checks import check_instance, check_int, check_option, check_real, check_sequence
from fgcourse.stored import (
    Comparison,
    StoredDataError,
    Tolerance,
    check_format,
    check_tolerances,
    compare_rerun,
    read_stored,
)

from .data import Split
from .loop import Setting, TrainResult, train

__all__ = ["RUN_COLUMNS", "ROW_COLUMNS", "RunTable", "run_table", "run_settings", "save_runs", "load_runs",
           "TimeToReach", "time_to_reach", "concatenate_tables",
           "describe_ratio", "RUNS_FORMAT", "RERUN_TOLERANCES", "check_rerun", "LevelDrift", "level_drift"]

RUN_COLUMNS = ("model", "optimizer", "lr", "gradient", "law", "B", "max_iter", "seed", "status", "nit")
ROW_COLUMNS = ("run", "nit_path", "train_loss", "val_loss", "val_accuracy", "seconds", "ngev_path", "njvp_path")
"""``run``, then the history fields of :class:`TrainResult`, under the same names."""


@dataclass(frozen=True)
class RunTable:
    """Runs and their evaluation rows as columns (see :data:`RUN_COLUMNS`, :data:`ROW_COLUMNS`)."""

    model: np.ndarray
    optimizer: np.ndarray
    lr: np.ndarray
    gradient: np.ndarray
    law: np.ndarray
    B: np.ndarray
    max_iter: np.ndarray
    seed: np.ndarray
    status: np.ndarray
    nit: np.ndarray
    run: np.ndarray
    nit_path: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    seconds: np.ndarray
    ngev_path: np.ndarray
    njvp_path: np.ndarray

    @property
    def num_runs(self) -> int:
        return self.model.size

    def setting(self, run: int) -> Setting:
        run = check_int("run", run, minimum=0, maximum=self.num_runs - 1)
        return Setting(str(self.model[run]), str(self.optimizer[run]), float(self.lr[run]),
                       str(self.gradient[run]), str(self.law[run]), int(self.B[run]), int(self.max_iter[run]))

    def select(self, **criteria) -> np.ndarray:
        """Indices of the runs whose columns equal the given values, e.g. ``select(optimizer="adam")``."""
        keep = np.ones(self.num_runs, dtype=bool)
        for key, value in criteria.items():
            check_option("criteria key", key, RUN_COLUMNS)
            column = getattr(self, key)
            if column.dtype.kind == "f":
                keep &= np.isclose(column, check_real(key, value))
            elif column.dtype.kind in "iu":
                keep &= column == check_int(key, value)
            else:
                keep &= column == check_instance(key, value, str, f"a string, a {key} of the table")
        return np.flatnonzero(keep)

    def history(self, run: int) -> dict:
        """The evaluation rows of one run, as a dict of arrays keyed by :data:`ROW_COLUMNS` (minus ``run``)."""
        run = check_int("run", run, minimum=0, maximum=self.num_runs - 1)
        rows = self.run == run
        return {key: getattr(self, key)[rows] for key in ROW_COLUMNS[1:]}


def run_table(results: Iterable[tuple[int, TrainResult]]) -> RunTable:
    """A :class:`RunTable` from ``(seed, result)`` pairs."""
    results = check_sequence("results", results, what="(seed, TrainResult) pairs")
    runs = {key: [] for key in RUN_COLUMNS}
    rows = {key: [] for key in ROW_COLUMNS}
    for index, (seed, result) in enumerate(results):
        check_instance(f"results[{index}]", result, TrainResult, "a TrainResult")
        for field in fields(Setting):
            runs[field.name].append(getattr(result.setting, field.name))
        runs["seed"].append(check_int(f"results[{index}] seed", seed, minimum=0))
        runs["status"].append(result.status)
        runs["nit"].append(result.nit)
        rows["run"].append(np.full(result.nit_path.size, index))
        for key in ROW_COLUMNS[1:]:
            rows[key].append(getattr(result, key))
    columns = {key: np.array(values) for key, values in runs.items()}
    columns.update({key: np.concatenate(values) for key, values in rows.items()})
    return RunTable(**columns)


def run_settings(settings, data: Split, seeds=range(5), *, progress: bool = True, **options) -> RunTable:
    """Train every setting once per seed (``train(..., rng=seed)``) and collect the runs.

    ``settings`` are :class:`Setting` objects; ``options`` go to :func:`~fgcourse.training.loop.train`
    (``eval_every``, ``clock``, ...).
    """
    settings = check_sequence("settings", settings, lambda name, s: check_instance(name, s, Setting, "a Setting"),
                              what="Settings")
    seeds = check_sequence("seeds", seeds, lambda name, s: check_int(name, s, minimum=0), what="seeds")
    results = []
    for setting in settings:
        for seed in seeds:
            result = train(setting.model, data, setting.optimizer, setting.lr, gradient=setting.gradient,
                           law=setting.law or "gaussian", B=setting.B, rng=seed, max_iter=setting.max_iter,
                           progress=progress, **options)
            results.append((seed, result))
    return run_table(results)


RUNS_FORMAT = "fgcourse runs 2"
"""The format stamp of :func:`save_runs`; :func:`load_runs` reads only files that carry it. Format 2
named the rows' columns as :class:`TrainResult`'s fields (``nit_path``, ``ngev_path``, ``njvp_path``;
format 1 said ``step``, ``ngev``, ``njvp``)."""


def save_runs(path, table: RunTable) -> None:
    """Write ``table`` to ``path`` as a compressed ``.npz`` (strings stored as unicode arrays)."""
    check_instance("path", path, (str, os.PathLike), "a file path")
    check_instance("table", table, RunTable, "a RunTable")
    np.savez_compressed(path, format=np.array(RUNS_FORMAT),
                        **{field.name: getattr(table, field.name) for field in fields(RunTable)})


def _read_runs(path) -> RunTable:
    with np.load(path, allow_pickle=False) as stored:
        check_format(stored, RUNS_FORMAT)
        missing = [field.name for field in fields(RunTable) if field.name not in stored]
        if missing:
            raise StoredDataError(f"lacks the columns {missing}")
        return RunTable(**{field.name: stored[field.name] for field in fields(RunTable)})


def load_runs(path, *, regenerate: str = "make training-data") -> RunTable:
    """The :class:`RunTable` saved at ``path`` by :func:`save_runs`.

    A missing file raises ``FileNotFoundError``; a damaged one, or one written by another
    version of the library, :class:`~fgcourse.stored.StoredDataError`. Both messages name the
    file and the command ``regenerate`` that writes it anew.
    """
    check_instance("path", path, (str, os.PathLike), "a file path")
    return read_stored(path, _read_runs, regenerate)


@dataclass(frozen=True)
class TimeToReach:
    """``gao2023gradients``'s T_b and T_f per seed: T_b is when backprop reaches its lowest
    validation loss, T_f when the forward run first reaches that loss (inf: never, within its
    budget). ``ratio`` = T_f / T_b, and 1 where both are 0 (backprop never went below its starting
    loss, and the forward run was there from the start too); ``seeds`` pairs the runs (same θ_0 and
    minibatches)."""

    seeds: np.ndarray
    best_loss: np.ndarray
    T_b: np.ndarray
    T_f: np.ndarray

    @property
    def ratio(self) -> np.ndarray:
        both_at_start = (self.T_f == 0) & (self.T_b == 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(both_at_start, 1.0, self.T_f / np.where(both_at_start, 1.0, self.T_b))


def time_to_reach(table: RunTable, model: str, optimizer: str, lr: float, gradient: str, law: str,
                  B: int = 1, *, backprop_lr: float | None = None) -> TimeToReach:
    """T_f and T_b for every seed that has both a backprop run and a run of the given oracle.

    Backprop runs at ``backprop_lr`` (default: ``lr``, the same rate), so that each mode can be
    taken at its own best learning rate."""
    check_instance("table", table, RunTable, "a RunTable")
    gradient = check_option("gradient", gradient, ("forward", "activity"))
    B = check_int("B", B, minimum=1)
    backprop_lr = lr if backprop_lr is None else check_real("backprop_lr", backprop_lr)
    seeds, best, T_b, T_f = [], [], [], []
    for reference in table.select(model=model, optimizer=optimizer, lr=backprop_lr, gradient="true"):
        seed = table.seed[reference]
        match = table.select(model=model, optimizer=optimizer, lr=lr, gradient=gradient, law=law, B=B, seed=seed)
        if match.size == 0:
            continue
        back, fwd = table.history(reference), table.history(match[0])
        k = int(np.argmin(back["val_loss"]))
        reached = np.flatnonzero(fwd["val_loss"] <= back["val_loss"][k])
        seeds.append(seed)
        best.append(back["val_loss"][k])
        T_b.append(back["seconds"][k])
        T_f.append(fwd["seconds"][reached[0]] if reached.size else np.inf)
    if not seeds:
        raise ValueError(f"table must hold a pair of backprop (lr={backprop_lr:g}) and {gradient} runs (same seed) "
                         f"for {model}, {optimizer}, lr={lr:g}, law={law!r}, B={B}; got no pair")
    return TimeToReach(np.array(seeds), np.array(best), np.array(T_b), np.array(T_f))


def concatenate_tables(tables) -> RunTable:
    """One :class:`RunTable` of the runs of several, in order (run indices renumbered)."""
    tables = check_sequence("tables", tables, lambda n, t: check_instance(n, t, RunTable, "a RunTable"),
                            what="RunTables")
    offsets = np.cumsum([0] + [t.num_runs for t in tables[:-1]])
    columns = {}
    for field in fields(RunTable):
        parts = [getattr(t, field.name) + offset if field.name == "run" else getattr(t, field.name)
                 for t, offset in zip(tables, offsets)]
        columns[field.name] = np.concatenate(parts)
    return RunTable(**columns)


def describe_ratio(reach: TimeToReach) -> str:
    """T_f / T_b over the seeds as "median [min, max] (k/R reached)"; ∞ where forward never got there."""
    check_instance("reach", reach, TimeToReach, "a TimeToReach from time_to_reach")
    ratio = reach.ratio
    reached = int(np.sum(np.isfinite(ratio)))

    def show(x):
        return "∞" if not np.isfinite(x) else f"{x:.2f}"

    spread = f"{show(np.median(ratio))} [{show(ratio.min())}, {show(ratio.max())}]"
    return f"{spread} ({reached}/{ratio.size} reached)"


RERUN_TOLERANCES = {
    "train_loss": Tolerance(rtol=1e-9),
    "val_loss": Tolerance(rtol=1e-9),
}
"""How far the losses of a rerun may be from the stored ones (relative), in a well-conditioned run.

The 260 stored runs at α = 0.003 and 0.03 were computed again with OpenBLAS and numpy limited to
SSE4.2, and with the C library's exp, log, ... moved by one ulp (``data/levels``; :func:`level_drift`;
the sweep's other rates have no copy there). Every run of
SGD, and of Adam at α = 0.003, stayed within 3e-12 of the stored losses at every step (4e-15 but
for the SGD runs at α = 0.03 that diverge), 300 times below this bound. Adam at α = 0.03 on the
MLP is chaotic: its runs separate by a factor of about 30 every 50 steps (2e-12 at step 100,
2e-8 at step 200, order 1 by step 500), so only its first 100 steps can be compared with this
bound. Steps and oracle calls must be identical, and so must the validation accuracy (a count
of right answers), which first differed at step 450; the seconds are not compared."""


def check_rerun(table: RunTable, data: Split, run: int, *, max_iter: int = 200, tolerances=None) -> Comparison:
    """Train the stored run ``run`` of ``table`` again for its first ``max_iter`` steps, and compare.

    The run is retrained with its setting and seed (same θ_0, minibatches and tangents) and the
    same evaluation interval; its evaluation rows up to step ``max_iter`` are compared with the
    stored ones through :func:`fgcourse.stored.compare_rerun`: ``nit_path``, ``ngev_path``,
    ``njvp_path`` and ``val_accuracy`` exactly, the losses within ``tolerances`` (default
    :data:`RERUN_TOLERANCES`). Returns the :class:`~fgcourse.stored.Comparison` after its check:
    a rerun beyond a bound raises :class:`~fgcourse.stored.RerunMismatch`.
    """
    check_instance("table", table, RunTable, "a RunTable from load_runs()")
    check_instance("data", data, Split, "a Split (e.g. digits_split())")
    run = check_int("run", run, minimum=0, maximum=table.num_runs - 1)
    stored = table.history(run)
    if stored["nit_path"].size < 2:
        raise ValueError(f"run must be a stored run with at least two evaluations, got run {run} with "
                         f"{stored['nit_path'].size}")
    eval_every = int(stored["nit_path"][1] - stored["nit_path"][0])
    last = int(table.nit[run])
    max_iter = check_int("max_iter", max_iter, minimum=eval_every, maximum=last)
    if max_iter % eval_every:
        raise ValueError(f"max_iter must be a multiple of the run's evaluation interval {eval_every}, got {max_iter}")
    close = check_tolerances("tolerances", RERUN_TOLERANCES if tolerances is None else tolerances)
    setting = table.setting(run)
    live = train(setting.model, data, setting.optimizer, setting.lr, gradient=setting.gradient,
                 law=setting.law or "gaussian", B=setting.B, rng=int(table.seed[run]), max_iter=max_iter,
                 eval_every=eval_every)
    rows = stored["nit_path"] <= max_iter
    fresh = {key: getattr(live, key) for key in stored if key != "seconds"}
    label = (f"{setting.optimizer} lr={setting.lr:g} {setting.label}, seed {int(table.seed[run])}: "
             f"{max_iter} steps, {int(rows.sum())} evaluations")
    return compare_rerun(fresh, {key: value[rows] for key, value in stored.items()}, close=close,
                         ignore=("seconds",), what=label).check()


@dataclass(frozen=True)
class LevelDrift:
    """How far the same runs computed on two machines (or SIMD levels) drift apart, step by step.

    ``num_runs`` runs are compared: those of the first table that the second holds too (same
    setting and seed); ``num_unmatched`` runs of the first table have no copy in the second.
    ``groups`` are ``(model, optimizer, lr)``; ``max_rel[g, j]`` is the largest relative
    deviation of the training and validation losses over the compared runs of group g (every
    oracle, B and seed) at step ``steps[j]`` (NaN where no run of the group reaches that step).
    ``num_status``, ``num_nit`` and ``num_accuracy_rows`` count the runs whose status or step
    count differ and the evaluation rows whose validation accuracy differs; ``first_accuracy``
    is the first step at which an accuracy differs (-1: never).
    """

    groups: tuple[tuple[str, str, float], ...]
    steps: np.ndarray
    max_rel: np.ndarray
    num_runs: int
    num_status: int
    num_nit: int
    num_rows: int
    num_accuracy_rows: int
    first_accuracy: int
    num_unmatched: int = 0

    def __str__(self) -> str:
        accuracy = (f"validation accuracy differs in {self.num_accuracy_rows} of {self.num_rows} rows, first at step "
                    f"{self.first_accuracy}" if self.num_accuracy_rows else
                    f"validation accuracy identical in all {self.num_rows} rows")
        unmatched = f" ({self.num_unmatched} other runs have no copy)" if self.num_unmatched else ""
        lines = [f"{self.num_runs} runs{unmatched}: status differs in {self.num_status}, steps done in "
                 f"{self.num_nit}; {accuracy}",
                 "largest relative deviation of the losses at step " + ", ".join(str(int(s)) for s in self.steps)]
        for (model, optimizer, lr), row in zip(self.groups, self.max_rel):
            cells = "  ".join("      -" if np.isnan(v) else f"{v:7.0e}" for v in row)
            lines.append(f"  {model:>7} {optimizer:>4} lr={lr:<6g} {cells}")
        return "\n".join(lines)


_RUN_KEY = ("model", "optimizer", "lr", "gradient", "law", "B", "max_iter", "seed")


def _run_keys(table: RunTable) -> list[tuple]:
    return [tuple(getattr(table, key)[run].item() for key in _RUN_KEY) for run in range(table.num_runs)]


def level_drift(table: RunTable, other: RunTable, steps=(50, 100, 200, 500, 1000)) -> LevelDrift:
    """Compare the runs of ``table`` with their copies in ``other``, the same runs computed on another
    machine or SIMD level: see :class:`LevelDrift`.

    A run's copy is the run of ``other`` with the same setting and seed (their order does not
    matter). ``other`` may hold fewer runs than ``table`` (a copy of an earlier, smaller grid): the
    runs without a copy are counted, not compared. It must hold no run that ``table`` lacks, and
    at least one copy.
    """
    check_instance("table", table, RunTable, "a RunTable")
    check_instance("other", other, RunTable, "a RunTable of the same runs")
    steps = np.array(check_sequence("steps", steps, lambda n, s: check_int(n, s, minimum=0), what="steps"))
    keys = _run_keys(table)
    where = {key: run for run, key in enumerate(keys)}
    other_keys = _run_keys(other)
    foreign = [key for key in other_keys if key not in where]
    if foreign or len(set(other_keys)) != len(other_keys):
        raise ValueError(f"other must hold copies of runs of table (same setting and seed), each once; got "
                         f"{len(foreign)} runs that table lacks" if foreign else
                         "other must hold copies of runs of table, each once; got a run twice")
    pairs = sorted((where[key], copy) for copy, key in enumerate(other_keys))
    if not pairs:
        raise ValueError("other must hold a copy of at least one run of table, got no run")
    groups = sorted({(str(table.model[run]), str(table.optimizer[run]), float(table.lr[run])) for run, _ in pairs})
    max_rel = np.full((len(groups), steps.size), np.nan)
    num_rows = num_accuracy = num_status = num_nit = 0
    first = -1
    for run, copy in pairs:
        a, b = table.history(run), other.history(copy)
        num_status += int(table.status[run] != other.status[copy])
        num_nit += int(table.nit[run] != other.nit[copy])
        m = min(a["nit_path"].size, b["nit_path"].size)
        num_rows += m
        differ = np.flatnonzero(a["val_accuracy"][:m] != b["val_accuracy"][:m])
        num_accuracy += differ.size
        if differ.size:
            step = int(a["nit_path"][differ[0]])
            first = step if first < 0 else min(first, step)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.maximum(*(np.abs(a[k][:m] - b[k][:m]) / np.abs(a[k][:m]) for k in ("train_loss", "val_loss")))
        g = groups.index((str(table.model[run]), str(table.optimizer[run]), float(table.lr[run])))
        for j, step in enumerate(steps):
            at = np.flatnonzero(a["nit_path"][:m] == step)
            if at.size:
                max_rel[g, j] = np.fmax(max_rel[g, j], rel[at[0]])
    return LevelDrift(tuple(groups), steps, max_rel, len(pairs), num_status, num_nit, num_rows, num_accuracy, first,
                      table.num_runs - len(pairs))
