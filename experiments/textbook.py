"""Textbook SGD 1/T rate: an end-to-end check of the pipeline.

Runs the claims `textbook.*` (their scenarios live in convlab.claims.textbook), draws one panel per
claim (mean over runs with a bootstrap band, fitted and theoretical lines) and writes
figures/textbook.png and figures/textbook.csv (the plotted numbers: one row per point with the mean
over runs, its 95% bootstrap CI and the claim's verdict). `--quick` uses the small (CI) sizes.

    python experiments/textbook.py [--quick] [--seed N]
"""

import sys

from _panel import main

if __name__ == "__main__":
    sys.exit(main("textbook", ["textbook"], doc=__doc__))
