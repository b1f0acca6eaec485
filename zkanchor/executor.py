"""Where proofs are made: a local process pool by default, a Dask cluster on request.

Both run a picklable function over picklable jobs.  ``map`` hands the results back **in
job order**, whatever order they finish in (the simulator's log must not depend on
scheduling); ``stream`` yields (index, result) as each job lands, so a caller can save
or anchor every result at once — checkpoint segments are anchored as each is proven.
A failed job is retried ``retries`` times (a Dask worker that dies takes its job with
it; the scheduler gives it to another).  A Dask cluster's workers must be able to
import ``zkanchor`` (the same installation as the client).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from .errors import InputError, ZkAnchorError


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

    def stream(self, fn: Callable[[Any], Any], jobs: Sequence[Any], retries: int = 1) -> Iterator[tuple[int, Any]]:
        """Yield (index, fn(jobs[index])) as each job finishes; a job that raises is retried."""
        if not jobs:
            return
        if self.workers == 1 or len(jobs) == 1:
            for i, job in enumerate(jobs):
                yield i, _with_retries(fn, job, retries)
            return
        pool = self.start()._pool
        attempts = {i: 0 for i in range(len(jobs))}
        pending = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                i = pending.pop(future)
                try:
                    result = future.result()
                except (ZkAnchorError, KeyboardInterrupt):
                    raise
                except BrokenProcessPool:
                    # A worker died (killed, out of memory): every pending job died with the
                    # pool; restart it and resubmit them all.
                    lost = [i] + list(pending.values())
                    if any(attempts[j] >= retries for j in lost):
                        raise
                    for j in lost:
                        attempts[j] += 1
                    self.close()
                    pool = self.start()._pool
                    pending = {pool.submit(fn, jobs[j]): j for j in lost}
                    break
                except Exception:
                    if attempts[i] >= retries:
                        raise
                    attempts[i] += 1
                    pending[pool.submit(fn, jobs[i])] = i
                    continue
                yield i, result

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

    def stream(self, fn: Callable[[Any], Any], jobs: Sequence[Any], retries: int = 1) -> Iterator[tuple[int, Any]]:
        """Yield (index, result) as each job finishes on the cluster (the scheduler retries failures)."""
        if not jobs:
            return
        from dask.distributed import as_completed

        futures = self.client.map(fn, list(jobs), pure=False, retries=retries)
        index = {f.key: i for i, f in enumerate(futures)}
        for future in as_completed(futures):
            yield index[future.key], future.result()

    def close(self) -> None:
        """Disconnect from the scheduler (the cluster keeps running)."""
        if self.client is not None:
            self.client.close()
            self.client = None


def _with_retries(fn: Callable[[Any], Any], job: Any, retries: int) -> Any:
    for attempt in range(retries + 1):
        try:
            return fn(job)
        except (ZkAnchorError, KeyboardInterrupt):
            raise
        except Exception:
            if attempt == retries:
                raise
    raise AssertionError("unreachable")


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
