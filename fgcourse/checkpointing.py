"""Checkpointing: schedules that trade recomputation for memory in reverse mode.

Reverse mode along a chain s_k = f_k(s_{k-1}), k = 1..K, needs s_{k-1} when it pulls
r_k back to r_{k-1} = df_k(s_{k-1})^*[r_k]. Storing every s_{k-1} costs K states;
checkpointing stores a few and recomputes the others from the nearest stored one
(Blondel & Roulet, 2024, section 8.5; Griewank & Walther, 2008, chapter 12).

A *schedule* is an explicit sequence of actions on one working register (the state the
machine is currently at) and a set of checkpoint slots:

- ``advance k``: s_k = f_k(s_{k-1}), from the working state s_{k-1}; one *step call*;
- ``store j``: copy the working state s_j into a slot;
- ``restore j``: make the stored s_j the working state (the slot keeps it);
- ``free j``: release the slot of s_j;
- ``reverse k``: r_{k-1} = df_k(s_{k-1})^*[r_k], from the working state s_{k-1}.

Counting conventions (those of Alg. 8.6 of Blondel & Roulet, and of revolve):

- *step calls* count the ``advance`` actions only. A ``reverse k`` evaluates f_k once
  more inside autograd's ``make_vjp``; those K evaluations are the same for every
  schedule and are counted apart (``reverse_steps``). s_K is never needed, so the best
  possible is K - 1 step calls;
- *stored states* count the occupied slots, s_0's slot included; the working register
  is not counted. A budget s = 1 therefore means "s_0 only" (recompute-all), and s = K - 1
  slots already allow K - 1 step calls, because s_{K-1} is still the working state when
  step K is reversed.

With them: store-all makes K - 1 calls and stores all K inputs s_0..s_{K-1}; recompute-all
makes K(K-1)/2 calls with 1 state; recursive halving makes (K/2) log2 K calls with
log2 K states for K a power of 2; the optimum for K steps and s slots is Griewank's
t K - C(s + t, t - 1), t the least integer with C(s + t, s) >= K.

Also here: online checkpointing of a ``while`` loop (:func:`while_loop_vjp`), reversible
chains (Alg. 8.8, :func:`reversible_vjp`), Belouze's nested-loop program F_n
(:func:`nested_reverse`, :func:`property1_counts`) and the pictures of the notebook.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable, NamedTuple, Sequence

import autograd.numpy as anp
import numpy as np
from autograd.core import make_vjp

from fgcourse.chains import _check_array, _check_chain

__all__ = [
    "STRATEGIES",
    "binomial_reach",
    "repetition_number",
    "min_step_calls",
    "min_step_calls_table",
    "optimal_split_range",
    "halving_step_calls",
    "Action",
    "Schedule",
    "schedule",
    "LevelCheckpoints",
    "Event",
    "Stats",
    "dry_run",
    "vjp",
    "WhileLoopResult",
    "while_loop_vjp",
    "OnlineCosts",
    "online_costs",
    "NestedRun",
    "ReversibleRun",
    "reversible_vjp",
    "coupling_layer",
    "NestedCounts",
    "property1_counts",
    "nested_unused_calls",
    "nested_reverse",
    "nested_forward",
    "draw_schedule",
    "explore_schedule",
    "draw_cost_surface",
]

STRATEGIES = ("store_all", "recompute_all", "halving", "optimal", "online")
KINDS = ("advance", "store", "restore", "free", "reverse")


def _check_count(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


# ---------------------------------------------------------------------------
# Counting: the binomial optimum and the dynamic programme (Eq. 8.3).
# ---------------------------------------------------------------------------

def binomial_reach(s: int, t: int) -> int:
    """beta(s, t) = C(s + t, s): the longest chain reversible with s slots (s_0's included)
    when no step is advanced more than t times (Griewank, 1992)."""
    s = _check_count("s", s, 0)
    t = _check_count("t", t, 0)
    return math.comb(s + t, s)


def repetition_number(K: int, s: int) -> int:
    """t(K, s): the least t with beta(s, t) >= K, i.e. how often the busiest step is advanced
    in an optimal schedule (0 for K = 1)."""
    K = _check_count("K", K)
    s = _check_count("s", s)
    if K == 1:
        return 0
    # beta(s, t) grows with t; t can be huge for small s (t = K - 1 for s = 1), so bracket
    # t by doubling and bisect, O(log t) exact binomials instead of t steps
    low, high = 0, 1  # invariant: beta(s, low) < K <= beta(s, high) once high is found
    while math.comb(s + high, s) < K:
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if math.comb(s + middle, s) >= K else (middle, high)
    return high


def min_step_calls(K: int, s: int) -> int:
    """The fewest step calls of any schedule reversing K steps with s slots (Griewank's closed form).

    C*(K, s) = t K - beta(s + 1, t - 1) with t = :func:`repetition_number` (K, s); s counts
    s_0's slot. s = 1 gives K(K-1)/2 (Alg. 8.6); s >= K - 1 gives K - 1 (store-all's calls).
    """
    t = repetition_number(K, s)
    return 0 if t == 0 else t * K - math.comb(s + t, t - 1)


def min_step_calls_table(K: int, s: int) -> np.ndarray:
    """The dynamic programme of Eq. 8.3: an int array C with C[k, sigma] = C*(k, sigma).

    Rows k = 0..K, columns sigma = 0..s (row 0 and column 0 are padding: C[1, 0] = 0 and
    C[k, 0] for k >= 2 is a huge sentinel, no schedule exists without a slot). Bases
    C*(1, sigma) = 0 and C*(k, 1) = k(k-1)/2, then for sigma >= 2
    C*(k, sigma) = min_{1 <= l < k} C*(k - l, sigma - 1) + C*(l, sigma) + l,
    one vectorized minimum over l per (k, sigma).
    """
    K = _check_count("K", K)
    s = _check_count("s", s)
    impossible = np.iinfo(np.int64).max // 4
    table = np.full((K + 1, s + 1), impossible, dtype=np.int64)
    table[0, :] = 0
    table[1, :] = 0
    ks = np.arange(K + 1, dtype=np.int64)
    table[1:, 1] = ks[1:] * (ks[1:] - 1) // 2
    for sigma in range(2, s + 1):
        previous, current = table[:, sigma - 1], table[:, sigma]
        for k in range(2, K + 1):
            splits = ks[1:k]
            current[k] = np.min(previous[k - splits] + current[splits] + splits)
    return table


def optimal_split_range(k: int, s: int) -> tuple[int, int]:
    """All optimal first checkpoints l of Eq. 8.3 for k steps and s slots, as (lowest, highest).

    With t = t(k, s): max(k - beta(s-1, t), beta(s, t-2)) <= l <= min(beta(s, t-1), k - beta(s-1, t-1))
    (clipped to 1..k-1); with s = 1 the only choice is l = k - 1.
    """
    k = _check_count("k", k, 2)
    s = _check_count("s", s)
    if s == 1:
        return k - 1, k - 1
    t = repetition_number(k, s)

    def beta(slots, reps):
        return math.comb(slots + reps, slots) if reps >= 0 else 0

    lowest = max(k - beta(s - 1, t), beta(s, t - 2), 1)
    highest = min(beta(s, t - 1), k - beta(s - 1, t - 1), k - 1)
    return lowest, highest


def halving_step_calls(K: int) -> int:
    """Step calls of recursive halving (Alg. 8.7) splitting at l = floor(K/2):
    C(1) = 0, C(K) = C(floor(K/2)) + C(ceil(K/2)) + floor(K/2); (K/2) log2 K for K = 2^n."""
    K = _check_count("K", K)
    known = {1: 0}  # each level of the recursion meets at most two lengths: O(log K) work

    def calls(k):
        if k not in known:
            half = k // 2
            known[k] = calls(half) + calls(k - half) + half
        return known[k]

    return calls(K)


# ---------------------------------------------------------------------------
# Schedules as explicit action sequences.
# ---------------------------------------------------------------------------

class Action(NamedTuple):
    """One action of a schedule: ``kind`` in advance/store/restore/free/reverse, ``index`` k or j.

    Actions are checked when a machine runs them (:func:`dry_run`, :func:`vjp`), not when built.
    """

    kind: str
    index: int

    def __repr__(self):
        return f"{self.kind} {self.index}"


@dataclass(frozen=True)
class Schedule:
    """A schedule for a chain of K steps with a budget of s slots: ``actions`` in order."""

    K: int
    s: int
    strategy: str
    actions: tuple

    def __post_init__(self):
        _check_count("K", self.K)
        _check_count("s", self.s)
        if isinstance(self.actions, (str, bytes)) or not hasattr(self.actions, "__iter__"):
            raise TypeError(f"Schedule actions must be a sequence of Action objects, got {type(self.actions).__name__}")
        # a tuple, so that a list cannot change under a run and a generator is not consumed here
        object.__setattr__(self, "actions", tuple(self.actions))
        if not all(isinstance(action, Action) for action in self.actions):
            bad = next(action for action in self.actions if not isinstance(action, Action))
            raise TypeError(f"Schedule actions must all be Action objects, got {type(bad).__name__} {bad!r}")


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
    """
    if stop - start == 1:
        actions.append(Action("reverse", stop))
        return
    middle = start + split(stop - start, slots)
    actions += _advances(start, middle)
    if stop - middle >= 2:
        actions.append(Action("store", middle))
    _segment_actions(middle, stop, slots - 1, split, actions)
    actions.append(Action("restore", start))
    if middle - start == 1:
        actions.append(Action("free", start))
    _segment_actions(start, middle, slots, split, actions)


def _halving_split(length: int, slots: int) -> int:
    return length // 2


def _optimal_split(length: int, slots: int) -> int:
    # The largest optimal split keeps the right part, which costs a slot, short.
    return optimal_split_range(length, slots)[1]


def _divide_and_conquer_actions(K: int, s: int, split: Callable) -> list:
    actions = [Action("store", 0)] if K >= 2 else []
    _segment_actions(0, K, s, split, actions)
    return actions


def _halving_slots(K: int) -> int:
    return (K - 1).bit_length()  # ceil(log2 K): one slot per halving along the right branch


class LevelCheckpoints:
    """Online placement of checkpoints while a loop of unknown length runs.

    Every checkpoint carries a *level*; s_0 has level infinity. When the loop has reached
    s_k and knows step k + 1 will run, :meth:`place` decides whether s_k becomes a
    checkpoint, never looking ahead:

    1. a free slot: store s_k with level 0;
    2. otherwise, if a checkpoint is *dispensable* (a later checkpoint has a higher level),
       free the latest dispensable one and store s_k with level 0;
    3. otherwise free the latest checkpoint, of level L, and store s_k with level L + 1.

    This is the level rule of Wang, Moin & Iaccarino (2009), in the online setting studied by
    Stumm & Walther (2010): checkpoints thin out as the chain grows, their gaps growing in the
    pattern of the binomial reach beta(s, t). When the loop ends at K, :meth:`reversal` reverses
    the segments between checkpoints, last first, each with the optimal offline schedule
    for the slots it leaves free.
    """

    def __init__(self, s: int):
        self.s = _check_count("s", s)
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
        if len(self.indices) < self.s:
            level, evicted = 0, None
        elif (position := self._dispensable()) is not None:
            level, evicted = 0, position
        elif len(self.indices) > 1:
            level, evicted = self.levels[-1] + 1, len(self.indices) - 1
        else:
            return []  # s = 1: s_0 holds the only slot
        actions = []
        if evicted is not None:
            actions.append(Action("free", self.indices.pop(evicted)))
            self.levels.pop(evicted)
        self.indices.append(k)
        self.levels.append(level)
        return actions + [Action("store", k)]

    def reversal(self, K: int) -> list:
        """Actions reversing all K steps from the checkpoints held, once s_K is reached."""
        actions = []
        bounds = self.indices + [K]
        for position in range(len(self.indices) - 1, -1, -1):
            start, stop = bounds[position], bounds[position + 1]
            actions.append(Action("restore", start))
            if stop - start == 1:
                actions.append(Action("free", start))
            _segment_actions(start, stop, self.s - position, _optimal_split, actions)
        return actions


def _online_sweep(s: int, apply: Callable, step_runs: Callable) -> tuple:
    """The online forward sweep shared by :func:`schedule` and :func:`while_loop_vjp`.

    ``step_runs(k)`` says, from what has been computed so far, whether step k runs;
    ``apply`` receives each action. Returns the placer (holding the checkpoints) and K.
    """
    placer = LevelCheckpoints(s)
    for action in placer.start():
        apply(action)
    K = 0
    while step_runs(K + 1):
        if K:
            for action in placer.place(K):
                apply(action)
        K += 1
        apply(Action("advance", K))
    return placer, K


def _online_actions(K: int, s: int) -> list:
    """What :func:`while_loop_vjp` does on a loop that happens to stop after K steps."""
    actions = []
    placer, _ = _online_sweep(s, actions.append, lambda k: k <= K)
    return actions + placer.reversal(K)


def schedule(K: int, s: int, strategy: str = "optimal") -> Schedule:
    """The schedule of ``strategy`` for a chain of K steps and a budget of s slots.

    strategy:
      - "store_all": Alg. 8.2, K - 1 step calls, K stored states (needs s >= K);
      - "recompute_all": Alg. 8.6, K(K-1)/2 step calls, 1 stored state;
      - "halving": Alg. 8.7 splitting at floor(K/2), :func:`halving_step_calls` (K) calls and
        ceil(log2 K) states (needs s >= ceil(log2 K));
      - "optimal": Eq. 8.3 with Griewank's split, :func:`min_step_calls` (K, s) calls, <= s states;
      - "online": the chain length is discovered as it runs (:class:`LevelCheckpoints`);
        s_K is computed by the loop itself, so it costs at least K calls; <= s states.

    A budget larger than a strategy needs is accepted; the schedule then simply stores
    fewer states (the executor reports the real peak). Store-all and halving have a fixed
    memory: given a smaller budget they warn and take the slots they need (the schedule's
    ``s`` and the counters show the real memory); "optimal" and "online" fit any s >= 1.
    """
    K = _check_count("K", K)
    s = _check_count("s", s)
    if not isinstance(strategy, str) or strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    needs = {"store_all": K, "recompute_all": 1, "halving": _halving_slots(K)}.get(strategy, 1)
    if s < needs:
        warnings.warn(
            f"strategy {strategy!r} stores {needs} states for K = {K}, more than the budget s = {s}; "
            f"the schedule uses {needs} slots (strategy='optimal' fits any s >= 1)",
            stacklevel=2,
        )
        s = needs
    if strategy == "store_all":
        actions = _store_all_actions(K)
    elif strategy == "recompute_all":
        actions = _recompute_all_actions(K)
    elif strategy == "halving":
        actions = _divide_and_conquer_actions(K, s, _halving_split)
    elif strategy == "optimal":
        actions = _divide_and_conquer_actions(K, s, _optimal_split)
    else:
        actions = _online_actions(K, s)
    return Schedule(K=K, s=s, strategy=strategy, actions=tuple(actions))


# ---------------------------------------------------------------------------
# The interpreter: one machine runs every schedule, on real steps or counting only.
# ---------------------------------------------------------------------------

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
        raise ValueError(f"malformed schedule: action {self.position} ({action!r}) {reason}")

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
                self._fail(action, f"would store {len(self.slots) + 1} states, over the budget s = {self.budget} "
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
                f"malformed schedule: it ended after {self.position} actions with r_{self.adjoint_index} "
                "instead of r_0 (every step K..1 must be reversed)"
            )
        return Stats(self.step_calls, self.reverse_steps, self.peak, tuple(self.timeline))


def _check_schedule(schedule_) -> Schedule:
    if not isinstance(schedule_, Schedule):
        raise TypeError(
            f"schedule must be a Schedule (from fgcourse.checkpointing.schedule), got {type(schedule_).__name__}"
        )
    return schedule_


def _run(machine: _Machine, actions):
    for action in actions:
        machine.apply(action)
    return machine.adjoint, machine.finish()


def dry_run(schedule_: Schedule) -> Stats:
    """Run a schedule without computing anything: the counts of :func:`vjp`, by the same machine."""
    schedule_ = _check_schedule(schedule_)
    machine = _Machine(schedule_.K, schedule_.s, (), (), lambda k, state: (), lambda k, state, r: ())
    return _run(machine, schedule_.actions)[1]


def _finite(value, name: str, k: int):
    """Refuse a step result that is not a finite real array: no silent NaN in r_0."""
    array = np.asarray(value)
    if array.dtype.kind not in "iuf" or not np.isfinite(array).all():
        raise ValueError(f"step f_{k} produced a non-finite or non-real {name}; "
                         "the chain is not differentiable (or overflows) at this s_0")
    return value


def _step_rules(step_at: Callable, u):
    """advance and reverse for the machine; ``step_at(k)`` is f_k, its VJP is autograd's make_vjp."""

    def advance(k, state):
        return _finite(step_at(k)(state), f"s_{k}", k)

    def reverse(k, state, r):
        step_vjp, s_k = make_vjp(step_at(k), state)
        _finite(s_k, f"s_{k}", k)
        if np.shape(r) != np.shape(s_k):
            which = "u" if r is u else f"r_{k}"
            raise ValueError(f"{which} must have the shape of s_{k} = f_{k}(s_{k - 1}), {np.shape(s_k)}, "
                             f"got {np.shape(r)}")
        return _finite(step_vjp(r), f"r_{k - 1}", k)

    return advance, reverse


def vjp(fs: Sequence[Callable], s0, u, schedule: Schedule):
    """r_0 = df(s_0)^*[u] along the chain fs = [f_1, ..., f_K], following ``schedule``.

    Returns ``(r_0, stats)``: ``stats.step_calls`` counts the advances (evaluations of some
    f_k outside a reverse step), ``stats.peak_states`` the most slots in use at once,
    ``stats.timeline`` one :class:`Event` per action. Each reverse step uses autograd's
    ``make_vjp`` of f_k at s_{k-1}. The schedule must be for len(fs) steps; any action
    that would need a state the machine does not hold raises ValueError.
    """
    steps = _check_chain(fs)
    schedule = _check_schedule(schedule)
    if len(steps) != schedule.K:
        raise ValueError(f"schedule is for K = {schedule.K} steps, but fs has {len(steps)} steps")
    s0 = _check_array("s0", s0)
    u = _check_array("u", u)
    advance, reverse = _step_rules(lambda k: steps[k - 1], u)
    return _run(_Machine(schedule.K, schedule.s, s0, u, advance, reverse), schedule.actions)


@dataclass(frozen=True)
class WhileLoopResult:
    """A ``while`` loop differentiated online: output s_K, r_0, the length K that turned out,
    the counters, and the offline optimum min_step_calls(K, s) for comparison."""

    s_K: np.ndarray
    r_0: np.ndarray
    K: int
    stats: Stats
    optimal_step_calls: int


def while_loop_vjp(f: Callable, keep_going: Callable, s0, u, s: int, max_steps: int = 100_000) -> WhileLoopResult:
    """Differentiate ``while keep_going(state): state = f(state)`` with s slots, online.

    The loop's length K is unknown until ``keep_going(s_K)`` is False; checkpoints are
    placed as it runs by :class:`LevelCheckpoints`, then the chain f_K o ... o f_1 (all
    f_k = f) is reversed from them. u is the output direction (the shape of s0). The loop
    must stop within ``max_steps`` steps (else ValueError, never a hang).
    """
    if not callable(f) or not callable(keep_going):
        raise TypeError("f and keep_going must be callables array -> array and array -> bool")
    s = _check_count("s", s)
    max_steps = _check_count("max_steps", max_steps)
    s0 = _check_array("s0", s0)
    u = _check_array("u", u)
    advance, reverse = _step_rules(lambda k: f, u)
    machine = _Machine(None, s, s0, u, advance, reverse)

    def step_runs(k):
        if k > max_steps:
            raise ValueError(f"the loop ran max_steps = {max_steps} steps without stopping; raise max_steps")
        answer = keep_going(machine.working)
        if np.ndim(answer) != 0:
            raise TypeError(f"keep_going must return one bool, got an array of shape {np.shape(answer)}")
        return bool(answer)

    placer, K = _online_sweep(s, machine.apply, step_runs)
    if K == 0:
        raise ValueError("keep_going(s0) is False: the loop runs no step, there is nothing to differentiate")
    s_K = machine.working
    machine.K, machine.adjoint_index = K, K
    for action in placer.reversal(K):
        machine.apply(action)
    stats = machine.finish()
    return WhileLoopResult(s_K, machine.adjoint, K, stats, min_step_calls(K, s))


@dataclass(frozen=True)
class OnlineCosts:
    """Step calls of the online schedule and of the offline optimum, for each length K."""

    s: int
    K: np.ndarray
    online: np.ndarray
    optimal: np.ndarray


def online_costs(s: int, Ks: Sequence[int]) -> OnlineCosts:
    """Compare the online schedule with min_step_calls(K, s) for every length K in ``Ks``."""
    s = _check_count("s", s)
    Ks = [_check_count("Ks[i]", K) for K in Ks]
    online = [dry_run(schedule(K, s, "online")).step_calls for K in Ks]
    optimal = [min_step_calls(K, s) for K in Ks]
    return OnlineCosts(s, np.array(Ks), np.array(online), np.array(optimal))


# ---------------------------------------------------------------------------
# Reversible chains (Alg. 8.8): recompute s_{k-1} = f_k^{-1}(s_k) instead of storing it.
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ReversibleRun:
    """One VJP along a reversible chain: r_0, s_K, K step calls (s_K included: the backward
    pass starts from it), K inverse calls, no stored state, and how far the s_0 rebuilt by
    the inverses drifted from the true s_0 (round-off accumulates along the chain)."""

    r_0: np.ndarray
    s_K: np.ndarray
    step_calls: int
    inverse_calls: int
    peak_states: int
    drift: float


def reversible_vjp(fs: Sequence[Callable], inverses: Sequence[Callable], s0, u) -> ReversibleRun:
    """Alg. 8.8: run the chain to s_K, then for k = K..1 rebuild s_{k-1} = f_k^{-1}(s_k) and
    pull r_k back with autograd's make_vjp of f_k at s_{k-1}. Memory: the working state only."""
    steps = _check_chain(fs)
    undo = _check_chain(inverses, "inverses")
    if len(undo) != len(steps):
        raise ValueError(f"inverses must hold one inverse per step: fs has {len(steps)}, inverses {len(undo)}")
    s0 = _check_array("s0", s0)
    u = _check_array("u", u)
    advance, reverse = _step_rules(lambda k: steps[k - 1], u)
    state = s0
    for k in range(1, len(steps) + 1):
        state = advance(k, state)
    s_K, r = state, u
    for k in range(len(steps), 0, -1):
        state = undo[k - 1](state)
        r = reverse(k, state, r)
    return ReversibleRun(r, s_K, len(steps), len(steps), 0, float(np.max(np.abs(state - s0))))


def coupling_layer(rng: np.random.Generator, width: int):
    """A random additive coupling step and its inverse (reversible residual networks):
    f(a, b) = (b, a + tanh(W b + c)) on s = (a, b) split in halves; f^{-1}(y, z) = (z - tanh(W y + c), y)."""
    width = _check_count("width", width, 2)
    if width % 2:
        raise ValueError(f"width must be even (s is split into two halves), got {width}")
    half = width // 2
    W, c = rng.standard_normal((half, half)) / np.sqrt(half), 0.1 * rng.standard_normal(half)

    def step(s):
        a, b = s[:half], s[half:]
        return anp.concatenate([b, a + anp.tanh(anp.dot(W, b) + c)])

    def inverse(y):
        first, second = y[:half], y[half:]
        return np.concatenate([second - np.tanh(W @ first + c), first])

    return step, inverse


# ---------------------------------------------------------------------------
# The nested-loop program F_n of Belouze (2022), Programs 3 and 4, Property 1.
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class NestedCounts:
    """Property 1's recursion: C_n calls of F_0 in F_n, D_n calls of F_0 and F_0' in F_n',
    and sum S_i values taped at once by F_n'."""

    primal_calls: int
    reverse_calls: int
    reverse_memory: int


@dataclass(frozen=True)
class NestedRun:
    """One measured run of F_n' (reverse) or of F_n with a tangent (forward).

    ``f0_calls`` and ``df0_calls`` count calls of F_0 and of its derivative F_0';
    ``peak_taped`` is the largest number of values held on the tapes T'_1..T'_n at once
    (forward mode tapes nothing: it carries one tangent next to x).
    """

    mode: str
    value: float
    derivative: float
    f0_calls: int
    df0_calls: int
    peak_taped: int


def _check_sizes(sizes) -> tuple:
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"sizes must be a sequence of table sizes (S_1, ..., S_n), got {type(sizes).__name__}")
    sizes = tuple(sizes)
    if not sizes:
        raise ValueError("sizes must hold at least one table size S_1, got an empty sequence")
    return tuple(_check_count(f"sizes[{i}] (S_{i + 1})", size) for i, size in enumerate(sizes))


def property1_counts(sizes: Sequence[int]) -> NestedCounts:
    """C_0 = D_0 = 1, C_n = S_n C_{n-1}, D_n = S_n C_{n-1} + S_n D_{n-1} (Property 1 of Belouze, 2022),
    so C_n = prod S_i and D_n = (n + 1) prod S_i; the tapes hold sum S_i values at the deepest point."""
    primal = reverse = 1
    for size in _check_sizes(sizes):
        primal, reverse = size * primal, size * primal + size * reverse
    return NestedCounts(primal, reverse, sum(sizes))


def nested_unused_calls(sizes: Sequence[int]) -> int:
    """Calls of F_0 whose result Program 4 never uses: each call of F_m' applies F_{m-1} S_m
    times but tapes only the first S_m inputs, so its last F_{m-1} is wasted; in total
    sum_m prod_i S_i / S_m."""
    sizes = _check_sizes(sizes)
    return sum(math.prod(sizes) // size for size in sizes)


def _nested_programs(sizes, f0, counts, tape):
    """F_n (Program 3) and F_n' (Program 4) as nested Python closures, counting calls and taped values."""

    def F(n):
        if n == 0:
            def F_0(x):
                counts["f0"] += 1
                return f0(x)
            return F_0
        inner = F(n - 1)

        def F_n(x):
            for _ in range(sizes[n - 1]):
                x = inner(x)
            return x
        return F_n

    def dF(n):
        if n == 0:
            def dF_0(x):
                counts["df0"] += 1
                derivative_vjp, _ = make_vjp(f0, x)
                return derivative_vjp(1.0)
            return dF_0
        inner, d_inner = F(n - 1), dF(n - 1)

        def dF_n(x):
            taped = []
            for _ in range(sizes[n - 1]):  # forward pass + taping
                taped.append(x)
                tape["live"] += 1
                tape["peak"] = max(tape["peak"], tape["live"])
                x = inner(x)
            x_bar = 1.0
            for x in reversed(taped):  # reverse pass
                x_bar = x_bar * d_inner(x)
            tape["live"] -= len(taped)
            return x_bar
        return dF_n

    return F(len(sizes)), dF(len(sizes))


def _default_f0(x):
    return np.sin(x)


def nested_reverse(sizes: Sequence[int], x: float = 0.5, f0: Callable = _default_f0) -> NestedRun:
    """Run Belouze's F_n' (Program 4) at x and count calls of F_0, F_0' and taped values.

    ``f0`` is the scalar building block F_0 (any autograd-differentiable scalar function; the
    source's x**2 overflows for long chains, so the default is sin: the counts do not depend on it).
    """
    sizes = _check_sizes(sizes)
    x = float(_check_array("x", x))
    counts, tape = {"f0": 0, "df0": 0}, {"live": 0, "peak": 0}
    F_n, dF_n = _nested_programs(sizes, f0, counts, tape)
    derivative = float(dF_n(x))
    reverse_counts = dict(counts)
    value = float(F_n(x))
    return NestedRun("reverse", value, derivative, reverse_counts["f0"], reverse_counts["df0"], tape["peak"])


def nested_forward(sizes: Sequence[int], x: float = 0.5, f0: Callable = _default_f0) -> NestedRun:
    """F_n in forward mode: (x, x_dot) go through the same nested loops, each F_0 with its JVP
    (autograd's make_jvp), so every leaf costs one F_0 and one F_0' and nothing is taped."""
    from autograd.core import make_jvp

    sizes = _check_sizes(sizes)
    x = float(_check_array("x", x))
    counts = {"f0": 0, "df0": 0}

    def leaf(pair):
        counts["f0"] += 1
        counts["df0"] += 1
        return make_jvp(f0, pair[0])(pair[1])

    pair = (x, 1.0)
    for _ in range(math.prod(sizes)):  # the nested loops run F_0 prod S_i times in order
        pair = leaf(pair)
    return NestedRun("forward", float(pair[0]), float(pair[1]), counts["f0"], counts["df0"], 0)


# ---------------------------------------------------------------------------
# Pictures (style of Blondel & Roulet, Figs 8.10-8.11).
# ---------------------------------------------------------------------------

def _checkpoint_intervals(timeline, end_time):
    """(index, stored from, stored until) for every stored state, from the timeline."""
    opened, intervals = {}, []
    for event in timeline:
        if event.kind == "store":
            opened[event.index] = event.time
        elif event.kind == "free":
            intervals.append((event.index, opened.pop(event.index), event.time))
    intervals += [(index, start, end_time) for index, start in opened.items()]
    return intervals


def draw_schedule(schedule_: Schedule, title: str | None = None, legend: bool = True):
    """Figure: the schedule (state index against time: advances in grey, reverse steps in red,
    stored states as blue bars) and the number of stored states over time beside it.
    ``legend=False`` saves about a third of the drawing time (the explorer redraws live)."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.ticker import MaxNLocator

    stats = dry_run(schedule_)
    forward, backward = [], []
    previous = (0, 0)
    for event in stats.timeline:
        point = (event.time, event.working)
        if event.kind == "advance":
            forward.append((previous, point))
        elif event.kind == "reverse":
            backward.append(((event.time - 1, event.index), (event.time, event.index - 1)))
        previous = point
    intervals = _checkpoint_intervals(stats.timeline, stats.time)
    # fixed margins instead of tight_layout: the explorer redraws this figure live
    fig, (ax, ax_memory) = plt.subplots(1, 2, figsize=(8.8, 3.2), gridspec_kw={"width_ratios": [3, 2]})
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.9, wspace=0.22)
    ax.add_collection(LineCollection([((a, j), (b, j)) for j, a, b in intervals], colors="tab:blue",
                                     linewidths=4, alpha=0.35, label="stored state"))
    ax.plot([a for _, a, _ in intervals], [j for j, _, _ in intervals], "o", color="tab:blue", markersize=4)
    ax.add_collection(LineCollection(forward, colors="0.35", linewidths=1.2, label="advance (step call)"))
    ax.add_collection(LineCollection(backward, colors="tab:red", linewidths=2.2, label="reverse step"))
    ax.set_xlim(0, max(stats.time, 1))
    ax.set_ylim(-0.5, schedule_.K + 0.5)
    ax.set_xlabel("time (advances and reverse steps)")
    ax.set_ylabel("state index k")
    ax.set_title(title or f"{schedule_.strategy}: K = {schedule_.K}, s = {schedule_.s}: "
                          f"{stats.step_calls} step calls, peak {stats.peak_states} states", fontsize=9)
    times = [0] + [event.time for event in stats.timeline]
    stored = [0] + [event.stored for event in stats.timeline]
    ax_memory.step(times, stored, where="post", color="tab:blue")
    ax_memory.axhline(schedule_.s, color="gray", linestyle=":", linewidth=1, label=f"budget s = {schedule_.s}")
    ax_memory.set_ylim(0, 1.6 * max(schedule_.s, stats.peak_states) + 1)
    if legend:
        handles = ax.get_legend_handles_labels()[0] + ax_memory.get_legend_handles_labels()[0]
        ax_memory.legend(handles=handles, loc="upper right", fontsize=7, ncol=2)
    ax_memory.set_title("stored states over time", fontsize=9)
    # few tick labels: laying out text is most of the time of a live redraw
    for axis, ticks in ((ax.xaxis, 4), (ax.yaxis, 4), (ax_memory.xaxis, 3), (ax_memory.yaxis, 3)):
        axis.set_major_locator(MaxNLocator(ticks, integer=True))
    return fig


def explore_schedule(K: int, s: int = 3, strategy: str = "optimal"):
    """The explorer's page: :func:`draw_schedule` of ``schedule(K, s, strategy)``, without legend.

    Store-all and halving need a fixed number of slots; when s is smaller, the page shows
    them with the slots they need and says so in the title, next to the optimum for s.
    """
    K = _check_count("K", K)
    s = _check_count("s", s)
    needs = {"store_all": K, "halving": _halving_slots(K)}.get(strategy, 1)
    plan = schedule(K, max(s, needs), strategy)
    stats = dry_run(plan)
    note = f" (needs s = {needs})" if needs > s else ""
    return draw_schedule(plan, legend=False, title=(
        f"{strategy}{note}, K = {K}: {stats.step_calls} step calls, peak {stats.peak_states} states; "
        f"optimum for s = {s}: {min_step_calls(K, s)}"
    ))


def draw_cost_surface(K_max: int = 128, s_max: int = 12, K_slice: int = 64):
    """Figure: log2 of min_step_calls(K, s) / (K - 1) over (K, s) (via the DP table), with the
    (K, s) of store-all, recompute-all and halving marked; beside it the slice K = K_slice."""
    import matplotlib.pyplot as plt

    K_max = _check_count("K_max", K_max, 2)
    s_max = _check_count("s_max", s_max)
    K_slice = _check_count("K_slice", K_slice, 2)
    table = min_step_calls_table(max(K_max, K_slice), s_max)
    ks = np.arange(2, K_max + 1)
    overhead = np.log2(table[2:K_max + 1, 1:] / (ks[:, None] - 1.0))
    fig, (ax, ax_slice) = plt.subplots(1, 2, figsize=(10, 3.8))
    image = ax.imshow(overhead.T, origin="lower", aspect="auto", cmap="viridis",
                      extent=(1.5, K_max + 0.5, 0.5, s_max + 0.5))
    fig.colorbar(image, ax=ax, label="log2(min calls / (K - 1))")
    powers = 2 ** np.arange(1, int(np.log2(K_max)) + 1)
    ax.plot(powers, np.log2(powers), "w^", label="halving (s = log2 K)")
    ax.plot(ks, np.ones_like(ks), "r-", linewidth=3, label="recompute-all (s = 1)")
    diagonal = ks[ks <= s_max]
    ax.plot(diagonal, diagonal, "ws", markersize=4, label="store-all (s = K)")
    ax.set_xlabel("chain length K")
    ax.set_ylabel("slots s")
    ax.set_title("overhead of the optimal schedule", fontsize=9)
    ax.legend(loc="upper right", fontsize=7)
    slots = np.arange(1, s_max + 1)
    ax_slice.plot(slots, table[K_slice, 1:], "k.-", label="optimum min_step_calls(K, s)")
    ax_slice.plot([1], [K_slice * (K_slice - 1) // 2], "ro", label="recompute-all")
    halving_slots = _halving_slots(K_slice)
    if halving_slots <= s_max:
        ax_slice.plot([halving_slots], [halving_step_calls(K_slice)], "^", color="tab:green", label="halving")
    ax_slice.axhline(K_slice - 1, color="tab:blue", linestyle=":", label=f"store-all: K - 1 (s = K = {K_slice})")
    ax_slice.set_yscale("log")
    ax_slice.set_xlabel("slots s")
    ax_slice.set_ylabel("step calls")
    ax_slice.set_title(f"slice K = {K_slice}", fontsize=9)
    ax_slice.legend(fontsize=7)
    fig.tight_layout()
    return fig
