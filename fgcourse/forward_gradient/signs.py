"""Sign agreement of forward gradients with the true gradient, and linear objectives under SGD and Adam.

For the Rademacher law and a gradient whose coordinates all have the same magnitude, the
forward gradient is g = c S v with S = Σ_i sign(∂_i f) v_i a Rademacher walk of n steps:
everything below reduces to the law of |S_n|.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from fgcourse._checks import (
    check_int,
    check_int_array,
    check_option,
    check_positive,
    check_rng,
    check_sequence,
    check_vector,
)

from .estimator import (
    MonteCarloEstimate,
    forward_gradient_batch,
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


LINEAR_RULES = ("sgd", "sign_descent", "adam_long_memory")


def linear_objective_runs(law, mu, rng, num_steps: int, rule: str = "sgd", num_runs: int = 1,
                          lr: float = 1.0) -> np.ndarray:
    """f(θ_t) − f(θ_0) for t = 0..num_steps on f(θ) = μᵀθ, forward gradients from θ_0 = 0.

    ``rule``: ``"sgd"`` (θ ← θ − lr g), ``"sign_descent"`` (θ ← θ − lr sign(g), Adam with
    β1 = β2 = 0) or ``"adam_long_memory"`` (θ ← θ − lr ḡ/√(mean of g²), Adam with β1 = β2 → 1).
    Each step calls :func:`forward_gradient_batch` once for all runs. Returns an array of shape
    (num_runs, num_steps + 1). The true gradient gives −t lr ‖μ‖² (SGD) and −t lr ‖μ‖₁ (the others).
    """
    law = tangent_law(law)
    mu = check_vector("mu", mu)
    law.check_dimension(mu.size)
    rng = check_rng("rng", rng)
    num_steps = check_int("num_steps", num_steps, minimum=1)
    rule = check_option("rule", rule, LINEAR_RULES)
    num_runs = check_int("num_runs", num_runs, minimum=1)
    lr = check_positive("lr", lr)
    thetas = np.zeros((num_runs, mu.size))
    sum_g, sum_g2 = np.zeros_like(thetas), np.zeros_like(thetas)
    history = np.zeros((num_runs, num_steps + 1))
    for t in range(1, num_steps + 1):
        _, G = forward_gradient_batch(lambda X: X @ mu, thetas, law, rng)
        if rule == "sgd":
            step = G
        elif rule == "sign_descent":
            step = np.sign(G)
        else:
            sum_g, sum_g2 = sum_g + G, sum_g2 + G**2
            # mean(g)/√mean(g²) = Σg / √(t Σg²); a coordinate never moved yet (Σg² = 0) stays put.
            step = np.divide(sum_g, np.sqrt(t * sum_g2), out=np.zeros_like(G), where=sum_g2 > 0)
        thetas = thetas - lr * step
        history[:, t] = thetas @ mu
    return history


@dataclass(frozen=True)
class AdamProgress:
    """Measured and predicted progress per step of Adam on f(θ) = μᵀθ, μ = (1, ..., 1) ∈ R^n.

    ``adam`` is Adam(β1 = 0.9, β2 = 0.999), predicted by :func:`adam_long_memory_progress`;
    ``sign_descent`` is Adam(β1 = β2 = 0), predicted by :func:`sign_descent_progress`.
    """

    n: int
    adam: float
    adam_predicted: float
    sign_descent: float
    sign_descent_predicted: float


def adam_progress_table(ns, rng, num_runs: int = 20, max_iter: int = 300,
                        window: int = 100) -> tuple[AdamProgress, ...]:
    """Run :func:`fgcourse.optim.minimize` with Adam on f(θ) = μᵀθ, μ = 1 ∈ R^n, for each n of ``ns``.

    Forward gradients (Rademacher, one tangent), learning rate 1, ``num_runs`` runs from θ_0 = 0
    for ``max_iter`` steps each; the measured progress per step is the mean decrease of f over the
    last ``window`` steps, divided by ``window``, once the running moments have settled. One row
    per n, with the predictions ‖μ‖ = √n (Adam with long memory) and E|S_n| (sign descent).
    """
    from fgcourse.optim import Adam, minimize  # optim imports this package: import at call time

    ns = check_sequence("ns", ns, lambda name, n: check_int(name, n, minimum=1), what="dimensions")
    rng = check_rng("rng", rng)
    num_runs = check_int("num_runs", num_runs, minimum=1)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    window = check_int("window", window, minimum=1, maximum=max_iter)
    rows = []
    for n in ns:
        mu = np.ones(n)
        progress = []
        for optimizer in (Adam(), Adam(beta1=0.0, beta2=0.0)):
            result = minimize(lambda X, mu=mu: X @ mu, np.zeros((num_runs, n)), optimizer, lr=1.0,
                              gradient="forward", law="rademacher", rng=rng, max_iter=max_iter)
            fun_path = np.asarray(result.fun_path)
            progress.append(float(np.mean(fun_path[-window - 1] - fun_path[-1]) / window))
        rows.append(AdamProgress(n, progress[0], adam_long_memory_progress("rademacher", mu),
                                 progress[1], sign_descent_progress(mu)))
    return tuple(rows)
