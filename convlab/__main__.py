"""``python -m convlab ...``: the same command as the ``convlab`` script."""

import sys

from .cli import main

if __name__ == "__main__":  # importing this module (e.g. doctest collection) runs nothing
    sys.exit(main())
