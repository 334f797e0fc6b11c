"""Tests of fgcourse.checkpointing.plots: what each figure draws, and its arguments' checks."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from strategies import assert_refused

from fgcourse.checkpointing import (
    MAX_TABLE_WORK,
    ONLINE_KS,
    STRATEGIES,
    draw_cost_surface,
    draw_online_costs,
    draw_schedule,
    dry_run,
    explore_schedule,
    halving_slots,
    min_step_calls,
    online_costs,
    schedule,
)

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_draw_schedule_marks_every_stored_state(strategy):
    plan = schedule(12, {"store_all": 12, "halving": halving_slots(12)}.get(strategy, 3), strategy)
    fig = draw_schedule(plan)
    axis, memory = fig.axes
    stores = sum(action.kind == "store" for action in plan.actions)
    assert len(axis.lines[0].get_xdata()) == stores
    assert max(memory.lines[0].get_ydata()) == dry_run(plan).peak_states
    assert memory.get_legend() is not None


def test_draw_schedule_takes_a_title_and_can_skip_the_legend():
    fig = draw_schedule(schedule(8, 2), title="two slots", legend=False)
    assert fig.axes[0].get_title() == "two slots" and fig.axes[1].get_legend() is None


@pytest.mark.parametrize("strategy, q", [("optimal", 3), ("store_all", 2), ("halving", 1), ("online", 4)])
def test_explore_schedule_titles_the_optimum_for_the_chosen_budget(strategy, q):
    title = explore_schedule(24, q, strategy).axes[0].get_title()
    assert f"optimum for q = {q}: {min_step_calls(24, q)}" in title
    assert ("needs q =" in title) == (strategy in ("store_all", "halving") and q < {"store_all": 24}.get(strategy, 5))


def test_draw_cost_surface_slice_is_the_closed_form():
    fig = draw_cost_surface(max_K=32, max_q=6, K_slice=16)
    assert len(fig.axes) == 3
    optimum = fig.axes[1].lines[0]
    np.testing.assert_array_equal(optimum.get_ydata(), [min_step_calls(16, q) for q in range(1, 7)])  # exact: counts


def test_draw_cost_surface_with_more_slots_than_steps():
    fig = draw_cost_surface(max_K=4, max_q=12, K_slice=4)  # the table stops at column K = 4: padded
    # exact: integer counts, plotted as they are
    np.testing.assert_array_equal(fig.axes[1].lines[0].get_ydata(), [min_step_calls(4, q) for q in range(1, 13)])


def test_draw_online_costs_draws_the_ratio_for_each_budget():
    Ks = (2, 10, 50, 200)
    fig = draw_online_costs((2, 4), Ks)
    lines = fig.axes[0].lines
    assert [line.get_label() for line in lines] == ["q = 2", "q = 4"]
    for line, q in zip(lines, (2, 4)):
        costs = online_costs(q, Ks)
        np.testing.assert_allclose(line.get_ydata(), costs.online / costs.optimal)
        assert np.all(line.get_ydata() >= 1)


def test_draw_online_costs_by_default_spans_lengths_2_to_1000():
    assert ONLINE_KS[0] == 2 and ONLINE_KS[-1] == 1000 and list(ONLINE_KS) == sorted(set(ONLINE_KS))
    assert np.isnan(draw_online_costs((2,), (1, 5)).axes[0].lines[0].get_ydata()[0])  # K = 1: 0 calls offline


BIG_K = int((MAX_TABLE_WORK // 12) ** 0.5) + 1
BAD_CALLS = [
    (lambda: draw_schedule([("advance", 1)]), "schedule", "a Schedule"),
    (lambda: draw_schedule(schedule(4, 2), title=3), "title", "a string or None"),
    (lambda: draw_schedule(schedule(4, 2), legend="no"), "legend", "True or False"),
    (lambda: draw_schedule(schedule(4, 2), legend=1), "legend", "True or False"),
    (lambda: explore_schedule(0), "K", ">= 1"),
    (lambda: explore_schedule(8, 2.0), "q", "float"),
    (lambda: explore_schedule(8, 2, "halfing"), "strategy", "did you mean 'halving'"),
    (lambda: draw_cost_surface(max_K=1), "max_K", ">= 2"),
    (lambda: draw_cost_surface(max_q=True), "max_q", "bool"),
    (lambda: draw_cost_surface(K_slice="64"), "K_slice", "str"),
    (lambda: draw_cost_surface(max_K=BIG_K), "max_K", "K_slice"),
    (lambda: draw_online_costs(3), "slots", "sequence"),
    (lambda: draw_online_costs([2, 0]), "slots[1]", ">= 1"),
    (lambda: draw_online_costs((2,), ["a"]), "Ks[0]", "str"),
    (lambda: draw_online_costs((2,), []), "Ks", "at least 1"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_arguments_are_named(call, name, word):
    assert_refused(call, name, word)
