"""Tests of fgcourse.training.summaries: the tables the chapter prints from the stored runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from strategies import assert_refused, small_table

from fgcourse import training as tr


@pytest.fixture(scope="module")
def table():
    return small_table()


def test_final_values_are_medians_of_the_last_evaluations_and_the_score_counts_a_blow_up_as_infinite(table):
    runs = tr.runs_of(table, "small", "sgd", 0.1, "weights, gaussian")
    values = tr.final_values(table, runs)
    last = np.array([table.history(run)["val_loss"][-1] for run in runs])
    assert values["runs"] == len(runs) == 2 and values["blown_up"] == 0
    assert values["val_loss"] == pytest.approx(np.median(last)) and values["score"] == pytest.approx(np.median(last))
    # The same runs, one marked as blown up: its value leaves the medians and counts as +inf in the score.
    status = table.status.copy()
    status[runs[0]] = "diverged"
    marked = tr.RunTable(**{**{key: getattr(table, key) for key in tr.RUN_COLUMNS + tr.ROW_COLUMNS},
                            "status": status})
    values = tr.final_values(marked, runs)
    assert values["blown_up"] == 1 and values["val_loss"] == pytest.approx(last[1]) and values["score"] == np.inf


def test_final_summary_has_one_row_per_stored_setting(table):
    summary = tr.final_summary(table, "small", optimizers=("sgd",))
    assert summary[["optimizer", "lr", "oracle"]].values.tolist() == [["sgd", 0.1, "backprop"],
                                                                      ["sgd", 0.1, "weights, gaussian"]]
    for _, row in summary.iterrows():
        expected = tr.final_values(table, tr.runs_of(table, "small", "sgd", row["lr"], row["oracle"]))
        assert row["val_loss"] == pytest.approx(expected["val_loss"])
    assert list(tr.final_summary(table, "small", optimizers=("sgd",), lrs=[0.1]).index) == [0, 1]


def test_best_rates_take_each_oracle_at_its_lowest_score_and_say_when_it_lies_at_the_edge_of_the_sweep():
    summary = pd.DataFrame({
        "optimizer": ["sgd"] * 6, "oracle": ["backprop"] * 3 + ["weights, gaussian"] * 3,
        "lr": [0.01, 0.1, 1.0] * 2, "score": [0.5, 0.2, np.inf, 0.9, 1.5, np.inf],
    })
    best = tr.best_rates(summary)
    assert best[["oracle", "lr", "num_rates", "at_edge"]].values.tolist() == [
        ["backprop", 0.1, 3, False], ["weights, gaussian", 0.01, 3, True]]
    assert_refused(lambda: tr.best_rates(summary.drop(columns="score")), "summary", "score")


def test_step_seconds_and_the_ratio_against_backprop_at_other_rates(table):
    seconds = tr.step_seconds(table, "small", oracles=("backprop", "weights, gaussian"))
    for _, row in seconds.iterrows():
        gradient, law = tr.ORACLES[row["oracle"]]
        runs = table.select(model="small", gradient=gradient, law=law, B=1)
        whole = [table.history(run)["seconds"][-1] for run in runs if table.nit[run] == table.max_iter[run]
                 and table.status[run] not in tr.BLOWN_UP]
        assert row["runs"] == len(whole) and row["median"] == pytest.approx(np.median(whole))
    reach = tr.reach_summary(table, "small", "sgd", {"backprop": 0.1, "weights, gaussian": 0.1})
    direct = tr.time_to_reach(table, "small", "sgd", 0.1, "forward", "gaussian", backprop_lr=0.1)
    assert reach.loc[0, "text"] == tr.describe_ratio(direct) and reach.loc[0, "seeds"] == 2
    assert_refused(lambda: tr.reach_summary(table, "small", "sgd", {"weights, gaussian": 0.1}), "rates", "backprop")
    assert_refused(lambda: tr.time_to_reach(table, "small", "sgd", 0.1, "forward", "gaussian", backprop_lr=0.3),
                   "table", "lr=0.3")


def test_budget_summary_puts_the_stored_tangent_counts_in_columns(table):
    frame = tr.budget_summary(table, "small", "sgd", 0.1, oracles=("weights, gaussian",), Bs=(1, 5))
    runs = tr.runs_of(table, "small", "sgd", 0.1, "weights, gaussian", 1)
    assert frame.loc["weights, gaussian", 1] == pytest.approx(tr.final_values(table, runs)["val_loss"])
    assert np.isnan(frame.loc["weights, gaussian", 5])  # nothing stored with B = 5
    assert frame.attrs["blown_up"] == {("weights, gaussian", 1): 0}
    assert_refused(lambda: tr.budget_summary(table, "small", "sgd", 0.1, oracles=("backprop",)), "oracles",
                   "perturbation")


BAD_CALLS = [
    (lambda t: tr.final_values(t, []), "runs", "run indices"),
    (lambda t: tr.final_values(t, [99]), "runs[0]", "<="),
    (lambda t: tr.final_values("runs", [0]), "table", "RunTable"),
    (lambda t: tr.final_summary(t, "small", optimizers=("adm",)), "optimizers[0]", "adam"),
    (lambda t: tr.final_summary(t, "nothing"), "table", "model 'nothing'"),
    (lambda t: tr.step_seconds(t, "small", oracles=("weights",)), "oracles[0]", "weights, gaussian"),
    (lambda t: tr.budget_summary(t, "small", "sgd", 0.1, Bs=(0,)), "Bs[0]", ">= 1"),
]


@pytest.mark.parametrize(("call", "name", "word"), BAD_CALLS)
def test_bad_arguments_are_refused_with_the_argument_named(table, call, name, word):
    assert_refused(lambda: call(table), name, word)
