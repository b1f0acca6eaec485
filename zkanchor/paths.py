"""Where zkanchor finds its npm toolchain, its Solidity templates and its cache.

Each location can be overridden by an environment variable, read at call time so that
tests and scripts can redirect them:

- ``ZKANCHOR_NODE_MODULES`` — the ``node_modules`` directory holding solc-js, snarkjs, anvil;
- ``ZKANCHOR_CONTRACTS`` — the directory of Solidity sources and templates;
- ``ZKANCHOR_CACHE`` — the cache directory (compiled contracts, the solc-js wrapper, ptau files).

Defaults are relative to the source checkout (the directory above the package), because
``scripts/setup.sh`` installs the npm tools there.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else None


def _is_checkout(root: Path) -> bool:
    # An installed wheel puts the package in site-packages, whose parent is no project.
    return (root / "pyproject.toml").is_file() or (root / ".git").exists()


def project_root() -> Path:
    """The source checkout containing the package (may not be a checkout when installed)."""
    return PROJECT_ROOT


def node_modules_dir() -> Path:
    """The ``node_modules`` directory to take npm tools from.

    ``ZKANCHOR_NODE_MODULES`` wins; otherwise the checkout's ``node_modules`` if it exists,
    then ``./node_modules`` of the working directory (where ``npm install solc`` puts it),
    and finally the checkout's path even if missing, so error messages can name it.
    """
    explicit = _env_path("ZKANCHOR_NODE_MODULES")
    if explicit is not None:
        return explicit
    for candidate in (PROJECT_ROOT / "node_modules", Path.cwd() / "node_modules"):
        if candidate.is_dir():
            return candidate
    return PROJECT_ROOT / "node_modules"


def node_bin(tool: str) -> Path:
    """Path of an npm executable (``anvil``, ``snarkjs``, ``circom2``…) in ``node_modules/.bin``."""
    return node_modules_dir() / ".bin" / tool


def contracts_dir() -> Path:
    """The directory holding Solidity sources, templates and the precompiled registry.

    ``ZKANCHOR_CONTRACTS`` wins; then the checkout's top-level ``contracts/``; then the copy
    an installed package carries as ``zkanchor/contracts`` (setup.py puts it there).
    """
    explicit = _env_path("ZKANCHOR_CONTRACTS")
    if explicit is not None:
        return explicit
    in_checkout = PROJECT_ROOT / "contracts"
    if _is_checkout(PROJECT_ROOT) and in_checkout.is_dir():
        return in_checkout
    from importlib.resources import files

    return Path(str(files("zkanchor") / "contracts"))


def cache_dir(*parts: str) -> Path:
    """A (created) cache directory, optionally a named subdirectory of it.

    ``ZKANCHOR_CACHE`` wins; then ``<checkout>/.cache`` when running from a writable
    checkout; then ``~/.cache/zkanchor``.
    """
    base = _env_path("ZKANCHOR_CACHE")
    if base is None:
        base = Path.home() / ".cache" / "zkanchor"
        if _is_checkout(PROJECT_ROOT) and os.access(PROJECT_ROOT, os.W_OK):
            base = PROJECT_ROOT / ".cache"
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
