"""Slow, independent reference implementation of the Gaussian-mixture ERM replica equations.

Everything here follows docs/theory.md section 0 (conventions) and section 1 (Gaussian mixture, ERM),
written for readability, not speed. It deliberately imports nothing from ``replica``: it is the
oracle the fast (numba) solver in ``replica.gaussian_mixture`` is tested against.

Conventions (docs/theory.md section 0)
------------------------------
* ``G(x) = exp(-x^2/2)/sqrt(2 pi)``, ``H(x) = erfc(x/sqrt 2)/2``, ``Phi(x) = 1 - H(x)``.
* Margin losses of ``h = y * preactivation``: square ``(1-h)^2/2``, logistic ``log(1+e^{-h})``,
  hinge ``max(0, 1-h)``.
* Proximal map ``p = prox_{tau l}(omega) = argmin_p (p-omega)^2/(2 tau) + l(p)``,
  ``g = (p-omega)/tau = -l'(p)``, ``dp/domega = 1/(1 + tau l''(p))``.

Data model (docs/theory.md section 1)
-----------------------------
``x = y v*/sqrt(N) + sqrt(Delta) z``, ``P(y=+1) = rho``; ERM
``min_{w,b} sum_mu l(y(w.x/sqrt N + b)) + lam/2 |w|^2``. Order parameters ``m = w.v*/N``,
``q = |w|^2/N``, susceptibility ``V``, bias ``b``.

RS fixed point (docs/theory.md section 1), with ``tau = Delta V``, ``mu_y = m + y b``, ``s = sqrt(Delta q)``,
``omega_y = mu_y + s xi``, ``E[F] = rho E_xi F_+ + (1-rho) E_xi F_-``::

    mhat = alpha E[g]     qhat = alpha Delta E[g^2]     Vhat = (alpha/V) E[1 - dp/domega]
    V = 1/(lam+Vhat)      m = mhat/(lam+Vhat)          q = (mhat^2 + qhat)/(lam+Vhat)^2
    bias (if learned):    E[y g] = 0

Public functions
----------------
``loss_value, prox, prox_derivative, slow_update, slow_observables, slow_erm,
square_closed_form, slow_bayes, mc_bayes_error, slow_separability_threshold``.

Run ``python -m tests.reference.gm_slow`` (from the repo root) for the self-checks.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy import integrate, optimize, special

LOSSES = ("square", "logistic", "hinge")

# quad settings used for every Gaussian expectation
_EPSABS = 1e-13
_EPSREL = 1e-12
_LIMIT = 200
_XI_MAX = 12.0  # Gaussian mass beyond |xi| > 12 is ~1e-33: negligible


# ----------------------------------------------------------------------------------------------
# Special functions (docs/theory.md section 0)
# ----------------------------------------------------------------------------------------------

def G(x):
    """Standard normal density ``G(x) = exp(-x^2/2)/sqrt(2 pi)``."""
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def H(x):
    """Gaussian tail ``H(x) = int_x^inf Dz = erfc(x/sqrt 2)/2``."""
    return 0.5 * math.erfc(x / math.sqrt(2.0))


def Phi(x):
    """Normal CDF ``Phi(x) = 1 - H(x) = H(-x)``."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


# ----------------------------------------------------------------------------------------------
# Losses and proximal map (docs/theory.md section 0)
# ----------------------------------------------------------------------------------------------

def _check_loss(loss):
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {LOSSES}")


def loss_value(loss, h):
    """Margin loss l(h): square (1-h)^2/2, logistic log(1+e^{-h}), hinge max(0, 1-h)."""
    _check_loss(loss)
    if loss == "square":
        return 0.5 * (1.0 - h) ** 2
    if loss == "logistic":
        return float(np.logaddexp(0.0, -h))
    return max(0.0, 1.0 - h)


def loss_prime_at_zero(loss):
    """l'(0): -1 for square and hinge, -1/2 for logistic (docs/theory.md section 0)."""
    _check_loss(loss)
    return -0.5 if loss == "logistic" else -1.0


def prox(loss, omega, tau):
    """Proximal map ``p = argmin_p (p-omega)^2/(2 tau) + l(p)`` (docs/theory.md section 0).

    square: ``p = (omega + tau)/(1 + tau)``;
    hinge: ``omega + tau`` (omega < 1-tau), ``1`` (1-tau <= omega <= 1), ``omega`` (omega > 1);
    logistic: root of ``p - omega - tau*sigmoid(-p) = 0`` by brentq on ``[omega, omega + tau]``.
    """
    _check_loss(loss)
    if loss == "square":
        return (omega + tau) / (1.0 + tau)
    if loss == "hinge":
        if omega < 1.0 - tau:
            return omega + tau
        if omega <= 1.0:
            return 1.0
        return omega

    def f(p):
        return p - omega - tau * special.expit(-p)

    lo, hi = omega, omega + tau
    flo, fhi = f(lo), f(hi)
    if flo == 0.0:
        return lo
    if fhi == 0.0:
        return hi
    return optimize.brentq(f, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)


def prox_g(loss, omega, tau, p=None):
    """``g = (p - omega)/tau = -l'(p)`` (docs/theory.md section 0).

    For square the closed form ``(1-omega)/(1+tau)`` is used, for logistic ``sigmoid(-p)``
    (identical to ``(p-omega)/tau`` at the prox but free of cancellation for small tau), and for
    hinge ``(p-omega)/tau`` piecewise (1, (1-omega)/tau, 0).
    """
    if p is None:
        p = prox(loss, omega, tau)
    if loss == "square":
        return (1.0 - omega) / (1.0 + tau)
    if loss == "logistic":
        return float(special.expit(-p))
    if omega < 1.0 - tau:
        return 1.0
    if omega <= 1.0:
        return (1.0 - omega) / tau
    return 0.0


def prox_derivative(loss, omega, tau, p=None):
    """``dp/domega = 1/(1 + tau l''(p))`` (docs/theory.md section 0); hinge: 1, 0, 1 piecewise."""
    _check_loss(loss)
    if loss == "square":
        return 1.0 / (1.0 + tau)
    if loss == "hinge":
        return 0.0 if (1.0 - tau <= omega <= 1.0) else 1.0
    if p is None:
        p = prox(loss, omega, tau)
    lpp = special.expit(p) * special.expit(-p)  # l''(p) = sigma(p) sigma(-p)
    return 1.0 / (1.0 + tau * lpp)


def _omega_kinks(loss, tau):
    """Points in omega where the integrands are non-smooth (or change regime)."""
    if loss == "hinge":
        return [1.0 - tau, 1.0]
    if loss == "logistic":
        return [tau * loss_prime_at_zero(loss)]  # p = 0  <=>  omega = -tau/2
    return []


# ----------------------------------------------------------------------------------------------
# Gaussian expectations over xi
# ----------------------------------------------------------------------------------------------

def _gauss_expect(fun, breakpoints_xi=()):
    """``E_xi fun(xi)`` for xi ~ N(0,1), by quad on [-12, 12] split at the given xi points."""
    edges = [-_XI_MAX]
    for x in sorted(x for x in breakpoints_xi if -_XI_MAX < x < _XI_MAX):
        if x - edges[-1] > 1e-9:  # merge (near-)coincident breakpoints: no sliver intervals
            edges.append(x)
    if _XI_MAX - edges[-1] <= 1e-9:
        edges.pop()
    edges.append(_XI_MAX)
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        if b <= a:
            continue
        val, _ = integrate.quad(lambda xi: fun(xi) * G(xi), a, b,
                                epsabs=_EPSABS, epsrel=_EPSREL, limit=_LIMIT)
        total += val
    return total


class _Channel:
    """The scalar channel of docs/theory.md section 1 at fixed (m, q, V, b): omega_y = mu_y + s xi.

    Caches prox values (quad evaluates several integrands at the same nodes).
    """

    def __init__(self, loss, delta, m, q, V, b):
        _check_loss(loss)
        if q <= 0 or V <= 0:
            raise ValueError(f"need q > 0 and V > 0, got q={q}, V={V}")
        self.loss = loss
        self.tau = delta * V
        self.s = math.sqrt(delta * q)
        self.m = m
        self.b = b
        self._cache = {}

    def mu(self, y):
        return self.m + y * self.b

    def omega(self, y, xi):
        return self.mu(y) + self.s * xi

    def p(self, omega):
        key = omega
        val = self._cache.get(key)
        if val is None:
            val = prox(self.loss, omega, self.tau)
            if len(self._cache) < 200000:
                self._cache[key] = val
        return val

    def g(self, omega):
        return prox_g(self.loss, omega, self.tau, self.p(omega))

    def dp(self, omega):
        return prox_derivative(self.loss, omega, self.tau, self.p(omega))

    def breakpoints(self, y):
        return [(w - self.mu(y)) / self.s for w in _omega_kinks(self.loss, self.tau)]

    def expect_y(self, y, fun_of_omega, extra_breaks=()):
        """``E_xi F(omega_y(xi))`` for the class y."""
        br = list(self.breakpoints(y)) + list(extra_breaks)
        return _gauss_expect(lambda xi: fun_of_omega(self.omega(y, xi)), br)

    def expect(self, rho, fun_of_omega_y):
        """``E[F] = rho E_xi F_+ + (1-rho) E_xi F_-``; ``fun_of_omega_y(omega, y)``."""
        ep = self.expect_y(+1, lambda w: fun_of_omega_y(w, +1))
        em = self.expect_y(-1, lambda w: fun_of_omega_y(w, -1))
        return rho * ep + (1.0 - rho) * em


def _bias_equation(loss, delta, rho, m, q, V, b):
    """``E[y g] = rho E_xi g_+ - (1-rho) E_xi g_-`` (docs/theory.md section 1); decreasing in b."""
    ch = _Channel(loss, delta, m, q, V, b)
    return rho * ch.expect_y(+1, ch.g) - (1.0 - rho) * ch.expect_y(-1, ch.g)


def solve_bias(loss, delta, rho, m, q, V, b0=0.0):
    """Solve ``E[y g] = 0`` for b at fixed (m, q, V) with brentq after bracketing around b0."""
    f = lambda b: _bias_equation(loss, delta, rho, m, q, V, b)
    step = 0.5
    lo, hi = b0 - step, b0 + step
    flo, fhi = f(lo), f(hi)
    for _ in range(200):
        if flo >= 0.0 >= fhi:
            break
        step *= 2.0
        if flo < 0.0:  # root is below lo (f decreasing)
            hi, fhi = lo, flo
            lo = b0 - step
            flo = f(lo)
        else:          # fhi > 0: root is above hi
            lo, flo = hi, fhi
            hi = b0 + step
            fhi = f(hi)
    else:
        raise RuntimeError("could not bracket the bias equation E[y g] = 0")
    if flo == 0.0:
        return lo
    if fhi == 0.0:
        return hi
    return optimize.brentq(f, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=500)


# ----------------------------------------------------------------------------------------------
# One application of the RS map (docs/theory.md section 1)
# ----------------------------------------------------------------------------------------------

def slow_update(loss, alpha, delta, lam, rho, bias, m, q, V, b, hats_at="new"):
    """One application of the RS map of docs/theory.md section 1 (zero temperature, derived form).

    With ``tau = Delta V``, ``mu_y = m + y b``, ``s = sqrt(Delta q)``, ``omega = mu_y + s xi``,
    ``g = (p - omega)/tau``::

        mhat = alpha E[g],  qhat = alpha Delta E[g^2],  Vhat = (alpha/V) E[1 - dp/domega]
        V_new = 1/(lam+Vhat), m_new = mhat/(lam+Vhat), q_new = (mhat^2+qhat)/(lam+Vhat)^2

    Bias: if ``bias`` the new b solves ``E[y g] = 0`` at the *input* (m, q, V) (brentq after
    bracketing; the function is decreasing in b); otherwise ``b_new = 0``.

    ``hats_at`` selects the bias used inside the hat expectations when ``bias`` is True:
    ``"new"`` (default) uses the freshly solved b_new (so the bias equation holds exactly at every
    step), ``"input"`` uses the input b. Both have the same fixed points. Without bias the input b
    is ignored and b = 0 is used throughout.

    Returns a dict with mhat, qhat, Vhat, m, q, V, b (the new values) and b_used (the bias that
    entered the hat expectations).
    """
    _check_loss(loss)
    if bias:
        b_new = solve_bias(loss, delta, rho, m, q, V, b0=b)
        if hats_at == "new":
            b_used = b_new
        elif hats_at == "input":
            b_used = b
        else:
            raise ValueError("hats_at must be 'new' or 'input'")
    else:
        b_new = 0.0
        b_used = 0.0

    ch = _Channel(loss, delta, m, q, V, b_used)
    Eg = ch.expect(rho, lambda w, y: ch.g(w))
    Eg2 = ch.expect(rho, lambda w, y: ch.g(w) ** 2)
    E1mdp = ch.expect(rho, lambda w, y: 1.0 - ch.dp(w))

    mhat = alpha * Eg
    qhat = alpha * delta * Eg2
    Vhat = (alpha / V) * E1mdp
    den = lam + Vhat
    return dict(mhat=mhat, qhat=qhat, Vhat=Vhat,
                m=mhat / den, q=(mhat ** 2 + qhat) / den ** 2, V=1.0 / den,
                b=b_new, b_used=b_used)


# ----------------------------------------------------------------------------------------------
# Observables (docs/theory.md section 1)
# ----------------------------------------------------------------------------------------------

def slow_observables(loss, alpha, delta, lam, rho, bias, m, q, V, b, check_tol=1e-9):
    """Generalisation error, training error and training loss at (m, q, V, b) (docs/theory.md section 1).

    * ``gen_error = rho H((m+b)/sqrt(Delta q)) + (1-rho) H((m-b)/sqrt(Delta q))``.
    * ``train_error`` by the docs/theory.md formula
      ``rho Phi((tau l'(0) - mu_+)/s) + (1-rho) Phi((tau l'(0) - mu_-)/s)``, and independently
      (``train_error_quad``) by integrating the indicator ``[p(omega) < 0]`` with quad, split at
      the zero of ``p(omega(xi))`` located numerically by brentq (not at the closed-form point).
      An AssertionError is raised if the two differ by more than ``check_tol``.
    * ``train_loss = E[l(p)]`` per sample.

    ``alpha``, ``lam`` and ``bias`` are accepted for a uniform signature; they do not enter.
    """
    _check_loss(loss)
    if not bias:
        b = 0.0
    ch = _Channel(loss, delta, m, q, V, b)
    s, tau = ch.s, ch.tau

    gen = rho * H((m + b) / s) + (1.0 - rho) * H((m - b) / s)

    lp0 = loss_prime_at_zero(loss)
    train_formula = (rho * Phi((tau * lp0 - ch.mu(+1)) / s)
                     + (1.0 - rho) * Phi((tau * lp0 - ch.mu(-1)) / s))

    # independent: indicator [p < 0] integrated with quad; the crossing xi_c where p = 0 is found
    # by brentq on xi -> p(omega_y(xi)) (p is nondecreasing in omega, and strictly so near p = 0).
    train_quad = 0.0
    for y, wy in ((+1, rho), (-1, 1.0 - rho)):
        fp = lambda xi: ch.p(ch.omega(y, xi))
        lo, hi = -_XI_MAX, _XI_MAX
        if fp(lo) >= 0.0:
            xc = lo
        elif fp(hi) < 0.0:
            xc = hi
        else:
            xc = optimize.brentq(fp, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
        ind = lambda xi: 1.0 if fp(xi) < 0.0 else 0.0
        train_quad += wy * _gauss_expect(ind, [xc])
    if abs(train_quad - train_formula) > check_tol:
        raise AssertionError(f"train error formula {train_formula!r} != quad {train_quad!r}")

    train_loss = ch.expect(rho, lambda w, y: loss_value(loss, ch.p(w)))
    return dict(gen_error=gen, train_error=train_formula, train_error_quad=train_quad,
                train_loss=train_loss)


# ----------------------------------------------------------------------------------------------
# Damped fixed-point iteration
# ----------------------------------------------------------------------------------------------

def slow_erm(loss, alpha, delta, lam, rho=0.5, bias=False, tol=1e-11, x0=None, damping=0.5,
             maxiter=5000, hats_at="new", verbose=False):
    """Solve the RS fixed point of docs/theory.md section 1 by plain damped iteration of ``slow_update``.

    ``x <- (1-damping) F(x) + damping x`` (docs/theory.md section 0), starting from ``x0 = (m, q, V, b)``
    (default ``(0.5, 1, 1, 0)``). Stops when the *undamped* residual
    ``max_i |F(x)_i - x_i| / max(1, |x_i|)`` over (m, q, V, b) is below ``tol``; the returned
    state is the last F(x). Raises RuntimeError if not converged within ``maxiter``.

    Returns dict: m, q, V, b, mhat, qhat, Vhat, gen_error, train_error, train_loss,
    iterations, residual.
    """
    _check_loss(loss)
    x = np.array([0.5, 1.0, 1.0, 0.0] if x0 is None else x0, dtype=float)
    if not bias:
        x[3] = 0.0
    res = np.inf
    for it in range(1, maxiter + 1):
        out = slow_update(loss, alpha, delta, lam, rho, bias, *x, hats_at=hats_at)
        fx = np.array([out["m"], out["q"], out["V"], out["b"]])
        if not np.all(np.isfinite(fx)):
            raise RuntimeError(f"non-finite iterate at iteration {it}: {fx}")
        res = float(np.max(np.abs(fx - x) / np.maximum(1.0, np.abs(x))))
        if verbose:
            print(it, fx, res)
        if res < tol:
            break
        x = (1.0 - damping) * fx + damping * x
    else:
        raise RuntimeError(f"slow_erm did not converge in {maxiter} iterations (residual {res:.3e})")

    m, q, V, b = (float(v) for v in fx)
    # hats at the converged point (consistent with the returned m, q, V, b)
    fin = slow_update(loss, alpha, delta, lam, rho, bias, m, q, V, b, hats_at=hats_at)
    obs = slow_observables(loss, alpha, delta, lam, rho, bias, m, q, V, b)
    return dict(m=m, q=q, V=V, b=b, mhat=fin["mhat"], qhat=fin["qhat"], Vhat=fin["Vhat"],
                gen_error=obs["gen_error"], train_error=obs["train_error"],
                train_loss=obs["train_loss"], iterations=it, residual=res)


# ----------------------------------------------------------------------------------------------
# Square loss closed form (docs/theory.md section 1)
# ----------------------------------------------------------------------------------------------

def square_closed_form(alpha, delta, lam, rho=0.5, bias=False):
    """Closed-form RS fixed point for the square loss, exactly as in docs/theory.md section 1.

    V is the positive root of ``lam Delta V^2 + (lam + Delta(alpha-1)) V - 1 = 0``;
    ``Vhat = alpha Delta/(1 + Delta V)``; ``c = 4 rho (1-rho)`` (bias) or 1 (no bias);
    ``A = alpha c V/(1 + Delta V)``, ``m = A/(1+A)``, ``b = (2 rho - 1)(1 - m)`` or 0,
    ``mhat = alpha c (1-m)/(1 + Delta V)``,
    ``q = V^2 [mhat^2 + alpha Delta c (1-m)^2/(1+Delta V)^2] / [1 - alpha Delta^2 V^2/(1+Delta V)^2]``,
    ``qhat = q/V^2 - mhat^2`` (from ``q = (mhat^2 + qhat) V^2``).
    Also returns gen_error and the closed-form train error/loss.
    """
    a2 = lam * delta
    a1 = lam + delta * (alpha - 1.0)
    if a2 > 0:
        disc = a1 * a1 + 4.0 * a2
        # positive root, written to avoid cancellation
        V = (2.0 / (a1 + math.sqrt(disc))) if a1 >= 0 else ((-a1 + math.sqrt(disc)) / (2.0 * a2))
    else:  # lam = 0: linear equation (only meaningful for alpha > 1)
        V = 1.0 / a1
    tau = delta * V
    Vhat = alpha * delta / (1.0 + tau)
    c = 4.0 * rho * (1.0 - rho) if bias else 1.0
    A = alpha * c * V / (1.0 + tau)
    m = A / (1.0 + A)
    b = (2.0 * rho - 1.0) * (1.0 - m) if bias else 0.0
    mhat = alpha * c * (1.0 - m) / (1.0 + tau)
    q = V ** 2 * (mhat ** 2 + alpha * delta * c * (1.0 - m) ** 2 / (1.0 + tau) ** 2) \
        / (1.0 - alpha * delta ** 2 * V ** 2 / (1.0 + tau) ** 2)
    qhat = q / V ** 2 - mhat ** 2
    s = math.sqrt(delta * q)
    gen = rho * H((m + b) / s) + (1.0 - rho) * H((m - b) / s)
    # p = (omega + tau)/(1+tau): train error P(omega < -tau); loss (1-p)^2/2 = (1-omega)^2/(2(1+tau)^2)
    train_err = rho * Phi((-tau - m - b) / s) + (1.0 - rho) * Phi((-tau - m + b) / s)
    e2 = rho * (1.0 - m - b) ** 2 + (1.0 - rho) * (1.0 - m + b) ** 2 + s * s
    train_loss = 0.5 * e2 / (1.0 + tau) ** 2
    return dict(m=m, q=q, V=V, b=b, mhat=mhat, qhat=qhat, Vhat=Vhat, gen_error=gen,
                train_error=train_err, train_loss=train_loss)


# ----------------------------------------------------------------------------------------------
# Bayes-optimal (docs/theory.md section 1)
# ----------------------------------------------------------------------------------------------

def slow_bayes(alpha, delta, rho=0.5):
    """Bayes-optimal overlaps and error (docs/theory.md section 1).

    ``m_BO = q_BO = alpha/(alpha+Delta)``, ``b_BO = (Delta/2) log(rho/(1-rho))``,
    ``eps_BO = rho H((q+b)/sqrt(Delta q)) + (1-rho) H((q-b)/sqrt(Delta q))``;
    balanced: ``H(sqrt(alpha/(Delta(alpha+Delta))))``.
    """
    qbo = alpha / (alpha + delta)
    bbo = 0.5 * delta * math.log(rho / (1.0 - rho))
    s = math.sqrt(delta * qbo)
    eps = rho * H((qbo + bbo) / s) + (1.0 - rho) * H((qbo - bbo) / s)
    return dict(m=qbo, q=qbo, b=bbo, gen_error=eps)


def mc_bayes_error(alpha, delta, rho, N=2000, n_samples=20, n_test=20000, seed=0):
    """Monte Carlo Bayes risk at finite N, independent of the replica formulas.

    For each sample: draw v* ~ N(0, I_N), P = alpha N labelled points. Given the labels the model
    is linear-Gaussian and coordinate-wise independent, so the posterior of v* is exactly
    ``N(vhat, sigma^2 I)`` with ``sigma^2 = 1/(1 + P/(N Delta))`` and
    ``vhat = sigma^2 sum_mu y_mu x_mu /(sqrt(N) Delta)``. The posterior predictive of a new x given
    y is ``N(y vhat/sqrt N, (Delta + sigma^2/N) I)``, so the Bayes classifier (max class
    posterior) is ``sign(x.vhat/sqrt N + (Delta + sigma^2/N)/2 log(rho/(1-rho)))``.
    Its test error is measured (i) exactly given (vhat, v*) (the preactivation is Gaussian given y)
    and (ii) on ``n_test`` fresh test points. Returns means and standard errors over samples.
    """
    rng = np.random.default_rng(seed)
    P = int(round(alpha * N))
    exact, empirical = [], []
    for _ in range(n_samples):
        v = rng.standard_normal(N)
        y = np.where(rng.random(P) < rho, 1.0, -1.0)
        X = y[:, None] * v[None, :] / math.sqrt(N) + math.sqrt(delta) * rng.standard_normal((P, N))
        sig2 = 1.0 / (1.0 + P / (N * delta))
        vhat = sig2 * (y @ X) / (math.sqrt(N) * delta)
        bias = 0.5 * (delta + sig2 / N) * math.log(rho / (1.0 - rho))
        m = vhat @ v / N
        q = vhat @ vhat / N
        s = math.sqrt(delta * q)
        exact.append(rho * H((m + bias) / s) + (1.0 - rho) * H((m - bias) / s))
        yt = np.where(rng.random(n_test) < rho, 1.0, -1.0)
        Xt = yt[:, None] * v[None, :] / math.sqrt(N) + math.sqrt(delta) * rng.standard_normal((n_test, N))
        pred = np.where(Xt @ vhat / math.sqrt(N) + bias > 0, 1.0, -1.0)
        empirical.append(np.mean(pred != yt))
    exact, empirical = np.array(exact), np.array(empirical)
    k = math.sqrt(n_samples)
    return dict(exact_mean=exact.mean(), exact_sem=exact.std(ddof=1) / k,
                empirical_mean=empirical.mean(), empirical_sem=empirical.std(ddof=1) / k)


# ----------------------------------------------------------------------------------------------
# Separability threshold (docs/theory.md section 1)
# ----------------------------------------------------------------------------------------------

def _Eplus2(x):
    """``E_xi[(xi - x)_+^2] = (1 + x^2) H(x) - x G(x)``."""
    return (1.0 + x * x) * H(x) - x * G(x)


def _alpha_c(c, beta, delta, rho):
    """``(1 - c^2)/E_{y,xi}[(xi - (c + y beta)/sqrt(Delta))_+^2]``."""
    sd = math.sqrt(delta)
    den = rho * _Eplus2((c + beta) / sd) + (1.0 - rho) * _Eplus2((c - beta) / sd)
    return (1.0 - c * c) / den


def slow_separability_threshold(delta, rho=0.5, bias=False):
    """Linear-separability threshold (docs/theory.md section 1):

    ``alpha*(Delta, rho) = max_{c in [0,1), beta} (1-c^2)/E_{y,xi}[(xi - (c + y beta)/sqrt Delta)_+^2]``
    with ``E[(xi-x)_+^2] = (1+x^2) H(x) - x G(x)``; beta = 0 without bias.

    Maximised by a brute-force grid in c (and beta) followed by bounded ``minimize_scalar``
    polishing and, with bias, a final joint Nelder-Mead polish. Returns dict(alpha_star, c, beta).
    """
    if not bias:
        f = lambda c: -_alpha_c(c, 0.0, delta, rho)
        cs = np.linspace(0.0, 0.999, 1000)
        vals = [f(c) for c in cs]
        i = int(np.argmin(vals))
        lo, hi = cs[max(i - 1, 0)], cs[min(i + 1, len(cs) - 1)]
        if i == 0:
            # maximum at the boundary c = 0 is possible only in the degenerate limit
            r = optimize.minimize_scalar(f, bounds=(0.0, hi), method="bounded",
                                         options=dict(xatol=1e-13))
        else:
            r = optimize.minimize_scalar(f, bounds=(lo, hi), method="bounded",
                                         options=dict(xatol=1e-13))
        c = float(r.x)
        if f(0.0) < f(c):
            c = 0.0
        return dict(alpha_star=-f(c), c=c, beta=0.0)

    # with bias: inner max over beta (concave-ish, 1-d) at each c, outer max over c
    sd = math.sqrt(delta)

    def best_beta(c):
        g = lambda beta: -_alpha_c(c, beta, delta, rho)
        betas = np.linspace(-10.0 * (1.0 + sd), 10.0 * (1.0 + sd), 801)
        vals = [g(bb) for bb in betas]
        i = int(np.argmin(vals))
        lo, hi = betas[max(i - 1, 0)], betas[min(i + 1, len(betas) - 1)]
        r = optimize.minimize_scalar(g, bounds=(lo, hi), method="bounded", options=dict(xatol=1e-13))
        return float(r.x), -float(r.fun)

    F = lambda c: -best_beta(c)[1]
    cs = np.linspace(0.0, 0.999, 200)
    vals = [F(c) for c in cs]
    i = int(np.argmin(vals))
    lo, hi = cs[max(i - 1, 0)], cs[min(i + 1, len(cs) - 1)]
    r = optimize.minimize_scalar(F, bounds=(lo, hi), method="bounded", options=dict(xatol=1e-12))
    c = float(r.x)
    if F(0.0) < F(c):
        c = 0.0
    beta, a = best_beta(c)
    # final joint polish
    r2 = optimize.minimize(lambda x: -_alpha_c(min(max(x[0], 0.0), 0.999999), x[1], delta, rho),
                           x0=[c, beta], method="Nelder-Mead",
                           options=dict(xatol=1e-12, fatol=1e-15, maxiter=20000))
    if -r2.fun > a:
        c, beta, a = min(max(r2.x[0], 0.0), 0.999999), r2.x[1], -r2.fun
    return dict(alpha_star=float(a), c=float(c), beta=float(beta))


# ----------------------------------------------------------------------------------------------
# Self-checks
# ----------------------------------------------------------------------------------------------

def _rel(a, b):
    return abs(a - b) / max(1.0, abs(b))


def _selfcheck():
    print("== square loss: iteration vs the closed form of docs/theory.md §1 ==")
    for (alpha, delta, lam, rho, bias) in [(2.0, 1.0, 1.0, 0.5, False), (0.7, 0.5, 0.1, 0.5, False),
                                           (3.0, 2.0, 0.3, 0.2, True), (1.5, 0.5, 0.05, 0.7, True)]:
        t0 = time.time()
        it = slow_erm("square", alpha, delta, lam, rho, bias, tol=1e-13)
        cf = square_closed_form(alpha, delta, lam, rho, bias)
        err = max(_rel(it[k], cf[k]) for k in ("m", "q", "V", "b", "mhat", "qhat", "Vhat",
                                                "gen_error", "train_error", "train_loss"))
        print(f"  a={alpha} D={delta} lam={lam} rho={rho} bias={bias}: m={it['m']:.12f} "
              f"q={it['q']:.12f} V={it['V']:.12f} b={it['b']:.12f}  max rel diff={err:.2e} "
              f"({it['iterations']} it, {time.time() - t0:.1f}s)")
    print("  alpha=2, Delta=1, lam=1: V =", square_closed_form(2, 1, 1)["V"], "sqrt2-1 =", math.sqrt(2) - 1)

    print("== logistic / hinge points ==")
    for loss, (alpha, delta, lam, rho, bias) in [("logistic", (2.0, 0.5, 0.1, 0.5, False)),
                                                  ("hinge", (2.0, 0.5, 0.1, 0.5, False)),
                                                  ("logistic", (2.0, 0.5, 0.1, 0.3, True))]:
        t0 = time.time()
        r = slow_erm(loss, alpha, delta, lam, rho, bias)
        print(f"  {loss} a={alpha} D={delta} lam={lam} rho={rho} bias={bias}: "
              + " ".join(f"{k}={r[k]:.10g}" for k in ("m", "q", "V", "b", "gen_error",
                                                         "train_error", "train_loss", "iterations"))
              + f"  [{time.time() - t0:.1f}s]")

    print("== Bayes-optimal ==")
    for rho in (0.5, 0.2):
        bo = slow_bayes(2.0, 1.0, rho)
        mc = mc_bayes_error(2.0, 1.0, rho, N=2000, n_samples=10, n_test=10000)
        print(f"  rho={rho}: eps_BO={bo['gen_error']:.6f}  MC exact-given-w "
              f"{mc['exact_mean']:.6f}+-{mc['exact_sem']:.6f}  MC test "
              f"{mc['empirical_mean']:.6f}+-{mc['empirical_sem']:.6f}")
    print("  balanced formula H(sqrt(a/(D(a+D)))) =", H(math.sqrt(2.0 / (1.0 * 3.0))))

    print("== separability threshold ==")
    for d in (1e2, 1e4, 1e6):
        print(f"  Delta={d:g}: alpha*={slow_separability_threshold(d)['alpha_star']:.8f} (-> 2)")
    for d, rho, bias in ((1.0, 0.5, False), (1.0, 0.5, True), (1.0, 0.2, True), (0.5, 0.5, False)):
        print(f"  Delta={d} rho={rho} bias={bias}:", slow_separability_threshold(d, rho, bias))


if __name__ == "__main__":
    _selfcheck()
