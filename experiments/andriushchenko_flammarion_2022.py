"""Andriushchenko & Flammarion (2022) Thm 2: USAM and SAM at O(T^-1/2) with gamma = 1/(beta sqrt
T), rho = T^-1/4.

Runs the claims `andriushchenko_flammarion_2022.*` (their scenarios live in
convlab.claims.andriushchenko_flammarion_2022), draws one panel per claim (mean over runs with a
bootstrap band, fitted and theoretical lines) and writes figures/andriushchenko_flammarion_2022.png
and figures/andriushchenko_flammarion_2022.csv (the plotted numbers: one row per point with the
mean over runs, its 95% bootstrap CI and the claim's verdict). `--quick` uses the small (CI) sizes.

    python experiments/andriushchenko_flammarion_2022.py [--quick] [--seed N]
"""

import sys

from _panel import main

if __name__ == "__main__":
    name = "andriushchenko_flammarion_2022"
    sys.exit(main(name, [name], doc=__doc__))
