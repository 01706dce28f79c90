"""Experiments: SGD, Entropy-SGD and Replicated-SGD on the Gaussian mixture, the perceptron storage
problem and scikit-learn's handwritten digits, with the local energy of what they find.

* ``train(**options) -> dict``: one seeded run (data, model, algorithm) → one output row.
* ``gm_experiment``, ``perceptron_experiment``, ``digits_experiment``: several algorithms × seeds,
  returning per-run rows and mean ± standard-error summaries (plus, for the mixture, exact ERM
  minimisers from scikit-learn and the replica theory of ``replica.gaussian_mixture`` when it is
  importable).
* ``add_train_arguments(parser)`` / ``run_train(args)``: the ``train`` CLI subcommand.

Budgets: ``epochs`` counts gradient evaluations in units of the training-set size, so every
algorithm gets ``epochs * ceil(P/batch_size)`` minibatch gradients (up to rounding to whole iterations): SGD
and Entropy-SGD run ``epochs`` epochs, Replicated-SGD with y replicas ``epochs / y`` epochs per
replica (``algorithm="rsgd_xy"``: ``epochs`` per replica, y times the budget — the seed's
"rSGD×y" column).  A budget below one chain step (``epochs * ceil(P/batch_size) <= 0.5``, per replica
for ``rsgd``) is refused by ``TrainConfig.validate`` with the minimum.  Seeds: ``seed`` fixes the data,
the initialisation, the minibatches, the SGLD noise and the local-energy noise draws; the same seed gives
the same row.

Divergence: a run whose weights become non-finite or overflow (see ``optimizers``) is stopped at
once; its row has ``diverged=True``, ``converged=False``, ``status="diverged"`` and NaN observables
(``grad_evals`` = gradients spent until then).  Every other row has ``diverged=False``,
``converged=True``, ``status="ok"``.  The CLI exits with status 3 when a row did not converge.
"""

import argparse
import math
from dataclasses import dataclass, fields, replace

import numpy as np

from ..cli.parsing import value_list, word_list
from .._lazy import tqdm_auto as tqdm

from . import _checks
from .data import digits, gaussian_mixture, random_patterns
from .gm_theory import DEFAULT_SIGMAS, bayes_error, gm_theory
from .local_energy import local_energy
from .models import LinearClassifier, Objective, OneHiddenLayer
from .optimizers import SGD, EntropySGD, ReplicatedSGD
from .schedules import Scoping

__all__ = ["TrainConfig", "config", "train", "summarize", "gm_experiment", "gm_theory", "bayes_error",
           "perceptron_experiment", "digits_experiment", "add_train_arguments", "run_train",
           "ALGORITHMS", "DATASETS", "MODELS"]

ALGORITHMS = ("sgd", "esgd", "rsgd", "rsgd_xy")
DATASETS = ("gm", "perceptron", "digits")
MODELS = ("linear", "mlp", "tree")


@dataclass(frozen=True)
class TrainConfig:
    """Every option of one run; ``config(data, **overrides)`` fills the per-data defaults."""

    data: str = "gm"
    model: str = "linear"
    algorithm: str = "sgd"
    alpha: float = 2.0            # P/N (gm, perceptron)
    delta: float = 1.0            # cluster variance Δ (gm)
    rho: float = 0.5              # fraction of +1 labels (gm)
    n_features: int = 1000        # N (gm, perceptron)
    n_test: int = 10000           # test samples (gm)
    seed: int = 0
    epochs: float = 100           # budget in passes over the training set (see module docstring)
    batch_size: int = 50
    lr: float = 0.5               # SGD / Replicated-SGD rate η
    momentum: float = 0.0         # SGD / Replicated-SGD replicas
    loss: str = "logistic"        # linear model
    lam: float = 1e-3             # L2 in the sum convention of docs/theory.md §0
    bias: bool = False
    hidden: int = 64              # mlp / tree
    activation: str = "relu"      # mlp / tree
    replicas: int = 3             # y
    couple_every: int = 1         # K
    center: str = "mean"
    inner_steps: int = 5          # L
    outer_lr: float = 1.0         # Entropy-SGD outer rate η
    outer_momentum: float = 0.5   # Entropy-SGD outer momentum
    sgld_lr: float = 0.5          # η'
    noise: float = 1e-4           # ε
    average: float = 0.75         # α of the running average μ
    gamma0: float = 0.03
    gamma1: float = 3e-3
    gamma_max: float = 2.0
    replica_init: str = "same"    # "same" start for all replicas, or "independent"
    init_scale: float = 1.0
    sigmas: tuple = DEFAULT_SIGMAS
    samples: int = 40             # local-energy noise draws

    def validate(self):
        _checks.choice("data", self.data, DATASETS)
        _checks.choice("model", self.model, MODELS)
        _checks.choice("algorithm", self.algorithm, ALGORITHMS)
        _checks.real("alpha", self.alpha, low_open=True)
        _checks.real("delta", self.delta, low_open=True)
        _checks.real("rho", self.rho, low_open=True, high=1.0, high_open=True)
        _checks.integer("n_features", self.n_features)
        _checks.integer("n_test", self.n_test)
        _checks.integer("seed", self.seed, low=0)
        _checks.real("epochs", self.epochs, low_open=True)
        _checks.integer("batch_size", self.batch_size)
        for name in ("lr", "outer_lr", "sgld_lr", "noise", "lam", "gamma0", "gamma1", "init_scale"):
            _checks.real(name, getattr(self, name))
        _checks.real("gamma_max", self.gamma_max, allow_inf=True)
        for name in ("momentum", "outer_momentum", "average"):
            _checks.real(name, getattr(self, name), high=1.0, high_open=True)
        _checks.choice("loss", self.loss, ("logistic", "square"))
        _checks.integer("hidden", self.hidden)
        _checks.choice("activation", self.activation, ("relu", "tanh"))
        _checks.integer("replicas", self.replicas)
        _checks.integer("couple_every", self.couple_every)
        _checks.choice("center", self.center, ("mean", "trained"))
        _checks.integer("inner_steps", self.inner_steps)
        _checks.choice("replica_init", self.replica_init, ("same", "independent"))
        _checks.integer("samples", self.samples, low=2)
        for s in self.sigmas:
            _checks.real("sigmas", s)
        if self.data == "digits" and self.model == "linear":
            raise ValueError("model must be mlp or tree for data=digits (10 classes); got 'linear'")
        if self.data == "digits" and self.model == "tree":
            raise ValueError("model must be mlp for data=digits (the tree committee is binary); got 'tree'")
        if self.model == "tree" and self.n_features % self.hidden:
            raise ValueError(f"hidden must divide n_features={self.n_features} for model=tree; got {self.hidden}")
        if self.data == "perceptron" and self.bias:
            raise ValueError("bias must be off for data=perceptron (storage of random patterns)")
        _check_budget(self)
        return self


def _n_train(cfg):
    """Training-set size P of ``cfg`` (as ``_make_data`` builds it)."""
    if cfg.data in ("gm", "perceptron"):
        return max(1, int(round(cfg.alpha * cfg.n_features)))
    return digits(0.3, seed=cfg.seed)[0].shape[0]


def _check_budget(cfg):
    """``epochs`` must buy at least one chain step: ``round(chain_epochs * nb) >= 1``, nb minibatches per pass."""
    P = _n_train(cfg)
    nb = -(-P // min(cfg.batch_size, P))
    per = cfg.replicas if cfg.algorithm == "rsgd" else 1  # rsgd splits the budget over its replicas
    if int(round(cfg.epochs / per * nb)) < 1:
        split = f", split over {per} replicas" if per > 1 else ""
        raise ValueError(f"epochs must be > {0.5 * per / nb:.6g} so that --epochs buys at least one gradient step "
                         f"(ceil(P/batch_size) = {nb} minibatches per pass, P = {P}{split}); got {cfg.epochs:g}")


_DEFAULTS = {
    "gm": dict(),
    "perceptron": dict(alpha=1.5, lam=0.0, bias=False),
    "digits": dict(model="mlp", epochs=30, batch_size=32, lr=0.1, lam=0.0, sgld_lr=0.1,
                   gamma0=0.03, gamma1=1e-2, gamma_max=5.0, hidden=64),
}
# Replicated-SGD starts its own scoping (per iteration, not per outer step) from a larger γ0
_RSGD_DEFAULTS = {
    "gm": dict(gamma0=0.1, gamma1=2e-3),
    "perceptron": dict(gamma0=0.1, gamma1=2e-3),
    "digits": dict(gamma0=0.1, gamma1=1e-2),
}


def config(data="gm", algorithm="sgd", **overrides):
    """A validated ``TrainConfig`` with the per-data (and per-algorithm) defaults and overrides."""
    _checks.choice("data", data, DATASETS)
    _checks.choice("algorithm", algorithm, ALGORITHMS)
    base = dict(_DEFAULTS[data])
    if algorithm.startswith("rsgd"):
        base.update(_RSGD_DEFAULTS[data])
    base.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in fields(TrainConfig)}
    unknown = set(base) - known
    if unknown:
        raise ValueError(f"unknown option(s): {', '.join(sorted(unknown))}")
    if "sigmas" in base:
        base["sigmas"] = tuple(float(s) for s in np.atleast_1d(base["sigmas"]))
    return TrainConfig(data=data, algorithm=algorithm, **base).validate()


# ----------------------------------------------------------------------------------------------
def _make_data(cfg, rng):
    if cfg.data == "gm":
        P = max(1, int(round(cfg.alpha * cfg.n_features)))
        X, y, v = gaussian_mixture(P, cfg.n_features, cfg.delta, cfg.rho, rng)
        Xt, yt, _ = gaussian_mixture(cfg.n_test, cfg.n_features, cfg.delta, cfg.rho, rng, v_star=v)
        return X, y, Xt, yt, v
    if cfg.data == "perceptron":
        P = max(1, int(round(cfg.alpha * cfg.n_features)))
        X, y = random_patterns(P, cfg.n_features, rng)
        return X, y, None, None, None
    Xtr, Xte, ytr, yte = digits(0.3, seed=cfg.seed)
    return Xtr, ytr, Xte, yte, None


def _make_model(cfg, n_features, n_classes):
    if cfg.model == "linear":
        return LinearClassifier(n_features, cfg.loss, lam=cfg.lam, bias=cfg.bias)
    return OneHiddenLayer(n_features, cfg.hidden, n_classes=n_classes, activation=cfg.activation,
                          tree=(cfg.model == "tree"), bias=cfg.bias or cfg.model == "mlp", lam=cfg.lam)


def _make_optimizer(cfg, seed):
    gamma = Scoping(cfg.gamma0, cfg.gamma1, cfg.gamma_max)
    if cfg.algorithm == "sgd":
        return SGD(lr=cfg.lr, momentum=cfg.momentum, batch_size=cfg.batch_size, seed=seed)
    if cfg.algorithm == "esgd":
        return EntropySGD(lr=cfg.outer_lr, sgld_lr=cfg.sgld_lr, inner_steps=cfg.inner_steps, gamma=gamma,
                          noise=cfg.noise, average=cfg.average, momentum=cfg.outer_momentum,
                          batch_size=cfg.batch_size, seed=seed)
    return ReplicatedSGD(lr=cfg.lr, replicas=cfg.replicas, gamma=gamma, couple_every=cfg.couple_every,
                         center=cfg.center, momentum=cfg.momentum, batch_size=cfg.batch_size, seed=seed)


_APPLIES = {  # TrainConfig options used only by some data, models or algorithms (the others always apply)
    "alpha": lambda c: c.data in ("gm", "perceptron"), "n_features": lambda c: c.data in ("gm", "perceptron"),
    "delta": lambda c: c.data == "gm", "rho": lambda c: c.data == "gm", "n_test": lambda c: c.data == "gm",
    "loss": lambda c: c.model == "linear", "hidden": lambda c: c.model != "linear",
    "activation": lambda c: c.model != "linear",
    "lr": lambda c: c.algorithm != "esgd", "momentum": lambda c: c.algorithm != "esgd",
    "gamma0": lambda c: c.algorithm != "sgd", "gamma1": lambda c: c.algorithm != "sgd",
    "gamma_max": lambda c: c.algorithm != "sgd",
    **{k: (lambda c: c.algorithm.startswith("rsgd")) for k in ("replicas", "couple_every", "center", "replica_init")},
    **{k: (lambda c: c.algorithm == "esgd") for k in ("inner_steps", "outer_lr", "outer_momentum", "sgld_lr", "noise",
                                                      "average")},
}


def applies(name, cfg):
    """Whether the option ``name`` of ``cfg`` is used by its data, model and algorithm (a row carries only
    those: a perceptron storage run has no Δ, an SGD run no replica count)."""
    rule = _APPLIES.get(name)
    return rule is None or rule(cfg)


def _chain_epochs(cfg):
    """Epochs per chain for an equal budget of ``cfg.epochs`` passes of gradients."""
    if cfg.algorithm == "rsgd":
        return cfg.epochs / cfg.replicas
    return cfg.epochs


def train(cfg=None, progress=False, return_result=False, **options):
    """One seeded run; returns a flat row (dict).  ``cfg`` a ``TrainConfig`` or options for ``config``.

    Row fields: the options that apply (:func:`applies`), ``test_error`` (only with a test set: not for
    perceptron storage),
    ``train_error``, ``train_loss``, ``grad_evals``,
    ``gamma_final``, ``distance_final``, ``solved`` (train error 0), ``first_solved_pass``
    (passes over the data when the training error first hit 0, nan if never), for the mixture
    ``m, q, b, cos`` of the answer (docs/theory.md §1 units), and the local energy
    ``le_train_{σ}``/``le_train_se_{σ}`` (and ``le_test_...`` when there is a test set).
    """
    if cfg is None:
        cfg = config(**options)
    elif options:
        cfg = replace(cfg, **options).validate()
    ss = np.random.SeedSequence(cfg.seed)
    rng_data, rng_init = (np.random.default_rng(s) for s in ss.spawn(2))
    X, y, Xt, yt, v_star = _make_data(cfg, rng_data)
    n_classes = 10 if cfg.data == "digits" else 2
    model = _make_model(cfg, X.shape[1], n_classes)
    objective = Objective(model, X, y)
    opt = _make_optimizer(cfg, cfg.seed)
    w0 = model.init(rng_init, scale=cfg.init_scale)
    if cfg.algorithm.startswith("rsgd") and cfg.replica_init == "independent":
        w0 = np.array([w0] + [model.init(rng_init, scale=cfg.init_scale) for _ in range(cfg.replicas - 1)])
    result = opt.fit(w0, objective, epochs=_chain_epochs(cfg), progress=progress)
    w = result.params
    last = result.history[-1]
    # divergence: flagged by the optimiser (non-finite or overflowing weights), or a non-finite final loss
    diverged = bool(result.diverged) or not math.isfinite(float(last.get("loss", 0.0)))
    train_err = result.column("train_error")
    passes = result.column("grad_evals") / (-(-X.shape[0] // min(cfg.batch_size, X.shape[0])))
    hit = np.flatnonzero(train_err == 0.0)
    row = {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.__dict__.items()
           if k != "sigmas" and applies(k, cfg)}
    if Xt is not None:  # storage (perceptron: random patterns) has no test set, so no test error column
        row["test_error"] = math.nan if diverged else float(model.error(w, Xt, yt))
    row.update(
        train_error=math.nan if diverged else float(last["train_error"]),
        train_loss=math.nan if diverged else float(last["loss"]),
        grad_evals=int(result.grad_evals),
        gamma_final=float(last["gamma"]),
        distance_final=math.nan if diverged else float(last["distance"]),
        solved=(not diverged) and bool(last["train_error"] == 0.0),
        first_solved_pass=float(passes[hit[0]]) if hit.size else math.nan,
    )
    if v_star is not None and hasattr(model, "overlaps"):
        overlaps = model.overlaps(np.zeros_like(w) if diverged else w, v_star)
        row.update({k: math.nan for k in overlaps} if diverged else overlaps)
    sets = [("le_train_", X, y)] + ([("le_test_", Xt, yt)] if Xt is not None else [])
    for prefix, Xs, ys in sets:
        if diverged:  # no local energy of a non-number; same columns as a finite run (LocalEnergy.as_dict)
            for s in cfg.sigmas:
                row[f"{prefix}{s:g}"] = row[f"{prefix}se_{s:g}"] = math.nan
        else:
            row.update(local_energy(model, w, Xs, ys, cfg.sigmas, samples=cfg.samples, seed=cfg.seed).as_dict(prefix))
    row.update(diverged=diverged, converged=not diverged, status="diverged" if diverged else "ok")
    if return_result:
        return row, result
    return row


def summarize(rows, by=("algorithm",), reference="sgd"):
    """Mean ± standard error over seeds of every numeric field, grouped by the ``by`` fields.

    Each summary row has ``n`` (seeds), ``{field}`` (mean) and ``{field}_se``.  When the
    ``reference`` algorithm ran with the same seeds, ``test_error_minus_ref`` and
    ``le_train_{σ}_minus_ref`` hold paired differences (same data, same initialisation) ± s.e.
    """
    groups = {}
    for r in rows:
        groups.setdefault(tuple(r.get(k) for k in by), []).append(r)
    ref_by_seed = {}
    if "algorithm" in by:
        for r in rows:
            if r["algorithm"] == reference:
                key = tuple(r.get(k) for k in by if k != "algorithm") + (r["seed"],)
                ref_by_seed[key] = r
    config_fields = {f.name for f in fields(TrainConfig)}
    flags = ("diverged", "converged", "status")  # counted, not averaged
    out = []
    for key, rs in groups.items():
        s = dict(zip(by, key))
        s["n"] = len(rs)
        if any("diverged" in r for r in rs):
            s["n_diverged"] = sum(bool(r.get("diverged")) for r in rs)
        for k in rs[0]:  # options shared by the whole group are carried over as they are
            if k in config_fields and k not in by and k != "seed" and all(r.get(k) == rs[0][k] for r in rs):
                s[k] = rs[0][k]
        numeric = [k for k, v in rs[0].items() if k not in by and k not in config_fields and k not in flags
                   and isinstance(v, (int, float, np.floating, bool)) and not isinstance(v, str)]
        for k in numeric:
            vals = np.array([float(r.get(k, math.nan)) for r in rs], dtype=float)
            s[k], s[k + "_se"] = _mean_se(vals)
        if ref_by_seed:
            diffs = {}
            for r in rs:
                ref = ref_by_seed.get(tuple(r.get(k) for k in by if k != "algorithm") + (r["seed"],))
                if ref is None:
                    continue
                for k in numeric:
                    if k == "test_error" or (k.startswith(("le_train_", "le_test_")) and "_se_" not in k):
                        diffs.setdefault(k, []).append(float(r.get(k, math.nan)) - float(ref.get(k, math.nan)))
            for k, d in diffs.items():
                s[k + "_minus_ref"], s[k + "_minus_ref_se"] = _mean_se(np.array(d))
        if "n_diverged" in s:  # a group with a diverged run did not converge (the means skip its NaNs)
            s.update(converged=s["n_diverged"] == 0, status="ok" if s["n_diverged"] == 0 else "diverged")
        out.append(s)
    return out


def _mean_se(vals):
    vals = vals[~np.isnan(vals)]
    if vals.size == 0:
        return math.nan, math.nan
    se = float(vals.std(ddof=1) / math.sqrt(vals.size)) if vals.size > 1 else math.nan
    return float(vals.mean()), se


def _runs(configs, progress, desc, cluster=None):
    """``train`` on every config.  ``progress``: a bar over the runs on stderr — True or ``"auto"``: on a
    terminal; ``"on"``: always; False or ``"off"``: never (the CLI's ``--progress``)."""
    disable = {"on": False, "off": True, "auto": None, True: None, False: True}[progress]
    if cluster is not None:  # ``--workers``/``--scheduler``: one task per run (replica.sweep.imap)
        from ..sweep import imap

        return list(imap(train, configs, cluster, progress=None if disable is None else not disable, desc=desc))
    rows = []
    for cfg in tqdm(configs, desc=desc, disable=disable):
        rows.append(train(cfg))
    return rows


# ----------------------------------------------------------------------------------------------
def _erm_rows(cfg, lams, seeds):
    """Exact ERM minimisers (scikit-learn LogisticRegression) at several λ on the same data."""
    from sklearn.linear_model import LogisticRegression

    rows = []
    for seed in seeds:
        c = replace(cfg, seed=seed)
        rng_data = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[0])
        X, y, Xt, yt, v = _make_data(c, rng_data)
        N = X.shape[1]
        model = LinearClassifier(N, "logistic", lam=0.0, bias=c.bias)
        for lam in lams:
            # sum loss + λN/2 |u|²  ⇔  sklearn  C Σℓ + |u|²/2  with  C = 1/(λN)
            reg = dict(C=1.0 / (lam * N)) if lam > 0 else dict(penalty=None)
            clf = LogisticRegression(**reg, fit_intercept=c.bias, tol=1e-8, max_iter=5000)
            clf.fit(X, y)
            w = np.append(clf.coef_.ravel(), clf.intercept_[0]) if c.bias else clf.coef_.ravel()
            row = {"algorithm": "erm", "lam": lam, "seed": seed,
                   "test_error": float(model.error(w, Xt, yt)), "train_error": float(model.error(w, X, y))}
            row.update(model.overlaps(w, v))
            row.update(local_energy(model, w, X, y, c.sigmas, samples=c.samples, seed=seed).as_dict("le_train_"))
            row.update(local_energy(model, w, Xt, yt, c.sigmas, samples=c.samples, seed=seed).as_dict("le_test_"))
            rows.append(row)
    return rows


def gm_experiment(n_features=1000, alpha=2.0, delta=1.0, rho=0.5, lam=1e-3, seeds=range(5),
                  algorithms=("sgd", "esgd", "rsgd"), erm_lams=(1e-3, 1e-1, 1.0, 10.0, 100.0),
                  progress=True, **options):
    """The three algorithms on the Gaussian mixture (logistic loss, λ = ``lam``) against ERM and theory.

    ``bias`` defaults to ``rho != 0.5``.  Returns a dict with ``runs`` (one row per algorithm and
    seed), ``summary`` (mean ± s.e. and paired differences to SGD), ``erm`` (scikit-learn ERM
    minimisers at ``erm_lams`` on the same data, per seed), ``erm_summary``, ``bayes_error``
    and ``theory`` (``gm_theory`` output, or ``None`` when the replica solvers are unavailable).
    """
    options.setdefault("bias", rho != 0.5)
    seeds = list(seeds)
    cfgs = [config("gm", a, n_features=n_features, alpha=alpha, delta=delta, rho=rho, lam=lam,
                   seed=s, **options) for a in algorithms for s in seeds]
    runs = _runs(cfgs, progress, "gm")
    erm = _erm_rows(cfgs[0], erm_lams, seeds) if erm_lams else []
    theory = gm_theory("logistic", alpha, delta, rho, options["bias"], erm_lams, cfgs[0].sigmas)
    return {"runs": runs, "summary": summarize(runs), "erm": erm,
            "erm_summary": summarize(erm, by=("algorithm", "lam")) if erm else [],
            "bayes_error": bayes_error(alpha, delta, rho), "theory": theory}


def perceptron_experiment(n_features=1000, alphas=(1.0, 1.5, 1.75), seeds=range(5),
                          algorithms=("sgd", "esgd", "rsgd"), progress=True, **options):
    """Storage of random ±1 labels by a linear classifier (logistic, λ = 0) below capacity α_c = 2.

    Per algorithm and α: success rate (training error 0 at the end of the budget) ± s.e., the
    number of passes to the first solution, and the training-set local energy of the answers
    (``summary``: all runs; ``summary_solved``: only the runs that ended on a solution).
    """
    seeds = list(seeds)
    cfgs = [config("perceptron", a, n_features=n_features, alpha=al, seed=s, **options)
            for al in alphas for a in algorithms for s in seeds]
    runs = _runs(cfgs, progress, "perceptron")
    solved = [r for r in runs if r["solved"]]
    return {"runs": runs, "summary": summarize(runs, by=("alpha", "algorithm")),
            "summary_solved": summarize(solved, by=("alpha", "algorithm")) if solved else []}


def digits_experiment(seeds=range(5), algorithms=("sgd", "esgd", "rsgd", "rsgd_xy"), progress=True,
                      **options):
    """One-hidden-layer network on scikit-learn's digits: test error ± s.e. and local energy at an
    equal number of gradient evaluations (``rsgd_xy``: y times the budget), the small-scale
    counterpart of the seed's deep-learning table."""
    seeds = list(seeds)
    cfgs = [config("digits", a, seed=s, **options) for a in algorithms for s in seeds]
    runs = _runs(cfgs, progress, "digits")
    return {"runs": runs, "summary": summarize(runs)}


# ----------------------------------------------------------------------------------------------
# CLI: python -m replica.solve train ...
_CLI_NUMBERS = {  # option -> (TrainConfig field, int?, help)
    "--alpha": ("alpha", float, "samples per dimension α = P/N (gm, perceptron)"),
    "--delta": ("delta", float, "cluster variance Δ (gm)"),
    "--rho": ("rho", float, "fraction of +1 labels ρ (gm)"),
    "--n-features": ("n_features", int, "input dimension N (gm, perceptron)"),
    "--n-test": ("n_test", int, "test-set size (gm)"),
    "--seed": ("seed", int, "seed(s); one row per seed"),
    "--epochs": ("epochs", float, "budget in passes over the training set (equal gradient evaluations)"),
    "--batch-size": ("batch_size", int, "minibatch size"),
    "--lr": ("lr", float, "learning rate η of SGD and Replicated-SGD"),
    "--momentum": ("momentum", float, "heavy-ball momentum of SGD / the replicas"),
    "--lam": ("lam", float, "L2 strength λ (sum convention, docs/theory.md §0)"),
    "--hidden": ("hidden", int, "hidden units K (mlp, tree)"),
    "--replicas": ("replicas", int, "number of replicas y (rsgd)"),
    "--couple-every": ("couple_every", int, "couple the replicas every K steps (rsgd)"),
    "--inner-steps": ("inner_steps", int, "SGLD steps L per outer step (esgd)"),
    "--outer-lr": ("outer_lr", float, "outer rate η of Entropy-SGD"),
    "--outer-momentum": ("outer_momentum", float, "momentum of the Entropy-SGD outer step"),
    "--sgld-lr": ("sgld_lr", float, "SGLD rate η' (esgd)"),
    "--noise": ("noise", float, "SGLD noise ε (esgd): step noise sqrt(η') ε N(0,I)"),
    "--average": ("average", float, "weight α of the running average μ <- α μ + (1-α) w' (esgd)"),
    "--gamma0": ("gamma0", float, "coupling γ0 of the scoping γ_t = γ0 (1+γ1)^t"),
    "--gamma1": ("gamma1", float, "scoping rate γ1 (t counts outer steps / rsgd iterations)"),
    "--gamma-max": ("gamma_max", float, "cap on γ_t"),
    "--samples": ("samples", int, "noise draws for the local energy"),
}


def add_train_arguments(parser):
    """Add the ``train`` options to an argparse (sub)parser.  Numeric options take a value, a
    list ``1,2,4`` or a range ``a:b:n``; a sweep is the Cartesian product (see ``run_train``).
    Unset options take the per-data defaults of ``config``."""
    from .mnist1d_cli import add_mnist1d_arguments

    parser.add_argument("--data", default="gm", choices=DATASETS + ("mnist1d",), help="data set")
    parser.add_argument("--model", default=None, choices=MODELS + ("cnn",),
                        help="linear (gm, perceptron), mlp = one hidden layer (mnist1d: two), tree = tree "
                             "committee, cnn = 1-D convolutional network (mnist1d)")
    parser.add_argument("--algorithm", type=word_list(ALGORITHMS), default=["sgd", "esgd", "rsgd"],
                        help="sgd, esgd, rsgd, rsgd_xy (list allowed)")
    for opt, (_, kind, help_) in _CLI_NUMBERS.items():
        parser.add_argument(opt, type=value_list(kind), default=None, help=help_)
    parser.add_argument("--loss", default=None, choices=("logistic", "square"), help="loss of the linear model")
    parser.add_argument("--activation", default=None, choices=("relu", "tanh"), help="hidden activation")
    parser.add_argument("--bias", default=None, action=argparse.BooleanOptionalAction, help="learn a bias")
    parser.add_argument("--center", default=None, choices=("mean", "trained"), help="rsgd centre")
    parser.add_argument("--replica-init", default=None, choices=("same", "independent"),
                        help="replicas start from the same point or independently (rsgd)")
    parser.add_argument("--sigmas", type=value_list(float), default=None,
                        help=f"noise levels σ of the local energy (default {','.join(map(str, DEFAULT_SIGMAS))})")
    parser.add_argument("--summary", action="store_true", help="mean ± s.e. over seeds instead of one row per run")
    return add_mnist1d_arguments(parser)


def run_train(args):
    """Run the ``train`` subcommand: one row per (algorithm × Cartesian product × seed).

    ``args`` is an argparse namespace from ``add_train_arguments`` (lists, or plain scalars).
    Invalid values raise ``ValueError`` naming the parameter and the allowed range.
    """
    from .mnist1d_cli import check_other_data, run_mnist1d

    if getattr(args, "data", None) == "mnist1d":  # torch models: replica.entropic.mnist1d_cli
        return run_mnist1d(args)
    check_other_data(args)

    def as_list(v):
        return list(v) if isinstance(v, (list, tuple, np.ndarray)) else [v]

    algorithms = as_list(getattr(args, "algorithm", "sgd"))
    sweep = {}
    for opt, (name, _, _) in _CLI_NUMBERS.items():
        val = getattr(args, name, None)
        if val is not None:
            sweep[name] = as_list(val)
    fixed = {name: getattr(args, name, None) for name in ("model", "loss", "activation", "bias", "center", "replica_init")}
    if getattr(args, "sigmas", None) is not None:
        fixed["sigmas"] = tuple(as_list(args.sigmas))
    keys = list(sweep)
    combos = [dict()]
    for k in keys:
        combos = [dict(c, **{k: v}) for c in combos for v in sweep[k]]
    cfgs = [config(args.data, a, **fixed, **c) for a in algorithms for c in combos]
    rows = _runs(cfgs, getattr(args, "progress", "auto"), "train", cluster=getattr(args, "cluster", None))
    if getattr(args, "summary", False):
        by = tuple(["algorithm"] + [k for k in keys if k != "seed" and len(sweep[k]) > 1])
        return summarize(rows, by=by)
    return rows
