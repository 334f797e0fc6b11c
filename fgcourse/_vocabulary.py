"""The library's status words, its one success rule and its one message style.

A result's ``status`` is always one of the keys of :data:`STATUSES` (one word per meaning, shared
by every module); its ``success`` is :func:`is_success` of that status, and its ``message`` is
written by :func:`status_message` (or :func:`runs_message` for a batch). CONTRIBUTING.md explains
when each word is used.
"""

import numpy as np

STATUSES = {
    "converged": "reached the tolerance or the target it was asked for",
    "satisfied": "the step satisfies the conditions the line search was asked for",
    "max_iter": "ran out of iterations (the max_iter budget)",
    "max_evals": "ran out of evaluations (the max_evals budget)",
    "diverged": "an iterate or its value grew beyond the divergence threshold",
    "non_finite": "a value, gradient or iterate became inf or NaN",
    "not_unimodal": "the evaluations contradict unimodality, so the bracket no longer holds the minimizer",
    "not_descent": "the direction is not a descent direction (the initial slope is >= 0)",
    "interval_too_small": "the interval shrank to the resolution of floating point",
    "max_step": "the function still decreases at the largest step allowed (alpha_max)",
    "no_decrease": "no step below the starting value was found",
    "stationary": "the direction or the initial slope is zero",
    "search_failed": "the line search inside the iteration failed (its status is in the message)",
}

REACHED = ("converged", "satisfied")
"""The statuses of a run that did what it was asked: reached its tolerance or target, or found a
step that satisfies the conditions asked for. Always a success."""

FINISHED = ("max_iter", "max_evals", "stationary")
"""The statuses of a run that stopped without reaching anything and without blowing up: it spent
its budget, or stopped where its direction or slope is zero. A success only for a run that was
asked for no tolerance or target (training; ``minimize`` without ``target``; ``descent``)."""


BLOWN_UP = ("diverged", "non_finite")
"""The statuses of a run that blew up: its value or an iterate grew beyond the threshold, or met an
inf or a NaN. Never a success."""


def is_success(status, *, target: bool):
    """The one success rule: ``status`` is a success when the run did what was asked.

    ``target`` says whether the run was asked for a tolerance, a target or conditions to satisfy.
    Then only :data:`REACHED` succeeds (``max_iter`` means it ran out before getting there);
    without one, a run also succeeds when it ends :data:`FINISHED`, having spent its budget
    without blowing up. Every other status (``diverged``, ``non_finite``, ...) is a failure.
    ``status`` is one word (a bool comes back) or an array of words (an array of bools).
    """
    words = REACHED if target else REACHED + FINISHED
    if isinstance(status, str):
        return status in words
    return np.isin(status, words)


def status_message(status: str, count: int, unit: str = "iteration", detail: str = "") -> str:
    """The one style of a result's ``message``: the status, what it took, then details in parentheses,
    e.g. ``"converged after 41 iterations"``, ``"diverged after 12 iterations (minibatch loss 3.1e+09)"``."""
    text = f"{status} after {count} {unit}{'' if count == 1 else 's'}"
    return f"{text} ({detail})" if detail else text


def runs_message(statuses, order) -> str:
    """The ``message`` of a batch of runs: ``"5 runs: 3 converged, 2 max_iter"``, statuses in ``order``."""
    statuses = list(statuses)
    counts = ", ".join(f"{statuses.count(word)} {word}" for word in order if word in statuses)
    return f"{len(statuses)} run{'' if len(statuses) == 1 else 's'}: {counts}"
