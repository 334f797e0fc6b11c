"""Regenerate the stored data of the chapter *Training with forward gradients* (data/training/).

    .venv/bin/python tools/make_training_data.py [runs] [costs] [--out DIR] [--quick]
    (or: make training-data)

``runs``: every seeded training run of the chapter (runs.npz). ``costs``: time and memory of one
step of each mode (costs.npz). Without arguments, both, into ``data/training`` (``--out``: another
folder). Times are CPU times (``time.process_time``), with one BLAS thread: on a shared machine
they are far steadier than wall times. ``--quick`` runs the same code on a small slice in seconds
(two settings of the MLP, one seed, 100 oracle calls; two depths of each cost): a check that the
command works, whose files are not the chapter's.

The runs (:func:`settings`): both models, SGD and Adam, every oracle with one tangent, each at
every learning rate of its optimizer's sweep (:data:`LRS`: 7 rates for SGD, 6 for Adam, a factor
of about 3 apart, wide enough that each oracle's best rate lies inside the sweep or at the end
where larger rates stop helping), so that each oracle can be compared at its own best rate; and,
at the two rates of :data:`B_LRS`, the MLP's three perturbations with B = 5 and B = 10 tangents
at the same budget of JVPs. 5 seeds per setting: 575 runs of at most 1,000 steps. Budget: 610 s
of CPU for the runs on the course's machine (1 to 2.3 ms of CPU per MLP step; runs that diverge
stop early) and half a minute for the costs, so that ``make training-data`` stays within a quarter
of an hour of CPU (on a shared two-core machine, half an hour of wall time).
"""

from __future__ import annotations

import os
import sys

for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from fgcourse.training import (  # noqa: E402
    MODELS,
    ORACLES,
    Setting,
    concatenate_tables,
    deep_tanh_loss,
    digits_split,
    nested_costs,
    run_settings,
    save_costs,
    save_runs,
    step_costs,
)

OUT = Path(__file__).resolve().parent.parent / "data" / "training"
QUICK = {"max_jvps": 100, "seeds": range(1), "tanh_depths": (2, 4), "nested_depths": (1, 2)}
"""The slice of ``--quick``: the first two settings of :func:`settings` at this budget, one seed."""
LRS = {"sgd": (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0), "adam": (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)}
"""Each optimizer's learning-rate sweep, run by every oracle with one tangent. SGD's steps scale with the
gradient and Adam's do not (about α per coordinate), so Adam's sweep sits lower."""
B_LRS = (0.003, 0.03)
"""The learning rates at which the MLP's perturbations also run with B > 1 tangents (both optimizers),
shared so that one slider of the explorer serves both."""
MAX_JVPS = 1000
"""The oracle budget of every run: 1,000 gradients or JVPs (B tangents per step: 1000 / B steps)."""
BS = (1, 5, 10)
EVAL_JVPS = 50
SEEDS = range(5)
TANH_DEPTHS = (4, 8, 16, 32, 64)
NESTED_DEPTHS = (1, 2, 3, 4, 5)


def settings(max_jvps: int = MAX_JVPS):
    """The chapter's grid: both models, both optimizers, every learning rate of the optimizer's sweep,
    every oracle; B > 1 (at the same JVP budget) for the MLP's perturbation oracles at the rates of
    :data:`B_LRS`."""
    out = []
    for model in ("mlp", "softmax"):
        for optimizer, lrs in LRS.items():
            for lr in lrs:
                for oracle, (gradient, law) in ORACLES.items():
                    if model == "softmax" and oracle == "weights, rademacher":
                        continue
                    with_B = model == "mlp" and gradient != "true" and lr in B_LRS
                    for B in (BS if with_B else (1,)):
                        out.append(Setting(model, optimizer, lr, gradient, law, B, max_jvps // B))
    return out


def make_runs(out: Path, quick: bool = False):
    split = digits_split()
    start = time.process_time()
    chosen = settings(QUICK["max_jvps"])[:2] if quick else settings()
    seeds = QUICK["seeds"] if quick else SEEDS
    tables = []
    for setting in chosen:
        tables.append(run_settings([setting], split, seeds, eval_every=max(1, EVAL_JVPS // setting.B),
                                   clock=time.process_time))
    table = concatenate_tables(tables)
    save_runs(out / "runs.npz", table)
    print(f"{table.num_runs} runs, {table.nit_path.size} rows, {time.process_time() - start:.0f} s of CPU -> "
          f"{out / 'runs.npz'}")


def make_costs(out: Path, quick: bool = False):
    import numpy as np

    from fgcourse.training import true_gradient

    start = time.process_time()
    tanh = step_costs([(f"depth {depth}", *deep_tanh_loss(depth))
                       for depth in (QUICK["tanh_depths"] if quick else TANH_DEPTHS)])
    split = digits_split()
    model = MODELS["mlp"]
    theta = model.init(np.random.default_rng(0))
    X, y = split.X_train[:64], split.y_train[:64]
    true_gradient(model, theta, X, y)
    digits = step_costs([("digits mlp", lambda t: model.loss(t, X, y), theta)])
    nested = nested_costs(3, QUICK["nested_depths"] if quick else NESTED_DEPTHS)
    save_costs(out / "costs.npz", tanh=tanh, digits=digits, nested=nested)
    print(f"costs in {time.process_time() - start:.0f} s of CPU -> {out / 'costs.npz'}")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("parts", nargs="*", help="runs, costs (default: both)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"the folder to write (default {OUT})")
    parser.add_argument("--quick", action="store_true", help="a small slice, to check that the command works")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.parts) - {"runs", "costs"})
    if unknown:
        parser.error(f"parts must be runs and/or costs, got {unknown}")
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.parts or "costs" in args.parts:
        make_costs(args.out, args.quick)
    if not args.parts or "runs" in args.parts:
        make_runs(args.out, args.quick)


if __name__ == "__main__":
    main(sys.argv[1:])
