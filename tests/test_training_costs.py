"""Tests of fgcourse.training.costs: the time and memory of a step in each mode."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from strategies import assert_refused

from fgcourse import training as tr


def test_step_costs_and_storage(tmp_path):
    costs = tr.step_costs([("d2", *tr.deep_tanh_loss(2, width=8, batch=4)), ("d4", *tr.deep_tanh_loss(4, 8, 4))],
                          repeat=1)
    assert costs.labels == ("d2", "d4") and list(costs.n) == [128, 256]
    assert np.all(costs.forward_seconds > 0) and np.all(costs.backprop_working_bytes > 0)
    nested = tr.nested_costs(2, (1, 2), repeat=1)
    assert list(nested.depths) == [1, 2] and np.all(nested.reverse_bytes > 0)
    tr.save_costs(tmp_path / "c.npz", tanh=costs, nested=nested)
    again = tr.load_costs(tmp_path / "c.npz")
    assert again["tanh"].labels == costs.labels and np.array_equal(again["nested"].reverse_bytes, nested.reverse_bytes)
    tr.draw_cost_ratios(again["tanh"], (2, 4), again["nested"], costs)


BAD_INPUT = [
    (lambda: tr.step_costs([("q", lambda t: np.sum(np.asarray(t, dtype=float) ** 2), np.ones(3))]), "problems[0] f",
     TypeError, "autograd.numpy"),
    (lambda: tr.step_costs([("nan", lambda t: anp.sum(t) * anp.nan, np.ones(3))]), "problems[0] f", ValueError,
     "finite"),
    (lambda: tr.step_costs([("s", lambda t: "x", np.ones(3))]), "problems[0] f", TypeError, "real"),
    (lambda: tr.step_costs([("short", lambda t: t)]), "problems[0]", TypeError, "triple"),
    (lambda: tr.nested_costs(S=0), "S", ValueError, ">= 1"),
    (lambda: tr.nested_costs(S=10**12), "S", ValueError, "1e+06"),
    (lambda: tr.nested_costs(S=10, depths=(1, 6)), "S", ValueError, "n = 6"),
    (lambda: tr.deep_tanh_loss(10**12), "depth", ValueError, "<= 6103"),
    (lambda: tr.deep_tanh_loss(2, width=10**12), "width", ValueError, "<= 10000"),
    (lambda: tr.deep_tanh_loss(2, batch=10**12), "batch", ValueError, "<= 781250"),
]


@pytest.mark.parametrize("call, name, kind, word", BAD_INPUT)
def test_bad_input_is_refused_before_work(call, name, kind, word):
    assert_refused(call, name, word, error=kind)
