"""Figure: local energy δε(σ) of GM ERM minimisers under weight noise w ⊙ (1+σz) (docs/theory.md §6).

Balanced (ρ = 0.5, no bias) and unbalanced (ρ = 0.3, learned bias) mixtures, α = 2, Δ = 1, logistic
and square losses for a λ grid; generalisation errors in the legend.  Writes
figures/data/gm_local_energy.csv and figures/gm_local_energy.png (and .pdf).
Run: python figures/gm_local_energy.py [--quick] [--out-dir DIR]
"""

from _output import parser, save_figure, write_csv
import matplotlib.pyplot as plt
import numpy as np

from replica.gaussian_mixture.bayes import bayes_error
from replica.gaussian_mixture.erm import erm
from replica.gaussian_mixture.local_energy import energy_of

ALPHA, DELTA = 2.0, 1.0
LAMS = (0.01, 0.1, 1.0, 10.0, 100.0)
SIGMAS = np.linspace(0.0, 1.0, 21)


def main(argv=None):
    args = parser(__doc__, quick="2 values of λ, 6 of σ").parse_args(argv)
    lams, sigmas = ((0.1, 10.0), np.linspace(0.0, 1.0, 6)) if args.quick else (LAMS, SIGMAS)
    rows = []
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    for i, (rho, bias) in enumerate(((0.5, False), (0.3, True))):
        bo = bayes_error(ALPHA, DELTA, rho)
        for j, loss in enumerate(("square", "logistic")):
            ax = axes[i, j]
            for lam, color in zip(lams, plt.cm.viridis(np.linspace(0, 0.9, len(lams)))):
                ref = erm(loss, ALPHA, DELTA, lam, rho, bias)
                res = [energy_of(ref, s) for s in sigmas]
                for r in res:
                    rows.append(dict(loss=loss, rho=rho, bias=bias, lam=lam, sigma=r.sigma, train_error=r.train_error,
                                     delta_train_error=r.delta_train_error, delta_train_loss=r.delta_train_loss,
                                     gen_error=r.gen_error, gen_error_0=r.gen_error_0, bayes_error=bo))
                ax.plot(sigmas, [r.delta_train_error for r in res], color=color,
                        label=f"λ={lam:g}: ε_gen={ref.gen_error:.4f}")
            ax.set_title(f"{loss}, ρ={rho:g}{' + bias' if bias else ''} (Bayes ε={bo:.4f})", fontsize=9)
            ax.legend(fontsize=7)
            if j == 0:
                ax.set_ylabel("local energy δε_train(σ)")
            if i == 1:
                ax.set_xlabel("relative weight noise σ")
    fig.tight_layout()
    save_figure(fig, args.out_dir, "gm_local_energy", dpi=120)
    write_csv(rows, args.out_dir, "gm_local_energy")


if __name__ == "__main__":
    main()
