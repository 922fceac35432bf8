"""Zhuang et al. (2022) GSAM Thm 5.1: running average of the perturbed gradient at O~(T^-1/2).

Runs the claims `zhuang_2022.*` (their scenarios live in convlab.claims.zhuang_2022), draws one
panel per claim (mean over runs with a bootstrap band, fitted and theoretical lines) and writes
figures/zhuang_2022.png and figures/zhuang_2022.csv (the plotted numbers: one row per point with
the mean over runs, its 95% bootstrap CI and the claim's verdict). `--quick` uses the small (CI)
sizes.

    python experiments/zhuang_2022.py [--quick] [--seed N]
"""

import sys

from _panel import main

if __name__ == "__main__":
    sys.exit(main("zhuang_2022", ["zhuang_2022"], doc=__doc__))
