"""Quick versions of the experiments (the full ones are marked slow) and the train CLI."""

import argparse
import math

import pytest

from replica.entropic import experiments as ex


def _parse(argv):
    return ex.add_train_arguments(argparse.ArgumentParser()).parse_args(argv)


def test_train_row_is_reproducible_and_budgets_are_equal():
    rows = {a: ex.train(data="gm", algorithm=a, n_features=100, epochs=6, n_test=2000, samples=5,
                        sigmas=(0.0, 0.5)) for a in ("sgd", "esgd", "rsgd")}
    again = ex.train(data="gm", algorithm="esgd", n_features=100, epochs=6, n_test=2000, samples=5,
                     sigmas=(0.0, 0.5))
    assert again == rows["esgd"]                                   # fixed seed → same row
    nb = math.ceil(200 / 50)
    assert rows["sgd"]["grad_evals"] == rows["esgd"]["grad_evals"] == 6 * nb
    assert abs(rows["rsgd"]["grad_evals"] - 6 * nb) < 3            # y=3 replicas, rounded to iterations
    for r in rows.values():
        assert r["le_train_0"] == 0.0 and r["le_test_0"] == 0.0
        assert 0.0 <= r["test_error"] <= 0.5 and r["q"] > 0
        for key in ("algorithm", "test_error", "train_error", "le_train_0.5", "le_train_se_0.5", "le_test_0.5"):
            assert key in r
    other = ex.train(data="gm", algorithm="esgd", n_features=100, epochs=6, n_test=2000, samples=5,
                     sigmas=(0.0, 0.5), seed=1)
    assert other["test_error"] != rows["esgd"]["test_error"]


@pytest.mark.parametrize("data, model", [("gm", "mlp"), ("perceptron", "tree")])
def test_train_with_network_models(data, model):
    # the one-hidden-layer net and the tree committee run through the same pipeline; reference:
    # an untrained model of random weights errs on about half of the samples — training must beat it
    row = ex.train(data=data, model=model, algorithm="esgd", hidden=5, activation="tanh", n_features=50,
                   alpha=1.0, epochs=20, batch_size=10, lr=0.3, sgld_lr=0.3, n_test=500, samples=3,
                   sigmas=(0.0, 0.3))
    assert row["train_error"] < 0.2 and row["le_train_0"] == 0.0


def test_gm_sgd_reaches_the_erm_minimiser_of_scikit_learn():
    # reference: scikit-learn's exact minimiser of Σℓ + λ/2|w|² on the same data.  Full batch
    # (GD, no minibatch noise) so that the run converges: checks the λ and weight units of the
    # whole pipeline (Objective, LinearClassifier, _erm_rows); tolerance 1e-4 relative
    cfg = ex.config("gm", "sgd", n_features=200, lam=1.0, epochs=300, lr=1.0, batch_size=400,
                    n_test=1000, samples=2, sigmas=(0.0,))
    row = ex.train(cfg)
    erm = ex._erm_rows(cfg, [1.0], [0])[0]
    assert row["m"] == pytest.approx(erm["m"], rel=1e-4)
    assert row["q"] == pytest.approx(erm["q"], rel=1e-4)
    assert row["test_error"] == erm["test_error"]


def test_gm_experiment_quick_summary():
    out = ex.gm_experiment(n_features=100, seeds=range(2), epochs=5, n_test=1000, samples=4,
                           sigmas=(0.0, 0.5), erm_lams=(0.1, 10.0), progress=False)
    assert {r["algorithm"] for r in out["summary"]} == {"sgd", "esgd", "rsgd"}
    sgd = next(r for r in out["summary"] if r["algorithm"] == "sgd")
    assert sgd["n"] == 2 and sgd["test_error_minus_ref"] == 0.0
    assert "test_error_se" in sgd and "le_train_0.5_se" in sgd
    assert len(out["erm"]) == 4 and {r["lam"] for r in out["erm_summary"]} == {0.1, 10.0}
    # the ERM minimisers get flatter as λ grows (docs/theory.md §5 claim; large margin between the two)
    flat = {r["lam"]: r["le_train_0.5"] for r in out["erm_summary"]}
    assert flat[10.0] < flat[0.1]


def test_perceptron_quick_all_solve_well_below_capacity():
    # reference: random patterns are linearly separable w.h.p. for α < 2 (Cover); at α = 0.5 every
    # algorithm finds a solution within the budget
    out = ex.perceptron_experiment(n_features=100, alphas=(0.5,), seeds=range(2), epochs=20, samples=4,
                                   batch_size=10, sigmas=(0.0, 0.3), progress=False)
    for r in out["summary"]:
        assert r["solved"] == 1.0 and r["train_error"] == 0.0
        assert r["first_solved_pass"] <= 20


def test_digits_quick_learns():
    # reference: chance level is 0.9 on ten balanced classes; three epochs reach < 0.15
    row = ex.train(data="digits", algorithm="esgd", epochs=3, samples=3, sigmas=(0.0, 0.2), hidden=16)
    assert row["test_error"] < 0.15 and row["train_error"] < 0.15
    assert row["grad_evals"] == 3 * math.ceil(1257 / 32)


def test_cli_parses_lists_and_ranges_and_sweeps():
    args = _parse(["--data", "perceptron", "--algorithm", "sgd,rsgd", "--n-features", "50",
                   "--alpha", "0.5:1.0:2", "--seed", "0,1", "--epochs", "2", "--samples", "2",
                   "--sigmas", "0,0.2"])
    assert args.alpha == [0.5, 1.0] and args.seed == [0, 1]
    rows = ex.run_train(args)
    assert len(rows) == 2 * 2 * 2
    assert {(r["algorithm"], r["alpha"], r["seed"]) for r in rows} == {
        (a, al, s) for a in ("sgd", "rsgd") for al in (0.5, 1.0) for s in (0, 1)}
    summary = ex.run_train(_parse(["--data", "perceptron", "--algorithm", "sgd", "--n-features", "50",
                                   "--seed", "0,1,2", "--epochs", "2", "--samples", "2", "--summary"]))
    assert len(summary) == 1 and summary[0]["n"] == 3


@pytest.mark.parametrize("argv, message", [
    (["--replicas", "0"], r"^replicas must be an integer >= 1; got 0$"),
    (["--inner-steps", "0"], r"^inner_steps must be an integer >= 1; got 0$"),
    (["--lr", "-0.5"], r"^lr must be a real number in \[0, inf\); got -0.5$"),
    (["--gamma1", "-1"], r"^gamma1 must be a real number in \[0, inf\); got -1.0$"),
    (["--rho", "1.5"], r"^rho must be a real number in \(0, 1\); got 1.5$"),
    (["--data", "digits", "--model", "linear"], r"^model must be mlp or tree for data=digits"),
])
def test_cli_bad_values_raise_value_error(argv, message):
    with pytest.raises(ValueError, match=message):
        ex.run_train(_parse(argv + ["--epochs", "1", "--n-features", "10"]))


def test_cli_rejects_malformed_numbers():
    with pytest.raises(SystemExit):
        _parse(["--alpha", "two"])
    with pytest.raises(SystemExit):
        _parse(["--algorithm", "adam"])


def test_gm_theory_is_optional(monkeypatch):
    # without the replica solvers the overlay is skipped (None), never an exception
    import replica.gaussian_mixture as gm
    monkeypatch.delattr(gm, "erm", raising=False)
    assert ex.gm_theory(lams=(1.0,)) is None


# ---------------------------------------------------------------------------------------------
# Full experiments (python -m pytest -m slow tests/entropic)

@pytest.mark.slow
def test_gm_full_against_erm_and_bayes():
    # N = 1000, 5 seeds.  References: scikit-learn ERM at the same λ on the same data (SGD must
    # land within 3 s.e. + 0.01 of it: it minimises the same objective), and the Bayes-optimal
    # error H(sqrt(α/(Δ(α+Δ)))) (docs/theory.md §1), which no algorithm may beat by more than 3 s.e.
    from scipy.stats import norm
    out = ex.gm_experiment(n_features=1000, seeds=range(5), lam=1e-3, progress=False)
    bo = norm.sf(math.sqrt(2.0 / 3.0))
    summ = {r["algorithm"]: r for r in out["summary"]}
    erm = {r["lam"]: r for r in out["erm_summary"]}
    sgd = summ["sgd"]
    assert abs(sgd["test_error"] - erm[1e-3]["test_error"]) < 3 * sgd["test_error_se"] + 0.01
    for r in summ.values():
        assert r["test_error"] > bo - 3 * r["test_error_se"] - 0.005
    # the flatness ordering of ERM minimisers with λ (docs/theory.md §5)
    assert erm[100.0]["le_train_0.5"] < erm[1.0]["le_train_0.5"] < erm[1e-3]["le_train_0.5"]


@pytest.mark.slow
def test_perceptron_full_success_below_capacity():
    out = ex.perceptron_experiment(n_features=1000, alphas=(1.0,), seeds=range(5), progress=False)
    for r in out["summary"]:
        assert r["solved"] == 1.0


@pytest.mark.slow
def test_digits_full_table():
    out = ex.digits_experiment(seeds=range(5), progress=False)
    for r in out["summary"]:
        assert r["n"] == 5 and r["test_error"] < 0.08


@pytest.mark.parametrize("rho", [0.5, 0.2])
def test_bayes_error_closed_form(rho):
    # references: balanced closed form H(sqrt(α/(Δ(α+Δ)))) (docs/theory.md §1), and in general the
    # minimum over the threshold b of the error of the direction with m = q = α/(α+Δ)
    # (scipy.optimize.minimize_scalar); tolerance 1e-8
    from scipy.optimize import minimize_scalar
    from scipy.stats import norm
    alpha, delta = 2.0, 1.0
    q = alpha / (alpha + delta)
    s = math.sqrt(delta * q)
    err = lambda b: rho * norm.sf((q + b) / s) + (1 - rho) * norm.sf((q - b) / s)
    best = minimize_scalar(err, bounds=(-3, 3), method="bounded", options={"xatol": 1e-10}).fun
    assert ex.bayes_error(alpha, delta, rho) == pytest.approx(best, abs=1e-8)
    if rho == 0.5:
        assert ex.bayes_error(alpha, delta, rho) == pytest.approx(norm.sf(math.sqrt(alpha / (delta * (alpha + delta)))), abs=1e-12)
