"""Sign agreement of forward gradients with the true gradient, and what it predicts on linear objectives.

For the Rademacher law and a gradient whose coordinates all have the same magnitude, the
forward gradient is g = c S v with S = Σ_i sign(∂_i f) v_i a Rademacher walk of n steps:
everything below reduces to the law of |S_n|. On f(θ) = μᵀθ it predicts the progress per step
of SGD, sign descent and Adam; the runs that measure it are :mod:`fgcourse.optim.linear`'s, a
chapter above this one.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from fgcourse._checks import (
    check_int,
    check_int_array,
    check_positive,
    check_vector,
)

from .estimator import (
    MonteCarloEstimate,
    forward_gradient_chunks,
    forward_gradient_samples,
    monte_carlo,
)
from .laws import tangent_law

# --------------------------------------------------------------------------- the Rademacher walk

PRODUCT_LIMIT = 10**6
"""Largest m for which r_m = C(2m, m)/4^m comes from the product; beyond it, from its expansion."""


def _central_binomial_ratios(m_max: int) -> np.ndarray:
    """C(2m, m) / 4^m for m = 0..m_max, by the stable product Π_{k≤m} (2k − 1)/(2k)."""
    k = np.arange(1, m_max + 1, dtype=float)
    return np.concatenate([[1.0], np.cumprod((2 * k - 1) / (2 * k))])


def _central_binomial_ratio(m: np.ndarray) -> np.ndarray:
    """C(2m, m) / 4^m for an array of m ≥ 1.

    Up to ``PRODUCT_LIMIT`` by the product; above it by the expansion
    (πm)^{-1/2} (1 − 1/(8m) + 1/(128m²) + 5/(1024m³) − 21/(32768m⁴) + O(m⁻⁵)), whose
    remainder (below 10⁻³⁰ there) is far under double precision, so memory and time stay
    bounded for any n instead of growing with it.
    """
    ratios = np.empty(m.shape)
    small = m <= PRODUCT_LIMIT
    if small.any():
        ratios[small] = _central_binomial_ratios(int(m[small].max()))[m[small]]
    large = m[~small].astype(float)
    ratios[~small] = (1 - 1 / (8 * large) + 1 / (128 * large**2) + 5 / (1024 * large**3)
                      - 21 / (32768 * large**4)) / np.sqrt(np.pi * large)
    return ratios


def expected_walk_distance(n):
    """E|S_n| for a Rademacher walk S_n = v_1 + ... + v_n, exact for every n ≥ 1.

    With m = ⌈n/2⌉: E|S_n| = 2m C(2m, m) / 4^m (n even is Lemma 10 of belouze2022paper; an odd walk goes as
    far on average as the next even one, since |S_{2m−1} ± 1| averages to |S_{2m−1}|).
    Accepts an int or an array of ints; no overflow, and bounded time and memory, for any n.
    """
    n_array = check_int_array("n", n, minimum=1)
    m = n_array // 2 + n_array % 2  # ⌈n/2⌉ without overflowing at the largest integers
    distances = 2.0 * m * _central_binomial_ratio(m)
    return float(distances) if distances.ndim == 0 else distances


def expected_sign_agreement(n):
    """Expected number of coordinates where g = (∇f·v) v and ∇f have the same sign.

    Exact when v is Rademacher and all |∂_i f| are equal: n/2 + E|S_n|/2. A coordinate where
    g_i = 0 (possible only for even n, when S_n = 0) counts one half, as a tie.
    """
    agreement = check_int_array("n", n, minimum=1) / 2 + np.asarray(expected_walk_distance(n)) / 2
    return float(agreement) if agreement.ndim == 0 else agreement


def sign_bound(n):
    """The asymptotic value n/2 + √(n/(2π)) of Theorem 9 of belouze2022paper (exceeded, slightly, for odd n)."""
    n_array = check_int_array("n", n, minimum=1).astype(float)
    value = n_array / 2 + np.sqrt(n_array / (2 * np.pi))
    return float(value) if value.ndim == 0 else value


SIGN_EXCESS_CONSTANT = 3 / (10 * math.sqrt(2 * math.pi))
"""C with expected_sign_agreement(n) ≤ sign_bound(n) + C/√n for all n ≥ 1 (≈ 0.1197).

The sharp constant is √3 (3/4 − √(3/(2π))) ≈ 0.1022, reached at n = 3; along odd n the
excess behaves like 1/(4√(2πn)) ≈ 0.0997/√n; for even n the exact value is below the
asymptotic one.
"""


def sign_agreement_distribution(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact law of the number of agreeing coordinates (Rademacher v, equal |∂_i f|).

    Returns (counts, probabilities): the count is n/2 + |S_n|/2 and S_n = 2K − n with
    K ~ Binomial(n, 1/2), so the count is max(K, n − K), with values m..n for m = ⌈n/2⌉.
    P(K = m) = C(2m, m)/4^m for n = 2m and n = 2m − 1 alike; the other binomial
    probabilities follow by the ratios P(K = k + 1)/P(K = k) = (n − k)/(k + 1), summed as
    logs: O(n) time and memory, no overflow for large n.
    """
    n = check_int("n", n, minimum=1)
    m = (n + 1) // 2
    counts = np.arange(m, n + 1)
    log_ratios = np.log((n - counts[:-1]) / (counts[:-1] + 1.0))
    log_central = math.log(_central_binomial_ratio(np.array([m]))[0])
    probabilities_k = np.exp(log_central + np.concatenate([[0.0], np.cumsum(log_ratios)]))
    # max(K, n − K) = c for K = c and K = n − c: two outcomes, one when c = n − c (the tie n/2).
    probabilities = np.where(counts == n - counts, 1.0, 2.0) * probabilities_k
    return counts.astype(float), probabilities


def sign_agreement_counts(law, grad, rng, num_samples: int) -> np.ndarray:
    """Samples of the number of coordinates where sign(g_i) = sign(∂_i f) (a zero counts 1/2).

    The tangents are drawn in chunks (see :func:`squared_deviations`): memory O(num_samples).
    """
    chunks = forward_gradient_chunks(law, grad, rng, num_samples)  # checks the arguments
    signs = np.sign(np.asarray(grad, dtype=float))
    counts = np.empty(num_samples)
    for rows, chunk in chunks:
        np.sign(chunk, out=chunk)
        chunk *= signs
        chunk += 1  # 2, 1 or 0 per coordinate: twice its share of the count
        counts[rows] = np.sum(chunk, axis=1) / 2
    return counts


# --------------------------------------------------------------------------- linear objectives

def linear_sgd_expected_gain(mu, lr: float = 1.0) -> float:
    """E[f(θ_{t+1}) − f(θ_t)] = −lr ‖μ‖² for f(θ) = μᵀθ and one SGD step on any unbiased g."""
    mu = check_vector("mu", mu)
    return -check_positive("lr", lr) * float(mu @ mu)


def linear_sgd_expected_squared_step(law, mu, lr: float = 1.0) -> float:
    """E‖lr g‖² for f(θ) = μᵀθ: n‖μ‖² lr² for Rademacher and the sphere, (n + 2)‖μ‖² lr² for Gaussian."""
    law = tangent_law(law)
    mu = check_vector("mu", mu)
    return check_positive("lr", lr) ** 2 * law.expected_squared_norm(mu)


ENUMERATION_LIMIT = 16
"""Largest n for which :func:`sign_descent_progress` enumerates the 2^n sign vectors."""


def sign_descent_progress(mu) -> float:
    """E[sign(g)ᵀμ] = E|vᵀμ| for Rademacher v: the progress of one sign-descent step on f(θ) = μᵀθ.

    Sign descent θ ← θ − sign(g) is Adam without memory (β1 = β2 = 0, ε → 0) and Adam's first
    step for any β. For Rademacher v, sign(g) = sign(vᵀμ) v. Exact through the walk when all
    |μ_i| are equal (≈ |μ_1|√(2n/π)), by enumeration when n ≤ 16. The true gradient gives ‖μ‖₁.
    """
    mu = check_vector("mu", mu)
    magnitudes = np.abs(mu)
    if np.allclose(magnitudes, magnitudes[0], rtol=1e-12, atol=0.0):
        return float(magnitudes[0] * expected_walk_distance(mu.size))
    if mu.size <= ENUMERATION_LIMIT:
        signs = np.array(list(itertools.product([-1.0, 1.0], repeat=mu.size)))
        return float(np.mean(np.abs(signs @ mu)))
    raise ValueError(
        f"mu must have all |mu_i| equal (or n <= {ENUMERATION_LIMIT}) for the exact progress, got n = {mu.size} "
        f"with unequal magnitudes; use sample_sign_descent_progress for a Monte-Carlo estimate"
    )


def sample_sign_descent_progress(law, mu, rng, num_samples: int) -> MonteCarloEstimate:
    """Monte-Carlo estimate of E[sign(g)ᵀμ], the progress of one sign-descent step, for any μ and law."""
    samples = forward_gradient_samples(law, mu, rng, num_samples)
    return monte_carlo(np.sign(samples) @ np.asarray(mu, dtype=float))


def adam_long_memory_progress(law, mu) -> float:
    """Progress per step of Adam with β1 = β2 → 1 on f(θ) = μᵀθ, after many steps: Σ_i μ_i² / √E[g_i²].

    With bias correction and β → 1, Adam's step is (mean of the g_s) / √(mean of the g_s²)
    coordinate-wise; by the law of large numbers it tends to μ_i / √E[g_i²]. Rademacher:
    E[g_i²] = ‖μ‖², so the progress is ‖μ‖ (√n for μ ∈ {±1}^n); true gradient: ‖μ‖₁.
    """
    law = tangent_law(law)
    mu = check_vector("mu", mu)
    second_moments = law.estimate_second_moments(mu)
    if np.any(second_moments <= 0):
        raise ValueError("mu must not be zero: Adam's step is undefined when every g_i vanishes, got mu = 0")
    return float(np.sum(mu**2 / np.sqrt(second_moments)))


def expected_sign_agreement_isotropic(grad) -> float:
    """Exact expected sign agreement for Gaussian (or uniform-sphere) tangents and any gradient.

    (a·v, v_i) is a Gaussian pair with correlation a_i/‖a‖, so by Sheppard's formula
    P(sign(g_i) = sign(a_i)) = 1/2 + arcsin(|a_i|/‖a‖)/π. The sphere has the same signs as the
    Gaussian (v/‖v‖ does not change them). Equal magnitudes: n/2 + n arcsin(1/√n)/π ≈ n/2 + √n/π.
    """
    grad = check_vector("grad", grad)
    norm = np.linalg.norm(grad)
    if norm == 0:
        raise ValueError("grad must not be zero: no coordinate has a sign to agree with, got grad = 0")
    return float(np.sum(0.5 + np.arcsin(np.abs(grad) / norm) / np.pi))
