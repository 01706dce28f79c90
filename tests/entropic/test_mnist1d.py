"""MNIST-1D benchmark (replica.entropic.mnist1d / protocol / mnist1d_cli) on tiny sizes; skipped where torch or
mnist1d is missing."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mnist1d")
from scipy import stats  # noqa: E402

from replica import solve  # noqa: E402
from replica.entropic import mnist1d as m1  # noqa: E402
from replica.entropic import protocol as pr  # noqa: E402

TINY = dict(model="mlp", hidden=8, n_train=100, n_val=50, batch_size=50, epochs=7.5, samples=2,
            sigmas=(0.0, 0.1))  # ⌈100/50⌉ = 2 minibatches per pass: G = 15 = lcm(L=5, y=3)


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _strip(row):
    return {k: v for k, v in row.items() if k != "seconds"}


def test_equal_gradient_budgets_counted_by_the_loss(monkeypatch):
    """Every method spends G = 15 minibatch gradients: counted independently of the sampler, as calls of the
    cross-entropy (one per forward-backward of one network; replicas and SGLD steps each count)."""
    calls = []
    forward = torch.nn.CrossEntropyLoss.forward

    def counting(self, *a, **k):
        calls.append(1)
        return forward(self, *a, **k)

    monkeypatch.setattr(torch.nn.CrossEntropyLoss, "forward", counting)
    for algorithm in ("sgd", "esgd", "rsgd"):
        calls.clear()
        row = m1.run(algorithm=algorithm, **TINY)
        assert len(calls) == 15 and row["grad_evals"] == 15, (algorithm, len(calls), row["grad_evals"])


def test_budget_rounding_refused_when_unequal():
    """A budget that is not a multiple of lcm(L, y) = 15 cannot be spent equally: refused, one line."""
    base = m1.mnist1d_config(**dict(TINY, epochs=8))  # G = 16
    with pytest.raises(ValueError, match=r"^epochs must give a multiple of 15 gradient evaluations") as err:
        pr.common_budget(base, ("sgd", "esgd", "rsgd"))
    assert "\n" not in str(err.value)
    assert pr.common_budget(base, ("sgd",)) == 16


@pytest.mark.parametrize("algorithm", ["sgd", "esgd", "rsgd"])
def test_seed_reproduces_and_seeds_differ(algorithm):
    a, b = m1.run(algorithm=algorithm, seed=3, **TINY), m1.run(algorithm=algorithm, seed=3, **TINY)
    assert _strip(a) == _strip(b)
    c = m1.run(algorithm=algorithm, seed=4, **TINY)
    assert (c["train_loss"], c["test_error"]) != (a["train_loss"], a["test_error"])


def test_same_seed_same_split_and_initialisation_for_every_method():
    """Paired differences need the same data and start: the split and the initial weights depend on the seed only."""
    cfgs = [m1.mnist1d_config(algorithm=a, seed=2, **TINY) for a in ("sgd", "esgd", "rsgd")]
    sp = [m1.splits(c) for c in cfgs]
    for s in sp[1:]:
        assert all(np.array_equal(s[k], sp[0][k]) for k in s)
    w = [torch.nn.utils.parameters_to_vector(m1.build_model(c).parameters()) for c in cfgs]
    assert all(torch.equal(v, w[0]) for v in w[1:])


def test_validation_split_is_disjoint_from_training_and_test():
    """Validation and training are disjoint index sets of the 4000 training sequences, and no validation sequence
    equals any test sequence (minimum Euclidean distance > 0)."""
    cfg = m1.mnist1d_config(model="cnn", n_train=3200, n_val=800, seed=5)
    sp = m1.splits(cfg)
    assert sp["val"].size == 800 and sp["train"].size == 3200
    assert np.intersect1d(sp["val"], sp["train"]).size == 0
    assert sp["val"].max() < m1.N_POOL and sp["train"].max() < m1.N_POOL
    x, _, x_test, _ = m1.dataset()
    d2 = ((x[sp["val"]][:, None, :] - x_test[None, :, :]) ** 2).sum(-1)
    assert d2.min() > 0


def test_dataset_restores_the_global_random_state():
    """mnist1d.make_dataset reseeds numpy's global generator; ours puts the caller's state back."""
    m1.dataset.cache_clear()
    np.random.seed(123)
    m1.dataset()
    after = np.random.random()
    np.random.seed(123)
    assert after == np.random.random()


def test_label_noise_rate():
    """A label is redrawn uniformly from 10 classes with probability p, so it changes with probability 0.9 p;
    simulation with its binomial error bar (4 s.d.) at p = 0.5, 3000 labels."""
    cfg = m1.mnist1d_config(model="mlp", n_train=3000, n_val=500, label_noise=0.5, seed=7)
    sp = m1.splits(cfg)
    _, y, _, _ = m1.dataset()
    changed = float(np.mean(sp["y_train"] != y[sp["train"]]))
    sd = math.sqrt(0.45 * 0.55 / 3000)
    assert abs(changed - 0.45) < 4 * sd
    clean = m1.splits(m1.mnist1d_config(model="mlp", n_train=3000, n_val=500, seed=7))
    assert np.array_equal(clean["y_train"], y[clean["train"]])


def test_t_interval_matches_scipy():
    """Reference: scipy.stats.t.interval (a different scipy entry point than the t.ppf used by the code)."""
    d = np.array([0.012, -0.004, 0.020, 0.007, 0.001, 0.015])
    m, lo, hi = pr.t_interval(d)
    ref = stats.t.interval(0.95, d.size - 1, loc=d.mean(), scale=stats.sem(d))
    assert m == pytest.approx(d.mean(), abs=1e-15)
    assert (lo, hi) == pytest.approx(ref, rel=1e-12)


def test_paired_summary_uses_same_seed_differences():
    """Hand-made rows: the paired difference is over seeds present for both methods; the interval is the
    hand-computed t-interval of the per-seed differences (scipy.stats.t.interval)."""
    sgd = {1: 0.20, 2: 0.25, 3: 0.22, 4: 0.30}
    esgd = {1: 0.18, 2: 0.26, 3: 0.19, 5: 0.5}  # seed 5 has no SGD partner, seed 4 no eSGD one
    rows = [{"model": "mlp", "algorithm": "sgd", "seed": s, "test_error": v} for s, v in sgd.items()]
    rows += [{"model": "mlp", "algorithm": "esgd", "seed": s, "test_error": v} for s, v in esgd.items()]
    out = {r["algorithm"]: r for r in pr.paired_summary(rows, ["test_error"], by=("model",))}
    d = np.array([0.18 - 0.20, 0.26 - 0.25, 0.19 - 0.22])
    lo, hi = stats.t.interval(0.95, 2, loc=d.mean(), scale=d.std(ddof=1) / math.sqrt(3))
    e = out["esgd"]
    assert e["n"] == 4 and e["n_paired"] == 3
    assert e["test_error_minus_ref"] == pytest.approx(d.mean(), abs=1e-14)
    assert (e["test_error_minus_ref_lo"], e["test_error_minus_ref_hi"]) == pytest.approx((lo, hi), rel=1e-12)
    assert e["test_error"] == pytest.approx(np.mean(list(esgd.values())), abs=1e-14)
    assert "test_error_minus_ref" not in out["sgd"]


def test_select_lowest_validation_error_diverged_is_worst_ties_first():
    rows = [{"val_error": 0.3}, {"val_error": math.nan, "diverged": True}, {"val_error": 0.2},
            {"val_error": 0.2}, {"val_error": 0.1, "diverged": True}]
    assert pr.select(rows) is rows[2]


def test_at_edge_flags_only_bracketing_axes():
    grid = {"lr": (0.02, 0.05, 0.1), "gamma0": (0.01, 0.1)}
    assert pr.at_edge({"lr": 0.02, "gamma0": 0.05}, grid) == "lr"
    assert pr.at_edge({"lr": 0.1, "gamma0": 0.01}, grid) == "lr"
    assert pr.at_edge({"lr": 0.05, "gamma0": 0.1}, grid) == ""  # a two-value axis cannot bracket


def test_protocol_tunes_on_validation_then_runs_the_seeds():
    rows = list(pr.protocol(m1.mnist1d_config(**TINY), seeds=(1, 2), tune_seed=0, variant="tiny", progress="off"))
    tune = [r for r in rows if r["phase"] == "tune"]
    evals = [r for r in rows if r["phase"] == "eval"]
    summ = [r for r in rows if r["phase"] == "summary"]
    assert len(tune) == 3 * pr.SEARCH_BUDGET and len(evals) == 6 and len(summ) == 3
    assert all(r["seed"] == 0 and "test_error" not in r for r in tune)  # selection never sees the test set
    assert {r["grad_evals"] for r in tune + evals} == {15}
    for a in ("sgd", "esgd", "rsgd"):
        ta = [r for r in tune if r["algorithm"] == a]
        best = min(ta, key=lambda r: (r["val_error"] if not r["diverged"] else math.inf))
        assert {r["chosen"] for r in evals if r["algorithm"] == a} == {best["point"]}
        assert {tuple(r[k] for k in pr.GRIDS[a]) for r in ta} == {tuple(p.values()) for p in pr.grid_points(a)}
    assert all("test_error_minus_ref_lo" in r for r in summ if r["algorithm"] != "sgd")


def test_protocol_refuses_tuning_on_an_evaluation_seed():
    with pytest.raises(ValueError, match="^tune_seed must differ"):
        next(pr.protocol(m1.mnist1d_config(**TINY), seeds=(0, 1), tune_seed=0))


def test_cnn_shapes_and_cuda_refused_without_gpu():
    net = m1.build_model(m1.mnist1d_config(model="cnn", channels=4))
    assert net(torch.zeros(3, m1.LENGTH)).shape == (3, m1.N_CLASSES)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="^device must be cpu here"):
            m1.mnist1d_config(device="cuda")


TINY_CLI = ["train", "--data", "mnist1d", "--model", "mlp", "--hidden", "8", "--n-train", "100", "--n-val", "50",
            "--batch-size", "50", "--epochs", "7.5", "--samples", "2", "--sigmas", "0,0.1", "--progress", "off"]


def test_cli_rows_and_paired_summary(tmp_path, capsys):
    out = tmp_path / "rows.csv"
    assert solve.main(TINY_CLI + ["--algorithm", "sgd,rsgd", "--seed", "1,2", "--summary", "--out", str(out),
                                  "--format", "csv"]) == 0
    text = out.read_text().splitlines()
    assert len(text) == 1 + 4 + 2  # header, 4 runs, 2 summary rows
    assert "test_error_minus_ref_lo" in text[0]


def test_cli_tune_runs_the_protocol(tmp_path):
    out = tmp_path / "rows.csv"
    assert solve.main(TINY_CLI + ["--tune", "--seed", "1,2", "--out", str(out), "--format", "csv"]) == 0
    phases = [line.split(",")[0] for line in out.read_text().splitlines()[1:]]
    assert phases == ["tune"] * 12 + ["eval"] * 6 + ["summary"] * 3


@pytest.mark.parametrize("extra,phrase", [
    (["--n-train", "3990"], "n_train + n_val must be <= 4000"),
    (["--model", "tree"], "model must be one of cnn, mlp"),
    (["--algorithm", "rsgd_xy"], "algorithm must be one of sgd, esgd, rsgd"),
    (["--lam", "0.1"], "--lam does not apply to --data mnist1d"),
    (["--label-noise", "1.5"], "label_noise must be a real number in [0, 1]"),
    (["--epochs", "1"], "epochs must be >="),
    (["--tune", "--lr", "0.1"], "--lr is chosen by --tune"),
    (["--tune", "--epochs", "8"], "epochs must give a multiple of 15"),
    (["--tune-seed", "3"], "--tune-seed applies only with --tune"),
])
def test_bad_input_exits_2_with_one_line(extra, phrase, capsys):
    assert solve.main(TINY_CLI + extra) == solve.EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and phrase in err[0], err


def test_mnist1d_options_refused_for_other_data(capsys):
    assert solve.main(["train", "--data", "gm", "--n-train", "10"]) == solve.EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--n-train applies only to --data mnist1d" in err[0]
