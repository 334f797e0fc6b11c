"""Tests of fgcourse.experiments: grids, the cached runner (joblib and dask), the command.

Only the ``smoke`` grid (and slices as small) runs here: a few seconds in all.
"""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pytest
from strategies import NOT_COUNTS, assert_names_argument, assert_refused

import fgcourse
from fgcourse.experiments import (
    COLUMNS,
    PAPER_MAX_ITER,
    RUN_STATUSES,
    accuracy_inputs,
    compute_batch,
    get_grid,
    make_grid,
    optimizer_names,
    run_grid,
    runner,
    solver_order,
    solver_table,
    starts,
)
from fgcourse.experiments import __main__ as command
from fgcourse.experiments.plots import solver_color
from fgcourse.experiments.profiles import profile_times, solver_set
from fgcourse.optim import OPTIMIZERS, Optimizer
from fgcourse.testfunctions import TEST_FUNCTIONS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def without_wall_time(table):
    """The table's deterministic part: everything but the measured wall time."""
    return table.drop(columns="wall_time").reset_index(drop=True)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """``(cache directory, table)`` of one computation of the smoke grid."""
    cache = tmp_path_factory.mktemp("smoke-cache")
    return cache, run_grid("smoke", cache, progress=False)


def entries(cache):
    """The cache's entries (pathlib's glob also matches the hidden temporary files: left out)."""
    return sorted(path for path in cache.glob("*.json") if not path.name.startswith("."))


# ------------------------------------------------------------------------------- the grids

def test_the_paper_grid_is_the_protocol_of_the_sources():
    grid = get_grid("paper")
    any_dimension = [name for name, f in TEST_FUNCTIONS.items() if f.dim is None]
    fixed = [(name, f.dim) for name, f in TEST_FUNCTIONS.items() if f.dim is not None]
    assert set(grid.problems) == {(name, n) for name in any_dimension for n in (2, 10, 100)} | set(fixed)
    assert (grid.optimizers, grid.gradients) == (("sgd", "clipped_sgd", "adam", "adabelief"), ("true", "forward"))
    assert (grid.lr, grid.eps, grid.num_starts, grid.num_repeats, grid.B) == (0.01, 0.1, 5, 5, 1)
    assert grid.max_iter == PAPER_MAX_ITER and not grid.stop_at_target
    assert len(grid.batches()) == len(grid.problems) * 8
    assert grid.num_runs == len(grid.problems) * 4 * (5 + 25)


@dataclass(frozen=True)
class HalfStep(Optimizer):
    """A toy optimizer for the registry's test: half the SGD step, d_k = −g_k / 2."""

    name = "half_step"

    def direction(self, g, state, k):
        return -0.5 * g, state


def test_a_registered_optimizer_joins_the_grid_its_table_profiles_and_figures(monkeypatch, tmp_path):
    monkeypatch.setitem(OPTIMIZERS, "half_step", HalfStep())  # unregistered again after the test
    assert optimizer_names()[-1] == "half_step"
    grid = make_grid([("sphere", 2)], optimizers=("sgd", "half_step"), max_iter=30, num_starts=2, num_repeats=2)
    batch = next(b for b in grid.batches() if (b.optimizer, b.gradient) == ("half_step", "true"))
    rows = compute_batch(batch)["rows"]
    assert [row["solver"] for row in rows] == ["half_step/true"] * 2
    table = run_grid(grid, tmp_path, progress=False)
    assert set(table["solver"]) == {"sgd/true", "sgd/forward", "half_step/true", "half_step/forward"}
    # Half of SGD's step: on the sphere f = Σ x_i², from the same start, every iterate is farther.
    sgd, half = (table[table.solver == f"{name}/true"].sort_values("start") for name in ("sgd", "half_step"))
    assert (half["f_final"].to_numpy() > sgd["f_final"].to_numpy()).all()
    # Tables and figures: after the four of the chapter in each half, with its own color.
    assert solver_order()[4] == "half_step/true" and solver_order()[-1] == "half_step/forward"
    assert list(solver_table(table).columns) == ["sgd/true", "half_step/true", "sgd/forward", "half_step/forward"]
    from fgcourse._figures import SERIES_COLORS

    assert solver_color("half_step/forward") == SERIES_COLORS[4] and solver_color("adam/true") == SERIES_COLORS[2]
    assert set(profile_times(table, 2).columns) == set(table["solver"])
    # The sets of solvers: "all" and the halves take it; the two families are the chapter's
    # comparison of SGD's steps with Adam's, and it belongs to neither class.
    assert "half_step/true" in solver_set("all") and "half_step/forward" in solver_set("forward only")
    assert not any("half_step" in solver for solver in solver_set("SGD family") + solver_set("Adam family"))
    # The default grid takes every registered optimizer, and a misspelt name is told about it.
    assert make_grid(["sphere"], dims=(2,)).optimizers[-1] == "half_step"
    with pytest.raises(ValueError) as excinfo:
        make_grid(["sphere"], optimizers=("half_stp",))
    assert_names_argument(excinfo, "optimizers[0]", "did you mean 'half_step'")


def test_a_fixed_dimension_function_runs_in_its_own_dimension_and_problems_are_not_repeated():
    grid = make_grid(["beale", "sphere", ("sphere", 10), ("beale", 2)], dims=(10,))
    assert grid.problems == (("beale", 2), ("sphere", 10))
    assert len({batch.digest() for batch in grid.batches()}) == len(grid.batches())


# ------------------------------------------------------------------------------- the table

def test_the_smoke_table_has_one_row_per_run_and_the_documented_columns(smoke):
    cache, table = smoke
    grid = get_grid("smoke")
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == grid.num_runs == 2 * 2 * (2 + 2 * 2) * 1
    assert table.attrs == {"computed": len(grid.batches()), "cached": 0, "recomputed": 0}
    assert len(entries(cache)) == len(grid.batches())
    assert set(table["status"]) <= set(RUN_STATUSES)
    assert not table.drop(columns="t").isna().any().any()


def test_every_solver_starts_from_the_same_seeded_points_inside_the_domain(smoke):
    _, table = smoke
    per_start = table.groupby(["function", "n", "start"])["f_start"].nunique()
    assert (per_start == 1).all()
    for function in ("sphere", "beale"):
        X0 = starts(function, 2, 0, 2)
        bounds = TEST_FUNCTIONS[function].bounds(2)
        assert np.all((bounds[:, 0] <= X0) & (X0 <= bounds[:, 1]))
        assert np.array_equal(X0, starts(function, 2, 0, 2))  # exact: the same seeded draws
        expected = TEST_FUNCTIONS[function](X0)
        got = table[(table.function == function) & (table.solver == "sgd/true")].sort_values("start")["f_start"]
        np.testing.assert_array_equal(got, expected)  # exact: the runner's f_start is f on this same (2, 2) array


def test_forward_repeats_draw_independent_tangents(smoke):
    _, table = smoke
    forward = table[(table.gradient == "forward") & (table.function == "sphere")]
    spread = forward.groupby(["function", "optimizer", "start"])["f_final"].nunique()
    assert (spread == 2).all()
    assert set(table[table.gradient == "true"]["repeat"]) == {0}


@pytest.mark.simd
def test_t_counts_the_oracle_calls_until_the_target_is_seen_on_the_sphere():
    # SGD on Σ x_i² contracts by (1 − 2α) per step: f(θ_k) = (1 − 2α)^{2k} f(θ_0), in closed form.
    grid = make_grid(["sphere"], dims=(3,), optimizers=["sgd"], gradients=["true"], max_iter=500, num_starts=3)
    rows = pd.DataFrame(compute_batch(grid.batches()[0])["rows"])
    steps = np.log(0.1 / rows["f_start"]) / (2 * np.log(1 - 2 * 0.01))
    # exact: counts, as long as the closed form is not within rounding of a whole step (it is >= 0.2 step away)
    assert np.all(np.abs(steps - np.round(steps)) > 1e-6)
    np.testing.assert_array_equal(rows["t"], np.ceil(steps) + 1)
    # exact: f decreases at every step, so the best value of the path is the stored last one
    assert (rows["f_best"] == rows["f_final"]).all() and (rows["status"] == "max_iter").all()


def test_a_forward_step_costs_B_calls_and_a_run_that_never_reaches_the_target_costs_inf():
    grid = make_grid(["sphere"], dims=(2,), optimizers=["adam"], gradients=["forward"], max_iter=30, num_starts=2,
                     num_repeats=2, B=3)
    rows = pd.DataFrame(compute_batch(grid.batches()[0])["rows"])
    assert np.isinf(rows["t"]).all(), "30 Adam steps of 0.01 cannot bring the sphere from ~20 to 0.1"
    grid = make_grid(["sphere"], dims=(2,), optimizers=["sgd"], gradients=["forward"], max_iter=2000, B=3,
                     num_starts=2, num_repeats=2)
    t = pd.DataFrame(compute_batch(grid.batches()[0])["rows"])["t"]
    assert np.isfinite(t).all() and (t % 3 == 0).all()


def test_stop_at_target_stops_the_runs_with_the_same_cost():
    common = dict(functions=["sphere"], dims=(2,), optimizers=["sgd"], max_iter=400, num_starts=2, num_repeats=2)
    full = pd.DataFrame(compute_batch(make_grid(**common).batches()[1])["rows"])
    stopped = pd.DataFrame(compute_batch(make_grid(**common, stop_at_target=True).batches()[1])["rows"])
    np.testing.assert_array_equal(full["t"], stopped["t"])  # exact: the same steps up to the target
    assert (stopped["status"] == "converged").all() and (stopped["nit"] == stopped["t"] - 1).all()


def test_solver_table_puts_problems_in_rows_and_solvers_in_columns(smoke):
    _, table = smoke
    times = solver_table(table, "t", n=2)
    assert list(times.columns) == ["sgd/true", "adam/true", "sgd/forward", "adam/forward"]
    assert times.shape == (2 * 2 * 2, 4)
    # A true run stands in every repeat of its start.
    true_t = times["sgd/true"].unstack("repeat")
    assert (true_t[0] == true_t[1]).all()  # exact: the same stored run


def test_accuracy_inputs_take_the_best_value_of_any_solver_or_the_start(smoke):
    _, table = smoke
    final, start, best = accuracy_inputs(table, n=2)
    assert final.shape == (8, 4) and start.shape == best.shape == (8,)
    assert np.all(best <= start) and np.all(final.to_numpy() >= best[:, None])
    np.testing.assert_array_equal(best, np.minimum(start, final.min(axis=1)))  # exact: minima round nothing


# ------------------------------------------------------------------------------- the cache

def test_a_second_run_computes_nothing_and_returns_the_same_table(smoke):
    cache, table = smoke
    began = time.perf_counter()
    again = run_grid("smoke", cache, progress=False)
    assert time.perf_counter() - began < 5
    assert again.attrs == {"computed": 0, "cached": len(get_grid("smoke").batches()), "recomputed": 0}
    pd.testing.assert_frame_equal(again, table, check_exact=True)  # exact: JSON stores floats by their repr


def test_a_resume_after_lost_and_corrupt_entries_recomputes_only_those_and_reproduces_them(smoke, tmp_path):
    cache, table = smoke
    for path in entries(cache):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    stored = entries(tmp_path)
    stored[0].unlink()
    stored[1].unlink()
    stored[2].write_text('{"key": {"trunc')  # a partial write of some other tool
    stored[3].write_bytes(b"\x00\xff")  # garbage
    (tmp_path / ".tmp-leftover.json").write_text("{")  # a temporary file left by a SIGKILL
    resumed = run_grid("smoke", tmp_path, progress=False)
    assert resumed.attrs == {"computed": 4, "cached": 4, "recomputed": 2}
    # exact: the lost batches are recomputed by the same code on the same CPU, the others read back
    pd.testing.assert_frame_equal(without_wall_time(resumed), without_wall_time(table), check_exact=True)
    assert run_grid("smoke", tmp_path, progress=False).attrs["computed"] == 0


def test_an_interrupted_run_keeps_what_it_finished_and_resumes_with_the_rest(tmp_path, monkeypatch):
    calls = []

    def interrupted_after_three(batch):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(batch)
        return compute_batch(batch)

    monkeypatch.setattr(runner, "compute_batch", interrupted_after_three)
    with pytest.raises(KeyboardInterrupt):
        run_grid("smoke", tmp_path, progress=False)
    assert len(entries(tmp_path)) == 3
    assert not list(tmp_path.glob(".tmp-*")), "no temporary file is left behind"
    monkeypatch.undo()
    assert run_grid("smoke", tmp_path, progress=False).attrs == {"computed": 5, "cached": 3, "recomputed": 0}


KILLED_AFTER_THREE = """
import sys, time
from fgcourse.experiments import runner
original, done = runner.compute_batch, []
def stalls_after_three(batch):
    if len(done) == 3:
        time.sleep(600)
    done.append(batch)
    return original(batch)
runner.compute_batch = stalls_after_three
runner.run_grid("smoke", sys.argv[1], progress=False)
"""


def test_a_run_killed_by_sigkill_resumes_with_only_the_missing_batches(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", KILLED_AFTER_THREE, str(tmp_path)],
                               env={**os.environ, "PYTHONPATH": ROOT})
    try:
        deadline = time.monotonic() + 120
        while len(entries(tmp_path)) < 3 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
    finally:
        process.kill()  # SIGKILL: no handler, no cleanup
        process.wait()
    assert len(entries(tmp_path)) == 3
    assert run_grid("smoke", tmp_path, progress=False).attrs == {"computed": 5, "cached": 3, "recomputed": 0}


DAMAGES = {
    "no rows": lambda e: {**e, "rows": []},
    "one row short": lambda e: {**e, "rows": e["rows"][:-1]},
    "one row too many": lambda e: {**e, "rows": e["rows"] + e["rows"][:1]},
    "a column missing": lambda e: {**e, "rows": [{k: v for k, v in r.items() if k != "f_final"} for r in e["rows"]]},
    "a row that is not a dict": lambda e: {**e, "rows": e["rows"][:-1] + [[1, 2]]},
    "no wall time": lambda e: {k: v for k, v in e.items() if k != "wall_time"},
    "a wall time that is text": lambda e: {**e, "wall_time": "3 s"},
    "a negative wall time": lambda e: {**e, "wall_time": -1.0},
    "no key": lambda e: {k: v for k, v in e.items() if k != "key"},
    "rows that are not a list": lambda e: {**e, "rows": {"0": 1}},
    "a JSON list": lambda e: [e],
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_entry_is_recomputed_counted_and_never_loses_a_run(smoke, tmp_path, damage):
    cache, table = smoke
    for path in entries(cache):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    victim = entries(tmp_path)[2]
    victim.write_text(json.dumps(DAMAGES[damage](json.loads(victim.read_text()))))
    resumed = run_grid("smoke", tmp_path, progress=False)
    assert resumed.attrs == {"computed": 1, "cached": 7, "recomputed": 1}
    assert len(resumed) == len(table)
    # exact: the damaged batch is recomputed by the same code on the same CPU, the others read back
    pd.testing.assert_frame_equal(without_wall_time(resumed), without_wall_time(table), check_exact=True)
    assert run_grid("smoke", tmp_path, progress=False).attrs == {"computed": 0, "cached": 8, "recomputed": 0}


def test_the_command_says_how_many_damaged_entries_it_recomputed(smoke, tmp_path, capsys):
    cache, _ = smoke
    for path in entries(cache):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    entries(tmp_path)[0].write_text("{}")
    assert command.main(["run", "--grid", "smoke", "--cache", str(tmp_path), "--no-progress"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "computed 1, cached 7, recomputed 1 damaged entry"


def test_an_entry_that_is_a_directory_or_an_empty_cache_path_is_a_clear_error(smoke, tmp_path):
    batch = get_grid("smoke").batches()[0]
    (tmp_path / f"{batch.digest()}.json").mkdir()
    with pytest.raises(ValueError) as excinfo:
        run_grid("smoke", tmp_path, progress=False)
    assert_names_argument(excinfo, "cache", "one file per batch", "is a directory")
    for empty in ("", "  "):
        with pytest.raises(ValueError) as excinfo:
            run_grid("smoke", empty, progress=False)
        assert_names_argument(excinfo, "cache", "directory path", "empty")


TWO_WRITERS = """
import sys
from fgcourse.experiments import run_grid
table = run_grid("smoke", sys.argv[1], progress=False)
table.drop(columns="wall_time").to_csv(sys.argv[2], index=False)
"""


def test_two_processes_running_one_grid_into_one_cache_lose_and_duplicate_nothing(smoke, tmp_path):
    _, table = smoke
    cache = tmp_path / "shared"
    outputs = [tmp_path / f"table{i}.csv" for i in range(2)]
    processes = [subprocess.Popen([sys.executable, "-c", TWO_WRITERS, str(cache), str(out)],
                                  env={**os.environ, "PYTHONPATH": ROOT}) for out in outputs]
    assert [process.wait(timeout=300) for process in processes] == [0, 0]
    clean = without_wall_time(table)
    for out in outputs:  # exact: the same code on the same CPU, or the entry the other process wrote
        pd.testing.assert_frame_equal(pd.read_csv(out), clean, check_exact=True, check_dtype=False)
    assert len(entries(cache)) == len(get_grid("smoke").batches())
    assert not list(cache.glob(".tmp-*"))
    again = run_grid("smoke", cache, progress=False)
    assert again.attrs == {"computed": 0, "cached": 8, "recomputed": 0}


def test_an_entry_of_another_library_version_is_recomputed_never_reused(smoke, tmp_path, monkeypatch):
    cache, _ = smoke
    for path in entries(cache):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(fgcourse, "__version__", fgcourse.__version__ + ".other")
    assert run_grid("smoke", tmp_path, progress=False).attrs["computed"] == 8
    # An old entry copied under a current entry's name is refused by the key it stores.
    old = json.loads(entries(cache)[0].read_text())
    batch = get_grid("smoke").batches()[0]
    (tmp_path / f"{batch.digest()}.json").write_text(json.dumps(old))
    assert run_grid("smoke", tmp_path, progress=False).attrs["computed"] == 1


def test_a_batch_key_holds_the_configuration_and_the_version():
    first, second = make_grid(["sphere"], dims=(2,), optimizers=["sgd"], gradients=["true"]).batches()[0], \
        make_grid(["sphere"], dims=(2,), optimizers=["sgd"], gradients=["true"], lr=0.02).batches()[0]
    assert first.key()["version"] == fgcourse.__version__
    assert first.digest() != second.digest()
    assert first.digest() == make_grid(["sphere"], dims=(2,), optimizers=["sgd"], gradients=["true"]).batches()[0] \
        .digest()


# ---------------------------------------------------------------------------- the backends

def test_two_joblib_workers_give_the_same_table(smoke, tmp_path):
    _, table = smoke
    parallel = run_grid("smoke", tmp_path, n_jobs=2, progress=False)
    # exact: each batch is one computation whatever process runs it (the workers share the machine's kernels)
    pd.testing.assert_frame_equal(without_wall_time(parallel), without_wall_time(table), check_exact=True)


def test_the_dask_backend_on_a_local_cluster_gives_the_same_table(smoke, tmp_path):
    from distributed import LocalCluster

    _, table = smoke
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        distributed = run_grid("smoke", tmp_path, n_jobs=2, backend="dask", scheduler=cluster.scheduler_address,
                               progress=False)
    assert distributed.attrs["computed"] == 8
    # exact: the same batches, computed by the same code in this process's threads
    pd.testing.assert_frame_equal(without_wall_time(distributed), without_wall_time(table), check_exact=True)


def test_the_dask_backend_starts_a_local_cluster_when_no_scheduler_is_given(tmp_path):
    grid = make_grid(["sphere"], dims=(2,), optimizers=["sgd"], max_iter=50, num_starts=2, num_repeats=2)
    distributed = run_grid(grid, tmp_path / "dask", backend="dask", progress=False)
    local = run_grid(grid, tmp_path / "joblib", progress=False)
    # exact: the same batches on the same machine
    pd.testing.assert_frame_equal(without_wall_time(distributed), without_wall_time(local), check_exact=True)


def test_a_worker_running_another_library_version_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "compute_batch", lambda batch: {**compute_batch(batch), "version": "0.0.1"})
    with pytest.raises(ValueError) as excinfo:
        run_grid("smoke", tmp_path, progress=False)
    assert_names_argument(excinfo, "scheduler", "0.0.1", fgcourse.__version__)
    assert not entries(tmp_path)


def test_an_unreachable_scheduler_is_a_clear_error_within_the_timeout(tmp_path):
    began = time.perf_counter()
    with pytest.raises(ValueError) as excinfo:
        run_grid("smoke", tmp_path, backend="dask", scheduler="tcp://127.0.0.1:9", timeout=1, progress=False)
    assert time.perf_counter() - began < 10
    assert_names_argument(excinfo, "scheduler", "tcp://127.0.0.1:9", "could not be reached within 1 s")
    assert not entries(tmp_path)


# ----------------------------------------------------------------------------- bad input

SMOKE_BATCH = get_grid("smoke").batches()[0]

BAD_GRIDS = [
    (lambda: make_grid(["sphre"]), "functions[0]", "did you mean 'sphere'"),
    (lambda: make_grid([3]), "functions[0]", "int"),
    (lambda: make_grid("sphere"), "functions", "sequence"),
    (lambda: make_grid([]), "functions", "at least 1"),
    (lambda: make_grid([("beale", 3)]), "functions[0]", "n = 2 only"),
    (lambda: make_grid([("rosenbrock", 1)]), "functions[0]", "n >= 2"),
    (lambda: make_grid([("rosenbrock", 2, 3)]), "functions[0]", "at most 2"),
    (lambda: make_grid([("rosenbrok", 2)]), "functions[0][0]", "did you mean 'rosenbrock'"),
    (lambda: make_grid(["rosenbrock"], dims=(1, 2)), "functions[0]", "n >= 2"),
    (lambda: make_grid(["sphere"], dims=(0,)), "dims[0]", ">= 1"),
    (lambda: make_grid(["sphere"], dims=(2.0,)), "dims[0]", "float"),
    (lambda: make_grid(["sphere"], dims=(True,)), "dims[0]", "bool"),
    (lambda: make_grid(["sphere"], optimizers=["adm"]), "optimizers[0]", "did you mean 'adam'"),
    (lambda: make_grid(["sphere"], gradients=["backward"]), "gradients[0]", "'forward'"),
    (lambda: make_grid(["sphere"], lr=0), "lr", "> 0"),
    (lambda: make_grid(["sphere"], lr=1j), "lr", "complex"),
    (lambda: make_grid(["sphere"], max_iter=True), "max_iter", "bool"),
    (lambda: make_grid(["sphere"], num_starts=0), "num_starts", ">= 1"),
    (lambda: make_grid(["sphere"], num_repeats=2.5), "num_repeats", "float"),
    (lambda: make_grid(["sphere"], eps=-0.1), "eps", "> 0"),
    (lambda: make_grid(["sphere"], law="gauss"), "law", "did you mean 'gaussian'"),
    (lambda: make_grid(["sphere"], B=0), "B", ">= 1"),
    (lambda: make_grid(["sphere"], seed=-1), "seed", ">= 0"),
    (lambda: make_grid(["sphere"], stop_at_target="yes"), "stop_at_target", "True or False"),
    (lambda: get_grid("smok"), "grid", "did you mean 'smoke'"),
    (lambda: compute_batch(None), "batch", "a Batch"),
    (lambda: compute_batch(get_grid("smoke")), "batch", "Grid"),
    (lambda: replace(SMOKE_BATCH, num_starts=0), "num_starts", ">= 1"),
    (lambda: replace(SMOKE_BATCH, num_repeats=True), "num_repeats", "bool"),
    (lambda: replace(SMOKE_BATCH, function="Sphere"), "function", "did you mean 'sphere'"),
    (lambda: replace(SMOKE_BATCH, function="beale", n=3), "n", "n = 2 only"),
    (lambda: replace(SMOKE_BATCH, optimizer="Adam"), "optimizer", "did you mean 'adam'"),
    (lambda: replace(SMOKE_BATCH, gradient="backprop"), "gradient", "'forward'"),
    (lambda: replace(SMOKE_BATCH, lr=float("nan")), "lr", "nan"),
    (lambda: replace(SMOKE_BATCH, law=None), "law", "NoneType"),
    (lambda: replace(SMOKE_BATCH, seed="0"), "seed", "str"),
    (lambda: replace(SMOKE_BATCH, stop_at_target=1), "stop_at_target", "True or False"),
    (lambda: starts("sphere", 10**12, 0, 1), "n", "<= 100000000"),
    (lambda: starts("sphere", 1000, 0, 10**6), "num_starts", "<= 100000"),
]


@pytest.mark.parametrize("call, name, word", BAD_GRIDS)
def test_a_bad_grid_fails_before_any_work_with_the_accepted_names(call, name, word):
    assert_refused(call, name, word)


@pytest.mark.parametrize("value", NOT_COUNTS)
def test_n_jobs_is_a_count(value, tmp_path):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        run_grid("smoke", tmp_path / "cache", n_jobs=value)
    assert_names_argument(excinfo, "n_jobs")
    assert not (tmp_path / "cache").exists(), "nothing is created before the arguments are checked"


BAD_RUNS = [
    (dict(grid="smok"), "grid", "did you mean 'smoke'"),
    (dict(grid=3), "grid", "a Grid"),
    (dict(n_jobs=0), "n_jobs", ">= 1"),
    (dict(n_jobs=10**12), "n_jobs", "<= 1024"),
    (dict(backend="dsk"), "backend", "did you mean 'dask'"),
    (dict(scheduler="tcp://127.0.0.1:8786"), "scheduler", "backend='dask'"),
    (dict(backend="dask", scheduler=8786), "scheduler", "int"),
    (dict(timeout=0), "timeout", "> 0"),
    (dict(progress="no"), "progress", "True or False"),
    (dict(cache=3), "cache", "directory path"),
]


@pytest.mark.parametrize("arguments, name, word", BAD_RUNS)
def test_bad_arguments_of_run_grid_are_refused_before_any_work(arguments, name, word, tmp_path):
    arguments = {"grid": "smoke", "cache": tmp_path / "cache", **arguments}
    with pytest.raises((TypeError, ValueError)) as excinfo:
        run_grid(**arguments)
    assert_names_argument(excinfo, name, word)
    assert not (tmp_path / "cache").exists()


def test_a_cache_that_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError) as excinfo:
        run_grid("smoke", tmp_path / "file", progress=False)
    assert_names_argument(excinfo, "cache", "writable directory", "not a directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_cache_is_a_clear_error(tmp_path):
    tmp_path.joinpath("ro").mkdir(mode=0o500)
    with pytest.raises(ValueError) as excinfo:
        run_grid("smoke", tmp_path / "ro", progress=False)
    assert_names_argument(excinfo, "cache", "writable directory", "ermission denied")


def test_a_cache_under_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError) as excinfo:
        run_grid("smoke", tmp_path / "file" / "cache", progress=False)
    assert_names_argument(excinfo, "cache", "writable directory")


# ---------------------------------------------------------------------------- the command

def test_the_command_runs_the_grid_writes_the_csv_and_ends_with_the_counts(smoke, tmp_path, capsys):
    _, table = smoke
    out = tmp_path / "smoke.csv.gz"
    arguments = ["run", "--grid", "smoke", "--cache", str(tmp_path / "cache"), "--jobs", "2", "--no-progress",
                 "--out", str(out)]
    assert command.main(arguments) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "computed 8, cached 0"
    assert command.main(arguments) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "computed 0, cached 8"
    stored = pd.read_csv(out)
    # exact: written in the shortest digits that round-trip (repr) and parsed back to the same doubles
    pd.testing.assert_frame_equal(without_wall_time(stored), without_wall_time(table), check_exact=True)


def test_the_command_reports_bad_input_as_an_error_line(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert command.main(["run", "--grid", "smoke", "--cache", str(tmp_path / "file")]) == 2
    assert capsys.readouterr().err.startswith("error: cache must be a writable directory")
    with pytest.raises(SystemExit):
        command.main(["run", "--grid", "smok", "--cache", str(tmp_path)])
    assert "invalid choice: 'smok'" in capsys.readouterr().err


def test_python_dash_m_runs_the_command(tmp_path):
    environment = {**os.environ, "PYTHONPATH": ROOT}
    done = subprocess.run([sys.executable, "-m", "fgcourse.experiments", "run", "--grid", "smoke", "--cache",
                           str(tmp_path), "--jobs", "1"], capture_output=True, text=True, env=environment,
                          timeout=120, check=True)
    assert done.stdout.splitlines()[-1] == "computed 8, cached 0"
    assert "batches" in done.stderr, "the progress bar goes to stderr"
