"""Forward gradients in JAX (the optional extra ``pip install "fgcourse[jax]"``).

:mod:`~fgcourse.jax.core`: ``value_and_forward_grad`` over a pytree, the course's tangent laws,
Rademacher signs 32 per random word.
"""

from . import core as _core
from .core import *  # noqa: F403

__all__ = list(_core.__all__)
