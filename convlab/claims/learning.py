r"""Learning problems and weight decay (issue 17; paper_notes.md "Learning").

The seeds' objective with weight decay is :math:`\min_w L^{SAM}(w) + \lambda\|w\|^2`: the
decay gradient :math:`2\lambda w` enters the descent step at :math:`w`, and the
perturbation is along the loss gradient alone,

.. math::
    w_{t+1} = w_t - \eta\Big(\nabla L\big(w_t + \rho\,\tfrac{\nabla L(w_t)}{\|\nabla L(w_t)\|}\big)
    + 2\lambda w_t\Big).

Claim ``learning.sam.decay_fixed_point`` (derived, THEORY.md §2.1 with decay): on
:math:`L(x) = \tfrac a2 (x-c)^2` in 1-D with :math:`c > 0` and :math:`a\rho < 2\lambda c`,
the gradient stays negative near the fixed point, the ascent is :math:`-\rho`, and the fixed
point solves :math:`a(x-\rho-c) + 2\lambda x = 0`:

.. math::
    x^\star = \frac{a(c+\rho)}{a+2\lambda},

an attracting fixed point with contraction factor :math:`1-\eta(a+2\lambda)` (the
normalized direction is locally constant because :math:`\nabla L(x^\star) =
-2\lambda x^\star - a\rho \ne 0`). The wrong placement (decay inside the perturbation,
i.e. SAM on :math:`L + \lambda\|w\|^2`, :data:`convlab.mutants` ``sam.decay_in_ascent``)
has no fixed point: it ends in SAM's 2-cycle around the decayed minimiser
:math:`ac/(a+2\lambda)`, off :math:`x^\star` by a relative :math:`\approx\rho/(c+\rho)`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import optimizers, problems, run
from ..plotting import Plot
from .base import Measurement, Paper, Ratio
from .spec import tidy

LEARNING = Paper("learning", "derived (issue 17): SAM objective min L^SAM(w) + lambda ||w||^2 "
                 "as the seeds read it", algorithm=optimizers.sam)


def decay_fixed_point(sp: dict, rng, algorithm) -> Measurement:
    r""":math:`x_T / x^\star` on the grid ``rho_frac`` of radii
    :math:`\rho = \phi\cdot 2\lambda c/a` (so :math:`a\rho < 2\lambda c` for
    :math:`\phi < 1`), per run, with :math:`\eta = h/(a+2\lambda)`. ``instances`` draws of
    :math:`(a, c) \sim U(0.5, 2)^2` and :math:`\lambda \sim U(0.02, 0.2)` from ``rng``, each
    one :func:`convlab.run` holding the whole grid × ``starts`` (starts :math:`x_0 = c + z`,
    :math:`z \sim N(0, 1)`).

    Returns values of shape ``(configurations, instances * starts)``.
    """
    gen = np.random.default_rng(rng)
    T, ns, h = int(sp["T"]), int(sp["starts"]), float(sp["h"])
    phi = np.asarray(sp["rho_frac"], dtype=float)
    vals, frames = [], []
    for k in range(int(sp["instances"])):
        a, c = gen.uniform(0.5, 2.0, size=2)
        lam = float(gen.uniform(0.02, 0.2))
        p = problems.quadratic([a], center=[c])
        rho = np.repeat(phi * 2.0 * lam * c / a, ns)
        x_star = a * (c + rho) / (a + 2.0 * lam)
        x0 = c + gen.standard_normal((rho.size, 1))
        opt = algorithm(lr=h / (a + 2.0 * lam), rho=rho, weight_decay=lam)
        xT = run(p, opt, x0, T, record_at=[T], metrics=["f_gap"]).x[:, 0]
        r = xT / x_star
        vals.append(r.reshape(phi.size, ns))
        m = rho.size
        frames.append(tidy(instance=np.full(m, k), a=np.full(m, a), c=np.full(m, c),
                           weight_decay=np.full(m, lam), rho_frac=np.repeat(phi, ns), rho=rho,
                           x_T=xT, x_star=x_star, ratio=r))
    return Measurement(s=phi, values=np.concatenate(vals, axis=1),
                       frame=pd.concat(frames, ignore_index=True))


CLAIMS = [
    LEARNING.claim(
        "sam.decay_fixed_point",
        theorem="SAM with weight decay at w (objective min L^SAM(w) + lambda ||w||^2): fixed "
                "point of the 1-D quadratic a(x-c)^2/2 [D, derived in convlab.claims.learning]",
        statement="With the decay 2 lambda w in the descent step and the ascent along the loss "
                  "gradient, deterministic SAM on a(x-c)^2/2 (a rho < 2 lambda c) converges to "
                  "x* = a(c+rho)/(a+2 lambda); with the decay inside the perturbation it "
                  "cycles around a c/(a+2 lambda) instead.",
        theory="x_T / x* = 1, x* = a(c+rho)/(a+2 lambda)",
        expect=Ratio(1.0, tol=1e-9, max_width=0.1, seeds=(0,), why=(
            "Deterministic and linearly convergent with factor 1 - h = 0.5 per step, so at "
            "T = 200 the transient is 2^-200-small and the ratio is 1 to rounding (max "
            "|ratio - 1| ~ 2e-16 at seed 0 and held-out seeds 1-5); 1e-9 is 1e6 x that. The "
            "wrong placement is off by ~rho/(c+rho) (~10 % here); max_width 0.1 so that a "
            "wrong algorithm's spread reads BELOW/ABOVE, not INCONCLUSIVE.")),
        scenario=decay_fixed_point,
        rejects=("sam.decay_in_ascent", "sam.unnormalized", "sam.rho0", "sam.ascent_sign"),
        sizes={"small": {"T": 200, "h": 0.5, "rho_frac": [0.25, 0.5, 0.75], "instances": 4,
                         "starts": 4},
               "full": {"T": 400, "h": 0.5, "rho_frac": [0.1, 0.25, 0.5, 0.75, 0.9],
                        "instances": 16, "starts": 16}},
        plot=Plot("rho / (2 lambda c / a)", "x_T / x*"),
    ),
]
