"""Numba kernels behind :mod:`convlab.backends.numba_sam` (this module imports numba).

The kernels run ``n_steps`` steps of SGD / SAM / USAM on the quadratic
:math:`f(x) = \\tfrac12 (x-c)^\\top A (x-c)` for all runs, in place on ``X`` (runs, dim),
block of runs by block of runs: each gradient of a block is one BLAS GEMM (``np.dot``,
i.e. SciPy's BLAS; an elementwise product for a diagonal ``A``), everything else is fused
into flat loops over the block, no array is allocated per step, and all the steps of a
block are taken before the next one so that a block that fits in cache stays there.

The arithmetic is that of the NumPy optimizers, in the same order (``z = x - c``,
``g = z A``, ``s = rho/||g||``, ``y = g s + x``, ``m = m beta + d``, ``x - m lr``); only the
matrix products and the row sums are accumulated in another order than BLAS and
``einsum``, so the iterates agree with :func:`convlab.run` to rounding.

Arguments
---------
X : (runs, dim) C-contiguous float64, updated in place.
A, diag, lam : the Hessian; when ``diag`` it is given by its diagonal ``lam``.
c, shift : the minimiser and whether it is nonzero (``x - c`` is skipped when ``c`` is 0,
    which changes no bit).
mode : 0 SGD, 1 SAM (normalized ascent), 2 USAM.
lr, rho : float64 tables of shape ``(1 or n_steps, 1 or runs)``; entry ``[t, r]`` is the
    value at step ``t`` for run ``r`` (constants and per-run arrays need no copies).
eps, beta : SAM's ``eps`` and the heavy-ball momentum.
rec : sorted int64 steps in ``[0, n_steps]`` at which ``f_gap``, ``grad_sq`` and
    ``dist_sq`` are written to ``out[0|1|2, k, r]`` (``out`` prefilled with NaN).
blowup : a run with a non-finite entry or one above ``blowup`` in absolute value is
    frozen at its last good iterate and ``div_at[r]`` set to the step (``run``'s rule).
block, r0, r1 : runs per block, and the range of runs to take.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def _jit(**kw):
    """``njit`` with on-disk caching when numba finds a writable cache directory (NumPy's
    error model: a float division by 0 gives inf/NaN as in NumPy, no exception check)."""

    def wrap(fn):
        try:
            return njit(cache=True, error_model="numpy", **kw)(fn)
        except RuntimeError:            # no usable cache locator (read-only install)
            return njit(cache=False, error_model="numpy", **kw)(fn)

    return wrap


@_jit()
def _product(Z, A, diag, lam, G):
    """``G = Z @ A``: one BLAS GEMM, or ``Z * lam`` for a diagonal ``A``."""
    if diag:
        for i in range(Z.shape[0]):
            for j in range(Z.shape[1]):
                G[i, j] = Z[i, j] * lam[j]
    else:
        np.dot(Z, A, G)


@_jit()
def _record(Xb, A, diag, lam, c, shift, Zb, Gb, alive, out, k, a):
    """Metrics of the alive runs of a block: f_gap = z.(zA)/2, |zA|^2, |z|^2."""
    m, d = Xb.shape
    for i in range(m):
        for j in range(d):
            Zb[i, j] = Xb[i, j] - c[j] if shift else Xb[i, j]
    _product(Zb, A, diag, lam, Gb)
    for i in range(m):
        if alive[i]:
            f = 0.0
            gs = 0.0
            ds = 0.0
            for j in range(d):
                f += Gb[i, j] * Zb[i, j]
                gs += Gb[i, j] * Gb[i, j]
                ds += Zb[i, j] * Zb[i, j]
            out[0, k, a + i] = 0.5 * f
            out[1, k, a + i] = gs
            out[2, k, a + i] = ds


@_jit()
def _block(X, a, m, A, diag, lam, c, shift, mode, lr, rho, eps, beta, n_steps, rec, blowup,
           out, div_at, Z, G, Y, buf, scale, step, alive):
    """All the steps of the runs ``a .. a+m-1``; ``Z, G, Y, buf`` (at least ``m`` rows)
    and ``scale, step, alive`` (at least ``m`` entries) are work arrays."""
    d = X.shape[1]
    n_rec = rec.shape[0]
    Xb = X[a:a + m]
    Zb = Z[:m]
    Gb = G[:m]
    Yb = Y[:m]
    buf[:m] = 0.0
    alive[:m] = True
    n_alive = m
    lr_runs = lr.shape[1] > 1
    rho_runs = rho.shape[1] > 1
    k = 0
    if n_rec > 0 and rec[0] == 0:
        _record(Xb, A, diag, lam, c, shift, Zb, Gb, alive, out, 0, a)
        k = 1
    for t in range(n_steps):
        tl = t if lr.shape[0] > 1 else 0
        tr = t if rho.shape[0] > 1 else 0
        # g = (x - c) A
        if shift:
            for i in range(m):
                for j in range(d):
                    Zb[i, j] = Xb[i, j] - c[j]
            _product(Zb, A, diag, lam, Gb)
        else:
            _product(Xb, A, diag, lam, Gb)
        if mode != 0:
            # per-run factor: rho / ||g|| (SAM; 0 where ||g|| is 0 or NaN) or rho (USAM)
            for i in range(m):
                scale[i] = rho[tr, a + i if rho_runs else 0]
            if mode == 1:
                for i in range(m):
                    step[i] = 0.0
                for j in range(d):              # the row sums, rows interleaved
                    for i in range(m):
                        step[i] += Gb[i, j] * Gb[i, j]
                for i in range(m):
                    n = np.sqrt(step[i])
                    if eps > 0.0:
                        scale[i] = scale[i] / (n + eps)
                    elif n > 0.0:
                        scale[i] = scale[i] / n
                    else:
                        scale[i] = 0.0
            # the ascent point, shifted: (g s + x) - c; then g(y) = (y - c) A
            for i in range(m):
                si = scale[i]
                for j in range(d):
                    v = Gb[i, j] * si + Xb[i, j]
                    Yb[i, j] = v - c[j] if shift else v
            _product(Yb, A, diag, lam, Gb)
        # x <- x - (buf beta + g) lr, into Z first: a run that blows up keeps its x
        for i in range(m):
            step[i] = lr[tl, a + i if lr_runs else 0]
        for i in range(m):
            if not alive[i]:
                continue
            li = step[i]
            n_ok = 0                    # entries with |x_new| <= blowup (False for NaN)
            if beta != 0.0:
                for j in range(d):
                    dj = buf[i, j] * beta + Gb[i, j]
                    buf[i, j] = dj
                    v = Xb[i, j] - dj * li
                    Zb[i, j] = v
                    n_ok += abs(v) <= blowup
            else:
                for j in range(d):
                    v = Xb[i, j] - Gb[i, j] * li
                    Zb[i, j] = v
                    n_ok += abs(v) <= blowup
            if n_ok == d:
                for j in range(d):
                    Xb[i, j] = Zb[i, j]
            else:
                alive[i] = False
                div_at[a + i] = t + 1
                n_alive -= 1
        if n_alive == 0:
            break
        if k < n_rec and rec[k] == t + 1:
            _record(Xb, A, diag, lam, c, shift, Zb, Gb, alive, out, k, a)
            k += 1


@_jit(nogil=True)
def blocks(X, A, diag, lam, c, shift, mode, lr, rho, eps, beta, n_steps, rec, blowup, out,
           div_at, block, r0, r1):
    """The runs ``r0 .. r1-1``, block after block. Releases the GIL, so that threads can
    run disjoint ranges at once (``numba_sam.run(parallel=...)``)."""
    d = X.shape[1]
    Z = np.empty((block, d))
    G = np.empty((block, d))
    Y = np.empty((block, d))
    buf = np.zeros((block, d))
    scale = np.empty(block)
    step = np.empty(block)
    alive = np.ones(block, dtype=np.bool_)
    for a in range(r0, r1, block):
        _block(X, a, min(block, r1 - a), A, diag, lam, c, shift, mode, lr, rho, eps, beta,
               n_steps, rec, blowup, out, div_at, Z, G, Y, buf, scale, step, alive)
