"""The stored table of a grid (``data/paper.csv.gz``): read it, rerun a slice of it, compare.

:func:`load_table` reads a table written by ``python -m fgcourse.experiments run --out`` and
checks that it is the table of the grid asked for: the columns of :data:`COLUMNS`, one row per
run of the grid, nothing more. :func:`check_rerun` recomputes some batches and compares their
rows with the stored ones through :func:`fgcourse.stored.compare_rerun`: the configuration,
the statuses, the step counts ``nit`` and the costs ``t`` exactly, the values of f to
:data:`RERUN_TOLERANCES`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fgcourse._checks import check_instance, check_int, check_positive, check_real, check_sequence
from fgcourse.experiments.grid import Grid, get_grid
from fgcourse.experiments.runner import COLUMNS, compute_batch
from fgcourse.stored import Comparison, StoredDataError, Tolerance, check_tolerances, compare_rerun, read_stored

__all__ = ["RUN_KEYS", "RERUN_TOLERANCES", "STABLE_RTOL", "load_table", "rerun_batches", "quick_batches",
           "stable_batches", "check_rerun", "GridDrift", "level_drift"]

RUN_KEYS = ("function", "n", "optimizer", "gradient", "start", "repeat")
"""The columns that name one run of a grid."""

_BATCH_KEYS = RUN_KEYS[:4]

RERUN_TOLERANCES = {
    "f_star": Tolerance(rtol=1e-14),
    "target": Tolerance(rtol=1e-14),
    "f_start": Tolerance(rtol=1e-12, atol=1e-300),
    "f_final": Tolerance(rtol=1e-9, atol=1e-300),
    "f_best": Tolerance(rtol=1e-9, atol=1e-300),
}
"""How far a rerun's values of f may be from the stored ones, in a well-conditioned batch
(:func:`stable_batches`; see the chapter "Experiments").

f* and the target f* + ε are exact but where f* is a power (Alpine N.2's −2.808131180ⁿ goes
through the C library's ``pow``, which moved it by 1.2e-16). f at the start is one evaluation
of the test function: over the whole grid recomputed with the
C library's elementary functions moved by one ulp (``data/levels``), it moved by 2e-15 at most.
f at the end and its best value come after up to 2,000 steps, along which rounding differences
grow; in the batches that :func:`stable_batches` keeps they moved by at most
:data:`STABLE_RTOL`, 100 times below this bound. Every other column is compared exactly."""

STABLE_RTOL = 1e-11
"""The largest relative move of f under another machine's rounding for a batch to count as stable."""


def _read_table(path) -> pd.DataFrame:
    table = pd.read_csv(path)
    if tuple(table.columns) != COLUMNS:
        missing = [c for c in COLUMNS if c not in table.columns]
        extra = [c for c in table.columns if c not in COLUMNS]
        raise StoredDataError(f"was written by another version of fgcourse: it lacks the columns {missing} and has "
                              f"the columns {extra} that this version does not write")
    return table


def load_table(path, grid="paper", *, regenerate: str = "make experiments") -> pd.DataFrame:
    """The stored table of ``grid`` (a :class:`Grid` or a grid name) at ``path``.

    Raises ``FileNotFoundError`` for a missing file and
    :class:`~fgcourse.stored.StoredDataError` for a damaged one, one with other columns, or one
    whose runs are not exactly those of ``grid`` (a table of an older grid); each message names
    the file and the command ``regenerate`` that writes it anew.
    """
    name = repr(grid) if isinstance(grid, str) else "given"
    grid = _grid(grid)
    regenerate = check_instance("regenerate", regenerate, str, "a command, e.g. 'make experiments'")
    table = read_stored(path, _read_table, regenerate)
    expected = {(b.function, b.n, b.optimizer, b.gradient, start, repeat) for b in grid.batches()
                for start in range(b.num_starts)
                for repeat in range(b.num_repeats if b.gradient == "forward" else 1)}
    found = list(table[list(RUN_KEYS)].itertuples(index=False, name=None))
    missing, extra = expected - set(found), set(found) - expected
    repeated = len(found) - len(set(found))
    if missing or extra or repeated:
        example = sorted(missing or extra, key=str)[:1]
        raise StoredDataError(
            f"the stored data file {path} does not hold the runs of the {name} grid of this version of fgcourse: "
            f"{len(missing)} runs missing, {len(extra)} not in the grid, {repeated} repeated"
            + (f" (e.g. {example[0]})" if example else "") + f"; regenerate it with `{regenerate}`")
    return table


def _grid(grid) -> Grid:
    if isinstance(grid, str):
        return get_grid(grid)
    return check_instance("grid", grid, Grid, "a Grid from make_grid() or get_grid(), or a grid name")


def rerun_batches(grid, indices) -> pd.DataFrame:
    """The rows of the batches ``indices`` of ``grid`` (:meth:`Grid.batches` order), recomputed now.

    Columns :data:`~fgcourse.experiments.COLUMNS`, as :func:`~fgcourse.experiments.run_grid`
    returns them (wall_time measured anew).
    """
    grid = check_instance("grid", grid, Grid, "a Grid from make_grid() or get_grid()")
    batches = grid.batches()
    indices = check_sequence("indices", indices,
                             lambda name, i: check_int(name, i, minimum=0, maximum=len(batches) - 1),
                             what="batch indices")
    rows = []
    for index in indices:
        entry = compute_batch(batches[index])
        rows += [{**row, "wall_time": entry["wall_time"]} for row in entry["rows"]]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def quick_batches(table: pd.DataFrame, grid, max_seconds: float = 2.0) -> list[int]:
    """Indices of the batches of ``grid`` whose stored wall time is below ``max_seconds``."""
    table = _check_table(table)
    grid = _grid(grid)
    max_seconds = check_positive("max_seconds", max_seconds)
    wall = table.groupby(list(_BATCH_KEYS)).wall_time.first()
    return [index for index, b in enumerate(grid.batches())
            if wall.get((b.function, b.n, b.optimizer, b.gradient), np.inf) < max_seconds]


def _check_table(table, name: str = "table") -> pd.DataFrame:
    table = check_instance(name, table, pd.DataFrame, "a DataFrame from load_table()")
    if tuple(table.columns) != COLUMNS:
        raise ValueError(f"{name} must have the columns {list(COLUMNS)}, got {list(table.columns)}")
    return table


def check_rerun(table: pd.DataFrame, grid, indices, *, tolerances=None) -> Comparison:
    """Rerun the batches ``indices`` of ``grid`` and compare their rows with the stored ``table``.

    Discrete columns must be identical, the values of f within ``tolerances`` (default
    :data:`RERUN_TOLERANCES`); ``wall_time`` is not compared. Returns the
    :class:`~fgcourse.stored.Comparison` after its check: a rerun beyond a bound raises
    :class:`~fgcourse.stored.RerunMismatch` naming the column, the largest deviation and the bound.
    """
    table = _check_table(table)
    grid = _grid(grid)
    close = check_tolerances("tolerances", RERUN_TOLERANCES if tolerances is None else tolerances)
    fresh = rerun_batches(grid, indices)
    batches = grid.batches()
    picked = {tuple(getattr(batches[i], key) for key in _BATCH_KEYS) for i in indices}
    stored = table[[key in picked for key in table[list(_BATCH_KEYS)].itertuples(index=False, name=None)]]

    def ordered(frame):
        return frame.sort_values(list(RUN_KEYS)).reset_index(drop=True)

    fresh, stored = ordered(fresh), ordered(stored)
    if len(fresh) != len(stored):
        raise ValueError(f"table must hold every run of the batches {list(indices)}: it holds {len(stored)} of "
                         f"their {len(fresh)} runs")
    label = f"{len(indices)} batches, {len(fresh)} runs"
    return compare_rerun(fresh, stored, close=close, ignore=("wall_time",), what=label).check()


_DISCRETE = ("status", "nit", "t")
_VALUES = ("f_start", "f_final", "f_best")


@dataclass(frozen=True)
class GridDrift:
    """How far two tables of the same grid, computed on two machines, drift apart.

    ``num_runs`` runs compared; ``num_differ[c]`` the runs whose discrete column c (status,
    nit, t) differs; ``max_rel[c]`` the largest relative deviation of the value column c over
    the runs where both values are finite, and ``num_nonzero[c]`` the runs where it is not 0;
    ``differing`` the runs whose discrete outcome differs, with both values.
    """

    num_runs: int
    num_differ: dict
    max_rel: dict
    num_nonzero: dict
    differing: pd.DataFrame

    def __str__(self) -> str:
        counts = ", ".join(f"{c} in {self.num_differ[c]}" for c in _DISCRETE)
        lines = [f"{self.num_runs} runs: the discrete outcomes differ ({counts})"]
        for c in _VALUES:
            lines.append(f"  {c}: largest relative deviation {self.max_rel[c]:.1e}, "
                         f"nonzero in {self.num_nonzero[c]} runs")
        return "\n".join(lines)


def level_drift(table: pd.DataFrame, other: pd.DataFrame) -> GridDrift:
    """Compare two tables of the same runs (e.g. computed at two SIMD levels): see :class:`GridDrift`."""
    table, other = _check_table(table), _check_table(other, "other").rename(columns=lambda c: f"{c}_other")
    keys = list(RUN_KEYS)
    merged = table.merge(other, left_on=keys, right_on=[f"{k}_other" for k in keys], how="inner")
    if len(merged) != len(table) or len(table) != len(other):
        raise ValueError(f"other must hold the same runs as table: {len(table)} and {len(other)} runs, "
                         f"{len(merged)} in common")
    num_differ, differs = {}, np.zeros(len(merged), dtype=bool)
    for column in _DISCRETE:
        a, b = merged[column].to_numpy(), merged[f"{column}_other"].to_numpy()
        same = (a == b) | (pd.isna(a) & pd.isna(b)) if column == "t" else a == b
        num_differ[column] = int(np.sum(~same))
        differs |= ~same
    max_rel, num_nonzero = {}, {}
    for column in _VALUES:
        a, b = merged[column].to_numpy(float), merged[f"{column}_other"].to_numpy(float)
        finite = np.isfinite(a) & np.isfinite(b) & (a != 0)
        rel = np.abs(a[finite] - b[finite]) / np.abs(a[finite])
        max_rel[column] = float(rel.max(initial=0.0))
        num_nonzero[column] = int(np.sum(rel > 0))
    shown = keys + [c for column in _DISCRETE + ("f_final",) for c in (column, f"{column}_other")]
    return GridDrift(len(merged), num_differ, max_rel, num_nonzero, merged.loc[differs, shown].reset_index(drop=True))


def _batch_key(batch) -> tuple:
    return (batch.function, batch.n, batch.optimizer, batch.gradient)


def stable_batches(table: pd.DataFrame, other: pd.DataFrame, grid, rtol: float = STABLE_RTOL) -> list[int]:
    """Indices of the batches of ``grid`` that are well conditioned: computed again with another
    rounding (``other``, e.g. ``data/levels/paper-ulp.csv.gz``), every run of the batch has the
    same status, ``nit`` and ``t``, and f at its start, end and best within ``rtol`` (relative).

    A rerun on another machine can be compared with the stored rows of these batches; the other
    batches hold runs whose rounding differences grow until they change the outcome (chaotic
    runs, runs near the target or the divergence threshold).
    """
    rtol = check_real("rtol", rtol, minimum=0.0)
    grid = _grid(grid)
    drift = _run_deviations(table, other)
    worst = drift.groupby(list(_BATCH_KEYS)).agg(rel=("rel", "max"), same=("same", "all"))
    return [index for index, batch in enumerate(grid.batches())
            if _batch_key(batch) in worst.index and bool(worst.loc[_batch_key(batch), "same"])
            and float(worst.loc[_batch_key(batch), "rel"]) <= rtol]


def _run_deviations(table: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """One row per run: its keys, whether its discrete outcomes agree, its largest relative move of f."""
    table, other = _check_table(table), _check_table(other, "other")
    merged = table.merge(other, on=list(RUN_KEYS), suffixes=("", "_other"))
    if len(merged) != len(table) or len(table) != len(other):
        raise ValueError(f"other must hold the same runs as table: {len(table)} and {len(other)} runs, "
                         f"{len(merged)} in common")
    same = np.ones(len(merged), dtype=bool)
    for column in _DISCRETE:
        a, b = merged[column].to_numpy(), merged[f"{column}_other"].to_numpy()
        same &= (a == b) | (pd.isna(a) & pd.isna(b))
    rel = np.zeros(len(merged))
    for column in _VALUES:
        a, b = merged[column].to_numpy(float), merged[f"{column}_other"].to_numpy(float)
        equal = (a == b) | (np.isnan(a) & np.isnan(b))
        with np.errstate(divide="ignore", invalid="ignore"):
            move = np.where(equal, 0.0, np.abs(a - b) / np.abs(a))
        rel = np.fmax(rel, np.where(np.isnan(move), np.inf, move))
    return merged[list(RUN_KEYS)].assign(same=same, rel=rel)
