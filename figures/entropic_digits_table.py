"""Handwritten digits (scikit-learn, offline), one-hidden-layer ReLU network: test error ± s.e. and
local energy of SGD, Entropy-SGD and Replicated-SGD at an equal number of gradient evaluations
(and Replicated-SGD with y times the budget) — the small-scale counterpart of the seed's table.

    python figures/entropic_digits_table.py              # 5 seeds, 30 epochs of gradients
    python figures/entropic_digits_table.py --quick      # 2 seeds, 5 epochs, 8 noise samples (~5 s)

Writes figures/data/entropic_digits_table.csv (mean ± s.e. per algorithm), figures/data/
entropic_digits_runs.csv (one row per run), figures/entropic_digits_table.png (and .pdf), and prints the
table as Markdown.
"""

import argparse
import csv
import os
import sys

from _output import save_figure
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from replica.entropic import experiments as ex  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ALGOS = ("sgd", "esgd", "rsgd", "rsgd_xy")
LABELS = {"sgd": "SGD", "esgd": "eSGD", "rsgd": "rSGD", "rsgd_xy": "rSGD×y"}
COLORS = {"sgd": "tab:blue", "esgd": "tab:red", "rsgd": "tab:green", "rsgd_xy": "tab:purple"}


def markdown(summary, sigma):
    lines = [f"| algorithm | gradient evals | test error (%) | Δ vs SGD (%) | train error (%) | δε_train(σ={sigma:g}) (%) | δε_test(σ={sigma:g}) (%) |",
             "|---|---|---|---|---|---|---|"]
    for r in summary:
        lines.append(
            f"| {LABELS[r['algorithm']]} | {r['grad_evals']:.0f} | {100 * r['test_error']:.2f} ± {100 * r['test_error_se']:.2f} | "
            f"{100 * r['test_error_minus_ref']:+.2f} ± {100 * r['test_error_minus_ref_se']:.2f} | "
            f"{100 * r['train_error']:.2f} ± {100 * r['train_error_se']:.2f} | "
            f"{100 * r[f'le_train_{sigma:g}']:.2f} ± {100 * r[f'le_train_{sigma:g}_se']:.2f} | "
            f"{100 * r[f'le_test_{sigma:g}']:.2f} ± {100 * r[f'le_test_{sigma:g}_se']:.2f} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--epochs", type=float, default=30)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--quick", action="store_true", help="2 seeds, 5 epochs, 8 noise samples")
    ap.add_argument("--out-dir", default=HERE)
    args = ap.parse_args(argv)
    if args.quick:
        args.seeds, args.epochs, args.samples = 2, 5, 8
    sigmas = ex.DEFAULT_SIGMAS
    out = ex.digits_experiment(seeds=range(args.seeds), algorithms=ALGOS, epochs=args.epochs,
                               hidden=args.hidden, samples=args.samples, sigmas=sigmas)
    summary = sorted(out["summary"], key=lambda r: ALGOS.index(r["algorithm"]))
    os.makedirs(os.path.join(args.out_dir, "data"), exist_ok=True)

    table_path = os.path.join(args.out_dir, "data", "entropic_digits_table.csv")
    keys = ["algorithm", "n", "grad_evals", "test_error", "test_error_se", "test_error_minus_ref",
            "test_error_minus_ref_se", "train_error", "train_error_se", "train_loss", "train_loss_se",
            "gamma_final", "distance_final"]
    keys += [f"le_{k}_{s:g}{e}" for k in ("train", "test") for s in sigmas for e in ("", "_se")]
    with open(table_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        w.writerows(summary)
    runs_path = os.path.join(args.out_dir, "data", "entropic_digits_runs.csv")
    with open(runs_path, "w", newline="") as f:
        run_keys = list(dict.fromkeys(k for r in out["runs"] for k in r))  # rows carry only their options
        w = csv.DictWriter(f, fieldnames=run_keys)
        w.writeheader()
        w.writerows(out["runs"])

    fig, axes = plt.subplots(2, 2, figsize=(12, 8.4))
    (a0, a3), (a1, a2) = axes
    x = np.arange(len(summary))
    a0.bar(x, [100 * r["test_error"] for r in summary], yerr=[100 * r["test_error_se"] for r in summary],
           color=[COLORS[r["algorithm"]] for r in summary], capsize=4, alpha=0.85, label="test (± s.e.)")
    a0.plot(x, [100 * r["train_error"] for r in summary], "k_", ms=22, mew=2, label="train")
    a0.set_xticks(x, [f"{LABELS[r['algorithm']]}\n{r['grad_evals']:.0f} grads" for r in summary])
    a0.set_ylabel("error (%)")
    a0.set_title(f"digits, one hidden layer of {args.hidden} ReLU, {args.seeds} seeds", fontsize=10)
    a0.legend(fontsize=8)
    a0.grid(axis="y", alpha=0.3)
    for ax, kind in ((a1, "train"), (a2, "test")):
        for r in summary:
            d = [100 * r[f"le_{kind}_{s:g}"] for s in sigmas]
            e = [100 * r[f"le_{kind}_{s:g}_se"] for s in sigmas]
            ax.errorbar(sigmas, d, yerr=e, marker="o", ms=4, capsize=2, color=COLORS[r["algorithm"]],
                        label=f"{LABELS[r['algorithm']]}: test {100 * r['test_error']:.2f}±{100 * r['test_error_se']:.2f}%")
        ax.set_xlabel("σ (multiplicative weight noise)")
        ax.set_ylabel(f"δε_{kind}(σ) (%)")
        ax.set_title(f"local energy on the {kind} set", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    for r in summary:
        if r["algorithm"] == "sgd":
            continue
        d = [100 * r.get(f"le_train_{s:g}_minus_ref", np.nan) for s in sigmas]
        e = [100 * r.get(f"le_train_{s:g}_minus_ref_se", np.nan) for s in sigmas]
        a3.errorbar(sigmas, d, yerr=e, marker="o", ms=4, capsize=2, color=COLORS[r["algorithm"]],
                    label=LABELS[r["algorithm"]])
    a3.axhline(0.0, color=COLORS["sgd"], lw=1)
    a3.set_xlabel("σ (multiplicative weight noise)")
    a3.set_ylabel("δε_train(σ) − δε_train,SGD(σ) (%)")
    a3.set_title("paired difference to SGD (same split, same initialisation); < 0 is flatter", fontsize=10)
    a3.grid(alpha=0.3)
    a3.legend(fontsize=8)
    fig.tight_layout()
    png, _ = save_figure(fig, args.out_dir, "entropic_digits_table")  # and entropic_digits_table.pdf
    print(f"wrote {table_path}\nwrote {runs_path}\nwrote {png}", file=sys.stderr)
    print(markdown(summary, 0.5))


if __name__ == "__main__":
    main()
