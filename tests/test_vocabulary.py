"""Tests of fgcourse._vocabulary: the one success rule and the one message style."""

import numpy as np
import pytest

from fgcourse._vocabulary import FINISHED, REACHED, STATUSES, is_success, runs_message, status_message


@pytest.mark.parametrize("status", sorted(STATUSES))
def test_success_is_doing_what_was_asked(status):
    # Asked for a tolerance, a target or conditions: only reaching them succeeds.
    assert is_success(status, target=True) is (status in ("converged", "satisfied"))
    # Asked for none: also spending the budget, or stopping where the direction is zero.
    assert is_success(status, target=False) is (status in ("converged", "satisfied", "max_iter", "max_evals",
                                                           "stationary"))


def test_the_success_rule_reads_arrays_of_statuses():
    statuses = np.array(["converged", "max_iter", "diverged", "non_finite"])
    assert is_success(statuses, target=True).tolist() == [True, False, False, False]
    assert is_success(statuses, target=False).tolist() == [True, True, False, False]
    assert set(REACHED) | set(FINISHED) <= set(STATUSES)


def test_one_message_style():
    assert status_message("converged", 41) == "converged after 41 iterations"
    assert status_message("max_iter", 1) == "max_iter after 1 iteration"
    assert status_message("satisfied", 3, "trial step", "alpha = 0.5") == "satisfied after 3 trial steps (alpha = 0.5)"
    assert runs_message(["max_iter", "converged", "converged"], STATUSES) == "3 runs: 2 converged, 1 max_iter"
