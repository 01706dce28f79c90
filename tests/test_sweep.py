"""``replica.sweep``: grids split into continuation chains, run in-process or on a dask cluster.

The reference of every distributed test is the serial run: the rows must be identical (bitwise
for the Numba saddle-point solvers, whose chains are split the same way in both runs).  One
LocalCluster (2 single-threaded worker processes) is shared by the module and closed at its end;
every wait on the cluster has a timeout, so a misbehaving dask fails the test instead of hanging.
"""

import _thread
import csv
import dataclasses
import functools
import io
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import replica
from replica import solve
from replica import sweep as sweep_module
from replica.cli.problems import Param, Problem
from replica.perceptron import franz_parisi
from replica.saddle_point.contract import RSFlags
from replica.sweep import Cluster, Failed, imap, plan

distributed = pytest.importorskip("distributed")

TIMEOUT = 120  # s: the longest any test waits for the cluster


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=40)
    client = distributed.Client(cluster, timeout=TIMEOUT)
    try:
        yield client
    finally:
        client.close(timeout=30)
        cluster.close(timeout=30)


@pytest.fixture
def always_distribute(monkeypatch):
    """Send every chain after the second point to the cluster (the default keeps small grids here)."""
    monkeypatch.setattr(sweep_module, "SERIAL_BELOW", 0.0)


def fp(alpha, d, start=None):
    return franz_parisi(alpha, d, "binary", start=start, strict=False)


FP_GRID = {"alpha": [0.3, 0.5, 0.7], "d": [0.3, 0.2, 0.1, 0.05, 0.02]}


def same_rows(a, b):
    """Equal rows, NaN equal to NaN (bitwise for floats otherwise)."""
    def same(x, y):
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            return True
        return type(x) is type(y) and x == y
    return len(a) == len(b) and all(r.keys() == s.keys() and all(same(r[k], s[k]) for k in r) for r, s in zip(a, b))


# ------------------------------------------------------------------------------ the chains
def _serial_restarts(grid, axis):
    """The restart rule of the former serial CLI loop, written out: a point starts a new chain when
    there is no axis or another option's value differs from the previous point's."""
    import itertools

    names = list(grid)
    k = None if axis is None else names.index(axis)
    starts, previous = [], None
    for i, point in enumerate(itertools.product(*grid.values())):
        if k is None or previous is None or any(point[j] != previous[j] for j in range(len(names)) if j != k):
            starts.append(i)
        previous = point
    return starts


@pytest.mark.parametrize("grid,axis", [
    ({"alpha": [1, 2, 3], "d": [0.1, 0.2]}, "d"),
    ({"loss": ["a", "b"], "alpha": [1, 2, 3], "lam": [0.5]}, "alpha"),
    ({"lam": [1.0, 1.0, 2.0], "alpha": [1, 2]}, "alpha"),  # a repeated value: the chain goes on
    ({"alpha": [1, 2, 3], "d": [0.1, 0.2]}, None),
    ({"x": [1]}, None),
])
def test_chains_end_where_a_serial_sweep_restarts(grid, axis):
    chains = plan(grid, axis)
    assert [lo for lo, _ in chains] == _serial_restarts(grid, axis)
    assert chains[-1][1] == math.prod(len(v) for v in grid.values())
    assert all(a[1] == b[0] for a, b in zip(chains, chains[1:]))


def test_continuation_axis_is_the_last_numeric_option_with_several_values():
    axis = sweep_module.continuation_axis
    assert axis({"alpha": [1, 2], "d": [0.1, 0.2], "kappa": [0.0]}) == "d"
    assert axis({"alpha": [1, 2], "loss": ["a", "b"]}) is None  # categorical: never continued across
    assert axis({"alpha": [1, 2], "bias": [True, False]}) is None
    assert axis({"alpha": [1]}) is None


def test_serial_sweep_warm_starts_along_the_axis_like_a_hand_written_loop():
    """Reference: a loop over α, each d-curve started cold and warm-started from the previous
    converged point (the rule of the *_curve functions)."""
    grid = FP_GRID
    out = replica.sweep(fp, grid)
    expected = []
    for alpha in grid["alpha"]:
        start = None
        for d in grid["d"]:
            r = fp(alpha, d, start)
            expected.append(r)
            start = r if r.converged else start
    assert out.axis == "d" and out.chains == 3 and out.distributed == 0
    assert same_rows([dataclasses.asdict(r) for r in out.results], [dataclasses.asdict(r) for r in expected])


def test_replica_sweep_is_the_callable_module_and_imports_no_dask():
    code = ("import sys, replica; s = replica.sweep; from replica.sweep import sweep; "
            "assert callable(s) and s.sweep is sweep; "
            "bad = [m for m in ('dask', 'distributed', 'pandas', 'xarray', 'pyarrow') if m in sys.modules]; "
            "assert not bad, bad")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------- on the cluster: identity
def test_distributed_rows_are_bitwise_the_serial_rows(client):
    serial = replica.sweep(fp, FP_GRID)
    spread = replica.sweep(fp, FP_GRID, client, serial_below=0, timeout=TIMEOUT)
    assert spread.distributed == 13  # all but the first two points (solved here to time them)
    assert spread.chains == serial.chains == 3
    assert same_rows(spread.rows(), serial.rows())


def test_an_address_and_a_cluster_object_work_like_a_client(client):
    grid = {"alpha": [0.4, 0.5, 0.6], "d": [0.2, 0.1]}
    serial = replica.sweep(fp, grid)
    by_address = replica.sweep(fp, grid, client.scheduler.address, serial_below=0, timeout=TIMEOUT)
    assert by_address.distributed == 4 and same_rows(by_address.rows(), serial.rows())
    with Cluster(client.scheduler.address) as cluster:
        again = replica.sweep(fp, grid, cluster, serial_below=0, timeout=TIMEOUT)
        assert cluster.started  # used, and closed by the with-block, not by sweep
    assert again.distributed == 4 and same_rows(again.rows(), serial.rows())


def _which_process(x, y):
    time.sleep(0.02)
    return {"value": 10 * x + y, "pid": os.getpid()}


def test_independent_points_come_back_in_grid_order_from_the_workers(client):
    """A function without ``start``: every point is its own chain (a simulation ensemble by
    (size, seed)); the results arrive out of order and are yielded in grid order."""
    out = replica.sweep(_which_process, {"x": range(4), "y": range(5)}, client, serial_below=0, timeout=TIMEOUT)
    rows = out.rows()
    assert out.axis is None and out.chains == 20
    assert [r["value"] for r in rows] == [10 * x + y for x in range(4) for y in range(5)]
    assert len({r["pid"] for r in rows[2:]} - {os.getpid()}) >= 1
    assert list(imap(abs, range(-5, 5), client, serial_below=0, timeout=TIMEOUT)) == [abs(i) for i in range(-5, 5)]


def _dies_once(x, y, marker):
    """Kills its worker process (no exception, no cleanup) the first time it reaches (2, 1)."""
    if (x, y) == (2, 1) and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return {"value": 10 * x + y}


def test_a_worker_that_dies_loses_only_its_chain(client, tmp_path):
    marker = str(tmp_path / "died")
    out = replica.sweep(functools.partial(_dies_once, marker=marker), {"x": range(5), "y": range(4)}, client,
                        serial_below=0, timeout=TIMEOUT)
    assert os.path.exists(marker)  # a worker did die ...
    assert [r["value"] for r in out.rows()] == [10 * x + y for x in range(5) for y in range(4)]  # ... no row lost
    distributed.wait([client.submit(abs, -1, pure=False)], timeout=TIMEOUT)  # the cluster still works


def _raises_on_three(x):
    if x == 3:
        raise RuntimeError("a bug at x=3")
    return x


def test_a_task_that_raises_is_retried_then_raised_here(client):
    with pytest.raises(RuntimeError, match="a bug at x=3"):
        replica.sweep(_raises_on_three, {"x": range(8)}, client, serial_below=0, retries=1, timeout=TIMEOUT)


def _refuses_two(x, k=0, start=None):
    if x == 2:
        raise ValueError("x = 2 is outside the range")
    return {"x2": x * x, "converged": True}


def test_errors_keep_gives_a_failed_result_and_goes_on(client):
    out = replica.sweep(_refuses_two, {"k": [0, 1], "x": [1, 2, 3, 4]}, client, errors="keep", serial_below=0,
                        timeout=TIMEOUT)
    assert out.distributed == 6 and out.results[1] == out.results[5] == Failed("x = 2 is outside the range")
    assert [r.get("x2") for r in out.rows()] == [1, None, 9, 16] * 2
    assert [r["status"] for r in out.rows() if "status" in r] == ["invalid", "invalid"]
    with pytest.raises(ValueError, match="outside the range"):
        replica.sweep(_refuses_two, {"x": [1, 2, 3]})


# ------------------------------------------------------------------------- small grids stay here
def test_small_grids_never_start_a_cluster(monkeypatch):
    """Below the documented cost (SERIAL_BELOW + LOCAL_CLUSTER_SECONDS of estimated serial work) a
    grid is solved in-process: no LocalCluster is started."""
    def refuse(self):
        raise AssertionError("a cluster was started for a small grid")
    monkeypatch.setattr(Cluster, "client", refuse)
    out = replica.sweep(fp, FP_GRID, workers=2)
    assert out.distributed == 0 and same_rows(out.rows(), replica.sweep(fp, FP_GRID).rows())
    assert list(imap(abs, range(-3, 3), workers=2)) == [3, 2, 1, 0, 1, 2]


def test_one_chain_is_never_sent_away(client, always_distribute):
    out = replica.sweep(fp, {"alpha": [0.5], "d": [0.3, 0.2, 0.1, 0.05]}, client, timeout=TIMEOUT)
    assert out.chains == 1 and out.distributed == 0


# --------------------------------------------------------------------------------- the CLI
FP_ARGS = ["franz-parisi", "--alpha", "0.3,0.5,0.7", "--d", "0.3,0.2,0.1,0.05", "--format", "csv"]


def _cli(argv, capsys):
    code = solve.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_scheduler_rows_are_the_serial_rows(client, always_distribute, capsys, tmp_path):
    serial = _cli(FP_ARGS, capsys)
    with distributed.get_task_stream(client) as stream:
        spread = _cli(FP_ARGS + ["--scheduler", client.scheduler.address, "--out", str(tmp_path / "f.csv")], capsys)
    assert serial[0] == spread[0] == 0 and spread[1] == serial[1]
    assert (tmp_path / "f.csv").read_text().rstrip("\n") == serial[1].rstrip("\n")
    assert any(str(t["key"]).startswith("replica-chains-") for t in stream.data)


def test_cli_reads_the_scheduler_from_the_environment(client, always_distribute, capsys, monkeypatch):
    serial = _cli(FP_ARGS, capsys)
    monkeypatch.setenv("REPLICA_SCHEDULER", client.scheduler.address)
    with distributed.get_task_stream(client) as stream:
        spread = _cli(FP_ARGS, capsys)
    assert spread[:2] == serial[:2]
    assert any(str(t["key"]).startswith("replica-chains-") for t in stream.data)


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Result(RSFlags):
    x: float
    y: float
    value: float
    converged: bool
    iterations: int = 3
    residual: float = 0.0


def _fake_solve(x, y, start=None):
    """Refuses y = 2 (ValueError), does not converge at (x, y) = (1, 3), NaN at y = 1."""
    if y == 2:
        raise ValueError("y must be != 2 (the fake solver's range)")
    if (x, y) == (1, 3):
        return _Result(x=x, y=y, value=math.inf, converged=False, status="diverged", residual=math.nan)
    warm = 0.0 if start is None else start.value
    return _Result(x=x, y=y, value=math.nan if y == 1 else x + y + warm / 100, converged=True)


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setitem(solve.REGISTRY, "fake", Problem("fake", "test", _fake_solve,
                                                         (Param("x", float, None, "x"), Param("y", float, None, "y"))))


def test_cli_invalid_and_failed_points_on_workers(client, always_distribute, fake, capsys, tmp_path):
    """Invalid rows (status=invalid, message on stderr), a non-converged row, the trust-contract
    columns and exit status 3 are the same with a scheduler as without."""
    argv = ["fake", "--x", "0,1,2", "--y", "0,1,2,3,4", "--format", "json"]
    serial = _cli(argv, capsys)
    spread = _cli(argv + ["--scheduler", client.scheduler.address], capsys)
    assert serial[0] == spread[0] == solve.EXIT_NOT_CONVERGED
    assert spread[1] == serial[1]
    rows = json.loads(spread[1])
    assert [r["status"] for r in rows if r["x"] == 1] == ["ok", "ok", "invalid", "diverged", "ok"]
    assert list(rows[0])[-5:] == ["status", "replicon", "rs_stable", "entropy_negative", "frozen"]
    assert spread[2].count("(row kept with status=invalid)") == 3
    assert "4 of 15 points did not converge" in spread[2]


def _slow_solve(x, y, start=None):
    time.sleep(0.15)
    return _Result(x=x, y=y, value=x + y, converged=True)


def test_cli_ctrl_c_with_workers_keeps_the_rows_done(client, always_distribute, monkeypatch, capsys, tmp_path):
    """Ctrl-C while chains run on the workers: exit 130, the rows done written in grid order, the
    sidecar says the sweep is incomplete, and the remaining tasks are cancelled."""
    monkeypatch.setitem(solve.REGISTRY, "slow", Problem("slow", "test", _slow_solve,
                                                         (Param("x", float, None, "x"), Param("y", float, None, "y"))))
    out = tmp_path / "s.csv"
    stop = threading.Event()

    def ctrl_c_once_the_workers_run():  # the two points timed in-process are on disk: chains are out
        deadline = time.monotonic() + TIMEOUT
        while not stop.is_set() and time.monotonic() < deadline:
            parts = list(tmp_path.glob(".s.csv.*.part"))
            if parts and len(parts[0].read_text().splitlines()) >= 3:
                time.sleep(1.0)
                _thread.interrupt_main()
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=ctrl_c_once_the_workers_run, daemon=True)
    watcher.start()
    try:
        code, stdout, stderr = _cli(["slow", "--x", "0:19:20", "--y", "0:9:10", "--format", "csv", "--out", str(out),
                                     "--scheduler", client.scheduler.address], capsys)
    finally:
        stop.set()
        watcher.join()
    assert code == solve.EXIT_INTERRUPTED
    rows = list(csv.DictReader(open(out)))
    done = len(rows)
    assert 2 <= done < 200 and f"interrupted: {done} of 200 points done, {200 - done} skipped" in stderr
    keys = [(float(r["x"]), float(r["y"])) for r in rows]
    assert keys == sorted(keys) and all(float(r["value"]) == x + y for r, (x, y) in zip(rows, keys))
    assert json.load(open(str(out) + ".json"))["complete"] is False
    assert len(list(csv.DictReader(io.StringIO(stdout)))) == done
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and client.run_on_scheduler(
            lambda dask_scheduler: sum(k.startswith("replica-chains-") for k in map(str, dask_scheduler.tasks))):
        time.sleep(0.2)
    assert not client.run_on_scheduler(
        lambda dask_scheduler: [k for k in map(str, dask_scheduler.tasks) if k.startswith("replica-chains-")])


def test_cli_train_runs_on_the_workers(client, always_distribute, capsys):
    """A simulation ensemble (``train`` over seeds): one task per run; the rows agree with the
    serial ones to rounding (the workers run BLAS single-threaded, so sums may be reordered)."""
    argv = ["train", "--data", "perceptron", "--algorithm", "sgd", "--n-features", "50", "--seed", "0:4:5",
            "--epochs", "2", "--samples", "2", "--n-test", "100", "--format", "json"]
    serial = _cli(argv, capsys)
    with distributed.get_task_stream(client) as stream:
        spread = _cli(argv + ["--scheduler", client.scheduler.address], capsys)
    assert serial[0] == spread[0] == 0
    a, b = json.loads(serial[1]), json.loads(spread[1])
    assert [r["seed"] for r in b] == [0, 1, 2, 3, 4] and a[0].keys() == b[0].keys()
    for r, s in zip(a, b):
        for k in r:
            if isinstance(r[k], float):
                assert s[k] == pytest.approx(r[k], rel=1e-12, abs=1e-15), k
            else:
                assert s[k] == r[k], k
    assert any(str(t["key"]).startswith("replica-chains-") for t in stream.data)


@pytest.mark.parametrize("argv,needle", [
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "--workers and --scheduler exclude each other"),
    (["--workers", "0"], "--workers"),
])
def test_cli_bad_cluster_options_exit_2(argv, needle, capsys):
    code, out, err = _cli(["gm-bayes", "--alpha", "1,2", "--delta", "1", *argv], capsys)
    assert code == solve.EXIT_BAD_INPUT and needle in err and "Traceback" not in err and out == ""


def test_cli_unreachable_scheduler_is_one_line_exit_2(monkeypatch, capsys):
    monkeypatch.setattr(sweep_module, "CONNECT_TIMEOUT", "1s")
    code, out, err = _cli(["gm-bayes", "--alpha", "1,2", "--delta", "1", "--scheduler", "tcp://127.0.0.1:9"], capsys)
    assert code == solve.EXIT_BAD_INPUT and out == ""
    assert err.count("\n") == 1 and "cannot connect to the dask scheduler at 'tcp://127.0.0.1:9'" in err


@pytest.mark.slow
def test_workers_start_a_local_cluster_and_close_it():
    """``workers=2``: a LocalCluster of 2 processes is started for the chains and closed at the end
    (no child process left); the rows are the serial rows, bitwise."""
    before = set(_workers_of(os.getpid()))
    out = replica.sweep(fp, FP_GRID, workers=2, serial_below=0, timeout=TIMEOUT)
    assert out.distributed == 13 and same_rows(out.rows(), replica.sweep(fp, FP_GRID).rows())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and [p for p in set(_workers_of(os.getpid())) - before if _alive(p)]:
        time.sleep(0.2)
    assert not [p for p in set(_workers_of(os.getpid())) - before if _alive(p)]


@pytest.mark.slow
def test_real_ctrl_c_with_local_workers_is_clean(tmp_path):
    """A terminal's Ctrl-C (SIGINT to the whole process group) during ``--workers 2``: exit 130, no
    traceback from the workers, the rows done written, and no worker process left behind."""
    out = tmp_path / "f.csv"
    argv = [sys.executable, "-m", "replica.solve", "franz-parisi", "--alpha", "0.2:0.8:40", "--d", "0.3:0.01:40",
            "--format", "csv", "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: (signal.signal(signal.SIGINT, signal.SIG_DFL), os.setpgrp()))
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None and not _workers_of(proc.pid):
            time.sleep(0.2)
        time.sleep(3)
        assert proc.poll() is None, "the sweep ended before it could be interrupted"
        children = _workers_of(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == solve.EXIT_INTERRUPTED and "Traceback" not in stderr, stderr
    assert "points done" in stderr and json.load(open(str(out) + ".json"))["complete"] is False
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.2)
    assert children and not [pid for pid in children if _alive(pid)]


def _alive(pid):
    """The process exists and is not a zombie (an exited child waiting to be reaped by init)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _workers_of(pid):
    """Child processes of ``pid`` (from /proc)."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        children.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return children
