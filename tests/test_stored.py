"""Tests of fgcourse.stored, and of the stored-data readers and rerun checks built on it
(experiments.load_table / check_rerun, training.load_runs / load_costs / check_rerun)."""

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import assert_names_argument, assert_refused, float_arrays

from fgcourse import training as tr
from fgcourse.experiments import RERUN_TOLERANCES, check_rerun, get_grid, load_table, quick_batches, run_grid
from fgcourse.stored import (
    Comparison,
    RerunMismatch,
    StoredDataError,
    Tolerance,
    check_format,
    compare_rerun,
    read_stored,
)

ROOT = Path(__file__).resolve().parents[1]


# --- compare_rerun -----------------------------------------------------------------------------

@given(float_arrays)
def test_a_table_matches_itself_exactly_and_reports_zero(x):
    comparison = compare_rerun({"f": x, "k": np.arange(x.size)}, {"f": x.copy(), "k": np.arange(x.size)},
                               close={"f": Tolerance(1e-12)})
    assert comparison.check() is comparison
    assert comparison.max_rel == 0.0 and all(d.max_abs == 0.0 for d in comparison.deviations)


@given(float_arrays, st.floats(1e-15, 1e-3), st.floats(0.0, 0.99))
def test_a_perturbation_within_the_bound_passes_and_is_reported(x, rtol, fraction):
    fresh = x + fraction * rtol * np.abs(x)
    deviation = compare_rerun({"f": fresh}, {"f": x}, close={"f": (rtol, 0.0)}).check().deviations[0]
    expected = np.max(np.abs(fresh - x)[x != 0] / np.abs(x[x != 0]), initial=0.0)
    assert deviation.max_rel == pytest.approx(expected, rel=1e-9, abs=1e-300)
    assert deviation.max_rel <= rtol * (1 + 1e-12)


@given(float_arrays.filter(lambda x: np.any(np.abs(x) > 1e-3)), st.floats(1e-12, 1e-3))
def test_a_perturbation_beyond_the_bound_fails_naming_the_quantity_the_deviation_and_the_bound(x, rtol):
    worst = int(np.argmax(np.abs(x)))
    fresh = x.copy()
    fresh[worst] *= 1 + 3 * rtol
    with pytest.raises(RerunMismatch) as excinfo:
        compare_rerun({"loss": fresh}, {"loss": x}, close={"loss": (rtol, 0.0)}, what="demo").check()
    text = str(excinfo.value)
    assert text.startswith("demo: the rerun does not match") and "loss differs" in text
    assert f"{3 * rtol:.2e}"[:3] in text and f"{rtol:g}·|stored|" in text and f"index {worst}" in text


def test_discrete_outcomes_are_compared_exactly_whatever_the_tolerances():
    stored = pd.DataFrame({"status": ["max_iter", "diverged"], "nit": [2000, 17], "f": [0.5, np.inf]})
    fresh = stored.assign(nit=[2000, 18])
    with pytest.raises(RerunMismatch, match=r"nit must match the stored values exactly; 1 of 2 differ, the first "
                                            r"at index 1: fresh 18, stored 17"):
        compare_rerun(fresh, stored, close={"f": (1e-6, 0)}).check()
    with pytest.raises(RerunMismatch, match="status must match"):
        compare_rerun(stored.assign(status=["max_iter", "non_finite"]), stored).check()


def test_inf_and_nan_must_sit_at_the_same_places():
    stored = {"f": np.array([1.0, np.inf, np.nan])}
    compare_rerun({"f": np.array([1.0, np.inf, np.nan])}, stored, close={"f": (1e-9, 0)}).check()
    for fresh in ([1.0, np.nan, np.nan], [1.0, np.inf, 2.0], [1.0, -np.inf, np.nan]):
        with pytest.raises(RerunMismatch, match="inf or NaN exactly where"):
            compare_rerun({"f": np.array(fresh)}, stored, close={"f": (1e-9, 0)}).check()


def test_without_a_tolerance_floats_must_be_identical():
    with pytest.raises(RerunMismatch, match="f must match the stored values exactly"):
        compare_rerun({"f": [1.0 + 2**-52]}, {"f": [1.0]}).check()


def test_an_absolute_bound_covers_values_near_zero():
    compare_rerun({"f": [1e-20]}, {"f": [0.0]}, close={"f": (1e-9, 1e-12)}).check()
    with pytest.raises(RerunMismatch):
        compare_rerun({"f": [1e-20]}, {"f": [0.0]}, close={"f": (1e-9, 0.0)}).check()


def test_the_printed_report_names_every_quantity_its_largest_deviation_and_its_bound():
    comparison = compare_rerun({"k": [1, 2], "f": [1.0, 2.0 * (1 + 1e-13)], "w": [5.0, 6.0]},
                               {"k": [1, 2], "f": [1.0, 2.0], "w": [0.0, 0.0]}, close={"f": (1e-9, 0)},
                               ignore=["w"], what="two runs")
    text = str(comparison)
    assert text.splitlines()[0] == "two runs: rerun against the stored data"
    assert "exact: k identical" in text and "w" not in text.split("\n", 1)[1]
    assert "f: 2 values, largest deviation 1.0e-13 relative (2.0e-13 absolute); bound 1e-09 relative" in text


def test_every_stored_quantity_must_be_in_the_rerun_and_shapes_must_agree():
    with pytest.raises(ValueError, match=r"missing \['g'\]"):
        compare_rerun({"f": [1.0]}, {"f": [1.0], "g": [2.0]})
    with pytest.raises(ValueError, match=r"not stored \['h'\]"):
        compare_rerun({"f": [1.0], "h": [1]}, {"f": [1.0]})
    with pytest.raises(ValueError, match=r"fresh\['f'\] must have the stored shape \(2,\), got \(1,\)"):
        compare_rerun({"f": [1.0]}, {"f": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"close must name compared quantities"):
        compare_rerun({"f": [1.0]}, {"f": [1.0]}, close={"g": (1e-9, 0)})


@pytest.mark.parametrize("call, name, words", [
    (lambda: compare_rerun([1.0], {"f": [1.0]}), "fresh", ("mapping",)),
    (lambda: compare_rerun({"f": [1.0]}, "table"), "stored", ("mapping",)),
    (lambda: compare_rerun({"f": [1.0]}, {"f": [1.0]}, close=[("f", 1e-9)]), "close", ("mapping",)),
    (lambda: compare_rerun({"f": [1.0]}, {"f": [1.0]}, close={"f": 1e-9}), "close['f']", ("Tolerance",)),
    (lambda: compare_rerun({"f": [1.0]}, {"f": [1.0]}, close={"f": (1e-9,)}), "close['f']", ("pair",)),
    (lambda: compare_rerun({"f": [1.0]}, {"f": [1.0]}, ignore="f"), "ignore", ("sequence",)),
    (lambda: compare_rerun({"f": [1.0]}, {"f": [1.0]}, what=3), "what", ("string",)),
    (lambda: Tolerance(-1e-9), "rtol", (">= 0",)),
    (lambda: Tolerance(1e-9, float("nan")), "atol", ("finite",)),
    (lambda: read_stored(3, pd.read_csv, "make experiments"), "path", ("file path",)),
    (lambda: read_stored("x.csv", "read", "make experiments"), "read", ("callable",)),
    (lambda: read_stored("x.csv", pd.read_csv, None), "regenerate", ("command",)),
])
def test_bad_arguments_are_named(call, name, words):
    assert_refused(call, name, *words)


# --- reading stored files ----------------------------------------------------------------------

def test_a_missing_file_names_itself_and_its_command(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"missing\.csv is missing: regenerate it with `make experiments`"):
        read_stored(tmp_path / "missing.csv", pd.read_csv, "make experiments")


@pytest.mark.parametrize("keep", [0, 30, 5000])
def test_a_truncated_table_names_itself_and_its_command(tmp_path, keep):
    path = tmp_path / "paper.csv.gz"
    path.write_bytes((ROOT / "data" / "paper.csv.gz").read_bytes()[:keep])
    with pytest.raises(StoredDataError, match=r"paper\.csv\.gz cannot be read, it may be truncated or damaged .*"
                                              r"regenerate it with `make experiments`"):
        load_table(path)


def test_a_table_of_another_grid_or_version_is_refused(tmp_path):
    table = pd.read_csv(ROOT / "data" / "paper.csv.gz")
    path = tmp_path / "old.csv.gz"
    table.iloc[:-3].to_csv(path, index=False)
    with pytest.raises(StoredDataError, match=r"does not hold the runs of the 'paper' grid .* 3 runs missing, 0 not "
                                              r"in the grid, 0 repeated .* `make experiments`"):
        load_table(path)
    pd.concat([table, table.iloc[:1]]).to_csv(path, index=False)
    with pytest.raises(StoredDataError, match="1 repeated"):
        load_table(path)
    table.drop(columns="t").to_csv(path, index=False)
    with pytest.raises(StoredDataError, match=r"another version of fgcourse: it lacks the columns \['t'\]"):
        load_table(path)


def test_the_stored_table_is_the_paper_grid():
    table = load_table(ROOT / "data" / "paper.csv.gz")
    assert len(table) == get_grid("paper").num_runs == 11640


@pytest.mark.parametrize("reader, name", [(tr.load_runs, "runs.npz"), (tr.load_costs, "costs.npz")])
def test_training_files_missing_truncated_or_unstamped_are_explained(tmp_path, reader, name):
    with pytest.raises(FileNotFoundError, match=f"{name} is missing: regenerate it with `make training-data`"):
        reader(tmp_path / name)
    original = (ROOT / "data" / "training" / name).read_bytes()
    for keep in (0, 100, len(original) // 2):
        (tmp_path / name).write_bytes(original[:keep])
        with pytest.raises(StoredDataError, match=f"{name} cannot be read, it may be truncated .*make training-data"):
            reader(tmp_path / name)
    with np.load(ROOT / "data" / "training" / name) as stored:
        np.savez_compressed(tmp_path / name, **{k: stored[k] for k in stored.files if k != "format"})
    with pytest.raises(StoredDataError, match=r"written by another version of fgcourse \(format stamp 'none'"):
        reader(tmp_path / name)


def test_check_format_accepts_only_its_stamp(tmp_path):
    np.savez(tmp_path / "a.npz", format=np.array("fgcourse runs 1"))
    with np.load(tmp_path / "a.npz") as stored:
        check_format(stored, "fgcourse runs 1")
        with pytest.raises(StoredDataError, match="'fgcourse runs 1', this version reads 'fgcourse runs 2'"):
            check_format(stored, "fgcourse runs 2")


def test_a_gzip_file_that_is_not_a_table_is_explained(tmp_path):
    path = tmp_path / "paper.csv.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"\x00\x01\x02 not a table")
    with pytest.raises(StoredDataError, match="regenerate it with `make experiments`"):
        load_table(path)


# --- rerun checks -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    return run_grid("smoke", tmp_path_factory.mktemp("cache"), progress=False)


@pytest.mark.simd
def test_check_rerun_of_the_smoke_grid_matches_and_reports_each_column(smoke):
    comparison = check_rerun(smoke, get_grid("smoke"), [1, 6])
    assert isinstance(comparison, Comparison) and comparison.success
    assert [d.quantity for d in comparison.deviations if d.tolerance is not None] == list(RERUN_TOLERANCES)
    assert {d.quantity for d in comparison.deviations if d.tolerance is None} >= {"status", "nit", "t", "n"}


def test_check_rerun_names_a_column_that_moved_beyond_its_bound(smoke):
    tampered = smoke.copy()
    tampered.loc[:, "f_start"] = tampered.f_start * (1 + 1e-9)
    with pytest.raises(RerunMismatch, match=r"f_start differs from the stored values by up to 1\.00e-09 relative"):
        check_rerun(tampered, get_grid("smoke"), [1])
    tampered = smoke.copy()
    tampered.loc[:, "nit"] = tampered.nit + 1
    with pytest.raises(RerunMismatch, match="nit must match the stored values exactly"):
        check_rerun(tampered, get_grid("smoke"), [1])


def test_quick_batches_are_those_below_the_wall_time(smoke):
    every = quick_batches(smoke, "smoke", max_seconds=1e9)
    assert every == list(range(len(get_grid("smoke").batches())))
    assert quick_batches(smoke, "smoke", max_seconds=1e-12) == []


@pytest.mark.simd
def test_training_check_rerun_matches_a_stored_run_and_names_a_tampered_loss():
    runs, split = tr.load_runs(ROOT / "data" / "training" / "runs.npz"), tr.digits_split()
    run = int(runs.select(model="softmax", optimizer="sgd", lr=0.03, gradient="true", seed=0)[0])
    comparison = tr.check_rerun(runs, split, run, max_iter=100)
    assert comparison.success and [d.size for d in comparison.deviations] == [3] * 6
    columns = {name: getattr(runs, name) for name in tr.RunTable.__dataclass_fields__}
    columns["val_loss"] = columns["val_loss"] * (1 + 1e-5)
    with pytest.raises(RerunMismatch, match=r"val_loss differs from the stored values by up to 1\.00e-05 relative"):
        tr.check_rerun(tr.RunTable(**columns), split, run, max_iter=100)


@pytest.mark.parametrize("call, name, words", [
    (lambda r, s: tr.check_rerun("runs", s, 0), "table", ("RunTable",)),
    (lambda r, s: tr.check_rerun(r, None, 0), "data", ("Split",)),
    (lambda r, s: tr.check_rerun(r, s, 575), "run", ("<= 574",)),
    (lambda r, s: tr.check_rerun(r, s, 0, max_iter=75), "max_iter", ("multiple", "50")),
    (lambda r, s: tr.check_rerun(r, s, 0, max_iter=10**6), "max_iter", ("<=",)),
])
def test_training_check_rerun_names_bad_arguments(call, name, words):
    runs, split = tr.load_runs(ROOT / "data" / "training" / "runs.npz"), tr.digits_split()
    with pytest.raises((TypeError, ValueError)) as excinfo:
        call(runs, split)
    assert_names_argument(excinfo, name, *words)


def test_stable_batches_drop_a_batch_whose_outcome_or_values_moved(smoke):
    from fgcourse.experiments import STABLE_RTOL, level_drift, stable_batches

    grid = get_grid("smoke")
    every = list(range(len(grid.batches())))
    assert stable_batches(smoke, smoke.copy(), grid) == every
    batches = grid.batches()
    moved = smoke.copy()
    first = (moved.function == batches[1].function) & (moved.optimizer == batches[1].optimizer) & (
        moved.gradient == batches[1].gradient) & (moved.n == batches[1].n)
    moved.loc[first, "f_final"] = moved.loc[first, "f_final"] * (1 + 100 * STABLE_RTOL)
    assert stable_batches(smoke, moved, grid) == [i for i in every if i != 1]
    assert stable_batches(smoke, moved, grid, rtol=1e-6) == every
    counted = smoke.copy()
    counted.loc[first, "nit"] = counted.loc[first, "nit"] - 1
    assert stable_batches(smoke, counted, grid, rtol=1.0) == [i for i in every if i != 1]
    drift = level_drift(smoke, counted)
    assert drift.num_differ == {"status": 0, "nit": int(first.sum()), "t": 0} and len(drift.differing) == first.sum()
    with pytest.raises(ValueError, match="other must hold the same runs"):
        stable_batches(smoke, smoke.iloc[:-1], grid)
