"""Tests of fgcourse.checkpointing.machine: r_0 against autograd under every schedule, counts, bad input."""

import math

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import make_vjp
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    NOT_COUNTS,
    assert_names_argument,
    assert_refused,
    chains,
    composed,
    counted,
    nan_function,
    plain_numpy_function,
    string_function,
)

from fgcourse import chains as chain_module
from fgcourse.checkpointing import (
    STRATEGIES,
    Action,
    Schedule,
    checkpointed_vjp,
    dry_run,
    halving_slots,
    min_step_calls,
    online_costs,
    schedule,
    while_loop_vjp,
)


def plain_reverse_mode(fs, s0, u):
    """The reference r_0: autograd's make_vjp of the composed function (no schedule at all)."""
    vjp_fn, _ = make_vjp(composed(fs))(s0)
    return vjp_fn(u)


def _budget(K, q, strategy):
    return {"store_all": K, "halving": max(q, halving_slots(K))}.get(strategy, q)


def _chain(K, width=3):
    rng = np.random.default_rng(K)
    matrices = [rng.standard_normal((width, width)) for _ in range(K)]
    return [lambda s, A=A: anp.tanh(anp.dot(A, s)) for A in matrices]


# ------------------------------------------------------------------ r_0 under every schedule

@given(chains(max_steps=12), st.integers(1, 6), st.sampled_from(STRATEGIES))
def test_r0_equals_plain_reverse_mode(chain, q, strategy):
    fs, s0, u, _ = chain
    K = len(fs)
    plan = schedule(K, _budget(K, q, strategy), strategy)
    r_0, stats = checkpointed_vjp(fs, s0, u, plan)
    np.testing.assert_allclose(r_0, plain_reverse_mode(fs, s0, u), rtol=1e-12, atol=1e-12)
    counted_run = dry_run(plan)
    assert (stats.step_calls, stats.peak_states, stats.timeline) == (
        counted_run.step_calls, counted_run.peak_states, counted_run.timeline)


@given(chains(max_steps=8), st.integers(1, 4))
def test_r0_equals_the_chains_module(chain, q):
    fs, s0, u, _ = chain
    r_0, _ = checkpointed_vjp(fs, s0, u, schedule(len(fs), q, "optimal"))
    _, vjp_fn = chain_module.vjp(fs, s0)
    np.testing.assert_allclose(r_0, vjp_fn(u), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("strategy, q", [("optimal", 3), ("recompute_all", 1), ("online", 3), ("store_all", 20)])
def test_steps_are_called_as_counted(strategy, q):
    fs = [counted(anp.sin) for _ in range(20)]
    _, stats = checkpointed_vjp(fs, np.ones(3), np.ones(3), schedule(20, q, strategy))
    # every advance calls some f_k once; every reverse step calls f_k once more inside make_vjp
    assert sum(f.calls for f in fs) == stats.step_calls + stats.reverse_steps
    assert stats.reverse_steps == 20 and all(f.calls >= 1 for f in fs)
    if strategy == "optimal":
        assert stats.step_calls == min_step_calls(20, 3)


# ------------------------------------------------------------------------ online: while loops

A = np.array([[0.9, -0.3], [0.2, 0.8]])


def _drift(state):  # s[0] grows by at least 0.1 per step: the loop stops, after an unknown K
    return state + 0.2 + 0.1 * anp.sin(anp.dot(A, state))


def _below_two(state):
    return state[0] < 2.0


def test_while_loop_vjp_matches_autograd_and_the_online_schedule():
    s0, u = np.array([-2.0, 1.0]), np.array([1.0, -0.5])
    result = while_loop_vjp(_drift, _below_two, s0, u, q=3)
    np.testing.assert_allclose(result.r_0, plain_reverse_mode([_drift] * result.K, s0, u), rtol=1e-12, atol=1e-12)
    assert result.K > 5 and not _below_two(result.s_K)
    assert result.stats.step_calls == dry_run(schedule(result.K, 3, "online")).step_calls
    assert result.optimal_step_calls == min_step_calls(result.K, 3)
    assert result.stats.peak_states <= 3


def test_a_loop_that_stops_exactly_at_max_iter_is_accepted():
    K = while_loop_vjp(_drift, _below_two, [-2.0, 1.0], [1.0, 0.0], q=3).K
    assert while_loop_vjp(_drift, _below_two, [-2.0, 1.0], [1.0, 0.0], q=3, max_iter=K).K == K


def test_online_costs_report_both_counts():
    costs = online_costs(4, [10, 50, 100])
    assert list(costs.optimal) == [min_step_calls(K, 4) for K in (10, 50, 100)]
    assert np.all(costs.online > costs.optimal)
    assert list(costs.K) == [10, 50, 100] and costs.q == 4


# ------------------------------------------------------------------------ malformed schedules

def _malformed(K, *actions):
    return Schedule(K=K, q=3, strategy="custom", actions=tuple(Action(kind, index) for kind, index in actions))


@pytest.mark.parametrize("plan, match", [
    (_malformed(2, ("advance", 1), ("reverse", 2)), "ended after 2 actions with r_1"),
    (_malformed(2, ("store", 0), ("reverse", 1)), "next step to reverse is 2"),
    (_malformed(2, ("advance", 2)), "needs the working state s_1"),
    (_malformed(2, ("advance", 1), ("reverse", 2), ("reverse", 1)), "needs the working state s_0"),
    (_malformed(2, ("advance", 1), ("restore", 0)), "restores s_0, which is not stored"),
    (_malformed(2, ("store", 0), ("store", 0)), "stores s_0 twice"),
    (_malformed(2, ("store", 1)), "stores s_1, but the working state is s_0"),
    (_malformed(2, ("free", 0)), "frees s_0, which is not stored"),
    (_malformed(2, ("advance", 1), ("advance", 2), ("advance", 3)), "past the last step K = 2"),
    (_malformed(1), "ended after 0 actions with r_1"),
    (_malformed(1, ("jump", 1)), "unknown kind"),
    (_malformed(1, ("reverse", -1)), "not an integer >= 0"),
    (_malformed(1, ("reverse", 1.0)), "not an integer >= 0"),
    (_malformed(5, ("store", 0), ("advance", 1), ("store", 1), ("advance", 2), ("store", 2), ("advance", 3),
                ("store", 3)), "over the budget q = 3"),
])
def test_malformed_schedules_are_refused_by_both_runs(plan, match):
    for run in (lambda: dry_run(plan), lambda: checkpointed_vjp(_chain(plan.K), np.ones(3), np.ones(3), plan)):
        with pytest.raises(ValueError) as excinfo:
            run()
        assert_names_argument(excinfo, "schedule", match)


# -------------------------------------------------------------------------------- bad input

def _math_step(s):
    return anp.array([math.sin(s[0]), s[1]])  # math.sin: fine on floats, opaque to autograd


def _math_drift(s):
    return anp.array([s[0] + 0.3 + 0.0 * math.sin(s[0]), s[1]])


def _keep_going_array(state):
    return state > 0


def _keep_going_string(state):
    return "yes"


def _keep_going_float(state):
    return state[0] - 2.0


def _keep_going_broken(state):
    raise KeyError("no such state")


ONES = np.ones(3)
PLAN2 = schedule(2, 1, "recompute_all")

BAD_CALLS = [
    # checkpointed_vjp: the chain, its states, the schedule
    (lambda: checkpointed_vjp(anp.tanh, ONES, ONES, schedule(1, 1)), "fs", "sequence"),
    (lambda: checkpointed_vjp([anp.tanh, "tanh"], ONES, ONES, PLAN2), "fs[1]", "callable"),
    (lambda: checkpointed_vjp([], ONES, ONES, PLAN2), "fs", "at least 1"),
    (lambda: checkpointed_vjp(_chain(2), ONES, ONES, [Action("reverse", 2)]), "schedule", "a Schedule"),
    (lambda: checkpointed_vjp(_chain(4), ONES, ONES, schedule(5, 2)), "schedule", "K = 5"),
    (lambda: checkpointed_vjp(_chain(2), [1j, 0, 0], ONES, PLAN2), "s0", "complex"),
    (lambda: checkpointed_vjp(_chain(2), [np.nan, 0, 0], ONES, PLAN2), "s0", "finite"),
    (lambda: checkpointed_vjp(_chain(2), ONES, "up", PLAN2), "u", "str"),
    (lambda: checkpointed_vjp(_chain(3), ONES, np.ones(4), schedule(3, 2)), "u", "shape of s_3"),
    (lambda: checkpointed_vjp([anp.log], -ONES, ONES, schedule(1, 1)), "fs[0]", "inf or NaN"),
    (lambda: checkpointed_vjp([anp.tanh, anp.sqrt], -ONES, ONES, PLAN2), "fs[1]", "inf or NaN"),
    (lambda: checkpointed_vjp([anp.tanh, nan_function], ONES, np.ones(()), PLAN2), "fs[1]", "inf or NaN"),
    (lambda: checkpointed_vjp([string_function, anp.tanh], ONES, ONES, PLAN2), "fs[0]", "real numbers"),
    (lambda: checkpointed_vjp([plain_numpy_function], np.ones((2, 3)), np.ones(2), schedule(1, 1)),
     "fs[0]", "autograd.numpy"),
    (lambda: checkpointed_vjp([anp.tanh, _math_step], np.ones(2), np.ones(2), PLAN2), "fs[1]", "autograd.numpy"),
    # while_loop_vjp: the loop's functions, budget and directions
    (lambda: while_loop_vjp("tanh", _below_two, ONES, ONES, q=2), "f", "callable"),
    (lambda: while_loop_vjp(anp.tanh, None, ONES, ONES, q=2), "keep_going", "callable"),
    (lambda: while_loop_vjp(anp.tanh, lambda x: True, ONES, ONES, q=2, max_iter=50), "max_iter", "50"),
    (lambda: while_loop_vjp(anp.tanh, lambda x: False, ONES, ONES, q=2), "keep_going", "s0"),
    (lambda: while_loop_vjp(anp.tanh, _keep_going_array, ONES, ONES, q=2), "keep_going", "one bool"),
    (lambda: while_loop_vjp(anp.tanh, _keep_going_string, ONES, ONES, q=2), "keep_going", "str"),
    (lambda: while_loop_vjp(anp.tanh, _keep_going_float, ONES, ONES, q=2), "keep_going", "float"),
    (lambda: while_loop_vjp(anp.tanh, _keep_going_broken, ONES, ONES, q=2), "keep_going", "no such state"),
    (lambda: while_loop_vjp(_drift, _below_two, [-2.0, 1.0], [1.0, 0.0], q=3, max_iter=True), "max_iter", "bool"),
    (lambda: while_loop_vjp(_drift, _below_two, [-2.0, 1.0], [1.0, 0.0], q=0), "q", ">= 1"),
    (lambda: while_loop_vjp(_drift, _below_two, [-2.0, 1.0], [1.0, 0.0, 0.0], q=2), "u", "shape of s0"),
    (lambda: while_loop_vjp(_drift, _below_two, [-2.0, 1j], [1.0, 0.0], q=2), "s0", "complex"),
    (lambda: while_loop_vjp(nan_function, _below_two, [-2.0, 1.0], [1.0, 0.0], q=2), "f", "shape (2,)"),
    (lambda: while_loop_vjp(lambda x: x * np.nan, _below_two, [-2.0, 1.0], [1.0, 0.0], q=2), "f", "inf or NaN"),
    (lambda: while_loop_vjp(_math_drift, _below_two, [0.0, 1.0], [1.0, 0.0], q=2), "f", "autograd.numpy"),
    # online_costs
    (lambda: online_costs(True, [10]), "q", "bool"),
    (lambda: online_costs(2, 10), "Ks", "sequence"),
    (lambda: online_costs(2, [10, 0]), "Ks[1]", ">= 1"),
    (lambda: online_costs(2, ["10"]), "Ks[0]", "str"),
    # dry_run
    (lambda: dry_run(None), "schedule", "a Schedule"),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore:Output seems independent of input")
@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_arguments_are_named(call, name, word):
    assert_refused(call, name, word)


@pytest.mark.parametrize("value", NOT_COUNTS)
def test_while_loop_budgets_refuse_non_counts(value):
    with pytest.raises(TypeError) as excinfo:
        while_loop_vjp(_drift, _below_two, [-2.0, 1.0], [1.0, 0.0], q=value)
    assert_names_argument(excinfo, "q")
