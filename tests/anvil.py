"""Run a throwaway anvil node (from the npm package @foundry-rs/anvil) for tests.

``running_anvil()`` starts ``node_modules/.bin/anvil --host 127.0.0.1 --port <free> --quiet``
in its own process group, waits until it answers JSON-RPC, yields its URL and stops it.
The ``anvil_url`` fixture (registered in conftest.py) wraps it and skips, with the reason,
when anvil is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from typing import Iterator

import pytest

from zkanchor.paths import node_bin

START_TIMEOUT_S = 30
MISSING_REASON = "needs anvil (node_modules/.bin/anvil from @foundry-rs/anvil) and node; run scripts/setup.sh"


def anvil_path():
    """The anvil launcher, or None when it (or node, which runs it) is missing."""
    path = node_bin("anvil")
    return path if path.exists() and shutil.which("node") else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return "result" in json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return False


def _stop(proc: subprocess.Popen) -> None:
    # The npm launcher is a node process that spawns the native binary: signal the whole
    # process group we created for it, so neither outlives the test.
    for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def running_anvil(*extra_args: str, attempts: int = 3) -> Iterator[str]:
    """Start anvil on a free loopback port, yield ``http://127.0.0.1:<port>``, stop it afterwards."""
    launcher = anvil_path()
    if launcher is None:
        raise RuntimeError(MISSING_REASON)
    last_error = ""
    for _ in range(attempts):  # the free port can be taken between probing and binding
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [str(launcher), "--host", "127.0.0.1", "--port", str(port), "--quiet", *extra_args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while time.monotonic() < deadline and proc.poll() is None and not _answers(url):
                time.sleep(0.1)
            if proc.poll() is None and _answers(url):
                yield url
                return
            last_error = (proc.stderr.read().decode(errors="replace") if proc.poll() is not None else "timed out")
        finally:
            _stop(proc)
            proc.stderr.close()
    raise RuntimeError(f"anvil did not start: {last_error.strip()[:500]}")


@pytest.fixture(scope="session")
def anvil_url() -> Iterator[str]:
    """URL of an anvil node shared by the session; skips when anvil is not installed."""
    if anvil_path() is None:
        pytest.skip(MISSING_REASON)
    with running_anvil() as url:
        yield url
