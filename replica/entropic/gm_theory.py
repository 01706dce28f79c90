"""Replica-theory overlay for the Gaussian-mixture experiment, taken from ``replica.gaussian_mixture``
when it is importable (the experiment and its figure skip the overlay gracefully otherwise)."""

import math

DEFAULT_SIGMAS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)

__all__ = ["gm_theory", "bayes_error"]


def _gm_local_energy_theory():
    """``f(erm_result, loss, alpha, delta, lam, sigma, rho, bias) -> δε_train`` from
    ``replica.gaussian_mixture``, or None when the solver is not there (yet)."""
    try:
        from ..gaussian_mixture.local_energy import energy_of
        return lambda res, *args: float(energy_of(res, args[4]).delta_train_error)
    except (ImportError, AttributeError):
        pass
    try:
        from .. import gaussian_mixture as gm
        fn = getattr(gm, "local_energy", None)
    except ImportError:
        fn = None
    if not callable(fn):
        return None

    def call(res, *args):
        val = fn(*args)
        for attr in ("delta_train_error", "train"):
            if hasattr(val, attr):
                return float(getattr(val, attr))
        return float(val)
    return call


def gm_theory(loss="logistic", alpha=2.0, delta=1.0, rho=0.5, bias=False, lams=(), sigmas=DEFAULT_SIGMAS):
    """Replica-theory rows for the mixture, or ``None`` if ``replica.gaussian_mixture`` lacks them.

    Uses ``replica.gaussian_mixture.erm(loss, alpha, delta, lam, rho=, bias=)`` (ERM generalisation
    and training error, m, q, b), ``bayes_error(alpha, delta, rho)`` and, when present, its local
    energy (``local_energy.energy_of`` or ``local_energy(loss, alpha, delta, lam, sigma, rho, bias)``)
    for the training-set curve.  The test-set local energy follows from (m, q, b) in closed form
    (docs/theory.md §6): ``ρH((m+b)/√(Δq(1+σ²))) + (1-ρ)H((m-b)/√(Δq(1+σ²))) - ε_gen``.
    Returns ``{"bayes_error": float|None, "rows": [...]}``; a λ whose solver fails is skipped.
    """
    try:
        from .. import gaussian_mixture as gm
        erm, bayes = gm.erm, gm.bayes_error
    except (ImportError, AttributeError):
        return None
    from scipy.stats import norm

    le_theory = _gm_local_energy_theory()
    try:
        bo = float(bayes(alpha, delta, rho))
    except Exception:  # noqa: BLE001 - the overlay is optional; a failing solver only drops it
        bo = None
    rows = []
    for lam in lams:
        try:
            res = erm(loss, alpha, delta, lam, rho=rho, bias=bias)
        except Exception:  # noqa: BLE001
            continue
        m, q = float(res.m), float(res.q)
        b = float(getattr(res, "b", 0.0) or 0.0)
        row = {"source": "theory", "lam": lam, "m": m, "q": q, "b": b,
               "test_error": float(res.gen_error),
               "train_error": float(getattr(res, "train_error", math.nan))}
        for s in sigmas:
            scale = math.sqrt(delta * q * (1.0 + s * s))
            e = rho * norm.sf((m + b) / scale) + (1 - rho) * norm.sf((m - b) / scale)
            row[f"le_test_{s:g}"] = float(e - res.gen_error)
            if le_theory is not None:
                try:
                    row[f"le_train_{s:g}"] = le_theory(res, loss, alpha, delta, lam, s, rho, bias)
                except Exception:  # noqa: BLE001
                    pass
        rows.append(row)
    return {"bayes_error": bo, "rows": rows}


def bayes_error(alpha, delta, rho=0.5):
    """Bayes-optimal error of the mixture: ``replica.gaussian_mixture.bayes_error`` when available,
    else the closed form of docs/theory.md §1 (m = q = α/(α+Δ), b = (Δ/2) log(ρ/(1-ρ)))."""
    try:
        from ..gaussian_mixture import bayes_error as gm_bayes_error
        return float(gm_bayes_error(alpha, delta, rho))
    except (ImportError, AttributeError):
        pass
    from scipy.stats import norm

    q = alpha / (alpha + delta)
    b = 0.5 * delta * math.log(rho / (1.0 - rho))
    s = math.sqrt(delta * q)
    return float(rho * norm.sf((q + b) / s) + (1 - rho) * norm.sf((q - b) / s))
