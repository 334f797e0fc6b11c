"""Run a grid in parallel (joblib, or dask.distributed) through the on-disk cache: one table.

:func:`run_grid` looks every batch up in the cache, computes only the missing ones (in
parallel, with a progress bar), stores each as soon as it is back, and returns one pandas
DataFrame with one row per run. A second run computes nothing; a run stopped by Ctrl-C or
SIGKILL resumes with the batches it had not stored.

The fixed-target cost of a run (belouze2022paper §5.2) is

    t = oracle calls until f(θ_k) ≤ f* + ε is seen = (k + 1) · c,

with k the first such iteration and c the oracle calls per step: 1 gradient (true), or
B JVPs (forward). Seeing f(θ_k) takes the (k+1)-th call, since every call at θ_k returns
the value with the gradient (or its JVPs); t = inf when the target is never reached.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

import fgcourse
from fgcourse._checks import check_bool, check_instance, check_int, check_option, check_positive, describe
from fgcourse.experiments.cache import DAMAGED, USABLE, load_entry, open_cache, store_entry
from fgcourse.experiments.grid import (
    DIVERGENCE_FACTOR,
    DIVERGENCE_THRESHOLD,
    Batch,
    Grid,
    get_grid,
    stable_number,
    starts,
)
from fgcourse.optim import OPTIMIZE_STATUSES, minimize
from fgcourse.testfunctions import TEST_FUNCTIONS

__all__ = ["RUN_STATUSES", "COLUMNS", "BACKENDS", "compute_batch", "run_grid"]

RUN_STATUSES = OPTIMIZE_STATUSES
"""The status of a run is minimize's: with ``stop_at_target=False`` never "converged"
(runs use their whole budget; ``t < inf`` says whether the target was reached)."""

COLUMNS = ("function", "n", "optimizer", "gradient", "solver", "start", "repeat", "lr", "B", "max_iter", "f_star",
           "target", "t", "f_start", "f_final", "f_best", "nit", "status", "wall_time")
"""The table's columns: the configuration, the cost t, f at the start, at the end of the
budget and the best f of the path, minimize's nit and status, and the wall time (seconds)
of the batch's one vectorized minimize call, which its runs share."""

BACKENDS = ("joblib", "dask")
MAX_JOBS = 1024
"""The most worker processes run_grid starts (joblib's limit is a C int; a machine's cores are fewer)."""


def _forward_rng_seed(batch: Batch) -> list[int]:
    """The tangents' seed: one stream per (function, n, optimizer), the same in every process."""
    return [batch.seed, stable_number(batch.function), batch.n, stable_number(batch.optimizer)]


def compute_batch(batch: Batch) -> dict:
    """Run one batch: ``{"rows": [...], "wall_time": seconds, "version": fgcourse.__version__}``."""
    batch = check_instance("batch", batch, Batch, "a Batch, one of make_grid(...).batches()")
    function = TEST_FUNCTIONS[batch.function]
    f_star = function.minimum_value(batch.n)
    target = f_star + batch.eps
    repeats = batch.num_repeats if batch.gradient == "forward" else 1
    X0 = np.repeat(starts(batch.function, batch.n, batch.seed, batch.num_starts), repeats, axis=0)
    rng = np.random.default_rng(_forward_rng_seed(batch)) if batch.gradient == "forward" else None
    threshold = max(DIVERGENCE_THRESHOLD, DIVERGENCE_FACTOR * float(np.max(np.abs(function(X0)))))
    began = time.perf_counter()
    result = minimize(function, X0, batch.optimizer, batch.lr, gradient=batch.gradient, law=batch.law, B=batch.B,
                      max_iter=batch.max_iter, rng=rng, target=target if batch.stop_at_target else None,
                      divergence_threshold=threshold)
    wall_time = time.perf_counter() - began
    fun_path, fun, nit, status = result.fun_path, result.fun, result.nit, result.status

    calls_per_step = batch.B if batch.gradient == "forward" else 1
    reached = fun_path <= target  # NaN padding after a run stopped compares False
    first = np.where(reached.any(axis=0), reached.argmax(axis=0), -1)
    t = np.where(first >= 0, (first + 1.0) * calls_per_step, np.inf)
    with np.errstate(invalid="ignore"):
        f_best = np.nanmin(fun_path, axis=0)
    rows = [
        dict(function=batch.function, n=batch.n, optimizer=batch.optimizer, gradient=batch.gradient,
             solver=f"{batch.optimizer}/{batch.gradient}", start=run // repeats, repeat=run % repeats, lr=batch.lr,
             B=batch.B, max_iter=batch.max_iter, f_star=f_star, target=target, t=float(t[run]),
             f_start=float(fun_path[0, run]), f_final=float(fun[run]), f_best=float(f_best[run]), nit=int(nit[run]),
             status=str(status[run]))
        for run in range(X0.shape[0])
    ]
    return {"rows": rows, "wall_time": wall_time, "version": fgcourse.__version__}


def _indexed(index: int, batch: Batch) -> tuple[int, dict]:
    return index, compute_batch(batch)


def _joblib_results(todo, n_jobs):
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    yield from parallel(delayed(_indexed)(index, batch) for index, batch in todo)


def _dask_client(scheduler, n_jobs, timeout):
    """A client of the scheduler at ``scheduler``, or of a new LocalCluster of ``n_jobs`` workers."""
    from distributed import Client, LocalCluster

    if scheduler is None:
        cluster = LocalCluster(n_workers=n_jobs, threads_per_worker=1, dashboard_address=None)
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout=timeout), None
    except Exception as error:  # refused, timed out, bad scheme, or someone else answering: all mean unreachable
        raise ValueError(f"scheduler must be the address of a running dask scheduler, got {scheduler!r}, which "
                         f"could not be reached within {timeout:g} s ({type(error).__name__}: {error})") from None


def _dask_results(client, cluster, todo):
    from distributed import as_completed

    try:
        futures = [client.submit(_indexed, index, batch, pure=False) for index, batch in todo]
        for future in as_completed(futures):
            yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_grid(grid, cache, n_jobs: int = 1, backend: str = "joblib", scheduler: str | None = None, *,
             timeout: float = 10.0, progress: bool = True) -> pd.DataFrame:
    """Every run of ``grid`` as one table (columns :data:`COLUMNS`), computing only what the cache lacks.

    ``grid`` is a :class:`Grid` (from :func:`make_grid`) or a name of :data:`GRIDS`;
    ``cache`` a directory (created if needed). ``n_jobs`` batches run at once, by joblib's
    processes or, with ``backend="dask"``, on the dask.distributed scheduler at address
    ``scheduler`` (a LocalCluster of ``n_jobs`` workers when None); an unreachable scheduler
    is an error after ``timeout`` seconds (it is contacted only when some batch is missing).
    ``df.attrs`` holds ``computed`` and ``cached``, the numbers of batches computed and read
    from the cache, and ``recomputed``, how many of the computed ones replaced a damaged entry
    (incomplete, unreadable, of another key: see :mod:`fgcourse.experiments.cache`).
    """
    if isinstance(grid, str):
        grid = get_grid(grid)
    grid = check_instance("grid", grid, Grid, "a Grid from make_grid() or a grid name ('smoke', 'paper')")
    n_jobs = check_int("n_jobs", n_jobs, minimum=1, maximum=MAX_JOBS)
    backend = check_option("backend", backend, BACKENDS)
    if scheduler is not None and not isinstance(scheduler, str):
        raise TypeError(f"scheduler must be a dask scheduler address (str) or None, got {describe(scheduler)}")
    if scheduler is not None and backend != "dask":
        raise ValueError(f"scheduler must be None unless backend='dask', got {scheduler!r} with backend={backend!r}")
    timeout = check_positive("timeout", timeout)
    progress = check_bool("progress", progress)
    directory = open_cache(cache)

    batches = grid.batches()
    row_columns = [column for column in COLUMNS if column != "wall_time"]
    found = [load_entry(directory, batch, row_columns) for batch in batches]
    entries = [entry if what == USABLE else None for what, entry in found]
    damaged = sum(what == DAMAGED for what, _ in found)
    todo = [(index, batch) for index, batch in enumerate(batches) if entries[index] is None]
    if todo:
        from tqdm.auto import tqdm

        if backend == "joblib":
            results = _joblib_results(todo, n_jobs)
        else:
            results = _dask_results(*_dask_client(scheduler, n_jobs, timeout), todo)
        # Each entry is stored as soon as it is back: what an interruption loses is only what was running.
        with tqdm(total=len(todo), desc="batches", unit="batch", disable=not progress) as bar:
            try:
                for index, entry in results:
                    if entry["version"] != fgcourse.__version__:
                        raise ValueError(f"scheduler must run workers with fgcourse {fgcourse.__version__}, got "
                                         f"a worker with fgcourse {entry['version']}")
                    store_entry(directory, batches[index], entry)
                    entries[index] = entry
                    bar.update()
            finally:
                results.close()  # stops the workers and closes a dask client at once, also on Ctrl-C

    rows = [{**row, "wall_time": entry["wall_time"]} for entry in entries for row in entry["rows"]]
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table.attrs.update(computed=len(todo), cached=len(batches) - len(todo), recomputed=damaged)
    return table
