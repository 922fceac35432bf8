r"""Flatness metrics at (final) iterates: Hessian trace, extreme eigenvalues, adversarial sharpness.

Implements THEORY.md §7. Every function takes a *problem* ``p`` (duck-typed: it needs
``p.dim`` and at least one of ``p.hess(x) -> (runs, dim, dim)`` and
``p.hvp(x, v) -> (runs, dim)``; ``p.hess`` may be ``None`` for large problems) and points
``x`` of shape ``(runs, dim)``, and returns one number per run, shape ``(runs,)``.

* :func:`hessian_trace` / :func:`hutchinson_trace` -- :math:`\mathrm{Tr}\,\nabla^2 f(x)`,
  exactly or by Hutchinson's estimator with Rademacher probes (§7.2).
* :func:`lambda_max` / :func:`lambda_min` -- the largest / smallest **algebraic** Hessian
  eigenvalue, exactly (``eigvalsh``), by Lanczos (ARPACK ``eigsh``) or by *shifted* power
  iteration. Plain power iteration finds the eigenvalue of largest *magnitude*, which has the
  wrong sign at saddles and nonconvex points (§7.2 pitfall); here it runs on
  :math:`H + cI` with :math:`H + cI \succeq 0`.
* :func:`adversarial_sharpness` -- the analytic (second-order) counterpart of the worst-case
  sharpness :math:`\max_{\|\delta\|\le\rho} f(x+\delta) - f(x)` of §7.3, for the
  :math:`\ell_2` and :math:`\ell_\infty` balls.

Only the problem's Hessian oracles are used; rows (runs) are never mixed, in line with the
problem protocol ("no run's numbers depend on another's"). For stochastic objectives pass a
problem whose ``hess``/``hvp`` are those of the full-data objective (THEORY.md §7.1), and
report these numbers together with :math:`\|\nabla f(x_T)\|`: at a non-stationary final
iterate the Hessian is not "at a minimum".
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

from ._validation import check_choice, check_scalar

__all__ = [
    "LINF_MAX_DIM",
    "adversarial_sharpness",
    "hessian_trace",
    "hutchinson_trace",
    "lambda_max",
    "lambda_min",
]

Array = NDArray[np.float64]
#: Anything :func:`numpy.random.default_rng` accepts.
SeedLike = int | np.random.Generator | np.random.SeedSequence | None

#: Largest dimension for which the :math:`\ell_\infty` sharpness is computed exactly by
#: enumerating the :math:`2^{d-1}` sign patterns (up to the symmetry :math:`s \mapsto -s`).
LINF_MAX_DIM = 16

TRACE_METHODS = ("exact", "hutchinson")
EIG_METHODS = ("exact", "lanczos", "power")
NORMS = ("l2", "linf")

# Hutchinson with ``tol``: never stop on fewer probes than this (a variance from two or three
# probes is too noisy to trust as a stopping rule).
_MIN_PROBES = 10
# Power iteration without a dense Hessian: iterations of the unshifted power method used to
# estimate the spectral radius, and the safety factor applied to that (under)estimate.
_RADIUS_ITERS = 30
_RADIUS_SAFETY = 1.5
# Power-iteration defaults (tolerance on the relative residual ||Hv - theta v||).
_POWER_MAXITER = 10_000
_POWER_TOL = 1e-10
# Bound on the number of float64 entries of one block in the l_inf enumeration (~32 MiB).
_LINF_BLOCK_ENTRIES = 1 << 22


# --------------------------------------------------------------------------------------------
# argument checks and oracle wrappers
# --------------------------------------------------------------------------------------------


def _problem_dim(p: Any) -> int:
    """Check that ``p`` looks like a problem and return its dimension."""
    dim = getattr(p, "dim", None)
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 1:
        raise TypeError(f"p must be a problem with a positive integer p.dim, got dim={dim!r}")
    if _get_hess(p) is None and _get_hvp(p) is None:
        raise TypeError("p must provide p.hess(x) or p.hvp(x, v) (both are missing or None)")
    return int(dim)


def _get_hess(p: Any) -> Callable[[Array], Array] | None:
    hess = getattr(p, "hess", None)
    return hess if callable(hess) else None


def _get_hvp(p: Any) -> Callable[[Array, Array], Array] | None:
    hvp = getattr(p, "hvp", None)
    return hvp if callable(hvp) else None


def _check_x(p: Any, x: object) -> Array:
    """Return ``x`` as a finite float64 array of shape ``(runs, p.dim)``."""
    dim = _problem_dim(p)
    if np.iscomplexobj(x):
        raise ValueError("x must be real, got complex values")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"x must be an array of real numbers: {exc}") from None
    if arr.ndim != 2:
        raise ValueError(f"x must be 2-D with shape (runs, dim), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"x must hold at least one run, got shape {arr.shape}")
    if arr.shape[1] != dim:
        raise ValueError(f"x has dim {arr.shape[1]} but the problem has dim {dim}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("x contains non-finite values (NaN or inf)")
    return arr


def _check_tol(name: str, tol: object) -> float | None:
    return None if tol is None else check_scalar(name, tol, low=0.0, strict=True)


def _dense_hessian(p: Any, x: Array) -> Array:
    """``(runs, dim, dim)`` Hessians: ``p.hess`` if there is one, else ``dim`` hvp calls."""
    runs, dim = x.shape
    hess = _get_hess(p)
    if hess is not None:
        H = np.asarray(hess(x), dtype=np.float64)
        if H.shape != (runs, dim, dim):
            raise ValueError(f"p.hess(x) returned shape {H.shape}, expected {(runs, dim, dim)}")
    else:
        H = np.empty((runs, dim, dim))
        for j in range(dim):
            e = np.zeros((runs, dim))
            e[:, j] = 1.0
            H[:, :, j] = _call_hvp(p, x, e)
    if not np.all(np.isfinite(H)):
        raise ValueError("the Hessian at x has non-finite entries")
    return H


def _call_hvp(p: Any, x: Array, v: Array) -> Array:
    """One batched Hessian-vector product ``(runs, dim)``; falls back to ``p.hess``."""
    hvp = _get_hvp(p)
    if hvp is not None:
        out = np.asarray(hvp(x, v), dtype=np.float64)
    else:
        out = np.einsum("rij,rj->ri", _dense_hessian(p, x), v)
    if out.shape != v.shape:
        raise ValueError(f"p.hvp(x, v) returned shape {out.shape}, expected {v.shape}")
    return out


def _hvp_operator(p: Any, x: Array) -> Callable[[Array], Array]:
    """``v -> H(x) v`` batched over runs, computing a dense Hessian at most once."""
    if _get_hvp(p) is not None:
        return lambda v: _call_hvp(p, x, v)
    H = _dense_hessian(p, x)
    return lambda v: np.einsum("rij,rj->ri", H, v)


# --------------------------------------------------------------------------------------------
# trace
# --------------------------------------------------------------------------------------------


def hutchinson_trace(
    p: Any,
    x: object,
    n_samples: int = 64,
    rng: SeedLike = None,
    *,
    tol: float | None = None,
) -> tuple[Array, Array]:
    r"""Hutchinson estimate of :math:`\mathrm{Tr}\,\nabla^2 f(x)` and its standard error.

    .. math:: \widehat{\mathrm{Tr}} = \frac1m \sum_{k=1}^m z_k^\top H z_k,
              \qquad z_k \in \{\pm1\}^d \text{ Rademacher},

    which is unbiased with :math:`\mathrm{Var}\,\widehat{\mathrm{Tr}} =
    \frac2m\big(\|H\|_F^2 - \sum_i H_{ii}^2\big)` (THEORY.md §7.2).

    Parameters
    ----------
    p : problem
        Needs ``p.dim`` and ``p.hvp`` (or ``p.hess``).
    x : array_like, shape (runs, dim)
        Points; every run gets its own independent probes, all runs are handled at once
        (one batched ``hvp`` call per probe).
    n_samples : int, default 64
        Number of probes :math:`m` (at least 2, so that a standard error exists); with
        ``tol`` this is the maximum.
    rng : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Source of the probes, passed to :func:`numpy.random.default_rng`.
    tol : float, optional
        Stop early, after at least ``min(n_samples, 10)`` probes, as soon as the standard
        error is below ``tol * |estimate|`` for **every** run.

    Returns
    -------
    estimate : ndarray, shape (runs,)
        Mean of the probes' quadratic forms.
    stderr : ndarray, shape (runs,)
        Standard error of the estimate, ``std(ddof=1) / sqrt(m)`` over the ``m`` probes used.
        It is 0 when every probe gives the same value (e.g. a diagonal Hessian, for which
        Rademacher probes are exact).
    """
    xa = _check_x(p, x)
    m_max = check_scalar("n_samples", n_samples, low=2, integer=True)
    tol_f = _check_tol("tol", tol)
    gen = np.random.default_rng(rng)
    runs, dim = xa.shape
    matvec = _hvp_operator(p, xa)

    # Welford running mean / sum of squared deviations, vectorised over runs.
    mean = np.zeros(runs)
    m2 = np.zeros(runs)
    m = 0
    min_probes = min(m_max, _MIN_PROBES)
    while m < m_max:
        z = 2.0 * gen.integers(0, 2, size=(runs, dim)).astype(np.float64) - 1.0
        q = np.einsum("ri,ri->r", z, matvec(z))
        m += 1
        delta = q - mean
        mean += delta / m
        m2 += delta * (q - mean)
        if tol_f is not None and m >= min_probes:
            se = np.sqrt(m2 / (m - 1) / m)
            if np.all(se < tol_f * np.abs(mean)):
                break
    stderr = np.sqrt(np.maximum(m2, 0.0) / (m - 1) / m)
    return mean, stderr


def hessian_trace(
    p: Any,
    x: object,
    method: str = "exact",
    *,
    n_samples: int = 64,
    rng: SeedLike = None,
    tol: float | None = None,
) -> Array:
    r"""Trace of the Hessian :math:`\mathrm{Tr}\,\nabla^2 f(x)` for every run.

    Parameters
    ----------
    p : problem
        Needs ``p.dim`` and ``p.hess`` or ``p.hvp``.
    x : array_like, shape (runs, dim)
        Points (typically final iterates).
    method : {"exact", "hutchinson"}
        ``"exact"``: the trace of ``p.hess(x)``, vectorised over runs; when ``p.hess`` is
        ``None`` it is :math:`\sum_j e_j^\top H e_j` from ``dim`` batched ``hvp`` calls.
        ``"hutchinson"``: the stochastic estimate of :func:`hutchinson_trace`.
    n_samples, rng, tol
        Passed to :func:`hutchinson_trace` (ignored by ``"exact"``).

    Returns
    -------
    ndarray, shape (runs,)
        :math:`\mathrm{Tr}\,\nabla^2 f(x)` of each run (an unbiased estimate with
        ``"hutchinson"``).

    See Also
    --------
    hutchinson_trace : also returns the standard error of the estimate.

    Examples
    --------
    On :math:`(xy-1)^2` the trace is :math:`2(x^2+y^2)` on the minimisers and 0 at the
    saddle :math:`(0, 0)`; on a rotated quadratic it is the sum of the eigenvalues:

    >>> import numpy as np
    >>> from convlab import problems, sharpness
    >>> x = np.array([[1.0, 1.0], [0.0, 0.0]])
    >>> sharpness.hessian_trace(problems.xy_minus_one(), x).tolist()
    [4.0, 0.0]
    >>> q = problems.quadratic([1.0, 4.0], rotate=0)
    >>> sharpness.hessian_trace(q, x).round(6).tolist()
    [5.0, 5.0]
    >>> est = sharpness.hessian_trace(q, x, "hutchinson", n_samples=200, rng=0)
    >>> est.shape, bool(np.all(np.abs(est - 5.0) < 0.5))
    ((2,), True)
    """
    method = check_choice("method", method, TRACE_METHODS)
    xa = _check_x(p, x)
    if method == "hutchinson":
        est, _ = hutchinson_trace(p, xa, n_samples, rng, tol=tol)
        return est
    runs, dim = xa.shape
    if _get_hess(p) is not None:
        return np.trace(_dense_hessian(p, xa), axis1=1, axis2=2)
    out = np.zeros(runs)
    for j in range(dim):
        e = np.zeros((runs, dim))
        e[:, j] = 1.0
        out += _call_hvp(p, xa, e)[:, j]
    return out


# --------------------------------------------------------------------------------------------
# extreme eigenvalues
# --------------------------------------------------------------------------------------------


def lambda_max(
    p: Any,
    x: object,
    method: str = "exact",
    *,
    rng: SeedLike = None,
    maxiter: int | None = None,
    tol: float | None = None,
) -> Array:
    r"""Largest **algebraic** eigenvalue :math:`\lambda_{\max}(\nabla^2 f(x))` for every run.

    Parameters
    ----------
    p : problem
        Needs ``p.dim`` and ``p.hess`` or ``p.hvp``.
    x : array_like, shape (runs, dim)
        Points (typically final iterates).
    method : {"exact", "lanczos", "power"}
        ``"exact"``: ``numpy.linalg.eigvalsh`` on the (symmetrised) batched Hessians; if
        ``p.hess`` is ``None`` the Hessians are assembled from ``dim`` ``hvp`` calls, so
        keep it to moderate ``dim``.

        ``"lanczos"``: ARPACK via ``scipy.sparse.linalg.eigsh(LinearOperator, k=1,
        which="LA")``, one run at a time. This is a loop over runs, acceptable for a
        diagnostic on final iterates: every product :math:`H_r v` is one batched ``hvp``
        call whose other rows are zero (the problem protocol allows per-run data, so a
        run cannot be cut out of the batch), i.e. the cost is about
        ``runs * (ARPACK iterations)`` batched ``hvp`` calls. ``tol`` defaults to 0
        (machine precision) and ``maxiter`` to ARPACK's default; non-convergence raises
        ``scipy.sparse.linalg.ArpackNoConvergence``. For ``dim <= 2`` (below ARPACK's
        minimum size) the exact method is used.

        ``"power"``: power iteration on :math:`H + cI`, vectorised over runs (one batched
        ``hvp`` per iteration). Plain power iteration converges to the eigenvalue of
        largest *magnitude*, which at a saddle can be the most negative one; the shift
        :math:`c \ge -\lambda_{\min}` makes :math:`H + cI \succeq 0`, whose dominant
        eigenvalue is :math:`\lambda_{\max} + c`. With ``p.hess`` available :math:`c` is
        the rigorous Gershgorin bound :math:`\max(0, -\min_i(H_{ii} - \sum_{j\ne i}
        |H_{ij}|))`; otherwise it is 1.5 times a 30-step power-iteration estimate of the
        spectral radius :math:`\max|\lambda|`. A run stops when the residual satisfies
        :math:`\|Hv - \theta v\| \le \mathrm{tol}\cdot\max(|\theta|, c)` for the
        Rayleigh quotient :math:`\theta`: some eigenvalue then lies within the residual
        norm of :math:`\theta`, and once :math:`v` is close to the top eigenvector the
        error is about :math:`\|r\|^2/\text{gap}`, far below ``tol``. Defaults
        ``tol=1e-10``, ``maxiter=10000``. Runs that do not converge keep their last
        Rayleigh quotient and a ``RuntimeWarning`` is issued. The residual contracts by
        :math:`(\lambda_2 + c)/(\lambda_1 + c)` per step: slow when the top
        eigenvalue is nearly degenerate (use ``"lanczos"`` then).
    rng : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Starting vectors of ``"lanczos"`` and ``"power"`` (reproducible with a seed).
    maxiter : int, optional
        Iteration limit (``"lanczos"``, ``"power"``).
    tol : float, optional
        Convergence tolerance (``"lanczos"``: ARPACK's relative accuracy; ``"power"``: see
        above).

    Returns
    -------
    ndarray, shape (runs,)
        :math:`\lambda_{\max}` of each run's Hessian.

    Examples
    --------
    On :math:`(xy-1)^2` the Hessian at :math:`(1, 1)` has eigenvalues 0 and 4, at the saddle
    :math:`(0, 0)` :math:`\pm 2`; the shifted power iteration finds the algebraic maximum
    :math:`+2` there, not the largest magnitude:

    >>> import numpy as np
    >>> from convlab import problems, sharpness
    >>> p = problems.xy_minus_one()
    >>> x = np.array([[1.0, 1.0], [0.0, 0.0]])
    >>> sharpness.lambda_max(p, x).round(6).tolist()
    [4.0, 2.0]
    >>> sharpness.lambda_max(p, x, "power", rng=0).round(6).tolist()
    [4.0, 2.0]
    >>> bool(np.allclose(sharpness.lambda_min(p, x), [0.0, -2.0]))
    True
    """
    return _extreme_eig(p, x, method, +1.0, rng=rng, maxiter=maxiter, tol=tol)


def lambda_min(
    p: Any,
    x: object,
    method: str = "exact",
    *,
    rng: SeedLike = None,
    maxiter: int | None = None,
    tol: float | None = None,
) -> Array:
    r"""Smallest algebraic eigenvalue :math:`\lambda_{\min}(\nabla^2 f(x))` for every run.

    Negative at saddles and other nonconvex points. Same methods and arguments as
    :func:`lambda_max` (``"lanczos"`` uses ``which="SA"``; ``"power"`` runs on
    :math:`cI - H \succeq 0`, i.e. computes :math:`-\lambda_{\max}(-H)`).

    Returns
    -------
    ndarray, shape (runs,)
    """
    return _extreme_eig(p, x, method, -1.0, rng=rng, maxiter=maxiter, tol=tol)


def _extreme_eig(
    p: Any,
    x: object,
    method: str,
    sign: float,
    *,
    rng: SeedLike,
    maxiter: int | None,
    tol: float | None,
) -> Array:
    """``sign * lambda_max(sign * H)``: the top (sign=+1) or bottom (sign=-1) eigenvalue."""
    method = check_choice("method", method, EIG_METHODS)
    xa = _check_x(p, x)
    maxiter_i = None if maxiter is None else check_scalar("maxiter", maxiter, low=1, integer=True)
    tol_f = None if tol is None else check_scalar("tol", tol, low=0.0)
    dim = xa.shape[1]
    if method == "exact" or (method == "lanczos" and dim <= 2):
        w = np.linalg.eigvalsh(_symmetrize(_dense_hessian(p, xa)))
        return w[:, -1] if sign > 0 else w[:, 0]
    gen = np.random.default_rng(rng)
    if method == "lanczos":
        return _lanczos(p, xa, sign, gen, maxiter_i, 0.0 if tol_f is None else tol_f)
    if tol_f is not None and tol_f == 0.0:
        raise ValueError("tol must be > 0 for method='power'")
    return sign * _shifted_power(
        p,
        xa,
        sign,
        gen,
        _POWER_MAXITER if maxiter_i is None else maxiter_i,
        _POWER_TOL if tol_f is None else tol_f,
    )


def _symmetrize(H: Array) -> Array:
    return 0.5 * (H + np.swapaxes(H, -1, -2))


def _lanczos(
    p: Any, x: Array, sign: float, gen: np.random.Generator, maxiter: int | None, tol: float
) -> Array:
    runs, dim = x.shape
    which = "LA" if sign > 0 else "SA"
    hvp = _hvp_operator(p, x)
    out = np.empty(runs)
    for r in range(runs):

        def matvec(v: Array, r: int = r) -> Array:
            batch = np.zeros((runs, dim))
            batch[r] = np.ravel(v)
            return hvp(batch)[r]

        op = spla.LinearOperator((dim, dim), matvec=matvec, dtype=np.float64)
        vals = spla.eigsh(
            op,
            k=1,
            which=which,
            v0=gen.standard_normal(dim),
            maxiter=maxiter,
            tol=tol,
            return_eigenvectors=False,
        )
        out[r] = float(vals[0])
    return out


def _shifted_power(
    p: Any, x: Array, sign: float, gen: np.random.Generator, maxiter: int, tol: float
) -> Array:
    """Largest algebraic eigenvalue of ``G = sign * H`` by power iteration on ``G + cI``."""
    runs, dim = x.shape
    hvp = _hvp_operator(p, x)

    def gvp(v: Array) -> Array:
        return sign * hvp(v)

    def normalized(v: Array) -> Array:
        nrm = np.linalg.norm(v, axis=1, keepdims=True)
        return v / np.where(nrm > 0, nrm, 1.0)

    if _get_hess(p) is not None:
        G = sign * _dense_hessian(p, x)
        diag = np.diagonal(G, axis1=1, axis2=2)
        radius = np.abs(G).sum(axis=2) - np.abs(diag)
        c = np.maximum(0.0, -np.min(diag - radius, axis=1))
    else:
        v = normalized(gen.standard_normal((runs, dim)))
        est = np.zeros(runs)
        for _ in range(_RADIUS_ITERS):
            w = gvp(v)
            est = np.maximum(est, np.linalg.norm(w, axis=1))
            v = np.where(est[:, None] > 0, normalized(w), v)
        c = _RADIUS_SAFETY * est

    v = normalized(gen.standard_normal((runs, dim)))
    result = np.full(runs, np.nan)
    done = np.zeros(runs, dtype=bool)
    resid = np.full(runs, np.inf)
    tiny = np.finfo(np.float64).tiny
    for _ in range(maxiter):
        w = gvp(v)
        theta = np.einsum("ri,ri->r", v, w)
        resid = np.linalg.norm(w - theta[:, None] * v, axis=1)
        # Some eigenvalue lies within ||r|| of theta (and, once v is close to the top
        # eigenvector, theta is within ||r||^2 / gap of lambda_max).
        new = ~done & (resid <= tol * np.maximum(np.abs(theta), c))
        result[new] = theta[new]
        done |= new
        if done.all():
            break
        # Next iterate (H + cI) v; a zero vector (v in the eigenspace of -c) is kept as is.
        nxt = w + c[:, None] * v
        nrm = np.linalg.norm(nxt, axis=1, keepdims=True)
        v = np.where(nrm > 0, nxt / np.where(nrm > 0, nrm, 1.0), v)
    if not done.all():
        bad = ~done
        rel = resid[bad] / np.maximum(np.maximum(np.abs(theta[bad]), c[bad]), tiny)
        warnings.warn(
            f"shifted power iteration did not reach tol={tol:g} in maxiter={maxiter} "
            f"iterations for {int(bad.sum())} of {runs} runs (largest relative residual "
            f"{float(rel.max()):.3g}); increase maxiter or use method='lanczos'",
            RuntimeWarning,
            stacklevel=4,
        )
        result[bad] = theta[bad]
    return result


# --------------------------------------------------------------------------------------------
# adversarial sharpness
# --------------------------------------------------------------------------------------------


def adversarial_sharpness(p: Any, x: object, rho: object, norm: str = "l2") -> Array:
    r"""Second-order worst-case sharpness :math:`\max_{\|\delta\|\le\rho} \tfrac12\delta^\top
    H\delta` for every run (analytic counterpart of THEORY.md §7.3).

    The sharpness of [HI24] is :math:`S_\rho(x) = \max_{\|\delta\|\le\rho} f(x+\delta) -
    f(x)`. This function returns **only the quadratic term** of its Taylor expansion, with
    :math:`H = \nabla^2 f(x)`; it is the right number at a stationary point (exact for
    quadratics there). Away from stationary points the first-order term
    :math:`\rho\|\nabla f(x)\|_*` (the dual norm: :math:`\ell_2` resp. :math:`\ell_1`)
    dominates and is **not** included.

    Parameters
    ----------
    p : problem
        Needs ``p.dim`` and ``p.hess`` or ``p.hvp``.
    x : array_like, shape (runs, dim)
        Points (typically final iterates).
    rho : float or array_like, shape (runs,)
        Radius :math:`\rho \ge 0` of the perturbation ball (one per run, or shared).
    norm : {"l2", "linf"}
        ``"l2"``: :math:`\frac{\rho^2}2\max(\lambda_{\max}(H), 0)` -- the trust-region
        subproblem, exact (``lambda_max`` with ``method="exact"`` when ``p.hess`` exists,
        else ``"lanczos"``). The clip at 0 is :math:`\delta = 0` being feasible.

        ``"linf"``: :math:`\frac{\rho^2}2\max\big(0, \max_{s\in\{\pm1\}^d} s^\top H s\big)`
        by enumerating all sign patterns, vectorised over runs and patterns, for
        ``dim <= 16`` (:data:`LINF_MAX_DIM`); larger ``dim`` raises ``ValueError``. This is
        the exact box maximum whenever every diagonal entry :math:`H_{ii} \ge 0` (in
        particular for PSD :math:`H`): the quadratic is then convex in each coordinate, so a
        maximiser can be pushed to a vertex one coordinate at a time. If some
        :math:`H_{ii} < 0` (possible only at non-minimisers) it is a lower bound. Equals
        :math:`\frac{\rho^2}2\mathrm{Tr}\,H` for diagonal PSD :math:`H` and lies in
        :math:`[\frac{\rho^2}2\lambda_{\max}, \frac{\rho^2}2 d\,\lambda_{\max}]` for PSD
        :math:`H` (the box contains the :math:`\ell_2` ball of radius :math:`\rho` and lies
        in the one of radius :math:`\rho\sqrt d`).

    Returns
    -------
    ndarray, shape (runs,)
    """
    norm = check_choice("norm", norm, NORMS)
    xa = _check_x(p, x)
    runs, dim = xa.shape
    try:
        rho_a = np.asarray(rho, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"rho must be a real number or an array of shape (runs,): {exc}") from None
    if rho_a.ndim > 1 or (rho_a.ndim == 1 and rho_a.shape[0] not in (1, runs)):
        raise ValueError(f"rho must be a scalar or have shape ({runs},), got shape {rho_a.shape}")
    if not np.all(np.isfinite(rho_a)) or np.any(rho_a < 0):
        raise ValueError("rho must be finite and >= 0")
    half_rho2 = 0.5 * np.broadcast_to(rho_a, (runs,)) ** 2

    if norm == "l2":
        method = "exact" if _get_hess(p) is not None else "lanczos"
        lam = lambda_max(p, xa, method, rng=0)
        return half_rho2 * np.maximum(lam, 0.0)

    if dim > LINF_MAX_DIM:
        raise ValueError(
            f"norm='linf' is computed by enumerating sign patterns, only for dim <= "
            f"{LINF_MAX_DIM} (got dim={dim}); use norm='l2' instead"
        )
    H = _symmetrize(_dense_hessian(p, xa))
    return half_rho2 * np.maximum(_max_sign_quadratic(H), 0.0)


def _max_sign_quadratic(H: Array) -> Array:
    r""":math:`\max_{s\in\{\pm1\}^d} s^\top H_r s` for every run ``r`` of symmetric ``H``.

    Uses :math:`s^\top H s = \mathrm{Tr} H + 2\sum_{i<j} H_{ij}s_is_j`, fixes
    :math:`s_0 = +1` (the form is even in ``s``) and evaluates blocks of patterns with one
    matrix product ``(runs, pairs) @ (pairs, patterns)``.
    """
    runs, dim = H.shape[0], H.shape[1]
    tr = np.trace(H, axis1=1, axis2=2)
    if dim == 1:
        return tr
    iu, ju = np.triu_indices(dim, k=1)
    off = H[:, iu, ju]  # (runs, pairs)
    n_patterns = 1 << (dim - 1)
    block = max(1, min(n_patterns, _LINF_BLOCK_ENTRIES // max(runs, len(iu))))
    best = np.full(runs, -np.inf)
    bits = np.arange(dim - 1)
    for start in range(0, n_patterns, block):
        codes = np.arange(start, min(start + block, n_patterns))
        s = np.ones((codes.size, dim))
        s[:, 1:] = 1.0 - 2.0 * ((codes[:, None] >> bits) & 1)
        pair_products = s[:, iu] * s[:, ju]  # (patterns, pairs)
        vals = off @ pair_products.T  # (runs, patterns)
        best = np.maximum(best, vals.max(axis=1))
    return tr + 2.0 * best
