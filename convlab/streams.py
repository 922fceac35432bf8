r"""Per-run random streams: run ``i``'s numbers do not depend on which runs share the array.

With a ``numpy.random.Generator`` the oracles draw one array for all runs, so the numbers a
run sees depend on how many runs are drawn together: splitting 12 runs into chunks of 5 and
7 changes them. :class:`PerRunStreams` is an opt-in replacement (``run(..., rng=streams)``)
whose draws are a pure function of

    (seed, run id, draw index k, element index),

computed for all runs at once by a counter-based generator (no Python loop over runs):

* the seed goes through ``numpy.random.SeedSequence`` and gives a 64-bit key;
* each element of each draw has its own 128-bit counter ``(block, run id, k mod 2**32,
  k // 2**32)``, where ``k`` counts the draws made from the stream (one per
  ``oracle.sample``, including the ones made by ``GradFn.fresh``) and ``block`` the pairs of
  elements in the row;
* :func:`philox4x32` (Philox4x32-10, Salmon et al., "Parallel random numbers: as easy as
  1, 2, 3", SC 2011) maps ``(counter, key)`` to 128 random bits, i.e. two 64-bit words, one
  per element;
* a word becomes a uniform on ``[0, 1)`` with 53 bits (:func:`to_uniform`), a standard
  normal by inversion (:func:`to_normal`), an integer in ``[low, high)`` by scaling, or a
  binomial count by inverting its CDF (:func:`binomial_cdf_table`).

Statistical quality assumption
------------------------------
Philox4x32-R is a keyed bijection of the 128-bit counter; Salmon et al. (2011) report that
it passes TestU01's BigCrush from R = 7 rounds on, for the many keys and counter patterns
they tried, and recommend R = 10, used here as a safety margin. We treat its outputs on
distinct counters as independent uniform 32-bit words. Because the
run id is *in the counter* (not in a per-run seed), two runs never share a counter, so
their streams cannot overlap. The implementation is checked bit for bit against the
known-answer vectors of Random123 (``tests/test_streams.py``); the mappings to uniforms,
normals, integers, binomials and permutations are checked by moments, Kolmogorov–Smirnov
and chi-square tests, and runs by their correlation. What the mappings cost in accuracy:
uniforms are multiples of :math:`2^{-53}`; normals are truncated at
:math:`|z| \le 8.29` (probability :math:`10^{-16}` in the tails); ``integers(0, n)`` has a
relative bias below :math:`n\,2^{-53}`; binomial counts are exact up to the rounding of
their CDF (``scipy.special.bdtr``, :math:`\sim 10^{-16}`).

Draws are *stateful* like a Generator's: each call takes the next draw index ``k``, so two
``run`` calls with the same :class:`PerRunStreams` object see different numbers. To run
chunks separately, give each chunk a stream at the same position, e.g.
``PerRunStreams(seed).subset(slice(5, 12))`` or ``PerRunStreams(seed, run_ids=range(5,
12))``; every chunk then makes the same sequence of draws and run ``i`` gets the same
numbers as in one array.

The default path of the package (an int seed or a Generator) does not use this module.
"""

from __future__ import annotations

import functools
import math
import numbers
from typing import Any

import numpy as np

__all__ = [
    "PerRunStreams",
    "binomial_cdf_table",
    "philox4x32",
    "to_normal",
    "to_uniform",
]

#: Philox4x32 round multipliers and Weyl key increments (Salmon et al. 2011).
PHILOX_M = (0xD2511F53, 0xCD9E8D57)
PHILOX_W = (0x9E3779B9, 0xBB67AE85)
MASK32 = 0xFFFFFFFF
MAX_RUN_ID = 2**32 - 1
#: Rounds of Philox4x32 (the Random123 default; BigCrush is passed from 7 on).
ROUNDS = 10


def philox4x32(counter: tuple[Any, Any, Any, Any], key: tuple[int, int],
               rounds: int = ROUNDS) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""The Philox4x32-R block function, vectorized over broadcastable counter words.

    Parameters
    ----------
    counter : tuple of 4 array_like
        The counter words :math:`c_0, \dots, c_3`, each holding values in
        :math:`[0, 2^{32})`; they broadcast against each other (e.g. a column of run ids
        and a row of block indices).
    key : tuple of 2 int
        The key words :math:`k_0, k_1` in :math:`[0, 2^{32})`.
    rounds : int
        Number of rounds ``R`` (10, the Random123 default, unless testing).

    Returns
    -------
    tuple of 4 ndarray of uint64
        The output words, each in :math:`[0, 2^{32})`, of the broadcast shape.

    Notes
    -----
    One round maps :math:`(c_0, c_1, c_2, c_3)` to
    :math:`(\mathrm{hi}(M_1 c_2) \oplus c_1 \oplus k_0,\ \mathrm{lo}(M_1 c_2),\
    \mathrm{hi}(M_0 c_0) \oplus c_3 \oplus k_1,\ \mathrm{lo}(M_0 c_0))`, where hi/lo are
    the halves of the 64-bit product; the key is bumped by the Weyl constants
    :data:`PHILOX_W` before every round but the first. Products of 32-bit words fit in
    uint64, so nothing overflows. The even words :math:`(c_0, c_2)` and the odd words
    :math:`(c_1, c_3)` are kept stacked, so a round is five array operations.
    """
    words = np.broadcast_arrays(*(np.asarray(c, dtype=np.uint64) for c in counter))
    even, odd = np.stack([words[0], words[2]]), np.stack([words[1], words[3]])
    even, odd = philox_rounds(even, odd, key_schedule(key, rounds, even.ndim))
    return even[0], odd[0], even[1], odd[1]


def key_schedule(key: tuple[int, int], rounds: int, ndim: int) -> list[np.ndarray]:
    """The Philox4x32 round keys ``(k0, k1) + r W`` mod :math:`2^{32}`, ``r < rounds``, each
    a uint64 array of shape ``(2, 1, ..., 1)`` with ``ndim`` axes."""
    k = np.array([int(key[0]) & MASK32, int(key[1]) & MASK32], dtype=np.uint64)
    w = np.array(PHILOX_W, dtype=np.uint64)
    shape = (2,) + (1,) * (ndim - 1)
    return [((k + np.uint64(r) * w) & np.uint64(MASK32)).reshape(shape) for r in range(rounds)]


def philox_rounds(even: np.ndarray, odd: np.ndarray, keys: list[np.ndarray]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Philox4x32 rounds on stacked words ``even = (c0, c2)``, ``odd = (c1, c3)``.

    Works in place on fresh buffers (the inputs are not modified): five array operations
    per round, no allocation inside the loop.
    """
    mult = np.array(PHILOX_M, dtype=np.uint64).reshape((2,) + (1,) * (even.ndim - 1))
    shift, mask = np.array(32, dtype=np.uint64), np.array(MASK32, dtype=np.uint64)
    even, odd_rev = even.copy(), odd[::-1].copy()       # odd is kept reversed: (c3, c1)
    p, hi = np.empty_like(even), np.empty_like(even)
    hi_r, odd = hi[::-1], odd_rev[::-1]                  # views, made once
    for k in keys:
        np.multiply(even, mult, out=p)                   # (M0 c0, M1 c2), exact in uint64
        np.right_shift(p, shift, out=hi)
        np.bitwise_xor(hi_r, odd, out=even)
        np.bitwise_xor(even, k, out=even)                # (hi1 ^ c1 ^ k0, hi0 ^ c3 ^ k1)
        np.bitwise_and(p, mask, out=odd_rev)             # (lo0, lo1): odd = (lo1, lo0)
    return even, odd


def to_uniform(words: np.ndarray) -> np.ndarray:
    r"""Uniforms on :math:`[0, 1)` from 64-bit words: the top 53 bits times :math:`2^{-53}`."""
    return (np.asarray(words, dtype=np.uint64) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def to_normal(words: np.ndarray) -> np.ndarray:
    r"""Standard normals from 64-bit words by inversion, symmetric by construction.

    The top bit is the sign and the next 52 bits :math:`m` give
    :math:`p = (2m + 1)\,2^{-54} \in (0, \tfrac12)`, exactly representable; the value is
    :math:`\pm\Phi^{-1}(p)` (``scipy.special.ndtri``), finite, with
    :math:`|z| \le -\Phi^{-1}(2^{-54}) \approx 8.29`.
    """
    from scipy.special import ndtri

    w = np.asarray(words, dtype=np.uint64)
    m = (w & np.uint64(2**63 - 1)) >> np.uint64(11)
    z = ndtri((m.astype(np.float64) + 0.5) * 2.0**-53)     # p = (2m + 1) 2^-54, z <= 0
    np.negative(z, out=z, where=w >= np.uint64(2**63))
    return z


@functools.lru_cache(maxsize=32)
def binomial_cdf_table(n: int, p: float) -> np.ndarray:
    r"""The binomial CDF :math:`F(0), \dots, F(n-1)` of :math:`\mathrm{Bin}(n, p)`.

    A count is then ``searchsorted(table, u, side="right")`` for a uniform ``u``: the
    number of :math:`k < n` with :math:`F(k) \le u`, which takes the value ``k`` with
    probability :math:`F(k) - F(k-1)`. The table is cached (it is read-only).
    """
    from scipy.special import bdtr

    table = bdtr(np.arange(n, dtype=np.float64), n, p) if n else np.zeros(0)
    table = np.minimum.accumulate(table[::-1])[::-1]        # monotone despite rounding
    table.setflags(write=False)
    return table


def _check_run_ids(run_ids: Any) -> np.ndarray:
    arr = np.asarray(run_ids)
    if arr.ndim != 1:
        raise ValueError(f"run_ids must be a 1-D sequence of run indices, got shape "
                         f"{arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"run_ids must hold integers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if arr.size and (arr.min() < 0 or arr.max() > MAX_RUN_ID):
        raise ValueError(f"run_ids must lie in [0, 2**32), got min {arr.min()}, "
                         f"max {arr.max()}")
    return arr


def _seed_sequence(seed: Any) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator | np.random.BitGenerator | bool | float):
        raise TypeError(f"seed must be an int, a sequence of ints, a SeedSequence or None, "
                        f"got {type(seed).__name__}")
    try:
        return np.random.SeedSequence(seed)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"seed: {exc}") from None


class PerRunStreams:
    r"""Counter-based random streams, one per run, drawn for all runs at once.

    Implements the part of the ``numpy.random.Generator`` interface that the oracles use
    (:meth:`random`, :meth:`standard_normal`, :meth:`integers`, :meth:`binomial`), with the
    leading axis of ``size`` indexing runs: row ``r`` of every draw depends only on the
    seed, the run id of row ``r`` and the draw index (module docstring).

    Parameters
    ----------
    seed : int, sequence of int, SeedSequence or None
        Entropy for ``numpy.random.SeedSequence`` (``None``: fresh entropy from the OS,
        readable afterwards as ``streams.seed.entropy``).
    run_ids : sequence of int, optional
        Global index of each row, in :math:`[0, 2^{32})`. Default: rows ``0, 1, ...`` of
        whatever number of runs is drawn. Repeated ids are allowed and give those rows the
        same numbers (common random numbers across a hyperparameter sweep).

    Attributes
    ----------
    seed : SeedSequence
        The seed sequence the key comes from.
    key : tuple of int
        The two 32-bit Philox key words, ``seed.generate_state(2, uint32)``.
    run_ids : ndarray of int64 or None
        As given.
    draws : int
        Draws made so far (the index ``k`` of the next one); shared with the
        streams :meth:`view` returns, not with the copies :meth:`subset` returns.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab.streams import PerRunStreams
    >>> whole = PerRunStreams(7).standard_normal((12, 3))
    >>> part = PerRunStreams(7).subset(slice(5, 12)).standard_normal((7, 3))
    >>> bool(np.array_equal(whole[5:], part))
    True

    Through :func:`convlab.run`: rows 2 to 5 of a 6-run batch, run on their own, follow
    the same sample paths:

    >>> from convlab import optimizers, oracles, problems, run
    >>> p = problems.quadratic([1.0, 4.0])
    >>> o, opt = oracles.gaussian(p, sigma=0.1), optimizers.sam(0.05, 0.05)
    >>> full = run(p, opt, [1.0, 1.0], 20, oracle=o, rng=PerRunStreams(1), runs=6)
    >>> chunk = run(p, opt, [1.0, 1.0], 20, oracle=o, rng=PerRunStreams(1).subset(slice(2, 6)),
    ...             runs=4)
    >>> bool(np.array_equal(full.x[2:], chunk.x))
    True
    """

    __slots__ = ("_cell", "_keys", "key", "run_ids", "seed")

    def __init__(self, seed: Any = None, run_ids: Any = None) -> None:
        self.seed = _seed_sequence(seed)
        k0, k1 = (int(w) for w in self.seed.generate_state(2, np.uint32))
        self.key = (k0, k1)
        self._keys = key_schedule(self.key, ROUNDS, 3)
        self.run_ids = None if run_ids is None else _check_run_ids(run_ids)
        self._cell = [0]

    # ---------------------------------------------------------------------------- views

    @property
    def draws(self) -> int:
        """Number of draws made so far (the draw index of the next draw)."""
        return self._cell[0]

    def _with(self, run_ids: np.ndarray | None, cell: list[int]) -> PerRunStreams:
        new = object.__new__(PerRunStreams)
        new.seed, new.key, new._keys = self.seed, self.key, self._keys
        new.run_ids, new._cell = run_ids, cell
        return new

    def _ids_of(self, rows: Any) -> np.ndarray:
        if self.run_ids is not None:
            return self.run_ids[rows]
        if isinstance(rows, slice):
            if rows.stop is None or rows.stop < 0 or (rows.start or 0) < 0:
                raise ValueError("rows: a slice of streams without run_ids needs a "
                                 "non-negative start and stop")
            return np.arange(rows.stop, dtype=np.int64)[rows]
        arr = np.asarray(rows)
        if arr.dtype == bool:
            return np.flatnonzero(arr)
        return np.atleast_1d(arr)

    def subset(self, rows: Any) -> PerRunStreams:
        """Independent streams for some runs, at the current draw position.

        ``rows`` (a slice, integer indices or a boolean mask) selects from ``run_ids``, or
        gives the global run indices themselves when ``run_ids`` is ``None``. The copy has
        its own draw counter: drawing from it does not advance ``self``, so every chunk of
        a split run can start from the same position.
        """
        return self._with(_check_run_ids(self._ids_of(rows)), [self.draws])

    def view(self, rows: Any, runs: int) -> PerRunStreams:
        """The streams of rows ``rows`` of a ``runs``-row draw, *sharing* the draw counter.

        Used by :meth:`convlab.oracles.Sample.take`, so that ``fresh()`` on part of a
        sample draws what ``fresh()`` on the whole sample would draw for those rows.
        """
        return self._with(_check_run_ids(self.rows(runs)[rows]), self._cell)

    def rows(self, runs: int) -> np.ndarray:
        """The run ids of a draw of ``runs`` rows (checked against ``run_ids``)."""
        if self.run_ids is None:
            return np.arange(runs, dtype=np.int64)
        if len(self.run_ids) != runs:
            raise ValueError(f"the streams have {len(self.run_ids)} run_ids but "
                             f"{runs} runs are drawn")
        return self.run_ids

    # ---------------------------------------------------------------------------- draws

    def words(self, size: Any) -> np.ndarray:
        """One draw of random 64-bit words of shape ``size`` (leading axis: runs)."""
        shape = (size,) if isinstance(size, numbers.Integral) else tuple(int(s) for s in size)
        if not shape:
            raise ValueError("size must have a leading runs axis")
        ids = self.rows(shape[0])
        m = math.prod(shape[1:])
        k = self._cell[0]
        self._cell[0] = k + 1
        blocks = (m + 1) // 2
        runs = len(ids)
        even = np.empty((2, runs, blocks), dtype=np.uint64)   # (block index, k mod 2^32)
        odd = np.empty((2, runs, blocks), dtype=np.uint64)    # (run id, k div 2^32)
        even[0] = np.arange(blocks, dtype=np.uint64)
        even[1] = k & MASK32
        odd[0] = ids.astype(np.uint64)[:, None]
        odd[1] = (k >> 32) & MASK32
        even, odd = philox_rounds(even, odd, self._keys)
        np.left_shift(even, np.uint64(32), out=even)
        np.bitwise_or(even, odd, out=even)                    # (c0 c1, c2 c3) as 64 bits
        out = even.transpose(1, 2, 0).reshape(runs, 2 * blocks)
        return (out if m == 2 * blocks else out[:, :m]).reshape(shape)

    def random(self, size: Any) -> np.ndarray:
        """Uniforms on ``[0, 1)`` (53 bits), shape ``size``."""
        return to_uniform(self.words(size))

    def standard_normal(self, size: Any) -> np.ndarray:
        """Standard normals (by inversion), shape ``size``."""
        return to_normal(self.words(size))

    def integers(self, low: int, high: int, size: Any) -> np.ndarray:
        """Integers uniform on ``[low, high)`` (int64), shape ``size``."""
        low, high = int(low), int(high)
        if high <= low:
            raise ValueError(f"high must be > low, got low={low}, high={high}")
        k = np.floor(self.random(size) * (high - low)).astype(np.int64)
        return np.minimum(k, high - low - 1) + low

    def binomial(self, n: int, p: float, size: Any) -> np.ndarray:
        r"""Binomial counts :math:`\mathrm{Bin}(n, p)` (int64) by CDF inversion, shape
        ``size``."""
        if (isinstance(n, bool) or not isinstance(n, numbers.Real)
                or not float(n).is_integer() or n < 0):
            raise ValueError(f"n must be a non-negative integer, got {n!r}")
        if not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"p must be in [0, 1], got {p!r}")
        table = binomial_cdf_table(int(n), float(p))
        return np.searchsorted(table, self.random(size), side="right").astype(np.int64)

    # ---------------------------------------------------------------------------- misc

    def describe(self) -> dict[str, Any]:
        """Metadata recorded in traces: the mode and, for an int seed, the seed."""
        ent = self.seed.entropy
        seed = ent if isinstance(ent, int) and not self.seed.spawn_key else None
        return {"rng": "per_run", "seed": seed}

    def __repr__(self) -> str:
        ids = "None" if self.run_ids is None else f"[{len(self.run_ids)} ids]"
        return (f"PerRunStreams(entropy={self.seed.entropy!r}, run_ids={ids}, "
                f"draws={self.draws})")
