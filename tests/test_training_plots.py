"""Tests of fgcourse.training.plots: the chapter's figures."""

from __future__ import annotations

import numpy as np
from strategies import small_table

from fgcourse import training as tr


def test_drawings_return_figures():
    import matplotlib.pyplot as plt

    table = small_table()
    fig = tr.draw_curves(table, "small", "sgd", 0.1, oracles=("backprop", "weights, gaussian"), x="seconds")
    assert len(fig.axes) == 2
    fig2 = tr.draw_training_explorer(0.1, table, "small", "sgd", "weights, gaussian", 1)
    fig3 = tr.draw_training_explorer(0.1, table, "small", "sgd", "weights, rademacher", 5)  # nothing stored
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
