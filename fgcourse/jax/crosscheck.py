"""The course's library against JAX, on the same weights and the same tangents.

:func:`jax_chain` turns a chain of the course (the steps ``affine_step`` of
:func:`fgcourse.chains.random_chain`) into the same function in ``jax.numpy``;
:func:`cross_check` runs both sides (``fgcourse.chains.jvp``/``vjp``,
``network_value_and_grad`` and ``fgcourse.forward_gradient.forward_gradient`` against
``jax.jvp``/``jax.vjp``/``jax.grad`` and :func:`~fgcourse.jax.core.forward_gradient_along`) and
returns the largest relative differences. Run under ``jax.enable_x64(True)`` for float64: both
sides then compute the same sums in the same precision, and agree to about 1e-15.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import autograd.numpy as anp
import jax
import jax.numpy as jnp
import numpy as np

from fgcourse import chains
from fgcourse import forward_gradient as fg
from fgcourse._checks import check_instance, check_rng, describe

from .core import forward_gradient_along

__all__ = ["JAX_ACTIVATIONS", "jax_step", "jax_chain", "CrossCheck", "cross_check"]

JAX_ACTIVATIONS = {
    "tanh": jnp.tanh,
    "softplus": lambda z: jnp.logaddexp(0.0, z),
    "linear": lambda z: z,
}
"""The activations of :data:`fgcourse.chains.core.ACTIVATIONS`, in ``jax.numpy``."""


def jax_step(step):
    """A step ``functools.partial(affine_step, A=..., b=..., activation=...)`` of the course, in JAX."""
    if not (isinstance(step, functools.partial) and step.func is chains.affine_step):
        raise TypeError(f"step must be a step of fgcourse.chains.random_chain (a partial of affine_step), "
                        f"got {describe(step)}")
    A, b = jnp.asarray(step.keywords["A"]), jnp.asarray(step.keywords["b"])
    act = JAX_ACTIVATIONS[step.keywords.get("activation", "tanh")]
    return lambda s: act(A @ s + b)


def jax_chain(fs):
    """The chain f = f_K ∘ ... ∘ f_1 of the course's steps, as one JAX function."""
    return chains.compose([jax_step(step) for step in fs])


def _relative(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), np.finfo(float).tiny))


@dataclass(frozen=True)
class CrossCheck:
    """Largest relative differences, course against JAX: chain JVP and VJP, network gradient,
    forward gradient (one Gaussian and one Rademacher tangent)."""

    jvp: float
    vjp: float
    network_grad: float
    forward_gradient: float

    @property
    def max(self) -> float:
        return max(self.jvp, self.vjp, self.network_grad, self.forward_gradient)


def cross_check(widths=(8, 16, 16, 4), rng=0) -> CrossCheck:
    """Draw a random tanh/softplus/linear chain, a network and tangents from ``rng``, run both sides.

    Call it under ``jax.enable_x64(True)``: in float32 the JAX side is only as close as float32 allows.
    """
    rng = check_rng("rng", rng)
    widths = tuple(check_instance("widths", widths, (tuple, list), "a sequence of widths (D_0, ..., D_K)"))
    fs, s0 = chains.random_chain(widths, rng)
    v = rng.standard_normal(widths[0])
    u = rng.standard_normal(widths[-1])
    f = jax_chain(fs)
    s_out, t_out = chains.jvp(fs, s0, v)
    jax_out, jax_t = jax.jvp(f, (jnp.asarray(s0),), (jnp.asarray(v),))
    jvp_dev = max(_relative(s_out, jax_out), _relative(t_out, jax_t))
    _, pull = chains.vjp(fs, s0)
    _, jax_pull = jax.vjp(f, jnp.asarray(s0))
    vjp_dev = _relative(pull(u), jax_pull(jnp.asarray(u))[0])

    # A network with parameters w_k = (A_k, b_k), loss ½‖s_K‖²: the gradients with respect to every w_k.
    layers, x, ws = chains.random_network(widths, rng)
    course = chains.network_value_and_grad(layers, x, ws, lambda s: 0.5 * anp.sum(s**2))
    activations = [layer.keywords["activation"] for layer in layers]

    def network_loss(params):
        s = jnp.asarray(x)
        for (A, b), act in zip(params, activations):
            s = JAX_ACTIVATIONS[act](A @ s + b)
        return 0.5 * jnp.sum(s**2)

    params = [(jnp.asarray(A), jnp.asarray(b)) for A, b in ws]
    value, grads = jax.value_and_grad(network_loss)(params)
    net_dev = max(_relative(course.fun, value),
                  *(_relative(g, jg) for gk, jgk in zip(course.grad_ws, grads) for g, jg in zip(gk, jgk)))

    # The forward gradient of the course's estimator and of JAX on the same tangent: the course draws
    # v from a seed, the same seed gives the same v to hand to JAX.
    theta = rng.standard_normal(widths[0])

    def scalar(t):
        return 0.5 * anp.sum(chains.compose(fs)(t) ** 2)

    fg_dev = 0.0
    for law in ("gaussian", "rademacher"):
        seed = int(rng.integers(2**31))
        course_value, course_g = fg.forward_gradient(scalar, theta, law, seed)
        tangent = fg.tangent_law(law).sample(theta.size, seed)
        jax_value, jax_g = forward_gradient_along(lambda t: 0.5 * jnp.sum(f(t) ** 2), jnp.asarray(theta),
                                                  jnp.asarray(tangent))
        fg_dev = max(fg_dev, _relative(course_value, jax_value), _relative(course_g, jax_g))
    return CrossCheck(jvp=jvp_dev, vjp=vjp_dev, network_grad=net_dev, forward_gradient=fg_dev)
