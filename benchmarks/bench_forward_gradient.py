"""Forward gradient vs backprop on a deep tanh MLP, and the explorers' update times.

Prints, side by side in one run:

1. time of one forward-gradient step (draw v, one forward-mode pass, form g = (∇f·v) v) over
   one backprop step (autograd reverse mode) on a tanh MLP of depth 64, width 128;
2. peak traced memory (tracemalloc) of both at depths 4, 16, 64, split into the parameter-sized
   arrays each step holds (θ's checked copy and v = g for a forward gradient, the gradient for
   backprop) and what differentiation adds (the JVP pass; backprop's tape);
3. the time of the closed forms: the exact sign agreement for n up to 10^9, and the exact
   mean squared deviation of a Rademacher forward gradient for n = 10^6 (time and peak traced
   memory; target under 1 s and 100 MB: O(n), no n × n matrix);
4. the median update time of the two explorers of the notebooks *Tangent laws* and *Sign
   agreement* (after one warm-up pass, as in a live session where the pages exist already).

Run: .venv/bin/python benchmarks/bench_forward_gradient.py [--quick] [--steps]
(``--quick``: every part at toy sizes (width 16, batch 8, depths up to 4, n up to 10^4, one value
per explorer setting), in seconds, to check that the script runs; its numbers are not
meaningful. ``--steps``: only part 1.)
"""

from __future__ import annotations

import os
import statistics
import sys

# One BLAS thread: on this shared 2-core machine, threaded BLAS makes timings swing tenfold.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import autograd.numpy as anp  # noqa: E402
import numpy as np  # noqa: E402
from autograd import grad, make_jvp  # noqa: E402

from fgcourse._checks import check_vector  # noqa: E402
from fgcourse.explorer import median_update_time  # noqa: E402
from fgcourse.forward_gradient import (  # noqa: E402
    expected_sign_agreement,
    forward_gradient,
    mean_squared_deviation,
    plots,
    rademacher,
)
from fgcourse.measure import median_seconds, peak_bytes  # noqa: E402

QUICK = "--quick" in sys.argv[1:]
WIDTH, BATCH = (16, 8) if QUICK else (128, 64)
STEP_DEPTH, ROUNDS, DRAW_REPEAT = (4, 2, 1) if QUICK else (64, 9, 9)
MEMORY_DEPTHS = [2, 4] if QUICK else [4, 16, 64]
SIGN_NS, MSD_N, CLOSED_REPEAT = ((10**3, 10**4), 10**4, 1) if QUICK else ((10**3, 10**6, 10**9), 10**6, 5)


def mlp_loss(depth: int, inputs: np.ndarray):
    """f(θ): mean squared output of a tanh MLP whose depth weight matrices are the rows of θ."""

    def loss(theta):
        h = inputs
        for layer in range(depth):
            weights = anp.reshape(theta[layer * WIDTH * WIDTH:(layer + 1) * WIDTH * WIDTH], (WIDTH, WIDTH))
            h = anp.tanh(anp.dot(h, weights))
        return anp.mean(h**2)

    return loss


def problem(depth: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((BATCH, WIDTH))
    theta = rng.standard_normal(depth * WIDTH * WIDTH) / np.sqrt(WIDTH)
    return mlp_loss(depth, inputs), theta


def steps_for(depth: int):
    f, theta = problem(depth)
    rng = np.random.default_rng(1)
    v = rademacher.sample(theta.size, rng)
    return {
        "forward gradient step": lambda: forward_gradient(f, theta, rademacher, rng),
        "jvp pass only (v given)": lambda: make_jvp(f)(theta)(v),
        "backprop step": lambda: grad(f)(theta),
        "plain evaluation f(θ)": lambda: f(theta),
    }


def closed_forms() -> None:
    print("exact expected sign agreement (walk formula), median time of one call")
    for n in SIGN_NS:
        seconds = median_seconds(lambda: expected_sign_agreement(n), repeat=CLOSED_REPEAT)
        print(f"  n = {n:>13,}  {1e3 * seconds:8.3f} ms   (target: well under 1 s)")
    n = MSD_N
    g = np.random.default_rng(0).standard_normal(n)
    seconds = median_seconds(lambda: mean_squared_deviation(rademacher, g), repeat=CLOSED_REPEAT)
    peak_mb = peak_bytes(lambda: mean_squared_deviation(rademacher, g)) / 1e6
    print(f"exact mean_squared_deviation(rademacher, g), n = {n:,}: {seconds:.4f} s, peak {peak_mb:.1f} MB"
          f"   (target < 1 s, < 100 MB; g itself is {g.nbytes / 1e6:.0f} MB)")


def main() -> None:
    if QUICK:
        print("QUICK RUN (--quick): toy sizes, few rounds; the numbers below are NOT meaningful, do not quote them\n")
    steps_only = "--steps" in sys.argv[1:]
    print(f"tanh MLP, width {WIDTH}, batch {BATCH}, scalar loss; one tangent per forward-gradient step\n")
    depth = STEP_DEPTH
    steps = steps_for(depth)
    for step in steps.values():  # warm-up
        step()
    # Round robin: the machine's speed drifts (a shared VM), so each round times every step once
    # and the medians compare steps measured side by side, not in blocks minutes apart.
    rounds = {name: [] for name in steps}
    for _ in range(ROUNDS):
        for name, step in steps.items():
            rounds[name].append(median_seconds(step, repeat=1))
    times = {name: statistics.median(seconds) for name, seconds in rounds.items()}
    print(f"depth {depth} ({depth * WIDTH * WIDTH:,} parameters): median time of one step, "
          f"{ROUNDS} rounds of each in turn")
    for name, seconds in times.items():
        print(f"  {name:<26} {1e3 * seconds:8.1f} ms")
    ratios = [
        ("forward-gradient step / backprop step", "forward gradient step", "backprop step", "   (target <= 0.45)"),
        ("jvp pass / backprop step", "jvp pass only (v given)", "backprop step",
         "   (the step's floor: it draws v and forms g besides)"),
        ("jvp pass / plain evaluation", "jvp pass only (v given)", "plain evaluation f(θ)", ""),
        ("backprop step / plain evaluation", "backprop step", "plain evaluation f(θ)", ""),
    ]
    for label, numerator, denominator, note in ratios:
        print(f"  ratio {label:<38} {times[numerator] / times[denominator]:5.2f}{note}")
    n, rng = depth * WIDTH * WIDTH, np.random.default_rng(2)
    ours = median_seconds(lambda: rademacher.sample(n, rng), repeat=DRAW_REPEAT)
    reference = median_seconds(lambda: rng.integers(0, 2, size=n, dtype=np.int8) * 2.0 - 1.0, repeat=DRAW_REPEAT)
    print(f"  Rademacher draw of {n:,} signs: {1e3 * ours:.1f} ms, against {1e3 * reference:.1f} ms for the same signs"
          f" from rng.integers(0, 2) * 2 - 1 (ratio {ours / reference:.2f})")
    print()
    if steps_only:
        return

    print("peak traced memory (MB). A forward-gradient step holds two parameter-sized arrays, the checked copy of θ")
    print("and v (scaled into g in place), plus the Rademacher draw's bytes while drawing: 'its parameter arrays' is")
    print("the peak of that work alone, 'JVP pass' the memory of the pass itself (v given), which is all that")
    print("differentiation adds. Backprop holds the gradient; 'beyond the gradient' is its tape.")
    print(f"  {'depth':>5} {'params MB':>10} {'fwd-grad step':>14} {'its param arrays':>17} {'JVP pass':>9}"
          f" {'backprop':>9} {'beyond the gradient':>20}")
    for depth in MEMORY_DEPTHS:
        steps = steps_for(depth)
        f, theta = problem(depth)
        param_mb = theta.nbytes / 1e6
        rng = np.random.default_rng(1)
        arrays_mb = peak_bytes(lambda: (check_vector("theta", theta), rademacher.sample(theta.size, rng))) / 1e6
        forward_mb = peak_bytes(steps["forward gradient step"]) / 1e6
        jvp_mb = peak_bytes(steps["jvp pass only (v given)"]) / 1e6
        backprop_mb = peak_bytes(steps["backprop step"]) / 1e6
        print(f"  {depth:>5} {param_mb:10.1f} {forward_mb:14.1f} {arrays_mb:17.1f} {jvp_mb:9.1f}"
              f" {backprop_mb:9.1f} {backprop_mb - param_mb:20.1f}")

    closed_forms()

    print("\nexplorer median update time (draw + PNG), after a warm-up pass over the grid")
    explorers = {
        "tangent laws": (plots.draw_tangent_laws, plots.TANGENT_LAWS_GRID,
                         [{"law": law, "shape": "dominant"} for law in ["rademacher", "gaussian", "sphere"]]),
        "sign agreement": (plots.draw_sign_agreement, plots.SIGN_AGREEMENT_GRID,
                           [{"law": law} for law in ["rademacher", "gaussian", "rotated rademacher"]]),
    }
    for name, (draw, values, settings) in explorers.items():
        values = values[:1] if QUICK else values
        for controls in settings:
            median_update_time(draw, values, **controls)  # warm-up: caches and fonts, as in a live session
            seconds = median_update_time(draw, values, **controls)
            print(f"  {name:<15} {str(controls):<48} {1e3 * seconds:7.1f} ms   (target <= 100 ms)")


if __name__ == "__main__":
    main()
