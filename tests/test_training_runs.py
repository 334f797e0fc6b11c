"""Tests of fgcourse.training.runs: stored runs, their format, T_f / T_b and the rerun of stored data."""

from __future__ import annotations

import numpy as np
import pytest
from strategies import assert_names_argument, digits, small_model, small_split, small_table

from fgcourse import training as tr

SPLIT = digits()
SMALL = small_model()


def test_run_table_roundtrip(tmp_path):
    table = small_table()
    tr.save_runs(tmp_path / "runs.npz", table)
    again = tr.load_runs(tmp_path / "runs.npz")
    for key in tr.RUN_COLUMNS + tr.ROW_COLUMNS:
        assert np.array_equal(getattr(again, key), getattr(table, key))  # exact: stored and read back
    assert list(again.select(gradient="forward")) == [2, 3]
    assert again.setting(0) == tr.Setting("small", "sgd", 0.1, "true", "", 1, 20)
    assert list(again.history(3)["nit_path"]) == [0, 5, 10, 15, 20]
    both = tr.concatenate_tables([table, table])
    assert both.num_runs == 8 and list(both.history(7)["val_loss"]) == list(table.history(3)["val_loss"])


def test_a_run_table_has_the_names_of_a_train_result_and_refuses_the_old_format(tmp_path):
    from fgcourse.stored import StoredDataError

    table, result = small_table(), tr.train(SMALL, small_split(), "sgd", 0.1, rng=0, max_iter=20, batch_size=8,
                                             eval_every=5)
    assert all(hasattr(result, key) for key in tr.ROW_COLUMNS[1:])  # no hand-made mapping between the two
    assert tr.RUNS_FORMAT == "fgcourse runs 2"
    old = {key: getattr(table, key) for key in tr.RUN_COLUMNS + tr.ROW_COLUMNS}
    for name, renamed in (("step", "nit_path"), ("ngev", "ngev_path"), ("njvp", "njvp_path")):
        old[name] = old.pop(renamed)
    np.savez_compressed(tmp_path / "runs.npz", format=np.array("fgcourse runs 1"), **old)
    with pytest.raises(StoredDataError, match=r"'fgcourse runs 1', this version reads 'fgcourse runs 2'.*"
                                              r"regenerate it with `make training-data`"):
        tr.load_runs(tmp_path / "runs.npz")


def test_the_ratio_is_one_where_both_runs_are_at_their_best_from_the_start():
    # T_b = 0: backprop never went below its starting loss; a forward run there from the start is as
    # fast (1), one that gets there later is infinitely slower, and no ratio is NaN
    reach = tr.TimeToReach(seeds=np.arange(4), best_loss=np.ones(4), T_b=np.array([0.0, 0.0, 2.0, 2.0]),
                           T_f=np.array([0.0, 3.0, 1.0, np.inf]))
    with np.errstate(all="raise"):
        assert list(reach.ratio) == [1.0, np.inf, 0.5, np.inf]  # exact: 1, 1/0 and 1/2 are exact
    assert tr.describe_ratio(reach) == "∞ [0.50, ∞] (2/4 reached)"


def test_time_to_reach_is_infinite_when_never_reached():
    table = small_table()
    reach = tr.time_to_reach(table, "small", "sgd", 0.1, "forward", "gaussian")
    assert list(reach.seeds) == [0, 1]
    for i, seed in enumerate(reach.seeds):
        back = table.history(table.select(gradient="true", seed=seed)[0])
        fwd = table.history(table.select(gradient="forward", seed=seed)[0])
        k = np.argmin(back["val_loss"])
        assert reach.T_b[i] == back["seconds"][k]  # exact: a stored time, picked, not computed
        hit = np.flatnonzero(fwd["val_loss"] <= back["val_loss"][k])
        assert reach.T_f[i] == (fwd["seconds"][hit[0]] if hit.size else np.inf)
    with pytest.raises(ValueError) as excinfo:
        tr.time_to_reach(table, "small", "adam", 0.1, "forward", "gaussian")
    assert_names_argument(excinfo, "table", "got no pair")


@pytest.mark.simd
def test_stored_runs_are_what_the_library_computes():
    """The first rows of stored runs, rerun: a change of the library that changes the numbers makes
    data/training stale (regenerate it with `make training-data`).

    The losses are compared to rounding, not bit for bit: the stored ones were computed on one
    machine, and another one's BLAS and numpy kernels (AVX-512, AVX2, SSE4.2, NEON) round each
    matrix product and exp/log differently."""
    from pathlib import Path

    table = tr.load_runs(Path(__file__).resolve().parents[1] / "data" / "training" / "runs.npz")
    for gradient, law, B in [("activity", "gaussian", 5), ("forward", "rademacher", 1)]:
        run = table.select(model="mlp", optimizer="sgd", lr=0.003, gradient=gradient, law=law, B=B, seed=1)[0]
        stored = table.history(run)
        live = tr.train("mlp", SPLIT, "sgd", 0.003, gradient=gradient, law=law, B=B, rng=1, max_iter=2 * (50 // B),
                        eval_every=50 // B)
        rows = live.nit_path.size
        # At most 100 SGD steps of 64-wide matrix products, each rounding ~1e-16: measured 1.8e-16 between the
        # SSE4.2 and AVX2 levels, 3.5e-16 after a 1e-15 relative change of θ_0 (rounding does not grow over the
        # steps). rtol 1e-12 leaves a margin of thousands for other kernels; a change of the algorithm shows far
        # above it (the losses move by ~1e-2 between two stored rows).
        np.testing.assert_allclose(live.val_loss, stored["val_loss"][:rows], rtol=1e-12, atol=0)
        np.testing.assert_array_equal(live.njvp_path, stored["njvp_path"][:rows])  # exact: integer counts



def _subset(table, picked):
    """The runs ``picked`` of ``table``, in that order, as a RunTable of their own."""
    from dataclasses import fields

    columns = {key: getattr(table, key)[picked] for key in tr.RUN_COLUMNS}
    rows = {key: [] for key in tr.ROW_COLUMNS}
    for new, run in enumerate(picked):
        mine = table.run == run
        rows["run"].append(np.full(int(mine.sum()), new))
        for key in tr.ROW_COLUMNS[1:]:
            rows[key].append(getattr(table, key)[mine])
    columns.update({key: np.concatenate(values) for key, values in rows.items()})
    return tr.RunTable(**{field.name: columns[field.name] for field in fields(tr.RunTable)})


@pytest.mark.simd
def test_level_drift_compares_each_run_with_its_copy_whatever_the_order_and_counts_the_runs_without_one():
    from strategies import assert_refused

    table = small_table()
    same = tr.level_drift(table, table, steps=(5, 20))
    assert (same.num_runs, same.num_unmatched, same.num_status, same.num_nit, same.num_accuracy_rows) == (4, 0, 0, 0, 0)
    assert np.all(same.max_rel == 0.0)  # exact: each run compared with itself
    # A copy of two of the runs, in the other order, with one loss moved by a relative 1e-6 at step 5.
    copy = _subset(table, [3, 1])
    row = np.flatnonzero((copy.run == 0) & (copy.nit_path == 5))[0]
    copy.val_loss[row] *= 1 + 1e-6
    drift = tr.level_drift(table, copy, steps=(5, 20))
    assert (drift.num_runs, drift.num_unmatched) == (2, 2)
    assert drift.groups == (("small", "sgd", 0.1),)
    assert drift.max_rel[0, 0] == pytest.approx(1e-6, rel=1e-6) and drift.max_rel[0, 1] == 0.0
    assert str(drift).startswith("2 runs (2 other runs have no copy): status differs in 0")
    assert_refused(lambda: tr.level_drift(copy, table), "other", "2 runs that table lacks")
    assert_refused(lambda: tr.level_drift(table, _subset(table, [1, 1])), "other", "twice")
