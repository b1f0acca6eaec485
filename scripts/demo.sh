#!/usr/bin/env bash
# Set up (idempotently) and run the main demo; extra args go to the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/demo.py "$@"
