"""Benchmark of fgcourse.chains, measured side by side in one run.

1. Overhead: chain jvp / vjp over autograd's make_jvp / make_vjp of the composed function
   (same chain, same point; target ratio <= 1.3).
2. Peak memory (tracemalloc) of one JVP (forward mode) and one VJP (reverse mode) for
   depths 4, 16, 64, next to autograd on the composed function: forward mode must stay
   flat, reverse mode grows with K (one state of width 256 is 2 KiB).
3. Where the "which mode?" crossover of the Jacobian of x -> A x, n = 100, lies here.
4. The notebook explorer's median update time (target < 0.3 s).

Run: .venv/bin/python benchmarks/bench_chains.py [--quick]
(``--quick``: every part at toy sizes and 3 repeats, in seconds, to check that the script runs;
its numbers are not meaningful.)
"""

import statistics
import sys
import time

import matplotlib
import numpy as np
from autograd import make_jvp, make_vjp

from fgcourse.chains import compose, draw_memory_timelines, jacobian_mode_timings, jvp, random_chain, vjp
from fgcourse.explorer import median_update_time
from fgcourse.measure import peak_bytes

matplotlib.use("Agg")

QUICK = "--quick" in sys.argv[1:]
WIDTH = 32 if QUICK else 256
REPEAT = 3 if QUICK else 41
DEPTHS = (2, 4) if QUICK else (4, 16, 64)
MODE_N, MODE_MS, MODE_REPEAT = (10, (5, 10, 20), 1) if QUICK else (100, (25, 50, 100, 150, 200, 300, 400), 5)
EXPLORER_WIDTHS = (16,) if QUICK else (16, 64, 256)
EXPLORER_DEPTHS = [2, 4] if QUICK else [2, 4, 8, 16, 32, 64]


def chain_vjp(fs, s0, u):
    return vjp(fs, s0)[1](u)


def autograd_vjp(composed, s0, u):
    return make_vjp(composed)(s0)[0](u)


def median_ratio(ours, reference, repeat=REPEAT):
    """Median times of two callables timed alternately, and their ratio."""
    times = {ours: [], reference: []}
    for _ in range(repeat):
        for run in (ours, reference):
            start = time.perf_counter()
            run()
            times[run].append(time.perf_counter() - start)
    ours_time, reference_time = statistics.median(times[ours]), statistics.median(times[reference])
    return ours_time, reference_time, ours_time / reference_time


def main():
    if QUICK:
        print("QUICK RUN (--quick): toy sizes, few repeats; the numbers below are NOT meaningful, do not quote them\n")
    rng = np.random.default_rng(0)
    print(f"1. Overhead, chains of width {WIDTH} (median of {REPEAT} alternated runs)")
    print(f"{'depth':>6} {'jvp ms':>8} {'make_jvp ms':>12} {'ratio':>6} {'vjp ms':>8} {'make_vjp ms':>12} {'ratio':>6}")
    for depth in DEPTHS:
        fs, s0 = random_chain([WIDTH] * (depth + 1), rng)
        v, u = rng.standard_normal(WIDTH), rng.standard_normal(WIDTH)
        composed = compose(fs)
        jv = median_ratio(lambda: jvp(fs, s0, v), lambda: make_jvp(composed)(s0)(v))
        vj = median_ratio(lambda: chain_vjp(fs, s0, u), lambda: autograd_vjp(composed, s0, u))
        print(f"{depth:>6} {1e3 * jv[0]:8.3f} {1e3 * jv[1]:12.3f} {jv[2]:6.2f} "
              f"{1e3 * vj[0]:8.3f} {1e3 * vj[1]:12.3f} {vj[2]:6.2f}")

    print(f"\n2. Peak traced memory of one JVP / one VJP, width {WIDTH} (KiB)")
    print(f"{'depth':>6} {'forward':>9} {'reverse':>9} {'autograd make_jvp':>18} {'autograd make_vjp':>18}")
    for depth in DEPTHS:
        fs, s0 = random_chain([WIDTH] * (depth + 1), rng)
        v, u = rng.standard_normal(WIDTH), rng.standard_normal(WIDTH)
        forward = peak_bytes(lambda: jvp(fs, s0, v))
        reverse = peak_bytes(lambda: chain_vjp(fs, s0, u))
        composed = compose(fs)
        reference_forward = peak_bytes(lambda: make_jvp(composed)(s0)(v))
        reference_reverse = peak_bytes(lambda: autograd_vjp(composed, s0, u))
        print(f"{depth:>6} {forward / 1024:9.1f} {reverse / 1024:9.1f} "
              f"{reference_forward / 1024:18.1f} {reference_reverse / 1024:18.1f}")

    print(f"\n3. Which mode? Jacobian of x -> A x, n = {MODE_N} inputs (median of {MODE_REPEAT}, ms)")
    timings = jacobian_mode_timings(n=MODE_N, ms=MODE_MS, repeat=MODE_REPEAT, rng=0)
    print(f"{'m':>6} {'forward':>9} {'reverse':>9}")
    for m, tf, tr in zip(timings.ms, timings.forward_seconds, timings.reverse_seconds):
        print(f"{m:>6} {1e3 * tf:9.2f} {1e3 * tr:9.2f}")
    crossover = timings.crossover
    print("reverse mode slower from m =", crossover, "on" if crossover else "(never, up to the largest m)")

    print(f"\n4. Explorer update (draw_memory_timelines, depth {EXPLORER_DEPTHS[0]}..{EXPLORER_DEPTHS[-1]})")
    for width in EXPLORER_WIDTHS:
        seconds = median_update_time(draw_memory_timelines, EXPLORER_DEPTHS, width=width)
        print(f"width {width:>3}: median update {seconds:.3f} s (target < 0.3 s)")


if __name__ == "__main__":
    main()
