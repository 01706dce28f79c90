"""Figure: normalised local entropy Φ(d) of rescaled GM ERM minimisers for a λ grid (docs/theory.md §5).

Balanced mixture, α = 2, Δ = 1; square and logistic losses; generalisation errors in the legend and the
Bayes-optimal error in the titles. The dashed black line is the Bayes-optimal limit λ → ∞, drawn at
λ = 1e6: there every loss gives w ∝ Σ y x (error within 3e-13 of Bayes) and the rescaled training fields no
longer depend on the loss, so it is the same curve in both panels (they agree to 1e-6 in Φ). Every curve
is swept in d both ways (warm starts up and down); the CSV flags any d where the branches differ
(hysteresis, relative 1e-8 on Φ) and the script prints them.
Writes figures/data/gm_local_entropy.csv and figures/gm_local_entropy.png (and .pdf).
Run: python figures/gm_local_entropy.py [--quick] [--out-dir DIR]
"""

from _output import parser, save_figure, write_csv
import matplotlib.pyplot as plt
import numpy as np

from replica.gaussian_mixture.bayes import bayes_error
from replica.gaussian_mixture.local_entropy import local_entropy_curve
from replica.saddle_point.continuation import hysteresis

ALPHA, DELTA = 2.0, 1.0
LAMS = (0.01, 0.1, 1.0, 10.0, 100.0)
LAM_BAYES = 1e6  # λ → ∞: the Bayes-optimal limit of the balanced mixture
DS = np.geomspace(1e-3, 0.25, 20)


def main(argv=None):
    args = parser(__doc__, quick="2 values of λ and the λ → ∞ limit, 6 distances").parse_args(argv)
    lams, ds = ((0.1, 10.0), np.geomspace(1e-3, 0.25, 6)) if args.quick else (LAMS, DS)
    rows = []
    bo = bayes_error(ALPHA, DELTA)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, loss in zip(axes, ("square", "logistic")):
        styles = [(lam, dict(color=c, lw=1.5)) for lam, c in zip(lams, plt.cm.viridis(np.linspace(0, 0.9, len(lams))))]
        styles.append((LAM_BAYES, dict(color="k", ls="--", lw=1.5)))
        for lam, style in styles:
            sw = local_entropy_curve(loss, ALPHA, DELTA, lam, d=ds, direction="both")
            res = sw.backward
            hyst = hysteresis(sw, "phi", rtol=1e-8)
            if hyst:
                print(f"{loss}, λ={lam:g}: hysteresis at d = {', '.join(f'{v:.4g}' for v in hyst)}")
            for r in res:
                rows.append(dict(loss=loss, alpha=ALPHA, delta=DELTA, lam=lam, d=r.d, phi=r.phi, beta=r.beta,
                                 shell_error=r.shell_error, train_error=r.train_error, gen_error=r.ref_gen_error,
                                 bayes_error=bo, converged=r.converged, hysteresis=r.d in hyst))
            if lam == LAM_BAYES:
                label = f"Bayes-optimal limit (λ=1e6): ε_gen={res[0].ref_gen_error:.4f}"
            else:
                label = f"λ={lam:g}: ε_gen={res[0].ref_gen_error:.4f}"
            ax.plot(ds, [r.phi for r in res], label=label, **style)
        ax.set_xscale("log")
        ax.set_xlabel("distance d")
        ax.set_title(f"{loss}, α={ALPHA:g}, Δ={DELTA:g} (Bayes ε={bo:.4f}, reached as λ→∞)")
        ax.axhline(0.0, color="k", lw=0.6, ls=":")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("normalised local entropy Φ(d)")
    fig.tight_layout()
    save_figure(fig, args.out_dir, "gm_local_entropy", dpi=120)
    write_csv(rows, args.out_dir, "gm_local_entropy")
    print(f"{len(rows)} points, {sum(not r['converged'] for r in rows)} not converged, "
          f"{sum(r['hysteresis'] for r in rows)} with hysteresis")


if __name__ == "__main__":
    main()
