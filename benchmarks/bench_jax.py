"""Is a forward-gradient step cheaper than a backprop step? autograd and JAX side by side.

Prints, in one run, on the deep tanh MLP of the course (``fgcourse.training.deep_tanh_loss``:
width 128, batch 64, no biases, depths 4, 16 and 64), in float32 and float64, with the weights
as a pytree (a list of matrices) and as one flat θ sliced into layers:

1. the JVP pass over the backprop step, and the forward-gradient step over the backprop step,
   for autograd and for JAX (jit), each time the minimum over rounds in which every function
   takes its turn (each turn the minimum of 3 calls), next to XLA's FLOP ratio
   (``jax.jit(f).lower(...).compile().cost_analysis()``);
2. the JAX forward-gradient step over its bare JVP pass, for each way of drawing the tangent:
   ``jax.random.rademacher`` per leaf, 32 signs per random word (threefry), and the same with the
   ``rbg`` PRNG (target at depth 64, float32, pytree: <= 1.25 with the default draw; 1.0 is the
   limit);
3. the memory XLA plans (``memory_analysis``) across depth: temporaries and outputs of the JVP
   pass and both steps on the weights, and the temporaries of the JVP and of the gradient with
   respect to the input, with the chain as a ``lax.scan`` and unrolled;
4. ``jax.checkpoint`` against the course's schedule: XLA's temporary states for store-all,
   checkpoint per step, nested remat and the binomial schedule (K = 64, q = 8);
5. one compiled SGD step of the MLP study (64-1024-1024-10, minibatch 64): the forward-gradient
   step with a Gaussian tangent (the source's) and with Rademacher signs 32 per word, over the
   backprop step, side by side.

If ``jax.devices()`` has a GPU, parts 1 and 2 run there too. XLA runs one thread, as numpy runs
one BLAS thread: both frameworks get one core of this shared machine.

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_jax.py [--quick]
(``--quick``: depth 2 of width 16, batch 8, float32 only, one round: seconds, mostly XLA compiling,
to check that the script runs; its numbers are not meaningful.)
"""

from __future__ import annotations

import os
import sys

for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import autograd.numpy as anp  # noqa: E402
import jax  # noqa: E402
import numpy as np  # noqa: E402
from autograd import make_jvp, value_and_grad  # noqa: E402

from fgcourse.jax.costs import (  # noqa: E402
    alternated_min_seconds,
    checkpoint_memory,
    compiled_costs,
    forward_memory,
    step_functions,
    tanh_problem,
)

QUICK = "--quick" in sys.argv[1:]
DEPTHS = (2,) if QUICK else (4, 16, 64)
WIDTH, BATCH = (16, 8) if QUICK else (128, 64)
ROUNDS, CALLS = (1, 1) if QUICK else (20, 3)
DTYPES = ("float32",) if QUICK else ("float32", "float64")
LAYOUTS = ("pytree", "flat")
TARGET = 1.25


def autograd_problem(depth, dtype, layout):
    """The same loss, inputs and weights as :func:`tanh_problem` (same seed), for autograd."""
    rng = np.random.default_rng(0)
    inputs = rng.standard_normal((BATCH, WIDTH)).astype(dtype)
    weights = (rng.standard_normal((depth, WIDTH, WIDTH)) / np.sqrt(WIDTH)).astype(dtype)
    size = WIDTH * WIDTH

    def layers(ws):
        h = inputs
        for w in ws:
            h = anp.tanh(anp.dot(h, w))
        return anp.mean(h**2)

    if layout == "pytree":
        return layers, [w for w in weights]
    return (lambda theta: layers([anp.reshape(theta[k * size:(k + 1) * size], (WIDTH, WIDTH))
                                  for k in range(depth)])), weights.reshape(-1)


def autograd_runs(loss, params, dtype):
    """The JVP pass, the forward-gradient step (Rademacher signs) and the backprop step in autograd."""
    rng = np.random.default_rng(1)
    is_list = isinstance(params, list)

    def signs():
        if is_list:
            return [(2.0 * rng.integers(0, 2, w.shape, dtype=np.int8) - 1).astype(dtype) for w in params]
        return (2.0 * rng.integers(0, 2, params.shape, dtype=np.int8) - 1).astype(dtype)

    tangent = signs()

    def forward_step():
        v = signs()
        value, derivative = make_jvp(loss)(params)(v)
        return value, [derivative * part for part in v] if is_list else derivative * v

    return {"autograd jvp": lambda: make_jvp(loss)(params)(tangent),
            "autograd fg": forward_step,
            "autograd bp": lambda: value_and_grad(loss)(params)}


def ratio(a, b):
    return a / b if b else float("nan")


def speed_table(device) -> dict:
    """Part 1 and 2: every time ratio and FLOP ratio; returns {(dtype, layout, depth): row}."""
    rows = {}
    print(f"{'dtype':>7} {'layout':>6} {'depth':>5} | {'autograd':^19} | {'JAX (jit)':^37} | {'XLA FLOPs':^13} |"
          f" {'JAX fg step / JVP pass':^26}")
    print(f"{'':>7} {'':>6} {'':>5} | {'jvp/bp':>6} {'fg/bp':>5} {'bp ms':>6} | {'jvp/bp':>6} {'fg/bp':>5} "
          f"{'bp ms':>6} {'jvp ms':>6} {'fg ms':>6} | {'jvp/bp':>6} {'fg/bp':>6} | {'per-leaf':>8} {'bits':>5}"
          f" {'bits,rbg':>8}")
    for dtype in DTYPES:
        with jax.enable_x64(dtype == "float64"), jax.default_device(device):
            for layout in LAYOUTS:
                for depth in DEPTHS:
                    loss, params = tanh_problem(depth, WIDTH, BATCH, dtype=dtype, layout=layout)
                    functions = step_functions(loss, params)
                    flops = {name: cost.flops for name, cost in compiled_costs(functions).items()}
                    runs = {"jax jvp": lambda: functions.jvp_pass(*functions.args["jvp"]),
                            "jax bp": lambda: functions.backprop_step(*functions.args["backprop"])}
                    for name, step in functions.forward_step.items():
                        runs[f"jax fg {name}"] = lambda step=step, name=name: step(*functions.args[name])
                    if device.platform == "cpu":
                        runs.update(autograd_runs(*autograd_problem(depth, dtype, layout), dtype))
                    t = alternated_min_seconds(runs, ROUNDS, CALLS)
                    row = {"jax jvp/bp": ratio(t["jax jvp"], t["jax bp"]),
                           "jax fg/bp": ratio(t["jax fg bits"], t["jax bp"]),
                           "flops jvp/bp": ratio(flops["jvp"], flops["backprop"]),
                           "flops fg/bp": ratio(flops["bits"], flops["backprop"]),
                           **{f"fg/jvp {name}": ratio(t[f"jax fg {name}"], t["jax jvp"])
                              for name in functions.forward_step}}
                    if "autograd bp" in t:
                        row.update({"autograd jvp/bp": ratio(t["autograd jvp"], t["autograd bp"]),
                                    "autograd fg/bp": ratio(t["autograd fg"], t["autograd bp"])})
                    rows[dtype, layout, depth] = row
                    auto = (f"{row['autograd jvp/bp']:6.2f} {row['autograd fg/bp']:5.2f} "
                            f"{1e3 * t['autograd bp']:6.1f}" if "autograd bp" in t else f"{'(GPU)':>19}")
                    print(f"{dtype:>7} {layout:>6} {depth:>5} | {auto} | {row['jax jvp/bp']:6.2f} "
                          f"{row['jax fg/bp']:5.2f} {1e3 * t['jax bp']:6.2f} {1e3 * t['jax jvp']:6.2f} "
                          f"{1e3 * t['jax fg bits']:6.2f} | {row['flops jvp/bp']:6.2f} {row['flops fg/bp']:6.2f} | "
                          f"{row['fg/jvp per_leaf']:8.2f} {row['fg/jvp bits']:5.2f} {row['fg/jvp bits, rbg key']:8.2f}")
    return rows


def memory_table() -> None:
    print("what XLA plans to hold beyond arguments (MB): temporaries + outputs of the steps on the weights (pytree),")
    print("and temporaries (in states of batch x width floats) of the derivative with respect to the input:")
    print(f"{'depth':>5} | {'jvp MB':>7} {'fg MB':>7} {'bp MB':>7} | {'scan: JVP':>9} {'grad':>6} | "
          f"{'unrolled: JVP':>13} {'grad':>6}")
    for depth in DEPTHS:
        loss, params = tanh_problem(depth, WIDTH, BATCH, dtype="float32", layout="pytree")
        costs = compiled_costs(step_functions(loss, params, draws=("bits",), rbg=False))
        held = {name: (cost.temp_bytes + cost.output_bytes) / 1e6 for name, cost in costs.items()}
        forward = forward_memory(depth, WIDTH, BATCH)
        reverse = checkpoint_memory(depth, 1, WIDTH, BATCH, plans=("store_all", "unrolled"))
        print(f"{depth:>5} | {held['jvp']:7.2f} {held['bits']:7.2f} {held['backprop']:7.2f} | {forward['scan']:9.1f} "
              f"{reverse['store_all'].states:6.1f} | {forward['unrolled']:13.1f} {reverse['unrolled'].states:6.1f}")


def remat_table() -> None:
    K, q = (16, 4) if QUICK else (64, 8)
    costs = checkpoint_memory(K, q, WIDTH, BATCH)
    store = costs["store_all"].flops
    print(f"K = {K}, q = {q}: temporary buffers in states of batch x width floats; FLOPs as XLA counts them "
          "(a scan's body once)")
    for plan, cost in costs.items():
        reference = costs["unrolled"].flops if plan in ("unrolled", "binomial_nested", "binomial_policy") else store
        print(f"  {plan:>16}: {cost.states:6.1f} states, FLOPs x{cost.flops / reference:4.2f} of its plain gradient")
    print(f"  the course's optimal schedule holds {q} states; the scan's JVP: "
          f"{forward_memory(K, WIDTH, BATCH)['scan']:.1f} states")


def study_steps() -> None:
    from fgcourse.jax.study import HIDDEN, step_seconds
    from fgcourse.training import digits_split

    hidden = (16,) if QUICK else HIDDEN
    split = digits_split()
    for law in ("gaussian", "rademacher"):
        t = step_seconds(split, law=law, rounds=ROUNDS // 4 or 1, steps=5 if QUICK else 20, hidden=hidden)
        print(f"  {law:>10} tangent: forward-gradient step {1e3 * t['forward']:6.2f} ms, backprop step "
              f"{1e3 * t['true']:6.2f} ms, ratio {t['forward'] / t['true']:.2f}")


def main() -> None:
    if QUICK:
        print("QUICK RUN (--quick): toy sizes, one round; the numbers below are NOT meaningful, do not quote them\n")
    print(f"jax {jax.__version__}, devices {jax.devices()}; tanh MLP of width {WIDTH}, batch {BATCH}; times: min over "
          f"{ROUNDS} alternated rounds of min of {CALLS} calls; fg = forward-gradient step, Rademacher tangent\n")
    devices = [jax.devices("cpu")[0]] + [d for d in jax.devices() if d.platform == "gpu"]
    for device in devices:
        print(f"== 1, 2. time ratios on {device.platform}")
        rows = speed_table(device)
        key = ("float32", "pytree", DEPTHS[-1])
        value = rows[key]["fg/jvp bits"]
        print(f"JAX float32 pytree, depth {DEPTHS[-1]}: forward-gradient step / JVP pass = {value:.2f} "
              f"(target <= {TARGET}: {'met' if value <= TARGET else 'NOT met'})\n")
    print("== 3. temporary memory XLA plans (float32, pytree)")
    memory_table()
    print("\n== 4. jax.checkpoint against the course's schedules")
    remat_table()
    print("\n== 5. one SGD step of the MLP study (64-1024-1024-10, minibatch 64)")
    study_steps()


if __name__ == "__main__":
    main()
