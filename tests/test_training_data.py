"""Tests of fgcourse.training.data: the digits split and the checks of a data set."""

from __future__ import annotations

import numpy as np
import pytest
from strategies import assert_refused, digits

from fgcourse import training as tr

SPLIT = digits()


def test_digits_split_is_fixed_and_disjoint():
    assert (SPLIT.X_train.shape, SPLIT.X_val.shape, SPLIT.X_test.shape) == ((1077, 64), (360, 64), (360, 64))
    again = tr.digits_split()
    # exact: the same stored images (pixel counts / 16) in the same seeded order
    assert np.array_equal(again.X_train, SPLIT.X_train) and np.array_equal(again.y_test, SPLIT.y_test)
    rows = {row.tobytes() for row in np.vstack([SPLIT.X_train, SPLIT.X_val, SPLIT.X_test])}  # exact: stored rows
    assert len(rows) > 1700  # load_digits holds a few duplicate images, not hundreds
    assert SPLIT.X_train.min() >= 0 and SPLIT.X_train.max() <= 1
    assert set(np.unique(SPLIT.y_train)) == set(range(10))
    assert not np.array_equal(tr.digits_split(1).y_train, SPLIT.y_train)


BAD_INPUT = [
    (lambda: tr.Split(SPLIT.X_train, SPLIT.y_train + 5, SPLIT.X_val, SPLIT.y_val, SPLIT.X_test, SPLIT.y_test),
     "y_train", ValueError, "0..9"),
    (lambda: tr.Split(SPLIT.X_train, SPLIT.y_train[:-1], SPLIT.X_val, SPLIT.y_val, SPLIT.X_test, SPLIT.y_test),
     "y_train", ValueError, "one label per row"),
    (lambda: tr.Split(np.where(SPLIT.X_train == 0, np.nan, SPLIT.X_train), SPLIT.y_train, SPLIT.X_val, SPLIT.y_val,
                      SPLIT.X_test, SPLIT.y_test), "X_train", ValueError, "finite"),
    (lambda: tr.check_dataset(np.ones((3, 2)), [0, -1, 2]), "y", ValueError, ">= 0"),
    (lambda: tr.check_dataset(np.ones((3, 2)), np.array([0.0, 1.0, 2.0])), "y", TypeError, "astype(int)"),
    (lambda: tr.check_dataset(np.ones((3, 2)), [True, False, True]), "y", TypeError, "integer"),
    (lambda: tr.check_dataset(np.ones((3, 2)) + 1j, [0, 1, 2]), "X", TypeError, "complex"),
    (lambda: tr.make_split(np.ones((5, 2)), [0, 1, 2, 0, 1], 0, 3, 2), "num_val + num_test", ValueError, "be < 5"),
]


@pytest.mark.parametrize("call, name, kind, word", BAD_INPUT)
def test_bad_input_is_refused_before_work(call, name, kind, word):
    assert_refused(call, name, word, error=kind)
