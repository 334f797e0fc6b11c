"""Tests of fgcourse.experiments.profiles: hand-made tables, and a second implementation written here."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import accuracy_tables, assert_names_argument, assert_refused, profile_costs

from fgcourse.experiments import (
    SOLVER_SETS,
    accuracy_inputs,
    accuracy_profile,
    performance_profile,
    run_grid,
    solver_order,
    solver_table,
)
from fgcourse.experiments.profiles import (
    accuracy_summary,
    forward_against_true,
    profile_curve,
    profile_rise,
    profile_summary,
    profile_times,
    solver_set,
)

INF = np.inf


# ------------------------------------------------------- a second, independent implementation

def reference_performance_profile(times, taus):
    """Dolan and Moré, one problem and one solver at a time, in plain Python."""
    times = [list(map(float, row)) for row in times]
    num_solvers = len(times[0])
    profile = []
    for s in range(num_solvers):
        curve = []
        for tau in taus:
            count = 0
            for row in times:
                best = min(row)
                if math.isfinite(row[s]) and row[s] / best <= tau:
                    count += 1
            curve.append(count / len(times))
        profile.append(curve)
    return np.array(profile)


def reference_accuracy_profile(final, start, best, taus, M=10.0):
    """Belouze's accuracy profile, case by case, in plain Python."""
    num_problems, num_solvers = len(final), len(final[0])

    def gamma(p, s):
        gained, initial = final[p][s] - best[p], start[p] - best[p]
        if gained == 0:
            return M if initial > 0 else 0.0
        if initial == 0 or math.isinf(gained):
            return -math.inf
        ratio = gained / initial  # 0 when it underflows (5e-324 / 10): more digits than any M
        return M if ratio == 0 else min(-math.log10(ratio), M)

    return np.array([[sum(gamma(p, s) >= tau for p in range(num_problems)) / num_problems for tau in taus]
                     for s in range(num_solvers)])


# ----------------------------------------------------------------------- hand-made tables

def test_ties_count_as_best_for_every_tied_solver():
    times = [[1.0, 1.0], [2.0, 4.0]]
    np.testing.assert_array_equal(performance_profile(times, [1, 2, 3]), [[1, 1, 1], [0.5, 1, 1]])


def test_a_problem_no_solver_solves_counts_for_no_solver_but_in_the_total():
    times = [[INF, INF], [1.0, 2.0]]
    np.testing.assert_array_equal(performance_profile(times, [1, 2, INF]), [[0.5, 0.5, 0.5], [0, 0.5, 0.5]])


def test_a_single_solver_is_best_wherever_it_succeeds():
    np.testing.assert_array_equal(performance_profile([[3.0], [INF], [5.0]], [1, 100]), [[2 / 3, 2 / 3]])


def test_the_profile_rises_from_the_share_of_wins_to_the_share_solved():
    times = [[10.0, 1.0, 2.0], [1.0, 30.0, INF], [5.0, INF, 1.0], [INF, INF, INF]]
    rho = performance_profile(times, [1, 2, 5, 10, 30, INF])
    np.testing.assert_array_equal(rho[0], [0.25, 0.25, 0.5, 0.75, 0.75, 0.75])
    np.testing.assert_array_equal(rho[:, 0], [0.25, 0.25, 0.25])  # ρ(1): the share of wins
    np.testing.assert_array_equal(rho[:, -1], [0.75, 0.5, 0.5])  # ρ(∞): the share solved
    assert np.all(np.diff(rho, axis=1) >= 0)


@pytest.mark.simd
def test_accuracy_on_a_hand_made_table():
    final = [[0.0, 1.0], [5.0, 10.0]]
    start, best = [10.0, 10.0], [0.0, 5.0]
    # Problem 0: solver 0 found the best (γ = M), solver 1 gained one digit. Problem 1: solver 1 gained nothing.
    # τ = 0.5, not 1: γ = −log10(0.1) is 1 only up to the rounding of log10, whose kernel depends on the SIMD
    # level; away from the τ's the shares are exact (counts over 2).
    np.testing.assert_array_equal(accuracy_profile(final, start, best, [0, 0.5, 1.5, 10]),
                                  [[1, 1, 1, 1], [1, 0.5, 0, 0]])


def test_accuracy_is_capped_at_M_and_blown_up_runs_count_nowhere():
    final = [[1e-20, INF]]
    assert accuracy_profile(final, [1.0], [0.0], [11.99, 12.0, 12.01], M=12).tolist() == [[1, 1, 0], [0, 0, 0]]
    assert accuracy_profile(final, [1.0], [0.0], [5, 6], M=5).tolist() == [[1, 0], [0, 0]]
    assert accuracy_profile(final, [1.0], [0.0], [-100], M=5).tolist() == [[1], [0]]


def test_accuracy_when_no_solver_improved_on_the_start():
    # best = start: staying there gains zero digits, ending higher is worse than any τ.
    rho = accuracy_profile([[1.0, 2.0]], [1.0], [1.0], [-1.0, 0.0, 0.5])
    np.testing.assert_array_equal(rho, [[1, 1, 0], [0, 0, 0]])


@pytest.mark.simd
def test_a_single_solver_accuracy():
    # Problem 0 gains γ = −log10(0.1) = 1 digit up to rounding: τ = 0.5 keeps the share away from that rounding.
    np.testing.assert_array_equal(accuracy_profile([[0.1], [0.5]], [1.0, 1.0], [0.0, 0.5], [0.5, 10]),
                                  [[1.0, 0.5]])


# ----------------------------------------------------------------- against the reference

@given(st.integers(1, 6).flatmap(lambda s: st.lists(st.lists(profile_costs, min_size=s, max_size=s), min_size=1,
                                                     max_size=8)),
       st.lists(st.one_of(st.floats(1.0, 50.0), st.sampled_from([1.0, 2.0, INF])), min_size=1, max_size=6))
def test_the_performance_profile_agrees_with_the_reference(times, taus):
    # exact: shares of counts, each ratio one IEEE division in both (correctly rounded at every SIMD level)
    np.testing.assert_array_equal(performance_profile(times, taus), reference_performance_profile(times, taus))


@pytest.mark.simd
@given(accuracy_tables(), st.lists(st.floats(-3.0, 12.0), min_size=1, max_size=6), st.sampled_from([1.0, 5.0, 10.0]))
def test_the_accuracy_profile_agrees_with_the_reference(table, taus, M):
    final, start, best = table
    # numpy's log10 (its kernel depends on the SIMD level; AVX-512's is within 4 ulp) and math.log10 may differ by
    # a few ulp of γ <= 12, and a γ that falls on a τ (whole digits gained, as from 10 to 1, are common here) may
    # then count on one side only. So the profile must lie between the reference's at τ + δ and at τ − δ, with
    # δ = 1e-13 (~50 ulp of 12); a share off by one problem anywhere else still fails.
    got = accuracy_profile(final, start, best, taus, M=M)
    delta = 1e-13
    assert np.all(reference_accuracy_profile(final, start, best, [tau + delta for tau in taus], M=M) <= got)
    assert np.all(got <= reference_accuracy_profile(final, start, best, [tau - delta for tau in taus], M=M))


# ----------------------------------------------------------------------------- bad input

BAD_CALLS = [
    (lambda: performance_profile([[1.0, -1.0]], [1]), "times", "> 0"),
    (lambda: performance_profile([[1.0, 0.0]], [1]), "times", "> 0"),
    (lambda: performance_profile([[1.0, np.nan]], [1]), "times", "NaN"),
    (lambda: performance_profile([1.0, 2.0], [1]), "times", "2-d"),
    (lambda: performance_profile([["a"]], [1]), "times", "strings"),
    (lambda: performance_profile([[1j]], [1]), "times", "complex"),
    (lambda: performance_profile([[1.0]], [0.5]), "taus", ">= 1"),
    (lambda: performance_profile([[1.0]], [np.nan]), "taus", "NaN"),
    (lambda: performance_profile([[1.0]], []), "taus", "at least 1"),
    (lambda: performance_profile([[1.0]], 2.0), "taus", "1-d"),
    (lambda: accuracy_profile([[1.0, 2.0]], [3.0, 3.0], [0.0], [1]), "start", "shape (1,)"),
    (lambda: accuracy_profile([[1.0, 2.0]], [3.0], [0.0, 1.0], [1]), "best", "shape (1,)"),
    (lambda: accuracy_profile([[np.nan]], [3.0], [0.0], [1]), "final", "NaN"),
    (lambda: accuracy_profile([[-INF]], [3.0], [0.0], [1]), "final", "-inf"),
    (lambda: accuracy_profile([[1.0]], [INF], [0.0], [1]), "start", "finite"),
    (lambda: accuracy_profile([[1.0]], [3.0], [4.0], [1]), "best", "<= start"),
    (lambda: accuracy_profile([[1.0]], [3.0], [2.0], [1]), "final", ">= best"),
    (lambda: accuracy_profile([[1.0]], [3.0], [0.0], [np.nan]), "taus", "NaN"),
    (lambda: accuracy_profile([[1.0]], [3.0], [0.0], [1], M=0), "M", "> 0"),
    (lambda: accuracy_profile([[1.0]], [3.0], [0.0], [1], M=True), "M", "bool"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_profiles_refuse_bad_tables(call, name, word):
    assert_refused(call, name, word)


# ------------------------------------------------------------------ readings of a grid's table

@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    return run_grid("smoke", tmp_path_factory.mktemp("cache"), progress=False)


def test_profile_times_count_a_cost_above_the_budget_as_a_failure(smoke):
    times = profile_times(smoke, 2)
    capped = profile_times(smoke, 2, budget=50)
    assert list(times.columns) == list(solver_table(smoke, "t", 2).columns)
    # exact: the same stored costs, selected, none computed
    np.testing.assert_array_equal(capped.to_numpy(), np.where(times.to_numpy() <= 50, times.to_numpy(), np.inf))
    assert list(profile_times(smoke, 2, solvers="true only").columns) == ["sgd/true", "adam/true"]


def test_profile_summary_reads_rho_at_one_and_the_share_solved(smoke):
    summary = profile_summary(smoke, (2,))
    times = profile_times(smoke, 2).to_numpy()
    np.testing.assert_allclose(summary[2, "rho(1)"], performance_profile(times, [1.0])[:, 0])
    np.testing.assert_allclose(summary[2, "solved"], np.isfinite(times).mean(axis=0))


def test_accuracy_summary_reads_the_accuracy_profile_at_a_few_digits(smoke):
    from fgcourse.experiments import accuracy_profile

    summary = accuracy_summary(smoke, (2,), (1.0, 10.0))
    final, start, best = accuracy_inputs(smoke, 2)
    expected = accuracy_profile(final.to_numpy(), start, best, [1.0, 10.0])
    np.testing.assert_allclose(summary.to_numpy(), expected)
    assert list(summary.index) == list(final.columns)


def test_forward_against_true_compares_each_forward_solver_with_the_best_true_one(smoke):
    frame = forward_against_true(smoke, 2, factor=2.0)
    times = profile_times(smoke, 2)
    best = times[["sgd/true", "adam/true"]].min(axis=1)
    solved = np.isfinite(best)
    assert frame.attrs["problems"] == solved.sum()
    assert frame.attrs["functions"] == tuple(sorted(set(times[solved].index.get_level_values("function"))))
    expected = (times.loc[solved, "sgd/forward"] >= 2.0 * best[solved]).mean()
    assert frame.loc["sgd/forward", "slower"] == pytest.approx(expected)
    assert frame.loc[["sgd/true", "adam/true"], "best_true"].sum() >= 1.0  # someone is best on every problem
    assert np.isnan(frame.loc["sgd/true", "slower"])


def test_profile_curve_and_profile_rise_read_the_performance_profile(smoke):
    times = profile_times(smoke, 2)
    rho = performance_profile(times.to_numpy(), [1.0, 2.0, INF])
    j = list(times.columns).index("sgd/forward")
    curve = profile_curve(smoke, 2, "sgd/forward", [1.0, 2.0, INF])
    assert list(curve.index) == [1.0, 2.0, INF] and curve.name == "sgd/forward"
    np.testing.assert_array_equal(curve.to_numpy(), rho[j])  # exact: the same counts, divided the same way
    rise = profile_rise(smoke, (2,))
    assert list(rise.index) == list(times.columns) and list(rise.columns) == [2]
    np.testing.assert_array_equal(rise[2].to_numpy(), rho[:, 1] - rho[:, 0])  # exact: same shares, subtracted
    assert (rise[2] >= 0).all()  # a profile never decreases


def test_profile_curve_and_profile_rise_refuse_bad_arguments(smoke):
    assert_refused(lambda: profile_curve(smoke, 2, "sgd/fwd"), "solver", "sgd/forward")
    assert_refused(lambda: profile_curve(smoke, 2, "sgd/true", [0.5]), "taus", ">= 1")
    assert_refused(lambda: profile_rise(smoke, (2,), tau=1.0), "tau", "> 1")
    assert_refused(lambda: profile_rise(smoke, (0,)), "dims[0]", ">= 1")


def test_every_solver_set_holds_solvers_of_the_grid():
    sets = {name: solver_set(name) for name in SOLVER_SETS}
    assert sets["all"] == solver_order() == tuple(sets["true only"] + sets["forward only"])
    assert set(sets["SGD family"]) | set(sets["Adam family"]) == set(sets["all"])
    # The chapter's tables list the solvers in this order (its notebooks print them so).
    assert solver_order() == ("sgd/true", "clipped_sgd/true", "adam/true", "adabelief/true",
                              "sgd/forward", "clipped_sgd/forward", "adam/forward", "adabelief/forward")
    assert sets["SGD family"] == ("sgd/true", "clipped_sgd/true", "sgd/forward", "clipped_sgd/forward")


def test_profiles_refuse_unknown_solver_sets_and_solvers(smoke):
    with pytest.raises(ValueError) as excinfo:
        profile_times(smoke, 2, solvers="true onyl")
    assert_names_argument(excinfo, "solvers", "did you mean 'true only'")
    with pytest.raises(ValueError) as excinfo:
        profile_times(smoke, 2, solvers=["adabelief/true"])
    assert_names_argument(excinfo, "solvers", "adabelief/true")
    with pytest.raises(ValueError) as excinfo:
        profile_times(smoke, 2, budget=0)
    assert_names_argument(excinfo, "budget", "> 0")
