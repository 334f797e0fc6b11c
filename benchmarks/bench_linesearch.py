"""Line searches measured side by side with scipy, and the explorer's update time.

1. Wolfe search (fgcourse.linesearch.wolfe) vs scipy.optimize.line_search (both strong Wolfe,
   c1 = 1e-4, c2 = 0.9, first trial α = 1) on Rosenbrock (n = 2, 5), Beale and quadratics,
   from several starts, along the steepest-descent direction and a random descent direction.
   Evaluations are counted by wrapping f and ∇f, so both sides pay for φ(0) and φ'(0)
   (scipy's own counter skips the gradient at x). Every returned step is checked against
   the strong Wolfe conditions.
2. Exact searches vs scipy.optimize.golden and scipy.optimize.brent: evaluations to a tolerance.
3. The explorer's median update time (draw + PNG) of fgcourse.linesearch.draw_conditions.

Run: .venv/bin/python benchmarks/bench_linesearch.py [--quick]
(``--quick``: every part, but one start per problem and one value of the explorer's slider, in
seconds, to check that the script runs; its numbers are not meaningful.)
"""

import math
import sys
import time
import warnings

import numpy as np
import scipy.optimize
from autograd import grad

from fgcourse.explorer import median_update_time
from fgcourse.linesearch import (
    LINE_PROBLEMS,
    draw_conditions,
    golden_section,
    jvp_slope,
    parabolic,
    wolfe,
    wolfe_conditions,
)
from fgcourse.testfunctions import beale, diagonal_quadratic, rosenbrock


def quadratic(condition, n):
    return diagonal_quadratic(np.logspace(0, math.log10(condition), n))


PROBLEMS = {
    "rosenbrock n=2": (rosenbrock.f, [[-1.2, 1.0], [0.0, 0.0], [2.0, 2.0], [-1.0, -1.0], [1.5, -0.5]]),
    "rosenbrock n=5": (rosenbrock.f, [np.full(5, -1.0), np.zeros(5), np.linspace(-1, 2, 5)]),
    "beale": (beale.f, [[1.0, 1.0], [0.0, 0.0], [-1.0, 1.5], [2.0, -1.0], [3.5, 0.8]]),
    "quadratic cond 10": (quadratic(10, 2), [[1.0, 1.0], [-3.0, 2.0], [0.5, -4.0]]),
    "quadratic cond 1e3 n=10": (quadratic(1e3, 10), [np.ones(10), np.linspace(-2, 2, 10)]),
    "quadratic cond 1e6 n=20": (quadratic(1e6, 20), [np.ones(20)]),
}


def counted(function, tally, key):
    def wrapper(x):
        tally[key] += 1
        return function(x)
    return wrapper


def satisfies_strong_wolfe(f, g, x, d, step):
    phi0, slope0 = f(x), float(np.dot(g(x), d))
    return bool(wolfe_conditions(f(x + step * d), float(np.dot(g(x + step * d), d)), step, phi0, slope0))


def one_search(name, f, g, x, d):
    tally = {"f": 0, "g": 0}
    fc, gc = counted(f, tally, "f"), counted(g, tally, "g")
    if name == "ours":
        result = wolfe(fc, gc, x, d)
        step = result.alpha if result.success else None
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            step = scipy.optimize.line_search(fc, gc, x, d)[0]
    success = step is not None and satisfies_strong_wolfe(f, g, x, d, step)
    return tally["f"] + tally["g"], success


def directions(g, x, rng):
    steepest = -g(x)
    r = rng.standard_normal(x.shape)
    return {"steepest": steepest, "random": -np.sign(r @ g(x)) * r}


def bench_wolfe(num_starts=None):
    print("== Wolfe search vs scipy.optimize.line_search: f + ∇f evaluations (success) ==")
    print(f"{'problem':26s} {'start':>10s} {'direction':>9s} {'ours':>10s} {'scipy':>10s} {'jvp (f+JVP)':>12s}")
    totals = {"ours": [0, 0], "scipy": [0, 0], "jvp": [0, 0]}
    cases = 0
    for problem, (f, starts) in PROBLEMS.items():
        g = grad(f)
        for k, start in enumerate(starts[:num_starts]):
            x = np.asarray(start, dtype=float)
            for label, d in directions(g, x, np.random.default_rng(k)).items():
                cases += 1
                row = {name: one_search(name, f, g, x, d) for name in ("ours", "scipy")}
                by_jvp = wolfe(f, jvp_slope(f), x, d)
                row["jvp"] = (by_jvp.nfev + by_jvp.njvp, by_jvp.success)
                for name, (count, success) in row.items():
                    totals[name][0] += count
                    totals[name][1] += success
                cells = " ".join(f"{row[n][0]:>7d} ({'ok' if row[n][1] else '--'})" for n in ("ours", "scipy", "jvp"))
                print(f"{problem:26s} {'#' + str(k):>10s} {label:>9s} {cells}")
    print(f"{'total':48s}" + " ".join(f"{totals[n][0]:>7d}      " for n in ("ours", "scipy", "jvp")))
    print(f"success rate: ours {totals['ours'][1]}/{cases}, scipy {totals['scipy'][1]}/{cases}, "
          f"jvp {totals['jvp'][1]}/{cases}")
    print(f"evaluations ours / scipy = {totals['ours'][0] / totals['scipy'][0]:.3f}")
    return totals


def bench_exact():
    print("\n== exact searches vs scipy: evaluations of φ to reach the tolerance ==")
    functions = {
        "(t-0.3)^2 + 0.1 t^4": (lambda t: (t - 0.3) ** 2 + 0.1 * t**4, (-1.0, 0.5, 2.0)),
        "t - log t": (lambda t: t - math.log(t), (0.1, 1.5, 5.0)),
        "exp(t) - 2t": (lambda t: math.exp(t) - 2 * t, (-2.0, 0.5, 3.0)),
    }
    print(f"{'function':22s} {'golden':>7s} {'scipy golden':>13s} {'parabolic':>10s} {'scipy brent':>12s}")
    for name, (phi, triple) in functions.items():
        a, _, b = triple
        tol = 1e-8
        _, _, golden_nfev = scipy.optimize.golden(phi, brack=triple, tol=tol, full_output=True)
        _, _, _, brent_nfev = scipy.optimize.brent(phi, brack=triple, tol=tol, full_output=True)
        # scipy's tol is relative to |x|; ours is absolute: compare at tol·|x*|
        scale = abs(scipy.optimize.brent(phi, brack=triple, tol=1e-12))
        ours_golden = golden_section(phi, a, b, tol * scale).nfev
        ours_parabolic = parabolic(phi, a, b, tol * scale).nfev
        print(f"{name:22s} {ours_golden:>7d} {golden_nfev:>13d} {ours_parabolic:>10d} {brent_nfev:>12d}")


def one_line_figure(_value):
    """The floor of any update: a figure of the same size with one plotted line."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.3))
    ax.plot(np.arange(300.0), np.arange(300.0) ** 2)
    return fig


def bench_explorer(values=(1e-4, 0.01, 0.1, 0.2, 0.3, 0.45), repeat=2):
    print("\n== explorer: median update time of draw_conditions (draw + PNG at 80 dpi) ==")
    values = list(values)
    floor = median_update_time(one_line_figure, values, repeat=repeat)
    print(f"{'one-line figure':16s} {1000 * floor:6.1f} ms (matplotlib's floor on this machine now)")
    for problem in LINE_PROBLEMS:
        median = median_update_time(draw_conditions, values, repeat=repeat, c2=0.9, problem=problem)
        print(f"{problem:16s} {1000 * median:6.1f} ms (target <= 100 ms; {median / floor:.2f} x the floor)")


if __name__ == "__main__":
    start = time.perf_counter()
    if "--quick" in sys.argv[1:]:
        print("QUICK RUN (--quick): one start per problem, one explorer value; the numbers below are NOT "
              "meaningful, do not quote them\n")
        totals = bench_wolfe(num_starts=1)
        bench_exact()
        bench_explorer(values=(0.1,), repeat=1)
    else:
        totals = bench_wolfe()
        bench_exact()
        bench_explorer()
    print(f"\nbenchmark wall time {time.perf_counter() - start:.1f} s")
    better = totals["ours"][0] <= totals["scipy"][0] and totals["ours"][1] >= totals["scipy"][1]
    print("ours <= scipy in evaluations with >= success:", "yes" if better else "NO")
