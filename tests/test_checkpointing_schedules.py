"""Tests of fgcourse.checkpointing.schedules: every strategy's counts, by the machine's dry run."""

import math

import pytest
from strategies import NOT_COUNTS, assert_names_argument, assert_refused

from fgcourse.checkpointing import (
    MAX_ACTIONS,
    STRATEGIES,
    Action,
    LevelCheckpoints,
    Schedule,
    dry_run,
    halving_step_calls,
    min_step_calls,
    schedule,
)

K_MAX, Q_MAX = 100, 12
# Every K up to K_MAX, then a few longer chains (a dry run costs up to K² / 2 steps).
LENGTHS = [*range(1, K_MAX + 1), 127, 128, 129, 200]


def test_optimal_schedule_counts_equal_closed_form_exhaustively():
    for K in LENGTHS:
        for q in range(1, Q_MAX + 1):
            stats = dry_run(schedule(K, q, "optimal"))
            assert stats.step_calls == min_step_calls(K, q), (K, q)
            assert stats.peak_states <= q, (K, q)
            assert stats.reverse_steps == K


def test_fixed_strategies_match_their_formulas_exhaustively():
    for K in LENGTHS:
        store_all = dry_run(schedule(K, K, "store_all"))
        assert (store_all.step_calls, store_all.peak_states) == (K - 1, K)
        recompute_all = dry_run(schedule(K, 1, "recompute_all"))
        assert (recompute_all.step_calls, recompute_all.peak_states) == (K * (K - 1) // 2, 1)
        halving = dry_run(schedule(K, Q_MAX, "halving"))
        assert halving.step_calls == halving_step_calls(K)
        assert halving.peak_states == math.ceil(math.log2(K))


@pytest.mark.parametrize("n", range(0, 9))
def test_halving_on_powers_of_two(n):
    K = 2**n
    stats = dry_run(schedule(K, max(n, 1), "halving"))
    assert (stats.step_calls, stats.peak_states) == (K * n // 2, n)


@pytest.mark.parametrize("K, q", [(3000, 3000), (1100, 1), (1500, 2)])
def test_long_chains_build_without_recursion_limits(K, q):
    # the divide and conquer is K levels deep for q >= K (split l = 1) and q = 1 (split l = K - 1)
    plan = schedule(K, q, "optimal")
    assert sum(action.kind == "advance" for action in plan.actions) == min_step_calls(K, q)
    assert sum(action.kind == "reverse" for action in plan.actions) == K


@pytest.mark.parametrize("strategy, q", [("recompute_all", 1), ("optimal", 1), ("online", 1), ("halving", 20)])
def test_a_schedule_beyond_max_actions_is_refused_before_it_is_built(strategy, q):
    K = 10**4 if strategy != "halving" else 10**5
    with pytest.raises(ValueError) as excinfo:
        schedule(K, q, strategy)
    assert_names_argument(excinfo, "K", f"{MAX_ACTIONS:.0e}", "min_step_calls")


def test_the_largest_recompute_all_below_the_limit_is_built():
    K = 1400  # K (K - 1) / 2 + 4 K = 984 900 actions
    assert len(schedule(K, 1, "recompute_all").actions) <= MAX_ACTIONS


@pytest.mark.parametrize("q", [1, 2, 3, 5, 8])
def test_online_schedule_is_online_and_within_budget(q):
    previous = None
    for K in range(1, 121):
        plan = schedule(K, q, "online")
        stats = dry_run(plan)
        assert stats.peak_states <= q
        assert stats.step_calls >= max(K, min_step_calls(K, q))
        sweep = plan.actions[: plan.actions.index(Action("advance", K)) + 1]
        if previous is not None:
            # the sweep for K + 1 continues the sweep for K: no decision looked ahead
            assert sweep[: len(previous)] == previous
        previous = sweep


def test_online_levels_first_appear_at_the_binomial_reach():
    placer = LevelCheckpoints(3)
    first = {}
    for k in range(1, 16):
        placer.place(k)
        for level in placer.levels[1:]:
            first.setdefault(level, k)
    assert [first[level] for level in (1, 2, 3, 4)] == [3, 6, 10, 15]  # beta(q - 1, t) = C(2 + t, 2)


@pytest.mark.parametrize("K, q, strategy, needs", [(5, 4, "store_all", 5), (5, 1, "store_all", 5),
                                                    (16, 3, "halving", 4), (200, 1, "halving", 8)])
def test_fixed_memory_strategies_warn_and_take_the_slots_they_need(K, q, strategy, needs):
    with pytest.warns(UserWarning, match=f"stores {needs} states for K = {K}, more than the budget q = {q}"):
        plan = schedule(K, q, strategy)
    assert plan.q == needs
    stats = dry_run(plan)
    assert stats.peak_states == needs
    assert stats.step_calls == (K - 1 if strategy == "store_all" else halving_step_calls(K))


def test_budget_larger_than_useful_still_works_and_reports_the_real_peak():
    stats = dry_run(schedule(10, 50, "optimal"))
    assert stats.step_calls == 9 and stats.peak_states == 9
    assert min_step_calls(10, 10**6) == 9
    assert dry_run(schedule(10, 50, "halving")).peak_states == 4
    assert dry_run(schedule(10, 50, "recompute_all")).peak_states == 1


def test_schedules_take_actions_from_any_iterable_once():
    generated = Schedule(K=1, q=1, strategy="custom", actions=(a for a in [Action("reverse", 1)]))
    assert dry_run(generated).reverse_steps == dry_run(generated).reverse_steps == 1
    assert isinstance(Schedule(K=1, q=1, strategy="custom", actions=[Action("reverse", 1)]).actions, tuple)


BAD_CALLS = [
    (lambda: schedule(0, 3), "K", ">= 1"),
    (lambda: schedule(5, 0), "q", ">= 1"),
    (lambda: schedule(2.5, 3), "K", "float"),
    (lambda: schedule(5, "3"), "q", "str"),
    (lambda: schedule(True, 3), "K", "bool"),
    (lambda: schedule(5, 2, "optimla"), "strategy", "did you mean 'optimal'"),
    (lambda: schedule(5, 2, "revolve"), "strategy", "store_all"),
    (lambda: schedule(5, 2, None), "strategy", "None"),
    (lambda: Schedule(K=2, q=1, strategy="custom", actions=(("advance", 1),)), "actions[0]", "Action"),
    (lambda: Schedule(K=2, q=1, strategy="custom", actions=None), "actions", "sequence"),
    (lambda: Schedule(K=2, q=1, strategy="custom", actions="advance 1"), "actions", "str"),
    (lambda: Schedule(K=True, q=1, strategy="custom", actions=()), "K", "bool"),
    (lambda: Schedule(K=2, q=0, strategy="custom", actions=()), "q", ">= 1"),
    (lambda: Schedule(K=2, q=1, strategy=3, actions=()), "strategy", "string"),
    (lambda: LevelCheckpoints(0), "q", ">= 1"),
    (lambda: LevelCheckpoints(3).place(0), "k", ">= 1"),
    (lambda: LevelCheckpoints(3).reversal(0), "K", ">= 1"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_arguments_are_named(call, name, word):
    assert_refused(call, name, word)


@pytest.mark.parametrize("value", NOT_COUNTS)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_refuses_non_counts(value, strategy):
    with pytest.raises(TypeError) as excinfo:
        schedule(5, value, strategy)
    assert_names_argument(excinfo, "q")


def test_an_online_sweep_never_runs_forever():
    from fgcourse.checkpointing.schedules import online_sweep

    actions = []
    _, K = online_sweep(3, actions.append, lambda k: k <= 7)
    assert K == 7 and sum(a.kind == "advance" for a in actions) == 7
    with pytest.raises(ValueError) as excinfo:
        online_sweep(3, actions.append, lambda k: True, max_iter=50)
    assert_names_argument(excinfo, "step_runs", "max_iter = 50", "step 51")
    with pytest.raises(TypeError) as excinfo:
        online_sweep(3, actions.append, lambda k: "yes")
    assert_names_argument(excinfo, "step_runs", "a bool", "'yes'")
    with pytest.raises(ValueError) as excinfo:
        online_sweep(3, actions.append, lambda k: False, max_iter=0)
    assert_names_argument(excinfo, "max_iter", ">= 1")
