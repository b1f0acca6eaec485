"""Where proofs are made: a local process pool by default, a Dask cluster on request.

Both run :func:`simulator.proving.prove_job` / ``setup_job`` on picklable jobs and hand
the results back **in job order**, whatever order they finish in, so the event log does
not depend on scheduling.  A Dask cluster's workers must be able to import ``zkanchor``
and ``simulator`` (the same checkout or installation as the client).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from zkanchor.errors import InputError



def usable_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _limit_threads(threads: int) -> None:
    # Worker processes share the cores: the native kernel must not oversubscribe them.
    os.environ["ZKANCHOR_THREADS"] = str(threads)


def _ready(_job: object) -> int:
    return os.getpid()


def _context() -> multiprocessing.context.BaseContext:
    # fork: workers inherit the loaded prover and, unlike spawn/forkserver, never re-import
    # the caller's __main__ (a script without a main guard would otherwise run again).
    # The pool is forked at once, before the run connects to a chain or starts threads.
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


@dataclass
class LocalExecutor:
    """A pool of ``workers`` local processes, started by :meth:`start` and reused for the whole run."""

    workers: int
    _pool: ProcessPoolExecutor | None = field(default=None, repr=False)

    def start(self) -> "LocalExecutor":
        """Start the worker processes now (one process per worker; none for a single worker)."""
        if self.workers > 1 and self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=_context(),
                initializer=_limit_threads, initargs=(max(1, usable_cpus() // self.workers),),
            )
            list(self._pool.map(_ready, range(self.workers)))
        return self

    @property
    def where(self) -> str:
        """A short description for the log."""
        return f"local process pool ({self.workers} worker{'s' if self.workers != 1 else ''})"

    def map(self, fn: Callable[[Any], Any], jobs: Sequence[Any]) -> list[Any]:
        """``[fn(job) for job in jobs]``, computed in the pool; in-process for a single job."""
        if not jobs:
            return []
        if len(jobs) == 1 or self.workers == 1:
            return [fn(job) for job in jobs]  # no pickling round trip when nothing overlaps
        return list(self.start()._pool.map(fn, jobs))

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


@dataclass
class DaskExecutor:
    """Jobs sent to the Dask scheduler at ``address`` (``tcp://host:8786``)."""

    address: str
    client: Any = field(default=None, repr=False)

    @property
    def where(self) -> str:
        """A short description for the log (no host: the log must not depend on where it ran)."""
        return "dask cluster"

    def map(self, fn: Callable[[Any], Any], jobs: Sequence[Any]) -> list[Any]:
        """Submit every job, gather the results in job order."""
        if not jobs:
            return []
        # pure=False: two identical jobs are still two proofs to make (and time).
        futures = self.client.map(fn, list(jobs), pure=False)
        return self.client.gather(futures)

    def close(self) -> None:
        """Disconnect from the scheduler (the cluster keeps running)."""
        if self.client is not None:
            self.client.close()
            self.client = None


def make_executor(scheduler: str | None = None, workers: int | None = None) -> LocalExecutor | DaskExecutor:
    """A Dask executor when ``scheduler`` is given, else a local pool of ``workers`` (default: the CPUs)."""
    if scheduler is None:
        return LocalExecutor(max(1, workers or usable_cpus())).start()
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError("--scheduler needs Dask; install it with 'pip install \"dask[distributed]\"'") from None
    try:
        client = Client(scheduler, timeout=10)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler!r} ({str(exc).splitlines()[0][:160]})") from None
    return DaskExecutor(scheduler, client)
