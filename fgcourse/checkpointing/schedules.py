"""Schedules as explicit action sequences: store-all, recompute-all, halving, the optimum, online.

A schedule is built here and run by the machine of :mod:`fgcourse.checkpointing.machine`,
which checks every action; nothing here computes a state.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from fgcourse._checks import (
    check_callable,
    check_instance,
    check_int,
    check_option,
    check_sequence,
    describe,
)
from fgcourse.checkpointing.counts import halving_slots, halving_step_calls, min_step_calls, optimal_split_range

__all__ = [
    "STRATEGIES",
    "KINDS",
    "MAX_ACTIONS",
    "Action",
    "Schedule",
    "schedule",
    "LevelCheckpoints",
    "online_sweep",
]

STRATEGIES = ("store_all", "recompute_all", "halving", "optimal", "online")
KINDS = ("advance", "store", "restore", "free", "reverse")
MAX_ACTIONS = 10**6
"""The most actions :func:`schedule` builds (about 200 MB once a dry run has its timeline)."""


class Action(NamedTuple):
    """One action of a schedule: ``kind`` in advance/store/restore/free/reverse, ``index`` k or j.

    Actions are checked when a machine runs them (:func:`~fgcourse.checkpointing.dry_run`,
    :func:`~fgcourse.checkpointing.checkpointed_vjp`), not when built.
    """

    kind: str
    index: int

    def __repr__(self):
        return f"{self.kind} {self.index}"


@dataclass(frozen=True)
class Schedule:
    """A schedule for a chain of K steps with a budget of q slots: ``actions`` in order."""

    K: int
    q: int
    strategy: str
    actions: tuple

    def __post_init__(self):
        object.__setattr__(self, "K", check_int("K", self.K, minimum=1))
        object.__setattr__(self, "q", check_int("q", self.q, minimum=1))
        check_instance("strategy", self.strategy, str, "a string naming the strategy (e.g. 'custom')")
        # a tuple, so that a list cannot change under a run and a generator is not consumed here
        actions = check_sequence("actions", self.actions, min_length=0, what="Action objects")
        for position, action in enumerate(actions):
            if not isinstance(action, Action):
                raise TypeError(f"actions[{position}] must be an Action (kind, index), got {describe(action)}")
        object.__setattr__(self, "actions", actions)


def _advances(start: int, stop: int) -> list:
    return [Action("advance", k) for k in range(start + 1, stop + 1)]


def _store_all_actions(K: int) -> list:
    """Alg. 8.2: store every input s_0..s_{K-1} on the way up, restore each on the way down."""
    actions = []
    for k in range(K):
        if k:
            actions.append(Action("advance", k))
        actions.append(Action("store", k))
    for k in range(K, 0, -1):
        actions += [Action("restore", k - 1), Action("free", k - 1), Action("reverse", k)]
    return actions


def _recompute_all_actions(K: int) -> list:
    """Alg. 8.6: keep s_0 only; for k = K..1 recompute s_{k-1} from s_0 and reverse step k."""
    actions = [Action("store", 0)]
    for k in range(K, 0, -1):
        actions.append(Action("restore", 0))
        actions += _advances(0, k - 1)
        if k == 1:
            actions.append(Action("free", 0))
        actions.append(Action("reverse", k))
    return actions


def _segment_actions(start: int, stop: int, slots: int, split: Callable, actions: list) -> None:
    """Reverse steps start+1..stop by divide and conquer (Alg. 8.7 / treeverse, Eq. 8.3).

    On entry the working state is s_start, and s_start is stored iff stop - start >= 2; on
    exit r_start is computed and s_start's slot is released. ``split(length, slots)`` gives
    l: s_{start+l} becomes a checkpoint, the right part gets slots - 1, the left part slots.
    An explicit stack instead of recursion: the recursion is K deep for q = 1 or q >= K.
    """
    tasks = [("segment", start, stop, slots)]
    while tasks:
        task, start, stop, slots = tasks.pop()
        if task == "resume":  # the right part is reversed: back to s_start for the left part
            actions.append(Action("restore", start))
            if stop - start == 1:
                actions.append(Action("free", start))
            continue
        if stop - start == 1:
            actions.append(Action("reverse", stop))
            continue
        middle = start + split(stop - start, slots)
        actions += _advances(start, middle)
        if stop - middle >= 2:
            actions.append(Action("store", middle))
        tasks += [("segment", start, middle, slots), ("resume", start, middle, slots),
                  ("segment", middle, stop, slots - 1)]


def _halving_split(length: int, slots: int) -> int:
    return length // 2


def _optimal_split(length: int, slots: int) -> int:
    # The largest optimal split keeps the right part, which costs a slot, short.
    return optimal_split_range(length, slots)[1]


def _divide_and_conquer_actions(K: int, q: int, split: Callable) -> list:
    actions = [Action("store", 0)] if K >= 2 else []
    _segment_actions(0, K, q, split, actions)
    return actions


class LevelCheckpoints:
    """Online placement of checkpoints while a loop of unknown length runs.

    Every checkpoint carries a *level*; s_0 has level infinity. When the loop has reached
    s_k and knows step k + 1 will run, :meth:`place` decides whether s_k becomes a
    checkpoint, never looking ahead:

    1. a free slot: store s_k with level 0;
    2. otherwise, if a checkpoint is *dispensable* (a later checkpoint has a higher level),
       free the latest dispensable one and store s_k with level 0;
    3. otherwise free the latest checkpoint, of level L, and store s_k with level L + 1.

    This is the level rule of ``wang2009minimal``, in the online setting studied by
    ``stumm2010new``: checkpoints thin out as the chain grows, their gaps growing in the
    pattern of the binomial reach beta(q, t). When the loop ends at K, :meth:`reversal`
    reverses the segments between checkpoints, last first, each with the optimal offline
    schedule for the slots it leaves free.
    """

    def __init__(self, q: int):
        self.q = check_int("q", q, minimum=1)
        self.indices = [0]
        self.levels = [math.inf]

    def start(self) -> list:
        """Actions before the first step: s_0 is always kept (the loop may be long)."""
        return [Action("store", 0)]

    def _dispensable(self):
        highest = -1
        for position in range(len(self.indices) - 1, 0, -1):
            if self.levels[position] < highest:
                return position
            highest = max(highest, self.levels[position])
        return None

    def place(self, k: int) -> list:
        """Actions to take at s_k (the working state), knowing that step k + 1 runs."""
        k = check_int("k", k, minimum=self.indices[-1] + 1)
        if len(self.indices) < self.q:
            level, evicted = 0, None
        elif (position := self._dispensable()) is not None:
            level, evicted = 0, position
        elif len(self.indices) > 1:
            level, evicted = self.levels[-1] + 1, len(self.indices) - 1
        else:
            return []  # q = 1: s_0 holds the only slot
        actions = []
        if evicted is not None:
            actions.append(Action("free", self.indices.pop(evicted)))
            self.levels.pop(evicted)
        self.indices.append(k)
        self.levels.append(level)
        return actions + [Action("store", k)]

    def reversal(self, K: int) -> list:
        """Actions reversing all K steps from the checkpoints held, once s_K is reached."""
        K = check_int("K", K, minimum=self.indices[-1] + 1)
        actions = []
        bounds = self.indices + [K]
        for position in range(len(self.indices) - 1, -1, -1):
            start, stop = bounds[position], bounds[position + 1]
            actions.append(Action("restore", start))
            if stop - start == 1:
                actions.append(Action("free", start))
            _segment_actions(start, stop, self.q - position, _optimal_split, actions)
        return actions


ONLINE_MAX_ITER = 10**7
"""The default cap on the steps of an online sweep: far beyond any chain of the course."""


def online_sweep(q: int, apply: Callable, step_runs: Callable, max_iter: int = ONLINE_MAX_ITER) -> tuple:
    """The online forward sweep shared by :func:`schedule` and :func:`~fgcourse.checkpointing.while_loop_vjp`.

    ``step_runs(k)`` says, from what has been computed so far, whether step k runs; ``apply``
    receives each action. The sweep stops when ``step_runs`` returns False; at most
    ``max_iter`` steps run, and a ``step_runs`` that still says True then is a ValueError (never
    a sweep that runs forever). Returns the placer (a :class:`LevelCheckpoints` holding the
    checkpoints) and K.
    """
    placer = LevelCheckpoints(q)
    check_callable("apply", apply, "Action -> None")
    check_callable("step_runs", step_runs, "int -> bool")
    max_iter = check_int("max_iter", max_iter, minimum=1)
    for action in placer.start():
        apply(action)
    K = 0
    while _runs(step_runs, K + 1):
        if K == max_iter:
            raise ValueError(f"step_runs must return False within max_iter = {max_iter} steps, and returned True "
                             f"for step {K + 1}: raise max_iter, or make the loop stop")
        if K:
            for action in placer.place(K):
                apply(action)
        K += 1
        apply(Action("advance", K))
    return placer, K


def _runs(step_runs: Callable, k: int) -> bool:
    going = step_runs(k)  # not wrapped: its own errors (a loop past its budget) keep their message
    if not isinstance(going, (bool, np.bool_)):
        raise TypeError(f"step_runs must return a bool, returned {describe(going)} for step {k}")
    return bool(going)


def _online_actions(K: int, q: int) -> list:
    """What :func:`~fgcourse.checkpointing.while_loop_vjp` does on a loop that stops after K steps."""
    actions = []
    placer, _ = online_sweep(q, actions.append, lambda k: k <= K)
    return actions + placer.reversal(K)


def _predicted_actions(K: int, q: int, strategy: str) -> int:
    """About how many actions the schedule holds: its step calls plus at most 4 K stores,
    restores, frees and reverses (for "online", the offline optimum plus the sweep: a lower bound)."""
    calls = {
        "store_all": lambda: K - 1,
        "recompute_all": lambda: K * (K - 1) // 2,
        "halving": lambda: halving_step_calls(K),
        "optimal": lambda: min_step_calls(K, q),
        "online": lambda: K + min_step_calls(K, q),
    }[strategy]()
    return calls + 4 * K


def schedule(K: int, q: int, strategy: str = "optimal") -> Schedule:
    """The schedule of ``strategy`` for a chain of K steps and a budget of q slots.

    strategy:
      - "store_all": Alg. 8.2, K - 1 step calls, K stored states (needs q >= K);
      - "recompute_all": Alg. 8.6, K(K-1)/2 step calls, 1 stored state;
      - "halving": Alg. 8.7 splitting at floor(K/2), :func:`halving_step_calls` (K) calls and
        ceil(log2 K) states (needs q >= ceil(log2 K));
      - "optimal": Eq. 8.3 with Griewank's split, :func:`min_step_calls` (K, q) calls, <= q states;
      - "online": the chain length is discovered as it runs (:class:`LevelCheckpoints`);
        s_K is computed by the loop itself, so it costs at least K calls; <= q states.

    A budget larger than a strategy needs is accepted; the schedule then simply stores
    fewer states (the executor reports the real peak). Store-all and halving have a fixed
    memory: given a smaller budget they warn and take the slots they need (the schedule's
    ``q`` and the counters show the real memory); "optimal" and "online" fit any q >= 1.
    A schedule of more than :data:`MAX_ACTIONS` actions is refused: the closed forms
    (:func:`min_step_calls`, :func:`halving_step_calls`) give its counts without building it.
    """
    K = check_int("K", K, minimum=1)
    q = check_int("q", q, minimum=1)
    strategy = check_option("strategy", strategy, STRATEGIES)
    needs = {"store_all": K, "halving": halving_slots(K)}.get(strategy, 1)
    if q < needs:
        warnings.warn(
            f"strategy {strategy!r} stores {needs} states for K = {K}, more than the budget q = {q}; "
            f"the schedule uses {needs} slots (strategy='optimal' fits any q >= 1)",
            stacklevel=2,
        )
        q = needs
    size = _predicted_actions(K, q, strategy)
    if size > MAX_ACTIONS:
        raise ValueError(
            f"K must be small enough for the schedule to hold at most {MAX_ACTIONS:.0e} actions, got K = {K} "
            f"(strategy {strategy!r}, q = {q}: about {size:.1e} actions); min_step_calls(K, q) and "
            "halving_step_calls(K) give the counts in closed form, without building the schedule"
        )
    if strategy == "store_all":
        actions = _store_all_actions(K)
    elif strategy == "recompute_all":
        actions = _recompute_all_actions(K)
    elif strategy == "halving":
        actions = _divide_and_conquer_actions(K, q, _halving_split)
    elif strategy == "optimal":
        actions = _divide_and_conquer_actions(K, q, _optimal_split)
    else:
        actions = _online_actions(K, q)
    return Schedule(K=K, q=q, strategy=strategy, actions=tuple(actions))
