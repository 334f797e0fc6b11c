"""Figures of the chapter: training curves over seeds, the explorer's page, the cost ratios, and where
the tangents enter the network."""

from __future__ import annotations

import numpy as np

from fgcourse._checks import check_instance, check_int, check_option, check_real, check_sequence
from fgcourse._vocabulary import BLOWN_UP

from .costs import NestedCosts, StepCosts
from .runs import RunTable

__all__ = ["ORACLES", "METRICS", "AXES", "runs_of", "draw_curves", "draw_training_explorer", "draw_cost_ratios",
           "draw_budget", "draw_sweep", "ACTIVITY_TANGENTS_ALT", "draw_activity_tangents"]

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
    B = check_int("B", B, minimum=1)
    B = 1 if gradient == "true" else B
    return table.select(model=model, optimizer=optimizer, lr=lr, gradient=gradient, law=law, B=B)


def _require_runs(runs: dict, model, optimizer, lr) -> None:
    """Refuse a figure that would be empty: no stored run of any of its curves."""
    if not any(r.size for r in runs.values()):
        raise ValueError(f"table must hold runs of model {model!r}, optimizer {optimizer!r}, lr = {lr:g}, got none")


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
    failed = [f"{count}/{len(runs)} {word}" for word in BLOWN_UP
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
    runs = {oracle: runs_of(table, model, optimizer, lr, oracle, B) for oracle in oracles}
    _require_runs(runs, model, optimizer, lr)
    if ax is None:
        fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.2), squeeze=False,
                                 layout="constrained")
        axes = axes[0]
    else:
        axes = np.atleast_1d(ax)
        fig = axes[0].figure
    for metric, axis in zip(metrics, axes):
        for oracle in oracles:
            if runs[oracle].size:
                _band(axis, table, runs[oracle], x, metric, COLORS[oracle], oracle)
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
    runs = {B: runs_of(table, model, optimizer, lr, oracle, B) for B in Bs}
    reference = runs_of(table, model, optimizer, lr, "backprop")
    _require_runs({**{f"{oracle}, B = {B}": r for B, r in runs.items()}, "backprop": reference}, model, optimizer, lr)
    fig, ax = plt.subplots(figsize=(4.6, 3.2), layout="constrained")
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.85, len(Bs)))
    for B, color in zip(Bs, colors):
        if runs[B].size:
            _band(ax, table, runs[B], "njvp_path", metric, color, f"B = {B}")
    if reference.size:
        _band(ax, table, reference, "ngev_path", metric, "black", "backprop (gradients)")
    ax.set_xlabel("oracle calls (JVPs or gradients)")
    ax.set_ylabel(METRICS[metric])
    if metric.endswith("loss"):
        ax.set_yscale("log")
    ax.set_title(f"{oracle}, {optimizer}, lr = {lr:g}", fontsize=10)
    ax.legend(fontsize=9)
    return fig


ACTIVITY_TANGENTS_ALT = (
    "A network drawn left to right as a chain of blocks: the input x, then for each layer a dense block "
    "z = h W + b followed by a ReLU, and at the end the logits and the loss of one example. Above each "
    "pre-activation z_l a green arrow adds the activity tangent u_l, one per layer and example, of the "
    "layer's width; below each dense block a dashed blue arrow marks where weight perturbation puts its "
    "tangent instead, on the weights W_l and biases b_l. The title counts them: activity perturbation "
    "perturbs the D pre-activations of an example (106 for the digits MLP), weight perturbation all n "
    "parameters (6,570)."
)
"""The alt text of :func:`draw_activity_tangents` for the book (the cell's ``mystnb.image.alt``)."""


def draw_activity_tangents(widths=(64, 64, 32, 10)):
    """Where the tangents enter a dense network of layer widths ``widths`` (inputs first).

    One example flows left to right: x = h_0, then for each layer l the dense block
    z_l = h_{l-1} W_l + b_l, the ReLU (not after the last layer), the logits and the loss ℓ.
    Activity perturbation adds its tangent u_l ∈ R^{d_l} to each pre-activation z_l (green, above);
    weight perturbation puts its tangent on W_l and b_l (dashed blue, below). The caption counts
    both: D = d_1 + d_2 + ... activities per example against n parameters. Returns the figure
    (:data:`ACTIVITY_TANGENTS_ALT` describes it in words).
    """
    import matplotlib.pyplot as plt

    widths = check_sequence("widths", widths, lambda name, w: check_int(name, w, minimum=1), min_length=2,
                            what="layer widths (inputs first)")
    layers = len(widths) - 1
    D = sum(widths[1:])
    n = sum((widths[layer - 1] + 1) * widths[layer] for layer in range(1, layers + 1))
    fig, ax = plt.subplots(figsize=(2.0 + 2.1 * layers, 2.9))
    ax.set_axis_off()
    box = dict(boxstyle="round,pad=0.3", fc="white", ec="0.3")
    arrow = dict(arrowstyle="->", color="0.3", lw=1.0)
    ax.text(0.0, 0.0, f"x = h$_0$\n∈ R$^{{{widths[0]}}}$", ha="center", va="center", fontsize=9, bbox=box)
    x = 0.0
    for layer in range(1, layers + 1):
        dense, pre = x + 1.0, x + 2.0
        ax.annotate("", (dense - 0.42, 0.0), (x + 0.4, 0.0), arrowprops=arrow)
        ax.text(dense, 0.0, f"W$_{layer}$, b$_{layer}$", ha="center", va="center", fontsize=9, bbox=box)
        ax.annotate("", (pre - 0.33, 0.0), (dense + 0.42, 0.0), arrowprops=arrow)
        ax.text(pre, 0.0, f"z$_{layer}$ + u$_{layer}$", ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round,pad=0.3", fc="#e5f5e0", ec="tab:green"))
        ax.annotate(f"u$_{layer}$ ∈ R$^{{{widths[layer]}}}$", (pre, 0.25), (pre, 0.95), ha="center", fontsize=8,
                    color="tab:green", arrowprops=dict(arrowstyle="->", color="tab:green", lw=1.4))
        ax.annotate(f"v on W$_{layer}$, b$_{layer}$", (dense, -0.25), (dense, -0.95), ha="center", va="top", fontsize=8,
                    color="tab:blue", arrowprops=dict(arrowstyle="->", color="tab:blue", lw=1.2, ls="--"))
        x = pre
        if layer < layers:
            ax.text(pre + 0.5, 0.12, "ReLU", ha="center", fontsize=7, color="0.3")
    ax.annotate("", (x + 0.75, 0.0), (x + 0.42, 0.0), arrowprops=arrow)
    ax.text(x + 1.05, 0.0, "loss ℓ", ha="center", va="center", fontsize=9, bbox=box)
    ax.set_xlim(-0.6, x + 1.5)
    ax.set_ylim(-1.3, 1.25)
    ax.set_title(f"activity tangents u (green): D = {D} numbers per example; weight tangent v (blue): "
                 f"n = {n:,} parameters", fontsize=9)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.88)
    return fig


def draw_sweep(summary, title: str = ""):
    """The learning-rate sweep of a :func:`~fgcourse.training.summaries.final_summary`: the median final
    validation loss against the learning rate (both log scales), one panel per optimizer and one line per
    oracle, each oracle's best rate (lowest ``score``) circled; a rate where a run blew up is marked with
    an × at the top of its panel (where every run blew up, the line has no point). Returns the figure."""
    import matplotlib.pyplot as plt
    import pandas as pd

    check_instance("summary", summary, pd.DataFrame, "a DataFrame from final_summary")
    missing = {"optimizer", "lr", "oracle", "val_loss", "blown_up", "score"} - set(summary.columns)
    if missing:
        raise ValueError(f"summary must have the columns of final_summary, got no {sorted(missing)}")
    optimizers = list(dict.fromkeys(summary["optimizer"]))
    fig, axes = plt.subplots(1, len(optimizers), figsize=(4.3 * len(optimizers), 3.3), squeeze=False)
    for optimizer, ax in zip(optimizers, axes[0]):
        rows = summary[summary["optimizer"] == optimizer]
        top = rows["val_loss"].max()
        for k, (oracle, group) in enumerate(rows.groupby("oracle", sort=False)):
            group = group.sort_values("lr")
            color = COLORS.get(oracle, "grey")
            ax.plot(group["lr"], group["val_loss"], "o-", color=color, ms=3.5, lw=1.2, label=oracle)
            best = group.loc[group["score"].idxmin()]
            ax.plot([best["lr"]], [best["val_loss"]], "o", ms=10, mfc="none", mec=color, mew=1.4)
            blown = group[group["blown_up"] > 0]
            ax.plot(blown["lr"], np.full(len(blown), 1.6 * top * 1.15**k), "x", color=color, ms=6)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("learning rate α")
        ax.set_ylabel("median final validation loss")
        ax.set_title(f"{title}{optimizer}: ○ best rate, × a run blew up", fontsize=9)
    axes[0][0].legend(fontsize=9, loc="lower left")
    fig.tight_layout()
    return fig
