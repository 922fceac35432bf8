"""Upper bounds beside their certified and searched worst cases (tightness.csv).

Runs the claims `upper_bounds.*` (their scenarios live in convlab.claims.upper_bounds),
draws one panel per claim (mean over runs with a bootstrap band, fitted and theoretical
lines) and writes figures/upper_bounds.png and figures/upper_bounds.csv (the plotted
numbers: one row per point with the mean over runs, its 95% bootstrap CI and the claim's
verdict). `--quick` uses the small (CI) sizes.

    python experiments/upper_bounds.py [--quick] [--seed N]
"""

import sys

from _panel import main

if __name__ == "__main__":
    sys.exit(main("upper_bounds", ["upper_bounds"], doc=__doc__))
