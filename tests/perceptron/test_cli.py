"""CLI: the five subcommands, JSON rows keyed by parameter and result-field names, bad input exit 2."""

import json

import pytest

from replica import solve
from replica.perceptron import gardner


def run(argv, capsys):
    code = solve.main(argv)
    return code, capsys.readouterr()


def test_gardner_json(capsys):
    code, out = run(["gardner", "--alpha", "0.5", "--weights", "binary", "--format", "json"], capsys)
    rows = json.loads(out.out)
    assert code == 0 and rows[0]["alpha"] == 0.5 and rows[0]["weights"] == "binary"
    assert rows[0]["q"] == pytest.approx(gardner(0.5, weights="binary").q, rel=1e-12)  # the solver's own row


@pytest.mark.parametrize("argv", [
    ["ts-erm", "--loss", "square", "--alpha", "1", "--lam", "0.5"],
    ["ts-bayes", "--alpha", "1,2"],
    ["franz-parisi", "--alpha", "0.5", "--d", "0.1,0.05", "--weights", "binary"],
    ["franz-parisi-minimizer", "--loss", "cross_entropy", "--gamma", "5", "--alpha", "1", "--d", "0.05"],
])
def test_subcommands_run(argv, capsys):
    code, out = run(argv + ["--format", "json"], capsys)
    rows = json.loads(out.out)
    assert code == 0 and all(r["converged"] for r in rows)


@pytest.mark.parametrize("argv,flag", [
    (["gardner", "--alpha", "-1"], "--alpha"),
    (["franz-parisi", "--alpha", "0.5", "--d", "0.7"], "--d"),
    (["ts-erm", "--loss", "huber", "--alpha", "1", "--lam", "1"], "--loss"),
    (["gardner", "--alpha", "3"], "alpha"),
])
def test_bad_input_exit_2(argv, flag, capsys):
    code, out = run(argv, capsys)
    assert code == 2 and flag in out.err and len(out.err.strip().splitlines()) == 1
