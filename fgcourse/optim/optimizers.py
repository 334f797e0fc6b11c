"""The optimizers: SGD, clipped SGD, Adam and AdaBelief, and two limits of Adam.

Notation (the book's): θ_k is the iterate after k steps, g_k the gradient estimate used by
step k (computed at θ_{k−1}), α the learning rate, and every update has the form

    θ_k = θ_{k−1} + α d_k,

where the *direction* d_k is what distinguishes the optimizers. A direction is added, as the
line search's is (x_{k+1} = x_k + α_k d_k): a descent direction points against the gradient,
d_k = −g_k for SGD. All operations on vectors
are element-wise, so one optimizer serves a batch of runs θ of shape ``(R, n)`` row by row.
Adam's second moment is written p_k (not v_k) because v is the tangent of a forward
gradient, as in ``belouze2022paper`` (§4.2.2).

An optimizer is a frozen dataclass with a ``name``, ``init(theta)`` (its state, a tuple of
arrays shaped like θ) and ``direction(g, state, k)``; :func:`~fgcourse.optim.minimize` runs it.
The four of :data:`OPTIMIZERS` are the ones known by name (:func:`get_optimizer`, the Beale
explorer's menu, training). :class:`SignDescent` and :class:`AdamLongMemory` are Adam's limits
β1 = β2 = 0, ε → 0 and β1 = β2 → 1, which the sign-agreement chapter runs on the linear
objective (:mod:`fgcourse.optim.linear`); they are not registered, since a name added to
:data:`OPTIMIZERS` adds pages to the Beale explorer, whose menu is ``sorted(OPTIMIZERS)``, and
changes the list a misspelt optimizer name is told.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fgcourse._checks import check_instance, check_option, check_positive, check_real

__all__ = ["Optimizer", "SGD", "ClippedSGD", "Adam", "AdaBelief", "SignDescent", "AdamLongMemory", "OPTIMIZERS",
           "get_optimizer"]


class Optimizer:
    """Interface: ``init(theta)`` gives the state, ``direction(g, state, k)`` gives (d_k, state).

    d_k is added to θ (θ_k = θ_{k−1} + α d_k). The state is a tuple of arrays shaped like θ
    (possibly empty); ``k`` counts steps from 1.
    """

    name = "optimizer"

    def init(self, theta: np.ndarray) -> tuple:
        return ()

    def direction(self, g: np.ndarray, state: tuple, k: int) -> tuple[np.ndarray, tuple]:
        raise NotImplementedError


def _decay_rate(name: str, value) -> float:
    """A moment's decay rate β in [0, 1): β = 0 keeps no memory, β = 1 would never update."""
    value = check_real(name, value, minimum=0.0)
    if value >= 1:
        raise ValueError(f"{name} must be a real number in [0, 1), got {value:g}")
    return value


@dataclass(frozen=True)
class SGD(Optimizer):
    """Plain (stochastic) gradient descent: d_k = −g_k, so θ_k = θ_{k−1} − α g_k."""

    name = "sgd"

    def direction(self, g, state, k):
        return -g, state


@dataclass(frozen=True)
class ClippedSGD(Optimizer):
    """SGD on the gradient projected onto the ℓ∞ ball of radius ``clip`` (belouze2022paper, §4.2.1):

        d_k = −clip(g_k, −c, c),  i.e.  d_{k,i} = −g_{k,i} if |g_{k,i}| ≤ c, else −c·sign(g_{k,i}).

    With a forward gradient all coordinates of g_k have the same magnitude (for Rademacher
    tangents), so either none or all are clipped: a large forward gradient becomes c·sign.
    """

    clip: float = 1.0
    name = "clipped_sgd"

    def __post_init__(self):
        object.__setattr__(self, "clip", check_positive("clip", self.clip))

    def direction(self, g, state, k):
        return -np.clip(g, -self.clip, self.clip), state


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam (kingma2015adam, Algorithm 1), with ε *outside* the square root:

        m_k = β1 m_{k−1} + (1 − β1) g_k,          m̂_k = m_k / (1 − β1^k)
        p_k = β2 p_{k−1} + (1 − β2) g_k²,         p̂_k = p_k / (1 − β2^k)
        d_k = −m̂_k / (√p̂_k + ε),                  m_0 = p_0 = 0.

    The two documents by Belouze disagree with each other on where ε goes:
    belouze2022report writes √p + ε (in its review of Adam and in its forward-gradient
    analysis alike), belouze2022paper writes √(p + ε) at both places. We follow Kingma & Ba:
    √p̂ + ε. The two floor the denominator at ε = 10⁻⁸ and at √ε = 10⁻⁴ respectively, so they
    differ only where p̂ is comparable to ε, i.e. for gradients of size about 10⁻⁴ or less.
    Both documents also divide the average of t gradients by 1 − β^(t+1) instead of 1 − β^t;
    the bias correction here is Kingma & Ba's.
    """

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    name = "adam"

    def __post_init__(self):
        object.__setattr__(self, "beta1", _decay_rate("beta1", self.beta1))
        object.__setattr__(self, "beta2", _decay_rate("beta2", self.beta2))
        object.__setattr__(self, "eps", check_positive("eps", self.eps))

    def init(self, theta):
        return np.zeros_like(theta), np.zeros_like(theta)

    def second_moment(self, p, g, m):
        """p_k from p_{k−1}, g_k and the new first moment m_k (Adam: the mean of g²)."""
        return self.beta2 * p + (1 - self.beta2) * g**2

    def direction(self, g, state, k):
        m, p = state
        m = self.beta1 * m + (1 - self.beta1) * g
        p = self.second_moment(p, g, m)
        m_hat = m / (1 - self.beta1**k)
        p_hat = p / (1 - self.beta2**k)
        return -(m_hat / (np.sqrt(p_hat) + self.eps)), (m, p)


@dataclass(frozen=True)
class AdaBelief(Adam):
    """AdaBelief (zhuang2020adabelief, Algorithm 2): Adam whose second moment is the moving
    average of (g_k − m_k)², the squared surprise of g_k against the prediction m_k:

        m_k = β1 m_{k−1} + (1 − β1) g_k,                    m̂_k = m_k / (1 − β1^k)
        p_k = β2 p_{k−1} + (1 − β2) (g_k − m_k)² + ε,       p̂_k = p_k / (1 − β2^k)
        d_k = −m̂_k / (√p̂_k + ε).

    ε appears twice, as in the AdaBelief paper: added to p_k at every step and outside
    the square root. m_k is the *updated* first moment.
    """

    name = "adabelief"

    def second_moment(self, p, g, m):
        return self.beta2 * p + (1 - self.beta2) * (g - m) ** 2 + self.eps


@dataclass(frozen=True)
class SignDescent(Optimizer):
    """Sign descent, d_k = −sign(g_k) (a zero coordinate stays put): Adam's limit β1 = β2 = 0, ε → 0.

    With β1 = β2 = 0 Adam's direction is −g_k / (|g_k| + ε), −sign(g_k) up to a relative ε; it is
    also Adam's first step for any β. The limit itself is written here, not ``Adam(0, 0, ε)``
    with a tiny ε: that equals −sign(g) only while g_k² neither underflows nor overflows.
    Not registered in :data:`OPTIMIZERS` (see the module docstring).
    """

    name = "sign_descent"

    def direction(self, g, state, k):
        return -np.sign(g), state


@dataclass(frozen=True)
class AdamLongMemory(Optimizer):
    """Adam's limit β1 = β2 → 1: the mean of the gradients over the root mean of their squares,

        d_k = −((1/k) Σ_{s≤k} g_s) / √((1/k) Σ_{s≤k} g_s²) = −Σ g_s / √(k Σ g_s²),

    coordinate-wise (with bias correction, Adam's m̂_k and p̂_k tend to these two means as β → 1;
    ε → 0 too). A coordinate no gradient has moved yet (Σ g_s² = 0) stays put. The state is the
    two running sums. Not registered in :data:`OPTIMIZERS` (see the module docstring).
    """

    name = "adam_long_memory"

    def init(self, theta):
        return np.zeros_like(theta), np.zeros_like(theta)

    def direction(self, g, state, k):
        sum_g, sum_g2 = state
        sum_g, sum_g2 = sum_g + g, sum_g2 + g**2
        step = np.divide(sum_g, np.sqrt(k * sum_g2), out=np.zeros_like(g), where=sum_g2 > 0)
        return -step, (sum_g, sum_g2)


OPTIMIZERS: dict[str, Optimizer] = {opt.name: opt for opt in (SGD(), ClippedSGD(), Adam(), AdaBelief())}
"""The optimizers known by name: the experiment grid's, the Beale explorer's and the exercises'."""


def get_optimizer(optimizer) -> Optimizer:
    """An :class:`Optimizer` from a registered name (``"sgd"``, ...) or an instance."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    check_instance("optimizer", optimizer, str, f"one of {tuple(sorted(OPTIMIZERS))} or an Optimizer instance")
    return OPTIMIZERS[check_option("optimizer", optimizer, sorted(OPTIMIZERS))]
