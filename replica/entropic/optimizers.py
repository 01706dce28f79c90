"""Model-agnostic optimisers: SGD, Entropy-SGD and Replicated-SGD on a parameter vector.

An optimiser sees a flat parameter vector and a minibatch-gradient function
``grad(params, idx) -> array`` (``idx`` an integer array of sample indices), or any object with
``.grad(params, idx)``, ``.n_samples`` and optionally ``.evaluate(params) -> dict`` (for instance
``replica.entropic.models.Objective``).  ``fit`` returns a ``FitResult`` with the answer, a per-epoch
history and the final internal state.

Units of time
-------------
One *epoch* of a chain is nb = ``ceil(P / batch_size)`` minibatch gradient evaluations, P the
number of samples (a pass over a fresh random permutation; the last minibatch of a pass may be
short).  ``fit(..., epochs=E)`` runs ``round(E * nb)`` chain steps (E may be fractional) and writes
a history row after every full epoch and after the last step.  SGD: one chain.  Entropy-SGD: the
inner SGLD walker is the chain (an outer step every L of its steps).  Replicated-SGD: each of the
``y`` replicas is a chain with its own minibatch stream, so an epoch costs ``y`` passes of
gradients.  Every history row carries ``grad_evals`` (minibatch gradients so far) so that budgets
can be compared.

Divergence
----------
After every step the iterate is checked: when a parameter is not finite or the squared norm
overflows (|w|² > 1.8e308, i.e. the weights exploded past ~1e154), ``fit`` stops at once, writes a
last history row ``{"epoch", "grad_evals", ..., "diverged": True}`` (not evaluated: the answer is
not a number) and returns ``FitResult(diverged=True)`` with ``grad_evals`` the gradients actually
spent.  numpy's overflow warnings are silenced inside the loop: divergence is reported by the flag.

Conventions (the seed's algorithm boxes, Pittorino et al. 2021; public codes differ)
-------------------------------------------------------------------------------------
* SGLD noise: ``w' <- w' - η'(∇L(w') + γ(w' - w)) + sqrt(η') ε ξ``, ξ ~ N(0, I) (seed, and
  Chaudhari et al.'s paper).  Chaudhari et al.'s released code adds ``ε/sqrt(η'/2) ξ`` to the
  gradient, i.e. noise ``sqrt(2η') ε ξ`` in the step; their ε is ours divided by sqrt(2).
  For a quadratic L = a w²/2 the walker samples (up to O(η')) a Gaussian of variance
  ε²/(2(a+γ)): the temperature is ε²/2.
* Averaging: ``μ <- α μ + (1-α) w'`` (seed; also the released code, α = 0.75).  Chaudhari et al.'s
  paper writes ``μ <- (1-α) μ + α w'``: their α is our 1-α.
* Outer step: ``w <- w - η (w - μ)``, *not* scaled by γ (seed; released code).  The paper's
  ``w <- w - η γ (w - μ)`` is recovered with η_ours = γ η_paper.  Consequently, for γ → ∞ and
  ε = 0, Entropy-SGD with η = γ η_SGD reduces to SGD with rate η_SGD.
* Replicated-SGD coupling every K steps with strength Kγ, so that the time-averaged force is
  that of the replicated loss ``Σ_a L(w^a) + γ/2 Σ_a |w^a - w̄|²`` (Pittorino et al.'s box; the
  seed's transcription drops this line).  ``center="mean"`` couples to the replica mean w̄
  (recomputed at the start of each iteration); ``center="trained"`` keeps a centre c coupled by
  ``γ/2 Σ_a |w^a - c|²`` and moved by gradient descent on it with rate ``center_lr``
  (Baldassi et al. PNAS 2016; elastic averaging).  The answer is the centre.
* Scoping: γ_t is read from the schedule with t = number of coupling updates done so far
  (Entropy-SGD outer steps; Replicated-SGD iterations), starting at t = 0.

Random numbers: ``numpy.random.SeedSequence(seed).spawn(n + 1)``; children 0..n-1 drive the
minibatch streams of the n chains (1 for SGD/Entropy-SGD, y for Replicated-SGD), child n the SGLD
noise.  So SGD, Entropy-SGD and Replicated-SGD (replica 0) with the same seed see the same
minibatches, and every ``fit`` with a given seed is reproducible.
"""

from dataclasses import dataclass, field
import math
import warnings

import numpy as np
from .._lazy import tqdm_auto as tqdm

from . import _checks
from .schedules import as_schedule

__all__ = ["BatchStream", "FitResult", "SGD", "EntropySGD", "ReplicatedSGD", "cosine_distance"]


def cosine_distance(a, b):
    """docs/theory.md §0 distance d = (1 - S)/2 with S the cosine overlap of a and b (nan if a norm is 0)."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0.0 or nb == 0.0:
        return math.nan
    return 0.5 * (1.0 - float(np.dot(a, b)) / (na * nb))


class BatchStream:
    """Endless stream of minibatch index arrays: passes over fresh random permutations."""

    def __init__(self, n_samples, batch_size, rng):
        self.n = _checks.integer("n_samples", n_samples)
        self.batch_size = min(_checks.integer("batch_size", batch_size), self.n)
        self.rng = rng
        self._perm = None
        self._pos = self.n

    @property
    def batches_per_pass(self):
        return -(-self.n // self.batch_size)

    def next(self):
        if self._pos >= self.n:
            self._perm = self.rng.permutation(self.n)
            self._pos = 0
        idx = self._perm[self._pos:self._pos + self.batch_size]
        self._pos += self.batch_size
        return idx


@dataclass(frozen=True)
class FitResult:
    """The answer ``params``, one ``history`` row per epoch, the final internal ``state``, and
    ``diverged`` (the run was stopped because the iterate became non-finite or overflowed)."""

    params: np.ndarray
    history: list = field(repr=False)
    grad_evals: int
    state: dict = field(default_factory=dict, repr=False)
    diverged: bool = False

    def column(self, key):
        """History column as an array (nan where missing)."""
        return np.array([row.get(key, math.nan) for row in self.history], dtype=float)


def _exploded(x):
    """True when ``x`` has a non-finite entry or its squared norm overflows (one O(n) pass)."""
    flat = np.ravel(x)
    return not math.isfinite(float(np.dot(flat, flat)))


def _check_stiffness(rate, name):
    """Warn once per fit when an explicit coupling step overshoots (rate = step × stiffness ≥ 2)."""
    if rate >= 2.0:
        warnings.warn(f"{name} = {rate:.3g} >= 2: the coupling step is unstable (replicas / the SGLD "
                      "walker oscillate away from the centre); lower the rate or cap γ with "
                      "Scoping(..., gamma_max=...)", RuntimeWarning, stacklevel=3)
        return True
    return False


class _Optimizer:
    """Shared plumbing: argument unpacking, seeding, per-epoch records, progress."""

    name = "base"

    def __init__(self, batch_size, seed):
        self.batch_size = _checks.integer("batch_size", batch_size)
        if seed is not None:
            _checks.integer("seed", seed, low=0)
        self.seed = seed

    @staticmethod
    def _unpack(problem, n_samples, evaluate):
        if hasattr(problem, "grad") and hasattr(problem, "n_samples"):
            grad = problem.grad
            n_samples = problem.n_samples if n_samples is None else n_samples
            if evaluate is None:
                evaluate = getattr(problem, "evaluate", None)
        elif callable(problem):
            grad = problem
        else:
            raise ValueError("grad must be a callable grad(params, idx) or an object with .grad and .n_samples")
        if n_samples is None:
            raise ValueError("n_samples must be given (an integer >= 1) when grad is a plain function")
        return grad, _checks.integer("n_samples", n_samples), evaluate

    def _rngs(self, n_chains):
        children = np.random.SeedSequence(self.seed).spawn(n_chains + 1)
        return [np.random.default_rng(c) for c in children]

    def _clock(self, n, epochs, progress):
        """Steps per epoch, total chain steps, and the steps after which a history row is written.

        ``epochs`` may be fractional: the run has ``round(epochs * nb)`` chain steps (nb minibatches
        per epoch) and a row after every full epoch and after the last step.
        """
        epochs = _checks.real("epochs", epochs)
        nb = -(-n // min(self.batch_size, n))
        total = int(round(epochs * nb))
        if total < 1:
            raise ValueError(f"epochs must be > {0.5 / nb:.6g} for at least one gradient step ({nb} minibatches "
                             f"per epoch); got {epochs}")
        marks = set(range(nb, total + 1, nb))
        if total:
            marks.add(total)
        bar = tqdm(total=total, desc=self.name, disable=None if progress else True, leave=False,
                   unit="step", mininterval=0.5)
        return nb, total, marks, bar

    @staticmethod
    def _diverged_row(step, nb, grad_evals, **extra):
        """Last history row of a run stopped on divergence (not evaluated)."""
        return {"epoch": step / nb, "grad_evals": grad_evals, **extra, "diverged": True}

    @staticmethod
    def _record(step, nb, grad_evals, answer, evaluate, **extra):
        row = {"epoch": step / nb, "grad_evals": grad_evals}
        row.update(extra)
        if evaluate is not None:
            row.update(evaluate(answer))
        return row


class SGD(_Optimizer):
    """Plain minibatch SGD, optional heavy-ball momentum: ``v <- m v + g``, ``w <- w - lr v``."""

    name = "sgd"

    def __init__(self, lr=0.1, momentum=0.0, batch_size=32, seed=None):
        super().__init__(batch_size, seed)
        self.lr = _checks.real("lr", lr)
        self.momentum = _checks.real("momentum", momentum, high=1.0, high_open=True)

    def fit(self, params, grad, n_samples=None, epochs=1, evaluate=None, progress=False):
        """Run ``epochs`` (may be fractional) passes; returns a ``FitResult``."""
        grad, n, evaluate = self._unpack(grad, n_samples, evaluate)
        stream = BatchStream(n, self.batch_size, self._rngs(1)[0])
        nb, total, marks, bar = self._clock(n, epochs, progress)
        w = np.array(params, dtype=float).ravel().copy()
        v = np.zeros_like(w)
        history, done, diverged = [], total, False
        with np.errstate(over="ignore", invalid="ignore"):
            for step in range(1, total + 1):
                g = grad(w, stream.next())
                if self.momentum:
                    v = self.momentum * v + g
                    g = v
                w -= self.lr * g
                bar.update()
                if _exploded(w):
                    history.append(self._diverged_row(step, nb, step, lr=self.lr, gamma=math.nan))
                    done, diverged = step, True
                    break
                if step in marks:
                    history.append(self._record(step, nb, step, w, evaluate, lr=self.lr, gamma=math.nan,
                                                distance=math.nan, sq_distance=math.nan))
        bar.close()
        return FitResult(w, history, done, {"velocity": v}, diverged)


class EntropySGD(_Optimizer):
    """Entropy-SGD (Chaudhari et al. ICLR 2017), in the seed's form (see the module docstring).

    Per outer step: ``w', μ <- w``; ``L`` times, on a fresh minibatch,
    ``w' <- w' - η'(∇L(w') + γ_t (w' - w)) + sqrt(η') ε ξ`` and ``μ <- α μ + (1-α) w'``;
    then ``w <- w - η (w - μ)`` (heavy-ball momentum on this step if ``momentum > 0``).

    Parameters: ``lr`` η, ``sgld_lr`` η', ``inner_steps`` L, ``gamma`` γ (number, ``Schedule`` or
    callable of the outer-step counter), ``noise`` ε, ``average`` α ∈ [0, 1).
    The chain steps are the inner SGLD steps; outer steps run across epoch boundaries, and if the
    budget ends inside an outer step, that last outer step is taken with the inner steps done.
    The history's ``distance`` is d = (1-S)/2 between w and μ at the last outer step,
    ``sq_distance`` the mean squared coordinate difference |w - μ|²/n.
    """

    name = "esgd"

    def __init__(self, lr=1.0, sgld_lr=0.1, inner_steps=5, gamma=0.03, noise=1e-4, average=0.75,
                 momentum=0.0, batch_size=32, seed=None):
        super().__init__(batch_size, seed)
        self.lr = _checks.real("lr", lr)
        self.sgld_lr = _checks.real("sgld_lr", sgld_lr)
        self.inner_steps = _checks.integer("inner_steps", inner_steps)
        self.gamma = as_schedule(gamma)
        self.noise = _checks.real("noise", noise)
        self.average = _checks.real("average", average, high=1.0, high_open=True)
        self.momentum = _checks.real("momentum", momentum, high=1.0, high_open=True)

    def fit(self, params, grad, n_samples=None, epochs=1, evaluate=None, progress=False):
        """Run ``epochs`` (may be fractional) passes of the SGLD walker; returns a ``FitResult``."""
        grad, n, evaluate = self._unpack(grad, n_samples, evaluate)
        rng_batches, rng_noise = self._rngs(1)
        stream = BatchStream(n, self.batch_size, rng_batches)
        nb, total, marks, bar = self._clock(n, epochs, progress)
        w = np.array(params, dtype=float).ravel().copy()
        v = np.zeros_like(w)
        wp, mu = w.copy(), w.copy()
        a, eta_p, noise_step = self.average, self.sgld_lr, math.sqrt(self.sgld_lr) * self.noise
        L = self.inner_steps
        history, t, gamma, warned = [], 0, math.nan, False
        dist = sq = math.nan
        done, diverged = total, False
        with np.errstate(over="ignore", invalid="ignore"):
            for step in range(1, total + 1):
                if (step - 1) % L == 0:               # start of an outer step
                    gamma = self.gamma(t)
                    warned = warned or _check_stiffness(eta_p * gamma, "sgld_lr * gamma")
                    wp, mu = w.copy(), w.copy()
                dwp = grad(wp, stream.next()) + gamma * (wp - w)
                wp -= eta_p * dwp
                if noise_step:
                    wp += noise_step * rng_noise.standard_normal(w.shape)
                mu = a * mu + (1.0 - a) * wp
                if step % L == 0 or step == total:    # end of an outer step
                    d = w - mu
                    if self.momentum:
                        v = self.momentum * v + d
                        d = v
                    dist, sq = cosine_distance(w, mu), float(np.mean((w - mu) ** 2))
                    w = w - self.lr * d
                    t += 1
                bar.update()
                if _exploded(wp) or _exploded(w):
                    history.append(self._diverged_row(step, nb, step, lr=self.lr, gamma=gamma))
                    done, diverged = step, True
                    break
                if step in marks:
                    history.append(self._record(step, nb, step, w, evaluate, lr=self.lr, gamma=gamma,
                                                distance=dist, sq_distance=sq))
        bar.close()
        return FitResult(w, history, done, {"mu": mu, "w_prime": wp, "velocity": v, "t": t}, diverged)


class ReplicatedSGD(_Optimizer):
    """Replicated-SGD (Baldassi et al. PNAS 2016; Pittorino et al. ICLR 2021).

    ``y`` replicas, each with its own minibatch stream.  Iteration t = 1, 2, ...:
    ``w̄ <- mean_a w^a``; for each replica ``dw^a <- ∇L(w^a; Ξ_a)``, plus ``K γ (w^a - centre)`` when
    t ≡ 0 mod K; ``w^a <- w^a - η dw^a`` (heavy-ball momentum per replica if ``momentum > 0``).
    ``center="mean"``: centre = w̄.  ``center="trained"``: a centre c, moved when coupling by
    ``c <- c - center_lr K γ Σ_a (c - w^a)``, started at the mean of the initial replicas.
    The answer is the centre.  ``fit`` accepts one start (all replicas start there) or a
    ``(y, n)`` array of starts; an epoch is one pass of *every* replica (y passes of gradients).
    History: ``distance`` = mean_a d(w^a, centre) with d = (1-S)/2, ``sq_distance`` =
    mean_a |w^a - centre|²/n.
    """

    name = "rsgd"

    def __init__(self, lr=0.1, replicas=3, gamma=0.03, couple_every=1, center="mean",
                 center_lr=None, momentum=0.0, batch_size=32, seed=None):
        super().__init__(batch_size, seed)
        self.lr = _checks.real("lr", lr)
        self.replicas = _checks.integer("replicas", replicas)
        self.gamma = as_schedule(gamma)
        self.couple_every = _checks.integer("couple_every", couple_every)
        self.center = _checks.choice("center", center, ("mean", "trained"))
        self.center_lr = self.lr if center_lr is None else _checks.real("center_lr", center_lr)
        self.momentum = _checks.real("momentum", momentum, high=1.0, high_open=True)

    def _starts(self, params):
        p = np.array(params, dtype=float)
        if p.ndim == 1:
            return np.tile(p, (self.replicas, 1))
        if p.ndim == 2 and p.shape[0] == self.replicas:
            return p.copy()
        raise ValueError(f"params must have shape (n,) or (replicas={self.replicas}, n); got {p.shape}")

    def fit(self, params, grad, n_samples=None, epochs=1, evaluate=None, progress=False):
        """Run ``epochs`` (may be fractional) passes of every replica; returns a ``FitResult``."""
        grad, n, evaluate = self._unpack(grad, n_samples, evaluate)
        y, K = self.replicas, self.couple_every
        rngs = self._rngs(y)
        streams = [BatchStream(n, self.batch_size, rngs[a]) for a in range(y)]
        nb, total, marks, bar = self._clock(n, epochs, progress)
        W = self._starts(params)
        V = np.zeros_like(W)
        c = W.mean(axis=0)
        history, gamma, warned = [], math.nan, False
        done, diverged = total, False
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(1, total + 1):
                gamma = self.gamma(t - 1)
                couple = (t % K == 0)
                centre = W.mean(axis=0) if self.center == "mean" else c
                dW = np.empty_like(W)
                for a in range(y):
                    dW[a] = grad(W[a], streams[a].next())
                if couple:
                    if not warned:
                        warned = _check_stiffness(self.lr * K * gamma, "lr * couple_every * gamma")
                        if self.center == "trained" and not warned:
                            warned = _check_stiffness(self.center_lr * K * gamma * y,
                                                      "center_lr * couple_every * gamma * replicas")
                    dW += K * gamma * (W - centre)
                    if self.center == "trained":
                        c = c - self.center_lr * K * gamma * (y * c - W.sum(axis=0))
                if self.momentum:
                    V = self.momentum * V + dW
                    dW = V
                W -= self.lr * dW
                bar.update()
                if _exploded(W) or (self.center == "trained" and _exploded(c)):
                    history.append(self._diverged_row(t, nb, y * t, lr=self.lr, gamma=gamma))
                    done, diverged = t, True
                    break
                if t in marks:
                    centre = W.mean(axis=0) if self.center == "mean" else c
                    dist = float(np.mean([cosine_distance(W[a], centre) for a in range(y)]))
                    sq = float(np.mean((W - centre) ** 2))
                    history.append(self._record(t, nb, y * t, centre, evaluate, lr=self.lr, gamma=gamma,
                                                distance=dist, sq_distance=sq))
        bar.close()
        centre = W.mean(axis=0) if self.center == "mean" else c
        return FitResult(centre.copy(), history, y * done,
                         {"replicas": W, "center": centre, "velocity": V, "t": done}, diverged)
