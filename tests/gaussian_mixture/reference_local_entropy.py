"""Slow, independent reference for the GM local entropy and local energy (docs/gm_local_entropy.md).

Imports nothing from ``replica``: the prox comes from ``tests/reference/gm_slow.py`` (brentq), the
1-D integrals from ``scipy.integrate.quad``, and the RS free entropy is written as the *function*
``F(Q, M, T)`` of the derivation (not the fixed-point equations of the fast code), evaluated on a dense
trapezoid grid in ξ times a 160-node Gauss–Hermite rule in z, and made stationary by
``scipy.optimize.root`` on a finite-difference gradient.
"""

import math

import numpy as np
from scipy import integrate, optimize, special

from tests.reference import gm_slow

XI_MAX = 10.0


def _classes(rho):
    return ((1.0, rho), (-1.0, 1.0 - rho))


def _quad_xi(fun, breaks):
    pts = sorted(x for x in breaks if -XI_MAX < x < XI_MAX)
    val, _ = integrate.quad(lambda xi: fun(xi) * gm_slow.G(xi), -XI_MAX, XI_MAX, points=pts or None,
                            limit=400, epsabs=1e-13, epsrel=1e-11)
    return val


def _xi_of_p(loss, p, tau, mu, s):
    """ξ at which the prox output equals p (explicit inverse ω = p + τℓ'(p))."""
    if loss == "square":
        lp = p - 1.0
    elif loss == "logistic":
        lp = -1.0 / (1.0 + math.exp(p))
    else:
        lp = -1.0 if p <= 1.0 else 0.0
    return (p + tau * lp - mu) / s


def shell_error_ref(loss, delta, rho, m, q, V, b, d):
    """``E_{y,ξ} H((S p + (1-S) y b)/√(Δq(1-S²)))`` by quad, p by brentq."""
    S = 1.0 - 2.0 * d
    tau, s = delta * V, math.sqrt(delta * q)
    width = math.sqrt(delta * q * (1.0 - S * S))
    total = 0.0
    for y, w in _classes(rho):
        mu = m + y * b
        p0 = -(1.0 - S) * y * b / S
        breaks = [_xi_of_p(loss, p0 + k * width, tau, mu, s) for k in (-3, -1, 0, 1, 3)]
        total += w * _quad_xi(lambda xi: gm_slow.H((S * gm_slow.prox(loss, mu + s * xi, tau) + (1 - S) * y * b)
                                                     / width), breaks)
    return total


def noisy_train_error_ref(loss, delta, rho, m, q, V, b, sigma):
    """``E_{y,ξ} H(p/(σ√(Δq)))`` by quad."""
    tau, s = delta * V, math.sqrt(delta * q)
    sn = sigma * s
    total = 0.0
    for y, w in _classes(rho):
        mu = m + y * b
        breaks = [_xi_of_p(loss, k * sn, tau, mu, s) for k in (-3, -1, 0, 1, 3)]
        total += w * _quad_xi(lambda xi: gm_slow.H(gm_slow.prox(loss, mu + s * xi, tau) / sn), breaks)
    return total


class FreeEntropyRef:
    """``F(Q, M, T)`` of the RS derivation on a dense grid, for one reference minimiser and shell."""

    def __init__(self, loss, alpha, delta, rho, m, q, V, b, d, n_xi=4001, n_z=160):
        self.alpha, self.delta, self.q, self.b = alpha, delta, q, b
        self.S = S = 1.0 - 2.0 * d
        self.a = math.sqrt(1.0 - S * S)
        tau, s = delta * V, math.sqrt(delta * q)
        xi = np.linspace(-XI_MAX, XI_MAX, n_xi)
        wx = np.full(n_xi, xi[1] - xi[0]) * np.exp(-0.5 * xi * xi) / math.sqrt(2 * math.pi)
        wx[0] *= 0.5
        wx[-1] *= 0.5
        A, g, W = [], [], []
        for y, w in _classes(rho):
            omega = m + y * b + s * xi
            p = np.array([gm_slow.prox(loss, om, tau) for om in omega])
            A.append((S * p + (1.0 - S) * y * b) / math.sqrt(q))
            g.append((p - omega) / tau)
            W.append(w * wx)
        self.A, self.g, self.W = np.concatenate(A), np.concatenate(g), np.concatenate(W)
        self.W /= self.W.sum()
        self.Eg = self.W @ self.g
        self.Eg2 = self.W @ self.g ** 2
        self.c2 = 1.0 - m * m / q
        z, wz = special.roots_hermitenorm(n_z)
        self.z, self.wz = z, wz / wz.sum()

    def F(self, Q, M, T, beta):
        """The free-entropy function; at a stationary point it is Φ_β."""
        sig = math.sqrt(self.delta * (1.0 - Q))
        B = self.A / self.a + M - T * self.g
        u = (B[:, None] + math.sqrt(self.delta * Q) * self.z[None, :]) / sig
        if math.isinf(beta):
            L = special.log_ndtr(u)
        else:
            L = np.logaddexp(-beta, np.log1p(-math.exp(-beta)) + special.log_ndtr(u))
        EL = self.W @ (L @ self.wz)
        dT = T - M * self.Eg / self.Eg2
        return (0.5 * math.log1p(-Q) + (Q - M * M / self.c2) / (2 * (1 - Q))
                + self.alpha * self.Eg2 * dT * dT / (2 * self.delta * (1 - Q)) + self.alpha * EL)

    def saddle(self, beta, x0=(0.05, 0.0, 0.1), h=1e-5):
        """Stationary point of F in (Q, M, T) by scipy.optimize.root on a central-difference gradient."""
        def grad(x):
            out = np.empty(3)
            for i in range(3):
                e = np.zeros(3)
                e[i] = h
                out[i] = (self.F(*(x + e), beta) - self.F(*(x - e), beta)) / (2 * h)
            return out

        sol = optimize.root(grad, np.array(x0, float), method="hybr", options={"xtol": 1e-10})
        if not np.max(np.abs(sol.fun)) < 1e-7:
            raise RuntimeError(f"reference saddle not found: {sol.message}")
        x = sol.x
        phi = self.F(*x, beta)
        db = 1e-5
        energy = -(self.F(*x, beta + db) - self.F(*x, beta - db)) / (2 * db) / self.alpha
        return dict(Q=x[0], M=x[1], T=x[2], phi=phi, energy=energy)
