"""Sun et al. (2023) AdaSAM: O(1/sqrt(bT)) and linear speedup in b, in both eps regimes.

Runs the claims `sun_2023_adasam.*` (their scenarios live in convlab.claims.sun_2023_adasam), draws
one panel per claim (mean over runs with a bootstrap band, fitted and theoretical lines) and writes
figures/sun_2023_adasam.png and figures/sun_2023_adasam.csv (the plotted numbers: one row per point
with the mean over runs, its 95% bootstrap CI and the claim's verdict). `--quick` uses the small
(CI) sizes.

    python experiments/sun_2023_adasam.py [--quick] [--seed N]
"""

import sys

from _panel import main

if __name__ == "__main__":
    sys.exit(main("sun_2023_adasam", ["sun_2023_adasam"], doc=__doc__))
