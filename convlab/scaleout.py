"""Scale-out of :func:`convlab.report.verify` over a Dask cluster.

``convlab verify --jobs N`` starts a local cluster of ``N`` single-threaded worker
processes; ``convlab verify --scheduler ADDRESS`` connects to a running
``dask scheduler``. Dask (``pip install -e ".[dask]"``) is imported only when one of them
is asked for, so convlab works without it.

What is distributed is the claim: each task is ``claims.get(key).check(size, rng)`` with
the integer seed the serial run gives that claim, so the results are identical to a serial
run. The configurations inside a claim's sweep are not split further: a scenario is an
opaque ``scenario(size, rng)`` that holds its whole sweep in one array operation
(per-run hyperparameter arrays), and most draw their rotations, starting points and
samples from one generator in sequence, so a configuration's numbers depend on those drawn
before it. Splitting a sweep would need every scenario rewritten with a seed per
configuration and would change the numbers. The claims (dozens) are already more tasks
than a small cluster has workers; the longest claim bounds the wall time.

Results come back to the client process, which writes them (atomically) as each task
finishes. A worker computes with its own copy of convlab, so every task reports the
versions it ran with and the client refuses a result computed with other convlab sources
(SHA-256 of its ``.py`` files, so a commit that touches no code does not count), or another
convlab, NumPy or SciPy version.
"""

from __future__ import annotations

import contextlib
import hashlib
import numbers
import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

#: What a worker must share with the client for its numbers to count as the client's.
SAME_ON_WORKERS = ("convlab_version", "source_sha256", "numpy_version", "scipy_version")

#: Thread counts of the BLAS / OpenMP pools, which Dask sets to 1 in the workers it spawns.
BLAS_THREADS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")

_INSTALL = 'pip install -e ".[dask]"'


def check_jobs(jobs: Any) -> int:
    """Validate a number of worker processes.

    Parameters
    ----------
    jobs : int
        Number of local worker processes; 1 means in-process (no Dask).

    Returns
    -------
    int
        ``jobs`` as a Python int.

    Raises
    ------
    ValueError
        If ``jobs`` is not an integer or is smaller than 1.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, numbers.Integral):
        raise ValueError(f"jobs={jobs!r} must be an integer >= 1")
    if jobs < 1:
        raise ValueError(f"jobs={jobs!r} must be >= 1 (1 runs the claims in this process)")
    return int(jobs)


def is_distributed(scheduler: str | None = None, jobs: Any = 1) -> bool:
    """Whether ``scheduler`` and ``jobs`` ask for a Dask cluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running Dask scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
    jobs : int
        Number of local worker processes (1: in-process).

    Returns
    -------
    bool
        True when a scheduler is given or ``jobs > 1``.

    Raises
    ------
    ValueError
        If ``jobs`` is not an integer >= 1, if ``scheduler`` is not a non-empty string, or
        if both a scheduler and ``jobs > 1`` are given.
    """
    jobs = check_jobs(jobs)
    if scheduler is None:
        return jobs > 1
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ValueError(f"scheduler={scheduler!r} must be an address such as "
                         "'tcp://HOST:8786'")
    if jobs > 1:
        raise ValueError(f"give scheduler={scheduler!r} or jobs={jobs}, not both: the "
                         "scheduler's workers set the parallelism")
    return True


def check_seed(rng: Any) -> int:
    """Validate the seed of a distributed run.

    Parameters
    ----------
    rng : int
        Seed given to every claim.

    Returns
    -------
    int
        ``rng`` as a Python int.

    Raises
    ------
    ValueError
        If ``rng`` is not an integer: a Generator shared by the claims is consumed in
        claim order by a serial run, which processes cannot reproduce.
    """
    if isinstance(rng, bool) or not isinstance(rng, numbers.Integral):
        raise ValueError(f"rng={rng!r} must be an integer seed to run claims on a cluster")
    return int(rng)


def require_distributed() -> Any:
    """Import ``dask.distributed``, or explain how to install it.

    Returns
    -------
    module
        The ``distributed`` module.

    Raises
    ------
    ImportError
        If dask.distributed is not installed; the message names the ``dask`` extra.
    """
    try:
        import distributed
    except ImportError as exc:
        raise ImportError("running claims on a Dask cluster (--jobs N > 1 or --scheduler "
                          f"ADDRESS) needs dask.distributed: {_INSTALL}") from exc
    return distributed


@contextlib.contextmanager
def cluster_client(scheduler: str | None = None, jobs: int = 1) -> Iterator[Any]:
    """A Dask client for ``scheduler`` or ``jobs`` local worker processes, or None.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running Dask scheduler. Its workers need convlab installed at the
        same git revision as this process.
    jobs : int
        Without ``scheduler``: start a ``LocalCluster`` of ``jobs`` worker processes with
        one thread each (its HTTP server on a free local port; the BLAS thread settings of
        this process, see :func:`_local_cluster`); it is shut down on exit. 1 yields None.

    Yields
    ------
    distributed.Client or None
        None when neither asks for a cluster (run in this process).

    Raises
    ------
    ValueError
        If the arguments are invalid (see :func:`is_distributed`) or the address is
        malformed.
    ImportError
        If dask.distributed is not installed.
    ConnectionError
        If no scheduler answers at ``scheduler`` within Dask's connect timeout
        (``distributed.comm.timeouts.connect``).
    """
    if not is_distributed(scheduler, jobs):
        yield None
        return
    distributed = require_distributed()
    if scheduler is None:
        with _local_cluster(distributed, jobs) as cluster, \
                distributed.Client(cluster, set_as_default=False) as client:
            yield client
        return
    try:
        client = distributed.Client(scheduler, set_as_default=False)
    except ValueError as exc:
        raise ValueError(f"scheduler={scheduler!r}: {exc}") from exc
    except OSError as exc:
        raise ConnectionError(f"scheduler={scheduler!r}: no Dask scheduler answered ({exc}); "
                              "start one with `dask scheduler` and workers with "
                              "`dask worker ADDRESS`") from exc
    with client:
        yield client


@contextlib.contextmanager
def _local_cluster(distributed: Any, jobs: int) -> Iterator[Any]:
    """A LocalCluster whose workers keep this process's BLAS thread settings.

    Dask gives the workers it spawns one BLAS / OpenMP thread (and sets those variables
    in this process's environment while spawning). Some BLAS products round differently
    with another thread count (measured: with 1 thread per worker against a 2-thread
    serial run, 2 of ~3750 per-run values of ``si_yun_2023.sam.stochastic_upper_bound``
    at full size differ in the last ulp), so the workers get this process's settings
    instead: their numbers are then bit-identical to a serial run's. On a small machine
    that oversubscribes the cores (``jobs`` workers x the BLAS threads); run both the
    serial and the distributed run with ``OPENBLAS_NUM_THREADS=1`` (README, "Scale-out")
    for speed with identical numbers. This process's environment is restored once the
    workers are started.
    """
    import dask

    spawn = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ").items()
             if k not in BLAS_THREADS}
    spawn.update({k: os.environ[k] for k in BLAS_THREADS if k in os.environ})
    saved = dict(os.environ)
    try:
        with dask.config.set({"distributed.nanny.pre-spawn-environ": spawn}):
            cluster = distributed.LocalCluster(n_workers=jobs, threads_per_worker=1,
                                               processes=True,
                                               dashboard_address="127.0.0.1:0")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    with cluster:
        yield cluster


def describe(client: Any) -> str:
    """``"<n> workers at <address>"`` for a progress line.

    Parameters
    ----------
    client : distributed.Client
        A connected client.

    Returns
    -------
    str
        The number of workers and the scheduler's address.
    """
    n = len(client.scheduler_info().get("workers", {}))
    wait = "" if n else " (none yet: the tasks wait for `dask worker` to connect)"
    return f"{n} workers at {client.scheduler.address}{wait}"


def environment() -> dict[str, Any]:
    """What a result depends on besides its arguments: provenance and source digest.

    Returns
    -------
    dict
        :func:`convlab._provenance.provenance` plus ``source_sha256``, the SHA-256 of
        convlab's ``.py`` files (relative paths and contents, sorted by path), read now.
    """
    from ._provenance import provenance

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return {**provenance(), "source_sha256": digest.hexdigest()}


def check_claim(key: str, size: str, rng: int, claim_files: Sequence[str] = ()
                ) -> tuple[Any, dict[str, Any]]:
    """Run one claim (the task a worker executes).

    Parameters
    ----------
    key : str
        Claim key (looked up in the worker's own registry).
    size : {"small", "full"}
        Scenario size.
    rng : int
        Seed of the scenario.
    claim_files : sequence of str
        Claim files (``--claims``) to load on the worker first (the same paths must
        exist there).

    Returns
    -------
    result : ClaimResult
        ``claims.get(key).check(size=size, rng=rng)``.
    environment : dict
        The worker's :func:`environment`.
    """
    from . import claims

    for path in claim_files:
        claims.load_file(path)
    return claims.get(key).check(size=size, rng=rng), environment()


def same_environment(worker: dict[str, Any], client: dict[str, Any], key: str) -> None:
    """Check that a worker computed with the client's convlab, NumPy and SciPy.

    Parameters
    ----------
    worker, client : dict
        :func:`environment` of the worker that ran the task and of this process.
    key : str
        The claim, named in the error.

    Raises
    ------
    RuntimeError
        If one of :data:`SAME_ON_WORKERS` differs.
    """
    diff = {k: (worker.get(k), client.get(k)) for k in SAME_ON_WORKERS
            if worker.get(k) != client.get(k)}
    if diff:
        text = ", ".join(f"{k}: worker {w!r}, here {c!r}" for k, (w, c) in diff.items())
        raise RuntimeError(f"claim {key!r} ran on a worker with another environment ({text});"
                           " install convlab at the same git revision on every worker")


def map_claims(client: Any, keys: Sequence[str], size: str, rng: Any,
               claim_files: Sequence[str] = ()) -> Iterator[tuple[int, Any]]:
    """Submit one task per claim and yield the results as they finish.

    Parameters
    ----------
    client : distributed.Client
        A connected client.
    keys : sequence of str
        Claim keys.
    size : {"small", "full"}
        Scenario size.
    rng : int
        Seed given to every claim, as in the serial run.
    claim_files : sequence of str
        Claim files each worker loads before it runs a claim.

    Yields
    ------
    index : int
        Position of the claim in ``keys``.
    result : ClaimResult
        Its result, in order of completion (not of ``keys``).

    Raises
    ------
    ValueError
        If ``rng`` is not an integer seed (:func:`check_seed`).
    RuntimeError
        If a worker runs another convlab, NumPy or SciPy (:func:`same_environment`).
    Exception
        Whatever a claim raised on its worker.
    """
    seed = check_seed(rng)
    distributed = require_distributed()
    here = environment()
    run_id = uuid.uuid4().hex[:8]
    futures = {client.submit(check_claim, key, size, seed, tuple(map(str, claim_files)),
                             pure=False,
                             key=f"convlab-{key}-{run_id}"): i for i, key in enumerate(keys)}
    try:
        for future in distributed.as_completed(futures, loop=client.loop):
            result, there = future.result()
            same_environment(there, here, keys[futures[future]])
            yield futures[future], result
    finally:
        client.cancel(list(futures))
