#!/usr/bin/env bash
# Set up (idempotently) and run the test suite: the fast suite, then the slow end-to-end
# and large cases.  `scripts/test.sh --fast` runs only the fast suite (the inner loop, on
# every core with pytest-xdist);
# any other arguments go to pytest (e.g. `scripts/test.sh --fast tests/test_training.py -x`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
fast=0
args=()
for a in "$@"; do
  if [ "$a" = "--fast" ]; then fast=1; else args+=("$a"); fi
done
# The fast suite on every core (ZKANCHOR_TEST_WORKERS=0 runs it in this process, e.g. for
# pdb); the slow suite stays serial: its simulator runs use all cores by themselves.
.venv/bin/python -m pytest -m "not slow" -n "${ZKANCHOR_TEST_WORKERS:-auto}" ${args[@]+"${args[@]}"}
if [ "$fast" = 0 ]; then
  status=0
  .venv/bin/python -m pytest -m slow ${args[@]+"${args[@]}"} || status=$?
  # 5: no slow test selected (e.g. a single fast file was named)
  if [ "$status" != 0 ] && [ "$status" != 5 ]; then exit "$status"; fi
fi
