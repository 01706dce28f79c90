"""MNIST-1D (Greydanus 2020) with torch: data splits, a small 1-D CNN and an MLP, and one seeded run of
SGD (momentum), Entropy-SGD or Replicated-SGD at a fixed number of gradient evaluations.

Needs the ``deep`` extra (``pip install replica[deep]``: torch and ``mnist1d``).  The data are generated
offline by ``mnist1d.data.make_dataset`` with the package's default arguments (4000 training and 1000
test sequences of length 40, 10 classes, generator seed 42); nothing is downloaded.

Splits (``splits``): the seed draws, from the 4000 training sequences only, a validation set of ``n_val``
and a disjoint training set of ``n_train``; the 1000 test sequences are never used for training or
selection.  ``label_noise`` = p replaces the label of each training example, with probability p, by one of
the 10 classes drawn uniformly (so a fraction 0.9 p is wrong); validation and test labels stay clean.

Budget: ``epochs`` passes of minibatch gradients over the training set, G = round(epochs ⌈n_train/B⌉)
minibatch gradients of size B.  One gradient evaluation is one minibatch forward-backward of one network:
SGD takes G steps, Entropy-SGD ⌊G/L⌋ outer steps of L SGLD steps, Replicated-SGD ⌊G/y⌋ steps of its y
replicas.  The row's ``grad_evals`` is counted by the minibatch sampler itself (not computed from G).

Seeds: ``seed`` fixes the split, the label noise, the initialisation (the same for all methods and for
every replica), the minibatch order, the SGLD noise and the local-energy draws; the same seed gives the
same row on the same device.
"""

import math
import random
from dataclasses import dataclass, fields, replace
from functools import lru_cache

import numpy as np

from . import _checks
from .local_energy import local_energy
from .schedules import Scoping

__all__ = ["Mnist1dConfig", "mnist1d_config", "dataset", "splits", "build_model", "run", "ALGORITHMS",
           "MODELS", "N_POOL", "N_TEST", "SIGMAS"]

ALGORITHMS = ("sgd", "esgd", "rsgd")
MODELS = ("cnn", "mlp")
N_POOL, N_TEST, N_CLASSES, LENGTH = 4000, 1000, 10, 40
SIGMAS = (0.0, 0.05, 0.1, 0.2, 0.3)


@dataclass(frozen=True)
class Mnist1dConfig:
    """Every option of one MNIST-1D run (names as ``TrainConfig`` where they mean the same)."""

    model: str = "cnn"
    algorithm: str = "sgd"
    seed: int = 1
    n_train: int = 3200           # training examples drawn from the 4000 (disjoint from validation)
    n_val: int = 800              # validation examples drawn from the 4000
    label_noise: float = 0.0      # p: a training label is redrawn uniformly with probability p
    epochs: float = 40            # budget: G = round(epochs ⌈n_train/B⌉) minibatch gradients
    batch_size: int = 100
    lr: float = 0.03              # SGD / Replicated-SGD rate η
    momentum: float = 0.9         # SGD / Replicated-SGD heavy-ball momentum
    hidden: int = 100             # mlp: two hidden layers of this width
    channels: int = 16            # cnn: channels of its three convolutions
    replicas: int = 3             # y
    couple_every: int = 1         # K
    inner_steps: int = 5          # L
    outer_lr: float = 1.0         # Entropy-SGD outer rate η
    outer_momentum: float = 0.5   # Entropy-SGD outer momentum
    sgld_lr: float = 0.3          # η'
    noise: float = 1e-4           # ε
    average: float = 0.75         # α of the running average μ
    gamma0: float = 0.03
    gamma1: float = 1e-2
    gamma_max: float = 10.0
    sigmas: tuple = SIGMAS
    samples: int = 20             # local-energy noise draws
    device: str = "cpu"

    def validate(self):
        _checks.choice("model", self.model, MODELS)
        _checks.choice("algorithm", self.algorithm, ALGORITHMS)
        _checks.integer("seed", self.seed, low=0)
        _checks.integer("n_train", self.n_train)
        _checks.integer("n_val", self.n_val)
        if self.n_train + self.n_val > N_POOL:
            raise ValueError(f"n_train + n_val must be <= {N_POOL} (the MNIST-1D training sequences); "
                             f"got {self.n_train} + {self.n_val}")
        _checks.real("label_noise", self.label_noise, high=1.0)
        _checks.real("epochs", self.epochs, low_open=True)
        _checks.integer("batch_size", self.batch_size)
        for name in ("lr", "outer_lr", "sgld_lr", "noise", "gamma0", "gamma1"):
            _checks.real(name, getattr(self, name))
        _checks.real("gamma_max", self.gamma_max, allow_inf=True)
        for name in ("momentum", "outer_momentum", "average"):
            _checks.real(name, getattr(self, name), high=1.0, high_open=True)
        for name in ("hidden", "channels", "replicas", "couple_every", "inner_steps"):
            _checks.integer(name, getattr(self, name))
        _checks.integer("samples", self.samples, low=2)
        for s in self.sigmas:
            _checks.real("sigmas", s)
        _checks.choice("device", self.device, ("cpu", "cuda"))
        if self.device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise ValueError("device must be cpu here (torch.cuda.is_available() is False); got 'cuda'")
        cost = _cost(self)
        if self.grad_budget < cost:
            raise ValueError(f"epochs must be >= {cost / self.batches_per_epoch:.6g} so that the budget buys one "
                             f"{self.algorithm} step ({cost} gradient evaluations, "
                             f"{self.batches_per_epoch} minibatches per pass); got {self.epochs:g}")
        return self

    @property
    def batches_per_epoch(self):
        """⌈n_train/B⌉ minibatches per pass over the training set."""
        return -(-self.n_train // min(self.batch_size, self.n_train))

    @property
    def grad_budget(self):
        """G = round(epochs ⌈n_train/B⌉) minibatch gradient evaluations."""
        return int(round(self.epochs * self.batches_per_epoch))


def _cost(cfg):
    """Gradient evaluations of one step: 1 (SGD), L (Entropy-SGD), y (Replicated-SGD)."""
    return {"sgd": 1, "esgd": cfg.inner_steps, "rsgd": cfg.replicas}[cfg.algorithm]


def mnist1d_config(**options):
    """A validated ``Mnist1dConfig`` from keyword options (None values ignored; unknown names refused)."""
    options = {k: v for k, v in options.items() if v is not None}
    unknown = set(options) - {f.name for f in fields(Mnist1dConfig)}
    if unknown:
        raise ValueError(f"unknown option(s) for data=mnist1d: {', '.join(sorted(unknown))}")
    if "sigmas" in options:
        options["sigmas"] = tuple(float(s) for s in np.atleast_1d(options["sigmas"]))
    return Mnist1dConfig(**options).validate()


# ----------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def dataset():
    """The MNIST-1D arrays ``(x, y, x_test, y_test)`` (4000 + 1000 sequences of length 40), generated offline
    by ``mnist1d.data.make_dataset`` with its default arguments; the global ``random``/``numpy`` generator
    states it reseeds are restored afterwards."""
    from mnist1d.data import get_dataset_args, make_dataset

    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        d = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    out = (d["x"].astype(np.float32), d["y"].astype(np.int64), d["x_test"].astype(np.float32),
           d["y_test"].astype(np.int64))
    return out


def splits(cfg):
    """Index arrays and labels of one seed: ``dict(train=idx, val=idx, y_train=labels)``.

    ``train`` and ``val`` are disjoint subsets of the 4000 training sequences (a permutation drawn from the
    seed: the first ``n_val`` are validation, the next ``n_train`` training); ``y_train`` are their labels
    after the label noise.
    """
    x, y, _, _ = dataset()
    rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 1]))
    perm = rng.permutation(N_POOL)
    val, train = perm[:cfg.n_val], perm[cfg.n_val:cfg.n_val + cfg.n_train]
    y_train = y[train].copy()
    flip = rng.random(train.size) < cfg.label_noise
    y_train[flip] = rng.integers(0, N_CLASSES, size=int(flip.sum()))
    return {"train": train, "val": val, "y_train": y_train}


def build_model(cfg):
    """The network of ``cfg.model`` (float32), initialised from the seed without touching the global RNG.

    ``mlp``: 40 → hidden → hidden → 10, ReLU.  ``cnn``: three Conv1d (kernel 5, 3, 3; stride 2; ``channels``
    each; ReLU) on the length-40 sequence, then a linear layer from channels × 5 to 10 logits.
    """
    import torch
    from torch import nn

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(np.random.SeedSequence([cfg.seed, 2]).generate_state(1)[0]))
        if cfg.model == "mlp":
            h = cfg.hidden
            net = nn.Sequential(nn.Linear(LENGTH, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, N_CLASSES))
        else:
            c = cfg.channels
            net = nn.Sequential(nn.Unflatten(1, (1, LENGTH)),
                                nn.Conv1d(1, c, 5, stride=2, padding=2), nn.ReLU(),     # 40 -> 20
                                nn.Conv1d(c, c, 3, stride=2, padding=1), nn.ReLU(),     # 20 -> 10
                                nn.Conv1d(c, c, 3, stride=2, padding=1), nn.ReLU(),     # 10 -> 5
                                nn.Flatten(), nn.Linear(5 * c, N_CLASSES))
    return net.to(cfg.device)


class _Batches:
    """Minibatches of ``(X, y)`` in a fresh random order each pass (one stream per replica); ``count``
    counts the minibatches handed out, i.e. the gradient evaluations."""

    def __init__(self, X, y, batch_size, seed, stream):
        self.X, self.y, self.B = X, y, min(batch_size, len(y))
        self.rng = np.random.default_rng(np.random.SeedSequence([seed, 3, stream]))
        self.order, self.pos, self.count = np.empty(0, dtype=np.int64), 0, 0

    def __call__(self):
        import torch

        if self.pos + self.B > self.order.size:
            self.order, self.pos = self.rng.permutation(len(self.y)), 0
        i = torch.as_tensor(self.order[self.pos:self.pos + self.B], device=self.X.device)
        self.pos += self.B
        self.count += 1
        return self.X[i], self.y[i]


class TorchErrorModel:
    """Adapter of a torch classifier to ``local_energy``: flat float64 parameter vectors in, error out.

    ``weight_mask`` marks the weights (tensors of dimension ≥ 2) that the multiplicative noise perturbs;
    biases are left alone, as for the numpy models.
    """

    supports_stacked_params = False

    def __init__(self, net):
        import torch

        self.net, self.torch = net, torch
        self.weight_mask = np.concatenate([np.full(p.numel(), p.dim() >= 2) for p in net.parameters()])

    def params(self):
        return self.torch.nn.utils.parameters_to_vector(self.net.parameters()).detach().cpu().double().numpy()

    def error(self, params, X, y):
        """ε = fraction of (X, y) misclassified at the flat parameters ``params``."""
        torch = self.torch
        ref = next(self.net.parameters())
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(torch.as_tensor(params, dtype=ref.dtype, device=ref.device),
                                                self.net.parameters())
            return int((self.net(X).argmax(dim=1) != y).sum()) / len(y)


def _error(net, X, y):
    import torch

    with torch.no_grad():
        return int((net(X).argmax(dim=1) != y).sum()) / len(y)


def run(cfg=None, **options):
    """One seeded run (see ``_run``); subnormal floats are flushed to zero meanwhile (a diverging network
    otherwise slows 3× on CPU), and switched off again afterwards (torch's default)."""
    import torch

    flushed = torch.set_flush_denormal(True)
    try:
        return _run(cfg, **options)
    finally:
        if flushed:
            torch.set_flush_denormal(False)


def _run(cfg=None, **options):
    """One seeded run; returns a flat row (dict).  ``cfg`` a ``Mnist1dConfig`` or options for it.

    Row fields: the options that apply to the algorithm, ``grad_evals`` (minibatch gradients drawn),
    ``train_error`` (on the possibly noisy training labels), ``val_error``, ``test_error``, ``train_loss``
    (mean cross-entropy of the last 10 % of the gradient evaluations), ``le_train_{σ}``/``le_train_se_{σ}``
    and ``le_test_{σ}``/``le_test_se_{σ}`` (local energy δε(σ) of the final weights — the centre for
    Replicated-SGD — with multiplicative noise on the weights, ``local_energy``), ``seconds`` (wall
    time), ``diverged``/``converged``/``status``.
    """
    import time

    import torch
    from torch import nn

    from .torch import EntropySGD, ReplicatedSGD

    cfg = mnist1d_config(**options) if cfg is None else (replace(cfg, **options).validate() if options else cfg)
    t0 = time.perf_counter()
    x, y, x_test, y_test = dataset()
    sp = splits(cfg)
    dev = cfg.device
    X, Y = torch.tensor(x[sp["train"]], device=dev), torch.tensor(sp["y_train"], device=dev)
    Xv, Yv = torch.tensor(x[sp["val"]], device=dev), torch.tensor(y[sp["val"]], device=dev)
    Xt, Yt = torch.tensor(x_test, device=dev), torch.tensor(y_test, device=dev)
    net = build_model(cfg)
    criterion = nn.CrossEntropyLoss()
    gamma = Scoping(cfg.gamma0, cfg.gamma1, cfg.gamma_max)
    steps = cfg.grad_budget // _cost(cfg)
    losses = []
    if cfg.algorithm == "rsgd":
        nets = [build_model(cfg) for _ in range(cfg.replicas)]  # same seed: every replica starts at the same point
        samplers = [_Batches(X, Y, cfg.batch_size, cfg.seed, a) for a in range(cfg.replicas)]
        opt = ReplicatedSGD([m.parameters() for m in nets], lr=cfg.lr, gamma=gamma, couple_every=cfg.couple_every,
                            momentum=cfg.momentum)

        def closure():
            opt.zero_grad()
            total = 0.0
            for m, draw in zip(nets, samplers):
                xb, yb = draw()
                loss = criterion(m(xb), yb)
                loss.backward()
                total += loss.item()
            return total / len(nets)
    else:
        samplers = [_Batches(X, Y, cfg.batch_size, cfg.seed, 0)]
        if cfg.algorithm == "sgd":
            opt = torch.optim.SGD(net.parameters(), lr=cfg.lr, momentum=cfg.momentum)
        else:
            opt = EntropySGD(net.parameters(), lr=cfg.outer_lr, sgld_lr=cfg.sgld_lr, inner_steps=cfg.inner_steps,
                             gamma=gamma, noise=cfg.noise, average=cfg.average, momentum=cfg.outer_momentum,
                             seed=cfg.seed)

        def closure():
            opt.zero_grad()
            xb, yb = samplers[0]()
            loss = criterion(net(xb), yb)
            loss.backward()
            return loss.item()

    diverged = False
    for _ in range(steps):
        loss = opt.step(closure)
        losses.append(float(loss))
        if not math.isfinite(losses[-1]):
            diverged = True
            break
    if cfg.algorithm == "rsgd":
        opt.copy_center_to(net)
    params = torch.nn.utils.parameters_to_vector(net.parameters())
    diverged = diverged or not bool(torch.isfinite(params).all())
    net.eval()
    row = {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.__dict__.items()
           if k != "sigmas" and _applies(k, cfg)}
    row["data"] = "mnist1d"
    row["grad_evals"] = sum(s.count for s in samplers)
    tail = losses[-max(1, len(losses) // 10):]
    nan = math.nan
    row.update(train_error=nan if diverged else _error(net, X, Y), val_error=nan if diverged else _error(net, Xv, Yv),
               test_error=nan if diverged else _error(net, Xt, Yt), train_loss=nan if diverged else float(np.mean(tail)))
    adapter = TorchErrorModel(net)
    w = adapter.params()
    for prefix, Xs, Ys in (("le_train_", X, Y), ("le_test_", Xt, Yt)):
        if diverged:
            for s in cfg.sigmas:
                row[f"{prefix}{s:g}"] = row[f"{prefix}se_{s:g}"] = nan
        else:
            row.update(local_energy(adapter, w, Xs, Ys, cfg.sigmas, samples=cfg.samples,
                                    seed=cfg.seed).as_dict(prefix))
    row.update(seconds=time.perf_counter() - t0, diverged=diverged, converged=not diverged,
               status="diverged" if diverged else "ok")
    return row


_ONLY = {  # options used only by some models or algorithms
    "hidden": lambda c: c.model == "mlp", "channels": lambda c: c.model == "cnn",
    "lr": lambda c: c.algorithm != "esgd", "momentum": lambda c: c.algorithm != "esgd",
    **{k: (lambda c: c.algorithm != "sgd") for k in ("gamma0", "gamma1", "gamma_max")},
    **{k: (lambda c: c.algorithm == "rsgd") for k in ("replicas", "couple_every")},
    **{k: (lambda c: c.algorithm == "esgd") for k in ("inner_steps", "outer_lr", "outer_momentum", "sgld_lr",
                                                      "noise", "average")},
}


def _applies(name, cfg):
    rule = _ONLY.get(name)
    return rule is None or rule(cfg)
