"""Binary-weight perceptron storage: plain vs entropic solvers at equal budget, and the flatness of what they find
(issue 12, parts 1, 2 and 7).

Runs (or resumes) the experiments, then draws figures/storage_binary.png / .pdf from the CSVs in figures/data:
  storage_binary_runs_n{N}.csv   one row per (method, N, α, instance): ``python -m replica.solve storage ...
                                 --resume`` (rerunning the script computes only what is missing;
                                 see docs/storage_binary.md)
  storage_binary_overlap.csv     two independent runs per instance at one α: overlap of their solutions
  storage_binary_theory.csv      local energy δε(p) of typical, max-margin and dense-region references (N = ∞)

Run: python figures/storage_binary.py            (full: N = 201, 401 × 50 instances, N = 801 × 20, N = 1601 × 10
                                                  without Entropy-SGD, 11 α, budget 1000 sweep-equivalents per run;
                                                  docs/storage_binary.md records the wall times, ~1 h of 2 cores)
     python figures/storage_binary.py --quick    (tiny sizes, seconds)
     ... --replot redraws from the CSVs without computing.

Panels: (a–e) fraction of instances solved vs α per method, one curve per N (Wilson 95 % intervals), with the
binary capacity α_c = 0.833 and the dense-region breakup α_U = 0.755 (y = ∞) of the theory; (f) the algorithmic
threshold α_alg(N) (solved fraction through ½; bootstrap 95 % interval over instances); (g) local energy δε(p) of
the solutions found at α = LE_ALPHA against the N = ∞ theory of typical, max-margin and dense-region solutions;
(h) overlap q of the solutions of two independent runs on the same instance, against the typical overlap of
Gardner's theory (two typical solutions) and the overlap (1 - 2d)² of two points drawn independently at distance d
from one centre.
"""

import contextlib
import io
import math
import sys
import time
from pathlib import Path

from _output import parser, read_csv, save_figure, write_csv
import matplotlib.pyplot as plt
import numpy as np

from replica.entropic.storage import ALGORITHMS, alpha_alg, overlap, run_instance, summarize

NAME = "storage_binary"
LABELS = {"sa": "simulated annealing", "rsa": "replicated SA (y = 7)", "sgd": "binary-connect SGD",
          "rsgd": "Replicated-SGD (y = 7)", "esgd": "Entropy-SGD"}
COLORS = {"sa": "0.4", "rsa": "C3", "sgd": "C0", "rsgd": "C1", "esgd": "C2"}
FULL = dict(ns={201: 50, 401: 50, 801: 20, 1601: 10}, algorithms={1601: "sa,rsa,sgd,rsgd"}, alphas="0.3:0.8:11",
            budget=1000, flip_p="0.005,0.01,0.02,0.05,0.1", draws=20, le_alpha=0.45, le_n=401,
            ov=dict(n=401, alpha=0.45, instances=20, budget=1000), ps=np.geomspace(0.004, 0.12, 10),
            dense_d=(0.02, 0.05), ov_d=(0.05, 0.15))
QUICK = dict(ns={31: 4, 51: 4}, alphas="0.3:0.9:4", budget=60, flip_p="0.01,0.05", draws=5, le_alpha=0.3, le_n=51,
             ov=dict(n=51, alpha=0.3, instances=2, budget=60), ps=np.array([0.01, 0.05]), dense_d=(0.05,),
             ov_d=(0.05,))


def run_experiments(cfg, data):
    """The instance rows of every N: ``replica.solve storage --resume`` into data/storage_binary_runs_n{N}.csv."""
    from replica.solve import main as solve

    for n, inst in cfg["ns"].items():
        path = data / f"{NAME}_runs_n{n}.csv"
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):     # the rows go to the CSV, not to the terminal
            algorithms = cfg.get("algorithms", {}).get(n, ",".join(ALGORITHMS))
            status = solve(["storage", "--algorithm", algorithms, "--n", str(n), "--alpha", cfg["alphas"],
                            "--instances", str(inst), "--budget", str(cfg["budget"]), "--flip-p", cfg["flip_p"],
                            "--draws", str(cfg["draws"]), "--format", "csv", "--out", str(path), "--resume",
                            "--progress", "auto"])
        if status != 0:
            raise SystemExit(f"storage run for N={n} failed (exit status {status})")
        print(f"N = {n}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def load_runs(cfg, data):
    rows = []
    for n, inst in cfg["ns"].items():
        rows += [r for r in read_csv(data / f"{NAME}_runs_n{n}.csv") if int(r["instance"]) < inst]
    return rows


def overlap_rows(cfg):
    """Two runs (run = 0, 1) of every method on the same instances: overlap of their solutions, and δε(p)."""
    o = cfg["ov"]
    rows = []
    for m in ALGORITHMS:
        for k in range(o["instances"]):
            a = run_instance(m, o["n"], o["alpha"], k, budget=o["budget"], run=0)
            b = run_instance(m, o["n"], o["alpha"], k, budget=o["budget"], run=1)
            rows.append(dict(algorithm=m, n=o["n"], alpha=o["alpha"], instance=k, budget=o["budget"],
                             solved_a=a.solved, solved_b=b.solved, found_by_a=a.found_by, found_by_b=b.found_by,
                             q=overlap(a.w, b.w) if a.solved and b.solved else math.nan))
    return rows


def theory_rows(cfg):
    from replica.perceptron import gardner, local_energy

    a = cfg["le_alpha"]
    rows = []
    refs = [("typical", {}), ("max_margin", dict(reference="max_margin"))]
    for d in cfg["dense_d"]:
        refs += [(f"ld_centre_d{d:g}", dict(reference="ld", d=d)), (f"ld_replica_d{d:g}", dict(reference="ld_replica",
                                                                                              d=d))]
    for name, kw in refs:
        for p in cfg["ps"]:
            try:
                v = local_energy(a, flip_p=float(p), weights="binary", **kw).delta_train_error
            except (ArithmeticError, ValueError, RuntimeError) as err:
                print(f"theory {name} p={p:g}: {type(err).__name__}: {err}", file=sys.stderr)
                v = math.nan
            rows.append(dict(alpha=a, source=name, flip_p=float(p), delta=v))
    ao = cfg["ov"]["alpha"]
    rows.append(dict(alpha=ao, source="gardner_q", flip_p=math.nan, delta=gardner(ao, 0.0, "binary").q))
    return rows


def thresholds():
    from replica import thresholds as th

    out = {"capacity": th.capacity(0.0, "binary")}
    try:
        out["breakup"] = th.dense_region_break()
    except Exception as err:    # noqa: BLE001 - a missing line on the figure, said on stderr
        print(f"dense-region breakup not drawn: {err}", file=sys.stderr)
    return out


def draw(runs, ov, th_rows, th, cfg, out):
    summ = summarize(runs)
    thr = alpha_alg(runs)
    ns = sorted(cfg["ns"])
    ncol = plt.get_cmap("viridis")
    ncolors = {n: ncol(0.15 + 0.7 * k / max(len(ns) - 1, 1)) for k, n in enumerate(ns)}
    fig, axes = plt.subplots(2, 4, figsize=(19, 9.2))
    flat = axes.ravel()
    for k, m in enumerate(ALGORITHMS):
        ax = flat[k]
        for n in ns:
            pts = sorted((r for r in summ if r["algorithm"] == m and r["n"] == n), key=lambda r: r["alpha"])
            if not pts:
                continue
            x = [r["alpha"] for r in pts]
            y = [r["p_solved"] for r in pts]
            lo = [max(r["p_solved"] - r["p_lo95"], 0) for r in pts]
            hi = [max(r["p_hi95"] - r["p_solved"], 0) for r in pts]
            ax.errorbar(x, y, yerr=[lo, hi], fmt="o-", ms=4, capsize=2, color=ncolors[n],
                        label=f"N = {n} ({pts[0]['instances']} inst.)")
        _marks(ax, th)
        ax.axhline(0.5, color="0.7", lw=0.8, ls=":")
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("α = P/N")
        ax.set_ylabel("fraction of instances solved")
        ax.set_title(f"({'abcde'[k]}) {LABELS[m]}", fontsize=10)
        ax.legend(fontsize=7, loc="lower left")
    # (f) α_alg(N)
    ax = flat[5]
    for j, m in enumerate(ALGORITHMS):
        sel = sorted((r for r in thr if r["algorithm"] == m), key=lambda r: r["n"])
        ok = [r for r in sel if r["status"] == "ok"]
        off = 1 + 0.02 * (j - 2)
        if ok:
            x = [r["n"] * off for r in ok]
            y = [r["alpha_alg"] for r in ok]
            ax.errorbar(x, y, yerr=[[max(r["alpha_alg"] - r["alpha_lo95"], 0) for r in ok],
                                    [max(r["alpha_hi95"] - r["alpha_alg"], 0) for r in ok]],
                        fmt="o-", color=COLORS[m], capsize=3, label=LABELS[m])
        for r in sel:
            if r["status"] == "above_range":
                ax.plot([r["n"] * off], [r["bracket_lo"]], "^", color=COLORS[m], ms=8, mfc="white")
            elif r["status"] == "below_range":
                ax.plot([r["n"] * off], [r["bracket_hi"]], "v", color=COLORS[m], ms=8, mfc="white")
    marks = {"capacity": ("-", "capacity α_c"), "breakup": ("--", "dense-region breakup α_U")}
    for key, (ls, label) in marks.items():
        if key in th:
            ax.axhline(th[key], color="k", ls=ls, lw=1, label=f"{label} = {th[key]:.3f}")
    ax.set_xscale("log")
    ax.set_xticks(ns)
    ax.set_xticklabels([str(n) for n in ns])
    ax.minorticks_off()
    ax.set_xlabel("N")
    ax.set_ylabel("α_alg (solved fraction = ½)")
    ax.set_title("(f) algorithmic threshold, 95 % bootstrap interval (△/▽: beyond the α range)", fontsize=9)
    ax.legend(fontsize=7)
    # (g) local energy at le_alpha
    ax = flat[6]
    a, nle = cfg["le_alpha"], cfg["le_n"]
    styles = {"typical": ("typical solution", "0.45", "-"), "max_margin": ("max-margin solution", "k", "-.")}
    for d in cfg["dense_d"]:
        styles[f"ld_centre_d{d:g}"] = (f"dense-region centre, d = {d:g}", "C3", "-" if d == cfg["dense_d"][-1] else ":")
        styles[f"ld_replica_d{d:g}"] = (f"dense-region member, d = {d:g}", "C0", "-" if d == cfg["dense_d"][-1]
                                        else ":")
    for src, (label, col, ls) in styles.items():
        pts = sorted((r for r in th_rows if r["source"] == src and math.isfinite(r["delta"])),
                     key=lambda r: r["flip_p"])
        if pts:
            ax.plot([r["flip_p"] for r in pts], [max(r["delta"], 1e-6) for r in pts], ls, color=col, lw=1.4,
                    label=label + " (N = ∞)")
    pcols = [k for k in runs[0] if k.startswith("le_p")] if runs else []
    for j, m in enumerate(ALGORITHMS):
        sel = [r for r in runs if r["algorithm"] == m and int(r["n"]) == nle and abs(r["alpha"] - a) < 1e-9
               and r["solved"] is True]
        if not sel:
            continue
        ps = [float(c[4:]) for c in pcols]
        means = [np.mean([r[c] for r in sel]) for c in pcols]
        errs = [np.std([r[c] for r in sel], ddof=1) / math.sqrt(len(sel)) if len(sel) > 1 else 0 for c in pcols]
        ax.errorbar(np.array(ps) * (1 + 0.03 * (j - 2)), means, yerr=errs, fmt="o", color=COLORS[m], ms=4, capsize=2,
                    label=f"{LABELS[m]} ({len(sel)} solutions)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("flip probability p")
    ax.set_ylabel("local energy δε(p)")
    ax.set_title(f"(g) flatness of the solutions found, α = {a:g}, N = {nle}", fontsize=10)
    ax.legend(fontsize=6.5, loc="lower right")
    # (h) overlaps
    ax = flat[7]
    o = cfg["ov"]
    for j, m in enumerate(ALGORITHMS):
        qs = [r["q"] for r in ov if r["algorithm"] == m and isinstance(r["q"], float) and math.isfinite(r["q"])]
        x = np.full(len(qs), j) + np.linspace(-0.15, 0.15, len(qs)) if qs else []
        ax.plot(x, qs, "o", color=COLORS[m], ms=4, alpha=0.7)
        if qs:
            ax.errorbar([j + 0.3], [np.mean(qs)], yerr=[np.std(qs, ddof=1) / math.sqrt(len(qs)) if len(qs) > 1 else 0],
                        fmt="s", color="k", ms=5, capsize=3)
        tot = sum(1 for r in ov if r["algorithm"] == m)
        ax.text(j, -0.05, f"{len(qs)}/{tot}", ha="center", fontsize=7)
    gq = [r["delta"] for r in th_rows if r["source"] == "gardner_q"]
    if gq:
        ax.axhline(gq[0], color="0.45", ls="-", lw=1, label=f"two typical solutions: q = {gq[0]:.3f}")
    for d in cfg["ov_d"]:
        ax.axhline((1 - 2 * d) ** 2, color="C3", ls=":", lw=1,
                   label=f"(1 - 2d)², d = {d:g}: two points at distance d from one centre")
    ax.set_xticks(range(len(ALGORITHMS)))
    ax.set_xticklabels(ALGORITHMS)
    ax.set_ylim(-0.1, 1.15)
    ax.set_ylabel("overlap q of two runs' solutions")
    ax.set_title(f"(h) two runs per instance, α = {o['alpha']:g}, N = {o['n']} (k/n: pairs both solved)",
                 fontsize=9)
    ax.legend(fontsize=6.5, loc="upper left")
    fig.suptitle(f"Binary perceptron storage, equal budget of {cfg['budget']:g} sweep-equivalents per run "
                 "(replicas count)", fontsize=12)
    fig.tight_layout()
    return save_figure(fig, out, NAME)


def _marks(ax, th):
    if "capacity" in th:
        ax.axvline(th["capacity"], color="k", lw=1)
    if "breakup" in th:
        ax.axvline(th["breakup"], color="k", lw=1, ls="--")


def main(argv=None):
    ap = parser(__doc__)
    ap.add_argument("--replot", action="store_true", help="redraw from the CSVs in OUT_DIR/data without computing")
    args = ap.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    data = Path(args.out_dir) / "data"
    data.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if not args.replot:
        run_experiments(cfg, data)
        write_csv(overlap_rows(cfg), args.out_dir, f"{NAME}_overlap")
        write_csv(theory_rows(cfg), args.out_dir, f"{NAME}_theory")
    runs = load_runs(cfg, data)
    ov = read_csv(data / f"{NAME}_overlap.csv")
    th_rows = read_csv(data / f"{NAME}_theory.csv")
    th = thresholds()
    paths = draw(runs, ov, th_rows, th, cfg, args.out_dir)
    write_csv(summarize(runs), args.out_dir, f"{NAME}_summary")
    write_csv(alpha_alg(runs), args.out_dir, f"{NAME}_thresholds")
    print(f"wrote {', '.join(map(str, paths))} in {time.perf_counter() - t0:.0f} s")
    return paths


if __name__ == "__main__":
    main()
