"""fgcourse.jax.costs: what XLA counts for the JVP pass and both steps, and what jax.checkpoint keeps.

Small sizes only (compiling is what takes time); benchmarks/bench_jax.py runs the chapter's sizes.
"""

import numpy as np
import pytest

pytest.importorskip("jax", reason='fgcourse.jax needs the jax extra: pip install "fgcourse[jax]" (make env has it)')

import jax  # noqa: E402
from strategies import assert_refused  # noqa: E402

from fgcourse.jax import costs  # noqa: E402


def test_a_jvp_pass_counts_the_flops_of_a_backprop_step_and_the_step_a_little_more():
    functions = costs.step_functions(*costs.tanh_problem(4, width=16, batch=8), draws=("bits",), rbg=False)
    c = costs.compiled_costs(functions)
    # Three products of 2 M w² per layer in each mode, but one fewer in the first layer, whose input is
    # data (no ḣ W in forward mode, no z̄ Wᵀ in reverse mode): (3 · 4 − 1) · 2 · 8 · 16².
    products = (3 * 4 - 1) * 2 * 8 * 16**2
    assert products <= c["jvp"].flops <= 1.3 * products and products <= c["backprop"].flops <= 1.3 * products
    assert c["jvp"].flops / c["backprop"].flops == pytest.approx(1.0, abs=0.05)
    assert 1.0 <= c["bits"].flops / c["jvp"].flops <= 1.3
    value, g = functions.forward_step["bits"](*functions.args["bits"])
    assert np.isfinite(float(value)) and len(g) == 4


def test_the_pytree_and_the_flat_layout_are_the_same_loss():
    pytree, params = costs.tanh_problem(3, width=8, batch=4)
    flat, theta = costs.tanh_problem(3, width=8, batch=4, layout="flat")
    assert float(pytree(params)) == pytest.approx(float(flat(theta)), rel=1e-6)
    np.testing.assert_allclose(np.concatenate([np.ravel(g) for g in jax.grad(pytree)(params)]),
                               jax.grad(flat)(theta), rtol=1e-5, atol=1e-7)


def test_remat_in_a_scan_keeps_fewer_states_and_a_forward_pass_keeps_the_same_at_any_depth():
    remat = costs.checkpoint_memory(64, 8, width=16, batch=8, plans=("store_all", "per_step", "nested"))
    assert remat["nested"].states < remat["per_step"].states < remat["store_all"].states
    assert remat["store_all"].flops < remat["per_step"].flops < remat["nested"].flops
    shallow, deep = (costs.forward_memory(K, 16, 8, forms=("scan",))["scan"] for K in (4, 16))
    assert shallow == deep < remat["per_step"].states


def test_the_binomial_plans_follow_the_course_schedule():
    assert costs.first_sweep_stores(64, 8) == [0, 28, 36, 43, 49, 54, 58, 61]
    remat = costs.checkpoint_memory(6, 2, width=8, batch=4, plans=("unrolled", "binomial_nested", "binomial_policy"))
    assert set(remat) == {"unrolled", "binomial_nested", "binomial_policy"}
    assert all(cost.states > 0 and cost.flops > 0 for cost in remat.values())


@pytest.mark.parametrize("call, name", [
    (lambda: costs.tanh_problem(0), "depth"),
    (lambda: costs.tanh_problem(2, dtype="float16"), "dtype"),
    (lambda: costs.tanh_problem(2, layout="tree"), "layout"),
    (lambda: costs.checkpoint_memory(4, 2, width=4, batch=2, plans=("all",)), "plans"),
    (lambda: costs.checkpoint_memory(4, 0, width=4, batch=2), "q"),
    (lambda: costs.forward_memory(4, 4, 2, forms=("loop",)), "forms"),
    (lambda: costs.step_functions(*costs.tanh_problem(2, width=4, batch=2), rng=-1), "rng"),
    (lambda: costs.step_functions(*costs.tanh_problem(2, width=4, batch=2), rng=0.5), "rng"),
])
def test_bad_arguments_are_refused_with_the_message_contract(call, name):
    assert_refused(call, name)
