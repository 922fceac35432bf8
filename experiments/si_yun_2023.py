"""Si & Yun (2023): deterministic SAM band law and tuned 1/T^2 rate, USAM without floor, the rho^2
floors (nonconvex, stochastic m-/n-SAM, finite sum), the stochastic upper bound.

Runs the claims `si_yun_2023.*` (their scenarios live in convlab.claims.si_yun_2023), draws one
panel per claim (mean over runs with a bootstrap band, fitted and theoretical lines) and writes
figures/si_yun_2023.png and figures/si_yun_2023.csv (the plotted numbers: one row per point with
the mean over runs, its 95% bootstrap CI and the claim's verdict). `--quick` uses the small (CI)
sizes.

    python experiments/si_yun_2023.py [--quick] [--seed N]
"""

import sys

from _panel import main

if __name__ == "__main__":
    sys.exit(main("si_yun_2023", ["si_yun_2023"], doc=__doc__))
