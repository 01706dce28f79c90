"""Statistics of storage experiments (:mod:`replica.entropic.storage`): success probability per point with its
Wilson interval, the algorithmic threshold α_alg where the solved fraction drops through ½ (bootstrap over
instances), and paired threshold differences between methods."""

import math

import numpy as np

from .storage_kernels import ALGORITHMS


def _truthy(v):
    return v is True or str(v) in ("True", "true", "1", "1.0")


def wilson(k, n, z=1.959964):
    """Wilson score 95 % interval of a binomial proportion k/n."""
    if n == 0:
        return math.nan, math.nan
    ph = k / n
    den = 1 + z * z / n
    mid = (ph + z * z / (2 * n)) / den
    half = z * math.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def summarize(rows):
    """Per (algorithm, n, alpha): instances, solved fraction with its binomial s.e. and Wilson 95 % interval, mean
    sweep-equivalents used by the solved runs, mean seconds per run."""
    groups = {}
    for r in rows:
        groups.setdefault((str(r["algorithm"]), int(float(r["n"])), float(r["alpha"])), []).append(r)
    out = []
    for (m, n, a), rs in groups.items():
        k = sum(_truthy(r["solved"]) for r in rs)
        t = len(rs)
        lo, hi = wilson(k, t)
        used = [float(r["used"]) for r in rs if _truthy(r["solved"])]
        out.append({"algorithm": m, "n": n, "alpha": a, "instances": t, "solved": k, "p_solved": k / t,
                    "p_solved_se": math.sqrt(k / t * (1 - k / t) / t), "p_lo95": lo, "p_hi95": hi,
                    "used_mean": float(np.mean(used)) if used else math.nan,
                    "seconds_mean": float(np.mean([float(r["seconds"]) for r in rs]))})
    return out


def _isotonic_decreasing(y, w):
    """Weighted least-squares non-increasing fit (pool adjacent violators)."""
    blocks = []                                   # [value, weight, count]
    for v, wt in zip(y, w):
        blocks.append([v, wt, 1])
        while len(blocks) > 1 and blocks[-2][0] < blocks[-1][0]:
            v2, w2, c2 = blocks.pop()
            v1, w1, c1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    return np.concatenate([[v] * c for v, _, c in blocks])


def _crossing(alphas, counts, totals):
    """α where the (isotonic, non-increasing) solved fraction crosses ½, by linear interpolation between the two
    grid points around it; NaN if it does not cross inside the grid."""
    f = _isotonic_decreasing(counts / totals, totals)
    above = np.flatnonzero(f > 0.5)
    if above.size == 0 or above[-1] == len(f) - 1:
        return math.nan
    j = above[-1]
    a0, a1, f0, f1 = alphas[j], alphas[j + 1], f[j], f[j + 1]
    return float(a0 + (f0 - 0.5) * (a1 - a0) / (f0 - f1))


def alpha_alg(rows, n_boot=500, seed=0):
    """Per (algorithm, n): the algorithmic threshold α_alg where the solved fraction drops through ½.

    The solved fractions over the α grid are made non-increasing (isotonic regression, weighted by instances) and
    interpolated linearly between the two grid points around ½; the error bar is a bootstrap over instances
    (resampled within each α): ``alpha_alg_se`` and the 95 % percentile interval ``alpha_lo95, alpha_hi95``.  When
    the drop is sharper than the grid, the bootstrap spread is only the grid's resolution: ``bracket_lo,
    bracket_hi`` are the grid points around the crossing.  ``status``: ``ok``; ``above_range`` (the fraction stays
    above ½ up to the largest α tried: α_alg is above it), ``below_range`` (below ½ already at the smallest α)."""
    groups = {}
    for r in rows:
        groups.setdefault((str(r["algorithm"]), int(float(r["n"]))), []).append(r)
    out = []
    rng = np.random.default_rng(seed)
    for (m, n), rs in sorted(groups.items(), key=lambda kv: (ALGORITHMS.index(kv[0][0])
                                                               if kv[0][0] in ALGORITHMS else 99, kv[0][1])):
        a = np.array([float(r["alpha"]) for r in rs])
        s = np.array([1.0 if _truthy(r["solved"]) else 0.0 for r in rs])
        alphas = np.unique(a)
        outcomes = [s[a == x] for x in alphas]
        counts = np.array([o.sum() for o in outcomes])
        totals = np.array([o.size for o in outcomes], dtype=float)
        a0 = _crossing(alphas, counts, totals)
        row = {"algorithm": m, "n": n, "instances": int(totals.min()), "alpha_alg": a0}
        if math.isnan(a0):
            f = _isotonic_decreasing(counts / totals, totals)
            status = "above_range" if f[-1] > 0.5 else "below_range"
            row.update(alpha_alg_se=math.nan, alpha_lo95=math.nan, alpha_hi95=math.nan,
                       bracket_lo=float(alphas[-1]) if status == "above_range" else math.nan,
                       bracket_hi=float(alphas[0]) if status == "below_range" else math.nan, status=status)
        else:
            boots = []
            for _ in range(n_boot):
                c = np.array([rng.choice(o, o.size).sum() for o in outcomes])
                boots.append(_crossing(alphas, c, totals))
            boots = np.array(boots)
            fin = boots[np.isfinite(boots)]
            j = np.searchsorted(alphas, a0)
            row.update(alpha_alg_se=float(fin.std(ddof=1)) if fin.size > 1 else math.nan,
                       alpha_lo95=float(np.percentile(fin, 2.5)) if fin.size else math.nan,
                       alpha_hi95=float(np.percentile(fin, 97.5)) if fin.size else math.nan,
                       bracket_lo=float(alphas[max(j - 1, 0)]), bracket_hi=float(alphas[min(j, len(alphas) - 1)]),
                       status="ok", boot_outside=int(boots.size - fin.size))
        out.append(row)
    return out


def threshold_differences(rows, reference="sa", n_boot=500, seed=0):
    """Paired differences α_alg(method) - α_alg(reference) per N: every method ran on the same instances, so the
    bootstrap resamples instance numbers jointly for both (within each α).  Rows: ``algorithm, n, reference, diff,
    diff_se, diff_lo95, diff_hi95, boot_used`` (bootstrap draws where both crossings exist inside the α grid);
    a method whose threshold is outside the grid gets NaN."""
    by = {}
    for r in rows:
        key = (str(r["algorithm"]), int(float(r["n"])))
        by.setdefault(key, {})[(float(r["alpha"]), int(float(r["instance"])))] = 1.0 if _truthy(r["solved"]) else 0.0
    rng = np.random.default_rng(seed)
    out = []
    for (m, n), table in sorted(by.items(), key=lambda kv: (kv[0][1], ALGORITHMS.index(kv[0][0])
                                                             if kv[0][0] in ALGORITHMS else 99)):
        ref = by.get((reference, n))
        if m == reference or ref is None:
            continue
        common = sorted(set(table) & set(ref))
        alphas = np.unique([a for a, _ in common])
        inst = {a: np.array([k for b, k in common if b == a]) for a in alphas}

        def crossing(tab, pick):
            c = np.array([sum(tab[(a, k)] for k in pick[a]) for a in alphas])
            t = np.array([len(pick[a]) for a in alphas], dtype=float)
            return _crossing(alphas, c, t)

        d0 = crossing(table, inst) - crossing(ref, inst)
        boots = []
        for _ in range(n_boot):
            pick = {a: rng.choice(ks, ks.size) for a, ks in inst.items()}
            boots.append(crossing(table, pick) - crossing(ref, pick))
        boots = np.array(boots)
        fin = boots[np.isfinite(boots)]
        out.append({"algorithm": m, "n": n, "reference": reference, "diff": float(d0),
                    "diff_se": float(fin.std(ddof=1)) if fin.size > 1 else math.nan,
                    "diff_lo95": float(np.percentile(fin, 2.5)) if fin.size else math.nan,
                    "diff_hi95": float(np.percentile(fin, 97.5)) if fin.size else math.nan,
                    "boot_used": int(fin.size)})
    return out
