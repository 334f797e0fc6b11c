"""Tests of fgcourse.training.plots: the chapter's figures."""

from __future__ import annotations

import numpy as np
from strategies import assert_told_apart_with_any_colour_vision, small_table

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
