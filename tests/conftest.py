"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

# A throwaway anvil node for tests that need a real JSON-RPC chain (skips when anvil is
# not installed).  See tests/anvil.py.
from anvil import anvil_url  # noqa: F401

_SESSION_CACHE: str | None = None


def pytest_configure(config):
    """Every cache the suite fills (keys, compiled contracts, circuit hashes) goes to a
    temporary directory, never into the checkout, unless ZKANCHOR_CACHE says where."""
    global _SESSION_CACHE
    if not os.environ.get("ZKANCHOR_CACHE"):
        _SESSION_CACHE = tempfile.mkdtemp(prefix="zkanchor-test-cache-")
        os.environ["ZKANCHOR_CACHE"] = _SESSION_CACHE


def pytest_unconfigure(config):
    if _SESSION_CACHE is not None:
        os.environ.pop("ZKANCHOR_CACHE", None)
        shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


@pytest.fixture(scope="module")
def key_cache(tmp_path_factory):
    """A key cache of the module's own (its path), for modules that count or tamper with
    what lands in it; the others share the session's."""
    with pytest.MonkeyPatch.context() as mp:
        path = tmp_path_factory.mktemp("zkanchor-cache")
        mp.setenv("ZKANCHOR_CACHE", str(path))
        yield path
