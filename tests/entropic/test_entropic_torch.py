"""torch.optim versions of Entropy-SGD and Replicated-SGD (skipped where torch is absent)."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from replica.entropic import Scoping                       # noqa: E402
from replica.entropic.torch import EntropySGD, ReplicatedSGD  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    # tiny tensors: intra-op threading only adds overhead (10× on a shared 2-core machine)
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _net(seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).double()


def _data(seed=0, n=64):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 4, generator=g, dtype=torch.float64)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).long()
    return X, y


def _batches(X, y, size=8):
    i = 0
    while True:
        sl = slice(i % len(X), i % len(X) + size)
        yield X[sl], y[sl]
        i += size


def _closure(model, opt, stream):
    def closure():
        xb, yb = next(stream)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        return loss
    return closure


def test_entropy_sgd_one_noiseless_inner_step_is_torch_sgd():
    # reference: torch.optim.SGD; seed box with L=1, α=0, ε=0, η=1 is SGD with rate η'; 1e-12
    X, y = _data()
    a, b = _net(0), _net(0)
    opt_a = EntropySGD(a.parameters(), lr=1.0, sgld_lr=0.2, inner_steps=1, gamma=3.0, noise=0.0, average=0.0)
    opt_b = torch.optim.SGD(b.parameters(), lr=0.2)
    sa, sb = _batches(X, y), _batches(X, y)
    for _ in range(20):
        opt_a.step(_closure(a, opt_a, sa))
        opt_b.step(_closure(b, opt_b, sb))
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb, rtol=1e-12, atol=1e-14)


def test_entropy_sgd_noiseless_quadratic_closed_form():
    # reference: L = Σ a_i w_i²/2 → w <- w - η a w/(a+γ) per step (local-entropy gradient / γ), 1e-12
    a = torch.tensor([0.2, 1.0, 3.0], dtype=torch.float64)
    w = torch.ones(3, dtype=torch.float64, requires_grad=True)
    g, eta, T = 1.5, 0.7, 5
    opt = EntropySGD([w], lr=eta, sgld_lr=0.2, inner_steps=200, gamma=g, noise=0.0, average=0.0)

    def closure():
        opt.zero_grad()
        loss = 0.5 * (a * w * w).sum()
        loss.backward()
        return loss

    for _ in range(T):
        opt.step(closure)
    torch.testing.assert_close(w.detach(), (1 - eta * a / (a + g)) ** T, rtol=1e-12, atol=0)
    assert opt.t == T


def test_entropy_sgd_noise_is_seeded_and_scaled():
    # reference: one SGLD step on a flat loss with γ = 0 moves w' by sqrt(η') ε ξ; with α = 0 and
    # η = 1 the step lands on w', so the displacement has standard deviation sqrt(η') ε
    # (n = 20000 coordinates, tolerance 5 s.e. = 5 sqrt(2/n) relative) and is reproducible
    def run(seed):
        w = torch.zeros(20000, dtype=torch.float64, requires_grad=True)
        opt = EntropySGD([w], lr=1.0, sgld_lr=0.04, inner_steps=1, gamma=0.0, noise=0.5, average=0.0, seed=seed)

        def closure():
            opt.zero_grad()
            loss = 0.0 * w.sum()
            loss.backward()
            return loss

        opt.step(closure)
        return w.detach().clone()

    w1, w2, w3 = run(1), run(1), run(2)
    assert torch.equal(w1, w2) and not torch.equal(w1, w3)
    assert abs(w1.std().item() / (math.sqrt(0.04) * 0.5) - 1) < 5 * math.sqrt(2 / 20000)


def test_replicated_sgd_one_replica_is_torch_sgd_with_momentum():
    # reference: torch.optim.SGD(momentum=0.9); y = 1 has no coupling force; 1e-12
    X, y = _data(1)
    a, b = _net(1), _net(1)
    opt_a = ReplicatedSGD([a.parameters()], lr=0.05, gamma=10.0, momentum=0.9)
    opt_b = torch.optim.SGD(b.parameters(), lr=0.05, momentum=0.9)
    sa, sb = _batches(X, y), _batches(X, y)
    for _ in range(20):
        opt_a.step(_closure(a, opt_a, sa))
        opt_b.step(_closure(b, opt_b, sb))
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("K", [1, 2])
def test_replicated_sgd_quadratic_mean_is_gd_and_spread_contracts(K):
    # reference: as for the numpy version — mean follows GD, deviations shrink by (1-ηa) per plain
    # step and (1-η(a+Kγ)) per coupling step; exact to 1e-12
    a, lr, g, T = 0.5, 0.1, 2.0, 10
    starts = torch.tensor([[1.0, -2.0], [3.0, 0.5], [-1.0, 4.0]], dtype=torch.float64)
    ws = [s.clone().requires_grad_(True) for s in starts]
    opt = ReplicatedSGD([[w] for w in ws], lr=lr, gamma=g, couple_every=K)

    def closure():
        opt.zero_grad()
        loss = sum(0.5 * a * (w * w).sum() for w in ws)
        loss.backward()
        return loss

    for _ in range(T):
        opt.step(closure)
    mean0 = starts.mean(dim=0)
    centre = opt.center()[0]
    torch.testing.assert_close(centre, (1 - lr * a) ** T * mean0, rtol=1e-12, atol=0)
    n_couple = T // K
    factor = (1 - lr * a) ** (T - n_couple) * (1 - lr * (a + K * g)) ** n_couple
    for w, s in zip(ws, starts):
        torch.testing.assert_close(w.detach() - centre, factor * (s - mean0), rtol=1e-10, atol=1e-14)


def test_small_network_trains_with_both_optimisers():
    # reference: a linearly separable 2-class problem; chance accuracy is 0.5, both reach > 0.9
    X, y = _data(2, n=256)
    model = _net(2)
    opt = EntropySGD(model.parameters(), lr=1.0, sgld_lr=0.5, inner_steps=3, gamma=Scoping(0.03, 1e-2),
                     noise=1e-4, momentum=0.5, seed=0)
    stream = _batches(X, y, 32)
    for _ in range(60):
        opt.step(_closure(model, opt, stream))
    assert (model(X).argmax(1) == y).double().mean() > 0.9

    replicas = [_net(10 + a) for a in range(3)]
    opt = ReplicatedSGD([m.parameters() for m in replicas], lr=0.3, gamma=Scoping(0.1, 1e-2, 2.0),
                        center="trained", center_lr=0.1)
    streams = [_batches(X[a::3], y[a::3], 16) for a in range(3)]

    def closure():
        opt.zero_grad()
        total = 0.0
        for m, s in zip(replicas, streams):
            xb, yb = next(s)
            total = total + torch.nn.functional.cross_entropy(m(xb), yb)
        total.backward()
        return total

    for _ in range(150):
        opt.step(closure)
    centre = opt.copy_center_to(_net(0))
    assert (centre(X).argmax(1) == y).double().mean() > 0.9


def test_torch_validation_and_state_dict():
    w = torch.zeros(3, requires_grad=True)
    with pytest.raises(ValueError, match=r"^inner_steps must be an integer >= 1; got 0$"):
        EntropySGD([w], inner_steps=0)
    with pytest.raises(ValueError, match=r"^lr must be a real number in \[0, inf\); got -1$"):
        ReplicatedSGD([[w]], lr=-1)
    with pytest.raises(ValueError, match=r"^replicas must be an integer >= 1; got 0$"):
        ReplicatedSGD([])
    with pytest.raises(ValueError, match="identical shapes"):
        ReplicatedSGD([[w], [torch.zeros(2, requires_grad=True)]])
    with pytest.raises(ValueError, match="closure must be"):
        EntropySGD([w]).step()
    opt = ReplicatedSGD([[w], [torch.ones(3, requires_grad=True)]], center="trained")
    opt.t = 7
    sd = opt.state_dict()
    other = ReplicatedSGD([[torch.zeros(3, requires_grad=True)], [torch.zeros(3, requires_grad=True)]],
                          center="trained")
    other.load_state_dict(sd)
    assert other.t == 7
    np.testing.assert_allclose(other.center()[0].numpy(), 0.5)
