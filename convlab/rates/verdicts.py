"""Verdicts: compare a fit or a measured value with its predicted value."""

from __future__ import annotations

import math

from ._common import RateFit, Side, Verdict


def _check_side(side: str) -> None:
    """Raise unless ``side`` is a known option."""
    if side not in ("two-sided", "upper", "lower"):
        raise ValueError(f"side must be 'two-sided', 'upper' or 'lower', got {side!r}")


def verdict(
    fit: RateFit,
    predicted: float,
    *,
    tol: float = 0.1,
    max_width: float = 0.5,
    side: Side = "two-sided",
) -> Verdict:
    """Compare a fitted exponent (or log slope) with its predicted value.

    Parameters
    ----------
    fit : RateFit
        Any object with ``estimate`` and ``ci`` attributes (duck typing), such as
        :class:`PowerLawFit`, :class:`GeometricFit` or :class:`FloorFit`. The verdict is
        read from ``fit.ci``, the ``(lo, hi)`` CI of ``fit.estimate``.
    predicted : float
        Predicted exponent (for a geometric fit: predicted ``log q``).
    tol : float, default 0.1
        Half-width of the acceptance band ``[predicted - tol, predicted + tol]``.
    max_width : float, default 0.5
        A CI wider than this is inconclusive.
    side : {"two-sided", "upper", "lower"}, default "two-sided"
        ``"two-sided"`` for tight claims. ``"upper"`` for upper bounds on a decaying
        error (the error decays at least as fast as ``s**predicted``): the exponent
        must not exceed ``predicted + tol``. ``"lower"`` is the mirror image.

    Returns
    -------
    Verdict
        ``INCONCLUSIVE`` if the CI is not finite or wider than ``max_width``.
        Two-sided: ``BELOW`` if ``hi < predicted - tol``, ``ABOVE`` if
        ``lo > predicted + tol``, else ``MATCHES`` (the CI meets the band).
        ``side="upper"``: ``ABOVE`` if ``lo > predicted + tol``, else ``MATCHES`` — a
        faster decay than the bound is consistent with an upper bound, so it is
        reported as ``MATCHES``, never ``BELOW``. ``side="lower"``: ``BELOW`` if
        ``hi < predicted - tol``, else ``MATCHES``.

    Raises
    ------
    ValueError
        For an unknown ``side`` or a non-finite ``predicted``.
    TypeError
        If ``fit`` lacks an ``estimate`` or a ``ci`` attribute.
    """
    _check_side(side)
    if not math.isfinite(predicted):
        raise ValueError(f"predicted must be finite, got {predicted!r}")
    missing = [name for name in ("estimate", "ci") if not hasattr(fit, name)]
    if missing:
        raise TypeError(
            f"cannot judge a {type(fit).__name__}: a fit needs 'estimate' and 'ci' "
            f"attributes, this one has no {' or '.join(repr(m) for m in missing)}"
        )
    ci = fit.ci
    lo, hi = float(ci[0]), float(ci[1])
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > max_width:
        return Verdict.INCONCLUSIVE
    below = hi < predicted - tol
    above = lo > predicted + tol
    if above and side in ("two-sided", "upper"):
        return Verdict.ABOVE
    if below and side in ("two-sided", "lower"):
        return Verdict.BELOW
    return Verdict.MATCHES


def verdict_value(
    measured: float,
    ci: tuple[float, float],
    predicted: float,
    *,
    rtol: float,
    max_rel_width: float | None = None,
    side: Side = "two-sided",
) -> Verdict:
    """Compare a measured value (a floor level, a ratio) with a predicted one.

    Parameters
    ----------
    measured : float
        Point estimate.
    ci : tuple of float
        CI of ``measured``; it decides only whether the measurement is conclusive.
    predicted : float
        Predicted value; must be finite and positive.
    rtol : float
        Relative tolerance on ``measured / predicted - 1``.
    max_rel_width : float, optional
        Inconclusive if ``(hi - lo) / predicted`` exceeds this.
    side : {"two-sided", "upper", "lower"}, default "two-sided"
        ``"upper"``: only ``measured <= predicted (1 + rtol)`` is required (an upper
        bound); ``"lower"``: only ``measured >= predicted (1 - rtol)``.

    Returns
    -------
    Verdict
        ``INCONCLUSIVE`` if ``predicted`` is not finite and positive, if ``measured`` or
        the CI is not finite, or if the CI is wider than allowed. Otherwise, with
        ``r = measured / predicted - 1``: ``ABOVE`` if ``r > rtol`` (not for
        ``side="lower"``), ``BELOW`` if ``r < -rtol`` (not for ``side="upper"``), else
        ``MATCHES``.
    """
    _check_side(side)
    lo, hi = float(ci[0]), float(ci[1])
    if not (math.isfinite(predicted) and predicted > 0):
        return Verdict.INCONCLUSIVE
    if not all(math.isfinite(v) for v in (measured, lo, hi)):
        return Verdict.INCONCLUSIVE
    if max_rel_width is not None and (hi - lo) / predicted > max_rel_width:
        return Verdict.INCONCLUSIVE
    r = measured / predicted - 1.0
    if r > rtol and side in ("two-sided", "upper"):
        return Verdict.ABOVE
    if r < -rtol and side in ("two-sided", "lower"):
        return Verdict.BELOW
    return Verdict.MATCHES
