"""Functions of heavy dependencies, imported on first call rather than at ``import replica``.

``import scipy.optimize`` (or ``scipy.special``) costs 0.2-0.4 s, most of it spent importing all of
numpy's lazily loaded submodules; ``tqdm`` another 25 ms.  A module that needs ``brentq`` writes
``from .._lazy import brentq`` instead of ``from scipy.optimize import brentq``: the name is a thin
callable that imports the real function the first time it is called and then forwards to it
(one attribute lookup per call).
"""

from importlib import import_module

__all__ = ["brentq", "minimize_scalar", "minimize", "root", "nnls", "logsumexp", "expit", "ndtr", "tqdm",
           "tqdm_auto", "submodule"]


class _Lazy:
    """``module.name``, imported when first called."""

    __slots__ = ("_module", "_name", "_target")

    def __init__(self, module, name):
        self._module, self._name, self._target = module, name, None

    def _resolve(self):
        if self._target is None:
            self._target = getattr(import_module(self._module), self._name)
        return self._target

    def __call__(self, *args, **kwargs):
        target = self._target if self._target is not None else self._resolve()
        return target(*args, **kwargs)

    def __getattr__(self, name):  # e.g. ``tqdm.write``
        return getattr(self._resolve(), name)

    def __repr__(self):
        return f"<lazy {self._module}.{self._name}>"


brentq = _Lazy("scipy.optimize", "brentq")
minimize_scalar = _Lazy("scipy.optimize", "minimize_scalar")
minimize = _Lazy("scipy.optimize", "minimize")
root = _Lazy("scipy.optimize", "root")
nnls = _Lazy("scipy.optimize", "nnls")
logsumexp = _Lazy("scipy.special", "logsumexp")
expit = _Lazy("scipy.special", "expit")
ndtr = _Lazy("scipy.special", "ndtr")
tqdm = _Lazy("tqdm", "tqdm")
tqdm_auto = _Lazy("tqdm.auto", "tqdm")


def submodule(package, name, names):
    """``package.name`` imported on first attribute access, for ``name`` in ``names`` (a package's module
    ``__getattr__``: ``gm.simulate`` without importing scikit-learn at ``import replica``); AttributeError
    otherwise (an explicit list: a name the package binds to a function is never answered with the
    submodule of the same name)."""
    if name in names:
        return import_module(f"{package}.{name}")
    raise AttributeError(f"module {package!r} has no attribute {name!r}")
