r"""Branching on the gradient norm and composing one-step bounds, for normalized SAM.

For :math:`\|g(x_t)\| \in [l, u]` SAM's perturbation :math:`\rho g/\|g\|` lies on the
segment :math:`[\rho g/u, \rho g/l]`, so in the ball with that segment as diameter: a cut
linear in the Gram matrix, exact as :math:`u/l \to 1` (CERTIFY.md). Covering the possible
gradient norms by intervals and taking the largest value over the branches gives a valid
bound that is tighter than the plain relaxation.

* ``branched``: every step of the N-step program is branched: :math:`K (K+1)^{N-1}` programs
  (steps after the first get one more interval, :math:`[g_{\max}, \infty)`, since their
  gradient norm has no a-priori bound here).
* ``composed``: one-step programs chained through the initial quantity. If
  :math:`s_t` bounds the initial kind of quantity at :math:`x_t` (``dist_sq`` or ``f_gap``),
  :math:`s_{t+1} = \max_k \sup\{q(x^+) : q(x) \le s_t,\ \|g(x)\| \in I_k\}` bounds it
  at :math:`x_{t+1}` (the sup is over every function of the class, so it covers the one at
  hand); the last step is solved for the metric. About :math:`NK` programs
  (:math:`2NK` for ``min_grad_sq``, whose bound is :math:`\min_t` of the per-step
  bounds on :math:`\|g(x_t)\|^2`).
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import numpy as np

from ._program import Program, Solved, solve_program

#: Order of cvxpy statuses from best to worst, to summarise several programs.
_STATUS_RANK = ("optimal", "infeasible", "optimal_inaccurate", "infeasible_inaccurate",
                "unbounded", "unbounded_inaccurate")


def grad_norm_bound(initial: str, bound: float, L: float) -> float:
    r"""An upper bound on :math:`\|g(x)\|` given the initial condition at ``x``.

    ``dist_sq``: :math:`\|g(x)\| = \|g(x) - g(x^\star)\| \le L\|x - x^\star\|`.
    ``f_gap``: :math:`\|g(x)\|^2 \le 2L(f(x) - f^\star)` (every class here has a global
    minimiser :math:`x^\star`).
    """
    return L * float(np.sqrt(bound)) if initial == "dist_sq" else float(np.sqrt(2 * L * bound))


def intervals(gmax: float, k: int, floor: float) -> list[tuple[float, float]]:
    r"""``k`` intervals covering :math:`[0, g_{\max}]`: :math:`[0, g_{\max}\,\text{floor}]`,
    then ``k - 1`` geometric ones up to :math:`g_{\max}`."""
    if k == 1 or gmax <= 0:
        return [(0.0, gmax)]
    edges = np.geomspace(gmax * floor, gmax, k)
    return [(0.0, float(edges[0]))] + [(float(a), float(b)) for a, b in itertools.pairwise(edges)]


def summarise(results: list[Solved]) -> dict[str, Any]:
    """The largest value over branches and the evidence: a branch that is infeasible holds
    no function and adds nothing; an unbounded one makes the bound infinite."""
    feasible = [r for r in results if not r.value == -np.inf]
    worst = max(feasible, key=lambda r: r.value) if feasible else results[0]
    statuses = [r.status for r in results]
    # the status of the answer: the worst over the programs that hold a function (an
    # infeasible branch is an empty piece of the cover, counted in "statuses")
    shown = [s for s in statuses if s != "infeasible"] or statuses
    status = max(shown, key=lambda s: _STATUS_RANK.index(s) if s in _STATUS_RANK else 99)
    solvers = sorted({r.solver for r in results})
    return {
        "worst": worst,
        "value": worst.value if feasible else -np.inf,
        "status": status,
        "solver": "+".join(solvers),
        "certified": all(r.certified or r.status == "infeasible" for r in results)
        and any(r.certified for r in results),
        "n_programs": len(results),
        "seconds": sum(r.seconds for r in results),
        "statuses": {s: statuses.count(s) for s in sorted(set(statuses))},
        "warnings": tuple(sorted({w for r in results for w in r.warnings})),
        "results": results,
    }


def branched(prog: Program, k: int, floor: float, max_programs: int,
             **solve_kw: Any) -> dict[str, Any]:
    r"""Branch every step of ``prog`` on :math:`\|g(x_t)\|`; the max over the branches."""
    gmax = grad_norm_bound(prog.initial, prog.initial_bound, prog.L)
    first = intervals(gmax, k, floor)
    later = [*first, (gmax, np.inf)]
    per_step = [first if t == 0 else later for t in range(prog.n_steps)]
    per_step = [grid if prog.rho[t] > 0 else [None] for t, grid in enumerate(per_step)]
    n = int(np.prod([len(g) for g in per_step]))
    if n > max_programs:
        raise ValueError(f"branching {prog.n_steps} steps into {k} intervals needs {n} "
                         f"programs > max_programs={max_programs}; use sam_model='composed' "
                         "or fewer branches")
    results = [solve_program(replace(prog, cuts=tuple(cuts)), **solve_kw)
               for cuts in itertools.product(*per_step)]
    return summarise(results)


def one_step(prog: Program, t: int, bound: float, metric: str, k: int, floor: float,
             **solve_kw: Any) -> dict[str, Any]:
    """The branched bound on ``metric`` after step ``t`` alone, from ``initial <= bound``."""
    base = replace(prog, lr=(prog.lr[t],), rho=(prog.rho[t],), initial_bound=bound,
                   metric=metric, cuts=(None,))
    if prog.rho[t] == 0.0:
        return summarise([solve_program(base, **solve_kw)])
    gmax = grad_norm_bound(prog.initial, bound, prog.L)
    return summarise([solve_program(replace(base, cuts=(iv,)), **solve_kw)
                      for iv in intervals(gmax, k, floor)])


def composed(prog: Program, k: int, floor: float, **solve_kw: Any) -> dict[str, Any]:
    """Chain branched one-step bounds through the initial kind of quantity."""
    state, n = prog.initial, prog.n_steps
    bounds = [prog.initial_bound]
    results: list[Solved] = []

    def step(t: int, bound: float, metric: str) -> dict[str, Any]:
        part = one_step(prog, t, bound, metric, k, floor, **solve_kw)
        results.extend(part["results"])
        return part

    final: dict[str, Any] | None = None
    for t in range(n if prog.metric == state else n - 1):
        final = step(t, bounds[-1], state)
        if not np.isfinite(final["value"]):         # unbounded: so is everything after
            break
        bounds.append(max(final["value"], 0.0))
    else:
        if prog.metric == "min_grad_sq":
            zero = replace(prog, lr=(), rho=(), cuts=(), initial_bound=bounds[0],
                           metric="grad_sq")
            first = summarise([solve_program(zero, **solve_kw)])
            results.extend(first["results"])
            grads = [first] + [step(t, b, "grad_sq") for t, b in enumerate(bounds[:n])]
            final = min(grads, key=lambda part: part["value"])
        elif prog.metric != state:
            final = step(n - 1, bounds[-1], prog.metric)
    assert final is not None
    out = summarise(results)
    out.update(worst=final["worst"], value=final["value"], bounds=bounds)
    return out
