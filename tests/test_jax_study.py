"""fgcourse.jax.study: runs on a small MLP, the table's storage and readings, bad input.

The study's own network (64-1024-1024-10) runs in the notebook *Forward gradients in practice*,
which reruns a slice of the stored runs; here a 64-16-10 network keeps every test in seconds.
"""

import math

import numpy as np
import pytest

pytest.importorskip("jax", reason='fgcourse.jax needs the jax extra: pip install "fgcourse[jax]" (make env has it)')

from strategies import assert_refused  # noqa: E402

from fgcourse.jax.study import (  # noqa: E402
    STUDY_SETTINGS,
    Setting,
    StudyTable,
    load_study,
    save_study,
    step_seconds,
    time_ratio,
    train_run,
)
from fgcourse.stored import StoredDataError  # noqa: E402
from fgcourse.training import digits_split  # noqa: E402

SPLIT = digits_split()


def test_backprop_sgd_learns_and_a_forward_gradient_at_a_huge_rate_diverges_and_stops():
    train, val, accuracy = train_run(SPLIT, Setting("sgd", 0.1, "true"), "gaussian", 0, 200, 50, hidden=(16,))
    assert np.all(np.isfinite(train)) and val[-1] < val[0] and accuracy[-1] > 0.5
    train, val, accuracy = train_run(SPLIT, Setting("sgd", 1e4, "forward"), "gaussian", 0, 200, 50, hidden=(16,))
    assert not np.isfinite(train[-1]) and np.isnan(accuracy[-1])
    # once diverged, nothing more is recorded
    first = int(np.argmax(~np.isfinite(train)))
    assert np.all(np.isnan(val[first:]))


def test_a_run_is_a_function_of_its_seed():
    a = train_run(SPLIT, Setting("adam", 1e-3, "forward"), "gaussian", 3, 20, 10, hidden=(16,))
    b = train_run(SPLIT, Setting("adam", 1e-3, "forward"), "gaussian", 3, 20, 10, hidden=(16,))
    c = train_run(SPLIT, Setting("adam", 1e-3, "forward"), "gaussian", 4, 20, 10, hidden=(16,))
    np.testing.assert_array_equal(a[0], b[0])  # one process, one program, one seed: the same floats
    assert not np.allclose(a[0], c[0])


def test_the_study_has_two_rates_per_optimizer_for_both_gradients():
    assert len(STUDY_SETTINGS) == 8
    assert {(s.optimizer, s.gradient) for s in STUDY_SETTINGS} == {(o, g) for o in ("sgd", "adam")
                                                                    for g in ("true", "forward")}


def _table(forward_curve, true_curve, forward_seconds=0.03, true_seconds=0.01):
    curves = [true_curve, forward_curve]
    return StudyTable(np.array(["sgd", "sgd"]), np.array([0.1, 0.1]), np.array(["true", "forward"]), np.array([0, 0]),
                      np.array([100, 200, 300]), np.array(curves, float), np.array(curves, float),
                      np.full((2, 3), 0.5), forward_seconds, true_seconds)


def test_time_ratio_follows_the_source_definition():
    # backprop's lowest validation loss 0.5 at step 200; the forward gradient reaches it at step 300
    ratio, T_b, T_f = time_ratio(_table([2.0, 1.0, 0.4], [1.0, 0.5, 0.6]), "sgd", 0.1)
    assert T_b == pytest.approx(200 * 0.01) and T_f == pytest.approx(300 * 0.03) and ratio == pytest.approx(4.5)
    ratio, _, T_f = time_ratio(_table([2.0, 1.0, 0.9], [1.0, 0.5, 0.6]), "sgd", 0.1)
    assert math.isinf(T_f) and math.isinf(ratio)
    with pytest.raises(ValueError, match="no run"):
        time_ratio(_table([2.0, 1.0, 0.9], [1.0, 0.5, 0.6]), "adam", 0.1)


def test_the_table_round_trips_and_a_damaged_file_names_the_command(tmp_path):
    table = _table([2.0, 1.0, np.nan], [1.0, 0.5, 0.6])
    save_study(tmp_path / "study.npz", table)
    back = load_study(tmp_path / "study.npz")
    np.testing.assert_array_equal(back.train_loss, table.train_loss)
    assert back.diverged.tolist() == [False, True]
    assert back.settings() == [("sgd", 0.1, "true"), ("sgd", 0.1, "forward")]
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(StoredDataError, match="make jax-data"):
        load_study(tmp_path / "bad.npz")
    with pytest.raises(FileNotFoundError, match="make jax-data"):
        load_study(tmp_path / "missing.npz")


@pytest.mark.parametrize("call, name", [
    (lambda: Setting("rmsprop", 0.1, "true"), "optimizer"),
    (lambda: Setting("sgd", -0.1, "true"), "lr"),
    (lambda: Setting("sgd", 0.1, "backprop"), "gradient"),
    (lambda: train_run(SPLIT, Setting("sgd", 0.1, "true"), "gaussian", -1, 10, 5), "seed"),
    (lambda: train_run(SPLIT, Setting("sgd", 0.1, "true"), "gaussian", 0, 0, 5), "iterations"),
    (lambda: train_run(SPLIT, Setting("sgd", 0.1, "true"), "normal", 0, 10, 5), "law"),
    (lambda: train_run(SPLIT, Setting("sgd", 0.1, "true"), "gaussian", 0, 10, 5, hidden=(0,)), "hidden[0]"),
    (lambda: train_run(None, Setting("sgd", 0.1, "true"), "gaussian", 0, 10, 5), "data"),
    (lambda: train_run(SPLIT, ("sgd", 0.1, "true"), "gaussian", 0, 10, 5), "setting"),
    (lambda: step_seconds(SPLIT, rng=-1), "rng"),
])
def test_bad_arguments_are_refused_with_the_message_contract(call, name):
    assert_refused(call, name)
