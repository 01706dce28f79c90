"""PyTorch versions of Entropy-SGD and Replicated-SGD as ``torch.optim.Optimizer`` s.

Install with ``pip install replica[torch]``.  Same conventions as ``replica.entropic.optimizers``
(the seed's algorithm boxes): SGLD step noise ``sqrt(η') ε N(0, I)``, running average
``μ <- α μ + (1-α) w'``, outer step ``w <- w - η (w - μ)`` not scaled by γ, replica coupling
``K γ (w^a - centre)`` every K steps, γ from a schedule of the step counter.

Entropy-SGD::

    opt = EntropySGD(model.parameters(), lr=1.0, sgld_lr=0.1, inner_steps=5, gamma=Scoping(0.03, 1e-3))
    def closure():                 # evaluated L times per step: draw a fresh minibatch inside
        opt.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        return loss
    opt.step(closure)

Replicated-SGD: one parameter group per replica (identical architectures, parameters in the same
order); the closure computes Σ_a L(w^a) with each replica on its own minibatch and back-propagates
it, so that every replica's ``.grad`` holds its own minibatch gradient::

    opt = ReplicatedSGD([m.parameters() for m in replicas], lr=0.1, gamma=Scoping(0.1, 1e-3))
    opt.step(closure)
    opt.copy_center_to(eval_model)   # the centre is the answer
"""

import math

import torch
from torch.optim import Optimizer

from . import _checks
from .schedules import as_schedule

__all__ = ["EntropySGD", "ReplicatedSGD"]


def _with_momentum(state, d, momentum):
    """Heavy-ball direction as in ``torch.optim.SGD``: ``buf ← momentum·buf + d`` (``buf = d`` at first)."""
    if not momentum:
        return d
    buf = state.get("momentum_buffer")
    if buf is None:
        buf = state["momentum_buffer"] = d.clone()
    else:
        buf.mul_(momentum).add_(d)
    return buf

class EntropySGD(Optimizer):
    """Entropy-SGD: each ``step(closure)`` runs L SGLD steps (L closure calls) and one outer step.

    ``lr`` η (outer), ``sgld_lr`` η', ``inner_steps`` L, ``gamma`` (number, ``Schedule`` or callable
    of the outer-step counter), ``noise`` ε, ``average`` α ∈ [0, 1), ``momentum`` on the outer step,
    ``seed`` for the SGLD noise (a private ``torch.Generator`` per device; None = global RNG).
    ``step`` returns the loss of the first closure call (at the current w).
    """

    def __init__(self, params, lr=1.0, sgld_lr=0.1, inner_steps=5, gamma=0.03, noise=1e-4,
                 average=0.75, momentum=0.0, seed=None):
        defaults = dict(lr=_checks.real("lr", lr), sgld_lr=_checks.real("sgld_lr", sgld_lr),
                        noise=_checks.real("noise", noise),
                        average=_checks.real("average", average, high=1.0, high_open=True),
                        momentum=_checks.real("momentum", momentum, high=1.0, high_open=True))
        super().__init__(params, defaults)
        self.inner_steps = _checks.integer("inner_steps", inner_steps)
        self.gamma = as_schedule(gamma)
        self.seed = None if seed is None else _checks.integer("seed", seed, low=0)
        self._generators = {}
        self.t = 0

    def _noise(self, p):
        if self.seed is None:
            return torch.randn_like(p)
        g = self._generators.get(p.device)
        if g is None:
            g = self._generators[p.device] = torch.Generator(device=p.device).manual_seed(self.seed)
        return torch.randn(p.shape, generator=g, device=p.device, dtype=p.dtype)

    def step(self, closure=None):
        if closure is None:
            raise ValueError("closure must be a callable that draws a minibatch, back-propagates and returns the loss")
        gamma = self.gamma(self.t)
        params = [p for group in self.param_groups for p in group["params"]]
        with torch.no_grad():
            anchors = [p.detach().clone() for p in params]
            mus = [p.detach().clone() for p in params]
        first = None
        for _ in range(self.inner_steps):
            with torch.enable_grad():
                loss = closure()
            if first is None:
                first = loss
            with torch.no_grad():
                i = 0
                for group in self.param_groups:
                    eta_p, a = group["sgld_lr"], group["average"]
                    scale = math.sqrt(eta_p) * group["noise"]
                    for p in group["params"]:
                        w, mu = anchors[i], mus[i]
                        d = p - w
                        d.mul_(gamma)
                        if p.grad is not None:
                            d.add_(p.grad)
                        p.sub_(eta_p * d)
                        if scale:
                            p.add_(self._noise(p), alpha=scale)
                        mu.mul_(a).add_(p, alpha=1.0 - a)
                        i += 1
        with torch.no_grad():
            i = 0
            for group in self.param_groups:
                for p in group["params"]:
                    w, mu = anchors[i], mus[i]
                    d = _with_momentum(self.state[p], w - mu, group["momentum"])
                    p.copy_(w - group["lr"] * d)
                    i += 1
        self.t += 1
        return first

    def state_dict(self):
        sd = super().state_dict()
        sd["t"] = self.t
        return sd

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        self.t = state_dict.pop("t", 0)
        super().load_state_dict(state_dict)


class ReplicatedSGD(Optimizer):
    """Replicated-SGD: ``step(closure)`` takes one SGD step for every replica, with the coupling
    ``K γ (w^a - centre)`` added every ``couple_every`` = K steps.

    ``replicas``: a list with one iterable of parameters (or one param-group dict) per replica.
    ``center="mean"`` couples to the replica mean (computed before the step); ``"trained"`` keeps a
    centre c moved by ``c <- c - center_lr K γ Σ_a (c - w^a)``.  ``center()`` returns the centre's
    tensors (in replica 0's parameter order), ``copy_center_to(module)`` loads them into a module
    with the same parameter order.
    """

    def __init__(self, replicas, lr=0.1, gamma=0.03, couple_every=1, center="mean", center_lr=None,
                 momentum=0.0):
        groups = []
        for r in replicas:
            groups.append(dict(r) if isinstance(r, dict) else {"params": list(r)})
        _checks.integer("replicas", len(groups))
        defaults = dict(lr=_checks.real("lr", lr),
                        momentum=_checks.real("momentum", momentum, high=1.0, high_open=True))
        super().__init__(groups, defaults)
        shapes = [[tuple(p.shape) for p in g["params"]] for g in self.param_groups]
        if any(s != shapes[0] for s in shapes):
            raise ValueError("replicas must have parameters of identical shapes in the same order")
        self.gamma = as_schedule(gamma)
        self.couple_every = _checks.integer("couple_every", couple_every)
        self.center_mode = _checks.choice("center", center, ("mean", "trained"))
        self.center_lr = lr if center_lr is None else _checks.real("center_lr", center_lr)
        self.t = 0
        self._center = None
        if self.center_mode == "trained":
            self._center = [c.clone() for c in self._mean()]

    @torch.no_grad()
    def _mean(self):
        cols = zip(*[g["params"] for g in self.param_groups])
        return [torch.stack([p.detach() for p in col]).mean(dim=0) for col in cols]

    def center(self):
        """The answer: the replica mean (``center="mean"``) or the trained centre."""
        return self._mean() if self.center_mode == "mean" else [c.clone() for c in self._center]

    @torch.no_grad()
    def copy_center_to(self, module):
        """Copy the centre into ``module``'s parameters (same order as each replica's)."""
        params = list(module.parameters())
        centre = self.center()
        if [tuple(p.shape) for p in params] != [tuple(c.shape) for c in centre]:
            raise ValueError("module parameters must match the replicas' shapes and order")
        for p, c in zip(params, centre):
            p.copy_(c)
        return module

    def step(self, closure=None):
        if closure is None:
            raise ValueError("closure must be a callable that back-propagates Σ_a L(w^a) and returns it")
        with torch.enable_grad():
            loss = closure()
        self.t += 1
        K, y = self.couple_every, len(self.param_groups)
        gamma = self.gamma(self.t - 1)
        couple = self.t % K == 0
        with torch.no_grad():
            centre = self._mean() if self.center_mode == "mean" else self._center
            if couple and self.center_mode == "trained":
                sums = [torch.stack([g["params"][i].detach() for g in self.param_groups]).sum(dim=0)
                        for i in range(len(centre))]
            for group in self.param_groups:
                for i, p in enumerate(group["params"]):
                    d = torch.zeros_like(p) if p.grad is None else p.grad.clone()
                    if couple:
                        d.add_(p - centre[i], alpha=K * gamma)
                    d = _with_momentum(self.state[p], d, group["momentum"])
                    p.sub_(group["lr"] * d)
            if couple and self.center_mode == "trained":
                for c, s in zip(self._center, sums):
                    c.sub_(self.center_lr * K * gamma * (y * c - s))
        return loss

    def state_dict(self):
        sd = super().state_dict()
        sd["t"] = self.t
        if self._center is not None:
            sd["center"] = [c.clone() for c in self._center]
        return sd

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        self.t = state_dict.pop("t", 0)
        centre = state_dict.pop("center", None)
        if centre is not None:
            self._center = [c.clone() for c in centre]
        super().load_state_dict(state_dict)
