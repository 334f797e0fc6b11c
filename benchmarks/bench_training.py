"""Training with forward gradients: the speed targets of the chapter, measured in one run.

Prints:

1. the time of one training run of the digits MLP for 2,000 steps (Adam, backprop and
   Gaussian forward gradients), wall and CPU (target: under 20 s);
2. time and peak memory of one forward-gradient step against one backprop step on deep tanh
   MLPs of depth 4 to 64 (width 128, batch 64): the forward step's working memory (its JVP
   pass, beyond θ's copy and v) must stay flat across depth (within ±10 %), backprop's tape grows;
3. the same on the nested-loop program F_n (S = 3).

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_training.py [--quick]
(``--quick``: every part at toy sizes (20 training steps, depths 2 and 4 of width 16, F_n for
n = 1, 2), in seconds, to check that the script runs; its numbers are not meaningful.)
"""

from __future__ import annotations

import os
import sys

# One BLAS thread: on this shared 2-core machine, threaded BLAS makes timings swing tenfold.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import time  # noqa: E402

from fgcourse.training import deep_tanh_loss, digits_split, nested_costs, step_costs, train  # noqa: E402

QUICK = "--quick" in sys.argv[1:]
DEPTHS = (2, 4) if QUICK else (4, 8, 16, 32, 64)
WIDTH, BATCH, REPEAT = (16, 8, 1) if QUICK else (128, 64, 5)
STEPS, EVAL_EVERY = (20, 10) if QUICK else (2000, 100)
NESTED_DEPTHS, NESTED_REPEAT = ((1, 2), 1) if QUICK else ((1, 2, 3, 4, 5), 3)


def training_runs() -> None:
    split = digits_split()
    for gradient in ("true", "forward"):
        wall, cpu = time.perf_counter(), time.process_time()
        result = train("mlp", split, "adam", 0.003, gradient=gradient, rng=0, max_iter=STEPS, eval_every=EVAL_EVERY)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"  MLP, {STEPS} steps, {gradient:>7} gradient: {wall:5.1f} s wall, {cpu:5.1f} s CPU "
              f"(target < 20 s), validation accuracy {result.val_accuracy[-1]:.3f}")


def tanh_costs() -> None:
    costs = step_costs([(f"depth {d}", *deep_tanh_loss(d, width=WIDTH, batch=BATCH)) for d in DEPTHS],
                       repeat=REPEAT)
    print(f"  {'depth':>5} {'params MB':>9} {'fwd ms':>7} {'bp ms':>7} {'ratio':>6} {'fwd MB':>7} {'bp MB':>7}"
          f" {'fwd JVP-pass MB':>16} {'bp tape MB':>11}")
    for i, depth in enumerate(DEPTHS):
        print(f"  {depth:>5} {costs.n[i] * 8e-6:9.1f} {1e3 * costs.forward_seconds[i]:7.1f}"
              f" {1e3 * costs.backprop_seconds[i]:7.1f} {costs.time_ratio[i]:6.2f} {costs.forward_bytes[i] / 1e6:7.1f}"
              f" {costs.backprop_bytes[i] / 1e6:7.1f} {costs.forward_working_bytes[i] / 1e6:16.2f}"
              f" {costs.backprop_working_bytes[i] / 1e6:11.2f}")
    forward, backprop = costs.forward_working_bytes, costs.backprop_working_bytes
    spread = forward.max() / forward.min() - 1
    print(f"  forward working memory, depth {DEPTHS[0]} to {DEPTHS[-1]}: max / min - 1 = {100 * spread:.1f} % "
          f"(target <= 10 %); backprop's tape grows {backprop[-1] / backprop[0]:.1f}x")


def nested() -> None:
    costs = nested_costs(3, NESTED_DEPTHS, repeat=NESTED_REPEAT)
    for i, depth in enumerate(costs.depths):
        print(f"  F_n, n = {depth}: time forward / reverse {costs.time_ratio[i]:.2f}, "
              f"peak memory forward / reverse {costs.memory_ratio[i]:.2f}")


def main() -> None:
    if QUICK:
        print("QUICK RUN (--quick): toy sizes, 1 repeat; the numbers below are NOT meaningful, do not quote them\n")
    print("one training run (CPU seconds count this process only; wall time depends on the machine's load)")
    training_runs()
    print(f"\none step, tanh MLP of width {WIDTH}, batch {BATCH} (CPU time, median of {REPEAT})")
    tanh_costs()
    print("\nnested-loop program F_n, sizes (3,) * n")
    nested()


if __name__ == "__main__":
    main()
