"""One performance-estimation program: build it with PEPit, solve it, read the answer back.

A :class:`Program` is the data of one SDP (method, class, constants, steps, initial condition,
metric and, for normalized SAM, the interval cut of each step); :func:`solve_program` builds
it with PEPit's documented API (``PEP``, ``declare_function``, ``stationary_point``,
``oracle``, ``add_constraint``, ``set_performance_metric``, ``solve``), solves it with
Clarabel (SCS at high accuracy when Clarabel fails) and checks the dual before calling the
value certified. PEPit and cvxpy are imported inside the functions, so that
``import convlab.certify`` works without the ``certify`` extra.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

#: cvxpy statuses whose value is a number.
SOLVED = ("optimal", "optimal_inaccurate")
#: SCS settings of the fallback (CERTIFY.md: eps 1e-9 agrees with Clarabel to 5e-7).
SCS_SETTINGS = {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": 200_000}
#: cvxpy solver names by the ``solver`` argument of :func:`~convlab.certify.worst_case`.
SOLVER_NAMES = {"clarabel": "CLARABEL", "scs": "SCS"}


class SolverFailure(RuntimeError):
    """Every solver failed on a program: there is no number to report."""


@dataclass(frozen=True)
class Program:
    r"""The data of one performance-estimation SDP.

    ``lr``, ``rho`` and ``cuts`` have one entry per step; ``cuts[t]`` is ``None`` (the plain
    relaxation of the normalized step) or an interval ``(l, u)`` for :math:`\|g(x_t)\|`
    (``u`` may be ``inf``). ``initial_bound`` is the bound on the initial quantity, in its
    own units (:math:`R^2` for ``dist_sq``, :math:`\Delta` for ``f_gap``).
    """

    method: str
    function_class: str
    mu: float
    L: float
    lr: tuple[float, ...]
    rho: tuple[float, ...]
    initial: str
    initial_bound: float
    metric: str
    cuts: tuple[tuple[float, float] | None, ...]

    @property
    def n_steps(self) -> int:
        return len(self.lr)


@dataclass(frozen=True)
class Solved:
    """What one solve gave: the dual value (absolute units) and the evidence behind it."""

    value: float            # dual bound; inf when unbounded, -inf when infeasible
    primal: float           # primal objective (a lower bound on the program's value)
    status: str             # cvxpy status
    solver: str             # "CLARABEL" or "SCS"
    certified: bool
    instance: dict[str, Any] | None
    dual: dict[str, Any] | None
    warnings: tuple[str, ...]
    seconds: float


def _declare(pep: Any, prog: Program) -> Any:
    from PEPit.functions import SmoothConvexFunction, SmoothFunction, SmoothStronglyConvexFunction

    if prog.function_class == "smooth_strongly_convex":
        return pep.declare_function(SmoothStronglyConvexFunction, mu=prog.mu, L=prog.L)
    if prog.function_class == "smooth_convex":
        return pep.declare_function(SmoothConvexFunction, L=prog.L)
    return pep.declare_function(SmoothFunction, L=prog.L)


def _sam_constraints(add: Any, t: int, e: Any, g: Any, rho: float,
                     cut: tuple[float, float] | None) -> None:
    r"""The perturbation ``e`` of step ``t`` of normalized SAM, relaxed (CERTIFY.md).

    Always: :math:`\|e\|^2 \le \rho^2` and :math:`\langle e, g\rangle \ge 0` (true SAM has
    :math:`e = \rho g/\|g\|`, or 0 when :math:`g = 0`). With an interval
    :math:`\|g\| \in [l, u]`: :math:`e` lies in the ball with diameter
    :math:`[\rho g/u, \rho g/l]`, i.e. :math:`\langle e - \rho g/u, \rho g/l - e\rangle \ge 0`
    (for :math:`l = 0`, multiplied by :math:`l/\rho`: :math:`\langle e - \rho g/u, g\rangle \ge
    0`; for :math:`u = \infty`: :math:`\langle e, \rho g/l - e\rangle \ge 0`), and
    :math:`\|e\|^2 = \rho^2` when :math:`l > 0` (then :math:`g \ne 0`).
    """
    add(f"step {t}: |e|^2 <= rho^2", e ** 2 <= rho ** 2)
    add(f"step {t}: <e, g> >= 0", e * g >= 0)
    if cut is None:
        return
    lo, hi = cut
    if lo > 0:
        add(f"step {t}: |g|^2 >= l^2", g ** 2 >= lo ** 2)
        add(f"step {t}: |e|^2 >= rho^2", e ** 2 >= rho ** 2)
    if np.isfinite(hi):
        add(f"step {t}: |g|^2 <= u^2", g ** 2 <= hi ** 2)
    if lo > 0 and np.isfinite(hi):
        add(f"step {t}: ball cut", (e - (rho / hi) * g) * ((rho / lo) * g - e) >= 0)
    elif np.isfinite(hi):
        add(f"step {t}: ball cut", (e - (rho / hi) * g) * g >= 0)
    elif lo > 0:
        add(f"step {t}: ball cut", e * ((rho / lo) * g - e) >= 0)


def build(prog: Program) -> tuple[Any, dict[str, Any]]:
    """The PEPit ``PEP`` of ``prog`` and handles to its points, values and constraints."""
    from PEPit import PEP, Point

    pep = PEP()
    func = _declare(pep, prog)
    xs, _, fs = func.stationary_point(return_gradient_and_function_value=True)
    named: dict[str, Any] = {}

    def add(name: str, constraint: Any) -> None:
        pep.add_constraint(constraint, name=name)
        named[name] = constraint

    x = pep.set_initial_point()
    g, f = func.oracle(x)
    if prog.initial == "dist_sq":
        init = (x - xs) ** 2 <= prog.initial_bound
    else:
        init = f - fs <= prog.initial_bound
    pep.set_initial_condition(init, name="initial")
    named["initial"] = init
    h: dict[str, list] = {"x": [x], "g": [g], "f": [f], "y": [], "gy": [], "fy": [], "e": []}
    for t in range(prog.n_steps):
        lr, rho = prog.lr[t], prog.rho[t]
        if prog.method == "gd" or rho == 0.0:
            y, gy, fy, e = x, g, f, None
        else:
            if prog.method == "usam":
                e = rho * g
            else:
                e = Point()
                _sam_constraints(add, t, e, g, rho, prog.cuts[t])
            y = x + e
            gy, fy = func.oracle(y)
        for key, v in (("y", y), ("gy", gy), ("fy", fy), ("e", e)):
            h[key].append(v)
        x = x - lr * gy
        g, f = func.oracle(x)
        for key, v in (("x", x), ("g", g), ("f", f)):
            h[key].append(v)
    if prog.function_class == "smooth":
        # x* is a global minimiser of an L-smooth function: f(z) - f* >= |g(z)|^2 / (2L)
        # at every queried z (necessary, not sufficient: this class is relaxed).
        seen: set[int] = set()
        for i, (gv, fv) in enumerate(zip(h["g"] + h["gy"], h["f"] + h["fy"], strict=True)):
            if id(fv) not in seen:
                seen.add(id(fv))
                add(f"global minimum {i}", fv - fs >= (gv ** 2) / (2.0 * prog.L))
    xN, gN, fN = h["x"][-1], h["g"][-1], h["f"][-1]
    if prog.metric == "f_gap":
        pep.set_performance_metric(fN - fs)
    elif prog.metric == "dist_sq":
        pep.set_performance_metric((xN - xs) ** 2)
    elif prog.metric == "grad_sq":
        pep.set_performance_metric(gN ** 2)
    else:                                   # min_grad_sq: the minimum over t = 0..N
        for gt in h["g"]:
            pep.set_performance_metric(gt ** 2)
    h.update(x_star=xs, f_star=fs, func=func, named=named)
    return pep, h


def _eval(v: Any) -> Any:
    if v is None:
        return None
    out = v.eval()
    return float(out) if np.ndim(out) == 0 else np.asarray(out, dtype=float)


def _instance(prog: Program, h: dict[str, Any]) -> dict[str, Any] | None:
    """The worst-case points, gradients and values, in the coordinates of the Gram factor."""
    try:
        inst: dict[str, Any] = {k: np.array([_eval(v) for v in h[k]])
                                for k in ("x", "g", "f")}
        for k in ("y", "gy", "fy"):
            inst[k] = np.array([_eval(v) for v in h[k]]) if h[k] else np.zeros((0,))
        inst["e"] = [(_eval(v) if v is not None else None) for v in h["e"]]
        inst["x_star"] = _eval(h["x_star"])
        inst["f_star"] = _eval(h["f_star"])
    except (ValueError, TypeError, AttributeError):   # a value PEPit could not evaluate
        return None
    return inst


def _dual(pep: Any, h: dict[str, Any], tol: float) -> tuple[dict[str, Any], bool]:
    """The multipliers, and whether they pass the checks (PSD residual, signs)."""
    S = np.asarray(pep.residual, dtype=float)
    S = 0.5 * (S + S.T)
    eig = np.linalg.eigvalsh(S)
    scale = max(1.0, float(np.abs(eig).max()))
    prepared = getattr(pep, "_list_of_prepared_constraints", [])
    ineq = np.array([c.eval_dual() for c in prepared
                     if c.equality_or_inequality == "inequality"], dtype=float)
    m_scale = max(1.0, float(np.abs(ineq).max())) if ineq.size else 1.0
    min_mult = float(ineq.min()) if ineq.size else 0.0
    metric = [float(c.eval_dual()) for c in prepared
              if str(c.get_name()).startswith("Performance metric")]
    dual = {
        "residual": S,
        "min_eig": float(eig.min()),
        "min_eig_rel": float(eig.min()) / scale,
        "min_multiplier_rel": min_mult / m_scale,
        "initial": float(h["named"]["initial"].eval_dual()),
        "metric": metric,
        "constraints": {k: float(c.eval_dual()) for k, c in h["named"].items() if k != "initial"},
        "interpolation": np.array([c.eval_dual() for c in h["func"].list_of_class_constraints],
                                  dtype=float),
    }
    ok = dual["min_eig_rel"] >= -tol and dual["min_multiplier_rel"] >= -tol
    return dual, ok


def _solve_with(prog: Program, solver: str, tol: float, gap_tol: float) -> Solved:
    import cvxpy

    pep, h = build(prog)
    kwargs: dict[str, Any] = {"solver": solver}
    if solver == "SCS":
        kwargs.update(SCS_SETTINGS)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = pep.solve(wrapper="cvxpy", verbose=0, **kwargs)
        except cvxpy.error.SolverError as exc:
            raise SolverFailure(f"{solver}: {exc}") from exc
    seconds = time.perf_counter() - t0
    notes = tuple(sorted({str(w.message) for w in caught}))
    status = str(pep.wrapper.prob.status)
    if value is None or status not in SOLVED:
        worst = {"unbounded": np.inf, "unbounded_inaccurate": np.inf,
                 "infeasible": -np.inf, "infeasible_inaccurate": -np.inf}.get(status, np.nan)
        return Solved(worst, worst, status, solver, False, None, None, notes, seconds)
    primal = float(pep.objective.eval())
    dual, ok = _dual(pep, h, tol)
    value = float(value)
    gap = abs(value - primal) / max(1.0, abs(primal))
    dual["gap_rel"] = gap
    certified = ok and gap <= gap_tol
    return Solved(value, primal, status, solver, certified, _instance(prog, h), dual, notes,
                  seconds)


def solve_program(prog: Program, solver: str = "clarabel", tol: float = 1e-6,
                  gap_tol: float = 1e-4) -> Solved:
    """Solve ``prog``: Clarabel, then SCS at high accuracy if Clarabel fails.

    Clarabel "fails" when it raises (e.g. ``NumericalError``), ends with a status that is
    not a solution (``optimal``, ``optimal_inaccurate``, ``infeasible``, ``unbounded``), or
    ends ``optimal_inaccurate`` with a dual that fails the checks. The SCS answer then
    replaces it unless SCS does worse (no solution where Clarabel had one).
    ``solver="scs"`` goes to SCS directly.

    Raises
    ------
    SolverFailure
        When every solver raised: there is no number to report.
    """
    first = SOLVER_NAMES[solver]
    errors: list[str] = []
    result: Solved | None = None
    try:
        result = _solve_with(prog, first, tol, gap_tol)
        good = (result.status in ("optimal", "infeasible", "unbounded")
                or (result.status == "optimal_inaccurate" and result.certified))
        if good or first == "SCS":
            return result
    except SolverFailure as exc:
        errors.append(str(exc))
    try:
        fallback = _solve_with(prog, "SCS", tol, gap_tol)
    except SolverFailure as exc:
        errors.append(str(exc))
        if result is not None:
            return result
        raise SolverFailure("; ".join(errors)) from exc
    if result is not None and result.status in SOLVED and fallback.status not in SOLVED:
        return result
    return fallback
