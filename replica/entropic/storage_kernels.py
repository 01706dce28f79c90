"""Numba kernels of the binary-perceptron storage solvers (:mod:`replica.entropic.storage`): simulated
annealing, replicated SA, binary-connect SGD, Replicated-SGD and Entropy-SGD on ±1 patterns, with the fields
updated incrementally (the budget conventions are in the docstring of :mod:`.storage`)."""

import math

import numpy as np

from .._numba import kernel
from ..saddle_point.special import log_2cosh

ALGORITHMS = ("sa", "rsa", "sgd", "rsgd", "esgd")   # the methods these kernels implement, in report order


@kernel
def _seed(seed):
    np.random.seed(seed)


@kernel
def _pattern_energy(f, kind, sqrtn):
    if f > 0:
        return 0.0
    return 1.0 if kind == 1 else -f / sqrtn


@kernel
def _count_viol(F):
    v = 0
    for mu in range(F.shape[0]):
        if F[mu] < 0:
            v += 1
    return v


@kernel
def _rsa(XT, W, F, m, G, kind, beta0, beta1, gamma0, gamma1, sweeps, check_centre):
    """Replicated SA (y = 1, γ = 0: plain SA).  W (y, N) ±1 (float), F (y, P) int64 fields, m (N) = Σ_a W[a],
    G (P) int64 fields of the majority centre (y odd).  ``sweeps`` per replica, each of y·N proposals.
    Returns (who solved: -1 none, a < y a replica, y the centre; proposals done)."""
    y, n = W.shape
    p = XT.shape[1]
    sqrtn = math.sqrt(n)
    viol = np.zeros(y, dtype=np.int64)
    for a in range(y):
        viol[a] = _count_viol(F[a])
        if viol[a] == 0:
            return a, 0
    cviol = _count_viol(G)
    if check_centre and cviol == 0:
        return y, 0
    rb = (beta1 / beta0) ** (1.0 / max(sweeps - 1, 1))
    rg = (gamma1 / gamma0) ** (1.0 / max(sweeps - 1, 1)) if gamma0 > 0 else 1.0
    beta, gamma = beta0, gamma0
    done = 0
    for sweep in range(sweeps):
        for _ in range(y * n):
            done += 1
            a = np.random.randint(y) if y > 1 else 0
            i = np.random.randint(n)
            s = W[a, i]
            two_s = int(2.0 * s)
            row = XT[i]
            fa = F[a]
            de = 0.0
            for mu in range(p):
                old = fa[mu]
                new = old - two_s * row[mu]
                if old < 0 or new < 0:
                    de += _pattern_energy(new, kind, sqrtn) - _pattern_energy(old, kind, sqrtn)
            x = -beta * de
            mi = m[i]
            if gamma > 0.0:
                x += log_2cosh(gamma * (mi - 2.0 * s)) - log_2cosh(gamma * mi)
            if x >= 0.0 or np.random.random() < math.exp(x):
                W[a, i] = -s
                m[i] = mi - 2.0 * s
                v = 0
                for mu in range(p):
                    fa[mu] -= two_s * row[mu]
                    if fa[mu] < 0:
                        v += 1
                viol[a] = v
                if v == 0:
                    return a, done
                if check_centre and (mi > 0.0) != (m[i] > 0.0):   # the majority of site i changed sign
                    c2 = 2 if m[i] > 0.0 else -2                   # new centre weight minus old one
                    v = 0
                    for mu in range(p):
                        G[mu] += c2 * row[mu]
                        if G[mu] < 0:
                            v += 1
                    if v == 0:
                        return y, done
        beta *= rb
        gamma *= rg
    return -1, done


@kernel
def _flip_sync(XT, h, w, F, viol):
    """After h changed: flip the binary weights w = sign(h) whose sign changed and update the fields F; returns the
    number of violated patterns (``viol`` before the update, kept up to date incrementally)."""
    n = h.shape[0]
    p = XT.shape[1]
    for i in range(n):
        s = 1.0 if h[i] >= 0.0 else -1.0
        if s != w[i]:
            two = int(2.0 * s)
            w[i] = s
            row = XT[i]
            for mu in range(p):
                old = F[mu]
                new = old + two * row[mu]
                F[mu] = new
                viol += (new < 0) - (old < 0)
    return viol


@kernel
def _grad_step(X, XT, h, w, F, perm, pos, batch, lr, kf, sqrtn):
    """One binary-connect minibatch step of hinge max(0, κ_t - Δ) on chain (h, w, F); perm/pos: its stream.
    Returns (new pos, gradients evaluated).  The hidden weights are clipped to [-1, 1]; w and F are not updated
    (:func:`_flip_sync`)."""
    p, n = X.shape
    cnt = 0
    c = lr / (batch * sqrtn)
    touched = False
    for b in range(batch):
        if pos == p:
            pos = 0
            perm[:] = np.random.permutation(p)
        mu = perm[pos]
        pos += 1
        cnt += 1
        if F[mu] < kf:
            touched = True
            row = X[mu]
            for i in range(n):
                h[i] += c * row[i]
    if touched:
        for i in range(n):
            if h[i] > 1.0:
                h[i] = 1.0
            elif h[i] < -1.0:
                h[i] = -1.0
    return pos, cnt


@kernel
def _sgd(X, XT, h, w, F, lr, kf, batch, max_grads):
    p = X.shape[0]
    sqrtn = math.sqrt(X.shape[1])
    perm = np.random.permutation(p)
    pos = 0
    grads = 0
    viol = _count_viol(F)
    if viol == 0:
        return 0, 0
    while grads < max_grads:
        pos, c = _grad_step(X, XT, h, w, F, perm, pos, min(batch, max_grads - grads), lr, kf, sqrtn)
        grads += c
        viol = _flip_sync(XT, h, w, F, viol)
        if viol == 0:
            return 0, grads
    return -1, grads


@kernel
def _rsgd(X, XT, H, W, F, c, wc, G, lr, kf, batch, gamma0, gamma1, max_grads):
    """y replicas H (y, N) with binary W, fields F (y, P); centre c = mean of H, wc = sign(c), fields G."""
    y, n = H.shape
    p = X.shape[0]
    sqrtn = math.sqrt(n)
    perms = np.empty((y, p), dtype=np.int64)
    pos = np.zeros(y, dtype=np.int64)
    viol = np.zeros(y, dtype=np.int64)
    for a in range(y):
        perms[a] = np.random.permutation(p)
        viol[a] = _count_viol(F[a])
        if viol[a] == 0:
            return a, 0
    cviol = _count_viol(G)
    if cviol == 0:
        return y, 0
    iters = max(1, max_grads // (y * batch))
    rg = (gamma1 / gamma0) ** (1.0 / max(iters - 1, 1))
    gamma = gamma0
    grads = 0
    while grads < max_grads:
        for a in range(y):
            if grads >= max_grads:
                break
            pos[a], k = _grad_step(X, XT, H[a], W[a], F[a], perms[a], pos[a], min(batch, max_grads - grads),
                                   lr, kf, sqrtn)
            grads += k
        for i in range(n):
            s = 0.0
            for a in range(y):
                s += H[a, i]
            c[i] = s / y
        k = min(lr * gamma, 1.0)
        for a in range(y):
            for i in range(n):
                H[a, i] += k * (c[i] - H[a, i])
            viol[a] = _flip_sync(XT, H[a], W[a], F[a], viol[a])
            if viol[a] == 0:
                return a, grads
        cviol = _flip_sync(XT, c, wc, G, cviol)
        if cviol == 0:
            return y, grads
        gamma = min(gamma * rg, gamma1)
    return -1, grads


@kernel
def _esgd(X, XT, h, w, F, hp, wp, Fp, mu_avg, lr, kf, batch, inner, noise, average, outer_lr, gamma0, gamma1,
          max_grads):
    """Entropy-SGD: centre h (binary w, fields F), walker hp (wp, Fp).  Returns (0 centre, 1 walker, -1; grads)."""
    n = h.shape[0]
    p = X.shape[0]
    sqrtn = math.sqrt(n)
    v = _count_viol(F)
    if v == 0:
        return 0, 0
    perm = np.random.permutation(p)
    pos = 0
    outers = max(1, max_grads // (inner * batch))
    rg = (gamma1 / gamma0) ** (1.0 / max(outers - 1, 1))
    gamma = gamma0
    grads = 0
    sq = math.sqrt(lr) * noise
    while grads < max_grads:
        hp[:] = h
        wp[:] = w
        Fp[:] = F
        vp = v
        mu_avg[:] = h
        for _ in range(inner):
            if grads >= max_grads:
                break
            k = min(lr * gamma, 1.0)
            for i in range(n):   # coupling and noise first, then the (clipped) data gradient
                hp[i] += -k * (hp[i] - h[i]) + sq * np.random.standard_normal()
            pos, c = _grad_step(X, XT, hp, wp, Fp, perm, pos, min(batch, max_grads - grads), lr, kf, sqrtn)
            grads += c
            vp = _flip_sync(XT, hp, wp, Fp, vp)
            if vp == 0:
                return 1, grads
            for i in range(n):
                mu_avg[i] = average * mu_avg[i] + (1.0 - average) * hp[i]
        for i in range(n):
            h[i] -= outer_lr * (h[i] - mu_avg[i])
        v = _flip_sync(XT, h, w, F, v)
        if v == 0:
            return 0, grads
        gamma = min(gamma * rg, gamma1)
    return -1, grads
