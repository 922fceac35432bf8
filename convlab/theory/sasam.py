r"""SA-SAM (poster, seed 003): floors and flatness of rho_t = sqrt(eta_t) (THEORY.md §3.7), and
the flatness landmarks of the Figure-1 function :math:`(xy-1)^2` of Si & Yun (THEORY.md §4.4).

Derived [D✓, ours] (THEORY.md §3.7 asked for it): on a quadratic
:math:`f = \frac12 x^\top A x` with top eigenvalue :math:`L`, SA-SAM ends on SAM's 2-cycle
:math:`\pm a v_1`; on that cycle :math:`x_t - x_{t-1} \parallel v_1`, so the smoothness ratio is
exactly :math:`1/(2L)`, which is also the invariant's lower bound: :math:`\eta_\infty = 1/(2L)`,
:math:`\rho_\infty = 1/\sqrt{2L}`, and the band law (THEORY.md §3.1.1) at :math:`\eta L = 1/2`
gives :math:`a = \rho/3` and :math:`f(x_T) - f^\star = \frac12 L a^2 = 1/36` for every spectrum
and every scaling of :math:`A`: a floor in absolute units of :math:`f`
(:math:`\rho_t = \sqrt{\eta_t}` is not scale-invariant).
"""

from __future__ import annotations

import numpy as np

from .si_yun import band_gap

__all__ = ["sasam_cycle_amplitude", "sasam_floor_scale_exponent", "sasam_limit_step",
           "sasam_long_run_level", "xy_flat_curvature", "xy_gd_flow_trace"]


def sasam_limit_step(L):
    r"""Limiting SA-SAM step :math:`\eta_\infty = 1/(2L)` on a quadratic with top eigenvalue
    :math:`L` (THEORY.md §3.7: the 2-cycle along :math:`v_1` makes the ratio exactly
    :math:`1/(2L)`)."""
    return 1.0 / (2.0 * np.asarray(L, float))


def sasam_cycle_amplitude(L, rho_scale: float = 1.0):
    r"""Amplitude :math:`a = \rho_\infty/3 = c/(3\sqrt{2L})` of SA-SAM's limiting 2-cycle
    :math:`\pm a v_1` with :math:`\rho = c\sqrt\eta` (THEORY.md §3.7, band law §3.1.1 at
    :math:`\eta L = 1/2`)."""
    return rho_scale / (3.0 * np.sqrt(2.0 * np.asarray(L, float)))


def sasam_long_run_level(rho_scale: float = 1.0) -> float:
    r"""SA-SAM floor on any quadratic (THEORY.md §3.7): the band law at :math:`\eta = 1/(2L)`
    with :math:`\rho = c\sqrt\eta`: :math:`a = \rho/3`, :math:`f - f^\star = c^2/36`,
    independent of the spectrum and of the scale of :math:`A`."""
    L = 1.0                                          # any L: the result does not depend on it
    eta = 1.0 / (2.0 * L)
    return float(band_gap(eta, L, rho_scale * np.sqrt(eta)))


def xy_gd_flow_trace(x0) -> float:
    r"""Tr H at the minimiser reached by gradient flow on :math:`(xy-1)^2` from ``x0``
    (THEORY.md §4.4): the flow conserves :math:`x^2-y^2 = \delta`; on :math:`xy = 1`,
    :math:`x^2+y^2 = \sqrt{\delta^2+4}` and :math:`\mathrm{Tr}H = 2\sqrt{\delta^2+4}`."""
    delta = x0[0] ** 2 - x0[1] ** 2
    return float(2.0 * np.sqrt(delta**2 + 4.0))


def xy_flat_curvature() -> float:
    r""":math:`\mathrm{Tr}H = \lambda_{\max} = 4` at the flattest minimisers :math:`\pm(1,1)` of
    :math:`(xy-1)^2` (THEORY.md §4.4: min of :math:`2(x^2+y^2)` on :math:`xy = 1`; the
    Hessian there has eigenvalues 4 (normal to the manifold) and 0)."""
    return 4.0


def sasam_floor_scale_exponent(beta: float = 0.5) -> float:
    r"""Exponent of the SAM-cycle floor of SA-SAM with :math:`\rho = \eta^\beta` under
    :math:`f \to c f` (THEORY.md §2.8, §3.7 [D✓, ours]): the AdGD step scales like
    :math:`1/c` (the iterates are unchanged), :math:`\rho^2` like :math:`c^{-2\beta}`, and the
    floor :math:`\tfrac12 cL\,(\eta cL\rho/(2-\eta cL))^2` at :math:`\eta cL \to 1/2` like
    :math:`c^{1-2\beta}`: 0 for :math:`\rho = \sqrt\eta`, 1 for a frozen :math:`\rho`."""
    return 1.0 - 2.0 * float(beta)
