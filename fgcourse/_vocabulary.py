"""The library's status words: one word per meaning, shared by every result's ``status`` field.

A result's ``status`` is always one of these keys; its ``success`` is True exactly for the
words its module lists as successes. CONTRIBUTING.md explains when each is used.
"""

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
