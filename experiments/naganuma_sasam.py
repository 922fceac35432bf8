"""SA-SAM (Naganuma et al.): step invariant, long-run band on quadratics, flatness and lr
sensitivity.

Runs the claims `naganuma_sasam.*` (their scenarios live in convlab.claims.naganuma_sasam), draws
one panel per claim (mean over runs with a bootstrap band, fitted and theoretical lines) and writes
figures/naganuma_sasam.png and figures/naganuma_sasam.csv (the plotted numbers: one row per point
with the mean over runs, its 95% bootstrap CI and the claim's verdict). `--quick` uses the small
(CI) sizes.

    python experiments/naganuma_sasam.py [--quick] [--seed N]
"""

import sys

from _panel import main

if __name__ == "__main__":
    sys.exit(main("naganuma_sasam", ["naganuma_sasam"], doc=__doc__))
