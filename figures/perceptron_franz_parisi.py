"""φ_FP versus d for binary perceptrons: typical (κ̃ = 0) and max-margin (κ̃ = κ_max(α)) references.

Writes figures/data/perceptron_franz_parisi.csv and figures/perceptron_franz_parisi.png (and .pdf).
Run: python figures/perceptron_franz_parisi.py [--quick] [--out-dir DIR]

What the picture shows (docs/perceptron.md, "Franz–Parisi, typical references"):
- dots: the Gardner entropy at the typical distance d_typ — the maximum of the κ̃ = κ curves (identity);
- typical references are isolated at every α (φ_FP < 0 just above d = 0; the grey band, where the RS
  value is formal: no solutions at that distance w.h.p.);
- ×: the replica-symmetric saddle freezes (Q → 1, φ → -∞) at d_c(α) and does not exist below it; the
  α = 0.7 curve flattens out (an inflection near d ≈ 0.005, φ ≈ -0.029) before it dives there.
"""

from _output import parser, save_figure, write_csv
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
import numpy as np

from replica.perceptron import franz_parisi_curve, gardner, kappa_max

ALPHAS = (0.3, 0.5, 0.7)
DS = np.geomspace(1e-4, 0.48, 44)


def curve(alpha, kref, ds=DS):
    """The sweep from large to small d; where it froze, refine between the last converged d and the first
    frozen one (geometric grid of 16) so the dive towards d_c is drawn."""
    rows = list(franz_parisi_curve(alpha, ds, "binary", kref, 0.0).results)
    conv = [r for r in rows if r.converged]
    frozen = [r for r in rows if not r.converged and r.Q == 1.0]
    if conv and frozen:
        d_hi, d_lo = min(r.d for r in conv), max(r.d for r in frozen)
        fine = franz_parisi_curve(alpha, np.geomspace(d_lo, d_hi, 18)[1:-1], "binary", kref, 0.0).results
        rows = sorted(rows + list(fine), key=lambda r: r.d)
    return rows


def main(argv=None):
    args = parser(__doc__, quick="α = 0.5 only, 12 distances").parse_args(argv)
    alphas, ds = ((0.5,), np.geomspace(1e-4, 0.48, 12)) if args.quick else (ALPHAS, DS)
    rows = []
    for alpha in alphas:
        for ref, kref in (("typical", 0.0), ("max-margin", kappa_max(alpha, "binary") - 1e-10)):
            for r in curve(alpha, kref, ds):
                rows.append(dict(alpha=alpha, reference=ref, kappa_ref=kref, d=r.d, phi=r.phi, Q=r.Q,
                                 converged=r.converged, frozen=(not r.converged and r.Q == 1.0)))
    write_csv(rows, args.out_dir, "perceptron_franz_parisi")
    fig, ax = plt.subplots(figsize=(6.8, 4.6))
    ax.axhspan(-1.0, 0.0, color="0.93", zorder=0)
    d = np.geomspace(1e-4, 0.5, 200)
    ax.plot(d, -d * np.log(d) - (1 - d) * np.log(1 - d), "k:", label="α = 0 (shell entropy)")
    colors = dict(zip(ALPHAS, ("C0", "C1", "C2")))
    for alpha in alphas:
        g = gardner(alpha, 0.0, "binary")
        ax.plot([g.distance], [g.entropy], "o", color=colors[alpha], ms=4)
        for ref, ls in (("typical", "--"), ("max-margin", "-")):
            sel = [r for r in rows if r["alpha"] == alpha and r["reference"] == ref and r["converged"]]
            ax.plot([r["d"] for r in sel], [r["phi"] for r in sel], ls, color=colors[alpha],
                    label=f"α = {alpha}, {ref}")
            if any(r["frozen"] for r in rows if r["alpha"] == alpha and r["reference"] == ref):
                last = min(sel, key=lambda r: r["d"])
                ax.plot([last["d"]], [last["phi"]], "x", color=colors[alpha], ms=7, mew=1.5)
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xscale("log")

    ax.set_xlabel("distance d from the reference")
    ax.set_ylabel("local entropy φ_FP(d)")
    ax.set_title("Binary perceptron: Franz–Parisi entropy (κ = 0)")
    ax.set_ylim(-0.1, 0.72)
    ax.set_xlim(1e-4, 0.5)
    handles, _ = ax.get_legend_handles_labels()
    handles += [Line2D([], [], marker="o", ls="", color="k", ms=4, label="Gardner entropy at d_typ"),
                Line2D([], [], marker="x", ls="", color="k", ms=7, mew=1.5, label="RS saddle freezes (Q → 1)"),
                Patch(color="0.93", label="φ < 0: no solutions (RS value formal)")]
    ax.legend(handles=handles, fontsize=7, ncol=2, loc="upper left")
    fig.tight_layout()
    save_figure(fig, args.out_dir, "perceptron_franz_parisi")
    bad = sum(not r["converged"] for r in rows)
    frozen = sum(r["frozen"] for r in rows)
    print(f"{len(rows)} points, {bad} not converged ({frozen} of them below the freezing point)")


if __name__ == "__main__":
    main()
