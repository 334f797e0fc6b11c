"""Tests of fgcourse.training.loop: train, its history, statuses and bad input."""

from __future__ import annotations

import time

import numpy as np
import pytest
from strategies import NOT_COUNTS, NOT_RNGS, assert_names_argument, assert_refused, digits, small_model, small_split

from fgcourse import training as tr

SPLIT = digits()
SMALL = small_model()


@pytest.mark.parametrize("gradient, B", [("true", 1), ("forward", 2), ("activity", 3)])
def test_train_records_history_and_calls(gradient, B):
    result = tr.train(SMALL, small_split(), "adam", 0.01, gradient=gradient, B=B, rng=0, max_iter=25,
                      batch_size=8, eval_every=10)
    assert result.status == "max_iter" and result.success and result.nit == 25
    assert list(result.nit_path) == [0, 10, 20, 25]
    assert result.ngev == (25 if gradient == "true" else 0) and result.njvp == (0 if gradient == "true" else 25 * B)
    assert list(result.ngev_path + result.njvp_path) == [0, 10 * B, 20 * B, 25 * B]
    assert np.all(np.diff(result.seconds) >= 0)
    assert result.fun == result.train_loss[-1]
    assert result.status in tr.TRAIN_STATUSES


def test_train_is_seeded_and_oracles_share_start_and_batches():
    a = tr.train(SMALL, small_split(), "sgd", 0.05, gradient="forward", rng=3, max_iter=30, batch_size=8)
    b = tr.train(SMALL, small_split(), "sgd", 0.05, gradient="forward", rng=3, max_iter=30, batch_size=8)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.val_loss, b.val_loss)  # exact: the same run twice
    short = tr.train(SMALL, small_split(), "sgd", 0.05, gradient="forward", rng=3, max_iter=10, batch_size=8,
                     eval_every=10)
    long = tr.train(SMALL, small_split(), "sgd", 0.05, gradient="forward", rng=3, max_iter=20, batch_size=8,
                    eval_every=10)
    assert np.array_equal(short.val_loss, long.val_loss[:2])  # a short rerun reproduces the stored rows
    true = tr.train(SMALL, small_split(), "sgd", 0.05, gradient="true", rng=3, max_iter=30, batch_size=8)
    assert true.train_loss[0] == a.train_loss[0]  # the same θ_0: exact, the same loss at the same point
    assert not np.array_equal(tr.train(SMALL, small_split(), "sgd", 0.05, rng=4, max_iter=1, batch_size=8).x,
                              tr.train(SMALL, small_split(), "sgd", 0.05, rng=3, max_iter=1, batch_size=8).x)


def test_minibatches_cover_an_epoch():
    batches = tr.minibatches(10, np.random.default_rng(0), 3)
    epoch = np.concatenate([next(batches) for _ in range(3)])
    assert len(set(epoch)) == 9


def test_diverging_run_stops_and_keeps_its_history():
    result = tr.train("mlp", SPLIT, "sgd", 1e4, gradient="forward", law="rademacher", rng=0, max_iter=500,
                      eval_every=1)
    assert result.status == "diverged" and not result.success
    assert result.nit < 500 and result.nit_path[-1] == result.nit and np.all(np.isfinite(result.x))
    assert len(result.train_loss) == result.nit + 1 and "diverged" in result.message


def test_a_run_that_overflows_is_non_finite_as_in_minimize():
    # The run above, with a threshold no float exceeds: it stops when its loss or θ is inf or NaN.
    result = tr.train("mlp", SPLIT, "sgd", 1e4, gradient="forward", law="rademacher", rng=0, max_iter=500,
                      eval_every=1, divergence_threshold=1e308)
    assert result.status == "non_finite" and not result.success and np.all(np.isfinite(result.x))
    assert result.message.startswith(f"non_finite after {result.nit} iterations (minibatch loss ")
    assert len(result.train_loss) == result.nit + 1


def test_progress_bar(capsys):
    tr.train(SMALL, small_split(), max_iter=3, batch_size=8, progress=True)
    err = capsys.readouterr().err
    assert "/3" in err and "backprop" in err


def test_one_mlp_step_is_fast():
    result = tr.train("mlp", SPLIT, "adam", 0.003, rng=0, max_iter=200, eval_every=200, clock=time.process_time)
    assert result.seconds[-1] / 200 < 0.02  # 1.3 to 2 ms of CPU per step on the course machine


BAD_INPUT = [
    (lambda: tr.minibatches(5, 0, 10), "batch_size", ValueError, "<= 5"),
    (lambda: tr.minibatches(0, 0, 1), "m", ValueError, ">= 1"),
    (lambda: tr.minibatches(5, 0, 0), "batch_size", ValueError, ">= 1"),
    (lambda: tr.minibatches(5, None, 2), "rng", TypeError, "Generator"),
    (lambda: tr.train("mlp", SPLIT, batch_size=0), "batch_size", ValueError, ">= 1"),
    (lambda: tr.train("mlp", SPLIT, batch_size=1078), "batch_size", ValueError, "<= 1077 (the training rows)"),
    (lambda: tr.train("mpl", SPLIT), "model", ValueError, "did you mean 'mlp'"),
    (lambda: tr.train("mlp", SPLIT, "adm"), "optimizer", ValueError, "did you mean 'adam'"),
    (lambda: tr.train("mlp", SPLIT, gradient="activty"), "gradient", ValueError, "did you mean 'activity'"),
    (lambda: tr.train("mlp", SPLIT, law="gauss"), "law", ValueError, "gaussian"),
    (lambda: tr.train("mlp", SPLIT, lr=0.0), "lr", ValueError, "> 0"),
    (lambda: tr.train("mlp", SPLIT, B=True), "B", TypeError, "integer"),
    (lambda: tr.train("mlp", SPLIT, max_iter=0), "max_iter", ValueError, ">= 1"),
    (lambda: tr.train("mlp", SPLIT, eval_every=2.0), "eval_every", TypeError, "integer"),
    (lambda: tr.train("mlp", SPLIT, progress="yes"), "progress", TypeError, "True or False"),
    (lambda: tr.train("mlp", SPLIT, clock=lambda: "now"), "clock", TypeError, "real"),
    (lambda: tr.train("mlp", (SPLIT.X_train, SPLIT.y_train)), "data", TypeError, "Split"),
    (lambda: tr.train(SMALL, SPLIT), "data", ValueError, "features"),
]


@pytest.mark.parametrize("call, name, kind, word", BAD_INPUT)
def test_bad_input_is_refused_before_work(call, name, kind, word):
    assert_refused(call, name, word, error=kind)


@pytest.mark.parametrize("count", NOT_COUNTS)
def test_counts_are_integers(count):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        tr.train(SMALL, small_split(), max_iter=count)
    assert_names_argument(excinfo, "max_iter")


@pytest.mark.parametrize("rng", NOT_RNGS)
def test_rng_rule(rng):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        tr.train(SMALL, small_split(), rng=rng)
    assert_names_argument(excinfo, "rng")
