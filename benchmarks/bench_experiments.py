"""Speed of fgcourse.experiments: vectorized batches, parallel throughput, resume, the paper grid's time.

Run:  .venv/bin/python benchmarks/bench_experiments.py [--sample K] [--quick]
(``--quick``: every part at toy sizes, on the ``smoke`` grid instead of the ``paper`` grid and
1 batch drawn unless --sample is given, in seconds, to check that the script runs; its numbers
are not meaningful.)

Prints, in one run:
- one batch of the grid (25 forward runs of Adam on Rosenbrock in n = 10) as one vectorized
  ``minimize`` call against a loop of 25 single-run calls: the ratio;
- the throughput (runs per second) of ``run_grid`` on a slice with ``n_jobs=1`` and ``n_jobs=2``;
- a resume with nothing to do on a cache holding every batch of the ``paper`` grid (target
  < 10 s): the entries are placeholders with the right keys and row counts, so that the
  measured time is the cache's and the table's, not the grid's;
- an estimate of the ``paper`` grid's time on 2 workers: K batches drawn at random (seeded)
  run serially, their mean time times the number of batches, halved (the budget: 30 min).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time

import numpy as np

from fgcourse.experiments import COLUMNS, compute_batch, get_grid, make_grid, run_grid, starts
from fgcourse.experiments.cache import open_cache, store_entry
from fgcourse.optim import minimize
from fgcourse.testfunctions import TEST_FUNCTIONS

SLICE_ITER = 500
QUICK_ITER = 20


def seconds(run) -> tuple[float, float]:
    """Wall and CPU seconds of one call (CPU beside wall: the machine is shared)."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def vectorized_against_loop(num_starts: int = 5, num_repeats: int = 5, iterations: int = SLICE_ITER) -> None:
    function, n, num_runs = TEST_FUNCTIONS["rosenbrock"], 10, num_starts * num_repeats
    X0 = np.repeat(starts("rosenbrock", n, 0, num_starts), num_repeats, axis=0)
    options = dict(optimizer="adam", lr=0.01, gradient="forward", max_iter=iterations)
    batched, _ = seconds(lambda: minimize(function, X0, rng=0, **options))
    looped, _ = seconds(lambda: [minimize(function, x0, rng=run, **options) for run, x0 in enumerate(X0)])
    print(f"one batch of {num_runs} runs, {iterations} iterations: vectorized {batched:.2f} s, "
          f"loop of single runs {looped:.2f} s, ratio loop/vectorized {looped / batched:.1f}")


def throughput(iterations: int = SLICE_ITER, dims=(10,)) -> None:
    grid = make_grid(["rosenbrock", "ackley"], dims=dims, max_iter=iterations)
    warm_up = make_grid(["sphere"], dims=(2,), optimizers=["sgd"], max_iter=10)
    rates = {}
    for n_jobs in (1, 2):
        with tempfile.TemporaryDirectory() as cache:
            run_grid(warm_up, cache, n_jobs=n_jobs, progress=False)  # joblib's workers start (and are reused)
        with tempfile.TemporaryDirectory() as cache:
            wall, _ = seconds(lambda: run_grid(grid, cache, n_jobs=n_jobs, progress=False))
        rates[n_jobs] = grid.num_runs / wall
        print(f"run_grid --jobs {n_jobs}: {len(grid.batches())} batches, {grid.num_runs} runs in {wall:.1f} s wall, "
              f"{rates[n_jobs]:.1f} runs/s")
    print(f"throughput jobs 2 / jobs 1: {rates[2] / rates[1]:.2f} (load average {os.getloadavg()[0]:.2f}; "
          f"2 on an idle 2-core machine at best)")


def resume_with_nothing_to_do(name: str = "paper") -> None:
    grid = get_grid(name)
    with tempfile.TemporaryDirectory() as cache:
        directory = open_cache(cache)
        for batch in grid.batches():  # complete entries (every column), so that nothing is recomputed
            row = {column: 0 for column in COLUMNS if column != "wall_time"}
            row.update(function=batch.function, n=batch.n, optimizer=batch.optimizer, gradient=batch.gradient)
            store_entry(directory, batch, {"rows": [row] * batch.num_runs, "wall_time": 0.0, "version": ""})
        wall, _ = seconds(lambda: run_grid(grid, cache, progress=False))
        table = run_grid(grid, cache, progress=False)
    print(f"resume of the {name} grid with nothing to do ({len(grid.batches())} entries, {len(table)} rows): "
          f"{wall:.2f} s (target < 10 s); computed {table.attrs['computed']}")


def paper_estimate(sample: int, name: str = "paper") -> None:
    grid = get_grid(name)
    batches = grid.batches()
    chosen = random.Random(0).sample(batches, sample)
    walls, cpus = [], []
    for batch in chosen:
        wall, cpu = seconds(lambda: compute_batch(batch))
        walls.append(wall)
        cpus.append(cpu)
        print(f"  {batch.function:>24s} n={batch.n:<3d} {batch.optimizer:>11s}/{batch.gradient:<7s} "
              f"{batch.num_runs:2d} runs: {wall:5.2f} s wall, {cpu:5.2f} s CPU")
    print(f"{name} grid: {len(batches)} batches, {grid.num_runs} runs, max_iter {grid.max_iter}; "
          f"{sample} batches drawn")
    for label, times in (("wall", walls), ("CPU", cpus)):
        total = float(np.mean(times)) * len(batches)
        print(f"  from {label} time: mean batch {np.mean(times):.2f} s, serial {total / 60:.1f} min, "
              f"on 2 workers {total / 2 / 60:.1f} min")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, help="batches of the paper grid to time (default 12, 1 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="every part at toy sizes, on the smoke grid: checks the script, numbers not meaningful")
    args = parser.parse_args()
    if args.sample is None:
        args.sample = 1 if args.quick else 12
    if args.quick:
        print(f"QUICK RUN (--quick): {QUICK_ITER} iterations, the smoke grid for the paper grid's parts; "
              "the numbers below are NOT meaningful, do not quote them")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if args.quick:
        vectorized_against_loop(num_starts=2, num_repeats=2, iterations=QUICK_ITER)
        throughput(iterations=QUICK_ITER, dims=(2,))
        resume_with_nothing_to_do("smoke")
        paper_estimate(args.sample, "smoke")
    else:
        vectorized_against_loop()
        throughput()
        resume_with_nothing_to_do()
        paper_estimate(args.sample)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
