"""Harada & Iiduka (2024): GSAM with constant vs increasing batch vs cosine/linear lr; noise floors
and flatness.

Runs the claims `harada_iiduka_2024.*` (their scenarios live in convlab.claims.harada_iiduka_2024),
draws one panel per claim (mean over runs with a bootstrap band, fitted and theoretical lines) and
writes figures/harada_iiduka_2024.png and figures/harada_iiduka_2024.csv (the plotted numbers: one
row per point with the mean over runs, its 95% bootstrap CI and the claim's verdict). `--quick`
uses the small (CI) sizes.

    python experiments/harada_iiduka_2024.py [--quick] [--seed N]
"""

import sys

from _panel import main

if __name__ == "__main__":
    sys.exit(main("harada_iiduka_2024", ["harada_iiduka_2024"], doc=__doc__))
