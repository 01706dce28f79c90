"""replica: replica saddle-point solvers for learning in shallow networks."""

__version__ = "0.1.0"


def __getattr__(name):
    # ``replica.sweep(function, grid, client=None)``: imported on first use, so that ``import replica``
    # stays light (the module is callable; dask, pandas and xarray load only when they are used).
    if name == "sweep":
        from importlib import import_module

        return import_module(".sweep", __name__)
    if name in _SUBPACKAGES:  # ``import replica; replica.thresholds.at_line(-0.5)``: loaded on first use
        from importlib import import_module

        return import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_SUBPACKAGES = ("gaussian_mixture", "perceptron", "entropic", "saddle_point", "thresholds", "solve", "cli")
