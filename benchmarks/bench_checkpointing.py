"""Benchmark of fgcourse.checkpointing, measured side by side in one run.

1. Time of the closed form min_step_calls(K, q) and of the dynamic programme (Eq. 8.3,
   min_step_calls_table) for K = 10^3, 10^4 and q = 10, 20; they must agree.
2. Peak memory (tracemalloc) and time of the executor on a chain of width 10^4 and depth
   256: the optimal schedule with q = 8 against store-all (and plain reverse mode of
   fgcourse.chains): memory should drop by about 256 / 8; time grows by less than the ratio
   of steps run, (min_step_calls(256, 8) + 256) / (255 + 256), since reverse steps cost more
   than advances. The printed ratio is this machine's (it varies with the load).
3. Online schedule against the offline optimum for lengths that turn out to be K.
4. The notebook explorer's median update time (target <= 0.1 s).

Run: .venv/bin/python benchmarks/bench_checkpointing.py [--quick]
(``--quick``: every part at toy sizes, in seconds, to check that the script runs; its numbers
are not meaningful.)
"""

import os
import sys
import time
import tracemalloc

import autograd.numpy as anp
import matplotlib
import numpy as np

from fgcourse import chains
from fgcourse.checkpointing import (
    checkpointed_vjp,
    explore_schedule,
    min_step_calls,
    min_step_calls_table,
    online_costs,
    schedule,
)
from fgcourse.explorer import median_update_time

matplotlib.use("Agg")


def seconds(run, repeat=1):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        value = run()
        best = min(best, time.perf_counter() - start)
    return best, value


def bench_counting(Ks=(10**3, 10**4), repeat=3):
    print(f"1. closed form vs dynamic programme (seconds; best of {repeat} for the closed form)")
    print(f"{'K':>7} {'q':>4} {'calls':>10} {'closed form':>12} {'DP':>10} {'DP / closed':>12}")
    for K in Ks:
        for q in (10, 20):
            closed_time, closed = seconds(lambda: min_step_calls(K, q), repeat=repeat)
            dp_time, table = seconds(lambda: min_step_calls_table(K, q))
            assert table[K, q] == closed
            print(f"{K:>7} {q:>4} {closed:>10} {closed_time:>12.2e} {dp_time:>10.2f} {dp_time / closed_time:>12.0f}")


def diagonal_chain(rng, width, depth):
    """K = depth element-wise steps s -> tanh(a_k * s + b_k): states of width 10^4 stay cheap."""
    scales = 1.0 + 0.1 * rng.standard_normal((depth, width))
    shifts = 0.1 * rng.standard_normal((depth, width))
    return [lambda s, a=a, b=b: anp.tanh(a * s + b) for a, b in zip(scales, shifts)]


def traced(run):
    tracemalloc.start()
    start = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, peak, elapsed


def bench_memory(width=10**4, depth=256, q=8):
    print(f"\n2. executor on a chain of width {width}, depth {depth} (one state = {width * 8 / 1024:.0f} KiB)")
    rng = np.random.default_rng(0)
    fs = diagonal_chain(rng, width, depth)
    s0, u = rng.standard_normal(width), rng.standard_normal(width)
    store_all = f"store_all (q = {depth})"
    runs = {
        store_all: lambda: checkpointed_vjp(fs, s0, u, schedule(depth, depth, "store_all")),
        f"optimal (q = {q})": lambda: checkpointed_vjp(fs, s0, u, schedule(depth, q, "optimal")),
        f"online (q = {q})": lambda: checkpointed_vjp(fs, s0, u, schedule(depth, q, "online")),
        "chains.vjp (plain reverse)": lambda: (chains.vjp(fs, s0)[1](u), None),
    }
    results = {}
    print(f"{'run':>28} {'step calls':>10} {'peak states':>11} {'peak MiB':>9} {'seconds':>8}")
    for name, run in runs.items():
        (r_0, stats), peak, elapsed = traced(run)
        results[name] = (r_0, peak, elapsed)
        calls = stats.step_calls if stats else depth
        states = stats.peak_states if stats else depth
        print(f"{name:>28} {calls:>10} {states:>11} {peak / 2**20:>9.2f} {elapsed:>8.3f}")
    reference = results[store_all]
    for r_0, _, _ in results.values():
        assert np.allclose(r_0, reference[0], rtol=1e-12, atol=1e-12)
    optimal = results[f"optimal (q = {q})"]
    print(f"memory store_all / optimal: {reference[1] / optimal[1]:.1f}x less with q = {q} "
          f"(states: {depth} / {q} = {depth / q:.0f}); time optimal / store_all: {optimal[2] / reference[2]:.2f} "
          f"(step calls + reverse steps: {(min_step_calls(depth, q) + depth) / (2 * depth - 1):.2f})")


def bench_online(Ks=(16, 64, 256, 1024)):
    print("\n3. online (loop length unknown) vs offline optimum, step calls")
    for q in (4, 8):
        costs = online_costs(q, list(Ks))
        row = ", ".join(f"K={K}: {on} vs {op} ({on / op:.2f}x)"
                        for K, on, op in zip(costs.K, costs.online, costs.optimal))
        print(f"q = {q}: {row}")


def bench_explorer(values=(4, 6, 8, 12, 16, 24, 32, 48, 64)):
    values = list(values)
    print(f"\n4. explorer median update time (draw + PNG), target <= 0.1 s; load average {os.getloadavg()[0]:.1f}")
    for strategy, q in (("optimal", 3), ("recompute_all", 1), ("online", 4), ("store_all", 3)):
        wall = median_update_time(explore_schedule, values, q=q, strategy=strategy)
        cpu = median_update_time(explore_schedule, values, clock=time.process_time, q=q, strategy=strategy)
        print(f"{strategy:>14} q={q}: wall {wall:.3f} s, cpu {cpu:.3f} s")


if __name__ == "__main__":
    if "--quick" in sys.argv[1:]:
        print("QUICK RUN (--quick): toy sizes, one repeat; the numbers below are NOT meaningful, do not quote them\n")
        bench_counting((100,), repeat=1)
        bench_memory(width=100, depth=16, q=4)
        bench_online((16, 64))
        bench_explorer((4, 8))
    else:
        bench_counting()
        bench_memory()
        bench_online()
        bench_explorer()
