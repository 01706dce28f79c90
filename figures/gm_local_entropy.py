"""Figure: normalised local entropy Φ(d) of rescaled GM ERM minimisers for a λ grid (THEORY §5).

Balanced mixture, α = 2, Δ = 1; square and logistic losses; generalisation errors in the legend and the
Bayes-optimal error in the titles.  Writes figures/data/gm_local_entropy.csv and figures/gm_local_entropy.png.
Run: python figures/gm_local_entropy.py
"""

import csv
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from replica.gaussian_mixture.bayes import bayes_error
from replica.gaussian_mixture.local_entropy import local_entropy_curve

HERE = os.path.dirname(os.path.abspath(__file__))
ALPHA, DELTA = 2.0, 1.0
LAMS = (0.01, 0.1, 1.0, 10.0, 100.0)
DS = np.geomspace(1e-3, 0.25, 20)


def main():
    rows = []
    bo = bayes_error(ALPHA, DELTA)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, loss in zip(axes, ("square", "logistic")):
        for lam, color in zip(LAMS, plt.cm.viridis(np.linspace(0, 0.9, len(LAMS)))):
            res = local_entropy_curve(loss, ALPHA, DELTA, lam, d=DS).results
            for r in res:
                rows.append(dict(loss=loss, alpha=ALPHA, delta=DELTA, lam=lam, d=r.d, phi=r.phi, beta=r.beta,
                                 shell_error=r.shell_error, train_error=r.train_error, gen_error=r.ref_gen_error,
                                 bayes_error=bo, converged=r.converged))
            ax.plot(DS, [r.phi for r in res], color=color,
                    label=f"λ={lam:g}: ε_gen={res[0].ref_gen_error:.4f}")
        ax.set_xscale("log")
        ax.set_xlabel("distance d")
        ax.set_title(f"{loss}, α={ALPHA:g}, Δ={DELTA:g} (Bayes ε={bo:.4f}, reached as λ→∞)")
        ax.axhline(0.0, color="k", lw=0.6, ls=":")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("normalised local entropy Φ(d)")
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, "gm_local_entropy.png"), dpi=120)
    with open(os.path.join(HERE, "data", "gm_local_entropy.csv"), "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
