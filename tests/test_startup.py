"""Start-up (issue 13, part 7): what ``import replica`` and the CLI load, and the one-line notice on
the first compile.  Times are measured in ``bench/bench_startup.py``, never here; these tests check
the causes instead: which heavy modules get imported, and that the notice is printed exactly once."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

HEAVY = ("scipy.optimize", "scipy.special", "scipy.stats", "sklearn", "matplotlib", "tqdm", "torch", "pandas",
         "mpmath")


def _loaded(code):
    script = code + textwrap.dedent(f"""
        import json, sys
        print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "REPLICA_COMPILE_NOTICE": "0"})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_replica_loads_nothing_heavy():
    assert _loaded("import replica") == []


def test_subpackages_load_no_optional_or_scipy_heavy_module():
    """The solvers' packages import neither scipy.optimize/special (0.2-0.4 s, imported on first call),
    nor scikit-learn, matplotlib or tqdm; ``gm.simulate`` (not imported by the package) still works as an
    attribute, as the README's snippet uses it."""
    assert _loaded("from replica import gaussian_mixture, perceptron, entropic, saddle_point") == []
    _loaded("from replica import gaussian_mixture as gm; assert callable(gm.simulate.simulate_erm)")


def test_cli_problem_table_loads_nothing_heavy():
    assert _loaded("import replica.solve as s; s.build_parser(s.load_problems())") == []


def test_lazy_ufuncs_are_the_kernels():
    """``special.H_ufunc`` is built on first access (not at import) and agrees with the scalar kernel."""
    import numpy as np

    from replica.saddle_point import special

    x = np.array([-3.0, 0.0, 1.0, 40.0])
    assert np.array_equal(special.log_H_ufunc(x), [special.log_H(v) for v in x])
    assert special.log_H_ufunc is special.log_H_ufunc  # built once
    with pytest.raises(AttributeError):
        special.no_such_ufunc


NOTICE = "compiling numba kernels"


def _first_use(cache_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("REPLICA_COMPILE_NOTICE", "REPLICA_NUMBA_CACHE")}
    env["NUMBA_CACHE_DIR"] = str(cache_dir)
    code = "from replica.saddle_point.special import H; print(H(1.0))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)


def test_first_compile_is_announced_once(tmp_path):
    """A fresh cache folder: one line on stderr naming the compile; the second run is silent."""
    first = _first_use(tmp_path)
    assert first.returncode == 0, first.stderr
    lines = first.stderr.strip().splitlines()
    assert len(lines) == 1 and NOTICE in lines[0] and str(tmp_path) in lines[0], first.stderr
    second = _first_use(tmp_path)
    assert second.returncode == 0 and second.stderr == "", second.stderr
    # H(1) = erfc(1/√2)/2 = 0.15865525393145707 (both runs, compiled then loaded from the cache)
    assert float(first.stdout) == float(second.stdout) == pytest.approx(0.15865525393145707, rel=1e-15)


def test_no_notice_when_the_cache_is_disabled(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "REPLICA_NUMBA_CACHE": "0"}
    env.pop("REPLICA_COMPILE_NOTICE", None)
    out = subprocess.run([sys.executable, "-c", "from replica.saddle_point.special import H; H(1.0)"],
                         capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0 and NOTICE not in out.stderr, out.stderr


def test_subpackages_are_attributes_of_replica():
    """``import replica`` stays light, yet ``replica.thresholds``, ``replica.gaussian_mixture``, ... work."""
    import replica

    assert replica.thresholds.capacity(0.0) == pytest.approx(2.0, rel=1e-14)  # spherical α_c(0) = 2
    assert callable(replica.gaussian_mixture.erm) and callable(replica.perceptron.gardner)
    with pytest.raises(AttributeError):
        replica.no_such_thing
