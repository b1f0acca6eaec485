"""Fixtures shared by the whole test suite."""

from __future__ import annotations

# A throwaway anvil node for tests that need a real JSON-RPC chain (skips when anvil is
# not installed).  See tests/anvil.py.
from anvil import anvil_url  # noqa: F401
