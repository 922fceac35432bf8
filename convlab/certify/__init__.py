r"""Certified worst cases by performance estimation (PEP): ``pip install -e ".[certify]"``.

The worst case of a method after :math:`N` steps over every function of a class is the value
of a small semidefinite program (Drori & Teboulle 2014; Taylor, Hendrickx & Glineur 2017),
built here with PEPit and solved with Clarabel (SCS at high accuracy as a fallback). The
dual value of the program is a certificate: a nonnegative combination of the class's
interpolation inequalities, the initial condition and the method's constraints that bounds
the metric. It is called *certified* only after the dual matrix has been checked positive
semidefinite and the inequality multipliers nonnegative (to a relative tolerance) and the
primal-dual gap is small. DESIGN.md "Round 2", CERTIFY.md.

What is exact and what is relaxed
---------------------------------
============================  ===========================================  ===============
method / class                model                                        ``exact``
============================  ===========================================  ===============
``gd``, ``usam``              affine in the gradients: the PEP *is* the     True
(``sam`` with :math:`\rho=0`)  worst case, for any metric and initial
                              condition, on ``smooth_strongly_convex`` and
                              ``smooth_convex`` (tight interpolation)
``sam`` (normalized),          relaxation: a free perturbation :math:`e`    False
``sam_model="relaxed"``        with :math:`\|e\|\le\rho`, :math:`\langle e,
                              g(x_t)\rangle \ge 0` (contains SAM, including
                              the guard :math:`e = 0` at :math:`g = 0`)
``sam_model="branched"``       the relaxation plus, per step, an interval   False
                              :math:`\|g(x_t)\|\in[l,u]` and the ball cut
                              (exact as :math:`u/l\to1`); max over
                              :math:`K(K+1)^{N-1}` programs
``sam_model="composed"``       branched one-step bounds chained through     False
                              the initial quantity (:math:`\approx NK`
                              programs); valid, looser than N-step PEP
class ``smooth``              L-smooth functions with a global minimiser   False
                              :math:`x^\star`: tight smooth interpolation
                              plus :math:`f(z) - f^\star \ge
                              \|g(z)\|^2/(2L)` at every queried point
                              (necessary conditions only)
============================  ===========================================  ===============

Every value is an upper bound on the worst case (up to solver accuracy, which the dual
checks bound); ``exact=True`` means it is also attained (the ``instance`` is a worst case).
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validation import check_choice, check_scalar
from ._branching import branched, composed, summarise
from ._program import Program, SolverFailure, solve_program

__all__ = [
    "FUNCTION_CLASSES",
    "INITIALS",
    "METHODS",
    "METRICS",
    "SAM_MODELS",
    "Certificate",
    "SolverFailure",
    "available",
    "worst_case",
]

METHODS = ("gd", "usam", "sam")
FUNCTION_CLASSES = ("smooth_strongly_convex", "smooth_convex", "smooth")
METRICS = ("f_gap", "dist_sq", "grad_sq", "min_grad_sq")
INITIALS = ("dist_sq", "f_gap")
SAM_MODELS = ("relaxed", "branched", "composed")


def available() -> bool:
    """Whether the ``certify`` extra (PEPit, cvxpy, Clarabel, SCS) is installed."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None
               for m in ("PEPit", "cvxpy", "clarabel", "scs"))


@dataclass(frozen=True)
class Certificate:
    r"""A certified (or honestly uncertified) worst-case bound.

    Attributes
    ----------
    value : float
        The bound: :math:`\sup` of the metric over the class, divided by the initial bound
        when the metric and the initial condition are of the same kind (``dist_sq`` /
        ``dist_sq``, ``f_gap`` / ``f_gap``). ``inf`` when the program is unbounded (the
        worst case is infinite).
    exact : bool
        True when method and class are modelled exactly: ``value`` is then the worst case
        itself, not only a bound on it.
    certified : bool
        Every program solved (``optimal`` or ``optimal_inaccurate``), its dual matrix is
        PSD and its inequality multipliers nonnegative to the relative tolerance ``tol``,
        and its primal-dual gap is below ``gap_tol``. ``False`` for an unbounded value.
    solver : str
        ``"CLARABEL"``, ``"SCS"`` (the fallback) or ``"CLARABEL+SCS"`` over several programs.
    status : str
        The cvxpy status of the program (the worst over several): ``optimal``,
        ``optimal_inaccurate``, ``unbounded``, ...
    model : str
        ``"exact"``, ``"relaxed"``, ``"branched"`` or ``"composed"`` (for the ``smooth``
        class, ``"... + global-min relaxation"``).
    instance : dict or None
        The worst case found by the worst program (for ``composed``: the last one-step
        program, so one step from the worst state, not an N-step trajectory): iterates
        ``x`` (N+1, d), gradients ``g``, values ``f``, ascent points ``y``, their gradients
        ``gy`` and values ``fy``, perturbations ``e``, ``x_star``, ``f_star``; coordinates
        of a Gram factor.
    dual : dict or None
        Multipliers of the worst program: ``residual`` (the dual matrix of the Gram
        constraint), ``min_eig`` / ``min_eig_rel`` (its smallest eigenvalue, absolute and
        relative to the largest), ``min_multiplier_rel``, ``initial``, ``metric`` (weights of
        the metrics of a minimum), ``constraints`` (the method's constraints by name),
        ``interpolation`` and ``gap_rel``.
    primal : float
        The primal objective of the worst program (a lower bound on its value; the worst
        case when ``exact``), in the units of ``value``.
    n_programs, seconds : int, float
        Programs solved and total solver time.
    params : dict
        The arguments, normalized.
    details : dict
        ``initial_bound``, per-status counts, solver warnings and, for ``composed``, the
        per-step ``bounds`` :math:`s_0, s_1, \dots` on the initial quantity.
    """

    value: float
    exact: bool
    certified: bool
    solver: str
    status: str
    model: str
    instance: dict[str, Any] | None = field(repr=False)
    dual: dict[str, Any] | None = field(repr=False)
    primal: float = field(repr=False)
    n_programs: int = 1
    seconds: float = field(default=0.0, repr=False)
    params: dict[str, Any] = field(default_factory=dict, repr=False)
    details: dict[str, Any] = field(default_factory=dict, repr=False)

    def __float__(self) -> float:
        return float(self.value)


def _per_step(name: str, value: Any, n: int) -> tuple[float, ...]:
    """A float or a length-``n`` sequence of nonnegative finite numbers, as a tuple."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return (check_scalar(name, value),) * n
    arr = np.asarray(value, dtype=float).reshape(-1)
    if arr.size != n:
        raise ValueError(f"{name} must be a number or have one entry per step (n_steps={n}), "
                         f"got {arr.size} entries")
    return tuple(check_scalar(f"{name}[{i}]", float(v)) for i, v in enumerate(arr))


def _check(method: str, function_class: str, n_steps: Any, metric: str, initial: str,
           mu: Any, L: Any, lr: Any, rho: Any, radius: Any, sam_model: str,
           branches: Any) -> dict[str, Any]:
    method = check_choice("method", method, METHODS)
    function_class = check_choice("function_class", function_class, FUNCTION_CLASSES)
    metric = check_choice("metric", metric, METRICS)
    initial = check_choice("initial", initial, INITIALS)
    sam_model = check_choice("sam_model", sam_model, SAM_MODELS)
    n = check_scalar("n_steps", n_steps, low=1, integer=True)
    L = check_scalar("L", L, strict=True)
    mu = check_scalar("mu", mu)
    if mu > L:
        raise ValueError(f"mu must be <= L, got mu={mu!r} > L={L!r}")
    if function_class != "smooth_strongly_convex" and mu != 0.0:
        raise ValueError(f"mu must be 0 for function_class={function_class!r}, got mu={mu!r} "
                         "(use 'smooth_strongly_convex')")
    radius = check_scalar("radius", radius, strict=True)
    k = check_scalar("branches", branches, low=1, integer=True)
    lr_t, rho_t = _per_step("lr", lr, n), _per_step("rho", rho, n)
    if method == "gd" and any(rho_t):
        raise ValueError(f"method='gd' has no radius: rho must be 0, got rho={rho!r}")
    return {"method": method, "function_class": function_class, "n_steps": n,
            "metric": metric, "initial": initial, "mu": mu, "L": L, "lr": lr_t,
            "rho": rho_t, "radius": radius, "sam_model": sam_model, "branches": k}


def worst_case(method: str, function_class: str, *, n_steps: int, metric: str, initial: str,
               mu: float = 0.0, L: float = 1.0, lr: Any, rho: Any = 0.0, radius: float = 1.0,
               sam_model: str = "relaxed", branches: int = 8, floor: float = 1e-3,
               max_programs: int = 512, solver: str = "clarabel", tol: float = 1e-6,
               gap_tol: float = 1e-4) -> Certificate:
    r"""Worst case of ``method`` after ``n_steps`` steps over ``function_class``.

    Parameters
    ----------
    method : {"gd", "usam", "sam"}
        ``gd``: :math:`x_{t+1} = x_t - \eta_t g(x_t)`; ``usam``:
        :math:`y_t = x_t + \rho_t g(x_t)`; ``sam``: :math:`y_t = x_t + \rho_t
        g(x_t)/\|g(x_t)\|` (0 when :math:`g = 0`); then :math:`x_{t+1} = x_t - \eta_t
        g(y_t)` (THEORY.md §2.1).
    function_class : {"smooth_strongly_convex", "smooth_convex", "smooth"}
        :math:`L`-smooth and :math:`\mu`-strongly convex (``mu`` may be 0), :math:`L`-smooth
        convex (``mu`` must be 0), or :math:`L`-smooth with a global minimiser (relaxed,
        see the module notes).
    n_steps : int
        :math:`N \ge 1`.
    metric : {"f_gap", "dist_sq", "grad_sq", "min_grad_sq"}
        :math:`f(x_N) - f^\star`, :math:`\|x_N - x^\star\|^2`, :math:`\|g(x_N)\|^2`, or
        :math:`\min_{0\le t\le N}\|g(x_t)\|^2` (convlab's trace ``min_grad_sq`` at record
        :math:`t` covers steps :math:`< t`: compare with its record :math:`N + 1`).
    initial : {"dist_sq", "f_gap"}
        :math:`\|x_0 - x^\star\| \le` ``radius``, or :math:`f(x_0) - f^\star \le` ``radius``.
    mu, L : float
        The class constants, :math:`0 \le \mu \le L`, :math:`L > 0`.
    lr, rho : float or sequence
        :math:`\eta_t \ge 0` and :math:`\rho_t \ge 0`, constant or one per step.
    radius : float
        Size of the initial set (see ``initial``); the initial bound is ``radius**2`` for
        ``dist_sq`` and ``radius`` for ``f_gap``.
    sam_model : {"relaxed", "branched", "composed"}
        How normalized SAM (``rho > 0``) is modelled (module notes); ignored for GD/USAM.
    branches : int
        :math:`K`, intervals on :math:`\|g(x_t)\|` per branched step: :math:`[0, g_{\max}
        \cdot\text{floor}]` and :math:`K - 1` geometric ones up to :math:`g_{\max}`
        (:math:`L\cdot` radius or :math:`\sqrt{2L\Delta}`).
    floor : float
        Relative lower end of the geometric intervals.
    max_programs : int
        Refuse a ``branched`` request needing more programs (:math:`K(K+1)^{N-1}`).
    solver : {"clarabel", "scs"}
        First solver; from Clarabel, a failed solve (error or inaccurate status) is retried
        with SCS at eps 1e-9.
    tol, gap_tol : float
        Relative tolerances of the dual checks (PSD residual, multiplier signs) and of the
        primal-dual gap, for ``certified``.

    Returns
    -------
    Certificate
        ``value = inf`` with ``status="unbounded"`` and ``certified=False`` when the worst
        case is infinite.

    Raises
    ------
    ValueError, TypeError
        For an unknown name or a value out of range (naming it).
    SolverFailure
        When every solver raised on a program: there is no number to report.
    ImportError
        Without the ``certify`` extra.

    Examples
    --------
    >>> import pytest; _ = pytest.importorskip("PEPit")  # needs the certify extra
    >>> from convlab import certify
    >>> c = certify.worst_case("gd", "smooth_convex", n_steps=2, metric="f_gap",
    ...                        initial="dist_sq", L=1.0, lr=1.0)
    >>> round(c.value, 6), 1 / 10, c.exact, c.certified   # L R^2 / (4N + 2)
    (0.1, 0.1, True, True)
    >>> c = certify.worst_case("sam", "smooth_strongly_convex", n_steps=1, metric="dist_sq",
    ...                        initial="dist_sq", mu=0.1, L=1.0, lr=0.5, rho=0.1)
    >>> c.model, c.exact, round(c.value, 4)
    ('relaxed', False, 0.9066)
    """
    p = _check(method, function_class, n_steps, metric, initial, mu, L, lr, rho, radius,
               sam_model, branches)
    solver = check_choice("solver", solver, ("clarabel", "scs"))
    floor = check_scalar("floor", floor, strict=True, high=1.0)
    max_programs = check_scalar("max_programs", max_programs, low=1, integer=True)
    tol = check_scalar("tol", tol)
    gap_tol = check_scalar("gap_tol", gap_tol)
    for mod in ("PEPit", "cvxpy"):
        try:
            __import__(mod)
        except ImportError as exc:
            raise ImportError(f"convlab.certify needs {mod}: pip install -e \".[certify]\"") \
                from exc
    bound = p["radius"] ** 2 if p["initial"] == "dist_sq" else p["radius"]
    normalized = p["method"] == "sam" and any(p["rho"])
    model = p["sam_model"] if normalized else "exact"
    prog = Program(p["method"], p["function_class"], p["mu"], p["L"], p["lr"], p["rho"],
                   p["initial"], bound, p["metric"], (None,) * p["n_steps"])
    kw = {"solver": solver, "tol": tol, "gap_tol": gap_tol}
    t0 = time.perf_counter()
    if model == "branched":
        out = branched(prog, p["branches"], floor, max_programs, **kw)
    elif model == "composed":
        out = composed(prog, p["branches"], floor, **kw)
    else:
        out = summarise([solve_program(prog, **kw)])
    wall = time.perf_counter() - t0
    scale = bound if p["metric"] == p["initial"] else 1.0
    worst = out["worst"]
    value = out["value"]
    if value == -np.inf or np.isnan(value):          # no feasible program: nothing certified
        raise SolverFailure(f"no program gave a value (statuses {out['statuses']})")
    relaxed_class = p["function_class"] == "smooth"
    details = {k: out[k] for k in ("statuses", "warnings") if k in out}
    details.update(initial_bound=bound, wall_seconds=wall)
    if "bounds" in out:
        details["bounds"] = out["bounds"]
    return Certificate(
        value=float(value) / scale,
        exact=model == "exact" and not relaxed_class,
        certified=bool(out["certified"]) and bool(np.isfinite(value)),
        solver=out["solver"],
        status=out["status"],
        model=model + (" + global-min relaxation" if relaxed_class else ""),
        instance=worst.instance,
        dual=worst.dual,
        primal=float(worst.primal) / scale,
        n_programs=out["n_programs"],
        seconds=out["seconds"],
        params=p,
        details=details,
    )
