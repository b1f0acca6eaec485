#!/usr/bin/env bash
# Set up (idempotently) and run the test suite: the fast suite, then the slow end-to-end
# and large cases.  `scripts/test.sh --fast` runs only the fast suite (the inner loop);
# any other arguments go to pytest (e.g. `scripts/test.sh --fast tests/test_training.py -x`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
fast=0
args=()
for a in "$@"; do
  if [ "$a" = "--fast" ]; then fast=1; else args+=("$a"); fi
done
.venv/bin/python -m pytest -m "not slow" ${args[@]+"${args[@]}"}
if [ "$fast" = 0 ]; then
  status=0
  .venv/bin/python -m pytest -m slow ${args[@]+"${args[@]}"} || status=$?
  # 5: no slow test selected (e.g. a single fast file was named)
  if [ "$status" != 0 ] && [ "$status" != 5 ]; then exit "$status"; fi
fi
