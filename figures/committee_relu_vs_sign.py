"""Wide tree committee machine: ReLU versus sign (and erf, tanh, linear) hidden units (issue 11 part 7).

Writes figures/data/committee_capacity.csv, committee_ld.csv (and committee_fp.csv when the Franz–Parisi solver
is there) and figures/committee_relu_vs_sign.png (and .pdf).
Run: python figures/committee_relu_vs_sign.py [--quick] [--out-dir DIR]

Panels (docs/committee.md):
(a) capacity per activation, κ = 0: spherical RS α_c = k′(1)/B(0) (sign: ∞), the spherical AT line (RS unstable
    above it: the RS capacities are not exact), binary α_c (zero RS entropy);
(b) Franz–Parisi entropy φ_FP(d) around typical binary solutions at matched α/α_c (hook: replica.committee's
    franz_parisi_curve, drawn when it exists);
(c) local entropy S_I(d) of the densest regions (y = ∞, binary) at matched α/α_c, with H₂(d);
(d) finite-K simulation (hook: the points of replica.committee.simulate, drawn when their CSV exists).
"""

import math

from _output import HERE, parser, save_figure, write_csv
import matplotlib.pyplot as plt
import numpy as np

from replica.committee import capacity, gardner, ld_local_entropy_curve
from replica.saddle_point.thresholds import NoThresholdError, find_threshold

ACTIVATIONS = ("sign", "relu", "erf", "tanh", "linear")
COLORS = {"sign": "C3", "relu": "C0", "erf": "C2", "tanh": "C4", "linear": "0.4"}
RATIOS = (0.5, 0.7)                   # α/α_c (binary) of panels (b), (c)
DS = np.array([0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3])
# HOOK (simulation helper): the per-instance CSV of `python -m replica.committee.simulate_experiment`, summarised by
# its simulation_points() (fraction solved ± s.e. per activation, K, N, method, α); panel (d) draws it if present.
SIMULATION_CSV = HERE / "data" / "committee_simulation.csv"


def spherical_at(activation):
    """α where the spherical RS replicon crosses 1 (NaN if it does not below the capacity / α = 50)."""
    top = min(capacity(activation), 50.0)
    try:
        return find_threshold(lambda a: gardner(a, activation).replicon - 1.0, 0.05 * top, 0.999 * top, xtol=1e-6)
    except NoThresholdError:
        return math.nan


def capacity_rows():
    rows = []
    for a in ACTIVATIONS:
        rows.append(dict(activation=a, spherical=capacity(a), spherical_at=spherical_at(a),
                         binary=capacity(a, 0.0, "binary")))
    return rows


def ld_rows(caps, ds, ratios):
    rows = []
    for a in ("relu", "sign"):
        for ratio in ratios:
            alpha = ratio * caps[a]
            for r in ld_local_entropy_curve(alpha, ds, a):
                rows.append(dict(activation=a, alpha_over_capacity=ratio, alpha=alpha, d=r.d, S_I=r.phi,
                                 converged=r.converged))
    return rows


def fp_rows(caps, ds, ratios):
    """HOOK (Franz–Parisi helper): φ_FP(d) around typical binary solutions; [] until the solver exists."""
    try:
        from replica.committee import franz_parisi_curve
    except (ImportError, AttributeError):
        return []
    rows = []
    for a in ("relu", "sign"):
        for ratio in ratios:
            alpha = ratio * caps[a]
            try:
                curve = franz_parisi_curve(alpha, ds, a, 0.0, "binary")
            except Exception as err:  # a solver in progress: the panel says so instead of failing the figure
                print(f"franz_parisi_curve({alpha:.3f}, {a}) failed: {err}")
                return []
            for r in getattr(curve, "results", curve):
                rows.append(dict(activation=a, alpha_over_capacity=ratio, alpha=alpha, d=r.d, phi=r.phi,
                                 converged=r.converged))
    return rows


def simulation_rows():
    """Fraction of instances solved ± s.e. per (activation, K, N, method, α); [] without the CSV or the helper."""
    if not SIMULATION_CSV.exists():
        return []
    try:
        from replica.committee.simulate_experiment import simulation_points
        return simulation_points(SIMULATION_CSV).to_dict("records")
    except (ImportError, AttributeError, KeyError, ValueError) as err:  # the experiment's format in progress
        print(f"simulation points not drawn: {err}")
        return []


def _h2(d):
    return -d * np.log(d) - (1 - d) * np.log(1 - d)


def _pending(ax, text):
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=9, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def main(argv=None):
    args = parser(__doc__, quick="α/α_c = 0.5 only, 5 distances").parse_args(argv)
    ds, ratios = (DS[[1, 3, 4, 6, 8]], RATIOS[:1]) if args.quick else (DS, RATIOS)
    caps_rows = capacity_rows()
    write_csv(caps_rows, args.out_dir, "committee_capacity")
    caps = {r["activation"]: r["binary"] for r in caps_rows}
    ld = ld_rows(caps, ds, ratios)
    write_csv(ld, args.out_dir, "committee_ld")
    fp = fp_rows(caps, ds, ratios)
    if fp:
        write_csv(fp, args.out_dir, "committee_fp")
    sim = simulation_rows()

    fig, axes = plt.subplots(2, 2, figsize=(10.5, 7.6))
    (ax_c, ax_fp), (ax_ld, ax_sim) = axes

    # (a) capacities
    x = np.arange(len(caps_rows))
    top = 3.6
    for i, r in enumerate(caps_rows):
        c = COLORS[r["activation"]]
        sph = r["spherical"]
        ax_c.bar(i - 0.2, min(sph, top), 0.38, color=c, alpha=0.35, edgecolor=c, hatch="" if sph < top else "//")
        if not math.isfinite(sph):
            ax_c.annotate("∞", (i - 0.2, top), xytext=(i - 0.2, top - 0.35), ha="center", fontsize=12,
                          arrowprops=dict(arrowstyle="->", color=c))
        else:
            ax_c.text(i - 0.2, sph + 0.05, f"{sph:.3f}", ha="center", fontsize=7)
        ax_c.bar(i + 0.2, r["binary"], 0.38, color=c, edgecolor=c)
        ax_c.text(i + 0.2, r["binary"] + 0.05, f"{r['binary']:.3f}", ha="center", fontsize=7)
        if math.isfinite(r["spherical_at"]):
            ax_c.plot([i - 0.39, i - 0.01], [r["spherical_at"]] * 2, "k-", lw=1.6)
    ax_c.plot([], [], "k-", lw=1.6, label="spherical AT line (RS unstable above)")
    ax_c.bar([0], [0], color="0.7", alpha=0.35, label="spherical, RS capacity k′(1)/B(0)")
    ax_c.bar([0], [0], color="0.4", label="binary, zero RS entropy")
    ax_c.set_xticks(x, [r["activation"] for r in caps_rows])
    ax_c.set_ylim(0, top)
    ax_c.set_ylabel("α_c  (κ = 0, K → ∞)")
    ax_c.set_title("(a) capacity per activation", fontsize=10)
    ax_c.legend(fontsize=7, loc="upper right")

    # (b) Franz–Parisi around typical solutions (hook)
    ax_fp.set_title("(b) φ_FP(d) around typical binary solutions", fontsize=10)
    if fp:
        dd = np.geomspace(ds.min(), ds.max(), 100)
        ax_fp.plot(dd, _h2(dd), "k:", lw=1, label="H₂(d)")
        for a in ("relu", "sign"):
            for ratio, ls in zip(ratios, ("-", "--")):
                sel = [r for r in fp if r["activation"] == a and r["alpha_over_capacity"] == ratio and r["converged"]]
                ax_fp.plot([r["d"] for r in sel], [r["phi"] for r in sel], ls, color=COLORS[a],
                           label=f"{a}, α/α_c = {ratio}")
        ax_fp.axhline(0, color="0.6", lw=0.6)
        ax_fp.set_xlabel("d")
        ax_fp.legend(fontsize=7)
    else:
        _pending(ax_fp, "pending: replica.committee.franz_parisi_curve\n(issue 11 part 3)")

    # (c) dense regions
    dd = np.geomspace(ds.min(), ds.max(), 100)
    ax_ld.plot(dd, _h2(dd), "k:", lw=1, label="H₂(d) (α = 0)")
    for a in ("relu", "sign"):
        for ratio, ls in zip(ratios, ("-", "--")):
            sel = [r for r in ld if r["activation"] == a and r["alpha_over_capacity"] == ratio and r["converged"]]
            ax_ld.plot([r["d"] for r in sel], [r["S_I"] for r in sel], ls, marker=".", color=COLORS[a],
                       label=f"{a}, α/α_c = {ratio}")
    ax_ld.set_xlabel("d")
    ax_ld.set_ylabel("S_I(d)")
    ax_ld.set_title("(c) densest regions (y = ∞), binary weights", fontsize=10)
    ax_ld.legend(fontsize=7)

    # (d) finite-K simulation (hook)
    ax_sim.set_title("(d) finite-K simulation", fontsize=10)
    if sim:
        methods = sorted({r["method"] for r in sim})
        method = "gd" if "gd" in methods else methods[0]  # one training method, so the curves stay readable
        groups = sorted({(r["activation"], int(r["K"]), int(r["N"]), r["method"]) for r in sim if r["method"] == method})
        markers = dict(zip(sorted({g[1] for g in groups}), "osD^v"))
        styles = dict(zip(sorted({g[1] for g in groups}), ("-", "--", ":", "-.", "-")))
        for a, K, N, method in groups:
            sel = sorted((r for r in sim if (r["activation"], int(r["K"]), int(r["N"]), r["method"]) == (a, K, N, method)),
                         key=lambda r: r["alpha"])
            ax_sim.errorbar([r["alpha"] for r in sel], [r["frac_solved"] for r in sel], [r["se"] for r in sel],
                            color=COLORS.get(a, "k"), marker=markers[K], ls=styles[K], ms=3, lw=1, capsize=2,
                            label=f"{a}, K = {K}, N = {N}")
        relu = next(r for r in caps_rows if r["activation"] == "relu")
        ax_sim.axvline(relu["spherical"], color=COLORS["relu"], ls=":", lw=1)
        ax_sim.text(relu["spherical"], 1.04, "ReLU K = ∞ RS α_c ", color=COLORS["relu"], fontsize=7, va="bottom",
                    ha="right")
        ax_sim.set_title(f"(d) finite-K simulation ({method}; mean ± s.e.)", fontsize=10)
        ax_sim.set_xlabel("α")
        ax_sim.set_ylabel("fraction of instances solved (spherical)")
        ax_sim.set_ylim(-0.05, 1.12)
        ax_sim.legend(fontsize=6, ncol=2)
    else:
        _pending(ax_sim, "pending: replica.committee.simulate points\n(issue 11 part 5)")

    fig.tight_layout()
    save_figure(fig, args.out_dir, "committee_relu_vs_sign")


if __name__ == "__main__":
    main()
