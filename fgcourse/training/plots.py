"""Figures of the chapter: training curves over seeds, the explorer's page, the cost ratios."""

from __future__ import annotations

import numpy as np

from fgcourse._checks import check_instance, check_int, check_option, check_real, check_sequence

from .costs import NestedCosts, StepCosts
from .runs import RunTable

__all__ = ["ORACLES", "METRICS", "AXES", "runs_of", "draw_curves", "draw_training_explorer", "draw_cost_ratios",
           "draw_budget"]

ORACLES = {
    "backprop": ("true", ""),
    "weights, gaussian": ("forward", "gaussian"),
    "weights, rademacher": ("forward", "rademacher"),
    "activities, gaussian": ("activity", "gaussian"),
}
"""The oracles of the stored runs, by label: (gradient, law)."""

METRICS = {"val_loss": "validation loss", "train_loss": "training loss", "val_accuracy": "validation accuracy"}
AXES = {"nit_path": "iterations", "seconds": "CPU seconds in steps", "njvp_path": "JVPs", "ngev_path": "gradients"}
COLORS = {"backprop": "black", "weights, gaussian": "#0072B2", "weights, rademacher": "#E69F00",
          "activities, gaussian": "#009E73"}
"""The colour of each oracle's curves: black and Okabe-Ito's blue, orange and bluish green, told apart
with any colour vision."""


def runs_of(table: RunTable, model: str, optimizer: str, lr: float, oracle: str, B: int = 1) -> np.ndarray:
    """Indices of the stored runs of one setting (all seeds); B is ignored for backprop."""
    check_instance("table", table, RunTable, "a RunTable")
    gradient, law = ORACLES[check_option("oracle", oracle, tuple(ORACLES))]
    B = 1 if gradient == "true" else check_int("B", B, minimum=1)
    return table.select(model=model, optimizer=optimizer, lr=lr, gradient=gradient, law=law, B=B)


def _band(ax, table, runs, x, metric, color, label):
    """Median over seeds with the min-max band; a run that blew up stops where it did ("diverged" or "non_finite")."""
    histories = [table.history(run) for run in runs]
    length = max(h[metric].size for h in histories)
    values = np.full((len(histories), length), np.nan)
    for row, h in enumerate(histories):
        values[row, :h[metric].size] = h[metric]
    longest = histories[int(np.argmax([h[x].size for h in histories]))]
    xs = longest[x] if x != "seconds" else np.nanmedian(
        np.array([np.pad(h[x], (0, length - h[x].size), constant_values=np.nan) for h in histories]), axis=0)
    failed = [f"{count}/{len(runs)} {word}" for word in ("diverged", "non_finite")
              if (count := int(np.sum(table.status[runs] == word)))]
    suffix = f" ({', '.join(failed)})" if failed else ""
    with np.errstate(all="ignore"), _quiet():
        ax.plot(xs, np.nanmedian(values, axis=0), color=color, label=label + suffix)
        ax.fill_between(xs, np.nanmin(values, axis=0), np.nanmax(values, axis=0), color=color, alpha=0.2, lw=0)


class _quiet:
    """Silence numpy's "All-NaN slice" warnings: columns after every run diverged are NaN on purpose."""

    def __enter__(self):
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        self._catch.__exit__(*exc)


def draw_curves(table: RunTable, model: str, optimizer: str, lr: float, *, oracles=tuple(ORACLES), B: int = 1,
                metrics=("val_loss", "val_accuracy"), x: str = "nit_path", ax=None):
    """Figure: each metric against ``x`` for each oracle (median of the seeds, min-max band)."""
    import matplotlib.pyplot as plt

    oracles = check_sequence("oracles", oracles, lambda n, o: check_option(n, o, tuple(ORACLES)), what="oracles")
    metrics = check_sequence("metrics", metrics, lambda n, m: check_option(n, m, tuple(METRICS)), what="metrics")
    x = check_option("x", x, tuple(AXES))
    lr = check_real("lr", lr)
    if ax is None:
        fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.2), squeeze=False,
                                 layout="constrained")
        axes = axes[0]
    else:
        axes = np.atleast_1d(ax)
        fig = axes[0].figure
    for metric, axis in zip(metrics, axes):
        for oracle in oracles:
            runs = runs_of(table, model, optimizer, lr, oracle, B)
            if runs.size:
                _band(axis, table, runs, x, metric, COLORS[oracle], oracle)
        axis.set_xlabel(AXES[x])
        axis.set_ylabel(METRICS[metric])
        if metric.endswith("loss"):
            axis.set_yscale("log")
    axes[0].set_title(f"{model}, {optimizer}, lr = {lr:g}", fontsize=10)
    axes[-1].legend(fontsize=9)
    return fig


def draw_training_explorer(lr, table: RunTable, model: str = "mlp", optimizer: str = "adam",
                           oracle: str = "weights, gaussian", B: int = 1):
    """The explorer's page: validation loss and accuracy against JVPs or gradients (the same
    budget for every B) of one stored setting next to backprop, for one learning rate."""
    import matplotlib.pyplot as plt

    check_instance("table", table, RunTable, "a RunTable")
    oracle = check_option("oracle", oracle, tuple(ORACLES))
    fig, axes = plt.subplots(1, 2, figsize=(7.2, 3.4))
    for name, size in (("backprop", 1), (oracle, B)):
        runs = runs_of(table, model, optimizer, lr, name, size)
        if runs.size == 0:
            axes[0].text(0.5, 0.5, f"no stored runs for {name}, B = {size}", transform=axes[0].transAxes,
                         ha="center")
            continue
        label = name if name == "backprop" else f"{name}, B = {size}"
        for metric, axis in zip(("val_loss", "val_accuracy"), axes):
            _band(axis, table, runs, "ngev_path" if name == "backprop" else "njvp_path", metric, COLORS[name], label)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("validation loss")
    axes[1].set_ylabel("validation accuracy")
    axes[1].set_ylim(0, 1)
    for axis in axes:
        axis.set_xlabel("oracle calls (gradients or JVPs)")
    axes[0].set_title(f"{model}, {optimizer}, lr = {lr:g}", fontsize=10)
    axes[1].legend(fontsize=9, loc="lower right")
    fig.tight_layout()
    return fig


def draw_cost_ratios(tanh: StepCosts, depths, nested: NestedCosts, digits: StepCosts | None = None):
    """Figure in the manner of belouze2022report's Figs 9-10: forward / reverse ratios of CPU time
    and of peak memory, against depth, for the deep tanh MLPs and F_n (and the digits MLP)."""
    import matplotlib.pyplot as plt

    check_instance("tanh", tanh, StepCosts, "a StepCosts from step_costs")
    check_instance("nested", nested, NestedCosts, "a NestedCosts from nested_costs")
    depths = np.array(check_sequence("depths", depths, lambda n, d: check_int(n, d, minimum=1), what="depths"))
    if depths.size != len(tanh.labels):
        raise ValueError(f"depths must give one depth per problem of tanh: {len(tanh.labels)}, got {depths.size}")
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.8, 3.3), layout="constrained")
    left.plot(depths, tanh.time_ratio, "o-", color="#0072B2", label="tanh MLP: step")
    left.plot(nested.depths, nested.time_ratio, "s--", color="#D55E00", label=f"F_n, S = {nested.S}")
    right.plot(depths, tanh.memory_ratio, "o-", color="#0072B2", label="tanh MLP: whole step")
    right.plot(depths, tanh.working_memory_ratio, "o:", color="#CC79A7", label="tanh MLP: beyond parameter arrays")
    right.plot(nested.depths, nested.memory_ratio, "s--", color="#D55E00", label=f"F_n, S = {nested.S}")
    if digits is not None:
        check_instance("digits", digits, StepCosts, "a StepCosts from step_costs")
        left.axhline(digits.time_ratio[0], color="#009E73", lw=1, label="digits MLP")
        right.axhline(digits.memory_ratio[0], color="#009E73", lw=1, label="digits MLP")
    for axis, title in ((left, "CPU time, forward / reverse"), (right, "peak memory, forward / reverse")):
        axis.axhline(1.0, color="grey", lw=0.8)
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xlabel("depth (layers, or nesting n of F_n)")
        axis.set_title(title, fontsize=10)
        axis.legend(fontsize=9)
    return fig


def draw_budget(table: RunTable, model: str, optimizer: str, lr: float, oracle: str, Bs=(1, 5, 10),
                metric: str = "val_loss"):
    """Figure: one oracle with B tangents per step for each B, against JVPs (the same budget for all)."""
    import matplotlib.pyplot as plt

    oracle = check_option("oracle", oracle, tuple(ORACLES))
    metric = check_option("metric", metric, tuple(METRICS))
    Bs = check_sequence("Bs", Bs, lambda n, b: check_int(n, b, minimum=1), what="tangent counts")
    fig, ax = plt.subplots(figsize=(4.6, 3.2), layout="constrained")
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.85, len(Bs)))
    for B, color in zip(Bs, colors):
        runs = runs_of(table, model, optimizer, lr, oracle, B)
        if runs.size:
            _band(ax, table, runs, "njvp_path", metric, color, f"B = {B}")
    reference = runs_of(table, model, optimizer, lr, "backprop")
    if reference.size:
        _band(ax, table, reference, "ngev_path", metric, "black", "backprop (gradients)")
    ax.set_xlabel("oracle calls (JVPs or gradients)")
    ax.set_ylabel(METRICS[metric])
    if metric.endswith("loss"):
        ax.set_yscale("log")
    ax.set_title(f"{oracle}, {optimizer}, lr = {lr:g}", fontsize=10)
    ax.legend(fontsize=9)
    return fig
