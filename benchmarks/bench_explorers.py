"""Live-update time of every control of every explorer of the book, side by side.

Run:  .venv/bin/python benchmarks/bench_explorers.py [--quick]

One update is what Jupyter does when a control moves and the figure must be redrawn:
``draw(value, **controls)`` plus the page's PNG (a palette PNG in the explorer's common
frame, as :func:`fgcourse.explorer.explorer` renders it). For each control, the median is
taken over its values (a few of them for long sliders), the other controls at their
notebook defaults and the main slider at a middle value; for the main slider, over its
values. Targets (issue 12): <= 100 ms per control, <= 300 ms for Beale, which reruns its
optimizations on every update. Beale is timed twice: ``beale`` in a fresh process, where
each new lr or optimizer also runs its true-gradient run, and ``beale (live)`` after filling
that cache as the notebook's explorer cell does when it builds its pages, which is what every
update in Jupyter costs. Wall time and CPU time of this process are printed side by
side: the machine is shared, and under load wall time grows while CPU time does not.

Precomputed controls cost nothing in the book and in Jupyter while the kernel-only controls
keep their initial values (the stacks flip in the browser); the times below are what every
update costs once a kernel-only control has moved and Python redraws the figure.
"""

from __future__ import annotations

import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from fgcourse.explorer import common_frame, render_png  # noqa: E402

LAWS = ["rademacher", "gaussian", "sphere", "rotated rademacher"]
STARTS = [(0.0, 0.5), (-1.0, -1.0), (1.0, 2.0), (2.0, -2.0), (-2.0, 2.0)]


def explorers() -> dict:
    """name: a function returning (draw, main name, main values, {control: values timed}, the
    notebook's defaults of the controls); imported lazily, so one broken module skips one row."""

    def chains():
        from fgcourse import chains
        return (chains.draw_memory_timelines, "depth", [2, 4, 8, 16, 32, 64], {"width": [16, 64, 256]},
                {"width": 64})

    def tangent_laws():
        from fgcourse.forward_gradient import plots
        return (plots.draw_tangent_laws, "n", list(plots.TANGENT_LAWS_GRID),
                {"law": LAWS, "shape": list(plots.GRADIENT_SHAPES), "num_samples": [200, 2000, 10000, 20000]},
                {"law": "rademacher", "shape": "dominant", "num_samples": 2000})

    def sign_agreement():
        from fgcourse.forward_gradient import plots
        return (plots.draw_sign_agreement, "n", list(plots.SIGN_AGREEMENT_GRID), {"law": LAWS},
                {"law": "rademacher"})

    def beale():
        from fgcourse.optim import OPTIMIZERS, explorer_figure
        return (explorer_figure, "lr", [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
                {"optimizer": sorted(OPTIMIZERS), "law": LAWS[:3], "start": STARTS, "rng": [0, 1, 2, 3]},
                {"optimizer": "sgd", "law": "rademacher", "start": (0.0, 0.5), "rng": 0})

    def checkpointing():
        from fgcourse import checkpointing as ck
        return (ck.explore_schedule, "K", [4, 6, 8, 12, 16, 24, 32, 48, 64],
                {"s": list(range(1, 9)), "strategy": list(ck.STRATEGIES)}, {"s": 3, "strategy": "optimal"})

    def line_search():
        from fgcourse import linesearch as ls
        return (ls.draw_conditions, "c1", [1e-4, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.45],
                {"c2": [0.5, 0.7, 0.9, 0.99], "problem": list(ls.LINE_PROBLEMS)}, {"c2": 0.9, "problem": "rosenbrock"})

    explorers = {f.__name__: f for f in (chains, tangent_laws, sign_agreement, beale, checkpointing, line_search)}
    # Beale twice: in a fresh process (every lr and optimizer reruns its true run), and as in
    # Jupyter after the explorer's cell has built its pages (the true runs are cached).
    explorers["beale (live)"] = beale
    return explorers


EXPLORERS = explorers()


def render(fig, frame) -> bytes:
    try:
        return render_png(fig, frame=frame, palette=True)
    except TypeError:  # an fgcourse from before palette pages (for before/after runs)
        return render_png(fig, frame=frame)


def update_times(draw, settings: list[tuple], frame) -> tuple[float, float]:
    """Median wall and CPU seconds of draw + render over ``settings`` ((value, kwargs) pairs)."""
    walls, cpus = [], []
    for value, kwargs in settings:
        wall, cpu = time.perf_counter(), time.process_time()
        render(draw(value, **kwargs), frame)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def warm_beale(values) -> None:
    """Fill the Beale explorer's cache of true runs as its notebook cell does: building the
    precomputed pages (every lr and optimizer) runs the true runs of every start of the menu.
    In Jupyter every later update then reruns only the forward runs."""
    from fgcourse.optim import OPTIMIZERS, explorer_figure
    for lr in values:
        for optimizer in sorted(OPTIMIZERS):
            plt.close(explorer_figure(lr, optimizer=optimizer))


def bench(name: str, quick: bool) -> list[tuple[str, str, float, float, int]]:
    draw, main, values, controls, defaults = EXPLORERS[name]()
    if name == "beale (live)":
        warm_beale(values)
    middle = values[len(values) // 2]
    if quick:
        values = values[::3]
        controls = {key: choices[:2] for key, choices in controls.items()}
    figures = [draw(middle, **defaults)] + [draw(value, **defaults) for value in values[:2]]
    frame = common_frame(figures)
    for fig in figures:
        plt.close(fig)
    rows = [(name, main, *update_times(draw, [(v, defaults) for v in values], frame), len(values))]
    for key, choices in controls.items():
        settings = [(middle, {**defaults, key: choice}) for choice in choices]
        rows.append((name, key, *update_times(draw, settings, frame), len(choices)))
    return rows


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    names = [a for a in argv if not a.startswith("--")] or list(EXPLORERS)
    print(f"{'explorer':<15} {'control':<12} {'wall ms':>8} {'cpu ms':>8} {'values':>7}  target")
    for name in names:
        target = 300 if name.startswith("beale") else 100
        try:
            rows = bench(name, quick)
        except ImportError as error:  # a module of the explorer does not import on this checkout
            print(f"{name:<15} skipped: {error}")
            continue
        for explorer, control, wall, cpu, count in rows:
            flag = "ok" if cpu * 1000 <= target else "OVER"
            print(f"{explorer:<15} {control:<12} {wall * 1000:8.0f} {cpu * 1000:8.0f} {count:7d}  <= {target} "
                  f"{flag}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
