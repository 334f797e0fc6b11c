"""The interpreter: one machine runs every schedule, on real steps or counting only.

:func:`checkpointed_vjp` runs a schedule on a chain ``fs`` and returns ``(r_0, stats)``;
:func:`dry_run` runs the same machine with counters in place of the steps;
:func:`while_loop_vjp` differentiates a ``while`` loop with checkpoints placed online.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from fgcourse._checks import (
    call_user,
    check_array,
    check_callable,
    check_instance,
    check_int,
    check_output,
    check_sequence,
    describe,
    user_vjp,
)
from fgcourse.checkpointing.counts import min_step_calls
from fgcourse.checkpointing.schedules import KINDS, Action, Schedule, online_sweep, schedule

__all__ = [
    "Event",
    "Stats",
    "dry_run",
    "checkpointed_vjp",
    "WhileLoopResult",
    "while_loop_vjp",
    "OnlineCosts",
    "online_costs",
]


class Event(NamedTuple):
    """The machine after one action: ``time`` counts advances and reverses so far;
    ``working`` is the index j of the working state s_j; ``stored`` the number of slots in use."""

    time: int
    kind: str
    index: int
    working: int
    stored: int


@dataclass(frozen=True)
class Stats:
    """Counters of one run: step calls (advances), reverse steps, peak stored states, timeline."""

    step_calls: int
    reverse_steps: int
    peak_states: int
    timeline: tuple

    @property
    def time(self) -> int:
        return self.step_calls + self.reverse_steps


class _Machine:
    """Executes actions one by one and refuses any that would give a wrong r_0.

    ``advance(k, state)`` returns s_k; ``reverse(k, state, r)`` returns r_{k-1}.
    With both set to counting stubs the same machine performs a dry run. A ``store``
    that would hold more than ``budget`` states at once is refused.
    """

    def __init__(self, K, budget, s0, u, advance, reverse):
        self.K = K  # None while a loop's length is unknown
        self.budget = budget
        self.advance_fn, self.reverse_fn = advance, reverse
        self.working_index, self.working = 0, s0
        self.slots = {}
        self.adjoint_index, self.adjoint = K, u
        self.step_calls = self.reverse_steps = self.peak = 0
        self.timeline = []
        self.position = 0

    def _fail(self, action, reason):
        raise ValueError(f"schedule must be well formed: action {self.position} ({action!r}) {reason}; "
                         "got a malformed schedule")

    def apply(self, action: Action) -> None:
        kind, index = action
        if kind not in KINDS:
            self._fail(action, f"has an unknown kind; the kinds are {KINDS}")
        if not (type(index) is int or isinstance(index, np.integer)) or index < 0:
            self._fail(action, "has an index that is not an integer >= 0")
        if kind == "advance":
            if self.working_index != index - 1 or self.working is None:
                self._fail(action, f"needs the working state s_{index - 1}, but the machine holds "
                                   f"s_{self.working_index}")
            if self.K is not None and index > self.K:
                self._fail(action, f"advances past the last step K = {self.K}")
            self.working = self.advance_fn(index, self.working)
            self.working_index = index
            self.step_calls += 1
        elif kind == "store":
            if index != self.working_index:
                self._fail(action, f"stores s_{index}, but the working state is s_{self.working_index}")
            if index in self.slots:
                self._fail(action, f"stores s_{index} twice")
            if len(self.slots) >= self.budget:
                self._fail(action, f"would store {len(self.slots) + 1} states, over the budget q = {self.budget} "
                                   f"(stored: {sorted(self.slots)})")
            self.slots[index] = self.working
            self.peak = max(self.peak, len(self.slots))
        elif kind == "restore":
            if index not in self.slots:
                self._fail(action, f"restores s_{index}, which is not stored (stored: {sorted(self.slots)})")
            self.working_index, self.working = index, self.slots[index]
        elif kind == "free":
            if index not in self.slots:
                self._fail(action, f"frees s_{index}, which is not stored (stored: {sorted(self.slots)})")
            del self.slots[index]
        else:
            if self.adjoint_index != index:
                self._fail(action, f"reverses step {index}, but the next step to reverse is "
                                   f"{self.adjoint_index} (steps are reversed K, K-1, ..., 1)")
            if self.working_index != index - 1 or self.working is None:
                self._fail(action, f"needs the working state s_{index - 1}, but the machine holds "
                                   f"s_{self.working_index}")
            self.adjoint = self.reverse_fn(index, self.working, self.adjoint)
            self.adjoint_index = index - 1
            self.reverse_steps += 1
        self.position += 1
        self.timeline.append(Event(self.step_calls + self.reverse_steps, kind, index,
                                   self.working_index, len(self.slots)))

    def finish(self) -> Stats:
        if self.adjoint_index != 0:
            raise ValueError(
                f"schedule must reverse every step K..1: it ended after {self.position} actions with "
                f"r_{self.adjoint_index} instead of r_0; got a malformed schedule"
            )
        return Stats(self.step_calls, self.reverse_steps, self.peak, tuple(self.timeline))


def _check_schedule(value) -> Schedule:
    return check_instance("schedule", value, Schedule, "a Schedule (from fgcourse.checkpointing.schedule)")


def _run(machine: _Machine, actions):
    for action in actions:
        machine.apply(action)
    return machine.adjoint, machine.finish()


def dry_run(schedule: Schedule) -> Stats:
    """Run a schedule without computing anything: the counts of :func:`checkpointed_vjp`, by the same machine."""
    schedule = _check_schedule(schedule)
    machine = _Machine(schedule.K, schedule.q, (), (), lambda k, state: (), lambda k, state, r: ())
    return _run(machine, schedule.actions)[1]


def _step_rules(step_at: Callable, name_at: Callable, u, shape: tuple | None = None):
    """advance and reverse for the machine: ``step_at(k)`` is f_k, called through call_user and
    differentiated by user_vjp (autograd's make_vjp), every result checked real and finite;
    ``name_at(k)`` names f_k in errors; ``shape`` is the shape of every state, when known."""

    def advance(k, state):
        name = name_at(k)
        return check_output(name, call_user(name, step_at(k), state), shape, at=f"s_{k - 1}")

    def reverse(k, state, r):
        name = name_at(k)
        pullback, s_k = user_vjp(name, step_at(k), state)
        s_k = check_output(name, s_k, shape, at=f"s_{k - 1}")
        if np.shape(r) != s_k.shape:
            raise ValueError(f"u must have the shape of s_{k} = f_{k}(s_{k - 1}), {s_k.shape}, got shape {np.shape(r)}")
        return check_output(f"the VJP of {name}", pullback(r), np.shape(state), at=f"s_{k - 1}")

    return advance, reverse


def checkpointed_vjp(fs: Sequence[Callable], s0, u, schedule: Schedule):
    """r_0 = df(s_0)^*[u] along the chain fs = [f_1, ..., f_K], following ``schedule``.

    Returns ``(r_0, stats)``: ``stats.step_calls`` counts the advances (evaluations of some
    f_k outside a reverse step), ``stats.peak_states`` the most slots in use at once,
    ``stats.timeline`` one :class:`Event` per action. Each reverse step uses autograd's
    ``make_vjp`` of f_k at s_{k-1}. The schedule must be for len(fs) steps; any action
    that would need a state the machine does not hold raises ValueError, and a step that
    fails or returns a non-finite value raises an error naming it (``fs[k-1]`` is f_k).
    """
    steps = check_sequence("fs", fs, lambda name, f: check_callable(name, f, "array -> array"),
                           what="steps f_k (callables array -> array)")
    schedule = _check_schedule(schedule)
    if len(steps) != schedule.K:
        raise ValueError(f"schedule must be for K = len(fs) = {len(steps)} steps, got a schedule for "
                         f"K = {schedule.K} steps")
    s0 = check_array("s0", s0)
    u = check_array("u", u)
    advance, reverse = _step_rules(lambda k: steps[k - 1], lambda k: f"fs[{k - 1}]", u)
    return _run(_Machine(schedule.K, schedule.q, s0, u, advance, reverse), schedule.actions)


@dataclass(frozen=True)
class WhileLoopResult:
    """A ``while`` loop differentiated online: output s_K, r_0, the length K that turned out,
    the counters, and the offline optimum min_step_calls(K, q) for comparison."""

    s_K: np.ndarray
    r_0: np.ndarray
    K: int
    stats: Stats
    optimal_step_calls: int


def _condition(keep_going: Callable, state, k: int) -> bool:
    """keep_going(s_k), which must be one bool (Python, numpy or a 0-d bool array)."""
    answer = call_user("keep_going", keep_going, state)
    if isinstance(answer, np.ndarray) and answer.ndim == 0:
        answer = answer[()]
    if not isinstance(answer, (bool, np.bool_)):
        raise TypeError(f"keep_going must return one bool (True or False), returned {describe(answer)} at s_{k}")
    return bool(answer)


def while_loop_vjp(f: Callable, keep_going: Callable, s0, u, q: int, max_iter: int = 100_000) -> WhileLoopResult:
    """Differentiate ``while keep_going(state): state = f(state)`` with q slots, online.

    The loop's length K is unknown until ``keep_going(s_K)`` is False; checkpoints are
    placed as it runs by :class:`~fgcourse.checkpointing.LevelCheckpoints`, then the chain
    f_K o ... o f_1 (all f_k = f) is reversed from them. u is the output direction (the
    shape of s0, which f keeps). The loop must stop within ``max_iter`` steps (else
    ValueError, never a hang).
    """
    f = check_callable("f", f, "array -> array of the same shape")
    keep_going = check_callable("keep_going", keep_going, "array -> bool")
    s0 = check_array("s0", s0)
    u = check_array("u", u, shape=s0.shape, against="s0")
    q = check_int("q", q, minimum=1)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    advance, reverse = _step_rules(lambda k: f, lambda k: "f", u, s0.shape)
    machine = _Machine(None, q, s0, u, advance, reverse)

    def step_runs(k):
        going = _condition(keep_going, machine.working, k - 1)
        if going and k > max_iter:
            raise ValueError(f"keep_going returned True for max_iter = {max_iter} steps: the loop must stop "
                             "within max_iter steps (raise max_iter, or check keep_going)")
        return going

    placer, K = online_sweep(q, machine.apply, step_runs)
    if K == 0:
        raise ValueError("keep_going must return True at s0 for the loop to run a step; it returned False, "
                         "so there is nothing to differentiate")
    s_K = machine.working
    machine.K, machine.adjoint_index = K, K
    for action in placer.reversal(K):
        machine.apply(action)
    stats = machine.finish()
    return WhileLoopResult(s_K, machine.adjoint, K, stats, min_step_calls(K, q))


@dataclass(frozen=True)
class OnlineCosts:
    """Step calls of the online schedule and of the offline optimum, for each length K."""

    q: int
    K: np.ndarray
    online: np.ndarray
    optimal: np.ndarray


def online_costs(q: int, Ks: Sequence[int]) -> OnlineCosts:
    """Compare the online schedule with min_step_calls(K, q) for every length K in ``Ks``."""
    q = check_int("q", q, minimum=1)
    Ks = check_sequence("Ks", Ks, lambda name, K: check_int(name, K, minimum=1), what="chain lengths K >= 1")
    online = [dry_run(schedule(K, q, "online")).step_calls for K in Ks]
    optimal = [min_step_calls(K, q) for K in Ks]
    return OnlineCosts(q, np.array(Ks), np.array(online), np.array(optimal))
