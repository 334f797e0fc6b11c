"""Live-update time of every control of every explorer of the book, side by side.

Run:  .venv/bin/python benchmarks/bench_explorers.py [--quick] [--rounds R] [explorer ...]
(``--quick``: every explorer and every control, but one round, one value of the main slider and
one value (not the default) of each control, to check that the script runs; its numbers are
not meaningful.)

One update is what Jupyter does when a control moves and the figure must be redrawn:
``draw(value, **controls)`` plus the page's HTML (a palette PNG in the explorer's common
frame, base64 in an <img>, as :func:`fgcourse.explorer.explorer` makes it). Each setting (a control at one of
its values, the other controls at their notebook defaults and the main slider at a middle
value; or the main slider at one of its values) is timed once per round, and the rounds go
round robin over every setting of every explorer, so a change of the machine's speed during
the run (this VM is shared, and its speed moves by 1.5-2x within minutes) touches every row
alike. Per control the script prints, in CPU time of this process, the median over its values
of the median round and of the best round. The target is checked against the best round:
it is what the code costs when nothing else runs (load only adds time, as timeit's
documentation puts it), while the median round says how much this machine's load added.

Targets (issue 12): <= 100 ms per control, <= 300 ms for Beale, which reruns its
optimizations on every update. Beale is timed twice: ``beale (live)`` as in Jupyter after the
notebook's explorer cell has built its pages, which runs and caches the true-gradient runs of
every lr, optimizer and start of the menu, and the forward runs of seed 0 from every start, so
an update of the start only draws and one of the seed reruns the forward runs of that seed and
its neighbours on the slider, from every start (the caches are put back as the cell left them
before each update: every update is a first visit); and
``beale (cold)`` with those caches emptied before every update, as in a fresh process that calls
``explorer_figure`` directly: it adds the true runs of every start of the menu (one batch) and
has no target, since no control of the explorer meets empty caches. A reference workload
(fixed numpy and Python work) is timed in the same rounds: when it is slow, the machine is.

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
import numpy as np  # noqa: E402

from fgcourse.explorer import common_frame, render_page  # noqa: E402

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
                {"q": list(range(1, 9)), "strategy": list(ck.STRATEGIES)}, {"q": 3, "strategy": "optimal"})

    def line_search():
        from fgcourse import linesearch as ls
        return (ls.draw_conditions, "c1", [1e-4, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.45],
                {"c2": [0.5, 0.7, 0.9, 0.99], "problem": list(ls.LINE_PROBLEMS)}, {"c2": 0.9, "problem": "rosenbrock"})

    found = {f.__name__: f for f in (chains, tangent_laws, sign_agreement, checkpointing, line_search)}
    found["beale (live)"] = beale
    found["beale (cold)"] = beale
    return found


EXPLORERS = explorers()


def render(fig, frame) -> str:
    """The live page's HTML, as the explorer makes it (:meth:`fgcourse.explorer.Explorer.render`): the
    palette PNG in the common frame and its smallest font (:func:`~fgcourse.explorer.render_page`),
    base64 in an <img>."""
    return render_page(fig, 80, frame).html("page")


def warm_beale(values) -> None:
    """Fill the Beale explorer's caches as its notebook cell does: building the precomputed pages (every
    lr and optimizer) runs the true runs, and the forward runs of seed 0, of every start of the menu."""
    from fgcourse.optim import EXPLORER_FORWARD_RUNS, OPTIMIZERS, explorer_figure
    for lr in values:
        for optimizer in sorted(OPTIMIZERS):
            plt.close(explorer_figure(lr, optimizer=optimizer))
    WARM["forward"] = dict(EXPLORER_FORWARD_RUNS)


WARM = {"beale": False, "forward": {}}


def cold_beale() -> None:
    from fgcourse.optim import EXPLORER_FORWARD_RUNS, EXPLORER_TRUE_RUNS
    EXPLORER_TRUE_RUNS.clear()
    EXPLORER_FORWARD_RUNS.clear()
    WARM["beale"] = False


def live_beale(values):
    """Before a live update: the caches as the notebook leaves them (refilled after a cold row), so that
    every update is a first visit."""
    from fgcourse.optim import EXPLORER_FORWARD_RUNS

    def before():
        if not WARM["beale"]:
            warm_beale(values)
            WARM["beale"] = True
        EXPLORER_FORWARD_RUNS.clear()
        EXPLORER_FORWARD_RUNS.update(WARM["forward"])
    return before


def reference(_value=None) -> None:
    """Fixed work of the kinds an update does (Python calls, small numpy operations)."""
    x = np.linspace(0.0, 1.0, 64)
    total = 0.0
    for i in range(3000):
        total += float(np.sum(np.sin(x * i)))
    sum(i * i for i in range(100_000))


def text_figure(_value=None):
    """Ten lines of a page title's length: what text alone costs (matplotlib 3.11's Agg text
    path costs 4-5x 3.10's, the reason constraints.txt pins 3.10)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(9, 3))
    for i in range(10):
        fig.text(0.05, i / 10, "n = 16: rademacher tangents, dominant gradient, 2000 samples", fontsize=10)
    FigureCanvasAgg(fig).draw()


class Row:
    """The settings of one control of one explorer and their times, one list per setting."""

    def __init__(self, explorer: str, control: str, draw, settings: list, frame, before=None):
        self.explorer, self.control, self.draw, self.frame, self.before = explorer, control, draw, frame, before
        self.settings = settings
        self.times: list[list[float]] = [[] for _ in settings]

    def run_once(self) -> None:
        for (value, kwargs), times in zip(self.settings, self.times):
            if self.before is not None:
                self.before()
            cpu = time.process_time()
            if self.frame is None:
                self.draw(value)
            else:
                render(self.draw(value, **kwargs), self.frame)
            times.append(time.process_time() - cpu)

    def medians(self) -> tuple[float, float]:
        """Median over the settings of (the median round, the best round), in ms."""
        return (1000 * statistics.median(statistics.median(t) for t in self.times),
                1000 * statistics.median(min(t) for t in self.times))


def rows_of(name: str, quick: bool) -> list[Row]:
    draw, main, values, controls, defaults = EXPLORERS[name]()
    middle = values[len(values) // 2]
    warmed = values  # Beale's live cache: every value of the main slider, as the notebook's pages
    if quick:  # every control once, at a value other than its default (a redraw, not the default page)
        values = values[:1]
        controls = {key: [next((c for c in choices if c != defaults[key]), choices[0])]
                    for key, choices in controls.items()}
        warmed = [*values, middle]  # only the values timed
    before = {"beale (cold)": cold_beale, "beale (live)": live_beale(warmed)}.get(name)
    figures = [draw(middle, **defaults)] + [draw(value, **defaults) for value in values[:2]]
    frame = common_frame(figures)
    for fig in figures:
        plt.close(fig)
    rows = [Row(name, main, draw, [(v, defaults) for v in values], frame, before)]
    for key, choices in controls.items():
        rows.append(Row(name, key, draw, [(middle, {**defaults, key: choice}) for choice in choices], frame, before))
    return rows


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else (1 if quick else 3)
    names = [a for a in argv if not a.startswith("--") and not a.isdigit()] or list(EXPLORERS)
    if quick:
        print("QUICK RUN (--quick): one value per control, few rounds; the numbers below are NOT meaningful, "
              "do not quote them")
    print(f"matplotlib {matplotlib.__version__}, {rounds} rounds round robin, CPU ms per update")
    references = 1 if quick else 3
    rows = [Row("reference", "fixed work", reference, [(None, {})] * references, None),
            Row("reference", "10 texts", text_figure, [(None, {})] * references, None)]
    for name in names:
        try:
            rows += rows_of(name, quick)
        except ImportError as error:  # a module of the explorer does not import on this checkout
            print(f"{name:<15} skipped: {error}")
    for _ in range(rounds):
        for row in rows:
            row.run_once()
    print(f"{'explorer':<15} {'control':<12} {'median':>7} {'best':>7} {'values':>7}  target")
    for row in rows:
        median, best = row.medians()
        if row.frame is None:
            print(f"{row.explorer:<15} {row.control:<12} {median:7.0f} {best:7.0f} {len(row.settings):7d}")
            continue
        if row.explorer == "beale (cold)":  # a fresh process's direct call, never an explorer update in Jupyter
            print(f"{row.explorer:<15} {row.control:<12} {median:7.0f} {best:7.0f} {len(row.settings):7d}  "
                  "(no target)", flush=True)
            continue
        target = 300 if row.explorer.startswith("beale") else 100
        flag = "ok" if best <= target else "OVER"
        print(f"{row.explorer:<15} {row.control:<12} {median:7.0f} {best:7.0f} {len(row.settings):7d}  "
              f"<= {target} {flag}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
