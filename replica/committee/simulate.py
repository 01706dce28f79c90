"""Finite-K tree committee machine with spherical weights, trained to store random patterns.

Model (docs/theory.md §9 at finite K).  N inputs split into K disjoint blocks of n = N/K; branch l has
weights ``w_l ∈ R^n`` on the sphere ``|w_l|² = n`` and preactivation ``λ_l = w_l·x_l/√n``.  The output
field and output are ::

    h(x) = Σ_l c_l g(λ_l) / √(K Var g),        σ(x) = sign h(x),

with ``c_l = +1, −1, +1, …`` (alternating; for odd K one more +1 than −1) and the activation centred
by its mean under λ ~ N(0, 1) (the kernel's ``E g`` subtraction, §9): ``sign`` (E g = 0, Var g = 1)
and ``relu`` ``g(λ) = max(0, λ) − 1/√(2π)`` (Var g = 1/2 − 1/(2π)).  With the centring, the field
of a random pattern has mean 0 and variance 1 for any K, odd or even.  For sign units the c_l are
immaterial (w_l → −w_l); for ReLU they matter.  A pattern (x, y) is stored when ``y h(x) > 0``
(h = 0 counts as an error).

Training: full-batch gradient methods on the hinge loss of the stability ``Δ = y h`` at margin κ,
``L(W) = Σ_μ max(0, κ − Δ_μ)`` (sums, §0), with every block projected back on its sphere after each
step.  ReLU units are trained through the smooth surrogate ``softplus_β(λ) = log(1 + e^{βλ})/β`` (centred
like g), β annealed geometrically from ``beta0`` = 2 to ``beta_max`` = 50 over the budget (the exact
ReLU gradient is zero for a pattern whose helpful units are all off, and plain GD then stalls a few
errors short even at α = 0.75).  Sign units are trained straight-through: the forward pass (and Δ)
is the true sign network, the backward pass uses ``g′(λ) = β(1 − tanh²(βλ))`` at fixed β = 1
(annealing β to large values saturates tanh and stalls the runs with a few errors left).  The errors
are always those of the true network.  The three methods (§7, conventions of :mod:`replica.entropic.optimizers`, but
full-batch, spherical, with early stopping) have the same budget of ``budget`` gradient evaluations
of L (one evaluation = one gradient of the full loss at one point; replicas and inner steps count):

* ``gd``: ``w ← P(w − η ∇L(w))``, P the per-block projection on the sphere; ``budget`` steps.
* ``rsgd`` (Replicated-GD): y replicas from independent random starts,
  ``w^a ← P(w^a − η(∇L(w^a) + γ_t (w^a − w̄)))``, w̄ the replica mean; ``budget // y`` steps.
* ``esgd`` (Entropy-GD): per outer step ``w′, μ ← w``; L times
  ``w′ ← P(w′ − η′(∇L(w′) + γ_t (w′ − w)) + √η′ ε ξ)``, ``μ ← a μ + (1 − a) w′``; then
  ``w ← P(w − η (w − μ))``; ``budget // L`` outer steps.

γ_t = γ0 (1 + γ1)^t (scoping, t = coupling updates so far).  A run stops as soon as a point it
evaluates stores every pattern: gd its iterate; rsgd the centre P(w̄) or any replica; esgd the
centre w or the walker w′ (the walker's and replicas' errors come with their gradient; the centre's
check is an extra forward pass, not counted as a gradient evaluation).  The solution returned is
the one that stored all patterns (the centre when both do).

Random numbers: ``SeedSequence([seed, N, P])`` gives the instance (patterns x ~ N(0, I), labels ±1),
shared by every method, activation and K at the same (seed, N, P); ``SeedSequence([seed, N, P, 1])``
the starting weights (replica a: child a, so replica 0 starts where gd starts) and the SGLD noise.
"""

import math
from dataclasses import dataclass

import numpy as np

from ..entropic import _checks

ACTIVATIONS = ("sign", "relu")
METHODS = ("gd", "rsgd", "esgd")
RELU_MEAN = 1.0 / math.sqrt(2.0 * math.pi)
RELU_VAR = 0.5 - 1.0 / (2.0 * math.pi)
BETA = {"sign": (1.0, 1.0), "relu": (2.0, 50.0)}     # surrogate β at the start and end of the budget

__all__ = ["ACTIVATIONS", "METHODS", "TrainResult", "instance", "output_weights", "preactivations",
           "output_field", "train_errors", "train", "local_energy"]


def output_weights(K):
    """``c_l = +1, −1, +1, …`` for l = 0 … K−1 (odd K: (K+1)/2 plus signs)."""
    return np.where(np.arange(int(K)) % 2 == 0, 1.0, -1.0)


def _var(activation):
    return 1.0 if activation == "sign" else RELU_VAR


def instance(alpha, n_features, K, seed):
    """Patterns ``X`` (P, K, n), x ~ N(0, 1), and labels ``y`` (P,) = ±1, P = round(αN)."""
    N, K = _checks.integer("n_features", n_features), _checks.integer("K", K)
    if N % K:
        raise ValueError(f"n_features must be a multiple of K={K}; got {N}")
    P = int(round(_checks.real("alpha", alpha, low_open=True) * N))
    if P < 1:
        raise ValueError(f"alpha*n_features must round to at least 1 pattern; got {P}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), N, P]))
    X = rng.standard_normal((P, N)).reshape(P, K, N // K)
    y = rng.choice([-1.0, 1.0], size=P)
    return X, y


def _starts(n_starts, P, K, n, seed):
    """``n_starts`` random points on the product of spheres, and a generator for the SGLD noise."""
    N = K * n
    children = np.random.SeedSequence([int(seed), N, P, 1]).spawn(n_starts + 1)
    W = np.stack([np.random.default_rng(c).standard_normal((K, n)) for c in children[:-1]])
    return _project(W), np.random.default_rng(children[-1])


def _project(W):
    """Per-block projection on the sphere ``|w_l|² = n`` (last axis)."""
    n = W.shape[-1]
    return W * (math.sqrt(n) / np.linalg.norm(W, axis=-1, keepdims=True))


def preactivations(W, X):
    """``λ_{μl} = w_l·x_{μl}/√n`` for W (…, K, n), X (P, K, n) → (…, P, K)."""
    return np.einsum("pkn,...kn->...pk", X, W) / math.sqrt(X.shape[-1])


def _g(activation, lam, beta=None):
    """Activation (``beta`` None) or its training surrogate, and the surrogate's derivative."""
    if beta is None:
        return (np.maximum(lam, 0.0) - RELU_MEAN if activation == "relu" else np.sign(lam)), None
    if activation == "relu":                   # softplus_β(λ) = log(1 + e^{βλ})/β, derivative σ(βλ)
        return np.logaddexp(0.0, beta * lam) / beta - RELU_MEAN, 0.5 * (1.0 + np.tanh(0.5 * beta * lam))
    t = np.tanh(beta * lam)
    return t, beta * (1.0 - t * t)


def output_field(W, X, activation):
    """``h_μ = Σ_l c_l g(λ_{μl}) / √(K Var g)`` of the true network; W (…, K, n) → (…, P)."""
    _checks.choice("activation", activation, ACTIVATIONS)
    K = X.shape[1]
    g, _ = _g(activation, preactivations(W, X))
    return g @ output_weights(K) / math.sqrt(K * _var(activation))


def train_errors(W, X, y, activation):
    """Number of patterns with ``y h ≤ 0`` (not stored); W (…, K, n) → (…,)."""
    return np.sum(y * output_field(W, X, activation) <= 0.0, axis=-1)


def _loss_grad(W, X, y, activation, kappa, beta):
    """Hinge loss ``Σ_μ max(0, κ − y h_β)`` and its gradient for W (R, K, n), plus true errors (R,).

    ``∂L/∂w_l = −Σ_{μ: Δ_μ<κ} y_μ c_l g′(λ_{μl}) x_{μl} / (√n √(K Var g))``.
    """
    K, n = X.shape[1], X.shape[2]
    c = output_weights(K)
    scale = 1.0 / math.sqrt(K * _var(activation))
    lam = preactivations(W, X)                                   # (R, P, K)
    g, dg = _g(activation, lam, beta)
    if activation == "sign":                                     # straight-through: true forward
        g = np.sign(lam)
    stab = y * (g @ c) * scale                                   # surrogate stabilities (R, P)
    active = stab < kappa
    loss = np.sum(np.where(active, kappa - stab, 0.0), axis=-1)
    coef = -(active * y)[..., None] * dg * c * scale / math.sqrt(n)   # (R, P, K)
    grad = np.einsum("rpk,pkn->rkn", coef, X)
    errors = np.sum(y * (_g(activation, lam)[0] @ c) <= 0.0, axis=-1)
    return loss, grad, errors


@dataclass(frozen=True)
class TrainResult:
    """One training run.

    Attributes
    ----------
    weights : ndarray (K, n)
        The solution returned (see the module docstring), or the centre/iterate at the end.
    solved : bool
        Every pattern stored by ``weights``.
    train_errors : int
        Patterns not stored by ``weights``.
    grad_evals : int
        Gradient evaluations of the full loss spent (≤ budget).
    loss_history : ndarray
        Surrogate loss of the (first) chain at each of its steps (gd: iterate; rsgd: mean over
        replicas; esgd: walker), for checks of descent.
    """

    weights: np.ndarray
    solved: bool
    train_errors: int
    grad_evals: int
    loss_history: np.ndarray


def train(X, y, activation, method="gd", *, seed=0, budget=2000, lr=0.05, lr_final=5e-4, momentum=0.9,
          kappa=0.05, beta0=None, beta_max=None, replicas=3, inner_steps=5, sgld_lr=None, noise=1e-3,
          average=0.75, outer_lr=1.0, gamma0=0.01, gamma1=None):
    """Train the committee on (X, y) with ``method`` under a budget of gradient evaluations.

    Parameters follow the module docstring: ``lr`` η (gd, rsgd), ``sgld_lr`` η′ (esgd; default η),
    ``kappa`` the hinge margin κ, ``beta0 → beta_max`` the surrogate's β, geometric in the fraction of
    budget spent (defaults: sign 1 → 1, relu 2 → 50), ``momentum`` heavy-ball m on every chain's
    step (``V ← m V + step direction``; esgd: the walker's), ``lr → lr_final`` geometric decay of η
    (and η′ in proportion) over the budget, ``replicas`` y, ``inner_steps`` L, ``noise`` ε, ``average`` a,
    ``outer_lr`` η, scoping γ_t = γ0 (1 + γ1)^t with γ1 (default) such that γ grows ×100 over the run.
    """
    activation = _checks.choice("activation", activation, ACTIVATIONS)
    method = _checks.choice("method", method, METHODS)
    b0, b1 = BETA[activation]
    beta0 = b0 if beta0 is None else _checks.real("beta0", beta0, low_open=True)
    beta_max = b1 if beta_max is None else _checks.real("beta_max", beta_max, low_open=True)
    budget = _checks.integer("budget", budget)
    lr = _checks.real("lr", lr, low_open=True)
    kappa = _checks.real("kappa", kappa)
    P, K, n = X.shape
    chains = replicas if method == "rsgd" else 1
    per_step = {"gd": 1, "rsgd": replicas, "esgd": 1}[method]
    steps = budget // per_step
    n_couplings = steps if method == "rsgd" else max(budget // inner_steps, 1)
    if gamma1 is None:
        gamma1 = 100.0 ** (1.0 / max(n_couplings, 1)) - 1.0
    W, rng = _starts(chains, P, K, n, seed)
    eta_p0 = lr if sgld_lr is None else sgld_lr
    losses, evals = [], 0

    lr_final = _checks.real("lr_final", lr_final, low_open=True)
    momentum = _checks.real("momentum", momentum, high=1.0, high_open=True)

    def rate(e):
        return lr * (lr_final / lr) ** (e / budget)

    def beta(e):
        return beta0 * (beta_max / beta0) ** (e / budget)

    def done(Wsol, errs):
        return TrainResult(Wsol, errs == 0, int(errs), evals, np.asarray(losses))

    V = np.zeros_like(W)
    if method == "gd":
        for _ in range(steps):
            loss, grad, errs = _loss_grad(W, X, y, activation, kappa, beta(evals))
            if errs[0] == 0:
                return done(W[0], 0)
            evals += 1
            losses.append(loss[0])
            V = momentum * V + grad
            W = _project(W - rate(evals) * V)
        return done(W[0], int(train_errors(W[0], X, y, activation)))

    if method == "rsgd":
        for t in range(steps):
            centre = _project(W.mean(axis=0))
            e_c = int(train_errors(centre, X, y, activation))
            if e_c == 0:
                return done(centre, 0)
            loss, grad, errs = _loss_grad(W, X, y, activation, kappa, beta(evals))
            if np.any(errs == 0):
                return done(W[int(np.argmin(errs))], 0)
            evals += chains
            losses.append(float(loss.mean()))
            gamma = gamma0 * (1.0 + gamma1) ** t
            V = momentum * V + grad + gamma * (W - W.mean(axis=0))
            W = _project(W - rate(evals) * V)
        centre = _project(W.mean(axis=0))
        return done(centre, int(train_errors(centre, X, y, activation)))

    w = W                                                     # esgd: centre (1, K, n)
    t = 0
    while evals + inner_steps <= budget or (evals < budget and t == 0):
        if int(train_errors(w[0], X, y, activation)) == 0:
            return done(w[0], 0)
        gamma = gamma0 * (1.0 + gamma1) ** t
        wp, mu = w.copy(), w.copy()
        for _ in range(min(inner_steps, budget - evals)):
            loss, grad, errs = _loss_grad(wp, X, y, activation, kappa, beta(evals))
            if errs[0] == 0:
                return done(wp[0], 0)
            evals += 1
            losses.append(loss[0])
            eta_p = eta_p0 * rate(evals) / lr
            V = momentum * V + grad + gamma * (wp - w)
            wp = _project(wp - eta_p * V + math.sqrt(eta_p) * noise * rng.standard_normal(wp.shape))
            mu = average * mu + (1.0 - average) * wp
        w = _project(w - outer_lr * (w - mu))
        t += 1
    return done(w[0], int(train_errors(w[0], X, y, activation)))


def local_energy(W, X, y, activation, sigmas, samples=20, seed=0):
    """Fraction of the patterns lost under multiplicative weight noise, mean ± s.e. over draws.

    ``δε(σ) = E_z ε(P(w ⊙ (1 + σ z))) − ε(w)`` (docs/theory.md §6), z ~ N(0, I), P the per-block
    projection back on the sphere (the network is defined on it), ε the training error fraction.
    The same draws z serve every σ (common random numbers).  Returns two arrays (mean, s.e.).
    """
    P = X.shape[0]
    base = train_errors(W, X, y, activation) / P
    Z = np.random.default_rng(seed).standard_normal((int(samples), *W.shape))
    mean, se = [], []
    for s in np.atleast_1d(sigmas):
        e = train_errors(_project(W * (1.0 + s * Z)), X, y, activation) / P - base
        mean.append(float(e.mean()))
        se.append(float(e.std(ddof=1) / math.sqrt(len(e))) if len(e) > 1 else math.nan)
    return np.array(mean), np.array(se)
