#!/usr/bin/env bash
# Idempotent set-up: a project-local virtual environment with zkanchor installed
# (editable, with test extras) and the pinned npm toolchain (solc-js, snarkjs, circom2,
# circomlibjs, anvil; playwright-core for the browser tests) and, as root on Debian, chromium.
# Each step re-runs only when its inputs changed.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; raise SystemExit(sys.version_info < (3, 11))' 2>/dev/null; then
  say "zkanchor needs Python >= 3.11 (found: $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11"
  exit 2
fi
command -v node >/dev/null || { say "zkanchor needs Node.js (>= 18) and npm for the Solidity compiler"; exit 2; }

mkdir -p .cache
stamp() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

if [ ! -x .venv/bin/python ]; then
  say "creating the virtual environment in .venv"
  "$PYTHON" -m venv .venv
fi
py_stamp=$(stamp pyproject.toml setup.py zkanchor/native/*.c zkanchor/native/*.h)
if [ "$(cat .cache/pip.stamp 2>/dev/null)" != "$py_stamp" ] || ! .venv/bin/python -c 'import zkanchor' 2>/dev/null; then
  say "installing zkanchor and its Python dependencies into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip "setuptools>=77"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,fast]"
  echo "$py_stamp" > .cache/pip.stamp
fi

npm_stamp=$(stamp package.json package-lock.json)
if [ "$(cat .cache/npm.stamp 2>/dev/null)" != "$npm_stamp" ] || [ ! -d node_modules/solc ]; then
  say "installing the pinned npm toolchain (solc, snarkjs, circom2, circomlibjs, anvil, playwright-core)"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$npm_stamp" > .cache/npm.stamp
fi

# Debian's chromium, for the explorer's browser tests (tests/test_explorer_browser.py, which skip
# without it). Only as root on a Debian-like system with apt-get, and only when it is missing;
# ZKANCHOR_NO_CHROMIUM=1 skips it.
if [ "${ZKANCHOR_NO_CHROMIUM:-}" != "1" ] && [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null \
   && [ "$(id -u)" = 0 ]; then
  say "installing Debian's chromium for the explorer's browser tests (ZKANCHOR_NO_CHROMIUM=1 skips this)"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
         || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; }; }; then
    say "could not install chromium; the explorer's browser tests will skip"
  fi
fi
