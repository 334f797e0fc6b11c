"""Speed of fgcourse.optim: vectorized runs over starts vs one run per start, and the Beale explorer.

Run:  .venv/bin/python benchmarks/bench_optim.py [--quick]
(``--quick``: 50 steps, one repeat and two learning rates of the explorer, in seconds, to check
that the script runs; its numbers are not meaningful.)

Prints, side by side in one run:
- the median time of ``max_iter`` optimizer steps from 5 starts, as one batched ``minimize``
  call against a Python loop of 5 single-start calls, for the true and the forward gradient
  on Beale and Rosenbrock (target: batched ≤ 1 s);
- the median live-update time of the Beale explorer of notebooks/beale.ipynb over its
  learning-rate grid (bench_explorers.py has every control; target ≤ 300 ms: it reruns 300 steps
  of 5 forward runs, and of 1 true run unless it is cached).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from fgcourse.explorer import median_update_time  # noqa: E402
from fgcourse.optim import explorer_figure, minimize  # noqa: E402
from fgcourse.testfunctions import beale, rosenbrock  # noqa: E402

QUICK = "--quick" in sys.argv[1:]
STEPS = 50 if QUICK else 3000
REPEATS = 1 if QUICK else 3
EXPLORER_LEARNING_RATES = [0.001, 0.01] if QUICK else [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1]


def median_time(run, repeats: int = REPEATS) -> tuple[float, float]:
    """Median wall time and median CPU time of this process, in seconds.

    CPU time is printed beside wall time because the machine is shared: under load the
    wall time of the same work grows while its CPU time does not.
    """
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def compare(function, starts, lr, gradient):
    options = dict(optimizer="sgd", lr=lr, max_iter=STEPS, gradient=gradient)
    if gradient == "forward":
        options["rng"] = 0
    batched = median_time(lambda: minimize(function, starts, **options))
    looped = median_time(lambda: [minimize(function, start, **options) for start in starts])
    return batched, looped


def main() -> None:
    if QUICK:
        print("QUICK RUN (--quick): 50 steps, 1 repeat; the numbers below are NOT meaningful, do not quote them")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    starts = np.random.default_rng(0).uniform(-1.0, 1.0, size=(5, 2))
    print(f"\n{STEPS} SGD steps from 5 starts, median of {REPEATS}")
    print(f"{'function':<11} {'gradient':<8} {'batched wall/cpu (s)':>21} {'loop wall/cpu (s)':>18} "
          f"{'loop/batched (cpu)':>18}")
    for function, lr in ((beale, 0.01), (rosenbrock, 5e-4)):
        for gradient in ("true", "forward"):
            (batched, batched_cpu), (looped, looped_cpu) = compare(function, starts, lr, gradient)
            print(f"{function.name:<11} {gradient:<8} {batched:>10.3f} / {batched_cpu:<8.3f} "
                  f"{looped:>8.3f} / {looped_cpu:<7.3f} {looped_cpu / batched_cpu:>18.2f}")

    controls = dict(start=(0.0, 0.5), law="rademacher", optimizer="sgd", rng=0)
    cpu = time.process_time()
    update = median_update_time(explorer_figure, EXPLORER_LEARNING_RATES, **controls)
    mean_cpu = (time.process_time() - cpu) / len(EXPLORER_LEARNING_RATES)
    print(f"\nBeale explorer (300 steps, 1 true + 5 forward runs, draw + PNG) over "
          f"{len(EXPLORER_LEARNING_RATES)} learning rates: median update {update:.3f} s wall, "
          f"mean {mean_cpu:.3f} s CPU (target <= 0.3 s)")
    mean_square_scaling()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def mean_square_scaling() -> None:
    """E‖θ_k‖² by the O(n) recursion against the dense n × n matrix it replaces, side by side; then
    the O(n) one alone at n = 10^6 (the dense matrix would be 8 TB)."""
    from fgcourse.measure import peak_bytes
    from fgcourse.optim import mean_square_path, second_moment_recursion

    n, steps = (200, 20) if QUICK else (2000, 100)
    a, x0 = 2.0 * np.arange(1, n + 1), np.ones(n)
    lr = 0.5 / a.sum()

    def dense():
        M, d = second_moment_recursion(a, "gaussian", lr), x0**2
        for _ in range(steps):
            d = M @ d
        return d.sum()

    times = {}
    for name, run in (("O(n) recursion", lambda: mean_square_path(a, "gaussian", lr, x0, steps)), ("dense M", dense)):
        cpu = time.process_time()
        peak = peak_bytes(run)
        times[name] = (time.process_time() - cpu, peak)
    (fast, fast_peak), (slow, slow_peak) = times["O(n) recursion"], times["dense M"]
    print(f"\nmean_square_path, n = {n}, {steps} steps: O(n) {fast * 1e3:.1f} ms and {fast_peak / 1e6:.2f} MB against "
          f"the dense matrix's {slow * 1e3:.1f} ms and {slow_peak / 1e6:.1f} MB: time ratio {slow / fast:.0f}, "
          f"memory ratio {slow_peak / fast_peak:.0f} (the matrix is n² = {n * n:,} floats, the recursion 4n)")
    big = 10**4 if QUICK else 10**6
    a = 2.0 * np.arange(1, big + 1)
    cpu = time.process_time()
    peak = peak_bytes(lambda: mean_square_path(a, "rademacher", 0.5 / a.sum(), np.ones(big), 3))
    print(f"mean_square_path, n = {big:,}, 3 steps: {time.process_time() - cpu:.2f} s of CPU, peak {peak / 1e6:.0f} MB "
          f"(target < 1 s and < 100 MB)")


if __name__ == "__main__":
    main()
