"""Tests of fgcourse.checkpointing: counts against closed forms and the DP, r_0 against autograd."""

import math

import autograd.numpy as anp
import matplotlib
import numpy as np
import pytest
from autograd import grad, make_vjp
from hypothesis import given, strategies as st

from fgcourse.checkpointing import (
    STRATEGIES,
    Action,
    Schedule,
    binomial_reach,
    coupling_layer,
    draw_cost_surface,
    draw_schedule,
    dry_run,
    halving_step_calls,
    min_step_calls,
    min_step_calls_table,
    nested_forward,
    nested_reverse,
    nested_unused_calls,
    online_costs,
    optimal_split_range,
    property1_counts,
    repetition_number,
    reversible_vjp,
    schedule,
    vjp,
    while_loop_vjp,
)

matplotlib.use("Agg")
K_MAX, S_MAX = 200, 12


# ---------------------------------------------------------------------------
# Random chains: tanh or linear layers with random weights, and the reference.
# ---------------------------------------------------------------------------

def _layer(A, b, activation):
    if activation == "tanh":
        return lambda s: anp.tanh(anp.dot(A, s) + b)
    return lambda s: anp.dot(A, s) + b


@st.composite
def chains(draw, max_steps=12):
    """(fs, s0, u): K random layers R^{D_{k-1}} -> R^{D_k}, an input and an output direction."""
    widths = draw(st.lists(st.integers(1, 5), min_size=2, max_size=max_steps + 1))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    fs = []
    for d_in, d_out in zip(widths[:-1], widths[1:]):
        A = rng.standard_normal((d_out, d_in)) / np.sqrt(d_in)
        fs.append(_layer(A, 0.1 * rng.standard_normal(d_out), draw(st.sampled_from(["tanh", "linear"]))))
    return fs, rng.standard_normal(widths[0]), rng.standard_normal(widths[-1])


def plain_reverse_mode(fs, s0, u):
    """The reference r_0: autograd's make_vjp of the composed function (no schedule at all)."""
    def composed(x):
        for f in fs:
            x = f(x)
        return x

    vjp_fn, _ = make_vjp(composed)(s0)
    return vjp_fn(u)


def _budget(K, s, strategy):
    return {"store_all": K, "halving": max(s, (K - 1).bit_length())}.get(strategy, s)


# ---------------------------------------------------------------------------
# Closed form, dynamic programme, executor: exhaustive over K <= 200, s <= 12.
# ---------------------------------------------------------------------------

def test_dp_equals_closed_form_exhaustively():
    table = min_step_calls_table(K_MAX, S_MAX)
    closed = np.array([[min_step_calls(K, s) for s in range(1, S_MAX + 1)] for K in range(1, K_MAX + 1)])
    np.testing.assert_array_equal(table[1:, 1:], closed)


def test_optimal_executor_counts_equal_closed_form_exhaustively():
    for K in range(1, K_MAX + 1):
        for s in range(1, S_MAX + 1):
            stats = dry_run(schedule(K, s, "optimal"))
            assert stats.step_calls == min_step_calls(K, s), (K, s)
            assert stats.peak_states <= s, (K, s)
            assert stats.reverse_steps == K


def test_fixed_strategies_match_their_formulas_exhaustively():
    for K in range(1, K_MAX + 1):
        store_all = dry_run(schedule(K, K, "store_all"))
        assert (store_all.step_calls, store_all.peak_states) == (K - 1, K)
        recompute_all = dry_run(schedule(K, 1, "recompute_all"))
        assert (recompute_all.step_calls, recompute_all.peak_states) == (K * (K - 1) // 2, 1)
        halving = dry_run(schedule(K, S_MAX, "halving"))
        assert halving.step_calls == halving_step_calls(K)
        assert halving.peak_states == math.ceil(math.log2(K))


def _halving_recursion(K):
    """C(1) = 0, C(K) = C(floor(K/2)) + C(ceil(K/2)) + floor(K/2), written independently."""
    return 0 if K == 1 else _halving_recursion(K // 2) + _halving_recursion(K - K // 2) + K // 2


@pytest.mark.parametrize("n", range(0, 9))
def test_halving_on_powers_of_two(n):
    K = 2**n
    stats = dry_run(schedule(K, max(n, 1), "halving"))
    assert stats.step_calls == K * n // 2 == _halving_recursion(K)
    assert stats.peak_states == n


def test_recompute_all_and_store_all_are_the_optimum_at_their_budgets():
    for K in range(2, 60):
        assert min_step_calls(K, 1) == K * (K - 1) // 2
        assert min_step_calls(K, K - 1) == K - 1
        assert min_step_calls(K, K - 2) > K - 1 if K >= 3 else True


def test_closed_form_stays_exact_for_huge_chains_with_few_slots():
    # t = K - 1 for s = 1 and t ~ sqrt(2K) for s = 2: found by bisection, not by counting up
    K = 10**12
    assert min_step_calls(K, 1) == K * (K - 1) // 2
    t = repetition_number(K, 2)
    assert binomial_reach(2, t - 1) < K <= binomial_reach(2, t)
    assert halving_step_calls(2**40) == 20 * 2**40  # (K/2) log2 K, with O(log K) work


@given(st.integers(1, 10**4), st.integers(1, 20))
def test_closed_form_is_the_max_of_its_supporting_lines(K, s):
    # C*(K, s) = max over tau >= 0 of tau K - beta(s + 1, tau - 1): an independent form
    lines = [tau * K - (math.comb(s + tau, tau - 1) if tau else 0) for tau in range(0, K + 1)]
    assert min_step_calls(K, s) == max(lines)


@given(st.integers(1, 8), st.integers(0, 8))
def test_binomial_reach_is_where_the_repetition_number_steps_up(s, t):
    reach = binomial_reach(s, t)
    assert reach == math.comb(s + t, s)
    assert repetition_number(reach, s) == t
    assert repetition_number(reach + 1, s) == t + 1
    assert binomial_reach(s, t) == binomial_reach(s, t - 1) + binomial_reach(s - 1, t) if t >= 1 else True


def test_optimal_split_range_is_exactly_the_set_of_dp_minimisers():
    table = min_step_calls_table(80, 8)
    for k in range(2, 81):
        for s in range(1, 9):
            splits = np.arange(1, k)
            totals = table[k - splits, s - 1] + table[splits, s] + splits
            best = splits[totals == totals.min()]
            assert optimal_split_range(k, s) == (best.min(), best.max()), (k, s)


def test_worked_example_k10_s3():
    assert min_step_calls(10, 3) == 15
    assert optimal_split_range(10, 3) == (4, 4)
    assert repetition_number(10, 3) == 2


# ---------------------------------------------------------------------------
# Online checkpointing.
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("s", [1, 2, 3, 5, 8])
def test_online_schedule_is_online_and_within_budget(s):
    previous = None
    for K in range(1, 121):
        plan = schedule(K, s, "online")
        stats = dry_run(plan)
        assert stats.peak_states <= s
        assert stats.step_calls >= max(K, min_step_calls(K, s))
        sweep = plan.actions[: plan.actions.index(Action("advance", K)) + 1]
        if previous is not None:
            # the sweep for K + 1 continues the sweep for K: no decision looked ahead
            assert sweep[: len(previous)] == previous
        previous = sweep


def test_online_costs_report_both_counts():
    costs = online_costs(4, [10, 50, 100])
    assert list(costs.optimal) == [min_step_calls(K, 4) for K in (10, 50, 100)]
    assert np.all(costs.online > costs.optimal)


def test_while_loop_vjp_matches_autograd_and_the_online_schedule():
    A = np.array([[0.9, -0.3], [0.2, 0.8]])

    def f(state):  # s[0] grows by at least 0.1 per step: the loop stops, after an unknown K
        return state + 0.2 + 0.1 * anp.sin(anp.dot(A, state))

    def keep_going(state):
        return state[0] < 2.0

    s0, u = np.array([-2.0, 1.0]), np.array([1.0, -0.5])
    result = while_loop_vjp(f, keep_going, s0, u, s=3)
    reference = plain_reverse_mode([f] * result.K, s0, u)
    np.testing.assert_allclose(result.r_0, reference, rtol=1e-12, atol=1e-12)
    assert result.K > 5 and not keep_going(result.s_K)
    assert result.stats.step_calls == dry_run(schedule(result.K, 3, "online")).step_calls
    assert result.optimal_step_calls == min_step_calls(result.K, 3)
    assert result.stats.peak_states <= 3


def test_while_loop_bad_inputs():
    with pytest.raises(ValueError, match="max_steps"):
        while_loop_vjp(anp.tanh, lambda x: True, np.ones(2), np.ones(2), s=2, max_steps=50)
    with pytest.raises(ValueError, match="no step"):
        while_loop_vjp(anp.tanh, lambda x: False, np.ones(2), np.ones(2), s=2)
    with pytest.raises(TypeError, match="callables"):
        while_loop_vjp("tanh", lambda x: False, np.ones(2), np.ones(2), s=2)
    with pytest.raises(TypeError, match="keep_going must return one bool"):
        while_loop_vjp(anp.tanh, lambda x: x > 0, np.ones(2), np.ones(2), s=2)


# ---------------------------------------------------------------------------
# The executor gives plain reverse mode's r_0 under every schedule.
# ---------------------------------------------------------------------------

@given(chains(), st.integers(1, 6), st.sampled_from(STRATEGIES))
def test_r0_equals_plain_reverse_mode(chain, s, strategy):
    fs, s0, u = chain
    K = len(fs)
    plan = schedule(K, _budget(K, s, strategy), strategy)
    r_0, stats = vjp(fs, s0, u, plan)
    np.testing.assert_allclose(r_0, plain_reverse_mode(fs, s0, u), rtol=1e-12, atol=1e-12)
    counted = dry_run(plan)
    assert (stats.step_calls, stats.peak_states, stats.timeline) == (
        counted.step_calls, counted.peak_states, counted.timeline)


@given(chains(max_steps=8), st.integers(1, 4))
def test_r0_equals_the_chains_module(chain, s):
    from fgcourse import chains as chain_module

    fs, s0, u = chain
    r_0, _ = vjp(fs, s0, u, schedule(len(fs), s, "optimal"))
    _, vjp_fn = chain_module.vjp(fs, s0)
    np.testing.assert_allclose(r_0, vjp_fn(u), rtol=1e-12, atol=1e-12)


def test_steps_are_called_as_counted():
    calls = []

    def make_step(k):
        def step(state):
            calls.append(k)
            return anp.sin(state)
        return step

    fs = [make_step(k) for k in range(1, 21)]
    _, stats = vjp(fs, np.ones(3), np.ones(3), schedule(20, 3, "optimal"))
    # every advance calls f_k once; every reverse step calls it once more inside make_vjp
    assert len(calls) == stats.step_calls + stats.reverse_steps == min_step_calls(20, 3) + 20


# ---------------------------------------------------------------------------
# Bad input: clear errors, never a wrong gradient.
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("K, s, error, match", [
    (0, 3, ValueError, "K must be"),
    (-2, 3, ValueError, "K must be"),
    (5, 0, ValueError, "s must be"),
    (2.5, 3, TypeError, "K must be an integer"),
    (5, "3", TypeError, "s must be an integer"),
    (True, 3, TypeError, "K must be an integer"),
])
def test_bad_sizes(K, s, error, match):
    with pytest.raises(error, match=match):
        schedule(K, s, "optimal")
    with pytest.raises(error, match=match):
        min_step_calls(K, s)


def test_bad_strategy_is_rejected():
    with pytest.raises(ValueError, match="strategy must be one of"):
        schedule(5, 2, "revolve")


@pytest.mark.parametrize("K, s, strategy, needs", [(5, 4, "store_all", 5), (5, 1, "store_all", 5),
                                                    (16, 3, "halving", 4), (200, 1, "halving", 8)])
def test_fixed_memory_strategies_warn_and_take_the_slots_they_need(K, s, strategy, needs):
    with pytest.warns(UserWarning, match=f"stores {needs} states for K = {K}, more than the budget s = {s}"):
        plan = schedule(K, s, strategy)
    assert plan.s == needs
    stats = dry_run(plan)
    assert stats.peak_states == needs
    expected_calls = K - 1 if strategy == "store_all" else halving_step_calls(K)
    assert stats.step_calls == expected_calls


def test_budget_larger_than_useful_still_works_and_reports_the_real_peak():
    stats = dry_run(schedule(10, 50, "optimal"))
    assert stats.step_calls == 9 and stats.peak_states == 9
    assert min_step_calls(10, 10**6) == 9
    assert dry_run(schedule(10, 50, "halving")).peak_states == 4
    assert dry_run(schedule(10, 50, "recompute_all")).peak_states == 1


def _chain(K, width=3):
    rng = np.random.default_rng(K)
    return [_layer(rng.standard_normal((width, width)), np.zeros(width), "tanh") for _ in range(K)]


def test_schedule_for_another_length_is_refused():
    with pytest.raises(ValueError, match="schedule is for K = 5 steps, but fs has 4 steps"):
        vjp(_chain(4), np.ones(3), np.ones(3), schedule(5, 2, "optimal"))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_step_leaving_its_domain_is_refused_not_turned_into_a_nan():
    with pytest.raises(ValueError, match="step f_1 produced a non-finite"):
        vjp([anp.log], -np.ones(3), np.ones(3), schedule(1, 1, "optimal"))
    with pytest.raises(ValueError, match="step f_2 produced a non-finite"):
        vjp([anp.tanh, anp.sqrt], np.zeros(3), np.ones(3), schedule(2, 1, "recompute_all"))


def test_u_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="u must have the shape of s_3"):
        vjp(_chain(3), np.ones(3), np.ones(4), schedule(3, 2, "optimal"))


def _malformed(K, *actions):
    return Schedule(K=K, s=3, strategy="custom", actions=tuple(Action(kind, index) for kind, index in actions))


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
                ("store", 3)), "over the budget s = 3"),
])
def test_malformed_schedules_are_refused_by_both_runs(plan, match):
    with pytest.raises(ValueError, match=match):
        dry_run(plan)
    with pytest.raises(ValueError, match=match):
        vjp(_chain(plan.K), np.ones(3), np.ones(3), plan)


def test_malformed_actions_and_arguments():
    with pytest.raises(TypeError, match="Action objects"):
        Schedule(K=2, s=1, strategy="custom", actions=(("advance", 1),))
    with pytest.raises(TypeError, match="sequence of Action objects"):
        Schedule(K=2, s=1, strategy="custom", actions=None)
    generated = Schedule(K=1, s=1, strategy="custom", actions=(a for a in [Action("reverse", 1)]))
    assert dry_run(generated).reverse_steps == dry_run(generated).reverse_steps == 1
    with pytest.raises(TypeError, match="schedule must be a Schedule"):
        vjp(_chain(2), np.ones(3), np.ones(3), [Action("reverse", 2)])
    with pytest.raises(TypeError, match="fs must be a sequence"):
        vjp(anp.tanh, np.ones(3), np.ones(3), schedule(1, 1))


# ---------------------------------------------------------------------------
# The nested-loop program F_n (Belouze, 2022, Programs 3 and 4, Property 1).
# ---------------------------------------------------------------------------

@given(st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_nested_program_counts_follow_property1(sizes):
    counts = property1_counts(sizes)
    product, n = math.prod(sizes), len(sizes)
    assert (counts.primal_calls, counts.reverse_calls, counts.reverse_memory) == (product, (n + 1) * product, sum(sizes))
    reverse, forward = nested_reverse(sizes), nested_forward(sizes)
    assert reverse.f0_calls + reverse.df0_calls == counts.reverse_calls
    assert (reverse.f0_calls, reverse.df0_calls) == (n * product, product)
    assert reverse.peak_taped == counts.reverse_memory
    assert (forward.f0_calls, forward.df0_calls, forward.peak_taped) == (product, product, 0)


@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.floats(-1.5, 1.5))
def test_nested_program_derivatives_equal_autograd(sizes, x):
    def composed(y):
        for _ in range(math.prod(sizes)):
            y = anp.sin(y)
        return y

    expected = grad(composed)(x)
    assert nested_reverse(sizes, x).derivative == pytest.approx(expected, rel=1e-12, abs=1e-14)
    assert nested_forward(sizes, x).derivative == pytest.approx(expected, rel=1e-12, abs=1e-14)
    assert nested_reverse(sizes, x).value == pytest.approx(composed(x), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("n", range(1, 8))
def test_nested_program_with_tables_of_two_is_halving_plus_unused_calls(n):
    sizes = (2,) * n
    useful = nested_reverse(sizes).f0_calls - nested_unused_calls(sizes)
    assert useful == halving_step_calls(2**n) == n * 2 ** (n - 1)


def test_nested_program_bad_sizes():
    with pytest.raises(ValueError, match="at least one table size"):
        property1_counts([])
    with pytest.raises(ValueError, match=r"sizes\[1\] \(S_2\)"):
        nested_reverse([2, 0])
    with pytest.raises(TypeError, match="sizes must be a sequence"):
        nested_forward(3)


# ---------------------------------------------------------------------------
# Pictures.
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("strategy", STRATEGIES)
def test_draw_schedule_marks_every_stored_state(strategy):
    import matplotlib.pyplot as plt

    plan = schedule(12, _budget(12, 3, strategy), strategy)
    fig = draw_schedule(plan)
    axis, memory = fig.axes
    stores = sum(action.kind == "store" for action in plan.actions)
    assert len(axis.lines[0].get_xdata()) == stores
    assert max(memory.lines[0].get_ydata()) == dry_run(plan).peak_states
    plt.close(fig)


def test_draw_cost_surface():
    import matplotlib.pyplot as plt

    fig = draw_cost_surface(K_max=32, s_max=6, K_slice=16)
    assert len(fig.axes) == 3
    plt.close(fig)


# ---------------------------------------------------------------------------
# Reversible chains (Alg. 8.8).
# ---------------------------------------------------------------------------

@given(st.integers(1, 30), st.sampled_from([2, 4, 6]), st.integers(0, 2**32 - 1))
def test_reversible_vjp_equals_plain_reverse_mode_without_storing(K, width, seed):
    rng = np.random.default_rng(seed)
    fs, inverses = zip(*[coupling_layer(rng, width) for _ in range(K)])
    s0, u = rng.standard_normal(width), rng.standard_normal(width)
    run = reversible_vjp(fs, inverses, s0, u)
    np.testing.assert_allclose(run.r_0, plain_reverse_mode(fs, s0, u), rtol=1e-10, atol=1e-10)
    assert (run.step_calls, run.inverse_calls, run.peak_states) == (K, K, 0)
    assert run.drift < 1e-10


def test_reversible_bad_inputs():
    rng = np.random.default_rng(0)
    step, inverse = coupling_layer(rng, 4)
    with pytest.raises(ValueError, match="one inverse per step"):
        reversible_vjp([step, step], [inverse], np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match="width must be even"):
        coupling_layer(rng, 5)
