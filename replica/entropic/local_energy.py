"""The seed's cheap flatness measure, the local energy δε(σ) (docs/theory.md §6).

``δε(w, σ) = E_z ε(w ⊙ (1 + σ z)) - ε(w)``, z ~ N(0, I): multiplicative Gaussian noise on every
weight (``model.weight_mask``), biases not perturbed, ε the classification error on the given set.
The expectation is estimated from ``samples`` noise draws; the result carries the mean and its
standard error (sample standard deviation / √samples).  The same draws z are used at every σ
(common random numbers), so a curve is smooth in σ and its differences are estimated more
precisely than its values.  σ = 0 gives exactly 0.
"""

from dataclasses import dataclass

import numpy as np

from . import _checks

__all__ = ["LocalEnergy", "local_energy"]


@dataclass(frozen=True)
class LocalEnergy:
    """δε at each σ: ``delta`` (mean over draws) ± ``sem``; ``error0`` = ε(w) unperturbed."""

    sigmas: np.ndarray
    delta: np.ndarray
    sem: np.ndarray
    error0: float
    samples: int

    def as_dict(self, prefix=""):
        """Flat dict ``{prefix}{σ:g}`` -> δε and ``{prefix}se_{σ:g}`` -> s.e., for output rows."""
        out = {}
        for s, d, e in zip(self.sigmas, self.delta, self.sem):
            out[f"{prefix}{s:g}"] = float(d)
            out[f"{prefix}se_{s:g}"] = float(e)
        return out


def local_energy(model, params, X, y, sigmas, samples=50, seed=0, chunk=64):
    """δε(σ) of ``model`` at ``params`` on the set (X, y), mean ± s.e. over ``samples`` draws.

    ``model`` needs ``error(params, X, y)`` and ``weight_mask``; if it sets
    ``supports_stacked_params`` its ``error`` is called on stacks of ``chunk`` perturbed vectors.
    """
    samples = _checks.integer("samples", samples)
    _checks.integer("seed", seed, low=0)
    sig = np.atleast_1d(np.asarray(sigmas, dtype=float))
    for s in sig:
        _checks.real("sigma", float(s))
    params = np.asarray(params, dtype=float)
    mask = np.asarray(model.weight_mask, dtype=bool)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((samples, int(mask.sum())))
    e0 = float(model.error(params, X, y))
    stacked = getattr(model, "supports_stacked_params", False)
    delta, sem = np.empty(sig.size), np.empty(sig.size)
    for i, s in enumerate(sig):
        errs = np.empty(samples)
        for start in range(0, samples, chunk):
            zz = z[start:start + chunk]
            P = np.tile(params, (zz.shape[0], 1))
            P[:, mask] *= 1.0 + s * zz
            if stacked:
                errs[start:start + zz.shape[0]] = model.error(P, X, y)
            else:
                errs[start:start + zz.shape[0]] = [model.error(p, X, y) for p in P]
        d = errs - e0
        delta[i] = d.mean()
        sem[i] = d.std(ddof=1) / np.sqrt(samples) if samples > 1 else np.nan
    return LocalEnergy(sig, delta, sem, e0, samples)
