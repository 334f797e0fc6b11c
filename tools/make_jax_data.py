"""Regenerate the stored MLP study of the chapter *Forward gradients in practice* (data/jax/study.npz).

    .venv/bin/python tools/make_jax_data.py [--iterations N] [--out DIR] [--jobs N] [--quick]
    (or: make jax-data)

The study of gao2023gradients (§4.2) on scikit-learn's digits (:mod:`fgcourse.jax.study`): an MLP
64-1024-1024-10 (ReLU), minibatch 64, SGD and Adam at two learning rates each, backprop and
forward gradients (one Gaussian tangent), 5 seeds: 40 runs. The source ran 20,000 iterations on
MNIST. Budget: a forward-gradient step takes about 30 ms and a backprop step about 12 ms of one
core on this machine, so ``--iterations 4000`` takes about an
hour of CPU, half an hour of wall time on 2 cores; the stored table has ``--iterations 1000``
(the default, about 15 minutes of CPU). Runs that diverge stop early. ``--quick`` runs two
settings, one seed, 20 iterations: a check that the command works, whose file is not the chapter's.
"""

from __future__ import annotations

import os
import sys

for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")
# One XLA thread per process: --jobs runs use one core each.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from fgcourse.jax.study import STUDY_SETTINGS, run_study, save_study  # noqa: E402
from fgcourse.training import digits_split  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "data" / "jax"
ITERATIONS = 1000
RECORD_EVERY = 50
SEEDS = range(5)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"the folder to write (default {OUT})")
    parser.add_argument("--iterations", type=int, default=ITERATIONS, help=f"steps per run (default {ITERATIONS})")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    parser.add_argument("--quick", action="store_true", help="a small slice, to check that the command works")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    settings, seeds = (STUDY_SETTINGS[2:4], range(1)) if args.quick else (STUDY_SETTINGS, SEEDS)
    iterations, record_every = (20, 10) if args.quick else (args.iterations, RECORD_EVERY)
    start = time.perf_counter()
    table = run_study(settings, digits_split(), seeds, iterations, record_every, jobs=args.jobs)
    save_study(args.out / "study.npz", table)
    print(f"{table.num_runs} runs of {iterations} iterations, {table.diverged.sum()} diverged, "
          f"{time.perf_counter() - start:.0f} s wall -> {args.out / 'study.npz'}; one step: forward gradient "
          f"{1e3 * table.forward_step_seconds:.1f} ms, backprop {1e3 * table.backprop_step_seconds:.1f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
