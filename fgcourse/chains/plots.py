"""The figures of the chapter on chains: timings of the two modes, memory over time."""

from __future__ import annotations

import numpy as np

from fgcourse._checks import check_instance
from fgcourse._figures import fixed_ticks
from fgcourse.chains.core import ModeTimings, memory_curves

__all__ = ["draw_mode_timings", "draw_memory_timelines"]


def draw_mode_timings(timings: ModeTimings):
    """Figure: the time of the full Jacobian in forward and reverse mode against the number of outputs m."""
    import matplotlib.pyplot as plt

    timings = check_instance("timings", timings, ModeTimings, "a ModeTimings from jacobian_mode_timings()")
    fig, ax = plt.subplots(figsize=(4.8, 3.4), layout="constrained")
    ax.plot(timings.ms, 1e3 * np.array(timings.forward_seconds), "o-", label=f"forward mode: n = {timings.n} JVPs")
    ax.plot(timings.ms, 1e3 * np.array(timings.reverse_seconds), "s-", label="reverse mode: m VJPs")
    ax.axvline(timings.n, color="gray", linestyle=":", label="m = n")
    ax.set_xlabel("number of outputs m")
    ax.set_ylabel("time of the full Jacobian (ms)")
    ax.set_title(f"Jacobian of x → A x, n = {timings.n}, measured here", fontsize=10)
    ax.legend()
    return fig


def draw_memory_timelines(depth: int, width: int = 64, rng=0):
    """Figure: floats held over time by forward and reverse mode (like Figs 8.2 and 8.4)."""
    import matplotlib.pyplot as plt


    traces = memory_curves(depth, width, rng)
    fig, ax = plt.subplots(figsize=(4.9, 3.4), layout="constrained")
    for trace, style in zip(traces, ("o-", "s-")):
        ax.step([e.index for e in trace.timeline], [e.floats for e in trace.timeline], style,
                where="post", markersize=3, label=f"{trace.mode} mode (peak {trace.peak_floats} floats)")
    ax.axvline(depth, color="gray", linestyle=":", linewidth=1)
    ax.annotate(" reverse mode's backward pass →", (depth, 0.03), xycoords=("data", "axes fraction"), va="bottom",
                fontsize=9, color="0.3")
    ax.set_xlabel("event (one per step)")
    ax.set_ylabel("floats held")
    ax.set_title(f"Memory over time, chain of K = {depth} steps of width {width}", fontsize=10)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=9)
    # a few fixed whole-number ticks: building automatic ones is a third of a live redraw
    fixed_ticks(ax.xaxis, integer=True)
    fixed_ticks(ax.yaxis, integer=True)
    return fig
