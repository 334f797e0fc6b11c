"""Training with forward gradients: the speed targets of the chapter, measured in one run.

Prints:

1. the time of one training run of the digits MLP for 2,000 steps (Adam, backprop and
   Gaussian forward gradients), wall and CPU (target: under 20 s);
2. time and peak memory of one forward-gradient step against one backprop step on deep tanh
   MLPs of depth 4 to 64 (width 128, batch 64): the forward step's working memory (its JVP
   pass, beyond θ's copy and v) must stay flat across depth (within ±10 %), backprop's tape grows;
3. the same on the nested-loop program F_n (S = 3).

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_training.py [--quick]   (--quick: part 1 only)
"""

from __future__ import annotations

import os
import sys

# One BLAS thread: on this shared 2-core machine, threaded BLAS makes timings swing tenfold.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import time  # noqa: E402

from fgcourse.training import deep_tanh_loss, digits_split, nested_costs, step_costs, train  # noqa: E402

DEPTHS = (4, 8, 16, 32, 64)


def training_runs() -> None:
    split = digits_split()
    for gradient in ("true", "forward"):
        wall, cpu = time.perf_counter(), time.process_time()
        result = train("mlp", split, "adam", 0.003, gradient=gradient, rng=0, max_iter=2000, eval_every=100)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"  MLP, 2000 steps, {gradient:>7} gradient: {wall:5.1f} s wall, {cpu:5.1f} s CPU "
              f"(target < 20 s), validation accuracy {result.val_accuracy[-1]:.3f}")


def tanh_costs() -> None:
    costs = step_costs([(f"depth {d}", *deep_tanh_loss(d)) for d in DEPTHS], repeat=5)
    print(f"  {'depth':>5} {'params MB':>9} {'fwd ms':>7} {'bp ms':>7} {'ratio':>6} {'fwd MB':>7} {'bp MB':>7}"
          f" {'fwd JVP-pass MB':>16} {'bp tape MB':>11}")
    for i, depth in enumerate(DEPTHS):
        print(f"  {depth:>5} {costs.n[i] * 8e-6:9.1f} {1e3 * costs.forward_seconds[i]:7.1f}"
              f" {1e3 * costs.backprop_seconds[i]:7.1f} {costs.time_ratio[i]:6.2f} {costs.forward_bytes[i] / 1e6:7.1f}"
              f" {costs.backprop_bytes[i] / 1e6:7.1f} {costs.forward_working_bytes[i] / 1e6:16.2f}"
              f" {costs.backprop_working_bytes[i] / 1e6:11.2f}")
    forward, backprop = costs.forward_working_bytes, costs.backprop_working_bytes
    spread = forward.max() / forward.min() - 1
    print(f"  forward working memory, depth 4 to 64: max / min - 1 = {100 * spread:.1f} % (target <= 10 %); "
          f"backprop's tape grows {backprop[-1] / backprop[0]:.1f}x")


def nested() -> None:
    costs = nested_costs(3, (1, 2, 3, 4, 5))
    for i, depth in enumerate(costs.depths):
        print(f"  F_n, n = {depth}: time forward / reverse {costs.time_ratio[i]:.2f}, "
              f"peak memory forward / reverse {costs.memory_ratio[i]:.2f}")


def main() -> None:
    print("one training run (CPU seconds count this process only; wall time depends on the machine's load)")
    training_runs()
    if "--quick" in sys.argv[1:]:
        return
    print("\none step, tanh MLP of width 128, batch 64 (CPU time, median of 5)")
    tanh_costs()
    print("\nnested-loop program F_n, sizes (3,) * n")
    nested()


if __name__ == "__main__":
    main()
