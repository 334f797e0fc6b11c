"""Forward and reverse mode along a computation chain f = f_K o ... o f_1.

A computation chain (``blondel2024elements``, section 8.1) evaluates

    s_0 (given),  s_k = f_k(s_{k-1}) for k = 1..K,  f(s_0) = s_K.

Its Jacobian is the product of the step Jacobians (Eq. 8.2 of the book),

    df(s_0) = df_K(s_{K-1}) ... df_1(s_0),

and the two modes of automatic differentiation multiply this product by a vector
from either end:

- forward mode (:func:`jvp`, Alg. 8.1) pushes an input direction t_0 = v along the
  chain, t_k = df_k(s_{k-1})[t_{k-1}], next to s_k; it keeps only (s_k, t_k);
- reverse mode (:func:`vjp`, Alg. 8.2) first runs the chain and stores what each step
  needs for its adjoint, then pulls an output direction r_K = u back,
  r_{k-1} = df_k(s_{k-1})^*[r_k]; it keeps all K stored states.

The per-step rules are autograd's (``maclaurin2015autograd``): ``make_jvp`` (a true forward
pass) for the JVP of each step and ``make_vjp`` for its VJP, called through
:func:`fgcourse._checks.user_jvp` / :func:`~fgcourse._checks.user_vjp` so that a step that fails,
or that autograd cannot trace, is named (``fs[k] (step f_{k+1})``), and every state, tangent
and adjoint it returns is checked: a real array of the expected shape, finite. Nothing is
derived by hand.

Arrays. States, directions and parameters are real numpy arrays of any shape
(0-d arrays included). :func:`jacobian` flattens: it returns the matrix of shape
(s_K.size, s_0.size) whose entry (i, j) is the derivative of ``s_K.ravel()[i]``
with respect to ``s_0.ravel()[j]``; a scalar counts as an array of size 1.

The package holds :mod:`.core` (the two modes, Jacobians, networks, costs, random chains) and
:mod:`.plots` (the chapter's figures), and re-exports both.
"""

from fgcourse.chains import core, plots
from fgcourse.chains.core import *  # noqa: F403 (the names of core.__all__)
from fgcourse.chains.plots import *  # noqa: F403 (the names of plots.__all__)

__all__ = [*core.__all__, *plots.__all__]
