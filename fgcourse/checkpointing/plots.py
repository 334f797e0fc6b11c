"""Pictures of the chapter and its notebook, in the style of Figs 8.10-8.11 of ``blondel2024elements``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fgcourse._checks import check_bool, check_instance, check_int, check_option, check_sequence
from fgcourse._figures import fixed_ticks
from fgcourse.checkpointing.counts import (
    MAX_TABLE_WORK,
    halving_slots,
    halving_step_calls,
    min_step_calls,
    min_step_calls_table,
)
from fgcourse.checkpointing.machine import dry_run, online_costs
from fgcourse.checkpointing.schedules import STRATEGIES, Schedule, schedule

__all__ = ["ONLINE_KS", "draw_schedule", "explore_schedule", "draw_cost_surface", "draw_online_costs"]

ONLINE_KS = tuple(int(K) for K in np.unique(np.geomspace(2, 1000, 60).astype(int)))
"""The lengths K of :func:`draw_online_costs`: 2..1000, evenly spaced on a log scale."""


def _checkpoint_intervals(timeline, end_time):
    """(index, stored from, stored until) for every stored state, from the timeline."""
    opened, intervals = {}, []
    for event in timeline:
        if event.kind == "store":
            opened[event.index] = event.time
        elif event.kind == "free":
            intervals.append((event.index, opened.pop(event.index), event.time))
    intervals += [(index, start, end_time) for index, start in opened.items()]
    return intervals


def _check_title(title):
    if title is not None:
        check_instance("title", title, str, "a string or None")
    return title


def draw_schedule(schedule: Schedule, title: str | None = None, legend: bool = True):
    """Figure: the schedule (state index against time: advances in grey, reverse steps in red,
    stored states as blue bars) and the number of stored states over time beside it.
    ``legend=False`` saves about a third of the drawing time (the explorer redraws live)."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection


    schedule = check_instance("schedule", schedule, Schedule, "a Schedule (from fgcourse.checkpointing.schedule)")
    title = _check_title(title)
    legend = check_bool("legend", legend)
    stats = dry_run(schedule)
    forward, backward = [], []
    previous = (0, 0)
    for event in stats.timeline:
        point = (event.time, event.working)
        if event.kind == "advance":
            forward.append((previous, point))
        elif event.kind == "reverse":
            backward.append(((event.time - 1, event.index), (event.time, event.index - 1)))
        previous = point
    intervals = _checkpoint_intervals(stats.timeline, stats.time)
    # fixed margins instead of tight_layout: the explorer redraws this figure live
    fig, (ax, ax_memory) = plt.subplots(1, 2, figsize=(8.4, 3.4), gridspec_kw={"width_ratios": [3, 2]})
    # a title of two lines (the explorer's) takes more room above the panels
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.85 if title and "\n" in title else 0.91,
                        wspace=0.22)
    ax.add_collection(LineCollection([((a, j), (b, j)) for j, a, b in intervals], colors="tab:blue",
                                     linewidths=4, alpha=0.35, label="stored state"))
    ax.plot([a for _, a, _ in intervals], [j for j, _, _ in intervals], "o", color="tab:blue", markersize=4)
    ax.add_collection(LineCollection(forward, colors="0.35", linewidths=1.2, label="advance (step call)"))
    ax.add_collection(LineCollection(backward, colors="tab:red", linewidths=2.2, label="reverse step"))
    ax.set_xlim(0, max(stats.time, 1))
    ax.set_ylim(-0.5, schedule.K + 0.5)
    ax.set_xlabel("time (advances and reverse steps)")
    ax.set_ylabel("state index k")
    ax.set_title(title or f"{schedule.strategy}: K = {schedule.K}, q = {schedule.q}: "
                          f"{stats.step_calls} step calls, peak {stats.peak_states} states", fontsize=9)
    times = [0] + [event.time for event in stats.timeline]
    stored = [0] + [event.stored for event in stats.timeline]
    ax_memory.step(times, stored, where="post", color="tab:blue")
    ax_memory.axhline(schedule.q, color="gray", linestyle=":", linewidth=1, label=f"budget q = {schedule.q}")
    ax_memory.set_ylim(0, 1.6 * max(schedule.q, stats.peak_states) + 1)
    if legend:
        handles = ax.get_legend_handles_labels()[0] + ax_memory.get_legend_handles_labels()[0]
        ax_memory.legend(handles=handles, loc="upper right", fontsize=9, ncol=2)
    ax_memory.set_title("stored states over time", fontsize=9)
    # few fixed tick labels: building ticks and laying out their text is most of a live redraw
    for axis, ticks in ((ax.xaxis, 4), (ax.yaxis, 4), (ax_memory.xaxis, 3), (ax_memory.yaxis, 3)):
        fixed_ticks(axis, ticks, integer=True)
    return fig


def explore_schedule(K: int, q: int = 3, strategy: str = "optimal"):
    """The explorer's page: :func:`draw_schedule` of ``schedule(K, q, strategy)``, without legend.

    Store-all and halving need a fixed number of slots; when q is smaller, the page shows
    them with the slots they need and says so in the title, next to the optimum for q.
    """
    K = check_int("K", K, minimum=1)
    q = check_int("q", q, minimum=1)
    strategy = check_option("strategy", strategy, STRATEGIES)
    needs = {"store_all": K, "halving": halving_slots(K)}.get(strategy, 1)
    plan = schedule(K, max(q, needs), strategy)
    stats = dry_run(plan)
    note = f" (needs q = {needs})" if needs > q else ""
    return draw_schedule(plan, legend=False, title=(
        f"{strategy}{note}, K = {K}: {stats.step_calls} step calls,\n"
        f"peak {stats.peak_states} states; optimum for q = {q}: {min_step_calls(K, q)}"
    ))


def draw_cost_surface(max_K: int = 128, max_q: int = 12, K_slice: int = 64):
    """Figure: log2 of min_step_calls(K, q) / (K - 1) over (K, q) (via the DP table), with the
    (K, q) of store-all, recompute-all and halving marked; beside it the slice K = K_slice."""
    import matplotlib.pyplot as plt

    max_K = check_int("max_K", max_K, minimum=2)
    max_q = check_int("max_q", max_q, minimum=1)
    K_slice = check_int("K_slice", K_slice, minimum=2)
    K = max(max_K, K_slice)
    if K * K * min(max_q, K) > MAX_TABLE_WORK:
        raise ValueError(f"max_K, K_slice and max_q must satisfy K * K * min(max_q, K) <= {MAX_TABLE_WORK:.0e} with "
                         f"K = max(max_K, K_slice) (the DP table of the picture), got max_K = {max_K}, "
                         f"K_slice = {K_slice}, max_q = {max_q}")
    table = min_step_calls_table(K, max_q)
    # the table stops at column K: further columns repeat it
    table = np.pad(table, ((0, 0), (0, max_q + 1 - table.shape[1])), mode="edge")
    ks = np.arange(2, max_K + 1)
    overhead = np.log2(table[2:max_K + 1, 1:] / (ks[:, None] - 1.0))
    fig, (ax, ax_slice) = plt.subplots(1, 2, figsize=(9.2, 3.8))
    image = ax.imshow(overhead.T, origin="lower", aspect="auto", cmap="viridis",
                      extent=(1.5, max_K + 0.5, 0.5, max_q + 0.5))
    fig.colorbar(image, ax=ax, label="log2(min calls / (K - 1))")
    powers = 2 ** np.arange(1, int(np.log2(max_K)) + 1)
    ax.plot(powers, np.log2(powers), "w^", label="halving (q = log2 K)")
    ax.plot(ks, np.ones_like(ks), "r-", linewidth=3, label="recompute-all (q = 1)")
    diagonal = ks[ks <= max_q]
    ax.plot(diagonal, diagonal, "ws", markersize=4, label="store-all (q = K)")
    ax.set_xlabel("chain length K")
    ax.set_ylabel("slots q")
    ax.set_title("overhead of the optimal schedule", fontsize=9)
    ax.legend(loc="upper right", fontsize=9)
    slots = np.arange(1, max_q + 1)
    ax_slice.plot(slots, table[K_slice, 1:], "k.-", label="optimum min_step_calls(K, q)")
    ax_slice.plot([1], [K_slice * (K_slice - 1) // 2], "ro", label="recompute-all")
    slice_halving_slots = halving_slots(K_slice)
    if slice_halving_slots <= max_q:
        ax_slice.plot([slice_halving_slots], [halving_step_calls(K_slice)], "^", color="tab:green", label="halving")
    ax_slice.axhline(K_slice - 1, color="tab:blue", linestyle=":", label=f"store-all: K - 1 (q = K = {K_slice})")
    ax_slice.set_yscale("log")
    ax_slice.set_xlabel("slots q")
    ax_slice.set_ylabel("step calls")
    ax_slice.set_title(f"slice K = {K_slice}", fontsize=9)
    ax_slice.legend(fontsize=9)
    fig.tight_layout()
    return fig


def draw_online_costs(slots: Sequence[int] = (2, 4, 8), Ks: Sequence[int] = ONLINE_KS):
    """Figure: the price of not knowing K, online step calls / min_step_calls(K, q) against the
    length K that turned out (:func:`~fgcourse.checkpointing.online_costs`), one curve per q in ``slots``."""
    import matplotlib.pyplot as plt

    slots = check_sequence("slots", slots, lambda name, q: check_int(name, q, minimum=1), what="budgets q >= 1")
    Ks = check_sequence("Ks", Ks, lambda name, K: check_int(name, K, minimum=1), what="chain lengths K >= 1")
    fig, ax = plt.subplots(figsize=(4.8, 3.2))
    for q in slots:
        costs = online_costs(q, Ks)
        # K = 1 costs 0 calls offline and 1 online: the ratio is undefined there
        ratio = np.where(costs.optimal > 0, costs.online / np.maximum(costs.optimal, 1), np.nan)
        ax.plot(costs.K, ratio, ".-", label=f"q = {q}")
    ax.set_xscale("log")
    ax.set_xlabel("length K that turned out")
    ax.set_ylabel("online calls / optimum")
    ax.legend()
    ax.set_title("price of not knowing K")
    fig.tight_layout()
    return fig
