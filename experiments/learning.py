"""Weight decay placement in SAM: the fixed point of SAM with decay at w (issue 17).

Runs the claims `learning.*` (their scenarios live in convlab.claims.learning), draws one panel
per claim and writes figures/learning.png and figures/learning.csv (the plotted numbers: one row
per point with the mean over runs, its 95% bootstrap CI and the claim's verdict). `--quick` uses
the small (CI) sizes.

    python experiments/learning.py [--quick] [--seed N]
"""

import sys

from _panel import main

if __name__ == "__main__":
    sys.exit(main("learning", ["learning"], doc=__doc__))
