"""Local entropy around loss minimisers (spherical perceptron, α = 1, κ = 0): cross-entropy at several
sharpnesses γ versus the hinge-loss minimiser and typical solutions (error-counting references).

Plotted: φ_FP(d) - ½log(1-S²), the log-fraction of the shell at distance d that solves all patterns
(0 = completely flat).  The hinge minimiser has training errors (8.5% of patterns at α = 1), so margin-0
solutions cannot be found too close to it: its curve dives and the RS saddle freezes (Q → 1, no saddle)
below d ≈ 0.009 (those rows are flagged, φ = NaN).
Writes figures/data/perceptron_minimizers.csv and figures/perceptron_minimizers.png (and .pdf).
Run: python figures/perceptron_minimizers.py [--quick] [--out-dir DIR]
"""

from _output import parser, save_figure, write_csv
import matplotlib.pyplot as plt
import numpy as np

from replica.perceptron import franz_parisi_curve, franz_parisi_minimizer_curve, kappa_max

ALPHA = 1.0
DS = np.geomspace(0.3, 0.002, 30)  # descending: continuation from the unconstrained side


def main(argv=None):
    args = parser(__doc__, quick="γ = 1 and 5, 8 distances").parse_args(argv)
    gammas, ds = ((1.0, 5.0), np.geomspace(0.3, 0.002, 8)) if args.quick else ((1.0, 2.0, 5.0, 20.0), DS)
    rows = []
    curves = [("cross_entropy", dict(gamma=g), f"cross-entropy γ = {g:g}") for g in gammas]
    curves.append(("hinge", dict(margin=1.0), "hinge (margin 1) minimiser"))
    for loss, kw, label in curves:
        for r in franz_parisi_minimizer_curve(loss, ALPHA, ds, 0.0, **kw).results:
            rows.append(dict(reference=label, d=r.d, phi=r.phi, shell=0.5 * np.log(1 - r.S ** 2),
                             converged=r.converged))
    for kref, label in ((0.0, "typical solution (error counting)"),
                        (0.95 * kappa_max(ALPHA), "typical, margin 0.95 κ_max")):
        for r in franz_parisi_curve(ALPHA, ds[::-1], "spherical", kref, 0.0).results:
            rows.append(dict(reference=label, d=r.d, phi=r.phi, shell=0.5 * np.log(1 - r.S ** 2),
                             converged=r.converged))
    write_csv(rows, args.out_dir, "perceptron_minimizers")
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for label in dict.fromkeys(r["reference"] for r in rows):
        sel = [r for r in rows if r["reference"] == label and r["converged"] and r["phi"] - r["shell"] > -3]
        ls = "--" if label.startswith(("typical", "hinge")) else "-"
        ax.plot([r["d"] for r in sel], [r["phi"] - r["shell"] for r in sel], ls, label=label)
    ax.set_xscale("log")
    ax.set_xlabel("distance d from the reference")
    ax.set_ylabel("φ_FP(d) − ½ log(1 − S²)")
    ax.set_title(f"Spherical perceptron, α = {ALPHA:g}: flatness around minimisers")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, args.out_dir, "perceptron_minimizers")
    print(f"{len(rows)} points, {sum(not r['converged'] for r in rows)} not converged")


if __name__ == "__main__":
    main()
