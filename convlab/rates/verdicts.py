"""Verdicts: compare a fit or a measured value with its predicted value."""

from __future__ import annotations

import math
from typing import Literal

from ._common import RateFit, Side, Verdict

Rule = Literal["equivalence", "overlap"]


def _check_side(side: str, rule: str = "equivalence") -> None:
    """Raise unless ``side`` and ``rule`` are known options."""
    if side not in ("two-sided", "upper", "lower"):
        raise ValueError(f"side must be 'two-sided', 'upper' or 'lower', got {side!r}")
    if rule not in ("equivalence", "overlap"):
        raise ValueError(f"rule must be 'equivalence' or 'overlap', got {rule!r}")


def _band(lo: float, hi: float, low: float, high: float, side: str, rule: str) -> Verdict:
    """Judge the CI ``[lo, hi]`` against the band ``[low, high]``.

    ``"equivalence"`` (the default everywhere): MATCHES only when the CI lies inside the
    band (for ``side="upper"`` below ``high``; for ``"lower"`` above ``low``), ABOVE /
    BELOW when it lies wholly outside, INCONCLUSIVE when it straddles an edge — a two
    one-sided tests (TOST) equivalence test at the CI's level. ``"overlap"``: the
    lenient rule of convlab <= 0.2, MATCHES whenever the CI meets the band.
    """
    above, below = lo > high, hi < low
    if above and side in ("two-sided", "upper"):
        return Verdict.ABOVE
    if below and side in ("two-sided", "lower"):
        return Verdict.BELOW
    if rule == "overlap":
        return Verdict.MATCHES
    inside_high = hi <= high or side == "lower"
    inside_low = lo >= low or side == "upper"
    return Verdict.MATCHES if inside_high and inside_low else Verdict.INCONCLUSIVE


def verdict(
    fit: RateFit,
    predicted: float,
    *,
    tol: float = 0.1,
    max_width: float = 0.5,
    side: Side = "two-sided",
    rule: Rule = "equivalence",
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
    rule : {"equivalence", "overlap"}, default "equivalence"
        ``"equivalence"``: the CI must lie inside the band (a TOST equivalence test);
        ``"overlap"``: the CI need only meet it (the lenient rule of convlab <= 0.2).

    Returns
    -------
    Verdict
        ``INCONCLUSIVE`` if the CI is not finite or wider than ``max_width``.
        Two-sided: ``BELOW`` if ``hi < predicted - tol``, ``ABOVE`` if
        ``lo > predicted + tol``, ``MATCHES`` if ``predicted - tol <= lo`` and
        ``hi <= predicted + tol``, else ``INCONCLUSIVE`` (the CI straddles an edge).
        ``side="upper"``: ``ABOVE`` if ``lo > predicted + tol``, ``MATCHES`` if
        ``hi <= predicted + tol`` — a faster decay than the bound is consistent with an
        upper bound, never ``BELOW`` — else ``INCONCLUSIVE``. ``side="lower"`` is the
        mirror image. With ``rule="overlap"`` every ``INCONCLUSIVE`` from a straddling
        CI is ``MATCHES`` instead.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from convlab.rates import verdict
    >>> verdict(SimpleNamespace(estimate=-0.52, ci=(-0.55, -0.49)), -0.5).value
    'matches'
    >>> straddles = SimpleNamespace(estimate=-0.58, ci=(-0.65, -0.51))
    >>> verdict(straddles, -0.5).value, verdict(straddles, -0.5, rule="overlap").value
    ('inconclusive', 'matches')

    Raises
    ------
    ValueError
        For an unknown ``side`` or a non-finite ``predicted``.
    TypeError
        If ``fit`` lacks an ``estimate`` or a ``ci`` attribute.
    """
    _check_side(side, rule)
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
    return _band(lo, hi, predicted - tol, predicted + tol, side, rule)


def verdict_value(
    measured: float,
    ci: tuple[float, float],
    predicted: float,
    *,
    rtol: float,
    max_rel_width: float | None = None,
    side: Side = "two-sided",
    rule: Rule = "equivalence",
) -> Verdict:
    """Compare a measured value (a floor level, a ratio) with a predicted one.

    Parameters
    ----------
    measured : float
        Point estimate.
    ci : tuple of float
        CI of ``measured``; the verdict is read from it (see ``rule``).
    predicted : float
        Predicted value; must be finite and positive.
    rtol : float
        Relative tolerance on ``measured / predicted - 1``.
    max_rel_width : float, optional
        Inconclusive if ``(hi - lo) / predicted`` exceeds this.
    side : {"two-sided", "upper", "lower"}, default "two-sided"
        ``"upper"``: only ``measured <= predicted (1 + rtol)`` is required (an upper
        bound); ``"lower"``: only ``measured >= predicted (1 - rtol)``.
    rule : {"equivalence", "overlap"}, default "equivalence"
        ``"equivalence"``: the whole CI must lie in ``predicted (1 +- rtol)`` (one-sided:
        an upper bound holds when ``hi <= predicted (1 + rtol)``); ``"overlap"``: the
        lenient rule of convlab <= 0.2, which judged the point estimate ``measured``.

    Returns
    -------
    Verdict
        ``INCONCLUSIVE`` if ``predicted`` is not finite and positive, if ``measured`` or
        the CI is not finite, or if the CI is wider than allowed. Otherwise the CI
        ``[lo, hi]`` is judged against ``predicted (1 +- rtol)`` as in :func:`verdict`
        (``"overlap"``: ``measured`` alone, ABOVE if ``measured / predicted - 1 > rtol``,
        BELOW if it is ``< -rtol``, else MATCHES).

    Examples
    --------
    >>> from convlab.rates import verdict_value
    >>> verdict_value(1.02, (0.97, 1.07), 1.0, rtol=0.1).value
    'matches'
    >>> verdict_value(1.05, (0.95, 1.15), 1.0, rtol=0.1).value
    'inconclusive'
    >>> verdict_value(1.05, (0.95, 1.15), 1.0, rtol=0.1, side="lower").value
    'matches'
    """
    _check_side(side, rule)
    lo, hi = float(ci[0]), float(ci[1])
    if not (math.isfinite(predicted) and predicted > 0):
        return Verdict.INCONCLUSIVE
    if not all(math.isfinite(v) for v in (measured, lo, hi)):
        return Verdict.INCONCLUSIVE
    if max_rel_width is not None and (hi - lo) / predicted > max_rel_width:
        return Verdict.INCONCLUSIVE
    if rule == "overlap":
        lo = hi = measured
    return _band(lo / predicted - 1.0, hi / predicted - 1.0, -rtol, rtol, side, rule)
