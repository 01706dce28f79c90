"""Small numpy models with analytic gradients, and the ``Objective`` the optimisers see.

Every model works on one flat parameter vector and provides

* ``n_params``, ``weight_mask`` (True for weights, False for biases: the local energy perturbs
  only weights), ``init(rng)``;
* ``scores(params, X)`` and ``error(params, X, y)`` (fraction of misclassified samples; a score
  of exactly 0 counts as an error for binary models);
* ``loss(params, X, y)`` and ``loss_grad(params, X, y) -> (Σ_μ ℓ_μ, ∇ Σ_μ ℓ_μ)``: loss *summed*
  over the rows of X;
* ``penalty(params)`` and ``penalty_grad(params)``: the L2 term in the same (sum) units.

Loss convention (docs/theory.md §0): the objective is the SUM ``Σ_μ ℓ_μ + penalty``.  The optimisers are
given minibatch gradients of the same objective divided by P (``Objective.grad``):
``(1/|B|) Σ_{μ∈B} ∇ℓ_μ + ∇penalty / P`` — an unbiased estimate of ∇(sum objective)/P, so full-batch
gradient descent has exactly the fixed points of the sum objective and learning rates are O(1).

Binary models take labels y ∈ {-1, +1}; the multi-class network takes y ∈ {0, ..., C-1}.
"""

import math

import numpy as np
from .._lazy import expit, logsumexp

from . import _checks

__all__ = ["LinearClassifier", "OneHiddenLayer", "Objective"]

_LOSSES = ("logistic", "square")


def _margin_loss(loss, h):
    """ℓ(h) and ℓ'(h) for the margin h = y · score."""
    if loss == "logistic":
        return np.logaddexp(0.0, -h), -expit(-h)
    return 0.5 * (1.0 - h) ** 2, h - 1.0          # square


class LinearClassifier:
    """Linear classifier ``sign(w·x/√N + b)`` with a margin loss (logistic or square) and L2.

    Parameter vector θ = (u, b) with **u = w/√N**: the score is u·x + b = w·x/√N + b, the model of
    docs/theory.md §1, in units where every coordinate has O(1) curvature (so one learning rate suits
    u and b).  In these units ``q = |w|²/N = |u|²``, ``m = w·v*/N = u·v*/√N`` (``overlaps``), and the
    penalty λ/2 |w|² = λN/2 |u|² (bias unpenalised), λ = ``lam`` in the sum convention of docs/theory.md §0.
    """

    def __init__(self, n_features, loss="logistic", lam=0.0, bias=False):
        self.n_features = _checks.integer("n_features", n_features)
        self.loss_name = _checks.choice("loss", loss, _LOSSES)
        self.lam = _checks.real("lam", lam)
        self.bias = bool(bias)
        self.n_params = self.n_features + int(self.bias)
        self.weight_mask = np.zeros(self.n_params, dtype=bool)
        self.weight_mask[:self.n_features] = True

    def __repr__(self):
        return f"LinearClassifier(n_features={self.n_features}, loss={self.loss_name!r}, lam={self.lam:g}, bias={self.bias})"

    def init(self, rng, scale=1.0):
        """u ~ N(0, scale²/N) (so q ≈ scale²), b = 0."""
        p = np.zeros(self.n_params)
        p[:self.n_features] = rng.standard_normal(self.n_features) * scale / math.sqrt(self.n_features)
        return p

    def _split(self, params):
        params = np.asarray(params, dtype=float)
        u = params[..., :self.n_features]
        b = params[..., self.n_features] if self.bias else np.zeros(params.shape[:-1])
        return u, b

    def scores(self, params, X):
        """u·x + b for every row of X; ``params`` may be a stack (S, n) → scores (S, P)."""
        u, b = self._split(params)
        return u @ X.T + np.asarray(b)[..., None]

    def error(self, params, X, y):
        """Fraction of rows with y·score <= 0 (a stack of params gives one error per row)."""
        return np.mean(y * self.scores(params, X) <= 0.0, axis=-1)

    supports_stacked_params = True

    def loss(self, params, X, y):
        """Σ_μ ℓ(y_μ score_μ) (no penalty)."""
        u, b = self._split(params)
        return float(_margin_loss(self.loss_name, y * (X @ u + b))[0].sum())

    def loss_grad(self, params, X, y):
        u, b = self._split(params)
        h = y * (X @ u + b)
        ell, d = _margin_loss(self.loss_name, h)
        gy = d * y
        g = np.empty(self.n_params)
        g[:self.n_features] = gy @ X
        if self.bias:
            g[self.n_features] = gy.sum()
        return float(ell.sum()), g

    def penalty(self, params):
        u, _ = self._split(params)
        return 0.5 * self.lam * self.n_features * float(u @ u)

    def penalty_grad(self, params):
        g = np.zeros(self.n_params)
        g[:self.n_features] = self.lam * self.n_features * np.asarray(params)[:self.n_features]
        return g

    def overlaps(self, params, v_star):
        """docs/theory.md §1 order parameters of the trained weights: dict(m, q, b, cos=m/√q)."""
        u, b = self._split(params)
        m = float(u @ v_star) / math.sqrt(self.n_features)
        q = float(u @ u)
        return {"m": m, "q": q, "b": float(b), "cos": m / math.sqrt(q) if q > 0 else math.nan}


_ACTIVATIONS = ("relu", "tanh")


class OneHiddenLayer:
    """One hidden layer of K units: ``score = V act(W x + b1) + c``.

    ``n_classes=2``: one output, labels ±1, logistic loss on the margin y·score.
    ``n_classes=C>2``: C outputs, labels 0..C-1, softmax cross-entropy.
    ``tree=True``: the tree committee machine — hidden unit k sees only the k-th block of
    N/K inputs (no hidden bias), the output weights are fixed to 1 and not trained (binary only),
    so ``sign(score) = sign(Σ_k act(h_k))``; with ``activation="tanh"`` this is the smooth
    committee of sign units.  ``train_output=False`` fixes the output weights to 1 in the
    fully-connected net as well.  Penalty λ/2 |weights|² (biases unpenalised), sum units.
    Initialisation: W ~ N(0, 1/fan_in), V ~ N(0, 1/K), biases 0.
    """

    def __init__(self, n_features, n_hidden, n_classes=2, activation="relu", tree=False,
                 train_output=None, bias=True, lam=0.0):
        self.n_features = _checks.integer("n_features", n_features)
        self.n_hidden = _checks.integer("n_hidden", n_hidden)
        self.n_classes = _checks.integer("n_classes", n_classes, low=2)
        self.activation = _checks.choice("activation", activation, _ACTIVATIONS)
        self.tree = bool(tree)
        self.lam = _checks.real("lam", lam)
        if self.tree:
            if self.n_features % self.n_hidden:
                raise ValueError(f"n_hidden must divide n_features={self.n_features} for a tree; got {self.n_hidden}")
            if self.n_classes != 2:
                raise ValueError(f"n_classes must be 2 for a tree committee machine; got {self.n_classes}")
        self.train_output = (not self.tree) if train_output is None else bool(train_output)
        self.bias = bool(bias)
        self.n_out = 1 if self.n_classes == 2 else self.n_classes
        K, N, C = self.n_hidden, self.n_features, self.n_out
        self.fan_in = N // K if self.tree else N
        shapes = [("W", (K, self.fan_in), True)]
        if self.bias and not self.tree:
            shapes.append(("b1", (K,), False))
        if self.train_output:
            shapes.append(("V", (C, K), True))
            if self.bias:
                shapes.append(("c", (C,), False))
        self._layout, start = [], 0
        for name, shape, is_weight in shapes:
            size = int(np.prod(shape))
            self._layout.append((name, shape, slice(start, start + size), is_weight))
            start += size
        self.n_params = start
        self.weight_mask = np.zeros(self.n_params, dtype=bool)
        for _, _, sl, is_weight in self._layout:
            self.weight_mask[sl] = is_weight

    def __repr__(self):
        return (f"OneHiddenLayer(n_features={self.n_features}, n_hidden={self.n_hidden}, "
                f"n_classes={self.n_classes}, activation={self.activation!r}, tree={self.tree}, "
                f"train_output={self.train_output}, bias={self.bias}, lam={self.lam:g})")

    def unpack(self, params):
        """dict name -> array view (W, b1, V, c; fixed parts filled in)."""
        params = np.asarray(params, dtype=float)
        out = {name: params[sl].reshape(shape) for name, shape, sl, _ in self._layout}
        out.setdefault("b1", np.zeros(self.n_hidden))
        out.setdefault("V", np.ones((self.n_out, self.n_hidden)))
        out.setdefault("c", np.zeros(self.n_out))
        return out

    def init(self, rng, scale=1.0):
        p = np.zeros(self.n_params)
        for name, shape, sl, _ in self._layout:
            if name == "W":
                p[sl] = rng.standard_normal(sl.stop - sl.start) * scale / math.sqrt(self.fan_in)
            elif name == "V":
                p[sl] = rng.standard_normal(sl.stop - sl.start) * scale / math.sqrt(self.n_hidden)
        return p

    def _hidden_pre(self, W, b1, X):
        if self.tree:
            Xb = X.reshape(X.shape[0], self.n_hidden, self.fan_in)
            return np.einsum("pkj,kj->pk", Xb, W)
        return X @ W.T + b1

    def _act(self, H):
        if self.activation == "relu":
            return np.maximum(H, 0.0)
        return np.tanh(H)

    def _act_prime(self, H, A):
        if self.activation == "relu":
            return (H > 0.0).astype(float)
        return 1.0 - A * A

    def scores(self, params, X):
        """Scores (P,) for binary, (P, C) for multi-class."""
        p = self.unpack(params)
        out = self._act(self._hidden_pre(p["W"], p["b1"], X)) @ p["V"].T + p["c"]
        return out[:, 0] if self.n_out == 1 else out

    def error(self, params, X, y):
        s = self.scores(params, X)
        if self.n_out == 1:
            return float(np.mean(y * s <= 0.0))
        return float(np.mean(np.argmax(s, axis=1) != y))

    def loss(self, params, X, y):
        """Σ_μ ℓ_μ (no penalty)."""
        s = self.scores(params, X)
        if self.n_out == 1:
            return float(np.logaddexp(0.0, -y * s).sum())
        return float(np.sum(logsumexp(s, axis=1) - s[np.arange(X.shape[0]), y]))

    def loss_grad(self, params, X, y):
        p = self.unpack(params)
        H = self._hidden_pre(p["W"], p["b1"], X)
        A = self._act(H)
        out = A @ p["V"].T + p["c"]
        if self.n_out == 1:
            h = y * out[:, 0]
            ell, d = _margin_loss("logistic", h)
            loss = float(ell.sum())
            dout = (d * y)[:, None]
        else:
            lse = logsumexp(out, axis=1)
            rows = np.arange(X.shape[0])
            loss = float(np.sum(lse - out[rows, y]))
            dout = np.exp(out - lse[:, None])
            dout[rows, y] -= 1.0
        dH = (dout @ p["V"]) * self._act_prime(H, A)
        grads = {}
        if self.tree:
            grads["W"] = np.einsum("pk,pkj->kj", dH, X.reshape(X.shape[0], self.n_hidden, self.fan_in))
        else:
            grads["W"] = dH.T @ X
        grads["b1"] = dH.sum(axis=0)
        grads["V"] = dout.T @ A
        grads["c"] = dout.sum(axis=0)
        g = np.empty(self.n_params)
        for name, _, sl, _ in self._layout:
            g[sl] = grads[name].ravel()
        return loss, g

    def penalty(self, params):
        w = np.asarray(params)[self.weight_mask]
        return 0.5 * self.lam * float(w @ w)

    def penalty_grad(self, params):
        return self.lam * np.where(self.weight_mask, np.asarray(params, dtype=float), 0.0)


class Objective:
    """A model on a training set, as the optimisers see it (see the module docstring for units).

    ``grad(params, idx)`` = (1/|idx|) Σ_{μ∈idx} ∇ℓ_μ + ∇penalty/P;
    ``value(params)`` = (Σ_μ ℓ_μ + penalty)/P;  ``evaluate(params)`` = dict(loss, train_error).
    """

    def __init__(self, model, X, y):
        self.model, self.X, self.y = model, np.asarray(X, dtype=float), np.asarray(y)
        self.n_samples = self.X.shape[0]

    def grad(self, params, idx):
        _, g = self.model.loss_grad(params, self.X[idx], self.y[idx])
        g /= len(idx)
        if self.model.lam:
            g += self.model.penalty_grad(params) / self.n_samples
        return g

    def value(self, params):
        return (self.model.loss(params, self.X, self.y) + self.model.penalty(params)) / self.n_samples

    def evaluate(self, params):
        return {"loss": self.value(params), "train_error": float(self.model.error(params, self.X, self.y))}
