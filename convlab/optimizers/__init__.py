"""SAM-family optimizers as pure ``(init, step)`` pairs on arrays of shape (runs, dim).

``REGISTRY`` maps a name to a factory with sensible defaults; the tests run every
property over it. Every factory takes its hyperparameters as :data:`HyperLike`: a float, a
schedule ``t -> value`` or a per-run array of shape ``(runs,)``.
"""

from __future__ import annotations

from collections.abc import Callable

from .adasam import AdaSAMState, adasam
from .base import GradFn, Hyper, HyperLike, Optimizer, normalize, row_norm, row_norms
from .gsam import GSAMState, gsam, gsam_direction
from .sam import SAMState, sam, usam
from .sasam import AdaptiveState, adaptive_step_size, adgd, sasam, sasgd
from .sgd import AMSGradState, SGDState, amsgrad, sgd

__all__ = [
    "REGISTRY",
    "AMSGradState",
    "AdaSAMState",
    "AdaptiveState",
    "GSAMState",
    "GradFn",
    "Hyper",
    "HyperLike",
    "Optimizer",
    "SAMState",
    "SGDState",
    "adaptive_step_size",
    "adasam",
    "adgd",
    "amsgrad",
    "get",
    "gsam",
    "gsam_direction",
    "normalize",
    "row_norm",
    "row_norms",
    "sam",
    "sasam",
    "sasgd",
    "sgd",
    "usam",
]

REGISTRY: dict[str, Callable[..., Optimizer]] = {
    "sgd": lambda: sgd(0.05),
    "sgd_momentum": lambda: sgd(0.05, momentum=0.9),
    "amsgrad": lambda: amsgrad(0.01),
    "sam": lambda: sam(0.05, 0.05),
    "sam_independent": lambda: sam(0.05, 0.05, ascent="independent"),
    "sam_full": lambda: sam(0.05, 0.05, ascent="full"),
    "sam_eps": lambda: sam(0.05, 0.05, eps=1e-12),
    "usam": lambda: usam(0.05, 0.05),
    "gsam": lambda: gsam(0.05, 0.05, 0.1),
    "adasam": lambda: adasam(0.01, 0.05),
    "adgd": lambda: adgd(1e-3),
    "sasam": lambda: sasam(1e-3),
}


def get(name: str) -> Optimizer:
    """Build the registered optimizer ``name`` with its defaults.

    Returns
    -------
    Optimizer
        A fresh optimizer from :data:`REGISTRY`.

    Examples
    --------
    >>> from convlab import optimizers
    >>> opt = optimizers.get("sam")
    >>> opt.name, opt.grads_per_step, opt.hyper["rho"]
    ('sam', 2, 0.05)
    """
    if name not in REGISTRY:
        raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]()
