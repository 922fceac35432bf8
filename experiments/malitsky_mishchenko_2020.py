"""Malitsky & Mishchenko (2020) AdGD: step-size invariant and O(1/k) ergodic rate.

Runs the claims `malitsky_mishchenko_2020.*` (their scenarios live in
convlab.claims.malitsky_mishchenko_2020), draws one panel per claim (mean over runs with a
bootstrap band, fitted and theoretical lines) and writes figures/malitsky_mishchenko_2020.png and
figures/malitsky_mishchenko_2020.csv (the plotted numbers: one row per point with the mean over
runs, its 95% bootstrap CI and the claim's verdict). `--quick` uses the small (CI) sizes.

    python experiments/malitsky_mishchenko_2020.py [--quick] [--seed N]
"""

import sys

from _panel import main

if __name__ == "__main__":
    sys.exit(main("malitsky_mishchenko_2020", ["malitsky_mishchenko_2020"], doc=__doc__))
