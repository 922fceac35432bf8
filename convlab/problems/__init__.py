"""Analytic test problems with exact derivatives and known constants.

``REGISTRY`` maps a name to a factory whose defaults give a ready-to-use problem; the
tests and the CLI iterate over it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .base import Problem, hvp_from_hess
from .diagonal_net import LearningProblem, diagonal_net, held_out_loss
from .examples import rosenbrock, xy_minus_one
from .finite_sum import least_squares, logistic
from .piecewise import piecewise_quadratic, piecewise_quadratic_term
from .quadratic import haar_orthogonal, quadratic
from .separable import TERMS, Term, cosine_trap, geman_mcclure, log1p_sq, separable

__all__ = [
    "REGISTRY",
    "TERMS",
    "LearningProblem",
    "Problem",
    "Term",
    "cosine_trap",
    "diagonal_net",
    "geman_mcclure",
    "get",
    "haar_orthogonal",
    "held_out_loss",
    "hvp_from_hess",
    "least_squares",
    "log1p_sq",
    "logistic",
    "piecewise_quadratic",
    "piecewise_quadratic_term",
    "quadratic",
    "rosenbrock",
    "separable",
    "xy_minus_one",
]

REGISTRY: dict[str, Callable[[], Problem]] = {
    "quadratic": lambda: quadratic(np.geomspace(1.0, 10.0, 10)),
    "quadratic_rotated": lambda: quadratic(np.geomspace(1.0, 10.0, 10), rotate=0),
    "least_squares": lambda: least_squares(n=50, dim=5, rng=0),
    "logistic": lambda: logistic(n=200, dim=5, rng=0),
    "log1p_sq": lambda: separable("log1p_sq", dim=20),
    "geman_mcclure": lambda: separable("geman_mcclure", dim=5),
    "cosine_trap": lambda: separable("cosine_trap", dim=1, beta=1.0, rho=0.1),
    "xy_minus_one": xy_minus_one,
    "rosenbrock": lambda: rosenbrock(2),
    "diagonal_net": lambda: diagonal_net(n=20, dim=40, sparsity=3, rng=0),
}


def get(name: str) -> Problem:
    """Build the registered problem ``name`` with its defaults.

    Returns
    -------
    Problem
        A fresh problem from :data:`REGISTRY`.

    Examples
    --------
    >>> from convlab import problems
    >>> problems.get("rosenbrock")
    Problem(rosenbrock(d=2), dim=2, L=inf, mu=0)
    """
    if name not in REGISTRY:
        raise ValueError(f"unknown problem {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]()
