"""Finite-K tree committee machine: GD vs Replicated-GD vs Entropy-GD, sign vs ReLU (issue 11 part 5, issue 12 part 3).

Runs (or resumes: finished rows are skipped) the storage experiment of replica.committee.simulate_experiment,
writing one row per instance to figures/data/committee_simulation.csv, then draws figures/committee_methods.png:
top rows, the fraction of instances solved (mean ± s.e.) versus α for each method at K = 3, 5, 7, sign and ReLU,
with the algorithmic thresholds α_alg (logistic fit, bootstrap s.e.) in the legend and the K = ∞ RS spherical
ReLU capacity 2π/(π − 1) marked; bottom row, the local energy δε(σ) of the solutions found (fraction of the
training patterns lost under multiplicative weight noise of relative size σ, mean ± s.e. over solved instances).
The full run takes ~30 min of one core (README, "Committee simulations").
Run: python figures/committee_methods.py [--quick] [--out-dir DIR] [--replot]
"""

import math

from _output import HERE, parser, save_figure, write_csv
import matplotlib.pyplot as plt
import numpy as np

from replica.committee.simulate_experiment import SIGMAS, alpha_alg_table, run_all, run_experiment, simulation_points

METHOD_STYLE = {"gd": ("C0", "o", "GD"), "rsgd": ("C1", "s", "Replicated-GD (y = 3)"),
                "esgd": ("C2", "^", "Entropy-GD (L = 5)")}
ACT_COLOR = {"sign": "C3", "relu": "C0"}
RELU_RS_KINF = 2.0 * math.pi / (math.pi - 1.0)       # k′(1)/B(0), docs/theory.md §9


def main(argv=None):
    ap = parser(__doc__, quick="a tiny experiment (N = 63, K = 3, 2 α, 2 seeds) in OUT_DIR/data")
    ap.add_argument("--replot", action="store_true", help="draw the rows already in the CSV, run nothing")
    args = ap.parse_args(argv)
    if args.quick:
        csv_path = args.out_dir / "data" / "committee_simulation_quick.csv"
        csv_path.parent.mkdir(parents=True, exist_ok=True)
        if not args.replot:
            run_experiment(str(csv_path), Ks=(3,), N=63, alphas=(0.5, 4.0), seeds=range(2),
                           train_kw={"budget": 150}, progress=False)
    else:
        csv_path = HERE / "data" / "committee_simulation.csv"
        if not args.replot:
            run_all(str(csv_path))
    pts = simulation_points(csv_path)
    table = alpha_alg_table(csv_path, n_boot=50 if args.quick else 200)
    write_csv(table.to_dict("records"), args.out_dir, "committee_alpha_alg")
    Ks = sorted(pts.K.unique())

    fig, axes = plt.subplots(3, len(Ks), figsize=(3.9 * len(Ks) + 0.6, 10.2), squeeze=False)
    for row, act in enumerate(("sign", "relu")):
        for col, K in enumerate(Ks):
            ax = axes[row, col]
            for m, (c, mk, label) in METHOD_STYLE.items():
                sel = pts[(pts.activation == act) & (pts.K == K) & (pts.method == m)].sort_values("alpha")
                if sel.empty:
                    continue
                t = table[(table.activation == act) & (table.K == K) & (table.method == m)]
                a_alg = f"{t.alpha_alg.item():.2f} ± {t.alpha_alg_se.item():.2f}" if len(t) else "nan"
                ax.errorbar(sel.alpha, sel.frac_solved, sel.se, color=c, marker=mk, ms=4, lw=1, capsize=2,
                            label=f"{label}: α_alg = {a_alg}")
            if act == "relu":
                ax.axvline(RELU_RS_KINF, color="0.4", ls=":", lw=1)
                ax.text(RELU_RS_KINF, 0.5, "K = ∞ RS α_c ", rotation=90, ha="right", va="center", fontsize=7,
                        color="0.4")
            ax.set_ylim(-0.05, 1.08)
            ax.set_title(f"{act}, K = {K}, N = {int(pts.N.iloc[0])}", fontsize=10)
            ax.set_xlabel("α = P/N")
            if col == 0:
                ax.set_ylabel("fraction of instances solved")
            ax.legend(fontsize=6.5, loc="lower left")

    # bottom row: local energy of the solutions found
    sig_cols = [f"le_{s:g}" for s in SIGMAS]
    alphas = sorted(pts.alpha.unique())
    common = [a for a in alphas if (pts[(pts.alpha == a) & (pts.method == "gd")].frac_solved > 0.5).all()]
    a_le = max(common) if common else alphas[0]
    for col, K in enumerate(Ks):
        ax = axes[2, col]
        for act in ("sign", "relu"):
            for m, (c, mk, label) in METHOD_STYLE.items():
                sel = pts[(pts.activation == act) & (pts.K == K) & (pts.method == m) & (pts.alpha == a_le)]
                if sel.empty or not np.isfinite(sel[sig_cols].to_numpy(float)).any():
                    continue
                mean = sel[sig_cols].to_numpy(float)[0]
                se = sel[[f"le_se_{s:g}" for s in SIGMAS]].to_numpy(float)[0]
                ax.errorbar(SIGMAS, mean, se, color=ACT_COLOR[act], marker=mk, ms=4, lw=1, capsize=2,
                            ls="-" if m == "gd" else ("--" if m == "rsgd" else ":"), label=f"{act}, {m}")
        ax.set_xlabel("σ (relative weight noise)")
        if col == 0:
            ax.set_ylabel("δε(σ): fraction of patterns lost")
        ax.set_title(f"local energy of the solutions, K = {K}, α = {a_le:g}", fontsize=10)
        ax.legend(fontsize=6.5, ncol=2)
    fig.tight_layout()
    save_figure(fig, args.out_dir, "committee_methods")


if __name__ == "__main__":
    main()
