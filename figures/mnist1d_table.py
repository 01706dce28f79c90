"""MNIST-1D: SGD (momentum) vs Entropy-SGD vs Replicated-SGD on a small 1-D CNN and an MLP, at an equal number
of gradient evaluations, with a tuning phase on a validation split and paired differences over seeds.

    python figures/mnist1d_table.py            # cnn, mlp × clean, noisy; 4-point grids; 12 seeds; G = 1500 (26 min)
    python figures/mnist1d_table.py --quick    # tiny networks and sets, 2 seeds (seconds)

Protocol (replica/entropic/protocol.py): for every model and variant, each method runs the 4 points of its
grid on tuning seed 0 and keeps the lowest validation error; then it runs seeds 1..S at that point.  The
variants: ``clean`` (3200 training sequences, 800 validation) and ``noisy`` (1000 training sequences with 20 %
of the labels redrawn uniformly, 800 clean validation).  Writes figures/data/mnist1d_rows.jsonl (every row as
it finishes), figures/data/mnist1d_runs.csv (tuning + evaluation rows), figures/data/mnist1d_table.csv
(summary rows, with the paired differences to SGD and their 95 % t-intervals), figures/mnist1d_table.png
(and .pdf), and prints the table as Markdown with the wall time.
"""

import json
import math
import os
import sys
import time

from _output import parser, save_figure, write_csv
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

LABELS = {"sgd": "SGD (momentum)", "esgd": "Entropy-SGD", "rsgd": "Replicated-SGD"}
SHORT = {"sgd": "SGD", "esgd": "eSGD", "rsgd": "rSGD"}
COLORS = {"sgd": "tab:blue", "esgd": "tab:red", "rsgd": "tab:green"}
ALGOS = ("sgd", "esgd", "rsgd")
SIGMA = 0.1  # σ of the local energy in the table (all σ are in the CSV files)


def _pct(x):
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.2f}"


def markdown(summary, sigma=SIGMA):
    lines = [f"| model | variant | method | chosen (grid point) | grad evals | seeds | test error (%) | Δ test vs SGD (%) [95 % CI] "
             f"| train error (%) | δε_test(σ={sigma:g}) (%) | Δ δε_test vs SGD (%) [95 % CI] |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    k = f"le_test_{sigma:g}"
    for r in summary:
        if r["algorithm"] == "sgd":
            d_err = d_le = "—"
        else:
            d_err = (f"{100 * r['test_error_minus_ref']:+.2f} [{_pct(r['test_error_minus_ref_lo'])}, "
                     f"{_pct(r['test_error_minus_ref_hi'])}]")
            d_le = f"{100 * r[k + '_minus_ref']:+.2f} [{_pct(r[k + '_minus_ref_lo'])}, {_pct(r[k + '_minus_ref_hi'])}]"
        lines.append(f"| {r['model']} | {r['variant']} | {SHORT[r['algorithm']]} | {r['chosen']}{' †' if r['chosen_at_edge'] else ''} | {r['grad_evals']} | {r['n']} | "
                     f"{_pct(r['test_error'])} ± {_pct(r['test_error_se'])} | {d_err} | "
                     f"{_pct(r['train_error'])} ± {_pct(r['train_error_se'])} | "
                     f"{_pct(r[k])} ± {_pct(r[k + '_se'])} | {d_le} |")
    return "\n".join(lines)


def main(argv=None):
    ap = parser(__doc__, quick="tiny networks (8 hidden units / 4 channels), 100 training sequences, 2 seeds")
    ap.add_argument("--seeds", type=int, default=12, help="evaluation seeds 1..S (tuning uses seed 0)")
    ap.add_argument("--grad-evals", type=int, default=1500, help="minibatch gradients per run, every method")
    ap.add_argument("--models", default="mlp,cnn")
    ap.add_argument("--variants", default="clean,noisy")
    ap.add_argument("--samples", type=int, default=20, help="noise draws of the local energy")
    ap.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    ap.add_argument("--from-rows", metavar="JSONL", help="redraw from the rows of an earlier run (no training)")
    args = ap.parse_args(argv)
    import torch

    from replica.entropic import protocol as pr

    torch.set_num_threads(1)
    shrink = {}
    if args.quick:
        args.seeds, args.grad_evals, args.samples = 2, 15, 2
        shrink = dict(hidden=8, channels=4, batch_size=50)
    variants = {v: dict(pr.VARIANTS[v]) for v in args.variants.split(",")}
    if args.quick:
        for v in variants.values():
            v.update(n_train=100, n_val=50)
    data = os.path.join(args.out_dir, "data")
    os.makedirs(data, exist_ok=True)
    jsonl = os.path.join(data, "mnist1d_rows.jsonl")
    t0, c0 = time.perf_counter(), time.process_time()
    rows = []
    if args.from_rows:
        with open(args.from_rows) as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        return _report(rows, args, args.from_rows)
    with open(jsonl, "w") as fh:
        for model in args.models.split(","):
            for variant, opts in variants.items():
                probe = pr.Mnist1dConfig(model=model, **opts, **shrink)
                base = pr.mnist1d_config(model=model, **opts, **shrink, samples=args.samples, device=args.device,
                                         epochs=args.grad_evals / probe.batches_per_epoch)
                for row in pr.protocol(base, pr.ALGORITHMS, range(1, args.seeds + 1), tune_seed=0, variant=variant,
                                       progress="on" if not args.quick else "off"):
                    rows.append(row)
                    fh.write(json.dumps(row) + "\n")
                    fh.flush()
        done = {"phase": "done", "wall_seconds_total": time.perf_counter() - t0,
                "cpu_seconds_total": time.process_time() - c0}
        fh.write(json.dumps(done) + "\n")
    _report(rows + [done], args, jsonl)


def _report(rows, args, jsonl):
    done = [r for r in rows if r["phase"] == "done"]
    wall = done[-1]["wall_seconds_total"] if done else math.nan  # absent: an interrupted run
    cpu = done[-1].get("cpu_seconds_total", math.nan) if done else math.nan
    runs = [r for r in rows if r["phase"] in ("tune", "eval")]
    summary = [r for r in rows if r["phase"] == "summary"]
    done_settings = {(r["model"], r["variant"]) for r in summary}
    partial = [r for r in runs if r["phase"] == "eval" and (r["model"], r["variant"]) not in done_settings]
    if partial:  # an interrupted run: summarise the seeds it finished (every method of a seed, seed-major order)
        from replica.entropic import protocol as pr

        keys = ["test_error", "val_error", "train_error", "train_loss"]
        sig = [k[len("le_train_"):] for k in partial[0] if k.startswith("le_train_") and "_se_" not in k]
        keys += [f"le_{k}_{s}" for k in ("train", "test") for s in sig if float(s) > 0]
        for s in pr.paired_summary(partial, keys, by=("model", "variant")):
            s["chosen"] = next(r["chosen"] for r in partial if r["algorithm"] == s["algorithm"]
                               and (r["model"], r["variant"]) == (s["model"], s["variant"]))
            summary.append(s)
    from replica.entropic.protocol import GRIDS, at_edge

    for r in summary:  # rows of an older run lack it
        point = dict(kv.split("=") for kv in r["chosen"].split(", "))
        r.setdefault("chosen_at_edge", at_edge({k: float(v) for k, v in point.items()}, GRIDS[r["algorithm"]]))
    summary = [dict(r, wall_seconds_total=wall, cpu_seconds_total=cpu) for r in summary]
    runs_path = write_csv(runs, args.out_dir, "mnist1d_runs")
    table_path = write_csv(summary, args.out_dir, "mnist1d_table")
    png, _ = save_figure(figure(summary, runs, args), args.out_dir, "mnist1d_table")
    print(f"rows: {jsonl}\nwrote {runs_path}\nwrote {table_path}\nwrote {png}", file=sys.stderr)
    print(markdown(summary))
    print(f"\n{len(runs)} runs, wall time {wall / 60:.1f} min, CPU time {cpu / 60:.1f} min (one thread)")


def figure(summary, runs, args):
    settings = list(dict.fromkeys((r["model"], r["variant"]) for r in summary))
    by = {(r["model"], r["variant"], r["algorithm"]): r for r in summary}
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.6))
    (a0, a1), (a2, a3) = axes
    x = np.arange(len(settings))
    w = 0.26
    for i, a in enumerate(ALGOS):
        rs = [by.get(s + (a,), {}) for s in settings]
        a0.bar(x + (i - 1) * w, [100 * r.get("test_error", np.nan) for r in rs], w,
               yerr=[100 * r.get("test_error_se", np.nan) for r in rs], capsize=3, color=COLORS[a], alpha=0.85,
               label=LABELS[a])
        a0.plot(x + (i - 1) * w, [100 * r.get("train_error", np.nan) for r in rs], "k_", ms=10, mew=2,
                label="train error" if i == 0 else None)
    ticks = [f"{m}\n{v}" for m, v in settings]
    n_seeds = summary[0]["n"] if summary else 0
    a0.set_xticks(x, ticks)
    a0.set_ylabel("error (%)")
    a0.set_title(f"test error, mean ± s.e. over {n_seeds} seeds ({summary[0]['grad_evals']} gradient evaluations each)",
                 fontsize=10)
    a0.legend(fontsize=8)
    a0.grid(axis="y", alpha=0.3)
    for ax, key, title in ((a1, "test_error", "paired test-error difference to SGD (same seed: same split, init)"),
                           (a2, f"le_test_{SIGMA:g}", f"paired δε_test(σ={SIGMA:g}) difference to SGD (< 0: flatter)")):
        for i, a in enumerate(ALGOS[1:]):
            rs = [by.get(s + (a,), {}) for s in settings]
            m = np.array([100 * r.get(key + "_minus_ref", np.nan) for r in rs])
            lo = np.array([100 * r.get(key + "_minus_ref_lo", np.nan) for r in rs])
            hi = np.array([100 * r.get(key + "_minus_ref_hi", np.nan) for r in rs])
            ax.errorbar(x + (i - 0.5) * 0.2, m, yerr=[m - lo, hi - m], fmt="o", capsize=4, color=COLORS[a],
                        label=f"{LABELS[a]} − SGD (95 % t-interval)")
        ax.axhline(0.0, color="k", lw=1)
        ax.set_xticks(x, ticks)
        ax.set_ylabel("difference (percentage points)")
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8)
    # tuning: validation error of every grid point (the chosen one is the lowest; same number of points each)
    tune = [r for r in runs if r["phase"] == "tune"]
    notes = []
    for j, s in enumerate(settings):
        for i, a in enumerate(ALGOS):
            v = [100 * r["val_error"] if not r["diverged"] else np.nan for r in tune
                 if (r["model"], r["variant"], r["algorithm"]) == s + (a,)]
            xs = j + (i - 1) * w + np.linspace(-0.08, 0.08, len(v)) if v else []
            a3.plot(xs, v, "o", ms=4, color=COLORS[a], label=LABELS[a] if j == 0 else None)
            pick = by.get(s + (a,), {}).get("chosen")
            mine = [r for r in tune if (r["model"], r["variant"], r["algorithm"]) == s + (a,)]
            for xx, r in zip(xs, mine):
                if r["point"] == pick and not r["diverged"]:
                    a3.plot(xx, 100 * r["val_error"], "o", ms=10, mfc="none", mec="k",
                            label="chosen" if (j, i) == (0, 0) else None)
            div = sum(1 for r in tune if (r["model"], r["variant"], r["algorithm"]) == s + (a,) and r["diverged"])
            if div:
                notes.append((j + (i - 1) * w, f"{div} diverged", COLORS[a]))
    top = a3.get_ylim()[1]
    for xx, text, color in notes:  # diverged grid points have no validation error: named at the top
        a3.annotate(text, (xx, top), fontsize=7, ha="center", va="top", color=color)
    a3.set_xticks(x, ticks)
    a3.set_ylabel("validation error (%)")
    a3.set_title("tuning (seed 0): validation error of each grid point", fontsize=10)
    a3.grid(axis="y", alpha=0.3)
    a3.legend(fontsize=8)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    main()
