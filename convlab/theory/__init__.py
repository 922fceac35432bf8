r"""Closed forms from the theorems and our derivations (THEORY.md §3–§4).

One module per paper; every function cites the THEORY.md section it implements and is
re-exported here, so ``convlab.theory.band_gap`` and ``convlab.theory.si_yun.band_gap`` are
the same function. Quantities follow the papers' notation: :math:`\beta` (smoothness),
:math:`\mu`, :math:`\eta` (step), :math:`\rho` (radius).
"""

from __future__ import annotations

from . import adasam, adgd, andriushchenko, gsam, harada_iiduka, sasam, si_yun, textbook
from .adasam import *  # noqa: F403
from .adgd import *  # noqa: F403
from .andriushchenko import *  # noqa: F403
from .gsam import *  # noqa: F403
from .harada_iiduka import *  # noqa: F403
from .sasam import *  # noqa: F403
from .si_yun import *  # noqa: F403
from .textbook import *  # noqa: F403

__all__ = sorted({*adasam.__all__, *adgd.__all__, *andriushchenko.__all__, *gsam.__all__,
                  *harada_iiduka.__all__, *sasam.__all__, *si_yun.__all__, *textbook.__all__})
