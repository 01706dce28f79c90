"""Dense regions of the binary perceptron: local entropy and local energy (issue 10, part 9).

Writes figures/data/perceptron_dense_regions_entropy.csv, figures/data/perceptron_dense_regions_local_energy.csv and
figures/perceptron_dense_regions.png / .pdf.
Run: python figures/perceptron_dense_regions.py            (full: ~4 min + ~15 min of counting)
     python figures/perceptron_dense_regions.py --quick    (reduced grids, a tiny simulation: seconds)
     ... --out-dir DIR writes DIR/perceptron_dense_regions.{png,pdf} and DIR/data/*.csv instead;
     ... --replot redraws from the CSVs in OUT_DIR/data without computing.

(a) S_I(d) of the densest regions (large deviations, y = ∞ solid, y* dashed — the consistent RS estimate where the
    y = ∞ external entropy is negative) at several α, against the α = 0 envelope H₂(d) and the Franz–Parisi entropy
    around typical solutions (dotted: negative near d = 0, typical solutions are isolated) and around max-margin
    solutions (dash-dot).  Markers: the local entropy counted at N = 1000 (thermodynamic integration,
    replica/perceptron/local_entropy_count.py) around the centres replicated SA (y = 7, γ = 1) finds at α = 0.4 and
    0.6 — open squares around the majority centre at fixed d, diamonds around the sampled centre w̃ at the chain's own
    distance d_γ, where the finite-y theory applies (docs/large_deviation.md §13; α = 0.6: d ≤ 0.02 only, the TI
    does not equilibrate at d ≥ 0.05).  Docs: docs/large_deviation.md, docs/perceptron.md.
(b), (c) local energy δε(p) (fraction of patterns lost when each weight flips with probability p) at α = 0.3 and
    α = 0.5: typical and max-margin solutions, the centre and the solutions of the dense region at the distance the
    simulation reached (y = ∞ and the finite y = 7 of the simulation), and replicated simulated annealing (y = 7,
    N = 1000, γ = 1, mean ± s.e. over instances: majority centre and replicas) and plain simulated annealing
    (y = 1: α = 0.3 only — it finds no solution at α = 0.5 with the same budget).  Docs:
    docs/perceptron_local_energy.md, replica/perceptron/dense_simulate.py.  Cross-entropy minimisers with binary
    weights are not drawn: their stability law is not built yet (local_energy refuses binary loss minimisers).
"""

import math
import time

from _output import parser, read_csv, save_figure, write_csv
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import NullFormatter
import numpy as np

from replica.perceptron import (franz_parisi_curve, gardner, kappa_max, ld_local_entropy, ld_local_entropy_curve,
                                local_energy)
from replica.perceptron.dense_count_simulate import count_dense_regions
from replica.perceptron.dense_simulate import simulate_dense_regions
from replica.perceptron.ld_finite_laws import finite_y_laws
from replica.perceptron.local_energy import noise_coefficients
from replica.perceptron.local_energy_simulate import simulate_local_energy

NAME = "perceptron_dense_regions"
FULL = dict(alphas=(0.3, 0.4, 0.5, 0.6, 0.7, 0.75), ds=np.geomspace(5e-4, 0.45, 44), ystar=np.geomspace(0.01, 0.3, 9),
            ps=np.geomspace(1e-3, 0.3, 30), sim_alphas=(0.3, 0.5), sim=dict(n_features=1000, seeds=range(8)),
            sa=dict(n_features=1000, seeds=range(8)), flip_p=(0.003, 0.01, 0.03, 0.1), y=7, gamma=1.0,
            count={0.4: dict(), 0.6: dict(stop="centre", gamma1=2.5, anneal_sweeps=3000, burn_in=5000,
                                          ds=(0.01, 0.02))},   # α = 0.6, d ≥ 0.05: the TI does not equilibrate
            count_sim=dict(ds=(0.01, 0.02, 0.05, 0.1), n_features=1000, seeds=range(4)))
QUICK = dict(alphas=(0.5, 0.75), ds=np.geomspace(0.01, 0.4, 8), ystar=(), ps=np.geomspace(1e-3, 0.3, 6),
             sim_alphas=(0.3,), sim=dict(n_features=150, seeds=range(1), burn_in=200, n_snapshots=2, spacing=20,
                                         n_draws=10, anneal_sweeps=300),
             sa=dict(n_features=150, seeds=range(1), n_draws=10), flip_p=(0.01, 0.1), y=3, gamma=1.0,
             count={0.5: dict(anneal_sweeps=1000, burn_in=200)},
             count_sim=dict(ds=(0.05, 0.1), n_features=150, seeds=range(1),
                            count=dict(n_beta=13, eq_sweeps=10, sweeps=30, chains=2)))
COLORS = {0.3: "C0", 0.4: "C5", 0.5: "C1", 0.6: "C2", 0.7: "C3", 0.75: "C4"}


def entropy_rows(cfg):
    rows = []
    for a in cfg["alphas"]:
        for r in ld_local_entropy_curve(a, cfg["ds"]):
            rows.append(dict(alpha=a, curve="ld_y_inf", d=r.d, phi=r.phi, y=r.y, converged=r.converged))
        for d in cfg["ystar"]:
            try:
                r = ld_local_entropy(a, d, y="star", strict=False)
                phi, y, ok = r.phi, r.y, r.converged
            except (ArithmeticError, ValueError, RuntimeError) as err:   # the finite-y solver failed: not drawn
                print(f"y* at alpha={a}, d={d:.4g}: {type(err).__name__}: {err}")
                phi, y, ok = math.nan, math.nan, False
            rows.append(dict(alpha=a, curve="ld_y_star", d=d, phi=phi, y=y, converged=ok))
        for name, kref in (("fp_typical", 0.0), ("fp_max_margin", kappa_max(a, "binary") - 1e-10)):
            for r in franz_parisi_curve(a, cfg["ds"], "binary", kref, 0.0).results:
                rows.append(dict(alpha=a, curve=name, d=r.d, phi=r.phi, y=math.nan, converged=r.converged))
    return rows + [r for a, kw in cfg["count"].items() for r in count_rows(
        count_dense_regions(a, y=cfg["y"], gamma=cfg["gamma"], **{**cfg["count_sim"], **kw}))]


def count_rows(sim):
    """Entropy-panel rows of a :func:`count_dense_regions` run: the local entropy counted (thermodynamic
    integration) around the majority centre and the sampled centre at each d, and around the sampled centre at the
    chain's own distance d_γ (mean ± s.e. over instances).  ``converged`` is False where the TI integrand had not
    decayed at β_max (tail ≥ 1e-4: not drawn)."""
    rows = []
    tails = getattr(sim, "tails", (0.0,) * len(sim.ds))
    for curve, ests, ds, tl in (("count_majority", sim.majority, sim.ds, tails),
                                ("count_sampled", sim.sampled, sim.ds, tails),
                                ("count_own", (sim.own,), (sim.d_gamma.mean,), (getattr(sim, "own_tail", 0.0),))):
        for d, est, t in zip(ds, ests, tl):
            rows.append(dict(alpha=sim.alpha, curve=curve, d=d, phi=est.mean, y=sim.y, converged=t < 1e-4,
                             err=est.err, n_features=sim.n_features, instances=sim.solved))
    return rows


def _law_curve(alpha, ps, **kw):
    return [local_energy(alpha, flip_p=float(p), weights="binary", **kw).delta_train_error for p in ps]


def energy_rows(cfg):
    """Theory curves (N = ∞) and simulation points at each α of the simulations."""
    rows = []
    for a in cfg["sim_alphas"]:
        sim = simulate_dense_regions(a, cfg["flip_p"], y=cfg["y"], gamma=cfg["gamma"], **cfg["sim"])
        d = sim.d.mean
        for k, p in enumerate(sim.flip_p):
            for what, est in (("rsa_centre", sim.majority_delta[k]), ("rsa_replica", sim.replica_delta[k])):
                rows.append(dict(alpha=a, source=what, flip_p=p, delta=est.mean, err=est.err, d=d, y=sim.y,
                                 n_features=sim.n_features, instances=sim.solved))
        try:
            sa = simulate_local_energy("typical", a, cfg["flip_p"], weights="binary", **cfg["sa"])
            for k, p in enumerate(sa.noise):
                rows.append(dict(alpha=a, source="sa_y1", flip_p=p, delta=sa.delta_train_error[k].mean,
                                 err=sa.delta_train_error[k].err, d=math.nan, y=1, n_features=sa.n_features,
                                 instances=len(sa.seeds)))
        except RuntimeError:        # plain SA finds no solution (α = 0.5, N = 1000): no points
            pass
        ps = cfg["ps"]
        curves = {"typical": _law_curve(a, ps), "max_margin": _law_curve(a, ps, reference="max_margin"),
                  "ld_centre_inf": _law_curve(a, ps, reference="ld", d=d),
                  "ld_replica_inf": _law_curve(a, ps, reference="ld_replica", d=d)}
        F = finite_y_laws(ld_local_entropy(a, d, y=float(cfg["y"])))
        b0 = F.majority_below(0.0)
        curves["ld_centre_y"] = [F.majority_error(*noise_coefficients("binary", 0.0, flip_p=float(p))) - b0 for p in ps]
        curves["ld_replica_y"] = [F.replica_error(*noise_coefficients("binary", 0.0, flip_p=float(p))) for p in ps]
        for name, vals in curves.items():
            for p, v in zip(ps, vals):
                rows.append(dict(alpha=a, source=name, flip_p=float(p), delta=v, err=math.nan, d=d,
                                 y=cfg["y"] if name.endswith("_y") else (math.inf if "ld" in name else math.nan),
                                 n_features=math.inf, instances=0))
    return rows


def _entropy_curves(ax, ent, alphas, lw_scale=1.0):
    styles = {"ld_y_inf": "-", "ld_y_star": "--", "fp_typical": ":", "fp_max_margin": "-."}
    for a in alphas:
        for curve, ls in styles.items():
            sel = sorted((r for r in ent if r["alpha"] == a and r["curve"] == curve and r["converged"]
                          and math.isfinite(r["phi"])), key=lambda r: r["d"])
            if sel:
                ax.plot([r["d"] for r in sel], [r["phi"] for r in sel], ls, color=COLORS.get(a, "k"),
                        lw=lw_scale * (1.6 if curve == "ld_y_inf" else 1.1),
                        marker="." if curve == "ld_y_star" else None, ms=4)


def _count_points(ax, ent, alphas, ms=5):
    """The counted local entropies (open squares: majority centre; diamonds: sampled centre at its own d_γ)."""
    counted = False
    for curve, mk in (("count_majority", "s"), ("count_own", "D")):
        for a in alphas:
            pts = [r for r in ent if r["curve"] == curve and r["alpha"] == a and math.isfinite(r["phi"])
                   and r["converged"]]
            if pts:
                counted = True
                ax.errorbar([r["d"] for r in pts], [r["phi"] for r in pts],
                            yerr=[r["err"] if math.isfinite(r["err"]) else 0.0 for r in pts], fmt=mk,
                            color=COLORS.get(a, "k"), mfc="white" if curve == "count_majority" else COLORS.get(a, "k"),
                            ms=ms, capsize=2, zorder=5)
    return counted


def draw(ent, en, cfg, out):
    n_energy = len(cfg["sim_alphas"])
    fig, axes = plt.subplots(1, 1 + n_energy, figsize=(5.8 + 4.6 * n_energy, 6.6),
                             gridspec_kw=dict(width_ratios=[1.3] + [1] * n_energy))
    ax = axes[0]
    ax.axhspan(-1.0, 0.0, color="0.93", zorder=0)
    d = np.geomspace(5e-4, 0.5, 300)
    ax.plot(d, -d * np.log(d) - (1 - d) * np.log(1 - d), "k:", lw=1.2)
    _entropy_curves(ax, ent, cfg["alphas"])
    counted = _count_points(ax, ent, cfg["alphas"])
    for a in cfg["alphas"]:
        g = gardner(a, 0.0, "binary")
        ax.plot([g.distance], [g.entropy], "o", color=COLORS.get(a, "k"), ms=3.5)
    ax.set_xscale("log")
    ax.set_xlim(5e-4, 0.5)
    ax.set_ylim(-0.12, 0.72)
    ax.set_xlabel("distance d from the reference (centre)")
    ax.set_ylabel("local entropy  (1/N) log #solutions at distance d")
    ax.set_title("(a) dense regions vs typical and max-margin references", fontsize=10)
    has_ystar = len(cfg["ystar"]) > 0
    big = [a for a in cfg["alphas"] if a >= 0.6]
    if has_ystar and big:   # y* departs from y = ∞ only at small d and large α: zoom there
        ins = ax.inset_axes([0.08, 0.56, 0.42, 0.4])
        _entropy_curves(ins, [r for r in ent if r["curve"].startswith("ld_")], big)
        _count_points(ins, ent, big, ms=3.5)
        ins.set_xscale("log")
        ins.set_xlim(0.008, 0.08)
        ins.set_ylim(0.0, 0.17)
        ins.set_xticks([0.01, 0.02, 0.05])
        ins.set_xticklabels(["0.01", "0.02", "0.05"])
        ins.xaxis.set_minor_formatter(NullFormatter())
        ins.tick_params(labelsize=6)
        ins.set_title("y = ∞ (solid) vs y* (dashed), α ≥ 0.6", fontsize=6.5)
    handles = [Line2D([], [], color=COLORS.get(a, "k"), lw=2, label=f"α = {a}") for a in cfg["alphas"]]
    handles += [Line2D([], [], color="k", ls=":", lw=1.2, label="H₂(d)  (α = 0: all configurations)"),
                Line2D([], [], color="0.3", ls="-", lw=1.6, label="dense regions (large deviations), y = ∞")]
    if has_ystar:
        handles.append(Line2D([], [], color="0.3", ls="--", marker=".", label="dense regions, y*  (Σ_ext(y*) = 0)"))
    handles += [Line2D([], [], color="0.3", ls="-.", label="Franz–Parisi around max-margin solutions"),
                Line2D([], [], color="0.3", ls=":", lw=1.1, label="Franz–Parisi around typical solutions"),
                Line2D([], [], color="0.3", marker="o", ls="", ms=3.5, label="Gardner entropy at the typical distance"),
                Patch(color="0.93", label="< 0: no solutions there (RS value formal)")]
    if counted:
        n_c = next(int(r["n_features"]) for r in ent if r["curve"] == "count_majority")
        handles += [Line2D([], [], color="0.3", marker="s", mfc="white", ls="",
                           label=f"counted, N = {n_c}: replicated-SA (y = {cfg['y']}) majority centre"),
                    Line2D([], [], color="0.3", marker="D", ls="",
                           label="counted: sampled centre w̃, at its own d_γ")]
    legend_a = handles

    theory = {"typical": ("typical solution", "0.45", "-"), "max_margin": ("max-margin solution", "k", "-."),
              "ld_replica_inf": ("dense region: its solutions, y = ∞", "C0", "-"),
              "ld_replica_y": ("dense region: its solutions, y = {y}", "C0", "--"),
              "ld_centre_inf": ("dense region: centre, y = ∞", "C3", "-"),
              "ld_centre_y": ("dense region: majority centre, y = {y}", "C3", "--")}
    sims = {"rsa_replica": ("replicated SA (y = {y}): replicas", "C0", "o"),
            "rsa_centre": ("replicated SA (y = {y}): majority centre", "C3", "s"),
            "sa_y1": ("simulated annealing (y = 1) solutions", "0.45", "^")}
    legend = {}
    for k, (ax, a) in enumerate(zip(axes[1:], cfg["sim_alphas"])):
        sel = [r for r in en if r["alpha"] == a]
        dsim = next(r["d"] for r in sel if r["source"] == "rsa_centre")
        for name, (label, col, ls) in theory.items():
            pts = [r for r in sel if r["source"] == name]
            line, = ax.plot([r["flip_p"] for r in pts], [max(r["delta"], 1e-12) for r in pts], ls, color=col,
                            lw=1.4)
            legend.setdefault(label.format(y=cfg["y"]) + "  (N = ∞)", line)
        notes = []
        for name, (label, col, mk) in sims.items():
            pts = [r for r in sel if r["source"] == name]
            if pts:
                bars = ax.errorbar([r["flip_p"] for r in pts], [r["delta"] for r in pts],
                                   yerr=[r["err"] for r in pts], fmt=mk, color=col, ms=5, capsize=2,
                                   mfc="white" if name == "rsa_centre" else col)
                legend.setdefault(label.format(y=cfg["y"]) + f", N = {int(pts[0]['n_features'])}", bars)
                notes.append(f"{label.split(' (')[0] if name != 'sa_y1' else 'SA'}: {int(pts[0]['instances'])} inst.")
            elif name == "sa_y1":
                notes.append("SA (y = 1): no solution found")
        ax.text(0.03, 0.97, "\n".join(dict.fromkeys(notes)), transform=ax.transAxes, va="top", fontsize=7)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(1e-4, 0.6)
        ax.set_xlabel("flip probability p")
        ax.set_ylabel("local energy δε(p)  (fraction of patterns lost)")
        ax.set_title(f"({'bcd'[k]}) α = {a}: local energy; dense region at d = {dsim:.3f}", fontsize=10)
    fig.suptitle("Binary perceptron (κ = 0): rare dense regions of solutions", fontsize=11)
    fig.tight_layout(rect=(0, 0.24, 1, 1))
    box_a, box_b, box_c = axes[0].get_position(), axes[1].get_position(), axes[-1].get_position()
    fig.legend(handles=legend_a, fontsize=7, ncol=2, loc="upper center",
               bbox_to_anchor=(0.5 * (box_a.x0 + box_a.x1), 0.24))
    fig.legend(list(legend.values()), list(legend.keys()), fontsize=7, ncol=2, loc="upper center",
               bbox_to_anchor=(0.5 * (box_b.x0 + box_c.x1), 0.24))
    save_figure(fig, out, NAME)


def main(argv=None):
    ap = parser(__doc__, quick="two α, 8 distances, no y*, one tiny replicated-SA instance (N = 150, y = 3): seconds")
    ap.add_argument("--replot", action="store_true", help="redraw from the CSVs in OUT_DIR/data (no computation)")
    args = ap.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    t0 = time.time()
    names = [f"{NAME}_{k}" for k in ("entropy", "local_energy")]
    if args.replot:
        ent, en = (read_csv(args.out_dir / "data" / f"{n}.csv") for n in names)
    else:
        ent = entropy_rows(cfg)
        write_csv(ent, args.out_dir, names[0])
        en = energy_rows(cfg)
        write_csv(en, args.out_dir, names[1])
    draw(ent, en, cfg, args.out_dir)
    bad = sum(not r["converged"] for r in ent)
    print(f"{len(ent)} entropy points ({bad} not converged, not drawn), {len(en)} local-energy rows; "
          f"{time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
