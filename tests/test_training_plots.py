"""Tests of fgcourse.training.plots: the chapter's figures."""

from __future__ import annotations

import numpy as np
import pytest
from strategies import assert_refused, assert_told_apart_with_any_colour_vision, small_table

from fgcourse import training as tr


def test_drawings_return_figures():
    import matplotlib.pyplot as plt

    table = small_table()
    fig = tr.draw_curves(table, "small", "sgd", 0.1, oracles=("backprop", "weights, gaussian"), x="seconds")
    assert len(fig.axes) == 2
    assert_told_apart_with_any_colour_vision(tr.draw_curves(table, "small", "sgd", 0.1))
    fig2 = tr.draw_training_explorer(0.1, table, "small", "sgd", "weights, gaussian", 1)
    fig3 = tr.draw_training_explorer(0.1, table, "small", "sgd", "weights, rademacher", 5)  # nothing stored
    assert_told_apart_with_any_colour_vision(fig2)
    plt.close("all")
    assert fig2 is not fig3


def test_describe_ratio_and_budget_figure():
    reach = tr.TimeToReach(np.arange(5), np.ones(5), np.ones(5), np.array([0.5, 2.0, np.inf, 1.0, np.inf]))
    assert tr.describe_ratio(reach) == "2.00 [0.50, ∞] (3/5 reached)"
    never = tr.TimeToReach(np.arange(2), np.ones(2), np.ones(2), np.full(2, np.inf))
    assert tr.describe_ratio(never) == "∞ [∞, ∞] (0/2 reached)"
    import matplotlib.pyplot as plt

    fig = tr.draw_budget(small_table(), "small", "sgd", 0.1, "weights, gaussian", Bs=(1, 2))
    assert len(fig.axes) == 1
    plt.close("all")


def test_the_activity_tangents_enter_each_pre_activation_and_the_title_counts_them():
    import matplotlib.pyplot as plt
    from strategies import assert_refused

    widths = (64, 64, 32, 10)
    fig = tr.draw_activity_tangents(widths)
    texts = [text.get_text() for text in fig.axes[0].texts]
    for layer, width in enumerate(widths[1:], 1):
        assert f"u$_{layer}$ ∈ R$^{{{width}}}$" in texts and f"z$_{layer}$ + u$_{layer}$" in texts
    model = tr.MODELS["mlp"]
    assert model.widths == widths
    assert f"D = {model.num_activations} numbers" in fig.axes[0].get_title()
    assert f"n = {model.n:,} parameters" in fig.axes[0].get_title()
    assert "106" in tr.ACTIVITY_TANGENTS_ALT and "6,570" in tr.ACTIVITY_TANGENTS_ALT  # the alt text says the same
    plt.close("all")
    assert_refused(lambda: tr.draw_activity_tangents((64,)), "widths", "layer widths")
    assert_refused(lambda: tr.draw_activity_tangents((64, 0)), "widths[1]", ">= 1")


def test_the_sweep_figure_has_one_panel_per_optimizer_and_circles_each_oracles_best_rate():
    import matplotlib.pyplot as plt
    import pandas as pd
    from strategies import assert_refused

    summary = pd.DataFrame({
        "optimizer": ["sgd"] * 4 + ["adam"] * 2, "oracle": ["backprop", "backprop", "weights, gaussian",
                                                           "weights, gaussian", "backprop", "backprop"],
        "lr": [0.01, 0.1, 0.01, 0.1, 0.001, 0.01], "val_loss": [0.5, 0.2, 0.9, np.nan, 0.3, 0.4],
        "blown_up": [0, 0, 0, 5, 0, 0], "score": [0.5, 0.2, 0.9, np.inf, 0.3, 0.4],
    })
    fig = tr.draw_sweep(summary, "test, ")
    assert [ax.get_title().split(":")[0] for ax in fig.axes] == ["test, sgd", "test, adam"]
    sgd = fig.axes[0]
    circled = [(line.get_xdata()[0], line.get_ydata()[0]) for line in sgd.get_lines() if line.get_markersize() == 10]
    assert circled == [(0.1, 0.2), (0.01, 0.9)]  # each oracle's lowest score
    crosses = [line for line in sgd.get_lines() if line.get_marker() == "x" and len(line.get_xdata())]
    assert len(crosses) == 1 and list(crosses[0].get_xdata()) == [0.1]  # the rate where weight perturbation blew up
    plt.close("all")
    assert_refused(lambda: tr.draw_sweep(summary.drop(columns="blown_up")), "summary", "blown_up")


@pytest.mark.parametrize("call, name, word", [
    (lambda t: tr.draw_curves(t, "smal", "sgd", 0.1), "table", "model 'smal'"),
    (lambda t: tr.draw_curves(t, "small", "sgd", 0.7), "table", "lr = 0.7"),
    (lambda t: tr.draw_budget(t, "small", "adm", 0.1, "weights, gaussian"), "table", "optimizer 'adm'"),
    (lambda t: tr.draw_curves(t, None, "sgd", 0.1), "model", "NoneType"),
    (lambda t: tr.runs_of(t, "small", "sgd", "0.1", "backprop"), "lr", "str"),
    (lambda t: tr.runs_of(t, "small", "sgd", 0.1, "backprop", B=True), "B", "bool"),
    (lambda t: t.select(seed=1.5), "seed", "float"),
])
def test_figures_of_no_stored_run_and_bad_selections_are_refused(call, name, word):
    import matplotlib.pyplot as plt

    assert_refused(lambda: call(small_table()), name, word)
    plt.close("all")
