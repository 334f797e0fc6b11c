"""Checkpointing: schedules that trade recomputation for memory in reverse mode.

Reverse mode along a chain s_k = f_k(s_{k-1}), k = 1..K, needs s_{k-1} when it pulls
r_k back to r_{k-1} = df_k(s_{k-1})^*[r_k]. Storing every s_{k-1} costs K states;
checkpointing stores a few and recomputes the others from the nearest stored one
(``blondel2024elements``, section 8.5; ``griewank2008evaluating``, chapter 12).

A *schedule* is an explicit sequence of actions on one working register (the state the
machine is currently at) and a set of checkpoint slots:

- ``advance k``: s_k = f_k(s_{k-1}), from the working state s_{k-1}; one *step call*;
- ``store j``: copy the working state s_j into a slot;
- ``restore j``: make the stored s_j the working state (the slot keeps it);
- ``free j``: release the slot of s_j;
- ``reverse k``: r_{k-1} = df_k(s_{k-1})^*[r_k], from the working state s_{k-1}.

Counting conventions (those of Alg. 8.6 of ``blondel2024elements``, and of revolve, ``griewank2000revolve``):

- *step calls* count the ``advance`` actions only. A ``reverse k`` evaluates f_k once
  more inside autograd's ``make_vjp``; those K evaluations are the same for every
  schedule and are counted apart (``reverse_steps``). s_K is never needed, so the best
  possible is K - 1 step calls;
- *stored states* count the occupied slots, s_0's slot included; the working register
  is not counted. A budget q = 1 therefore means "s_0 only" (recompute-all), and q = K - 1
  slots already allow K - 1 step calls, because s_{K-1} is still the working state when
  step K is reversed.

With them: store-all makes K - 1 calls and stores all K inputs s_0..s_{K-1}; recompute-all
makes K(K-1)/2 calls with 1 state; recursive halving makes (K/2) log2 K calls with
log2 K states for K a power of 2; the optimum for K steps and q slots is Griewank's
t K - C(q + t, t - 1), t the least integer with C(q + t, q) >= K.

The subpackage, one module per seam:

- :mod:`~fgcourse.checkpointing.counts`: the closed forms and the dynamic programme
  (:func:`min_step_calls`, :func:`min_step_calls_table`, :func:`halving_step_calls`, ...);
- :mod:`~fgcourse.checkpointing.schedules`: schedules as action sequences (:func:`schedule`)
  and the online placement of checkpoints (:class:`LevelCheckpoints`);
- :mod:`~fgcourse.checkpointing.machine`: the interpreter that runs them, on real steps
  (:func:`checkpointed_vjp`, :func:`while_loop_vjp` for a ``while`` loop) or counting only
  (:func:`dry_run`);
- :mod:`~fgcourse.checkpointing.reversible`: reversible chains (Alg. 8.8, :func:`reversible_vjp`);
- :mod:`~fgcourse.checkpointing.nested`: Belouze's nested-loop program F_n
  (:func:`nested_reverse`, :func:`property1_counts`; ``belouze2022report``);
- :mod:`~fgcourse.checkpointing.plots`: the pictures of the chapter and its notebook.

Every public name is re-exported here: ``from fgcourse.checkpointing import schedule``.
"""

from fgcourse.checkpointing.counts import (
    MAX_TABLE_WORK,
    binomial_reach,
    halving_slots,
    halving_step_calls,
    min_step_calls,
    min_step_calls_table,
    optimal_split_range,
    repetition_number,
)
from fgcourse.checkpointing.machine import (
    Event,
    OnlineCosts,
    Stats,
    WhileLoopResult,
    checkpointed_vjp,
    dry_run,
    online_costs,
    while_loop_vjp,
)
from fgcourse.checkpointing.nested import (
    MAX_NESTED_CALLS,
    MAX_NESTED_DEPTH,
    NestedCounts,
    NestedRun,
    nested_forward,
    nested_reverse,
    nested_unused_calls,
    property1_counts,
)
from fgcourse.checkpointing.plots import (
    ONLINE_KS,
    draw_cost_surface,
    draw_online_costs,
    draw_schedule,
    explore_schedule,
)
from fgcourse.checkpointing.reversible import ReversibleRun, coupling_layer, reversible_vjp
from fgcourse.checkpointing.schedules import (
    KINDS,
    MAX_ACTIONS,
    STRATEGIES,
    Action,
    LevelCheckpoints,
    Schedule,
    online_sweep,
    schedule,
)

__all__ = [
    "MAX_TABLE_WORK",
    "binomial_reach",
    "repetition_number",
    "min_step_calls",
    "min_step_calls_table",
    "optimal_split_range",
    "halving_step_calls",
    "halving_slots",
    "STRATEGIES",
    "KINDS",
    "MAX_ACTIONS",
    "Action",
    "Schedule",
    "schedule",
    "LevelCheckpoints",
    "online_sweep",
    "Event",
    "Stats",
    "dry_run",
    "checkpointed_vjp",
    "WhileLoopResult",
    "while_loop_vjp",
    "OnlineCosts",
    "online_costs",
    "ReversibleRun",
    "reversible_vjp",
    "coupling_layer",
    "MAX_NESTED_CALLS",
    "MAX_NESTED_DEPTH",
    "NestedCounts",
    "NestedRun",
    "property1_counts",
    "nested_unused_calls",
    "nested_reverse",
    "nested_forward",
    "ONLINE_KS",
    "draw_schedule",
    "explore_schedule",
    "draw_cost_surface",
    "draw_online_costs",
]
