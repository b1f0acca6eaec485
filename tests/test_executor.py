"""The local process pool's fault tolerance: a worker that dies or a job that fails is
retried, a refusal of ours is not, and results keep their job's index.

Jobs are (marker directory, index, behaviour) tuples; a job records each attempt as a file,
so the test can count how often it ran across processes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zkanchor.errors import InputError
from zkanchor.executor import LocalExecutor


def _attempt(marks: str, index: int) -> int:
    """Record one more attempt of job ``index``; return how many there were before."""
    before = len(list(Path(marks).glob(f"job-{index}-*")))
    (Path(marks) / f"job-{index}-{before}-{os.getpid()}").touch()
    return before


def _job(args: tuple[str, int, str]) -> tuple[int, int]:
    marks, index, behaviour = args
    before = _attempt(marks, index)
    if before == 0 and behaviour == "die once":
        os._exit(9)  # the worker process dies as if killed (out of memory, a node lost)
    if behaviour == "fail once" and before == 0:
        raise RuntimeError("a transient failure")
    if behaviour == "always fail":
        raise RuntimeError("a persistent failure")
    if behaviour == "refuse":
        raise InputError("our own refusal: retrying cannot change it")
    return index, index * index


def _attempts(marks: Path, index: int) -> int:
    return len(list(marks.glob(f"job-{index}-*")))


@pytest.fixture
def pool():
    executor = LocalExecutor(2).start()
    yield executor
    executor.close()


def test_a_worker_that_dies_is_replaced_and_its_job_retried(pool, tmp_path):
    jobs = [(str(tmp_path), i, "die once" if i == 1 else "ok") for i in range(4)]
    results = dict(pool.stream(_job, jobs, retries=1))
    assert results == {i: (i, i * i) for i in range(4)}
    assert _attempts(tmp_path, 1) == 2


def test_a_failed_job_is_retried_and_lands(pool, tmp_path):
    jobs = [(str(tmp_path), i, "fail once" if i == 2 else "ok") for i in range(3)]
    assert sorted(pool.stream(_job, jobs, retries=1)) == [(i, (i, i * i)) for i in range(3)]
    assert [_attempts(tmp_path, i) for i in range(3)] == [1, 1, 2]


def test_a_job_that_keeps_failing_raises_after_its_retries(pool, tmp_path):
    jobs = [(str(tmp_path), 0, "always fail"), (str(tmp_path), 1, "ok")]
    with pytest.raises(RuntimeError, match="persistent"):
        list(pool.stream(_job, jobs, retries=2))
    assert _attempts(tmp_path, 0) == 3


def test_a_worker_that_keeps_dying_is_not_retried_for_ever(pool, tmp_path):
    from concurrent.futures.process import BrokenProcessPool

    jobs = [(str(tmp_path), 0, "die once"), (str(tmp_path), 1, "ok")]
    with pytest.raises(BrokenProcessPool):
        list(pool.stream(_job, jobs, retries=0))


def test_our_refusal_is_not_retried(pool, tmp_path):
    jobs = [(str(tmp_path), 0, "refuse"), (str(tmp_path), 1, "ok")]
    with pytest.raises(InputError, match="our own refusal"):
        list(pool.stream(_job, jobs, retries=3))
    assert _attempts(tmp_path, 0) == 1


def test_map_keeps_job_order(pool, tmp_path):
    jobs = [(str(tmp_path), i, "ok") for i in range(5)]
    assert pool.map(_job, jobs) == [(i, i * i) for i in range(5)]
