"""CLI subcommand ``train``: SGD, Entropy-SGD and Replicated-SGD on gm / perceptron / digits data."""

from ..cli.problems import Problem, register
from .experiments import add_train_arguments, run_train

register(Problem("train", "train with SGD / Entropy-SGD / Replicated-SGD and measure the local energy",
                 add_arguments=add_train_arguments, run=run_train, not_swept=("sigmas",)))
