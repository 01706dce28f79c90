"""Generalisation error versus λ on the Gaussian mixture: replica theory for three losses, the
Bayes-optimal line, and scikit-learn simulations (mean ± s.e. over seeds).

    python figures/gm_generalization.py [--alpha 2 --delta 1 --n-features 1000 --seeds 5]
    python figures/gm_generalization.py --quick --out-dir /tmp/fig   # 9 λ, N = 200, 2 seeds (~3 s)

Writes figures/data/gm_generalization.csv and figures/gm_generalization.png (and .pdf).
"""

from _output import parser, save_figure, write_csv
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from replica.gaussian_mixture import bayes_error, erm_curve  # noqa: E402
from replica.gaussian_mixture.simulate import simulate_erm  # noqa: E402

LOSSES = {"square": "C0", "logistic": "C1", "hinge": "C2"}


def main(argv=None):
    ap = parser(__doc__, quick="9 values of λ, 2 simulated, N = 200, 2 seeds")
    ap.add_argument("--alpha", type=float, default=2.0)
    ap.add_argument("--delta", type=float, default=1.0)
    ap.add_argument("--n-features", type=int, default=1000)
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args(argv)
    lams = np.logspace(-3, 2, 41)
    sim_lams = np.logspace(-2, 2, 5)
    if args.quick:
        lams, sim_lams, args.n_features, args.seeds = np.logspace(-3, 2, 9), np.logspace(-2, 2, 2), 200, 2
    rows = []
    for loss in LOSSES:
        for r in erm_curve(loss, args.alpha, args.delta, lams[::-1]).results:
            rows.append(dict(kind="theory", loss=loss, lam=r.lam, gen_error=r.gen_error, gen_error_err=0.0,
                             converged=r.converged))
        for lam in sim_lams:
            s = simulate_erm(loss, args.alpha, args.delta, lam, n_features=args.n_features, seeds=range(args.seeds))
            rows.append(dict(kind="simulation", loss=loss, lam=lam, gen_error=s.gen_error,
                             gen_error_err=s.gen_error_err, converged=True))
    bo = bayes_error(args.alpha, args.delta)
    write_csv([r | dict(alpha=args.alpha, delta=args.delta, bayes_error=bo, n_features=args.n_features) for r in rows],
              args.out_dir, "gm_generalization")

    fig, ax = plt.subplots(figsize=(6, 4.2))
    for loss, color in LOSSES.items():
        th = [r for r in rows if r["loss"] == loss and r["kind"] == "theory"]
        ax.plot([r["lam"] for r in th], [r["gen_error"] for r in th], color=color, label=f"{loss} (theory)")
        sim = [r for r in rows if r["loss"] == loss and r["kind"] == "simulation"]
        ax.errorbar([r["lam"] for r in sim], [r["gen_error"] for r in sim], yerr=[r["gen_error_err"] for r in sim],
                    fmt="o", color=color, ms=4, capsize=2)
    ax.axhline(bo, color="k", ls="--", lw=1, label="Bayes-optimal")
    ax.set_xscale("log")
    ax.set_xlabel(r"$\lambda$")
    ax.set_ylabel(r"$\varepsilon_{\rm gen}$")
    ax.set_title(rf"Gaussian mixture, $\alpha={args.alpha:g}$, $\Delta={args.delta:g}$, $\rho=0.5$; "
                 rf"dots: $N={args.n_features}$, {args.seeds} seeds", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, args.out_dir, "gm_generalization")


if __name__ == "__main__":
    main()
