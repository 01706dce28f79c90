"""``replica._numba``: importing and running must survive numba being unable to cache (issue 9, defect 16)."""

import math
import os
import shutil
import subprocess
import sys
import textwrap

import numba
import pytest

from replica._numba import CacheDisabledWarning

# In a child process: remove every numba cache locator (what a read-only install with no writable HOME
# amounts to), make NumbaWarnings errors (as setup.cfg does for the suite), show every warning, then
# import replica and call a jitted kernel and a ufunc.
SCRIPT = textwrap.dedent("""
    import warnings
    import numba
    import numba.core.caching as caching
    {setup}
    warnings.simplefilter("always")
    warnings.filterwarnings("error", category=numba.NumbaWarning)
    import numpy as np
    import replica
    from replica.saddle_point.special import H, H_ufunc, log_H
    print(repr(H(1.0)), repr(float(H_ufunc(np.array([1.0]))[0])), repr(log_H(30.0)))
    {check}
""")
NO_LOCATOR = SCRIPT.format(setup="caching.CacheImpl._locator_classes = []", check="")


def _env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMBA_CACHE_LOCATOR_CLASSES", "REPLICA_NUMBA_CACHE", "PYTHONWARNINGS", "NUMBA_DISABLE_JIT")}
    return env


def _check_output(out):
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if "CacheDisabledWarning" in line]
    assert len(lines) == 1, out.stderr
    assert "on-disk cache is disabled" in lines[0] and "no locator available" in lines[0]
    h, h_ufunc, log_h = (float(v) for v in out.stdout.split())
    # reference: H(1) = erfc(1/√2)/2 (math.erfc), rel 1e-15; log H(30) from the Mills-ratio series
    # log H(x) = -x²/2 - log(x√(2π)) + log(1 - 1/x² + 3/x⁴ - 15/x⁶), truncation < 105/30⁸ = 2e-10, abs 1e-9
    exact = math.erfc(1 / math.sqrt(2)) / 2
    assert h == pytest.approx(exact, rel=1e-15) and h_ufunc == pytest.approx(exact, rel=1e-15)
    x = 30.0
    series = -x * x / 2 - math.log(x * math.sqrt(2 * math.pi)) + math.log(1 - 1 / x ** 2 + 3 / x ** 4 - 15 / x ** 6)
    assert log_h == pytest.approx(series, abs=1e-9)


def test_import_without_cache_locator(tmp_path):
    """numba raises ``RuntimeError: cannot cache function ... no locator available`` when it finds no writable
    cache folder; ``import replica`` crashed on it.  Now: kernels compile in memory, exactly one warning line
    names the reason, and the kernels give the right values (references in ``_check_output``)."""
    out = subprocess.run([sys.executable, "-c", NO_LOCATOR], capture_output=True, text=True, cwd=tmp_path,
                         env=_env(), timeout=600)
    _check_output(out)


def test_cache_warning_is_not_a_numba_warning():
    """The suite turns NumbaWarning into errors (setup.cfg); the fallback warning must not be one."""
    assert issubclass(CacheDisabledWarning, RuntimeWarning)
    assert not issubclass(CacheDisabledWarning, numba.NumbaWarning)


def _nobody_can_run_python():
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("runuser") is None:
        return False
    try:
        probe = subprocess.run(["runuser", "-u", "nobody", "--", sys.executable, "-c", "import numba, numpy, scipy"],
                               capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@pytest.mark.skipif(not _nobody_can_run_python(), reason="needs root, runuser and an interpreter user nobody can run")
def test_read_only_install_as_nobody(tmp_path):
    """The real situation: user ``nobody``, a read-only copy of the package, HOME not writable, no
    NUMBA_CACHE_DIR.  Same expectations as with the locators removed."""
    import replica

    src = os.path.dirname(replica.__file__)
    root = tmp_path / "ro"
    shutil.copytree(src, root / "replica", ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    for folder, dirs, files in os.walk(root):
        for name in files:
            os.chmod(os.path.join(folder, name), 0o444)
        os.chmod(folder, 0o555)
    os.chmod(tmp_path, 0o755)
    script = SCRIPT.format(setup="", check=f"assert replica.__file__.startswith({str(root)!r}), replica.__file__")
    env = {k: v for k, v in _env().items() if k != "NUMBA_CACHE_DIR"}
    env.update(HOME="/nonexistent", PYTHONPATH=str(root), XDG_CACHE_HOME="/nonexistent/.cache")
    try:
        out = subprocess.run(["runuser", "-u", "nobody", "--", sys.executable, "-c", script], capture_output=True,
                             text=True, cwd="/", env=env, timeout=600)
    finally:
        for folder, dirs, files in os.walk(root):
            os.chmod(folder, 0o755)
    _check_output(out)
