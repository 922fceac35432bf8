"""Textbook rates: end-to-end checks of the machinery itself (paper_notes.md "Textbook").

SGD with steps :math:`1/(\\mu(t+t_0))` on a strongly convex quadratic with additive
Gaussian noise has :math:`\\mathbb E f(x_T) - f^\\star = \\Theta(1/T)`: a check of the
machinery (oracle, schedule, run, fit, verdict) on a rate every reader knows.
"""

from __future__ import annotations

import numpy as np

from .. import optimizers, oracles, problems, schedules
from ..plotting import Plot
from .base import Paper, Slope
from .spec import Sweep

TEXTBOOK = Paper("textbook", "textbook (Robbins–Monro; e.g. Bottou, Curtis & Nocedal 2018, "
                 "Thm 4.7)", algorithm=optimizers.sgd)

CLAIMS = [
    TEXTBOOK.claim(
        "sgd.one_over_t",
        theorem="SGD, strongly convex, eta_t = 1/(mu (t + t0))",
        statement="E f(x_T) - f* = O(1/T) with diminishing steps 1/(mu(t+t0)), and Theta(1/T) "
                  "when the noise variance is positive.",
        theory="C / T",
        expect=Slope(-1.0, tol=0.1, why=(
            "Started at x* there is no transient; the noise term is C/T + O(1/T^2), which on "
            "T >= 250 moves the slope by < 0.02 (paper_notes.md, Textbook). 0.1 leaves room "
            "for the bootstrap CI half-width (~0.05 at 256 runs).")),
        # final gap at several T of one anytime run (first step 1/(2L): stable), x0 = x*
        scenario=Sweep(
            problem=lambda sp: problems.quadratic(np.geomspace(1.0, 10.0, sp["dim"]), rotate=1),
            params=lambda p: {"lr": schedules.inverse_power(1 / p.mu, 1.0, 2 * p.L / p.mu)},
            oracle=lambda p: oracles.gaussian(p, sigma=1.0), x0=0.0),
        sizes={"small": {"T": [250, 500, 1000, 2000, 4000], "runs": 256, "dim": 5},
               "full": {"T": [250, 500, 1000, 2000, 4000, 8000, 16000], "runs": 2048,
                        "dim": 5}},
        plot=Plot("T", "E f(x_T) - f*"),
        rejects=("sgd.lr_frozen",),
    ),
]
