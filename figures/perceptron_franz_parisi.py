"""φ_FP versus d for binary perceptrons: typical (κ̃ = 0) and max-margin (κ̃ = κ_max(α)) references.

Writes figures/data/perceptron_franz_parisi.csv and figures/perceptron_franz_parisi.png.
Run: python figures/perceptron_franz_parisi.py
"""

import csv
import math
import os

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from replica.perceptron import franz_parisi_curve, kappa_max

HERE = os.path.dirname(os.path.abspath(__file__))
ALPHAS = (0.3, 0.5, 0.7)
DS = np.geomspace(0.002, 0.3, 30)


def main():
    rows = []
    for alpha in ALPHAS:
        for ref, kref in (("typical", 0.0), ("max-margin", kappa_max(alpha, "binary") - 1e-10)):
            for r in franz_parisi_curve(alpha, DS, "binary", kref, 0.0).results:
                rows.append(dict(alpha=alpha, reference=ref, kappa_ref=kref, d=r.d, phi=r.phi, converged=r.converged))
    os.makedirs(os.path.join(HERE, "data"), exist_ok=True)
    with open(os.path.join(HERE, "data", "perceptron_franz_parisi.csv"), "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    d = np.geomspace(1e-3, 0.3, 200)
    ax.plot(d, -d * np.log(d) - (1 - d) * np.log(1 - d), "k:", label="α = 0 (shell entropy)")
    colors = dict(zip(ALPHAS, ("C0", "C1", "C2")))
    for alpha in ALPHAS:
        for ref, ls in (("typical", "--"), ("max-margin", "-")):
            sel = [r for r in rows if r["alpha"] == alpha and r["reference"] == ref and r["converged"]]
            ax.plot([r["d"] for r in sel], [r["phi"] for r in sel], ls, color=colors[alpha],
                    label=f"α = {alpha}, {ref}")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xscale("log")
    ax.set_xlabel("distance d from the reference")
    ax.set_ylabel("local entropy φ_FP(d)")
    ax.set_title("Binary perceptron: Franz–Parisi entropy (κ = 0)")
    ax.set_ylim(-0.05, 0.7)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, "perceptron_franz_parisi.png"), dpi=130)
    bad = sum(not r["converged"] for r in rows)
    print(f"{len(rows)} points, {bad} not converged")


if __name__ == "__main__":
    main()
