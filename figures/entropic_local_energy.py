"""Local energy δε(σ) of what SGD, Entropy-SGD and Replicated-SGD find on the Gaussian mixture,
with the ERM minimisers at several λ (exact, scikit-learn, same data) and — when
``replica.gaussian_mixture`` provides it — the replica theory of the ERM minimisers overlaid.

    python figures/entropic_local_energy.py                  # N = 1000, 10 seeds, ρ = 0.5 and 0.2
    python figures/entropic_local_energy.py --quick          # N = 200, 2 seeds, ρ = 0.5 (a smoke run, ~6 s)

Writes figures/data/entropic_local_energy.csv (curves), figures/data/entropic_gm_summary.csv
(one row per algorithm / ERM λ: test error, train error, overlaps, paired differences to SGD,
mean ± s.e. over seeds) and figures/entropic_local_energy.png (and .pdf).
"""

import argparse
import csv
import math
import os
import sys

from _output import save_figure
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from replica.entropic import experiments as ex  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
COLORS = {"sgd": "tab:blue", "esgd": "tab:red", "rsgd": "tab:green", "rsgd_xy": "tab:purple"}
LABELS = {"sgd": "SGD", "esgd": "Entropy-SGD", "rsgd": "Replicated-SGD", "rsgd_xy": "Replicated-SGD ×y budget"}


def _curve(row, kind, sigmas):
    d = np.array([row.get(f"le_{kind}_{s:g}", np.nan) for s in sigmas], dtype=float)
    e = np.array([row.get(f"le_{kind}_{s:g}_se", np.nan) for s in sigmas], dtype=float)
    return d, e


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-features", type=int, default=1000)
    ap.add_argument("--alpha", type=float, default=2.0)
    ap.add_argument("--delta", type=float, default=1.0)
    ap.add_argument("--rho", type=float, nargs="+", default=[0.5, 0.2])
    ap.add_argument("--lam", type=float, default=1e-3)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--epochs", type=float, default=100)
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--quick", action="store_true", help="N = 200, 2 seeds, 30 epochs, 8 noise samples, ρ = 0.5")
    ap.add_argument("--out-dir", default=HERE)
    args = ap.parse_args(argv)
    if args.quick:
        args.n_features, args.seeds, args.epochs, args.samples, args.rho = 200, 2, 30, 8, [0.5]
    sigmas = ex.DEFAULT_SIGMAS
    erm_lams = (1e-3, 1e-1, 1.0, 10.0, 100.0)
    os.makedirs(os.path.join(args.out_dir, "data"), exist_ok=True)

    results = {}
    for rho in args.rho:
        results[rho] = ex.gm_experiment(n_features=args.n_features, alpha=args.alpha, delta=args.delta,
                                        rho=rho, lam=args.lam, seeds=range(args.seeds), epochs=args.epochs,
                                        algorithms=("sgd", "esgd", "rsgd", "rsgd_xy"),
                                        erm_lams=erm_lams, samples=args.samples, sigmas=sigmas)

    # ---- CSV -----------------------------------------------------------------------------
    curve_path = os.path.join(args.out_dir, "data", "entropic_local_energy.csv")
    with open(curve_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["rho", "source", "lam", "set", "sigma", "delta_eps", "delta_eps_se",
                    "test_error", "test_error_se", "n_seeds"])
        for rho, out in results.items():
            rows = [(r["algorithm"], args.lam, r) for r in out["summary"]]
            rows += [("erm", r["lam"], r) for r in out["erm_summary"]]
            for source, lam, r in rows:
                for kind in ("train", "test"):
                    d, e = _curve(r, kind, sigmas)
                    for s, dd, ee in zip(sigmas, d, e):
                        w.writerow([rho, source, lam, kind, s, dd, ee, r["test_error"], r["test_error_se"], r["n"]])
            if out["theory"]:
                for r in out["theory"]["rows"]:
                    for kind in ("train", "test"):
                        for s in sigmas:
                            w.writerow([rho, "theory", r["lam"], kind, s, r.get(f"le_{kind}_{s:g}", math.nan),
                                        math.nan, r["test_error"], math.nan, math.nan])
    summary_path = os.path.join(args.out_dir, "data", "entropic_gm_summary.csv")
    keys = ["rho", "source", "lam", "n", "test_error", "test_error_se", "test_error_minus_ref",
            "test_error_minus_ref_se", "train_error", "train_error_se", "m", "m_se", "q", "q_se",
            "cos", "cos_se", "le_train_0.5", "le_train_0.5_se", "le_train_0.5_minus_ref",
            "le_train_0.5_minus_ref_se", "distance_final", "gamma_final", "bayes_error"]
    with open(summary_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        for rho, out in results.items():
            for r in out["summary"]:
                w.writerow(dict(r, rho=rho, source=r["algorithm"], lam=args.lam, bayes_error=out["bayes_error"]))
            for r in out["erm_summary"]:
                w.writerow(dict(r, rho=rho, source="erm", bayes_error=out["bayes_error"]))

    # ---- figure ----------------------------------------------------------------------------
    ncol = len(results)
    fig, axes = plt.subplots(2, ncol, figsize=(6.4 * ncol, 8.8), squeeze=False, sharex=True)
    cmap = plt.get_cmap("copper")
    for j, (rho, out) in enumerate(results.items()):
        theory_rows = {r["lam"]: r for r in out["theory"]["rows"]} if out["theory"] else {}
        n_lam = len(out["erm_summary"])
        for i, kind in enumerate(("train", "test")):
            ax = axes[i, j]
            erm_handles, algo_handles = [], []
            for k, r in enumerate(out["erm_summary"]):
                d, e = _curve(r, kind, sigmas)
                c = cmap(0.1 + 0.75 * k / max(1, n_lam - 1))
                t = theory_rows.get(r["lam"])
                label = f"λ={r['lam']:g}: ε={100 * r['test_error']:.1f}±{100 * r['test_error_se']:.1f}%"
                if t is not None:
                    label += f" (theory {100 * t['test_error']:.1f}%)"
                h, = ax.plot(sigmas, d, ls="--", lw=1.3, color=c, label=label)
                erm_handles.append(h)
                if t is not None and f"le_{kind}_{sigmas[1]:g}" in t:
                    ax.plot(sigmas, [t.get(f"le_{kind}_{s:g}", np.nan) for s in sigmas], ls="-", lw=0.9, color=c)
            for r in out["summary"]:
                a = r["algorithm"]
                d, e = _curve(r, kind, sigmas)
                h = ax.errorbar(sigmas, d, yerr=e, marker="o", ms=4, capsize=2, lw=1.6, color=COLORS.get(a),
                                label=f"{LABELS.get(a, a)}: ε={100 * r['test_error']:.1f}±{100 * r['test_error_se']:.1f}%")
                algo_handles.append(h)
            ax.set_ylabel(f"δε_{kind}(σ)")
            ax.grid(alpha=0.3)
            title = f"ρ = {rho:g}, {kind} set"
            if out["bayes_error"] is not None:
                title += f" — Bayes-optimal ε = {100 * out['bayes_error']:.1f}%"
            ax.set_title(title, fontsize=10)
            if i == 0:
                ax.legend(handles=algo_handles, fontsize=7.5, loc="upper left",
                          title=f"logistic λ={args.lam:g}, equal budget", title_fontsize=7.5)
            else:
                ax.legend(handles=erm_handles, fontsize=7.5, loc="upper left",
                          title="ERM minimisers (dashed: measured; solid: theory)", title_fontsize=7.5)
                ax.set_xlabel("σ (multiplicative weight noise)")
    theory_note = "" if any(o["theory"] for o in results.values()) else "\n(replica theory not available: overlay skipped)"
    fig.suptitle(f"Local energy on the Gaussian mixture: N={args.n_features}, α={args.alpha:g}, Δ={args.delta:g}, "
                 f"{args.seeds} seeds, {args.epochs:g} epochs of gradients per algorithm; "
                 f"ε = test error ± s.e.{theory_note}", fontsize=10)
    fig.tight_layout()
    png, _ = save_figure(fig, args.out_dir, "entropic_local_energy")  # and entropic_local_energy.pdf
    print(f"wrote {curve_path}\nwrote {summary_path}\nwrote {png}", file=sys.stderr)

    for rho, out in results.items():
        print(f"\nρ = {rho:g}: Bayes-optimal error {out['bayes_error']:.4f}")
        for r in out["summary"]:
            print(f"  {r['algorithm']:6s} test {r['test_error']:.4f} ± {r['test_error_se']:.4f}  "
                  f"Δ vs SGD {r.get('test_error_minus_ref', 0):+.4f} ± {r.get('test_error_minus_ref_se', 0):.4f}  "
                  f"train {r['train_error']:.4f}  cos {r['cos']:.4f}  q {r['q']:.3g}  "
                  f"δε_train(0.5) {r['le_train_0.5']:.4f} ± {r['le_train_0.5_se']:.4f} "
                  f"(Δ vs SGD {r.get('le_train_0.5_minus_ref', 0):+.4f} ± {r.get('le_train_0.5_minus_ref_se', 0):.4f})")
        for r in out["erm_summary"]:
            print(f"  ERM λ={r['lam']:<6g} test {r['test_error']:.4f} ± {r['test_error_se']:.4f}  "
                  f"train {r['train_error']:.4f}  cos {r['cos']:.4f}  δε_train(0.5) {r['le_train_0.5']:.4f}")


if __name__ == "__main__":
    main()
